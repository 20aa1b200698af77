"""``ngodong template``: blank input workbooks an office fills in, that the loaders read back.

Three workbooks per year, laid out the way :mod:`ngodong_analysis.ingest.detect` reads them
(one sheet per year named after the year, a title block, the header aliases of
``resources/headers.csv``)::

    xep_loai_chi_bo_<year>.xlsx   cell ratings ("Năm <year>") and the committee's ("Đảng bộ")
    dang_vien_<year>.xlsx         members, flows and member ratings ("<year>", two-row header)
    thu_nhap_<year>.xlsx          income and poor households per residential group

Each has a dropdown of the rating labels valid for that year's scale (taken from
``resources/labels.csv`` and ``crosswalk.csv``, never written here), number checks on every
count column, frozen header rows, and an instructions sheet (:data:`INSTRUCTIONS_SHEETS`)
that also holds the dropdown's list. Nothing is written in the data rows: an example, where
one helps, is a sentence on the instructions sheet. Bytes are reproducible: fixed document
dates and zip entry times.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ..committees import display_name
from ..vocab import (
    dropdown_label,
    scale_codes,
    scale_for_year,
    scale_rules,
    scales,
    score_bands,
    texts,
)
from .files import neutralise, save_reproducible
from .xlsx import BOLD, CENTRE, WRAP, new_workbook, set_widths

__all__ = [
    "DATA_ROWS",
    "INSTRUCTIONS_SHEETS",
    "rating_labels",
    "template_names",
    "write_templates",
]

DATA_ROWS = 40
# The instructions sheet's name per language. The loaders should treat a sheet of this name
# as documentation (see the report of the template task); its rows never look like a header.
INSTRUCTIONS_SHEETS = {"vi": "Hướng dẫn", "en": "Instructions"}
LANGS = tuple(INSTRUCTIONS_SHEETS)

_AUTHOR = "ngodong template"
_PLACEHOLDER = "ĐẢNG BỘ ……………………………"

_TITLE = Font(bold=True, size=13)
_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


# --------------------------------------------------------------------------- vocabulary
def rating_labels(year: int, subject: str = "organisation") -> list[str]:
    """The full Vietnamese labels valid for ``year``'s scale, best first.

    Codes come from the crosswalk for that scale (``subject`` is "organisation" or
    "member"), each written as the first label of the scale's family in ``labels.csv``
    ("Trong sạch, vững mạnh" before 2018, "Hoàn thành xuất sắc nhiệm vụ" from 2018)."""
    scale = _scale(year)
    out = []
    for code in scale_codes(scale, subject):
        text = dropdown_label(scale, subject, code)
        if text is None:
            raise ValueError(f"labels.csv has no {subject} label for {code} ({scale} scale)")
        out.append(text)
    return out


def _scale(year: int) -> str:
    scale = scale_for_year(year)
    if scale is None:
        known = ", ".join(f"{a}–{b}" for _, a, b in scales())
        raise ValueError(f"no rating scale is known for {year} (scales cover {known})")
    return scale


def _rules(scale: str) -> str:
    """The regulations of ``scale`` (the "rules" column of ``resources/scales.csv``)."""
    return scale_rules().get(scale, scale)


def template_names(year: int) -> list[str]:
    """File names :func:`write_templates` writes for ``year``."""
    return [f"xep_loai_chi_bo_{year}.xlsx", f"dang_vien_{year}.xlsx", f"thu_nhap_{year}.xlsx"]


# --------------------------------------------------------------------------- sheets
@dataclass
class _Book:
    """A workbook being built, with its language and the instructions sheet's name."""

    wb: Workbook
    lang: str
    year: int

    def t(self, key: str, **fields: object) -> str:
        """The instruction ``template_<key>`` in the book's language (``resources/texts.csv``)."""
        return texts(self.lang)(f"template_{key}", **fields)

    @property
    def help_name(self) -> str:
        return INSTRUCTIONS_SHEETS[self.lang]


def _bands(book: _Book, scale: str) -> str:
    """The score bands of ``scale`` (``resources/score_bands.csv``), best first."""
    bands = sorted((b for b in score_bands() if b[0] == scale), key=lambda b: -b[1])
    return "; ".join(book.t("band", low=low, code=code) for _, low, _, code in bands)


def _new_book(year: int, lang: str) -> _Book:
    return _Book(new_workbook(_AUTHOR, f"ngodong template {year}"), lang, year)


def _title(ws: Worksheet, row: int, text: str, last_col: int) -> None:
    cell = ws.cell(row=row, column=1, value=text)
    cell.font = _TITLE
    cell.alignment = Alignment(horizontal="center")
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last_col)


def _header_cell(ws: Worksheet, row: int, col: int, text: str | None) -> None:
    cell = ws.cell(row=row, column=col, value=text)
    cell.font = BOLD
    cell.alignment = CENTRE
    cell.border = _BOX


def _body(ws: Worksheet, first: int, last: int, ncols: int) -> None:
    """Bordered data rows ``first``..``last``, left empty: even the STT column, since the
    loaders fail on a sheet whose only non-blank data cells are row numbers (see the report
    of the template task); borders alone are not cells to them."""
    for r in range(first, last + 1):
        for c in range(1, ncols + 1):
            ws.cell(row=r, column=c).border = _BOX


def _data_table(ws: Worksheet, title: str, headers: Sequence[str]) -> tuple[int, int]:
    """The committee placeholder and ``title`` over the whole width, ``headers`` in row 4 and
    :data:`DATA_ROWS` empty bordered rows below; returns the first and last data row."""
    ncols = len(headers)
    _title(ws, 1, _PLACEHOLDER, ncols)
    _title(ws, 2, title, ncols)
    head, first = 4, 5
    last = first + DATA_ROWS - 1
    for c, text in enumerate(headers, start=1):
        _header_cell(ws, head, c, text)
    _body(ws, first, last, ncols)
    return first, last


def _col_range(col: int, first: int, last: int) -> str:
    letter = get_column_letter(col)
    return f"{letter}{first}:{letter}{last}"


# The checks on data cells: kind → DataValidation's arguments and error style (a warning lets
# the value stand: "-", zero, is text). The messages are the texts template_error_<kind>.
_CHECKS: dict[str, tuple[dict[str, str], str]] = {
    "whole": ({"type": "whole", "operator": "greaterThanOrEqual", "formula1": "0"}, "warning"),
    "decimal": ({"type": "decimal", "operator": "greaterThanOrEqual", "formula1": "0"}, "warning"),
    "score": (
        {"type": "decimal", "operator": "between", "formula1": "0", "formula2": "100"},
        "stop",
    ),
    "rating": ({"type": "list"}, "stop"),
}


def _validation(
    ws: Worksheet, book: _Book, kind: str, ranges: Sequence[str], *, source: str | None = None
) -> DataValidation:
    """The check ``kind`` of :data:`_CHECKS` on ``ranges``; a rating's list is ``source``."""
    args, style = _CHECKS[kind]
    dv = DataValidation(**args, **({"formula1": source} if source else {}))
    dv.errorStyle = style
    if source:
        dv.promptTitle = book.t("prompt_rating_title")
        dv.prompt = book.t("prompt_rating", year=book.year)
        dv.showInputMessage = True
    dv.allow_blank = True
    dv.showErrorMessage = True
    dv.errorTitle = book.t(f"error_{kind}_title")
    dv.error = book.t(f"error_{kind}", sheet=book.help_name)
    for rng in ranges:
        dv.add(rng)
    ws.add_data_validation(dv)
    return dv


def _instructions(book: _Book, lines: list[str], labels_: list[str]) -> str | None:
    """The instructions sheet: one instruction per row, all in column A (so no row can look
    like a header). Returns the absolute reference of the rating list, if any."""
    ws = book.wb.create_sheet(book.help_name)
    ws.column_dimensions["A"].width = 110
    ws.cell(row=1, column=1, value=f"{book.t('title')} — {book.year}").font = _TITLE
    row = 3
    for i, line in enumerate(lines, start=1):
        ws.cell(row=row, column=1, value=f"{i}. {line}").alignment = WRAP
        row += 1
    source = None
    if labels_:
        row += 1
        ws.cell(row=row, column=1, value=book.t("list", year=book.year)).font = BOLD
        first = row + 1
        for j, text in enumerate(labels_):
            ws.cell(row=first + j, column=1, value=neutralise(text))
        last = first + len(labels_) - 1
        source = f"{quote_sheetname(book.help_name)}!$A${first}:$A${last}"
    ws.protection.sheet = True  # keeps the dropdown's list intact; no password
    return source


def _common_lines(
    book: _Book, sheet: str, what: str, example: str, *, has_list: bool = False
) -> list[str]:
    t = book.t
    return [
        t("rows", what=what),
        t("headers", sheet=sheet),
        t("names", what=what, example=example),
        t("dash"),
        t("no_totals"),
        t("notes"),
        t("this_sheet", sheet=book.help_name),
        *([t("keep_list")] if has_list else []),
    ]


def _cell_ratings_book(year: int, lang: str) -> Workbook:
    book = _new_book(year, lang)
    t, wb = book.t, book.wb
    scale = _scale(year)
    scored = scale == "qd366"
    org = rating_labels(year, "organisation")

    name = f"Năm {year}"
    ws = wb.create_sheet(name)
    headers = ["STT", "Tên chi bộ", "Kết quả xếp loại", *(["Điểm"] if scored else []), "Ghi chú"]
    first, last = _data_table(ws, f"KẾT QUẢ ĐÁNH GIÁ, XẾP LOẠI CHI BỘ NĂM {year}", headers)
    ws.freeze_panes = f"C{first}"
    set_widths(ws, [6, 40, 32, *([10] if scored else []), 28])

    # The committee's year is in the title, not in a prefilled "Năm" cell: the loaders drop a
    # row whose year cell is left blank without a word, and fail on a sheet whose only
    # non-blank cells are a prefilled year (see the report of the template task).
    cws = wb.create_sheet("Đảng bộ")
    cheaders = ["Đảng bộ", "Xếp loại", *(["Điểm"] if scored else [])]
    _title(cws, 1, f"KẾT QUẢ ĐÁNH GIÁ, XẾP LOẠI ĐẢNG BỘ NĂM {year}", len(cheaders))
    chead, crow = 3, 4
    for c, text in enumerate(cheaders, start=1):
        _header_cell(cws, chead, c, text)
    _body(cws, crow, crow, len(cheaders))
    cws.freeze_panes = f"A{crow}"
    set_widths(cws, [40, 32, *([10] if scored else [])])

    lines = [
        t("ratings_file", sheet=name, year=year),
        t("rating_pick", year=year),
        t("scale", year=year, rules=neutralise(_rules(scale))),
        *([t("score", bands=_bands(book, scale))] if scored else []),
        t("committee", year=year),
        *_common_lines(book, name, t("cell"), "Chi bộ Tổ dân phố số 1", has_list=True),
        t("ratings_example", label=neutralise(org[min(1, len(org) - 1)])),
    ]
    source = _instructions(book, lines, org)
    assert source is not None
    _validation(ws, book, "rating", [_col_range(3, first, last)], source=source)
    _validation(cws, book, "rating", [_col_range(2, crow, crow)], source=source)
    if scored:
        _validation(ws, book, "score", [_col_range(4, first, last)])
        _validation(cws, book, "score", [_col_range(3, crow, crow)])
    wb.active = 0
    return wb


# The members sheet of the standard office layout (the sample uses it too): column → header.
MEMBER_HEADER_TOP = {
    1: "STT",
    2: "Chi bộ",
    3: "Tổng số đảng viên",
    4: "Trong đó",
    7: "Biến động trong năm",
    12: "Giới thiệu học lớp đối tượng Đảng",
    13: "Kết quả xếp loại đảng viên",
    17: "Ghi chú",
}
MEMBER_HEADER_SUB = {
    4: "Đảng viên trẻ (dưới 35 tuổi)",
    5: "Nữ",
    6: "Miễn sinh hoạt",
    7: "Kết nạp",
    8: "Chuyển đến",
    9: "Chuyển đi",
    10: "Từ trần",
    11: "Xóa tên, khai trừ",
}
_MEMBER_COUNTS = range(3, 17)  # C..P: every count column


def _members_book(year: int, lang: str) -> Workbook:
    book = _new_book(year, lang)
    t, wb = book.t, book.wb
    name = str(year)
    ws = wb.create_sheet(name)
    member = rating_labels(year, "member")
    if len(member) != 4:
        raise ValueError(f"expected four member ratings for {year}, found {member}")
    sub = {**MEMBER_HEADER_SUB, **{13 + k: neutralise(label) for k, label in enumerate(member)}}
    ncols = 17
    _title(ws, 1, _PLACEHOLDER, ncols)
    _title(ws, 2, f"BÁO CÁO SỐ LƯỢNG, BIẾN ĐỘNG VÀ XẾP LOẠI ĐẢNG VIÊN NĂM {year}", ncols)
    head, first = 4, 6
    last = first + DATA_ROWS - 1
    for col in range(1, ncols + 1):
        _header_cell(ws, head, col, MEMBER_HEADER_TOP.get(col))
        _header_cell(ws, head + 1, col, sub.get(col))
    for col in (1, 2, 3, 12, 17):
        ws.merge_cells(start_row=head, start_column=col, end_row=head + 1, end_column=col)
    for rng in ("D4:F4", "G4:K4", "M4:P4"):
        ws.merge_cells(rng)
    ws.row_dimensions[head + 1].height = 64 if year < 2018 else 48
    _body(ws, first, last, ncols)
    ws.freeze_panes = f"C{first}"
    set_widths(ws, [6, 36, 10, 11, 7, 10, 8, 9, 8, 8, 10, 13, 13, 13, 13, 13, 20])
    lines = [
        t("members_file", year=year, sheet=name),
        t("members_total", year=year),
        t("members_flows", year=year),
        t("members_ratings"),
        t("scale", year=year, rules=neutralise(_rules(_scale(year)))),
        *_common_lines(book, name, t("cell"), "Chi bộ Tổ dân phố số 1"),
        t("members_example"),
    ]
    _instructions(book, lines, [])
    _validation(ws, book, "whole", [_col_range(c, first, last) for c in _MEMBER_COUNTS])
    wb.active = 0
    return wb


# The income sheet of the standard office layout (the example set uses it too), row 4.
INCOME_HEADER = (
    "STT",
    "Tổ dân phố",
    "Số hộ",
    "Số nhân khẩu",
    "Thu nhập bình quân (triệu đồng/người/năm)",
    "Số hộ nghèo",
    "Số hộ cận nghèo",
)


def _income_book(year: int, lang: str) -> Workbook:
    book = _new_book(year, lang)
    t, wb = book.t, book.wb
    name = f"Năm {year}"
    ws = wb.create_sheet(name)
    title = f"THU NHẬP BÌNH QUÂN VÀ HỘ NGHÈO, CẬN NGHÈO THEO TỔ DÂN PHỐ NĂM {year}"
    first, last = _data_table(ws, title, INCOME_HEADER)
    ws.row_dimensions[first - 1].height = 48
    for r in range(first, last + 1):
        ws.cell(row=r, column=5).number_format = "0.0"
    ws.freeze_panes = f"C{first}"
    set_widths(ws, [6, 28, 10, 13, 18, 12, 14])
    lines = [
        t("income_file", year=year, sheet=name),
        t("income_unit"),
        t("income_poor", year=year),
        *_common_lines(book, name, t("area"), "Tổ dân phố số 1"),
        t("income_example"),
    ]
    _instructions(book, lines, [])
    _validation(ws, book, "whole", [_col_range(c, first, last) for c in (3, 4, 6, 7)])
    _validation(ws, book, "decimal", [_col_range(5, first, last)])
    wb.active = 0
    return wb


# --------------------------------------------------------------------------- writing
def write_templates(
    out: str | Path,
    year: int | None = None,
    *,
    lang: str = "vi",
    overwrite: bool = False,
    committee: str | None = None,
) -> list[Path]:
    """Write blank input workbooks for ``year`` (default: the current year) into ``out``.

    ``committee`` ("Đảng bộ xã Giao Tiến") is written into each sheet's heading, where the
    loaders read it back as the rows' committee; without it the heading is left to fill in.

    Returns the paths written: cell ratings, members, income (:func:`template_names`).
    The labels, headers and titles are Vietnamese whatever ``lang``; ``lang`` ("vi" or "en")
    chooses the language of the instructions sheet and of the input messages.

    Raises ``ValueError`` for an unknown language or a year no rating scale covers, and
    ``FileExistsError`` (before writing anything) if a file would be replaced, unless
    ``overwrite``: a template must never overwrite a workbook an office has filled in.
    """
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGS)}")
    if year is None:
        year = dt.date.today().year
    if isinstance(year, bool) or not isinstance(year, int):
        raise ValueError(f"the year must be a whole number, not {year!r}")
    _scale(year)
    folder = Path(out).expanduser()
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(f"not a folder: {folder}")
    paths = [folder / name for name in template_names(year)]
    existing = [p for p in paths if p.exists()]
    if existing and not overwrite:
        raise FileExistsError(
            "not overwriting existing file(s): "
            + ", ".join(str(p) for p in existing)
            + "; move them away, choose another folder, or add --force to overwrite them"
        )
    books = [_cell_ratings_book(year, lang), _members_book(year, lang), _income_book(year, lang)]
    if committee:
        heading = display_name(committee).upper()
        for wb in books:
            for ws in wb.worksheets:
                if ws["A1"].value == _PLACEHOLDER:
                    ws["A1"].value = heading
    folder.mkdir(parents=True, exist_ok=True)
    for wb, path in zip(books, paths, strict=True):
        save_reproducible(wb, path)
    return paths
