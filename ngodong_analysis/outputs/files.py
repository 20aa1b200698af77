"""Files the package writes for people to open: safe and reproducible.

Text that a spreadsheet would run as a formula is neutralised in every CSV and XLSX written
(Parquet keeps the original). Workbooks (report, templates, the sample) get reproducible bytes
and are written atomically.

openpyxl stamps docProps/core.xml with the current time in ``save`` and writes zip entries
with the current time; here the document dates come from ``when`` and every zip entry gets the
same fixed time, so the same content always gives the same file.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import tempfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:  # openpyxl is imported where a workbook is written: `ngodong build` on
    from openpyxl import Workbook  # unchanged inputs writes none and need not load it

FIXED_TIME = dt.datetime(2000, 1, 1)


def save_reproducible(wb: Workbook, path: Path, *, when: dt.datetime = FIXED_TIME) -> Path:
    """Write ``wb`` to ``path`` atomically (a hidden temporary file, then a rename), with
    document dates and zip entry times set to ``when``; readable by everyone (0644)."""
    wb.properties.created = wb.properties.modified = when
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        from openpyxl.writer.excel import ExcelWriter

        ExcelWriter(wb, archive).write_data()  # unlike wb.save: keeps the fixed 'modified'
    out = io.BytesIO()
    stamp = when.timetuple()[:6]
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, src.read(info.filename))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(out.getvalue())
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide the file from other users
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def safe_csv(df: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells cannot be read as formulas by Excel; numbers untouched."""
    out = df.copy()
    for col in out.columns:
        if (
            out[col].dtype == object
            or pd.api.types.is_string_dtype(out[col])
            or isinstance(out[col].dtype, pd.CategoricalDtype)
        ):
            out[col] = out[col].astype(object).map(neutralise)
    return out
