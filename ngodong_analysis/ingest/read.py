"""Stage 1: any workbook → raw cell grids with positions.

The format is decided from the file's content, not its name. Spreadsheets are read with
python-calamine (fast, exposes merged ranges); CSV text with pyarrow's CSV reader into
Arrow-backed string columns (no Python object per cell), falling back to pandas' C parser
and then to the standard library for files those cannot read the same way. Every sheet
comes back as a :class:`Sheet` whose cell (r, c) is counted from A1, so problems can name
cells exactly.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import python_calamine as calamine

from ..i18n import msg, nmsg, reason
from ..problems import ProblemLog
from .guard import Refused, check_zip
from .normalise import LEGACY_SIGN_UTF8

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"

Merged = tuple[tuple[int, int], tuple[int, int]]
# pandas' default string dtype ("str"), Arrow-backed: what pd.read_csv(dtype=str) gives too
_STR = pd.StringDtype("pyarrow", na_value=np.nan)


class Sheet:
    """One sheet's cells: cell (r, c) counted from A1; '' (or None) is an empty cell.

    The cells are held in one of two forms:

    * a column-wise ``frame`` (column labels 0..n-1, index = row number). CSV files are read
      straight into one, with Arrow-backed string columns: a national folder has tens of
      millions of cells, and a Python string per cell is what would fill the memory.
    * a list of rows, as calamine, ``csv.reader`` and tests give them. It becomes an object
      ``frame`` (short rows padded with '') the first time the frame is asked for, and from
      then on the frame is the only copy, so changes made to the frame (legacy text fixed)
      are seen by every reader.

    Header detection needs only the top rows, as lists: ``row``, ``head`` and ``n_rows``.
    ``rows`` gives the whole grid as lists, which is costly for big sheets (tests, debugging).
    """

    def __init__(
        self,
        file: Path,
        name: str,
        rows: list[list[object]] | None = None,
        merged: list[Merged] | None = None,
        *,
        frame: pd.DataFrame | None = None,
    ) -> None:
        if rows is not None and frame is not None:
            raise ValueError("give a sheet's rows or its frame, not both")
        self.file = file
        self.name = name
        self.merged: list[Merged] = list(merged or [])
        # formula cells the writing program left without a calculated value ("D7"): an
        # error only if a column the loader reads holds one (load.read_file decides)
        self.uncalculated: list[str] = []
        self._rows = (rows if rows is not None else []) if frame is None else None
        self._frame = frame
        # a frame's top rows as lists, made once: header detection and the title block ask
        # for them row by row, and a row of a frame (``iloc``) costs ~0.1 ms
        self._top: list[list[object]] | None = None
        # True when the reader saw that no cell can hold legacy (TCVN3/VNI) text: the
        # check of every column's distinct values is then skipped (normalise.fix_legacy_text)
        self.unicode_only = False

    def __repr__(self) -> str:
        return f"Sheet({self.label!r}, {self.n_rows} rows)"

    @property
    def label(self) -> str:
        return f"{self.file.name} › {self.name}"

    @property
    def frame(self) -> pd.DataFrame:
        """All cells column by column: column labels 0..n-1, index = row number from 0.

        Whoever takes the frame may change its cells (legacy text fixed): the top rows
        :meth:`row` handed out before are made again when next asked for."""
        self._top = None
        if self._frame is None:
            rows = self._rows
            widths = set(map(len, rows))  # one pass in C; calamine's grid is rectangular
            width = max(widths, default=0)
            if len(widths) > 1:  # CSV read by csv.reader; tests
                # the cells a short row lacks are empty, as the CSV readers pad them: a None
                # would come back from factorising as NaN, i.e. the text "nan"
                rows = [row + [""] * (width - len(row)) for row in rows]
            # object dtype keeps every cell as calamine gave it (float, str, datetime, bool)
            self._frame = pd.DataFrame(rows, dtype=object)
            self._rows = None
        return self._frame

    @property
    def n_rows(self) -> int:
        return len(self._rows) if self._rows is not None else len(self._frame)

    def row(self, r: int) -> list[object]:
        """Row ``r`` as a list (a frame-backed sheet pads every row to the frame's width)."""
        if self._rows is not None:
            return self._rows[r]
        if r < _TOP_ROWS:
            if self._top is None:
                self._top = self._frame.iloc[:_TOP_ROWS].to_numpy(dtype=object).tolist()
            return self._top[r]
        return self._frame.iloc[r].tolist()

    def head(self, n: int) -> list[list[object]]:
        """The top ``n`` rows as lists (fewer if the sheet is shorter)."""
        if self._rows is not None:
            return self._rows[:n]
        if n <= _TOP_ROWS:
            return [self.row(r) for r in range(min(n, len(self._frame)))]
        return self._frame.iloc[:n].to_numpy(dtype=object).tolist()

    @property
    def rows(self) -> list[list[object]]:
        """Every row as a list: ``rows[r][c]`` is cell (r, c). Built anew from a frame on
        each call, so meant for tests and small sheets; the pipeline reads ``frame``."""
        return self.head(self.n_rows)

    def is_empty(self) -> bool:
        """True when no cell holds more than whitespace (None and '' are empty).

        Decided on each column's distinct values, not cell by cell; a cell that is not
        text counts as filled when its text form (``str``) is, as a NaN ("nan") does.
        """
        frame = self.frame
        for c in frame.columns:
            col = frame[c]
            if any(_filled(v) for v in col.iloc[:32]):  # most sheets: decided at the top
                return False
            missing = col.isna().to_numpy(dtype=bool)
            if missing.any():
                if any(v is not None for v in col[missing]):
                    return False  # NaN, NaT: their text is not blank
                col = col[~missing]
            if any(str(v).strip() for v in col.unique()):
                return False
        return True


# the rows header detection looks at (detect.HEADER_SCAN_ROWS and the sub-header rows below
# the header) and the title block above it: read from a frame once, as lists
_TOP_ROWS = 48


def _filled(value: object) -> bool:
    """A cell that is more than whitespace (as :meth:`Sheet.is_empty` counts it)."""
    return value is not None and bool(str(value).strip())


def sniff(path: Path, head: bytes | None = None) -> str:
    """Format of a file from its first bytes: xlsx, ods, xls, encrypted, csv or unknown."""
    if head is None:
        with open(path, "rb") as fh:
            head = fh.read(8)
    if head.startswith(_ZIP_MAGIC):
        try:
            with zipfile.ZipFile(path) as zf:
                names = set(zf.namelist())
                if "mimetype" in names:
                    mime = zf.read("mimetype")[:100]
                    if b"opendocument.spreadsheet" in mime:
                        return "ods"
                    return "unknown"
                if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
                    return "xlsx"
        except zipfile.BadZipFile:
            return "broken"
        return "unknown"
    if head.startswith(_OLE_MAGIC):
        with open(path, "rb") as fh:
            blob = fh.read(1 << 20)
        if "EncryptionInfo".encode("utf-16-le") in blob:
            return "encrypted"
        return "xls"
    return "csv" if _looks_like_text(path) else "unknown"


def _looks_like_text(path: Path) -> bool:
    with open(path, "rb") as fh:
        blob = fh.read(4096)
    if not blob:
        return False
    if blob.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF8)):
        return True
    if b"\x00" in blob:
        return False
    try:
        blob.decode("utf-8")
    except UnicodeDecodeError as exc:
        # a multi-byte character cut at the 4 KiB boundary is still text
        if exc.start >= len(blob) - 3:
            return True
        return _looks_like_cp1258(blob)
    return True


def _looks_like_cp1258(blob: bytes) -> bool:
    """Windows Vietnamese (the code page ``decode_text`` falls back to): every byte defined
    and no control characters other than tab and line breaks, as in any text file."""
    try:
        text = blob.decode("cp1258")
    except UnicodeDecodeError:
        return False
    return not any(ch < " " and ch not in "\t\r\n" for ch in text)


def decode_text(data: bytes) -> str:
    """Decode CSV bytes: UTF-8 (with or without BOM) or UTF-16 with BOM, as Excel saves."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Windows Vietnamese is the only other code page offices use for CSV
        return data.decode("cp1258")


def _read_csv(path: Path) -> list[Sheet]:
    data = path.read_bytes()
    body = _utf8_body(data)
    # UTF-8 (nearly every file) goes to the parser as it is: decoding 4 MB into a str and
    # encoding it back would take a third of the reading time
    text = decode_text(data) if body is None else None
    if body is None:
        body = text.encode("utf-8")
        sample = text[:8192]
    else:
        # a character cut at the 32 KiB end is dropped; 8192 whole ones come before it
        sample = body[: 4 * 8192].decode("utf-8", errors="ignore")[:8192]
    delimiter = _delimiter(sample)
    frame = _csv_frame(body, delimiter, _sample_width(sample, delimiter))
    if frame is not None:
        sheet = Sheet(path, path.stem, frame=frame)
        sheet.unicode_only = not LEGACY_SIGN_UTF8.search(body)
        return [sheet]
    text = body.decode("utf-8") if text is None else text
    rows = [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    return [Sheet(path, path.stem, rows)]


def _delimiter(sample: str) -> str:
    """The field separator of a CSV file from its first 8,192 characters: the only one of
    comma, semicolon and tab that occurs (nearly every file: no need for ``csv.Sniffer``, whose
    regular expressions cost more than the rest of reading a small file), else the one
    ``csv.Sniffer`` finds, else tab where tabs outnumber commas, else comma."""
    present = [d for d in _DELIMITERS if d in sample]
    if len(present) == 1:
        return present[0]
    try:
        return csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        return "\t" if sample.count("\t") > sample.count(",") else ","


_DELIMITERS = ",;\t"


def _utf8_body(data: bytes) -> bytes | None:
    """``data`` less its byte-order mark when it is UTF-8, else None (see ``decode_text``).

    Checked by pyarrow, which accepts exactly what Python's strict UTF-8 decoder does."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    body = data[len(codecs.BOM_UTF8) :] if data.startswith(codecs.BOM_UTF8) else data
    try:
        pa.array([body], type=pa.large_binary()).cast(pa.large_string())
    except pa.ArrowInvalid:
        return None
    return body


def _sample_width(sample: str, delimiter: str) -> int:
    """The most cells in one row of the sample. A row cut at the sample's end has no more
    cells than the whole row, so this is never more than the file's widest row."""
    width = 0
    try:
        for row in csv.reader(io.StringIO(sample), delimiter=delimiter):
            width = max(width, len(row))
    except csv.Error:
        pass  # the rows before the one it cannot read still count
    return width


# a carriage return not followed by a line feed: csv.reader refuses or reads it its own way
_LONE_CR = re.compile(rb"\r(?!\n)")


def _csv_frame(body: bytes, delimiter: str, width: int) -> pd.DataFrame | None:
    """UTF-8 CSV bytes as a frame of ``width`` Arrow-backed string columns, cells exactly as
    ``csv.reader`` splits the text, short rows padded with ''; None when that cannot be
    promised, and the caller reads the text with ``csv.reader`` itself.

    pyarrow's reader is tried first (several times faster, no Python string per cell);
    it refuses rows of other widths, such as a title line above the header. pandas' C
    parser takes those (short rows padded); a row wider than the sample's widest ends both.
    Both split fields as ``csv.reader`` does (quotes, doubled quotes, quoted line breaks,
    CRLF) except at a lone CR, a NUL or a second byte-order mark, which go to ``csv.reader``.
    """
    if (
        width == 0
        or b"\x00" in body
        or body.startswith(codecs.BOM_UTF8)
        or (b"\r" in body and _LONE_CR.search(body))
    ):
        return None
    names = [str(c) for c in range(width)]
    try:
        table = pa_csv.read_csv(
            io.BytesIO(body),
            # one thread: files are read in parallel processes already
            read_options=pa_csv.ReadOptions(column_names=names, use_threads=False),
            parse_options=pa_csv.ParseOptions(
                delimiter=delimiter, newlines_in_values=True, ignore_empty_lines=False
            ),
            convert_options=pa_csv.ConvertOptions(
                # large_string is what pandas' Arrow strings hold: no cast afterwards
                column_types=dict.fromkeys(names, pa.large_string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        frame = table.to_pandas(types_mapper={pa.large_string(): _STR}.get)
    except pa.ArrowInvalid:
        try:
            frame = pd.read_csv(
                io.BytesIO(body),
                encoding="utf-8",
                sep=delimiter,
                engine="c",
                header=None,
                names=range(width),
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                skip_blank_lines=False,
            )
        except (pd.errors.ParserError, ValueError):
            return None
    frame.columns = pd.RangeIndex(width)
    frame.index = pd.RangeIndex(len(frame))
    return frame


def _sheet_parts(path: Path) -> dict[str, str]:
    """xlsx worksheet part name → sheet name, from workbook.xml and its relationships."""
    from defusedxml import ElementTree

    ns_main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    ns_rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    try:
        with zipfile.ZipFile(path) as zf:
            book = ElementTree.fromstring(zf.read("xl/workbook.xml"))
            rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError):
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    out = {}
    for sheet in book.iter(f"{ns_main}sheet"):
        target = targets.get(sheet.get(f"{ns_rel}id"), "").lstrip("/")
        part = target if target.startswith("xl/") else f"xl/{target}"
        out[part] = sheet.get("name", "")
    return out


def _read_calamine(path: Path, fmt: str, log: ProblemLog) -> list[Sheet]:
    uncalculated = check_zip(path) if fmt in ("xlsx", "ods") else {}
    with open(path, "rb") as fh:
        book = calamine.CalamineWorkbook.from_filelike(fh)
    stale: dict[str, list[str]] = {}
    if any(uncalculated.values()):
        names = _sheet_parts(path)
        stale = {names.get(part, part): refs for part, refs in uncalculated.items() if refs}
    sheets = []
    for meta in book.sheets_metadata:
        if str(meta.typ) != str(calamine.SheetTypeEnum.WorkSheet):
            continue
        sheet = book.get_sheet_by_name(meta.name)
        rows = sheet.to_python(skip_empty_area=False)
        merged = list(sheet.merged_cell_ranges or [])
        sheets.append(Sheet(path, meta.name, rows, merged))
        sheets[-1].uncalculated = stale.get(meta.name, [])
    return sheets


def report_uncalculated(sheet: Sheet, refs: list[str], log: ProblemLog) -> None:
    """The error for formula cells without a value in the columns that are read."""
    log.error(
        sheet.file,
        sheet.name,
        refs[0],
        nmsg(
            "{n} formula cell ({cells}) has no calculated value: the file was written by a "
            "program and never opened in a spreadsheet. Open it in Excel or LibreOffice and "
            "save it, so the values are calculated",
            "{n} formula cells ({cells}) have no calculated value: the file was written by a "
            "program and never opened in a spreadsheet. Open it in Excel or LibreOffice and "
            "save it, so the values are calculated",
            len(refs),
            cells=", ".join(refs[:5]) + (", …" if len(refs) > 5 else ""),
        ),
        rule="uncalculated",
    )


def read_workbook(path: Path, log: ProblemLog) -> list[Sheet]:
    """Every worksheet of one file; unreadable files become one error in ``log``."""
    fmt = sniff(path)
    try:
        if fmt == "csv":
            return _read_csv(path)
        if fmt in ("xlsx", "ods", "xls"):
            return _read_calamine(path, fmt, log)
    except calamine.PasswordError:
        fmt = "encrypted"
    except Refused as exc:
        log.error(path, None, None, msg("refused: {why}", why=reason(exc)), rule="refused")
        return []
    except (calamine.CalamineError, zipfile.BadZipFile, csv.Error, ValueError, OSError) as exc:
        log.error(
            path,
            None,
            None,
            msg(
                "cannot read this {format} file ({error}); is it damaged? Open it in Excel or "
                "LibreOffice and save it again.",
                format=fmt,
                error=reason(exc),
            ),
            rule="unreadable",
        )
        return []
    if fmt == "encrypted":
        log.error(
            path,
            None,
            None,
            msg(
                "the workbook is password-protected (encrypted); save an unprotected copy "
                "and load that."
            ),
            rule="encrypted",
        )
    elif fmt == "broken":
        log.error(
            path,
            None,
            None,
            msg(
                "the file looks like a workbook but its zip structure is broken (truncated "
                "download?); get a fresh copy."
            ),
            rule="unreadable",
        )
    else:
        log.error(
            path,
            None,
            None,
            msg(
                "not a spreadsheet (.xlsx, .xlsm, .xls, .ods or .csv) whatever its name "
                "says; remove it from the folder."
            ),
            rule="not-a-workbook",
        )
    return []
