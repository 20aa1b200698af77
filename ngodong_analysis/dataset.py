"""The ``Dataset``: every tidy table of one loading pass, plus the warnings kept."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .problems import Problem
from .schema import TABLES, conform, empty

TABLE_NAMES = ("cells", "cell_ratings", "committee_ratings", "members", "member_ratings", "income")


@dataclass
class Dataset:
    """Tidy tables of one committee's data, one attribute per table.

    Each table has the columns, key and dtypes of its contract: the README's "Tables" section
    lists them, ``ngodong_analysis.schema.TABLES[name]`` holds them in code, and
    ``docs/input-contract.md`` says which workbook headers fill each column. A table with no
    source data is an empty frame with the contract's columns. ``problems`` holds the
    warnings kept while loading (errors stop the load with :class:`DataError`)."""

    cells: pd.DataFrame = field(default_factory=lambda: empty("cells"))
    cell_ratings: pd.DataFrame = field(default_factory=lambda: empty("cell_ratings"))
    committee_ratings: pd.DataFrame = field(default_factory=lambda: empty("committee_ratings"))
    members: pd.DataFrame = field(default_factory=lambda: empty("members"))
    member_ratings: pd.DataFrame = field(default_factory=lambda: empty("member_ratings"))
    income: pd.DataFrame = field(default_factory=lambda: empty("income"))
    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
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
        ds.problems = list(problems)
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


assert set(TABLE_NAMES) == set(TABLES)
