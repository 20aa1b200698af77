"""The flow identity, end = start + admitted + in − out − died − removed, on hand-built tables.

The rule has one home (``analysis.flow_breaks``) and two faces: the loader's warning
(``validate._check_flows``) and the analysis table (``analysis.flow_discrepancies``). Both
are run on every case, so they cannot drift apart; each reports a broken row as
(year, cell_id) → (start, expected, reported). Expected values are worked out by hand.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from helpers import table

from ngodong_analysis.analysis import flow_discrepancies
from ngodong_analysis.ingest.validate import _check_flows
from ngodong_analysis.problems import ProblemLog

NA = None
HEADER = "year cell_id cell members admitted transferred_in transferred_out died removed"
FLOWS = ["admitted", "transferred_in", "transferred_out", "died", "removed"]
SIGNS = {"admitted": 1, "transferred_in": 1, "transferred_out": -1, "died": -1, "removed": -1}
MESSAGE = re.compile(
    r"flow identity broken for (?P<cell>.+) in (?P<year>\d+): (?P<start>-?\d+) at the start "
    r"of the year plus its changes gives (?P<expected>-?\d+), but (?P<reported>-?\d+) are "
    r"reported"
)

Found = dict[tuple[int, str], tuple[int, int, int]]


def members_table(rows: list[tuple], start: list[object] | None = None) -> pd.DataFrame:
    """A members table with the places the loader keeps (row i of sheet "DV", members in
    column C), and a start-of-year count when ``start`` is given."""
    df = table("members", HEADER, rows)
    df["_file"], df["_sheet"], df["_name_col"], df["_col_members"] = "m.xlsx", "DV", 1, 2
    df["_row"] = range(1, len(df) + 1)
    if start is not None:
        df["members_start"] = pd.array(start, dtype="Int64")
    return df


def by_validate(members: pd.DataFrame) -> Found:
    log = ProblemLog()
    _check_flows(members, log)
    found: Found = {}
    for p in log.finish():
        assert p.rule == "flow-identity" and p.severity == "warning", p
        m = MESSAGE.match(p.message)
        assert m, p.message
        row = members[(members["year"] == int(m["year"])) & (members["cell"] == m["cell"])]
        assert p.cell == f"C{int(row['_row'].iloc[0]) + 1}"  # the year-end count's cell
        key = (int(m["year"]), str(row["cell_id"].iloc[0]))
        found[key] = (int(m["start"]), int(m["expected"]), int(m["reported"]))
    return found


def by_analysis(members: pd.DataFrame) -> Found:
    out = flow_discrepancies(members)
    assert (out["difference"] == out["reported"] - out["expected"]).all()
    return {
        (int(r.year), str(r.cell_id)): (int(r.start), int(r.expected), int(r.reported))
        for r in out.itertuples()
    }


CHECKS = pytest.mark.parametrize("found", [by_validate, by_analysis], ids=["validate", "analysis"])


@CHECKS
@pytest.mark.parametrize("flow", FLOWS)
def test_each_flow_moves_the_expected_end_by_its_sign(found, flow):
    # 2019: 100 at the start, 3 persons in this one flow, the others 0.
    row = {f: 0 for f in FLOWS} | {flow: 3}
    flows = tuple(row[f] for f in FLOWS)
    end = 100 + 3 * SIGNS[flow]
    ok = [(2018, "a", "A", 100, *[NA] * 5), (2019, "a", "A", end, *flows)]
    assert found(members_table(ok)) == {}
    off = [(2018, "a", "A", 100, *[NA] * 5), (2019, "a", "A", 100, *flows)]
    assert found(members_table(off)) == {(2019, "a"): (100, end, 100)}


@CHECKS
def test_every_flow_counts_once_with_its_sign(found):
    # Powers of two: a flow left out, counted twice or with the wrong sign gives another sum.
    # 100 + 1 + 2 − 4 − 8 − 16 = 75
    rows = [(2018, "a", "A", 100, *[NA] * 5), (2019, "a", "A", 76, 1, 2, 4, 8, 16)]
    assert found(members_table(rows)) == {(2019, "a"): (100, 75, 76)}
    rows[1] = (2019, "a", "A", 75, 1, 2, 4, 8, 16)
    assert found(members_table(rows)) == {}


@CHECKS
def test_a_missing_flow_counts_as_zero_and_a_row_without_flows_is_not_checked(found):
    rows = [
        (2018, "a", "A", 10, *[NA] * 5),
        (2019, "a", "A", 13, 2, NA, NA, NA, NA),  # 10 + 2 = 12, not 13
        (2018, "b", "B", 10, *[NA] * 5),
        (2019, "b", "B", 15, *[NA] * 5),  # nothing reported: nothing to check
        (2018, "c", "C", 10, *[NA] * 5),
        (2019, "c", "C", NA, 1, 0, 0, 0, 0),  # no year-end count
    ]
    assert found(members_table(rows)) == {(2019, "a"): (10, 12, 13)}


@CHECKS
def test_only_consecutive_years_of_the_same_cell_are_compared(found):
    rows = [
        (2016, "a", "A", 10, *[NA] * 5),
        (2018, "a", "A", 30, 1, 0, 0, 0, 0),  # 2017 missing: a gap year is not checked
        (2019, "a", "A", 32, 1, 0, 0, 0, 0),  # 30 + 1 = 31, not 32: checked on 2018
        (2020, "a", "A", 33, 1, 0, 0, 0, 0),  # 32 + 1: fine
        (2019, "b", "B", 50, 2, 0, 0, 0, 0),  # b's first year: a's 2018 is not its start
        (2020, "b", "B", 52, 2, 0, 0, 0, 0),  # 50 + 2: fine
        (2021, "c", "C", 7, 0, 0, 1, 0, 0),  # c's only year
        (2018, "d", "D", 40, *[NA] * 5),
        (2019, "e", "E", 45, 1, 0, 0, 0, 0),  # e's first year follows d's last: not its start
    ]
    assert found(members_table(rows)) == {(2019, "a"): (30, 31, 32)}


@CHECKS
def test_rows_in_any_order_pair_the_same_years(found):
    rows = [
        (2019, "a", "A", 32, 1, 0, 0, 0, 0),
        (2019, "b", "B", 20, 0, 0, 0, 1, 0),  # 20 − 1 = 19, not 20
        (2018, "a", "A", 30, *[NA] * 5),
        (2018, "b", "B", 20, *[NA] * 5),
    ]
    assert found(members_table(rows)) == {(2019, "a"): (30, 31, 32), (2019, "b"): (20, 19, 20)}


@CHECKS
def test_a_start_of_year_count_is_checked_where_there_is_no_previous_year(found):
    # The form gives "Đầu năm": the first year and the year after a gap are checked on it.
    rows = [
        (2017, "a", "A", 21, 1, 0, 0, 0, 0),  # first year: 20 + 1 = 21, fine
        (2019, "a", "A", 25, 2, 0, 0, 0, 0),  # after a gap: 22 + 2 = 24, not 25
        (2019, "b", "B", 9, 0, 0, 1, 1, 0),  # first year: 12 − 1 − 1 = 10, not 9
        (2020, "b", "B", 9, 0, 0, 0, 0, 0),  # no start given: last year's 9 + 0, fine
    ]
    members = members_table(rows, start=[20, 22, 12, NA])
    assert found(members) == {(2019, "a"): (22, 24, 25), (2019, "b"): (12, 10, 9)}
    assert found(members.drop(columns="members_start")) == {}  # nothing to compare


@CHECKS
def test_a_blank_previous_count_gives_way_to_the_start_of_year_count(found):
    rows = [
        (2018, "a", "A", NA, *[NA] * 5),  # last year's end not reported
        (2019, "a", "A", 33, 2, 0, 0, 0, 0),  # the form's start, 30: 30 + 2 = 32, not 33
    ]
    assert found(members_table(rows, start=[NA, 30])) == {(2019, "a"): (30, 32, 33)}
