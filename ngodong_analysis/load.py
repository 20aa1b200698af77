"""The public loaders: a folder (or one workbook) → a :class:`Dataset` of tidy tables.

read → detect → extract → assemble → validate, in one pass over every sheet of every file.
All problems of all files are collected; a bad file never hides what loaded elsewhere.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import sys
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ._docstrings import _load_docs, share_docs
from .committees import Assigner, CommitteeRegistry, heading
from .config import find_inputs, raw_data_dir, requested_workers
from .dataset import Dataset
from .i18n import msg, nmsg
from .ingest import assemble
from .ingest import validate as checks
from .ingest.detect import IGNORED_FIELDS, cell_text, detect
from .ingest.extract import extract
from .ingest.normalise import fix_legacy_text
from .ingest.read import Sheet, read_workbook, report_uncalculated
from .outputs import store
from .problems import DataError, Problem, ProblemList, ProblemLog, cell_name, stack_records
from .progress import Meter
from .schema import TABLES, conform, empty
from .text import fold
from .vocab import header_example, rating_period
from .workers import map_or_here

# Sheets of prose that come with templates ("Hướng dẫn"), skipped silently when headerless.
DOC_SHEETS = ("huong dan", "instructions", "ghi chu")


@dataclass
class LoadResult:
    dataset: Dataset
    problems: list[Problem]
    sheets: list[tuple[str, str, str | None]]  # (file, sheet, kind or None)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]


def _source(source: str | Path | None) -> Path:
    path = Path(source).expanduser() if source is not None else raw_data_dir()
    if not path.exists():
        raise FileNotFoundError(f"no such file or folder: {path}")
    return path


@dataclass
class FileRecords:
    """What one input file gave: raw records per table kind, its sheets, its problems."""

    parts: dict[str, list[pd.DataFrame]]
    sheets: list[tuple[str, str, str | None]]
    log: ProblemLog


def read_file(path: Path, root: Path | None = None) -> FileRecords:
    """Read, detect and extract every sheet of one file (run in a worker for big folders).

    Problems name the file by its path under ``root``, the folder loaded. Never raises: a
    sheet (or a file) this code cannot handle is an error problem naming it, and every
    other sheet and file is still read."""
    log = ProblemLog(root=root)
    parts: dict[str, list[pd.DataFrame]] = defaultdict(list)
    sheets: list[tuple[str, str, str | None]] = []
    try:
        for sheet in read_workbook(path, log):
            try:
                _read_sheet(sheet, log, parts, sheets)
            except Exception as exc:  # noqa: BLE001 - a bug must not lose the folder
                _internal(log, path, sheet.name, exc)
    except Exception as exc:  # noqa: BLE001 - as above, for the workbook as a whole
        _internal(log, path, None, exc)

    if (
        not any(kind for _, _, kind in sheets)
        and not log.problems
        and all(fold(name).startswith(DOC_SHEETS) or kind is None for _, name, kind in sheets)
    ):
        log.warning(
            path,
            None,
            None,
            msg(
                "the workbook holds no data (every sheet is empty or instructions only); "
                "nothing was read from it"
            ),
            rule="empty",
        )
    return FileRecords(dict(parts), sheets, log)


_KIND_NAMES = {
    "registry": msg("registry (Danh mục chi bộ)"),
    "members": msg("members"),
    "income": msg("income"),
    "member_ratings": msg("member ratings"),
    "cell_ratings": msg("cell ratings"),
    "committee_ratings": msg("committee ratings"),
    "rating_counts": msg("organisations' counts by rating"),
    "committee_registry": msg("committees registry (Danh mục đảng bộ)"),
}
_FIELD_NAMES = {
    "cell": msg("cell's name"),
    "unit": msg("committee's name"),
    "area": msg("area's name"),
}


_RATING_KINDS = ("cell_ratings", "committee_ratings", "member_ratings", "rating_counts")
_PERIOD_NAMES = {
    "quarter": msg("this sheet holds quarterly ratings"),
    "half-year": msg("this sheet holds half-yearly ratings"),
    "term": msg("this sheet holds whole-term ratings"),
}


def _period(sheet: Sheet, layout) -> str | None:
    """A rating period other than the year named by the sheet or its title lines."""
    texts = [sheet.name] + [
        " ".join(str(v) for v in sheet.row(r) if v not in (None, ""))
        for r in range(layout.header_rows[0])
    ]
    return next((p for t in texts if (p := rating_period(t))), None)


def _internal(log: ProblemLog, path: Path, sheet: str | None, exc: Exception) -> None:
    error = f"{type(exc).__name__}: {exc}"
    log.error(
        path,
        sheet,
        None,
        msg(
            "this sheet could not be read because of an error in ngodong_analysis ({error}); "
            "the other sheets and files were read. Please report it with this workbook",
            error=error,
        )
        if sheet is not None
        else msg(
            "this file could not be read because of an error in ngodong_analysis ({error}); "
            "the other sheets and files were read. Please report it with this workbook",
            error=error,
        ),
        rule="internal",
    )


def _read_sheet(
    sheet: Sheet,
    log: ProblemLog,
    parts: dict[str, list[pd.DataFrame]],
    sheets: list[tuple[str, str, str | None]],
) -> None:
    """Detect and extract one sheet into ``parts``; what it is goes to ``sheets``."""
    if sheet.is_empty():
        sheets.append((sheet.file.name, sheet.name, None))
        return  # empty sheets (Sheet2, Sheet3 of a new workbook) say nothing
    encoding, changed = (None, 0) if sheet.unicode_only else fix_legacy_text(sheet.frame)
    if changed:
        log.warning(
            sheet.file,
            sheet.name,
            None,
            nmsg(
                "{n} cell typed in the legacy {encoding} encoding (.VnTime/VNI fonts) was "
                "converted to Unicode; check a few names",
                "{n} cells typed in the legacy {encoding} encoding (.VnTime/VNI fonts) were "
                "converted to Unicode; check a few names",
                changed,
                encoding=encoding.upper(),
            ),
            rule="legacy-text",
        )
    layout = detect(sheet)
    if sheet.uncalculated and (layout is None or layout.kind is None):
        # what the sheet holds cannot be told without the values: say why, not "unknown"
        report_uncalculated(sheet, sheet.uncalculated, log)
        sheets.append((sheet.file.name, sheet.name, None))
        return
    if layout is None and fold(sheet.name).startswith(DOC_SHEETS):
        sheets.append((sheet.file.name, sheet.name, None))
        return  # the instructions sheet of a template says nothing about the data
    if layout is None or layout.kind is None:
        if layout is None:
            what = msg("no header row naming known columns")
        elif layout.incomplete is not None:
            kind, field = layout.incomplete
            what = msg(
                "its headers look like a {kind} table, but no column gives the {field} (a "
                "header such as {example})",
                kind=_KIND_NAMES.get(kind, kind),
                field=_FIELD_NAMES.get(field, field),
                example=repr(header_example(field)),
            )
        else:
            what = msg(
                "headers {headers} match no known table (cell ratings, members, member "
                "ratings, income, organisations' counts by rating, registry)",
                headers=", ".join(f"'{c.header}'" for c in layout.columns[:8]),
            )
        cell = None if layout is None else cell_name(layout.header_rows[0], 0)
        log.warning(
            sheet.file,
            sheet.name,
            cell,
            msg(
                "sheet skipped: {why}. See the README's input contract for the headers that "
                "are recognised",
                why=what,
            ),
            rule="unknown-sheet",
        )
        sheets.append((sheet.file.name, sheet.name, None))
        return
    period = _period(sheet, layout) if layout.kind in _RATING_KINDS else None
    if period is not None:
        log.warning(
            sheet.file,
            sheet.name,
            None,
            msg(
                "{what} (QĐ 366 adds them beside the yearly one), not the year's: it was not "
                "read. Keep the year's ratings on a sheet of their own",
                what=_PERIOD_NAMES.get(period, period),
            ),
            rule="period-ratings",
        )
        sheets.append((sheet.file.name, sheet.name, None))
        return
    yearless = (
        not layout.by_field("year")
        and layout.sheet_year is None
        and not any(c.year for c in layout.columns)
    )
    if layout.kind not in ("registry", "committee_registry") and yearless:
        log.error(
            sheet.file,
            sheet.name,
            None,
            msg(
                "no year found: add a 'Năm' column, name the sheet after the year "
                "('Năm 2019'), or put the year in the title ('… NĂM 2019')"
            ),
            rule="year",
        )
        sheets.append((sheet.file.name, sheet.name, layout.kind))
        return
    stale = _read_refs(sheet.uncalculated, layout)
    if stale:
        report_uncalculated(sheet, stale, log)
        sheets.append((sheet.file.name, sheet.name, layout.kind))
        return
    sheets.append((sheet.file.name, sheet.name, layout.kind))
    # the committee and its parent as the title block names them (committees.Assigner),
    # read before extract takes the sheet's frame
    named = heading(_title_lines(sheet, layout))
    frame = extract(sheet, layout, log)
    if len(frame):
        frame.attrs["title"], frame.attrs["parent"] = named.committee, named.parent
        frame.attrs["name_field"] = layout.name_field
        parts[layout.kind].append(frame)
        # a members sheet may also carry each cell's own rating: read both tables
        if layout.kind == "members" and (layout.by_field("rating") or layout.by_field("score")):
            parts["cell_ratings"].append(frame)


def _title_lines(sheet: Sheet, layout) -> list[str]:
    """The texts above the header, top to bottom, one per cell (a heading top left and the
    national motto top right share a row)."""
    return [
        text
        for r in range(layout.header_rows[0])
        for text in (cell_text(v) for v in sheet.row(r))
        if text
    ]


def _read_refs(refs: list[str], layout) -> list[str]:
    """The cells of ``refs`` ("D7") that lie in a column the layout reads: a formula without
    a value in a notes column, or one the loader ignores, changes nothing that is read."""
    if not refs:
        return []
    read = {
        c.index
        for c in layout.columns
        if c.field not in IGNORED_FIELDS
        and (c.field is not None or c.year is not None)
        and c.share is None  # a share is only checked: without its value it is not checked
    }
    return [r for r in refs if _column_index(r) in read]


def _column_index(ref: str) -> int:
    """Zero-based column of an A1-style reference."""
    col = 0
    for ch in ref:
        if not ch.isalpha():
            break
        col = col * 26 + ord(ch.upper()) - 64
    return col - 1


def _workers(n_files: int) -> int:
    """Processes for reading: NGODONG_WORKERS, else one per core once there are enough files
    to pay for starting them."""
    asked = requested_workers()
    if asked is not None:
        return asked
    return min(os.cpu_count() or 1, 8) if n_files >= 8 else 1


def _read_all(files: list[Path], root: Path, progress: bool | None = None) -> list[FileRecords]:
    """Every file read, in order: in helper processes when there are many (they never import
    the caller's script, see :mod:`.workers`), and here for whatever a helper could not do.

    ``progress`` as :class:`~ngodong_analysis.progress.Meter`'s ``show``: files are counted
    as their records arrive, on stderr."""
    with Meter(len(files), what="files", doing="reading", show=progress) as meter:
        return map_or_here(
            functools.partial(read_file, root=root),
            files,
            _workers(len(files)),
            done=meter.update,
        )


def _distinct(files: list[Path], root: Path, log: ProblemLog) -> list[Path]:
    """``files`` less exact copies of another file ("dang_vien_2024 - Copy.xlsx"): a copy
    would give every one of its rows twice. Only files of equal size are hashed."""
    by_size: dict[int, list[Path]] = defaultdict(list)
    for f in files:
        with contextlib.suppress(OSError):  # an unreadable file is read_file's to report
            by_size[f.stat().st_size].append(f)
    copies: set[Path] = set()
    for group in by_size.values():
        if len(group) < 2:
            continue
        by_hash: dict[str, list[Path]] = defaultdict(list)
        for f in group:
            try:
                with open(f, "rb") as fh:
                    by_hash[hashlib.file_digest(fh, "sha256").hexdigest()].append(f)
            except OSError:
                continue
        for same in by_hash.values():
            # the shortest name is the original: "x.xlsx" before "x - Copy.xlsx"
            keep, *rest = sorted(same, key=lambda f: (len(f.name), str(f)))
            for copy in rest:
                copies.add(copy)
                log.warning(
                    copy,
                    None,
                    None,
                    msg(
                        "this file repeats {original} byte for byte; it was read once. Delete "
                        "the copy if it is not needed",
                        original=_relative(keep, root),
                    ),
                    rule="duplicate-file",
                )
    return [f for f in files if f not in copies]


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root if root.is_dir() else root.parent).as_posix()
    except ValueError:
        return path.name


def load(
    source: str | Path | None = None,
    *,
    committee: str | None = None,
    progress: bool | None = None,
) -> LoadResult:
    """Read everything under ``source`` and return the tables with every problem found.

    Each row's committee comes from, first that applies, a committee column, the sheet's
    title block, the committees registry, the workbook's folder, and else the dataset's one
    committee: ``committee`` ("Đảng bộ xã Giao Tiến") names it, or the only one the data
    names.

    Files are read in parallel processes when there are many of them (``NGODONG_WORKERS``
    sets how many; 1 reads in this process). ``progress`` counts the files read on stderr,
    with the time left: ``True`` always (a live bar on a terminal or in Jupyter, plain lines
    in a log), ``False`` never, ``None`` (the default) a bar only for a folder of many files
    read where someone watches (a terminal, Jupyter) and silence in scripts' logs."""
    path = _source(source)
    log = ProblemLog(root=path)
    parts: dict[str, list[pd.DataFrame]] = defaultdict(list)
    sheets: list[tuple[str, str, str | None]] = []
    files = find_inputs(path)
    if not files:
        log.error(
            str(path),
            None,
            None,
            msg(
                "no workbooks found in {path}: put the committee's .xlsx, .xlsm, .xls, .ods "
                "or .csv files there (`ngodong template` writes blank ones), or name another "
                "folder",
                path=path,
            ),
            rule="no-input",
        )
    for found in _read_all(_distinct(files, path, log), path, progress):
        for kind, frames in found.parts.items():
            parts[kind].extend(frames)
        sheets.extend(found.sheets)
        log.merge(found.log)

    # every record gets its committee before ids are made: "tdp-2" is a cell of most of them
    registered = CommitteeRegistry.build(stack_records(parts.pop("committee_registry", [])), log)
    assigner = Assigner(registered, committee, log)
    for kind, frames in parts.items():
        for frame in frames:
            assigner.learn(frame, kind)
    assigned = {
        kind: [assigner.assign(frame, kind) for frame in frames] for kind, frames in parts.items()
    }
    parts.clear()

    def records(kind: str) -> pd.DataFrame:
        # each kind is taken once: let the pieces go
        return assigner.stack(assigned.pop(kind, []))

    # Each table drops its bookkeeping columns (places, raw names) as soon as the checks
    # that name cells are done with it: at national scale they are gigabytes.
    registry = assemble.Registry.build(records("registry"), log)
    # the income first: its records would otherwise wait through the members' stages
    income = assemble.income(records("income"), log)
    checks.check_income(income, log)
    income_t = _public(conform(income, "income", sort=False), "income") if len(income) else None
    del income
    cell_ratings = assemble.cell_ratings(records("cell_ratings"), registry, log)
    checks.check_cell_ratings(cell_ratings, log)
    counts = assemble.rating_counts(records("rating_counts"), log)
    checks.check_rating_counts(counts, cell_ratings, log)
    counts = _public(counts, "rating_counts")
    cell_ratings = _public(cell_ratings, "cell_ratings")
    _give_back(len(cell_ratings))
    committee_t = _public(
        assemble.committee_ratings(records("committee_ratings"), log), "committee_ratings"
    )
    members = assemble.members(records("members"), registry, log)
    # combine() leaves every merged table sorted by its key: no second sort
    members_t = conform(members, "members", sort=False) if len(members) else empty("members")
    del members  # the conformed copy keeps the places the checks need
    _give_back(len(members_t))
    rating_sheets = assemble.member_ratings(records("member_ratings"), registry, log)
    mr_t = assemble.member_ratings_from(members_t, rating_sheets, registry, log)
    # member ratings written only beside the members hold no cell or year the members lack
    mr_own_cells = len(rating_sheets) > 0
    del rating_sheets
    if mr_t.empty:
        mr_t = empty("member_ratings")
    checks.check_members(members_t, log)
    checks.check_member_ratings(mr_t, members_t, log)
    members_t, mr_t = _public(members_t, "members"), _public(mr_t, "member_ratings")
    _give_back(len(mr_t))
    committees = assigner.table()
    committee_t = assemble.name_committees(committee_t, committees)
    tables = {
        "committees": committees,
        "cells": _public(
            assemble.cells_table(
                registry, [cell_ratings, members_t, mr_t if mr_own_cells else pd.DataFrame()]
            ),
            "cells",
        ),
        "cell_ratings": cell_ratings,
        "committee_ratings": committee_t,
        "rating_counts": counts,
        "members": members_t,
        "member_ratings": mr_t,
        "income": empty("income") if income_t is None else income_t,
    }
    problems = log.finish()
    ds = Dataset.conformed(tables, [p for p in problems if not p.is_error])
    return LoadResult(ds, ProblemList(problems), sheets)


def _give_back(rows: int) -> None:
    """Hand the memory freed by a stage of a large load back to the system (glibc's
    ``malloc_trim``): pandas and numpy free millions of small arrays, and glibc keeps the
    holes, so the next stage would start from the last one's peak. Nothing on other C
    libraries or for small loads (a trim walks the whole heap)."""
    if rows < _TRIM_ROWS or not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # musl and other C libraries have none
        return
    trim(0)


_TRIM_ROWS = 500_000


def _public(df: pd.DataFrame, name: str) -> pd.DataFrame:
    """Drop the bookkeeping columns (places, raw names) the loaders carry, and a score read
    from a sheet of a table ``name`` whose contract has none (a members sheet's)."""
    contract = TABLES[name].columns
    drop = [
        c
        for c in df.columns
        if c not in contract and (c.startswith(("_", "mr:")) or c in ("name", "score"))
    ]
    return df.drop(columns=drop)


@share_docs(**_load_docs)
def load_dataset(
    source: str | Path | None = None,
    committee: str | None = None,
    *,
    use_processed: bool = True,
    progress: bool | None = None,
) -> Dataset:
    """Every table under ``source``, of any number of committees: each row carries its
    ``committee_id``. Raises :class:`DataError` holding all problems if any is an error;
    warnings are kept in ``Dataset.problems``.

    Parameters
    ----------
    {params.source}
    {params.committee}
    use_processed : bool
        When ``data/processed`` holds a build of exactly these inputs (same file hashes, same
        package version), read its Parquet tables instead of the workbooks: the same frames,
        many times faster (not when ``committee`` is given). ``False`` always reads the
        workbooks.
    {params.progress}

    Returns
    -------
    Dataset
        Every table of the contract (an empty frame for a table with no source data).

    Raises
    ------
    DataError
        When any problem is an error; it lists them all, warnings included.
    """
    if use_processed and committee is None:
        cached = store.from_processed(_source(source))
        if cached is not None:
            return cached
    result = load(source, committee=committee, progress=progress)
    if result.errors:
        raise DataError(result.problems)
    return result.dataset


@share_docs(**_load_docs)
def validate(
    source: str | Path | None = None,
    committee: str | None = None,
    *,
    progress: bool | None = None,
) -> list[Problem]:
    """Every problem under ``source``, errors and warnings; never raises for bad data.
    ``committee`` as in :func:`load_dataset`.

    Parameters
    ----------
    {params.source}
    {params.committee}
    {params.progress}

    Returns
    -------
    list of Problem
        Every problem, in file order; ``.to_frame()`` gives them as a DataFrame
        (:func:`~ngodong_analysis.problems.problems_frame`).
    """
    return ProblemList(load(source, committee=committee, progress=progress).problems)


def _table_loader(name: str, summary: str) -> Callable[..., pd.DataFrame]:
    """``load_<name>``: one table of :func:`load_dataset`, documented as the others."""

    def loader(
        source: str | Path | None = None,
        committee: str | None = None,
        *,
        progress: bool | None = None,
    ) -> pd.DataFrame:
        return getattr(load_dataset(source, committee, progress=progress), name)

    loader.__name__ = loader.__qualname__ = f"load_{name}"
    loader.__doc__ = f"""{summary}

    Parameters
    ----------
    {{params.source}}
    {{params.committee}}
    {{params.progress}}

    Returns
    -------
    DataFrame
        The ``{name}`` contract table (``load_dataset(source).{name}``).

    Raises
    ------
    DataError
        When any problem under ``source`` is an error.
    """
    return share_docs(**_load_docs)(loader)


load_cell_ratings = _table_loader(
    "cell_ratings",
    "Cell ratings: year, committee_id, cell_id, cell, rating, scale, rank, tier, score\n"
    "    (QĐ 366, from 2025; blank before).",
)
load_committee_ratings = _table_loader(
    "committee_ratings",
    "The grassroots committees' own ratings: year, committee_id, committee, rating, scale,\n"
    "    rank, tier, score.",
)
load_members = _table_loader("members", "Members and flows per cell and year.")
load_member_ratings = _table_loader(
    "member_ratings", "Member ratings per cell, year and rating (long)."
)
load_income = _table_loader(
    "income",
    "Income (million đồng per person per year) and households per area and year.",
)
