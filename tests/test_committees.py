"""Many committees in one dataset: where a row's committee comes from, ids that never
collide, disagreements between the sources, and following a series across a merger."""

from __future__ import annotations

import shutil

import openpyxl
import pandas as pd
import pytest
from helpers import write_xlsx

import ngodong_analysis as nd
from ngodong_analysis.analysis import roll_up
from ngodong_analysis.committees import display_name, heading, in_title, parse
from ngodong_analysis.outputs.template import write_templates

RATINGS_HEADER = ["STT", "Tên chi bộ", "Kết quả xếp loại"]


def ratings_sheet(title_lines, year, rows):
    """A per-year sheet as an office writes it: heading lines, a title, the header."""
    body = [[i + 1, name, label] for i, (name, label) in enumerate(rows)]
    return (
        [[t] for t in title_lines]
        + [[f"KẾT QUẢ XẾP LOẠI CHI BỘ NĂM {year}"], []]
        + [
            RATINGS_HEADER,
            *body,
        ]
    )


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    "written",
    [
        "Đảng bộ thị trấn Ngô Đồng",
        "ĐẢNG ỦY THỊ TRẤN NGÔ ĐỒNG",
        "ĐU TT Ngô Đồng",
        "BCH Đảng bộ TT Ngô Đồng",
        "DANG BO THI TRAN NGO DONG",
        "Đảng  bộ   thị trấn Ngô Đồng ",
    ],
)
def test_every_way_of_writing_a_committee_gives_one_id(written):
    assert parse(written).id == "thi-tran-ngo-dong"


def test_names_that_are_not_committees():
    assert parse("DỰ THẢO") is None  # "du" is ĐU only before a unit
    assert in_title("BÁO CÁO SỐ LƯỢNG, BIẾN ĐỘNG VÀ XẾP LOẠI ĐẢNG VIÊN NĂM 2015") is None
    assert in_title("ĐẢNG CỘNG SẢN VIỆT NAM") is None
    assert in_title("DANH MỤC CHI BỘ TRỰC THUỘC") is None
    assert in_title("KẾT QUẢ XẾP LOẠI CHI BỘ, ĐẢNG BỘ NĂM 2019") is None  # no unit, no place


def test_a_title_names_the_committee_inside_it_up_to_the_year():
    assert in_title("KẾT QUẢ XẾP LOẠI CHI BỘ ĐẢNG BỘ XÃ GIAO TIẾN NĂM 2019").id == "xa-giao-tien"
    assert in_title("KẾT QUẢ XẾP LOẠI ĐẢNG BỘ THỊ TRẤN NGÔ ĐỒNG 2015–2019").id == (
        "thi-tran-ngo-dong"
    )


@pytest.mark.parametrize(
    ("line", "committee_id"),
    [
        # place names that are also date words: "Nam" (năm), "Tú" (từ), "Thắng" (tháng),
        # "Quý" (quý): the place, unless a year or a term follows
        ("ĐẢNG ỦY XÃ NAM ĐIỀN", "xa-nam-dien"),
        ("ĐẢNG ỦY XÃ NAM ĐOÀN", "xa-nam-doan"),
        ("ĐẢNG ỦY XÃ NHIỆM AN", "xa-nhiem-an"),
        ("ĐẢNG ỦY XÃ TÚ KIÊN", "xa-tu-kien"),
        ("ĐẢNG ỦY XÃ HẢI NAM", "xa-hai-nam"),
        ("ĐẢNG BỘ XÃ QUÝ LỘC", "xa-quy-loc"),
        ("ĐẢNG ỦY PHƯỜNG AN THẮNG", "phuong-an-thang"),
        ("KẾT QUẢ XẾP LOẠI ĐẢNG BỘ XÃ HẢI NAM NĂM 2019", "xa-hai-nam"),
        ("ĐẢNG BỘ XÃ GIAO TIẾN NHIỆM KỲ 2020–2025", "xa-giao-tien"),
        ("ĐẢNG BỘ XÃ GIAO TIẾN GIAI ĐOẠN 2015–2020", "xa-giao-tien"),
        ("ĐẢNG BỘ XÃ GIAO TIẾN TỪ NĂM 2015 ĐẾN NĂM 2019", "xa-giao-tien"),
        ("BÁO CÁO ĐẢNG BỘ XÃ GIAO TIẾN QUÝ IV", "xa-giao-tien"),
    ],
)
def test_a_place_named_like_a_date_word_is_still_the_place(line, committee_id):
    assert in_title(line).id == committee_id


def test_the_two_line_heading_gives_committee_and_parent():
    found = heading(["ĐẢNG BỘ HUYỆN GIAO THỦY", "ĐẢNG ỦY XÃ GIAO TIẾN", "*"])
    assert (found.committee, found.parent) == ("ĐẢNG ỦY XÃ GIAO TIẾN", "ĐẢNG BỘ HUYỆN GIAO THỦY")
    # a district line alone names the parent, never the rows' committee
    assert heading(["ĐẢNG BỘ HUYỆN GIAO THỦY"]).committee is None
    assert parse("Đảng bộ Quân sự huyện").kind == "armed forces"  # not "quận"


def test_display_names_are_written_in_full_and_in_mixed_case():
    assert display_name("ĐẢNG ỦY THỊ TRẤN NGÔ ĐỒNG") == "Đảng bộ thị trấn Ngô Đồng"
    assert display_name("ĐU TT Ngô Đồng") == "Đảng bộ thị trấn Ngô Đồng"
    assert display_name("Đảng bộ xã Giao Tiến") == "Đảng bộ xã Giao Tiến"


# --------------------------------------------------------------------------- sources


def test_two_communes_with_the_same_cell_names_in_one_folder(tmp_path):
    """The shipped sample twice, the second copy retitled: no "given twice", twice the rows."""
    shutil.copytree(nd.config.raw_data_dir(), tmp_path / "ngo-dong")
    shutil.copytree(nd.config.raw_data_dir(), tmp_path / "giao-tien")
    for path in (tmp_path / "giao-tien").glob("*.xlsx"):
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str):
                        cell.value = cell.value.replace("THỊ TRẤN NGÔ ĐỒNG", "XÃ GIAO TIẾN")
                        cell.value = cell.value.replace("thị trấn Ngô Đồng", "xã Giao Tiến")
        wb.save(path)
    one = nd.load_dataset(nd.config.raw_data_dir(), use_processed=False)
    result = nd.load.load(tmp_path)
    assert [p for p in result.problems if p.is_error] == []
    two = result.dataset
    for name, table in one.tables().items():
        if name != "committees":
            assert len(two.tables()[name]) == 2 * len(table), name
    assert sorted(two.committees["committee_id"]) == ["thi-tran-ngo-dong", "xa-giao-tien"]
    # the untitled income workbook of each folder belongs to its folder's committee
    assert two.income.groupby("committee_id").size().tolist() == [35, 35]
    # the same cell id in both, kept apart by its committee
    tdp2 = two.members[two.members["cell_id"] == "tdp-2"]
    assert tdp2.groupby("committee_id")["members"].sum().nunique() == 1
    assert len(tdp2) == 10


def test_a_compiled_sheet_gives_each_row_the_committee_its_column_names(tmp_path):
    """A district's sheet: the committee written once over its block, cell names repeated."""
    rows = [
        ["ĐẢNG BỘ HUYỆN GIAO THỦY"],
        ["TỔNG HỢP SỐ LƯỢNG ĐẢNG VIÊN NĂM 2019"],
        [],
        ["STT", "Đảng bộ", "Chi bộ", "Tổng số đảng viên"],
        [1, "Đảng bộ xã Giao Lạc", "Chi bộ Thôn 1", 30],
        [2, None, "Chi bộ Thôn 2", 25],
        [3, "ĐU X. Giao Xuân", "Chi bộ Thôn 1", 41],
        [4, None, "Chi bộ Thôn 2", 19],
    ]
    write_xlsx(tmp_path / "tong_hop_2019.xlsx", {"2019": rows})
    result = nd.load.load(tmp_path)
    assert [p for p in result.problems if p.is_error] == []
    members = result.dataset.members
    got = members[["committee_id", "cell_id", "members"]].values.tolist()
    assert got == [
        ["xa-giao-lac", "thon-1", 30],
        ["xa-giao-lac", "thon-2", 25],
        ["xa-giao-xuan", "thon-1", 41],
        ["xa-giao-xuan", "thon-2", 19],
    ]
    committees = result.dataset.committees.set_index("committee_id")
    assert committees.loc["xa-giao-xuan", "committee"] == "Đảng bộ xã Giao Xuân"
    assert committees.loc["xa-giao-lac", "kind"] == "commune"
    # the heading's district line is each sheet's parent
    assert committees["parent"].tolist() == ["Đảng bộ huyện Giao Thủy"] * 2


def test_a_committee_registry_fixes_ids_names_and_successors(tmp_path):
    registry = [
        ["Mã đảng bộ", "Tên đảng bộ", "Tên gọi khác", "Loại", "Trực thuộc", "Tỉnh"]
        + ["Từ năm", "Đến năm", "Đảng bộ kế thừa"],
        ["ngo-dong", "Đảng bộ thị trấn Ngô Đồng", "ĐU TT Ngô Đồng; Ngô Đồng", "Thị trấn"]
        + ["Đảng bộ huyện Giao Thủy", "Nam Định", 1986, 2024, "giao-thuy"],
        ["giao-thuy", "Đảng bộ thị trấn Giao Thủy", "", "Thị trấn"]
        + ["Đảng bộ huyện Giao Thủy", "Nam Định", 2025, None, None],
    ]
    write_xlsx(tmp_path / "danh_muc_dang_bo.xlsx", {"Danh mục đảng bộ": registry})
    write_xlsx(
        tmp_path / "ngo-dong" / "xep_loai_2019.xlsx",
        {"Năm 2019": ratings_sheet(["ĐU TT NGÔ ĐỒNG"], 2019, [("Chi bộ Thôn 1", "HTTNV")])},
    )
    write_xlsx(
        tmp_path / "giao-thuy" / "xep_loai_2025.xlsx",
        {
            "Năm 2025": ratings_sheet(
                ["ĐẢNG ỦY THỊ TRẤN GIAO THỦY"], 2025, [("Chi bộ Thôn 1", "HTTNV")]
            )
        },
    )
    result = nd.load.load(tmp_path)
    assert [p for p in result.problems if p.is_error] == []
    ds = result.dataset
    assert ds.cell_ratings[["year", "committee_id"]].values.tolist() == [
        [2019, "ngo-dong"],
        [2025, "giao-thuy"],
    ]
    reg = ds.committees.set_index("committee_id")
    assert reg.loc["ngo-dong", "successor_id"] == "giao-thuy"
    assert reg.loc["ngo-dong", "last_year"] == 2024
    assert reg.loc["giao-thuy", "province"] == "Nam Định"


def test_an_untitled_workbook_takes_its_folders_committee(tmp_path):
    write_xlsx(
        tmp_path / "giao-lac" / "xep_loai_2019.xlsx",
        {"Năm 2019": ratings_sheet(["ĐẢNG ỦY XÃ GIAO LẠC"], 2019, [("Chi bộ Thôn 1", "HTTNV")])},
    )
    write_xlsx(
        tmp_path / "giao-lac" / "xep_loai_2018.xlsx",
        {"Năm 2018": [RATINGS_HEADER, [1, "Chi bộ Thôn 1", "HTXSNV"]]},
    )
    # a folder of its own, no heading anywhere: the folder names the committee
    write_xlsx(
        tmp_path / "bach-long" / "xep_loai_2019.xlsx",
        {"Năm 2019": [RATINGS_HEADER, [1, "Chi bộ Thôn 1", "HTNV"]]},
    )
    result = nd.load.load(tmp_path)
    assert [p for p in result.problems if p.is_error] == []
    got = result.dataset.cell_ratings[["year", "committee_id", "rating"]].values.tolist()
    assert got == [[2018, "xa-giao-lac", "HTXSNV"], [2019, "bach-long", "HTNV"]] + [
        [2019, "xa-giao-lac", "HTTNV"]
    ]
    # a committee known only by its folder is named from the folder's words, not its slug
    names = result.dataset.committees.set_index("committee_id")["committee"]
    assert names["bach-long"] == "Đảng bộ Bach Long"


def test_the_dataset_s_one_committee(tmp_path):
    write_xlsx(
        tmp_path / "xep_loai_2019.xlsx",
        {"Năm 2019": [RATINGS_HEADER, [1, "Chi bộ Thôn 1", "HTTNV"]]},
    )
    # nothing names it: the unnamed committee, no problem
    assert nd.load.load(tmp_path).dataset.cell_ratings["committee_id"].tolist() == ["unnamed"]
    # committee= names it
    ds = nd.load_dataset(tmp_path, committee="Đảng bộ xã Giao Tiến", use_processed=False)
    assert ds.cell_ratings["committee_id"].tolist() == ["xa-giao-tien"]
    assert ds.committees["committee"].tolist() == ["Đảng bộ xã Giao Tiến"]
    # another workbook names one: that one
    write_xlsx(
        tmp_path / "xep_loai_2018.xlsx",
        {"Năm 2018": ratings_sheet(["ĐẢNG ỦY XÃ GIAO TIẾN"], 2018, [("Chi bộ Thôn 1", "HTNV")])},
    )
    ds = nd.load_dataset(tmp_path, use_processed=False)
    assert ds.cell_ratings["committee_id"].tolist() == ["xa-giao-tien"] * 2


def test_a_workbook_naming_no_committee_among_several_is_an_error_naming_it(tmp_path):
    for name, year in (("ĐẢNG ỦY XÃ GIAO TIẾN", 2018), ("ĐẢNG ỦY XÃ GIAO LẠC", 2018)):
        write_xlsx(
            tmp_path / f"{name[-9:].strip().replace(' ', '_')}.xlsx",
            {"Năm 2018": ratings_sheet([name], year, [("Chi bộ Thôn 1", "HTNV")])},
        )
    write_xlsx(
        tmp_path / "xep_loai_2019.xlsx",
        {"Năm 2019": [RATINGS_HEADER, [1, "Chi bộ Thôn 1", "HTTNV"]]},
    )
    result = nd.load.load(tmp_path)
    [error] = [p for p in result.problems if p.is_error]
    assert (error.file, error.sheet, error.rule) == ("xep_loai_2019.xlsx", "Năm 2019", "committee")
    assert "names no committee" in error.message and "Giao Lạc" in error.message
    # what the others named is all there
    assert result.dataset.cell_ratings["committee_id"].tolist() == [
        "xa-giao-lac",
        "xa-giao-tien",
    ]


def test_a_title_and_a_folder_that_disagree_are_a_warning_naming_both(tmp_path):
    write_xlsx(
        tmp_path / "giao-lac" / "xep_loai_2018.xlsx",
        {"Năm 2018": ratings_sheet(["ĐẢNG ỦY XÃ GIAO LẠC"], 2018, [("Chi bộ Thôn 1", "HTNV")])},
    )
    write_xlsx(
        tmp_path / "giao-lac" / "xep_loai_2019.xlsx",
        {"Năm 2019": ratings_sheet(["ĐẢNG ỦY XÃ GIAO TIẾN"], 2019, [("Chi bộ Thôn 1", "HTTNV")])},
    )
    result = nd.load.load(tmp_path)
    [warning] = [p for p in result.problems if p.rule == "committee"]
    assert warning.severity == "warning" and warning.file == "giao-lac/xep_loai_2019.xlsx"
    assert "ĐẢNG ỦY XÃ GIAO TIẾN" in warning.message and "Giao Lạc" in warning.message
    # the title was followed
    assert result.dataset.cell_ratings["committee_id"].tolist() == [
        "xa-giao-lac",
        "xa-giao-tien",
    ]


def test_a_title_and_a_column_that_disagree_are_a_warning(tmp_path):
    rows = [
        ["ĐẢNG ỦY XÃ GIAO LẠC"],
        ["SỐ LƯỢNG ĐẢNG VIÊN NĂM 2019"],
        ["STT", "Đảng bộ", "Chi bộ", "Tổng số đảng viên"],
        [1, "Đảng bộ xã Giao Xuân", "Chi bộ Thôn 1", 30],
    ]
    write_xlsx(tmp_path / "dang_vien_2019.xlsx", {"2019": rows})
    result = nd.load.load(tmp_path)
    [warning] = [p for p in result.problems if p.rule == "committee"]
    assert "ĐẢNG ỦY XÃ GIAO LẠC" in warning.message and "Giao Xuân" in warning.message
    assert result.dataset.members["committee_id"].tolist() == ["xa-giao-xuan"]


def test_a_duplicate_within_one_committee_is_still_an_error_naming_both_places(tmp_path):
    for name, label in (("a", "HTTNV"), ("b", "HTNV")):  # (exact copies are read once)
        write_xlsx(
            tmp_path / name / "xep_loai_2019.xlsx",
            {"Năm 2019": ratings_sheet(["ĐẢNG ỦY XÃ GIAO LẠC"], 2019, [("Chi bộ Thôn 1", label)])},
        )
    problems = nd.validate(tmp_path)
    [error] = [p for p in problems if p.is_error]
    assert error.rule == "duplicate"
    # files are named by their path under the folder loaded: two of one name told apart
    assert {error.file, error.message.split(" at ")[1].split(" › ")[0]} == {
        "a/xep_loai_2019.xlsx",
        "b/xep_loai_2019.xlsx",
    }
    assert "'Chi bộ Thôn 1'" in error.message


def test_a_template_for_a_committee_is_read_back_as_its_committee(tmp_path):
    [ratings, *_] = write_templates(tmp_path, 2019, committee="Đảng bộ xã Giao Tiến")
    wb = openpyxl.load_workbook(ratings)
    ws = wb["Năm 2019"]
    header = next(r for r in range(1, 10) if ws.cell(r, 2).value)
    data = next(r for r in range(header + 1, header + 5) if ws.cell(r, 2).value is None)
    ws.cell(data, 2).value = "Chi bộ Thôn 1"
    ws.cell(data, 3).value = "Hoàn thành tốt nhiệm vụ"
    wb.save(ratings)
    ds = nd.load_dataset(tmp_path, use_processed=False)
    assert ds.cell_ratings[["committee_id", "rating"]].values.tolist() == [
        ["xa-giao-tien", "HTTNV"]
    ]


# --------------------------------------------------------------------------- roll-up


def _merger(tmp_path):
    """Two communes 2023–2024 that a registry merges into a third from 2025."""
    registry = [
        ["Mã đảng bộ", "Tên đảng bộ", "Loại", "Từ năm", "Đến năm", "Đảng bộ kế thừa"],
        ["ngo-dong", "Đảng bộ thị trấn Ngô Đồng", "Thị trấn", None, 2024, "giao-thuy"],
        ["giao-tien", "Đảng bộ xã Giao Tiến", "Xã", None, 2024, "giao-thuy"],
        ["giao-thuy", "Đảng bộ thị trấn Giao Thủy", "Thị trấn", 2025, None, None],
    ]
    write_xlsx(tmp_path / "danh_muc_dang_bo.xlsx", {"Danh mục đảng bộ": registry})
    header = ["Năm", "Đảng bộ", "Chi bộ", "Tổng số đảng viên", "Kết nạp"]
    members = [
        header,
        [2023, "Đảng bộ thị trấn Ngô Đồng", "Chi bộ Thôn 1", 30, 1],
        [2024, "Đảng bộ thị trấn Ngô Đồng", "Chi bộ Thôn 1", 31, 1],
        [2023, "Đảng bộ xã Giao Tiến", "Chi bộ Thôn 1", 20, 0],
        [2024, "Đảng bộ xã Giao Tiến", "Chi bộ Thôn 1", 22, 2],
        [2025, "Đảng bộ thị trấn Giao Thủy", "Chi bộ Thôn 1", 55, 2],
    ]
    income_header = ["Năm", "Đảng bộ", "Thôn", "Số hộ", "Số nhân khẩu", "Thu nhập bình quân"]
    income = [
        income_header,
        [2024, "Đảng bộ thị trấn Ngô Đồng", "Thôn 1", 100, 300, 60],
        [2024, "Đảng bộ xã Giao Tiến", "Thôn 1", 50, 100, 40],
    ]
    write_xlsx(tmp_path / "dang_vien.xlsx", {"Đảng viên": members, "Thu nhập": income})
    return nd.load_dataset(tmp_path, use_processed=False)


def test_roll_up_sums_predecessors_under_their_successor(tmp_path):
    ds = _merger(tmp_path)
    rolled = roll_up(ds, as_of=2025)
    totals = nd.analysis.membership_totals(rolled.members)
    assert totals[["year", "committee_id", "members", "cells"]].values.tolist() == [
        [2023, "giao-thuy", 50, 2],
        [2024, "giao-thuy", 53, 2],
        [2025, "giao-thuy", 55, 1],
    ]
    # the "thon-1" of each old commune is kept apart, under the commune it came from
    assert sorted(rolled.members.loc[rolled.members.year == 2024, "cell_id"]) == [
        "giao-tien/thon-1",
        "ngo-dong/thon-1",
    ]
    # before the roll-up, each commune's own series
    assert sorted(nd.analysis.membership_totals(ds.members)["committee_id"].unique()) == [
        "giao-thuy",
        "giao-tien",
        "ngo-dong",
    ]
    assert rolled.committees.set_index("committee_id")["rolled_into"].to_dict() == {
        "giao-thuy": "giao-thuy",
        "giao-tien": "giao-thuy",
        "ngo-dong": "giao-thuy",
    }
    # as of 2024 nothing has merged yet
    assert roll_up(ds, as_of=2024).members.equals(ds.members)


# --------------------------------------------------------------------------- the example set

EXAMPLE = nd.config.find_project_root() / "data" / "examples" / "giao-thuy"


@pytest.fixture(scope="module")
def example():
    result = nd.load.load(EXAMPLE)
    return result


def test_the_example_district_loads_with_no_error_and_its_seven_committees(example):
    assert [p for p in example.problems if p.is_error] == []
    # the warnings it was made with (its README): three flow breaks, TSVM written in 2018
    assert sorted(p.rule for p in example.problems) == ["flow-identity"] * 3 + ["rating"] * 2
    ds = example.dataset
    assert sorted(ds.committees["committee_id"]) == [
        "bach-long",
        "giao-lac",
        "giao-thuy",
        "giao-tien",
        "giao-xuan",
        "hoanh-son",
        "ngo-dong",
    ]
    # every committee has its members from its own layout: the compiled district sheet
    assert ds.members.groupby("committee_id")["year"].nunique().to_dict() == {
        "bach-long": 11,
        "giao-lac": 11,
        "giao-thuy": 1,
        "giao-tien": 10,
        "giao-xuan": 11,
        "hoanh-son": 10,
        "ngo-dong": 10,
    }
    # the untitled folder (bach-long) still gives its cells' ratings, under its committee
    assert (ds.cell_ratings["committee_id"] == "bach-long").sum() > 0


def test_the_example_rolled_up_to_2025_gives_giao_thuy_its_predecessors_sums(example):
    ds = example.dataset
    before = nd.analysis.membership_totals(ds.members)
    rolled = nd.analysis.membership_totals(roll_up(ds, as_of=2025).members)
    mine = rolled[rolled["committee_id"] == "giao-thuy"].set_index("year")["members"]
    assert list(mine.index) == list(range(2015, 2026))
    parts = before[before["committee_id"].isin(["ngo-dong", "hoanh-son", "giao-tien"])]
    summed = parts.groupby("year")["members"].sum()
    assert mine.loc[2015:2024].tolist() == summed.loc[2015:2024].tolist()
    # the README's figures: 535 + 322 + 294 in 2024, and 1164 in 2025
    assert (mine.loc[2024], mine.loc[2025]) == (1151, 1164)
    # a moved cell keeps its row under its old committee's prefix and names the cell it
    # went on in, as the cell registry gives it (Giao Tiến's Thôn 1 into Giao Thủy's tdp-11)
    cells = roll_up(ds, as_of=2025).cells.set_index("cell_id")
    assert cells.loc["giao-tien/thon-1", ["committee_id", "successor_id"]].tolist() == [
        "giao-thuy",
        "tdp-11",
    ]
    # the communes that did not merge are as they were
    same = rolled[rolled["committee_id"] == "giao-lac"]["members"].tolist()
    assert same == before[before["committee_id"] == "giao-lac"]["members"].tolist()


def test_the_example_builds_every_table_chart_and_the_report(tmp_path):
    from ngodong_analysis.build import build

    result = build(EXAMPLE, tmp_path / "out", force=True)
    out = tmp_path / "out"
    for name in nd.dataset.TABLE_NAMES:
        assert (out / f"{name}.csv").is_file() and (out / f"{name}.parquet").is_file(), name
    # every chart, and with seven committees the four comparing them
    drawn = sorted(p.stem for p in (out / "figures").glob("*.png"))
    assert drawn == sorted([*nd.plots.ALL_PLOTS, *nd.plots.COMPARE_PLOTS])
    wb = openpyxl.load_workbook(out / "report.xlsx")
    assert len(wb.sheetnames) >= 4
    assert result is not None


def test_a_chart_of_several_committees_draws_their_sum_and_keeps_cells_apart():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ds = nd.load.load(EXAMPLE).dataset
    y2019 = ds.members[ds.members["year"] == 2019]
    fig, ax = plt.subplots()
    nd.plots.membership(y2019, ax=ax)
    [bar] = [p for p in ax.patches if p.get_height() > 0]
    # one bar for the district: the six communes' 2019 members added (Giao Thủy begins in 2025)
    assert bar.get_height() == y2019["members"].sum()
    plt.close(fig)
    one, two = nd.plots.as_one_committee(ds.members, ds.cells)
    # "thon-1" of every commune stays a cell of its own
    assert (
        one["cell_id"].nunique()
        == ds.members[["committee_id", "cell_id"]].drop_duplicates().shape[0]
    )
    assert set(one["committee_id"]) == {"*"} and len(two) == len(ds.cells)


def test_the_article_is_checked_on_its_own_committee_within_a_district(example):
    # the example's Ngô Đồng 2015–2019 is the calibrated sample: every figure holds on its
    # rows, and would not on the district's sums (2019: 488 members of Ngô Đồng alone)
    checks = nd.analysis.reconcile(example.dataset)
    assert set(checks["status"]) == {"pass"} and len(checks) == 17
    assert (
        nd.analysis.membership_totals(example.dataset.members)
        .query("year == 2019")["members"]
        .sum()
        > 2 * 488
    )


def test_committee_heading_rows_of_a_compiled_sheet_name_the_cells_below(tmp_path):
    rows = [
        ["ĐẢNG BỘ HUYỆN GIAO THỦY"],
        ["TỔNG HỢP KẾT QUẢ XẾP LOẠI CHI BỘ NĂM 2019"],
        ["STT", "Tên chi bộ", "Kết quả xếp loại"],
        ["I", "ĐẢNG BỘ XÃ GIAO LẠC", None],
        [1, "Chi bộ Thôn 1", "HTTNV"],
        [2, "Chi bộ Thôn 2", "HTXSNV"],
        ["II", "Đảng ủy xã Giao Xuân", None],
        [1, "Chi bộ Thôn 1", "HTNV"],
    ]
    write_xlsx(tmp_path / "tong_hop.xlsx", {"2019": rows})
    result = nd.load.load(tmp_path)
    assert [p for p in result.problems if p.is_error] == []
    got = result.dataset.cell_ratings[["committee_id", "cell_id", "rating"]].values.tolist()
    assert got == [
        ["xa-giao-lac", "thon-1", "HTTNV"],
        ["xa-giao-lac", "thon-2", "HTXSNV"],
        ["xa-giao-xuan", "thon-1", "HTNV"],
    ]
    # the headings are no cells
    assert sorted(result.dataset.cells["cell_id"]) == ["thon-1", "thon-1", "thon-2"]


def test_committee_totals_are_each_committees_own_in_one_pass():
    from helpers import table

    members = table(
        "members",
        "year committee_id cell_id cell members young female admitted",
        [
            (2018, "xa-a", "thon-1", "Chi bộ Thôn 1", 30, 6, 10, 1),
            (2018, "xa-a", "thon-2", "Chi bộ Thôn 2", 20, 4, None, 0),
            (2019, "xa-a", "thon-1", "Chi bộ Thôn 1", 33, 6, 11, 3),
            (2018, "xa-b", "thon-1", "Chi bộ Thôn 1", 50, 10, 20, 2),
            (2019, "xa-b", "thon-1", "Chi bộ Thôn 1", 45, None, 19, 0),
        ],
    )
    totals = nd.analysis.membership_totals(members)
    got = totals[["year", "committee_id", "cells", "members", "female", "growth", "incomplete"]]
    assert got.astype(object).where(got.notna(), None).values.tolist() == [
        [2018, "xa-a", 2, 50, 10, None, "female"],  # Thôn 2 reported no women
        [2018, "xa-b", 1, 50, 20, None, None],  # its first year: no growth from xa-a's
        [2019, "xa-a", 1, 33, 11, -17, None],
        [2019, "xa-b", 1, 45, 19, -5, None],
    ]
    # the young share over the cells that report both, committee by committee
    shares = [None if pd.isna(v) else round(float(v), 4) for v in totals["young_share"]]
    assert shares == [0.2, 0.2, round(6 / 33, 4), None]
    flows = nd.analysis.member_flows(members)
    admitted = flows[flows["flow"] == "admitted"]
    assert admitted[["year", "committee_id", "count"]].values.tolist() == [
        [2018, "xa-a", 1],
        [2018, "xa-b", 2],
        [2019, "xa-a", 3],
        [2019, "xa-b", 0],
    ]


def test_the_members_quota_is_judged_per_committee_and_names_it(tmp_path):
    head = ["Năm", "Chi bộ", "Tổng số đảng viên", "HTXSNV", "HTTNV", "HTNV", "KHTNV"]
    sheets = {
        # 8 HTXSNV > 20% of 30 HTTNV: a breach of HD 21 in Giao Lạc
        "giao_lac.xlsx": ("ĐẢNG ỦY XÃ GIAO LẠC", [[2019, "Chi bộ Thôn 1", 40, 8, 30, 2, 0]]),
        # 5 of 30: within it; together the two would be 13 of 60, within it too
        "giao_xuan.xlsx": ("ĐẢNG ỦY XÃ GIAO XUÂN", [[2019, "Chi bộ Thôn 1", 36, 5, 30, 1, 0]]),
    }
    for name, (title, rows) in sheets.items():
        write_xlsx(
            tmp_path / name, {"2019": [[title], ["SỐ LƯỢNG ĐẢNG VIÊN NĂM 2019"], head, *rows]}
        )
    [quota] = [p for p in nd.validate(tmp_path) if p.rule == "quota"]
    assert quota.file == "giao_lac.xlsx"
    assert "'Đảng bộ xã Giao Lạc'" in quota.render("en") and "8 members" in quota.render("en")
    assert "năm 2019 'Đảng bộ xã Giao Lạc' có 8 đảng viên" in quota.render("vi")


def test_data_outside_a_cells_registered_years_is_said_within_its_own_committee(tmp_path):
    registry = [
        ["Đảng bộ", "Mã chi bộ", "Tên chi bộ", "Từ năm", "Đến năm"],
        ["Đảng bộ xã Giao Lạc", "thon-1", "Chi bộ Thôn 1", 2010, 2017],
        ["Đảng bộ xã Giao Xuân", "thon-1", "Chi bộ Thôn 1", 2010, None],
    ]
    write_xlsx(tmp_path / "danh_muc_chi_bo.xlsx", {"Danh mục chi bộ": registry})
    for folder, title in (
        ("giao-lac", "ĐẢNG ỦY XÃ GIAO LẠC"),
        ("giao-xuan", "ĐẢNG ỦY XÃ GIAO XUÂN"),
    ):
        write_xlsx(
            tmp_path / folder / "xep_loai_2019.xlsx",
            {"Năm 2019": ratings_sheet([title], 2019, [("Chi bộ Thôn 1", "HTTNV")])},
        )
    [late] = [p for p in nd.validate(tmp_path) if p.rule == "registry"]
    # Giao Lạc's Thôn 1 ended in 2017; Giao Xuân's, of the same id, goes on
    assert late.file == "giao-lac/xep_loai_2019.xlsx" and late.severity == "warning"
    assert "2010–2017" in late.render("en") and "'Chi bộ Thôn 1'" in late.render("en")


def test_the_builds_committee_rating_chart_of_a_district_draws_one_committees_years(example):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ax = nd.plots.ALL_PLOTS["committee_rating"].draw(example.dataset)
    # one committee's own ratings, 2015–2025: not the 64 ratings of seven committees in a line
    assert [len(line.get_xdata()) for line in ax.lines[:2]] == [11, 11]
    plt.close(ax.figure)
