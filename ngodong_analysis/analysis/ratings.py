"""Cell ratings across years: the mix of levels, top-rated streaks, year-to-year transitions.

Each function takes the ``cell_ratings`` table of the contract (``year``, ``cell_id``, ``cell``,
``rating``, ``scale``, ``rank``, ``tier``) and reads either ``rank`` (position within that
year's scale, 1 = best: what the article counts) or ``tier`` (the distribution-matched
crosswalk, 1 = best: for comparing years across the 2017/2018 change of rules), chosen with
``by``. Rows whose level is missing are not rated and are left out.
"""

from __future__ import annotations

import pandas as pd

from ..schema import COUNT, STRING
from ._common import FLOAT, LEVELS, Level, frame, level_column, ratio

MIX_COLUMNS = {"year": "int64", "level": COUNT, "count": COUNT, "share": FLOAT}
STREAK_COLUMNS = {
    "cell_id": STRING,
    "cell": STRING,
    "start": "int64",
    "end": "int64",
    "length": "int64",
}
TRANSITION_COLUMNS = {
    "year_from": "int64",
    "year_to": "int64",
    "from_level": COUNT,
    "to_level": COUNT,
    "count": COUNT,
}


def _rated(cell_ratings: pd.DataFrame, col: str) -> pd.DataFrame:
    rated = cell_ratings.dropna(subset=[col])
    return rated.assign(**{col: rated[col].astype("int64")})


def rating_mix(cell_ratings: pd.DataFrame, *, by: Level = "rank") -> pd.DataFrame:
    """Number and share of cells at each level, per year.

    Parameters
    ----------
    cell_ratings : DataFrame
        The ``cell_ratings`` contract table.
    by : {"rank", "tier"}
        Level to count: position within the year's scale, or the harmonised tier.

    Returns
    -------
    DataFrame
        ``year``, ``level`` (1 = best), ``count`` (cells), ``share`` (fraction 0–1 of the cells
        rated that year). Every year of the input has all levels 1–4, zero-filled; a level
        outside 1–4 found in the data is kept too. ``share`` is NA for a year in which no cell
        has a level.

    Examples
    --------
    >>> cr = conform(pd.DataFrame({"year": 2019, "cell_id": ["a", "b", "c", "d"],
    ...                            "rank": [1, 2, 2, 2]}), "cell_ratings")
    >>> rating_mix(cr)
       year  level  count  share
    0  2019      1      1   0.25
    1  2019      2      3   0.75
    2  2019      3      0    0.0
    3  2019      4      0    0.0
    """
    col = level_column(by)
    years = sorted(int(y) for y in cell_ratings["year"].unique())
    rated = _rated(cell_ratings, col)
    levels = sorted(set(LEVELS) | {int(v) for v in rated[col].unique()})
    grid = pd.MultiIndex.from_product([years, levels], names=["year", "level"])
    counts = rated.groupby(["year", col]).size().rename_axis(["year", "level"])
    out = counts.reindex(grid, fill_value=0).rename("count").reset_index()
    out["share"] = ratio(out["count"], out.groupby("year")["count"].transform("sum"))
    return frame(out, MIX_COLUMNS)


def top_streaks(cell_ratings: pd.DataFrame, *, by: Level = "rank", level: int = 1) -> pd.DataFrame:
    """Maximal runs of consecutive years in which a cell was rated at ``level``.

    A year with no rating for the cell, or a different level, ends the run.

    Parameters
    ----------
    cell_ratings : DataFrame
        The ``cell_ratings`` contract table.
    by : {"rank", "tier"}
        Which level column to read.
    level : int
        The level whose runs are wanted (1 = best).

    Returns
    -------
    DataFrame
        ``cell_id``, ``cell`` (the name written in the run's last year), ``start`` and ``end``
        (first and last year, inclusive) and ``length`` (years). Longest runs first, then by
        start year and cell id.

    Examples
    --------
    >>> cr = conform(pd.DataFrame({"year": [2015, 2016, 2017, 2019], "cell_id": "tdp-2",
    ...                            "rank": [1, 1, 2, 1]}), "cell_ratings")
    >>> top_streaks(cr)
      cell_id  cell  start   end  length
    0   tdp-2  <NA>   2015  2016       2
    1   tdp-2  <NA>   2019  2019       1
    """
    col = level_column(by)
    at_level = _rated(cell_ratings, col)
    at_level = at_level[at_level[col] == level].sort_values(["cell_id", "year"])
    # Within a cell, year minus the row's position is constant along a run of consecutive
    # years and changes at every gap.
    run = at_level["year"] - at_level.groupby("cell_id").cumcount()
    runs = at_level.groupby(["cell_id", run.rename("run")])
    out = pd.DataFrame(
        {
            "cell": runs["cell"].last(),
            "start": runs["year"].min(),
            "end": runs["year"].max(),
            "length": runs.size(),
        }
    )
    out = out.reset_index().sort_values(
        ["length", "start", "cell_id"], ascending=[False, True, True]
    )
    return frame(out, STREAK_COLUMNS)


def rating_transitions(cell_ratings: pd.DataFrame, *, by: Level = "rank") -> pd.DataFrame:
    """How many cells moved from one level to another between consecutive years.

    Only pairs of adjacent calendar years (2018 → 2019) in which the cell was rated both
    times count; a cell missing a year contributes nothing across the gap.

    Parameters
    ----------
    cell_ratings : DataFrame
        The ``cell_ratings`` contract table.
    by : {"rank", "tier"}
        Which level column to read. Across 2017 → 2018 the rank compares positions on two
        different scales; use ``by="tier"`` to compare like with like.

    Returns
    -------
    DataFrame
        ``year_from``, ``year_to`` (= ``year_from`` + 1), ``from_level``, ``to_level``,
        ``count`` (cells); only observed moves (count ≥ 1), sorted by the first four columns.

    Examples
    --------
    >>> moves = rating_transitions(ds.cell_ratings, by="tier")
    >>> moves[moves["from_level"] != moves["to_level"]]  # cells that moved up or down
    """
    col = level_column(by)
    rated = _rated(cell_ratings, col)[["year", "cell_id", col]]
    before = rated.rename(columns={"year": "year_from", col: "from_level"})
    after = rated.rename(columns={col: "to_level"})
    after = after.assign(year_from=after["year"] - 1).rename(columns={"year": "year_to"})
    pairs = before.merge(after, on=["cell_id", "year_from"])
    keys = ["year_from", "year_to", "from_level", "to_level"]
    out = pairs.groupby(keys).size().rename("count").reset_index().sort_values(keys)
    return frame(out, TRANSITION_COLUMNS)


def crosswalk() -> pd.DataFrame:
    """The rating crosswalk in use, as a table: scale, subject, rating, rank, tier.

    ``rank`` is the position within the year's scale (1 = best), ``tier`` the harmonised level
    across the 2017/2018 change of rules (1 = best). The shipped table is
    ``resources/crosswalk.csv``; a user's own replaces it through ``NGODONG_CROSSWALK``.

    Examples
    --------
    >>> nd.analysis.crosswalk().query("rating == 'TSVM'")[["scale", "rank", "tier"]]
    """
    from ..vocab import crosswalk as table

    rows = [
        {"scale": scale, "subject": subject, "rating": rating, "rank": rank, "tier": tier}
        for (scale, subject, rating), (rank, tier) in table().items()
    ]
    return frame(
        pd.DataFrame(rows, columns=["scale", "subject", "rating", "rank", "tier"]),
        {"scale": STRING, "subject": STRING, "rating": STRING, "rank": COUNT, "tier": COUNT},
    )
