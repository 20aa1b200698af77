import pytest

from ngodong_analysis.ingest.detect import detect, match_header, sheet_year
from ngodong_analysis.ingest.read import Sheet


def sheet(rows, name="Sheet1", merged=()):
    from pathlib import Path

    return Sheet(Path("t.xlsx"), name, rows, list(merged))


@pytest.mark.parametrize(
    ("header", "field", "year"),
    [
        ("Tên chi bộ", "cell", None),
        ("TÊN CHI BỘ", "cell", None),
        ("Kết quả xếp loại", "rating", None),
        ("Xếp loại chi bộ", "rating", None),  # not the registry's "Loại chi bộ"
        ("Loại chi bộ", "kind", None),
        ("Tổng số đảng viên", "members", None),
        ("Đảng viên trẻ (dưới 35 tuổi)", "young", None),
        ("Xóa tên, khai trừ", "removed", None),
        ("Số hộ nghèo cuối năm", "poor_households", None),
        ("Tổng số hộ nghèo", "poor_households", None),
        ("Thu nhập bình quân năm 2019", "income_per_capita", 2019),
        ("TNBQ (triệu đồng/người/năm)", "income_per_capita", None),
        ("Năm 2017", None, 2017),
        ("2016", None, 2016),
        ("HTXSNV", "mr:HTXSNV", None),
        ("Đủ tư cách, HTTNV", "mr:HTTNV", None),
        ("STT", "stt", None),
        ("Something else", None, None),
    ],
)
def test_match_header(header, field, year):
    assert match_header(header) == (field, year)


def test_title_block_and_year_from_title():
    rows = [
        ["ĐẢNG BỘ THỊ TRẤN NGÔ ĐỒNG", "", ""],
        ["KẾT QUẢ XẾP LOẠI CHI BỘ NĂM 2018", "", ""],
        ["", "", ""],
        ["STT", "Tên chi bộ", "Xếp loại"],
        [1, "Chi bộ TDP 1", "HTTNV"],
    ]
    layout = detect(sheet(rows, "Sheet1"))
    assert layout.kind == "cell_ratings"
    assert layout.header_rows == [3]
    assert layout.data_start == 4
    assert layout.sheet_year == 2018


@pytest.mark.parametrize(
    ("name", "year"), [("2019", 2019), ("Năm 2019", 2019), ("NAM 2019", 2019), ("Sheet1", None)]
)
def test_year_from_sheet_name(name, year):
    rows = [["Tên chi bộ", "Xếp loại"], ["CB TDP 1", "HTTNV"]]
    assert sheet_year(sheet(rows, name), 0) == year


def test_span_in_title_is_not_a_year():
    rows = [["THU NHẬP GIAI ĐOẠN 2015–2019"], ["Tổ dân phố", "Hộ nghèo"]]
    assert sheet_year(sheet(rows), 1) is None


def test_two_row_header_under_merged_parent():
    rows = [
        ["STT", "Chi bộ", "Tổng số đảng viên", "Biến động trong năm", "", "Ghi chú"],
        ["", "", "", "Kết nạp", "Chuyển đến", ""],
        [1, "CB TDP 1", 30, 1, 0, ""],
    ]
    merged = [((0, 0), (1, 0)), ((0, 1), (1, 1)), ((0, 2), (1, 2)), ((0, 3), (0, 4))]
    layout = detect(sheet(rows, "2019", merged))
    assert layout.kind == "members"
    assert layout.header_rows == [0, 1]
    assert [c.field for c in layout.columns] == [
        "stt",
        "cell",
        "members",
        "admitted",
        "transferred_in",
        "notes",
    ]


def test_wide_income_years_under_a_parent_with_unit():
    rows = [
        ["STT", "Tổ dân phố", "Thu nhập bình quân (nghìn đồng/người/tháng)", ""],
        ["", "", "Năm 2018", "Năm 2019"],
        [1, "TDP 1", 3500, 3800],
    ]
    merged = [((0, 2), (0, 3))]
    layout = detect(sheet(rows, "TN", merged))
    assert layout.kind == "income"
    cols = [(c.field, c.year) for c in layout.columns if c.year]
    assert cols == [("income_per_capita", 2018), ("income_per_capita", 2019)]


def test_wide_ratings_years_as_columns():
    rows = [["Chi bộ", "2017", "Năm 2018"], ["CB TDP 1", "TSVM", "HTXSNV"]]
    layout = detect(sheet(rows))
    assert layout.kind == "cell_ratings"
    assert [(c.field, c.year) for c in layout.columns[1:]] == [("rating", 2017), ("rating", 2018)]


def test_committee_ratings_by_unit_column():
    rows = [["Năm", "Đảng bộ", "Xếp loại"], [2019, "Đảng bộ thị trấn", "HTTNV"]]
    assert detect(sheet(rows)).kind == "committee_ratings"


def test_numbering_row_under_header_is_skipped():
    rows = [["STT", "Chi bộ", "Xếp loại"], ["(1)", "(2)", "(3)"], [1, "CB TDP 1", "HTTNV"]]
    assert detect(sheet(rows, "2019")).data_start == 2


def test_sheet_without_known_headers_has_no_kind():
    rows = [["Họ và tên", "Ngày sinh", "Quê quán"], ["Nguyễn Văn A", "1970", "Nam Định"]]
    layout = detect(sheet(rows))
    assert layout is None or layout.kind is None


def test_generic_header_alone_keeps_its_own_meaning():
    # "Số lượng" under a parent inherits it; on its own it is the long table's count column,
    # so the sheet is member ratings, not cell ratings with a member label read as a cell's
    layout = detect(
        sheet([["Năm", "Chi bộ", "Xếp loại đảng viên", "Số lượng"], [2019, "A", 1, 2]])
    )
    assert [c.field for c in layout.columns] == ["year", "cell", "rating", "count"]
    assert layout.kind == "member_ratings"
    under = detect(
        sheet(
            [["Chi bộ", "Hộ nghèo", "Năm"], ["", "Số lượng", ""], ["A", 3, 2019]],
            merged=[((0, 0), (1, 0))],
        )
    )
    assert under.by_field("poor_households")[0].index == 1
