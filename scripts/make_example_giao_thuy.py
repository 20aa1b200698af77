"""Generate the SYNTHETIC example set data/examples/giao-thuy/: many committees, one merger.

Seven Party committees (đảng bộ) of Giao Thủy district, 2015–2025: thị trấn Ngô Đồng, xã Hoành
Sơn and xã Giao Tiến until 2024, merged into thị trấn Giao Thủy (shown from 2025 on), and xã
Giao Lạc, Giao Xuân and Bạch Long throughout. Every number and every cell is invented, except
that Ngô Đồng's 2015–2019 cells, members, ratings and income are those of the shipped sample
(``make_sample_data.py``, imported, not copied). The workbooks are laid out the way the offices
would keep them, and each commune differently: the district compiles members and the
committees' ratings (a "Đảng bộ" column); each commune keeps its cell ratings, member ratings
and income in its own folder, with titled per-year sheets, wide or long tables, and one
commune (Bạch Long) with no title at all, known only by its folder's name.

Output is byte-for-byte reproducible: numbers come from the tables below and one seeded
``numpy.random.default_rng(SEED)`` consumed in a fixed order; workbook properties and zip entry
times are fixed (the sample's writer).

Usage::

    python scripts/make_example_giao_thuy.py            # writes data/examples/giao-thuy/
    python scripts/make_example_giao_thuy.py --out DIR  # writes somewhere else
    python scripts/make_example_giao_thuy.py --figures  # prints the README's figure table
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import make_sample_data as sample
import numpy as np
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from ngodong_analysis.outputs.files import save_reproducible
from ngodong_analysis.outputs.template import INCOME_HEADER, MEMBER_HEADER_SUB

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "data" / "examples" / "giao-thuy"

SEED = 20260115
YEARS = tuple(range(2015, 2026))
MERGER_YEAR = 2025  # the first year the example shows thị trấn Giao Thủy
FIXED_TIME = dt.datetime(2026, 1, 15)
AUTHOR = "scripts/make_example_giao_thuy.py (synthetic example)"

PROVINCE_HEADING = "ĐẢNG BỘ TỈNH NAM ĐỊNH"
DISTRICT_HEADING = "ĐẢNG BỘ HUYỆN GIAO THỦY"
DISTRICT_OFFICE = "HUYỆN ỦY GIAO THỦY"
DISTRICT = "Đảng bộ huyện Giao Thủy"
PROVINCE = "Nam Định"


# --------------------------------------------------------------------------------------------
# Committees and cells (the registries)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Committee:
    cid: str
    name: str
    aliases: str
    kind_vi: str
    heading: str  # the lower line of the two-line Party heading of its own workbooks
    years: tuple[int, ...]
    first_year: int | None = None
    successor: str | None = None

    @property
    def last_year(self) -> int | None:
        return self.years[-1] if self.successor else None

    @property
    def short(self) -> str:
        """How the district's compiled sheets write it from 2020 (its first alias)."""
        return self.aliases.split(";")[0].strip()


BEFORE = tuple(range(2015, MERGER_YEAR))
COMMITTEES: tuple[Committee, ...] = (
    Committee(
        "ngo-dong",
        "Đảng bộ thị trấn Ngô Đồng",
        "ĐU TT Ngô Đồng; Đảng bộ TT Ngô Đồng",
        "Thị trấn",
        "ĐẢNG ỦY THỊ TRẤN NGÔ ĐỒNG",
        BEFORE,
        1986,
        "giao-thuy",
    ),
    Committee(
        "hoanh-son",
        "Đảng bộ xã Hoành Sơn",
        "ĐU xã Hoành Sơn; Đảng bộ Hoành Sơn",
        "Xã",
        "ĐẢNG ỦY XÃ HOÀNH SƠN",
        BEFORE,
        None,
        "giao-thuy",
    ),
    Committee(
        "giao-tien",
        "Đảng bộ xã Giao Tiến",
        "ĐU xã Giao Tiến; Đảng bộ Giao Tiến",
        "Xã",
        "ĐẢNG ỦY XÃ GIAO TIẾN",
        BEFORE,
        None,
        "giao-thuy",
    ),
    Committee(
        "giao-thuy",
        "Đảng bộ thị trấn Giao Thủy",
        "ĐU TT Giao Thủy; Đảng bộ TT Giao Thủy; Đảng bộ xã Giao Thủy",
        "Thị trấn",
        "ĐẢNG ỦY THỊ TRẤN GIAO THỦY",
        (MERGER_YEAR,),
        MERGER_YEAR,
    ),
    Committee(
        "giao-lac",
        "Đảng bộ xã Giao Lạc",
        "ĐU xã Giao Lạc; Đảng bộ Giao Lạc",
        "Xã",
        "ĐẢNG ỦY XÃ GIAO LẠC",
        YEARS,
    ),
    Committee(
        "giao-xuan",
        "Đảng bộ xã Giao Xuân",
        "ĐU xã Giao Xuân; Đảng bộ Giao Xuân",
        "Xã",
        "ĐẢNG ỦY XÃ GIAO XUÂN",
        YEARS,
    ),
    Committee(
        "bach-long",
        "Đảng bộ xã Bạch Long",
        "ĐU xã Bạch Long; Đảng bộ Bạch Long",
        "Xã",
        "ĐẢNG ỦY XÃ BẠCH LONG",
        YEARS,
    ),
)
BY_ID = {c.cid: c for c in COMMITTEES}
MERGED = ("ngo-dong", "hoanh-son", "giao-tien")


@dataclass(frozen=True)
class Cell:
    committee: str
    cid: str
    name: str
    kind_vi: str
    area: str | None = None
    aliases: str | None = None
    size: int = 0  # members at the end of its first year (Giao Thủy's: from its predecessors)
    good: float = 0.75  # share of its rated members rated HTTNV or above
    first_year: int | None = None
    last_year: int | None = None
    successor: str | None = None
    # names the offices wrote instead of ``name``, from a year on: ((year, name), …)
    written: tuple[tuple[int, str], ...] = ()

    def years(self) -> tuple[int, ...]:
        c = BY_ID[self.committee]
        lo = max(c.years[0], self.first_year or c.years[0])
        hi = min(c.years[-1], self.last_year or c.years[-1])
        return tuple(range(lo, hi + 1))

    def as_written(self, year: int) -> str:
        name = self.name
        for since, other in self.written:
            if year >= since:
                name = other
        return name


def _table(committee: str, text: str, **common: object) -> tuple[Cell, ...]:
    """Cells from a table, one a line: id | name | kind | area | other names | members in
    the first year | share rated HTTNV or above | successor | written as, from a year
    ("2020: CB Thôn 1"). Blank fields are None."""
    out = []
    for line in text.strip().splitlines():
        cid, name, kind, area, aliases, size, good, succ, as_written = (
            f.strip() or None for f in line.split("|")
        )
        since, _, other = (as_written or "").partition(":")
        out.append(
            Cell(
                committee,
                str(cid),
                str(name),
                str(kind),
                area,
                aliases,
                size=int(size or 0),
                good=float(good or 0.75),
                successor=succ,
                written=((int(since), other.strip()),) if as_written else (),
                **common,  # type: ignore[arg-type]
            )
        )
    return tuple(out)


# Ngô Đồng: the sample's twelve cells (its ids, names, kinds and areas, imported), each with
# its cell in Giao Thủy from 2025; residential cells are written "CB TDP 2" from 2020.
NGO_DONG_SUCCESSOR = {
    "tdp-1": "tdp-1",
    "tdp-2": "tdp-2",
    "tdp-3": "tdp-3",
    "tdp-4": "tdp-4",
    "tdp-5": "tdp-5",
    "tdp-6": "tdp-6",
    "tdp-7": "tdp-6",
    "mam-non": "mn-ngo-dong",
    "tieu-hoc": "tieu-hoc",
    "thcs": "thcs-ngo-dong",
    "cong-an": "cong-an",
    "quan-su": "quan-su",
}
NGO_DONG = tuple(
    Cell(
        "ngo-dong",
        c.cell_id,
        c.name,
        c.kind_vi,
        c.area,
        f"CB TDP {c.cell_id[4:]}; Chi bộ TDP số {c.cell_id[4:]}" if c.residential else c.aliases,
        good=sample.GOOD_WEIGHT[c.cell_id],
        first_year=c.first_year,
        last_year=MERGER_YEAR - 1,
        successor=NGO_DONG_SUCCESSOR[c.cell_id],
        written=((2020, f"CB TDP {c.cell_id[4:]}"),) if c.residential else (),
    )
    for c in sample.CELLS
)
ENDS_2024 = {"last_year": MERGER_YEAR - 1}
HOANH_SON = _table(
    "hoanh-son",
    """
    thon-1   | Chi bộ Thôn 1                    | Thôn       | Thôn 1 | | 58 | 0.70 | tdp-7 |
    thon-2   | Chi bộ Thôn 2                    | Thôn       | Thôn 2 | | 54 | 0.66 | tdp-8 |
    thon-3   | Chi bộ Thôn 3                    | Thôn       | Thôn 3 | | 61 | 0.72 | tdp-8 |
    thon-4   | Chi bộ Thôn 4                    | Thôn       | Thôn 4 | | 47 | 0.64 | tdp-9 |
    thon-5   | Chi bộ Thôn 5                    | Thôn       | Thôn 5 | | 42 | 0.68 | tdp-10 |
    mam-non | Chi bộ Trường Mầm non Hoành Sơn | Trường học | | | 14 | 0.88 | mn-hoanh-son |
    tieu-hoc | Chi bộ Trường Tiểu học Hoành Sơn | Trường học |        | | 17 | 0.86 | tieu-hoc |
    cong-an  | Chi bộ Công an xã                | Công an    |        | |  9 | 0.90 | cong-an |
    quan-su  | Chi bộ Quân sự xã                | Quân sự    |        | |  8 | 0.88 | quan-su |
    """,
    **ENDS_2024,
)
GIAO_TIEN = _table(
    "giao-tien",
    """
    thon-1  | Chi bộ Thôn 1                   | Thôn       | Thôn 1 |  | 64 | 0.69 | tdp-11 |
    thon-2  | Chi bộ Thôn 2                   | Thôn       | Thôn 2 |  | 52 | 0.63 | tdp-11 |
    thon-3  | Chi bộ Thôn 3                   | Thôn       | Thôn 3 |  | 57 | 0.71 | tdp-12 |
    thon-4  | Chi bộ Thôn 4                   | Thôn       | Thôn 4 |  | 49 | 0.66 | tdp-13 |
    mam-non | Chi bộ Trường Mầm non Giao Tiến | Trường học |        |  | 13 | 0.90 | mn-giao-tien |
    thcs    | Chi bộ Trường THCS Giao Tiến    | Trường học | | | 19 | 0.87 | thcs-giao-tien |
    cong-an | Chi bộ Công an xã               | Công an    |        |  |  8 | 0.91 | cong-an |
    quan-su | Chi bộ Quân sự xã               | Quân sự    |        |  |  7 | 0.86 | quan-su |
    """,
    **ENDS_2024,
)
# Giao Thủy from 2025: its members are its predecessors' (the "size" column is unused).
GIAO_THUY = _table(
    "giao-thuy",
    """
    tdp-1  | Chi bộ Tổ dân phố số 1  | Tổ dân phố | Tổ dân phố số 1  | CB TDP 1  | | 0.62 | |
    tdp-2  | Chi bộ Tổ dân phố số 2  | Tổ dân phố | Tổ dân phố số 2  | CB TDP 2  | | 0.85 | |
    tdp-3  | Chi bộ Tổ dân phố số 3  | Tổ dân phố | Tổ dân phố số 3  | CB TDP 3  | | 0.58 | |
    tdp-4  | Chi bộ Tổ dân phố số 4  | Tổ dân phố | Tổ dân phố số 4  | CB TDP 4  | | 0.60 | |
    tdp-5  | Chi bộ Tổ dân phố số 5  | Tổ dân phố | Tổ dân phố số 5  | CB TDP 5  | | 0.63 | |
    tdp-6  | Chi bộ Tổ dân phố số 6  | Tổ dân phố | Tổ dân phố số 6  | CB TDP 6  | | 0.57 | |
    tdp-7  | Chi bộ Tổ dân phố số 7  | Tổ dân phố | Tổ dân phố số 7  | CB TDP 7  | | 0.70 | |
    tdp-8  | Chi bộ Tổ dân phố số 8  | Tổ dân phố | Tổ dân phố số 8  | CB TDP 8  | | 0.69 | |
    tdp-9  | Chi bộ Tổ dân phố số 9  | Tổ dân phố | Tổ dân phố số 9  | CB TDP 9  | | 0.64 | |
    tdp-10 | Chi bộ Tổ dân phố số 10 | Tổ dân phố | Tổ dân phố số 10 | CB TDP 10 | | 0.68 | |
    tdp-11 | Chi bộ Tổ dân phố số 11 | Tổ dân phố | Tổ dân phố số 11 | CB TDP 11 | | 0.66 | |
    tdp-12 | Chi bộ Tổ dân phố số 12 | Tổ dân phố | Tổ dân phố số 12 | CB TDP 12 | | 0.71 | |
    tdp-13 | Chi bộ Tổ dân phố số 13 | Tổ dân phố | Tổ dân phố số 13 | CB TDP 13 | | 0.66 | |
    mn-ngo-dong    | Chi bộ Trường Mầm non Ngô Đồng            | Trường học | | | | 0.88 | |
    tieu-hoc       | Chi bộ Trường Tiểu học thị trấn Giao Thủy | Trường học | | | | 0.89 | |
    thcs-ngo-dong  | Chi bộ Trường THCS Ngô Đồng               | Trường học | | | | 0.86 | |
    mn-hoanh-son   | Chi bộ Trường Mầm non Hoành Sơn           | Trường học | | | | 0.88 | |
    mn-giao-tien   | Chi bộ Trường Mầm non Giao Tiến           | Trường học | | | | 0.90 | |
    thcs-giao-tien | Chi bộ Trường THCS Giao Tiến              | Trường học | | | | 0.87 | |
    cong-an | Chi bộ Công an thị trấn Giao Thủy | Công an | | CB Công an TT Giao Thủy | | 0.92 | |
    quan-su        | Chi bộ Quân sự thị trấn Giao Thủy         | Quân sự    | | | | 0.90 | |
    """,
    first_year=MERGER_YEAR,
)
GIAO_LAC = _table(
    "giao-lac",
    """
    thon-1 | Chi bộ Thôn 1 | Thôn | Thôn 1 | CB Thôn 1 | 66 | 0.70 | | 2020: CB Thôn 1
    thon-2 | Chi bộ Thôn 2 | Thôn | Thôn 2 | CB Thôn 2 | 51 | 0.65 | | 2020: CB Thôn 2
    thon-3 | Chi bộ Thôn 3 | Thôn | Thôn 3 | CB Thôn 3 | 58 | 0.68 | | 2020: CB Thôn 3
    thon-4 | Chi bộ Thôn 4 | Thôn | Thôn 4 | CB Thôn 4 | 45 | 0.62 | | 2020: CB Thôn 4
    thon-5 | Chi bộ Thôn 5 | Thôn | Thôn 5 | CB Thôn 5 | 62 | 0.71 | | 2020: CB Thôn 5
    thon-6 | Chi bộ Thôn 6 | Thôn | Thôn 6 | CB Thôn 6 | 48 | 0.66 | | 2020: CB Thôn 6
    mam-non   | Chi bộ Trường Mầm non Giao Lạc  | Trường học |        |           | 12 | 0.90 | |
    tieu-hoc  | Chi bộ Trường Tiểu học Giao Lạc | Trường học |        |           | 15 | 0.87 | |
    thcs | Chi bộ Trường THCS Giao Lạc | Trường học | | CB THCS Giao Lạc | 18 | 0.86 | |
    tram-y-te | Chi bộ Trạm Y tế xã             | Y tế       |        |           |  7 | 0.85 | |
    cong-an   | Chi bộ Công an xã               | Công an    |        |           |  9 | 0.90 | |
    quan-su   | Chi bộ Quân sự xã               | Quân sự    |        |           |  8 | 0.88 | |
    """,
)
GIAO_LAC = tuple(
    replace(c, written=((2022, "CB THCS Giao Lạc"),)) if c.cid == "thcs" else c for c in GIAO_LAC
)
XOM_5_LAST = 2020  # Xóm 5 of Giao Xuân merged into Xóm 4 from 2021
GIAO_XUAN = _table(
    "giao-xuan",
    """
    xom-1   | Chi bộ Xóm 1                            | Xóm        | Xóm 1 |  | 57 | 0.67 | |
    xom-2   | Chi bộ Xóm 2                            | Xóm        | Xóm 2 |  | 63 | 0.70 | |
    xom-3   | Chi bộ Xóm 3                            | Xóm        | Xóm 3 |  | 49 | 0.64 | |
    xom-4   | Chi bộ Xóm 4                            | Xóm        | Xóm 4 |  | 44 | 0.66 | |
    xom-5   | Chi bộ Xóm 5                            | Xóm        | Xóm 5 |  | 31 | 0.61 | xom-4 |
    htx | Chi bộ HTX Nông nghiệp Giao Xuân | Hợp tác xã | | CB HTX NN Giao Xuân | 11 | 0.80 | |
    mam-non | Chi bộ Trường Mầm non Giao Xuân         | Trường học |       |  | 13 | 0.89 | |
    thcs    | Chi bộ Trường THCS Giao Xuân            | Trường học |       |  | 20 | 0.86 | |
    cong-an | Chi bộ Công an xã                       | Công an    |       |  | 10 | 0.90 | |
    quan-su | Chi bộ Quân sự xã                       | Quân sự    |       |  |  7 | 0.87 | |
    """,
)
GIAO_XUAN = tuple(replace(c, last_year=XOM_5_LAST) if c.cid == "xom-5" else c for c in GIAO_XUAN)
BACH_LONG = _table(
    "bach-long",
    """
    thon-1   | Chi bộ Thôn 1                    | Thôn       | Thôn 1 |  | 53 | 0.66 | |
    thon-2   | Chi bộ Thôn 2                    | Thôn       | Thôn 2 |  | 47 | 0.63 | |
    thon-3   | Chi bộ Thôn 3                    | Thôn       | Thôn 3 |  | 55 | 0.69 | |
    thon-4   | Chi bộ Thôn 4                    | Thôn       | Thôn 4 |  | 41 | 0.60 | |
    mam-non  | Chi bộ Trường Mầm non Bạch Long  | Trường học |        |  | 11 | 0.88 | |
    tieu-hoc | Chi bộ Trường Tiểu học Bạch Long | Trường học |        |  | 14 | 0.86 | |
    cong-an  | Chi bộ Công an xã                | Công an    |        |  |  8 | 0.89 | |
    quan-su  | Chi bộ Quân sự xã                | Quân sự    |        |  |  7 | 0.86 | |
    """,
)

CELLS: dict[str, tuple[Cell, ...]] = {
    "ngo-dong": NGO_DONG,
    "hoanh-son": HOANH_SON,
    "giao-tien": GIAO_TIEN,
    "giao-thuy": GIAO_THUY,
    "giao-lac": GIAO_LAC,
    "giao-xuan": GIAO_XUAN,
    "bach-long": BACH_LONG,
}


def cells_in(committee: str, year: int) -> list[Cell]:
    return [c for c in CELLS[committee] if year in c.years()]


def successor_of(cell: Cell) -> tuple[str, str] | None:
    """(committee, cell) that ``cell`` continues in. The registry's "Chi bộ kế thừa" is an id
    of the committee that follows the cell's own when the cell ends with its committee (the
    2024 merger), else of its own committee (Giao Xuân's Xóm 5 into Xóm 4): ids repeat
    across committees, so the id alone does not say which."""
    if cell.successor is None:
        return None
    committee = BY_ID[cell.committee]
    if committee.successor and cell.last_year == committee.years[-1]:
        return committee.successor, cell.successor
    return cell.committee, cell.successor


def predecessors(cell: Cell) -> list[Cell]:
    """The cells, of any committee, that continue in ``cell``."""
    return [
        p
        for cells in CELLS.values()
        for p in cells
        if successor_of(p) == (cell.committee, cell.cid)
    ]


# --------------------------------------------------------------------------------------------
# Members: sizes and flows
# --------------------------------------------------------------------------------------------

FLOWS = sample.FLOWS  # admitted, transferred_in, transferred_out, died, removed
# (committee, cell, year) -> members added beyond what the flows explain: the offices' own
# slips, which the flow identity check must warn about (the README lists them)
FLOW_SLIPS = {("giao-lac", "thon-2", 2018): 2, ("bach-long", "cong-an", 2022): -1}
YOUNG = {
    "Tổ dân phố": 0.10,
    "Thôn": 0.09,
    "Xóm": 0.09,
    "Trường học": 0.42,
    "Công an": 0.6,
    "Quân sự": 0.5,
    "Y tế": 0.35,
    "Hợp tác xã": 0.12,
}
FEMALE = {
    "Tổ dân phố": 0.39,
    "Thôn": 0.36,
    "Xóm": 0.35,
    "Trường học": 0.8,
    "Công an": 0.12,
    "Quân sự": 0.08,
    "Y tế": 0.7,
    "Hợp tác xã": 0.3,
}
RESIDENTIAL_KINDS = ("Tổ dân phố", "Thôn", "Xóm")


def _flows(rng: np.random.Generator, cell: Cell, size: int) -> dict[str, int]:
    mobile = cell.kind_vi in ("Công an", "Quân sự")
    residential = cell.kind_vi in RESIDENTIAL_KINDS
    return {
        "admitted": int(rng.poisson(0.02 * size)),
        "transferred_in": int(rng.poisson((0.12 if mobile else 0.015) * size)),
        "transferred_out": int(rng.poisson((0.12 if mobile else 0.012) * size)),
        "died": int(rng.poisson(0.014 * size)) if residential else 0,
        "removed": int(rng.random() < 0.03),
        "introduced": int(rng.poisson(0.4)),
    }


def _net(f: dict[str, int]) -> int:
    return f["admitted"] + f["transferred_in"] - f["transferred_out"] - f["died"] - f["removed"]


def _breakdown(rng: np.random.Generator, cell: Cell, m: int) -> dict[str, int]:
    young = int(round(m * (YOUNG[cell.kind_vi] + rng.uniform(-0.02, 0.02))))
    female = int(round(m * (FEMALE[cell.kind_vi] + rng.uniform(-0.03, 0.03))))
    residential = cell.kind_vi in RESIDENTIAL_KINDS
    exempt = int(round(m * rng.uniform(0.08, 0.14))) if residential else 0
    return {"young": max(young, 0), "female": min(max(female, 0), m), "exempt": exempt}


Members = dict[tuple[str, str, int], dict[str, int]]


def build_members(rng: np.random.Generator) -> Members:
    """members[(committee, cell, year)] -> members and every count beside it."""
    out: Members = {}
    nd = sample.build_members()
    for year in sample.YEARS:  # Ngô Đồng 2015–2019: the shipped sample's own figures
        for cid, row in nd[year].items():
            out[("ngo-dong", cid, year)] = {k: row[k] for k in (*sample.MEMBER_COLUMNS,)}
    for committee in COMMITTEES:
        for year in committee.years:
            for cell in cells_in(committee.cid, year):
                k = (committee.cid, cell.cid, year)
                if k in out:
                    continue
                start = _start(out, cell, year)
                f = _flows(rng, cell, start or cell.size)
                m = cell.size if start is None else start + _net(f)
                m += FLOW_SLIPS.get(k, 0)
                out[k] = {"members": m, **_breakdown(rng, cell, m), **f}
    for k, row in out.items():
        if k[0] == "ngo-dong" and k[2] in sample.YEARS:
            continue
        _rate_members(rng, row, CELL_BY_KEY[(k[0], k[1])].good)
    return out


def _start(out: Members, cell: Cell, year: int) -> int | None:
    """Members at the start of ``year``: the cell's own at the end of the year before, plus
    those of the cells merged into it that year; None for a cell in its first year."""
    own = out.get((cell.committee, cell.cid, year - 1))
    merged = [
        out[(p.committee, p.cid, year - 1)]["members"]
        for p in predecessors(cell)
        if p.last_year == year - 1
    ]
    if own is None and not merged:
        return None
    return (own["members"] if own else 0) + sum(merged)


def _rate_members(rng: np.random.Generator, row: dict[str, int], good_share: float) -> None:
    """Member ratings that add up to the rated members (members − exempt), with HTXSNV at
    most a sixth of the good ones: 5 × HTXSNV ≤ HTTNV, the 20% quota, in every cell."""
    rated = row["members"] - row["exempt"]
    kh = int(rated >= 30 and rng.random() < 0.25)
    good = min(int(round(rated * (good_share + rng.uniform(-0.04, 0.04)))), rated - kh)
    xs = good // 7
    row.update(htxsnv=xs, httnv=good - xs, htnv=rated - good - kh, khtnv=kh)


CELL_BY_KEY = {(c.committee, c.cid): c for cells in CELLS.values() for c in cells}


# --------------------------------------------------------------------------------------------
# Ratings of cells and of committees
# --------------------------------------------------------------------------------------------

TOP_OLD, GOOD, DONE, WEAK = (
    "Trong sạch, vững mạnh",
    "Hoàn thành tốt nhiệm vụ",
    "Hoàn thành nhiệm vụ",
    "Yếu kém",
)
TOP_NEW, FAILED = "Hoàn thành xuất sắc nhiệm vụ", "Không hoàn thành nhiệm vụ"
FULL = {
    "TSVM": TOP_OLD,
    "HTXSNV": TOP_NEW,
    "HTTNV": GOOD,
    "HTNV": DONE,
    "YEU_KEM": WEAK,
    "KHTNV": FAILED,
}
# How some offices wrote some years: label variants the loaders must accept
WRITTEN: dict[tuple[str, int], dict[str, str]] = {
    ("ngo-dong", 2021): {"HTXSNV": "HTXS NV", "HTTNV": "HT tốt NV"},
    ("ngo-dong", 2023): {"HTXSNV": "HTXSNV", "HTTNV": "HTTNV", "HTNV": "HTNV"},
    ("hoanh-son", 2020): {"HTTNV": "Hoàn thành tốt NV"},
    ("giao-tien", 2017): {"TSVM": "TSVM", "HTTNV": "HTTNV"},
    ("giao-lac", 2022): {"HTXSNV": "HTXSNV", "HTTNV": "HTTNV", "HTNV": "HTNV"},
    ("giao-xuan", 2016): {"HTTNV": "hoàn thành tốt nhiệm vụ"},
    ("bach-long", 2023): {"HTXSNV": "HT xuất sắc NV"},
}
# Written from habit with the old top label after the 2018 change (a wrong-scale warning)
OLD_HABIT = {("giao-xuan", 2018)}
WEAK_CELLS = {("bach-long", 2019)}  # the one year a cell did not fulfil its tasks
# The funnel's outlier: under QĐ 132 (2018–2022), which capped no organisation, Giao Lạc rates
# 11 of its 12 cells HTXSNV in 2022 while the other communes rate about a quarter: above the
# 99.8% limit of the cells-at-tier-1 funnel (README, "The funnel's outlier").
TOP_HEAVY = {("giao-lac", 2022): 11}


def _scale(year: int) -> str:
    return (
        "pre2018"
        if year < 2018
        else "qd132"
        if year < 2023
        else "qd124"
        if year < 2025
        else "qd366"
    )


def written(committee: str, year: int, code: str) -> str:
    label = WRITTEN.get((committee, year), {}).get(code, FULL[code])
    if code == "HTXSNV" and (committee, year) in OLD_HABIT:
        label = TOP_OLD
    return label


Ratings = dict[tuple[str, str, int], tuple[str, float | None]]


def _score(rng: np.random.Generator, code: str, capped: bool = False) -> float:
    """A QĐ 366 score (0–100) that allows the label: ≥ 90 for HTXSNV, 70–<90 for HTTNV,
    50–<70 for HTNV (resources/score_bands.csv). ``capped``: an HTTNV cell whose score
    would have allowed HTXSNV (its conditions or the quota kept it at HTTNV)."""
    lo, hi = {
        "HTXSNV": (90, 97),
        "HTTNV": (90, 92) if capped else (71, 89),
        "HTNV": (55, 69),
        "KHTNV": (35, 49),
    }[code]
    return round(float(rng.uniform(lo, hi)) * 2) / 2


def rate_cells(rng: np.random.Generator) -> Ratings:
    """ratings[(committee, cell, year)] -> (code, score or None)."""
    out: Ratings = {}
    for year in sample.YEARS:
        for cid in sample.CELL_IDS:
            label = sample.cell_rating(year, cid)
            code = {"Trong sạch, vững mạnh": "TSVM", TOP_NEW: "HTXSNV", "HTXSNV": "HTXSNV"}
            out[("ngo-dong", cid, year)] = (code.get(label, "HTTNV"), None)
    for committee in COMMITTEES:
        for year in committee.years:
            cells = cells_in(committee.cid, year)
            if ("ngo-dong", cells[0].cid, year) in out and committee.cid == "ngo-dong":
                continue
            n = len(cells)
            order = sorted(cells, key=lambda c: -(c.good + rng.normal(0, 0.08)))
            if year < 2018:
                n_top, top = int(round(0.55 * n)), "TSVM"
            elif year < 2023:
                n_top = TOP_HEAVY.get((committee.cid, year), max(1, int(round(0.25 * n))))
                top = "HTXSNV"
            else:  # QĐ 124's quota (and, unconfirmed, QĐ 366's): HTXSNV ≤ 20% of HTTNV
                n_top, top = (n - 1) // 6, "HTXSNV"
            codes = [top] * n_top + ["HTTNV"] * (n - n_top)
            if rng.random() < 0.3:
                codes[-1] = "HTNV"
            if (committee.cid, year) in WEAK_CELLS:
                codes[-1] = "KHTNV"
            capped = n_top  # the best cell not rated HTXSNV: in 2025 its score allowed it
            for i, (cell, code) in enumerate(zip(order, codes, strict=True)):
                score = _score(rng, code, i == capped) if year >= MERGER_YEAR else None
                out[(committee.cid, cell.cid, year)] = (code, score)
    return out


# The committees' own ratings (the district's compiled sheet); Ngô Đồng 2015–2019 = sample F15.
COMMITTEE_CODES = {
    "ngo-dong": (
        "TSVM",
        "TSVM",
        "TSVM",
        "HTTNV",
        "HTTNV",
        "HTTNV",
        "HTXSNV",
        "HTTNV",
        "HTTNV",
        "HTXSNV",
    ),
    "hoanh-son": (
        "TSVM",
        "HTTNV",
        "TSVM",
        "HTTNV",
        "HTTNV",
        "HTTNV",
        "HTTNV",
        "HTXSNV",
        "HTTNV",
        "HTTNV",
    ),
    "giao-tien": (
        "HTTNV",
        "TSVM",
        "TSVM",
        "HTTNV",
        "HTXSNV",
        "HTTNV",
        "HTTNV",
        "HTTNV",
        "HTTNV",
        "HTTNV",
    ),
    "giao-thuy": ("HTTNV",),
    "giao-lac": (
        "TSVM",
        "TSVM",
        "HTTNV",
        "HTTNV",
        "HTTNV",
        "HTXSNV",
        "HTTNV",
        "HTTNV",
        "HTXSNV",
        "HTTNV",
        "HTXSNV",
    ),
    "giao-xuan": (
        "HTTNV",
        "HTTNV",
        "TSVM",
        "HTTNV",
        "HTNV",
        "HTTNV",
        "HTTNV",
        "HTTNV",
        "HTTNV",
        "HTTNV",
        "HTTNV",
    ),
    "bach-long": (
        "HTTNV",
        "HTNV",
        "HTTNV",
        "HTTNV",
        "HTTNV",
        "HTTNV",
        "HTTNV",
        "HTTNV",
        "HTNV",
        "HTTNV",
        "HTTNV",
    ),
}
# 2025 scores: Giao Xuân's 91.0 allows HTXSNV, rated HTTNV (a label may sit below its score)
COMMITTEE_SCORES_2025 = {"giao-thuy": 86.5, "giao-lac": 93.0, "giao-xuan": 91.0, "bach-long": 78.5}
COMMITTEE_NOTES = {("giao-lac", 2025): "Tiêu biểu", ("giao-thuy", 2025): "Đảng bộ mới hợp nhất"}


# --------------------------------------------------------------------------------------------
# Income and poverty by area
# --------------------------------------------------------------------------------------------

POOR_LINE_CHANGE = 2022  # Nghị định 07/2021/NĐ-CP: more households count as poor from 2022
Income = dict[tuple[str, str, int], dict[str, float | int]]


def build_income(rng: np.random.Generator) -> Income:
    """income[(committee, area, year)] -> households, population, income, poor, near_poor."""
    out: Income = {}
    nd = sample.build_income()
    for year in sample.YEARS:
        for area, row in nd[year].items():
            out[("ngo-dong", area, year)] = dict(row)
    for committee in COMMITTEES:
        areas = [c for c in CELLS[committee.cid] if c.area]
        town = committee.kind_vi == "Thị trấn"
        for year in committee.years:
            for area_cell in (c for c in areas if year in c.years()):
                area = str(area_cell.area)
                k = (committee.cid, area, year)
                growth = float(
                    rng.uniform(0.02, 0.04) if year == 2020 else rng.uniform(0.055, 0.085)
                )
                poor_step = float(rng.uniform(0.6, 0.85))
                near_step = float(rng.uniform(0.8, 0.95))
                add = int(rng.integers(0, 6))
                if k in out:
                    continue
                parts = [
                    out[(p.committee, p.area, year - 1)]
                    for p in predecessors(area_cell)
                    if p.last_year == year - 1
                ]
                if (committee.cid, area, year - 1) in out:
                    parts.append(out[(committee.cid, area, year - 1)])
                prev = None
                if parts:  # an area that took in merged ones: their sums, income weighted
                    hh = sum(int(p["households"]) for p in parts)
                    pop = sum(int(p["population"]) for p in parts)
                    inc = sum(float(p["income"]) * int(p["population"]) for p in parts) / pop
                    prev = {
                        "households": hh,
                        "population": pop,
                        "income": inc,
                        "poor": sum(int(p["poor"]) for p in parts),
                        "near_poor": sum(int(p["near_poor"]) for p in parts),
                    }
                if prev is None:
                    hh = int(rng.integers(280, 520))
                    per = float(rng.uniform(3.45, 3.75))
                    row = {
                        "households": hh,
                        "population": int(round(hh * per)),
                        "income": round(
                            float(rng.uniform(40, 46) if town else rng.uniform(31, 38)), 1
                        ),
                        "poor": int(round(hh * rng.uniform(0.025, 0.05))),
                        "near_poor": int(round(hh * rng.uniform(0.04, 0.07))),
                    }
                else:
                    hh = int(prev["households"]) + add
                    ratio = int(prev["population"]) / int(prev["households"])
                    jump = 2.4 if year == POOR_LINE_CHANGE else 1.0
                    row = {
                        "households": hh,
                        "population": int(round(hh * (ratio - 0.005))),
                        "income": round(float(prev["income"]) * (1 + growth), 1),
                        "poor": int(round(float(prev["poor"]) * poor_step * jump)),
                        "near_poor": int(round(float(prev["near_poor"]) * near_step * jump)),
                    }
                out[k] = row
    return out


# --------------------------------------------------------------------------------------------
# Self-check (the generator refuses to write an example that breaks its own promises)
# --------------------------------------------------------------------------------------------


def committee_total(members: Members, committee: str, year: int, field: str = "members") -> int:
    return sum(members[(committee, c.cid, year)][field] for c in cells_in(committee, year))


def check(members: Members, ratings: Ratings, income: Income) -> None:
    def need(ok: bool, what: str) -> None:
        if not ok:
            raise AssertionError(f"example check failed: {what}")

    for (committee, cid, year), r in members.items():
        cell = CELL_BY_KEY[(committee, cid)]
        where = f"{committee} {cid} {year}"
        need(all(r[k] >= 0 for k in r), f"negative count {where}")
        need(r["young"] <= r["members"] and r["exempt"] <= r["members"], f"breakdown {where}")
        rated = sum(r[k] for k in sample.MEMBER_RATING_KEYS)
        need(rated == r["members"] - r["exempt"], f"ratings add up {where}")
        need(5 * r["htxsnv"] <= r["httnv"], f"member quota {where}")
        start = _start(members, cell, year)
        if start is not None:
            slip = FLOW_SLIPS.get((committee, cid, year), 0)
            need(r["members"] == start + _net(r) + slip, f"flow identity {where}")
    # the roll-up promise: Giao Thủy 2025 = its predecessors' 2024 + its 2025 flows
    for cell in CELLS["giao-thuy"]:
        before = sum(members[(p.committee, p.cid, 2024)]["members"] for p in predecessors(cell))
        r = members[("giao-thuy", cell.cid, 2025)]
        need(bool(predecessors(cell)), f"giao-thuy {cell.cid} has predecessors")
        need(r["members"] == before + _net(r), f"giao-thuy {cell.cid} roll-up")
    successors = {p.successor for m in MERGED for p in CELLS[m]}
    need(successors == {c.cid for c in CELLS["giao-thuy"]}, "every predecessor has a successor")
    for (committee, cid, year), (code, score) in ratings.items():
        if score is None:
            need(year < MERGER_YEAR, f"score missing {committee} {cid} {year}")
            continue
        ceiling = (
            "HTXSNV"
            if score >= 90
            else "HTTNV"
            if score >= 70
            else "HTNV"
            if score >= 50
            else "KHTNV"
        )
        order = ("HTXSNV", "HTTNV", "HTNV", "KHTNV")
        need(order.index(code) >= order.index(ceiling), f"label above score {committee} {cid}")
    for committee in COMMITTEES:
        for year in committee.years:
            if year < 2023:
                continue
            codes = [
                ratings[(committee.cid, c.cid, year)][0] for c in cells_in(committee.cid, year)
            ]
            need(5 * codes.count("HTXSNV") <= codes.count("HTTNV"), f"cell quota {committee.cid}")
    for (committee, area, year), v in income.items():
        need(25 <= float(v["income"]) <= 90, f"income {committee} {area} {year}")
        need(3.2 <= int(v["population"]) / int(v["households"]) <= 3.8, f"people/household {area}")
        need(int(v["poor"]) <= int(v["households"]), f"poor {area}")


# --------------------------------------------------------------------------------------------
# Workbook writing (the sample's helpers)
# --------------------------------------------------------------------------------------------

_header, _row, _title, _widths = sample._header, sample._row, sample._title, sample._widths
BOLD, TITLE = sample.BOLD, sample.TITLE
OLD_MEMBER_LABELS, NEW_MEMBER_LABELS = sample.OLD_MEMBER_LABELS, sample.NEW_MEMBER_LABELS
RATING_KEYS = sample.MEMBER_RATING_KEYS
COUNTS = ("members", "young", "female", "exempt", *FLOWS, "introduced")


def _book() -> Workbook:
    return sample._new_workbook(AUTHOR, FIXED_TIME)


def _save(wb: Workbook, path: Path) -> Path:
    return save_reproducible(wb, path, when=FIXED_TIME)


def _heading(ws: Worksheet, lower: str, upper: str = DISTRICT_HEADING) -> None:
    """The two-line Party heading, top left: the superior committee over the office."""
    ws.cell(row=1, column=1, value=upper)
    ws.cell(row=2, column=1, value=lower).font = BOLD


def _member_labels(year: int) -> tuple[str, ...]:
    return OLD_MEMBER_LABELS if year < 2018 else NEW_MEMBER_LABELS


def _span(years: Iterable[int]) -> str:
    ys = list(years)
    return f"{ys[0]}-{ys[-1]}" if len(ys) > 1 else str(ys[0])


def write_committee_registry(path: Path) -> None:
    wb = _book()
    ws = wb.create_sheet("Danh mục đảng bộ")
    _title(ws, 1, DISTRICT_OFFICE, 11)
    _title(ws, 2, "DANH MỤC TỔ CHỨC CƠ SỞ ĐẢNG", 11)
    _header(
        ws,
        4,
        (
            "STT",
            "Mã đảng bộ",
            "Tên đảng bộ",
            "Tên gọi khác",
            "Loại",
            "Trực thuộc",
            "Tỉnh",
            "Từ năm",
            "Đến năm",
            "Đảng bộ kế thừa",
        ),
    )
    for i, c in enumerate(COMMITTEES, start=1):
        _row(
            ws,
            4 + i,
            (
                i,
                c.cid,
                c.name,
                c.aliases,
                c.kind_vi,
                DISTRICT,
                PROVINCE,
                c.first_year,
                c.last_year,
                c.successor,
            ),
        )
    _widths(ws, (6, 12, 30, 48, 10, 24, 10, 8, 8, 16))
    _save(wb, path)


def write_cell_registry(path: Path) -> None:
    wb = _book()
    ws = wb.create_sheet("Danh mục chi bộ")
    _title(ws, 1, DISTRICT_OFFICE, 11)
    _title(ws, 2, "DANH MỤC CHI BỘ TRỰC THUỘC CÁC ĐẢNG BỘ CƠ SỞ", 11)
    _header(ws, 4, ("STT", "Đảng bộ", *sample.REGISTRY_HEADER[1:]))
    i = 0
    for committee in COMMITTEES:
        for c in CELLS[committee.cid]:
            i += 1
            _row(
                ws,
                4 + i,
                (
                    i,
                    committee.name,
                    c.cid,
                    c.name,
                    c.aliases,
                    c.kind_vi,
                    c.area,
                    c.first_year,
                    c.last_year,
                    c.successor,
                ),
            )
    _widths(ws, (6, 28, 16, 42, 34, 12, 18, 8, 8, 16))
    _save(wb, path)


def write_district_members(path: Path, members: Members) -> None:
    """(a) The district's compiled sheet: every committee's cells, one sheet per year, a
    "Đảng bộ" column (each row until 2019; from 2020 written once per committee, merged down)."""
    wb = _book()
    top = {
        1: "STT",
        2: "Đảng bộ",
        3: "Chi bộ",
        4: "Tổng số đảng viên",
        5: "Trong đó",
        8: "Biến động trong năm",
        13: "Giới thiệu học lớp đối tượng Đảng",
        14: "Ghi chú",
    }
    sub = {c + 1: label for c, label in MEMBER_HEADER_SUB.items()}
    for year in YEARS:
        ws = wb.create_sheet(str(year))
        _heading(ws, DISTRICT_OFFICE, PROVINCE_HEADING)
        ws.cell(
            row=3, column=1, value=f"TỔNG HỢP SỐ LƯỢNG, BIẾN ĐỘNG ĐẢNG VIÊN NĂM {year}"
        ).font = TITLE
        for col in range(1, 15):
            _header(ws, 5, (top.get(col),), start_col=col)
            _header(ws, 6, (sub.get(col),), start_col=col)
        for col in (1, 2, 3, 4, 13, 14):
            ws.merge_cells(start_row=5, start_column=col, end_row=6, end_column=col)
        ws.merge_cells("E5:G5")
        ws.merge_cells("H5:L5")
        r, n = 7, 0
        totals = dict.fromkeys(COUNTS, 0)
        for committee in COMMITTEES:
            cells = cells_in(committee.cid, year) if year in committee.years else []
            first = r
            for cell in cells:
                n += 1
                v = members[(committee.cid, cell.cid, year)]
                for k in COUNTS:
                    totals[k] += v[k]
                unit = committee.name if year < 2020 else (committee.short if r == first else None)
                _row(ws, r, (n, unit, cell.as_written(year), *(v[k] for k in COUNTS), None))
                r += 1
            if year >= 2020 and len(cells) > 1:
                ws.merge_cells(start_row=first, start_column=2, end_row=r - 1, end_column=2)
        _row(ws, r, (None, None, "Tổng cộng", *(totals[k] for k in COUNTS), None), bold=True)
        ws.row_dimensions[6].height = 48
        _widths(ws, (6, 26, 36, 10, 11, 7, 10, 8, 9, 8, 8, 10, 13, 16))
    _save(wb, path)


def write_district_committee_ratings(path: Path, ratings: dict) -> None:
    """The committees' own ratings, compiled by the district: one long table."""
    wb = _book()
    ws = wb.create_sheet("Xếp loại TCCSĐ")
    _heading(ws, DISTRICT_OFFICE, PROVINCE_HEADING)
    ws.cell(
        row=3,
        column=1,
        value=(f"KẾT QUẢ ĐÁNH GIÁ, XẾP LOẠI TỔ CHỨC CƠ SỞ ĐẢNG {YEARS[0]}–{YEARS[-1]}"),
    ).font = TITLE
    _header(ws, 5, ("STT", "Năm", "Đảng bộ", "Xếp loại", "Điểm", "Ghi chú"))
    r = 6
    for year in YEARS:
        for committee in COMMITTEES:
            if year not in committee.years:
                continue
            code, score = ratings[(committee.cid, year)]
            _row(
                ws,
                r,
                (
                    r - 5,
                    year,
                    committee.name,
                    written(committee.cid, year, code),
                    score,
                    COMMITTEE_NOTES.get((committee.cid, year)),
                ),
                number_format="0.0",
            )
            r += 1
    _widths(ws, (6, 8, 30, 30, 8, 22))
    _save(wb, path)


def _title_block(ws: Worksheet, committee: Committee, title: str | None) -> int:
    """Heading and title of a commune's sheet; the row its table header goes in."""
    _heading(ws, committee.heading)
    ws.cell(row=4, column=1, value=title).font = TITLE
    return 6


def _cell_rating_sheet(ws, committee, year, ratings, head_row, name_header, rating_header):
    cells = cells_in(committee.cid, year)
    scored = year >= MERGER_YEAR
    _header(
        ws,
        head_row,
        ("STT", name_header, *(("Điểm",) if scored else ()), rating_header, "Ghi chú"),
    )
    for i, cell in enumerate(cells, start=1):
        code, score = ratings[(committee.cid, cell.cid, year)]
        label = written(committee.cid, year, code)
        note = "Được Huyện ủy khen" if scored and code == "HTXSNV" else None
        _row(
            ws,
            head_row + i,
            (i, cell.as_written(year), *((score,) if scored else ()), label, note),
            number_format="0.0",
        )
    _widths(ws, (6, 40, *((8,) if scored else ()), 30, 22))


def write_cell_ratings_per_year(
    path: Path,
    committee: Committee,
    ratings: Ratings,
    sheet_name: Callable[[int], str],
    title: str,
    name_header: str,
    rating_header: str,
) -> None:
    """(b) One titled sheet per year under the two-line Party heading."""
    wb = _book()
    for year in committee.years:
        ws = wb.create_sheet(sheet_name(year))
        head = _title_block(ws, committee, title.format(year=year))
        _cell_rating_sheet(ws, committee, year, ratings, head, name_header, rating_header)
    _save(wb, path)


def write_cell_ratings_wide(path: Path, committee: Committee, ratings: Ratings) -> None:
    """Years as columns under a title block (Giao Tiến keeps its cells' record this way)."""
    wb = _book()
    ws = wb.create_sheet("Xếp loại chi bộ")
    years = committee.years
    head = _title_block(ws, committee, f"KẾT QUẢ XẾP LOẠI CHI BỘ GIAI ĐOẠN {years[0]}–{years[-1]}")
    _header(ws, head, ("STT", "Tên chi bộ", *(f"Năm {y}" for y in years)))
    for i, cell in enumerate(CELLS[committee.cid], start=1):
        labels = [
            written(committee.cid, y, ratings[(committee.cid, cell.cid, y)][0])
            if y in cell.years()
            else None
            for y in years
        ]
        _row(ws, head + i, (i, cell.name, *labels))
    _widths(ws, (6, 36, *(14 for _ in years)))
    _save(wb, path)


def write_cell_ratings_long(path: Path, committee: Committee, ratings: Ratings) -> None:
    """(c) No title at all: the header in row 1; the committee is known by the folder only."""
    wb = _book()
    ws = wb.create_sheet("Sheet1")
    _header(ws, 1, ("Năm", "Tên chi bộ", "Xếp loại", "Điểm"))
    r = 2
    for year in committee.years:
        for cell in cells_in(committee.cid, year):
            code, score = ratings[(committee.cid, cell.cid, year)]
            _row(
                ws,
                r,
                (year, cell.as_written(year), written(committee.cid, year, code), score),
                number_format="0.0",
            )
            r += 1
    _widths(ws, (8, 36, 30, 8))
    _save(wb, path)


def write_member_ratings_per_year(
    path: Path, committee: Committee, members: Members, sheet_name: Callable[[int], str]
) -> None:
    """Member-rating counts, one titled sheet per year: a merged parent over four labels and
    a "Cộng" totals row (equal to the column sums)."""
    wb = _book()
    for year in committee.years:
        ws = wb.create_sheet(sheet_name(year))
        head = _title_block(ws, committee, f"KẾT QUẢ XẾP LOẠI ĐẢNG VIÊN NĂM {year}")
        _header(
            ws, head, ("STT", "Chi bộ", "Kết quả xếp loại đảng viên", None, None, None, "Ghi chú")
        )
        _header(ws, head + 1, (None, None, *_member_labels(year), None))
        for col in (1, 2, 7):
            ws.merge_cells(start_row=head, start_column=col, end_row=head + 1, end_column=col)
        ws.merge_cells(start_row=head, start_column=3, end_row=head, end_column=6)
        totals = dict.fromkeys(RATING_KEYS, 0)
        cells = cells_in(committee.cid, year)
        for i, cell in enumerate(cells, start=1):
            v = members[(committee.cid, cell.cid, year)]
            for k in RATING_KEYS:
                totals[k] += v[k]
            _row(ws, head + 1 + i, (i, cell.as_written(year), *(v[k] for k in RATING_KEYS), None))
        _row(
            ws,
            head + 2 + len(cells),
            (None, "Cộng", *(totals[k] for k in RATING_KEYS), None),
            bold=True,
        )
        ws.row_dimensions[head + 1].height = 48
        _widths(ws, (6, 38, 14, 14, 14, 14, 16))
    _save(wb, path)


def write_member_ratings_long(
    path: Path, committee: Committee, members: Members, titled: bool
) -> None:
    """One row per cell, year and rating (zeros written as 0)."""
    wb = _book()
    ws = wb.create_sheet("Xếp loại đảng viên")
    years = committee.years
    head = 1
    if titled:
        head = _title_block(ws, committee, f"KẾT QUẢ XẾP LOẠI ĐẢNG VIÊN {years[0]}–{years[-1]}")
    _header(
        ws,
        head,
        ("STT", "Năm", "Chi bộ", "Xếp loại", "Số lượng")
        if titled
        else ("Năm", "Chi bộ", "Xếp loại", "Số lượng"),
    )
    r, n = head + 1, 0
    for year in years:
        for cell in cells_in(committee.cid, year):
            v = members[(committee.cid, cell.cid, year)]
            for k, label in zip(RATING_KEYS, _member_labels(year), strict=True):
                n += 1
                values = (year, cell.as_written(year), label, v[k])
                _row(ws, r, (n, *values) if titled else values)
                r += 1
    _widths(ws, (6, 8, 38, 22, 10) if titled else (8, 38, 22, 10))
    _save(wb, path)


def _areas(committee: Committee, year: int) -> list[str]:
    return [c.area for c in cells_in(committee.cid, year) if c.area]


def write_income_wide(
    path: Path, committee: Committee, income: Income, monthly: bool = False
) -> None:
    """Income per person with years as columns under a merged parent that carries the unit,
    then a "Cộng" row with the commune's own average — weighted by population, so it is not
    the plain mean of the rows above (totals rows of income are not summed); a second sheet
    with households and poverty as a long table."""
    wb = _book()
    ws = wb.create_sheet("Thu nhập")
    years = committee.years
    last = 2 + len(years)
    word = "Tổ dân phố" if committee.kind_vi == "Thị trấn" else CELLS[committee.cid][0].kind_vi
    _heading(ws, committee.heading)
    ws.cell(
        row=4, column=1, value=f"THU NHẬP BÌNH QUÂN ĐẦU NGƯỜI GIAI ĐOẠN {years[0]}–{years[-1]}"
    ).font = TITLE
    unit = "nghìn đồng/người/tháng" if monthly else "triệu đồng/người/năm"
    _header(ws, 6, ("STT", word, f"Thu nhập bình quân ({unit})", *([None] * (len(years) - 1))))
    _header(ws, 7, (None, None, *(f"Năm {y}" for y in years)))
    ws.merge_cells("A6:A7")
    ws.merge_cells("B6:B7")
    ws.merge_cells(start_row=6, start_column=3, end_row=6, end_column=last)

    def shown(v: float) -> float | int:
        return int(round(v * 1000 / 12)) if monthly else v

    areas = _areas(committee, years[0])
    for i, area in enumerate(areas, start=1):
        _row(
            ws,
            7 + i,
            (i, area, *(shown(float(income[(committee.cid, area, y)]["income"])) for y in years)),
            number_format="0.0",
        )
    weighted = []
    for y in years:
        rows = [income[(committee.cid, a, y)] for a in areas]
        pop = sum(int(v["population"]) for v in rows)
        weighted.append(
            shown(round(sum(float(v["income"]) * int(v["population"]) for v in rows) / pop, 1))
        )
    _row(ws, 8 + len(areas), (None, "Cộng", *weighted), number_format="0.0", bold=True)
    _widths(ws, (6, 18, *(10 for _ in years)))

    ws = wb.create_sheet("Hộ nghèo")
    _heading(ws, committee.heading)
    ws.cell(row=4, column=1, value=f"SỐ HỘ NGHÈO, CẬN NGHÈO THEO {word.upper()}").font = TITLE
    _header(ws, 6, ("Năm", word, "Số hộ", "Số nhân khẩu", "Số hộ nghèo", "Số hộ cận nghèo"))
    r = 7
    for y in years:
        for area in _areas(committee, y):
            v = income[(committee.cid, area, y)]
            _row(ws, r, (y, area, v["households"], v["population"], v["poor"], v["near_poor"]))
            r += 1
    _widths(ws, (8, 18, 9, 13, 12, 15))
    _save(wb, path)


def write_income_long(path: Path, committee: Committee, income: Income, titled: bool) -> None:
    """Everything in one long table (Năm first)."""
    wb = _book()
    ws = wb.create_sheet("Thu nhập, hộ nghèo")
    years = committee.years
    word = "Tổ dân phố" if committee.kind_vi == "Thị trấn" else CELLS[committee.cid][0].kind_vi
    head = 1
    if titled:
        head = _title_block(ws, committee, f"THU NHẬP VÀ HỘ NGHÈO {years[0]}–{years[-1]}")
    _header(
        ws,
        head,
        (
            "Năm",
            word,
            "Số hộ",
            "Số nhân khẩu",
            "Thu nhập bình quân (triệu đồng/người/năm)",
            "Số hộ nghèo",
            "Số hộ cận nghèo",
        ),
    )
    r = head + 1
    for y in years:
        for area in _areas(committee, y):
            v = income[(committee.cid, area, y)]
            _row(
                ws,
                r,
                (
                    y,
                    area,
                    v["households"],
                    v["population"],
                    v["income"],
                    v["poor"],
                    v["near_poor"],
                ),
                number_format="0.0",
            )
            r += 1
    _widths(ws, (8, 18, 9, 13, 16, 12, 15))
    _save(wb, path)


def write_income_per_year(path: Path, committee: Committee, income: Income) -> None:
    """A titled sheet per year, no year column (Giao Thủy: 2025 only)."""
    wb = _book()
    for y in committee.years:
        ws = wb.create_sheet(f"Năm {y}")
        head = _title_block(ws, committee, f"THU NHẬP BÌNH QUÂN, HỘ NGHÈO NĂM {y}")
        _header(ws, head, INCOME_HEADER)
        for i, area in enumerate(_areas(committee, y), start=1):
            v = income[(committee.cid, area, y)]
            _row(
                ws,
                head + i,
                (
                    i,
                    area,
                    v["households"],
                    v["population"],
                    v["income"],
                    v["poor"],
                    v["near_poor"],
                ),
                number_format="0.0",
            )
        _widths(ws, (6, 18, 9, 13, 16, 12, 15))
    _save(wb, path)


# --------------------------------------------------------------------------------------------
# The set
# --------------------------------------------------------------------------------------------

REGISTRY_COMMITTEES = "danh_muc_dang_bo.xlsx"
REGISTRY_CELLS = "danh_muc_chi_bo.xlsx"
DISTRICT_MEMBERS = f"dang_vien_{_span(YEARS)}.xlsx"
DISTRICT_RATINGS = f"xep_loai_dang_bo_{_span(YEARS)}.xlsx"


def committee_ratings() -> dict[tuple[str, int], tuple[str, float | None]]:
    out: dict[tuple[str, int], tuple[str, float | None]] = {}
    for c in COMMITTEES:
        for year, code in zip(c.years, COMMITTEE_CODES[c.cid], strict=True):
            out[(c.cid, year)] = (code, COMMITTEE_SCORES_2025.get(c.cid) if year == 2025 else None)
    return out


# --------------------------------------------------------------------------------------------
# Each commune's own workbooks
# --------------------------------------------------------------------------------------------

# Its three workbooks, in this order: cell ratings, member ratings, income (the file name's
# stem, then the years it spans); each written by (path, committee, data).
STEMS = ("xep_loai_chi_bo", "xep_loai_dang_vien", "thu_nhap_ho_ngheo")
Writer = Callable[[Path, Committee, object], None]


def _year_sheet(year: int) -> str:
    return f"Năm {year}"


# Ngô Đồng's, as data/raw: "Năm 2019" sheets, members' counts by label, a wide income sheet
LIKE_THE_SAMPLE: tuple[Writer, Writer, Writer] = (
    partial(
        write_cell_ratings_per_year,
        sheet_name=_year_sheet,
        title="KẾT QUẢ XẾP LOẠI CHI BỘ NĂM {year}",
        name_header="Tên chi bộ",
        rating_header="Kết quả xếp loại",
    ),
    partial(write_member_ratings_per_year, sheet_name=str),
    write_income_wide,
)
LAYOUTS: dict[str, tuple[Writer, Writer, Writer]] = {
    "ngo-dong": LIKE_THE_SAMPLE,
    # Hoành Sơn: bare "2019" sheets, another title; member ratings and income as long tables
    "hoanh-son": (
        partial(
            write_cell_ratings_per_year,
            sheet_name=str,
            title="KẾT QUẢ ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG CHI BỘ NĂM {year}",
            name_header="Chi bộ",
            rating_header="Xếp loại",
        ),
        partial(write_member_ratings_long, titled=True),
        partial(write_income_long, titled=True),
    ),
    # Giao Tiến: cell ratings wide; member ratings in "Đảng viên 2019" sheets; income monthly
    "giao-tien": (
        write_cell_ratings_wide,
        partial(write_member_ratings_per_year, sheet_name=lambda y: f"Đảng viên {y}"),
        partial(write_income_wide, monthly=True),
    ),
    # Giao Thủy (2025): QĐ 366 scores beside the labels
    "giao-thuy": (
        partial(
            write_cell_ratings_per_year,
            sheet_name=_year_sheet,
            title="KẾT QUẢ XẾP LOẠI CHI BỘ NĂM {year}",
            name_header="Tên chi bộ",
            rating_header="Xếp loại",
        ),
        partial(write_member_ratings_per_year, sheet_name=_year_sheet),
        write_income_per_year,
    ),
    # Giao Lạc: as the sample ("Năm 2019" sheets; its 2025 scores give a score column)
    "giao-lac": LIKE_THE_SAMPLE,
    # Giao Xuân: bare sheets, the old top label once in 2018; long member ratings and income
    "giao-xuan": (
        partial(
            write_cell_ratings_per_year,
            sheet_name=str,
            title="BÁO CÁO KẾT QUẢ XẾP LOẠI CHI BỘ NĂM {year}",
            name_header="Tên chi bộ",
            rating_header="Kết quả xếp loại",
        ),
        partial(write_member_ratings_long, titled=True),
        partial(write_income_long, titled=True),
    ),
    # Bạch Long (c): no title anywhere — its committee comes only from its folder's name
    "bach-long": (
        write_cell_ratings_long,
        partial(write_member_ratings_long, titled=False),
        partial(write_income_long, titled=False),
    ),
}


def generate(out_dir: Path) -> list[Path]:
    rng = np.random.default_rng(SEED)
    members = build_members(rng)
    ratings = rate_cells(rng)
    income = build_income(rng)
    check(members, ratings, income)
    out = Path(out_dir)
    paths: list[Path] = []

    def at(*parts: str) -> Path:
        paths.append(out.joinpath(*parts))
        return paths[-1]

    write_committee_registry(at(REGISTRY_COMMITTEES))
    write_cell_registry(at(REGISTRY_CELLS))
    write_district_members(at(DISTRICT_MEMBERS), members)
    write_district_committee_ratings(at(DISTRICT_RATINGS), committee_ratings())

    for cid, writers in LAYOUTS.items():
        c = BY_ID[cid]
        span = _span(c.years)
        for write, stem, data in zip(writers, STEMS, (ratings, members, income), strict=True):
            write(at(cid, f"{stem}_{span}.xlsx"), c, data)
    return paths


def figures_table() -> str:
    """The README's table of members per committee and year (markdown)."""
    rng = np.random.default_rng(SEED)
    members = build_members(rng)
    lines = [
        "| Đảng bộ | " + " | ".join(str(y) for y in YEARS) + " |",
        "|---|" + "---:|" * len(YEARS),
    ]
    for c in COMMITTEES:
        cells = [str(committee_total(members, c.cid, y)) if y in c.years else "–" for y in YEARS]
        lines.append(f"| {c.cid} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("| Đảng bộ | " + " | ".join(str(y) for y in YEARS) + " |")
    lines.append("|---|" + "---:|" * len(YEARS))
    for c in COMMITTEES:
        cells = [str(len(cells_in(c.cid, y))) if y in c.years else "–" for y in YEARS]
        lines.append(f"| {c.cid} | " + " | ".join(cells) + " |")
    before = sum(committee_total(members, m, 2024) for m in MERGED)
    flows = {k: committee_total(members, "giao-thuy", 2025, k) for k in FLOWS}
    lines.append("")
    lines.append(
        f"predecessors 2024: {before}; 2025 flows: {flows}; "
        f"giao-thuy 2025: {committee_total(members, 'giao-thuy', 2025)}"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default: {DEFAULT_OUT})"
    )
    parser.add_argument("--figures", action="store_true", help="print the README's figures")
    args = parser.parse_args(argv)
    if args.figures:
        print(figures_table())
        return 0
    for path in generate(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
