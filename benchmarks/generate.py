"""Synthetic datasets for the benchmarks, at three sizes, written under ``benchmarks/_data/``.

=========  ==========================================================================  =======
size       what                                                                        format
=========  ==========================================================================  =======
commune    the shipped sample (data/raw: 12 cells, 2015–2019, per-year sheets, titles,  xlsx
           merged two-row headers, a wide income sheet, a registry)
province   one province: 200 commune workbooks × 30 cells = 6,000 cells, 2015–2024;     xlsx
           each workbook has long sheets (a ``Năm`` column) of members (with member
           ratings), cell ratings and income, under a two-line title block
nation     63 provinces × 170 communes × 25 cells = 267,750 cells, 2015–2024:           csv
           2,677,500 cell-year rows of members (with member ratings) and of cell
           ratings, and income for 107,100 residential areas (1,071,000 rows); one
           folder per province with three CSV files (UTF-8 with BOM, as Excel saves)
nation_half  the first 32 provinces of ``nation`` (symbolic links), for the scaling    csv
           ratio
=========  ==========================================================================  =======

Also ``members_200k.xlsx`` (one workbook, one 200,000-row members sheet: 20,000 cells × 10
years) for the loader-vs-``read_excel`` target, and ``distinct/members_{20k,40k}.xlsx``
(the same 2,000 cells over 10 and 20 years: twice the rows, the same distinct values) for the
"cost grows with distinct values, not rows" target (small, because it is run under cProfile).

The nation size is written as CSV because writing ~55 million cells of xlsx (even with
XlsxWriter's constant-memory mode) takes several minutes and gigabytes of disk churn, and the
loader reads CSV through the same detect → extract → assemble → validate path; only the
first stage (calamine vs the ``csv`` module) differs. The province size and the 200k
workbook are real xlsx files, written with XlsxWriter (a benchmark-only dependency) when it is
installed, else with openpyxl's write-only mode (slower).

Cell names are realistic and unique nationally — "Chi bộ Thôn 7 xã Tân Phú tỉnh Nghệ An",
"Chi bộ Tổ dân phố số 12 phường Hòa Bình tỉnh Nghệ An", "Chi bộ Trường THCS xã …" — because
without a registry the ids are derived from the names. Residential cells share their name
with their income area ("Thôn 7 xã Tân Phú tỉnh Nghệ An"), so ``income_vs_rating`` joins
them. The numbers are consistent: the flow identity holds, parts never exceed the members,
the 20% quota on HTXSNV holds, poor households never exceed households — so the loaders do
their full work without drowning in warnings. Ratings use the old labels up to 2017 and the
new ones from 2018, with some abbreviated spellings.

Everything is seeded (reproducible) and cached: a size is skipped when its folder holds a
complete marker written by the same generator version; ``--force`` regenerates.

Usage::

    python benchmarks/generate.py                     # every size
    python benchmarks/generate.py --sizes province    # one size
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ngodong_analysis.outputs.template import INCOME_HEADER, MEMBER_HEADER_SUB

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DATA = HERE / "_data"
VERSION = 5  # bump when the generated data changes; cached folders are then rebuilt
YEARS = tuple(range(2015, 2025))
FIRST_NEW_SCALE_YEAR = 2018
MARKER = ".complete.json"  # hidden: the loaders skip it

PROVINCES = (
    "thành phố Hà Nội",
    "thành phố Hồ Chí Minh",
    "thành phố Hải Phòng",
    "thành phố Đà Nẵng",
    "thành phố Cần Thơ",
    "tỉnh Hà Giang",
    "tỉnh Cao Bằng",
    "tỉnh Bắc Kạn",
    "tỉnh Tuyên Quang",
    "tỉnh Lào Cai",
    "tỉnh Điện Biên",
    "tỉnh Lai Châu",
    "tỉnh Sơn La",
    "tỉnh Yên Bái",
    "tỉnh Hòa Bình",
    "tỉnh Thái Nguyên",
    "tỉnh Lạng Sơn",
    "tỉnh Quảng Ninh",
    "tỉnh Bắc Giang",
    "tỉnh Phú Thọ",
    "tỉnh Vĩnh Phúc",
    "tỉnh Bắc Ninh",
    "tỉnh Hải Dương",
    "tỉnh Hưng Yên",
    "tỉnh Thái Bình",
    "tỉnh Hà Nam",
    "tỉnh Nam Định",
    "tỉnh Ninh Bình",
    "tỉnh Thanh Hóa",
    "tỉnh Nghệ An",
    "tỉnh Hà Tĩnh",
    "tỉnh Quảng Bình",
    "tỉnh Quảng Trị",
    "tỉnh Thừa Thiên Huế",
    "tỉnh Quảng Nam",
    "tỉnh Quảng Ngãi",
    "tỉnh Bình Định",
    "tỉnh Phú Yên",
    "tỉnh Khánh Hòa",
    "tỉnh Ninh Thuận",
    "tỉnh Bình Thuận",
    "tỉnh Kon Tum",
    "tỉnh Gia Lai",
    "tỉnh Đắk Lắk",
    "tỉnh Đắk Nông",
    "tỉnh Lâm Đồng",
    "tỉnh Bình Phước",
    "tỉnh Tây Ninh",
    "tỉnh Bình Dương",
    "tỉnh Đồng Nai",
    "tỉnh Bà Rịa – Vũng Tàu",
    "tỉnh Long An",
    "tỉnh Tiền Giang",
    "tỉnh Bến Tre",
    "tỉnh Trà Vinh",
    "tỉnh Vĩnh Long",
    "tỉnh Đồng Tháp",
    "tỉnh An Giang",
    "tỉnh Kiên Giang",
    "tỉnh Hậu Giang",
    "tỉnh Sóc Trăng",
    "tỉnh Bạc Liêu",
    "tỉnh Cà Mau",
)
assert len(PROVINCES) == 63 and len(set(PROVINCES)) == 63

# Commune names: two syllables. None folds to a word the cell-kind patterns look for
# ("ap", "ban", "khu", "thon", "xom", "truong", …), so a police cell never reads as a school.
_FIRST = (
    "An Bình Cẩm Diễn Đông Gia Hòa Hưng Kim Lạc Long Minh Nam Nghĩa Phú Phúc Quang Quỳnh "
    "Sơn Tân Thạch Thanh Thiệu Thịnh Trung Vĩnh Xuân Yên Đại Hải Hồng Liên Mỹ Ngọc Phong "
    "Tam Tiên Văn Việt Đức"
).split()
_SECOND = (
    "An Bình Châu Điền Đông Hà Hải Hòa Hưng Khánh Lạc Lâm Lộc Lợi Minh Mỹ Nghĩa Ninh Phong "
    "Phú Phúc Quang Sơn Tân Thành Thịnh Thọ Thuận Tiến Trung Tây Vinh Xuân Yên Đức Hiệp "
    "Hội Lương Thắng Định"
).split()
COMMUNE_NAMES = tuple(f"{a} {b}" for a in _FIRST for b in _SECOND if a != b)

# Non-residential cells of a commune, in the order they are added (kind from the name).
INSTITUTIONS = (
    "Trường Mầm non",
    "Trường Tiểu học",
    "Trường THCS",
    "Công an",
    "Quân sự",
    "Trạm Y tế",
    "Cơ quan Đảng – Đoàn thể",
    "Hợp tác xã Nông nghiệp",
    "Cựu chiến binh",
    "Trường Tiểu học số 2",
    "Hưu trí",
    "Doanh nghiệp tư nhân số 1",
    "Ngân hàng Chính sách",
    "Bưu điện văn hóa",
    "Doanh nghiệp tư nhân số 2",
    "Hợp tác xã Dịch vụ",
    "Trường THPT",
    "Công ty Cổ phần Lâm nghiệp",
    "Hội Người cao tuổi",
    "Doanh nghiệp tư nhân số 3",
)

OLD_ORG = {
    1: ("Trong sạch, vững mạnh", "TSVM"),
    2: ("Hoàn thành tốt nhiệm vụ", "HTTNV"),
    3: ("Hoàn thành nhiệm vụ", "HTNV"),
    4: ("Yếu kém", "Yếu kém"),
}
OLD_TOP_COMMENDED = "Trong sạch, vững mạnh tiêu biểu"
NEW_ORG = {
    1: ("Hoàn thành xuất sắc nhiệm vụ", "HTXSNV"),
    2: ("Hoàn thành tốt nhiệm vụ", "HTTNV"),
    3: ("Hoàn thành nhiệm vụ", "HTNV"),
    4: ("Không hoàn thành nhiệm vụ", "KHTNV"),
}

# Long tables: a year column, then the office form's headers (the template's), the young
# members' shortened and the member ratings by code.
MEMBER_HEADERS = [
    "Năm",
    "Chi bộ",
    "Tổng số đảng viên",
    "Đảng viên trẻ",
    *(MEMBER_HEADER_SUB[col] for col in range(5, 12)),  # Nữ … Xóa tên, khai trừ
    "HTXSNV",
    "HTTNV",
    "HTNV",
    "KHTNV",
]
RATING_HEADERS = ["Năm", "Tên chi bộ", "Xếp loại"]
INCOME_HEADERS = ["Năm", *INCOME_HEADER[1:]]  # Tổ dân phố … Số hộ cận nghèo


def slug(text: str) -> str:
    t = text.replace("đ", "d").replace("Đ", "D")
    t = "".join(c for c in unicodedata.normalize("NFD", t) if not unicodedata.combining(c))
    return "_".join("".join(c if c.isalnum() else " " for c in t.lower()).split())


# ------------------------------------------------------------------------------- the model
@dataclass
class Region:
    """Cells, areas and ten years of numbers of one set of communes (one province)."""

    province: str
    communes: list[str]
    commune_of: np.ndarray  # per cell: index into communes
    cells: list[str]
    areas: list[str | None]  # per cell: its area's name (residential) or None
    members: pd.DataFrame  # long, MEMBER_HEADERS
    ratings: pd.DataFrame  # long, RATING_HEADERS
    income: pd.DataFrame  # long, INCOME_HEADERS


def region_counts(region: Region) -> dict[str, int]:
    """What a generated folder's marker records of its region: cells, areas (of residential
    cells), years, and the rows of the three tables."""
    return {
        "cells": len(region.cells),
        "areas": int(sum(a is not None for a in region.areas)),
        "years": len(YEARS),
        "member_rows": len(region.members),
        "rating_rows": len(region.ratings),
        "income_rows": len(region.income),
    }


def make_region(
    province: str,
    n_communes: int,
    cells_per_commune: int,
    residential: int,
    seed: int,
    years: tuple[int, ...] = YEARS,
    *,
    names: tuple[str, ...] = COMMUNE_NAMES,
    unique: bool = True,
) -> Region:
    """``unique``: cell names carry their commune and province ("Chi bộ Thôn 7 xã Tân Phú
    tỉnh Nghệ An"), as the benchmarks wrote them before committees; otherwise they repeat
    in every commune ("Chi bộ Thôn 7"), as real ones do. ``names``: the commune names to
    draw from (all of them, in order, when there are exactly ``n_communes``)."""
    rng = np.random.default_rng(seed)
    if len(names) == n_communes:
        picks = np.arange(n_communes)
        rng.choice(len(COMMUNE_NAMES), size=n_communes, replace=False)  # the same stream
    else:
        picks = rng.choice(len(names), size=n_communes, replace=False)
    communes = []
    for i in picks:
        kind = "xã" if rng.random() < 0.8 else ("phường" if rng.random() < 0.6 else "thị trấn")
        communes.append(f"{kind} {names[i]}")
    where = (lambda c: f" {c} {province}") if unique else (lambda c: "")
    cells: list[str] = []
    areas: list[str | None] = []
    commune_of = []
    n_inst = cells_per_commune - residential
    assert 0 <= n_inst <= len(INSTITUTIONS)
    for ci, commune in enumerate(communes):
        rural = commune.startswith("xã")
        for k in range(1, residential + 1):
            area = (f"Thôn {k}" if rural else f"Tổ dân phố số {k}") + where(commune)
            cells.append(f"Chi bộ {area}")
            areas.append(area)
            commune_of.append(ci)
        for inst in INSTITUTIONS[:n_inst]:
            cells.append(f"Chi bộ {inst}{where(commune)}")
            areas.append(None)
            commune_of.append(ci)
    n = len(cells)
    ny = len(years)
    is_res = np.array([a is not None for a in areas])

    # --- members: a start count, then flows that add up every year
    start = np.where(is_res, rng.lognormal(3.3, 0.45, n), rng.lognormal(2.4, 0.5, n))
    prev = np.maximum(np.rint(start), 3).astype(np.int64)
    cols: dict[str, list[np.ndarray]] = {k: [] for k in MEMBER_HEADERS[2:]}
    for _y in range(ny):
        admitted = rng.poisson(0.03 * prev + 0.2)
        t_in = rng.poisson(0.02 * prev + 0.1)
        room = np.maximum(prev + admitted + t_in - 3, 0)
        t_out = np.minimum(rng.poisson(0.02 * prev + 0.1), room)
        room -= t_out
        died = np.minimum(rng.poisson(0.012 * prev), room)
        room -= died
        removed = np.minimum(rng.binomial(1, 0.02, n), room)
        total = prev + admitted + t_in - t_out - died - removed
        exempt = rng.binomial(total, 0.05)
        rated = total - exempt
        khtnv = rng.binomial(rated, 0.01)
        htnv = rng.binomial(rated - khtnv, 0.08)
        good = rated - khtnv - htnv
        excellent = np.minimum(rng.binomial(good, 0.14), good // 6)
        while True:  # the quota in floating point exactly as the validator computes it
            over = excellent > 0.2 * (good - excellent)
            if not over.any():
                break
            excellent = np.where(over, excellent - 1, excellent)
        values = {
            "Tổng số đảng viên": total,
            "Đảng viên trẻ": rng.binomial(total, 0.22),
            "Nữ": rng.binomial(total, 0.36),
            "Miễn sinh hoạt": exempt,
            "Kết nạp": admitted,
            "Chuyển đến": t_in,
            "Chuyển đi": t_out,
            "Từ trần": died,
            "Xóa tên, khai trừ": removed,
            "HTXSNV": excellent,
            "HTTNV": good - excellent,
            "HTNV": htnv,
            "KHTNV": khtnv,
        }
        for k, v in values.items():
            cols[k].append(v)
        prev = total
    year_col = np.repeat(np.array(years), n)
    name_col = np.tile(np.array(cells, dtype=object), ny)
    members = pd.DataFrame({"Năm": year_col, "Chi bộ": name_col})
    for k in MEMBER_HEADERS[2:]:
        members[k] = np.concatenate(cols[k])

    # --- cell ratings: rank 1–4, the label of the year's scale, some abbreviated
    ranks = rng.choice([1, 2, 3, 4], size=(ny, n), p=[0.32, 0.58, 0.09, 0.01])
    short = rng.random((ny, n)) < 0.12
    commended = rng.random((ny, n)) < 0.05
    labels = np.empty((ny, n), dtype=object)
    for yi, year in enumerate(years):
        table = OLD_ORG if year < FIRST_NEW_SCALE_YEAR else NEW_ORG
        for r, (full, abbr) in table.items():
            sel = ranks[yi] == r
            labels[yi, sel & ~short[yi]] = full
            labels[yi, sel & short[yi]] = abbr
        if year < FIRST_NEW_SCALE_YEAR:
            labels[yi, (ranks[yi] == 1) & commended[yi]] = OLD_TOP_COMMENDED
    ratings = pd.DataFrame(
        {"Năm": year_col, "Tên chi bộ": name_col, "Xếp loại": labels.reshape(-1)}
    )

    # --- income of residential areas
    res_idx = np.flatnonzero(is_res)
    na = len(res_idx)
    households = rng.integers(80, 420, na)
    base = rng.uniform(18, 75, na)
    growth = rng.normal(0.07, 0.02, na)
    poor_rate = rng.uniform(0.005, 0.08, na)
    inc_cols: dict[str, list[np.ndarray]] = {k: [] for k in INCOME_HEADERS[2:]}
    for yi, year in enumerate(years):
        hh = households + rng.integers(0, 4, na) * yi
        pop = np.rint(hh * rng.uniform(3.3, 4.3, na)).astype(np.int64)
        income = np.round(base * (1 + growth) ** yi, 1)
        # the poverty standard doubles the counts in 2016 and 2022
        bump = 1.0 + (year >= 2016) * 0.8 + (year >= 2022) * 0.9
        poor = np.minimum(rng.binomial(hh, np.clip(poor_rate * bump * 0.93**yi, 0, 0.5)), hh)
        near = np.minimum(rng.binomial(hh, np.clip(poor_rate * bump * 1.3, 0, 0.5)), hh - poor)
        for k, v in zip(INCOME_HEADERS[2:], (hh, pop, income, poor, near), strict=True):
            inc_cols[k].append(v)
    area_names = np.array([areas[i] for i in res_idx], dtype=object)
    income_df = pd.DataFrame(
        {"Năm": np.repeat(np.array(years), na), "Tổ dân phố": np.tile(area_names, ny)}
    )
    for k in INCOME_HEADERS[2:]:
        income_df[k] = np.concatenate(inc_cols[k])
    return Region(
        province, communes, np.array(commune_of), cells, areas, members, ratings, income_df
    )


# ------------------------------------------------------------------------------- writers
def _xlsx_writer():
    try:
        import xlsxwriter  # noqa: F401

        return "xlsxwriter"
    except ImportError:
        return "openpyxl"


def write_xlsx(path: Path, sheets: dict[str, tuple[list[str], pd.DataFrame]]) -> None:
    """One workbook; each sheet: a two-line title, a blank row, the header, the rows."""
    tmp = path.with_name(path.name + ".tmp")
    if _xlsx_writer() == "xlsxwriter":
        import xlsxwriter

        wb = xlsxwriter.Workbook(str(tmp), {"constant_memory": True})
        bold = wb.add_format({"bold": True})
        for name, (title, df) in sheets.items():
            ws = wb.add_worksheet(name)
            for r, line in enumerate(title):
                ws.write_string(r, 0, line, bold)
            h = len(title) + 1
            for c, col in enumerate(df.columns):
                ws.write_string(h, c, str(col), bold)
            columns = [df[c].to_numpy() for c in df.columns]
            kinds = [df[c].dtype.kind for c in df.columns]
            for i in range(len(df)):
                for c, (values, kind) in enumerate(zip(columns, kinds, strict=True)):
                    v = values[i]
                    if kind == "O":
                        ws.write_string(h + 1 + i, c, v)
                    else:
                        ws.write_number(h + 1 + i, c, v)
        wb.close()
    else:
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        for name, (title, df) in sheets.items():
            ws = wb.create_sheet(name)
            for line in title:
                ws.append([line])
            ws.append([])
            ws.append(list(df.columns))
            for row in df.itertuples(index=False):
                ws.append([v.item() if hasattr(v, "item") else v for v in row])
        wb.save(tmp)
    os.replace(tmp, path)


def write_csv(path: Path, df: pd.DataFrame) -> None:
    tmp = path.with_name(path.name + ".tmp")
    df.to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\r\n")
    os.replace(tmp, path)


def _titles(commune: str, province: str, what: str) -> list[str]:
    return [f"ĐẢNG BỘ {commune.upper()} – {province.upper()}", f"{what} {YEARS[0]}–{YEARS[-1]}"]


# ------------------------------------------------------------------------------- sizes
def _complete(folder: Path, info: dict) -> bool:
    try:
        done = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return done.get("version") == VERSION and done.get("size") == info.get("size")


def _mark(folder: Path, info: dict, seconds: float) -> None:
    info = {**info, "version": VERSION, "seconds": round(seconds, 1)}
    (folder / MARKER).write_text(json.dumps(info, ensure_ascii=False, indent=1), "utf-8")


def _fresh(folder: Path) -> None:
    if folder.is_symlink() or folder.is_file():
        folder.unlink()
    elif folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)


def gen_commune(folder: Path) -> dict:
    raw = REPO / "data" / "raw"
    files = sorted(raw.glob("*.xlsx"))
    if not files:  # pragma: no cover - the sample ships with the repo
        sys.path.insert(0, str(REPO / "scripts"))
        import make_sample_data

        make_sample_data.generate(folder)
        files = sorted(folder.glob("*.xlsx"))
    else:
        for f in files:
            shutil.copy2(f, folder / f.name)
    return {"size": "commune", "files": len(files), "cells": 12, "years": 5}


def gen_province_unique(folder: Path) -> dict:
    """The province as the benchmarks wrote it before committees (generator version 3):
    one workbook per commune in one folder, every cell name unique in the province."""
    province = "tỉnh Nghệ An"
    region = make_region(province, n_communes=200, cells_per_commune=30, residential=12, seed=7)
    for ci, commune in enumerate(region.communes):
        names = set(np.array(region.cells, dtype=object)[region.commune_of == ci])
        areas = {a for a in region.areas if a is not None and f"Chi bộ {a}" in names}
        m = region.members[region.members["Chi bộ"].isin(names)]
        r = region.ratings[region.ratings["Tên chi bộ"].isin(names)]
        inc = region.income[region.income["Tổ dân phố"].isin(areas)]
        write_xlsx(
            folder / f"{ci + 1:03d}_{slug(commune)}.xlsx",
            {
                "Đảng viên": (
                    _titles(commune, province, "SỐ LƯỢNG, BIẾN ĐỘNG VÀ XẾP LOẠI ĐẢNG VIÊN"),
                    m.reset_index(drop=True),
                ),
                "Xếp loại chi bộ": (
                    _titles(commune, province, "KẾT QUẢ XẾP LOẠI CHI BỘ"),
                    r.reset_index(drop=True),
                ),
                "Thu nhập": (
                    _titles(commune, province, "THU NHẬP, HỘ NGHÈO THEO THÔN, TỔ"),
                    inc.reset_index(drop=True),
                ),
            },
        )
    return {
        "size": "province_unique",
        "files": len(region.communes),
        **region_counts(region),
        "writer": _xlsx_writer(),
    }


NATION_COMMUNES = 170
NATION_CELLS_PER_COMMUNE = 25
NATION_RESIDENTIAL = 10
HALF = 32
DISTRICTS = 10  # per province; the first half of them send one compiled file each

# Two-syllable place names for communes and districts, unique in the country: a committee's
# id is its name's slug, so two "xã Tân Phú" in two provinces would be one committee unless a
# registry told them apart (real ones are; the benchmark does not test the registry). None
# folds to a word the cell-kind or committee patterns look for ("quan", "ban", "xa", …).
_SYLLABLES = (
    "An Bình Cẩm Diễn Đông Gia Hòa Hưng Kim Lạc Long Minh Nam Nghĩa Phú Phúc Quang Quỳnh Sơn "
    "Tân Thạch Thanh Thiệu Thịnh Trung Vĩnh Xuân Yên Đại Hải Hồng Liên Mỹ Ngọc Phong Tam Tiên "
    "Văn Việt Đức Châu Điền Hà Khánh Lâm Lộc Lợi Ninh Thành Thọ Thuận Tiến Tây Vinh Hiệp Hội "
    "Lương Thắng Định Ái Bảo Cát Chính Cường Dũng Dương Đạo Đoàn Giang Hạnh Hiền Hoàng Hợp Huy "
    "Khang Khê Kiên Kỳ Lai Lam Lãng Linh Luận Mai Mậu Nga Nhân Nhuận Oai Phương Quế Quý Sa "
    "Song Sỹ Tài Thái Thiện Thông Thượng Tiền Toàn Trà Triệu Trực Tú Tuấn Tường Uyên Vân Vạn "
    "Vũ Vượng Yển Bạch Cao Chu Dinh Hoằng Kha"
).split()


def national_names(seed: int = 99) -> list[str]:
    """Every two-syllable name of ``_SYLLABLES``, shuffled (seeded): communes take the first
    63 × 170, districts the next 63 × 10."""
    names, folded = [], set()
    for a in _SYLLABLES:
        for b in _SYLLABLES:
            key = slug(f"{a} {b}")
            if key in ("tu_nam", "tu_thang"):  # "XÃ TÚ NAM" reads as "từ năm": no title
                continue
            if a != b and key not in folded:  # "Đại Vinh", "Đại Vĩnh": one id, keep one
                names.append(f"{a} {b}")
                folded.add(key)
    order = np.random.default_rng(seed).permutation(len(names))
    return [names[i] for i in order]


def heading(district: str, commune: str | None) -> list[str]:
    """The two-line heading of Party documents: the superior committee over the issuing one
    (a compiled district sheet: the province over the district)."""
    upper, lower = (
        (f"ĐẢNG BỘ {district.upper()}", f"ĐẢNG ỦY {commune.upper()}")
        if commune
        else (None, f"ĐẢNG BỘ {district.upper()}")
    )
    return [line for line in (upper, lower) if line]


TITLES = {
    "members": "SỐ LIỆU ĐẢNG VIÊN, BIẾN ĐỘNG VÀ KẾT QUẢ XẾP LOẠI ĐẢNG VIÊN",
    "ratings": "KẾT QUẢ ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG CHI BỘ",
    "income": "THU NHẬP BÌNH QUÂN, HỘ NGHÈO THEO THÔN, TỔ DÂN PHỐ",
}
FILES = {"members": "dang_vien", "ratings": "xep_loai_chi_bo", "income": "thu_nhap"}
NAME_COLUMN = {"members": "Chi bộ", "ratings": "Tên chi bộ", "income": "Tổ dân phố"}
UNKNOWN_LABELS = ("Khá", "Đạt yêu cầu", "Chưa đánh giá được")


def _fold(text: str) -> str:
    t = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", t) if not unicodedata.combining(c))


def mess(kind: str, df: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """``df`` as offices write it (issue 17): members whose flows do not add up (most rows),
    women above the members (1%); cell ratings with ~5% unknown or wrong-scale labels (an
    old label in a new year, a new one in an old year); names written three ways (5%: "CB
    Thôn 7", "chi bo thon 7"); the totals rows are added per file (``totals_rows``)."""
    df = df.copy()
    n = len(df)
    if kind == "members":
        df["Kết nạp"] = df["Kết nạp"] + rng.integers(0, 3, n)
        over = rng.random(n) < 0.01
        df.loc[over, "Nữ"] = df.loc[over, "Tổng số đảng viên"] + 1
    if kind == "ratings":
        pick = rng.random(n)
        old = df["Năm"].to_numpy() < FIRST_NEW_SCALE_YEAR
        wrong = np.where(old, NEW_ORG[1][1], OLD_ORG[1][1])  # HTXSNV before 2018, TSVM after
        unknown = np.array(UNKNOWN_LABELS, dtype=object)[rng.integers(0, 3, n)]
        labels = df["Xếp loại"].to_numpy(dtype=object)
        labels = np.where(pick < 0.025, wrong, np.where(pick < 0.05, unknown, labels))
        df["Xếp loại"] = labels
    col = NAME_COLUMN[kind]
    names = df[col].astype(str)
    distinct = pd.unique(names)
    short = {t: t.replace("Chi bộ ", "CB ").replace("Tổ dân phố", "TDP") for t in distinct}
    folded = {t: _fold(t).lower() for t in distinct}
    pick = rng.random(n)
    df[col] = np.where(
        pick < 0.025, names.map(short), np.where(pick < 0.05, names.map(folded), names)
    )
    return df


def totals_rows(kind: str, df: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """A "Tổng cộng" row at the bottom, as offices add one, disagreeing with its column in
    half the files (a member total 7 too high, households 11 too low). One row for the whole
    sheet: the loader checks a totals row against every row above it (a row per year's block
    would need the check to stop at the previous totals row)."""
    if kind == "ratings":
        return df
    numbers = [c for c in df.columns if c not in ("Năm", "Đảng bộ", NAME_COLUMN[kind])]
    totals = df[numbers].sum().to_frame().T
    if rng.random() < 0.5:
        if kind == "members":
            totals["Tổng số đảng viên"] += 7
        else:
            totals["Số hộ"] -= 11
    if kind == "income":
        totals["Thu nhập bình quân (triệu đồng/người/năm)"] = np.nan
    totals["Năm"] = np.nan
    totals[NAME_COLUMN[kind]] = "Tổng cộng"
    if "Đảng bộ" in df.columns:
        totals["Đảng bộ"] = ""
    out = pd.concat([df, totals[df.columns]], ignore_index=True)
    for c in numbers:
        if c != "Thu nhập bình quân (triệu đồng/người/năm)":
            out[c] = out[c].astype("Int64")
    out["Năm"] = out["Năm"].astype("Int64")
    return out


def write_titled_csv(path: Path, lines: list[str], df: pd.DataFrame) -> None:
    """A CSV as Excel saves a titled sheet: the heading and title lines, a blank line, the
    header, the rows; every line padded with separators to the sheet's width (UTF-8 with
    BOM, CRLF)."""
    import csv
    import io

    width = len(df.columns)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    for line in [*lines, ""]:
        w.writerow([line] + [""] * (width - 1))
    df.to_csv(buf, index=False, lineterminator="\r\n")
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(buf.getvalue().encode("utf-8-sig"))
    os.replace(tmp, path)


def _region_frames(region: Region) -> dict[str, tuple[pd.DataFrame, np.ndarray]]:
    """Each table of a region with each row's commune (an index into region.communes)."""
    ny = len(YEARS)
    is_res = np.array([a is not None for a in region.areas])
    return {
        "members": (region.members, np.tile(region.commune_of, ny)),
        "ratings": (region.ratings, np.tile(region.commune_of, ny)),
        "income": (region.income, np.tile(region.commune_of[is_res], ny)),
    }


def _committee_column(communes: list[str], of: np.ndarray, rng: np.random.Generator):
    """The "Đảng bộ" column of a compiled district sheet: written in full, in capitals or as
    "ĐU" + the unit, per commune (one spelling a commune, as one clerk types it)."""
    ways = []
    for c in communes:
        r = rng.random()
        ways.append(
            f"Đảng bộ {c}" if r < 0.6 else (f"ĐẢNG BỘ {c.upper()}" if r < 0.8 else f"ĐU {c}")
        )
    return np.array(ways, dtype=object)[of]


def write_region(
    folder: Path, region: Region, districts: list[str], *, messy: bool, seed: int, fmt: str
) -> int:
    """A province's files as its offices send them: districts[: half] compiled (one file per
    table, a "Đảng bộ" column, the district's heading), every other commune in a subfolder
    of its own, its files under the two-line heading. Returns the number of files."""
    rng = np.random.default_rng(seed)
    frames = _region_frames(region)
    if messy:
        frames = {k: (mess(k, df, rng), of) for k, (df, of) in frames.items()}
    n_files = 0
    per = len(region.communes) // len(districts)
    compiled = len(districts) // 2
    for di, district in enumerate(districts):
        lo, hi = di * per, (len(region.communes) if di == len(districts) - 1 else (di + 1) * per)
        if di < compiled:
            tables = {}
            for kind, (df, of) in frames.items():
                sel = (of >= lo) & (of < hi)
                part = df[sel].reset_index(drop=True)
                col = _committee_column(region.communes, of[sel], rng)
                part.insert(1, "Đảng bộ", col)
                part = part.sort_values(["Năm"], kind="stable").reset_index(drop=True)
                tables[kind] = totals_rows(kind, part, rng) if messy else part
            n_files += _write_tables(
                folder,
                f"{slug(district)}_tong_hop",
                heading(region.province, district),
                tables,
                fmt,
                one_folder=False,
            )
            continue
        for ci in range(lo, hi):
            commune = region.communes[ci]
            tables = {}
            for kind, (df, of) in frames.items():
                part = df[of == ci].reset_index(drop=True)
                tables[kind] = totals_rows(kind, part, rng) if messy else part
            sub = folder / slug(commune).replace("_", "-")
            sub.mkdir()
            n_files += _write_tables(sub, "", heading(district, commune), tables, fmt)
    return n_files


def _write_tables(
    folder: Path, stem: str, lines: list[str], tables: dict, fmt: str, *, one_folder=True
) -> int:
    if fmt == "csv":
        for kind, df in tables.items():
            name = f"{stem}_{FILES[kind]}" if stem else FILES[kind]
            write_titled_csv(folder / f"{name}.csv", [*lines, TITLES[kind]], df)
        return len(tables)
    sheets = {
        {"members": "Đảng viên", "ratings": "Xếp loại chi bộ", "income": "Thu nhập"}[k]: (
            [*lines, "", f"{TITLES[k]} {YEARS[0]}–{YEARS[-1]}"] if lines else [],
            df,
        )
        for k, df in tables.items()
    }
    write_xlsx(folder / f"{stem or 'bao_cao'}_{YEARS[0]}_{YEARS[-1]}.xlsx", sheets)
    return 1


def gen_province(folder: Path) -> dict:
    """One province (xlsx), cell names repeated in every commune: 200 communes in 10
    districts; 5 districts send a compiled workbook (a "Đảng bộ" column), the other 100
    communes one workbook each in a folder of their own, under the two-line heading — one
    in ten without any title, placed by its folder."""
    province = "tỉnh Nghệ An"
    names = national_names()
    region = make_region(province, 200, 30, 12, seed=7, names=tuple(names[:200]), unique=False)
    districts = [f"huyện {n}" for n in names[200:210]]
    n_files = write_region(folder, region, districts, messy=False, seed=8, fmt="xlsx")
    # one commune in ten: no title at all (the folder names the committee)
    untitled = 0
    for i, sub in enumerate(sorted(p for p in folder.iterdir() if p.is_dir())):
        if i % 10 == 0:
            (book,) = sub.glob("*.xlsx")
            _strip_titles(book)
            untitled += 1
    return {
        "size": "province",
        "files": n_files,
        "communes": len(region.communes),
        "compiled_districts": len(districts) // 2,
        "untitled_communes": untitled,
        **region_counts(region),
        "writer": _xlsx_writer(),
    }


def _strip_titles(book: Path) -> None:
    frames = pd.read_excel(book, engine="calamine", sheet_name=None, header=None)
    sheets = {}
    for name, raw in frames.items():
        header = int(np.flatnonzero(raw[0].astype(str) == "Năm")[0])
        df = raw.iloc[header + 1 :].copy()
        df.columns = list(raw.iloc[header])
        df = df.reset_index(drop=True)
        for c in df.columns:
            if c not in ("Chi bộ", "Tên chi bộ", "Tổ dân phố", "Xếp loại"):
                df[c] = pd.to_numeric(df[c])
        sheets[name] = ([], df)
    write_xlsx(book, sheets)


NATION_COUNTS = ("cells", "areas", "member_rows", "rating_rows", "income_rows")


def _count_province(totals: dict[str, int], region: Region, pi: int, province: str) -> int:
    """Add province ``pi``'s region to the nation's ``totals`` (NATION_COUNTS) and say so on
    stderr; return its cells if it is one of the first HALF provinces (``nation_half``), else
    0."""
    counts = region_counts(region)
    for key in NATION_COUNTS:
        totals[key] += counts[key]
    print(f"  nation: {pi + 1}/63 {province}", file=sys.stderr, flush=True)
    return len(region.cells) if pi < HALF else 0


def _nation_info(head: dict, totals: dict[str, int], half_cells: int) -> dict:
    """A nation's marker info: ``head`` (size, files, …), then its years and counts."""
    return {
        **head,
        "years": len(YEARS),
        **totals,
        "half_provinces": HALF,
        "half_cells": half_cells,
    }


def _gen_nation(folder: Path, *, messy: bool) -> dict:
    totals = dict.fromkeys(NATION_COUNTS, 0)
    names = national_names()
    n_c = NATION_COMMUNES
    d_base = len(PROVINCES) * n_c
    half_cells = files = 0
    for pi, province in enumerate(PROVINCES):
        region = make_region(
            province,
            n_c,
            NATION_CELLS_PER_COMMUNE,
            NATION_RESIDENTIAL,
            seed=1000 + pi,
            names=tuple(names[pi * n_c : (pi + 1) * n_c]),
            unique=False,
        )
        districts = [
            f"huyện {n}" for n in names[d_base + pi * DISTRICTS : d_base + (pi + 1) * DISTRICTS]
        ]
        sub = folder / f"{pi + 1:02d}_{slug(province)}"
        sub.mkdir()
        files += write_region(sub, region, districts, messy=messy, seed=5000 + pi, fmt="csv")
        half_cells += _count_province(totals, region, pi, province)
    size = "nation_messy" if messy else "nation"
    head = {"size": size, "files": files, "committees": len(PROVINCES) * n_c}
    return _nation_info(head, totals, half_cells)


def gen_nation(folder: Path) -> dict:
    """63 provinces × 170 communes × 25 cells, names repeated in every commune: per province
    five compiled district files per table and 85 commune folders of three titled CSVs."""
    return _gen_nation(folder, messy=False)


def gen_nation_messy(folder: Path) -> dict:
    """``nation`` as offices write it: the same communes and cells, ``mess``ed, with a
    disagreeing totals row per year in every members and income file."""
    return _gen_nation(folder, messy=True)


def gen_nation_unique(folder: Path) -> dict:
    """The nation as the benchmarks wrote it before committees (generator version 3): one
    folder per province with three CSV files, every cell name unique in the country, no
    titles (one committee)."""
    totals = dict.fromkeys(NATION_COUNTS, 0)
    half_cells = 0
    for pi, province in enumerate(PROVINCES):
        region = make_region(
            province,
            NATION_COMMUNES,
            NATION_CELLS_PER_COMMUNE,
            NATION_RESIDENTIAL,
            seed=1000 + pi,
        )
        sub = folder / f"{pi + 1:02d}_{slug(province)}"
        sub.mkdir()
        write_csv(sub / "dang_vien.csv", region.members)
        write_csv(sub / "xep_loai_chi_bo.csv", region.ratings)
        write_csv(sub / "thu_nhap.csv", region.income)
        half_cells += _count_province(totals, region, pi, province)
    head = {"size": "nation_unique", "files": 3 * len(PROVINCES)}
    return _nation_info(head, totals, half_cells)


def gen_nation_half(folder: Path) -> dict:
    """The first 32 provinces of ``nation``, as symbolic links to its files (no extra disk)."""
    nation = ensure("nation")
    subs = sorted(p for p in nation.iterdir() if p.is_dir())[:HALF]
    files = 0
    for sub in subs:
        for f in sorted(sub.rglob("*.csv")):
            dst = folder / f.relative_to(nation)
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.symlink_to(f)
            files += 1
    info = json.loads((nation / MARKER).read_text(encoding="utf-8"))
    return {
        "size": "nation_half",
        "files": files,
        "cells": info["half_cells"],
        "of_nation_cells": round(info["half_cells"] / info["cells"], 4),
    }


def gen_members_200k(
    path: Path,
    n_cells: int = 20_000,
    years: tuple[int, ...] = YEARS,
    seed: int = 11,
    *,
    messy: bool = False,
) -> dict:
    """One workbook, one long members sheet of ``n_cells × len(years)`` rows.

    ``messy`` writes it as offices do: admissions that make most flow identities fail,
    women above the members in 1% of rows, 5% of names abbreviated or in lower case without
    diacritics ("CB Thôn 7 …", "chi bo thon 7 …": the same cells), and a totals row per year
    that disagrees with its column."""
    communes = -(-n_cells // 25)
    region = make_region("tỉnh Thanh Hóa", communes, 25, 10, seed=seed, years=years)
    keep = set(region.cells[:n_cells])
    m = region.members[region.members["Chi bộ"].isin(keep)].reset_index(drop=True)
    if messy:
        import numpy as np

        rng = np.random.default_rng(seed + 1)
        m = m.copy()
        n = len(m)
        m["Kết nạp"] = m["Kết nạp"] + rng.integers(0, 3, n)  # most identities now fail
        over = rng.random(n) < 0.01
        m.loc[over, "Nữ"] = m.loc[over, "Tổng số đảng viên"] + 1
        names = m["Chi bộ"].astype(str)
        pick = rng.random(n)
        short = names.str.replace("Chi bộ ", "CB ", regex=False)
        folded = (
            names.map(lambda t: unicodedata.normalize("NFD", t))
            .str.replace(r"[\u0300-\u036f]", "", regex=True)
            .str.replace("đ", "d")
            .str.replace("Đ", "D")
            .str.lower()
        )
        m["Chi bộ"] = np.where(pick < 0.025, short, np.where(pick < 0.05, folded, names))
        numbers = [c for c in m.columns if c not in ("Năm", "Chi bộ")]
        totals = m.groupby("Năm", as_index=False)[numbers].sum()
        totals["Tổng số đảng viên"] += 7  # a totals row that disagrees with its column
        totals["Chi bộ"] = "Tổng cộng"
        m = pd.concat([m, totals], ignore_index=True)
    write_xlsx(
        path,
        {
            "Đảng viên": (
                ["ĐẢNG BỘ TỈNH THANH HÓA", "SỐ LƯỢNG, BIẾN ĐỘNG VÀ XẾP LOẠI ĐẢNG VIÊN"],
                m,
            )
        },
    )
    return {"rows": len(m), "cells": n_cells, "years": len(years), "messy": messy}


def gen_members_200k_file(folder: Path) -> dict:
    """``members_200k``: one long members workbook of 200,000 rows."""
    return {"size": "members_200k", **gen_members_200k(folder / "members_200k.xlsx")}


def gen_members_200k_messy_file(folder: Path) -> dict:
    """``members_200k_messy``: the same, ``mess``ed."""
    info = gen_members_200k(folder / "members_200k.xlsx", messy=True)
    return {"size": "members_200k_messy", **info}


def gen_distinct(folder: Path) -> dict:
    """The same 2,000 cells over 10 and over 20 years: rows double, distinct values not."""
    info: dict = {"size": "distinct"}
    for label, years in (("20k", tuple(range(2015, 2025))), ("40k", tuple(range(2005, 2025)))):
        info[label] = gen_members_200k(
            folder / f"members_{label}.xlsx", n_cells=2_000, years=years, seed=13
        )
    return info


GENERATORS = {
    "commune": gen_commune,
    "province": gen_province,
    "province_unique": gen_province_unique,
    "nation": gen_nation,
    "nation_messy": gen_nation_messy,
    "nation_unique": gen_nation_unique,
    "nation_half": gen_nation_half,
    "members_200k": gen_members_200k_file,
    "members_200k_messy": gen_members_200k_messy_file,
    "distinct": gen_distinct,
}


def ensure(size: str, *, force: bool = False) -> Path:
    """The folder of ``size``, generated unless already complete."""
    DATA.mkdir(parents=True, exist_ok=True)
    folder = DATA / size
    if not force and _complete(folder, {"size": size}):
        return folder
    print(f"generating {size} in {folder} …", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    _fresh(folder)
    info = GENERATORS[size](folder)
    _mark(folder, info, time.perf_counter() - t0)
    print(f"  {size}: {info} ({time.perf_counter() - t0:.0f} s)", file=sys.stderr, flush=True)
    return folder


ALL = (
    "commune",
    "province",
    "province_unique",
    "nation",
    "nation_messy",
    "nation_unique",
    "nation_half",
    "members_200k",
    "members_200k_messy",
    "distinct",
)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--sizes",
        default=",".join(ALL),
        help=f"comma-separated, from {', '.join(ALL)} (default: all)",
    )
    ap.add_argument("--force", action="store_true", help="regenerate even if cached")
    args = ap.parse_args(argv)
    for size in [s.strip() for s in args.sizes.split(",") if s.strip()]:
        if size not in ALL:
            ap.error(f"unknown size {size!r}")
        print(ensure(size, force=args.force))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
