"""ngodong_analysis.analysis.ratings: rating mix, top streaks, transitions.

The fixture has four cells over 2015–2019 (expected values worked out by hand below):

    cell  2015     2016     2017     2018     2019       (rank / tier)
    a     1/2      1/2      2/3      1/1      1/1
    b     2/3      1/2      1/2      —        1/1
    c     4/4      3/3      NA       2/2      2/2
    d     —        —        —        1/1      1/1
"""

from __future__ import annotations

import pandas as pd
import pytest
from helpers import table

from ngodong_analysis.analysis import rating_mix, rating_transitions, top_streaks
from ngodong_analysis.schema import empty


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
    assert list(mix.columns) == ["year", "level", "count", "share"]
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
    assert list(streaks.columns) == ["cell_id", "cell", "start", "end", "length"]
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
    assert list(weak.itertuples(index=False, name=None)) == [("c", "Chi bộ C", 2015, 2015, 1)]
    assert top_streaks(ratings, level=5).empty


# --- rating_transitions ----------------------------------------------------------------------


def test_rating_transitions_consecutive_years_only(ratings):
    moves = rating_transitions(ratings)
    assert list(moves.columns) == ["year_from", "year_to", "from_level", "to_level", "count"]
    rows = list(moves.itertuples(index=False, name=None))
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
    assert list(across.itertuples(index=False, name=None)) == [(2017, 2018, 3, 1, 1)]


# --- empty input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("function", "columns"),
    [
        (rating_mix, ["year", "level", "count", "share"]),
        (top_streaks, ["cell_id", "cell", "start", "end", "length"]),
        (rating_transitions, ["year_from", "year_to", "from_level", "to_level", "count"]),
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
