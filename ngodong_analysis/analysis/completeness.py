"""Totals that leave someone out: a year's sum over a count column that some cells (or
areas) did not report.

A blank ``Nữ`` cell for one of twelve cells makes the year's women members the sum of eleven:
shown beside years summed over twelve, it reads as a fall that never happened. The functions
here say which year totals are incomplete, so tables, charts and the report can mark them.
Which fields count (a blank is "not reported", not "none") is ``resources/blanks.csv``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..grouping import Grouping, groups
from ..schema import AREA_ID, CELL_ID, SCOPE, STRING, with_scope
from ..vocab import blank_unknown
from ._common import frame

INCOMPLETE_COLUMNS = {
    "year": "int64",
    **dict.fromkeys(SCOPE, STRING),
    "column": STRING,
    "listed": "int64",
    "reported": "int64",
    "missing": STRING,
}


def incomplete_sums(table: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """The year totals of ``table`` that are sums over only some of its cells or areas.

    Parameters
    ----------
    table : DataFrame
        The ``members`` or ``income`` contract table (one row per unit and year).
    columns : list of str, optional
        Count columns to look at; by default those of ``table`` whose blank means "not
        reported" (``resources/blanks.csv``: the stocks, not the flows).

    Returns
    -------
    DataFrame
        One row per year and column whose total is incomplete, in year then column order:
        ``year``, ``column``, ``listed`` (units with a row that year), ``reported`` (units
        with a value in the column; 0 < reported < listed), ``missing`` (names of the units
        without one, "; "-separated). A column no unit reported that year is missing, not
        incomplete, and is not listed.

    Examples
    --------
    >>> m = conform(pd.DataFrame({"year": 2019, "cell_id": ["a", "b", "c"],
    ...                           "cell": ["Chi bộ Thôn 1", "Chi bộ Thôn 2", "Chi bộ Thôn 3"],
    ...                           "members": [30, 25, 20], "female": [9, None, 6]}), "members")
    >>> incomplete_sums(m)
       year committee_id  column  listed  reported        missing
    0  2019      unnamed  female       3         2  Chi bộ Thôn 2
    """
    if "year" not in table.columns:
        raise KeyError("incomplete_sums expects a table with a 'year' column")
    table = with_scope(table)
    unknown = blank_unknown()
    wanted = [c for c in (columns or table.columns) if c in table.columns and c in unknown]
    if table.empty or not wanted:
        return frame(None, INCOMPLETE_COLUMNS)
    name = next((c for c in ("cell", "area", CELL_ID, AREA_ID) if c in table.columns), None)
    # one group per (year, committee): a committee's total is never another's
    g = groups(table, ["year", *SCOPE])
    listed = np.bincount(g.ids[g.ids >= 0], minlength=g.size)
    first = Grouping(g.ids, g.size).first(np.ones(len(table), dtype=bool))
    keys = table[["year", *SCOPE]].take(np.maximum(first, 0)).reset_index(drop=True)
    names = table[name].to_numpy(dtype=object) if name else None
    rows = []
    for col in wanted:
        known = table[col].notna().to_numpy()
        reported = np.bincount(g.ids[known & (g.ids >= 0)], minlength=g.size)
        short = np.flatnonzero((reported > 0) & (reported < listed))
        if not len(short):
            continue
        gaps = ~known & np.isin(g.ids, short)
        missing: dict[int, list[str]] = {int(i): [] for i in short}
        if names is not None:
            for gid, n in zip(g.ids[gaps], names[gaps], strict=True):
                if n is not pd.NA and n is not None:
                    missing[int(gid)].append(str(n))
        for i in short:
            rows.append(
                {
                    "year": keys.at[int(i), "year"],
                    **{c: keys.at[int(i), c] for c in SCOPE},
                    "column": col,
                    "listed": listed[i],
                    "reported": reported[i],
                    "missing": "; ".join(missing[int(i)]),
                }
            )
    out = pd.DataFrame(rows, columns=list(INCOMPLETE_COLUMNS))
    # built column by column, groups in (year, committee) order: sorted stably by the group
    out = out.sort_values(["year", *SCOPE], kind="stable")
    return frame(out, INCOMPLETE_COLUMNS)


def incomplete_by_year(table: pd.DataFrame, columns: list[str]) -> pd.Series:
    """Per year of ``table``, the ``columns`` whose total is incomplete, ", "-joined (NA
    where every total is complete): the ``incomplete`` column of the totals functions."""
    gaps = incomplete_sums(table, columns)
    joined = gaps.groupby("year", sort=True)["column"].agg(", ".join)
    return joined.astype(STRING)


def incomplete_by_group(table: pd.DataFrame, columns: list[str]) -> pd.Series:
    """As :func:`incomplete_by_year`, per (year, committee): indexed by both."""
    gaps = incomplete_sums(table, columns)
    joined = gaps.groupby(["year", *SCOPE], sort=True)["column"].agg(", ".join)
    return joined.astype(STRING)


def incomplete_mask(totals: pd.DataFrame, column: str) -> np.ndarray:
    """Per row of a totals frame (``membership_totals``, ``poverty``), whether ``column``'s
    sum left out a unit listed that year, read from its ``incomplete`` column.

    Parameters
    ----------
    totals : DataFrame
        A frame of yearly totals with an ``incomplete`` column (the names of the columns whose
        sum is incomplete, comma-separated; NA where none is); without one nothing is flagged.
    column : str
        The total asked about (``"members"``, ``"poor_households"``).

    Returns
    -------
    ndarray of bool
        One flag per row of ``totals``.

    Examples
    --------
    >>> totals = pd.DataFrame({"year": [2018, 2019], "incomplete": [pd.NA, "female, young"]})
    >>> incomplete_mask(totals, "young").tolist(), incomplete_mask(totals, "members").tolist()
    ([False, True], [False, False])
    """
    if "incomplete" not in totals.columns:
        return np.zeros(len(totals), dtype=bool)
    return np.array(
        [not pd.isna(v) and column in str(v).split(", ") for v in totals["incomplete"]],
        dtype=bool,
    )
