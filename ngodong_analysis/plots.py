"""Charts of the tidy tables, one function per chart, in the seaborn convention.

Each function takes contract tables first, then keyword-only options, ``lang`` ("vi", the
default, or "en") and ``ax`` (``None``: the current Axes), draws into that Axes and returns it,
so a notebook can put several charts on one ``plt.subplots`` grid. The numbers come from
:mod:`ngodong_analysis.analysis`; the text from ``resources/texts.csv`` (NFC). Rule
changes are marked on the time axis: the rating scales of ``resources/scales.csv`` (2017/2018:
QĐ 132) and the poverty standards of ``resources/poverty_lines.csv``.

Nothing here calls ``plt.show`` or changes global settings: the house style is applied with
``plt.rc_context(STYLE)`` around each drawing.

>>> fig, axes = plt.subplots(1, 2, figsize=(10, 4))
>>> nd.plots.rating_mix(ds.cell_ratings, ax=axes[0])
<Axes: title={'center': 'Xếp loại chất lượng chi bộ theo năm'}, xlabel='Năm', ylabel='Số chi bộ'>
>>> nd.plots.membership(ds.members, lang="en", ax=axes[1])
<Axes: title={'center': 'Members and share of young members'}, xlabel='Year', ylabel='Members'>
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.cbook import normalize_kwargs
from matplotlib.collections import PathCollection
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.image import AxesImage
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from . import analysis
from ._docstrings import _core_docs, share_docs
from .analysis._common import level_column
from .analysis.membership import ALL_FLOWS
from .grouping import codes as _codes
from .schema import CELL_ID, COMMITTEE_ID, MEMBER_RATING_CODES
from .vocab import colour, has_text, scale_changes, texts

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .dataset import Dataset

__all__ = [
    "ALL_PLOTS",
    "COMPARE_PLOTS",
    "ComparisonSpec",
    "LANGS",
    "PALETTE",
    "STYLE",
    "PlotSpec",
    "charts_for",
    "committee_count",
    "committee_heatmap",
    "committee_members",
    "committee_rating",
    "funnel",
    "income",
    "income_vs_rating",
    "labels",
    "member_flows",
    "member_rating_shares",
    "membership",
    "poverty",
    "rating_heatmap",
    "rating_mix",
    "rating_mix_panels",
]

Lang = Literal["vi", "en"]
LANGS = ("vi", "en")

STYLE: dict[str, object] = {
    "font.family": "DejaVu Sans",  # ships with matplotlib and covers Vietnamese
    "font.size": 9,
    "axes.titlesize": 11,
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "legend.frameon": False,
}
"""rcParams applied (temporarily) while a chart is drawn."""

PALETTE: dict[str, object] = {
    "levels": {level: colour(f"level_{level}") for level in (1, 2, 3, 4)},
    "other": colour("level_other"),
    "members": colour("members"),
    "young": colour("young"),
    "flows": {flow: colour(flow) for flow in ALL_FLOWS},
    "poor": colour("poor_households"),
    "near_poor": colour("near_poor_households"),
    "rule": colour("rule_change"),
    "areas": plt.get_cmap("tab10").colors,
}
"""The chart colours: rating levels 1 (best) – 4, flows, series and rule-change markers, from
``resources/columns.csv`` (the areas take matplotlib's tab10 in turn)."""

BAR_WIDTH = 0.7
RULE_LINE = {"color": PALETTE["rule"], "linestyle": "--", "linewidth": 1.0, "zorder": 3}


# --- text ----------------------------------------------------------------------------------


def _nfc(text: object) -> str:
    return unicodedata.normalize("NFC", str(text))


@share_docs(**_core_docs)
def labels(lang: Lang = "vi") -> Callable[..., str]:
    """The chart text of ``lang``: ``text(key, **fields)`` → NFC string.

    Parameters
    ----------
    {params.lang}

    Returns
    -------
    callable
        ``text(key, **fields)``: the text of ``key`` in ``resources/texts.csv``, with its
        ``{{fields}}`` filled in, NFC-normalised.

    Examples
    --------
    >>> text = labels("en")
    >>> text("year"), text("rule_change", rule="QĐ 132", year=2018)
    ('Year', 'Rule change (QĐ 132, 2018)')
    """
    return texts(lang)


def _level_label(text: Callable[..., str], by: str, level: int) -> str:
    key = f"{by}_{level}"
    return text(key) if has_text(key) else text("level_other", level=level)


# --- shared drawing helpers -----------------------------------------------------------------


def _axes(ax: Axes | None) -> Axes:
    return plt.gca() if ax is None else ax


# A colour the caller gives in one of these names replaces the chart's ``color``, which
# matplotlib would otherwise apply over it (bars) or refuse beside it (scatter's ``c``).
_COLOR_NAMES = ("c", "color", "facecolor", "facecolors", "fc")


def _artist_kws(artist: type, kwargs: Mapping[str, object], **defaults: object) -> dict:
    """The chart's own settings of one artist, overridden by the caller's ``**kwargs``
    (aliases such as ``lw`` or ``ec`` read as the names they stand for)."""
    if not kwargs:
        return defaults
    given = normalize_kwargs(dict(kwargs), artist)
    if any(name in given for name in _COLOR_NAMES):
        defaults.pop("color", None)
    return {**normalize_kwargs(defaults, artist), **given}


def _floats(series: pd.Series) -> np.ndarray:
    return pd.to_numeric(series).astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def _finish(ax: Axes, text: Callable[..., str], *, title: str, ylabel: str, years) -> None:
    ax.set_title(title)
    ax.set_xlabel(text("year"))
    ax.set_ylabel(ylabel)
    years = sorted(int(y) for y in years)
    if years:
        ax.set_xticks(years)
        ax.set_xticklabels([str(y) for y in years])
    else:
        ax.text(0.5, 0.5, text("chart_no_data"), transform=ax.transAxes, ha="center", va="center")
    ax.grid(True, axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _legend(ax: Axes, handles=None, **kwargs) -> None:
    handles = handles if handles is not None else ax.get_legend_handles_labels()[0]
    if handles:
        ax.legend(handles=handles, **kwargs)


def _mark_rule_changes(ax: Axes, years, text: Callable[..., str]) -> None:
    """Dashed lines where a new rating scale starts inside the span of ``years``."""
    for scale, first_year in scale_changes(years):
        rule = text(f"scale_short_{scale}")
        label = text("rule_change", rule=rule, year=first_year)
        ax.axvline(first_year - 0.5, label=label, **RULE_LINE)


def _stacked_bars(
    ax: Axes, wide: pd.DataFrame, colors: list, names: list[str], kwargs: Mapping[str, object]
) -> None:
    """One bar per row of ``wide`` (index: years), one stacked segment per column."""
    bottom = np.zeros(len(wide))
    x = wide.index.to_numpy(dtype=float)
    for column, color, name in zip(wide.columns, colors, names, strict=True):
        heights = _floats(wide[column])
        kws = _artist_kws(Rectangle, kwargs, width=BAR_WIDTH, color=color, label=name)
        ax.bar(x, heights, bottom=bottom, **kws)
        bottom = bottom + np.nan_to_num(heights)


# --- ratings --------------------------------------------------------------------------------


def _committees_as_one(chart: Callable[..., Axes]) -> Callable[..., Axes]:
    """A chart of one committee's tables drawn for tables of several as for one: the
    committees' counts added up, their cells kept apart (:func:`as_one_committee`). The
    comparisons between committees have charts of their own."""

    @functools.wraps(chart)
    def draw(*tables, **options):
        return chart(*as_one_committee(*tables), **options)

    return draw


@share_docs(**_core_docs)
@_committees_as_one
def rating_mix(
    cell_ratings: pd.DataFrame,
    *,
    by: Literal["rank", "tier"] = "rank",
    lang: Lang = "vi",
    ax: Axes | None = None,
    **kwargs,
) -> Axes:
    """Stacked bars: cells at each level per year, with the changes of rules marked.

    Parameters
    ----------
    {params.cell_ratings}
    {params.by}
    {params.lang}
    {params.ax}
    {params.bar_kwargs}
        Here: every level's bars.

    Returns
    -------
    Axes
        One bar container per level (bar heights = cells, see
        :func:`ngodong_analysis.analysis.rating_mix`) and a dashed line at 2017.5 when the
        years span the 2017/2018 change.
    """
    text = labels(lang)
    mix = analysis.rating_mix(cell_ratings, by=by)
    wide = mix.pivot(index="year", columns="level", values="count")
    with plt.rc_context(STYLE):
        ax = _axes(ax)
        levels = [int(level) for level in wide.columns]
        colors = [PALETTE["levels"].get(level, PALETTE["other"]) for level in levels]
        names = [_level_label(text, by, level) for level in levels]
        _stacked_bars(ax, wide, colors, names, kwargs)
        _mark_rule_changes(ax, wide.index, text)
        title = text("rating_mix_title" if by == "rank" else "rating_mix_tier_title")
        _finish(ax, text, title=title, ylabel=text("cells"), years=wide.index)
        _legend(ax, loc="upper left", bbox_to_anchor=(1.01, 1))
    return ax


def _heatmap_title(by: str) -> str:
    return "rating_heatmap_title" if by == "rank" else "rating_heatmap_tier_title"


@share_docs(**_core_docs)
@_committees_as_one
def rating_heatmap(
    cell_ratings: pd.DataFrame,
    *,
    by: Literal["rank", "tier"] = "rank",
    max_cells: int = 40,
    lang: Lang = "vi",
    ax: Axes | None = None,
    **kwargs,
) -> Axes:
    """Cells × years, coloured by level and labelled with the rating code, and with the
    score below it where the year has one (QĐ 366, from 2025).

    Parameters
    ----------
    {params.cell_ratings}
    {params.by}
        Here, the level that colours the squares.
    max_cells : int
        A readable chart holds a few dozen rows: with more cells, the ``max_cells`` with the
        weakest mean level are drawn (the title says how many of how many).
    {params.lang}
    {params.ax}
    {params.image_kwargs}

    Returns
    -------
    Axes
        One image whose array holds the level of cell *i* (rows, in ``cell_id`` order) in year
        *j* (columns, every year of the span; masked where unrated). The x axis is in years,
        so the rule change sits at 2017.5 as on the other charts.
    """
    text = labels(lang)
    rows = np.flatnonzero(cell_ratings[level_column(by)].notna().to_numpy())
    with plt.rc_context(STYLE):
        ax = _axes(ax)
        if not len(rows):
            _finish(ax, text, title=text(_heatmap_title(by)), ylabel=text("cell"), years=[])
            return ax
        year = cell_ratings["year"].to_numpy()[rows]
        years = list(range(int(year.min()), int(year.max()) + 1))
        cell, cell_ids = _codes(cell_ratings[CELL_ID])
        cell = cell[rows]
        known = cell >= 0
        rated_rows = np.bincount(cell[known], minlength=len(cell_ids))
        total = int(np.count_nonzero(rated_rows))
        title = text(_heatmap_title(by))
        if total > max_cells:
            # Mean level per cell (in cell_id order; NaN for a cell never rated), weakest
            # first, ties in cell_id order.
            level = cell_ratings[by].to_numpy(dtype=float, na_value=np.nan)[rows][known]
            with np.errstate(invalid="ignore"):
                mean = (
                    np.bincount(cell[known], weights=level, minlength=len(cell_ids)) / rated_rows
                )
            weakest = np.argsort(-mean, kind="stable")[:max_cells]
            rows = rows[np.isin(cell, weakest)]
            title += " " + text("heatmap_subset", shown=max_cells, total=total)
        rated = cell_ratings.iloc[rows]
        grid = rated.pivot(index=CELL_ID, columns="year", values=by).reindex(columns=years)
        names = rated.sort_values("year").groupby(CELL_ID)["cell"].last().reindex(grid.index)
        values = np.ma.masked_invalid(grid.astype("Float64").to_numpy(float, na_value=np.nan))
        colors = [PALETTE["levels"][level] for level in (1, 2, 3, 4)]
        image = _artist_kws(
            AxesImage,
            kwargs,
            cmap=ListedColormap(colors),
            norm=BoundaryNorm([0.5, 1.5, 2.5, 3.5, 4.5], 4),
            aspect="auto",
            interpolation="nearest",
            extent=(years[0] - 0.5, years[-1] + 0.5, len(grid) - 0.5, -0.5),
        )
        ax.imshow(values, **image)
        rating_grid = (
            rated.pivot(index=CELL_ID, columns="year", values="rating")
            .reindex(index=grid.index, columns=years)
            .astype(object)
            .to_numpy()
        )
        score_grid = _score_grid(rated, grid.index, years)
        for row, col in zip(*np.nonzero(pd.notna(rating_grid)), strict=True):
            # Inside the image: left out of the layout engine's reckoning of the Axes' extent.
            ax.text(
                years[col],
                row,
                _with_score(rating_grid[row, col], score_grid[row, col]),
                ha="center",
                va="center",
                fontsize=7,
                in_layout=False,
            )
        ax.set_yticks(range(len(grid)))
        ax.set_yticklabels(
            [_nfc(n) if not pd.isna(n) else str(i) for i, n in zip(grid.index, names, strict=True)]
        )
        _mark_rule_changes(ax, years, text)
        _finish(ax, text, title=title, ylabel=text("cell"), years=years)
        ax.grid(False)
        legend = [Patch(color=colors[i], label=_level_label(text, by, i + 1)) for i in range(4)]
        rule_lines = ax.get_legend_handles_labels()[0]
        _legend(ax, handles=legend + rule_lines, loc="upper left", bbox_to_anchor=(1.01, 1))
    return ax


def _score_grid(rated: pd.DataFrame, cells: pd.Index, years: list[int]) -> np.ndarray:
    """Scores of ``cells`` × ``years`` (NaN where none, and everywhere for a table without
    a score column, such as a frame built by hand)."""
    if "score" not in rated.columns:
        return np.full((len(cells), len(years)), np.nan)
    grid = rated.pivot(index=CELL_ID, columns="year", values="score")
    grid = grid.reindex(index=cells, columns=years).astype("Float64")
    return grid.to_numpy(float, na_value=np.nan)


def _with_score(code: object, score: float) -> str:
    """A rating code, with its score below it where the year had one ("HTTNV\n92")."""
    return str(code) if np.isnan(score) else f"{code}\n{score:g}"


# --- members --------------------------------------------------------------------------------


@share_docs(**_core_docs)
@_committees_as_one
def membership(
    members: pd.DataFrame, *, lang: Lang = "vi", ax: Axes | None = None, **kwargs
) -> Axes:
    """Bars of members per year, with the share of young members on a twin axis.

    Parameters
    ----------
    {params.members}
    {params.lang}
    {params.ax}
    {params.bar_kwargs}
        Here: the members' bars (a year's total that leaves out a cell stays hatched and pale).

    Returns
    -------
    Axes
        The bars' Axes (members, persons). The line of young members in percent (under 35,
        from :func:`ngodong_analysis.analysis.membership_totals`) is on a twin Axes sharing x.
    """
    text = labels(lang)
    totals = analysis.membership_totals(members)
    years = totals["year"].to_numpy(dtype=float)
    with plt.rc_context(STYLE):
        ax = _axes(ax)
        if totals.empty:
            _finish(ax, text, title=text("membership_title"), ylabel=text("members"), years=[])
            return ax
        kws = _artist_kws(
            Rectangle, kwargs, width=BAR_WIDTH, color=PALETTE["members"], label=text("members")
        )
        bars = ax.bar(years, _floats(totals["members"]), **kws)
        # a total that leaves out a cell is hatched and pale, not read as a fall
        partial = analysis.incomplete_mask(totals, "members")
        for bar, flagged in zip(bars, partial, strict=True):
            if flagged:
                bar.set_hatch("///")
                bar.set_alpha(0.45)
        if partial.any():
            ax.bar(
                [np.nan], [np.nan], color=PALETTE["members"], alpha=0.45, hatch="///",
                label=text("incomplete_total"),
            )  # fmt: skip
        _finish(ax, text, title=text("membership_title"), ylabel=text("members"), years=years)
        twin = ax.twinx()
        young = 100 * _floats(totals["young_share"])
        twin.plot(
            years,
            young,
            color=PALETTE["young"],
            marker="o",
            label=text("young_share"),
        )
        twin.set_ylabel(text("young_share"))
        # Headroom so the line's top marker is not cut by the frame.
        peak = np.nanmax(young) if np.isfinite(young).any() else 0.0
        twin.set_ylim(0, peak * 1.15 if peak > 0 else 1.0)
        twin.spines["top"].set_visible(False)
        ax.spines["right"].set_visible(False)
        handles = ax.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
        # Past the twin axis's tick labels and title.
        _legend(ax, handles=handles, loc="upper left", bbox_to_anchor=(1.15, 1))
    return ax


@share_docs(**_core_docs)
@_committees_as_one
def member_flows(
    members: pd.DataFrame, *, lang: Lang = "vi", ax: Axes | None = None, **kwargs
) -> Axes:
    """Grouped bars per year: admitted, transferred in/out, died, removed, introduced.

    Parameters
    ----------
    {params.members}
    {params.lang}
    {params.ax}
    {params.bar_kwargs}
        Here: every flow's bars.

    Returns
    -------
    Axes
        One bar container per flow (heights = persons, from
        :func:`ngodong_analysis.analysis.member_flows`; a flow no cell reported is not drawn).
    """
    text = labels(lang)
    flows = analysis.member_flows(members)
    wide = flows.pivot(index="year", columns="flow", values="count")
    # a flow no cell reported (all missing) gets no bar and no legend entry
    names = [flow for flow in ALL_FLOWS if flow in wide.columns and wide[flow].notna().any()]
    with plt.rc_context(STYLE):
        ax = _axes(ax)
        width = BAR_WIDTH / max(len(names), 1)
        x = wide.index.to_numpy(dtype=float)
        for i, flow in enumerate(names):
            offset = (i - (len(names) - 1) / 2) * width
            kws = _artist_kws(
                Rectangle,
                kwargs,
                width=width,
                color=PALETTE["flows"][flow],
                label=text(f"flow_{flow}"),
            )
            ax.bar(x + offset, _floats(wide[flow]), **kws)
        _finish(ax, text, title=text("member_flows_title"), ylabel=text("persons"), years=x)
        _legend(ax, loc="upper left", bbox_to_anchor=(1.01, 1))
    return ax


@share_docs(**_core_docs)
@_committees_as_one
def member_rating_shares(
    member_ratings: pd.DataFrame, *, lang: Lang = "vi", ax: Axes | None = None, **kwargs
) -> Axes:
    """Stacked bars per year: the share of rated members at each rating, in percent.

    Parameters
    ----------
    {params.member_ratings}
    {params.lang}
    {params.ax}
    {params.bar_kwargs}
        Here: every rating's bars.

    Returns
    -------
    Axes
        One bar container per rating (heights = percent of the members rated that year, from
        :func:`ngodong_analysis.analysis.member_rating_shares`; exempt members are not rated
        and not in the denominator, as the axis label says).
    """
    text = labels(lang)
    shares = analysis.member_rating_shares(member_ratings, denominator="rated")
    shares = shares.assign(percent=100 * shares["share"], rating=shares["rating"].astype(str))
    wide = shares.pivot(index="year", columns="rating", values="percent")
    codes = [code for code in MEMBER_RATING_CODES if code in wide.columns]
    with plt.rc_context(STYLE):
        ax = _axes(ax)
        colors = [PALETTE["levels"][i] for i in range(1, len(codes) + 1)]
        names = [text(f"rating_{code}") for code in codes]
        _stacked_bars(ax, wide[codes], colors, names, kwargs)
        _mark_rule_changes(ax, wide.index, text)
        _finish(
            ax,
            text,
            title=text("member_ratings_title"),
            ylabel=text("share_of_rated"),
            years=wide.index,
        )
        _legend(ax, loc="upper left", bbox_to_anchor=(1.01, 1))
    return ax


@share_docs(**_core_docs)
def committee_rating(
    committee_ratings: pd.DataFrame, *, lang: Lang = "vi", ax: Axes | None = None, **kwargs
) -> Axes:
    """The committee's own rating per year on both views: position (rank) and tier.

    Across the 2017/2018 change of rules the two can disagree: TSVM (rank 1, tier 2) followed
    by HTTNV (rank 2, tier 2) is a "fall" by position but level by tier.

    Parameters
    ----------
    committee_ratings : DataFrame
        The ``committee_ratings`` contract table (the first unit is drawn if there are several).
    {params.lang}
    {params.ax}
    {params.line_kwargs}
        Here: the rank and the tier lines.

    Returns
    -------
    Axes
        Two lines (rank, tier; y axis inverted so 1 = best is on top), each point labelled
        with the rating code (and the score, in a year that has one), and the rule changes
        marked.
    """
    text = labels(lang)
    table = committee_ratings.sort_values("year")
    if len(table):
        # one committee's line: the first in key order (compare_committees for several)
        table = table[table[COMMITTEE_ID] == table[COMMITTEE_ID].min()]
    with plt.rc_context(STYLE):
        ax = _axes(ax)
        years = table["year"].to_numpy(dtype=float)
        for column, linestyle, marker in (("rank", "-", "o"), ("tier", "--", "s")):
            kws = _artist_kws(
                Line2D,
                kwargs,
                linestyle=linestyle,
                marker=marker,
                color=PALETTE["levels"][1] if column == "rank" else PALETTE["members"],
                label=text(f"view_{column}"),
            )
            ax.plot(years, _floats(table[column]), **kws)
        scores = (
            _floats(table["score"]) if "score" in table.columns else np.full(len(years), np.nan)
        )
        points = zip(years, _floats(table["rank"]), table["rating"], scores, strict=True)
        for year, rank, code, score in points:
            ax.annotate(
                _with_score(code, score),
                (year, rank),
                textcoords="offset points",
                xytext=(0, 8),
                ha="center",
                fontsize=8,
            )
        ax.set_ylim(4.5, 0.5)
        ax.set_yticks([1, 2, 3, 4])
        _mark_rule_changes(ax, table["year"], text)
        unit = (
            _nfc(table["committee"].iloc[0])
            if len(table) and pd.notna(table["committee"].iloc[0])
            else ""
        )
        _finish(
            ax,
            text,
            title=text("committee_title", unit=unit),
            ylabel=text("level_axis"),
            years=table["year"],
        )
        _legend(ax, loc="upper left", bbox_to_anchor=(1.01, 1))
    return ax


# --- income and poverty ---------------------------------------------------------------------


@share_docs(**_core_docs)
@_committees_as_one
def income(
    income: pd.DataFrame,
    *,
    max_lines: int = 12,
    lang: Lang = "vi",
    ax: Axes | None = None,
    **kwargs,
) -> Axes:
    """One line per area: income per capita by year (million đồng per person per year).

    Parameters
    ----------
    {params.income}
    max_lines : int
        A line per area stays readable for about a dozen areas: with more than
        ``max_lines``, the chart shows the median across areas per year instead, with the
        interquartile and the 10–90% bands around it.
    {params.lang}
    {params.ax}
    {params.line_kwargs}
        Here: every area's line, or the median line.

    Returns
    -------
    Axes
        One line per area (in ``area_id`` order, labelled with the area's name), from
        :func:`ngodong_analysis.analysis.income_growth`; beyond ``max_lines`` areas, the
        median line and two bands (filled polygons, 10–90% then 25–75%).
    """
    text = labels(lang)
    growth = analysis.income_growth(income)
    with plt.rc_context(STYLE):
        ax = _axes(ax)
        colors = PALETTE["areas"]
        if growth["area_id"].nunique() > max_lines:
            _income_bands(ax, growth, text, kwargs)
            _finish(
                ax,
                text,
                title=text("income_title"),
                ylabel=text("income_unit"),
                years=growth["year"].unique(),
            )
            _legend(ax, loc="upper left", bbox_to_anchor=(1.01, 1))
            return ax
        for i, (area_id, rows) in enumerate(growth.groupby("area_id", sort=True)):
            name = rows["area"].dropna()
            kws = _artist_kws(
                Line2D,
                kwargs,
                marker="o",
                color=colors[i % len(colors)],
                label=_nfc(name.iloc[-1] if len(name) else area_id),
            )
            ax.plot(rows["year"].to_numpy(dtype=float), _floats(rows["income_per_capita"]), **kws)
        _finish(
            ax,
            text,
            title=text("income_title"),
            ylabel=text("income_unit"),
            years=growth["year"].unique(),
        )
        _legend(ax, loc="upper left", bbox_to_anchor=(1.01, 1))
    return ax


def _income_bands(
    ax: Axes, growth: pd.DataFrame, text: Callable[..., str], kwargs: Mapping[str, object]
) -> None:
    """Many areas: the median line with the interquartile and 10–90% bands across areas."""
    q = (
        growth.dropna(subset=["income_per_capita"])
        .groupby("year")["income_per_capita"]
        .quantile([0.1, 0.25, 0.5, 0.75, 0.9])
        .unstack()
    )
    x = q.index.to_numpy(dtype=float)
    color = PALETTE["areas"][0]
    n = growth["area_id"].nunique()
    ax.fill_between(x, q[0.1], q[0.9], color=color, alpha=0.15, label=text("band_10_90"))
    ax.fill_between(x, q[0.25], q[0.75], color=color, alpha=0.3, label=text("band_iqr"))
    kws = _artist_kws(Line2D, kwargs, marker="o", color=color, label=text("median_of_areas", n=n))
    ax.plot(x, q[0.5].to_numpy(dtype=float), **kws)


@share_docs(**_core_docs)
@_committees_as_one
def poverty(income: pd.DataFrame, *, lang: Lang = "vi", ax: Axes | None = None, **kwargs) -> Axes:
    """Poor and near-poor households per year, with the changes of poverty standard marked.

    Parameters
    ----------
    {params.income}
    {params.lang}
    {params.ax}
    {params.line_kwargs}
        Here: the poor and the near-poor lines.

    Returns
    -------
    Axes
        Two lines (poor, near-poor households, from
        :func:`ngodong_analysis.analysis.poverty`) and a dashed line at each
        :func:`~ngodong_analysis.analysis.poverty_breaks` position, labelled with the new
        standard: counts either side of it are not comparable.
    """
    text = labels(lang)
    table = analysis.poverty(income)
    years = table["year"].to_numpy(dtype=float)
    with plt.rc_context(STYLE):
        ax = _axes(ax)
        if table.empty:
            _finish(ax, text, title=text("poverty_title"), ylabel=text("households"), years=[])
            return ax
        hollow = False
        for column, key in (("poor_households", "poor"), ("near_poor_households", "near_poor")):
            values = _floats(table[column])
            kws = _artist_kws(Line2D, kwargs, marker="o", color=PALETTE[key], label=text(key))
            ax.plot(years, values, **kws)
            # a year summed over only some areas: a hollow point, not read as a fall
            partial = analysis.incomplete_mask(table, column)
            if partial.any():
                hollow = True
                ax.plot(
                    years[partial], values[partial], linestyle="none", marker="o",
                    markerfacecolor="white", markeredgecolor=PALETTE[key], zorder=4,
                )  # fmt: skip
        if hollow:
            ax.plot(
                [], [], linestyle="none", marker="o", markerfacecolor="white",
                markeredgecolor="0.4", label=text("incomplete_total"),
            )  # fmt: skip
        for x in analysis.poverty_breaks(table["year"]):
            after = table.loc[table["year"] > x, "standard"].dropna()
            standard = str(after.iloc[0]).replace("-", "–") if len(after) else "?"
            ax.axvline(x, label=text("poverty_break", standard=standard), **RULE_LINE)
        _finish(ax, text, title=text("poverty_title"), ylabel=text("households"), years=years)
        ax.set_ylim(bottom=0)
        _legend(ax, loc="upper left", bbox_to_anchor=(1.01, 1))
    return ax


@share_docs(**_core_docs)
@_committees_as_one
def income_vs_rating(
    income: pd.DataFrame,
    cell_ratings: pd.DataFrame,
    cells: pd.DataFrame,
    *,
    max_points: int = 5000,
    lang: Lang = "vi",
    ax: Axes | None = None,
    **kwargs,
) -> Axes:
    """Scatter of residential cells: rating level (x) against their area's income (y).

    Parameters
    ----------
    income, cell_ratings, cells : DataFrame
        The ``income``, ``cell_ratings`` and ``cells`` contract tables (``cells`` may be empty).
    max_points : int
        A scatter stays readable (and quick to draw) up to a few thousand points: with more
        rated cell-years, each year's points at a level are summarised instead, by their median
        and the range of their middle half (25–75%), and the title says so and of how many.
    {params.lang}
    {params.ax}
    {params.scatter_kwargs}
        Here: every year's points (or medians).

    Returns
    -------
    Axes
        One point collection per year (from
        :func:`ngodong_analysis.analysis.income_vs_rating`), x = rank dodged by at most ±0.2 so
        that years do not hide each other, y = income per capita (million đồng per person per
        year). Beyond ``max_points`` the collection holds one point per rank, at the median
        income, and a vertical line collection per year spans the 25th to 75th percentile.
    """
    text = labels(lang)
    joined = analysis.income_vs_rating(income, cell_ratings, cells).dropna(
        subset=["rank", "income_per_capita"]
    )
    years = sorted(int(y) for y in joined["year"].unique())
    summarise = len(joined) > max_points
    title = text("income_vs_rating_title")
    if summarise:
        spread = (
            joined.groupby(["year", "rank"])["income_per_capita"]
            .quantile([0.25, 0.5, 0.75])
            .unstack()
        )
        title += " " + text("income_vs_rating_summary", n=len(joined))
    with plt.rc_context(STYLE):
        ax = _axes(ax)
        colors = PALETTE["areas"]
        step = 0.4 / max(len(years) - 1, 1)
        for i, year in enumerate(years):
            offset = (i - (len(years) - 1) / 2) * step if len(years) > 1 else 0.0
            color = colors[i % len(colors)]
            if summarise:
                rows = spread.loc[year]
                x = rows.index.to_numpy(dtype=float) + offset
                ax.vlines(x, _floats(rows[0.25]), _floats(rows[0.75]), color=color, alpha=0.8)
                kws = _artist_kws(PathCollection, kwargs, color=color, label=str(year), zorder=3)
                ax.scatter(x, _floats(rows[0.5]), **kws)
                continue
            rows = joined[joined["year"] == year]
            kws = _artist_kws(PathCollection, kwargs, color=color, alpha=0.8, label=str(year))
            ax.scatter(_floats(rows["rank"]) + offset, _floats(rows["income_per_capita"]), **kws)
        ax.set_title(title)
        ax.set_xlabel(text("rank_axis"))
        ax.set_ylabel(text("income_unit"))
        ax.set_xticks([1, 2, 3, 4])
        ax.set_xlim(0.5, 4.5)
        if not years:
            ax.text(0.5, 0.5, text("chart_no_data"), transform=ax.transAxes, ha="center")
        ax.grid(True, axis="y", alpha=0.3)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        _legend(ax, title=text("year"), loc="upper left", bbox_to_anchor=(1.01, 1))
    return ax


# --- the catalogue for the build ------------------------------------------------------------


@dataclass(frozen=True)
class PlotSpec:
    """A chart the build draws: the function, the Dataset tables it takes (in order) and
    fixed options."""

    function: Callable[..., Axes]
    tables: tuple[str, ...]
    options: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))

    def draw(self, ds: Dataset, *, lang: Lang = "vi", ax: Axes | None = None) -> Axes:
        """Draw this chart of ``ds`` (each chart draws several committees as one district
        itself, :func:`as_one_committee`, or picks one: ``committee_rating``)."""
        frames = [getattr(ds, table) for table in self.tables]
        return self.function(*frames, lang=lang, ax=ax, **self.options)


ALL_COMMITTEES_ID = "*"  # the committee_id of :func:`as_one_committee`'s tables


def as_one_committee(*tables: pd.DataFrame) -> list[pd.DataFrame]:
    """``tables`` of several committees as one committee's: counts then add up across the
    committees (a district's members), and each cell or area keeps apart under an id
    prefixed by its committee ("xa-giao-tien/tdp-2"). Tables of one committee come back as
    they are."""
    ids = {c for t in tables if COMMITTEE_ID in t for c in t[COMMITTEE_ID].dropna().unique()}
    if len(ids) <= 1:
        return list(tables)
    out = []
    for table in tables:
        if COMMITTEE_ID not in table or table.empty:
            out.append(table)
            continue
        one = table.copy()
        committee = one[COMMITTEE_ID].astype(str)
        for col in (CELL_ID, "area_id"):
            if col in one.columns:
                one[col] = (committee + "/" + one[col].astype(str)).where(one[col].notna())
        one[COMMITTEE_ID] = ALL_COMMITTEES_ID
        out.append(one)
    return out


ALL_PLOTS: dict[str, PlotSpec] = {
    "rating_mix": PlotSpec(rating_mix, ("cell_ratings",)),
    "rating_mix_tier": PlotSpec(rating_mix, ("cell_ratings",), MappingProxyType({"by": "tier"})),
    "rating_heatmap": PlotSpec(rating_heatmap, ("cell_ratings",)),
    "committee_rating": PlotSpec(committee_rating, ("committee_ratings",)),
    "membership": PlotSpec(membership, ("members",)),
    "member_flows": PlotSpec(member_flows, ("members",)),
    "member_rating_shares": PlotSpec(member_rating_shares, ("member_ratings",)),
    "income": PlotSpec(income, ("income",)),
    "poverty": PlotSpec(poverty, ("income",)),
    "income_vs_rating": PlotSpec(income_vs_rating, ("income", "cell_ratings", "cells")),
}
"""Chart name (a file stem for the build) → :class:`PlotSpec`."""


# --- comparing committees (drawn by the build only for more than one committee) -------------

_FUNNEL_MEASURES = {
    # numerator → its denominator, as analysis.compare_committees names them
    "cells_top": "cells_rated",
    "members_excellent": "members_rated",
    "poor_households": "households",
}


def _text_or(text: Callable[..., str], key: str, fallback: str, **fields: object) -> str:
    return text(key, **fields) if has_text(key) else fallback


def _committee_names(table: pd.DataFrame) -> dict[str, str]:
    """committee_id → the name to show (the committees table's, else the id)."""
    if table.empty:
        return {}
    names = table.drop_duplicates(COMMITTEE_ID, keep="last")
    column = names["committee"] if "committee" in names.columns else names[COMMITTEE_ID]
    return {
        str(cid): _nfc(name) if pd.notna(name) else str(cid)
        for cid, name in zip(names[COMMITTEE_ID], column, strict=True)
    }


def _funnel_grid(n_max: int) -> np.ndarray:
    """The n at which the limits are drawn: every count up to 2,000, ~600 beyond."""
    if n_max <= 2000:
        return np.arange(1, n_max + 1)
    return np.unique(np.geomspace(1, n_max, 600).round().astype(np.int64))


@share_docs(**_core_docs)
def funnel(
    compared: pd.DataFrame,
    *,
    numerator: str = "cells_top",
    denominator: str | None = None,
    year: int | None = None,
    limits: tuple[float, ...] = (0.95, 0.998),
    max_labels: int = 12,
    lang: Lang = "vi",
    ax: Axes | None = None,
    **kwargs,
) -> Axes:
    """Funnel plot: each committee's share against the number it is out of, with exact
    binomial control limits around the pooled rate (Spiegelhalter 2005), outliers labelled.

    Parameters
    ----------
    compared : DataFrame
        :func:`ngodong_analysis.analysis.compare_committees`' output.
    numerator : str
        The count compared: ``"cells_top"`` (cells at tier 1), ``"members_excellent"``
        (members rated HTXSNV) or ``"poor_households"``, or another count column.
    denominator : str, optional
        What it is out of; by default the numerator's own (cells rated, members rated,
        households).
    year : int, optional
        The year drawn; by default the latest year in which a committee is outside the
        widest limits, else the latest year.
    limits : tuple of float
        The control limits' levels (:func:`ngodong_analysis.analysis.funnel`).
    max_labels : int
        At most this many outliers are named (the farthest from the pooled rate first), so
        that thousands of committees stay readable.
    {params.lang}
    {params.ax}
    {params.scatter_kwargs}
        Here: every committee's point.

    Returns
    -------
    Axes
        One point collection per verdict present ("above", "within", "below" the widest
        limits; x = n, y = share in percent), a line at the pooled rate and two lines per
        level (its lower and upper limit as n grows), and the outliers' names.
    """
    text = labels(lang)
    denominator = denominator or _FUNNEL_MEASURES.get(numerator, "n")
    if year is None and len(compared):
        year = analysis.outlier_year(
            compared, numerator=numerator, denominator=denominator, limits=limits
        )
    found = (
        analysis.funnel(
            compared, year=year, numerator=numerator, denominator=denominator, limits=limits
        )
        if year is not None
        else analysis.funnel(
            compared.iloc[:0], year=0, numerator=numerator, denominator=denominator
        )
        if {numerator, denominator} <= set(compared.columns)
        else pd.DataFrame()
    )
    measure = _text_or(text, f"measure_{numerator}", numerator)
    title = text("funnel_title", measure=measure, year=year if year is not None else "")
    with plt.rc_context(STYLE):
        ax = _axes(ax)
        ax.set_title(title)
        ax.set_xlabel(_text_or(text, f"measure_{denominator}", denominator))
        ax.set_ylabel(text("share_pct", measure=measure))
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.grid(True, alpha=0.3)
        ax.set_axisbelow(True)
        if found.empty:
            ax.text(0.5, 0.5, text("chart_no_data"), transform=ax.transAxes, ha="center")
            return ax
        pooled = float(found["pooled"].iloc[0])
        grid = _funnel_grid(int(found["n"].max()))
        from .analysis.compare import _level_name, binomial_limits

        for i, level in enumerate(sorted(limits)):
            lower, upper = binomial_limits(grid, pooled, level)
            style = {"color": PALETTE["rule"], "linewidth": 0.9, "linestyle": ("--", "-")[i % 2]}
            label = text("funnel_limit", level=f"{100 * level:g}")
            ax.plot(grid, 100 * upper / grid, drawstyle="steps-mid", label=label, **style)
            ax.plot(grid, 100 * lower / grid, drawstyle="steps-mid", **style)
        ax.axhline(100 * pooled, color=PALETTE["members"], linewidth=1.0,
                   label=text("funnel_pooled", rate=f"{100 * pooled:.1f}"))  # fmt: skip
        widest = f"flag_{_level_name(max(limits))}"
        for flag in ("above", "within", "below"):
            rows = found[found[widest] == flag]
            if rows.empty:
                continue
            kws = _artist_kws(
                PathCollection,
                kwargs,
                color=colour(f"funnel_{flag}"),
                label=text(f"funnel_{flag}", n=len(rows)),
                zorder=3,
                s=18 if len(found) > 200 else 30,
                edgecolor="white",
                linewidth=0.4,
            )
            ax.scatter(_floats(rows["n"]), 100 * _floats(rows["share"]), **kws)
        out = found[found["outlier"].fillna(False).astype(bool)]
        if len(out) > max_labels:
            sd = np.sqrt(pooled * (1 - pooled) / _floats(out["n"]))
            with np.errstate(divide="ignore", invalid="ignore"):
                z = np.abs(_floats(out["share"]) - pooled) / sd
            out = out.iloc[np.argsort(-np.nan_to_num(z, nan=np.inf), kind="stable")[:max_labels]]
        names = _committee_names(found)
        middle = float(found["n"].max()) / 2
        for row in out.itertuples(index=False):
            cid = str(getattr(row, COMMITTEE_ID))
            left = float(row.n) > middle  # the name on the side with room
            ax.annotate(
                names.get(cid, cid),
                (float(row.n), 100 * float(row.share)),
                textcoords="offset points",
                xytext=(-5 if left else 5, 4),
                ha="right" if left else "left",
                fontsize=7,
            )
        ax.set_xlim(left=0)
        ax.set_ylim(bottom=0)
        _legend(ax, loc="upper left", bbox_to_anchor=(1.01, 1))
    return ax


def _short_name(name: str) -> str:
    """A panel's title: the committee's name without "Đảng bộ " ("xã Giao Lạc"), cut to
    28 characters so that neighbouring titles do not run into each other."""
    name = name[len("Đảng bộ ") :] if name.startswith("Đảng bộ ") else name
    return name if len(name) <= 28 else name[:27] + "…"


def _panel_place(ax: Axes | None):
    """The figure and the place (a SubplotSpec) that ``ax`` held, ``ax`` removed."""
    ax = _axes(ax)
    fig = ax.figure
    spec = ax.get_subplotspec()
    ax.remove()
    return fig, spec


@share_docs(**_core_docs)
def rating_mix_panels(
    cell_ratings: pd.DataFrame,
    committees: pd.DataFrame | None = None,
    *,
    by: Literal["rank", "tier"] = "tier",
    max_panels: int = 12,
    lang: Lang = "vi",
    ax: Axes | None = None,
    **kwargs,
) -> np.ndarray:
    """Small multiples of the rating mix: one panel per committee, on shared axes (the share
    of its cells at each level per year), the changes of rules marked in each.

    Parameters
    ----------
    {params.cell_ratings}
    committees : DataFrame, optional
        The ``committees`` table, for the panels' names.
    {params.by}
        By default the tier, which reads the same across 2017/2018.
    max_panels : int
        Beyond this many committees the panels would be unreadable: the ``max_panels`` − 1
        with the most cells rated are drawn, and one last panel pools all the others (its
        title says how many).
    {params.lang}
    {params.ax}
        Here: the place the panels take (the Axes is removed and replaced by them).
    {params.bar_kwargs}
        Here: every panel's bars.

    Returns
    -------
    ndarray of Axes
        The panels, row by row (one per committee, in committee id order, then the pooled
        one); each holds one bar container per level (heights = shares 0–1, from
        :func:`ngodong_analysis.analysis.rating_mix`). Unused grid places are hidden.
    """
    text = labels(lang)
    col = level_column(by)
    rated = (
        cell_ratings[cell_ratings[col].notna().to_numpy()] if len(cell_ratings) else cell_ratings
    )
    ids = sorted(str(c) for c in rated[COMMITTEE_ID].dropna().unique()) if len(rated) else []
    names = _committee_names(committees) if committees is not None else {}
    groups: list[tuple[str, pd.DataFrame]] = []
    if len(ids) > max_panels:
        size = rated.groupby(COMMITTEE_ID, observed=True).size().sort_values(ascending=False)
        keep = sorted(str(c) for c in size.index[: max_panels - 1])
        rest = ~rated[COMMITTEE_ID].astype(str).isin(keep).to_numpy()
        for cid in keep:
            groups.append((names.get(cid, cid), rated[rated[COMMITTEE_ID].astype(str) == cid]))
        pooled = as_one_committee(rated[rest], rated[~rest].iloc[:0])[0]
        groups.append((text("panels_rest", n=len(ids) - len(keep)), pooled))
    else:
        for cid in ids:
            groups.append((names.get(cid, cid), rated[rated[COMMITTEE_ID].astype(str) == cid]))
    years = sorted(int(y) for y in rated["year"].unique()) if len(rated) else []
    with plt.rc_context(STYLE):
        fig, spec = _panel_place(ax)
        n = max(len(groups), 1)
        cols = min(n, 4 if n > 6 else 3 if n > 2 else n)
        rows = -(-n // cols)
        axes = spec.subgridspec(rows, cols).subplots(sharex=True, sharey=True, squeeze=False)
        flat = axes.ravel()
        for panel, (name, part) in zip(flat, groups, strict=False):
            mix = analysis.rating_mix(part.assign(**{COMMITTEE_ID: "*"}), by=by)
            wide = mix.pivot(index="year", columns="level", values="share")
            levels = [int(level) for level in wide.columns]
            colors = [PALETTE["levels"].get(level, PALETTE["other"]) for level in levels]
            level_names = [_level_label(text, by, level) for level in levels]
            _stacked_bars(panel, wide, colors, level_names, kwargs)
            _mark_rule_changes(panel, wide.index, text)
            panel.set_title(_short_name(name), fontsize=7)
            panel.set_ylim(0, 1)
            for side in ("top", "right"):
                panel.spines[side].set_visible(False)
        for panel in flat[len(groups) :]:
            panel.set_visible(False)
        if not groups:
            flat[0].set_visible(True)
            flat[0].text(0.5, 0.5, text("chart_no_data"), transform=flat[0].transAxes,
                         ha="center")  # fmt: skip
        if years:
            step = max(1, -(-len(years) // (4 if cols > 2 else 8)))
            flat[0].set_xticks(years[::step])
            flat[0].set_xticklabels([str(y) for y in years[::step]])
        flat[0].yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{100 * v:.0f}%"))
        title = text("panels_title" if by == "tier" else "panels_rank_title")
        fig.suptitle(title, fontsize=STYLE["axes.titlesize"])
        handles, seen = [], set()
        for panel in flat[: len(groups)]:
            for handle, label in zip(*panel.get_legend_handles_labels(), strict=True):
                if label not in seen:
                    seen.add(label)
                    handles.append(handle)
        if handles:
            fig.legend(handles=handles, loc="outside right upper", fontsize=7)
    return axes.ravel()


@share_docs(**_core_docs)
def committee_heatmap(
    compared: pd.DataFrame,
    *,
    column: str = "top_share",
    max_labels: int = 40,
    lang: Lang = "vi",
    ax: Axes | None = None,
    **kwargs,
) -> Axes:
    """Committees × years, coloured by a share (by default the cells at tier 1), the changes
    of rules marked.

    Parameters
    ----------
    compared : DataFrame
        :func:`ngodong_analysis.analysis.compare_committees`' output.
    column : str
        The fraction (0–1) that colours the squares: ``"top_share"``, ``"excellent_share"``,
        ``"poor_share"``, …
    max_labels : int
        Up to this many committees each row is named and each square shows its percentage;
        beyond, the rows are sorted by their mean and left unnamed (the title says how many).
    {params.lang}
    {params.ax}
    {params.image_kwargs}

    Returns
    -------
    Axes
        One image whose array holds the share of committee *i* (rows: by name, or by mean
        beyond ``max_labels``) in year *j* (columns, every year of the span; masked where
        none), and a colour bar.
    """
    text = labels(lang)
    measure = _text_or(text, f"measure_{column}", column)
    title = text("committee_heatmap_title", measure=measure)
    with plt.rc_context(STYLE):
        ax = _axes(ax)
        known = (
            compared.dropna(subset=[column]) if column in compared.columns else compared.iloc[:0]
        )
        if known.empty:
            _finish(ax, text, title=title, ylabel=text("committee"), years=[])
            return ax
        years = list(range(int(known["year"].min()), int(known["year"].max()) + 1))
        grid = known.pivot_table(
            index=COMMITTEE_ID, columns="year", values=column, aggfunc="first", observed=True
        ).reindex(columns=years)
        grid.index = grid.index.astype(str)
        names = _committee_names(compared)
        many = len(grid) > max_labels
        if many:
            order = np.argsort(-grid.mean(axis=1).to_numpy(dtype=float), kind="stable")
            grid = grid.iloc[order]
            title += " " + text("committee_heatmap_many", n=len(grid))
        else:
            grid = grid.loc[sorted(grid.index, key=lambda c: names.get(c, c))]
        values = np.ma.masked_invalid(grid.astype("Float64").to_numpy(float, na_value=np.nan))
        image = _artist_kws(
            AxesImage,
            kwargs,
            cmap="YlGn",
            vmin=0.0,
            vmax=max(float(np.nanmax(values.filled(np.nan))), 1e-9),
            aspect="auto",
            interpolation="nearest",
            extent=(years[0] - 0.5, years[-1] + 0.5, len(grid) - 0.5, -0.5),
        )
        shown = ax.imshow(values, **image)
        bar = ax.figure.colorbar(shown, ax=ax, fraction=0.04, pad=0.02)
        bar.ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{100 * v:.0f}%"))
        if not many:
            ax.set_yticks(range(len(grid)))
            ax.set_yticklabels([names.get(c, c) for c in grid.index])
            if len(years) <= 16:
                dark = 0.6 * float(image.get("vmax", 1.0))
                for row, col in zip(*np.nonzero(~np.ma.getmaskarray(values)), strict=True):
                    value = float(values[row, col])
                    ax.text(years[col], row, f"{100 * value:.0f}", ha="center", va="center",
                            fontsize=6, in_layout=False,
                            color="white" if value > dark else "black")  # fmt: skip
        else:
            ax.set_yticks([])
        _mark_rule_changes(ax, years, text)
        _finish(ax, text, title=title, ylabel=text("committee"), years=years)
        if len(years) > 8:
            ax.set_xticks(years[::2])
            ax.set_xticklabels([str(y) for y in years[::2]])
        ax.grid(False)
        _legend(ax, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncols=2, fontsize=7)
    return ax


@share_docs(**_core_docs)
def committee_members(
    compared: pd.DataFrame,
    committees: pd.DataFrame | None = None,
    *,
    max_lines: int = 12,
    lang: Lang = "vi",
    ax: Axes | None = None,
    **kwargs,
) -> Axes:
    """Members per committee over time, with the mergers marked.

    Parameters
    ----------
    compared : DataFrame
        :func:`ngodong_analysis.analysis.compare_committees`' output.
    committees : DataFrame, optional
        The ``committees`` table: a committee with a ``last_year`` and a ``successor_id``
        merged into that successor after ``last_year``; each such merger is a dotted line
        between the years, labelled with the successor's name.
    max_lines : int
        A line per committee stays readable for about a dozen: with more, the median across
        committees per year is drawn, with the 10–90% band around it, and the mergers are
        one line per year, labelled with how many committees merged.
    {params.lang}
    {params.ax}
    {params.line_kwargs}
        Here: every committee's line, or the median line.

    Returns
    -------
    Axes
        One line per committee (members at 31 December, persons; in name order), ending in
        a cross where the committee merged; or the median line and its band; and the
        mergers' dotted lines.
    """
    text = labels(lang)
    known = compared.dropna(subset=["members"]) if "members" in compared.columns else compared
    names = _committee_names(compared if committees is None else committees)
    mergers = _mergers(committees)
    with plt.rc_context(STYLE):
        ax = _axes(ax)
        years = sorted(int(y) for y in known["year"].unique()) if len(known) else []
        ids = sorted({str(c) for c in known[COMMITTEE_ID]}, key=lambda c: names.get(c, c))
        if len(ids) > max_lines:
            q = known.assign(m=_floats(known["members"])).groupby("year")["m"]
            q = q.quantile([0.1, 0.5, 0.9]).unstack()
            x = q.index.to_numpy(dtype=float)
            color = PALETTE["members"]
            ax.fill_between(x, q[0.1], q[0.9], color=color, alpha=0.2,
                            label=text("band_10_90_committees"))  # fmt: skip
            kws = _artist_kws(Line2D, kwargs, marker="o", color=color,
                              label=text("median_of_committees", n=len(ids)))  # fmt: skip
            ax.plot(x, q[0.5].to_numpy(dtype=float), **kws)
            per_year = mergers.groupby("last_year").size() if len(mergers) else pd.Series()
            for last, count in per_year.items():
                label = text("mergers_count", n=int(count), year=int(last) + 1)
                ax.axvline(int(last) + 0.5, color=PALETTE["rule"], linestyle=":", linewidth=1.0,
                           label=label)  # fmt: skip
        else:
            colors = PALETTE["areas"]
            for i, cid in enumerate(ids):
                rows = known[known[COMMITTEE_ID].astype(str) == cid].sort_values("year")
                kws = _artist_kws(Line2D, kwargs, marker="o", color=colors[i % len(colors)],
                                  label=names.get(cid, cid), markersize=4)  # fmt: skip
                ax.plot(rows["year"].to_numpy(dtype=float), _floats(rows["members"]), **kws)
            drawn: set[tuple[int, str]] = set()
            for row in mergers.itertuples(index=False):
                cid, last, succ = str(row.committee_id), int(row.last_year), str(row.successor_id)
                rows = known[(known[COMMITTEE_ID].astype(str) == cid) & (known["year"] == last)]
                if len(rows):
                    ax.plot([last], _floats(rows["members"]), marker="x", color="black",
                            markersize=7, linestyle="none", zorder=4)  # fmt: skip
                if (last, succ) not in drawn:
                    drawn.add((last, succ))
                    ax.axvline(last + 0.5, color=PALETTE["rule"], linestyle=":", linewidth=1.0,
                               label=text("merged_into", unit=names.get(succ, succ),
                                          year=last + 1))  # fmt: skip
        _finish(ax, text, title=text("committee_members_title"), ylabel=text("members"),
                years=years)  # fmt: skip
        ax.set_ylim(bottom=0)
        _legend(ax, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=7)
    return ax


def _mergers(committees: pd.DataFrame | None) -> pd.DataFrame:
    """The committees that ended and went on in a successor: id, last year, successor."""
    cols = [COMMITTEE_ID, "last_year", "successor_id"]
    if committees is None or committees.empty or not set(cols) <= set(committees.columns):
        return pd.DataFrame(columns=cols)
    ended = committees[committees["last_year"].notna() & committees["successor_id"].notna()]
    return ended[cols].sort_values(cols, kind="stable")


def _compared(ds: Dataset) -> tuple[pd.DataFrame]:
    return (_compare_once(ds),)


def _compared_with_registry(ds: Dataset) -> tuple[pd.DataFrame, pd.DataFrame]:
    return _compare_once(ds), ds.committees


def _ratings_with_registry(ds: Dataset) -> tuple[pd.DataFrame, pd.DataFrame]:
    return ds.cell_ratings, ds.committees


_LAST_COMPARED: list = []  # [(the dataset, its comparison)]: the build's charts share one


def _compare_once(ds: Dataset) -> pd.DataFrame:
    if _LAST_COMPARED and _LAST_COMPARED[0][0] is ds:
        return _LAST_COMPARED[0][1]
    found = analysis.compare_committees(ds)
    _LAST_COMPARED[:] = [(ds, found)]
    return found


@dataclass(frozen=True)
class ComparisonSpec:
    """A chart of several committees the build draws (only when the dataset holds more than
    one): the function and how its tables come from the dataset (never joined as one)."""

    function: Callable[..., object]
    tables: Callable[[Dataset], tuple[pd.DataFrame, ...]]
    options: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))

    def draw(self, ds: Dataset, *, lang: Lang = "vi", ax: Axes | None = None) -> object:
        """Draw this chart of ``ds``'s committees side by side."""
        return self.function(*self.tables(ds), lang=lang, ax=ax, **self.options)


COMPARE_PLOTS: dict[str, ComparisonSpec] = {
    "committees_funnel": ComparisonSpec(funnel, _compared),
    "committees_rating_panels": ComparisonSpec(rating_mix_panels, _ratings_with_registry),
    "committees_top_share": ComparisonSpec(committee_heatmap, _compared),
    "committees_members": ComparisonSpec(committee_members, _compared_with_registry),
}
"""Chart name → :class:`ComparisonSpec`: the charts comparing committees, drawn by the build
beside :data:`ALL_PLOTS` when the dataset holds more than one committee."""


def committee_count(ds: Dataset) -> int:
    """How many committees the dataset's tables name (the committees registry aside: a
    registry of seven with one commune's data is one committee's data).

    Parameters
    ----------
    ds : Dataset
        A loaded dataset.

    Returns
    -------
    int
        The distinct ``committee_id`` of its data tables.

    Examples
    --------
    >>> nd.plots.committee_count(ds)
    1
    """
    return len(
        {
            str(c)
            for df in ds.tables().values()
            if COMMITTEE_ID in df and df is not ds.committees
            for c in df[COMMITTEE_ID].dropna().unique()
        }
    )


def charts_for(ds: Dataset) -> dict[str, PlotSpec | ComparisonSpec]:
    """The charts the build draws of ``ds``: :data:`ALL_PLOTS`, and :data:`COMPARE_PLOTS`
    when it holds more than one committee.

    Parameters
    ----------
    ds : Dataset
        A loaded dataset.

    Returns
    -------
    dict
        Chart name (a file stem) → its spec, whose ``draw(ds, lang=…, ax=…)`` draws it.

    Examples
    --------
    >>> list(nd.plots.charts_for(ds)) == list(nd.plots.ALL_PLOTS)  # the sample: one committee
    True
    """
    if committee_count(ds) > 1:
        return {**ALL_PLOTS, **COMPARE_PLOTS}
    return dict(ALL_PLOTS)
