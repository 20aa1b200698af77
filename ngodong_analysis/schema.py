"""The table contracts of DESIGN.md: columns, keys and dtypes of every tidy table.

Listed columns are required (extras are allowed and kept after them); a table with no source
data is an empty frame with these columns.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

RATING_CODES = ("TSVM_TB", "TSVM", "HTXSNV", "HTTNV", "HTNV", "YEU_KEM", "KHTNV")
MEMBER_RATING_CODES = ("HTXSNV", "HTTNV", "HTNV", "KHTNV")
SCALES = ("pre2018", "qd132", "qd124", "qd366")
KINDS = (
    "residential",
    "school",
    "police",
    "military",
    "health",
    "enterprise",
    "agency",
    "other",
)
# the committees table's kinds (DESIGN.md); committee_words.csv gives each unit word's
COMMITTEE_KINDS = (
    "commune",
    "ward",
    "town",
    "special zone",
    "agency",
    "enterprise",
    "armed forces",
    "other",
)

# The value columns of the members and income tables, in contract order.
MEMBER_FIELDS = (
    "members",
    "young",
    "female",
    "exempt",
    "admitted",
    "transferred_in",
    "transferred_out",
    "died",
    "removed",
    "introduced",
)
INCOME_FIELDS = (
    "households",
    "population",
    "income_per_capita",
    "poor_households",
    "near_poor_households",
)

STRING = pd.StringDtype()
COUNT = "Int64"
# A QĐ 366 score (from 2025) is out of 100 and may have decimals; blank for the years before,
# which had no scores.
SCORE = "Float64"
RATING = pd.CategoricalDtype(list(RATING_CODES), ordered=False)
SCALE = pd.CategoricalDtype(list(SCALES), ordered=True)
KIND = pd.CategoricalDtype(list(KINDS), ordered=False)
COMMITTEE_KIND = pd.CategoricalDtype(list(COMMITTEE_KINDS), ordered=False)
# text repeated down a long table; the categories are whatever occurs, sorted, so sorting by
# the column is sorting by the text
CELL_CODES = "category"


# Every key below is written from these names, and the rest of the package takes its keys
# from the tables (``TABLES[name].key``, ``.entity``), never by typing them: the committee
# dimension then changes keys here only.
#
# SCOPE: the columns that say whose cell or area an id is: the committee's. A dataset may
# hold any number of committees, and "tdp-2" is a cell of nearly every one.
COMMITTEE_ID = "committee_id"  # a committee's id ("thi-tran-ngo-dong")
SCOPE: tuple[str, ...] = (COMMITTEE_ID,)
# the committee of data that names none (and of a frame given without a committee_id)
UNNAMED_COMMITTEE = "unnamed"
CELL_ID = "cell_id"  # a cell's id, unique within its scope ("tdp-2")
AREA_ID = "area_id"  # a residential area's id, unique within its scope
CELL_KEY = (*SCOPE, CELL_ID)
AREA_KEY = (*SCOPE, AREA_ID)


@dataclass(frozen=True)
class Table:
    """A table's contract: ``key`` identifies a row, ``entity`` what the row is about (the
    key without its year and rating: the cell, the area, the committee), ``columns`` the
    contract's columns and dtypes in order."""

    name: str
    key: tuple[str, ...]
    columns: dict[str, object]  # column -> dtype, in contract order
    entity: tuple[str, ...] = ()

    @property
    def names(self) -> list[str]:
        return list(self.columns)


# A rating's columns, as the crosswalk reads it: its code, the year's scale, its position
# on that scale and its harmonised tier (cell and committee ratings, and counts by rating).
LEVEL_COLUMNS = {"rating": RATING, "scale": SCALE, "rank": COUNT, "tier": COUNT}

COMMITTEES = Table(
    "committees",
    (COMMITTEE_ID,),
    {
        COMMITTEE_ID: STRING,
        "committee": STRING,
        "kind": COMMITTEE_KIND,
        "parent": STRING,
        "province": STRING,
        "first_year": COUNT,
        "last_year": COUNT,
        "successor_id": STRING,
    },
    entity=(COMMITTEE_ID,),
)
CELLS = Table(
    "cells",
    CELL_KEY,
    {
        COMMITTEE_ID: STRING,
        "cell_id": STRING,
        "cell": STRING,
        "kind": KIND,
        "area_id": STRING,
        "first_year": COUNT,
        "last_year": COUNT,
        "successor_id": STRING,
    },
    entity=CELL_KEY,
)
CELL_RATINGS = Table(
    "cell_ratings",
    ("year", *CELL_KEY),
    {
        "year": "int64",
        COMMITTEE_ID: STRING,
        "cell_id": STRING,
        "cell": STRING,
        **LEVEL_COLUMNS,
        "score": SCORE,
    },
    entity=CELL_KEY,
)
COMMITTEE_RATINGS = Table(
    "committee_ratings",
    ("year", COMMITTEE_ID),
    {
        "year": "int64",
        COMMITTEE_ID: STRING,
        "committee": STRING,
        **LEVEL_COLUMNS,
        "score": SCORE,
    },
    entity=(COMMITTEE_ID,),
)
RATING_COUNTS = Table(
    # a compiled sheet's counts of cells by rating, one row per year and level ("Tổng số chi
    # bộ | TSVM | Trong đó: tiêu biểu | …"): each level's own count, nested counts undone
    "rating_counts",
    ("year", *SCOPE, "rating"),
    {
        "year": "int64",
        COMMITTEE_ID: STRING,
        **LEVEL_COLUMNS,
        "count": COUNT,
    },
    entity=SCOPE,
)
MEMBERS = Table(
    "members",
    ("year", *CELL_KEY),
    {
        "year": "int64",
        COMMITTEE_ID: STRING,
        "cell_id": STRING,
        "cell": STRING,
        **dict.fromkeys(MEMBER_FIELDS, COUNT),
    },
    entity=CELL_KEY,
)
MEMBER_RATINGS = Table(
    "member_ratings",
    ("year", *CELL_KEY, "rating"),
    {
        "year": "int64",
        # the long table repeats each cell four times a year: categories, not strings (at
        # national scale 10.7 million rows, a gigabyte of text otherwise)
        COMMITTEE_ID: CELL_CODES,
        "cell_id": CELL_CODES,
        "rating": RATING,
        "cell": CELL_CODES,
        "rank": COUNT,
        "count": COUNT,
    },
    entity=CELL_KEY,
)
INCOME = Table(
    "income",
    ("year", *AREA_KEY),
    {
        "year": "int64",
        COMMITTEE_ID: STRING,
        "area_id": STRING,
        "area": STRING,
        # counts, but for the income per person, in place
        **{**dict.fromkeys(INCOME_FIELDS, COUNT), "income_per_capita": "Float64"},
    },
    entity=AREA_KEY,
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        COMMITTEES,
        CELLS,
        CELL_RATINGS,
        COMMITTEE_RATINGS,
        RATING_COUNTS,
        MEMBERS,
        MEMBER_RATINGS,
        INCOME,
    )
}


def key_of(name: str) -> list[str]:
    """The key columns of table ``name``, in sort order."""
    return list(TABLES[name].key)


def entity_of(name: str) -> list[str]:
    """The columns naming what a row of table ``name`` is about (its key without year and
    rating): a cell's (scope, id), an area's, a committee's."""
    return list(TABLES[name].entity)


def with_scope(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with the SCOPE columns it lacks, as one unnamed committee: a frame built by
    hand, or kept from before the committee dimension, is one committee's."""
    missing = [c for c in SCOPE if c not in df.columns]
    if not missing:
        return df
    out = df.copy(deep=False)
    for col in missing:  # where it goes is conform's and frame()'s to say
        out[col] = pd.Series(UNNAMED_COMMITTEE, index=df.index, dtype=STRING)
    return out


def empty(name: str) -> pd.DataFrame:
    """An empty frame with the contract's columns and dtypes."""
    table = TABLES[name]
    return pd.DataFrame(
        {
            c: _text_categories(pd.Series(dtype="str")) if is_cell_codes(d) else pd.Series(dtype=d)
            for c, d in table.columns.items()
        }
    )


def is_cell_codes(dtype: object) -> bool:
    """The CELL_CODES marker (a CategoricalDtype compares equal to "category" too)."""
    return isinstance(dtype, str) and dtype == CELL_CODES


def _text_categories(series: pd.Series) -> pd.Series:
    """Text as a categorical with sorted ``str`` categories (what a Parquet round trip
    gives back, so a table read from the build equals the one loaded)."""
    if not isinstance(series.dtype, pd.CategoricalDtype):
        return series.astype("str").astype("category")
    if series.cat.categories.dtype != "str":
        series = series.cat.rename_categories(series.cat.categories.astype("str"))
    return series


class TableError(KeyError):
    """A frame lacks columns a contract table has: raised with the table expected, the
    columns missing and those the frame has. A ``KeyError``, as pandas' own would be."""

    def __str__(self) -> str:  # KeyError would print the message in quotes
        return str(self.args[0]) if self.args else ""


def require(df: object, name: str, columns: Iterable[str], *, by: str | None = None) -> None:
    """Raise :class:`TableError` unless ``df`` is a frame with ``columns`` of table ``name``.

    ``by`` names the function asking, so a call such as ``membership_totals(ds.cell_ratings)``
    reads "membership_totals expects the members table (ds.members) …"."""
    who = f"{by} expects" if by else "expected"
    if not isinstance(df, pd.DataFrame):
        raise TypeError(
            f"{who} the {name} table (ds.{name}), a DataFrame; got {type(df).__name__}"
        )
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise TableError(
            f"{who} the {name} table (ds.{name}): the frame given lacks column(s) "
            f"{', '.join(missing)}; it has {', '.join(map(str, df.columns)) or 'no columns'}"
        )


def conform(df: pd.DataFrame, name: str, *, sort: bool = True) -> pd.DataFrame:
    """Give ``df`` the contract's columns (missing ones as NA) and dtypes, sorted by key
    (``sort=False``: the caller guarantees the order, as for a melt of a sorted table).

    Extra columns are kept after the contract's. Raises ``KeyError`` naming the missing key
    columns, since a table without its key cannot be made tidy.
    """
    table = TABLES[name]
    if name != "committees":
        df = with_scope(df)
    missing_key = [k for k in table.key if k not in df.columns]
    if missing_key:
        raise KeyError(f"table {name!r} lacks key column(s) {missing_key}; has {list(df.columns)}")
    out = pd.DataFrame(index=df.index)
    for col, dtype in table.columns.items():
        if col in df.columns:
            series = df[col]
            if dtype == COUNT:
                series = pd.to_numeric(series, errors="raise").astype(COUNT)
            elif is_cell_codes(dtype):
                series = _text_categories(series)
            else:
                series = series.astype(dtype)
            out[col] = series
        else:
            out[col] = pd.Series(pd.NA, index=df.index).astype(dtype)
    for col in df.columns:
        if col not in out.columns:
            out[col] = df[col]
    if not sort:
        return out.reset_index(drop=True)
    return out.sort_values(list(table.key), kind="stable").reset_index(drop=True)
