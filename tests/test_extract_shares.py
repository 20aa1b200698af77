"""Share and percentage columns ("Tỷ lệ hộ nghèo (%)") beside the counts they derive from:
recognised as derived, never read as a count, checked against the counts; and messages about
columns that name them as the workbook's header does."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

import ngodong_analysis as nd

TITLE = ["ĐẢNG BỘ THỊ TRẤN NGÔ ĐỒNG"]
INCOME_HEADER = ["Tổ dân phố", "Số hộ", "Số nhân khẩu", "Hộ nghèo", "Tỷ lệ hộ nghèo (%)"]
MEMBERS_HEADER = ["Chi bộ", "Số đảng viên", "Đảng viên trẻ", "Tỷ lệ đảng viên trẻ (%)"]


def _income(xlsx, shares: list[object], name: str = "thu_nhap.xlsx"):
    """An income sheet (header on row 2, so the share column is E and data start on row 3)
    with 200 households / 25 poor and 80 households / 6 poor, and the shares given."""
    rows = [
        TITLE,
        INCOME_HEADER,
        ["Tổ dân phố số 1", 200, 800, 25, shares[0]],
        ["Tổ dân phố số 2", 80, 320, 6, shares[1]],
    ]
    return xlsx(name, {"2019": rows})


def test_share_columns_beside_the_counts_load_and_leave_the_counts_alone(xlsx):
    _income(xlsx, [12.5, 7.5])
    members = [
        TITLE,
        MEMBERS_HEADER,
        ["Chi bộ Tổ dân phố số 1", 40, 5, 12.5],
        ["Chi bộ Tổ dân phố số 2", 30, 6, 20],
    ]
    path = xlsx("dang_vien.xlsx", {"2019": members})
    ds = nd.load_dataset(path.parent)  # main: DataError, "two columns are read as …"
    assert ds.problems == []
    assert ds.income.set_index("area_id")["poor_households"].to_dict() == {
        "tdp-1": 25,
        "tdp-2": 6,
    }
    assert ds.income["households"].tolist() == [200, 80]
    m = ds.members.set_index("cell_id")
    assert m["young"].to_dict() == {"tdp-1": 5, "tdp-2": 6}
    assert m["members"].to_dict() == {"tdp-1": 40, "tdp-2": 30}


def test_a_share_that_disagrees_with_its_counts_is_one_warning_naming_cell_and_values(xlsx):
    path = _income(xlsx, [12.5, 9.5])  # 6 of 80 is 7.5, not 9.5
    problems = nd.validate(path)
    assert [p.severity for p in problems] == ["warning"]
    [p] = problems
    assert (p.file, p.sheet, p.cell, p.rule) == ("thu_nhap.xlsx", "2019", "E4", "share")
    assert "'Tỷ lệ hộ nghèo (%)' is 9.5" in p.message
    assert "give 7.5" in p.message
    assert "'Hộ nghèo' (D4)" in p.message and "'Số hộ' (B4)" in p.message
    assert "poor_households" not in p.message
    # a warning: the counts still load
    assert nd.load_income(path)["poor_households"].tolist() == [25, 6]


@pytest.mark.parametrize(
    "shares",
    [
        [12.5, 7.5],  # exact
        [13, 8],  # rounded to whole percent (12.5 → 13, 7.5 → 8)
        [12, 7],  # rounded half to even, as some calculators do
        ["12,5%", "7,5 %"],  # text with a decimal comma and the sign
        [None, 7.5],  # a blank share is not checked
    ],
    ids=["exact", "whole-percent", "half-even", "text", "blank"],
)
def test_a_share_that_agrees_as_written_gives_no_warning(xlsx, shares):
    assert nd.validate(_income(xlsx, shares)) == []


def test_a_fraction_formatted_as_a_percentage_is_understood(xlsx):
    path = _income(xlsx, [0.125, 0.075])
    wb = load_workbook(path)
    for cell in ("E3", "E4"):
        wb["2019"][cell].number_format = "0.0%"  # Excel shows 12.5%, stores 0.125
    wb.save(path)
    assert nd.validate(path) == []


def test_a_fraction_that_disagrees_is_shown_as_the_percentage_too(xlsx):
    [p] = nd.validate(_income(xlsx, [0.125, 0.095]))
    assert p.cell == "E4" and "0.095 (9.5%)" in p.message and "give 7.5" in p.message


def test_rounding_is_judged_by_the_decimals_written(xlsx):
    # 25 of 200 is 12.5: "12" may be 12.5 rounded, but "12.4" claims a tenth and is 0.1 off;
    # 6 of 80 is 7.5, and "7.46" claims hundredths and is 0.04 off
    problems = nd.validate(_income(xlsx, [12.4, 7.46]))
    assert [(p.cell, p.rule) for p in problems] == [("E3", "share"), ("E4", "share")]


def test_a_share_under_a_two_row_header_is_checked_against_its_parents_count(xlsx):
    rows = [
        TITLE,
        ["Tổ dân phố", "Số hộ", "Hộ nghèo", ""],
        ["", "", "Số lượng", "Tỷ lệ (%)"],
        ["Tổ dân phố số 1", 200, 25, 12.5],
        ["Tổ dân phố số 2", 80, 6, 9.5],
    ]
    path = xlsx("tn.xlsx", {"2019": rows}, merges={"2019": ["C2:D2", "A2:A3", "B2:B3"]})
    problems = nd.validate(path)
    assert [(p.cell, p.rule) for p in problems] == [("D5", "share")]
    assert nd.load_income(path)["poor_households"].tolist() == [25, 6]


def test_a_share_without_its_count_is_not_read_as_the_count(xlsx):
    rows = [
        TITLE,
        ["Chi bộ", "Số đảng viên", "Tỷ lệ đảng viên nữ (%)"],
        ["Chi bộ xóm 1", 30, 40],
    ]
    members = nd.load_members(xlsx("dv.xlsx", {"2019": rows}))
    assert members["members"].tolist() == [30]
    assert members["female"].isna().all()  # main: 40 women, read from the share


def test_two_columns_for_one_count_are_named_by_their_headers(xlsx):
    rows = [
        TITLE,
        ["Tổ dân phố", "Số hộ", "Hộ nghèo", "Số hộ nghèo"],
        ["Tổ dân phố số 1", 9, 1, 1],
    ]
    [p] = [p for p in nd.validate(xlsx("tn.xlsx", {"2019": rows})) if p.is_error]
    assert p.cell == "D2" and p.rule == "duplicate-column"
    assert "'Số hộ nghèo' (D2)" in p.message and "'Hộ nghèo' (C2)" in p.message
    assert "only C2 would be read" in p.message
    assert "poor_households" not in p.message


def test_a_row_without_a_name_names_the_name_column_by_its_header(xlsx):
    rows = [TITLE, ["Tổ dân phố", "Số hộ", "Hộ nghèo"], ["Tổ dân phố số 1", 9, 1], ["", 5, 0]]
    [p] = [p for p in nd.validate(xlsx("tn.xlsx", {"2019": rows})) if p.is_error]
    assert p.cell == "A4" and "no name under 'Tổ dân phố'" in p.message


def test_a_share_in_a_csv_is_checked_as_a_decimal(tmp_path):
    path = tmp_path / "2019.csv"
    path.write_text(
        "Tổ dân phố,Số hộ,Hộ nghèo,Tỷ lệ hộ nghèo (%)\n"
        'TDP 1,200,25,"12,5"\n'
        "TDP 2,80,6,0.095\n",  # a fraction, 9.5%, where 6 of 80 is 7.5%
        encoding="utf-8",
    )
    [p] = nd.validate(path)
    assert p.cell == "D3" and p.rule == "share" and "(9.5%)" in p.message


def test_shares_per_year_in_a_wide_sheet_are_checked_per_year(xlsx):
    wide = [
        TITLE,
        ["Tổ dân phố", "Số hộ", "", "Hộ nghèo", "", "Tỷ lệ hộ nghèo (%)", ""],
        ["", "2018", "2019", "2018", "2019", "2018", "2019"],
        ["Tổ dân phố số 1", 200, 200, 30, 25, 15, 13.5],
    ]
    merges = ["B2:C2", "D2:E2", "F2:G2", "A2:A3"]
    path = xlsx("w.xlsx", {"Thu nhập": wide}, merges={"Thu nhập": merges})
    [p] = nd.validate(path)
    assert p.cell == "G4" and "is 13.5" in p.message and "give 12.5" in p.message
    income = nd.load_income(path)
    assert income["poor_households"].tolist() == [30, 25]


def test_a_share_formula_without_a_calculated_value_blocks_nothing(xlsx):
    # openpyxl writes formulas without their values; the counts are what is read
    wide = [
        TITLE,
        ["Tổ dân phố", "Số hộ", "", "Hộ nghèo", "", "Tỷ lệ hộ nghèo (%)", ""],
        ["", "2018", "2019", "2018", "2019", "2018", "2019"],
        ["Tổ dân phố số 1", 200, 200, 30, 25, "=D4/B4*100", "=E4/C4*100"],
    ]
    merges = ["B2:C2", "D2:E2", "F2:G2", "A2:A3"]
    path = xlsx("w.xlsx", {"Thu nhập": wide}, merges={"Thu nhập": merges})
    assert nd.validate(path) == []


def test_a_poor_households_group_with_its_count_and_share_loads(tmp_path):
    """'Hộ nghèo › Số hộ | Tỷ lệ (%)' beside the area's 'Số hộ', as report forms draw it."""
    from helpers import write_xlsx

    import ngodong_analysis as nd

    rows = [
        ["Năm", "Tổ dân phố", "Số hộ", "Hộ nghèo", None],
        [None, None, None, "Số hộ", "Tỷ lệ (%)"],
        [2019, "Tổ dân phố số 1", 80, 6, 7.5],
        [2019, "Tổ dân phố số 2", 120, 3, 2.5],
    ]
    path = write_xlsx(tmp_path / "ngheo.xlsx", {"2019": rows}, merges={"2019": ["D1:E1"]})
    ds = nd.load_dataset(path, use_processed=False)
    assert ds.income["households"].tolist() == [80, 120]
    assert ds.income["poor_households"].tolist() == [6, 3]
    assert [p for p in ds.problems if p.severity == "error"] == []
