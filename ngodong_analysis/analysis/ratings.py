"""Cell ratings across years: the mix of levels, top-rated streaks, year-to-year transitions.

Each function takes the ``cell_ratings`` table of the contract (``year``, ``cell_id``, ``cell``,
``rating``, ``scale``, ``rank``, ``tier``) and reads either ``rank`` (position within that
year's scale, 1 = best: what the article counts) or ``tier`` (the distribution-matched
crosswalk, 1 = best: for comparing years across the 2017/2018 change of rules), chosen with
``by``. Rows whose level is missing are not rated and are left out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..grouping import (
    Grouping,
    combine,
    int_codes,
    int_values,
    key_codes,
    take,
    year_step_pairs,
)
from ..schema import CELL_KEY, COUNT, SCOPE, STRING, entity_of
from ._common import (
    FLOAT,
    LEVELS,
    VERDICT_COLUMNS,
    Level,
    expects,
    frame,
    level_column,
    per_committee,
    quota_verdict,
    ratio,
)

MIX_COLUMNS = {
    "year": "int64",
    **dict.fromkeys(SCOPE, STRING),
    "level": COUNT,
    "count": COUNT,
    "share": FLOAT,
}
STREAK_COLUMNS = {
    **dict.fromkeys(CELL_KEY, STRING),
    "cell": STRING,
    "start": "int64",
    "end": "int64",
    "length": "int64",
}
TRANSITION_COLUMNS = {
    **dict.fromkeys(SCOPE, STRING),
    "year_from": "int64",
    "year_to": "int64",
    "from_level": COUNT,
    "to_level": COUNT,
    "count": COUNT,
}


def _rated(cell_ratings: pd.DataFrame, col: str) -> pd.DataFrame:
    rated = cell_ratings.dropna(subset=[col])
    return rated.assign(**{col: rated[col].astype("int64")})


@expects("cell_ratings", "year", level=True)
@per_committee
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
       year committee_id  level  count  share
    0  2019      unnamed      1      1   0.25
    1  2019      unnamed      2      3   0.75
    2  2019      unnamed      3      0    0.0
    3  2019      unnamed      4      0    0.0
    """
    col = level_column(by)
    year, years = int_codes(cell_ratings["year"])
    values, known = int_values(cell_ratings[col])
    level, found = int_codes(values[known])
    levels = np.array(sorted(set(LEVELS) | {int(v) for v in found}), dtype=np.int64)
    # Cells per (year, level found), placed in the grid of every year × every level.
    counts = np.zeros((len(years), len(levels)), dtype=np.int64)
    pairs = np.bincount(year[known] * len(found) + level, minlength=len(years) * len(found))
    counts[:, np.searchsorted(levels, found)] = pairs.reshape(len(years), len(found))
    out = pd.DataFrame(
        {
            "year": np.repeat(years, len(levels)),
            "level": np.tile(levels, len(years)),
            "count": counts.ravel(),
        }
    )
    out["share"] = ratio(out["count"], out.groupby("year")["count"].transform("sum"))
    return frame(out, MIX_COLUMNS)


@expects("cell_ratings", "year", *CELL_KEY, "cell", level=True)
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
      committee_id cell_id  cell  start   end  length
    0      unnamed   tdp-2  <NA>   2015  2016       2
    1      unnamed   tdp-2  <NA>   2019  2019       1
    """
    col = level_column(by)
    values, known = int_values(cell_ratings[col])
    rows = np.flatnonzero(known & (values == level))
    ids = entity_of("cell_ratings")
    cell, n_cells = key_codes(cell_ratings, ids)
    cell, year = cell[rows], cell_ratings["year"].to_numpy()[rows]
    # By cell, then year (ties in row order); a row without a cell_id belongs to no run. A
    # table in key order has its years sorted already: a stable sort by cell is enough.
    if len(year) and not (year[1:] < year[:-1]).any():
        order = np.argsort(cell, kind="stable")
    else:
        order = np.lexsort((year, cell))
    order = order[cell[order] >= 0]
    rows, cell, year = rows[order], cell[order], year[order]
    named = cell_ratings["cell"].notna().to_numpy()[rows]
    # Within a cell, year minus the row's position is constant along a run of consecutive
    # years and changes at every gap.
    position = np.arange(len(rows))
    starts_cell = np.ones(len(rows), dtype=bool)
    starts_cell[1:] = cell[1:] != cell[:-1]
    first_of_cell = np.maximum.accumulate(np.where(starts_cell, position, 0))
    run = year - (position - first_of_cell)
    if len(rows) and not (~starts_cell[1:] & (year[1:] == year[:-1])).any():
        # No cell at the level twice in a year: each run is a stretch of rows, and the
        # stretches come in (cell, run) order, as the group-by on the two would give them.
        starts_run = starts_cell.copy()
        starts_run[1:] |= run[1:] != run[:-1]
        first = np.flatnonzero(starts_run)
        last = np.append(first[1:], len(rows)) - 1
        length = last - first + 1
        named = np.maximum.reduceat(np.where(named, position, -1), first)
        group_cell = cell[first]
    else:  # a cell twice in a year: the run numbers repeat out of order, so group them
        run, runs = int_codes(run)
        g = combine(cell, n_cells, run, len(runs))
        by_run = Grouping(g.ids, g.size)
        everyone = np.ones(len(rows), dtype=bool)
        first = by_run.first(everyone)[g.present]
        last = by_run.last(everyone)[g.present]
        length = np.bincount(g.ids, minlength=g.size)[g.present]
        named = by_run.last(named)[g.present]
        group_cell = g.keys // max(len(runs), 1)
    out = pd.DataFrame(
        {
            **{col: cell_ratings[col].take(rows[first]).astype(STRING).array for col in ids},
            "cell": take(cell_ratings["cell"], np.where(named >= 0, rows[named], -1)),
            "start": year[first],
            "end": year[last],
            "length": length,
        }
    )
    # Longest first, then start year, then cell id (stable, as sort_values on those keys).
    out = out.take(np.lexsort((group_cell, out["start"].to_numpy(), -out["length"].to_numpy())))
    return frame(out, STREAK_COLUMNS)


@expects("cell_ratings", "year", *CELL_KEY, level=True)
@per_committee
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
             committee_id  year_from  year_to  from_level  to_level  count
    1   thi-tran-ngo-dong       2015     2016           2         3      1
    2   thi-tran-ngo-dong       2015     2016           3         2      2
    5   thi-tran-ngo-dong       2016     2017           2         3      3
    6   thi-tran-ngo-dong       2016     2017           3         2      2
    8   thi-tran-ngo-dong       2017     2018           2         1      2
    10  thi-tran-ngo-dong       2017     2018           3         1      2
    11  thi-tran-ngo-dong       2017     2018           3         2      5
    13  thi-tran-ngo-dong       2018     2019           1         2      2
    14  thi-tran-ngo-dong       2018     2019           2         1      3
    """
    col = level_column(by)
    keys = ["year_from", "year_to", "from_level", "to_level"]
    ids = entity_of("cell_ratings")
    rated_rows = np.flatnonzero(cell_ratings[col].notna().to_numpy())
    found = year_step_pairs(cell_ratings, rated_rows, 1, ids)
    if found is None:  # duplicate (cell, year) keys: the join pairs them all
        rated = _rated(cell_ratings, col)[["year", *ids, col]]
        before = rated.rename(columns={"year": "year_from", col: "from_level"})
        after = rated.rename(columns={col: "to_level"})
        after = after.assign(year_from=after["year"] - 1).rename(columns={"year": "year_to"})
        pairs = before.merge(after, on=[*ids, "year_from"])
        out = pairs.groupby(keys).size().rename("count").reset_index().sort_values(keys)
        return frame(out, TRANSITION_COLUMNS)
    rows, after = found
    if not len(rows):
        return frame(None, TRANSITION_COLUMNS)
    values = cell_ratings[col].astype(COUNT).to_numpy(dtype=np.int64, na_value=0)
    year_from, years = int_codes(cell_ratings["year"].to_numpy()[rows])
    level, levels = int_codes(np.concatenate([values[rows], values[after]]))
    from_level, to_level = level[: len(rows)], level[len(rows) :]
    width = len(levels)
    moves = np.bincount(
        (year_from * width + from_level) * width + to_level,
        minlength=len(years) * width * width,
    )
    seen = np.flatnonzero(moves)
    out = pd.DataFrame(
        {
            "year_from": years[seen // (width * width)],
            "from_level": levels[seen // width % width],
            "to_level": levels[seen % width],
            "count": moves[seen],
        }
    )
    out.insert(1, "year_to", out["year_from"] + 1)
    return frame(out, TRANSITION_COLUMNS)


def crosswalk() -> pd.DataFrame:
    """The rating crosswalk in use, as a table: scale, subject, rating, rank, tier.

    ``rank`` is the position within the year's scale (1 = best), ``tier`` the harmonised level
    across the 2017/2018 change of rules (1 = best). The shipped table is
    ``resources/crosswalk.csv``; a user's own replaces it through ``NGODONG_CROSSWALK``.

    Examples
    --------
    >>> nd.analysis.crosswalk().query("rating == 'TSVM'")[["scale", "rank", "tier"]]
         scale  rank  tier
    1  pre2018     1     2
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


CELL_QUOTA_COLUMNS = {
    "year": "int64",
    **dict.fromkeys(SCOPE, STRING),  # per committee, never two committees together
    **VERDICT_COLUMNS,
}


@expects("cell_ratings", "year", "rating")
def cell_quota_check(cell_ratings: pd.DataFrame) -> pd.DataFrame:
    """The cap on organisations rated HTXSNV, where a confirmed rule makes one.

    QĐ 124-QĐ/TW (Art. 12) caps the organisations rated HTXSNV at 20% of those rated HTTNV
    within each group of similar roles, for the 2023 and 2024 ratings; QĐ 132 made no such
    cap and QĐ 366's is unconfirmed (``resources/quota_rules.csv``). The package knows no
    grouping of roles, so a committee's cells are one group: an **assumption**.

    Parameters
    ----------
    cell_ratings : DataFrame
        The ``cell_ratings`` contract table.

    Returns
    -------
    DataFrame
        One row per year: ``year``, ``excellent`` and ``well`` (cells rated HTXSNV and
        HTTNV), ``share`` (excellent / well), and, in the years a confirmed rule covers,
        ``allowed`` (floor(cap × well)), ``ok``, ``rule`` and ``source``; NA otherwise.

    Examples
    --------
    >>> cell_quota_check(ds.cell_ratings)[["year", "excellent", "well", "ok"]]
       year  excellent  well    ok
    0  2015          0     7  <NA>
    1  2016          0     6  <NA>
    2  2017          0     7  <NA>
    3  2018          4     8  <NA>
    4  2019          5     7  <NA>
    """
    rating = cell_ratings["rating"].astype(object)
    by_year = pd.DataFrame(
        {
            "year": cell_ratings["year"].to_numpy(),
            **{col: cell_ratings[col].to_numpy() for col in SCOPE},
            "excellent": (rating == "HTXSNV").to_numpy(),
            "well": (rating == "HTTNV").to_numpy(),
        }
    )
    out = by_year.groupby(["year", *SCOPE], sort=True).sum().reset_index()
    out = quota_verdict(out, "organisations", np.ones(len(out), dtype=bool))
    return frame(out, CELL_QUOTA_COLUMNS)
