"""The synthetic example set data/examples/giao-thuy: reproducibility, the README's figures,
the roll-up across the 2024 merger, the layouts and the 2025 scores.

Everything here reads the workbooks with openpyxl and the package's resources with csv, never
through the loaders (the loaders' committee tests are elsewhere), so that a loader bug cannot
hide a bug of the set. Only the last test calls the package: today's ``validate`` on each
commune folder alone must not crash.
"""

from __future__ import annotations

import csv
import hashlib
import re
from pathlib import Path

import openpyxl
import pytest
from helpers import run_generator

import ngodong_analysis as nd

REPO = Path(__file__).resolve().parents[1]
SET = REPO / "data" / "examples" / "giao-thuy"
SCRIPT = REPO / "scripts" / "make_example_giao_thuy.py"
RESOURCES = REPO / "ngodong_analysis" / "resources"
YEARS = list(range(2015, 2026))
COMMUNES = ("ngo-dong", "hoanh-son", "giao-tien", "giao-thuy", "giao-lac", "giao-xuan",
            "bach-long")  # fmt: skip
MERGED = ("ngo-dong", "hoanh-son", "giao-tien")
MEMBERS_FILE = "dang_vien_2015-2025.xlsx"
# columns of the compiled members sheet (1-based): committee, cell, members, then the flows
COL_UNIT, COL_CELL, COL_MEMBERS = 2, 3, 4
COL_FLOW = {"admitted": 8, "transferred_in": 9, "transferred_out": 10, "died": 11, "removed": 12}


def _open(path: Path) -> openpyxl.Workbook:
    if not path.exists():
        pytest.fail(f"{path} missing: run python scripts/make_example_giao_thuy.py")
    return openpyxl.load_workbook(path, data_only=True)


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", str(text)).strip().casefold()


@pytest.fixture(scope="module")
def committees() -> dict[str, dict]:
    """id -> registry row (header row 4) of danh_muc_dang_bo.xlsx."""
    ws = _open(SET / "danh_muc_dang_bo.xlsx")["Danh mục đảng bộ"]
    header = [c.value for c in ws[4]]
    rows = [dict(zip(header, (c.value for c in r), strict=True)) for r in ws.iter_rows(min_row=5)]
    return {r["Mã đảng bộ"]: r for r in rows if r["Mã đảng bộ"]}


@pytest.fixture(scope="module")
def committee_of(committees) -> dict[str, str]:
    """Any spelling of a committee in the registry (name or other name) -> its id."""
    out = {}
    for cid, row in committees.items():
        for name in [row["Tên đảng bộ"], *(row["Tên gọi khác"] or "").split(";")]:
            if name.strip():
                out[_fold(name)] = cid
    return out


@pytest.fixture(scope="module")
def cell_registry(committee_of) -> list[dict]:
    ws = _open(SET / "danh_muc_chi_bo.xlsx")["Danh mục chi bộ"]
    header = [c.value for c in ws[4]]
    rows = [dict(zip(header, (c.value for c in r), strict=True)) for r in ws.iter_rows(min_row=5)]
    for r in rows:
        r["committee_id"] = committee_of[_fold(r["Đảng bộ"])]
    return rows


@pytest.fixture(scope="module")
def cell_of(cell_registry) -> dict[tuple[str, str], str]:
    """(committee id, any spelling of a cell) -> cell id."""
    out = {}
    for r in cell_registry:
        for name in [r["Tên chi bộ"], *(r["Tên gọi khác"] or "").split(";")]:
            if name.strip():
                out[(r["committee_id"], _fold(name))] = r["Mã chi bộ"]
    return out


@pytest.fixture(scope="module")
def members(committee_of, cell_of) -> dict[tuple[int, str, str], dict[str, int]]:
    """(year, committee id, cell id) -> members and flows, from the compiled district sheet,
    the committee column filled down over its merged blocks; the totals row checked."""
    wb = _open(SET / MEMBERS_FILE)
    out: dict[tuple[int, str, str], dict[str, int]] = {}
    for year in YEARS:
        ws = wb[str(year)]
        unit = None
        total_seen = False
        for r in range(7, ws.max_row + 1):
            name = ws.cell(r, COL_CELL).value
            if name is None:
                continue
            if name == "Tổng cộng":
                rows = [v for k, v in out.items() if k[0] == year]
                assert ws.cell(r, COL_MEMBERS).value == sum(v["members"] for v in rows)
                total_seen = True
                continue
            unit = ws.cell(r, COL_UNIT).value or unit  # merged down from 2020: blank below
            cid = committee_of[_fold(unit)]
            key = (year, cid, cell_of[(cid, _fold(name))])
            assert key not in out, key
            out[key] = {"members": ws.cell(r, COL_MEMBERS).value,
                        **{f: ws.cell(r, c).value for f, c in COL_FLOW.items()}}  # fmt: skip
        assert total_seen, year
    return out


def _readme_tables() -> list[dict[str, list[int | None]]]:
    """The README's figure tables: committee id -> values by year (None for '–')."""
    tables, current = [], None
    for line in (SET / "README.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("| Đảng bộ | 2015"):
            current = {}
            tables.append(current)
        elif current is not None and line.startswith("| ") and not line.startswith("|---"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            current[cells[0]] = [None if c == "–" else int(c) for c in cells[1:]]
        elif not line.startswith("|"):
            current = None
    return tables


# ---------------------------------------------------------------------------- reproducibility


def _files(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*.xlsx"))
    }


def test_generator_is_deterministic_and_matches_the_shipped_set(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    run_generator(SCRIPT, first)
    run_generator(SCRIPT, second)
    assert _files(first) == _files(second)
    assert _files(first) == _files(SET), (
        "data/examples/giao-thuy differs: rerun python scripts/make_example_giao_thuy.py"
    )


def test_the_set_is_small_and_says_it_is_synthetic():
    size = sum(p.stat().st_size for p in SET.rglob("*") if p.is_file())
    assert size < 1_000_000
    readme = (SET / "README.md").read_text(encoding="utf-8")
    assert "**These data are synthetic.**" in readme
    assert "(unconfirmed)" in readme


# ---------------------------------------------------------------------------- the figures


def test_readme_members_per_committee_and_year_match_the_compiled_sheet(members):
    table = _readme_tables()[0]
    assert set(table) == set(COMMUNES)
    for cid, values in table.items():
        for year, want in zip(YEARS, values, strict=True):
            got = [v["members"] for k, v in members.items() if k[:2] == (year, cid)]
            assert (sum(got) if got else None) == want, (cid, year)


def test_readme_cells_per_committee_and_year_match_the_sheets(members):
    table = _readme_tables()[1]
    for cid, values in table.items():
        for year, want in zip(YEARS, values, strict=True):
            got = sum(1 for k in members if k[:2] == (year, cid))
            assert (got or None) == want, (cid, year)


def test_ngo_dong_2015_2019_are_the_shipped_sample(members):
    ws = _open(REPO / "data" / "raw" / "dang_vien_2015-2019.xlsx")["2019"]
    assert sum(v["members"] for k, v in members.items() if k[:2] == (2019, "ngo-dong")) == 488
    assert ws["C18"].value == 488  # the sample's totals row


def _net(v: dict[str, int]) -> int:
    return (v["admitted"] + v["transferred_in"] - v["transferred_out"] - v["died"]
            - v["removed"])  # fmt: skip


def test_giao_thuy_2025_is_its_predecessors_2024_plus_its_flows(members, committees):
    assert [c for c, r in committees.items() if r["Đảng bộ kế thừa"] == "giao-thuy"] == list(
        MERGED
    )
    before = sum(v["members"] for k, v in members.items() if k[0] == 2024 and k[1] in MERGED)
    after = [v for k, v in members.items() if k[:2] == (2025, "giao-thuy")]
    assert before == 535 + 322 + 294 == 1151
    assert sum(v["members"] for v in after) == before + sum(_net(v) for v in after) == 1164


def test_the_roll_up_holds_cell_by_cell_through_the_registry(members, cell_registry):
    successors: dict[str, list[tuple[str, str]]] = {}
    for r in cell_registry:
        if r["committee_id"] in MERGED:
            assert r["Đến năm"] == 2024 and r["Chi bộ kế thừa"], r
            successors.setdefault(r["Chi bộ kế thừa"], []).append(
                (r["committee_id"], r["Mã chi bộ"])
            )
    gt = {k[2]: v for k, v in members.items() if k[:2] == (2025, "giao-thuy")}
    assert set(successors) == set(gt)
    assert len(successors["tdp-6"]) == 2 and len(successors["cong-an"]) == 3  # merged cells
    for cell, v in gt.items():
        before = sum(members[(2024, c, p)]["members"] for c, p in successors[cell])
        assert v["members"] == before + _net(v), cell


def test_flows_add_up_except_the_listed_slips(members, cell_registry):
    # (committee, cell) -> the cell of the same committee merged into it
    merged_into = {
        (r["committee_id"], r["Chi bộ kế thừa"]): r["Mã chi bộ"]
        for r in cell_registry
        if r["Chi bộ kế thừa"] and r["committee_id"] not in MERGED
    }
    broken = []
    for (year, cid, cell), v in members.items():
        prev = members.get((year - 1, cid, cell))
        if prev is None:
            continue
        if merged_into.get((cid, cell)) and (year - 1, cid, merged_into[(cid, cell)]) in members:
            continue  # the year it takes in a merged cell (listed below as well)
        if v["members"] != prev["members"] + _net(v):
            broken.append((cid, cell, year, v["members"] - prev["members"] - _net(v)))
    assert sorted(broken) == [("bach-long", "cong-an", 2022, -1), ("giao-lac", "thon-2", 2018, 2)]
    xom4, xom5 = members[(2021, "giao-xuan", "xom-4")], members[(2020, "giao-xuan", "xom-5")]
    prev = members[(2020, "giao-xuan", "xom-4")]
    assert xom4["members"] == prev["members"] + xom5["members"] + _net(xom4)
    assert (2021, "giao-xuan", "xom-5") not in members


# ---------------------------------------------------------------------------- the layouts


def test_a_the_compiled_sheet_names_many_committees_in_a_dang_bo_column(members):
    ws = _open(SET / MEMBERS_FILE)["2022"]
    assert ws.cell(5, COL_UNIT).value == "Đảng bộ" and ws.cell(5, COL_CELL).value == "Chi bộ"
    assert {k[1] for k in members if k[0] == 2022} == set(COMMUNES) - {"giao-thuy"}
    assert {k[1] for k in members if k[0] == 2025} == set(COMMUNES) - set(MERGED)
    merged_down = [
        str(r)
        for r in ws.merged_cells.ranges
        if r.min_col == r.max_col == COL_UNIT and r.min_row >= 7  # below the header
    ]
    assert len(merged_down) == 6, merged_down  # one block per committee of 2022
    # the same cell name in several committees of one sheet
    names = [ws.cell(r, COL_CELL).value for r in range(7, ws.max_row + 1)]
    assert names.count("Chi bộ Công an xã") == 5 and names.count("Chi bộ Thôn 1") == 3


def _heading_of(committee_name: str) -> str:
    """'Đảng bộ xã Giao Lạc' -> 'ĐẢNG ỦY XÃ GIAO LẠC' (the office's line of the heading)."""
    return committee_name.replace("Đảng bộ", "Đảng ủy", 1).upper()


@pytest.mark.parametrize("cid", [c for c in COMMUNES if c != "bach-long"])
def test_b_commune_folders_have_titled_sheets_under_the_party_heading(cid, committees):
    folder = SET / cid
    assert folder.is_dir()
    books = sorted(folder.glob("*.xlsx"))
    assert [b.name.split("_2")[0] for b in books] == [
        "thu_nhap_ho_ngheo", "xep_loai_chi_bo", "xep_loai_dang_vien"
    ]  # fmt: skip
    per_year = 0
    for book in books:
        for ws in _open(book):
            assert ws["A1"].value == "ĐẢNG BỘ HUYỆN GIAO THỦY", (book.name, ws.title)
            assert ws["A2"].value == _heading_of(committees[cid]["Tên đảng bộ"])
            years = re.findall(r"(20\d\d)", ws.title)
            if years:  # a per-year sheet: its title says the same year
                per_year += 1
                assert f"NĂM {years[0]}" in ws["A4"].value, (book.name, ws.title)
    assert per_year >= 1


def test_c_bach_long_has_no_title_at_all():
    books = sorted((SET / "bach-long").glob("*.xlsx"))
    assert len(books) == 3
    for book in books:
        for ws in _open(book):
            assert ws["A1"].value == "Năm", (book.name, ws.title)
            texts = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
            # no Party heading or title anywhere (cell names do name the commune's schools)
            assert not any("ĐẢNG" in t.upper() for t in texts), (book.name, ws.title)


def test_commune_folders_are_named_by_the_registry_ids(committees):
    folders = {p.name for p in SET.iterdir() if p.is_dir()}
    assert folders == set(committees) == set(COMMUNES)


# ---------------------------------------------------------------------------- scales and scores


def _bands() -> list[tuple[float, str]]:
    with open(RESOURCES / "score_bands.csv", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["scale"] == "qd366"]
    return sorted(((float(r["from_score"]), r["rating"]) for r in rows), reverse=True)


LEVEL = {"HTXSNV": 1, "HT xuất sắc NV": 1, "Hoàn thành xuất sắc nhiệm vụ": 1, "HTTNV": 2,
         "Hoàn thành tốt nhiệm vụ": 2, "HTNV": 3, "Hoàn thành nhiệm vụ": 3, "KHTNV": 4,
         "Không hoàn thành nhiệm vụ": 4}  # fmt: skip


def _scored_rows():
    """(file, sheet, year, score, label) of every row with a score in the set."""
    for book in sorted(SET.rglob("xep_loai_*.xlsx")):
        for ws in _open(book):
            for r in range(1, 12):
                header = [c.value for c in ws[r]]
                if "Điểm" in header:
                    break
            else:
                continue
            col = {h: i for i, h in enumerate(header) if h}
            label_col = col.get("Xếp loại", col.get("Kết quả xếp loại"))
            for row in ws.iter_rows(min_row=r + 1, values_only=True):
                if row[col["Điểm"]] is None:
                    continue
                year = row[col["Năm"]] if "Năm" in col else int(ws.title[-4:])
                yield book.name, ws.title, year, row[col["Điểm"]], row[label_col]


def test_scores_only_in_2025_and_no_label_above_its_score():
    bands = _bands()
    rows = list(_scored_rows())
    assert len(rows) >= 4 + 21 + 12 + 9 + 8  # committees + the four communes' cells of 2025
    below = 0
    for name, sheet, year, score, label in rows:
        assert year == 2025 and 0 <= score <= 100, (name, sheet)
        ceiling = next(rating for low, rating in bands if score >= low)
        assert LEVEL[label] >= LEVEL[ceiling], (name, sheet, score, label)
        below += LEVEL[label] > LEVEL[ceiling]
    assert below >= 4  # labels may sit below their score: a few do


def test_each_year_uses_its_scale():
    old = {"Trong sạch, vững mạnh", "TSVM"}
    new_only = {"Hoàn thành xuất sắc nhiệm vụ", "HTXSNV", "HT xuất sắc NV", "KHTNV",
                "Không hoàn thành nhiệm vụ"}  # fmt: skip
    ws = _open(SET / "ngo-dong" / "xep_loai_chi_bo_2015-2024.xlsx")
    labels = {
        y: {ws[f"Năm {y}"].cell(r, 3).value for r in range(7, 19)} for y in range(2015, 2025)
    }
    for y in (2015, 2016, 2017):
        assert labels[y] & old and not labels[y] & new_only, y
    for y in range(2018, 2025):
        assert not labels[y] & old, y
    assert {"HTXS NV", "HT tốt NV"} <= labels[2021]


# ---------------------------------------------------------------------------- today's validate


@pytest.mark.parametrize("cid", COMMUNES)
def test_todays_validate_reads_each_commune_folder_without_crashing(cid):
    problems = nd.validate(SET / cid)
    assert isinstance(problems, list)
    assert all(isinstance(p, nd.Problem) for p in problems)
    # every place it names is inside the folder it was given
    assert all(not str(p.file).startswith(("/", "..")) for p in problems)
