"""Checks a workbook must pass before a parser touches it.

calamine builds each sheet as one dense grid from its outermost cells, so a 5 KB file with
cells at A1 and XFD1048576 asks for hundreds of GiB and aborts the process; a zip member can
inflate a thousandfold; an XML part can declare entities that expand without bound. Every
zip member is therefore streamed once through zlib (bounded memory) to measure what it really
inflates to, XML parts are refused if they carry a DOCTYPE, and worksheet parts are scanned
for the extent of their cells; binary workbooks (.xlsb) are refused outright (see
:func:`_refuse_binary_workbook`). Limits come from environment variables so a bigger machine
can raise them.

The extent is read the way calamine places cells: a cell with an ``r`` attribute sits where
that reference says, in whatever order the attributes come; a cell without one follows the
cell before it. The scan looks at every ``r="…"`` value with numpy, a few vectorised passes
per megabyte, while a second thread inflates the next chunk. Only when it meets something it
cannot vouch for that way (a cell without ``r``, a prefixed ``<x:c>``, ``r = "…"`` written with
spaces) does it read the part again with expat and follow calamine's placement exactly.
An ``r="…"`` outside a ``<c>`` or ``<row>`` tag is most likely text a clerk typed (an inline
string, a shared string, a formula's cached value): it is kept apart, and sends the part to
the exact reading only if the part would be refused because of it.
"""

from __future__ import annotations

import contextlib
import copy
import os
import queue
import re
import threading
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from ..i18n import Message, msg

EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLS = 16_384
_CHUNK = 1 << 20
_ODS_ROW_REPEAT = re.compile(rb'number-rows-repeated="(\d{3,})"')
_ODS_COL_REPEAT = re.compile(rb'number-columns-repeated="(\d+)"')
_ODS_ROW_END = b"</table:table-row>"
# a formula cell written by a program that cannot calculate: <f>…</f> and no <v>
_NO_VALUE = re.compile(rb'<c r="([A-Z]+\d+)"[^>]*>(?:<f[^>]*/>|<f[^>]*>[^<]*</f>)(?:<v\s*/>)?</c>')
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)
# what calamine accepts as a cell or row reference: letters (either case), then digits
_REF = re.compile(rb"([A-Za-z]*)([0-9]+)")
_REF_START = re.compile(rb"[A-Za-z]*[0-9]*")
_LONGEST_REF = 40  # bytes; "XFD1048576" is 10, longer ones are only leading zeros or attacks


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


def check_zip(path: os.PathLike[str] | str, limits: Limits | None = None) -> dict[str, list[str]]:
    """Raise :class:`Refused` if an xlsx/ods zip would inflate beyond the limits, hides
    entity declarations, or holds a sheet whose cell grid is beyond Excel's or our limits.

    Returns, per worksheet part, the cells holding a formula with no calculated value.
    """
    limits = limits or Limits.from_env()
    uncalculated: dict[str, list[str]] = {}
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        _refuse_binary_workbook(infos)
        declared = sum(i.file_size for i in infos)
        if declared > limits.unzipped_bytes:
            raise Refused(
                msg(
                    "the workbook would unpack to {size} MiB, more than the {limit} MiB "
                    "allowed (NGODONG_MAX_UNZIPPED_MB)",
                    size=f"{declared / 2**20:,.0f}",
                    limit=f"{limits.unzipped_bytes / 2**20:,.0f}",
                )
            )
        # every member is held to its declared size while it streams, so the sum of the
        # declared sizes bounds what the whole workbook inflates to
        for info in infos:
            if not info.is_dir():
                _scan_member(zf, info, limits, uncalculated)
    return uncalculated


def _refuse_binary_workbook(infos: list[zipfile.ZipInfo]) -> None:
    """Refuse an Excel Binary Workbook (.xlsb), whatever the file is called.

    calamine reads a zip as xlsb whenever it cannot read it as xlsx, and finds its parts
    ignoring case and with backslashes as slashes, so the part is looked for the same way.
    Its cells cannot be vouched for cheaply: calamine takes each cell's column from the cell
    record itself (any 32-bit number, unchecked) and builds the grid out to the farthest
    one, while the sheet's dimension record is only a hint. Knowing the extent means walking
    every variable-length record of every sheet one after another, which numpy cannot do
    and Python does at about the cost of reading the whole file exactly; and which parts
    are sheets is decided by workbook.bin, a second format to keep in step with calamine.
    Excel saves .xlsx unless asked otherwise, and saving as .xlsx is one step for the clerk.
    """
    for info in infos:
        if info.filename.replace("\\", "/").lower() == "xl/workbook.bin":
            raise Refused(
                msg(
                    "this is an Excel Binary Workbook (.xlsb), which is not read; open it in "
                    "Excel and save it as .xlsx (File › Save As › Excel Workbook), then load "
                    "that copy"
                )
            )


def _scan_member(
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    limits: Limits,
    uncalculated: dict[str, list[str]],
) -> None:
    name = info.filename
    # calamine finds parts whatever the case of their names: "sheet1.XML" is XML too
    lower = name.lower()
    is_xml = lower.endswith((".xml", ".rels")) or lower == "content.xml"
    is_ods_content = name == "content.xml"
    # calamine opens as a sheet whatever part xl/_rels/workbook.xml.rels names, under any
    # name, and finds cells only after <sheetData>: so every .xml part is scanned as a
    # sheet, and any other part that holds the word "sheetData" is scanned again below
    sheet = _SheetScan(name) if lower.endswith(".xml") and not is_ods_content else None
    mentions_sheet_data = False
    size = 0
    head = b""
    tail = b""
    try:
        with _reading(zf, info) as chunks:
            for chunk in chunks:
                size += len(chunk)
                if size > info.file_size:
                    raise Refused(
                        msg(
                            "part {part} inflates to more than the {size} bytes it declares, "
                            "so the file is damaged or made to deceive (a decompression "
                            "bomb?); ask whoever sent it for a fresh copy saved from Excel",
                            part=name,
                            size=f"{info.file_size:,}",
                        )
                    )
                if size > 50 * _CHUNK and size > limits.ratio * max(info.compress_size, 1):
                    raise Refused(
                        msg(
                            "part {part} inflates more than {ratio}× (a decompression bomb?); "
                            "a real workbook compresses far less",
                            part=name,
                            ratio=limits.ratio,
                        )
                    )
                if is_xml and len(head) < 65536:
                    head += chunk[: 65536 - len(head)]
                    if _DOCTYPE.search(head):
                        raise Refused(_doctype(name))
                if sheet is not None:
                    sheet.feed(chunk)
                elif is_ods_content:
                    _check_ods_repeats(tail + chunk, limits)
                    tail = chunk[-(64 << 10) :]
                else:
                    mentions_sheet_data = mentions_sheet_data or b"sheetData" in tail + chunk
                    tail = chunk[-16:]
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise Refused(
            msg(
                "part {part} is damaged ({error}); the file may be truncated",
                part=name,
                error=str(exc),
            )
        ) from None
    if mentions_sheet_data:
        sheet = _SheetScan(name)
        with _reading(zf, info) as chunks:
            for chunk in chunks:
                sheet.feed(chunk)
    if sheet is not None:
        sheet.finish()
        if sheet.is_sheet:
            _check_sheet(zf, info, sheet, limits)
            if sheet.uncalculated:
                uncalculated[name] = sheet.uncalculated


def _check_sheet(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, sheet: _SheetScan, limits: Limits
) -> None:
    rows, cols = sheet.max_row, sheet.max_col
    exact = sheet.needs_exact
    if not exact and (sheet.text_row > rows or sheet.text_col > cols):
        # values that may be text only add to the extent: if the part passes with them, or
        # is refused without them, they do not matter; else the exact reading tells
        with_text = max(rows, sheet.text_row), max(cols, sheet.text_col)
        exact = _refusal(*with_text, limits) is not None and _refusal(rows, cols, limits) is None
    if exact:
        with _reading(zf, info) as chunks:
            rows, cols = _exact_extent(info.filename, chunks)
    _check_extent(info.filename, rows, cols, limits)


@contextlib.contextmanager
def _reading(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[Iterator[bytes]]:
    """:func:`_chunks`, closed on the way out, which stops its thread if the reading ends
    early (a refusal)."""
    chunks = _chunks(zf, info)
    try:
        yield chunks
    finally:
        chunks.close()


def _chunks(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The member's bytes, ``_CHUNK`` at a time. A big member is inflated in a second
    thread (zlib lets go of the GIL), so inflating the next chunk overlaps the scan of this
    one; the queue holds a few chunks, so memory stays bounded. Close the generator to stop
    the thread early.

    The chunks run to the end of the member's compressed stream, past the size it declares:
    zipfile would stop at that size, so a member that understates it would look small (and,
    its checksum matched to what was read, sound) to the guard, while calamine's zip reader
    goes on inflating. The caller compares what it gets with the declared size."""
    chunk_size = _CHUNK
    whole = copy.copy(info)
    whole.file_size = 1 << 62  # zipfile's cap on what it inflates: none
    if info.file_size <= 4 * chunk_size:
        with zf.open(whole) as fh:
            while chunk := fh.read(chunk_size):
                yield chunk
        return
    items: queue.Queue[bytes | BaseException] = queue.Queue(maxsize=3)
    stop = threading.Event()

    def put(item: bytes | BaseException) -> None:
        while not stop.is_set():
            try:
                items.put(item, timeout=0.05)
                return
            except queue.Full:
                continue

    def inflate() -> None:
        try:
            with zf.open(whole) as fh:
                while not stop.is_set():
                    chunk = fh.read(chunk_size)
                    put(chunk)
                    if not chunk:
                        return
        except BaseException as exc:  # handed to the reader, which raises it
            put(exc)

    worker = threading.Thread(target=inflate, name=f"inflate {info.filename}", daemon=True)
    worker.start()
    try:
        while True:
            item = items.get()
            if isinstance(item, BaseException):
                raise item
            if not item:
                return
            yield item
    finally:
        stop.set()
        worker.join()


# --- the fast scan of a worksheet part ----------------------------------------------------

_PAD = bytes(16)  # lets an 8-byte word be read at any value start near the window's end
_MARGIN = 2 * _LONGEST_REF  # bytes kept after the last value a window reads
_CARRY_MAX = 64 << 10  # a cell longer than this may straddle two windows unnoticed
_WINDOW = 512 << 10  # bytes scanned at a time
_WHITESPACE = bytes(range(33))  # and control bytes: whatever is not a name
_ONES = np.uint64(0x0101010101010101)
_HIGH = np.uint64(0x8080808080808080)
_ALL = np.uint64(0xFFFFFFFFFFFFFFFF)
_IS_DELIM = np.zeros(256, bool)  # what may follow an element name: whitespace, '>' or '/'
_IS_DELIM[[9, 10, 13, 32, ord(">"), ord("/")]] = True


def _each_byte(value: int) -> np.uint64:
    return np.uint64(value * 0x0101010101010101)


def _below_first(flags: np.ndarray) -> np.ndarray:
    """Per 64-bit word: 0xFF in every byte below the lowest byte whose high bit is set in
    ``flags`` (all eight bytes when there is none)."""
    lowest = flags & (~flags + np.uint64(1))
    return (lowest >> np.uint64(7)) - np.uint64(1)


def _count_bytes(mask: np.ndarray) -> np.ndarray:
    """How many 0xFF bytes a mask from :func:`_below_first` has (0…8)."""
    return ((mask & _ONES) * _ONES) >> np.uint64(56)


def _up_to(words: np.ndarray, pattern: np.ndarray) -> np.ndarray:
    """Per word: 0xFF in each byte before the first byte equal to the same byte of
    ``pattern`` (a quote repeated eight times)."""
    closing = words ^ pattern  # a zero byte where the quote is
    return _below_first((closing - _ONES) & ~closing & _HIGH)


def _letters(words: np.ndarray) -> np.ndarray:
    """Per word: 0xFF in each byte of its leading run of bytes with bit 6 set. In a
    reference these are its letters: digits and quotes have bit 6 clear. (In a value that
    is no reference, '@' or '_' count as letters too, which is harmless: such a value
    never passes as a maximum, see :meth:`_SheetScan._take_one`.)"""
    return _below_first((~words << np.uint64(1)) & _HIGH)


def _pair_views(a: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
    """``a`` read as 16-bit words twice, from offset 0 and from offset 1, so that a pair of
    bytes at any offset is one word of one of the views: (start offset, words)."""
    for start in (0, 1):
        yield start, a[start : start + (a.size - start) // 2 * 2].view("<u2")


def _find_pairs(a: np.ndarray, pair: bytes) -> np.ndarray:
    """The offsets in ``a`` where the two bytes ``pair`` occur, sorted."""
    code = int.from_bytes(pair, "little")
    found = [np.flatnonzero(words == code) * 2 + start for start, words in _pair_views(a)]
    return np.sort(np.concatenate(found))


def _cut(buf: bytes, lo: int, limit: int, end: int) -> int:
    """Where a window starting at ``lo`` ends: at its last '<c' before ``end`` (so that no
    cell is split), else at its last tag before ``limit`` (no tag is split), else at
    ``limit``, in a text too long to hold a tag."""
    cut = buf.rfind(b"<c", max(lo + 1, end - _CARRY_MAX), end)
    if cut == -1:
        cut = buf.rfind(b"<", max(lo + 1, limit - _CARRY_MAX), limit)
    return limit if cut == -1 else cut


class _SheetScan:
    """The extent of one part's cells, fed chunk by chunk.

    Each chunk is joined to the end of the one before (the carry) into a window, and the
    window owns the bytes from ``lo`` up to a cut just before its last ``<c``, so that a
    cell, a tag or a reference split between two chunks is read whole, once, from the next
    window. ``needs_exact`` is set when the window holds something the vectorised reading
    cannot vouch for; the caller then reads the part again with :func:`_exact_extent`.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.max_row = 0
        self.max_col = 0
        # the extent of r="…" values outside any cell or row tag: the text of an inline
        # string or a formula, mostly, which calamine never reads as a reference
        self.text_row = 0
        self.text_col = 0
        self.needs_exact = False
        self.is_sheet = False  # calamine finds cells only after <sheetData>
        self.uncalculated: list[str] = []
        self._carry = b" " * 8  # so that every window has 8 bytes to look back on
        self._lo = 8
        self._scratch = np.empty(0, bool)

    def feed(self, chunk: bytes) -> None:
        buf = b"".join((self._carry, chunk, _PAD))  # one copy; the pad is not data
        end = len(buf) - len(_PAD)
        lo = self._lo
        if end - lo < _CARRY_MAX and buf.rfind(b"<c", lo + 1, end) == -1:
            self._carry = buf[:end]  # wait for the next '<c'
            return
        cut = _cut(buf, lo, end - _MARGIN, end)
        # numpy's temporaries grow with the window: kept small, glibc reuses them instead
        # of handing them back to the kernel and faulting them in again for each window
        while cut - lo > _WINDOW:
            step = _cut(buf, lo, lo + _WINDOW, lo + _WINDOW)
            self._scan(buf, lo, step)
            lo = step
        self._scan(buf, lo, cut)
        keep = min(cut, 8)  # the bytes before the cut, for the look-behind at its start
        self._carry = buf[cut - keep : end]
        self._lo = keep

    def finish(self) -> None:
        if len(self._carry) > self._lo:
            self._scan(self._carry + _PAD, self._lo, len(self._carry))
        self._carry = b""

    def _equal(self, a: np.ndarray, value: int) -> np.ndarray:
        """``a == value``, written into a reused buffer: fresh megabyte-sized temporaries
        make glibc hand memory back to the kernel and fault it in again, which cost more
        than the comparisons (and contended with the inflating thread)."""
        if self._scratch.size < a.size:
            self._scratch = np.empty(max(a.size, 2 * _CHUNK), bool)
        return np.equal(a, value, out=self._scratch[: a.size])

    def _count_pairs(self, a: np.ndarray, pair: bytes) -> int:
        """How often the two bytes ``pair`` occur in ``a``: 16-bit comparisons, one for
        pairs at even offsets and one for odd, far cheaper than ``bytes.count``."""
        code = int.from_bytes(pair, "little")
        return sum(int(np.count_nonzero(self._equal(words, code))) for _, words in _pair_views(a))

    def _scan(self, buf: bytes, lo: int, hi: int) -> None:
        """Read the attribute values, cell tags and formulas that start in buf[lo:hi]."""
        a = np.frombuffer(buf, np.uint8)
        reach = min(hi + _CARRY_MAX, len(buf))  # how far a cell that starts before hi goes
        if buf.find(b"f", lo, reach) != -1 and self._count_pairs(a[lo:reach], b"<f"):
            for m in _NO_VALUE.finditer(buf, lo, reach):
                if m.start() >= hi:
                    break
                self.uncalculated.append(m.group(1).decode())
        if not self.is_sheet:
            at = buf.find(b"sheetData", max(lo - 8, 0), hi + 9)
            if at == -1:
                return  # calamine reads no cell before <sheetData>
            self.is_sheet = True
        if self.needs_exact:
            return  # the part will be read again, exactly
        # offsets of '=' from lo; the bytes around them are gathered from shifted views,
        # which spares an array of indices per shift
        eq = np.flatnonzero(self._equal(a[lo:hi], ord("=")))

        def near(at: np.ndarray, shift: int) -> np.ndarray:
            return a[lo + shift : hi + shift][at]

        before, after = near(eq, -1), near(eq, 1)
        # XML allows r = "A1" (whitespace around '='): rare enough to be checked one by one
        spaced = np.minimum(before, after) <= 32
        if spaced.any():
            self._check_spaced(buf, eq[spaced] + lo)
        # the r attribute: 'r=' after whitespace (space, tab, newline), then a quote (an
        # unquoted value is an error to calamine, and so is text: r=x)
        is_r = (before == ord("r")) & (near(eq, -2) <= 32) & ((after == 34) | (after == 39))
        r_eq, quote = eq[is_r], after[is_r]
        # an r= in a cell or row tag is a reference; one elsewhere may be text, and is
        # kept apart. Writers put r first (<c r="…, <row r="…), which is cheap to see
        first = (near(r_eq, -3) == ord("c")) & (near(r_eq, -4) == ord("<"))
        tag_eq, tag_quote = r_eq, quote
        if not first.all():
            rest = np.flatnonzero(~first)
            in_tag = self._in_cell_tags(buf, a, lo, hi, r_eq[rest] + lo)
            if not in_tag.all():
                for i in rest[~in_tag].tolist():
                    self._take_one(buf, int(r_eq[i]) + lo + 2, int(quote[i]), in_text=True)
                keep = first.copy()
                keep[rest[in_tag]] = True
                tag_eq, tag_quote = r_eq[keep], quote[keep]
        self._take_values(buf, a, tag_eq + (lo + 2), tag_quote)
        # a cell without r is placed after the one before, so the maxima hold only when
        # every cell tag has an r. Most writers put r first (<c r="…), which is counted
        # here; anything else is looked at more closely
        owned = a[lo : hi + 1]  # a pair starting at hi-1 ends at hi
        if self._count_pairs(owned, b"<c") != np.count_nonzero(first):
            self._check_cells(a, lo, hi, r_eq + lo, r_eq[first] + (lo - 4))
        if buf.find(b":", lo, hi + 1) != -1 and self._count_pairs(owned, b":c"):
            prefixed = _find_pairs(owned, b":c") + lo
            if _IS_DELIM[a[prefixed + 2]].any():  # <x:c …>, which calamine reads as <c>
                self.needs_exact = True

    def _take_values(
        self, buf: bytes, a: np.ndarray, starts: np.ndarray, quote: np.ndarray
    ) -> None:
        """Fold the references starting at ``starts`` into the maxima.

        A reference is letters, then digits, then the closing quote. Eight bytes are read
        as one 64-bit word at each start (and again after the letters when the quote is not
        among them) and measured all at once. The largest row has the most digits, and
        among those the largest digits read as a big-endian number; the widest column
        likewise. Only those two winners are parsed in Python, with the rare references
        longer than a word. A value that is no reference (``$A$1``, ``&#65;1``, text) is
        left out: calamine stops with an error at it, having allocated nothing. If it is a
        winner, or a winner has leading zeros, the window is read value by value.
        """
        if not starts.size:
            return
        words = np.ndarray((a.size - 7,), "<u8", a, 0, (1,))  # a word at every offset
        head = words[starts]
        letters = _letters(head)
        n_letters = _count_bytes(letters)
        if (quote == ord('"')).all():
            pattern = _each_byte(ord('"'))
        else:
            pattern = quote.astype(np.uint64) * _ONES
        # the bytes after the letters: within the same word for most references ("A123")
        tail = head >> (np.minimum(n_letters, 7) << np.uint64(3))  # (never a shift by 64)
        digits = _up_to(tail, pattern)
        far = np.flatnonzero((digits == _ALL) & (n_letters <= 3))  # "AB123456": read on
        if far.size:
            tail[far] = words[starts[far] + n_letters[far].astype(np.intp)]
            digits[far] = _up_to(tail[far], pattern if pattern.ndim == 0 else pattern[far])
        n_digits = _count_bytes(digits)  # 8 when the quote is not in sight
        odd = (n_digits == 8) | (n_letters > 3)
        for i in np.flatnonzero(odd).tolist():
            self._take_one(buf, int(starts[i]), int(quote[i]))
        plain = ~odd & (n_digits > 0)
        if not plain.any():
            return
        winners = []
        rows = (n_digits, tail & digits)
        cols = (n_letters, (head | _each_byte(0x20)) & letters)
        for count, key in (rows, cols):
            count = np.where(plain, count, 0)
            widest = plain & (count == count.max())
            winners.append(int(np.where(widest, key.byteswap(), 0).argmax()))
        for best in winners:
            if not self._take_one(buf, int(starts[best]), int(quote[best]), strict=True):
                # not a reference, or a row with leading zeros ("A007"): the winner says
                # nothing about the rest, so read each value of this window in Python
                for i in np.flatnonzero(plain).tolist():
                    self._take_one(buf, int(starts[i]), int(quote[i]))
                return

    def _take_one(
        self, buf: bytes, start: int, quote: int, strict: bool = False, in_text: bool = False
    ) -> bool:
        """Fold the value at ``start`` into the maxima if it is a reference. ``strict``:
        say False, without folding, if it is not one, or has leading zeros. ``in_text``:
        the value may be text, so it goes into the text maxima, and one too long to be a
        reference there leaves the part to the exact reading rather than refusing it."""
        end = buf.find(bytes([quote]), start, start + _LONGEST_REF)
        if end == -1:
            value = buf[start : start + _LONGEST_REF]
            if _REF_START.fullmatch(value) and in_text:
                self.text_row = max(self.text_row, EXCEL_MAX_ROWS + 1)  # beyond Excel
            elif _REF_START.fullmatch(value):  # in a cell tag: no writer's, refused now
                raise Refused(
                    msg(
                        "{part} has a cell reference longer than any spreadsheet writes "
                        "({reference}…); it was not written by a spreadsheet program",
                        part=self.name,
                        reference=value[:20].decode(),
                    )
                )
            return not strict
        m = _REF.fullmatch(buf, start, end)
        if not m or (strict and m.group(2).startswith(b"0")):
            return not strict
        if in_text:
            self.text_row = max(self.text_row, int(m.group(2)))
            self.text_col = max(self.text_col, _col_number(m.group(1)))
        else:
            self.max_row = max(self.max_row, int(m.group(2)))
            self.max_col = max(self.max_col, _col_number(m.group(1)))
        return True

    def _in_cell_tags(
        self, buf: bytes, a: np.ndarray, lo: int, hi: int, eq: np.ndarray
    ) -> np.ndarray:
        """Which of the r= at ``eq`` (absolute offsets of the '=') sit in a cell or row
        tag: those whose nearest '<' before them opens ``<c`` or ``<row`` (or ``<x:c``,
        ``<x:row``). Text never holds a '<' (it is written &lt;), so an r="…" in the text
        of a ``<t>``, ``<v>`` or ``<f>`` has that element's tag as its nearest '<'. A tag
        the window does not hold whole, or a '<' inside a value (which XML forbids but
        calamine reads), makes an r= look like text: that costs at most the exact reading
        (see :func:`_check_sheet`), never a missed cell."""
        row_first = (a[eq - 6] == ord("<")) & (a[eq - 5] == ord("r"))  # <row r=…, the usual
        row_first &= (a[eq - 4] == ord("o")) & (a[eq - 3] == ord("w"))
        if row_first.all():
            return row_first
        opens = np.flatnonzero(self._equal(a[lo:hi], ord("<"))) + lo
        nearest = np.searchsorted(opens, eq) - 1
        lt = opens[np.maximum(nearest, 0)] if opens.size else np.zeros_like(eq)
        is_c = (a[lt + 1] == ord("c")) & _IS_DELIM[a[lt + 2]]
        is_row = (a[lt + 1] == ord("r")) & (a[lt + 2] == ord("o")) & (a[lt + 3] == ord("w"))
        is_row &= _IS_DELIM[a[lt + 4]]
        in_tag = row_first | ((nearest >= 0) & (is_c | is_row))
        # the rest is mostly text, and few: names with a prefix are looked at one by one
        for i in np.flatnonzero(~in_tag & (nearest >= 0)).tolist():
            start = int(lt[i]) + 1
            name = buf[start : start + 64].split(None, 1)[0].split(b"/", 1)[0]
            local = name.partition(b">")[0].rpartition(b":")[2]
            in_tag[i] = b":" in name and local in (b"c", b"row")
        return in_tag

    def _check_spaced(self, buf: bytes, positions: np.ndarray) -> None:
        """'=' with whitespace beside it: mostly text ("a = b"); an r attribute written
        ``r = "…"`` cannot be read by the vectorised scan, so it sends the part to expat."""
        if positions.size > 10_000:
            self.needs_exact = True
            return
        for p in positions.tolist():
            name = buf[max(p - 64, 0) : p].rstrip(_WHITESPACE)
            if not name or (name[-1:] == b"r" and (len(name) == 1 or name[-2] <= 32)):
                self.needs_exact = True
                return

    def _check_cells(
        self, a: np.ndarray, lo: int, hi: int, r_eq: np.ndarray, first: np.ndarray
    ) -> None:
        """Not every '<c' starts a cell whose first attribute is r: '<cols>', '<color>' do
        not start cells at all, and '<c s="1" r="B2">' is a cell with its r further on. Set
        ``needs_exact`` unless every cell tag has an r before its '>'."""
        tags = _find_pairs(a[lo : hi + 1], b"<c") + lo
        tags = tags[_IS_DELIM[a[tags + 2]]]  # '<c' then whitespace, '>' or '/': a cell
        tags = tags[~np.isin(tags, first, assume_unique=True)]
        if not tags.size:
            return
        # the tag ends at the first '>' after it (or before, if an attribute value holds
        # a '>': that only makes this check stricter)
        closes = np.flatnonzero(a[lo:] == ord(">")) + lo
        end = np.searchsorted(closes, tags)
        if (end == closes.size).any():
            self.needs_exact = True
            return
        nearest_r = np.searchsorted(r_eq, tags)
        has_r = nearest_r < r_eq.size
        has_r[has_r] = r_eq[nearest_r[has_r]] < closes[end[has_r]]
        if not has_r.all():
            self.needs_exact = True


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


# --- the exact reading, for parts the fast scan cannot vouch for --------------------------


class _Done(Exception):
    """Raised from an expat handler at </sheetData>: calamine reads no further."""


def _exact_extent(name: str, chunks: Iterable[bytes]) -> tuple[int, int]:
    """(rows, columns) of the cells calamine would place, following its rules: ``<row r>``
    sets the row, ``</row>`` moves to the next and back to column A, a ``<c>`` without r
    takes the place after the cell before. Elements are matched on their local name, as
    calamine does. A Python call per element, about 3 µs a cell: only for the rare parts
    that need it."""
    from xml.parsers import expat

    parser = expat.ParserCreate()
    parser.ordered_attributes = True  # [name, value, name, value, …]: cheaper than a dict
    in_data = False  # after <sheetData>
    depth = 0  # inside a <c>: its <v>, <f>, <is> and their children
    row = col = max_row = max_col = 0  # row: calamine's 0-based row index

    def ref_of(attrs: list[str]) -> re.Match[bytes] | None:
        for i in range(len(attrs) - 2, -1, -2):  # the last r wins, as in calamine
            if attrs[i] == "r":
                ref = _REF.fullmatch(attrs[i + 1].encode())
                if ref is None:
                    raise _Done  # calamine stops at a reference it cannot read
                return ref
        return None

    def start(tag: str, attrs: list[str]) -> None:
        nonlocal in_data, depth, row, col, max_row, max_col
        if depth:
            depth += 1
            return
        local = tag if ":" not in tag else tag.rpartition(":")[2]
        if not in_data:
            in_data = local == "sheetData"
        elif local == "c":
            ref = ref_of(attrs)
            if ref is None:
                col += 1
                max_row = max(max_row, row + 1)
            else:
                col = _col_number(ref.group(1))
                max_row = max(max_row, int(ref.group(2)))
            max_col = max(max_col, col)
            depth = 1
        elif local == "row":
            ref = ref_of(attrs)
            if ref is not None:
                row = int(ref.group(2)) - 1

    def end(tag: str) -> None:
        nonlocal depth, row, col
        if depth:
            depth -= 1
        elif in_data:
            local = tag if ":" not in tag else tag.rpartition(":")[2]
            if local == "row":
                row, col = row + 1, 0
            elif local == "sheetData":
                raise _Done

    def doctype(*_args: object) -> None:
        raise Refused(_doctype(name))

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    fed = 0
    try:
        for chunk in chunks:
            parser.Parse(chunk, False)
            fed += len(chunk)
            # expat keeps an unfinished tag in memory: a tag of many MiB is no spreadsheet
            if fed - max(parser.CurrentByteIndex, 0) > 64 << 20:
                raise Refused(
                    msg("{part} holds a single tag or text of more than 64 MiB", part=name)
                )
        parser.Parse(b"", True)
    except _Done:
        pass
    except expat.ExpatError as exc:
        raise Refused(
            msg(
                "{part} is not well-formed XML ({error}); open it in a spreadsheet program "
                "and save it again",
                part=name,
                error=str(exc),
            )
        ) from None
    return max_row, max_col


# --- ODS and the verdict --------------------------------------------------------------------


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
                msg(
                    "content.xml repeats a filled row {times} times ({cells} cells), more "
                    "than the {limit} allowed (NGODONG_MAX_CELLS)",
                    times=f"{int(m.group(1)):,}",
                    cells=f"{cells:,}",
                    limit=f"{limits.cells:,}",
                )
            )
    for m in _ODS_COL_REPEAT.finditer(window):
        if int(m.group(1)) > EXCEL_MAX_COLS:
            start = window.rfind(b"<", 0, m.start())
            if b"office:value-type" in window[start : window.find(b">", m.end()) + 1]:
                raise Refused(
                    msg(
                        "content.xml repeats a filled cell {times} times, beyond any "
                        "spreadsheet's columns",
                        times=f"{int(m.group(1)):,}",
                    )
                )


def _refusal(rows: int, cols: int, limits: Limits, name: str = "") -> Message | None:
    """Why a grid of ``rows`` × ``cols`` of part ``name`` is refused, or None."""
    if rows > EXCEL_MAX_ROWS or cols > EXCEL_MAX_COLS:
        return msg(
            "{part} has cells beyond Excel's limits ({rows} rows, {cols} columns); it was not "
            "written by a spreadsheet program",
            part=name,
            rows=f"{rows:,}",
            cols=f"{cols:,}",
        )
    if rows * cols > limits.cells:
        return msg(
            "{part} spans {rows} rows × {cols} columns = {cells} cells, more than the {limit} "
            "allowed (NGODONG_MAX_CELLS); delete stray cells far from the table (Ctrl+End "
            "shows the last one) and save again",
            part=name,
            rows=f"{rows:,}",
            cols=f"{cols:,}",
            cells=f"{rows * cols:,}",
            limit=f"{limits.cells:,}",
        )
    return None


def _doctype(name: str) -> Message:
    return msg(
        "part {part} declares a DOCTYPE or entities, which spreadsheets never need (an XML "
        "entity attack?)",
        part=name,
    )


def _check_extent(name: str, rows: int, cols: int, limits: Limits) -> None:
    if (why := _refusal(rows, cols, limits, name)) is not None:
        raise Refused(why)
