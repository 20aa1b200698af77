"""Helpers shared by the analysis modules: output frames, shipped tables, ratios, folding, and
the integer-code group-bys that keep the functions fast on national tables (millions of rows).

The group-by helpers work on NumPy codes instead of string keys: a key column is factorised
once (``codes``, ``int_codes``), groups are numbered combinations of codes, and sums, firsts
and lasts are ``np.bincount``/``ufunc.at`` over those numbers. They give what the pandas
group-by on the original columns gives (missing keys dropped, ``min_count=1`` sums, first and
last non-missing values) without hashing or sorting millions of strings more than once.
"""

from __future__ import annotations

import functools
import re
import unicodedata
import weakref
from collections.abc import Callable
from functools import cache
from typing import Literal, NamedTuple, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..config import resource
from ..schema import COUNT, MEMBER_RATING_CODES, STRING, require

FLOAT = "Float64"
LEVELS = (1, 2, 3, 4)

Level = Literal["rank", "tier"]
F = TypeVar("F", bound=Callable)


def frame(data: pd.DataFrame | dict | None, columns: dict[str, object]) -> pd.DataFrame:
    """``data`` reduced to ``columns`` (in that order, with those dtypes), index reset.

    Every function returns through here, so an empty result still has the documented
    columns and dtypes.
    """
    df = pd.DataFrame(data)
    out = pd.DataFrame(index=df.index)
    for col, dtype in columns.items():
        series = df[col] if col in df.columns else pd.Series(pd.NA, index=df.index)
        if dtype in (COUNT, FLOAT) and series.dtype == object:
            series = pd.to_numeric(series)
        out[col] = series.astype(dtype)
    return out.reset_index(drop=True)


def expects(table: str, *columns: str, level: bool = False) -> Callable[[F], F]:
    """Check that the first argument of an analysis function is the contract table
    ``table`` with ``columns`` (and, with ``level``, the column its ``by`` option names):
    ``membership_totals(ds.cell_ratings)`` then says which table it wanted and what the
    frame lacked, not ``KeyError: 'members'`` from deep inside."""

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def checked(data, *args, **kwargs):
            needed = (*columns, level_column(kwargs.get("by", "rank"))) if level else columns
            require(data, table, needed, by=fn.__name__)
            return fn(data, *args, **kwargs)

        return checked  # type: ignore[return-value]

    return decorate


def level_column(by: str) -> str:
    """Validate the ``by`` option of the rating functions."""
    if by not in ("rank", "tier"):
        raise ValueError(f"by={by!r}: expected 'rank' (position in the year's scale) or 'tier'")
    return by


def ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """``numerator / denominator`` as Float64; NA where the denominator is missing or 0."""
    num = numerator.astype(FLOAT)
    den = denominator.astype(FLOAT)
    return (num / den.where(den != 0)).astype(FLOAT)


def paired_ratio(df: pd.DataFrame, by: str, num: str, den: str) -> pd.Series:
    """Per ``by`` group, sum(num) / sum(den) over the rows where both are known.

    A row reporting one count but not the other would bias the share, so it is left out.
    """
    if df[by].dtype.kind in "iu" and df[num].dtype == COUNT and df[den].dtype == COUNT:
        group, values = int_codes(df[by])
        grouping = Grouping(group, len(values))
        (n, n_known), (d, d_known) = int_values(df[num]), int_values(df[den])
        both = n_known & d_known
        sums = pd.DataFrame(
            {num: grouping.sum(n, both), den: grouping.sum(d, both)},
            index=pd.Index(values, name=by),
        )
        sums = sums[sums[num].notna().to_numpy()]  # groups with a row reporting both
        return ratio(sums[num], sums[den])
    both = df[[by, num, den]].dropna(subset=[num, den])
    sums = both.groupby(by)[[num, den]].sum()
    return ratio(sums[num], sums[den])


@cache
def _shipped(name: str) -> pd.DataFrame:
    return pd.read_csv(resource(name), dtype=str, keep_default_na=False, encoding="utf-8")


def shipped_table(name: str) -> pd.DataFrame:
    """A CSV shipped in ``ngodong_analysis/resources`` (read once; a copy each call)."""
    return _shipped(name).copy()


def member_ranks() -> dict[str, int]:
    """Member rating code → rank, from the shipped crosswalk (the same under every scale)."""
    cw = shipped_table("crosswalk.csv")
    cw = cw[cw["subject"] == "member"].drop_duplicates("rating")
    ranks = {code: int(rank) for code, rank in zip(cw["rating"], cw["rank"], strict=True)}
    for position, code in enumerate(MEMBER_RATING_CODES, start=1):
        ranks.setdefault(code, position)
    return ranks


def member_rank_values(member_ratings: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The ``rank`` column with gaps filled from the rating code through the crosswalk, as
    NumPy arrays: the ranks (int64, 0 where unknown) and whether each is known.

    A rank the table lacks is looked up once per distinct rating code (through the categorical
    codes when ``rating`` is categorical, as in the contract), never per row.
    """
    values, known = int_values(member_ratings["rank"])
    if known.all():  # the loader fills every rank: nothing to resolve
        return values, known
    rating = member_ratings["rating"]
    ranks = member_ranks()
    if isinstance(rating.dtype, pd.CategoricalDtype):
        found = rating.cat.codes.to_numpy()
        names = rating.cat.categories
    else:
        found, names = pd.factorize(rating)
    looked_up = [ranks.get(str(name)) for name in names]
    # One slot per distinct code plus a last one (index -1) for a missing rating.
    table = np.array([0 if r is None else r for r in looked_up] + [0], dtype=np.int64)
    table_known = np.array([r is not None for r in looked_up] + [False])
    fill = ~known
    values = values.copy()
    values[fill] = table[found[fill]]
    return values, known | table_known[np.where(fill, found, -1)]


def poverty_lines(lines: pd.DataFrame | None = None) -> pd.DataFrame:
    """The poverty-standard table (``standard``, ``first_year``, ``last_year`` …)."""
    table = shipped_table("poverty_lines.csv") if lines is None else lines.copy()
    table["first_year"] = pd.to_numeric(table["first_year"]).astype("int64")
    table["last_year"] = pd.to_numeric(table["last_year"]).astype("int64")
    table["standard"] = table["standard"].astype(STRING)
    return table


def standard_of(years: pd.Series, lines: pd.DataFrame | None = None) -> pd.Series:
    """The poverty standard in force for each year (NA where none covers it)."""
    table = poverty_lines(lines)
    out = pd.Series(pd.NA, index=years.index, dtype=STRING)
    # Later rows never override earlier ones: the first standard covering a year wins.
    for row in reversed(list(table.itertuples(index=False))):
        inside = (years >= row.first_year) & (years <= row.last_year)
        out = out.mask(inside, row.standard)
    return out


_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_LEADING_ZEROS = re.compile(r"\b0+(\d)")


def fold(text: object) -> str:
    """Matching skeleton of a name: lower case, no diacritics (đ → d), no punctuation,
    no leading zeros in numbers ("Chi bộ Tổ dân phố số 02" → "chi bo to dan pho so 2")."""
    if text is None or text is pd.NA or (isinstance(text, float) and text != text):
        return ""
    text = str(text).replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return _LEADING_ZEROS.sub(r"\1", _NON_ALNUM.sub(" ", bare).strip())


# --- integer-code group-bys -------------------------------------------------------------------


def int_values(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """A count column as NumPy: the values (int64, 0 where missing) and whether each is known."""
    if series.dtype != COUNT:
        series = series.astype(COUNT)
    known = series.notna().to_numpy()
    return series.to_numpy(dtype=np.int64, na_value=0), known


def codes(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes of ``values`` (-1 where missing) and the distinct values, sorted, so that
    comparing codes orders rows as comparing the values would (the order ``sort_values`` and a
    sorted group-by use). A categorical's own codes and categories are taken as they are.

    A large Arrow-backed column (the contract's string columns) is factorised once: its codes
    are kept, read-only, for as long as its Arrow data lives, keyed by that immutable object, so
    the several functions reading ``cell_ratings.cell_id`` share one factorisation. Changing
    the column replaces its Arrow data and so misses the cache.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        # Already coded: the categories, in their order (which is the order sorting and
        # group-bys use), unused ones included.
        return values.cat.codes.to_numpy().astype(np.int64), pd.Index(values.cat.categories)
    arrow = _arrow_data(values)
    if arrow is not None:
        hit = _CODES.get(id(arrow))
        if hit is not None and hit[0]() is arrow:
            return hit[1], hit[2]
    found, uniques = pd.factorize(values, sort=True)
    found, uniques = found.astype(np.int64, copy=False), pd.Index(uniques)
    if arrow is not None and len(found) >= _CACHE_FROM:
        found.flags.writeable = False
        key = id(arrow)
        _CODES[key] = (
            weakref.ref(arrow, lambda _, key=key: _CODES.pop(key, None)),
            found,
            uniques,
        )
        while len(_CODES) > _CACHE_SIZE:
            _CODES.pop(next(iter(_CODES)), None)
    return found, uniques


_CODES: dict[int, tuple[weakref.ref, np.ndarray, pd.Index]] = {}
_CACHE_SIZE = 6
_CACHE_FROM = 50_000


def _arrow_data(values: pd.Series) -> object | None:
    """The immutable Arrow data behind an Arrow-backed string column, else None."""
    array = values.array
    if not isinstance(values.dtype, pd.StringDtype) or not hasattr(array, "__arrow_array__"):
        return None
    try:
        return array.__arrow_array__()
    except (TypeError, ValueError, NotImplementedError):  # pragma: no cover - other storage
        return None


def int_codes(values: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes of an integer column such as ``year`` (0 = smallest value present, -1 where
    missing) and the values present, ascending.

    Integers spanning less than a few thousand values are numbered by subtraction, without
    hashing; anything else goes through :func:`pandas.factorize`.
    """
    y = values.to_numpy() if isinstance(values, pd.Series) else np.asarray(values)
    if y.dtype.kind in "iu" and len(y):
        low, high = int(y.min()), int(y.max())
        if high - low < 10_000:
            offset = y.astype(np.int64, copy=False) - low
            present = np.bincount(offset, minlength=high - low + 1) > 0
            if present.all():  # every value of the span: the offset is the code
                return offset, np.arange(low, high + 1, dtype=np.int64)
            renumber = np.cumsum(present) - 1
            return renumber[offset], np.flatnonzero(present) + low
    found, uniques = pd.factorize(values, sort=True)
    return found.astype(np.int64, copy=False), np.asarray(uniques)


class Groups(NamedTuple):
    """Rows numbered by group: ``ids`` (per row, -1 for none) index arrays of ``size`` slots,
    of which ``present`` are the groups with rows, in sorted group-by order, and ``keys`` their
    combined codes (``first * second_size + second``)."""

    ids: np.ndarray
    size: int
    present: np.ndarray
    keys: np.ndarray


def combine(first: np.ndarray, first_size: int, second: np.ndarray, second_size: int) -> Groups:
    """Group rows by the pair of codes (``first``, ``second``); -1 in either leaves the row out.

    The present groups come in the order of a sorted two-key group-by: by ``first``, then
    ``second``. While every possible pair fits in a few times the rows, a group's id is its
    pair's key (no renumbering pass); beyond that, ids are ranks among the keys present.
    """
    valid = (first >= 0) & (second >= 0)
    everywhere = bool(valid.all())
    key = first.astype(np.int64)  # a copy, then updated in place: one allocation
    key *= second_size
    key += second
    total = first_size * second_size
    if total <= max(4 * len(key), 1 << 20):
        ids = key if everywhere else np.where(valid, key, -1)
        rows = np.bincount(key if everywhere else key[valid], minlength=total)
        present = np.flatnonzero(rows)
        return Groups(ids, total, present, present)
    keys, inverse = np.unique(key[valid], return_inverse=True)
    ids = np.full(len(key), -1, dtype=np.int64)
    ids[valid] = inverse
    return Groups(ids, len(keys), np.arange(len(keys)), keys)


def sorted_runs(
    year: np.ndarray, ids: pd.Series
) -> tuple[np.ndarray, pd.api.extensions.ExtensionArray] | None:
    """Where each run of rows with the same (year, id) starts, and the run's id, when the rows
    are sorted by year, then id (the contract's key order) and no id is missing; else None.

    The runs are then the groups of a sorted group-by on the two columns, found by comparing
    neighbouring rows instead of hashing every id: the codes of a categorical (whose order is
    its categories', as in a group-by), or the text of Arrow-backed strings.
    """
    if ids.isna().any() or (year[1:] < year[:-1]).any():
        return None
    same_year = year[1:] == year[:-1]
    if isinstance(ids.dtype, pd.CategoricalDtype):
        code = ids.cat.codes.to_numpy()
        starts = _run_starts(same_year, code[1:] != code[:-1], len(year))
        later = code[starts[1:]] <= code[starts[:-1]]
        first = ids.array.take(starts)
    else:
        arrow = _arrow_data(ids)
        if arrow is None or not (
            pa.types.is_string(arrow.type) or pa.types.is_large_string(arrow.type)
        ):
            return None
        new_id = pc.not_equal(arrow[1:], arrow[:-1]).to_numpy(zero_copy_only=False)
        starts = _run_starts(same_year, new_id, len(year))
        first = ids.array.take(starts)
        runs = _arrow_data(pd.Series(first))
        later = pc.less_equal(runs[1:], runs[:-1]).to_numpy(zero_copy_only=False)
    # Sorted only if, within a year, each run's id comes after the previous run's (one
    # comparison per run, not per row; an id coming back after another fails it).
    if (later & same_year[starts[1:] - 1]).any():
        return None
    return starts, first


def _run_starts(same_year: np.ndarray, new_id: np.ndarray, rows: int) -> np.ndarray:
    starts = np.flatnonzero(~same_year | new_id) + 1
    return np.concatenate([np.zeros(min(rows, 1), dtype=np.int64), starts])


class Grouping:
    """Rows numbered by group: ``ids`` (per row; -1 for no group) index ``size`` slots.

    :meth:`sum`, :meth:`first` and :meth:`last` give, per slot, what a sorted pandas group-by
    gives per group. When the ids never decrease (a table in key order grouped by its first
    key, ``year``), each group is a slice and is reduced with ``ufunc.reduceat``; otherwise
    with ``np.bincount`` and ``ufunc.at``.
    """

    def __init__(self, ids: np.ndarray, size: int) -> None:
        self.ids = ids
        self.size = size
        self.rows = len(ids)
        self.starts: np.ndarray | None = None  # first row of each non-empty slice, if sorted
        self.filled = np.zeros(size, dtype=bool)  # slots with rows, if sorted
        if self.rows and _never_decreases(ids):
            starts = np.concatenate([[0], np.flatnonzero(ids[1:] != ids[:-1]) + 1])
            self.starts = starts[1:] if ids[0] < 0 else starts  # no slice for -1 rows
            self.filled[ids[self.starts]] = True
        self.grouped = bool(self.rows == 0 or ids.min() >= 0)  # every row in a group

    def sum(self, values: np.ndarray, known: np.ndarray) -> pd.arrays.IntegerArray:
        """Per slot, the sum of the known ``values``; NA for a slot without any (pandas'
        ``sum(min_count=1)``). ``np.bincount`` sums in float64, exact while no partial sum
        can reach 2**53 (checked)."""
        everywhere = bool(known.all())
        sums = np.zeros(self.size, dtype=np.int64)
        if self.starts is not None:
            seen = np.zeros(self.size, dtype=bool)
            if len(self.starts):
                kept = values if everywhere else np.where(known, values, 0)
                sums[self.filled] = np.add.reduceat(kept, self.starts)
                seen[self.filled] = (
                    True if everywhere else np.logical_or.reduceat(known, self.starts)
                )
            return pd.arrays.IntegerArray(sums, ~seen)
        bound = max(int(values.max()), -int(values.min())) * len(values) if len(values) else 0
        total = np.zeros(self.size)
        counted = np.zeros(self.size, dtype=np.int64)
        for chunk in self._chunks():
            ids, part = self.ids[chunk], values[chunk]
            if not (everywhere and self.grouped):
                use = known[chunk] & (ids >= 0)
                ids, part = ids[use], part[use]
            if bound < 2**53:
                total += np.bincount(ids, weights=part, minlength=self.size)
            else:  # pragma: no cover - beyond 9e15 persons
                np.add.at(sums, ids, part)
            counted += np.bincount(ids, minlength=self.size)
        if bound < 2**53:
            sums = total.astype(np.int64)
        return pd.arrays.IntegerArray(sums, counted == 0)

    def _chunks(self) -> list[slice]:
        """Row blocks small enough for their temporaries to stay in cache, when the slots
        are few (per-block results of ``size`` slots are then cheap to add up); else one."""
        if self.size > 1 << 16:
            return [slice(0, self.rows)]
        step = 1 << 18
        return [slice(start, start + step) for start in range(0, max(self.rows, 1), step)]

    def first(self, valid: np.ndarray) -> np.ndarray:
        """Per slot, the position of its first row where ``valid`` holds (-1 if none)."""
        out = np.full(self.size, -1, dtype=np.int64)
        everywhere = bool(valid.all())
        if self.starts is not None:
            if len(self.starts):
                if everywhere:
                    out[self.filled] = self.starts
                else:
                    position = np.where(valid, np.arange(self.rows), self.rows)
                    out[self.filled] = np.minimum.reduceat(position, self.starts)
                    out[out == self.rows] = -1
            return out
        out[:] = self.rows
        self._scatter_positions(np.minimum, out, valid, everywhere)
        out[out == self.rows] = -1
        return out

    def last(self, valid: np.ndarray) -> np.ndarray:
        """Per slot, the position of its last row where ``valid`` holds (-1 if none)."""
        out = np.full(self.size, -1, dtype=np.int64)
        if self.starts is not None:
            if len(self.starts):
                position = np.where(valid, np.arange(self.rows), -1)
                out[self.filled] = np.maximum.reduceat(position, self.starts)
            return out
        self._scatter_positions(np.maximum, out, valid, bool(valid.all()))
        return out

    def _scatter_positions(
        self, reduce: np.ufunc, out: np.ndarray, valid: np.ndarray, everywhere: bool
    ) -> None:
        """``reduce.at`` each valid row's position into its slot of ``out``, block by block
        (rows without a slot, id -1, are skipped)."""
        for chunk in self._chunks():
            ids, position = self.ids[chunk], np.arange(*chunk.indices(self.rows)[:2])
            if not (everywhere and self.grouped):
                use = valid[chunk] & (ids >= 0)
                ids, position = ids[use], position[use]
            reduce.at(out, ids, position)


def _never_decreases(ids: np.ndarray) -> bool:
    head = ids[:4096]  # most unsorted ids show it at once
    return not (head[1:] < head[:-1]).any() and not (ids[1:] < ids[:-1]).any()


def year_sums(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """``df.groupby("year")[columns].sum(min_count=1)`` for count columns, by year codes."""
    year, years = int_codes(df["year"])
    by_year = Grouping(year, len(years))
    out = pd.DataFrame(index=pd.Index(years, name="year"))
    for col in columns:
        out[col] = by_year.sum(*int_values(df[col]))
    return out


def as_text(series: pd.Series) -> pd.Series:
    """``series.astype(STRING)``; a categorical's categories are converted, then taken by
    code, instead of converting every row through Python objects."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        text = series.cat.categories.astype(STRING).array
        code = series.cat.codes.to_numpy()
        return pd.Series(text.take(code, allow_fill=True), index=series.index, name=series.name)
    return series.astype(STRING)


def take(series: pd.Series, positions: np.ndarray) -> pd.Series:
    """``series`` at ``positions`` (NA where a position is -1), with a fresh index."""
    missing = positions < 0
    picked = series.array.take(np.where(missing, -1, positions), allow_fill=True)
    return pd.Series(picked, name=series.name)


def year_step_pairs(
    table: pd.DataFrame, rows: np.ndarray, step: int
) -> tuple[np.ndarray, np.ndarray] | None:
    """Among ``rows`` (positions in ``table``, in order), those whose cell also has a row
    ``step`` calendar years away, and that row: the pairs a join on ``cell_id`` and
    ``year + step`` gives, found by integer key. None when a (year, cell) key appears twice
    among ``rows`` or the years are not integers (the caller then joins, pairing duplicates).
    """
    if not len(rows):
        return rows, rows
    year = table["year"].to_numpy()
    if year.dtype.kind not in "iu":
        return None
    cell, cell_ids = codes(table["cell_id"])
    cells = len(cell_ids) + 1
    cell = np.where(cell[rows] < 0, cells - 1, cell[rows])  # missing ids join each other
    offset = year[rows].astype(np.int64) - int(year[rows].min())
    span = int(offset.max()) + 1
    if span * cells > max(4 * len(rows), 1 << 22):
        return None
    key = offset * cells + cell
    slots = key_rows(key, np.ones(len(key), dtype=bool), span * cells)
    if slots is None:
        return None
    target = offset + step
    inside = (target >= 0) & (target < span)
    other = np.where(inside, slots[np.clip(key + step * cells, 0, span * cells - 1)], -1)
    found = np.flatnonzero(other >= 0)
    return rows[found], rows[other[found]]


def key_rows(keys: np.ndarray, valid: np.ndarray, size: int) -> np.ndarray | None:
    """A table of ``size`` slots holding, for each key in ``0 … size-1``, the row of the valid
    row with that key (-1 for none); None when two valid rows share a key (the caller then
    falls back to a join, which pairs duplicates)."""
    found = keys[valid]
    if len(found) and np.bincount(found, minlength=size).max() > 1:
        return None
    rows = np.full(size, -1, dtype=np.int64)
    rows[found] = np.flatnonzero(valid)
    return rows


def quota_verdict(
    out: pd.DataFrame, subject: str, judged: np.ndarray, limit: float | None = None
) -> pd.DataFrame:
    """``out`` (``year``, ``excellent``, ``well``) with the quota's columns: ``share``
    (excellent / well) on every row; ``allowed`` (floor(cap × well)), ``ok``, ``rule`` and
    ``source`` on the ``judged`` rows whose year a confirmed rule on ``subject`` covers
    (``resources/quota_rules.csv``), NA elsewhere. ``limit`` replaces the rule's cap."""
    from ..schema import COUNT, STRING
    from ..vocab import quota_rule

    out = out.copy()
    out["share"] = ratio(out["excellent"].astype(COUNT), out["well"].astype(COUNT))
    rules = [
        quota_rule(subject, int(y)) if j else None
        for y, j in zip(out["year"], judged, strict=True)
    ]
    covered = np.array([r is not None for r in rules], dtype=bool)
    cap = [limit if limit is not None else r.cap if r else 0.0 for r in rules]
    caps = np.array(cap, dtype=float)
    # rounded before the floor so 0.2 × 35 = 7.000000000000001 and 0.29 × 100 =
    # 28.999999999999996 give the allowances a person would compute
    allowed = np.floor(np.round(caps * out["well"].to_numpy(dtype=float), 9)).astype("int64")
    out["allowed"] = pd.array(allowed, dtype=COUNT)
    out.loc[~covered, "allowed"] = pd.NA
    ok = pd.array(out["excellent"].to_numpy() <= allowed, dtype="boolean")
    ok[~covered] = pd.NA
    out["ok"] = ok
    out["rule"] = pd.array([r.rule if r else None for r in rules], dtype=STRING)
    out["source"] = pd.array([r.source if r else None for r in rules], dtype=STRING)
    return out
