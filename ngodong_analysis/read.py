"""Stage 1: any workbook → raw cell grids with positions.

The format is decided from the file's content, not its name. Spreadsheets are read with
python-calamine (fast, exposes merged ranges); CSV text with the standard library. Every
sheet comes back as a :class:`Sheet` whose ``rows[r][c]`` is the value of cell (r, c),
counted from A1, so problems can name cells exactly.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import python_calamine as calamine

from .guard import Refused, check_zip
from .problems import ProblemLog

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"

Merged = tuple[tuple[int, int], tuple[int, int]]


@dataclass
class Sheet:
    """One sheet's cells. ``rows[r][c]`` is cell (r, c) counted from A1; '' is empty."""

    file: Path
    name: str
    rows: list[list[object]]
    merged: list[Merged] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.file.name} › {self.name}"


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
        return exc.start >= len(blob) - 3
    return True


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
    text = decode_text(path.read_bytes())
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    rows = [list(r) for r in csv.reader(io.StringIO(text), delimiter=delimiter)]
    return [Sheet(path, path.stem, rows)]


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
        if meta.name in stale:
            refs = stale[meta.name]
            log.error(
                path,
                meta.name,
                refs[0],
                f"{len(refs)} formula cell(s) ({', '.join(refs[:5])}"
                f"{', …' if len(refs) > 5 else ''}) have no calculated value: the file "
                "was written by a program and never opened in a spreadsheet. Open it in "
                "Excel or LibreOffice and save it, so the values are calculated",
                rule="uncalculated",
            )
            continue
        sheet = book.get_sheet_by_name(meta.name)
        rows = sheet.to_python(skip_empty_area=False)
        merged = list(sheet.merged_cell_ranges or [])
        sheets.append(Sheet(path, meta.name, rows, merged))
    return sheets


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
        log.error(path, None, None, f"refused: {exc}", rule="refused")
        return []
    except (calamine.CalamineError, zipfile.BadZipFile, ValueError, OSError) as exc:
        log.error(
            path,
            None,
            None,
            f"cannot read this {fmt} file ({exc}); is it damaged? "
            "Open it in Excel or LibreOffice and save it again.",
            rule="unreadable",
        )
        return []
    if fmt == "encrypted":
        log.error(
            path,
            None,
            None,
            "the workbook is password-protected (encrypted); "
            "save an unprotected copy and load that.",
            rule="encrypted",
        )
    elif fmt == "broken":
        log.error(
            path,
            None,
            None,
            "the file looks like a workbook but its zip structure is "
            "broken (truncated download?); get a fresh copy.",
            rule="unreadable",
        )
    else:
        log.error(
            path,
            None,
            None,
            "not a spreadsheet (.xlsx, .xlsm, .xls, .ods or .csv) "
            "whatever its name says; remove it from the folder.",
            rule="not-a-workbook",
        )
    return []


def find_inputs(source: Path) -> list[Path]:
    """The input files under ``source`` (a folder, searched recursively, or one file).

    Hidden files, Office lock files (``~$…``) and README files are skipped.
    """
    if source.is_file():
        return [source]
    found: list[Path] = []
    for path in sorted(source.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(source)
        if any(part.startswith((".", "~$", "_")) for part in rel.parts):
            continue
        if path.name.lower().startswith("readme") or path.suffix.lower() in {".md", ".py"}:
            continue
        found.append(path)
    return found
