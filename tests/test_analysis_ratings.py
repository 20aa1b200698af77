"""ngodong_analysis.analysis.ratings: rating mix, top streaks, transitions.

The fixture has four cells over 2015–2019 (expected values worked out by hand below):

    cell  2015     2016     2017     2018     2019       (rank / tier)
    a     1/2      1/2      2/3      1/1      1/1
    b     2/3      1/2      1/2      —        1/1
    c     4/4      3/3      NA       2/2      2/2
    d     —        —        —        1/1      1/1
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import one_committee, table

from ngodong_analysis.analysis import rating_mix, rating_transitions, top_streaks
from ngodong_analysis.analysis._common import frame
from ngodong_analysis.analysis.ratings import MIX_COLUMNS, STREAK_COLUMNS, TRANSITION_COLUMNS
from ngodong_analysis.grouping import codes
from ngodong_analysis.schema import STRING, conform, empty


@pytest.fixture
def ratings() -> pd.DataFrame:
    return table(
        "cell_ratings",
        "year cell_id cell rating scale rank tier",
        [
            (2015, "a", "Chi bộ A", "TSVM", "pre2018", 1, 2),
            (2016, "a", "Chi bộ A", "TSVM", "pre2018", 1, 2),
            (2017, "a", "Chi bộ A", "HTTNV", "pre2018", 2, 3),
            (2018, "a", "Chi bộ A", "HTXSNV", "qd132", 1, 1),
            (2019, "a", "Chi bộ A mới", "HTXSNV", "qd132", 1, 1),
            (2015, "b", "Chi bộ B", "HTTNV", "pre2018", 2, 3),
            (2016, "b", "Chi bộ B", "TSVM", "pre2018", 1, 2),
            (2017, "b", "Chi bộ B", "TSVM", "pre2018", 1, 2),
            (2019, "b", "Chi bộ B", "HTXSNV", "qd132", 1, 1),
            (2015, "c", "Chi bộ C", "YEU_KEM", "pre2018", 4, 4),
            (2016, "c", "Chi bộ C", "HTNV", "pre2018", 3, 3),
            (2017, "c", "Chi bộ C", None, None, None, None),
            (2018, "c", "Chi bộ C", "HTTNV", "qd132", 2, 2),
            (2019, "c", "Chi bộ C", "HTTNV", "qd132", 2, 2),
            (2018, "d", "Chi bộ D", "HTXSNV", "qd132", 1, 1),
            (2019, "d", "Chi bộ D", "HTXSNV", "qd132", 1, 1),
        ],
    )


# --- rating_mix ------------------------------------------------------------------------------


def test_rating_mix_counts_every_level_every_year(ratings):
    mix = rating_mix(ratings)
    assert list(mix.columns) == ["year", "committee_id", "level", "count", "share"]
    assert len(mix) == 5 * 4
    counts = mix.pivot(index="year", columns="level", values="count")
    # 2015: a1 b2 c4; 2016: a1 b1 c3; 2017: a2 b1 (c unrated); 2018: a1 c2 d1;
    # 2019: a1 b1 c2 d1
    assert counts.loc[2015].tolist() == [1, 1, 0, 1]
    assert counts.loc[2016].tolist() == [2, 0, 1, 0]
    assert counts.loc[2017].tolist() == [1, 1, 0, 0]
    assert counts.loc[2018].tolist() == [2, 1, 0, 0]
    assert counts.loc[2019].tolist() == [3, 1, 0, 0]


def test_rating_mix_share_is_of_cells_rated_that_year(ratings):
    shares = rating_mix(ratings).pivot(index="year", columns="level", values="share")
    assert shares.loc[2015].tolist() == pytest.approx([1 / 3, 1 / 3, 0, 1 / 3])
    # c has a row in 2017 but no rating: the denominator is 2, not 3.
    assert shares.loc[2017].tolist() == pytest.approx([0.5, 0.5, 0, 0])
    assert shares.loc[2019].tolist() == pytest.approx([0.75, 0.25, 0, 0])


def test_rating_mix_by_tier(ratings):
    counts = rating_mix(ratings, by="tier").pivot(index="year", columns="level", values="count")
    # 2016 tiers: a2 b2 c3; 2017: a3 b2
    assert counts.loc[2016].tolist() == [0, 2, 1, 0]
    assert counts.loc[2017].tolist() == [0, 1, 1, 0]


def test_rating_mix_dtypes(ratings):
    mix = rating_mix(ratings)
    assert str(mix["year"].dtype) == "int64"
    assert str(mix["count"].dtype) == "Int64"
    assert str(mix["share"].dtype) == "Float64"


def test_rating_mix_year_without_any_rating_has_zero_counts_and_na_share():
    only_blank = table("cell_ratings", "year cell_id rank", [(2020, "a", None)])
    mix = rating_mix(only_blank)
    assert mix["count"].tolist() == [0, 0, 0, 0]
    assert mix["share"].isna().all()


def test_rating_mix_rejects_unknown_view(ratings):
    with pytest.raises(ValueError, match="rank"):
        rating_mix(ratings, by="grade")


# --- top_streaks ------------------------------------------------------------------------------


def test_top_streaks_are_maximal_runs_broken_by_gaps(ratings):
    streaks = top_streaks(ratings)
    assert list(streaks.columns) == ["committee_id", "cell_id", "cell", "start", "end", "length"]
    rows = list(streaks[["cell_id", "start", "end", "length"]].itertuples(index=False, name=None))
    # a: 2015–16, 2018–19 (2017 was rank 2); b: 2016–17, 2019 (2018 missing); d: 2018–19
    assert rows == [
        ("a", 2015, 2016, 2),
        ("b", 2016, 2017, 2),
        ("a", 2018, 2019, 2),
        ("d", 2018, 2019, 2),
        ("b", 2019, 2019, 1),
    ]


def test_top_streaks_name_is_the_latest_in_the_run(ratings):
    streaks = top_streaks(ratings)
    assert streaks.loc[streaks["start"] == 2018, "cell"].tolist() == ["Chi bộ A mới", "Chi bộ D"]


def test_top_streaks_other_level_and_tier(ratings):
    rank2 = top_streaks(ratings, level=2)
    assert list(rank2[["cell_id", "start", "length"]].itertuples(index=False, name=None)) == [
        ("c", 2018, 2),
        ("b", 2015, 1),
        ("a", 2017, 1),
    ]
    tier1 = top_streaks(ratings, by="tier", level=1)
    assert tier1["length"].tolist() == [2, 2, 1]


def test_top_streaks_single_year_and_no_run(ratings):
    weak = top_streaks(ratings, level=4)
    rows = list(weak.drop(columns="committee_id").itertuples(index=False, name=None))
    assert rows == [("c", "Chi bộ C", 2015, 2015, 1)]
    assert top_streaks(ratings, level=5).empty


# --- rating_transitions ----------------------------------------------------------------------


def test_rating_transitions_consecutive_years_only(ratings):
    moves = rating_transitions(ratings)
    assert list(moves.columns) == [
        "committee_id",
        "year_from",
        "year_to",
        "from_level",
        "to_level",
        "count",
    ]
    rows = list(moves.drop(columns="committee_id").itertuples(index=False, name=None))
    # b's 2017 → 2019 spans a gap and c's 2016 → 2018 an unrated year: neither counts.
    assert rows == [
        (2015, 2016, 1, 1, 1),  # a
        (2015, 2016, 2, 1, 1),  # b
        (2015, 2016, 4, 3, 1),  # c
        (2016, 2017, 1, 1, 1),  # b
        (2016, 2017, 1, 2, 1),  # a
        (2017, 2018, 2, 1, 1),  # a
        (2018, 2019, 1, 1, 2),  # a, d
        (2018, 2019, 2, 2, 1),  # c
    ]


def test_rating_transitions_by_tier_across_the_rule_change(ratings):
    moves = rating_transitions(ratings, by="tier")
    across = moves[moves["year_from"] == 2017]
    rows = across.drop(columns="committee_id").itertuples(index=False, name=None)
    assert list(rows) == [(2017, 2018, 3, 1, 1)]


# --- empty input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("function", "columns"),
    [
        (rating_mix, ["year", "committee_id", "level", "count", "share"]),
        (top_streaks, ["committee_id", "cell_id", "cell", "start", "end", "length"]),
        (
            rating_transitions,
            ["committee_id", "year_from", "year_to", "from_level", "to_level", "count"],
        ),
    ],
)
def test_empty_input_gives_empty_frame_with_columns(function, columns):
    out = function(empty("cell_ratings"))
    assert out.empty
    assert list(out.columns) == columns


def test_crosswalk_table_lines_up_the_scales():
    from ngodong_analysis.analysis import crosswalk

    cw = crosswalk().set_index(["scale", "subject", "rating"])
    # domain.md: TSVM is rank 1 (position) but tier 2 (distribution-matched)
    assert (cw.loc[("pre2018", "organisation", "TSVM"), ["rank", "tier"]] == [1, 2]).all()
    assert (cw.loc[("qd132", "organisation", "HTTNV"), ["rank", "tier"]] == [2, 2]).all()
    # members' labels map one to one across the change
    members = cw.xs("member", level="subject")
    assert (members["rank"] == members["tier"]).all()


# --- the integer-code paths against the pandas formulation they replaced ----------------------


def _reference_rated(cell_ratings, col):
    rated = cell_ratings.dropna(subset=[col])
    return rated.assign(**{col: rated[col].astype("int64")})


@one_committee
def _reference_mix(cell_ratings, col):
    years = sorted(int(y) for y in cell_ratings["year"].unique())
    rated = _reference_rated(cell_ratings, col)
    levels = sorted({1, 2, 3, 4} | {int(v) for v in rated[col].unique()})
    grid = pd.MultiIndex.from_product([years, levels], names=["year", "level"])
    counts = rated.groupby(["year", col]).size().rename_axis(["year", "level"])
    out = counts.reindex(grid, fill_value=0).rename("count").reset_index()
    total = out.groupby("year")["count"].transform("sum").astype("Float64")
    out["share"] = (out["count"].astype("Float64") / total.where(total != 0)).astype("Float64")
    return out


@one_committee
def _reference_streaks(cell_ratings, col, level):
    at_level = _reference_rated(cell_ratings, col)
    at_level = at_level[at_level[col] == level].sort_values(["cell_id", "year"])
    run = at_level["year"] - at_level.groupby("cell_id").cumcount()
    runs = at_level.groupby(["cell_id", run.rename("run")])
    out = pd.DataFrame(
        {
            "cell": runs["cell"].last(),
            "start": runs["year"].min(),
            "end": runs["year"].max(),
            "length": runs.size(),
        }
    )
    return out.reset_index().sort_values(
        ["length", "start", "cell_id"], ascending=[False, True, True]
    )


@one_committee
def _reference_transitions(cell_ratings, col):
    rated = _reference_rated(cell_ratings, col)[["year", "cell_id", col]]
    before = rated.rename(columns={"year": "year_from", col: "from_level"})
    after = rated.rename(columns={col: "to_level"})
    after = after.assign(year_from=after["year"] - 1).rename(columns={"year": "year_to"})
    pairs = before.merge(after, on=["cell_id", "year_from"])
    keys = ["year_from", "year_to", "from_level", "to_level"]
    return pairs.groupby(keys).size().rename("count").reset_index().sort_values(keys)


def _random_ratings(seed: int) -> pd.DataFrame:
    """Random cell ratings: gaps, blank levels and names, levels outside 1–4, a missing
    cell_id, sometimes duplicate (year, cell) keys; shuffled for odd seeds."""
    rng = np.random.default_rng(seed)
    cells = [f"c{i}" for i in range(int(rng.integers(1, 7)))]
    first = int(rng.integers(2012, 2020))
    keys = [
        (y, c)
        for y in range(first, first + int(rng.integers(1, 7)))
        for c in cells
        if rng.random() < 0.8
    ]
    if seed % 3 == 0 and keys:
        keys += keys[: int(rng.integers(1, 3))]
    if seed % 4 == 1 and keys:
        keys += [(keys[0][0], None), (keys[0][0] + 1, None)]
    n = len(keys)

    def blank(values, share=0.2):
        values = pd.array(values, dtype=object)
        values[rng.random(n) < share] = None
        return list(values)

    df = pd.DataFrame(
        {
            "year": [k[0] for k in keys],
            "cell_id": [k[1] for k in keys],
            "cell": blank([f"Chi bộ {k[1]} {rng.integers(2)}" for k in keys]),
            "rank": blank(rng.choice([1, 1, 1, 2, 3, 5], n)),
            "tier": blank(rng.integers(1, 5, n)),
        }
    )
    df = conform(df, "cell_ratings")
    return df.sample(frac=1, random_state=seed).reset_index(drop=True) if seed % 2 else df


@pytest.mark.parametrize("seed", range(40))
def test_rating_functions_match_the_pandas_reference(seed):
    cr = _random_ratings(seed)
    for by in ("rank", "tier"):
        pd.testing.assert_frame_equal(
            rating_mix(cr, by=by), frame(_reference_mix(cr, by), MIX_COLUMNS)
        )
        pd.testing.assert_frame_equal(
            rating_transitions(cr, by=by),
            frame(_reference_transitions(cr, by), TRANSITION_COLUMNS),
        )
        for level in (1, 2):
            pd.testing.assert_frame_equal(
                top_streaks(cr, by=by, level=level),
                frame(_reference_streaks(cr, by, level), STREAK_COLUMNS),
            )


def test_top_streaks_duplicate_year_follows_the_run_rule():
    # A cell rated twice in 2015 then in 2017: year − position gives runs 2015, 2014, 2015,
    # so rows 1 and 3 form one run (as the pandas group-by on that number always did).
    cr = table(
        "cell_ratings",
        "year cell_id rank",
        [(2015, "a", 1), (2015, "a", 1), (2017, "a", 1)],
    )
    pd.testing.assert_frame_equal(
        top_streaks(cr), frame(_reference_streaks(cr, "rank", 1), STREAK_COLUMNS)
    )


def test_codes_of_a_large_column_are_computed_once_and_follow_changes():
    ids = pd.Series([f"c{i % 997:04d}" for i in range(60_000)], dtype=STRING)
    found, uniques = codes(ids)
    again, _ = codes(ids.copy())  # a copy shares the immutable Arrow data
    assert again is found and not found.flags.writeable
    assert list(uniques[:2]) == ["c0000", "c0001"] and found[:3].tolist() == [0, 1, 2]
    ids.iloc[0] = "b"  # new Arrow data: factorised afresh
    changed, uniques = codes(ids)
    assert changed is not found
    assert uniques[0] == "b" and changed[0] == 0 and changed[1] == 2
