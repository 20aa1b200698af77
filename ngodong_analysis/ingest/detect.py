"""Stage 2: which table a sheet holds, where its header is, what each column means.

A sheet's header is the first row, within the top 30, whose cells name at least two known
fields (``resources/headers.csv``) after Vietnamese folding. A row directly below it is a
second header row when it names sub-columns under a merged parent ("Biến động trong năm"
over "Kết nạp", "Chuyển đến"…; "Thu nhập (triệu đồng/người/năm)" over "2015", "2016"…).
The table kind follows from the fields present; a sheet of no known kind is reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from ..schema import INCOME_FIELDS, MEMBER_FIELDS, MEMBER_RATING_CODES
from ..text import fold, key, nfc, strip_parens
from ..vocab import (
    header_aliases,
    header_phrases,
    labels,
    nested_headers,
    share_markers,
    sheet_kinds,
    subheader_rules,
)
from .read import Sheet

HEADER_SCAN_ROWS = 30
_YEAR_ONLY = re.compile(r"^(?:nam )?((?:19|20)\d{2})$")
_YEAR_IN = re.compile(r"\b(?:nam )?((?:19|20)\d{2})\b")
_NUMBERING = re.compile(r"^\(?(\d{1,2}|[a-z])\)?$")
# "Tỷ lệ hộ nghèo so với tổng số hộ", "… trên tổng số hộ": the share is of what comes first
_SHARE_OVER = re.compile(r"\b(?:so voi|tren)\b")
VALUE_FIELDS = {*MEMBER_FIELDS, *INCOME_FIELDS, "count", "cells_total"}
IGNORED_FIELDS = {"stt", "notes"}


def cell_text(value: object) -> str:
    """A cell as text: whole floats without '.0', NFC, trimmed."""
    if value is None or value == "":
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return str(value)
    return nfc(str(value))


@lru_cache(maxsize=50_000)
def match_header(text: str) -> tuple[str | None, int | None]:
    """(field, year) named by one header cell; field is ``"mr:CODE"`` for a column of
    member-rating counts headed by a rating label. Either part may be None."""
    if not text:
        return None, None
    bare = key(text)
    m = _YEAR_ONLY.match(bare)
    if m:
        return None, int(m.group(1))
    k = key(strip_parens(text))
    year = None
    m = _YEAR_IN.search(k)
    if m:
        year = int(m.group(1))
        k = (k[: m.start()] + " " + k[m.end() :]).strip()
        k = re.sub(r"\s+", " ", re.sub(r"\bnam$", "", k)).strip()
    for phrase, position, meaning in nested_headers():
        # compiled reports nest counts: "trong đó X" is X (a part of its parent), "X trở lên"
        # is X and every better level together
        if position == "prefix" and k.startswith(phrase + " "):
            return match_header(k[len(phrase) + 1 :])[0], year
        if position == "suffix" and k.endswith(" " + phrase):
            inner = k[: -len(phrase) - 1]
            # "Số ĐV được xếp loại HTTNV trở lên": the level is the label the text ends with
            ends = [
                (len(label), found.code)
                for label, found in labels()["member"].items()
                if inner == label or inner.endswith(" " + label)
            ]
            if ends and meaning == "cumulative":
                return "mrcum:" + max(ends)[1], year
    aliases = header_aliases()
    if k in aliases:
        return aliases[k], year
    member = labels()["member"].get(k)
    if member is not None:
        return f"mr:{member.code}", year
    best: tuple[int, int, str] | None = None
    for phrase, fld in header_phrases():
        for hit in re.finditer(rf"\b{re.escape(phrase)}\b", k):
            cand = (len(phrase), hit.start(), fld)
            if best is None or cand[:2] > best[:2]:
                best = cand
    return (best[2] if best else None), year


@dataclass
class Column:
    index: int
    field: str | None
    year: int | None
    header: str
    header_cell: tuple[int, int]
    # a share column ("Tỷ lệ hộ nghèo (%)", field None): the field it is a share of, "" when
    # no header says; None for a column that is not a share
    share: str | None = None
    # an organisations' count nested in another (``nested_headers.csv``): "subset" for a
    # "Trong đó: …" part, whose parent is the column at index ``parent``; "cumulative" for
    # "… trở lên", this level and the better ones together
    nest: str | None = None
    parent: int | None = None


@dataclass
class Layout:
    kind: str | None
    header_rows: list[int]
    data_start: int
    columns: list[Column]
    name_field: str | None = None
    # (kind it looks like, field it lacks) when the headers suggest a table but a column it
    # cannot do without is missing: the sheet is then a problem, never half-read
    incomplete: tuple[str, str] | None = None
    sheet_year: int | None = None
    notes: list[str] = field(default_factory=list)

    def by_field(self, name: str) -> list[Column]:
        return [c for c in self.columns if c.field == name]


def _row_texts(sheet: Sheet, r: int) -> list[str]:
    return [cell_text(v) for v in sheet.row(r)] if r < sheet.n_rows else []


def _row_fields(texts: list[str]) -> set[str]:
    found = set()
    for t in texts:
        fld, year = match_header(t)
        if fld and fld not in IGNORED_FIELDS:
            found.add(fld)
    return found


def find_header(sheet: Sheet) -> int | None:
    """Index of the header row, or None if no row names two known fields."""
    for r in range(min(sheet.n_rows, HEADER_SCAN_ROWS)):
        texts = _row_texts(sheet, r)
        if sum(1 for t in texts if t) < 2:
            continue
        fields = _row_fields(texts)
        if len(fields) >= 2 or (len(fields) == 1 and _count_years(texts) >= 2):
            return r
    return None


def _count_years(texts: list[str]) -> int:
    """Cells that are a bare year ("2016", "Năm 2017"): the columns of a wide layout."""
    return sum(1 for t in texts if match_header(t)[0] is None and match_header(t)[1])


def _merged_parent(sheet: Sheet, r: int) -> dict[int, int]:
    """col → start col of the horizontal merge covering (r, col), for merged ranges on row r."""
    out = {}
    for (r0, c0), (r1, c1) in sheet.merged:
        if r0 <= r <= r1 and c1 > c0:
            for c in range(c0 + 1, c1 + 1):
                out[c] = c0
    return out


def _is_numbering_row(texts: list[str]) -> bool:
    filled = [fold(t) for t in texts if t]
    return len(filled) >= 3 and all(_NUMBERING.match(t) for t in filled)


MAX_HEADER_ROWS = 3


def _is_subheader_row(sheet: Sheet, r: int, name_cols: set[int]) -> bool:
    """A row under the header that names sub-columns: nothing in the name column, some text,
    no numbers (data rows always carry a name; numbering rows are handled separately)."""
    if r >= sheet.n_rows:
        return False
    row = sheet.row(r)
    texts = [cell_text(v) for v in row]
    if not any(texts) or _is_numbering_row(texts):
        return False
    if any(texts[c] for c in name_cols if c < len(texts)):
        return False
    has_number = any(
        isinstance(v, (int, float)) and not isinstance(v, bool) and not (1900 <= v <= 2100)
        for v in row
    )
    return not has_number


def _fill_parents(sheet: Sheet, r: int, texts: list[str], below: list[str]) -> list[str]:
    """Header texts of row ``r`` spread over the columns their merged cell covers (or, for
    files without merge information, over the blank cells right of them with content below)."""
    filled = list(texts)
    merged = _merged_parent(sheet, r)
    for c, c0 in merged.items():
        if c < len(filled) and c0 < len(texts):
            filled[c] = texts[c0]
    if not merged:
        last = ""
        for c in range(len(filled)):
            if texts[c]:
                last = texts[c]
            elif below[c] and last:
                filled[c] = last
            else:
                last = ""
    return filled


def share_of(text: str) -> str | None:
    """What a header cell is a share of, if it is one: ``""`` for a bare "Tỷ lệ (%)" (its
    parent header says of what), the words after the marker for "Tỷ lệ hộ nghèo (%)", the
    header itself for "Hộ nghèo (%)"; None for a header that is not a share."""
    k = key(strip_parens(text))
    for marker in share_markers():
        if k == marker:
            return ""
        if k.startswith(marker + " "):
            return _SHARE_OVER.split(k[len(marker) + 1 :])[0].strip()
    # a percent sign anywhere ("Hộ nghèo (%)", "% hộ nghèo") is a unit, like income's units
    return text.replace("%", " ") if "%" in text else None


def _resolve(path: list[str]) -> tuple[str | None, int | None, bool]:
    """(field, year, share) of a column from its header path, top → bottom: the deepest level
    naming a field wins; generic sub-headers follow resources/subheaders.csv. ``share`` is
    true when a level makes the column a share of that field rather than a count of it."""
    rules = subheader_rules()
    year = None
    field = None
    share = False
    pending: str | None = None  # rule of a generic level waiting for its parent's field
    own: str | None = None  # what the generic level means on its own ("Số lượng" → count)
    for text in reversed(path):
        fld, yr = match_header(text)
        year = year if year is not None else yr
        of = share_of(text)
        if of is not None:
            share = True
            fld = match_header(of)[0] if of else None
        rule = rules.get(key(strip_parens(text)))
        if rule == "share":
            rule = "inherit"  # a bare "Tỷ lệ" is a share of what its parent names
        if field is None and rule is not None and pending is None:
            if rule == "ignore":
                return None, year, share
            if rule in ("inherit", "start", "count"):
                pending, own = rule, fld
                continue
            continue  # a grouping level
        if field is None and fld is not None:
            if pending == "count" and fld not in VALUE_FIELDS:
                return own, year, share  # "Thôn › Số hộ": the households, not the village
            field = f"{fld}_start" if pending == "start" else fld
    if field is None and pending in ("inherit", "count"):
        field = own  # no parent names a field: the header is a field's own alias
    return field, year, share


def detect(sheet: Sheet) -> Layout | None:
    """The layout of ``sheet``, or None when it has no recognisable header."""
    h = find_header(sheet)
    if h is None:
        return None
    width = max((len(r) for r in sheet.head(h + MAX_HEADER_ROWS + 1)[h:]), default=0)
    padded: dict[int, list[str]] = {}  # row → its texts; asked for once per column below

    def texts(r: int) -> list[str]:
        if r not in padded:
            padded[r] = (_row_texts(sheet, r) + [""] * width)[:width]
        return padded[r]

    top = texts(h)
    name_cols = {c for c, t in enumerate(top) if match_header(t)[0] in ("cell", "unit", "area")}
    header_rows = [h]
    while len(header_rows) < MAX_HEADER_ROWS and _is_subheader_row(
        sheet, header_rows[-1] + 1, name_cols
    ):
        header_rows.append(header_rows[-1] + 1)

    levels = []
    for i, r in enumerate(header_rows):
        below = texts(header_rows[i + 1]) if i + 1 < len(header_rows) else [""] * width
        levels.append(
            _fill_parents(sheet, r, texts(r), below) if below != [""] * width else texts(r)
        )
    columns: list[Column] = []
    for c in range(width):
        path: list[str] = []
        deepest = h
        for r, level in zip(header_rows, levels, strict=True):
            if level[c] and (not path or path[-1] != level[c]):
                path.append(level[c])
            if texts(r)[c]:
                deepest = r
        if not path:
            continue
        fld, year, share = _resolve(path)
        header = " › ".join(path)
        if share:  # derived from the counts: checked against them, never read as one
            columns.append(Column(c, None, year, header, (deepest, c), share=fld or ""))
        else:
            columns.append(Column(c, fld, year, header, (deepest, c)))
    data_start = header_rows[-1] + 1
    if _is_numbering_row(_row_texts(sheet, data_start)):
        data_start += 1

    layout = Layout(None, header_rows, data_start, columns)
    _decide_kind(sheet, layout)
    if layout.kind and not layout.by_field("year"):
        layout.sheet_year = sheet_year(sheet, h)
    return layout


def _decide_kind(sheet: Sheet, layout: Layout) -> None:
    cols = layout.columns
    fields = {c.field for c in cols if c.field}
    bare_years = [c for c in cols if c.field is None and c.year is not None and c.share is None]
    found = next((f for f in ("cell", "unit", "area") if f in fields), None)
    sheet_name = key(sheet.name)
    if "cell" not in fields and _organisation_counts(layout, fields):
        # counts of cells by rating, decided by their headers' labels (not a table's rule):
        # a compiled sheet's rows are years (a committee's sheet) or committees (a district's)
        rule = None
        kind, name = "rating_counts", "unit" if "unit" in fields else "year"
    else:
        rule = next(
            (r for r in sheet_kinds() if r.fits(fields, bool(bare_years), found, sheet_name)),
            None,
        )
        kind, name = (rule.kind, rule.name or found) if rule else (None, found)
    if rule is not None and rule.year_columns:
        for c in bare_years:
            c.field = rule.year_columns
    if kind is not None and (name is None or not layout.by_field(name)):
        # a layout is complete or it is no layout: extraction needs the names' column
        layout.incomplete = (kind, name or "cell")
        kind = name = None
    layout.kind = kind
    layout.name_field = name


def _organisation_label(text: str) -> str | None:
    """The organisation rating a folded header names, as the whole header or its last
    words ("Số chi bộ đạt TSVM"): the longest label of labels.csv that fits."""
    found = [
        (len(k), lab.code)
        for k, lab in labels()["organisation"].items()
        if text == k or text.endswith(" " + k)
    ]
    return max(found)[1] if found else None


def _organisation_count(path: list[str], before: str | None) -> tuple[str, str | None] | None:
    """(rating code, nesting) of a column of organisations' counts from its header path, or
    None. The deepest level that is not a generic sub-header decides ("TSVM › Tổng số" is
    TSVM); "Trong đó: tiêu biểu" names a part of the level before it (``before``, the
    folded label of the previous count's column, or the level above), so it is that
    level's label with these words: "TSVM tiêu biểu"."""
    rules = subheader_rules()
    for depth in range(len(path) - 1, -1, -1):
        text = key(strip_parens(path[depth]))
        if rules.get(text) == "inherit":
            continue
        nest = None
        for phrase, position, meaning in nested_headers():
            if position == "prefix" and text.startswith(phrase + " "):
                text, nest = text[len(phrase) + 1 :], meaning
                break
            if position == "suffix" and text.endswith(" " + phrase):
                text, nest = text[: -len(phrase) - 1], meaning
                break
        code = _organisation_label(text)
        if code is None and nest == "subset":
            above = key(strip_parens(path[depth - 1])) if depth else None
            parent = above if above and _organisation_label(above) else before
            code = _organisation_label(f"{parent} {text}") if parent else None
        return (code, nest) if code else None
    return None


def _organisation_counts(layout: Layout, fields: set[str]) -> bool:
    """Whether the columns are counts of organisations by rating (a compiled sheet:
    "Tổng số chi bộ | TSVM | Trong đó: tiêu biểu | HTTNV | …"); if so, each count column
    gets its field (``oc:CODE``, or ``occum:CODE`` for "… trở lên") and its nesting, and
    the columns that are neither counts nor the rows' names are set aside.

    Levels shared with members' ratings (HTXSNV, HTTNV…) alone do not make such a sheet:
    it takes the cells' total or a level only organisations have (TSVM, Yếu kém)."""
    found: dict[int, tuple[str, str | None, int | None]] = {}
    before: tuple[str, int] | None = None  # (folded label, column) of the last parent
    for c in layout.columns:
        path = c.header.split(" › ")
        got = _organisation_count(path, before[0] if before else None)
        if got is None:
            continue
        code, nest = got
        found[c.index] = (code, nest, before[1] if nest == "subset" and before else None)
        if nest != "subset":
            before = (key(strip_parens(path[-1])), c.index)
    organisation_only = {code for code, _, _ in found.values()} - set(MEMBER_RATING_CODES)
    if not found or not ("cells_total" in fields or organisation_only):
        return False
    for c in layout.columns:
        if c.index in found:
            code, nest, parent = found[c.index]
            c.field = f"occum:{code}" if nest == "cumulative" else f"oc:{code}"
            c.nest, c.parent = nest, parent
        elif c.field not in ("year", "unit", "cells_total", *IGNORED_FIELDS):
            c.field = None
    return True


def sheet_year(sheet: Sheet, header_row: int) -> int | None:
    """Year of a one-sheet-per-year layout: the sheet name ("2019", "Năm 2019", "NAM 2019")
    or a title line above the header ("… NĂM 2019"); None if neither gives exactly one."""
    m = _YEAR_ONLY.match(key(sheet.name))
    if m:
        return int(m.group(1))
    years: set[int] = set()
    for r in range(header_row):
        for t in _row_texts(sheet, r):
            k = key(t)
            if re.search(r"(19|20)\d{2}\s+(?:den\s+)?(19|20)\d{2}", k):
                continue  # a span such as "2015–2019" is not one year
            years.update(int(y) for y in _YEAR_IN.findall(k))
    m = _YEAR_IN.search(key(sheet.name))
    if not years and m:
        years.add(int(m.group(1)))
    return years.pop() if len(years) == 1 else None
