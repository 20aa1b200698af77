"""ngodong_analysis.plots: drawn artists checked against the data (no baseline images).

Fixture data, with the numbers the charts must show worked out by hand:

    cell ratings (rank)   2016  2017  2018  2019     rank counts per year
    tdp-2                  1     1     1     1       2016: 1 1 1 0
    khu-b                  2     1     2     1       2017: 2 0 0 0
    truong                 3     —     4     2       2018: 1 1 0 1
                                                      2019: 2 1 0 0
"""

from __future__ import annotations

import unicodedata

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from helpers import table
from matplotlib.collections import PathCollection
from matplotlib.container import BarContainer
from matplotlib.text import Text

from ngodong_analysis import plots
from ngodong_analysis.dataset import TABLE_NAMES, Dataset
from ngodong_analysis.schema import empty

# Headless: no window ever opens (switching to Agg is always allowed).
matplotlib.use("Agg")

NA = None


@pytest.fixture
def ax():
    return plt.figure().add_subplot()


@pytest.fixture
def cell_ratings() -> pd.DataFrame:
    return table(
        "cell_ratings",
        "year cell_id cell rating scale rank tier",
        [
            (2016, "tdp-2", "Chi bộ Tổ dân phố số 2", "TSVM", "pre2018", 1, 2),
            (2017, "tdp-2", "Chi bộ Tổ dân phố số 2", "TSVM", "pre2018", 1, 2),
            (2018, "tdp-2", "Chi bộ Tổ dân phố số 2", "HTXSNV", "qd132", 1, 1),
            (2019, "tdp-2", "Chi bộ Tổ dân phố số 2", "HTXSNV", "qd132", 1, 1),
            (2016, "khu-b", "Chi bộ Khu B", "HTTNV", "pre2018", 2, 3),
            (2017, "khu-b", "Chi bộ Khu B", "TSVM", "pre2018", 1, 2),
            (2018, "khu-b", "Chi bộ Khu B", "HTTNV", "qd132", 2, 2),
            (2019, "khu-b", "Chi bộ Khu B", "HTXSNV", "qd132", 1, 1),
            (2016, "truong", "Chi bộ Trường", "HTNV", "pre2018", 3, 3),
            (2018, "truong", "Chi bộ Trường", "KHTNV", "qd132", 4, 4),
            (2019, "truong", "Chi bộ Trường", "HTTNV", "qd132", 2, 2),
        ],
    )


@pytest.fixture
def members() -> pd.DataFrame:
    return table(
        "members",
        "year cell_id members young admitted transferred_in transferred_out died removed "
        "introduced",
        [
            (2018, "tdp-2", 20, 5, 1, 0, 0, 1, 0, 2),
            (2018, "khu-b", 10, 1, 0, 2, 0, 0, 0, 1),
            (2019, "tdp-2", 22, 7, 2, 1, 1, 0, NA, 3),
            (2019, "khu-b", 12, 2, 1, 0, 0, 0, NA, 0),
        ],
    )


@pytest.fixture
def member_ratings() -> pd.DataFrame:
    return table(
        "member_ratings",
        "year cell_id rating count",
        [
            (2017, "tdp-2", "HTXSNV", 1),
            (2017, "tdp-2", "HTTNV", 1),
            (2018, "tdp-2", "HTXSNV", 1),
            (2018, "tdp-2", "HTTNV", 3),
            (2019, "tdp-2", "HTXSNV", 2),
            (2019, "tdp-2", "HTTNV", 6),
            (2019, "tdp-2", "HTNV", 2),
            (2019, "tdp-2", "KHTNV", 0),
        ],
    )


@pytest.fixture
def income() -> pd.DataFrame:
    return table(
        "income",
        "year area_id area income_per_capita poor_households near_poor_households",
        [
            (2015, "tdp-2", "Tổ dân phố số 2", 40.0, 5, 10),
            (2016, "tdp-2", "Tổ dân phố số 2", 44.0, 3, 8),
            (2019, "tdp-2", "Tổ dân phố số 2", 57.0, 0, 6),
            (2015, "khu-b", "Khu B", 30.0, 2, 4),
            (2016, "khu-b", "Khu B", 33.0, 1, 3),
            (2019, "khu-b", "Khu B", NA, 1, NA),
        ],
    )


@pytest.fixture
def ds(cell_ratings, members, member_ratings, income) -> Dataset:
    return Dataset(
        cell_ratings=cell_ratings, members=members, member_ratings=member_ratings, income=income
    )


# --- helpers ----------------------------------------------------------------------------------


def bars(ax) -> dict[str, BarContainer]:
    return {c.get_label(): c for c in ax.containers if isinstance(c, BarContainer)}


def heights(container: BarContainer) -> list[float]:
    return [patch.get_height() for patch in container]


def centres(container: BarContainer) -> list[float]:
    return [patch.get_x() + patch.get_width() / 2 for patch in container]


def vertical_lines(ax) -> dict[float, str]:
    """x → label of every vertical line (both ends at the same x)."""
    found = {}
    for line in ax.get_lines():
        x = np.asarray(line.get_xdata(), dtype=float)
        if len(x) == 2 and x[0] == x[1]:
            found[float(x[0])] = line.get_label()
    return found


def texts(ax) -> list[str]:
    return [t.get_text() for t in ax.figure.findobj(Text) if t.get_text()]


def legend_texts(ax) -> list[str]:
    legend = ax.get_legend()
    return [t.get_text() for t in legend.get_texts()] if legend else []


# --- rating_mix -------------------------------------------------------------------------------


def test_rating_mix_bar_heights_are_counts(cell_ratings, ax):
    out = plots.rating_mix(cell_ratings, ax=ax)
    assert out is ax
    containers = bars(ax)
    assert list(containers) == [
        "Mức 1 (TSVM, HTXSNV)",
        "Mức 2 (HTTNV)",
        "Mức 3 (HTNV)",
        "Mức 4 (Yếu kém, KHTNV)",
    ]
    level1, level2, level3, level4 = containers.values()
    assert heights(level1) == [1, 2, 1, 2]
    assert heights(level2) == [1, 0, 1, 1]
    assert heights(level3) == [1, 0, 0, 0]
    assert heights(level4) == [0, 0, 1, 0]
    assert centres(level1) == pytest.approx([2016, 2017, 2018, 2019])
    # stacked: level 2 sits on level 1, level 4 on levels 1–3 (2018: 1 + 1 + 0)
    assert [p.get_y() for p in level2] == [1, 2, 1, 2]
    assert [p.get_y() for p in level4] == [3, 2, 2, 3]


def test_rating_mix_marks_the_2018_rule_change(cell_ratings, ax):
    plots.rating_mix(cell_ratings, ax=ax)
    lines = vertical_lines(ax)
    assert list(lines) == [2017.5]
    assert lines[2017.5] == "Thay đổi quy định (QĐ 132, 2018)"
    assert "Thay đổi quy định (QĐ 132, 2018)" in legend_texts(ax)


def test_rating_mix_no_rule_line_without_the_change(cell_ratings, ax):
    plots.rating_mix(cell_ratings[cell_ratings["year"] >= 2018], ax=ax)
    assert vertical_lines(ax) == {}


def test_rating_mix_vietnamese_by_default(cell_ratings, ax):
    plots.rating_mix(cell_ratings, ax=ax)
    assert ax.get_xlabel() == "Năm"
    assert ax.get_ylabel() == "Số chi bộ"
    assert ax.get_title() == "Xếp loại chất lượng chi bộ theo năm"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2016", "2017", "2018", "2019"]


def test_rating_mix_english(cell_ratings, ax):
    plots.rating_mix(cell_ratings, lang="en", ax=ax)
    assert ax.get_xlabel() == "Year"
    assert ax.get_ylabel() == "Number of cells"
    assert "Rule change (Regulation 132, 2018)" in legend_texts(ax)
    assert "Level 1 (TSVM, HTXSNV)" in legend_texts(ax)
    assert not any("Năm" in t or "Mức" in t for t in texts(ax))


def test_rating_mix_by_tier(cell_ratings, ax):
    plots.rating_mix(cell_ratings, by="tier", ax=ax)
    containers = bars(ax)
    assert list(containers)[0] == "Bậc 1 (cao nhất)"
    # tiers 2016: 2 3 3; 2017: 2 2; 2018: 1 2 4; 2019: 1 1 2
    assert heights(containers["Bậc 1 (cao nhất)"]) == [0, 0, 1, 2]
    assert heights(containers["Bậc 2"]) == [1, 2, 1, 1]
    assert heights(containers["Bậc 3"]) == [2, 0, 0, 0]


def test_rating_mix_uses_current_axes(cell_ratings):
    plt.figure()
    current = plt.gca()
    assert plots.rating_mix(cell_ratings) is current


# --- rating_heatmap ---------------------------------------------------------------------------


def test_rating_heatmap_image_is_the_level_grid(cell_ratings, ax):
    out = plots.rating_heatmap(cell_ratings, ax=ax)
    assert out is ax
    (image,) = ax.get_images()
    grid = image.get_array()
    # rows in cell_id order: khu-b, tdp-2, truong; columns 2016–2019
    assert grid.filled(0).tolist() == [[2, 1, 2, 1], [1, 1, 1, 1], [3, 0, 4, 2]]
    assert grid.mask.tolist() == [[False] * 4, [False] * 4, [False, True, False, False]]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["Chi bộ Khu B", "Chi bộ Tổ dân phố số 2", "Chi bộ Trường"]
    assert image.get_extent() == [2015.5, 2019.5, 2.5, -0.5]
    assert 2017.5 in vertical_lines(ax)
    codes = [t.get_text() for t in ax.texts]
    # HTXSNV: tdp-2 2018, 2019 and khu-b 2019; KHTNV: truong 2018
    assert codes.count("HTXSNV") == 3 and codes.count("KHTNV") == 1


def test_rating_heatmap_english(cell_ratings, ax):
    plots.rating_heatmap(cell_ratings, lang="en", ax=ax)
    assert ax.get_ylabel() == "Party cell"
    assert "Level 4 (weak, KHTNV)" in legend_texts(ax)


def test_rating_heatmap_labels_carry_the_score_where_the_year_has_one(ax):
    ratings = table(
        "cell_ratings",
        "year cell_id cell rating scale rank tier score",
        [
            (2024, "a", "Chi bộ A", "HTTNV", "qd124", 2, 2, NA),
            (2025, "a", "Chi bộ A", "HTTNV", "qd366", 2, 2, 92),
            (2025, "b", "Chi bộ B", "HTXSNV", "qd366", 1, 1, 95.5),
            (2025, "c", "Chi bộ C", "HTNV", "qd366", 3, 3, NA),
        ],
    )
    plots.rating_heatmap(ratings, ax=ax)
    # text at (year, row): rows in cell_id order a, b, c
    placed = {(t.get_position(), t.get_text()) for t in ax.texts}
    assert placed == {
        ((2024, 0), "HTTNV"),
        ((2025, 0), "HTTNV\n92"),
        ((2025, 1), "HTXSNV\n95.5"),
        ((2025, 2), "HTNV"),
    }


def test_committee_rating_labels_carry_the_score(ax):
    committee = table(
        "committee_ratings",
        "year committee rating scale rank tier score",
        [
            (2024, "Đảng bộ X", "HTTNV", "qd124", 2, 2, NA),
            (2025, "Đảng bộ X", "HTXSNV", "qd366", 1, 1, 91),
        ],
    )
    plots.committee_rating(committee, ax=ax)
    assert [t for t in texts(ax) if t.startswith("HT")] == ["HTTNV", "HTXSNV\n91"]


# --- membership -------------------------------------------------------------------------------


def test_membership_bars_and_young_share_line(members, ax):
    out = plots.membership(members, ax=ax)
    assert out is ax
    (container,) = bars(ax).values()
    assert heights(container) == [30, 34]  # 20 + 10, 22 + 12
    assert centres(container) == pytest.approx([2018, 2019])
    (twin,) = [other for other in ax.figure.axes if other is not ax]
    (line,) = twin.get_lines()
    assert line.get_xdata().tolist() == [2018, 2019]
    # young: (5 + 1) / 30 = 20%, (7 + 2) / 34
    assert line.get_ydata() == pytest.approx([20.0, 900 / 34])
    assert ax.get_ylabel() == "Số đảng viên"
    assert twin.get_ylabel() == "Tỷ lệ đảng viên trẻ dưới 35 tuổi (%)"


def test_membership_english(members, ax):
    plots.membership(members, lang="en", ax=ax)
    assert ax.get_ylabel() == "Members"
    assert "Young members, under 35 (%)" in legend_texts(ax)


# --- member_flows -----------------------------------------------------------------------------


def test_member_flows_bars(members, ax):
    out = plots.member_flows(members, ax=ax)
    assert out is ax
    containers = bars(ax)
    assert list(containers) == [
        "Kết nạp",
        "Chuyển đến",
        "Chuyển đi",
        "Từ trần",
        "Xóa tên, khai trừ",
        "Giới thiệu học lớp đối tượng Đảng",
    ]
    assert heights(containers["Kết nạp"]) == [1, 3]
    assert heights(containers["Chuyển đến"]) == [2, 1]
    assert heights(containers["Chuyển đi"]) == [0, 1]
    assert heights(containers["Từ trần"]) == [1, 0]
    removed = heights(containers["Xóa tên, khai trừ"])
    assert removed[0] == 0 and np.isnan(removed[1])  # not reported in 2019: no bar
    assert heights(containers["Giới thiệu học lớp đối tượng Đảng"]) == [3, 3]
    # the six bars of a year sit around it
    assert np.mean([centres(c)[0] for c in containers.values()]) == pytest.approx(2018)


def test_member_flows_english(members, ax):
    plots.member_flows(members, lang="en", ax=ax)
    assert list(bars(ax))[:2] == ["Admitted", "Transferred in"]


# --- member_rating_shares ---------------------------------------------------------------------


def test_member_rating_shares_bars_are_percent_of_rated(member_ratings, ax):
    out = plots.member_rating_shares(member_ratings, ax=ax)
    assert out is ax
    containers = bars(ax)
    assert list(containers) == [
        "Hoàn thành xuất sắc nhiệm vụ",
        "Hoàn thành tốt nhiệm vụ",
        "Hoàn thành nhiệm vụ",
        "Không hoàn thành nhiệm vụ",
    ]
    # 2017: 1 + 1; 2018: 1 + 3; 2019: 2 + 6 + 2 + 0 = 10
    assert heights(containers["Hoàn thành xuất sắc nhiệm vụ"]) == pytest.approx([50, 25, 20])
    assert heights(containers["Hoàn thành tốt nhiệm vụ"]) == pytest.approx([50, 75, 60])
    assert heights(containers["Hoàn thành nhiệm vụ"]) == pytest.approx([0, 0, 20])
    assert heights(containers["Không hoàn thành nhiệm vụ"]) == pytest.approx([0, 0, 0])
    assert ax.get_ylabel() == "Tỷ lệ trên số đảng viên được xếp loại (%)"
    assert 2017.5 in vertical_lines(ax)


def test_member_rating_shares_english(member_ratings, ax):
    plots.member_rating_shares(member_ratings, lang="en", ax=ax)
    assert ax.get_ylabel() == "Share of members rated (%)"


# --- income and poverty -----------------------------------------------------------------------


def test_income_one_line_per_area(income, ax):
    out = plots.income(income, ax=ax)
    assert out is ax
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert list(lines) == ["Khu B", "Tổ dân phố số 2"]  # area_id order: khu-b, tdp-2
    assert lines["Tổ dân phố số 2"].get_xdata().tolist() == [2015, 2016, 2019]
    assert lines["Tổ dân phố số 2"].get_ydata().tolist() == [40.0, 44.0, 57.0]
    khu_b = lines["Khu B"].get_ydata()
    assert khu_b[:2].tolist() == [30.0, 33.0] and np.isnan(khu_b[2])
    assert ax.get_ylabel() == "Triệu đồng/người/năm"


def test_income_english(income, ax):
    plots.income(income, lang="en", ax=ax)
    assert ax.get_ylabel() == "Million đồng per person per year"
    assert ax.get_title() == "Income per capita by area"


def test_poverty_lines_and_standard_break(income, ax):
    out = plots.poverty(income, ax=ax)
    assert out is ax
    data = {line.get_label(): line for line in ax.get_lines() if len(line.get_xdata()) != 2}
    assert data["Hộ nghèo"].get_ydata().tolist() == [7, 4, 1]  # 5 + 2, 3 + 1, 0 + 1
    assert data["Hộ cận nghèo"].get_ydata().tolist() == [14, 11, 6]  # khu-b 2019 blank
    assert data["Hộ nghèo"].get_xdata().tolist() == [2015, 2016, 2019]
    assert vertical_lines(ax) == {2015.5: "Chuẩn nghèo mới (2016–2021)"}


def test_poverty_english(income, ax):
    plots.poverty(income, lang="en", ax=ax)
    assert vertical_lines(ax) == {2015.5: "New poverty standard (2016–2021)"}
    assert ax.get_ylabel() == "Households"


def test_income_vs_rating_scatter(income, cell_ratings, ax):
    out = plots.income_vs_rating(income, cell_ratings, empty("cells"), ax=ax)
    assert out is ax
    collections = {c.get_label(): c for c in ax.collections if isinstance(c, PathCollection)}
    # joined through cell_id == area_id: 2016 khu-b (rank 2, 33), tdp-2 (rank 1, 44);
    # 2019 tdp-2 (rank 1, 57); khu-b 2019 has no income; 2015 has no ratings.
    assert list(collections) == ["2016", "2019"]
    points_2016 = collections["2016"].get_offsets()
    assert points_2016[:, 1].tolist() == [33.0, 44.0]
    assert np.round(points_2016[:, 0]).tolist() == [2, 1]
    points_2019 = collections["2019"].get_offsets()
    assert points_2019[:, 1].tolist() == [57.0]
    # years dodged apart, by at most 0.2
    assert points_2016[1, 0] < 1 < points_2019[0, 0] <= 1.2
    assert ax.get_xlabel() == "Xếp loại chi bộ (mức, 1 = cao nhất)"


def test_income_vs_rating_english(income, cell_ratings, ax):
    plots.income_vs_rating(income, cell_ratings, empty("cells"), lang="en", ax=ax)
    assert ax.get_xlabel() == "Cell rating (level, 1 = best)"


# --- every chart ------------------------------------------------------------------------------


def test_all_plots_names_tables():
    assert set(plots.ALL_PLOTS) >= {
        "rating_mix",
        "rating_heatmap",
        "membership",
        "member_flows",
        "member_rating_shares",
        "income",
        "poverty",
        "income_vs_rating",
    }
    for spec in plots.ALL_PLOTS.values():
        assert spec.tables and set(spec.tables) <= set(TABLE_NAMES)


@pytest.mark.parametrize("name", sorted(plots.ALL_PLOTS))
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_plot_draws_into_the_given_axes(name, lang, ds, ax):
    assert plots.ALL_PLOTS[name].draw(ds, lang=lang, ax=ax) is ax
    assert ax.get_title()


@pytest.mark.parametrize("name", sorted(plots.ALL_PLOTS))
def test_every_plot_accepts_empty_tables(name, ax):
    assert plots.ALL_PLOTS[name].draw(Dataset(), ax=ax) is ax
    assert "Không có dữ liệu" in texts(ax)


@pytest.mark.parametrize("name", sorted(plots.ALL_PLOTS))
def test_every_plot_text_is_nfc_and_vietnamese_by_default(name, ds, ax):
    plots.ALL_PLOTS[name].draw(ds, ax=ax)
    all_text = texts(ax)
    assert all(unicodedata.is_normalized("NFC", t) for t in all_text)
    # Vietnamese diacritics (not just ASCII) in the title and axis labels
    assert any(not t.isascii() for t in (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()))


def test_decomposed_names_are_drawn_nfc(income, ax):
    nfd = income.assign(area=income["area"].map(lambda s: unicodedata.normalize("NFD", s)))
    plots.income(nfd, ax=ax)
    assert "Tổ dân phố số 2" in legend_texts(ax)


def test_global_settings_untouched(ds):
    before = dict(plt.rcParams)
    for spec in plots.ALL_PLOTS.values():
        spec.draw(ds, ax=plt.figure().add_subplot())
    assert dict(plt.rcParams) == before


def test_unknown_language(cell_ratings, ax):
    with pytest.raises(ValueError, match="lang"):
        plots.rating_mix(cell_ratings, lang="fr", ax=ax)


def test_member_flows_leaves_out_a_flow_no_cell_reported(members, ax):
    plots.member_flows(members.assign(died=pd.NA), ax=ax)
    assert "Từ trần" not in bars(ax) and "Từ trần" not in legend_texts(ax)
    assert len(bars(ax)) == 5


def test_heatmap_by_tier_has_its_own_title(cell_ratings, ax):
    plots.rating_heatmap(cell_ratings, by="tier", lang="en", ax=ax)
    assert "tier" in ax.get_title()
    other = plt.figure().add_subplot()
    plots.rating_heatmap(cell_ratings, lang="en", ax=other)
    assert other.get_title() != ax.get_title()


def test_committee_rating_draws_rank_and_tier(ax):
    committee = table(
        "committee_ratings",
        "year committee rating scale rank tier",
        [
            (2016, "Đảng bộ X", "TSVM", "pre2018", 1, 2),
            (2017, "Đảng bộ X", "TSVM", "pre2018", 1, 2),
            (2018, "Đảng bộ X", "HTTNV", "qd132", 2, 2),
        ],
    )
    assert plots.committee_rating(committee, ax=ax) is ax
    rank, tier = ax.get_lines()[:2]
    assert list(rank.get_xdata()) == [2016, 2017, 2018]
    assert list(rank.get_ydata()) == [1, 1, 2]  # a "fall" by position …
    assert list(tier.get_ydata()) == [2, 2, 2]  # … level by tier
    assert 2017.5 in vertical_lines(ax)
    assert ax.get_ylim()[0] > ax.get_ylim()[1]  # 1 = best on top
    assert [t for t in texts(ax) if t in ("TSVM", "HTTNV")] == ["TSVM", "TSVM", "HTTNV"]
    assert "Đảng bộ X" in ax.get_title()


def test_committee_rating_empty(ax):
    plots.committee_rating(empty("committee_ratings"), ax=ax)
    assert ax.get_lines() == [] or all(len(line.get_xdata()) == 0 for line in ax.get_lines())


def test_heatmap_of_many_cells_shows_the_weakest_few(ax):
    rows = [(2019, f"c{i:03d}", f"Chi bộ {i}", "HTTNV", "qd132", 2, 2) for i in range(100)]
    rows[7] = (2019, "c007", "Chi bộ 7", "KHTNV", "qd132", 4, 4)
    ratings = table("cell_ratings", "year cell_id cell rating scale rank tier", rows)
    plots.rating_heatmap(ratings, max_cells=10, lang="en", ax=ax)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == 10 and "Chi bộ 7" in labels  # the weakest cell is among those shown
    assert "10 of 100" in ax.get_title()
    assert texts(ax).count("KHTNV") == 1


def test_income_of_many_areas_draws_median_and_bands(ax):
    rows = [
        (y, f"a{i}", f"Xóm {i}", 100, 400, float(i + y - 2018), 1, 2)
        for i in range(1, 21)
        for y in (2018, 2019)
    ]
    inc = table(
        "income",
        "year area_id area households population income_per_capita "
        "poor_households near_poor_households",
        rows,
    )
    plots.income(inc, max_lines=12, lang="en", ax=ax)
    [median] = ax.get_lines()
    assert list(median.get_xdata()) == [2018, 2019]
    assert list(median.get_ydata()) == [10.5, 11.5]  # median of 1..20, then of 2..21
    assert len(ax.collections) == 2  # the two bands
    assert "Median of 20 areas" in legend_texts(ax)


def test_income_vs_rating_beyond_max_points_draws_medians_and_middle_half(ax):
    # 2019: rank 1 cells in areas earning 10, 20, 30, 40; rank 2 cells in areas earning 5, 7.
    incomes = {1: [10.0, 20.0, 30.0, 40.0], 2: [5.0, 7.0]}
    ratings, income = [], []
    for rank, values in incomes.items():
        for i, value in enumerate(values):
            cell = f"r{rank}-{i}"
            ratings.append((2019, cell, "HTXSNV" if rank == 1 else "HTTNV", rank, rank))
            income.append((2019, cell, value))
    cell_ratings = table("cell_ratings", "year cell_id rating rank tier", ratings)
    income = table("income", "year area_id income_per_capita", income)
    plots.income_vs_rating(income, cell_ratings, empty("cells"), max_points=5, ax=ax)
    (medians,) = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert medians.get_label() == "2019"
    assert medians.get_offsets().tolist() == [[1.0, 25.0], [2.0, 6.0]]  # one point per rank
    (spans,) = [c for c in ax.collections if not isinstance(c, PathCollection)]
    # 25th–75th percentiles (linear): 17.5–32.5 at rank 1, 5.5–6.5 at rank 2
    assert [s.tolist() for s in spans.get_segments()] == [
        [[1.0, 17.5], [1.0, 32.5]],
        [[2.0, 5.5], [2.0, 6.5]],
    ]
    assert ax.get_title() == (
        "Thu nhập địa bàn và xếp loại chi bộ (trung vị và khoảng 25–75% của 6 lượt xếp loại)"
    )
    # at or under the limit: every point, as before
    other = plt.figure().add_subplot()
    plots.income_vs_rating(income, cell_ratings, empty("cells"), max_points=6, lang="en", ax=other)
    (points,) = other.collections
    assert len(points.get_offsets()) == 6 and other.get_title() == "Area income and cell rating"


def test_income_vs_rating_summary_dodges_years_and_is_english(ax):
    rows = [(y, f"c{i}", "HTTNV", 2, 2) for y in (2018, 2019) for i in range(3)]
    cell_ratings = table("cell_ratings", "year cell_id rating rank tier", rows)
    income = table(
        "income",
        "year area_id income_per_capita",
        [(y, f"c{i}", 10.0 * (i + 1)) for y in (2018, 2019) for i in range(3)],
    )
    plots.income_vs_rating(income, cell_ratings, empty("cells"), max_points=1, lang="en", ax=ax)
    points = {
        c.get_label(): c.get_offsets() for c in ax.collections if isinstance(c, PathCollection)
    }
    assert list(points) == ["2018", "2019"]
    assert points["2018"].tolist() == [[1.8, 20.0]] and points["2019"].tolist() == [[2.2, 20.0]]
    assert ax.get_title().endswith("(median and 25–75% range of 6 ratings)")


def test_heatmap_total_counts_only_cells_rated_on_that_view(ax):
    # 12 cells; c11 has a rank but no tier, so by tier there are 11 cells to choose from.
    rows = [(2019, f"c{i:02d}", f"Chi bộ {i}", "HTTNV", "qd132", 2, 2) for i in range(11)]
    rows.append((2019, "c11", "Chi bộ 11", "HTTNV", "qd132", 2, None))
    rows[4] = (2019, "c04", "Chi bộ 4", "HTNV", "qd132", 3, 3)
    ratings = table("cell_ratings", "year cell_id cell rating scale rank tier", rows)
    plots.rating_heatmap(ratings, by="tier", max_cells=3, lang="en", ax=ax)
    assert "3 of 11" in ax.get_title()
    # weakest first (c04), then ties in cell_id order (c00, c01); drawn in cell_id order
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["Chi bộ 0", "Chi bộ 1", "Chi bộ 4"]
    # the codes sit inside the image and are left out of the layout's reckoning
    assert ax.texts and not any(t.get_in_layout() for t in ax.texts)
