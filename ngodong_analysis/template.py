"""``ngodong template``: blank input workbooks an office fills in, that the loaders read back.

Three workbooks per year, laid out the way :mod:`ngodong_analysis.detect` reads them (one sheet
per year named after the year, a title block, the header aliases of ``resources/headers.csv``)::

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

from .committees import display_name
from .outputs import neutralise, save_reproducible
from .vocab import (
    dropdown_label,
    scale_codes,
    scale_for_year,
    scale_rules,
    scales,
    score_bands,
)

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

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=13)
_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_WRAP = Alignment(vertical="top", wrap_text=True)


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


# --------------------------------------------------------------------------- texts
_TEXT = {
    "vi": {
        "title": "HƯỚNG DẪN ĐIỀN BIỂU MẪU",
        "rows": "Mỗi dòng ghi một {what}; mỗi ô chỉ ghi một giá trị. Không gộp ô trong vùng số "
        "liệu, không chèn dòng trống hay dòng tiêu đề phụ; có thể thêm dòng mới ở cuối bảng.",
        "headers": "Không đổi tên, xóa hay chuyển chỗ các tiêu đề cột. Ở dòng đầu, thay dấu chấm "
        "bằng tên đảng bộ; không sửa dòng tiêu đề có năm và không đổi tên trang tính: năm của "
        "số liệu được lấy từ tên trang tính ('{sheet}').",
        "names": "Tên {what} ghi thống nhất giữa các năm và các tệp (ví dụ '{example}'), để "
        "phần mềm nhận ra cùng một {what} qua các năm.",
        "dash": "Ô số: ghi số nguyên không âm. Dấu gạch ngang (-) nghĩa là 0; để trống nghĩa là "
        "chưa có số liệu (không phải 0).",
        "no_totals": "Không thêm dòng 'Tổng cộng': phần mềm tự cộng. Nếu vẫn thêm, số ở dòng "
        "tổng phải bằng tổng các dòng phía trên.",
        "notes": "Cột 'Ghi chú' ghi tự do, không được đọc vào số liệu.",
        "this_sheet": "Trang '{sheet}' này chỉ để hướng dẫn, không được đọc vào số liệu; đừng "
        "ghi số liệu vào đây.",
        "keep_list": "Đừng sửa danh sách mức xếp loại bên dưới: danh sách thả xuống lấy từ đây.",
        "ratings_file": "Tệp này ghi kết quả xếp loại chất lượng các chi bộ (trang '{sheet}') "
        "và của đảng bộ (trang 'Đảng bộ') năm {year}.",
        "rating_pick": "Cột 'Kết quả xếp loại': chọn một mức trong danh sách thả xuống. Chỉ "
        "dùng các mức của năm {year} (liệt kê bên dưới), không gõ chữ viết tắt.",
        "scale": "Thang xếp loại áp dụng cho năm {year}: {rules}.",
        "score": "Cột 'Điểm': tổng điểm đánh giá từ 0 đến 100 (có thể có phần thập phân). Điểm "
        "cho biết mức cao nhất được xếp ({bands}); vẫn phải ghi mức xếp loại: chỉ có điểm thì "
        "chưa có kết quả xếp loại.",
        "band": "từ {low:g} điểm: {code}",
        "committee": "Trang 'Đảng bộ': ghi tên đảng bộ và kết quả xếp loại của đảng bộ năm "
        "{year} vào dòng đầu tiên dưới tiêu đề. Năm lấy từ dòng tiêu đề '... NĂM {year}': "
        "không sửa dòng này.",
        "ratings_example": "Ví dụ một dòng: STT 1; Tên chi bộ: Chi bộ Tổ dân phố số 1; Kết quả "
        "xếp loại: {label}.",
        "list": "Các mức xếp loại hợp lệ năm {year} (danh sách thả xuống, từ cao đến thấp):",
        "members_file": "Tệp này ghi số lượng, biến động và kết quả xếp loại đảng viên của "
        "từng chi bộ năm {year} (trang '{sheet}').",
        "members_total": "'Tổng số đảng viên': số đảng viên của chi bộ tính đến ngày 31/12/{year}"
        ". 'Trong đó': số đảng viên trẻ (dưới 35 tuổi), nữ, được miễn sinh hoạt.",
        "members_flows": "'Biến động trong năm': số đảng viên kết nạp, chuyển đến, chuyển đi, "
        "từ trần, bị xóa tên hoặc khai trừ trong năm {year}. 'Giới thiệu học lớp đối tượng "
        "Đảng': số quần chúng được giới thiệu trong năm.",
        "members_ratings": "'Kết quả xếp loại đảng viên': số đảng viên ở mỗi mức. Đảng viên "
        "miễn sinh hoạt không được xếp loại, nên tổng các mức thường bằng tổng số đảng viên "
        "trừ số miễn sinh hoạt, và không được lớn hơn tổng số đảng viên.",
        "members_example": "Ví dụ một dòng: STT 1; Chi bộ: Chi bộ Tổ dân phố số 1; Tổng số "
        "đảng viên 40; Nữ 15; Miễn sinh hoạt 3; Kết nạp 1; Chuyển đi -; các ô chưa biết để "
        "trống.",
        "income_file": "Tệp này ghi số hộ, nhân khẩu, thu nhập bình quân và số hộ nghèo, cận "
        "nghèo của từng tổ dân phố năm {year} (trang '{sheet}').",
        "income_unit": "'Thu nhập bình quân' ghi bằng triệu đồng/người/năm (ví dụ 57,5), có thể "
        "có phần thập phân. Nếu số liệu tính theo tháng hoặc theo nghìn đồng, hãy đổi ra triệu "
        "đồng/người/năm trước khi ghi.",
        "income_poor": "Số hộ nghèo và cận nghèo theo chuẩn nghèo đang áp dụng năm {year}; "
        "không lớn hơn tổng số hộ.",
        "income_example": "Ví dụ một dòng: STT 1; Tổ dân phố: Tổ dân phố số 1; Số hộ 320; Số "
        "nhân khẩu 1150; Thu nhập bình quân 57,5; Số hộ nghèo 2; Số hộ cận nghèo -.",
        "cell": "chi bộ",
        "area": "tổ dân phố",
        "prompt_rating": ("Chọn mức xếp loại", "Chọn từ danh sách các mức của năm {year}."),
        "error_rating": (
            "Mức xếp loại không hợp lệ",
            "Chỉ chọn một mức trong danh sách (xem trang '{sheet}').",
        ),
        "error_whole": ("Cần số nguyên", "Ghi số nguyên không âm; dấu - nghĩa là 0."),
        "error_decimal": ("Cần số", "Ghi số không âm, đơn vị triệu đồng/người/năm."),
        "error_score": ("Điểm không hợp lệ", "Điểm là một số từ 0 đến 100."),
    },
    "en": {
        "title": "HOW TO FILL IN THIS WORKBOOK",
        "rows": "One {what} per row; one value per cell. Do not merge cells in the data area or "
        "insert blank rows or sub-headings; new rows may be added at the bottom.",
        "headers": "Do not rename, delete or move the column headers. In the first line, replace "
        "the dots with the committee's name; do not change the title line with the year or "
        "rename the sheet: the year of the data is read from the sheet name ('{sheet}').",
        "names": "Write each {what}'s name the same way in every year and file (e.g. "
        "'{example}') so the software recognises it across years.",
        "dash": "Number cells: whole numbers, not negative. A dash (-) means 0; a blank cell "
        "means unknown (not 0).",
        "no_totals": "Do not add a 'Tổng cộng' (totals) row: the software adds up. If you do, "
        "it must equal the sum of the rows above it.",
        "notes": "The 'Ghi chú' (notes) column is free text and is not read as data.",
        "this_sheet": "This '{sheet}' sheet is documentation only and is not read as data; do "
        "not enter data here.",
        "keep_list": "Do not change the list of ratings below: the dropdown lists are read "
        "from it.",
        "ratings_file": "This workbook holds the ratings of the Party cells (sheet '{sheet}') "
        "and of the Party committee (sheet 'Đảng bộ') for {year}.",
        "rating_pick": "Column 'Kết quả xếp loại' (rating): pick a label from the dropdown list. "
        "Only the labels of {year} (listed below) are valid; do not type abbreviations.",
        "scale": "Rating rules for {year}: {rules}.",
        "score": "Column 'Điểm' (score): the 0–100 evaluation score (decimals allowed). The "
        "score gives the highest level allowed ({bands}); write the rating too: a score alone "
        "gives no rating.",
        "band": "{low:g} and above: {code}",
        "committee": "Sheet 'Đảng bộ': write the committee's name and its rating for {year} in "
        "the first row under the headers. The year is read from the title line '... NĂM "
        "{year}': do not change it.",
        "ratings_example": "Example row: STT 1; Tên chi bộ: Chi bộ Tổ dân phố số 1; Kết quả xếp "
        "loại: {label}.",
        "list": "Ratings valid for {year} (the dropdown list, best first):",
        "members_file": "This workbook holds the members, their changes during the year and "
        "the member ratings of each Party cell for {year} (sheet '{sheet}').",
        "members_total": "'Tổng số đảng viên': the cell's members on 31 December {year}. "
        "'Trong đó' (of whom): young members (under 35), women, exempt from activities.",
        "members_flows": "'Biến động trong năm' (changes during {year}): admitted, transferred "
        "in, transferred out, died, struck off or expelled. 'Giới thiệu học lớp đối tượng "
        "Đảng': non-members introduced to the Party-awareness class during the year.",
        "members_ratings": "'Kết quả xếp loại đảng viên': the number of members at each rating. "
        "Exempt members are not rated, so the ratings usually add up to the members minus the "
        "exempt, and never to more than the members.",
        "members_example": "Example row: STT 1; Chi bộ: Chi bộ Tổ dân phố số 1; Tổng số đảng "
        "viên 40; Nữ 15; Miễn sinh hoạt 3; Kết nạp 1; Chuyển đi -; unknown cells left blank.",
        "income_file": "This workbook holds households, population, income per person and poor "
        "and near-poor households of each residential group for {year} (sheet '{sheet}').",
        "income_unit": "'Thu nhập bình quân' (income per person) is in million đồng per person "
        "per year (e.g. 57.5); decimals allowed. Convert monthly or thousand-đồng figures to "
        "million đồng per person per year first.",
        "income_poor": "Poor and near-poor households by the poverty standard in force in "
        "{year}; never more than the households.",
        "income_example": "Example row: STT 1; Tổ dân phố: Tổ dân phố số 1; Số hộ 320; Số nhân "
        "khẩu 1150; Thu nhập bình quân 57.5; Số hộ nghèo 2; Số hộ cận nghèo -.",
        "cell": "Party cell",
        "area": "residential group",
        "prompt_rating": ("Pick a rating", "Pick from the list of {year}'s ratings."),
        "error_rating": ("Invalid rating", "Pick one label from the list (see sheet '{sheet}')."),
        "error_whole": ("Whole number expected", "A whole number, not negative; - means 0."),
        "error_decimal": ("Number expected", "A number, not negative: million đồng/person/year."),
        "error_score": ("Invalid score", "The score is a number from 0 to 100."),
    },
}


# --------------------------------------------------------------------------- sheets
@dataclass
class _Book:
    """A workbook being built, with its language and the instructions sheet's name."""

    wb: Workbook
    lang: str
    year: int

    @property
    def t(self) -> dict:
        return _TEXT[self.lang]

    @property
    def help_name(self) -> str:
        return INSTRUCTIONS_SHEETS[self.lang]


def _bands(book: _Book, scale: str) -> str:
    """The score bands of ``scale`` (``resources/score_bands.csv``), best first."""
    bands = sorted((b for b in score_bands() if b[0] == scale), key=lambda b: -b[1])
    return "; ".join(book.t["band"].format(low=low, code=code) for _, low, _, code in bands)


def _new_book(year: int, lang: str) -> _Book:
    wb = Workbook()
    wb.remove(wb.active)
    props = wb.properties
    props.creator = _AUTHOR
    props.lastModifiedBy = _AUTHOR
    props.title = f"ngodong template {year}"
    return _Book(wb, lang, year)


def _title(ws: Worksheet, row: int, text: str, last_col: int) -> None:
    cell = ws.cell(row=row, column=1, value=text)
    cell.font = _TITLE
    cell.alignment = Alignment(horizontal="center")
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last_col)


def _header_cell(ws: Worksheet, row: int, col: int, text: str | None) -> None:
    cell = ws.cell(row=row, column=col, value=text)
    cell.font = _BOLD
    cell.alignment = _CENTER
    cell.border = _BOX


def _body(ws: Worksheet, first: int, last: int, ncols: int) -> None:
    """Bordered data rows ``first``..``last``, left empty: even the STT column, since the
    loaders fail on a sheet whose only non-blank data cells are row numbers (see the report
    of the template task); borders alone are not cells to them."""
    for r in range(first, last + 1):
        for c in range(1, ncols + 1):
            ws.cell(row=r, column=c).border = _BOX


def _widths(ws: Worksheet, widths: Sequence[float]) -> None:
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = w


def _col_range(col: int, first: int, last: int) -> str:
    letter = get_column_letter(col)
    return f"{letter}{first}:{letter}{last}"


def _validation(
    ws: Worksheet, book: _Book, kind: str, ranges: Sequence[str], **extra: str
) -> DataValidation:
    t = book.t
    if kind == "whole":
        dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0")
        title, msg = t["error_whole"]
        dv.errorStyle = "warning"  # "-" (zero) is text: allowed after a warning
    elif kind == "decimal":
        dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0")
        title, msg = t["error_decimal"]
        dv.errorStyle = "warning"
    elif kind == "score":
        dv = DataValidation(type="decimal", operator="between", formula1="0", formula2="100")
        title, msg = t["error_score"]
        dv.errorStyle = "stop"
    elif kind == "list":
        dv = DataValidation(type="list", formula1=extra["source"])
        title, msg = t["error_rating"]
        msg = msg.format(sheet=book.help_name)
        dv.errorStyle = "stop"
        ptitle, prompt = t["prompt_rating"]
        dv.promptTitle, dv.prompt = ptitle, prompt.format(year=book.year)
        dv.showInputMessage = True
    else:  # pragma: no cover - internal
        raise ValueError(kind)
    dv.allow_blank = True
    dv.showErrorMessage = True
    dv.errorTitle, dv.error = title, msg
    for rng in ranges:
        dv.add(rng)
    ws.add_data_validation(dv)
    return dv


def _instructions(book: _Book, lines: list[str], labels_: list[str]) -> str | None:
    """The instructions sheet: one instruction per row, all in column A (so no row can look
    like a header). Returns the absolute reference of the rating list, if any."""
    ws = book.wb.create_sheet(book.help_name)
    ws.column_dimensions["A"].width = 110
    ws.cell(row=1, column=1, value=f"{book.t['title']} — {book.year}").font = _TITLE
    row = 3
    for i, line in enumerate(lines, start=1):
        ws.cell(row=row, column=1, value=f"{i}. {line}").alignment = _WRAP
        row += 1
    source = None
    if labels_:
        row += 1
        ws.cell(row=row, column=1, value=book.t["list"].format(year=book.year)).font = _BOLD
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
        t["rows"].format(what=what),
        t["headers"].format(sheet=sheet),
        t["names"].format(what=what, example=example),
        t["dash"],
        t["no_totals"],
        t["notes"],
        t["this_sheet"].format(sheet=book.help_name),
        *([t["keep_list"]] if has_list else []),
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
    ncols = len(headers)
    _title(ws, 1, _PLACEHOLDER, ncols)
    _title(ws, 2, f"KẾT QUẢ ĐÁNH GIÁ, XẾP LOẠI CHI BỘ NĂM {year}", ncols)
    head, first = 4, 5
    last = first + DATA_ROWS - 1
    for c, text in enumerate(headers, start=1):
        _header_cell(ws, head, c, text)
    _body(ws, first, last, ncols)
    ws.freeze_panes = f"C{first}"
    _widths(ws, [6, 40, 32, *([10] if scored else []), 28])

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
    _widths(cws, [40, 32, *([10] if scored else [])])

    lines = [
        t["ratings_file"].format(sheet=name, year=year),
        t["rating_pick"].format(year=year),
        t["scale"].format(year=year, rules=neutralise(_rules(scale))),
        *([t["score"].format(bands=_bands(book, scale))] if scored else []),
        t["committee"].format(year=year),
        *_common_lines(book, name, t["cell"], "Chi bộ Tổ dân phố số 1", has_list=True),
        t["ratings_example"].format(label=neutralise(org[min(1, len(org) - 1)])),
    ]
    source = _instructions(book, lines, org)
    assert source is not None
    _validation(ws, book, "list", [_col_range(3, first, last)], source=source)
    _validation(cws, book, "list", [_col_range(2, crow, crow)], source=source)
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
    _widths(ws, [6, 36, 10, 11, 7, 10, 8, 9, 8, 8, 10, 13, 13, 13, 13, 13, 20])
    lines = [
        t["members_file"].format(year=year, sheet=name),
        t["members_total"].format(year=year),
        t["members_flows"].format(year=year),
        t["members_ratings"],
        t["scale"].format(year=year, rules=neutralise(_rules(_scale(year)))),
        *_common_lines(book, name, t["cell"], "Chi bộ Tổ dân phố số 1"),
        t["members_example"],
    ]
    _instructions(book, lines, [])
    _validation(ws, book, "whole", [_col_range(c, first, last) for c in _MEMBER_COUNTS])
    wb.active = 0
    return wb


def _income_book(year: int, lang: str) -> Workbook:
    book = _new_book(year, lang)
    t, wb = book.t, book.wb
    name = f"Năm {year}"
    ws = wb.create_sheet(name)
    headers = [
        "STT",
        "Tổ dân phố",
        "Số hộ",
        "Số nhân khẩu",
        "Thu nhập bình quân (triệu đồng/người/năm)",
        "Số hộ nghèo",
        "Số hộ cận nghèo",
    ]
    ncols = len(headers)
    _title(ws, 1, _PLACEHOLDER, ncols)
    _title(ws, 2, f"THU NHẬP BÌNH QUÂN VÀ HỘ NGHÈO, CẬN NGHÈO THEO TỔ DÂN PHỐ NĂM {year}", ncols)
    head, first = 4, 5
    last = first + DATA_ROWS - 1
    for c, text in enumerate(headers, start=1):
        _header_cell(ws, head, c, text)
    ws.row_dimensions[head].height = 48
    _body(ws, first, last, ncols)
    for r in range(first, last + 1):
        ws.cell(row=r, column=5).number_format = "0.0"
    ws.freeze_panes = f"C{first}"
    _widths(ws, [6, 28, 10, 13, 18, 12, 14])
    lines = [
        t["income_file"].format(year=year, sheet=name),
        t["income_unit"],
        t["income_poor"].format(year=year),
        *_common_lines(book, name, t["area"], "Tổ dân phố số 1"),
        t["income_example"],
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
