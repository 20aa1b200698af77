"""The guard's scan of worksheet XML finds the cell grid calamine would build.

calamine places a cell where its ``r`` attribute says, whatever the attribute order, and a
cell without one after the cell before; it allocates the whole grid from A1 to the farthest
cell. These tests hold the scan to a plain reference written here: a regex over the whole
XML, and a step-by-step placement that follows calamine's rules.
"""

import re
import zipfile
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ngodong_analysis as nd
from ngodong_analysis.ingest import guard
from ngodong_analysis.ingest.guard import Limits, Refused, check_zip

HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<dimension ref="A1"/><cols><col min="1" max="3" width="12"/></cols><sheetData>'
)
TAIL = b"</sheetData></worksheet>"


def sheet(body: bytes) -> bytes:
    return HEAD + body + TAIL


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    from openpyxl import Workbook

    path = tmp_path_factory.mktemp("base") / "base.xlsx"
    wb = Workbook()
    wb.active["A1"] = "Chi bộ"
    wb.save(path)
    return path


def book(base, path, xml: bytes, part="xl/worksheets/sheet1.xml", rels=None):
    """``base`` with its sheet replaced by ``xml``, stored as ``part``."""
    with zipfile.ZipFile(base) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                continue
            if item.filename == "xl/_rels/workbook.xml.rels" and rels:
                data = data.replace(b"/xl/worksheets/sheet1.xml", rels)
            zout.writestr(item, data)
        zout.writestr(part, xml)
    return path


def extent(xml: bytes, sizes=(1 << 20,)) -> tuple[int, int, bool]:
    """(rows, columns, read exactly) as check_zip finds them, ``xml`` fed in pieces of the
    given sizes (cycled)."""
    scan = guard._SheetScan("sheet1.xml")
    pos, i = 0, 0
    while pos < len(xml):
        size = sizes[i % len(sizes)]
        scan.feed(xml[pos : pos + size])
        pos, i = pos + size, i + 1
    scan.finish()
    if scan.needs_exact:
        return (*guard._exact_extent("sheet1.xml", [xml]), True)
    return scan.max_row, scan.max_col, False


# --- the references written here, plainly --------------------------------------------


def col_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def regex_extent(xml: bytes) -> tuple[int, int]:
    """The largest row and column among all r="…" values in the XML."""
    rows, cols = [0], [0]
    for _, value in re.findall(rb"(?<=\s)r=([\"'])(.*?)\1", xml):
        m = re.fullmatch(rb"([A-Za-z]*)([0-9]+)", value)
        if m:
            rows.append(int(m.group(2)))
            cols.append(col_number(m.group(1).decode()))
    return max(rows), max(cols)


def placement(xml: bytes) -> tuple[int, int]:
    """Where calamine puts cells: <row r> sets the row and </row> moves to the next one,
    back to column A; <c r> sits at r; a <c> without r follows the cell before."""
    row = col = max_row = max_col = 0
    inside = False
    tags = re.finditer(rb"<(/?)(?:\w+:)?(sheetData|row|c)((?:\s[^>]*?)?)(/?)>", xml)
    for closing, name, attrs, empty in (m.groups() for m in tags):
        r = re.search(rb"(?<=\s)r\s*=\s*([\"'])(.*?)\1", attrs)
        ref = r and re.fullmatch(rb"([A-Za-z]*)([0-9]+)", r.group(2))
        if name == b"sheetData":
            if inside:
                break
            inside = True
        elif not inside:
            continue
        elif name == b"c" and not closing:
            if r and not ref:
                break  # calamine stops with an error
            here = (int(ref.group(2)), col_number(ref.group(1).decode())) if ref else None
            cell_row, col = here or (row + 1, col + 1)
            max_row, max_col = max(max_row, cell_row), max(max_col, col)
        elif name == b"row":
            if not closing and r:
                if not ref:
                    break
                row = int(ref.group(2)) - 1
            if closing or empty:
                row, col = row + 1, 0
    return max_row, max_col


# --- the hole: a one-letter cell far below its row -------------------------------------


@pytest.mark.parametrize(
    "cell",
    [
        b'<c r="A400000000" t="inlineStr"><is><t>y</t></is></c>',
        b'<c s="1" r="A400000000" t="inlineStr"><is><t>y</t></is></c>',
        b'<c t="inlineStr" s="1"\n\tr="A400000000"><is><t>y</t></is></c>',
        b"<c r='A400000000' t='inlineStr'><is><t>y</t></is></c>",
        b'<c r="a400000000" t="inlineStr"><is><t>y</t></is></c>',  # calamine reads lowercase
        b'<c r = "A400000000" t="inlineStr"><is><t>y</t></is></c>',  # spaces around '='
        b'<x:c r="A400000000" t="inlineStr"><x:is><x:t>y</x:t></x:is></x:c>',  # a prefix
        b'<c r="A2" r="A400000000" t="inlineStr"><is><t>y</t></is></c>',  # the last one wins
    ],
)
def test_a_cell_far_below_its_row_is_refused(tmp_path, base, cell):
    xml = sheet(b'<row r="1"><c r="A1"><v>1</v></c></row><row r="2">' + cell + b"</row>")
    with pytest.raises(Refused, match="beyond Excel's limits"):
        check_zip(book(base, tmp_path / "far.xlsx", xml))


def test_a_tall_grid_within_excel_is_refused_beyond_the_cells_allowed(tmp_path, base):
    xml = sheet(b'<row r="2"><c r="C2"><v>1</v></c><c r="B900000"><v>1</v></c></row>')
    path = book(base, tmp_path / "tall.xlsx", xml)
    with pytest.raises(Refused, match="900,000 rows × 3 columns"):
        check_zip(path, Limits(cells=2_000_000))
    assert check_zip(path, Limits(cells=3_000_000)) == {}


def test_a_reference_split_between_chunks_is_seen(tmp_path, base, monkeypatch):
    """Every split point of the file's sheet XML between two chunks, small windows."""
    cells = b"".join(b'<c r="B%d"><v>1</v></c>' % i for i in range(3, 9))
    body = b'<row r="3">' + cells + b'<c r="A2000000"><v>1</v></c></row>'
    xml = sheet(body)
    start = xml.index(b"A2000000")
    for cut in range(start - 12, start + 10):
        assert extent(xml, (cut, len(xml)))[:2] == (2_000_000, 2)
        assert extent(xml, (cut, 7, 5, 3))[:2] == (2_000_000, 2)
    monkeypatch.setattr(guard, "_CHUNK", 5)
    with pytest.raises(Refused, match="beyond Excel's limits"):
        check_zip(book(base, tmp_path / "split.xlsx", xml))


def test_a_long_stretch_without_cells_is_cut_anywhere(monkeypatch):
    """No '<c' for longer than the carry: the window is cut wherever, and a reference
    across the cut is still read whole."""
    monkeypatch.setattr(guard, "_CARRY_MAX", 200)
    text = b"<t>" + b"lorem ipsum " * 40 + b"</t>"
    xml = sheet(b'<row r="7" spans="1:2">' + text + b'<c r="BB7"><is>' + text + b"</is></c></row>")
    for size in (1, 7, 64, 150, 199, 200, 201, 333):
        assert extent(xml, (size,)) == (7, 54, False)


# --- cells without r, and what calamine cannot read -------------------------------------


def test_cells_without_r_follow_the_cell_before(tmp_path, base):
    wide = b'<row r="1"><c r="XFC1"/><c><v>1</v></c><c><v>2</v></c></row>'  # up to XFE1
    with pytest.raises(Refused, match="16,385 columns"):
        check_zip(book(base, tmp_path / "wide.xlsx", sheet(wide)))
    tall = b'<row r="1048576"><c r="A1048576"><v>1</v></c></row><row><c><v>1</v></c></row>'
    with pytest.raises(Refused, match="1,048,577 rows"):
        check_zip(book(base, tmp_path / "tall.xlsx", sheet(tall)))


def test_rows_and_cells_without_r_are_placed_like_calamine(tmp_path, base):
    import python_calamine as calamine

    body = (
        b"<row><c><v>1</v></c><c/><c><v>3</v></c></row>"  # row 1, A…C
        b"<row/>"  # row 2
        b'<row><c r="E3"><v>1</v></c><c><v>2</v></c></row>'  # F3
        b'<row r="6"><c><v>1</v></c></row><row><c s="1"><v>2</v></c></row>'  # A6, A7
    )
    xml = sheet(body)
    assert extent(xml) == (7, 6, True) == (*placement(xml), True)
    wb = calamine.CalamineWorkbook.from_path(book(base, tmp_path / "rless.xlsx", xml))
    rows = wb.get_sheet_by_index(0).to_python(skip_empty_area=False)
    assert (len(rows), max(map(len, rows))) == (7, 6)
    assert (rows[0][:3], rows[2][5], rows[5][0], rows[6][0]) == ([1, "", 3], 2, 1, 2)


@pytest.mark.parametrize("value", [b"$A$5", b"&#65;5", b"", b"5", b"A0", b"A5B", b"A 5"])
def test_values_calamine_cannot_read_are_left_to_calamine(tmp_path, base, value):
    """calamine stops with an error at a cell reference it cannot read (it allocates
    nothing), so the guard lets it say so rather than refusing the file itself."""
    import python_calamine as calamine

    xml = sheet(b'<row r="1"><c r="' + value + b'"><v>1</v></c></row>')
    path = book(base, tmp_path / "odd.xlsx", xml)
    assert check_zip(path) == {}
    with pytest.raises(calamine.CalamineError):
        calamine.CalamineWorkbook.from_path(path).get_sheet_by_index(0).to_python()


def test_formulas_without_a_value_are_named_once_whatever_the_chunks(monkeypatch):
    monkeypatch.setattr(guard, "_WINDOW", 300)
    rows = (
        b'<row r="%d"><c r="B%d"><f>A%d*2</f></c><c r="C%d"><f>A1</f><v>1</v></c></row>'
        % ((i,) * 4)
        for i in range(1, 400)
    )
    xml = sheet(b"".join(rows))
    for size in (1 << 20, 997, 64, 7):
        scan = guard._SheetScan("sheet1.xml")
        for pos in range(0, len(xml), size):
            scan.feed(xml[pos : pos + size])
        scan.finish()
        assert scan.uncalculated == [f"B{i}" for i in range(1, 400)]


def test_an_absurdly_long_reference_is_refused(tmp_path, base):
    xml = sheet(b'<row r="1"><c r="A' + b"9" * 60 + b'"><v>1</v></c></row>')
    with pytest.raises(Refused, match="longer than any spreadsheet writes"):
        check_zip(book(base, tmp_path / "long.xlsx", xml))
    zeros = sheet(b'<row r="1"><c r="A' + b"0" * 20 + b'7"><v>1</v></c></row>')  # row 7
    assert extent(zeros) == (7, 1, False)


def test_text_that_looks_like_a_reference_is_not_a_cell():
    def cell_with(text: bytes) -> bytes:
        return sheet(b'<row r="4"><c r="B4" t="inlineStr"><is><t>%s</t></is></c></row>' % text)

    assert extent(cell_with(b"a = b, for=x, r=&quot;A1&quot;, ='A9'")) == (4, 2, False)
    # text that could be an attribute r = "…" costs the exact reading, not a wrong answer
    assert extent(cell_with(b'x r = "A900" y')) == (4, 2, True)


TEXTS = [
    ' r="A9999999"',
    " r='XFD1048577' ",
    ' r="A' + "9" * 60 + '"',  # longer than any reference
    'r="A9999999"',  # at the start of the text: no whitespace before it, never an attribute
]


@pytest.mark.parametrize("writer", ["xlsxwriter", "openpyxl"])
def test_cells_whose_text_looks_like_a_far_reference_load(tmp_path, writer):
    """xlsxwriter writes text as shared strings (and here formulas with a cached text
    value), openpyxl as inline strings. The word sheetData in the text makes the guard
    scan the shared strings as a sheet too."""
    path = tmp_path / f"{writer}.xlsx"
    texts = [f"sheetData{text}" for text in TEXTS]
    if writer == "xlsxwriter":
        import xlsxwriter

        wb = xlsxwriter.Workbook(path)
        ws = wb.add_worksheet("Năm 2019")
        for i, text in enumerate(texts):
            ws.write_row(i, 0, [f"CB TDP {i}", text])
            ws.write_formula(i, 2, f'=B{i + 1}&""', None, text)
        wb.close()
    else:
        from openpyxl import Workbook

        wb = Workbook()
        wb.active.title = "Năm 2019"
        for i, text in enumerate(texts):
            wb.active.append([f"CB TDP {i}", text])
        wb.save(path)
    part = "xl/sharedStrings.xml" if writer == "xlsxwriter" else "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(path) as zf:
        assert b'sheetData r="A9999999"' in zf.read(part)  # as written, quotes and all
    assert check_zip(path) == {}
    assert not [p for p in nd.validate(path) if p.rule == "refused"]


def test_text_beside_a_real_far_cell_still_refuses_it(tmp_path, base):
    inline = b"".join(
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>%s</t></is></c>'
        b'<c r="B%d" t="str"><f>"x"</f><v>%s</v></c></row>' % (i, i, t.encode(), i, t.encode())
        for i, t in enumerate(TEXTS, start=1)
    )
    assert check_zip(book(base, tmp_path / "inline.xlsx", sheet(inline))) == {}
    far = inline + b'<row r="9"><c r="C400000000"><v>1</v></c></row>'
    with pytest.raises(Refused, match="400,000,000 rows"):
        check_zip(book(base, tmp_path / "far.xlsx", sheet(far)))


def test_an_r_in_a_cell_tag_after_a_lookalike_is_still_read(tmp_path, base):
    """A '<' inside an attribute value (which XML forbids) makes the r after it look like
    text; the exact reading then settles it rather than letting the cell through."""
    xml = sheet(b'<row r="1"><c r="A1" s="<t>" r="A400000000"><v>1</v></c></row>')
    with pytest.raises(Refused, match="not well-formed"):
        check_zip(book(base, tmp_path / "lt.xlsx", xml))


def test_a_sheet_anywhere_in_the_package_is_scanned(tmp_path, base):
    """calamine opens whatever part the workbook's relationships name, under any name."""
    xml = sheet(b'<row r="2"><c r="A400000000"><v>1</v></c></row>')
    for part in ("xl/elsewhere/sheet1.xml", "xl/sheet1.bin"):
        rels = b"/" + part.encode()
        with pytest.raises(Refused, match="beyond Excel's limits"):
            check_zip(book(base, tmp_path / "moved.xlsx", xml, part=part, rels=rels))


def test_entities_after_the_first_64_kib_are_refused_when_read_exactly():
    prolog = b"<?xml version='1.0'?><!--" + b" " * 70_000 + b'--><!DOCTYPE x [<!ENTITY a "b">]>'
    xml = prolog + HEAD.split(b"?>", 1)[1] + b"<row><c><v>&a;</v></c></row>" + TAIL
    with pytest.raises(Refused, match="DOCTYPE"):
        guard._exact_extent("sheet1.xml", [xml])


# --- real writers are read fast, and right -----------------------------------------------


def test_openpyxl_and_xlsxwriter_books_are_admitted_without_the_exact_reading(tmp_path):
    import xlsxwriter
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for row in range(1, 40):
        ws.append([f"CB TDP {row}", row, f"=B{row}*2", None, "x" * (row % 7)])
    ws["AB300"] = "far"
    ws.merge_cells("A1:C1")
    wb.save(tmp_path / "openpyxl.xlsx")
    book2 = xlsxwriter.Workbook(tmp_path / "xlsxwriter.xlsx")
    ws2 = book2.add_worksheet("Năm 2019")
    bold = book2.add_format({"bold": True})
    ws2.write_rich_string("A1", "Chi ", bold, "bộ", " 1")
    ws2.write_row("A2", ["Tên", 12, 3.5, True])
    ws2.write_formula("C3", "=B2*2", None, 24)
    ws2.write("ZZ5000", "far")
    ws2.conditional_format("B2:B9", {"type": "cell", "criteria": ">", "value": 5})
    book2.close()
    for name, expected in (("openpyxl.xlsx", (300, 28)), ("xlsxwriter.xlsx", (5000, 702))):
        with zipfile.ZipFile(tmp_path / name) as zf:
            xml = zf.read("xl/worksheets/sheet1.xml")
        assert extent(xml) == (*expected, False)
    # openpyxl cannot calculate: its formulas are named, xlsxwriter's came with a value
    stale = {"xl/worksheets/sheet1.xml": [f"C{row}" for row in range(2, 40)]}  # C1 is merged
    assert check_zip(tmp_path / "openpyxl.xlsx") == stale
    assert check_zip(tmp_path / "xlsxwriter.xlsx") == {}


EXCEL_ROW = (
    b'<row r="%d" spans="1:3" s="2" customFormat="1" x14ac:dyDescent="0.25">'
    b'<c r="A%d" s="1" t="s"><v>0</v></c><c r="B%d" s="3"><f>SUM(C1:C9)</f><v>6</v></c>'
    b'<c r="C%d" t="str"><f t="shared" ref="C1:C9" si="0">"a"&amp;B1</f><v>a6</v></c></row>'
)
LIBREOFFICE_ROW = (
    b'<row r="%d" customFormat="false" ht="12.8" hidden="false" customHeight="false" '
    b'outlineLevel="0" collapsed="false"><c r="A%d" s="0" t="s"><v>1</v></c>'
    b'<c r="B%d" s="0" t="n"><v>2.5</v></c><c r="C%d" s="0" t="b"><v>1</v></c></row>'
)


@pytest.mark.parametrize("row", [EXCEL_ROW, LIBREOFFICE_ROW])
def test_excel_and_libreoffice_markup_is_read_fast(row):
    body = b"".join(row % ((i,) * 4) for i in range(1, 2000))
    xml = HEAD.replace(b"<worksheet ", b'<worksheet xmlns:x14ac="urn:x14ac" ') + body
    xml += (
        b'</sheetData><mergeCells count="1"><mergeCell ref="A1:C1"/></mergeCells>'
        b'<conditionalFormatting sqref="B1:B9"><cfRule type="cellIs" priority="1" '
        b'operator="greaterThan"><formula>5</formula></cfRule></conditionalFormatting>'
        b'<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
        b'footer="0.3"/><extLst><ext uri="{78C0D931}"><x14:conditionalFormattings>'
        b"<x14:conditionalFormatting><x14:cfRule/></x14:conditionalFormatting>"
        b"</x14:conditionalFormattings></ext></extLst></worksheet>"
    )
    for sizes in ((1 << 20,), (4096,), (997, 31)):
        assert extent(xml, sizes) == (1999, 3, False)


@pytest.mark.slow
def test_a_book_saved_by_libreoffice_is_read_fast(tmp_path):
    import shutil
    import subprocess

    from openpyxl import Workbook

    if not shutil.which("soffice"):
        pytest.skip("LibreOffice (soffice) is not installed on this machine")
    wb = Workbook()
    wb.active.append(["Chi bộ", 1, "=B1*2"])
    wb.active["H40"] = "far"
    wb.save(tmp_path / "in.xlsx")
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "xlsx", "--outdir", str(tmp_path / "out")]
        + [str(tmp_path / "in.xlsx")],
        check=True,
        capture_output=True,
        timeout=180,
    )
    with zipfile.ZipFile(tmp_path / "out" / "in.xlsx") as zf:
        xml = zf.read("xl/worksheets/sheet1.xml")
    assert b'<c r="H40"' in xml
    assert extent(xml) == (40, 8, False)


# --- the property: the scan agrees with the references ----------------------------------

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
SPACE = st.sampled_from([" ", " ", "\t", "\n", "  "])


def text(alphabet: str):
    return st.text(alphabet, max_size=12).map(
        lambda t: t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    )


REF_TEXT = st.builds(
    lambda space, quote, letters, row: f"{space}r={quote}{letters}{row}{quote}",
    SPACE,
    st.sampled_from(['"', "'"]),
    st.text(LETTERS, max_size=3),
    st.integers(1, 3_000_000),
)


@st.composite
def cells(draw, prefix: str, text_alphabet: str, always_r: bool, text_refs: bool = False):
    refs = st.tuples(st.text(LETTERS, min_size=1, max_size=3), st.integers(1, 3_000_000))
    ref = draw(refs if always_r else st.one_of(st.none(), refs))
    quote = draw(st.sampled_from(['"', "'"]))
    attrs = [f"s={quote}1{quote}", f"t={quote}inlineStr{quote}"]
    if ref is not None:
        attrs.insert(draw(st.integers(0, 2)), f"r={quote}{ref[0]}{ref[1]}{quote}")
    head = f"<{prefix}c" + "".join(draw(SPACE) + a for a in attrs)
    t = draw(text(text_alphabet))
    if text_refs and draw(st.booleans()):
        t += draw(REF_TEXT) + draw(text(text_alphabet))
    return f"{head}><{prefix}is><{prefix}t>{t}</{prefix}t></{prefix}is></{prefix}c>"


@st.composite
def sheets(
    draw,
    prefixes=("", "", "", "x:"),
    text_alphabet=" =r\"'ab<&>:",
    always_r=False,
    text_refs=False,
):
    """Sheet XML with rows and cells with and without r, attributes in any order, either
    quote, any whitespace between attributes, some prefixed elements, and text with '=',
    quotes and 'r' in it (never digits, so text never holds a reference, unless
    ``text_refs`` puts r="…" with a reference in some of it)."""
    rows = []
    for _ in range(draw(st.integers(0, 6))):
        prefix = draw(st.sampled_from(prefixes))
        r = draw(st.one_of(st.none(), st.integers(1, 3_000_000)))
        attrs = "" if r is None else f'{draw(SPACE)}r="{r}"'
        attrs += draw(st.sampled_from(["", ' spans="1:3"', ' ht="12.8" hidden="false"']))
        row_cells = cells(prefix, text_alphabet, always_r, text_refs)
        body = "".join(draw(st.lists(row_cells, max_size=4)))
        if not body and draw(st.booleans()):
            rows.append(f"<{prefix}row{attrs}/>")
        else:
            rows.append(f"<{prefix}row{attrs}>{body}</{prefix}row>")
    return sheet("".join(rows).encode())


CHUNKING = dict(
    sizes=st.lists(st.integers(1, 300), min_size=1, max_size=6),
    window=st.sampled_from([64, 256, 128 << 10]),
    carry=st.sampled_from([300, 1000, 64 << 10]),
)


def chunked_extent(xml, sizes, window, carry):
    with mock.patch.object(guard, "_WINDOW", window):
        with mock.patch.object(guard, "_CARRY_MAX", carry):
            return extent(xml, sizes)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(xml=sheets(), **CHUNKING)
def test_the_scan_agrees_with_the_references(xml, sizes, window, carry):
    """Whatever the chunking: never less than calamine's grid; equal to the regex over all
    references when read fast, to calamine's placement when read exactly."""
    rows, cols, exact = chunked_extent(xml, sizes, window, carry)
    placed = placement(xml)
    assert rows >= placed[0] and cols >= placed[1]  # never less than calamine's grid
    assert (rows, cols) == (placed if exact else regex_extent(xml))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(xml=sheets(prefixes=("",), text_alphabet=" r\"'ab<&>:", always_r=True), **CHUNKING)
def test_cells_that_all_have_r_are_read_fast(xml, sizes, window, carry):
    """No cell without r, no prefix, no '=' in text: the vectorised scan answers alone."""
    assert chunked_extent(xml, sizes, window, carry) == (*regex_extent(xml), False)


def tag_extent(xml: bytes) -> tuple[int, int]:
    """The largest row and column among the r="…" values of <c> and <row> tags only."""
    tags = b" ".join(re.findall(rb"<(?:c|row)(?=[\s/>])[^>]*>", xml))
    return regex_extent(tags)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    xml=sheets(prefixes=("",), text_alphabet=" r\"'ab<&>:", always_r=True, text_refs=True),
    **CHUNKING,
)
def test_references_in_text_are_not_cells(xml, sizes, window, carry):
    """Text holding r="A12" (as a clerk may type it) leaves the extent to the r of the cell
    and row tags, and is still read fast."""
    assert chunked_extent(xml, sizes, window, carry) == (*tag_extent(xml), False)


# --- the inflating thread ---------------------------------------------------------------


def _inflating_threads():
    import threading

    return [t for t in threading.enumerate() if t.name.startswith("inflate ")]


def test_a_refusal_midway_stops_the_inflating_thread(tmp_path, base, monkeypatch):
    monkeypatch.setattr(guard, "_CHUNK", 1024)  # a second thread from 4 KiB on
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (i, i) for i in range(1, 9000))
    xml = sheet(b'<row r="1"><c r="A' + b"7" * 50 + b'"/></row>' + rows)
    with pytest.raises(Refused, match="longer than any spreadsheet writes"):
        check_zip(book(base, tmp_path / "early.xlsx", xml))
    assert not _inflating_threads()


def test_a_damaged_member_read_by_the_thread_is_refused(tmp_path, base, monkeypatch):
    monkeypatch.setattr(guard, "_CHUNK", 1024)
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (i, i) for i in range(1, 9000))
    path = book(base, tmp_path / "crc.xlsx", sheet(rows))
    with zipfile.ZipFile(path) as zf:
        crc = zf.getinfo("xl/worksheets/sheet1.xml").CRC.to_bytes(4, "little")
    data = path.read_bytes()
    assert data.count(crc) == 2  # the local header and the central directory
    path.write_bytes(data.replace(crc, bytes(b ^ 0xFF for b in crc)))
    with pytest.raises(Refused, match="damaged"):
        check_zip(path)
    assert not _inflating_threads()


@st.composite
def small_sheets(draw):
    """Sheets small enough for calamine itself to read: every cell holds a value."""
    rows = []
    for _ in range(draw(st.integers(0, 6))):
        prefix = draw(st.sampled_from(["", "", "x:"]))
        r = draw(st.one_of(st.none(), st.integers(1, 300)))
        attrs = "" if r is None else f' r="{r}"'
        cells = []
        for _ in range(draw(st.integers(0, 4))):
            letters = st.sampled_from(["A", "b", "Z", "AA", "ab"])
            ref = draw(st.one_of(st.none(), st.tuples(letters, st.integers(1, 300))))
            quote = draw(st.sampled_from(['"', "'"]))
            cell_attrs = [f"s={quote}0{quote}"]
            if ref:
                cell_attrs.insert(draw(st.integers(0, 1)), f"r={quote}{ref[0]}{ref[1]}{quote}")
            space = draw(SPACE)
            head = f"<{prefix}c" + "".join(space + a for a in cell_attrs)
            cells.append(f"{head}><{prefix}v>1</{prefix}v></{prefix}c>")
        body = "".join(cells)
        empty = not body and draw(st.booleans())
        rows.append(
            f"<{prefix}row{attrs}/>" if empty else f"<{prefix}row{attrs}>{body}</{prefix}row>"
        )
    return sheet("".join(rows).encode())


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(xml=small_sheets())
def test_never_less_than_the_grid_calamine_builds(tmp_path_factory, base, xml):
    """calamine itself as the reference: the grid it returns fits in the extent found, and
    equals it when the part was read exactly (every cell here holds a value)."""
    import python_calamine as calamine

    rows, cols, exact = extent(xml)
    path = book(base, tmp_path_factory.mktemp("oracle") / "oracle.xlsx", xml)
    grid = calamine.CalamineWorkbook.from_path(path).get_sheet_by_index(0)
    grid = grid.to_python(skip_empty_area=False)
    height, width = len(grid), max(map(len, grid), default=0)
    assert rows >= height and cols >= width
    if exact:
        assert (rows, cols) == (height, width)
