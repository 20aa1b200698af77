"""ngodong_analysis.analysis.compare: the committees side by side, funnel limits, quotas and the
change across 2017/2018.

Expected values are worked out by hand in the comments; the funnel's limits are checked against
the binomial distribution summed directly in exact fractions (no scipy).
"""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import pandas as pd
import pytest
from helpers import table

import ngodong_analysis as nd
from ngodong_analysis.analysis import (
    committee_quotas,
    compare_committees,
    funnel,
    quota_check,
    roll_up,
    tier_change,
)
from ngodong_analysis.analysis.compare import COMPARE_COLUMNS, QUOTA_COLUMNS
from ngodong_analysis.dataset import Dataset

NA = None
EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "examples" / "giao-thuy"


def _ds() -> Dataset:
    """Two communes whose cells share ids and names ("thon-1", "Chi bộ Thôn 1"); x ends in
    2019 and goes on in z."""
    tables = {
        "committees": table(
            "committees",
            "committee_id committee first_year last_year successor_id",
            [
                ("x", "Đảng bộ xã X", 2015, 2019, "z"),
                ("y", "Đảng bộ xã Y", 2015, NA, NA),
                ("z", "Đảng bộ xã Z", 2020, NA, NA),
            ],
        ),
        "cell_ratings": table(
            "cell_ratings",
            "year committee_id cell_id cell rating rank tier",
            [
                (2017, "x", "thon-1", "Chi bộ Thôn 1", "TSVM", 1, 2),
                (2017, "x", "thon-2", "Chi bộ Thôn 2", "HTTNV", 2, 3),
                (2018, "x", "thon-1", "Chi bộ Thôn 1", "HTXSNV", 1, 1),
                (2018, "x", "thon-2", "Chi bộ Thôn 2", "HTTNV", 2, 2),
                (2019, "x", "thon-1", "Chi bộ Thôn 1", "HTXSNV", 1, 1),
                (2019, "x", "thon-2", "Chi bộ Thôn 2", "HTTNV", 2, 2),
                (2019, "x", "thon-3", "Chi bộ Thôn 3", "KHTNV", 4, 4),
                (2019, "x", "thon-4", "Chi bộ Thôn 4", NA, NA, NA),  # not rated
                (2019, "y", "thon-1", "Chi bộ Thôn 1", "HTXSNV", 1, 1),
                (2019, "y", "thon-2", "Chi bộ Thôn 2", "HTXSNV", 1, 1),
                (2023, "y", "thon-1", "Chi bộ Thôn 1", "HTXSNV", 1, 1),
                *[(2023, "y", f"thon-{i}", f"CB Thôn {i}", "HTTNV", 2, 2) for i in range(2, 7)],
            ],
        ),
        "members": table(
            "members",
            "year committee_id cell_id cell members young admitted",
            [
                (2019, "x", "thon-1", "Chi bộ Thôn 1", 20, 5, 2),
                (2019, "x", "thon-2", "Chi bộ Thôn 2", 10, NA, 1),
                (2019, "y", "thon-1", "Chi bộ Thôn 1", 8, 2, NA),
                (2020, "y", "thon-1", "Chi bộ Thôn 1", 9, 2, 1),
                (2020, "z", "thon-1", "Chi bộ Thôn 1", 33, 6, 2),
            ],
        ),
        "member_ratings": table(
            "member_ratings",
            "year committee_id cell_id cell rating rank count",
            [
                (2019, "x", "thon-1", "Chi bộ Thôn 1", "HTXSNV", 1, 3),
                (2019, "x", "thon-1", "Chi bộ Thôn 1", "HTTNV", 2, 6),
                (2019, "x", "thon-2", "Chi bộ Thôn 2", "HTTNV", 2, 4),
                (2019, "x", "thon-2", "Chi bộ Thôn 2", "HTNV", 3, 2),
                (2019, "y", "thon-1", "Chi bộ Thôn 1", "HTXSNV", 1, 1),
                (2019, "y", "thon-1", "Chi bộ Thôn 1", "HTTNV", 2, 5),
            ],
        ),
        "income": table(
            "income",
            "year committee_id area_id area households population income_per_capita "
            "poor_households",
            [
                (2019, "x", "a", "Thôn 1", 30, 100, 40.0, 3),
                (2019, "x", "b", "Thôn 2", 90, 300, 60.0, NA),
                (2019, "y", "a", "Thôn 1", 50, 180, 30.0, 5),
            ],
        ),
    }
    return Dataset(**tables)


@pytest.fixture(scope="module")
def ds() -> Dataset:
    return _ds()


@pytest.fixture(scope="module")
def example() -> Dataset:
    return nd.load_dataset(EXAMPLE)


def _row(df: pd.DataFrame, year: int, cid: str) -> pd.Series:
    rows = df[(df["year"] == year) & (df["committee_id"] == cid)]
    assert len(rows) == 1
    return rows.iloc[0]


# --- compare_committees -------------------------------------------------------------------


def test_one_row_per_year_and_committee_with_the_documented_columns(ds):
    cc = compare_committees(ds)
    assert list(cc.columns) == list(COMPARE_COLUMNS)
    # years × committees found in any table: 2017–2019 x, 2019/2020/2023 y, 2020 z
    assert list(zip(cc["year"], cc["committee_id"], strict=True)) == [
        (2017, "x"),
        (2018, "x"),
        (2019, "x"),
        (2019, "y"),
        (2020, "y"),
        (2020, "z"),
        (2023, "y"),
    ]


def test_cells_by_tier_and_their_shares(ds):
    x, y = _row(compare_committees(ds), 2019, "x"), _row(compare_committees(ds), 2019, "y")
    # x 2019: tiers 1, 2, 4 and one unrated cell → 3 rated, 1 top, 1 bottom
    assert (x["cells_rated"], x["cells_top"], x["cells_bottom"]) == (3, 1, 1)
    assert x["top_share"] == pytest.approx(1 / 3)
    assert x["bottom_share"] == pytest.approx(1 / 3)
    # y 2019: both of its cells at tier 1 (y's thon-1 is not x's thon-1)
    assert (y["cells_rated"], y["cells_top"], y["top_share"]) == (2, 2, 1.0)
    assert x["committee"] == "Đảng bộ xã X"


def test_members_young_share_and_admissions_per_100(ds):
    cc = compare_committees(ds)
    x, y = _row(cc, 2019, "x"), _row(cc, 2019, "y")
    assert x["members"] == 30  # 20 + 10
    assert x["young_share"] == pytest.approx(5 / 20)  # thon-2's young unknown: left out
    assert x["admitted"] == 3
    assert x["admitted_per_100"] == pytest.approx(100 * 3 / 30)
    assert y["members"] == 8
    assert pd.isna(y["admitted"]) and pd.isna(y["admitted_per_100"])  # not reported
    # a year with members only has no cell figures
    assert pd.isna(_row(cc, 2020, "y")["cells_rated"])


def test_member_ratings_and_the_quota_of_the_rule_in_force(ds):
    cc = compare_committees(ds)
    x, y = _row(cc, 2019, "x"), _row(cc, 2019, "y")
    # x: 3 HTXSNV, 10 HTTNV, 2 HTNV → 15 rated; allowed floor(0.2 × 10) = 2 < 3: broken
    assert (x["members_rated"], x["members_excellent"], x["members_well"]) == (15, 3, 10)
    assert x["excellent_share"] == pytest.approx(3 / 15)
    assert (x["quota_allowed"], bool(x["quota_ok"]), x["quota_rule"]) == (2, False, "hd21-members")
    # y: 1 of 5 HTTNV → allowed 1: held
    assert (y["quota_allowed"], bool(y["quota_ok"])) == (1, True)
    # as quota_check's committee row says
    qc = quota_check(ds.member_ratings)
    allcells = qc[(qc["cell_id"] == "__all__") & (qc["year"] == 2019)].set_index("committee_id")
    assert allcells.loc["x", "allowed"] == 2 and not allcells.loc["x", "ok"]
    # 2017/2018 rows: no member ratings, no verdict; the organisations' cap only from 2023
    assert pd.isna(_row(cc, 2018, "x")["quota_ok"])
    assert pd.isna(x["cells_quota_ok"])
    y23 = _row(cc, 2023, "y")  # 1 HTXSNV of 5 HTTNV cells: floor(0.2 × 5) = 1
    assert bool(y23["cells_quota_ok"]) and y23["cells_quota_rule"] == "qd124-organisations"


def test_income_per_capita_is_weighted_by_population_and_poverty_over_both_counts(ds):
    x = _row(compare_committees(ds), 2019, "x")
    # (40 × 100 + 60 × 300) / 400 = 55, not the plain mean 50
    assert x["income_per_capita"] == pytest.approx(55.0)
    assert x["population"] == 400
    assert (x["households"], x["poor_households"]) == (120, 3)
    assert x["poor_share"] == pytest.approx(3 / 30)  # area b's poor unknown: left out


def test_an_empty_dataset_gives_the_documented_columns():
    cc = compare_committees(Dataset())
    assert cc.empty and list(cc.columns) == list(COMPARE_COLUMNS)
    q = committee_quotas(Dataset())
    assert q.empty and list(q.columns) == list(QUOTA_COLUMNS)
    assert tier_change(Dataset().cell_ratings).empty


def test_works_on_a_roll_up(ds):
    rolled = compare_committees(roll_up(ds, as_of=2020))
    # x's 2019 rows are z's now: z 2019 = x 2019
    z = _row(rolled, 2019, "z")
    assert (z["members"], z["cells_rated"], z["cells_top"]) == (30, 3, 1)
    assert z["committee"] == "Đảng bộ xã Z"
    assert "x" not in set(rolled["committee_id"])


def test_the_example_rolled_up_to_2025(example):
    rolled = compare_committees(roll_up(example, as_of=2025))
    # the README: Giao Thủy's predecessors had 535 + 322 + 294 = 1151 members in 2024
    assert _row(rolled, 2024, "giao-thuy")["members"] == 1151
    assert _row(rolled, 2025, "giao-thuy")["members"] == 1164
    assert set(rolled["committee_id"]) == {"giao-thuy", "giao-lac", "giao-xuan", "bach-long"}


# --- funnel ---------------------------------------------------------------------------------


def _quantile(n: int, p: Fraction, q: Fraction) -> int:
    """The smallest r with P(X ≤ r) ≥ q for X ~ Binomial(n, p), summing the pmf exactly."""
    total = Fraction(0)
    for r in range(n + 1):
        total += math.comb(n, r) * p**r * (1 - p) ** (n - r)
        if total >= q:
            return r
    return n


@pytest.mark.parametrize("limit", [0.95, 0.998])
def test_funnel_limits_match_the_binomial_summed_directly(limit):
    t = pd.DataFrame(
        {
            "year": 2024,
            "committee_id": ["small", "middle", "large"],
            "top": [5, 9, 100],
            "rated": [5, 50, 500],
        }
    )
    f = funnel(t, year=2024, numerator="top", denominator="rated").set_index("committee_id")
    pooled = Fraction(5 + 9 + 100, 5 + 50 + 500)
    assert f["pooled"].iloc[0] == pytest.approx(float(pooled))
    name = {0.95: "95", 0.998: "99_8"}[limit]
    tail = (1 - Fraction(limit).limit_denominator(10_000)) / 2
    for cid, n, count in (("small", 5, 5), ("middle", 50, 9), ("large", 500, 100)):
        lo, hi = _quantile(n, pooled, tail), _quantile(n, pooled, 1 - tail)
        assert f.loc[cid, f"lower_{name}"] == pytest.approx(lo / n), (cid, limit)
        assert f.loc[cid, f"upper_{name}"] == pytest.approx(hi / n), (cid, limit)
        expected = "above" if count > hi else "below" if count < lo else "within"
        assert f.loc[cid, f"flag_{name}"] == expected, (cid, limit)
    assert f.loc["small", "share"] == 1.0 and f.loc["large", "n"] == 500


def test_funnel_flags_by_hand():
    # pooled = (40 + 10 + 3) / (50 + 50 + 4) = 53/104 ≈ 0.51; 40 of 50 is far above, 10 of
    # 50 far below; 3 of 4 is a bigger share than 40 of 50 is not, but within: n is 4
    t = pd.DataFrame(
        {"year": 2024, "committee_id": ["a", "b", "c"], "k": [3, 10, 40], "n": [4, 50, 50]}
    )
    f = funnel(t, year=2024, numerator="k", denominator="n").set_index("committee_id")
    assert f.loc["c", "flag_99_8"] == "above" and f.loc["b", "flag_99_8"] == "below"
    assert f.loc["a", "flag_95"] == "within" and not f.loc["a", "outlier"]
    assert f.loc["a", "share"] == 0.75 and bool(f.loc["c", "outlier"])
    assert list(f.index) == ["b", "c", "a"]  # largest n first, then id


def test_funnel_leaves_out_unknown_and_zero_denominators_and_other_years():
    t = pd.DataFrame(
        {
            "year": [2024, 2024, 2024, 2023],
            "committee_id": ["a", "b", "c", "a"],
            "k": [1, NA, 0, 5],
            "n": [4, 5, 0, 5],
        }
    )
    f = funnel(t, year=2024, numerator="k", denominator="n")
    assert list(f["committee_id"]) == ["a"] and f["pooled"].iloc[0] == 0.25
    assert funnel(t, year=2030, numerator="k", denominator="n").empty
    with pytest.raises(ValueError, match="between 0 and 1"):
        funnel(t, year=2024, numerator="k", denominator="n", limits=(95,))


def test_the_example_has_one_clear_outlier_as_its_readme_says(example):
    cc = compare_committees(example)
    f = funnel(cc, year=2022, numerator="cells_top", denominator="cells_rated")
    flagged = f[f["outlier"].astype(bool)]
    assert list(flagged["committee_id"]) == ["giao-lac"]
    assert flagged["flag_99_8"].iloc[0] == "above"
    assert (flagged["count"].iloc[0], flagged["n"].iloc[0]) == (11, 12)
    assert f["pooled"].iloc[0] == pytest.approx(22 / 58)
    # and no committee is outside the 99.8% limits in any other year or measure
    for num, den in (
        ("cells_top", "cells_rated"),
        ("members_excellent", "members_rated"),
        ("poor_households", "households"),
    ):
        for year in sorted(set(cc["year"])):
            out = funnel(cc, year=year, numerator=num, denominator=den)
            if (year, num) != (2022, "cells_top"):
                assert not out["outlier"].astype(bool).any(), (year, num)


# --- quotas and the 2018 change --------------------------------------------------------------


def test_committee_quotas_name_the_rule_per_subject(ds):
    q = committee_quotas(ds)
    x = q[(q["year"] == 2019) & (q["committee_id"] == "x")].set_index("subject")
    assert x.loc["members", ["excellent", "well", "allowed"]].tolist() == [3, 10, 2]
    assert not x.loc["members", "ok"] and x.loc["members", "rule"] == "hd21-members"
    assert x.loc["members", "source"] == "HD 21-HD/BTCTW (2019)"
    # organisations: QĐ 132 (2018–2022) made no cap: a share, no verdict
    assert x.loc["organisations", "excellent"] == 1 and pd.isna(x.loc["organisations", "ok"])
    y23 = q[(q["year"] == 2023) & (q["committee_id"] == "y")].set_index("subject")
    assert y23.loc["organisations", ["excellent", "well", "allowed"]].tolist() == [1, 5, 1]
    assert y23.loc["organisations", "rule"] == "qd124-organisations"
    assert x.loc["members", "committee"] == "Đảng bộ xã X"


def test_tier_change_across_2017_2018(ds):
    t = tier_change(ds.cell_ratings, ds.committees).set_index("committee_id")
    # x 2017: tiers 2, 3 (TSVM, HTTNV); 2018: tiers 1, 2 → top 0 → 1/2, mean 2.5 → 1.5
    assert t.loc["x", "top_share_before"] == 0 and t.loc["x", "top_share_after"] == 0.5
    assert t.loc["x", "top_change_pts"] == pytest.approx(50.0)
    assert t.loc["x", "mean_tier_change"] == pytest.approx(-1.0)
    assert t.loc["x", ["cells_both", "cells_up", "cells_down"]].tolist() == [2, 2, 0]
    assert t.loc["x", "committee"] == "Đảng bộ xã X"
    assert list(t.index) == ["x"]  # y rated no cell in 2017 or 2018
