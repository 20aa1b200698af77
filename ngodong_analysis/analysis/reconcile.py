"""Check a dataset against the numbered figures of the source article.

The figures live in ``resources/article_figures.csv`` (id, claim, value, low, high, cell,
year_from, year_to, checkable …): data, so a corrected reading of the article is an edit
there. Each checkable id maps to one small check function in :data:`CHECKS`; a check reads
its cell or area, years and accepted range from the figure's row, computes the number with
the other analysis functions, and says whether it falls within ``[low, high]``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..schema import AREA_ID, CELL_ID, COMMITTEE_ID, STRING
from ..text import abbreviations, key
from ._common import fold, frame, resource_table
from .membership import member_flows, membership_totals, well_or_above_share
from .ratings import rating_mix

if TYPE_CHECKING:
    from ..dataset import Dataset

RECONCILE_COLUMNS = {
    "id": STRING,
    "claim": STRING,
    "expected": STRING,
    "computed": STRING,
    "status": STRING,
    "note": STRING,
}
PASS, FAIL, NO_DATA = "pass", "fail", "no data"
_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Figure:
    """One row of the figures table, parsed."""

    id: str
    claim: str
    value: str
    low: float | None
    high: float | None
    cell: str
    year_from: int
    year_to: int

    @classmethod
    def from_row(cls, row: pd.Series) -> Figure:
        def number(text: object) -> float | None:
            text = "" if pd.isna(text) else str(text).strip()
            return float(text) if text else None

        value = str(row["value"]).strip()
        low, high = number(row.get("low")), number(row.get("high"))
        if low is None and high is None and re.fullmatch(r"-?\d+(\.\d+)?", value):
            low = high = float(value)
        cell = row.get("cell")
        return cls(
            id=str(row["id"]).strip(),
            claim=str(row["claim"]),
            value=value,
            low=low,
            high=high,
            cell="" if pd.isna(cell) else str(cell),
            year_from=int(row["year_from"]),
            year_to=int(row["year_to"]),
        )

    @property
    def years(self) -> list[int]:
        return list(range(self.year_from, self.year_to + 1))

    @property
    def expected(self) -> str:
        if self.low is None or self.low == self.high:
            return self.value
        return f"{self.value} ({_fmt(self.low)}–{_fmt(self.high)})"

    def accepts(self, number: float) -> bool:
        low = -math.inf if self.low is None else self.low
        high = math.inf if self.high is None else self.high
        return low - _TOLERANCE <= number <= high + _TOLERANCE


@dataclass(frozen=True)
class Outcome:
    """What a check computed (None: nothing to compute from) and whether it agrees."""

    computed: object = None
    passed: bool = False
    note: str = ""


Check = Callable[["Dataset", Figure], Outcome]


def _fmt(number: object) -> str:
    if isinstance(number, float | int) and float(number).is_integer():
        return str(int(number))
    if isinstance(number, float):
        return f"{number:.10g}"
    return str(number)


def _span(years: list[int]) -> str:
    """ "2015–2019" for consecutive years, else "2015, 2017"."""
    if years and years == list(range(years[0], years[-1] + 1)) and len(years) > 1:
        return f"{years[0]}–{years[-1]}"
    return ", ".join(str(y) for y in years)


def _number(fig: Figure, value: object, note: str = "") -> Outcome:
    if value is None or pd.isna(value):
        return Outcome(note=note or "no value in the data")
    value = float(value)
    return Outcome(value, fig.accepts(value), note)


# --- finding the article's cell or area in the data ------------------------------------

_PREFIXES = ("chi bo ", "dang bo ")


@lru_cache(maxsize=500_000)
def _name_key(text: object) -> str:
    """Key on which the article's names meet the data's names and ids: folded, abbreviations
    expanded, "chi bộ" prefix and "số" before a number dropped ("Chi bộ tổ dân phố số 2",
    "CB TDP 02" and the id "tdp-2" all give "to dan pho 2")."""
    name = key(str(text)) if fold(text) else ""
    for prefix in _PREFIXES:
        name = name.removeprefix(prefix)
    return re.sub(r"\bso (?=\d)", "", name).strip()


def _name_keys(values: pd.Series) -> pa.Array:
    """:func:`_name_key` of many strings at once, with Arrow compute kernels (the national
    dataset has half a million distinct names and ids; a Python loop took minutes)."""
    arr = pa.array(values.astype(object).fillna("").astype(str).to_numpy(), type=pa.string())
    arr = pc.replace_substring(pc.replace_substring(arr, "đ", "d"), "Đ", "D")
    # the combining diacritics text.fold strips (U+0300–U+036F), not every mark: a variation
    # selector is punctuation to fold, and the two must agree
    arr = pc.replace_substring_regex(pc.utf8_normalize(arr, "NFD"), r"[\x{0300}-\x{036F}]+", "")
    arr = pc.utf8_trim_whitespace(
        pc.replace_substring_regex(pc.utf8_lower(arr), r"[^0-9a-z]+", " ")
    )
    arr = pc.utf8_trim(arr, " ")
    arr = pc.replace_substring_regex(arr, r"\b0+(\d)", r"\1")
    # abbreviations token by token: split, look each token up, join again
    tokens = pc.split_pattern(arr, " ")
    flat = pc.list_flatten(tokens)
    table = abbreviations()
    shorts = pa.array(list(table), type=pa.string())
    found = pc.index_in(flat, value_set=shorts)
    longs = pa.array(list(table.values()), type=pa.string())
    expanded = pc.if_else(pc.is_null(found), flat, pc.take(longs, pc.fill_null(found, 0)))
    offsets = (
        tokens.offsets if isinstance(tokens, pa.ListArray) else tokens.combine_chunks().offsets
    )
    arr = pc.binary_join(pa.ListArray.from_arrays(offsets, expanded), " ")
    arr = pc.replace_substring_regex(arr, r"^(?:chi bo )?(?:dang bo )?", "")
    arr = pc.replace_substring_regex(arr, r"\bso (\d)", r"\1")
    return pc.utf8_trim(arr, " ")


class _Names:
    """The ids and names of one kind (cells or areas) of a dataset, keyed once."""

    def __init__(self, names: pd.DataFrame) -> None:
        names = names.dropna(subset=["id"]).drop_duplicates().reset_index(drop=True)
        self.ids = names["id"].astype(object).to_numpy()
        self.name_keys = _name_keys(names["name"])
        self.id_keys = _name_keys(names["id"])

    def find(self, target: str) -> str | None:
        """The id whose name or id matches ``target`` (the first in sort order)."""
        if not target or not len(self.ids):
            return None
        key = _name_key(target)
        hit = pc.or_(pc.equal(self.name_keys, key), pc.equal(self.id_keys, key))
        hits = sorted(set(self.ids[hit.to_numpy(zero_copy_only=False)]))
        return hits[0] if hits else None


# the keyed names of the dataset being reconciled, built on first use, dropped afterwards
_INDEX: dict[tuple[int, str], _Names] | None = None


# The article describes one committee: its cells and areas are found by their ids alone.
def _names(ds: Dataset, kind: str) -> _Names:
    cached = _INDEX.get((id(ds), kind)) if _INDEX is not None else None
    if cached is not None:
        return cached
    if kind == "cell":
        tables = (ds.cells, ds.cell_ratings, ds.members, ds.member_ratings)
        parts = [
            t[[CELL_ID, "cell"]].drop_duplicates().set_axis(["id", "name"], axis=1) for t in tables
        ]
    else:
        parts = [ds.income[[AREA_ID, "area"]].set_axis(["id", "name"], axis=1)]
    found = _Names(pd.concat(parts, ignore_index=True))
    if _INDEX is not None:
        _INDEX[(id(ds), kind)] = found
    return found


def _cell_id(ds: Dataset, fig: Figure) -> str | None:
    return _names(ds, "cell").find(fig.cell)


def _area_id(ds: Dataset, fig: Figure) -> str | None:
    return _names(ds, "area").find(fig.cell)


def _in_window(df: pd.DataFrame, fig: Figure) -> pd.DataFrame:
    return df[df["year"].between(fig.year_from, fig.year_to)]


# --- the checks -------------------------------------------------------------------------


def _cell_top_years(ds: Dataset, fig: Figure) -> Outcome:
    """Years in the window in which the cell was at rank 1."""
    cell_id = _cell_id(ds, fig)
    ratings = _in_window(ds.cell_ratings, fig)
    ratings = ratings[ratings[CELL_ID] == cell_id].dropna(subset=["rank"])
    if ratings.empty:
        return Outcome(note=f"no rating of {fig.cell!r} in {fig.year_from}–{fig.year_to}")
    top = sorted(int(y) for y in ratings.loc[ratings["rank"] == 1, "year"])
    others = [y for y in fig.years if y not in top]
    note = f"cell {cell_id}, {_span(fig.years)}"
    if others:
        note += f"; not at rank 1 in {_span(others)}"
    return _number(fig, len(top), note)


def _last_year_value(table: str, column: str) -> Check:
    """``column`` of ``table`` (members: the figure's cell; income: its area) in the figure's
    last year."""
    entity, id_column, find_id = {
        "members": ("cell", CELL_ID, _cell_id),
        "income": ("area", AREA_ID, _area_id),
    }[table]

    def check(ds: Dataset, fig: Figure) -> Outcome:
        found = find_id(ds, fig)
        df = getattr(ds, table)
        rows = df[(df[id_column] == found) & (df["year"] == fig.year_to)]
        if rows.empty:
            return Outcome(note=f"no {table} row for {fig.cell!r} in {fig.year_to}")
        return _number(fig, rows[column].iloc[0], f"{entity} {found}, {fig.year_to}")

    return check


def _rated_per_year(ds: Dataset, fig: Figure) -> pd.Series:
    """Cells rated (any level) per year of the window; 0 for a window year without ratings."""
    mix = _in_window(rating_mix(ds.cell_ratings), fig)
    return mix.groupby("year")["count"].sum().reindex(fig.years, fill_value=0)


def _cells_rated_each_year(ds: Dataset, fig: Figure) -> Outcome:
    if _in_window(ds.cell_ratings, fig).empty:
        return Outcome(note=f"no cell ratings in {fig.year_from}–{fig.year_to}")
    per_year = _rated_per_year(ds, fig)
    computed = " ".join(str(int(n)) for n in per_year)
    passed = all(fig.accepts(float(n)) for n in per_year)
    return Outcome(computed, passed, f"cells rated per year {fig.year_from}–{fig.year_to}")


def _cells_at_rank(rank: int, *, mean: bool) -> Check:
    def check(ds: Dataset, fig: Figure) -> Outcome:
        mix = _in_window(rating_mix(ds.cell_ratings), fig)
        counts = mix.loc[mix["level"] == rank].set_index("year")["count"]
        if counts.empty:
            return Outcome(note=f"no cell ratings in {fig.year_from}–{fig.year_to}")
        per_year = ", ".join(f"{y}: {int(n)}" for y, n in counts.items())
        value = counts.mean() if mean else counts.sum()
        kind = "yearly mean" if mean else "total"
        return _number(fig, value, f"{kind} of cells at rank {rank} ({per_year})")

    return check


def _total_members(ds: Dataset, fig: Figure) -> Outcome:
    totals = membership_totals(ds.members).set_index("year")
    if fig.year_to not in totals.index:
        return Outcome(note=f"no members in {fig.year_to}")
    return _number(fig, totals.at[fig.year_to, "members"], f"all cells, {fig.year_to}")


def _member_rating(column: str) -> Check:
    """A column of :func:`well_or_above_share` in the figure's last year."""

    def check(ds: Dataset, fig: Figure) -> Outcome:
        shares = well_or_above_share(ds.member_ratings).set_index("year")
        if fig.year_to not in shares.index:
            return Outcome(note=f"no member ratings in {fig.year_to}")
        value, rated = shares.at[fig.year_to, column], shares.at[fig.year_to, "rated"]
        note = f"of the {rated} members rated in {fig.year_to} (exempt members excluded)"
        if column == "share" and not pd.isna(value):
            value = round(100 * float(value), 1)
            note = f"percent, rounded to 0.1, {note}"
        return _number(fig, value, note)

    return check


def _committee_ratings(ds: Dataset, fig: Figure) -> Outcome:
    ratings = _in_window(ds.committee_ratings, fig).dropna(subset=["rating"])
    if ratings.empty:
        return Outcome(note=f"no committee ratings in {fig.year_from}–{fig.year_to}")
    by_year = ratings.groupby("year")["rating"].first()
    codes = " ".join(str(by_year.get(y, "NA")) for y in fig.years)
    unit = ratings.sort_values(["year", "committee_id"])["committee"].iloc[0]
    return Outcome(codes, codes.split() == fig.value.split(), f"{unit}, {_span(fig.years)}")


def _flow_total(flow: str) -> Check:
    def check(ds: Dataset, fig: Figure) -> Outcome:
        flows = _in_window(member_flows(ds.members), fig)
        counts = flows.loc[flows["flow"] == flow, "count"]
        if counts.isna().all():
            return Outcome(note=f"no {flow} counts in {fig.year_from}–{fig.year_to}")
        years = sorted(int(y) for y in flows.loc[counts.dropna().index, "year"])
        return _number(fig, counts.sum(), f"sum of {flow} over {_span(years)}")

    return check


CHECKS: dict[str, Check] = {
    "F01": _cell_top_years,
    "F02": _last_year_value("members", "members"),
    "F03": _last_year_value("members", "young"),
    "F04": _last_year_value("income", "income_per_capita"),
    "F05": _last_year_value("income", "poor_households"),
    "F06": _last_year_value("income", "near_poor_households"),
    "F08": _cells_rated_each_year,
    "F09": _total_members,
    "F10": _cells_at_rank(1, mean=True),
    "F11": _cells_at_rank(2, mean=True),
    "F12": _cells_at_rank(4, mean=False),
    "F13": _member_rating("share"),
    "F14": _member_rating("excellent"),
    "F15": _committee_ratings,
    "F16": _flow_total("introduced"),
    "F17": _flow_total("admitted"),
    "F18": _flow_total("transferred_in"),
}
"""Figure id → check. Each check reads scope, years and range from the figure's row."""


def article_figures() -> pd.DataFrame:
    """The article's numbered figures as shipped (``resources/article_figures.csv``)."""
    return resource_table("article_figures.csv")


def article_source() -> dict[str, str]:
    """The source article and the committee it describes (``resources/article.csv``):
    ``committee``, ``aliases``, ``year_from``, ``year_to``, ``title``, ``published``, …"""
    table = resource_table("article.csv")
    return dict(zip(table["field"], table["value"].fillna(""), strict=True))


def article_applies(ds: Dataset) -> bool:
    """True when ``ds`` holds the article's committee in one of the article's years.

    The article's figures describe one committee (Ngô Đồng town, 2015–2019); on any other
    committee's data every check would read "no data" or, worse, compare another commune's
    "Chi bộ Tổ dân phố số 2" with the article's. The committee is recognised by its name as
    the data write it (the committees table, else the committee's own ratings), matched
    ignoring case and diacritics against the names in ``resources/article.csv``.

    Parameters
    ----------
    ds : Dataset
        A loaded dataset (its ``committee_ratings``, and its committees' names where the
        dataset has them).

    Returns
    -------
    bool
        Whether :func:`reconcile`'s checks describe these data.

    Examples
    --------
    >>> nd.analysis.article_applies(nd.load_dataset())
    True
    """
    source = article_source()
    wanted = [fold(source["committee"])]
    wanted += [fold(a) for a in source["aliases"].split(";") if a.strip()]
    first, last = int(source["year_from"]), int(source["year_to"])
    names: list[str] = []
    years: set[int] = set()
    for table, column in (("committees", "committee"), ("committee_ratings", "committee")):
        df = getattr(ds, table, None)
        if df is None or column not in df.columns or df.empty:
            continue
        names += [str(n) for n in df[column].dropna().unique()]
        if "year" in df.columns:
            years.update(int(y) for y in df["year"].dropna().unique())
    years = years or set(ds.years)
    named = any(f" {w} " in f" {fold(n)} " for n in names for w in wanted)
    return named and any(first <= y <= last for y in years)


def _article_rows(ds: Dataset) -> Dataset:
    """The rows of the article's committee when the dataset holds several (a district's
    folder): the figures describe Ngô Đồng's cells, not the district's. With none of that
    name, no rows (every check then says "no data")."""
    from .summary import _only

    ids = {
        str(c)
        for df in ds.tables().values()
        if COMMITTEE_ID in df
        for c in df[COMMITTEE_ID].dropna().unique()
    }
    if len(ids) <= 1:
        return ds
    source = article_source()
    wanted = [fold(source["committee"])]
    wanted += [fold(a) for a in source["aliases"].split(";") if a.strip()]
    named = ds.committees.dropna(subset=["committee"])
    mine = [
        cid
        for cid, name in zip(named[COMMITTEE_ID], named["committee"], strict=True)
        if any(f" {w} " in f" {fold(str(name))} " for w in wanted)
    ]
    return _only(ds, mine[0] if mine else "")


def reconcile(ds: Dataset, figures: pd.DataFrame | None = None) -> pd.DataFrame:
    """Compare the dataset with each checkable figure of the article.

    Parameters
    ----------
    ds : Dataset
        A loaded dataset.
    figures : DataFrame, optional
        Figures in the layout of ``resources/article_figures.csv``; by default that file.
        Rows whose ``checkable`` is not "yes" are skipped.

    Returns
    -------
    DataFrame
        ``id``, ``claim``, ``expected`` (the figure, with its accepted range when it is one),
        ``computed`` (from the data, as text), ``status`` ("pass", "fail", or "no data" when
        the data lack what the check needs or no check exists for the id), ``note`` (where
        the number came from: cell, year, denominator). One row per checkable figure, in the
        table's order.

    Examples
    --------
    >>> reconcile(nd.load_dataset()).query("status != 'pass'")
    Empty DataFrame
    ...
    """
    global _INDEX
    ds = _article_rows(ds)
    figures = article_figures() if figures is None else figures
    checkable = figures["checkable"].astype(str).str.strip().str.lower() == "yes"
    _INDEX = {}  # names are keyed once per reconcile, not once per figure
    try:
        rows = _outcomes(ds, figures[checkable])
    finally:
        _INDEX = None
    return frame(pd.DataFrame(rows, columns=list(RECONCILE_COLUMNS)), RECONCILE_COLUMNS)


def _outcomes(ds: Dataset, figures: pd.DataFrame) -> list[dict]:
    rows = []
    for _, row in figures.iterrows():
        fig = Figure.from_row(row)
        check = CHECKS.get(fig.id)
        outcome = check(ds, fig) if check else Outcome(note=f"no check defined for {fig.id}")
        if outcome.computed is None:
            status = NO_DATA
        else:
            status = PASS if outcome.passed else FAIL
        rows.append(
            {
                "id": fig.id,
                "claim": fig.claim,
                "expected": fig.expected,
                "computed": None if outcome.computed is None else _fmt(outcome.computed),
                "status": status,
                "note": outcome.note,
            }
        )
    return rows
