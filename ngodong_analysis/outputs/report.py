"""``report.xlsx``: the workbook an office forwards — summary tables with native Excel charts.

:func:`write_report` writes one workbook of six sheets, seven for several committees (names
per language in :func:`sheet_names`)::

    overview   "Tổng quan"            who, which years, how many cells and members, problems;
                                      then :func:`~ngodong_analysis.analysis.yearly_summary`
    committees "So sánh các đảng bộ"  only with more than one committee: one row per
                                      committee of the latest year (:func:`committees_table`)
                                      with the funnel verdicts, a column chart of its shares
    ratings    "Xếp loại chi bộ"      rating mix per year by rank and by harmonised tier
                                      (stacked column charts), cells × years of rating codes
                                      coloured by rank (and each cell's score beside them in
                                      a year with QĐ 366 scores), a note on the 2017/2018
                                      change of rules
    members    "Đảng viên"            totals with the young share (bars + line), flows (clustered
                                      columns) and the flow check, member rating shares with
                                      their denominator (stacked columns), the quota's breaches
    income     "Thu nhập – hộ nghèo"  income per capita area × year (lines), CAGR per area,
                                      poor and near-poor households with the poverty standard
    article    "Đối chiếu bài báo"    :func:`~ngodong_analysis.analysis.reconcile`, pass/fail
                                      coloured
    problems   "Vấn đề"               every problem found while loading, or one row saying none

Every chart is a native ``openpyxl.chart`` chart whose series point at the table beside it.
Every piece of text — sheet names, headings, notes, chart and axis titles — comes from
``resources/texts.csv`` (columns ``key`` and one per language), NFC-normalised; every
text cell passes through :func:`ngodong_analysis.outputs.files.neutralise` so that nothing
read from the data can run as a formula. Numbers keep full precision and get office formats:
``#,##0`` for counts, ``0.0`` for income and for columns already in percent (``*_pct``),
``0.0%`` for fractions (shares, rates, CAGR). A table without data is a "no data" note,
never an error.

The bytes are reproducible: fixed document dates and zip entry times, so the same data and
language give the same file.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference
from openpyxl.chart.data_source import AxDataSource, StrRef
from openpyxl.styles import PatternFill

from .. import analysis
from ..analysis.membership import ALL_CELLS_ID, ALL_FLOWS
from ..problems import problems_frame
from ..schema import CELL_ID, MEMBER_RATING_CODES, SCOPE
from ..vocab import colour, columns, has_text, scale_changes, text_languages, texts
from .files import save_reproducible
from .xlsx import (
    BOLD,
    COUNT,
    FRACTION,
    MONEY,
    NUMBER_FORMATS,
    SERIES_COLOURS,
    TITLE_FONT,
    Col,
    Sheet,
    add_series,
    bar_chart,
    cell_text,
    colour_series,
    line_chart,
    new_workbook,
    solid_fill,
)

if TYPE_CHECKING:
    from ..dataset import Dataset
    from ..problems import Problem

__all__ = [
    "FILENAME",
    "NUMBER_FORMATS",
    "SHEETS",
    "report_labels",
    "report_languages",
    "sheet_names",
    "write_report",
]

FILENAME = "report.xlsx"
SHEETS = ("overview", "ratings", "members", "income", "article", "problems")
"""Sheet keys in workbook order; the names are the labels ``sheet_<key>``."""

# --- look (the shared styles are xlsx.py's) ------------------------------------------------

# Light tints of the chart colours of the rating levels (1 = best), so that black text stays
# readable on them (resources/columns.csv).
LEVEL_COLOURS = {level: columns()[f"level_{level}"].fill for level in (1, 2, 3, 4)}
_OTHER_LEVEL = columns()["level_other"].fill
_STATUS_FILLS = {
    "pass": solid_fill("C6EFCE"),
    "fail": solid_fill("FFC7CE"),
    "no data": solid_fill("FFEB9C"),
}
_SEVERITY_FILLS = {"error": solid_fill("FFC7CE"), "warning": solid_fill("FFEB9C")}


def _rgb(name: str) -> str:
    """The chart colour of ``name`` (resources/columns.csv) as Excel writes it: RRGGBB."""
    return colour(name).lstrip("#").upper()


# --- labels ----------------------------------------------------------------------------------


def report_languages() -> tuple[str, ...]:
    """Languages of ``resources/texts.csv`` (its columns after ``key``)."""
    return text_languages()


def report_labels(lang: str = "vi") -> Callable[..., str]:
    """The report's text in ``lang``: ``text(key, **fields)`` → NFC string."""
    return texts(lang)


def sheet_names(lang: str = "vi") -> dict[str, str]:
    """Sheet key (see :data:`SHEETS`) → sheet name in ``lang``, in workbook order."""
    text = report_labels(lang)
    return {key: text(f"sheet_{key}") for key in SHEETS}


def _thousands(number: int, text: Callable[..., str]) -> str:
    return f"{number:,}".replace(",", text("thousands_sep"))


def _span_text(years: Sequence[int]) -> str:
    years = sorted(years)
    if len(years) > 1 and years == list(range(years[0], years[-1] + 1)):
        return f"{years[0]}–{years[-1]}"
    return ", ".join(str(y) for y in years)


# --- the sheets ------------------------------------------------------------------------------


def _years_of(df: pd.DataFrame) -> list[int]:
    return sorted(int(y) for y in df["year"].dropna().unique()) if "year" in df else []


def _unscoped(df: pd.DataFrame) -> pd.DataFrame:
    """An analysis result without its committee column: the report is of one committee
    (or of several as one, :func:`_as_one`)."""
    return df.drop(columns=[c for c in SCOPE if c in df.columns])


def _as_one(ds: Dataset) -> Dataset:
    """A dataset of several committees as one, its counts added up (the district's
    report): :func:`~ngodong_analysis.plots.as_one_committee`."""
    from ..dataset import Dataset
    from ..plots import as_one_committee

    names = [n for n in ds.tables() if n != "committees"]
    joined = as_one_committee(*(getattr(ds, n) for n in names))
    if all(a is b for a, b in zip(joined, (getattr(ds, n) for n in names), strict=True)):
        return ds
    tables = dict(zip(names, joined, strict=True))
    committee_ratings = tables["committee_ratings"]
    if not committee_ratings.empty:  # the committees' own ratings are not one committee's
        tables["committee_ratings"] = committee_ratings.iloc[:0]
    tables["committees"] = ds.committees
    return Dataset(**tables, problems=list(ds.problems))


def _committee(ds: Dataset) -> str | None:
    named = ds.committees.dropna(subset=["committee"])
    if len(named) == 1:
        return str(named["committee"].iloc[0])
    if len(named) > 1:
        return None
    units = ds.committee_ratings.dropna(subset=["committee"]).sort_values("year")
    return None if units.empty else str(units["committee"].iloc[-1])


def _cell_count(ds: Dataset) -> int:
    tables = (ds.cells, ds.cell_ratings, ds.members, ds.member_ratings)
    return len(set().union(*(set(t[CELL_ID].dropna()) for t in tables)))


def _overview(sh: Sheet, ds: Dataset, problems: Sequence[Problem], names: dict[str, str]):
    text = sh.text
    sh.title("title_overview")
    unit = _committee(ds)
    if unit is not None:
        sh.line(text("info_committee", unit=unit), font=BOLD)
    years = ds.years
    sh.line(text("info_years", years=_span_text(years)) if years else text("info_no_years"))
    sh.line(text("info_cells", count=_thousands(_cell_count(ds), text)))
    totals = analysis.membership_totals(ds.members).dropna(subset=["members"])
    if not totals.empty:
        last = totals.iloc[-1]
        line = text(
            "info_members", year=int(last["year"]), count=_thousands(int(last["members"]), text)
        )
        if analysis.incomplete_mask(totals.iloc[[-1]], "members")[0]:
            line += " " + text("info_members_incomplete")
        sh.line(line)
    errors = sum(p.severity == "error" for p in problems)
    sh.line(
        text(
            "info_problems",
            errors=errors,
            warnings=len(problems) - errors,
            sheet=names["problems"],
        )
    )
    sh.line(text("info_units"))
    sh.row += 1
    summary = _unscoped(analysis.yearly_summary(ds))
    span = sh.table(summary, [sh.col(c) for c in summary.columns])
    if span.empty:
        sh.no_data()
    sh.finish(freeze=f"B{span.first}", print_rows=span.header)


def _level_heading(text, by: str, level: int) -> str:
    key = f"{by}_{level}"
    return text(key) if has_text(key) else text("level_other", level=level)


def _mix_block(sh: Sheet, cell_ratings: pd.DataFrame, by: str) -> None:
    text = sh.text
    mix = analysis.rating_mix(cell_ratings, by=by)
    if not sh.section(f"mix_{by}_heading", mix):
        return
    wide = mix.pivot(index="year", columns="level", values="count")
    levels = [int(level) for level in wide.columns]
    wide.columns = [f"level_{level}" for level in levels]
    wide["total"] = wide.sum(axis=1)
    wide = wide.reset_index()
    cols = [
        sh.col("year"),
        *[Col(f"level_{lv}", _level_heading(text, by, lv), COUNT) for lv in levels],
        sh.col("total", key="col_cells_rated", fmt=COUNT),
    ]
    span = sh.table(wide, cols)
    chart = bar_chart(text, f"chart_mix_{by}", "axis_cells", stacked=True)
    add_series(
        chart,
        sh.ws,
        span,
        [f"level_{lv}" for lv in levels],
        [LEVEL_COLOURS.get(lv, _OTHER_LEVEL) for lv in levels],
    )
    sh.chart(chart, span)


def _rating_grid(sh: Sheet, cell_ratings: pd.DataFrame) -> None:
    text = sh.text
    rated = cell_ratings.dropna(subset=["rating"])
    if not sh.section("grid_heading", rated):
        return
    years = list(range(int(rated["year"].min()), int(rated["year"].max()) + 1))
    codes = rated.assign(rating=rated["rating"].astype(str)).pivot(
        index=CELL_ID, columns="year", values="rating"
    )
    ranks = rated.pivot(index=CELL_ID, columns="year", values="rank")
    codes, ranks = codes.reindex(columns=years), ranks.reindex(index=codes.index, columns=years)
    names = rated.sort_values("year").groupby(CELL_ID)["cell"].last().reindex(codes.index)
    grid = pd.DataFrame({"cell": names.fillna(pd.Series(codes.index, index=codes.index))})
    # a year rated with scores (QĐ 366, from 2025) gets its score column beside its codes;
    # the years before had no scores and keep their one column
    scores = rated.pivot(index=CELL_ID, columns="year", values="score").reindex(
        index=codes.index, columns=years
    )
    scored = [y for y in years if scores[y].notna().any()]
    for year in years:
        grid[f"y{year}"] = codes[year]
        if year in scored:
            grid[f"s{year}"] = scores[year]
    grid = grid.reset_index(drop=True)
    rank_grid = ranks.reset_index(drop=True)

    def fill(row: int, column: str) -> PatternFill | None:
        if not column.startswith("y"):
            return None
        rank = rank_grid.at[row, int(column[1:])]
        return (
            None
            if pd.isna(rank) or int(rank) not in LEVEL_COLOURS
            else solid_fill(LEVEL_COLOURS[int(rank)])
        )

    cols = [sh.col("cell")]
    for y in years:
        cols.append(Col(f"y{y}", y))
        if y in scored:
            cols.append(Col(f"s{y}", text("col_score_year", year=y)))
    sh.table(grid, cols, fill=fill)
    sh.row += 1
    sh.line(text("grid_legend"))
    for level, rgb in LEVEL_COLOURS.items():
        cell = sh.ws.cell(sh.row, 1, cell_text(_level_heading(text, "rank", level)))
        cell.fill = solid_fill(rgb)
        sh._fit(1, cell.value, None)
        sh.row += 1


def _ratings(sh: Sheet, ds: Dataset) -> None:
    text = sh.text
    sh.title("title_ratings")
    years = _years_of(ds.cell_ratings)
    for scale, year in scale_changes(years):
        sh.line(text("rule_change_note", year=year, rule=text(f"scale_{scale}")))
    sh.line(text("rank_tier_note"))
    _mix_block(sh, ds.cell_ratings, "rank")
    _mix_block(sh, ds.cell_ratings, "tier")
    _rating_grid(sh, ds.cell_ratings)
    sh.finish(freeze="A2")


_INCOMPLETE_FILL = solid_fill("FFEB9C")
_MEMBER_STOCKS = ["members", "young", "female", "exempt"]
_INCOME_COUNTS = ["households", "poor_households", "near_poor_households"]


def _incomplete(sh: Sheet, table: pd.DataFrame, totals: pd.DataFrame, columns: list[str]):
    """The year totals of ``totals`` summed over only some of ``table``'s units: a fill for
    :meth:`Sheet.table` that marks them, ``totals`` with its ``incomplete`` column in
    words, and the notes that say who is missing (written by the returned ``notes()``)."""
    gaps = analysis.incomplete_sums(table, columns)
    flagged = {(int(y), str(c)) for y, c in zip(gaps["year"], gaps["column"], strict=True)}
    years = [int(y) for y in totals["year"]]

    def heading(column: str) -> str:
        return sh.text(f"col_{column}") if has_text(f"col_{column}") else column

    def fill(j: int, name: str) -> PatternFill | None:
        return _INCOMPLETE_FILL if (years[j], name) in flagged else None

    shown = totals.copy()
    if "incomplete" in shown.columns:
        shown["incomplete"] = [
            None if pd.isna(v) else ", ".join(heading(c) for c in str(v).split(", "))
            for v in shown["incomplete"]
        ]

    def notes() -> None:
        for row in gaps.itertuples(index=False):
            sh.line(
                sh.text(
                    "incomplete_note",
                    year=int(row.year),
                    column=heading(str(row.column)),
                    reported=int(row.reported),
                    listed=int(row.listed),
                    missing=row.missing,
                    units=sh.text("units_areas" if "area_id" in table.columns else "units_cells"),
                )
            )

    return fill, shown, notes


def _totals_block(sh: Sheet, members: pd.DataFrame) -> None:
    text = sh.text
    totals = _unscoped(analysis.membership_totals(members))
    if not sh.section("totals_heading", totals):
        return
    fill, shown, notes = _incomplete(sh, members, totals, _MEMBER_STOCKS)
    span = sh.table(shown, [sh.col(c) for c in totals.columns], fill=fill)
    bars = bar_chart(text, "chart_totals", "axis_members")
    add_series(bars, sh.ws, span, ["members"])
    line = LineChart()
    add_series(line, sh.ws, span, ["young_share"], [SERIES_COLOURS[1]])
    line.y_axis.axId = 200
    line.y_axis.title = text("axis_young_share")
    line.y_axis.number_format = "0%"
    line.y_axis.majorGridlines = None
    line.y_axis.crosses = "max"
    line.y_axis.delete = False
    bars += line
    sh.chart(bars, span)
    notes()


def _flows_block(sh: Sheet, members: pd.DataFrame) -> None:
    text = sh.text
    flows = analysis.member_flows(members)
    if not sh.section("flows_heading", flows):
        return
    wide = flows.pivot(index="year", columns="flow", values="count")
    wide = wide.reindex(columns=list(ALL_FLOWS)).reset_index()
    span = sh.table(wide, [sh.col("year"), *[sh.col(f, key=f"flow_{f}") for f in ALL_FLOWS]])
    chart = bar_chart(text, "chart_flows", "axis_persons")
    add_series(chart, sh.ws, span, list(ALL_FLOWS), [_rgb(f) for f in ALL_FLOWS])
    sh.chart(chart, span)
    off = analysis.flow_discrepancies(members)
    if off.empty:
        sh.line(text("flow_check_ok"))
        return
    sh.line(text("flow_check_off", count=len(off)))
    cols = [sh.col("year"), sh.col("cell")]
    cols += [sh.col(c, key=f"col_flow_{c}") for c in ("start", "expected", "reported")]
    cols.append(sh.col("difference", key="col_flow_difference"))
    sh.table(off, cols)


def _member_ratings_block(sh: Sheet, member_ratings: pd.DataFrame) -> None:
    text = sh.text
    shares = analysis.member_rating_shares(member_ratings, denominator="rated")
    if not sh.section("member_ratings_heading", shares, note="denominator_note"):
        return
    shares = shares.assign(rating=shares["rating"].astype(str))
    codes = list(dict.fromkeys([*MEMBER_RATING_CODES, *shares["rating"]]))
    count = shares.pivot(index="year", columns="rating", values="count").reindex(columns=codes)
    share = shares.pivot(index="year", columns="rating", values="share").reindex(columns=codes)
    denominator = shares.groupby("year")["denominator"].first()
    well = analysis.well_or_above_share(member_ratings).set_index("year")
    wide = pd.DataFrame({"denominator": denominator})
    for code in codes:
        wide[f"count_{code}"] = count[code]
    for code in codes:
        wide[f"share_{code}"] = share[code]
    wide["well_or_above"] = well["well_or_above"]
    wide["well_or_above_share"] = well["share"]
    wide = wide.rename_axis("year").reset_index()

    def rating(code: str) -> str:
        return text(f"mrating_{code}") if has_text(f"mrating_{code}") else code

    cols = [
        sh.col("year"),
        sh.col("denominator", key="col_rated_denominator"),
        *[Col(f"count_{c}", text("count_of", rating=rating(c)), COUNT) for c in codes],
        *[Col(f"share_{c}", text("share_of", rating=rating(c)), FRACTION) for c in codes],
        sh.col("well_or_above"),
        sh.col("well_or_above_share"),
    ]
    span = sh.table(wide, cols)
    chart = bar_chart(text, "chart_member_ratings", "axis_share_rated", stacked=True)
    chart.y_axis.number_format = "0%"
    chart.y_axis.scaling.min = 0
    chart.y_axis.scaling.max = 1
    colours = [LEVEL_COLOURS.get(i + 1, _OTHER_LEVEL) for i in range(len(codes))]
    add_series(chart, sh.ws, span, [f"share_{c}" for c in codes], colours)
    sh.chart(chart, span)


def _quota_block(sh: Sheet, member_ratings: pd.DataFrame) -> None:
    text = sh.text
    quota = analysis.quota_check(member_ratings)
    if not sh.section("quota_heading", quota, note="quota_note"):
        return
    # the cap is on the committee, in the years a confirmed rule covers (quota_rules.csv)
    whole = quota[(quota[CELL_ID] == ALL_CELLS_ID) & quota["ok"].notna()]
    if whole.empty:
        sh.line(text("quota_no_rule"))
        return
    sh.table(whole, [sh.col(c) for c in ("year", "excellent", "well", "allowed", "ok", "source")])
    if bool(whole["ok"].all()):
        sh.line(text("quota_ok"))


def _members(sh: Sheet, ds: Dataset) -> None:
    sh.title("title_members")
    _totals_block(sh, ds.members)
    _flows_block(sh, ds.members)
    _member_ratings_block(sh, ds.member_ratings)
    _quota_block(sh, ds.member_ratings)
    sh.finish(freeze="A2")


def _income_block(sh: Sheet, income: pd.DataFrame) -> None:
    text = sh.text
    growth = analysis.income_growth(income)
    if not sh.section("income_heading", growth, note="income_unit_note"):
        return
    years = _years_of(growth)
    wide = growth.pivot(index="area_id", columns="year", values="income_per_capita")
    wide = wide.reindex(columns=years)
    names = growth.sort_values("year").groupby("area_id")["area"].last().reindex(wide.index)
    table = pd.DataFrame({"area": names.fillna(pd.Series(wide.index, index=wide.index))})
    for year in years:
        table[f"y{year}"] = wide[year]
    cols = [sh.col("area"), *[Col(f"y{y}", y, MONEY) for y in years]]
    span = sh.table(table.reset_index(drop=True), cols)
    chart = line_chart(text, "chart_income", "axis_income")
    first, last = span.columns[f"y{years[0]}"], span.columns[f"y{years[-1]}"]
    data = Reference(
        sh.ws, min_col=span.columns["area"], max_col=last, min_row=span.first, max_row=span.last
    )
    chart.add_data(data, from_rows=True, titles_from_data=True)
    chart.set_categories(
        Reference(sh.ws, min_col=first, max_col=last, min_row=span.header, max_row=span.header)
    )
    colour_series(chart, SERIES_COLOURS)
    sh.chart(chart, span)


def _cagr_block(sh: Sheet, income: pd.DataFrame) -> None:
    cagr = analysis.income_cagr(income)
    if not sh.section("cagr_heading", cagr, note="cagr_note"):
        return
    names = ("area", "start_year", "end_year", "start_value", "end_value", "cagr")
    sh.table(cagr, [sh.col(c) for c in names])


def _poverty_block(sh: Sheet, income: pd.DataFrame) -> None:
    text = sh.text
    table = analysis.poverty(income)
    if not sh.section("poverty_heading", table):
        return
    for x in analysis.poverty_breaks(table["year"]):
        after = table.loc[table["year"] > x, "standard"].dropna()
        standard = str(after.iloc[0]).replace("-", "–") if len(after) else "?"
        sh.line(text("poverty_break_note", year=math.ceil(x), standard=standard))
    names = (
        "year",
        "standard",
        "households",
        "poor_households",
        "near_poor_households",
        "poor_rate",
        "near_poor_rate",
        "incomplete",
    )
    fill, shown, notes = _incomplete(sh, income, table, _INCOME_COUNTS)
    span = sh.table(shown, [sh.col(c) for c in names], fill=fill)
    chart = bar_chart(text, "chart_poverty", "axis_households")
    series = ["poor_households", "near_poor_households"]
    add_series(chart, sh.ws, span, series, [_rgb(c) for c in series])
    sh.chart(chart, span)
    notes()


def _income(sh: Sheet, ds: Dataset) -> None:
    sh.title("title_income")
    _income_block(sh, ds.income)
    _cagr_block(sh, ds.income)
    _poverty_block(sh, ds.income)
    sh.finish(freeze="A2")


def _article(sh: Sheet, ds: Dataset) -> None:
    text = sh.text
    sh.title("title_article")
    table = analysis.reconcile(ds)
    counts = table["status"].value_counts()
    sh.line(
        text(
            "article_note",
            passed=int(counts.get("pass", 0)),
            total=len(table),
        )
    )
    status = table["status"].astype(str)
    quotes = analysis.article_figures().set_index("id")["quote_vi"]
    shown = table.assign(
        status=status.map(lambda s: text(f"status_{s.replace(' ', '_')}")),
        quote=table["id"].map(quotes),  # the article's own words, in Vietnamese
    )

    def fill(row: int, column: str) -> PatternFill | None:
        return _STATUS_FILLS.get(status.iloc[row]) if column == "status" else None

    cols = [
        sh.col("id"),
        sh.col("claim", wrap=True),
        sh.col("quote", wrap=True),
        sh.col("expected"),
        sh.col("computed"),
        sh.col("status"),
        sh.col("note", wrap=True),
    ]
    span = sh.table(shown, cols, fill=fill)
    if span.empty:
        sh.no_data()
    sh.finish(freeze=f"A{span.first}", print_rows=span.header)


def _problems(sh: Sheet, problems: Sequence[Problem], lang: str) -> None:
    text = sh.text
    sh.title("title_problems")
    rows = problems_frame(problems, lang).fillna("")
    severity = rows["severity"].astype(str).tolist()
    rows["severity"] = [
        text(f"severity_{s}") if has_text(f"severity_{s}") else s for s in severity
    ]

    def fill(row: int, column: str) -> PatternFill | None:
        return _SEVERITY_FILLS.get(severity[row]) if column == "severity" else None

    names = ("severity", "file", "sheet", "cell")
    cols = [sh.col(c, key=f"col_problem_{c}") for c in names]
    cols.append(sh.col("message", wrap=True))
    span = sh.table(rows, cols, fill=fill)
    if span.empty:
        sh.line(text("no_problems"), font=None)
    sh.finish(freeze=f"A{span.first}", print_rows=span.header)


# --- several committees: the committees sheet ------------------------------------------------

COMMITTEE_COLUMNS = [
    "year",
    "committee_id",
    "committee",
    "cells_rated",
    "cells_top",
    "top_share",
    "cells_bottom",
    "members",
    "young_share",
    "members_rated",
    "members_excellent",
    "excellent_share",
    "quota_ok",
    "quota_rule",
    "admitted_per_100",
    "income_per_capita",
    "poor_share",
    "funnel_cells_top",
    "funnel_members_excellent",
]
"""The committees sheet's columns: :func:`~ngodong_analysis.analysis.compare_committees`'
and the funnel verdicts at the widest limits."""
_FUNNELS = {"cells_top": "cells_rated", "members_excellent": "members_rated"}


def committees_table(ds: Dataset) -> pd.DataFrame | None:
    """The committees sheet's table: one row per committee of the latest year, or None when
    the data name one committee (the sheet is then left out)."""
    from ..plots import committee_count

    if committee_count(ds) <= 1:
        return None
    compared = analysis.compare_committees(ds)
    if compared.empty:
        return None
    year = int(compared["year"].max())
    latest = compared[compared["year"] == year].reset_index(drop=True)
    for numerator, denominator in _FUNNELS.items():
        found = analysis.funnel(compared, year=year, numerator=numerator, denominator=denominator)
        flag = found.set_index("committee_id")["flag_99_8"]  # the widest of the default limits
        latest[f"funnel_{numerator}"] = latest["committee_id"].map(flag).astype("string")
    return latest[COMMITTEE_COLUMNS]


def _committees(sh: Sheet, table: pd.DataFrame) -> None:
    """One row per committee of the latest year, and a column chart of its two shares."""
    text = sh.text
    year = int(table["year"].iloc[0])
    sh.ws.cell(1, 1, cell_text(text("title_committees", year=year))).font = TITLE_FONT
    sh.row = 2
    sh.line(text("committees_note"))
    sh.heading("committees_heading")
    shown = table.copy()
    for col in ("funnel_cells_top", "funnel_members_excellent"):
        shown[col] = shown[col].map(lambda v: text(f"flag_{v}") if isinstance(v, str) else v)
    span = sh.table(shown, [sh.col(c) for c in COMMITTEE_COLUMNS])
    chart = bar_chart(text, "chart_committees", "axis_share_committee")
    add_series(chart, sh.ws, span, ["top_share", "excellent_share"], SERIES_COLOURS[:2])
    names = Reference(
        sh.ws, min_col=span.columns["committee"], min_row=span.first, max_row=span.last
    )
    for series in chart.series:  # the committees' names: text categories, not numbers
        series.cat = AxDataSource(strRef=StrRef(f=str(names)))
    chart.y_axis.number_format = "0%"
    chart.x_axis.title = text("col_committee")
    sh.chart(chart, span)
    sh.finish(freeze=f"D{span.first}", print_rows=span.header)


# --- the workbook ----------------------------------------------------------------------------


def build_workbook(
    ds: Dataset,
    problems: Sequence[Problem],
    *,
    lang: str = "vi",
    article: bool | None = None,
    committees: pd.DataFrame | None = None,
) -> Workbook:
    """The report as an openpyxl ``Workbook`` (what :func:`write_report` saves); with a
    ``committees`` table (:func:`committees_table`), a committees sheet after the overview."""
    text = report_labels(lang)
    names = sheet_names(lang)
    if not (analysis.article_applies(ds) if article is None else article):
        del names["article"]  # the article's figures are checked on its own committee only
    if committees is not None:
        first, *rest = names.items()
        names = dict([first, ("committees", text("sheet_committees")), *rest])
    wb = new_workbook("ngodong_analysis", text("title_overview"), lang)
    sheets = {key: Sheet(wb.create_sheet(name), text) for key, name in names.items()}
    _overview(sheets["overview"], ds, problems, names)
    if committees is not None:
        _committees(sheets["committees"], committees)
    _ratings(sheets["ratings"], ds)
    _members(sheets["members"], ds)
    _income(sheets["income"], ds)
    if "article" in sheets:
        _article(sheets["article"], ds)
    _problems(sheets["problems"], problems, lang)
    wb.active = 0
    return wb


def write_report(
    ds: Dataset,
    problems: list[Problem],
    path: str | Path,
    *,
    lang: str = "vi",
    article: bool | None = None,
) -> Path:
    """Write the Excel report of ``ds`` to ``path`` and return the file's path.

    Parameters
    ----------
    ds : Dataset
        A loaded dataset; any table may be empty (its section then says "no data").
    problems : list of Problem
        The problems to list on the problems sheet (usually ``LoadResult.problems`` or
        ``ds.problems``).
    path : str or Path
        The .xlsx file to write, or an existing folder to write ``report.xlsx`` into. Written
        atomically (a temporary file beside it, then renamed).
    lang : str
        Language of every heading, note and chart: "vi" (default) or "en" — any column of
        ``resources/texts.csv``.
    article : bool, optional
        Whether to include the sheet that checks the data against the source article's
        figures. By default only when the data are the article's committee
        (:func:`~ngodong_analysis.analysis.article_applies`).

    Returns
    -------
    Path
        The file written.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> write_report(ds, ds.problems, folder, lang="en") == folder / "report.xlsx"
    True
    """
    path = Path(path)
    if path.is_dir():
        path = path / FILENAME
    if article is None:  # asked of the committees as they are, before they are joined
        article = analysis.article_applies(ds)
    # the committees side by side, before they are joined: only when there are several
    committees = committees_table(ds)
    wb = build_workbook(
        _as_one(ds), list(problems), lang=lang, article=article, committees=committees
    )
    save_reproducible(wb, path)
    return path
