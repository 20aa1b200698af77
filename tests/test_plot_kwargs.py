"""``**kwargs`` of the plot functions reach each chart's main artist (bars, lines, points,
image) and override the chart's own settings; with none given, the charts are as before."""

from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.collections import PathCollection
from matplotlib.container import BarContainer

from ngodong_analysis import plots

# "#123456" as RGBA by hand: 0x12 = 18, 0x34 = 52, 0x56 = 86.
DARK_BLUE = (18 / 255, 52 / 255, 86 / 255)


def _bars(ax) -> list:
    return [bar for c in ax.containers if isinstance(c, BarContainer) for bar in c]


def _lines(ax, labels: set[str]) -> list:
    return [line for line in ax.get_lines() if line.get_label() in labels]


@pytest.mark.parametrize(
    "draw, tables",
    [
        (plots.rating_mix, ("cell_ratings",)),
        (plots.member_flows, ("members",)),
        (plots.member_rating_shares, ("member_ratings",)),
    ],
    ids=["rating_mix", "member_flows", "member_rating_shares"],
)
def test_bar_kwargs_reach_every_bar(sample, draw, tables):
    fig, ax = plt.subplots()
    draw(*[getattr(sample, t) for t in tables], ax=ax, color="#123456", alpha=0.4, ec="red")
    bars = _bars(ax)
    assert len(bars) >= 20  # 5 years × at least 4 series
    for bar in bars:
        assert bar.get_facecolor() == pytest.approx((*DARK_BLUE, 0.4))
        assert bar.get_edgecolor() == pytest.approx((1.0, 0.0, 0.0, 0.4))  # "ec" is edgecolor


def test_bars_keep_their_own_colours_without_kwargs(sample):
    fig, ax = plt.subplots()
    plots.rating_mix(sample.cell_ratings, ax=ax)
    first = [c[0].get_facecolor()[:3] for c in ax.containers]
    # level 1 … 4 from PALETTE, written out: #1a9850, #91cf60, #fee08b, #d73027
    expected = [(0x1A, 0x98, 0x50), (0x91, 0xCF, 0x60), (0xFE, 0xE0, 0x8B), (0xD7, 0x30, 0x27)]
    assert first == pytest.approx([tuple(v / 255 for v in rgb) for rgb in expected])
    assert {round(c[0].get_width(), 6) for c in ax.containers} == {0.7}


def test_a_facecolor_replaces_the_charts_colour_without_a_warning(sample):
    fig, ax = plt.subplots()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plots.rating_mix(sample.cell_ratings, ax=ax, facecolor="#123456", width=0.3)
    bars = _bars(ax)
    assert all(bar.get_facecolor()[:3] == pytest.approx(DARK_BLUE) for bar in bars)
    assert {round(bar.get_width(), 6) for bar in bars} == {0.3}


def test_membership_bars_take_kwargs_and_the_young_line_does_not(sample):
    fig, ax = plt.subplots()
    plots.membership(sample.members, ax=ax, color="#123456", hatch="..")
    bars = list(ax.containers[0])
    assert len(bars) == 5  # one per year 2015–2019
    assert all(bar.get_facecolor()[:3] == pytest.approx(DARK_BLUE) for bar in bars)
    assert all(bar.get_hatch() == ".." for bar in bars)
    twin = [other for other in fig.axes if other is not ax][0]
    # the young members' line keeps its colour, PALETTE["young"] = #f46d43
    young = twin.get_lines()[0]
    assert young.get_color() == "#f46d43"


def test_line_kwargs_reach_the_committee_lines(sample):
    fig, ax = plt.subplots()
    plots.committee_rating(sample.committee_ratings, ax=ax, lang="en", lw=3, color="#123456")
    lines = _lines(ax, {"Position on the year's scale (rank)", "Harmonised tier"})
    assert len(lines) == 2
    for line in lines:
        assert line.get_linewidth() == 3  # "lw" is linewidth
        assert line.get_color() == "#123456"
    # the chart's own styles are kept where not overridden
    assert sorted(line.get_marker() for line in lines) == ["o", "s"]
    assert sorted(line.get_linestyle() for line in lines) == ["-", "--"]


def test_committee_lines_are_unchanged_without_kwargs(sample):
    fig, ax = plt.subplots()
    plots.committee_rating(sample.committee_ratings, ax=ax, lang="en")
    rank, tier = _lines(ax, {"Position on the year's scale (rank)"}) + _lines(
        ax, {"Harmonised tier"}
    )
    assert (rank.get_linestyle(), rank.get_marker(), rank.get_color()) == ("-", "o", "#1a9850")
    assert (tier.get_linestyle(), tier.get_marker(), tier.get_color()) == ("--", "s", "#4575b4")


def test_line_kwargs_reach_every_area_and_the_poverty_lines(sample):
    fig, (left, right) = plt.subplots(1, 2)
    plots.income(sample.income, ax=left, alpha=0.5, linestyle=":")
    areas = [line for line in left.get_lines() if not line.get_label().startswith("_")]
    assert len(areas) == sample.income["area_id"].nunique()
    assert all(line.get_alpha() == 0.5 and line.get_linestyle() == ":" for line in areas)

    plots.poverty(sample.income, ax=right, lang="en", marker="x", markersize=9)
    lines = _lines(right, {"Poor households", "Near-poor households"})
    assert len(lines) == 2
    assert all(line.get_marker() == "x" and line.get_markersize() == 9 for line in lines)


def test_line_kwargs_reach_the_median_line_of_many_areas(sample):
    fig, ax = plt.subplots()
    plots.income(sample.income, ax=ax, max_lines=1, color="#123456", lw=4)
    median = [line for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert len(median) == 1
    assert median[0].get_color() == "#123456" and median[0].get_linewidth() == 4


def test_scatter_kwargs_reach_every_year(sample):
    fig, ax = plt.subplots()
    plots.income_vs_rating(
        sample.income, sample.cell_ratings, sample.cells, ax=ax, c="#123456", s=50, marker="s"
    )
    points = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(points) == 5  # one per year
    for collection in points:
        assert collection.get_facecolors()[0] == pytest.approx((*DARK_BLUE, 0.8))
        assert list(collection.get_sizes()) == [50]


def test_scatter_kwargs_reach_the_summarised_points(sample):
    fig, ax = plt.subplots()
    plots.income_vs_rating(
        sample.income, sample.cell_ratings, sample.cells, ax=ax, max_points=1, alpha=0.3
    )
    points = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(points) == 5
    assert all(collection.get_alpha() == 0.3 for collection in points)


def test_image_kwargs_reach_the_heatmap(sample):
    fig, ax = plt.subplots()
    plots.rating_heatmap(sample.cell_ratings, ax=ax, alpha=0.5, interpolation="bilinear")
    (image,) = ax.images
    assert image.get_alpha() == 0.5
    assert image.get_interpolation() == "bilinear"
    # the chart's own colours are kept: level 1 is #1a9850
    assert np.allclose(image.cmap(0)[:3], (0x1A / 255, 0x98 / 255, 0x50 / 255))
