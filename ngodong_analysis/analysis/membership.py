"""Members: totals and growth, flows and the flow identity, rating shares and the quota.

Counts are persons (Party members; ``introduced`` counts non-members sent to Party-awareness
classes). Shares are fractions 0–1; ``*_pct`` columns are percentages. A missing count (NA)
means "not reported", never zero: sums are NA when no cell reported, and a share is computed
only over the cells that reported both of its counts.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from ..schema import COUNT, MEMBER_RATING_CODES, RATING, STRING
from ._common import FLOAT, frame, member_ranks, paired_ratio, ratio, resolved_member_rank

FLOWS = ("admitted", "transferred_in", "transferred_out", "died", "removed")
"""Flows of the identity end = start + admitted + transferred_in − transferred_out − died −
removed (domain.md)."""
ALL_FLOWS = (*FLOWS, "introduced")

TOTALS_COLUMNS = {
    "year": "int64",
    "cells": "int64",
    "members": COUNT,
    "young": COUNT,
    "female": COUNT,
    "exempt": COUNT,
    "young_share": FLOAT,
    "growth": COUNT,
    "growth_pct": FLOAT,
}
FLOW_COLUMNS = {"year": "int64", "flow": STRING, "count": COUNT}
DISCREPANCY_COLUMNS = {
    "year": "int64",
    "cell_id": STRING,
    "cell": STRING,
    "start": COUNT,
    **{flow: COUNT for flow in FLOWS},
    "expected": COUNT,
    "reported": COUNT,
    "difference": COUNT,
}
SHARE_COLUMNS = {
    "year": "int64",
    "rating": RATING,
    "rank": COUNT,
    "count": COUNT,
    "denominator": COUNT,
    "share": FLOAT,
    "denominator_kind": STRING,
}
WELL_COLUMNS = {
    "year": "int64",
    "rated": COUNT,
    "well_or_above": COUNT,
    "excellent": COUNT,
    "share": FLOAT,
}
QUOTA_COLUMNS = {
    "year": "int64",
    "cell_id": STRING,
    "cell": STRING,
    "excellent": COUNT,
    "well": COUNT,
    "allowed": COUNT,
    "ok": "boolean",
}
ALL_CELLS_ID = "__all__"
ALL_CELLS_NAME = "Toàn Đảng bộ"


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
        ``growth_pct`` (that change in percent); both NA for the first year.

    Examples
    --------
    >>> m = conform(pd.DataFrame({"year": [2018, 2019], "cell_id": ["a", "a"],
    ...                           "members": [20, 22], "young": [5, 7]}), "members")
    >>> membership_totals(m)[["year", "members", "young_share", "growth", "growth_pct"]]
       year  members  young_share  growth  growth_pct
    0  2018       20         0.25    <NA>        <NA>
    1  2019       22     0.318182       2        10.0
    """
    by_year = members.groupby("year")
    counts = ["members", "young", "female", "exempt"]
    out = by_year[counts].sum(min_count=1)
    out.insert(0, "cells", by_year.size())
    out["young_share"] = paired_ratio(members, "year", "young", "members")
    previous = out["members"].shift()
    out["growth"] = out["members"] - previous
    out["growth_pct"] = 100 * ratio(out["growth"], previous)
    return frame(out.reset_index(), TOTALS_COLUMNS)


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
    >>> member_flows(ds.members).query("flow == 'admitted'")["count"].sum()
    """
    sums = members.groupby("year")[list(ALL_FLOWS)].sum(min_count=1)
    out = sums.reset_index().melt(id_vars="year", var_name="flow", value_name="count")
    out["order"] = out["flow"].map({flow: i for i, flow in enumerate(ALL_FLOWS)})
    return frame(out.sort_values(["year", "order"]), FLOW_COLUMNS)


def flow_discrepancies(members: pd.DataFrame) -> pd.DataFrame:
    """Cells and years whose member count breaks the flow identity.

    ``expected = start + admitted + transferred_in − transferred_out − died − removed``, where
    ``start`` is the cell's member count in the previous calendar year and a missing flow
    counts as 0. Skipped: rows without a previous year for the cell (first year, a gap, a new
    or renamed cell), rows without a member count, and rows with every flow missing (nothing
    reported to check).

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
    """
    previous = members[["year", "cell_id", "members"]].rename(columns={"members": "start"})
    previous = previous.assign(year=previous["year"] + 1)
    df = members.merge(previous, on=["year", "cell_id"])
    flows = df[list(FLOWS)]
    checkable = df["start"].notna() & df["members"].notna() & flows.notna().any(axis=1)
    df = df[checkable]
    filled = df[list(FLOWS)].fillna(0)
    expected = (
        df["start"]
        + filled["admitted"]
        + filled["transferred_in"]
        - filled["transferred_out"]
        - filled["died"]
        - filled["removed"]
    )
    df = df.assign(expected=expected, reported=df["members"])
    df = df.assign(difference=df["reported"] - df["expected"])
    df = df[df["difference"] != 0].sort_values(["year", "cell_id"])
    return frame(df, DISCREPANCY_COLUMNS)


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
    >>> member_rating_shares(ds.member_ratings).query("year == 2019 and rating == 'HTXSNV'")
    """
    if denominator not in ("rated", "members"):
        raise ValueError(f"denominator={denominator!r}: expected 'rated' or 'members'")
    if denominator == "members" and members is None:
        raise ValueError("denominator='members' needs the members table: pass members=…")
    df = member_ratings.assign(
        rating=member_ratings["rating"].astype(STRING), rank=resolved_member_rank(member_ratings)
    )
    years = sorted(int(y) for y in df["year"].unique())
    codes = list(dict.fromkeys([*MEMBER_RATING_CODES, *df["rating"].dropna().unique()]))
    grid = pd.MultiIndex.from_product([years, codes], names=["year", "rating"])
    grouped = df.groupby(["year", "rating"])
    observed = pd.DataFrame(
        {"count": grouped["count"].sum(min_count=1), "rank": grouped["rank"].first()}
    )
    out = observed.reindex(grid)
    # A rating nobody got is 0 members; a rating listed with a blank count stays unknown.
    out.loc[~out.index.isin(observed.index), "count"] = 0
    out = out.reset_index()
    out["rank"] = out["rank"].fillna(out["rating"].map(member_ranks()).astype(COUNT))
    if denominator == "rated":
        totals = df.groupby("year")["count"].sum(min_count=1)
    else:
        totals = members.groupby("year")["members"].sum(min_count=1)
    out["denominator"] = out["year"].map(totals).astype(COUNT)
    out["share"] = ratio(out["count"], out["denominator"])
    out["denominator_kind"] = denominator
    out = out.sort_values(["year", "rank", "rating"], na_position="last")
    return frame(out, SHARE_COLUMNS)


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
       year  rated  well_or_above  excellent  share
    0  2019      4              3          1   0.75
    """
    rank = resolved_member_rank(member_ratings)
    counts = member_ratings["count"]
    df = pd.DataFrame(
        {
            "year": member_ratings["year"],
            "rated": counts,
            "well_or_above": counts.where((rank <= 2).fillna(False)),
            "excellent": counts.where((rank == 1).fillna(False)),
        }
    )
    out = df.groupby("year").sum(min_count=1)
    # No member at a level is 0 of them, as long as the year's counts are known at all.
    known = out["rated"].notna()
    for col in ("well_or_above", "excellent"):
        out[col] = out[col].mask(known & out[col].isna(), 0)
    out = out.reset_index()
    out["share"] = ratio(out["well_or_above"], out["rated"])
    return frame(out, WELL_COLUMNS)


def quota_check(member_ratings: pd.DataFrame, *, limit: float = 0.2) -> pd.DataFrame:
    """The quota on excellent ratings: HTXSNV members may not exceed ``limit`` × HTTNV members.

    The rule (HD 21, 2019; domain.md) applies within each grassroots committee; it is checked
    here for each cell and for the committee as a whole, in every year of the data (before
    2019 the result only shows what the rule would have said). A breach is a warning, not an
    error.

    Parameters
    ----------
    member_ratings : DataFrame
        The ``member_ratings`` contract table. A missing count is taken as 0.
    limit : float
        Allowed ratio of HTXSNV to HTTNV members (0.2 = 20%).

    Returns
    -------
    DataFrame
        ``year``, ``cell_id``, ``cell``, ``excellent`` (HTXSNV members), ``well`` (HTTNV
        members), ``allowed`` (= floor(limit × well)), ``ok`` (excellent ≤ allowed). Per year,
        one row per cell, then one row with ``cell_id`` ``"__all__"`` (``cell`` "Toàn Đảng
        bộ") for the committee, whose ``allowed`` applies the limit to the committee's total.

    Examples
    --------
    >>> quota_check(ds.member_ratings).query("not ok")
    """
    rank = resolved_member_rank(member_ratings)
    counts = member_ratings["count"].fillna(0)
    df = pd.DataFrame(
        {
            "year": member_ratings["year"],
            "cell_id": member_ratings["cell_id"],
            "cell": member_ratings["cell"],
            "excellent": counts.where((rank == 1).fillna(False), 0),
            "well": counts.where((rank == 2).fillna(False), 0),
        }
    )
    per_cell = df.groupby(["year", "cell_id"]).agg(
        cell=("cell", "last"), excellent=("excellent", "sum"), well=("well", "sum")
    )
    whole = df.groupby("year")[["excellent", "well"]].sum()
    whole = whole.assign(cell_id=ALL_CELLS_ID, cell=ALL_CELLS_NAME)
    out = pd.concat([per_cell.reset_index(), whole.reset_index()], ignore_index=True)
    # Rounded before the floor so 0.2 × 35 = 7.000000000000001 and 0.29 × 100 =
    # 28.999999999999996 give the allowances a person would compute.
    well = out["well"].to_numpy(dtype="int64")
    out["allowed"] = np.floor(np.round(limit * well, 9)).astype("int64")
    out["ok"] = out["excellent"] <= out["allowed"]
    out = out.assign(_all=out["cell_id"] == ALL_CELLS_ID)
    out = out.sort_values(["year", "_all", "cell_id"])
    return frame(out, QUOTA_COLUMNS)
