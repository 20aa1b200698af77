"""ngodong_analysis.analysis.summary: one row per year across a Dataset's tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import table

from ngodong_analysis.analysis import yearly_summary
from ngodong_analysis.analysis._common import paired_ratio
from ngodong_analysis.dataset import Dataset
from ngodong_analysis.grouping import Grouping, year_sums

NA = None

COLUMNS = [
    "year",
    "committee_id",
    "cells_rated",
    "top_rated",
    "well_rated",
    "weak",
    "committee_rating",
    "committee_score",
    "members",
    "young_share",
    "admitted",
    "transferred_in",
    "introduced",
    "rated_members",
    "well_or_above_share",
    "excellent_members",
    "mean_income",
    "poor_households",
    "near_poor_households",
]


@pytest.fixture
def ds() -> Dataset:
    return Dataset(
        cell_ratings=table(
            "cell_ratings",
            "year cell_id rating rank",
            [
                (2018, "a", "HTXSNV", 1),
                (2018, "b", "HTTNV", 2),
                (2019, "a", "HTXSNV", 1),
                (2019, "b", "KHTNV", 4),
                (2019, "c", "HTTNV", 2),
            ],
        ),
        committee_ratings=table(
            "committee_ratings",
            "year unit rating rank",
            [(2018, "Đảng bộ thị trấn", "HTTNV", 2), (2019, "Đảng bộ thị trấn", "HTXSNV", 1)],
        ),
        members=table(
            "members",
            "year cell_id members young admitted transferred_in introduced",
            [(2019, "a", 10, 2, 1, 0, 2), (2019, "b", 5, 1, NA, 3, NA)],
        ),
        member_ratings=table(
            "member_ratings",
            "year cell_id rating count",
            [(2019, "a", "HTXSNV", 2), (2019, "a", "HTTNV", 5), (2019, "a", "HTNV", 1)],
        ),
        income=table(
            "income",
            "year area_id income_per_capita poor_households near_poor_households",
            [(2017, "p", 40.0, 2, 3), (2017, "q", 50.0, 1, NA)],
        ),
    )


def test_yearly_summary_columns_and_years(ds):
    out = yearly_summary(ds)
    assert list(out.columns) == COLUMNS
    assert out["year"].tolist() == [2017, 2018, 2019]


def test_yearly_summary_values(ds):
    out = yearly_summary(ds).set_index("year")
    # ratings: 2018 a1 b2; 2019 a1 b4 c2
    assert out.loc[[2018, 2019], "cells_rated"].tolist() == [2, 3]
    assert out.loc[[2018, 2019], "top_rated"].tolist() == [1, 1]
    assert out.loc[[2018, 2019], "well_rated"].tolist() == [1, 1]
    assert out.loc[[2018, 2019], "weak"].tolist() == [0, 1]
    assert out.loc[[2018, 2019], "committee_rating"].astype(str).tolist() == ["HTTNV", "HTXSNV"]
    # members 2019: 10 + 5, young (2 + 1) / 15; admitted 1 (b blank); in 0 + 3; introduced 2
    assert out.at[2019, "members"] == 15
    assert out.at[2019, "young_share"] == pytest.approx(0.2)
    assert out.at[2019, "admitted"] == 1
    assert out.at[2019, "transferred_in"] == 3
    assert out.at[2019, "introduced"] == 2
    # member ratings 2019: rated 8, rank ≤ 2: 7, excellent 2
    assert out.at[2019, "rated_members"] == 8
    assert out.at[2019, "well_or_above_share"] == pytest.approx(0.875)
    assert out.at[2019, "excellent_members"] == 2
    # income 2017: mean of 40 and 50; poor 2 + 1; near-poor 3 (q blank)
    assert out.at[2017, "mean_income"] == pytest.approx(45.0)
    assert out.at[2017, "poor_households"] == 3
    assert out.at[2017, "near_poor_households"] == 3


def test_yearly_summary_has_the_committees_score_where_its_year_has_one():
    committee = table(
        "committee_ratings",
        "year unit rating rank score",
        [
            (2024, "Đảng bộ xã A", "HTTNV", 2, NA),
            (2025, "Đảng bộ xã A", "HTTNV", 2, 86.5),
            (2026, "Đảng bộ xã A", "HTXSNV", 1, NA),
            (2026, "Đảng bộ xã B", "HTTNV", 2, 75),  # another unit's score is not A's
        ],
    )
    out = yearly_summary(Dataset(committee_ratings=committee)).set_index("year")
    assert str(out["committee_score"].dtype) == "Float64"
    assert out.at[2025, "committee_score"] == 86.5
    assert out.loc[[2024, 2026], "committee_score"].isna().all()
    assert out["committee_rating"].astype(str).tolist() == ["HTTNV", "HTTNV", "HTXSNV"]


def test_yearly_summary_na_where_a_table_lacks_the_year(ds):
    out = yearly_summary(ds).set_index("year")
    # 2017 has only income; 2018 has ratings but no members, member ratings or income.
    assert out.loc[2017, COLUMNS[2:16]].isna().all()
    assert out.loc[2018, ["members", "admitted", "rated_members", "mean_income"]].isna().all()
    assert out.loc[2019, ["mean_income", "poor_households"]].isna().all()


def test_yearly_summary_dtypes(ds):
    out = yearly_summary(ds)
    assert str(out["year"].dtype) == "int64"
    assert str(out["members"].dtype) == "Int64"
    assert str(out["young_share"].dtype) == "Float64"
    assert isinstance(out["committee_rating"].dtype, pd.CategoricalDtype)


def test_yearly_summary_empty_dataset():
    out = yearly_summary(Dataset())
    assert out.empty
    assert list(out.columns) == COLUMNS


# --- the year group-bys behind the summary ----------------------------------------------------


@pytest.mark.parametrize("seed", range(12))
def test_grouping_sorted_and_unsorted_agree_with_pandas(seed):
    rng = np.random.default_rng(seed)
    n, size = int(rng.integers(0, 60)), int(rng.integers(1, 6))
    ids = rng.integers(-1, size, n)
    values = rng.integers(-5, 20, n)
    known = rng.random(n) < 0.7
    series = pd.Series(pd.arrays.IntegerArray(values, ~known))
    expected_sum = series.groupby(ids).sum(min_count=1).reindex(range(size))
    position = pd.Series(np.arange(n)).where(known)
    expected_first = position.groupby(ids).first().reindex(range(size)).fillna(-1).astype(int)
    expected_last = position.groupby(ids).last().reindex(range(size)).fillna(-1).astype(int)
    order = np.argsort(ids, kind="stable")  # within a group, rows keep their order
    for rows in (np.arange(n), order):  # as given (unsorted), then sorted by group (slices)
        grouping = Grouping(ids[rows], size)
        assert grouping.starts is not None or rows is not order or not n
        got = pd.Series(grouping.sum(values[rows], known[rows]))
        pd.testing.assert_series_equal(got, expected_sum.reset_index(drop=True))
        back = np.append(rows, -1)  # a position among the rows given → the original row
        assert back[grouping.first(known[rows])].tolist() == expected_first.tolist()
        assert back[grouping.last(known[rows])].tolist() == expected_last.tolist()


def test_year_sums_and_paired_ratio_match_pandas(ds):
    members = ds.members.sample(frac=1, random_state=1)  # any row order
    pd.testing.assert_frame_equal(
        year_sums(members, ["members", "young"]),
        members.groupby("year")[["members", "young"]].sum(min_count=1),
    )
    both = members.dropna(subset=["young", "members"])
    sums = both.groupby("year")[["young", "members"]].sum()
    expected = (sums["young"].astype("Float64") / sums["members"].astype("Float64")).astype(
        "Float64"
    )
    pd.testing.assert_series_equal(paired_ratio(members, "year", "young", "members"), expected)
