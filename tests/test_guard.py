"""Hostile and huge workbooks are refused before a parser inflates them."""

import functools
import os
import struct
import subprocess
import sys
import textwrap
import zipfile
import zlib

import pytest
from helpers import write_xlsx

import ngodong_analysis as nd
from ngodong_analysis.ingest.guard import Limits, Refused, check_zip


def _replace_member(src, dst, name, data: bytes | None = None, *, chunks=None):
    """Copy an xlsx, replacing one member with ``data`` or a stream of ``chunks``."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            if item.filename != name:
                zout.writestr(item, zin.read(item.filename))
        if chunks is None:
            zout.writestr(name, data)
        else:
            with zout.open(name, "w", force_zip64=True) as fh:
                for chunk in chunks:
                    fh.write(chunk)
    return dst


@pytest.fixture
def plain(tmp_path):
    return write_xlsx(
        tmp_path / "plain.xlsx", {"Năm 2019": [["Chi bộ", "Xếp loại"], ["CB TDP 1", "HTTNV"]]}
    )


def test_far_away_cell_is_refused_before_calamine_allocates(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active["A1"] = "Chi bộ"
    wb.active["XFD1048576"] = "x"
    wb.save(tmp_path / "far.xlsx")
    [problem] = nd.validate(tmp_path / "far.xlsx")
    assert problem.file == "far.xlsx" and problem.rule == "refused"
    assert "NGODONG_MAX_CELLS" in problem.message


def test_rows_beyond_excel_limits_are_refused(tmp_path, plain):
    sheet = (
        b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main"><sheetData><row r="2000000"><c r="A2000000" t="inlineStr">'
        b"<is><t>x</t></is></c></row></sheetData></worksheet>"
    )
    bad = _replace_member(plain, tmp_path / "rows.xlsx", "xl/worksheets/sheet1.xml", sheet)
    with pytest.raises(Refused, match="beyond Excel's limits"):
        check_zip(bad)


def test_entity_declarations_are_refused(tmp_path, plain):
    with zipfile.ZipFile(plain) as zf:
        strings = zf.read("xl/worksheets/sheet1.xml")
    evil = (
        b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        + strings.split(b"?>", 1)[-1]
    )
    bad = _replace_member(plain, tmp_path / "lol.xlsx", "xl/worksheets/sheet1.xml", evil)
    [problem] = nd.validate(bad)
    assert problem.rule == "refused" and "DOCTYPE" in problem.message


def test_entity_declarations_in_an_upper_case_part_name_are_refused(tmp_path, plain):
    evil = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]><x>&a;</x>'
    bad = _replace_member(plain, tmp_path / "lol.xlsx", "xl/Extra.XML", evil)
    with pytest.raises(Refused, match="DOCTYPE"):
        check_zip(bad)


@pytest.mark.parametrize(
    "byte, mebibytes, limits, refusal",
    [
        (b" ", 64, Limits(unzipped_bytes=32 << 20), "unpack to"),
        (b"\0", 80, Limits(ratio=100), "inflates more than"),
    ],
    ids=["declared size over the limit", "compression ratio beyond any real workbook"],
)
def test_a_zip_bomb_is_refused(tmp_path, plain, byte, mebibytes, limits, refusal):
    bomb = _replace_member(
        plain,
        tmp_path / "bomb.xlsx",
        "xl/sharedStrings.xml",
        chunks=(byte * (1 << 20) for _ in range(mebibytes)),
    )
    with pytest.raises(Refused, match=refusal):
        check_zip(bomb, limits)


@pytest.mark.parametrize("checksum", ["of the whole part", "of what it declares"])
def test_lying_sizes_are_caught_while_streaming(tmp_path, plain, checksum):
    """A part that declares 100 bytes and inflates to 5 MB. Its checksum is right for the
    whole part, or (crafted) for the 100 bytes it declares, which a reader that stops at
    the declared size would find sound: either way only the size read can catch it."""
    text = b"<sst>" + b" " * 5_000_000 + b"</sst>"
    bomb = _replace_member(plain, tmp_path / "liar.xlsx", "xl/sharedStrings.xml", text)
    crc = zlib.crc32(text if checksum == "of the whole part" else text[:100])
    data = bytearray(bomb.read_bytes())
    # rewrite the checksum and uncompressed size (local header and central directory)
    name = b"xl/sharedStrings.xml"
    for sig, fields, name_at, name_start in (
        (b"PK\x03\x04", 14, 26, 30),
        (b"PK\x01\x02", 16, 28, 46),
    ):
        pos = 0
        while (pos := data.find(sig, pos)) != -1:
            name_len = struct.unpack_from("<H", data, pos + name_at)[0]
            if bytes(data[pos + name_start : pos + name_start + name_len]) == name:
                struct.pack_into("<I", data, pos + fields, crc)
                struct.pack_into("<I", data, pos + fields + 8, 100)
            pos += 4
    liar = tmp_path / "liar2.xlsx"
    liar.write_bytes(bytes(data))
    [problem] = nd.validate(liar)
    assert problem.file == "liar2.xlsx" and problem.rule == "refused"
    assert "inflates to more than the 100 bytes it declares" in problem.message


def test_formulas_never_calculated_are_named(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "2019"
    for row in (["Chi bộ", "Tổng số đảng viên"], ["CB TDP 1", 10], ["CB TDP 2", "=B2+1"]):
        ws.append(row)
    wb.save(tmp_path / "generated.xlsx")
    [problem] = nd.validate(tmp_path / "generated.xlsx")
    assert (problem.sheet, problem.cell) == ("2019", "B3")
    assert "never opened" in problem.message and "save it" in problem.message


def _raw_zip(path, members):
    """A zip written byte by byte, so declared sizes can be whatever the test says.
    ``members``: (name, deflated bytes, declared uncompressed size, CRC-32 of the whole
    uncompressed part)."""
    out, central = bytearray(), bytearray()
    for name, data, size, crc in members:
        offset = len(out)
        fields = struct.pack("<HHHHHIII", 20, 0, 8, 0, 0, crc, len(data), size)
        out += b"PK\x03\x04" + fields + struct.pack("<HH", len(name), 0) + name + data
        central += (
            b"PK\x01\x02"
            + struct.pack("<H", 20)
            + fields
            + struct.pack("<HHHHHII", len(name), 0, 0, 0, 0, 0, offset)
            + name
        )
    end = struct.pack("<HHHHIIH", 0, 0, len(members), len(members), len(central), len(out), 0)
    path.write_bytes(bytes(out) + bytes(central) + b"PK\x05\x06" + end)
    return path


@functools.cache
def _deflated_spaces(mebibytes: int) -> tuple[bytes, int]:
    """Raw deflate of ``mebibytes`` MiB of spaces, made from one full-flushed block repeated,
    and the CRC-32 of the spaces (about 0.3 s a GiB)."""
    spaces = b" " * (1 << 20)
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = comp.compress(spaces) + comp.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(mebibytes):
        crc = zlib.crc32(spaces, crc)
    return block * mebibytes + zlib.compressobj(9, zlib.DEFLATED, -15).flush(), crc


@pytest.mark.parametrize("declared", ["honest", "lying"])
def test_bomb_under_a_memory_limit(tmp_path, declared):
    """A 3 GiB member is refused by a process capped at 1.5 GiB of address space, whether
    it declares its size or claims 1 MiB (with checksums right for the whole member, so
    that only the size read while inflating can tell)."""
    data, crc = _deflated_spaces(3 * 1024)
    size = 3 * 1024 * (1 << 20) if declared == "honest" else 1 << 20
    empty = zlib.compressobj(9, zlib.DEFLATED, -15)
    book = empty.compress(b"<workbook/>") + empty.flush()
    bomb = _raw_zip(
        tmp_path / "big.xlsx",
        [
            (b"xl/workbook.xml", book, 11, zlib.crc32(b"<workbook/>")),
            (b"xl/worksheets/sheet1.xml", data, size, crc),
        ],
    )
    code = textwrap.dedent(f"""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (1536 * 2**20, 1536 * 2**20))
        import ngodong_analysis as nd
        nd.set_language("en")
        problems = nd.validate({str(bomb)!r})
        print(problems[0])
        sys.exit(0 if len(problems) == 1 and problems[0].is_error else 3)
    """)
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr[-2000:]
    assert proc.stdout.startswith("big.xlsx: refused")
    reason = "would unpack to 3,072 MiB" if declared == "honest" else "bytes it declares"
    assert reason in proc.stdout


def _biff12(typ: int, payload: bytes = b"") -> bytes:
    """One BIFF12 record: its type and size as 7-bit groups, low first, then the payload."""
    head = bytes([typ]) if typ < 0x80 else bytes([typ & 0x7F | 0x80, typ >> 7])
    size, length = len(payload), bytearray()
    while True:
        length.append(size & 0x7F | (0x80 if size > 0x7F else 0))
        size >>= 7
        if not size:
            return head + bytes(length) + payload


def _write_xlsb(path, cells):
    """An Excel Binary Workbook with one sheet 'Năm 2019' and a number at each (row, column,
    value) of ``cells``, 0-based: just the records calamine needs to read it."""

    def wide(text: str) -> bytes:
        return struct.pack("<I", len(text)) + text.encode("utf-16-le")

    bundle = struct.pack("<II", 0, 1) + wide("rId1") + wide("Năm 2019")  # BrtBundleSh
    book = _biff12(0x83) + _biff12(0x8F) + _biff12(0x9C, bundle) + _biff12(0x90)
    book += _biff12(0x9D, bytes(12)) + _biff12(0x84)  # BrtCalcProp ends the defined names
    rows = b"".join(
        _biff12(0x00, struct.pack("<I", row) + bytes(13))  # BrtRowHdr
        + _biff12(0x05, struct.pack("<IId", col, 0, value))  # BrtCellReal
        for row, col, value in cells
    )
    # BrtBeginSheet, BrtWsDim (A1: only a hint to calamine), BrtBeginSheetData … the ends
    sheet = _biff12(0x81) + _biff12(0x94, bytes(16)) + _biff12(0x91) + rows
    sheet += _biff12(0x92) + _biff12(0x82)
    rels = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
        'schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.bin"/></Relationships>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.bin", book)
        zf.writestr("xl/_rels/workbook.bin.rels", rels)
        zf.writestr("xl/worksheets/sheet1.bin", sheet)
    return path


def test_the_binary_workbook_builder_makes_a_book_calamine_reads(tmp_path):
    import python_calamine as calamine

    path = _write_xlsb(tmp_path / "small.xlsb", [(0, 0, 1.0), (2, 3, 7.0)])
    with open(path, "rb") as fh:
        book = calamine.CalamineWorkbook.from_filelike(fh)
    assert book.sheet_names == ["Năm 2019"]
    rows = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    assert (len(rows), len(rows[0]), rows[0][0], rows[2][3]) == (3, 4, 1.0, 7.0)


@pytest.mark.parametrize("name", ["bao_cao.xlsb", "bao_cao.xlsx"])
def test_a_binary_workbook_with_a_far_cell_is_refused_and_the_folder_still_loads(tmp_path, name):
    """calamine takes an xlsb cell's column from the cell itself: one cell at column
    16,777,215 of row 1,000,001 asks for ~500 TB and aborts the process, so the folder
    is loaded in a child process that must live to say what it found."""
    folder = tmp_path / "in"
    write_xlsx(
        folder / "plain.xlsx",
        {"Năm 2019": [["Tên chi bộ", "Xếp loại"], ["CB TDP 1", "Hoàn thành tốt nhiệm vụ"]]},
    )
    _write_xlsb(folder / name, [(0, 0, 1.0), (1_000_000, 0xFFFFFF, 7.0)])
    code = textwrap.dedent(f"""
        from ngodong_analysis.load import load
        result = load({str(folder)!r})
        for problem in result.problems:
            print(problem.rule, problem.file, problem.message, sep="|")
        print("ratings", len(result.dataset.cell_ratings))
    """)
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NGODONG_WORKERS": "1", "NGODONG_LANG": "en"},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    assert lines[-1] == "ratings 1"
    [refused] = [line.split("|") for line in lines if line.startswith("refused|")]
    assert refused[1] == name
    assert "Excel Binary Workbook" in refused[2] and "save it as .xlsx" in refused[2]


def test_a_binary_workbook_is_found_as_calamine_finds_it(tmp_path):
    """calamine looks parts up ignoring case, with backslashes read as slashes."""
    book = _write_xlsb(tmp_path / "book.xlsb", [(0, 0, 1.0)])
    renamed = tmp_path / "renamed.xlsx"
    with zipfile.ZipFile(book) as zin, zipfile.ZipFile(renamed, "w") as zout:
        for item in zin.infolist():
            name = "XL\\Workbook.BIN" if item.filename == "xl/workbook.bin" else item.filename
            zout.writestr(name, zin.read(item.filename))
    with pytest.raises(Refused, match="save it as .xlsx"):
        check_zip(renamed)


def test_ods_filled_row_repeated_beyond_the_limit_is_refused(tmp_path):
    import pandas as pd

    base = tmp_path / "base.ods"
    pd.DataFrame({"Tên chi bộ": ["CB TDP 1"], "Xếp loại": ["HTTNV"]}).to_excel(
        base, sheet_name="Năm 2019", index=False, engine="odf"
    )
    with zipfile.ZipFile(base) as z:
        content = z.read("content.xml")
    row = (
        b'<table:table-row table:number-rows-repeated="100000000"><table:table-cell '
        b'office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>'
    )
    evil = content.replace(b"</table:table>", row + b"</table:table>", 1)
    bomb = tmp_path / "bomb.ods"
    with zipfile.ZipFile(base) as zin, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = evil if item.filename == "content.xml" else zin.read(item.filename)
            zout.writestr(item, data)
    [problem] = nd.validate(bomb)
    assert problem.file == "bomb.ods" and problem.rule == "refused"
    assert "repeats a filled row" in problem.message
    # LibreOffice's own padding (empty rows repeated to the sheet's end) is harmless
    assert nd.validate(base) == []


def test_a_broken_column_gives_a_bounded_list_of_problems(xlsx):
    from ngodong_analysis.problems import MAX_PER_RULE

    rows = [["Chi bộ", "Tổng số đảng viên"]] + [[f"CB TDP {i}", "nhiều"] for i in range(300)]
    problems = nd.validate(xlsx("many.xlsx", {"2019": rows}))
    assert len(problems) == MAX_PER_RULE + 1
    assert problems[0].cell == "B2" and "not a number" in problems[0].message
    assert problems[-1].cell is None and f"{300 - MAX_PER_RULE} more" in problems[-1].message
