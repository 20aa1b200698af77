"""The one grouping engine (``ngodong_analysis.grouping``) against pandas' own sort and
group-by, on keys of one to three columns, with missing values, mixed case and a scope column
under which the same cell id ("tdp-2") belongs to two committees."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ngodong_analysis.grouping import (
    Grouping,
    groups,
    int_values,
    key_codes,
    key_order,
    key_runs,
    year_step_pairs,
)

NAMES = ["Tổ 1", "tổ 1", "Tổ 10", "Tổ 2", "Đội 3", "Zeta", "ấp 4", "a", ""]


def _random(seed: int, n: int = 500, dtype: object = "str") -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "year": rng.integers(2015, 2020, n),
            "committee_id": rng.choice(["giao-thuy", "ngo-dong", "hoanh-son"], n),
            "cell_id": pd.Series(rng.choice(NAMES, n), dtype=dtype),
            "rating": rng.choice(["HTXSNV", "HTTNV", None], n),
            "count": pd.array(rng.choice([1, 2, 3, None], n), dtype="Int64"),
            "v": np.arange(n),
        }
    )


KEYS = [
    ["year", "cell_id"],
    ["year", "cell_id", "rating"],
    ["cell_id"],
    ["year", "committee_id", "cell_id"],
]


@pytest.mark.parametrize("dtype", ["str", object, "category"])
@pytest.mark.parametrize("keys", KEYS, ids=lambda k: "+".join(k))
def test_key_order_sorts_like_sort_values_and_counts_shared_keys(dtype, keys):
    """combine() orders rows and finds shared keys from integer codes: the same order as a
    stable ``sort_values`` on the keys (missing values last), the same counts as grouping."""
    df = _random(3, dtype=dtype)
    sharing, order = key_order(df, keys)
    expected = df.sort_values(keys, kind="stable")
    assert df.take(order)["v"].tolist() == expected["v"].tolist()
    counts = df.groupby(keys, dropna=False, observed=True)["v"].transform("size")
    assert sharing.tolist() == counts.tolist()


@pytest.mark.parametrize("keys", KEYS, ids=lambda k: "+".join(k))
def test_groups_sum_like_a_sorted_group_by(keys):
    df = _random(5)
    g = groups(df, keys)
    grouping = Grouping(g.ids, g.size)
    sums = grouping.sum(*int_values(df["count"]))[g.present]
    first = grouping.first(np.ones(len(df), dtype=bool))[g.present]
    expected = df.groupby(keys, sort=True)["count"].sum(min_count=1)  # NA keys dropped
    got = df[keys].take(first)
    assert [tuple(r) for r in got.itertuples(index=False)] == list(
        expected.index if len(keys) > 1 else [(k,) for k in expected.index]
    )
    assert sums.tolist() == expected.tolist()


def test_the_same_cell_id_in_two_committees_is_two_groups():
    df = pd.DataFrame(
        {
            "year": [2019, 2019, 2019],
            "committee_id": ["ngo-dong", "hoanh-son", "ngo-dong"],
            "cell_id": ["tdp-2", "tdp-2", "tdp-2"],
            "members": pd.array([30, 25, 1], dtype="Int64"),
        }
    )
    g = groups(df, ["year", "committee_id", "cell_id"])
    sums = Grouping(g.ids, g.size).sum(*int_values(df["members"]))[g.present]
    assert sums.tolist() == [25, 31]  # hoanh-son sorts first; ngo-dong's two rows add up
    assert len(np.unique(key_codes(df, ["year", "cell_id"])[0])) == 1  # without the scope: one


def test_a_row_missing_a_key_part_is_in_no_group():
    df = pd.DataFrame({"a": ["x", None, "x"], "b": [1, 1, 1]})
    codes, _ = key_codes(df, ["a", "b"])
    assert codes[1] == -1 and codes[0] == codes[2] >= 0
    last, _ = key_codes(df, ["a", "b"], missing_last=True)
    assert last[1] > last[0]  # sorts after every value, as sort_values puts NA


def test_key_runs_start_a_group_where_any_key_column_changes():
    df = pd.DataFrame(
        {
            "year": [2019, 2019, 2019, 2020],
            "committee_id": pd.Series(["a", "a", "b", "b"], dtype="category"),
            "cell_id": pd.array(["tdp-1", "tdp-2", "tdp-2", "tdp-2"], dtype="string"),
        }
    )
    assert key_runs(df, ["year", "committee_id", "cell_id"]).tolist() == [0, 1, 2, 3]
    assert key_runs(df, ["year"]).tolist() == [0, 0, 0, 1]


def test_key_codes_stay_exact_past_the_int64_range_of_a_plain_product():
    # five columns of 20,000 distinct values each: 3.2e21 combinations, beyond int64
    n = 20_000
    rng = np.random.default_rng(0)
    df = pd.DataFrame({f"k{i}": rng.permutation(n).astype(str) for i in range(5)})
    df = pd.concat([df, df.iloc[:10]], ignore_index=True)  # ten keys given twice
    sharing, order = key_order(df, list(df.columns))
    assert int((sharing == 2).sum()) == 20
    expected = df.sort_values(list(df.columns), kind="stable").index.to_numpy()
    assert (order == expected).all()


def test_year_step_pairs_pair_within_the_entity_only():
    table = pd.DataFrame(
        {
            "year": [2018, 2018, 2019, 2019],
            "committee_id": ["ngo-dong", "hoanh-son", "ngo-dong", "hoanh-son"],
            "cell_id": ["tdp-2", "tdp-2", "tdp-2", "tdp-2"],
        }
    )
    rows, before = year_step_pairs(table, np.arange(4), -1, ["committee_id", "cell_id"])
    assert sorted(zip(rows.tolist(), before.tolist(), strict=True)) == [(2, 0), (3, 1)]
    # a key given twice (without its scope) is left to the caller's join
    assert year_step_pairs(table, np.arange(4), -1, ["cell_id"]) is None


def test_key_positions_find_each_rows_key_or_minus_one():
    from ngodong_analysis.grouping import key_positions

    rows = pd.DataFrame(
        {
            "year": [2019, 2019, 2020, 2021, 2019],
            "committee_id": pd.Series(["xa-a", "xa-b", "xa-a", "xa-a", None], dtype="str"),
        }
    )
    keys = pd.DataFrame(
        {"year": [2020, 2019], "committee_id": pd.Series(["xa-a", "xa-b"], dtype="str")}
    )
    # 2019 xa-a and 2021 xa-a have no key row; a row missing a key part never matches
    assert key_positions(rows, keys).tolist() == [-1, 1, 0, -1, -1]
    assert key_positions(rows, keys.iloc[:0]).tolist() == [-1] * 5
