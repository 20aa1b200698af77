"""ngodong_analysis.plots, the charts comparing committees: drawn artists checked against the
data (no baseline images), on the example district and on 3,000 synthetic committees.

The example's funnel (README, "The funnel's outlier"): in 2022 Giao Lạc rates 11 of its 12
cells HTXSNV, the other five communes 11 of their 46; pooled 22 / 58 = 37.9%.
"""

from __future__ import annotations

import time
import unicodedata
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.container import BarContainer
from matplotlib.image import AxesImage

import ngodong_analysis as nd
from ngodong_analysis import plots
from ngodong_analysis.dataset import Dataset

matplotlib.use("Agg")

EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "examples" / "giao-thuy"


@pytest.fixture
def ax():
    return plt.figure(figsize=(8, 4.8), layout="constrained").add_subplot()


@pytest.fixture(scope="module")
def example() -> Dataset:
    return nd.load_dataset(EXAMPLE)


@pytest.fixture(scope="module")
def compared(example) -> pd.DataFrame:
    return nd.analysis.compare_committees(example)


def _texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def _legend(ax) -> list[str]:
    legend = ax.get_legend()
    return [t.get_text() for t in legend.get_texts()] if legend else []


@pytest.fixture(scope="module")
def many() -> pd.DataFrame:
    """3,000 committees of 10–60 cells over 2020–2024, one of them (c0007) rating every cell
    at tier 1 and one (c0011) none, 2,998 at about a fifth."""
    rng = np.random.default_rng(3)
    ids = [f"c{i:04d}" for i in range(3000)]
    rows = []
    for i, cid in enumerate(ids):
        n = int(rng.integers(10, 61))
        members = int(rng.integers(100, 900))
        for year in range(2020, 2025):
            top = n if i == 7 else 0 if i == 11 else int(rng.binomial(n, 0.2))
            rows.append((year, cid, f"Đảng bộ xã Thôn {i % 50}", n, top, members + year - 2020))
    return pd.DataFrame(
        rows,
        columns=["year", "committee_id", "committee", "cells_rated", "cells_top", "members"],
    ).assign(top_share=lambda d: d["cells_top"] / d["cells_rated"])


# --- funnel -----------------------------------------------------------------------------------


def test_funnel_on_the_example_names_its_outlier(compared, ax):
    plots.funnel(compared, ax=ax)
    # the default year: the latest with a committee outside the widest limits
    assert ax.get_title() == "Chi bộ bậc 1 (HTXSNV): biểu đồ phễu các đảng bộ, năm 2022"
    assert _texts(ax) == ["Đảng bộ xã Giao Lạc"]
    points = {tuple(c.get_facecolor()[0].round(3)): c.get_offsets() for c in ax.collections}
    above = [off for color, off in points.items() if len(off) == 1]
    assert len(above) == 1
    assert above[0][0][0] == 12 and above[0][0][1] == pytest.approx(100 * 11 / 12)
    assert sum(len(off) for off in points.values()) == 6  # six communes in 2022
    pooled = [ln for ln in ax.lines if ln.get_label().startswith("Tỷ lệ chung")]
    assert pooled[0].get_ydata()[0] == pytest.approx(100 * 22 / 58)
    assert "Cao hơn giới hạn (1)" in _legend(ax) and "Trong giới hạn (5)" in _legend(ax)


def test_funnel_limits_are_the_analysis_limits_at_each_n(compared, ax):
    plots.funnel(compared, year=2022, ax=ax)
    found = nd.analysis.funnel(
        compared, year=2022, numerator="cells_top", denominator="cells_rated"
    )
    upper = [ln for ln in ax.lines if ln.get_label() == "Giới hạn kiểm soát 99.8%"][0]
    x, y = np.asarray(upper.get_xdata()), np.asarray(upper.get_ydata())
    for row in found.itertuples():
        assert y[x == row.n][0] == pytest.approx(100 * row.upper_99_8)


def test_funnel_of_a_year_without_outliers_names_no_one_and_speaks_english(compared, ax):
    plots.funnel(compared, numerator="members_excellent", year=2024, lang="en", ax=ax)
    assert _texts(ax) == []
    assert ax.get_title() == "Members rated HTXSNV: funnel plot of the committees, 2024"
    assert ax.get_xlabel() == "Members rated"


def test_funnel_passes_kwargs_to_the_points(compared, ax):
    plots.funnel(compared, ax=ax, s=99, alpha=0.5)
    assert all(c.get_sizes()[0] == 99 and c.get_alpha() == 0.5 for c in ax.collections)


def test_funnel_of_3000_committees_labels_only_the_outliers_in_bounded_time(many, ax):
    start = time.perf_counter()
    plots.funnel(many, year=2024, max_labels=5, ax=ax)
    ax.figure.savefig(Path("/dev/null"), format="png", dpi=60)
    elapsed = time.perf_counter() - start
    found = nd.analysis.funnel(many, year=2024, numerator="cells_top", denominator="cells_rated")
    n_out = int(found["outlier"].sum())
    assert n_out >= 2  # c0007 (all) and c0011 (none) at least
    assert len(_texts(ax)) == min(5, n_out)
    assert sum(len(c.get_offsets()) for c in ax.collections) == 3000
    assert elapsed < 30


# --- small multiples, heatmap, members ---------------------------------------------------------


def test_rating_mix_panels_one_per_committee_on_shared_axes(example):
    fig, ax = plt.subplots(figsize=(8, 4.8), layout="constrained")
    axes = plots.rating_mix_panels(example.cell_ratings, example.committees, ax=ax)
    shown = [a for a in axes if a.get_visible()]
    assert [a.get_title() for a in shown] == [
        "xã Bạch Long",
        "xã Giao Lạc",
        "thị trấn Giao Thủy",
        "xã Giao Tiến",
        "xã Giao Xuân",
        "xã Hoành Sơn",
        "thị trấn Ngô Đồng",
    ]
    assert ax not in fig.axes  # the panels took its place
    assert all(a.get_ylim() == (0, 1) for a in shown)  # shared: shares 0–1
    lac = shown[1]
    tier1 = [c for c in lac.containers if isinstance(c, BarContainer)][0]
    heights = {round(p.get_x() + p.get_width() / 2): p.get_height() for p in tier1}
    assert heights[2022] == pytest.approx(11 / 12)
    assert fig.get_suptitle() == "Cơ cấu xếp loại chi bộ theo bậc quy đổi của từng đảng bộ"


def test_rating_mix_panels_pool_what_would_be_unreadable():
    rows = [
        (2024, f"c{i:02d}", "thon-1", "HTXSNV" if i % 2 else "HTTNV", 1, 1 if i % 2 else 2)
        for i in range(30)
    ]
    cr = nd.schema.conform(
        pd.DataFrame(rows, columns=["year", "committee_id", "cell_id", "rating", "rank", "tier"]),
        "cell_ratings",
    )
    axes = plots.rating_mix_panels(cr, max_panels=6, ax=plt.figure().add_subplot())
    shown = [a for a in axes if a.get_visible()]
    assert len(shown) == 6
    assert shown[-1].get_title() == "25 đảng bộ khác (gộp)"


def test_heatmap_of_the_top_share(compared, ax):
    plots.committee_heatmap(compared, lang="en", ax=ax)
    image = [i for i in ax.get_images() if isinstance(i, AxesImage)][0]
    names = [t.get_text() for t in ax.get_yticklabels()]
    row = names.index("Đảng bộ xã Giao Lạc")
    years = list(range(2015, 2026))
    assert image.get_array()[row, years.index(2022)] == pytest.approx(11 / 12)
    assert np.ma.is_masked(image.get_array()[names.index("Đảng bộ thị trấn Giao Thủy"), 0])
    assert ax.get_title() == "Share of cells at tier 1 by committee and year"
    assert "92" in _texts(ax)


def test_heatmap_of_3000_committees_sorts_and_names_no_row(many, ax):
    start = time.perf_counter()
    plots.committee_heatmap(many, ax=ax)
    ax.figure.savefig(Path("/dev/null"), format="png", dpi=60)
    assert time.perf_counter() - start < 30
    image = ax.get_images()[0]
    assert image.get_array().shape == (3000, 5)
    assert image.get_array()[0, 0] == 1.0  # c0007, every cell at tier 1, on top
    assert ax.get_yticklabels() == [] and "3000 đảng bộ" in ax.get_title()


def test_members_per_committee_marks_the_merger(compared, example, ax):
    plots.committee_members(compared, example.committees, ax=ax)
    lines = {ln.get_label(): ln for ln in ax.lines}
    lac = lines["Đảng bộ xã Giao Lạc"]
    assert list(lac.get_ydata()[:2]) == [399, 399] and list(lac.get_xdata()[-1:]) == [2025]
    merged = [ln for label, ln in lines.items() if label.startswith("Hợp nhất vào")]
    assert [ln.get_label() for ln in merged] == ["Hợp nhất vào Đảng bộ thị trấn Giao Thủy (2025)"]
    assert merged[0].get_xdata()[0] == 2024.5
    crosses = [ln for ln in ax.lines if ln.get_marker() == "x"]
    assert sorted(float(ln.get_ydata()[0]) for ln in crosses) == [294, 322, 535]


def test_members_of_3000_committees_is_a_median_and_a_band(many, ax):
    plots.committee_members(many, ax=ax, lw=3)
    (median,) = ax.lines
    assert median.get_label() == "Trung vị 3000 đảng bộ" and median.get_linewidth() == 3
    assert len(median.get_xdata()) == 5


# --- the build's charts ----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(plots.COMPARE_PLOTS))
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_comparison_draws_the_example(name, lang, example, ax):
    fig = ax.figure  # the panels replace ax in its figure
    plots.COMPARE_PLOTS[name].draw(example, lang=lang, ax=ax)
    everything = [t.get_text() for a in fig.axes for t in a.texts] + [
        a.get_title() for a in fig.axes
    ]
    assert all(unicodedata.is_normalized("NFC", t) for t in everything)
    assert any(a.get_title() for a in fig.axes) or fig.get_suptitle()


@pytest.mark.parametrize("name", sorted(plots.COMPARE_PLOTS))
def test_every_comparison_accepts_empty_tables(name, ax):
    fig = ax.figure
    plots.COMPARE_PLOTS[name].draw(Dataset(), ax=ax)
    assert "Không có dữ liệu" in [t.get_text() for a in fig.axes for t in a.texts]


def test_the_build_draws_the_comparisons_only_for_several_committees(example):
    one = nd.load_dataset()  # the sample: one committee
    assert plots.committee_count(one) == 1 and list(plots.charts_for(one)) == list(plots.ALL_PLOTS)
    assert plots.committee_count(example) == 7
    assert list(plots.charts_for(example)) == [*plots.ALL_PLOTS, *plots.COMPARE_PLOTS]


def test_comparisons_work_on_a_roll_up(example, ax):
    rolled = nd.analysis.roll_up(example, as_of=2025)
    plots.committee_members(nd.analysis.compare_committees(rolled), rolled.committees, ax=ax)
    lines = {ln.get_label(): ln for ln in ax.lines}
    thuy = lines["Đảng bộ thị trấn Giao Thủy"]
    assert list(thuy.get_xdata()[-2:]) == [2024, 2025]
    assert list(thuy.get_ydata()[-2:]) == [1151, 1164]
