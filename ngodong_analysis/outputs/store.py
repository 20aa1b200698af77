"""The processed format: what a build writes to ``data/processed`` and how it is read back.

The build writes each table as Parquet (the fast path back into a :class:`Dataset`) and as CSV
(for Excel), and the problems beside them; :func:`from_processed` reads the Parquet tables back
when the manifest says they were built from exactly the inputs asked for. Both sides of the
format live here, so that the writer and the reader cannot drift apart.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import pandas as pd

from ..config import processed_data_dir
from ..dataset import TABLE_NAMES, Dataset
from ..problems import Problem, problems_frame
from .files import safe_csv

COMMIT = ".ngodong-commit.json"
"""Marker of a build whose outputs are being moved into place (see ``build.recover``)."""


def write_tables(
    ds: Dataset, problems: list[Problem], staging: Path, lang: str | None = None
) -> list[str]:
    """Every table of ``ds`` and the problems (messages in ``lang``; default: the default
    language), as Parquet and as CSV (UTF-8 with BOM, text that a spreadsheet would run as a
    formula neutralised), into ``staging``; returns the file names written."""
    written = []
    for name, df in ds.tables().items():
        df.to_parquet(staging / f"{name}.parquet", index=False)
        safe_csv(df).to_csv(
            staging / f"{name}.csv", index=False, encoding="utf-8-sig", lineterminator="\n"
        )
        written += [f"{name}.parquet", f"{name}.csv"]
    frame = problems_frame(problems, lang)  # the frame users get from .to_frame(lang)
    frame.to_parquet(staging / "problems.parquet", index=False)
    safe_csv(frame).to_csv(
        staging / "problems.csv", index=False, encoding="utf-8-sig", lineterminator="\n"
    )
    return [*written, "problems.csv", "problems.parquet"]


@cache
def code_fingerprint() -> str:
    """Hash of the package's own code, shipped tables and compiled message catalogs (a
    reworded message changes problems.csv). A processed build is reused only
    by the code that wrote it: a table gains a column (a score) or a rule changes without
    the version number changing, and a stale build would hand out the old tables."""
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if (
            path.is_file()
            and path.suffix in (".py", ".csv", ".mo")
            and "__pycache__" not in path.parts
        ):
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def from_processed(raw: Path, processed: Path | None = None) -> Dataset | None:
    """The Dataset a build wrote from ``raw``, if it is current; else None."""
    from .. import __version__
    from .manifest import describe_inputs, read_manifest

    out = processed or processed_data_dir()
    manifest = read_manifest(out)
    if (out / COMMIT).exists():
        return None  # an interrupted build is being completed
    if not manifest or manifest.get("raw") != str(raw.resolve()):
        return None
    if manifest.get("versions", {}).get("ngodong-analysis") != __version__:
        return None
    if manifest.get("code") != code_fingerprint():
        return None
    if manifest.get("inputs") != describe_inputs(raw):
        return None
    try:
        tables = {name: _read_parquet(out / f"{name}.parquet", name) for name in TABLE_NAMES}
        import pyarrow.parquet as pq

        # the problems become Problem objects: straight from Arrow, no frame in between
        problems = pq.ParquetFile(out / "problems.parquet").read().to_pylist()
    except (OSError, ValueError):
        return None
    kept = [
        Problem(
            r["file"] or "",
            r["sheet"] or None,
            r["cell"] or None,
            r["severity"],
            r["message"] or "",
            r["value"] or None,
            r["rule"] or "",
        )
        for r in problems
        if r["severity"] == "warning"
    ]
    return Dataset.conformed(tables, kept)


def _read_parquet(path: Path, name: str) -> pd.DataFrame:
    """One table of the build, as the frame that was written.

    ``ParquetFile`` reads a single file without loading pyarrow's dataset layer, which
    ``pandas.read_parquet`` imports first and which costs more than the read itself. The
    columns are then made straight from the contract's dtypes (:func:`_from_arrow`); that
    skips rebuilding them from the pandas metadata, which took most of the fast path's time
    on small tables. A file whose columns are not what the build writes goes through
    ``to_pandas`` (pandas metadata) instead.
    """
    import pyarrow.parquet as pq

    # a small file: pyarrow's thread pool and read-ahead cost more than they save
    small = path.stat().st_size < (8 << 20)
    table = pq.ParquetFile(path, pre_buffer=not small).read(use_threads=not small)
    frame = _from_arrow(table, name)
    return frame if frame is not None else table.to_pandas()


def _from_arrow(table, name: str) -> pd.DataFrame | None:
    """``table`` as a frame with the contract's dtypes for ``name``, or None when a column is
    not the Arrow type the build writes for it (then ``to_pandas`` decides)."""
    dtypes = _contract_dtypes(name)
    if table.schema.metadata and b"pandas" in table.schema.metadata:
        # the build writes no index; a file with one stored is not ours
        import json

        if json.loads(table.schema.metadata[b"pandas"]).get("index_columns"):
            return None
    data = {}
    for column, values in zip(table.column_names, table.columns, strict=True):
        dtype = dtypes.get(column)
        array = _column_from_arrow(values, dtype) if dtype is not None else None
        if array is None:
            return None
        data[column] = array
    return pd.DataFrame(data, index=pd.RangeIndex(table.num_rows))


@cache
def _contract_dtypes(name: str) -> dict[str, object]:
    """column → dtype object of a contract table (``CELL_CODES`` stays the marker)."""
    from ..schema import CELL_CODES, TABLES, is_cell_codes

    return {
        c: CELL_CODES if is_cell_codes(d) else pd.api.types.pandas_dtype(d)
        for c, d in TABLES[name].columns.items()
    }


def _column_from_arrow(values, dtype: object):
    """One Arrow column as the pandas array of ``dtype``, or None if its type is not the
    one a pandas column of that dtype is written as."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = values.type
    cell_codes = isinstance(dtype, str)  # the CELL_CODES marker: categories as they occur
    if cell_codes or isinstance(dtype, pd.CategoricalDtype):
        if not pa.types.is_dictionary(kind):
            return None
        values = values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
        codes = values.indices
        codes = (pc.fill_null(codes, -1) if codes.null_count else codes).to_numpy()
        if cell_codes:
            # categories as to_pandas gives them (pandas' default string dtype)
            categories = pd.Index(values.dictionary.to_pandas())
            dtype = pd.CategoricalDtype(categories, ordered=kind.ordered)
        elif kind.ordered != dtype.ordered or values.dictionary.to_pylist() != list(
            dtype.categories
        ):
            return None
        return pd.Categorical.from_codes(codes, dtype=dtype)
    if isinstance(dtype, pd.StringDtype):
        text = pa.types.is_string(kind) or pa.types.is_large_string(kind)
        return dtype.__from_arrow__(values) if text else None
    if isinstance(dtype, pd.api.extensions.ExtensionDtype) and hasattr(dtype, "__from_arrow__"):
        numeric = pa.types.is_integer(kind) or pa.types.is_floating(kind)
        if not numeric or np.dtype(dtype.numpy_dtype) != kind.to_pandas_dtype():
            return None
        return dtype.__from_arrow__(values)
    if isinstance(dtype, np.dtype) and (pa.types.is_integer(kind) or pa.types.is_floating(kind)):
        if values.null_count or np.dtype(kind.to_pandas_dtype()) != dtype:
            return None
        return values.to_numpy()
    return None
