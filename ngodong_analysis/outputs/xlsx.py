"""Writing .xlsx workbooks: what the report and the templates share.

Number formats and cell styles, text and values made safe for a cell (NFC, no characters an
.xlsx cannot hold, within Excel's length, never a formula), a new workbook with its document
properties, column widths, a :class:`Sheet` that writes headed tables, lines of text and
native charts top to bottom, and the charts themselves. What goes on which sheet is the
report's (:mod:`ngodong_analysis.outputs.report`) or the templates'
(:mod:`ngodong_analysis.outputs.template`);
the reproducible, atomic save is :func:`ngodong_analysis.outputs.files.save_reproducible`.
"""

from __future__ import annotations

import math
import numbers
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from ..vocab import columns, has_text
from .files import neutralise

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

# --- number formats: per column in resources/columns.csv; the formats by unit ----------------

YEAR = "0"
COUNT = "#,##0"  # persons, cells, households
MONEY = "0.0"  # million đồng per person per year
PERCENT = "0.0"  # columns already in percent (*_pct)
FRACTION = "0.0%"  # shares, rates and CAGR: fractions 0–1

NUMBER_FORMATS: dict[str, str] = {
    name: column.number_format for name, column in columns().items() if column.number_format
}
"""Number format of each analysis column (``resources/columns.csv``)."""

# --- look -------------------------------------------------------------------------------------

TITLE_FONT = Font(bold=True, size=14)
HEADING_FONT = Font(bold=True, size=12)
NOTE_FONT = Font(italic=True, color="555555")
BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
WRAP = Alignment(vertical="top", wrap_text=True)


def solid_fill(rgb: str) -> PatternFill:
    return PatternFill("solid", fgColor=rgb)


_MIN_WIDTH, _MAX_WIDTH, _WRAP_WIDTH = 6, 50, 60
_HEADER_WIDTH = 18  # a longer heading wraps rather than widening its column
_CHART_ROWS = 17  # rows a chart of the default size covers, plus a margin
_CHART_HEIGHT, _CHART_WIDTH = 7.5, 16.0  # cm
_MAX_TEXT = 32_767  # Excel's limit for one cell
SERIES_COLOURS = ("4575B4", "F46D43", "1A9850", "984EA3", "FDAE61", "74ADD1", "A6761D")
"""The colours of a chart's series, in turn, where the columns have none of their own."""


# --- cell values -----------------------------------------------------------------------------


def cell_text(value: object) -> str:
    """NFC, without characters an .xlsx cannot hold, within Excel's length, formula-safe."""
    text = ILLEGAL_CHARACTERS_RE.sub("", _nfc(value))[:_MAX_TEXT]
    return neutralise(text)


def cell_value(value: object) -> object:
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
    return cell_text(value) or None


def shown_length(value: object, fmt: str | None) -> int:
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


# --- one sheet -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Col:
    """A column of a written table: frame column, heading text, number format."""

    name: str
    heading: object
    fmt: str | None = None
    wrap: bool = False


@dataclass
class Span:
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
class Sheet:
    ws: Worksheet
    text: Callable[..., str]
    row: int = 1
    widths: dict[int, int] = field(default_factory=dict)
    wrapped: set[int] = field(default_factory=set)
    headers: list[tuple[int, dict[int, str]]] = field(default_factory=list)

    # layout
    def title(self, key: str) -> None:
        cell = self.ws.cell(1, 1, cell_text(self.text(key)))
        cell.font = TITLE_FONT
        self.row = 2

    def line(self, text: str, *, font: Font | None = NOTE_FONT, fit: bool = False) -> None:
        """A line of text in column A (spilling right over empty cells)."""
        cell = self.ws.cell(self.row, 1, cell_text(text))
        if font is not None:
            cell.font = font
        if fit:
            self._fit(1, cell.value, None)
        self.row += 1

    def heading(self, key: str) -> None:
        self.row += 1
        self.line(self.text(key), font=HEADING_FONT)

    def no_data(self, key: str = "no_data") -> None:
        self.line(self.text(key))

    def section(self, key: str, table: pd.DataFrame, *, note: str | None = None) -> bool:
        """The heading ``key``, then whether ``table`` has rows to show (if not, a "no data"
        line says so; if so, the text ``note``, when given, is the line under the heading)."""
        self.heading(key)
        if table.empty:
            self.no_data()
        elif note is not None:
            self.line(self.text(note))
        return not table.empty

    def col(self, name: str, key: str | None = None, fmt: str | None = None, **kw) -> Col:
        key = key or f"col_{name}"
        # A column added to an analysis before its label: headed by its name, not a crash.
        heading = self.text(key) if has_text(key) else name
        return Col(name, heading, fmt if fmt is not None else NUMBER_FORMATS.get(name), **kw)

    # tables
    def table(self, df: pd.DataFrame, cols: Sequence[Col], *, fill: Fill | None = None) -> Span:
        ws, top, left = self.ws, self.row, 1
        columns: dict[str, int] = {}
        header: dict[int, str] = {}
        for i, col in enumerate(cols):
            c = left + i
            columns[col.name] = c
            heading = cell_value(col.heading)
            cell = ws.cell(top, c, heading)
            cell.font, cell.fill, cell.alignment = BOLD, HEADER_FILL, CENTRE
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
                cell = ws.cell(top + 1 + j, c, cell_value(raw))
                if col.fmt and not isinstance(cell.value, str):
                    cell.number_format = col.fmt
                if col.wrap:
                    cell.alignment = WRAP
                if fill is not None and (colour := fill(j, col.name)) is not None:
                    cell.fill = colour
                self._fit(c, cell.value, col.fmt)
        self.row = top + 1 + len(df)
        return Span(top, top + 1, top + len(df), left, columns)

    def chart(self, chart: BarChart | LineChart, span: Span) -> None:
        """Put ``chart`` to the right of ``span``'s table, and the next block below both."""
        self.ws.add_chart(chart, f"{get_column_letter(span.right + 2)}{span.header}")
        self.row = max(self.row, span.header + _CHART_ROWS)

    def _fit(self, column: int, value: object, fmt: str | None) -> None:
        self.widths[column] = max(self.widths.get(column, 0), shown_length(value, fmt))

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


def bar_chart(text, title: str, y: str, *, stacked: bool = False) -> BarChart:
    chart = BarChart()
    chart.type = "col"
    chart.grouping = "stacked" if stacked else "clustered"
    if stacked:
        chart.overlap = 100
    return _style_chart(chart, text, title, y)


def line_chart(text, title: str, y: str) -> LineChart:
    return _style_chart(LineChart(), text, title, y)


def columns_ref(ws: Worksheet, span: Span, names: Iterable[str]) -> list[Reference]:
    """One reference per column (header row included, for the series title)."""
    return [
        Reference(ws, min_col=span.columns[n], min_row=span.header, max_row=span.last)
        for n in names
    ]


def add_series(chart, ws: Worksheet, span: Span, names: Sequence[str], colours=None) -> None:
    for ref in columns_ref(ws, span, names):
        chart.add_data(ref, titles_from_data=True)
    chart.set_categories(
        Reference(ws, min_col=span.columns["year"], min_row=span.first, max_row=span.last)
    )
    colour_series(chart, colours or SERIES_COLOURS)


def colour_series(chart, colours: Sequence[str]) -> None:
    for i, series in enumerate(chart.series):
        rgb = colours[i % len(colours)]
        series.graphicalProperties.solidFill = rgb
        series.graphicalProperties.line.solidFill = rgb
        if isinstance(chart, LineChart):  # a point per year, as on the PNG charts
            series.marker.symbol = "circle"
            series.marker.graphicalProperties = GraphicalProperties(solidFill=rgb)
            series.marker.graphicalProperties.line.solidFill = rgb


# --- workbooks -------------------------------------------------------------------------------


def _nfc(text: object) -> str:
    return unicodedata.normalize("NFC", str(text))


def new_workbook(author: str, title: str, language: str | None = None) -> Workbook:
    """An empty workbook (no sheet) whose document properties name ``author`` and ``title``."""
    wb = Workbook()
    wb.remove(wb.active)
    props = wb.properties
    props.creator = props.lastModifiedBy = author
    props.title = title
    if language is not None:
        props.language = language
    return wb


def set_widths(ws: Worksheet, widths: Sequence[float]) -> None:
    """Widths of the columns A, B, … of ``ws``, in characters."""
    for j, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = width
