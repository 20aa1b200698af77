"""ngodong_analysis.analysis.membership: totals, flows, the flow identity, rating shares, quota.

Expected values are worked out by hand in the comments next to each assertion.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from helpers import MEMBERSHIP_TOTALS_COLUMNS, one_committee, table

from ngodong_analysis.analysis import (
    flow_discrepancies,
    member_flows,
    member_rating_shares,
    membership_totals,
    quota_check,
    well_or_above_share,
)
from ngodong_analysis.analysis._common import frame
from ngodong_analysis.analysis.membership import (
    DISCREPANCY_COLUMNS,
    QUOTA_COLUMNS,
    SHARE_COLUMNS,
    WELL_COLUMNS,
)
from ngodong_analysis.schema import MEMBER_RATING_CODES, STRING, conform, empty

NA = None


@pytest.fixture
def members() -> pd.DataFrame:
    return table(
        "members",
        "year cell_id cell members young female exempt "
        "admitted transferred_in transferred_out died removed introduced",
        [
            (2017, "a", "A", 20, 5, 8, 2, NA, NA, NA, NA, NA, NA),
            (2018, "a", "A", 22, 6, 9, 2, 1, 2, 1, 0, 0, 3),
            (2019, "a", "A", 24, 7, NA, 3, 2, 1, NA, NA, NA, 1),
            (2017, "b", "B", 10, 2, 4, 1, NA, NA, NA, NA, NA, NA),
            (2018, "b", "B", 9, NA, 4, 1, NA, NA, NA, NA, NA, NA),
            (2019, "b", "B", 8, 1, 3, 1, 0, 0, 0, 1, 1, 0),
            (2019, "c", "C", 5, 5, 2, 0, 5, NA, NA, NA, NA, 2),
            (2017, "d", "D", 4, 0, 1, 0, NA, NA, NA, NA, NA, NA),
            (2019, "d", "D", 5, 0, 1, 0, 0, 0, 0, 0, 0, 0),
        ],
    )


@pytest.fixture
def member_ratings() -> pd.DataFrame:
    # 2018 ranks left blank on purpose: they come from the rating code via the crosswalk.
    return table(
        "member_ratings",
        "year cell_id cell rating rank count",
        [
            (2018, "a", "A", "HTXSNV", NA, 2),
            (2018, "a", "A", "HTTNV", NA, 12),
            (2018, "a", "A", "HTNV", NA, NA),
            (2018, "c", "C", "HTTNV", NA, 4),
            (2018, "c", "C", "KHTNV", NA, 2),
            (2019, "a", "A", "HTXSNV", 1, 3),
            (2019, "a", "A", "HTTNV", 2, 10),
            (2019, "a", "A", "HTNV", 3, 6),
            (2019, "a", "A", "KHTNV", 4, 1),
            (2019, "b", "B", "HTXSNV", 1, 1),
            (2019, "b", "B", "HTTNV", 2, 5),
            (2019, "b", "B", "HTNV", 3, 1),
        ],
    )


# --- membership_totals ------------------------------------------------------------------------


def test_membership_totals(members):
    totals = membership_totals(members).set_index("year")
    assert totals.index.tolist() == [2017, 2018, 2019]
    assert totals["cells"].tolist() == [3, 2, 4]
    # 2017: 20+10+4; 2018: 22+9; 2019: 24+8+5+5
    assert totals["members"].tolist() == [34, 31, 42]
    # 2018: b's young is blank, so only a's 6 counts
    assert totals["young"].tolist() == [7, 6, 13]
    # 2019: a's female is blank: 3+2+1
    assert totals["female"].tolist() == [13, 13, 6]
    assert totals["exempt"].tolist() == [3, 3, 4]


def test_membership_young_share_only_over_cells_reporting_both(members):
    share = membership_totals(members).set_index("year")["young_share"]
    # 2018: b reports members but not young, so the share is a's alone: 6 / 22
    assert share.tolist() == pytest.approx([7 / 34, 6 / 22, 13 / 42])


def test_membership_growth_against_previous_year(members):
    totals = membership_totals(members).set_index("year")
    assert pd.isna(totals.at[2017, "growth"])
    assert pd.isna(totals.at[2017, "growth_pct"])
    assert totals["growth"].tolist()[1:] == [-3, 11]  # 31 − 34, 42 − 31
    assert totals["growth_pct"].tolist()[1:] == pytest.approx([-300 / 34, 1100 / 31])


def test_membership_growth_uses_previous_year_present():
    gap = table("members", "year cell_id members", [(2015, "a", 10), (2018, "a", 12)])
    totals = membership_totals(gap)
    assert totals["growth"].tolist()[1] == 2
    assert totals["growth_pct"].tolist()[1] == pytest.approx(20.0)


def test_membership_totals_all_blank_year_is_na_not_zero():
    blank = table("members", "year cell_id members", [(2019, "a", NA)])
    totals = membership_totals(blank)
    assert totals["cells"].tolist() == [1]
    assert pd.isna(totals.at[0, "members"])
    assert pd.isna(totals.at[0, "young_share"])


# --- member_flows -----------------------------------------------------------------------------


def test_member_flows_long(members):
    flows = member_flows(members)
    assert list(flows.columns) == ["year", "committee_id", "flow", "count"]
    assert flows["flow"].tolist()[:6] == [
        "admitted",
        "transferred_in",
        "transferred_out",
        "died",
        "removed",
        "introduced",
    ]
    wide = flows.pivot(index="year", columns="flow", values="count")
    # 2017: nothing reported anywhere
    assert wide.loc[2017].isna().all()
    assert wide.loc[2018, "admitted"] == 1
    assert wide.loc[2018, "introduced"] == 3
    # 2019: admitted 2+0+5+0; transferred_in 1+0+0 (c blank); out 0+0 (a, c blank);
    # died 1; removed 1; introduced 1+0+2+0
    assert wide.loc[2019, "admitted"] == 7
    assert wide.loc[2019, "transferred_in"] == 1
    assert wide.loc[2019, "transferred_out"] == 0
    assert wide.loc[2019, "died"] == 1
    assert wide.loc[2019, "removed"] == 1
    assert wide.loc[2019, "introduced"] == 3


# --- flow_discrepancies -----------------------------------------------------------------------


def test_flow_discrepancies(members):
    found = flow_discrepancies(members)
    assert list(found.columns) == [
        "year",
        "committee_id",
        "cell_id",
        "cell",
        "start",
        "admitted",
        "transferred_in",
        "transferred_out",
        "died",
        "removed",
        "expected",
        "reported",
        "difference",
    ]
    # a 2018: 20 + 1 + 2 − 1 = 22 = reported: no row.
    # a 2019: 22 + 2 + 1 (blank flows as 0) = 25, reported 24 → −1.
    # b 2018: every flow blank → skipped. b 2019: 9 − 1 − 1 = 7, reported 8 → +1.
    # c 2019: no 2018 row; d 2019: 2018 missing (2017 is not the previous year) → skipped.
    assert found[["year", "cell_id"]].values.tolist() == [[2019, "a"], [2019, "b"]]
    assert found["start"].tolist() == [22, 9]
    assert found["expected"].tolist() == [25, 7]
    assert found["reported"].tolist() == [24, 8]
    assert found["difference"].tolist() == [-1, 1]
    # Blank flows stay blank in the report.
    assert pd.isna(found.at[0, "transferred_out"])
    assert found.at[1, "died"] == 1


def test_flow_discrepancies_none_when_identity_holds():
    ok = table(
        "members",
        "year cell_id members admitted transferred_out",
        [(2018, "a", 10, NA, NA), (2019, "a", 12, 3, 1)],
    )
    assert flow_discrepancies(ok).empty


# --- member_rating_shares ---------------------------------------------------------------------

RATING_SHARES_COLUMNS = [
    "year",
    "committee_id",
    "rating",
    "rank",
    "count",
    "denominator",
    "share",
    "denominator_kind",
]


def test_member_rating_shares_of_rated(member_ratings):
    shares = member_rating_shares(member_ratings)
    assert list(shares.columns) == RATING_SHARES_COLUMNS
    y2019 = shares[shares["year"] == 2019]
    assert y2019["rating"].astype(str).tolist() == ["HTXSNV", "HTTNV", "HTNV", "KHTNV"]
    assert y2019["rank"].tolist() == [1, 2, 3, 4]
    # HTXSNV 3+1, HTTNV 10+5, HTNV 6+1, KHTNV 1; rated 27
    assert y2019["count"].tolist() == [4, 15, 7, 1]
    assert y2019["denominator"].tolist() == [27] * 4
    assert y2019["share"].tolist() == pytest.approx([4 / 27, 15 / 27, 7 / 27, 1 / 27])
    assert set(shares["denominator_kind"]) == {"rated"}


def test_member_rating_shares_blank_count_stays_unknown(member_ratings):
    y2018 = member_rating_shares(member_ratings).query("year == 2018")
    # ranks came from the codes; rated 2 + 12 + 4 + 2 = 20 (a's HTNV count is blank)
    assert y2018["rank"].tolist() == [1, 2, 3, 4]
    assert y2018["count"].tolist()[:2] == [2, 16]
    assert pd.isna(y2018["count"].tolist()[2])
    assert y2018["count"].tolist()[3] == 2
    assert y2018["denominator"].tolist() == [20] * 4
    assert y2018["share"].tolist()[0] == pytest.approx(0.1)
    assert y2018["share"].tolist()[1] == pytest.approx(0.8)


def test_member_rating_shares_zero_fills_missing_ratings():
    one = table("member_ratings", "year cell_id rating count", [(2020, "a", "HTTNV", 5)])
    shares = member_rating_shares(one)
    assert shares["count"].tolist() == [0, 5, 0, 0]
    assert shares["share"].tolist() == pytest.approx([0, 1, 0, 0])


def test_member_rating_shares_of_all_members(member_ratings, members):
    shares = member_rating_shares(member_ratings, members, denominator="members")
    y2019 = shares[shares["year"] == 2019]
    # all members 2019: 42 (exempt members included)
    assert y2019["denominator"].tolist() == [42] * 4
    assert y2019["share"].tolist() == pytest.approx([4 / 42, 15 / 42, 7 / 42, 1 / 42])
    assert set(shares["denominator_kind"]) == {"members"}
    assert shares.query("year == 2018")["denominator"].tolist() == [31] * 4


def test_member_rating_shares_members_table_lacks_the_year(member_ratings):
    other_years = table("members", "year cell_id members", [(2010, "a", 5)])
    shares = member_rating_shares(member_ratings, other_years, denominator="members")
    assert shares["denominator"].isna().all()
    assert shares["share"].isna().all()


def test_member_rating_shares_bad_arguments(member_ratings):
    with pytest.raises(ValueError, match="members"):
        member_rating_shares(member_ratings, denominator="members")
    with pytest.raises(ValueError, match="denominator"):
        member_rating_shares(member_ratings, denominator="exempt")


# --- well_or_above_share ----------------------------------------------------------------------

WELL_OR_ABOVE_COLUMNS = ["year", "committee_id", "rated", "well_or_above", "excellent", "share"]


def test_well_or_above_share(member_ratings):
    out = well_or_above_share(member_ratings)
    assert list(out.columns) == WELL_OR_ABOVE_COLUMNS
    # 2018: rated 20, rank ≤ 2: 2 + 12 + 4 = 18, excellent 2
    # 2019: rated 27, rank ≤ 2: 3 + 10 + 1 + 5 = 19, excellent 4
    assert out["year"].tolist() == [2018, 2019]
    assert out["rated"].tolist() == [20, 27]
    assert out["well_or_above"].tolist() == [18, 19]
    assert out["excellent"].tolist() == [2, 4]
    assert out["share"].tolist() == pytest.approx([0.9, 19 / 27])


def test_well_or_above_share_no_excellent_is_zero():
    rows = table("member_ratings", "year cell_id rating count", [(2019, "a", "HTNV", 4)])
    out = well_or_above_share(rows)
    assert out["well_or_above"].tolist() == [0]
    assert out["excellent"].tolist() == [0]
    assert out["share"].tolist() == [0.0]


def test_well_or_above_share_all_blank_counts():
    rows = table("member_ratings", "year cell_id rating count", [(2019, "a", "HTTNV", NA)])
    out = well_or_above_share(rows)
    assert out[["rated", "well_or_above", "excellent", "share"]].isna().all(axis=None)


# --- quota_check ------------------------------------------------------------------------------

QUOTA_CHECK_COLUMNS = [
    "year",
    "committee_id",
    "cell_id",
    "cell",
    "excellent",
    "well",
    "share",
    "allowed",
    "ok",
    "rule",
    "source",
]


def test_quota_check(member_ratings):
    out = quota_check(member_ratings)
    assert list(out.columns) == QUOTA_CHECK_COLUMNS
    rows = [
        tuple(None if pd.isna(v) else v for v in row)
        for row in out.drop(columns=["share", "committee_id"]).itertuples(index=False, name=None)
    ]
    hd21 = ("hd21-members", "HD 21-HD/BTCTW (2019)")
    assert rows == [
        # cells are shown, never judged: the cap is on the committee
        (2018, "a", "A", 2, 12, None, None, None, None),
        (2018, "c", "C", 0, 4, None, None, None, None),
        # 2018: no cap before the 2019 ratings (HD 21)
        (2018, "__all__", "Toàn Đảng bộ", 2, 16, None, None, None, None),
        (2019, "a", "A", 3, 10, None, None, None, None),
        (2019, "b", "B", 1, 5, None, None, None, None),
        # committee 2019: 4 excellent against floor(0.2 × 15) = 3
        (2019, "__all__", "Toàn Đảng bộ", 4, 15, 3, False, *hd21),
    ]
    assert out["share"].tolist()[:2] == pytest.approx([2 / 12, 0.0])


def test_quota_check_limit_and_float_floor():
    rows = table(
        "member_ratings",
        "year cell_id rating count",
        [(2019, "a", "HTXSNV", 29), (2019, "a", "HTTNV", 100)],
    )
    out = quota_check(rows, limit=0.29)
    # 0.29 × 100 is 28.999999999999996 in binary floating point; the allowance is 29.
    assert out["allowed"].tolist()[1] == 29
    assert out["ok"].tolist()[1] is True
    assert math.floor(0.29 * 100) == 28  # the trap the function avoids


# --- empty input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("function", "table_name", "columns"),
    [
        (membership_totals, "members", MEMBERSHIP_TOTALS_COLUMNS),
        (member_flows, "members", ["year", "committee_id", "flow", "count"]),
        (flow_discrepancies, "members", None),
        (member_rating_shares, "member_ratings", RATING_SHARES_COLUMNS),
        (well_or_above_share, "member_ratings", WELL_OR_ABOVE_COLUMNS),
        (quota_check, "member_ratings", QUOTA_CHECK_COLUMNS),
    ],
)
def test_empty_input_gives_empty_frame_with_columns(function, table_name, columns):
    out = function(empty(table_name))
    assert out.empty
    if columns is not None:
        assert list(out.columns) == columns
    else:
        assert "difference" in out.columns


def test_empty_members_denominator():
    out = member_rating_shares(empty("member_ratings"), empty("members"), denominator="members")
    assert out.empty


# --- the integer-code paths against the pandas formulation they replaced ----------------------
#
# The functions group by integer codes (and, on tables in key order, by runs of rows) instead
# of string keys. The references below are the plain pandas group-bys and joins they replaced;
# random tables with blanks, missing keys, duplicate keys and shuffled rows must give exactly
# the same frames, dtypes included, through every path (sorted runs, codes, join fallback).


def _reference_rank(member_ratings: pd.DataFrame) -> pd.Series:
    rank = member_ratings["rank"].astype("Int64")
    ranks = {"HTXSNV": 1, "HTTNV": 2, "HTNV": 3, "KHTNV": 4}
    return rank.fillna(member_ratings["rating"].astype(object).map(ranks).astype("Int64"))


@one_committee
def _reference_shares(member_ratings, members=None, denominator="rated"):
    df = member_ratings.assign(
        rating=member_ratings["rating"].astype(STRING), rank=_reference_rank(member_ratings)
    )
    years = sorted(int(y) for y in df["year"].unique())
    codes = list(dict.fromkeys([*MEMBER_RATING_CODES, *df["rating"].dropna().unique()]))
    grid = pd.MultiIndex.from_product([years, codes], names=["year", "rating"])
    grouped = df.groupby(["year", "rating"])
    observed = pd.DataFrame(
        {"count": grouped["count"].sum(min_count=1), "rank": grouped["rank"].first()}
    )
    out = observed.reindex(grid)
    out.loc[~out.index.isin(observed.index), "count"] = 0
    out = out.reset_index()
    ranks = {"HTXSNV": 1, "HTTNV": 2, "HTNV": 3, "KHTNV": 4}
    out["rank"] = out["rank"].fillna(out["rating"].map(ranks).astype("Int64"))
    if denominator == "rated":
        totals = df.groupby("year")["count"].sum(min_count=1)
    else:
        totals = members.groupby("year")["members"].sum(min_count=1)
    out["denominator"] = out["year"].map(totals).astype("Int64")
    num, den = out["count"].astype("Float64"), out["denominator"].astype("Float64")
    out["share"] = (num / den.where(den != 0)).astype("Float64")
    out["denominator_kind"] = denominator
    return out.sort_values(["year", "rank", "rating"], na_position="last")


@one_committee
def _reference_well(member_ratings):
    rank = _reference_rank(member_ratings)
    counts = member_ratings["count"]
    df = pd.DataFrame(
        {
            "year": member_ratings["year"],
            "rated": counts,
            "well_or_above": counts.where((rank <= 2).fillna(False)),
            "excellent": counts.where((rank == 1).fillna(False)),
        }
    )
    out = df.groupby("year").sum(min_count=1)
    known = out["rated"].notna()
    for col in ("well_or_above", "excellent"):
        out[col] = out[col].mask(known & out[col].isna(), 0)
    out = out.reset_index()
    num, den = out["well_or_above"].astype("Float64"), out["rated"].astype("Float64")
    out["share"] = (num / den.where(den != 0)).astype("Float64")
    return out


@one_committee
def _reference_quota(member_ratings, limit=0.2):
    rank = _reference_rank(member_ratings)
    counts = member_ratings["count"].fillna(0)
    df = pd.DataFrame(
        {
            "year": member_ratings["year"],
            "cell_id": member_ratings["cell_id"],
            "cell": member_ratings["cell"],
            "excellent": counts.where((rank == 1).fillna(False), 0),
            "well": counts.where((rank == 2).fillna(False), 0),
        }
    )
    per_cell = df.groupby(["year", "cell_id"]).agg(
        cell=("cell", "last"), excellent=("excellent", "sum"), well=("well", "sum")
    )
    whole = df.groupby("year")[["excellent", "well"]].sum()
    whole = whole.assign(cell_id="__all__", cell="Toàn Đảng bộ")
    out = pd.concat([per_cell.reset_index(), whole.reset_index()], ignore_index=True)
    well = out["well"].to_numpy(dtype="int64")
    out["share"] = (out["excellent"] / out["well"].where(out["well"] != 0)).astype("Float64")
    # HD 21-HD/BTCTW: the cap is on the committee, from the 2019 ratings on
    ruled = ((out["cell_id"] == "__all__") & (out["year"] >= 2019)).to_numpy()
    allowed = np.floor(np.round(limit * well, 9)).astype("int64")
    out["allowed"] = pd.array(allowed, dtype="Int64")
    out.loc[~ruled, "allowed"] = pd.NA
    out["ok"] = pd.array(out["excellent"].to_numpy() <= allowed, dtype="boolean")
    out.loc[~ruled, "ok"] = pd.NA
    out["rule"] = pd.array(np.where(ruled, "hd21-members", None), dtype="string")
    out["source"] = pd.array(np.where(ruled, "HD 21-HD/BTCTW (2019)", None), dtype="string")
    out = out.assign(_all=out["cell_id"] == "__all__")
    return out.sort_values(["year", "_all", "cell_id"])


@one_committee
def _reference_discrepancies(members):
    previous = members[["year", "cell_id", "members"]].rename(columns={"members": "start"})
    previous = previous.assign(year=previous["year"] + 1)
    df = members.merge(previous, on=["year", "cell_id"])
    flows = ["admitted", "transferred_in", "transferred_out", "died", "removed"]
    checkable = df["start"].notna() & df["members"].notna() & df[flows].notna().any(axis=1)
    df = df[checkable]
    filled = df[flows].fillna(0)
    expected = (
        df["start"]
        + filled["admitted"]
        + filled["transferred_in"]
        - filled["transferred_out"]
        - filled["died"]
        - filled["removed"]
    )
    df = df.assign(expected=expected, reported=df["members"])
    df = df.assign(difference=df["reported"] - df["expected"])
    return df[df["difference"] != 0].sort_values(["year", "cell_id"])


def _blank(rng, values, share):
    values = pd.array(values, dtype=object)
    values[rng.random(len(values)) < share] = None
    return list(values)


def _random_tables(seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Random member_ratings and members: gaps, blanks, a missing cell_id, sometimes duplicate
    keys; in key order for even seeds, shuffled for odd ones."""
    rng = np.random.default_rng(seed)
    cells = [f"c{i}" for i in range(int(rng.integers(1, 7)))]
    first = int(rng.integers(2015, 2020))
    years = range(first, first + int(rng.integers(1, 5)))
    blank = float(rng.choice([0.0, 0.1, 0.3]))
    keys = [(y, c) for y in years for c in cells if rng.random() < 0.8]
    if seed % 3 == 0 and keys:
        keys += keys[: int(rng.integers(1, 3))]  # duplicate (year, cell) keys
    if seed % 4 == 1 and keys:
        keys += [(keys[0][0], None), (keys[-1][0], None)]  # rows without a cell_id
    rows = [(y, c, code) for y, c in keys for code in rng.choice(RATINGS, rng.integers(0, 5))]
    n = len(rows)
    ratings = pd.DataFrame(
        {
            "year": [r[0] for r in rows],
            "cell_id": [r[1] for r in rows],
            "rating": _blank(rng, [r[2] for r in rows], blank / 2),
            "cell": _blank(rng, [f"Chi bộ {r[1]}{rng.integers(2)}" for r in rows], blank),
            "rank": _blank(rng, rng.integers(1, 5, n), float(rng.choice([0.0, 0.5, 1.0]))),
            "count": _blank(rng, rng.integers(0, 30, n), blank),
        }
    )
    n = len(keys)
    members = pd.DataFrame(
        {"year": [k[0] for k in keys], "cell_id": [k[1] for k in keys], "cell": "x"}
    )
    for col in ("members", *FLOWS):
        members[col] = _blank(rng, rng.integers(8 if col == "members" else 0, 14, n), blank)
    ratings, members = conform(ratings, "member_ratings"), conform(members, "members")
    if seed % 2:
        ratings = ratings.sample(frac=1, random_state=seed).reset_index(drop=True)
        members = members.sample(frac=1, random_state=seed).reset_index(drop=True)
    return ratings, members


RATINGS = ["HTXSNV", "HTTNV", "HTNV", "KHTNV", "TSVM"]
FLOWS = ["admitted", "transferred_in", "transferred_out", "died", "removed", "introduced"]


@pytest.mark.parametrize("seed", range(40))
def test_member_functions_match_the_pandas_reference(seed):
    ratings, members = _random_tables(seed)
    as_text = ratings.assign(rating=ratings["rating"].astype(STRING))  # not categorical
    cases = [
        (member_rating_shares(ratings), _reference_shares(ratings), SHARE_COLUMNS),
        (member_rating_shares(as_text), _reference_shares(as_text), SHARE_COLUMNS),
        (
            member_rating_shares(ratings, members, denominator="members"),
            _reference_shares(ratings, members, "members"),
            SHARE_COLUMNS,
        ),
        (well_or_above_share(ratings), _reference_well(ratings), WELL_COLUMNS),
        (well_or_above_share(as_text), _reference_well(as_text), WELL_COLUMNS),
        (quota_check(ratings), _reference_quota(ratings), QUOTA_COLUMNS),
        (quota_check(ratings, limit=0.29), _reference_quota(ratings, 0.29), QUOTA_COLUMNS),
        (flow_discrepancies(members), _reference_discrepancies(members), DISCREPANCY_COLUMNS),
    ]
    for got, expected, columns in cases:
        pd.testing.assert_frame_equal(got, frame(expected, columns))


def test_quota_check_same_in_key_order_and_shuffled(member_ratings):
    shuffled = member_ratings.sample(frac=1, random_state=3).reset_index(drop=True)
    pd.testing.assert_frame_equal(quota_check(shuffled), quota_check(member_ratings))


def test_flow_discrepancies_pairs_duplicate_keys_as_a_join_does(members):
    a_2018 = members[(members["year"] == 2018) & (members["cell_id"] == "a")]
    doubled = pd.concat([members, a_2018], ignore_index=True)  # "a" 2018 twice
    out = flow_discrepancies(doubled)
    # 2019 "a" (24 members, expected 22 + 2 + 1) is checked against each 2018 "a" row.
    assert out[["cell_id", "difference"]].values.tolist() == [["a", -1], ["a", -1], ["b", 1]]
    pd.testing.assert_frame_equal(
        out, frame(_reference_discrepancies(doubled), DISCREPANCY_COLUMNS)
    )


def test_quota_check_orders_cells_by_their_text_whatever_the_categories(member_ratings):
    # The contract's categories are sorted; others (here reversed) give the same rows, in
    # cell_id order, as the pandas concat-and-sort did.
    ids = member_ratings["cell_id"]
    reversed_ids = ids.cat.reorder_categories(list(ids.cat.categories)[::-1])
    for table_ in (member_ratings, member_ratings.sample(frac=1, random_state=2)):
        out = quota_check(table_.assign(cell_id=reversed_ids.loc[table_.index]))
        pd.testing.assert_frame_equal(out, quota_check(member_ratings))
        pd.testing.assert_frame_equal(out, frame(_reference_quota(table_), QUOTA_COLUMNS))


def test_a_wrong_table_names_the_table_expected_and_what_it_lacks(sample):
    import ngodong_analysis as nd
    from ngodong_analysis.schema import TableError

    with pytest.raises(TableError) as err:
        nd.analysis.membership_totals(sample.cell_ratings)
    text = str(err.value)
    assert "membership_totals expects the members table" in text
    assert "lacks column(s) members" in text and "rating" in text
    with pytest.raises(KeyError):  # still what pandas users catch
        nd.analysis.quota_check(sample.members)
    with pytest.raises(TypeError, match="a DataFrame"):
        nd.analysis.member_flows([1, 2])
