"""``report.xlsx``: the workbook an office forwards — summary tables with native Excel charts.

:func:`write_report` writes one workbook of six sheets (names per language in
:func:`sheet_names`)::

    overview   "Tổng quan"            who, which years, how many cells and members, problems;
                                      then :func:`~ngodong_analysis.analysis.yearly_summary`
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
``resources/report_labels.csv`` (columns ``key`` and one per language), NFC-normalised; every
text cell passes through :func:`ngodong_analysis.outputs.neutralise` so that nothing read from
the data can run as a formula. Numbers keep full precision and get office formats: ``#,##0``
for counts, ``0.0`` for income and for columns already in percent (``*_pct``), ``0.0%`` for
fractions (shares, rates, CAGR). A table without data is a "no data" note, never an error.

The bytes are reproducible: fixed document dates and zip entry times, so the same data and
language give the same file.
"""

from __future__ import annotations

import csv
import math
import numbers
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from . import analysis
from .analysis.membership import ALL_CELLS_ID, ALL_FLOWS
from .config import resource
from .outputs import neutralise, save_reproducible
from .problems import problems_frame
from .schema import MEMBER_RATING_CODES

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

    from .dataset import Dataset
    from .problems import Problem

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

# --- number formats, by the unit of each analysis column (see the analysis docstrings) ----

YEAR = "0"
COUNT = "#,##0"  # persons, cells, households
MONEY = "0.0"  # million đồng per person per year
PERCENT = "0.0"  # columns already in percent (*_pct)
FRACTION = "0.0%"  # shares, rates and CAGR: fractions 0–1

NUMBER_FORMATS: dict[str, str] = {
    "year": YEAR,
    "start_year": YEAR,
    "end_year": YEAR,
    "cells": COUNT,
    "cells_rated": COUNT,
    "top_rated": COUNT,
    "well_rated": COUNT,
    "weak": COUNT,
    "members": COUNT,
    "young": COUNT,
    "female": COUNT,
    "exempt": COUNT,
    "admitted": COUNT,
    "transferred_in": COUNT,
    "transferred_out": COUNT,
    "died": COUNT,
    "removed": COUNT,
    "introduced": COUNT,
    "rated_members": COUNT,
    "excellent_members": COUNT,
    "rated": COUNT,
    "well_or_above": COUNT,
    "excellent": COUNT,
    "well": COUNT,
    "allowed": COUNT,
    "denominator": COUNT,
    "growth": COUNT,
    "start": COUNT,
    "expected": COUNT,
    "reported": COUNT,
    "difference": COUNT,
    "households": COUNT,
    "poor_households": COUNT,
    "near_poor_households": COUNT,
    "young_share": FRACTION,
    "well_or_above_share": FRACTION,
    "share": FRACTION,
    "poor_rate": FRACTION,
    "near_poor_rate": FRACTION,
    "cagr": FRACTION,
    "growth_pct": PERCENT,
    "mean_income": MONEY,
    "income_per_capita": MONEY,
    "start_value": MONEY,
    "end_value": MONEY,
}
"""Number format of each analysis column written to the report."""

# --- look ------------------------------------------------------------------------------------

_TITLE_FONT = Font(bold=True, size=14)
_HEADING_FONT = Font(bold=True, size=12)
_NOTE_FONT = Font(italic=True, color="555555")
_BOLD = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_HEADER_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)
_WRAP = Alignment(vertical="top", wrap_text=True)


def _fill(rgb: str) -> PatternFill:
    return PatternFill("solid", fgColor=rgb)


# Light tints of the chart colours of plots.PALETTE["levels"] (1 = best), so that black text
# stays readable on them.
LEVEL_COLOURS = {1: "66BD63", 2: "C2E699", 3: "FEE08B", 4: "F46D43"}
_STATUS_FILLS = {
    "pass": _fill("C6EFCE"),
    "fail": _fill("FFC7CE"),
    "no data": _fill("FFEB9C"),
}
_SEVERITY_FILLS = {"error": _fill("FFC7CE"), "warning": _fill("FFEB9C")}
_FLOW_COLOURS = {
    "admitted": "1B9E77",
    "transferred_in": "66A61E",
    "transferred_out": "E7298A",
    "died": "7570B3",
    "removed": "D95F02",
    "introduced": "A6761D",
}
_SERIES_COLOURS = ("4575B4", "F46D43", "1A9850", "984EA3", "FDAE61", "74ADD1", "A6761D")

_MIN_WIDTH, _MAX_WIDTH, _WRAP_WIDTH = 6, 50, 60
_HEADER_WIDTH = 18  # a longer heading wraps rather than widening its column
_CHART_ROWS = 17  # rows a chart of the default size covers, plus a margin
_CHART_HEIGHT, _CHART_WIDTH = 7.5, 16.0  # cm
_MAX_TEXT = 32_767  # Excel's limit for one cell


# --- labels ----------------------------------------------------------------------------------


def _nfc(text: object) -> str:
    return unicodedata.normalize("NFC", str(text))


@cache
def _label_table() -> dict[str, dict[str, str]]:
    with open(resource("report_labels.csv"), encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        langs = [c for c in reader.fieldnames or () if c != "key"]
        rows = list(reader)
    return {lang: {_nfc(r["key"]): _nfc(r[lang]) for r in rows} for lang in langs}


def report_languages() -> tuple[str, ...]:
    """Languages of ``resources/report_labels.csv`` (its columns after ``key``)."""
    return tuple(_label_table())


def report_labels(lang: str = "vi") -> Callable[..., str]:
    """The report's text in ``lang``: ``text(key, **fields)`` → NFC string."""
    tables = _label_table()
    if lang not in tables:
        raise ValueError(f"lang={lang!r}: expected one of {', '.join(tables)}")
    table = tables[lang]

    def text(key: str, **fields: object) -> str:
        return _nfc(table[key].format(**fields))

    return text


def _has_label(key: str) -> bool:
    return key in next(iter(_label_table().values()), {})


def sheet_names(lang: str = "vi") -> dict[str, str]:
    """Sheet key (see :data:`SHEETS`) → sheet name in ``lang``, in workbook order."""
    text = report_labels(lang)
    return {key: text(f"sheet_{key}") for key in SHEETS}


# --- cell values -----------------------------------------------------------------------------


def _text(value: object) -> str:
    """NFC, without characters an .xlsx cannot hold, within Excel's length, formula-safe."""
    text = ILLEGAL_CHARACTERS_RE.sub("", _nfc(value))[:_MAX_TEXT]
    return neutralise(text)


def _value(value: object) -> object:
    """A frame value as a cell value: missing → empty, numbers untouched, the rest text."""
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, bool):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        return number if math.isfinite(number) else None
    return _text(value) or None


def _shown_length(value: object, fmt: str | None) -> int:
    """Roughly how many characters Excel shows for ``value`` in format ``fmt``."""
    if value is None:
        return 0
    if isinstance(value, str):
        return max(len(line) for line in value.split("\n"))
    if isinstance(value, int | float) and not isinstance(value, bool):
        if fmt == COUNT:
            return len(f"{round(value):,}")
        if fmt == FRACTION:
            return len(f"{100 * value:.1f}%")
        if fmt in (MONEY, PERCENT):
            return len(f"{value:.1f}")
        if fmt == YEAR:
            return len(str(round(value)))
    return min(len(str(value)), 15)


def _thousands(number: int, text: Callable[..., str]) -> str:
    return f"{number:,}".replace(",", text("thousands_sep"))


def _span_text(years: Sequence[int]) -> str:
    years = sorted(years)
    if len(years) > 1 and years == list(range(years[0], years[-1] + 1)):
        return f"{years[0]}–{years[-1]}"
    return ", ".join(str(y) for y in years)


# --- one sheet -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Col:
    """A column of a written table: frame column, heading text, number format."""

    name: str
    heading: object
    fmt: str | None = None
    wrap: bool = False


@dataclass
class _Span:
    """Where a table landed: header row, data rows (``last == header`` when empty), columns."""

    header: int
    first: int
    last: int
    left: int
    columns: dict[str, int]

    @property
    def right(self) -> int:
        return max(self.columns.values())

    @property
    def empty(self) -> bool:
        return self.last < self.first


Fill = Callable[[int, str], PatternFill | None]  # (row position in the frame, column) → fill


@dataclass
class _Sheet:
    ws: Worksheet
    text: Callable[..., str]
    row: int = 1
    widths: dict[int, int] = field(default_factory=dict)
    wrapped: set[int] = field(default_factory=set)
    headers: list[tuple[int, dict[int, str]]] = field(default_factory=list)

    # layout
    def title(self, key: str) -> None:
        cell = self.ws.cell(1, 1, _text(self.text(key)))
        cell.font = _TITLE_FONT
        self.row = 2

    def line(self, text: str, *, font: Font | None = _NOTE_FONT, fit: bool = False) -> None:
        """A line of text in column A (spilling right over empty cells)."""
        cell = self.ws.cell(self.row, 1, _text(text))
        if font is not None:
            cell.font = font
        if fit:
            self._fit(1, cell.value, None)
        self.row += 1

    def heading(self, key: str) -> None:
        self.row += 1
        self.line(self.text(key), font=_HEADING_FONT)

    def no_data(self, key: str = "no_data") -> None:
        self.line(self.text(key))

    def col(self, name: str, key: str | None = None, fmt: str | None = None, **kw) -> _Col:
        key = key or f"col_{name}"
        # A column added to an analysis before its label: headed by its name, not a crash.
        heading = self.text(key) if _has_label(key) else name
        return _Col(name, heading, fmt if fmt is not None else NUMBER_FORMATS.get(name), **kw)

    # tables
    def table(self, df: pd.DataFrame, cols: Sequence[_Col], *, fill: Fill | None = None) -> _Span:
        ws, top, left = self.ws, self.row, 1
        columns: dict[str, int] = {}
        header: dict[int, str] = {}
        for i, col in enumerate(cols):
            c = left + i
            columns[col.name] = c
            heading = _value(col.heading)
            cell = ws.cell(top, c, heading)
            cell.font, cell.fill, cell.alignment = _BOLD, _HEADER_FILL, _HEADER_ALIGN
            if not isinstance(heading, str):
                cell.number_format = YEAR
            shown = str(heading) if heading is not None else ""
            header[c] = shown
            self._fit(c, shown[:_HEADER_WIDTH], None)
            if col.wrap:
                self.wrapped.add(c)
        self.headers.append((top, header))
        for col in cols:
            c = columns[col.name]
            values = df[col.name].tolist() if col.name in df.columns else [None] * len(df)
            for j, raw in enumerate(values):
                cell = ws.cell(top + 1 + j, c, _value(raw))
                if col.fmt and not isinstance(cell.value, str):
                    cell.number_format = col.fmt
                if col.wrap:
                    cell.alignment = _WRAP
                if fill is not None and (colour := fill(j, col.name)) is not None:
                    cell.fill = colour
                self._fit(c, cell.value, col.fmt)
        self.row = top + 1 + len(df)
        return _Span(top, top + 1, top + len(df), left, columns)

    def chart(self, chart: BarChart | LineChart, span: _Span) -> None:
        """Put ``chart`` to the right of ``span``'s table, and the next block below both."""
        self.ws.add_chart(chart, f"{get_column_letter(span.right + 2)}{span.header}")
        self.row = max(self.row, span.header + _CHART_ROWS)

    def _fit(self, column: int, value: object, fmt: str | None) -> None:
        self.widths[column] = max(self.widths.get(column, 0), _shown_length(value, fmt))

    # finishing
    def finish(self, *, freeze: str, print_rows: int | None = None) -> None:
        ws = self.ws
        for c, length in self.widths.items():
            cap = _WRAP_WIDTH if c in self.wrapped else _MAX_WIDTH
            width = max(_MIN_WIDTH, min(length + 2, cap))
            ws.column_dimensions[get_column_letter(c)].width = width
        for row, header in self.headers:
            lines = 1
            for c, heading in header.items():
                width = ws.column_dimensions[get_column_letter(c)].width - 1
                lines = max(lines, math.ceil(len(heading) / max(width, 1)))
            ws.row_dimensions[row].height = 15 * min(lines, 4)
        ws.freeze_panes = freeze
        if print_rows is not None:
            ws.print_title_rows = f"{print_rows}:{print_rows}"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)


# --- charts ----------------------------------------------------------------------------------


def _style_chart(chart: BarChart | LineChart, text: Callable[..., str], title: str, y: str):
    chart.title = text(title)
    chart.x_axis.title = text("axis_year")
    chart.y_axis.title = text(y)
    # openpyxl ≥ 3.1 marks axes deleted unless told otherwise: Excel would draw none.
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.height, chart.width = _CHART_HEIGHT, _CHART_WIDTH
    chart.legend.position = "b"
    return chart


def _bar_chart(text, title: str, y: str, *, stacked: bool = False) -> BarChart:
    chart = BarChart()
    chart.type = "col"
    chart.grouping = "stacked" if stacked else "clustered"
    if stacked:
        chart.overlap = 100
    return _style_chart(chart, text, title, y)


def _line_chart(text, title: str, y: str) -> LineChart:
    return _style_chart(LineChart(), text, title, y)


def _columns_ref(ws: Worksheet, span: _Span, names: Iterable[str]) -> list[Reference]:
    """One reference per column (header row included, for the series title)."""
    return [
        Reference(ws, min_col=span.columns[n], min_row=span.header, max_row=span.last)
        for n in names
    ]


def _add_series(chart, ws: Worksheet, span: _Span, names: Sequence[str], colours=None) -> None:
    for ref in _columns_ref(ws, span, names):
        chart.add_data(ref, titles_from_data=True)
    chart.set_categories(
        Reference(ws, min_col=span.columns["year"], min_row=span.first, max_row=span.last)
    )
    _colour(chart, colours or _SERIES_COLOURS)


def _colour(chart, colours: Sequence[str]) -> None:
    for i, series in enumerate(chart.series):
        rgb = colours[i % len(colours)]
        series.graphicalProperties.solidFill = rgb
        series.graphicalProperties.line.solidFill = rgb
        if isinstance(chart, LineChart):  # a point per year, as on the PNG charts
            series.marker.symbol = "circle"
            series.marker.graphicalProperties = GraphicalProperties(solidFill=rgb)
            series.marker.graphicalProperties.line.solidFill = rgb


# --- the sheets ------------------------------------------------------------------------------


def _years_of(df: pd.DataFrame) -> list[int]:
    return sorted(int(y) for y in df["year"].dropna().unique()) if "year" in df else []


def _committee(ds: Dataset) -> str | None:
    units = ds.committee_ratings.dropna(subset=["unit"]).sort_values(["year", "unit"])
    return None if units.empty else str(units["unit"].iloc[-1])


def _cell_count(ds: Dataset) -> int:
    tables = (ds.cells, ds.cell_ratings, ds.members, ds.member_ratings)
    return len(set().union(*(set(t["cell_id"].dropna()) for t in tables)))


def _overview(sh: _Sheet, ds: Dataset, problems: Sequence[Problem], names: dict[str, str]):
    text = sh.text
    sh.title("title_overview")
    unit = _committee(ds)
    if unit is not None:
        sh.line(text("info_committee", unit=unit), font=_BOLD)
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
    summary = analysis.yearly_summary(ds)
    span = sh.table(summary, [sh.col(c) for c in summary.columns])
    if span.empty:
        sh.no_data()
    sh.finish(freeze=f"B{span.first}", print_rows=span.header)


def _level_heading(text, by: str, level: int) -> str:
    key = f"{by}_{level}"
    return text(key) if _has_label(key) else text("level_other", level=level)


def _scale_changes(years: Sequence[int]) -> list[tuple[str, int]]:
    """(scale, first year) of each rating scale that starts inside the span of ``years``."""
    if not years:
        return []
    with open(resource("scales.csv"), encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [
        (r["scale"], int(r["first_year"]))
        for r in rows
        if min(years) < int(r["first_year"]) <= max(years)
    ]


def _mix_block(sh: _Sheet, cell_ratings: pd.DataFrame, by: str) -> None:
    text = sh.text
    sh.heading(f"mix_{by}_heading")
    mix = analysis.rating_mix(cell_ratings, by=by)
    if mix.empty:
        sh.no_data()
        return
    wide = mix.pivot(index="year", columns="level", values="count")
    levels = [int(level) for level in wide.columns]
    wide.columns = [f"level_{level}" for level in levels]
    wide["total"] = wide.sum(axis=1)
    wide = wide.reset_index()
    cols = [
        sh.col("year"),
        *[_Col(f"level_{lv}", _level_heading(text, by, lv), COUNT) for lv in levels],
        sh.col("total", key="col_cells_rated", fmt=COUNT),
    ]
    span = sh.table(wide, cols)
    chart = _bar_chart(text, f"chart_mix_{by}", "axis_cells", stacked=True)
    _add_series(
        chart,
        sh.ws,
        span,
        [f"level_{lv}" for lv in levels],
        [LEVEL_COLOURS.get(lv, "BDBDBD") for lv in levels],
    )
    sh.chart(chart, span)


def _rating_grid(sh: _Sheet, cell_ratings: pd.DataFrame) -> None:
    text = sh.text
    sh.heading("grid_heading")
    rated = cell_ratings.dropna(subset=["rating"])
    if rated.empty:
        sh.no_data()
        return
    years = list(range(int(rated["year"].min()), int(rated["year"].max()) + 1))
    codes = rated.assign(rating=rated["rating"].astype(str)).pivot(
        index="cell_id", columns="year", values="rating"
    )
    ranks = rated.pivot(index="cell_id", columns="year", values="rank")
    codes, ranks = codes.reindex(columns=years), ranks.reindex(index=codes.index, columns=years)
    names = rated.sort_values("year").groupby("cell_id")["cell"].last().reindex(codes.index)
    grid = pd.DataFrame({"cell": names.fillna(pd.Series(codes.index, index=codes.index))})
    # a year rated with scores (QĐ 366, from 2025) gets its score column beside its codes;
    # the years before had no scores and keep their one column
    scores = rated.pivot(index="cell_id", columns="year", values="score").reindex(
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
            else _fill(LEVEL_COLOURS[int(rank)])
        )

    cols = [sh.col("cell")]
    for y in years:
        cols.append(_Col(f"y{y}", y))
        if y in scored:
            cols.append(_Col(f"s{y}", text("col_score_year", year=y)))
    sh.table(grid, cols, fill=fill)
    sh.row += 1
    sh.line(text("grid_legend"))
    for level, rgb in LEVEL_COLOURS.items():
        cell = sh.ws.cell(sh.row, 1, _text(_level_heading(text, "rank", level)))
        cell.fill = _fill(rgb)
        sh._fit(1, cell.value, None)
        sh.row += 1


def _ratings(sh: _Sheet, ds: Dataset) -> None:
    text = sh.text
    sh.title("title_ratings")
    years = _years_of(ds.cell_ratings)
    for scale, year in _scale_changes(years):
        sh.line(text("rule_change_note", year=year, rule=text(f"scale_{scale}")))
    sh.line(text("rank_tier_note"))
    _mix_block(sh, ds.cell_ratings, "rank")
    _mix_block(sh, ds.cell_ratings, "tier")
    _rating_grid(sh, ds.cell_ratings)
    sh.finish(freeze="A2")


_INCOMPLETE_FILL = _fill("FFEB9C")
_MEMBER_STOCKS = ["members", "young", "female", "exempt"]
_INCOME_COUNTS = ["households", "poor_households", "near_poor_households"]


def _incomplete(sh: _Sheet, table: pd.DataFrame, totals: pd.DataFrame, columns: list[str]):
    """The year totals of ``totals`` summed over only some of ``table``'s units: a fill for
    :meth:`_Sheet.table` that marks them, ``totals`` with its ``incomplete`` column in
    words, and the notes that say who is missing (written by the returned ``notes()``)."""
    gaps = analysis.incomplete_sums(table, columns)
    flagged = {(int(y), str(c)) for y, c in zip(gaps["year"], gaps["column"], strict=True)}
    years = [int(y) for y in totals["year"]]

    def heading(column: str) -> str:
        return sh.text(f"col_{column}") if _has_label(f"col_{column}") else column

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


def _totals_block(sh: _Sheet, members: pd.DataFrame) -> None:
    text = sh.text
    sh.heading("totals_heading")
    totals = analysis.membership_totals(members)
    if totals.empty:
        sh.no_data()
        return
    fill, shown, notes = _incomplete(sh, members, totals, _MEMBER_STOCKS)
    span = sh.table(shown, [sh.col(c) for c in totals.columns], fill=fill)
    bars = _bar_chart(text, "chart_totals", "axis_members")
    _add_series(bars, sh.ws, span, ["members"])
    line = LineChart()
    _add_series(line, sh.ws, span, ["young_share"], [_SERIES_COLOURS[1]])
    line.y_axis.axId = 200
    line.y_axis.title = text("axis_young_share")
    line.y_axis.number_format = "0%"
    line.y_axis.majorGridlines = None
    line.y_axis.crosses = "max"
    line.y_axis.delete = False
    bars += line
    sh.chart(bars, span)
    notes()


def _flows_block(sh: _Sheet, members: pd.DataFrame) -> None:
    text = sh.text
    sh.heading("flows_heading")
    flows = analysis.member_flows(members)
    if flows.empty:
        sh.no_data()
        return
    wide = flows.pivot(index="year", columns="flow", values="count")
    wide = wide.reindex(columns=list(ALL_FLOWS)).reset_index()
    span = sh.table(wide, [sh.col("year"), *[sh.col(f, key=f"flow_{f}") for f in ALL_FLOWS]])
    chart = _bar_chart(text, "chart_flows", "axis_persons")
    _add_series(chart, sh.ws, span, list(ALL_FLOWS), [_FLOW_COLOURS[f] for f in ALL_FLOWS])
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


def _member_ratings_block(sh: _Sheet, member_ratings: pd.DataFrame) -> None:
    text = sh.text
    sh.heading("member_ratings_heading")
    shares = analysis.member_rating_shares(member_ratings, denominator="rated")
    if shares.empty:
        sh.no_data()
        return
    sh.line(text("denominator_note"))
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
        return text(f"mrating_{code}") if _has_label(f"mrating_{code}") else code

    cols = [
        sh.col("year"),
        sh.col("denominator", key="col_rated_denominator"),
        *[_Col(f"count_{c}", text("count_of", rating=rating(c)), COUNT) for c in codes],
        *[_Col(f"share_{c}", text("share_of", rating=rating(c)), FRACTION) for c in codes],
        sh.col("well_or_above"),
        sh.col("well_or_above_share"),
    ]
    span = sh.table(wide, cols)
    chart = _bar_chart(text, "chart_member_ratings", "axis_share_rated", stacked=True)
    chart.y_axis.number_format = "0%"
    chart.y_axis.scaling.min = 0
    chart.y_axis.scaling.max = 1
    colours = [LEVEL_COLOURS.get(i + 1, "BDBDBD") for i in range(len(codes))]
    _add_series(chart, sh.ws, span, [f"share_{c}" for c in codes], colours)
    sh.chart(chart, span)


def _quota_block(sh: _Sheet, member_ratings: pd.DataFrame) -> None:
    text = sh.text
    sh.heading("quota_heading")
    quota = analysis.quota_check(member_ratings)
    if quota.empty:
        sh.no_data()
        return
    sh.line(text("quota_note"))
    # the cap is on the committee, in the years a confirmed rule covers (quota_rules.csv)
    whole = quota[(quota["cell_id"] == ALL_CELLS_ID) & quota["ok"].notna()]
    if whole.empty:
        sh.line(text("quota_no_rule"))
        return
    sh.table(whole, [sh.col(c) for c in ("year", "excellent", "well", "allowed", "ok", "source")])
    if bool(whole["ok"].all()):
        sh.line(text("quota_ok"))


def _members(sh: _Sheet, ds: Dataset) -> None:
    sh.title("title_members")
    _totals_block(sh, ds.members)
    _flows_block(sh, ds.members)
    _member_ratings_block(sh, ds.member_ratings)
    _quota_block(sh, ds.member_ratings)
    sh.finish(freeze="A2")


def _income_block(sh: _Sheet, income: pd.DataFrame) -> None:
    text = sh.text
    sh.heading("income_heading")
    growth = analysis.income_growth(income)
    if growth.empty:
        sh.no_data()
        return
    sh.line(text("income_unit_note"))
    years = _years_of(growth)
    wide = growth.pivot(index="area_id", columns="year", values="income_per_capita")
    wide = wide.reindex(columns=years)
    names = growth.sort_values("year").groupby("area_id")["area"].last().reindex(wide.index)
    table = pd.DataFrame({"area": names.fillna(pd.Series(wide.index, index=wide.index))})
    for year in years:
        table[f"y{year}"] = wide[year]
    cols = [sh.col("area"), *[_Col(f"y{y}", y, MONEY) for y in years]]
    span = sh.table(table.reset_index(drop=True), cols)
    chart = _line_chart(text, "chart_income", "axis_income")
    first, last = span.columns[f"y{years[0]}"], span.columns[f"y{years[-1]}"]
    data = Reference(
        sh.ws, min_col=span.columns["area"], max_col=last, min_row=span.first, max_row=span.last
    )
    chart.add_data(data, from_rows=True, titles_from_data=True)
    chart.set_categories(
        Reference(sh.ws, min_col=first, max_col=last, min_row=span.header, max_row=span.header)
    )
    _colour(chart, _SERIES_COLOURS)
    sh.chart(chart, span)


def _cagr_block(sh: _Sheet, income: pd.DataFrame) -> None:
    sh.heading("cagr_heading")
    cagr = analysis.income_cagr(income)
    if cagr.empty:
        sh.no_data()
        return
    sh.line(sh.text("cagr_note"))
    names = ("area", "start_year", "end_year", "start_value", "end_value", "cagr")
    sh.table(cagr, [sh.col(c) for c in names])


def _poverty_block(sh: _Sheet, income: pd.DataFrame) -> None:
    text = sh.text
    sh.heading("poverty_heading")
    table = analysis.poverty(income)
    if table.empty:
        sh.no_data()
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
    chart = _bar_chart(text, "chart_poverty", "axis_households")
    series = ["poor_households", "near_poor_households"]
    _add_series(chart, sh.ws, span, series, ["D73027", "FC8D59"])
    sh.chart(chart, span)
    notes()


def _income(sh: _Sheet, ds: Dataset) -> None:
    sh.title("title_income")
    _income_block(sh, ds.income)
    _cagr_block(sh, ds.income)
    _poverty_block(sh, ds.income)
    sh.finish(freeze="A2")


def _article(sh: _Sheet, ds: Dataset) -> None:
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


def _problems(sh: _Sheet, problems: Sequence[Problem], lang: str) -> None:
    text = sh.text
    sh.title("title_problems")
    rows = problems_frame(problems, lang).fillna("")
    severity = rows["severity"].astype(str).tolist()
    rows["severity"] = [
        text(f"severity_{s}") if _has_label(f"severity_{s}") else s for s in severity
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


# --- the workbook ----------------------------------------------------------------------------


def build_workbook(
    ds: Dataset, problems: Sequence[Problem], *, lang: str = "vi", article: bool | None = None
) -> Workbook:
    """The report as an openpyxl ``Workbook`` (what :func:`write_report` saves)."""
    text = report_labels(lang)
    names = sheet_names(lang)
    if not (analysis.article_applies(ds) if article is None else article):
        del names["article"]  # the article's figures are checked on its own committee only
    wb = Workbook()
    wb.remove(wb.active)
    sheets = {key: _Sheet(wb.create_sheet(name), text) for key, name in names.items()}
    _overview(sheets["overview"], ds, problems, names)
    _ratings(sheets["ratings"], ds)
    _members(sheets["members"], ds)
    _income(sheets["income"], ds)
    if "article" in sheets:
        _article(sheets["article"], ds)
    _problems(sheets["problems"], problems, lang)
    wb.active = 0
    props = wb.properties
    props.creator = props.lastModifiedBy = "ngodong_analysis"
    props.title = text("title_overview")
    props.language = lang
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
        ``resources/report_labels.csv``.
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
    >>> write_report(ds, ds.problems, "data/processed/report.xlsx", lang="en")
    """
    path = Path(path)
    if path.is_dir():
        path = path / FILENAME
    wb = build_workbook(ds, list(problems), lang=lang, article=article)
    save_reproducible(wb, path)
    return path
