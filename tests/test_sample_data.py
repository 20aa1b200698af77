"""The shipped synthetic sample in data/raw: layout, calibration and reproducibility.

These tests read the workbooks cell by cell with openpyxl, independently of the package's
loaders, so that a loader bug cannot hide a sample bug (and the other way round).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import openpyxl
import pytest
from helpers import MEMBER_COUNT_HEADERS, run_generator

from ngodong_analysis import schema

REPO = Path(__file__).resolve().parents[1]
RAW = REPO / "data" / "raw"
SCRIPT = REPO / "scripts" / "make_sample_data.py"
YEARS = (2015, 2016, 2017, 2018, 2019)
FILES = (
    "danh_muc_chi_bo.xlsx",
    "xep_loai_chi_bo_2015-2019.xlsx",
    "dang_vien_2015-2019.xlsx",
    "thu_nhap_ho_ngheo.xlsx",
)

CELLS = [
    (f"tdp-{n}", f"Chi bộ Tổ dân phố số {n}", "Tổ dân phố", f"Tổ dân phố số {n}")
    for n in range(1, 8)
] + [
    ("mam-non", "Chi bộ Trường Mầm non Ngô Đồng", "Trường học", None),
    ("tieu-hoc", "Chi bộ Trường Tiểu học Ngô Đồng", "Trường học", None),
    ("thcs", "Chi bộ Trường THCS Ngô Đồng", "Trường học", None),
    ("cong-an", "Chi bộ Công an thị trấn", "Công an", None),
    ("quan-su", "Chi bộ Quân sự thị trấn", "Quân sự", None),
]
CELL_IDS = [c[0] for c in CELLS]
RESIDENTIAL = [c[0] for c in CELLS if c[3]]
AREAS = [f"Tổ dân phố số {n}" for n in range(1, 8)]
NAME_TO_ID = {name: cid for cid, name, _, _ in CELLS}
NAME_TO_ID.update({f"Chi bộ TDP số {n}": f"tdp-{n}" for n in range(1, 8)})

OLD_TOP, NEW_TOP, GOOD = (
    "Trong sạch, vững mạnh",
    "Hoàn thành xuất sắc nhiệm vụ",
    ("Hoàn thành tốt nhiệm vụ"),
)
CELL_LABEL = {OLD_TOP: "TOP", NEW_TOP: "TOP", "HTXSNV": "TOP", GOOD: "GOOD", "HTTNV": "GOOD"}
RATING_FIELDS = ("htxsnv", "httnv", "htnv", "khtnv")
# the columns of the sample's members sheets: the contract's counts, then member ratings
MEMBER_FIELDS = (*schema.MEMBER_FIELDS, *RATING_FIELDS)


def _open(name: str) -> openpyxl.Workbook:
    path = RAW / name
    if not path.exists():
        pytest.fail(f"{path} missing: run python scripts/make_sample_data.py")
    return openpyxl.load_workbook(path, data_only=True)


def _merged(ws) -> set[str]:
    return {str(r) for r in ws.merged_cells.ranges}


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _workbook_fixture(name: str):
    """A module-scoped fixture giving the shipped workbook ``name``, opened once."""

    def workbook() -> openpyxl.Workbook:
        return _open(name)

    return pytest.fixture(scope="module")(workbook)


# the four workbooks, in the order of FILES
registry, ratings_wb, members_wb, income_wb = map(_workbook_fixture, FILES)


@pytest.fixture(scope="module")
def cell_ratings(ratings_wb) -> dict[int, dict[str, str]]:
    """year -> cell_id -> rating label as written."""
    out: dict[int, dict[str, str]] = {}
    for year in YEARS:
        ws = ratings_wb[f"Năm {year}"]
        out[year] = {NAME_TO_ID[ws.cell(r, 2).value]: ws.cell(r, 3).value for r in range(5, 17)}
    return out


@pytest.fixture(scope="module")
def members(members_wb) -> dict[int, dict[str, dict[str, int]]]:
    """year -> cell_id -> field -> count, from rows 6–17, columns C..P."""
    out: dict[int, dict[str, dict[str, int]]] = {}
    for year in YEARS:
        ws = members_wb[str(year)]
        out[year] = {}
        for r in range(6, 18):
            values = [ws.cell(r, c).value for c in range(3, 17)]
            assert all(_is_count(v) for v in values), (year, r, values)
            out[year][NAME_TO_ID[ws.cell(r, 2).value]] = dict(
                zip(MEMBER_FIELDS, values, strict=True)
            )
    return out


@pytest.fixture(scope="module")
def income(income_wb) -> dict[int, dict[str, float]]:
    ws = income_wb["Thu nhập"]
    return {
        year: {ws.cell(r, 2).value: ws.cell(r, 3 + j).value for r in range(5, 12)}
        for j, year in enumerate(YEARS)
    }


@pytest.fixture(scope="module")
def poverty(income_wb) -> dict[tuple[int, str], dict[str, int]]:
    ws = income_wb["Hộ nghèo"]
    out = {}
    for r in range(4, 4 + 35):
        year, area, hh, pop, poor, near = (ws.cell(r, c).value for c in range(1, 7))
        out[(year, area)] = {"households": hh, "population": pop, "poor": poor, "near_poor": near}
    return out


def _totals(members, year: int) -> dict[str, int]:
    return {k: sum(members[year][c][k] for c in CELL_IDS) for k in MEMBER_FIELDS}


# ---------------------------------------------------------------------------- layout


def test_files_and_sheets():
    assert {p.name for p in RAW.glob("*.xlsx")} == set(FILES)
    assert (RAW / "README.md").exists()
    assert _open(FILES[0]).sheetnames == ["Danh mục chi bộ"]
    assert _open(FILES[1]).sheetnames == [f"Năm {y}" for y in YEARS] + ["Đảng bộ"]
    assert _open(FILES[2]).sheetnames == [str(y) for y in YEARS]
    assert _open(FILES[3]).sheetnames == ["Thu nhập", "Hộ nghèo"]


def test_registry(registry):
    ws = registry["Danh mục chi bộ"]
    assert ws["A1"].value == "ĐẢNG BỘ THỊ TRẤN NGÔ ĐỒNG"
    assert ws["A2"].value == "DANH MỤC CHI BỘ TRỰC THUỘC"
    assert {"A1:I1", "A2:I2"} <= _merged(ws)
    assert all(ws.cell(3, c).value is None for c in range(1, 10))
    assert [ws.cell(4, c).value for c in range(1, 10)] == [
        "STT",
        "Mã chi bộ",
        "Tên chi bộ",
        "Tên gọi khác",
        "Loại",
        "Địa bàn",
        "Từ năm",
        "Đến năm",
        "Chi bộ kế thừa",
    ]
    assert ws.cell(4, 1).font.bold
    rows = [[ws.cell(r, c).value for c in range(1, 10)] for r in range(5, 17)]
    assert [r[0] for r in rows] == list(range(1, 13))
    assert [(r[1], r[2], r[4], r[5]) for r in rows] == CELLS
    for r in rows:
        assert isinstance(r[6], int) and 2000 <= r[6] <= 2015
        assert r[7] is None and r[8] is None
    assert rows[1][3] == "CB TDP 2; Chi bộ TDP số 2"
    assert ws.max_row == 16


def test_cell_rating_sheets_layout(ratings_wb):
    for year in YEARS:
        ws = ratings_wb[f"Năm {year}"]
        assert ws["A1"].value == "ĐẢNG BỘ THỊ TRẤN NGÔ ĐỒNG"
        assert ws["A2"].value == f"KẾT QUẢ ĐÁNH GIÁ, XẾP LOẠI CHI BỘ NĂM {year}"
        assert {"A1:D1", "A2:D2"} <= _merged(ws)
        assert [ws.cell(4, c).value for c in range(1, 5)] == [
            "STT",
            "Tên chi bộ",
            "Kết quả xếp loại",
            "Ghi chú",
        ]
        assert ws.max_row == 16
        names = [ws.cell(r, 2).value for r in range(5, 17)]
        if year <= 2017:
            assert names == [c[1] for c in CELLS]
        else:
            assert names[:7] == [f"Chi bộ TDP số {n}" for n in range(1, 8)]
            assert names[7:] == [c[1] for c in CELLS[7:]]
        assert [ws.cell(r, 1).value for r in range(5, 17)] == list(range(1, 13))


def test_cell_rating_labels_follow_the_scale_of_the_year(cell_ratings):
    for year, by_cell in cell_ratings.items():
        allowed = {OLD_TOP, GOOD} if year <= 2017 else {NEW_TOP, GOOD, "HTXSNV", "HTTNV"}
        assert set(by_cell.values()) <= allowed, year
    abbreviations = {v for v in cell_ratings[2019].values() if v in ("HTXSNV", "HTTNV")}
    assert abbreviations == {"HTXSNV", "HTTNV"}
    assert not {"HTXSNV", "HTTNV"} & set(cell_ratings[2018].values())


def test_f01_tdp2_top_every_year(cell_ratings):
    assert all(CELL_LABEL[cell_ratings[y]["tdp-2"]] == "TOP" for y in YEARS)


def test_f08_f10_f11_f12_cell_rating_counts(cell_ratings):
    top = [sum(CELL_LABEL[v] == "TOP" for v in cell_ratings[y].values()) for y in YEARS]
    good = [sum(CELL_LABEL[v] == "GOOD" for v in cell_ratings[y].values()) for y in YEARS]
    assert all(len(cell_ratings[y]) == 12 for y in YEARS)  # F08, every cell rated
    assert sum(top) == 5 * len(YEARS)  # F10: mean exactly 5
    assert sum(good) == 7 * len(YEARS)  # F11: mean exactly 7
    assert len(set(top)) > 1  # varies a little
    assert [t + g for t, g in zip(top, good, strict=True)] == [12] * 5  # F12: nothing weaker


def test_tdp2_note(ratings_wb):
    notes = [ratings_wb[f"Năm {y}"].cell(6, 4).value for y in (2018, 2019)]
    assert any(n and "Huyện ủy" in n for n in notes)


def test_f15_committee_ratings(ratings_wb):
    ws = ratings_wb["Đảng bộ"]
    assert ws["A1"].value == "KẾT QUẢ XẾP LOẠI ĐẢNG BỘ THỊ TRẤN NGÔ ĐỒNG 2015–2019"
    assert all(ws.cell(2, c).value is None for c in range(1, 4))
    assert [ws.cell(3, c).value for c in range(1, 4)] == ["Năm", "Đảng bộ", "Xếp loại"]
    rows = [tuple(ws.cell(r, c).value for c in range(1, 4)) for r in range(4, 9)]
    unit = "Đảng bộ thị trấn Ngô Đồng"
    assert rows == [
        (2015, unit, OLD_TOP),
        (2016, unit, OLD_TOP),
        (2017, unit, OLD_TOP),
        (2018, unit, GOOD),
        (2019, unit, GOOD),
    ]
    assert ws.max_row == 8


def test_members_layout(members_wb):
    for year in YEARS:
        ws = members_wb[str(year)]
        assert ws["A1"].value == "ĐẢNG BỘ THỊ TRẤN NGÔ ĐỒNG"
        assert ws["A2"].value == f"BÁO CÁO SỐ LƯỢNG, BIẾN ĐỘNG VÀ XẾP LOẠI ĐẢNG VIÊN NĂM {year}"
        assert all(ws.cell(3, c).value is None for c in range(1, 18))
        assert _merged(ws) >= {
            "A4:A5",
            "B4:B5",
            "C4:C5",
            "D4:F4",
            "G4:K4",
            "L4:L5",
            "M4:P4",
            "Q4:Q5",
        }
        # the top header row; a merged range's text in its first cell, the rest empty
        assert [ws.cell(4, c).value for c in range(1, 18)] == [
            "STT",
            "Chi bộ",
            "Tổng số đảng viên",
            "Trong đó",
            None,
            None,
            "Biến động trong năm",
            None,
            None,
            None,
            None,
            "Giới thiệu học lớp đối tượng Đảng",
            "Kết quả xếp loại đảng viên",
            None,
            None,
            None,
            "Ghi chú",
        ]
        ratings = (
            ["Đủ tư cách, HTXSNV", "Đủ tư cách, HTTNV", "Đủ tư cách, HTNV", "Vi phạm tư cách"]
            if year <= 2017
            else ["HTXSNV", "HTTNV", "HTNV", "KHTNV"]
        )
        assert [ws.cell(5, c).value for c in range(4, 17)] == [
            *MEMBER_COUNT_HEADERS,
            None,
            *ratings,
        ]
        assert [ws.cell(r, 2).value for r in range(6, 18)] == [c[1] for c in CELLS]
        assert [ws.cell(r, 1).value for r in range(6, 18)] == list(range(1, 13))
        assert ws.max_row == 18


def test_members_totals_row(members_wb, members):
    for year in YEARS:
        ws = members_wb[str(year)]
        assert ws.cell(18, 2).value == "Tổng cộng"
        written = [ws.cell(18, c).value for c in range(3, 17)]
        assert all(_is_count(v) for v in written)
        totals = _totals(members, year)
        assert written == [totals[k] for k in MEMBER_FIELDS]


def test_f02_f03_tdp2(members):
    assert members[2019]["tdp-2"]["members"] == 22
    assert members[2019]["tdp-2"]["young"] == 7


def test_f09_membership_size_and_growth(members):
    sizes = [_totals(members, y)["members"] for y in YEARS]
    assert 470 <= sizes[-1] <= 499
    assert 450 <= sizes[0] <= 475
    assert all(b >= a for a, b in zip(sizes, sizes[1:], strict=False))


def test_flow_identity(members):
    for year in YEARS[1:]:
        for c in CELL_IDS:
            r, start = members[year][c], members[year - 1][c]["members"]
            assert r["members"] == (
                start
                + r["admitted"]
                + r["transferred_in"]
                - r["transferred_out"]
                - r["died"]
                - r["removed"]
            ), (year, c)


def test_f16_f17_f18_flow_totals(members):
    def total(field):
        return sum(members[y][c][field] for y in YEARS for c in CELL_IDS)

    assert total("introduced") == 15
    assert total("admitted") == 11
    assert total("transferred_in") == 42


def test_breakdowns_plausible(members):
    for year in YEARS:
        for c in CELL_IDS:
            r = members[year][c]
            assert r["members"] > 0
            for k in ("young", "female", "exempt"):
                assert r[k] <= r["members"], (year, c, k)
            if c in RESIDENTIAL:
                assert r["exempt"] > 0, (year, c)
            else:
                assert r["exempt"] == 0, (year, c)
        res = [members[year][c] for c in RESIDENTIAL if c != "tdp-2"]
        other = [members[year][c] for c in CELL_IDS if c not in RESIDENTIAL]
        res_young = sum(r["young"] for r in res) / sum(r["members"] for r in res)
        other_young = sum(r["young"] for r in other) / sum(r["members"] for r in other)
        assert other_young > 2 * res_young


def test_member_ratings_cover_the_rated(members):
    for year in YEARS:
        for c in CELL_IDS:
            r = members[year][c]
            assert sum(r[k] for k in RATING_FIELDS) == r["members"] - r["exempt"], (year, c)
        assert _totals(members, year)["khtnv"] <= 2


def test_quota_htxsnv_at_most_20_percent_of_httnv(members):
    for year in YEARS:
        for c in CELL_IDS:
            r = members[year][c]
            assert 5 * r["htxsnv"] <= r["httnv"], (year, c)
        t = _totals(members, year)
        assert 5 * t["htxsnv"] <= t["httnv"], year


def test_f13_f14_member_ratings_2019(members):
    t = _totals(members, 2019)
    rated = t["members"] - t["exempt"]
    assert t["htxsnv"] == 45
    assert round(100 * (t["htxsnv"] + t["httnv"]) / rated, 1) == 68.2


def test_income_layout(income_wb):
    ws = income_wb["Thu nhập"]
    assert ws["A1"].value == "THU NHẬP BÌNH QUÂN ĐẦU NGƯỜI CÁC TỔ DÂN PHỐ GIAI ĐOẠN 2015–2019"
    assert {"A1:G1", "A3:A4", "B3:B4", "C3:G3"} <= _merged(ws)
    assert [ws.cell(3, c).value for c in range(1, 4)] == [
        "STT",
        "Tổ dân phố",
        "Thu nhập bình quân (triệu đồng/người/năm)",
    ]
    assert [ws.cell(4, c).value for c in range(3, 8)] == [f"Năm {y}" for y in YEARS]
    assert [ws.cell(r, 2).value for r in range(5, 12)] == AREAS
    assert ws.max_row == 11
    for r in range(5, 12):
        for c in range(3, 8):
            v = ws.cell(r, c).value
            assert isinstance(v, int | float) and round(v, 1) == v

    ws = income_wb["Hộ nghèo"]
    assert ws["A1"].value == "SỐ HỘ NGHÈO, CẬN NGHÈO THEO TỔ DÂN PHỐ"
    assert [ws.cell(3, c).value for c in range(1, 7)] == [
        "Năm",
        "Tổ dân phố",
        "Số hộ",
        "Số nhân khẩu",
        "Số hộ nghèo",
        "Số hộ cận nghèo",
    ]
    keys = [(ws.cell(r, 1).value, ws.cell(r, 2).value) for r in range(4, 39)]
    assert keys == [(y, a) for y in YEARS for a in AREAS]
    assert ws.max_row == 38
    assert all(_is_count(ws.cell(r, c).value) for r in range(4, 39) for c in range(3, 7))


def test_f04_f05_f06_tdp2(income, poverty):
    assert income[2019]["Tổ dân phố số 2"] == 57.0
    assert poverty[(2019, "Tổ dân phố số 2")]["poor"] == 0
    assert poverty[(2019, "Tổ dân phố số 2")]["near_poor"] == 6


def test_income_and_poverty_plausible(income, poverty):
    for area in AREAS:
        series = [income[y][area] for y in YEARS]
        assert all(40 <= v <= 65 for v in series), area
        growth = [b / a - 1 for a, b in zip(series, series[1:], strict=False)]
        assert all(0.055 <= g <= 0.095 for g in growth), (area, growth)
        poor = [poverty[(y, area)]["poor"] for y in YEARS]
        assert all(b <= a for a, b in zip(poor, poor[1:], strict=False)), area
        assert poor[0] > poor[-1]
        for y in YEARS:
            p = poverty[(y, area)]
            assert 250 <= p["households"] <= 450
            assert 3.3 <= p["population"] / p["households"] <= 3.8
            assert p["poor"] + p["near_poor"] < p["households"]
    assert len({income[2019][a] for a in AREAS}) == len(AREAS)  # varied across areas


# ---------------------------------------------------------------------------- reproducibility


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_generator_is_deterministic_and_matches_the_shipped_sample(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    run_generator(SCRIPT, first)
    run_generator(SCRIPT, second)
    for name in FILES:
        assert _sha256(first / name) == _sha256(second / name), name
        assert _sha256(first / name) == _sha256(RAW / name), (
            f"{name} differs from data/raw: rerun python scripts/make_sample_data.py"
        )
    assert {p.name for p in first.iterdir()} == set(FILES)
