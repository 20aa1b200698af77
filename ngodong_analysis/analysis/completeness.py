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

from ..grouping import int_codes
from ..schema import AREA_ID, CELL_ID, SCOPE, STRING
from ..vocab import blank_unknown
from ._common import frame, per_committee

INCOMPLETE_COLUMNS = {
    "year": "int64",
    **dict.fromkeys(SCOPE, STRING),
    "column": STRING,
    "listed": "int64",
    "reported": "int64",
    "missing": STRING,
}


@per_committee
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
    unknown = blank_unknown()
    wanted = [c for c in (columns or table.columns) if c in table.columns and c in unknown]
    if table.empty or not wanted:
        return frame(None, INCOMPLETE_COLUMNS)
    name = next((c for c in ("cell", "area", CELL_ID, AREA_ID) if c in table.columns), None)
    year, years = int_codes(table["year"])
    listed = np.bincount(year, minlength=len(years))
    rows = []
    for col in wanted:
        known = table[col].notna().to_numpy()
        reported = np.bincount(year[known], minlength=len(years))
        for i in np.flatnonzero((reported > 0) & (reported < listed)):
            gaps = (year == i) & ~known
            names = table[name].to_numpy()[gaps] if name else []
            rows.append(
                {
                    "year": years[i],
                    "column": col,
                    "listed": listed[i],
                    "reported": reported[i],
                    "missing": "; ".join(str(n) for n in names if n is not pd.NA),
                }
            )
    out = pd.DataFrame(rows, columns=list(INCOMPLETE_COLUMNS))
    out = out.sort_values("year", kind="stable")  # built column by column, years ascending
    return frame(out, INCOMPLETE_COLUMNS)


def incomplete_by_year(table: pd.DataFrame, columns: list[str]) -> pd.Series:
    """Per year of ``table``, the ``columns`` whose total is incomplete, ", "-joined (NA
    where every total is complete): the ``incomplete`` column of the totals functions."""
    gaps = incomplete_sums(table, columns)
    joined = gaps.groupby("year", sort=True)["column"].agg(", ".join)
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
