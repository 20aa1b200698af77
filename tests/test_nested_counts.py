"""Compiled sheets nest their counts: "HTTNV trở lên" is HTTNV and every better level
together, "Trong đó: HTXSNV" a part of it. Read as what they are, never added twice."""

from __future__ import annotations

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
