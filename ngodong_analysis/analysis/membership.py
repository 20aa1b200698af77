"""Members: totals and growth, flows and the flow identity, rating shares and the quota.

Counts are persons (Party members; ``introduced`` counts non-members sent to Party-awareness
classes). Shares are fractions 0–1; ``*_pct`` columns are percentages. A missing count (NA)
means "not reported", never zero: sums are NA when no cell reported, and a share is computed
only over the cells that reported both of its counts.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

import numpy as np
import pandas as pd

from ..grouping import (
    Grouping,
    combine,
    groups,
    int_codes,
    int_values,
    scoped_year_sums,
    sorted_runs,
    take,
    year_groups,
    year_step_pairs,
    year_sums,
)
from ..schema import (
    CELL_ID,
    CELL_KEY,
    COUNT,
    MEMBER_RATING_CODES,
    RATING,
    SCOPE,
    STRING,
    entity_of,
    key_of,
)
from ._common import (
    FLOAT,
    VERDICT_COLUMNS,
    as_text,
    expects,
    frame,
    member_rank_values,
    member_ranks,
    per_committee,
    quota_verdict,
    ratio,
)
from .completeness import incomplete_by_group

FLOWS = ("admitted", "transferred_in", "transferred_out", "died", "removed")
"""Flows of the identity end = start + admitted + transferred_in − transferred_out − died −
removed (domain.md)."""
ALL_FLOWS = (*FLOWS, "introduced")

TOTALS_COLUMNS = {
    "year": "int64",
    **dict.fromkeys(SCOPE, STRING),
    "cells": "int64",
    "members": COUNT,
    "young": COUNT,
    "female": COUNT,
    "exempt": COUNT,
    "young_share": FLOAT,
    "growth": COUNT,
    "growth_pct": FLOAT,
    "incomplete": STRING,
}
FLOW_COLUMNS = {"year": "int64", **dict.fromkeys(SCOPE, STRING), "flow": STRING, "count": COUNT}
DISCREPANCY_COLUMNS = {
    "year": "int64",
    **dict.fromkeys(CELL_KEY, STRING),
    "cell": STRING,
    "start": COUNT,
    **{flow: COUNT for flow in FLOWS},
    "expected": COUNT,
    "reported": COUNT,
    "difference": COUNT,
}
SHARE_COLUMNS = {
    "year": "int64",
    **dict.fromkeys(SCOPE, STRING),
    "rating": RATING,
    "rank": COUNT,
    "count": COUNT,
    "denominator": COUNT,
    "share": FLOAT,
    "denominator_kind": STRING,
}
WELL_COLUMNS = {
    "year": "int64",
    **dict.fromkeys(SCOPE, STRING),
    "rated": COUNT,
    "well_or_above": COUNT,
    "excellent": COUNT,
    "share": FLOAT,
}
QUOTA_COLUMNS = {
    "year": "int64",
    **dict.fromkeys(CELL_KEY, STRING),
    "cell": STRING,
    **VERDICT_COLUMNS,
}
ALL_CELLS_ID = "__all__"
ALL_CELLS_NAME = "Toàn Đảng bộ"


@expects("members", "year", "members", "young", "female", "exempt")
def membership_totals(members: pd.DataFrame) -> pd.DataFrame:
    """Committee-wide member counts per year, the young share and growth.

    Parameters
    ----------
    members : DataFrame
        The ``members`` contract table (one row per cell and year, counts at 31 December).

    Returns
    -------
    DataFrame
        ``year``; ``cells`` (cells listed that year); ``members``, ``young`` (under 35),
        ``female``, ``exempt`` (persons; sums over the cells that reported, NA if none did);
        ``young_share`` (fraction of members who are young, over the cells reporting both);
        ``growth`` (members minus the members of the previous year present in the data) and
        ``growth_pct`` (that change in percent); both NA for the first year;
        ``incomplete`` (the counts whose sum leaves out a cell listed that year, e.g.
        "female", NA when none does: see :func:`incomplete_sums`). A total marked incomplete
        is not comparable with the other years: its change is not a fall.

    Examples
    --------
    >>> m = conform(pd.DataFrame({"year": [2018, 2019], "cell_id": ["a", "a"],
    ...                           "members": [20, 22], "young": [5, 7]}), "members")
    >>> membership_totals(m)[["year", "members", "young_share", "growth", "growth_pct"]]
       year  members  young_share  growth  growth_pct
    0  2018       20         0.25    <NA>        <NA>
    1  2019       22     0.318182       2        10.0
    """
    # one grouping by (year, committee) for every committee at once
    yg = year_groups(members)
    stocks = ["members", "young", "female", "exempt"]
    out = pd.DataFrame(index=yg.index)
    out["cells"] = np.bincount(yg.ids[yg.ids >= 0], minlength=yg.grouping.size)[yg.present]
    for col in stocks:
        out[col] = yg.grouping.sum(*int_values(members[col]))[yg.present]
    # the young share over the cells reporting both counts
    (young, young_known), (total, total_known) = (
        int_values(members["young"]),
        int_values(members["members"]),
    )
    both = young_known & total_known
    out["young_share"] = ratio(
        pd.Series(yg.grouping.sum(young, both)[yg.present], index=yg.index),
        pd.Series(yg.grouping.sum(total, both)[yg.present], index=yg.index),
    )
    # the previous year present in the data, of the same committee
    previous = out["members"].groupby(level=list(SCOPE), sort=False).shift()
    out["growth"] = out["members"] - previous
    out["growth_pct"] = 100 * ratio(out["growth"], previous)
    out["incomplete"] = incomplete_by_group(members, stocks).reindex(out.index)
    return frame(out.reset_index(), TOTALS_COLUMNS)


@expects("members", "year", *ALL_FLOWS)
def member_flows(members: pd.DataFrame) -> pd.DataFrame:
    """Committee-wide flows per year, long.

    Parameters
    ----------
    members : DataFrame
        The ``members`` contract table.

    Returns
    -------
    DataFrame
        ``year``, ``flow`` (one of admitted, transferred_in, transferred_out, died, removed,
        introduced, in that order within a year), ``count`` (persons; NA if no cell reported
        that flow that year).

    Examples
    --------
    >>> int(member_flows(ds.members).query("flow == 'admitted'")["count"].sum())
    11
    """
    sums = scoped_year_sums(members, list(ALL_FLOWS))
    keys = ["year", *SCOPE]
    out = sums.reset_index().melt(id_vars=keys, var_name="flow", value_name="count")
    out["order"] = out["flow"].map({flow: i for i, flow in enumerate(ALL_FLOWS)})
    return frame(out.sort_values([*keys, "order"], kind="stable"), FLOW_COLUMNS)


class FlowBreaks(NamedTuple):
    """Rows of a members table whose count breaks the flow identity (:func:`flow_breaks`):
    their positions in the table, in its row order, and per row the start of the year, the
    end the flows give and the end reported (persons)."""

    rows: np.ndarray
    start: np.ndarray
    expected: np.ndarray
    reported: np.ndarray


def flow_breaks(members: pd.DataFrame) -> FlowBreaks:
    """The flow identity, the package's one statement of it: ``end = start + admitted +
    transferred_in − transferred_out − died − removed``, a missing flow counting as 0.

    ``start`` is the cell's member count in the previous calendar year; where there is none
    (its first year, a gap) or it is blank, the start-of-year count the form gives
    (``members_start``, when the sheet has one). Not checked: rows without a start, without a
    year-end count, or with every flow blank (nothing reported). :func:`flow_discrepancies`
    shows the breaks as a table; the loader's warnings (``validate``) are made from them.
    Rows are paired by integer key; a (year, cell) given twice is paired as a join pairs it,
    with each of its twins."""
    none = np.zeros(0, dtype=np.int64)
    if members.empty or not all(c in members.columns for c in ("members", *FLOWS)):
        return FlowBreaks(none, none, none, none)
    cell = entity_of("members")
    everything = np.arange(len(members))
    found = year_step_pairs(members, everything, -1, cell)
    if found is None:  # a key given twice: the join pairs each twin
        here = members[["year", *cell]].assign(_row=everything)
        before = members[["year", *cell]].assign(_before=everything)
        before["year"] = before["year"] + 1
        pairs = here.merge(before, on=["year", *cell])
        rows, before_rows = pairs["_row"].to_numpy(), pairs["_before"].to_numpy()
    else:
        rows, before_rows = found
    start, start_known = int_values(members["members"].iloc[before_rows])
    if "members_start" in members.columns:
        stated, stated_known = int_values(members["members_start"])
        # the rows without a known previous year-end count, where the form states a start
        unpaired = np.ones(len(members), dtype=bool)
        unpaired[rows[start_known]] = False
        extra = np.flatnonzero(unpaired & stated_known)
        keep = start_known
        rows = np.concatenate([rows[keep], extra])
        start = np.concatenate([start[keep], stated[extra]])
        start_known = np.ones(len(rows), dtype=bool)
        order = np.argsort(rows, kind="stable")
        rows, start = rows[order], start[order]
    reported, reported_known = int_values(members["members"].iloc[rows])
    flows = [int_values(members[flow].iloc[rows]) for flow in FLOWS]
    expected = start.copy()
    for (values, _), sign in zip(flows, (1, 1, -1, -1, -1), strict=True):
        expected += sign * values  # a missing flow is 0 (int_values gives 0 for NA)
    any_flow = np.logical_or.reduce([known for _, known in flows])
    off = start_known & reported_known & any_flow & (reported != expected)
    return FlowBreaks(rows[off], start[off], expected[off], reported[off])


@expects("members", "year", *CELL_KEY, "members", *FLOWS)
def flow_discrepancies(members: pd.DataFrame) -> pd.DataFrame:
    """Cells and years whose member count breaks the flow identity.

    ``expected = start + admitted + transferred_in − transferred_out − died − removed``, where
    ``start`` is the cell's member count in the previous calendar year — or, where there is
    none, the start-of-year count the form gives (``members_start``, when the sheet has that
    column) — and a missing flow counts as 0. Skipped: rows without a start (first year, a
    gap, a new or renamed cell, and no start-of-year count), rows without a member count,
    and rows with every flow missing (nothing reported to check). The loader's
    ``flow-identity`` warnings are these rows (:func:`flow_breaks`).

    Parameters
    ----------
    members : DataFrame
        The ``members`` contract table.

    Returns
    -------
    DataFrame
        ``year``, ``cell_id``, ``cell``, ``start``, the five flows as reported (NA kept),
        ``expected``, ``reported`` (the year's member count), ``difference`` (reported −
        expected, persons); only rows with a non-zero difference, in key order.

    Examples
    --------
    >>> flow_discrepancies(ds.members)[["year", "cell", "difference"]]  # empty when all add up
    Empty DataFrame
    Columns: [year, cell, difference]
    Index: []
    """
    breaks = flow_breaks(members)
    df = members.iloc[breaks.rows].reset_index(drop=True)
    df = df.assign(start=breaks.start, expected=breaks.expected, reported=breaks.reported)
    df = df.assign(difference=df["reported"] - df["expected"])
    return frame(df.sort_values(key_of("members"), kind="stable"), DISCREPANCY_COLUMNS)


@expects("member_ratings", "year", "rating", "rank", "count")
@per_committee
def member_rating_shares(
    member_ratings: pd.DataFrame,
    members: pd.DataFrame | None = None,
    *,
    denominator: Literal["rated", "members"] = "rated",
) -> pd.DataFrame:
    """Members at each rating per year, as a share of a stated denominator.

    Members exempt from Party activities are not rated, so "share of members" depends on
    what is divided by: the result says which in ``denominator_kind``.

    Parameters
    ----------
    member_ratings : DataFrame
        The ``member_ratings`` contract table (counts of members per cell, year and rating).
    members : DataFrame, optional
        The ``members`` contract table; required for ``denominator="members"``.
    denominator : {"rated", "members"}
        ``"rated"``: the members rated that year (sum of the counts); ``"members"``: every
        member that year from the ``members`` table (including exempt members).

    Returns
    -------
    DataFrame
        ``year``, ``rating`` (code), ``rank`` (1 = best), ``count`` (members; the four member
        ratings always present, zero-filled), ``denominator`` (members), ``share`` (fraction
        0–1; NA if the denominator is missing or 0), ``denominator_kind``.

    Raises
    ------
    ValueError
        For an unknown ``denominator``, or ``"members"`` without a ``members`` table.

    Examples
    --------
    >>> shares = member_rating_shares(ds.member_ratings)
    >>> shares.query("year == 2019")[["rating", "count", "denominator", "share"]].round(3)
        rating  count  denominator  share
    16  HTXSNV     45          440  0.102
    17   HTTNV    255          440   0.58
    18    HTNV    139          440  0.316
    19   KHTNV      1          440  0.002
    """
    if denominator not in ("rated", "members"):
        raise ValueError(f"denominator={denominator!r}: expected 'rated' or 'members'")
    if denominator == "members" and members is None:
        raise ValueError("denominator='members' needs the members table: pass members=…")
    rating = member_ratings["rating"]
    if not isinstance(rating.dtype, pd.CategoricalDtype):  # not the contract's: make it so
        rating = rating.astype(STRING).astype("category")
    names = [str(name) for name in rating.cat.categories]
    rating_code = rating.cat.codes.to_numpy().astype(np.int64)
    year_code, year_values = int_codes(member_ratings["year"])
    counts, count_known = int_values(member_ratings["count"])
    rank, rank_known = member_rank_values(member_ratings)
    # Ratings in order of first appearance, after the four member ratings.
    first_row = Grouping(rating_code, len(names)).first(rating_code >= 0)
    seen = [names[i] for i in np.argsort(first_row, kind="stable") if first_row[i] >= 0]
    years = [int(y) for y in year_values]
    listed = list(dict.fromkeys([*MEMBER_RATING_CODES, *seen]))
    grid = pd.MultiIndex.from_product([years, listed], names=["year", "rating"])
    # Per (year, rating) group present: the counts' sum and the first known rank.
    g = combine(year_code, len(year_values), rating_code, len(names))
    by_rating = Grouping(g.ids, g.size)
    first = by_rating.first(rank_known)[g.present]
    per_year = max(len(names), 1)
    index = pd.MultiIndex.from_arrays(
        [year_values[g.keys // per_year], [names[i] for i in g.keys % per_year]],
        names=["year", "rating"],
    )
    observed = pd.DataFrame(
        {
            "count": by_rating.sum(counts, count_known)[g.present],
            "rank": pd.arrays.IntegerArray(rank[np.maximum(first, 0)], first < 0),
        },
        index=index,
    )
    out = observed.reindex(grid)
    # A rating nobody got is 0 members; a rating listed with a blank count stays unknown.
    out.loc[~out.index.isin(observed.index), "count"] = 0
    out = out.reset_index()
    out["rank"] = out["rank"].fillna(out["rating"].map(member_ranks()).astype(COUNT))
    if denominator == "rated":
        by_year = Grouping(year_code, len(year_values))
        totals = pd.Series(by_year.sum(counts, count_known), index=year_values)
    else:
        totals = year_sums(members, ["members"])["members"]
    out["denominator"] = out["year"].map(totals).astype(COUNT)
    out["share"] = ratio(out["count"], out["denominator"])
    out["denominator_kind"] = denominator
    out = out.sort_values(["year", "rank", "rating"], na_position="last")
    return frame(out, SHARE_COLUMNS)


@expects("member_ratings", "year", "rank", "count")
@per_committee
def well_or_above_share(member_ratings: pd.DataFrame) -> pd.DataFrame:
    """Share of rated members rated "completed tasks well" (HTTNV) or better, per year.

    Parameters
    ----------
    member_ratings : DataFrame
        The ``member_ratings`` contract table. A missing ``rank`` is taken from the rating
        code through the crosswalk.

    Returns
    -------
    DataFrame
        ``year``, ``rated`` (members rated: sum of the counts), ``well_or_above`` (rank ≤ 2),
        ``excellent`` (rank 1, HTXSNV), ``share`` (= well_or_above / rated, fraction 0–1).
        The denominator is the members rated, which excludes exempt members.

    Examples
    --------
    >>> r = conform(pd.DataFrame({"year": 2019, "cell_id": "a",
    ...                           "rating": ["HTXSNV", "HTTNV", "HTNV"],
    ...                           "count": [1, 2, 1]}), "member_ratings")
    >>> well_or_above_share(r)
       year committee_id  rated  well_or_above  excellent  share
    0  2019      unnamed      4              3          1   0.75
    """
    year_code, years = int_codes(member_ratings["year"])
    counts, count_known = int_values(member_ratings["count"])
    rank, rank_known = member_rank_values(member_ratings)
    by_year = Grouping(year_code, len(years))
    rated = by_year.sum(counts, count_known)
    # No member at a level is 0 of them, as long as the year's counts are known at all.
    unknown = rated.isna()
    out = pd.DataFrame({"year": years, "rated": rated})
    for col, at_level in (("well_or_above", rank <= 2), ("excellent", rank == 1)):
        sums = by_year.sum(counts, count_known & rank_known & at_level)
        out[col] = pd.arrays.IntegerArray(sums.fillna(0).to_numpy(np.int64), unknown)
    out["share"] = ratio(out["well_or_above"], out["rated"])
    return frame(out, WELL_COLUMNS)


@expects("member_ratings", "year", *CELL_KEY, "cell", "rank", "count")
@per_committee
def quota_check(member_ratings: pd.DataFrame, *, limit: float | None = None) -> pd.DataFrame:
    """The quota on excellent ratings, where a confirmed rule makes one.

    HD 21-HD/BTCTW (2019) caps the members rated HTXSNV at 20% of those rated HTTNV within
    each grassroots committee, from the 2019 ratings on; before 2019 there was no cap. The
    rules are data (``resources/quota_rules.csv``, or ``NGODONG_QUOTA_RULES``): a year no
    confirmed rule covers has no allowance and no verdict. Each cell's share is shown for
    reference, never as a breach: the cap is on the committee.

    Parameters
    ----------
    member_ratings : DataFrame
        The ``member_ratings`` contract table. A missing count is taken as 0.
    limit : float, optional
        A cap of your own (0.2 = 20%) instead of the rule's, for the years a rule covers.

    Returns
    -------
    DataFrame
        ``year``, ``cell_id``, ``cell``, ``excellent`` (HTXSNV members), ``well`` (HTTNV
        members), ``share`` (excellent / well; NA when no one is rated HTTNV). Per year, one
        row per cell, then one row with ``cell_id`` ``"__all__"`` (``cell`` "Toàn Đảng bộ")
        for the committee, which alone has ``allowed`` (= floor(cap × well)), ``ok``
        (excellent ≤ allowed), ``rule`` and ``source`` (the rule applied and its document),
        and only in the years a confirmed rule covers.

    Examples
    --------
    >>> quota_check(ds.member_ratings).query("ok == False")
    Empty DataFrame
    Columns: [year, committee_id, cell_id, cell, excellent, well, share, allowed, ok, rule, source]
    Index: []
    """
    year = member_ratings["year"].to_numpy()
    year_code, years = int_codes(year)
    counts, _ = int_values(member_ratings["count"])  # a missing count is 0
    rank, rank_known = member_rank_values(member_ratings)
    excellent = np.where(rank_known & (rank == 1), counts, 0)
    well = np.where(rank_known & (rank == 2), counts, 0)
    named = member_ratings["cell"].notna().to_numpy()
    everyone = np.ones(len(counts), dtype=bool)
    # One row per (year, cell) present, in year then cell_id order (of the text: categories
    # in another order are sorted first); the cell's name is the last one written.
    cell = entity_of("member_ratings")
    # categories in another order than their text's are sorted as their text
    table = pd.DataFrame({col: _text_order(member_ratings[col]) for col in cell})
    # a one-column entity in key order (what the loader gives): the groups are runs
    runs = sorted_runs(year, table[cell[0]]) if len(cell) == 1 else None
    if runs is not None and len(runs[0]):
        starts, cell_id = runs
        cell_id = pd.DataFrame({cell[0]: cell_id})
        group_year = year_code[starts]
        per_cell = [np.add.reduceat(excellent, starts), np.add.reduceat(well, starts)]
        if named.all():  # the name written last is the run's last row's
            last_named = np.append(starts[1:], len(named)) - 1
        else:
            position = np.where(named, np.arange(len(named)), -1)
            last_named = np.maximum.reduceat(position, starts)
    else:
        g = groups(table.assign(year=year_code), ["year", *cell])
        by_cell = Grouping(g.ids, g.size)
        first = by_cell.first(np.ones(len(year), dtype=bool))[g.present]
        group_year = year_code[first]
        cell_id = table.iloc[first].reset_index(drop=True)
        per_cell = [
            by_cell.sum(values, everyone)[g.present].to_numpy(np.int64)
            for values in (excellent, well)
        ]
        last_named = by_cell.last(named)[g.present]
    by_year = Grouping(year_code, len(years))
    committee = [by_year.sum(values, everyone).to_numpy(np.int64) for values in (excellent, well)]
    # Each year's cells, then its committee row: inserted, not sorted.
    ends = np.searchsorted(group_year, np.arange(len(years)), side="right")
    out = pd.DataFrame(
        {
            "year": np.insert(years[group_year], ends, years),
            # the committee's row: its own scope (one committee here: per_committee), and
            # the all-cells id
            **{
                col: _with_committee(
                    cell_id[col],
                    ends,
                    ALL_CELLS_ID if col == CELL_ID else _only_value(member_ratings[col]),
                )
                for col in cell_id.columns
            },
            "cell": _with_committee(
                take(member_ratings["cell"], last_named), ends, ALL_CELLS_NAME
            ),
            "excellent": np.insert(per_cell[0], ends, committee[0]),
            "well": np.insert(per_cell[1], ends, committee[1]),
        }
    )
    # the cap is on the committee (HD 21): the cells' rows get a share, no verdict
    judged = (out[cell[-1]] == ALL_CELLS_ID).to_numpy()
    out = quota_verdict(out, "members", judged, limit)
    return frame(out, QUOTA_COLUMNS)


def _only_value(column: pd.Series) -> str:
    """The one value of a scope column (its rows are one committee's)."""
    return str(column.iloc[0]) if len(column) else ""


def _text_order(ids: pd.Series) -> pd.Series:
    """A categorical id column with its categories in the order of their text."""
    if (
        isinstance(ids.dtype, pd.CategoricalDtype)
        and not ids.cat.categories.is_monotonic_increasing
    ):
        return ids.cat.reorder_categories(sorted(ids.cat.categories))
    return ids


def _with_committee(per_cell: pd.Series, ends: np.ndarray, value: str) -> pd.Series:
    """``per_cell`` (rows in year order) with ``value`` after each year's rows, which end at
    ``ends``: the committee's row, placed by slicing rather than by sorting strings."""
    per_cell = as_text(per_cell)
    committee = pd.Series([value], dtype=STRING)
    pieces, start = [], 0
    for end in ends:
        pieces += [per_cell.iloc[start:end], committee]
        start = end
    return pd.concat(pieces, ignore_index=True) if pieces else per_cell.iloc[:0]
