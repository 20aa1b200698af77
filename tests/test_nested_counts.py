"""Compiled sheets nest their counts: "HTTNV trở lên" is HTTNV and every better level
together, "Trong đó: HTXSNV" a part of it. Read as what they are, never added twice."""

from __future__ import annotations

import pandas as pd

import ngodong_analysis as nd

HEAD = ["Chi bộ", "Tổng số đảng viên", "Số ĐV được xếp loại HTTNV trở lên", "Trong đó: HTXSNV"]


def _counts(ds, year):
    mr = ds.member_ratings[ds.member_ratings["year"] == year]
    return {(c, r): int(n) for c, r, n in zip(mr["cell"], mr["rating"], mr["count"], strict=True)}


def test_a_cumulative_column_and_its_part_give_each_level_once(xlsx):
    rows = [
        [*HEAD, "HTNV", "KHTNV"],
        ["Chi bộ Thôn 1", 30, 25, 5, 3, 1],
        ["Chi bộ Thôn 2", 20, 18, 3, 1, 0],
    ]
    ds = nd.load_dataset(xlsx("tong_hop.xlsx", {"Năm 2019": rows}), use_processed=False)
    got = _counts(ds, 2019)
    # HTTNV = 25 "trở lên" less the 5 HTXSNV within it; nothing counted twice
    assert got[("Chi bộ Thôn 1", "HTTNV")] == 20 and got[("Chi bộ Thôn 1", "HTXSNV")] == 5
    assert got[("Chi bộ Thôn 2", "HTTNV")] == 15 and got[("Chi bộ Thôn 2", "HTXSNV")] == 3
    assert sum(n for (c, _), n in got.items() if c == "Chi bộ Thôn 1") == 29
    assert not [p for p in ds.problems if p.rule == "cumulative"]


def test_a_part_above_its_total_is_a_warning_at_the_total(xlsx):
    rows = [[*HEAD, "HTNV"], ["Chi bộ Thôn 1", 30, 4, 6, 3]]
    result = nd.validate(xlsx("t.xlsx", {"Năm 2019": rows}))
    [warning] = [p for p in result if p.rule == "cumulative"]
    assert warning.cell == "C2" and "fewer than its part HTXSNV (6)" in warning.message


def test_past_the_listed_fifty_the_cumulative_warnings_are_counted_not_lost(xlsx):
    # 60 cells whose cumulative count is below its part: 50 listed, the other 10 counted
    rows = [[*HEAD, "HTNV"], *[[f"Chi bộ Thôn {i}", 30, 4, 6, 3] for i in range(1, 61)]]
    found = [p for p in nd.validate(xlsx("t.xlsx", {"Năm 2019": rows})) if p.rule == "cumulative"]
    listed = [p for p in found if p.cell is not None]
    [more] = [p for p in found if p.cell is None]
    assert len(listed) == 50 and listed[-1].cell == "C51"
    assert "… and 10 more" in more.message


def test_a_cumulative_without_its_better_levels_is_said_and_not_read(xlsx):
    rows = [["Chi bộ", "Tổng số đảng viên", "HTTNV trở lên", "HTNV"], ["Chi bộ Thôn 1", 30, 25, 3]]
    path = xlsx("t.xlsx", {"Năm 2019": rows})
    [warning] = [p for p in nd.validate(path) if p.rule == "cumulative"]
    assert warning.cell == "C1" and "HTXSNV" in warning.message
    got = _counts(nd.load_dataset(path, use_processed=False), 2019)
    assert got == {("Chi bộ Thôn 1", "HTNV"): 3}  # the 25 is neither HTTNV nor added


def test_a_level_written_on_its_own_and_cumulatively_is_checked(xlsx):
    rows = [
        ["Chi bộ", "HTXSNV", "HTTNV", "HTTNV trở lên", "Tổng số đảng viên"],
        ["Chi bộ Thôn 1", 5, 20, 25, 30],  # agrees
        ["Chi bộ Thôn 2", 3, 15, 19, 20],  # 3 + 15 is 18, not 19
    ]
    result = nd.validate(xlsx("t.xlsx", {"Năm 2019": rows}))
    [warning] = [p for p in result if p.rule == "cumulative"]
    assert warning.cell == "D3" and "add up to 18" in warning.message


def test_trong_do_names_a_part_of_the_column_before_it(xlsx):
    rows = [["Chi bộ", "Tổng số đảng viên", "Trong đó: nữ"], ["Chi bộ Thôn 1", 30, 12]]
    ds = nd.load_dataset(xlsx("t.xlsx", {"Năm 2019": rows}), use_processed=False)
    assert ds.members["female"].tolist() == [12]


# --------------------------------------------------------------------------- organisations
# A committee office's compiled sheet: counts of its cells at each rating level, one row a
# year, under a merged "Kết quả xếp loại" over the levels and a "Tổng cộng" row.
TITLE = [
    ["ĐẢNG BỘ HUYỆN GIAO THỦY", None, None, "ĐẢNG CỘNG SẢN VIỆT NAM"],
    ["ĐẢNG ỦY THỊ TRẤN NGÔ ĐỒNG"],
    ["TỔNG HỢP KẾT QUẢ XẾP LOẠI CHI BỘ 2015 - 2017"],
    [],
]
OLD_HEAD = [
    ["STT", "Năm", "Tổng số chi bộ", "Kết quả xếp loại", None, None, None, None, "Ghi chú"],
    [None, None, None, "TSVM", "Trong đó: tiêu biểu", "HTTNV", "HTNV", "Yếu kém", None],
]
# rows 5-6 hold the header: STT, Năm, Tổng số chi bộ, Ghi chú merged down, the levels across
OLD_MERGES = ["A5:A6", "B5:B6", "C5:C6", "D5:H5", "I5:I6"]


def _old_sheet(xlsx, rows, name="tong_hop.xlsx"):
    return xlsx(name, {"Tổng hợp": TITLE + OLD_HEAD + rows}, {"Tổng hợp": OLD_MERGES})


def _rating_counts(ds):
    rc = ds.rating_counts
    return {
        (int(y), r): (None if n is pd.NA else int(n))
        for y, r, n in zip(rc["year"], rc["rating"], rc["count"], strict=True)
    }


def test_tsvm_is_the_parent_less_its_tieu_bieu_part_and_each_level_is_counted_once(xlsx):
    rows = [
        [1, 2015, 12, 8, 2, 3, 1, 0, None],
        [2, 2016, 12, 9, 3, 2, 1, 0, None],
        [3, 2017, 13, 10, 4, 2, 1, 0, "thành lập chi bộ Thôn 5"],
        [None, "Tổng cộng", 37, 27, 9, 7, 3, 0, None],
    ]
    path = _old_sheet(xlsx, rows)
    ds = nd.load_dataset(path, use_processed=False)
    got = _rating_counts(ds)
    # by hand: TSVM = the TSVM column less its tiêu biểu part (8 - 2, 9 - 3, 10 - 4)
    assert got == {
        (2015, "TSVM_TB"): 2, (2015, "TSVM"): 6, (2015, "HTTNV"): 3, (2015, "HTNV"): 1,
        (2015, "YEU_KEM"): 0,
        (2016, "TSVM_TB"): 3, (2016, "TSVM"): 6, (2016, "HTTNV"): 2, (2016, "HTNV"): 1,
        (2016, "YEU_KEM"): 0,
        (2017, "TSVM_TB"): 4, (2017, "TSVM"): 6, (2017, "HTTNV"): 2, (2017, "HTNV"): 1,
        (2017, "YEU_KEM"): 0,
    }  # fmt: skip
    # never counted twice: each year's levels add up to its "Tổng số chi bộ"
    for year, total in ((2015, 12), (2016, 12), (2017, 13)):
        assert sum(n for (y, _), n in got.items() if y == year) == total
    rc = ds.rating_counts.set_index(["year", "rating"], drop=False)
    assert (rc.at[(2015, "TSVM_TB"), "tier"], rc.at[(2015, "TSVM"), "tier"]) == (1, 2)
    assert set(rc["scale"]) == {"pre2018"} and set(rc.loc[rc["rating"] == "TSVM", "rank"]) == {1}
    # the totals row sums the columns as written: it agrees, and nothing else is said
    assert ds.problems == []
    # a sheet of counts only is read as one, not skipped
    assert ds.cell_ratings.empty and ds.member_ratings.empty and len(ds.rating_counts) == 15


def test_a_year_whose_part_exceeds_its_parent_is_a_warning_at_the_parent(xlsx):
    rows = [
        [1, 2015, 12, 8, 2, 3, 1, 0, None],
        [2, 2016, 12, 3, 9, 8, 1, 0, "số tiêu biểu ghi nhầm"],  # 9 tiêu biểu of 3 TSVM
        [None, "Tổng cộng", 24, 11, 11, 11, 2, 0, None],
    ]
    path = _old_sheet(xlsx, rows)
    problems = nd.validate(path)
    [warning] = [p for p in problems if p.rule == "subset"]
    assert (warning.cell, warning.severity) == ("D8", "warning")
    assert "is 3 for 2016, fewer than its part TSVM_TB (9)" in warning.message
    # the year's cells' total is not checked again: the level that is off is said once
    assert not [p for p in problems if p.rule in ("rating-counts", "totals")]
    got = _rating_counts(nd.load_dataset(path, use_processed=False))
    assert (2016, "TSVM") not in got  # cannot be told: left out, not a negative count
    assert got[(2016, "TSVM_TB")] == 9 and got[(2016, "HTTNV")] == 8
    assert got[(2015, "TSVM")] == 6


def test_httnv_tro_len_less_its_htxsnv_part_gives_httnv(xlsx):
    head = [
        ["STT", "Năm", "Tổng số chi bộ", "Kết quả xếp loại", None, None, None],
        [None, None, None, "HTTNV trở lên", "Trong đó: HTXSNV", "HTNV", "KHTNV"],
    ]
    rows = [
        [1, 2018, 12, 11, 2, 1, 0],
        [2, 2019, 12, 10, 3, 2, 0],
        [None, "Cộng", 24, 21, 5, 3, 0],
    ]
    path = xlsx(
        "t.xlsx",
        {"Tổng hợp": TITLE + head + rows},
        {"Tổng hợp": ["A5:A6", "B5:B6", "C5:C6", "D5:G5"]},
    )
    ds = nd.load_dataset(path, use_processed=False)
    assert _rating_counts(ds) == {
        (2018, "HTXSNV"): 2, (2018, "HTTNV"): 9, (2018, "HTNV"): 1, (2018, "KHTNV"): 0,
        (2019, "HTXSNV"): 3, (2019, "HTTNV"): 7, (2019, "HTNV"): 2, (2019, "KHTNV"): 0,
    }  # fmt: skip
    assert set(ds.rating_counts["scale"]) == {"qd132"} and ds.problems == []


def test_a_cells_total_the_levels_do_not_add_up_to_is_a_warning_at_the_total(xlsx):
    rows = [[1, 2015, 12, 8, 2, 3, 1, 0, None], [2, 2016, 13, 9, 3, 2, 1, 0, None]]
    [warning] = [p for p in nd.validate(_old_sheet(xlsx, rows)) if p.rule == "rating-counts"]
    assert warning.cell == "C8" and "13 cells in all" in warning.message
    assert "add up to 12 (TSVM_TB 3, TSVM 6, HTTNV 2, HTNV 1, YEU_KEM 0)" in warning.message


def _cell_ratings_sheet(year, ratings):
    return [["Chi bộ", "Xếp loại"], *[[f"Chi bộ Thôn {i}", r] for i, r in enumerate(ratings, 1)]]


def test_counts_are_checked_against_the_cells_own_ratings_of_the_year(xlsx):
    # 2016: the cells' sheet rates 2 TSVM tiêu biểu, 2 TSVM, 1 HTTNV, 1 HTNV
    cells_2016 = ["TSVM tiêu biểu", "TSVM tiêu biểu", "TSVM", "TSVM", "HTTNV", "HTNV"]
    rows = [
        [1, 2015, 6, 4, 1, 1, 1, 0, None],  # no cell ratings for 2015: nothing to check
        [2, 2016, 6, 4, 2, 1, 1, 0, None],  # agrees: TSVM 4 of which 2 tiêu biểu
        [3, 2017, 6, 4, 1, 1, 1, 0, None],  # the cells' sheet says 1 HTTNV → 2 HTNV
    ]
    cells_2017 = ["TSVM tiêu biểu", "TSVM", "TSVM", "TSVM", "HTNV", "HTNV"]
    xlsx(
        "xep_loai.xlsx",
        {
            "Năm 2016": _cell_ratings_sheet(2016, cells_2016),
            "Năm 2017": _cell_ratings_sheet(2017, cells_2017),
        },
    )
    path = _old_sheet(xlsx, rows).parent
    found = [p for p in nd.validate(path) if p.rule == "rating-counts"]
    assert sorted((p.file, p.cell) for p in found) == [
        ("tong_hop.xlsx", "F9"),  # HTTNV 2017: 1 counted, no cell rated HTTNV
        ("tong_hop.xlsx", "G9"),  # HTNV 2017: 1 counted, 2 cells rated HTNV
    ]
    by_cell = {p.cell: p.message for p in found}
    assert (
        "1 cells counted HTNV in 2017, but the cells' own ratings of 2017 give 2" in by_cell["G9"]
    )
    assert "give 0" in by_cell["F9"]


def test_without_a_tieu_bieu_column_tsvm_is_checked_against_both_tsvm_levels(xlsx):
    head = [["STT", "Năm", "Tổng số chi bộ", "TSVM", "HTTNV", "HTNV", "Yếu kém"]]
    xlsx("xep_loai.xlsx", {"Năm 2016": _cell_ratings_sheet(2016, ["TSVMTB", "TSVM", "HTTNV"])})
    path = xlsx("t.xlsx", {"Tổng hợp": TITLE + head + [[1, 2016, 3, 2, 1, 0, 0]]}).parent
    ds = nd.load_dataset(path, use_processed=False)
    assert not [p for p in ds.problems if p.rule == "rating-counts"]
    # the top level is TSVM as a whole: no TSVM_TB row is made up
    assert _rating_counts(ds) == {
        (2016, "TSVM"): 2,
        (2016, "HTTNV"): 1,
        (2016, "HTNV"): 0,
        (2016, "YEU_KEM"): 0,
    }


def test_tsvm_written_beside_the_2019_levels_is_a_commendation_not_a_second_count(xlsx):
    head = [["Năm", "Tổng số chi bộ", "HTXSNV", "HTTNV", "HTNV", "KHTNV", "TSVM"]]
    rows = [[2018, 12, 3, 8, 1, 0, None], [2019, 12, 3, 8, 1, 0, 2]]
    path = xlsx("t.xlsx", {"Tổng hợp": TITLE + head + rows})
    ds = nd.load_dataset(path, use_processed=False)
    [warning] = [p for p in ds.problems if p.rule == "rating"]
    assert warning.cell == "G7" and "was not read" in warning.message
    got = _rating_counts(ds)
    assert got[(2019, "HTXSNV")] == 3 and (2019, "TSVM") not in got
    assert sum(n for (y, _), n in got.items() if y == 2019) == 12


def test_a_district_sheet_of_several_committees_gives_each_committee_its_counts(xlsx):
    head = [["STT", "Đảng bộ", "Tổng số chi bộ", "TSVM", "HTTNV", "HTNV", "Yếu kém"]]
    rows = [
        [1, "Đảng bộ thị trấn Ngô Đồng", 12, 8, 3, 1, 0],
        [2, "Đảng bộ xã Giao Tân", 9, 6, 2, 1, 0],
        [None, "Toàn Đảng bộ", 21, 14, 5, 2, 0],
    ]
    title = [["ĐẢNG BỘ HUYỆN GIAO THỦY"], ["KẾT QUẢ XẾP LOẠI CHI BỘ NĂM 2016"]]
    path = xlsx("huyen.xlsx", {"Tổng hợp": title + head + rows})
    result = nd.validate(path)
    assert [p for p in result if p.is_error] == []
    counts = nd.load_dataset(path, use_processed=False).rating_counts
    got = {
        (c, r): n
        for c, r, n in zip(counts["committee_id"], counts["rating"], counts["count"], strict=True)
    }
    assert got == {
        ("thi-tran-ngo-dong", "TSVM"): 8, ("thi-tran-ngo-dong", "HTTNV"): 3,
        ("thi-tran-ngo-dong", "HTNV"): 1, ("thi-tran-ngo-dong", "YEU_KEM"): 0,
        ("xa-giao-tan", "TSVM"): 6, ("xa-giao-tan", "HTTNV"): 2,
        ("xa-giao-tan", "HTNV"): 1, ("xa-giao-tan", "YEU_KEM"): 0,
    }  # fmt: skip


def test_tieu_bieu_under_a_merged_tsvm_is_read_with_the_level_above_it(xlsx):
    # three header rows: "Trong sạch vững mạnh" merged over "Tổng số" and "Trong đó tiêu biểu"
    rows = [
        ["TỔNG HỢP KẾT QUẢ XẾP LOẠI CHI BỘ"],
        ["STT", "Năm", "Tổng số chi bộ", "Kết quả xếp loại", None, None, None, None],
        [None, None, None, "Trong sạch vững mạnh", None, "HTTNV", "HTNV", "Yếu kém"],
        [None, None, None, "Tổng số", "Trong đó tiêu biểu", None, None, None],
        [1, 2015, 12, 8, 2, 3, 1, 0],
    ]
    merges = ["A2:A4", "B2:B4", "C2:C4", "D2:H2", "D3:E3", "F3:F4", "G3:G4", "H3:H4"]
    ds = nd.load_dataset(xlsx("t.xlsx", {"TH": rows}, {"TH": merges}), use_processed=False)
    assert _rating_counts(ds) == {
        (2015, "TSVM_TB"): 2, (2015, "TSVM"): 6, (2015, "HTTNV"): 3, (2015, "HTNV"): 1,
        (2015, "YEU_KEM"): 0,
    }  # fmt: skip
    assert ds.problems == []
