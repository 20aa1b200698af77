"""Income per capita by residential area, poor and near-poor households, income by rating.

Income is in million đồng per person per year (the contract's unit whatever the source's).
Rates are fractions 0–1; ``*_pct`` columns are percentages; ``cagr`` is a fraction per year.
Household counts jump where the national poverty standard changes (the lines are shipped in
``resources/poverty_lines.csv``, which a user can replace or pass as ``lines``).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..grouping import codes, key_codes, take, year_sums
from ..schema import AREA_ID, AREA_KEY, CELL_ID, CELL_KEY, COUNT, RATING, SCOPE, STRING, entity_of
from ._common import (
    FLOAT,
    expects,
    frame,
    paired_ratio,
    per_committee,
    ratio,
    standard_of,
)
from .completeness import incomplete_by_year

GROWTH_COLUMNS = {
    "year": "int64",
    **dict.fromkeys(AREA_KEY, STRING),
    "area": STRING,
    "income_per_capita": FLOAT,
    "growth_pct": FLOAT,
}
CAGR_COLUMNS = {
    **dict.fromkeys(AREA_KEY, STRING),
    "area": STRING,
    "start_year": COUNT,
    "end_year": COUNT,
    "start_value": FLOAT,
    "end_value": FLOAT,
    "cagr": FLOAT,
}
POVERTY_COLUMNS = {
    "year": "int64",
    **dict.fromkeys(SCOPE, STRING),
    "households": COUNT,
    "poor_households": COUNT,
    "near_poor_households": COUNT,
    "poor_rate": FLOAT,
    "near_poor_rate": FLOAT,
    "standard": STRING,
    "incomplete": STRING,
}
INCOME_RATING_COLUMNS = {
    "year": "int64",
    **dict.fromkeys(CELL_KEY, STRING),
    "cell": STRING,
    AREA_ID: STRING,
    "income_per_capita": FLOAT,
    "rating": RATING,
    "rank": COUNT,
    "tier": COUNT,
}


@expects("income", "year", *AREA_KEY, "income_per_capita")
def income_growth(income: pd.DataFrame) -> pd.DataFrame:
    """Income per capita per area and year, with the change on the area's previous year.

    Parameters
    ----------
    income : DataFrame
        The ``income`` contract table.

    Returns
    -------
    DataFrame
        ``year``, ``area_id``, ``area``, ``income_per_capita`` (million đồng per person per
        year), ``growth_pct`` (percent change on the previous year present for that area; NA
        for its first year or when either value is missing), in key order.

    Examples
    --------
    >>> i = conform(pd.DataFrame({"year": [2018, 2019], "area_id": "tdp-2",
    ...                           "income_per_capita": [50.0, 57.0]}), "income")
    >>> income_growth(i)["growth_pct"].round(1).tolist()
    [<NA>, 14.0]
    """
    area, areas = key_codes(income, entity_of("income"))
    area = np.where(area < 0, areas, area)  # sorted last, as sort_values puts NA
    year = income["year"].to_numpy()
    # In area then year order (ties in row order), each row's previous row of the same area.
    by_area = np.lexsort((year, area))
    sorted_area = area[by_area]
    same = (sorted_area[1:] == sorted_area[:-1]) & (sorted_area[1:] < areas)
    previous = np.full(len(area), -1, dtype=np.int64)
    previous[by_area[1:][same]] = by_area[:-1][same]
    df = income.reset_index(drop=True)
    before = take(df["income_per_capita"], previous)
    df = df.assign(growth_pct=100 * (ratio(df["income_per_capita"], before) - 1))
    return frame(df.take(np.lexsort((area, year))), GROWTH_COLUMNS)


@expects("income", "year", *AREA_KEY, "area", "income_per_capita")
def income_cagr(
    income: pd.DataFrame, *, start: int | None = None, end: int | None = None
) -> pd.DataFrame:
    """Compound annual growth of income per capita, per area.

    Parameters
    ----------
    income : DataFrame
        The ``income`` contract table.
    start, end : int, optional
        Window of years (inclusive); by default all years. Within it, each area uses its
        first and last year with a known income.

    Returns
    -------
    DataFrame
        ``area_id``, ``area``, ``start_year``, ``end_year``, ``start_value``, ``end_value``
        (million đồng per person per year), ``cagr`` = (end_value / start_value) ^ (1 /
        (end_year − start_year)) − 1 as a fraction per year; NA when the area has fewer than
        two years with values or a start value ≤ 0. One row per area seen in the window.

    Examples
    --------
    >>> i = conform(pd.DataFrame({"year": [2015, 2017], "area_id": "a",
    ...                           "income_per_capita": [40.0, 48.4]}), "income")
    >>> round(float(income_cagr(i)["cagr"].iloc[0]), 4)
    0.1
    """
    df = income
    if start is not None:
        df = df[df["year"] >= start]
    if end is not None:
        df = df[df["year"] <= end]
    area = entity_of("income")
    areas = df.sort_values("year").groupby(area)["area"].last()
    known = df.dropna(subset=["income_per_capita"]).sort_values("year")
    first = known.groupby(area)[["year", "income_per_capita"]].first()
    last = known.groupby(area)[["year", "income_per_capita"]].last()
    out = pd.DataFrame({"area": areas})
    out["start_year"] = first["year"]
    out["end_year"] = last["year"]
    out["start_value"] = first["income_per_capita"]
    out["end_value"] = last["income_per_capita"]
    span = (out["end_year"] - out["start_year"]).astype(FLOAT)
    growth = ratio(out["end_value"], out["start_value"])
    cagr = (growth ** (1 / span.where(span > 0)) - 1).astype(FLOAT)
    # Masked afterwards because 1 ** NA is 1 for pandas' nullable floats.
    out["cagr"] = cagr.where((span > 0) & (out["start_value"] > 0))
    return frame(out.reset_index(), CAGR_COLUMNS)


@expects("income", "year", "households", "poor_households", "near_poor_households")
@per_committee
def poverty(income: pd.DataFrame, *, lines: pd.DataFrame | None = None) -> pd.DataFrame:
    """Poor and near-poor households per year, with the poverty standard in force.

    Parameters
    ----------
    income : DataFrame
        The ``income`` contract table.
    lines : DataFrame, optional
        Poverty standards (``standard``, ``first_year``, ``last_year``); by default the shipped
        ``resources/poverty_lines.csv``.

    Returns
    -------
    DataFrame
        ``year``; ``households``, ``poor_households``, ``near_poor_households`` (sums over the
        areas that reported; NA if none did); ``poor_rate`` and ``near_poor_rate`` (fractions
        of households, over the areas reporting both counts); ``standard`` (the poverty
        standard's period, e.g. "2016-2021"; NA if none covers the year). Counts under two
        standards are not comparable: see :func:`poverty_breaks`. ``incomplete``: the counts
        whose sum leaves out an area listed that year (NA when none does).

    Examples
    --------
    >>> poverty(ds.income)[["year", "poor_households", "standard"]]
       year  poor_households   standard
    0  2015               74  2011-2015
    1  2016               49  2016-2021
    2  2017               33  2016-2021
    3  2018               21  2016-2021
    4  2019               12  2016-2021
    """
    out = year_sums(income, ["households", "poor_households", "near_poor_households"])
    out["poor_rate"] = paired_ratio(income, "year", "poor_households", "households")
    out["near_poor_rate"] = paired_ratio(income, "year", "near_poor_households", "households")
    out["incomplete"] = incomplete_by_year(
        income, ["households", "poor_households", "near_poor_households"]
    )
    out = out.reset_index()
    out["standard"] = standard_of(out["year"], lines)
    return frame(out, POVERTY_COLUMNS)


def poverty_breaks(years: Iterable[int], *, lines: pd.DataFrame | None = None) -> list[float]:
    """Positions on a year axis where the poverty standard changes within the span of ``years``.

    Parameters
    ----------
    years : iterable of int
        Years on the axis (only their minimum and maximum matter).
    lines : DataFrame, optional
        Poverty standards; by default the shipped table.

    Returns
    -------
    list of float
        ``y + 0.5`` for each year ``y`` in the span whose standard differs from that of
        ``y + 1`` (both known), ascending; empty for fewer than two years.

    Examples
    --------
    >>> poverty_breaks(range(2015, 2020))
    [2015.5]
    """
    span = sorted({int(y) for y in years})
    if len(span) < 2:
        return []
    axis = pd.Series(range(span[0], span[-1] + 1))
    standard = standard_of(axis, lines)
    following = standard.shift(-1)
    changes = standard.notna() & following.notna() & (standard != following)
    return [float(y) + 0.5 for y in axis[changes.fillna(False)]]


@expects("income", "year", *AREA_KEY, "income_per_capita")
def income_vs_rating(
    income: pd.DataFrame,
    cell_ratings: pd.DataFrame,
    cells: pd.DataFrame,
) -> pd.DataFrame:
    """Residential cells' ratings beside the income of their area, per year.

    A cell's area is ``cells.area_id`` from the registry; a cell without one (no registry, or
    a blank) is taken to share its id with its area (``cell_id == area_id``, as derived ids of
    "Chi bộ Tổ dân phố số 2" and "Tổ dân phố số 2" do). Cells the registry gives a kind other
    than residential are left out.

    Parameters
    ----------
    income, cell_ratings, cells : DataFrame
        The ``income``, ``cell_ratings`` and ``cells`` contract tables (``cells`` may be
        empty).

    Returns
    -------
    DataFrame
        ``year``, ``cell_id``, ``cell``, ``area_id``, ``income_per_capita`` (million đồng per
        person per year; NA if the area's row has none), ``rating``, ``rank``, ``tier``: one
        row per rated cell and year whose area has an income row that year, in key order.

    Examples
    --------
    >>> income_vs_rating(ds.income, ds.cell_ratings, ds.cells).groupby("rank")[
    ...     "income_per_capita"].mean().round(2)
    rank
    1    49.83
    2    51.45
    Name: income_per_capita, dtype: Float64
    """
    # The registry maps a cell's id to its area's within one scope (a committee's ids are its
    # own): the ids are joined as single columns here, so a scope of its own (the committee
    # dimension) must be joined on as well before this function may serve many committees.
    registry = cells.drop_duplicates(CELL_ID).set_index(CELL_ID)
    rated = cell_ratings[["rating", "rank", "tier"]].notna().any(axis=1).to_numpy()
    rows = np.flatnonzero(rated)
    # The registry is read once per distinct cell_id (a missing one is the last slot, which
    # also sorts last, as sort_values puts NA), not once per row.
    cell, cell_ids = codes(cell_ratings[CELL_ID])
    cell = np.where(cell[rows] < 0, len(cell_ids), cell[rows])
    ids = pd.concat(
        [pd.Series(cell_ids.array).astype(STRING), pd.Series([pd.NA], dtype=STRING)],
        ignore_index=True,
    )
    entry = registry.index.get_indexer(ids)
    kind = take(registry["kind"].astype(STRING), entry)
    residential = (kind.isna() | (kind == "residential").fillna(False)).to_numpy()
    area = take(registry[AREA_ID].astype(STRING), entry).fillna(ids)
    kept = rows[residential[cell]]
    cell = cell[residential[cell]]
    # Joined on integer codes of (year, area): each cell's area looked up among the income
    # table's areas (-2: none such; -1, a missing area, joins a missing area as in a merge).
    income_area, income_areas = codes(income[AREA_ID])
    area_code = income_areas.get_indexer(area)
    area_code[(area_code < 0) & area.notna().to_numpy()] = -2
    left = pd.DataFrame(
        {"year": cell_ratings["year"].to_numpy()[kept], "area": area_code[cell], "row": kept}
    )
    right = pd.DataFrame(
        {
            "year": income["year"].to_numpy(),
            "area": income_area,
            "income_row": np.arange(len(income)),
        }
    )
    pairs = left.merge(right, on=["year", "area"])
    row = pairs["row"].to_numpy()
    # Key order; ties in join order, as the stable sort_values on year and cell_id leaves them.
    cell_of_row = np.full(len(cell_ratings), len(cell_ids))
    cell_of_row[kept] = cell
    order = np.lexsort((cell_of_row[row], pairs["year"].to_numpy()))
    row, income_row = row[order], pairs["income_row"].to_numpy()[order]
    joined = cell_ratings.iloc[row].reset_index(drop=True)
    joined[AREA_ID] = area.array.take(cell_of_row[row])
    joined["income_per_capita"] = income["income_per_capita"].array.take(income_row)
    return frame(joined, INCOME_RATING_COLUMNS)
