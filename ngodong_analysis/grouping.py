"""One grouping engine for the whole package: integer codes of key columns, and group-bys
over them that keep loading, checking and analysing fast on national tables (millions of rows).

A key column is factorised once, sorted (:func:`codes`, :func:`int_codes`); a key of any
number of columns is the combination of its columns' codes (:func:`key_codes`), numbered so
that comparing codes orders rows as ``sort_values(columns)`` does; groups are numbered
combinations (:func:`groups`), and sums, firsts and lasts are ``np.bincount``/``ufunc.at``
over those numbers (:class:`Grouping`). They give what the pandas group-by on the original
columns gives (missing keys dropped, ``min_count=1`` sums, first and last non-missing values)
without hashing or sorting millions of strings more than once.

Which columns form a key is never written here: callers pass ``schema.TABLES[name].key`` or
``.entity``, so a key that gains a column (the committee) is grouped by it everywhere.
"""

from __future__ import annotations

import weakref
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .schema import COUNT, SCOPE


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
    ``second`` (see :func:`groups` for keys given as columns)."""
    valid = (first >= 0) & (second >= 0)
    key = first.astype(np.int64)  # a copy, then updated in place: one allocation
    key *= second_size
    key += second
    if not valid.all():
        key[~valid] = -1
    return _numbered(key, first_size * second_size)


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


class YearGroups(NamedTuple):
    """Rows grouped by (year, *SCOPE): the ``grouping`` to reduce over, the groups present
    (``present``, in sorted order) and their keys as a MultiIndex (``index``)."""

    grouping: Grouping
    present: np.ndarray
    index: pd.MultiIndex
    ids: np.ndarray


def year_groups(df: pd.DataFrame) -> YearGroups:
    """``df``'s rows grouped by year and committee (``("year", *SCOPE)``), sorted: one
    grouping for every committee at once, never two committees added together."""
    keys = ["year", *SCOPE]
    g = groups(df, keys)
    grouping = Grouping(g.ids, g.size)
    first = grouping.first(np.ones(len(df), dtype=bool))[g.present]
    index = pd.MultiIndex.from_frame(
        df[keys].take(first).reset_index(drop=True).astype({c: "str" for c in SCOPE})
    )
    return YearGroups(grouping, g.present, index, g.ids)


def scoped_year_sums(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """``df.groupby(["year", *SCOPE])[columns].sum(min_count=1)`` for count columns, indexed
    by (year, committee): :func:`year_groups`."""
    yg = year_groups(df)
    out = pd.DataFrame(index=yg.index)
    for col in columns:
        out[col] = yg.grouping.sum(*int_values(df[col]))[yg.present]
    return out


def year_sums(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """``df.groupby("year")[columns].sum(min_count=1)`` for count columns, indexed by year.

    One committee's rows: the committee-wide functions run once per committee
    (``analysis._common.per_committee``), so that two committees are never added together.
    """
    year, years = int_codes(df["year"])
    by_year = Grouping(year, len(years))
    out = pd.DataFrame(index=pd.Index(years, name="year"))
    for col in columns:
        out[col] = by_year.sum(*int_values(df[col]))
    return out


def take(series: pd.Series, positions: np.ndarray) -> pd.Series:
    """``series`` at ``positions`` (NA where a position is -1), with a fresh index."""
    missing = positions < 0
    picked = series.array.take(np.where(missing, -1, positions), allow_fill=True)
    return pd.Series(picked, name=series.name)


def year_step_pairs(
    table: pd.DataFrame, rows: np.ndarray, step: int, entity: list[str]
) -> tuple[np.ndarray, np.ndarray] | None:
    """Among ``rows`` (positions in ``table``, in order), those whose ``entity`` (the key
    without the year: ``schema.TABLES[name].entity``) also has a row ``step`` calendar years
    away, and that row: the pairs a join on ``entity`` and ``year + step`` gives, found by
    integer key. None when a (year, entity) key appears twice among ``rows`` or the years are
    not integers (the caller then joins, pairing duplicates)."""
    if not len(rows):
        return rows, rows
    year = table["year"].to_numpy()
    if year.dtype.kind not in "iu":
        return None
    cell, cells = key_codes(table, entity)
    cells += 1
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


# --- keys of any number of columns ------------------------------------------------------------

# Above this many combinations the running key is renumbered to the combinations present, so
# that multiplying in the next column cannot overflow int64.
_DENSE_LIMIT = 1 << 40


def column_codes(values: pd.Series) -> tuple[np.ndarray, int]:
    """Sorted codes of one key column (-1 where missing) and how many distinct values."""
    if values.dtype.kind in "iu":
        found, present = int_codes(values)
    else:
        found, present = codes(values)
    return found, len(present)


def key_codes(
    df: pd.DataFrame, columns: list[str] | tuple[str, ...], *, missing_last: bool = False
) -> tuple[np.ndarray, int]:
    """One integer per row for its combination of ``columns``, and the number of slots.

    Comparing the integers orders rows as ``df.sort_values(columns)`` does; equal integers are
    equal keys. A row missing any key part gets -1, or, with ``missing_last``, a code after
    every value of that column (as ``sort_values`` puts NA last, and a group-by with
    ``dropna=False`` keeps it)."""
    combined = np.zeros(len(df), dtype=np.int64)
    valid = np.ones(len(df), dtype=bool)
    span = 1
    for col in columns:
        found, size = column_codes(df[col])
        if missing_last:
            found = np.where(found < 0, size, found)
            size += 1
        else:
            valid &= found >= 0
        if span * size > _DENSE_LIMIT:  # renumber what is present before it can overflow
            present, combined = np.unique(combined, return_inverse=True)
            combined = combined.reshape(-1).astype(np.int64)
            span = len(present)
        combined = combined * size + found
        span *= max(size, 1)
    if not missing_last:
        combined[~valid] = -1
    return combined, span


def key_positions(rows: pd.DataFrame, keys: pd.DataFrame) -> np.ndarray:
    """For each row of ``rows``, the position of the row of ``keys`` (distinct rows) with the
    same values in ``keys``' columns, or -1: codes of both sides' keys and a binary search,
    no index of Python objects (a MultiIndex of the nation's members took ~600 MiB)."""
    if not len(keys):
        return np.full(len(rows), -1, dtype=np.intp)
    found, _ = key_codes(pd.concat([keys, rows], ignore_index=True), list(keys.columns))
    have, wanted = found[: len(keys)], found[len(keys) :]
    order = np.argsort(have, kind="stable")
    at = np.minimum(np.searchsorted(have[order], wanted), len(have) - 1)
    hit = (wanted >= 0) & (have[order][at] == wanted)
    return np.where(hit, order[at], -1)


def groups(df: pd.DataFrame, columns: list[str] | tuple[str, ...]) -> Groups:
    """Rows grouped by ``columns`` (any number; a missing part leaves the row out), the
    present groups in the order of a sorted group-by. ``Grouping(g.ids, g.size)`` reduces
    over them; ``Grouping.first`` gives each group's first row, from which its key values
    are taken."""
    key, span = key_codes(df, columns)
    return _numbered(key, span)


def _numbered(key: np.ndarray, span: int) -> Groups:
    """Groups of rows by an integer key of ``span`` slots (-1: no group). While every slot
    fits in a few times the rows, a group's id is its key (no renumbering pass); beyond
    that, ids are ranks among the keys present."""
    valid = key >= 0
    everywhere = bool(valid.all())
    if span <= max(4 * len(key), 1 << 20):
        rows = np.bincount(key if everywhere else key[valid], minlength=span)
        present = np.flatnonzero(rows)
        return Groups(key, span, present, present)
    keys, inverse = np.unique(key[valid], return_inverse=True)
    ids = np.full(len(key), -1, dtype=np.int64)
    ids[valid] = inverse.reshape(-1)
    return Groups(ids, len(keys), np.arange(len(keys)), keys)


def key_order(
    df: pd.DataFrame, columns: list[str] | tuple[str, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """(how many rows share each row's key, the stable order that sorts the rows by key):
    what ``duplicated(columns, keep=False)`` and ``sort_values(columns, kind="stable")``
    give (missing values last), from one factorisation of each column instead of hashing
    and sorting millions of strings once for each."""
    combined, span = key_codes(df, columns, missing_last=True)
    order = np.argsort(combined, kind="stable")
    if span <= 4 * len(df) + 1024:  # dense codes: count them directly
        shared = np.bincount(combined, minlength=span)[combined]
    else:
        _, inverse, counts = np.unique(combined, return_inverse=True, return_counts=True)
        shared = counts[inverse.reshape(-1)]
    return shared, order


def key_runs(table: pd.DataFrame, columns: list[str] | tuple[str, ...]) -> np.ndarray:
    """Group number of each row of a table sorted by ``columns``: a new group starts where
    any of them changes from the row before (neighbours compared, no hashing of ids)."""
    n = len(table)
    starts = np.ones(n, dtype=bool)
    if n > 1:
        changed = np.zeros(n - 1, dtype=bool)
        for col in columns:
            values = table[col]
            if isinstance(values.dtype, pd.CategoricalDtype):
                code = values.cat.codes.to_numpy()
                changed |= code[1:] != code[:-1]
            elif values.dtype.kind in "iu":
                v = values.to_numpy()
                changed |= v[1:] != v[:-1]
            else:
                text = pa.array(values.astype("string"), type=pa.large_string())
                changed |= pc.not_equal(text[1:], text[:-1]).to_numpy(zero_copy_only=False)
        starts[1:] = changed
    return np.cumsum(starts) - 1
