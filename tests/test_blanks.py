"""A blank cell in a filled column is a count not reported: warned where it is, and the year
totals over it are marked incomplete in analysis, charts and report, never shown as a fall."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
from helpers import table, write_xlsx
from openpyxl import load_workbook

import ngodong_analysis as nd
from ngodong_analysis import analysis, plots
from ngodong_analysis.outputs.report import write_report


def _members_book(folder, year, *, blank_female_of=(), blank_flow=True):
    rows = [["STT", "Chi bộ", "Tổng số đảng viên", "Nữ", "Kết nạp mới"]]
    for n in range(1, 13):
        female = "" if n in blank_female_of else 6 + n % 4
        admitted = "" if (blank_flow and n % 2) else 1
        rows.append([n, f"Chi bộ Thôn {n}", 30 + n, female, admitted])
    return write_xlsx(folder / f"dang_vien_{year}.xlsx", {f"Năm {year}": rows})


@pytest.fixture
def three_years(tmp_path):
    # 2018's sheet has "Nữ" blank for Thôn 3 and Thôn 7; every year, "Kết nạp mới" is blank
    # for the cells that admitted nobody (a flow left empty means none: no warning)
    _members_book(tmp_path, 2017)
    _members_book(tmp_path, 2018, blank_female_of=(3, 7))
    _members_book(tmp_path, 2019)
    return nd.load_dataset(tmp_path, use_processed=False)


def test_the_blank_cells_of_a_filled_column_are_one_warning_naming_them(three_years):
    [warning] = [p for p in three_years.problems if p.rule == "blank-cells"]
    assert warning.file == "dang_vien_2018.xlsx" and warning.sheet == "Năm 2018"
    # 'Nữ' is column D; Thôn 3 is sheet row 4, Thôn 7 row 8
    assert warning.cell == "D4"
    assert "'Nữ'" in warning.message
    assert "Chi bộ Thôn 3 (D4)" in warning.message and "Chi bộ Thôn 7 (D8)" in warning.message
    assert "the other 10 rows:" in warning.message and warning.severity == "warning"


def test_membership_totals_mark_the_incomplete_year_instead_of_a_fall(three_years):
    totals = analysis.membership_totals(three_years.members).set_index("year")
    assert totals.loc[2018, "incomplete"] == "female"
    assert totals["incomplete"].isna().tolist() == [True, False, True]
    # the total itself is what the cells reported: 2 cells fewer than 2017 and 2019
    assert totals.loc[2017, "female"] - totals.loc[2018, "female"] == (6 + 3 % 4) + (6 + 7 % 4)


def test_incomplete_sums_say_who_is_missing(three_years):
    gaps = analysis.incomplete_sums(three_years.members)
    assert gaps.to_dict("records") == [
        {
            "year": 2018,
            "committee_id": "unnamed",
            "column": "female",
            "listed": 12,
            "reported": 10,
            "missing": "Chi bộ Thôn 3; Chi bộ Thôn 7",
        }
    ]


def test_a_column_no_cell_reported_is_missing_not_incomplete():
    m = table(
        "members",
        "year cell_id cell members young",
        [(2019, "a", "Chi bộ Thôn 1", 30, None), (2019, "b", "Chi bộ Thôn 2", None, None)],
    )
    gaps = analysis.incomplete_sums(m)
    assert gaps[["column", "reported", "listed"]].values.tolist() == [["members", 1, 2]]


def test_poverty_marks_a_year_an_area_did_not_report():
    income = table(
        "income",
        "year area_id area households poor_households near_poor_households",
        [
            (2019, "t1", "Thôn 1", 300, 12, 20),
            (2019, "t2", "Thôn 2", 250, None, 15),
            (2020, "t1", "Thôn 1", 305, 10, 18),
            (2020, "t2", "Thôn 2", 255, 9, 14),
        ],
    )
    out = analysis.poverty(income).set_index("year")
    assert out.loc[2019, "incomplete"] == "poor_households"
    assert out["incomplete"].isna().tolist() == [False, True]


def test_the_report_fills_the_incomplete_total_and_says_who_is_missing(three_years, tmp_path):
    path = write_report(three_years, three_years.problems, tmp_path / "r.xlsx", lang="vi")
    ws = load_workbook(path)["Đảng viên"]
    cells = {c.coordinate: c for row in ws.iter_rows() for c in row}
    [female_2018] = [
        c
        for c in cells.values()
        if c.value == 6 * 12 + sum(n % 4 for n in range(1, 13)) - (6 + 3) - (6 + 3)
    ]
    assert female_2018.fill.fgColor.rgb.endswith("FFEB9C")
    notes = [c.value for c in cells.values() if isinstance(c.value, str) and "10/12" in c.value]
    assert notes == [
        "Năm 2018: Đảng viên nữ là tổng của 10/12 chi bộ; chưa có số liệu của "
        "Chi bộ Thôn 3; Chi bộ Thôn 7 — không phải là giảm."
    ]
    assert "Đảng viên nữ" in [c.value for c in cells.values()]  # the incomplete column


def test_the_members_chart_hatches_a_year_whose_total_misses_a_cell():
    m = table(
        "members",
        "year cell_id cell members",
        [
            (2018, "a", "Chi bộ Thôn 1", 30),
            (2018, "b", "Chi bộ Thôn 2", 25),
            (2019, "a", "Chi bộ Thôn 1", 31),
            (2019, "b", "Chi bộ Thôn 2", None),
        ],
    )
    fig, ax = plt.subplots()
    try:
        plots.membership(m, ax=ax, lang="en")
        bars = [p for p in ax.patches if p.get_height() == p.get_height()]  # not NaN
        assert [b.get_hatch() for b in bars[:2]] == [None, "///"]
        assert "Incomplete total (some units did not report)" in [
            t.get_text() for t in ax.get_legend().get_texts()
        ]
    finally:
        plt.close(fig)
