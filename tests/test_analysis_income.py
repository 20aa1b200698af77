"""ngodong_analysis.analysis.income: growth, CAGR, poverty and its breaks, income by rating.

Incomes are chosen so the growth is 10% a year (40 → 44 → … → 58.564 = 40 × 1.1⁴), which makes
the expected values easy to work out by hand.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import INCOME_CAGR_COLUMNS, one_committee, table

from ngodong_analysis.analysis import (
    income_cagr,
    income_growth,
    income_vs_rating,
    poverty,
    poverty_breaks,
)
from ngodong_analysis.analysis._common import frame
from ngodong_analysis.analysis.income import GROWTH_COLUMNS, INCOME_RATING_COLUMNS
from ngodong_analysis.schema import STRING, conform, empty

NA = None


@pytest.fixture
def income() -> pd.DataFrame:
    return table(
        "income",
        "year area_id area households income_per_capita poor_households near_poor_households",
        [
            (2015, "tdp-2", "Tổ dân phố số 2", 100, 40.0, 5, 10),
            (2016, "tdp-2", "Tổ dân phố số 2", 100, 44.0, 3, 8),
            (2019, "tdp-2", "Tổ dân phố số 2", 100, 58.564, 0, 6),
            (2015, "khu-b", "Khu B", 50, NA, 2, NA),
            (2016, "khu-b", "Khu B", NA, 30.0, 1, 2),
            (2019, "khu-b", "Khu B", 60, 39.93, 1, 3),
        ],
    )


# --- income_growth ----------------------------------------------------------------------------


def test_income_growth(income):
    out = income_growth(income)
    assert list(out.columns) == [
        "year",
        "committee_id",
        "area_id",
        "area",
        "income_per_capita",
        "growth_pct",
    ]
    assert out[["year", "area_id"]].values.tolist() == [
        [2015, "khu-b"],
        [2015, "tdp-2"],
        [2016, "khu-b"],
        [2016, "tdp-2"],
        [2019, "khu-b"],
        [2019, "tdp-2"],
    ]
    growth = out["growth_pct"].tolist()
    assert pd.isna(growth[0]) and pd.isna(growth[1])  # first year of each area
    assert pd.isna(growth[2])  # khu-b 2015 income is blank
    assert growth[3] == pytest.approx(10.0)  # 44 / 40
    # 2019 against 2016, the previous year present: 39.93 / 30 and 58.564 / 44 are both 1.331
    assert growth[4] == pytest.approx(33.1)
    assert growth[5] == pytest.approx(33.1)


# --- income_cagr ------------------------------------------------------------------------------


def test_income_cagr_whole_span(income):
    out = income_cagr(income)
    assert list(out.columns) == INCOME_CAGR_COLUMNS
    out = out.set_index("area_id")
    # tdp-2: 40 → 58.564 over 4 years = 1.1⁴ → 10%
    assert out.loc["tdp-2", ["start_year", "end_year"]].tolist() == [2015, 2019]
    assert out.at["tdp-2", "cagr"] == pytest.approx(0.1)
    # khu-b: 2015 blank, so 2016 (30) → 2019 (39.93) over 3 years = 1.1³ → 10%
    assert out.loc["khu-b", ["start_year", "end_year"]].tolist() == [2016, 2019]
    assert out.at["khu-b", "start_value"] == pytest.approx(30.0)
    assert out.at["khu-b", "cagr"] == pytest.approx(0.1)
    assert out.at["khu-b", "area"] == "Khu B"


def test_income_cagr_window(income):
    out = income_cagr(income, start=2016, end=2016).set_index("area_id")
    assert out["start_year"].tolist() == [2016, 2016]
    assert out["cagr"].isna().all()  # one year: no growth rate
    later = income_cagr(income, start=2016).set_index("area_id")
    assert later.at["tdp-2", "cagr"] == pytest.approx(0.1)  # 44 → 58.564 over 3 years


def test_income_cagr_zero_start_or_no_values():
    rows = table(
        "income",
        "year area_id income_per_capita",
        [(2015, "a", 0.0), (2017, "a", 5.0), (2015, "b", NA)],
    )
    out = income_cagr(rows).set_index("area_id")
    assert pd.isna(out.at["a", "cagr"])
    assert pd.isna(out.at["b", "start_year"])
    assert pd.isna(out.at["b", "cagr"])


# --- poverty ----------------------------------------------------------------------------------

POVERTY_COLUMNS = [
    "year",
    "committee_id",
    "households",
    "poor_households",
    "near_poor_households",
    "poor_rate",
    "near_poor_rate",
    "standard",
    "incomplete",
]


def test_poverty(income):
    out = poverty(income)
    assert list(out.columns) == POVERTY_COLUMNS
    assert out["year"].tolist() == [2015, 2016, 2019]
    # 2015: khu-b's near-poor cell is blank; 2016: its households
    assert out["incomplete"].tolist()[:2] == ["near_poor_households", "households"]
    assert out["households"].tolist() == [150, 100, 160]
    assert out["poor_households"].tolist() == [7, 4, 1]
    assert out["near_poor_households"].tolist() == [10, 10, 9]
    # 2015: (5 + 2) / 150; 2016: khu-b has no household count, so 3 / 100; 2019: 1 / 160
    assert out["poor_rate"].tolist() == pytest.approx([7 / 150, 0.03, 1 / 160])
    # 2015: khu-b near-poor blank, so 10 / 100; 2016: 8 / 100; 2019: 9 / 160
    assert out["near_poor_rate"].tolist() == pytest.approx([0.1, 0.08, 9 / 160])
    assert out["standard"].tolist() == ["2011-2015", "2016-2021", "2016-2021"]


def test_poverty_year_without_standard_and_custom_lines():
    rows = table("income", "year area_id poor_households", [(2040, "a", 1), (2020, "a", 2)])
    assert pd.isna(poverty(rows).set_index("year").at[2040, "standard"])
    lines = pd.DataFrame(
        {"standard": ["old", "new"], "first_year": [2000, 2020], "last_year": [2019, 2049]}
    )
    assert poverty(rows, lines=lines)["standard"].tolist() == ["new", "new"]


# --- poverty_breaks ---------------------------------------------------------------------------


def test_poverty_breaks():
    assert poverty_breaks(range(2015, 2020)) == [2015.5]
    assert poverty_breaks([2019, 2015]) == [2015.5]  # only the span matters
    assert poverty_breaks([2016, 2021]) == []
    assert poverty_breaks([2014, 2030]) == [2015.5, 2021.5, 2026.5]
    assert poverty_breaks([2019]) == []
    assert poverty_breaks([]) == []
    assert poverty_breaks(pd.Series([2015, 2016], dtype="int64")) == [2015.5]


def test_poverty_breaks_custom_lines_and_unknown_years():
    lines = pd.DataFrame(
        {"standard": ["A", "B"], "first_year": [2000, 2010], "last_year": [2009, 2020]}
    )
    assert poverty_breaks([2005, 2012], lines=lines) == [2009.5]
    # years outside every standard are no break
    assert poverty_breaks([1990, 2030], lines=lines) == [2009.5]


# --- income_vs_rating -------------------------------------------------------------------------


@pytest.fixture
def cell_ratings() -> pd.DataFrame:
    return table(
        "cell_ratings",
        "year cell_id cell rating scale rank tier",
        [
            (2016, "tdp-2", "Chi bộ Tổ dân phố số 2", "TSVM", "pre2018", 1, 2),
            (2019, "tdp-2", "Chi bộ Tổ dân phố số 2", "HTXSNV", "qd132", 1, 1),
            (2016, "cb-khu-b", "Chi bộ Khu B", "HTTNV", "pre2018", 2, 3),
            (2019, "cb-khu-b", "Chi bộ Khu B", "HTNV", "qd132", 3, 3),
            (2019, "truong", "Chi bộ Trường THCS", "HTXSNV", "qd132", 1, 1),
            (2019, "c-x", "Chi bộ X", "HTTNV", "qd132", 2, 2),
        ],
    )


@pytest.fixture
def cells() -> pd.DataFrame:
    return table(
        "cells",
        "cell_id cell kind area_id",
        [
            ("cb-khu-b", "Chi bộ Khu B", "residential", "khu-b"),
            ("truong", "Chi bộ Trường THCS", "school", "khu-b"),
        ],
    )


def test_income_vs_rating_through_registry(income, cell_ratings, cells):
    out = income_vs_rating(income, cell_ratings, cells)
    assert list(out.columns) == [
        "year",
        "committee_id",
        "cell_id",
        "cell",
        "area_id",
        "income_per_capita",
        "rating",
        "rank",
        "tier",
    ]
    # cb-khu-b → khu-b via the registry; tdp-2 (not in the registry) → its own id;
    # truong is a school; c-x has no income area.
    assert out[["year", "cell_id", "area_id"]].values.tolist() == [
        [2016, "cb-khu-b", "khu-b"],
        [2016, "tdp-2", "tdp-2"],
        [2019, "cb-khu-b", "khu-b"],
        [2019, "tdp-2", "tdp-2"],
    ]
    assert out["income_per_capita"].tolist() == pytest.approx([30.0, 44.0, 39.93, 58.564])
    assert out["rating"].astype(str).tolist() == ["HTTNV", "TSVM", "HTNV", "HTXSNV"]
    assert out["rank"].tolist() == [2, 1, 3, 1]
    assert out["tier"].tolist() == [3, 2, 3, 1]


def test_income_vs_rating_without_registry(income, cell_ratings):
    out = income_vs_rating(income, cell_ratings, empty("cells"))
    assert out[["year", "cell_id"]].values.tolist() == [[2016, "tdp-2"], [2019, "tdp-2"]]


def test_income_vs_rating_blank_income_kept_as_na(cell_ratings):
    rows = table("income", "year area_id income_per_capita", [(2016, "tdp-2", NA)])
    out = income_vs_rating(rows, cell_ratings, empty("cells"))
    assert len(out) == 1
    assert pd.isna(out.at[0, "income_per_capita"])


# --- empty input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("function", "columns"),
    [
        (
            income_growth,
            ["year", "committee_id", "area_id", "area", "income_per_capita", "growth_pct"],
        ),
        (income_cagr, INCOME_CAGR_COLUMNS),
        (poverty, POVERTY_COLUMNS),
    ],
)
def test_empty_input_gives_empty_frame_with_columns(function, columns):
    out = function(empty("income"))
    assert out.empty
    assert list(out.columns) == columns


def test_income_vs_rating_empty():
    out = income_vs_rating(empty("income"), empty("cell_ratings"), empty("cells"))
    assert out.empty
    assert "income_per_capita" in out.columns


# --- the integer-code paths against the pandas formulation they replaced ----------------------


@one_committee
def _reference_growth(income):
    df = income.sort_values(["area_id", "year"])
    previous = df.groupby("area_id")["income_per_capita"].shift()
    value, before = df["income_per_capita"].astype("Float64"), previous.astype("Float64")
    df = df.assign(growth_pct=100 * ((value / before.where(before != 0)).astype("Float64") - 1))
    return df.sort_values(["year", "area_id"])


@one_committee
def _reference_income_vs_rating(income, cell_ratings, cells):
    registry = cells.drop_duplicates("cell_id").set_index("cell_id")
    ratings = cell_ratings.dropna(subset=["rating", "rank", "tier"], how="all")
    kind = ratings["cell_id"].map(registry["kind"].astype(STRING)).astype(STRING)
    ratings = ratings[kind.isna() | (kind == "residential").fillna(False)]
    area = ratings["cell_id"].map(registry["area_id"].astype(STRING)).astype(STRING)
    ratings = ratings.assign(area_id=area.fillna(ratings["cell_id"]))
    joined = ratings.merge(
        income[["year", "area_id", "income_per_capita"]], on=["year", "area_id"]
    )
    return joined.sort_values(["year", "cell_id"])


def _random_income_tables(seed: int):
    """Random income, cell ratings and registry sharing ids: blanks, missing ids on every side,
    duplicate keys, cells of other kinds; shuffled for odd seeds."""
    rng = np.random.default_rng(seed)
    ids = [f"a{i}" for i in range(int(rng.integers(1, 6)))]
    years = range(2015, 2015 + int(rng.integers(1, 5)))

    def blank(values, share=0.15):
        values = pd.array(values, dtype=object)
        values[rng.random(len(values)) < share] = None
        return list(values)

    keys = [(y, a) for y in years for a in [*ids, "x"] if rng.random() < 0.75]
    if seed % 3 == 0:
        keys += keys[:2] + [(2015, None)]
    income = pd.DataFrame(
        {
            "year": [k[0] for k in keys],
            "area_id": [k[1] for k in keys],
            "area": blank([f"Tổ {k[1]}" for k in keys]),
            "income_per_capita": blank(np.round(rng.uniform(-1, 60, len(keys)), 1)),
        }
    )
    keys = [(y, c) for y in years for c in ids if rng.random() < 0.8]
    if seed % 4 == 1:
        keys += [(2015, None), (2016, None)]
    ratings = pd.DataFrame(
        {
            "year": [k[0] for k in keys],
            "cell_id": [k[1] for k in keys],
            "cell": blank([f"Chi bộ {k[1]}" for k in keys]),
            "rating": blank(rng.choice(["HTXSNV", "HTTNV", "TSVM"], len(keys)), 0.3),
            "rank": blank(rng.integers(1, 5, len(keys)), 0.3),
            "tier": blank(rng.integers(1, 5, len(keys)), 0.3),
        }
    )
    registered = list(rng.choice(ids, int(rng.integers(0, len(ids) + 2))))
    cells = pd.DataFrame({"cell_id": blank(registered, 0.1)})
    cells["kind"] = blank(rng.choice(["residential", "school"], len(cells)), 0.3)
    cells["area_id"] = blank(rng.choice([*ids, "x"], len(cells)), 0.3)
    tables = [
        conform(income, "income"),
        conform(ratings, "cell_ratings"),
        conform(cells, "cells"),
    ]
    if seed % 2:
        tables = [t.sample(frac=1, random_state=seed).reset_index(drop=True) for t in tables]
    return tables


@pytest.mark.parametrize("seed", range(40))
def test_income_functions_match_the_pandas_reference(seed):
    income, ratings, cells = _random_income_tables(seed)
    pd.testing.assert_frame_equal(
        income_growth(income), frame(_reference_growth(income), GROWTH_COLUMNS)
    )
    for registry in (cells, cells.iloc[:0]):
        pd.testing.assert_frame_equal(
            income_vs_rating(income, ratings, registry),
            frame(_reference_income_vs_rating(income, ratings, registry), INCOME_RATING_COLUMNS),
        )
