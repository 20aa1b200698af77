"""Helpers shared by the analysis modules: output frames, shipped tables, ratios, folding."""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import Literal

import pandas as pd

from ..config import resource
from ..schema import COUNT, MEMBER_RATING_CODES, STRING

FLOAT = "Float64"
LEVELS = (1, 2, 3, 4)

Level = Literal["rank", "tier"]


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


def resolved_member_rank(member_ratings: pd.DataFrame) -> pd.Series:
    """The ``rank`` column, with gaps filled from the rating code through the crosswalk."""
    rank = member_ratings["rank"].astype(COUNT)
    if not rank.isna().any():  # the loader fills every rank: nothing to resolve
        return rank
    rating = member_ratings["rating"]
    codes = pd.Series(pd.unique(rating.dropna()))
    table = dict(zip(codes, codes.astype(str).map(member_ranks()), strict=True))
    return rank.fillna(rating.map(table).astype(COUNT))


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
