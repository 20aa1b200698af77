"""One row per year across every table of a :class:`~ngodong_analysis.Dataset`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from ..schema import COMMITTEE_ID, COUNT, RATING, SCOPE, STRING
from ._common import FLOAT, LEVELS, _with_committee, frame
from .income import poverty
from .membership import member_flows, membership_totals, well_or_above_share
from .ratings import rating_mix

if TYPE_CHECKING:
    from ..dataset import Dataset

SUMMARY_COLUMNS = {
    "year": "int64",
    **dict.fromkeys(SCOPE, STRING),
    "cells_rated": COUNT,
    "top_rated": COUNT,
    "well_rated": COUNT,
    "weak": COUNT,
    "committee_rating": RATING,
    "committee_score": FLOAT,
    "members": COUNT,
    "young_share": FLOAT,
    "admitted": COUNT,
    "transferred_in": COUNT,
    "introduced": COUNT,
    "rated_members": COUNT,
    "well_or_above_share": FLOAT,
    "excellent_members": COUNT,
    "mean_income": FLOAT,
    "poor_households": COUNT,
    "near_poor_households": COUNT,
}


def yearly_summary(ds: Dataset) -> pd.DataFrame:
    """The headline numbers of each year, from every table of the dataset.

    Parameters
    ----------
    ds : Dataset
        A loaded dataset (any table may be empty).

    Returns
    -------
    DataFrame
        One row per year found in any table (``ds.years``) and committee, with
        ``committee_id`` after ``year``, and

        - ``cells_rated``, ``top_rated`` (rank 1), ``well_rated`` (rank 2), ``weak`` (rank 4):
          cells, by position within the year's scale;
        - ``committee_rating``: the committee's own rating code (the first unit in key order
          if the table holds several), and ``committee_score`` its 0–100 score (QĐ 366, from
          2025; NA before);
        - ``members``, ``young_share`` (fraction), ``admitted``, ``transferred_in``,
          ``introduced``: persons, from the members table;
        - ``rated_members``, ``well_or_above_share`` (fraction of rated members at rank ≤ 2),
          ``excellent_members`` (rank 1);
        - ``mean_income``: unweighted mean over areas of income per capita (million đồng per
          person per year); ``poor_households``, ``near_poor_households``.

        A column is NA in a year its table has no data for.

    Examples
    --------
    >>> yearly_summary(ds).set_index("year")[["cells_rated", "top_rated", "members"]]
          cells_rated  top_rated  members
    year
    2015           12          5      470
    2016           12          6      474
    2017           12          5      479
    2018           12          4      483
    2019           12          5      488
    """
    committees = sorted(
        {
            str(c)
            for df in ds.tables().values()
            if COMMITTEE_ID in df
            for c in df[COMMITTEE_ID].dropna().unique()
        }
    )
    if len(committees) <= 1:
        return _with_committee(_summary(ds), committees[0] if committees else None)
    parts = [_with_committee(_summary(_only(ds, cid)), cid) for cid in committees]
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["year", COMMITTEE_ID], kind="stable", ignore_index=True)


def _only(ds: Dataset, cid: str) -> Dataset:
    """The dataset's rows of one committee."""
    from ..dataset import Dataset

    tables = {
        name: df[(df[COMMITTEE_ID] == cid).to_numpy(dtype=bool, na_value=False)]
        for name, df in ds.tables().items()
    }
    return Dataset.conformed(tables, [])


def _summary(ds: Dataset) -> pd.DataFrame:
    out = pd.DataFrame({"year": pd.Series(ds.years, dtype="int64")})

    mix = rating_mix(ds.cell_ratings, by="rank")
    mix = mix.pivot(index="year", columns="level", values="count")
    cells_rated = mix.sum(axis=1)
    mix = mix.reindex(columns=list(LEVELS))
    ratings = pd.DataFrame(
        {"cells_rated": cells_rated, "top_rated": mix[1], "well_rated": mix[2], "weak": mix[4]}
    )

    # the first unit's row of each year, whole: groupby().first() would take each column's
    # first non-missing value, a rating of one unit beside the score of another
    committee = (
        ds.committee_ratings.dropna(subset=["rating"])
        .drop_duplicates("year")
        .set_index("year")[["rating", "score"]]
        .rename(columns={"rating": "committee_rating", "score": "committee_score"})
    )

    totals = membership_totals(ds.members).set_index("year")[["members", "young_share"]]
    flows = member_flows(ds.members).pivot(index="year", columns="flow", values="count")
    flows = flows.reindex(columns=["admitted", "transferred_in", "introduced"])

    rated = well_or_above_share(ds.member_ratings).set_index("year")
    rated = rated.rename(
        columns={
            "rated": "rated_members",
            "share": "well_or_above_share",
            "excellent": "excellent_members",
        }
    )[["rated_members", "well_or_above_share", "excellent_members"]]

    income = ds.income.groupby("year")["income_per_capita"].mean().rename("mean_income")
    poor = poverty(ds.income).set_index("year")[["poor_households", "near_poor_households"]]

    for part in (
        ratings,
        committee,
        totals,
        flows,
        rated,
        income,
        poor,
    ):
        out = out.join(part, on="year")
    return frame(out, SUMMARY_COLUMNS)
