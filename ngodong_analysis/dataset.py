"""The ``Dataset``: every tidy table of one loading pass, plus the warnings kept."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .problems import Problem, ProblemList
from .schema import AREA_KEY, CELL_KEY, TABLES, conform, empty

TABLE_NAMES = (
    "committees",
    "cells",
    "cell_ratings",
    "committee_ratings",
    "rating_counts",
    "members",
    "member_ratings",
    "income",
)


@dataclass
class Dataset:
    """Tidy tables of any number of committees' data, one attribute per table.

    Each table has the columns, key and dtypes of its contract: the README's "Tables" section
    lists them, ``ngodong_analysis.schema.TABLES[name]`` holds them in code, and
    ``docs/input-contract.md`` says which workbook headers fill each column. A table with no
    source data is an empty frame with the contract's columns. ``problems`` holds the
    warnings kept while loading (errors stop the load with :class:`DataError`)."""

    committees: pd.DataFrame = field(default_factory=lambda: empty("committees"))
    cells: pd.DataFrame = field(default_factory=lambda: empty("cells"))
    cell_ratings: pd.DataFrame = field(default_factory=lambda: empty("cell_ratings"))
    committee_ratings: pd.DataFrame = field(default_factory=lambda: empty("committee_ratings"))
    rating_counts: pd.DataFrame = field(default_factory=lambda: empty("rating_counts"))
    members: pd.DataFrame = field(default_factory=lambda: empty("members"))
    member_ratings: pd.DataFrame = field(default_factory=lambda: empty("member_ratings"))
    income: pd.DataFrame = field(default_factory=lambda: empty("income"))
    problems: list[Problem] = field(default_factory=ProblemList)

    def __post_init__(self) -> None:
        self.problems = ProblemList(self.problems)
        for name in TABLE_NAMES:
            setattr(self, name, conform(getattr(self, name), name))

    @classmethod
    def conformed(cls, tables: dict[str, pd.DataFrame], problems: list[Problem]) -> Dataset:
        """A Dataset of tables already sorted by key (the loader's, the build's Parquet):
        a table whose columns and dtypes are the contract's is taken as it is; any other is
        conformed as usual. Skips re-sorting millions of rows that are in order already."""
        ds = cls.__new__(cls)
        for name in TABLE_NAMES:
            df = tables[name]
            contract = TABLES[name].columns
            head = df.dtypes.iloc[: len(contract)]
            fits = list(head.index) == list(contract) and all(
                have == want for have, want in zip(head, contract.values(), strict=True)
            )
            setattr(ds, name, df if fits else conform(df, name))
        ds.problems = ProblemList(problems)
        return ds

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables by name, in contract order."""
        return {name: getattr(self, name) for name in TABLE_NAMES}

    @property
    def years(self) -> list[int]:
        """Every year that appears in any table, sorted."""
        years: set[int] = set()
        for df in self.tables().values():
            if "year" in df.columns:
                years.update(int(y) for y in df["year"].unique())
        return sorted(years)

    def __repr__(self) -> str:
        sizes = ", ".join(f"{n}={len(df)}" for n, df in self.tables().items())
        return f"Dataset({sizes}, problems={len(self.problems)})"

    def describe(self) -> pd.DataFrame:
        """One row per table: rows, first and last year, committees and cells (or areas)."""
        rows = []
        for name, df in self.tables().items():
            years = df["year"].dropna() if "year" in df.columns else pd.Series(dtype=int)
            # the cells or areas a table is about, by their whole key (scope included)
            ent = TABLES[name].entity
            places = len(df[list(ent)].drop_duplicates()) if ent in (CELL_KEY, AREA_KEY) else 0
            committees = df["committee_id"].nunique() if "committee_id" in df.columns else None
            rows.append(
                {
                    "table": name,
                    "rows": len(df),
                    "first_year": int(years.min()) if len(years) else pd.NA,
                    "last_year": int(years.max()) if len(years) else pd.NA,
                    "committees": committees if committees is not None else int(len(df) > 0),
                    "cells_or_areas": places,
                }
            )
        out = pd.DataFrame(rows)
        return out.astype({"first_year": "Int64", "last_year": "Int64"})

    def _repr_html_(self) -> str:
        """The summary Jupyter shows: each table's size and span, then the problems."""
        from html import escape

        span = f"{self.years[0]}–{self.years[-1]}" if self.years else "no years"
        parts = [
            f"<p><b>Dataset</b> · {escape(span)} · {len(self.problems)} problem(s) kept</p>",
            self.describe().astype(object).fillna("").to_html(index=False, escape=True),
        ]
        if self.problems:
            parts.append("<p><b>Problems by severity and rule</b></p>")
            parts.append(self.problems.summary().to_html(index=False, escape=True))
            parts.append(self.problems._repr_html_())
        return "\n".join(parts)


assert set(TABLE_NAMES) == set(TABLES)
