"""Helpers shared by the analysis modules: output frames, shipped tables, ratios, folding and
the quota's verdict. The group-bys they run on are :mod:`ngodong_analysis.grouping`'s."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Literal, TypeVar

import numpy as np
import pandas as pd

from ..config import resource_rows
from ..grouping import Grouping, int_codes, int_values
from ..schema import (
    COMMITTEE_ID,
    COUNT,
    MEMBER_RATING_CODES,
    SCOPE,
    STRING,
    require,
    with_scope,
)
from ..text import drop_leading_zeros
from ..text import fold as text_fold
from ..vocab import crosswalk

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
            require(data, table, [c for c in needed if c not in SCOPE], by=fn.__name__)
            return fn(with_scope(data), *args, **kwargs)

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


def resource_table(name: str) -> pd.DataFrame:
    """A table of ``ngodong_analysis/resources`` as text columns — the one in force, so a
    user's own of :data:`~ngodong_analysis.config.RESOURCE_OVERRIDES` replaces it (read once;
    a copy each call)."""
    return pd.DataFrame(resource_rows(name), dtype=str)


def member_ranks() -> dict[str, int]:
    """Member rating code → rank, from the crosswalk in force (the same under every scale)."""
    ranks: dict[str, int] = {}
    for (_, subject, code), (rank, _) in crosswalk().items():
        if subject == "member":
            ranks.setdefault(code, rank)
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
    table = resource_table("poverty_lines.csv") if lines is None else lines.copy()
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


def fold(text: object) -> str:
    """Matching skeleton of a name: :func:`ngodong_analysis.text.fold` without leading zeros
    in numbers ("Chi bộ Tổ dân phố số 02" → "chi bo to dan pho so 2"); "" for a missing one."""
    if text is None or text is pd.NA or (isinstance(text, float) and text != text):
        return ""
    return drop_leading_zeros(text_fold(str(text)))


def as_text(series: pd.Series) -> pd.Series:
    """``series.astype(STRING)``; a categorical's categories are converted, then taken by
    code, instead of converting every row through Python objects."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        text = series.cat.categories.astype(STRING).array
        code = series.cat.codes.to_numpy()
        return pd.Series(text.take(code, allow_fill=True), index=series.index, name=series.name)
    return series.astype(STRING)


VERDICT_COLUMNS = {
    "excellent": COUNT,
    "well": COUNT,
    "share": FLOAT,
    "allowed": COUNT,
    "ok": "boolean",
    "rule": STRING,
    "source": STRING,
}
"""The columns :func:`quota_verdict` gives, after the caller's key columns."""


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
    # the rule looked up once per year, not per row (a nation has 100,000 committee-years)
    by_year = {y: quota_rule(subject, y) for y in {int(y) for y in out["year"][judged]}}
    rules = [by_year[int(y)] if j else None for y, j in zip(out["year"], judged, strict=True)]
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


def per_committee(fn: F) -> F:
    """Run a committee-wide function once per committee and say whose each row is.

    The totals, mixes and shares of a committee are never added to another's: the function
    sees one committee's rows at a time (and, of any other table it is given, the same
    committee's rows), and its result gains ``committee_id`` after ``year``, rows sorted by
    year, then committee. On one committee it runs once, as before."""

    @functools.wraps(fn)
    def run(data, *args, **kwargs):
        data = with_scope(data)
        parts_of = _by_committee(data)
        if len(parts_of) <= 1:
            only = next(iter(parts_of), None)
            return _with_committee(fn(data, *args, **kwargs), only)
        # every other table given is split once too, not masked once per committee: at
        # national scale there are ten thousand committees
        split_args = [_by_committee(a) if _scoped(a) else None for a in args]
        split_kwargs = {k: _by_committee(v) for k, v in kwargs.items() if _scoped(v)}
        parts = []
        for cid, mine in parts_of.items():
            part_args = [
                a if s is None else s.get(cid, a.iloc[:0])
                for a, s in zip(args, split_args, strict=True)
            ]
            part_kwargs = {
                k: split_kwargs[k].get(cid, v.iloc[:0]) if k in split_kwargs else v
                for k, v in kwargs.items()
            }
            parts.append(_with_committee(fn(mine, *part_args, **part_kwargs), cid))
        out = pd.concat(parts, ignore_index=True)
        if "year" in out.columns:
            out = out.sort_values(["year", COMMITTEE_ID], kind="stable", ignore_index=True)
        return out

    return run  # type: ignore[return-value]


def _scoped(value: object) -> bool:
    return isinstance(value, pd.DataFrame) and COMMITTEE_ID in value.columns


def _by_committee(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """``frame``'s rows per committee id, each in the frame's own order (one stable sort,
    not a mask per committee)."""
    codes, values = pd.factorize(frame[COMMITTEE_ID], sort=True)
    if len(values) <= 1:
        return {str(values[0]): frame} if len(values) else {}
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(values) + 1))
    return {str(cid): frame.iloc[order[bounds[i] : bounds[i + 1]]] for i, cid in enumerate(values)}


def _with_committee(out: pd.DataFrame, cid: str | None) -> pd.DataFrame:
    """``out`` with a ``committee_id`` column after ``year`` (first without one)."""
    if COMMITTEE_ID in out.columns:
        if cid is not None and out[COMMITTEE_ID].isna().any():
            out[COMMITTEE_ID] = out[COMMITTEE_ID].fillna(cid).astype(STRING)
        return out
    at = 1 if len(out.columns) and out.columns[0] == "year" else 0
    out.insert(at, COMMITTEE_ID, pd.array([cid] * len(out), dtype=STRING))
    return out
