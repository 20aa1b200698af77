"""Checks a workbook must pass before a parser touches it.

calamine builds each sheet as one dense grid from its outermost cells, so a 5 KB file with
cells at A1 and XFD1048576 asks for hundreds of GiB and aborts the process; a zip member can
inflate a thousandfold; an XML part can declare entities that expand without bound. Every
zip member is therefore streamed once through zlib (bounded memory) to measure what it really
inflates to, XML parts are refused if they carry a DOCTYPE, and worksheet parts are scanned
for the extent of their cells. Limits come from environment variables so a bigger machine can
raise them.
"""

from __future__ import annotations

import os
import re
import zipfile
from dataclasses import dataclass

EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLS = 16_384
_CHUNK = 1 << 20
_ROW = re.compile(rb'<row [^>]*?\br="(\d+)"')
_ROW_FAST = re.compile(rb'<row r="(\d+)"')  # how Excel, LibreOffice and openpyxl write it
_WIDE_CELL = re.compile(rb'<c [^>]*?\br="([A-Z]{2,})(\d+)"')
_WIDE_CELL_FAST = re.compile(rb'<c r="([A-Z]{2,})(\d+)"')
_ODS_ROW_REPEAT = re.compile(rb'number-rows-repeated="(\d{3,})"')
_ODS_COL_REPEAT = re.compile(rb'number-columns-repeated="(\d+)"')
_ODS_ROW_END = b"</table:table-row>"
# a formula cell written by a program that cannot calculate: <f>…</f> and no <v>
_NO_VALUE = re.compile(rb'<c r="([A-Z]+\d+)"[^>]*>(?:<f[^>]*/>|<f[^>]*>[^<]*</f>)(?:<v\s*/>)?</c>')
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


@dataclass(frozen=True)
class Limits:
    """Refusal thresholds. The defaults admit a 1,000,000-row sheet of ordinary width."""

    unzipped_bytes: int = 1536 * 1024 * 1024
    ratio: int = 250
    cells: int = 60_000_000

    @classmethod
    def from_env(cls) -> Limits:
        """Limits from NGODONG_MAX_UNZIPPED_MB, NGODONG_MAX_RATIO and NGODONG_MAX_CELLS."""
        return cls(
            _env_int("NGODONG_MAX_UNZIPPED_MB", 1536) * 1024 * 1024,
            _env_int("NGODONG_MAX_RATIO", 250),
            _env_int("NGODONG_MAX_CELLS", 60_000_000),
        )


class Refused(Exception):
    """The file is refused before parsing; the message says why and what to do."""


def _largest(numbers: list[bytes]) -> int:
    """The largest of many decimal numbers found as bytes, without converting each one."""
    if not numbers:
        return 0
    width = len(max(numbers, key=len))
    return int(max([n for n in numbers if len(n) == width]))


def col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def check_zip(path: os.PathLike[str] | str, limits: Limits | None = None) -> dict[str, list[str]]:
    """Raise :class:`Refused` if an xlsx/ods zip would inflate beyond the limits, hides
    entity declarations, or holds a sheet whose cell grid is beyond Excel's or our limits.

    Returns, per worksheet part, the cells holding a formula with no calculated value.
    """
    limits = limits or Limits.from_env()
    uncalculated: dict[str, list[str]] = {}
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        declared = sum(i.file_size for i in infos)
        if declared > limits.unzipped_bytes:
            raise Refused(
                f"the workbook would unpack to {declared / 2**20:,.0f} MiB, more than the "
                f"{limits.unzipped_bytes / 2**20:,.0f} MiB allowed (NGODONG_MAX_UNZIPPED_MB)"
            )
        total = 0
        for info in infos:
            if info.is_dir():
                continue
            total += _scan_member(zf, info, limits, limits.unzipped_bytes - total, uncalculated)
    return uncalculated


def _scan_member(
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    limits: Limits,
    budget: int,
    uncalculated: dict[str, list[str]],
) -> int:
    name = info.filename
    is_xml = name.endswith((".xml", ".rels")) or name == "content.xml"
    is_sheet = name.startswith("xl/worksheets/") and name.endswith(".xml")
    is_ods_content = name == "content.xml"
    size = 0
    head = b""
    max_row = rows_seen = max_col = 0
    tail = b""
    try:
        with zf.open(info) as fh:
            while True:
                chunk = fh.read(_CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > budget:
                    raise Refused(
                        f"part {name} inflates past the {limits.unzipped_bytes / 2**20:,.0f} "
                        "MiB allowed for the whole workbook (a decompression bomb?)"
                    )
                if size > 50 * _CHUNK and size > limits.ratio * max(info.compress_size, 1):
                    raise Refused(
                        f"part {name} inflates more than {limits.ratio}× (a decompression "
                        "bomb?); a real workbook compresses far less"
                    )
                if is_xml and len(head) < 65536:
                    head += chunk[: 65536 - len(head)]
                    if _DOCTYPE.search(head):
                        raise Refused(
                            f"part {name} declares a DOCTYPE or entities, which "
                            "spreadsheets never need (an XML entity attack?)"
                        )
                if is_sheet or is_ods_content:
                    window = tail + chunk
                    if is_sheet:
                        # "<row" also counts "<row>" (no r attribute) and "<rowBreaks": the
                        # count of rows seen may be a few too high, never too low
                        in_chunk = chunk.count(b"<row")
                        rows_seen += in_chunk
                        found = _ROW_FAST.findall(window)
                        if len(found) != in_chunk + tail.count(b"<row"):
                            found = _ROW.findall(window)  # another writer's attribute order
                        max_row = max(max_row, _largest(found))
                        wide = _WIDE_CELL_FAST
                        if window.count(b"<c ") != window.count(b'<c r="'):
                            wide = _WIDE_CELL  # another writer's attribute order
                        for m in wide.finditer(window):
                            max_col = max(max_col, col_number(m.group(1)))
                            max_row = max(max_row, int(m.group(2)))
                        if b"<f" in window:
                            refs = uncalculated.setdefault(name, [])
                            refs.extend(r.decode() for r in _NO_VALUE.findall(chunk))
                    else:
                        _check_ods_repeats(window, limits)
                    tail = chunk[-(64 << 10) :] if is_ods_content else chunk[-256:]
    except zipfile.BadZipFile as exc:
        raise Refused(f"part {name} is damaged ({exc}); the file may be truncated") from None
    if is_sheet:
        _check_extent(name, max(max_row, rows_seen), max(max_col, 26), limits)
    return size


def _check_ods_repeats(window: bytes, limits: Limits) -> None:
    """ODS compresses identical rows and cells into repeat counts, which calamine expands:
    a filled row repeated a million times is a bomb. Empty repeated rows and columns (how
    LibreOffice pads every sheet) are harmless and allowed."""
    for m in _ODS_ROW_REPEAT.finditer(window):
        end = window.find(_ODS_ROW_END, m.end(), m.end() + (64 << 10))
        row = window[m.end() : end if end != -1 else m.end() + (64 << 10)]
        if b"office:value-type" not in row:
            continue
        width = sum(int(c) for c in _ODS_COL_REPEAT.findall(row)) + row.count(b"<table:table-cell")
        cells = int(m.group(1)) * max(width, 1)
        if cells > limits.cells:
            raise Refused(
                f"content.xml repeats a filled row {int(m.group(1)):,} times ({cells:,} cells), "
                f"more than the {limits.cells:,} allowed (NGODONG_MAX_CELLS)"
            )
    for m in _ODS_COL_REPEAT.finditer(window):
        if int(m.group(1)) > EXCEL_MAX_COLS:
            start = window.rfind(b"<", 0, m.start())
            if b"office:value-type" in window[start : window.find(b">", m.end()) + 1]:
                raise Refused(
                    f"content.xml repeats a filled cell {int(m.group(1)):,} times, "
                    "beyond any spreadsheet's columns"
                )


def _check_extent(name: str, rows: int, cols: int, limits: Limits) -> None:
    if rows > EXCEL_MAX_ROWS or cols > EXCEL_MAX_COLS:
        raise Refused(
            f"{name} has cells beyond Excel's limits ({rows:,} rows, {cols:,} "
            "columns); it was not written by a spreadsheet program"
        )
    if rows * cols > limits.cells:
        raise Refused(
            f"{name} spans {rows:,} rows × {cols:,} columns = {rows * cols:,} cells, more "
            f"than the {limits.cells:,} allowed (NGODONG_MAX_CELLS); delete stray cells far "
            "from the table (Ctrl+End shows the last one) and save again"
        )
