"""Problems found while reading data, and the error that carries them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from .i18n import Message, msg, nmsg, render

Severity = Literal["error", "warning"]


@dataclass(frozen=True, init=False, repr=False)
class Problem:
    """One thing wrong (or worth a look) in the input, with its place.

    ``str(problem)`` reads ``"ratings.xlsx › Năm 2019 › D7: nhãn xếp loại không rõ 'Khá' …"``.

    The message is kept as given — a :class:`~ngodong_analysis.i18n.Message` (msgid and
    arguments) from the loaders, or plain text — and rendered when read: ``.message`` and
    ``str()`` in the default language (:func:`~ngodong_analysis.i18n.language`),
    ``.render("en")`` / ``.describe("en")`` in the one asked for.
    """

    file: str
    sheet: str | None
    cell: str | None
    severity: Severity
    text: str | Message
    value: object = None
    rule: str = ""

    def __init__(
        self,
        file: str,
        sheet: str | None,
        cell: str | None,
        severity: Severity,
        message: str | Message,
        value: object = None,
        rule: str = "",
    ):
        for name, v in zip(
            ("file", "sheet", "cell", "severity", "text", "value", "rule"),
            (file, sheet, cell, severity, message, value, rule),
            strict=True,
        ):
            object.__setattr__(self, name, v)

    @property
    def message(self) -> str:
        """The message in the default language."""
        return render(self.text)

    def render(self, lang: str | None = None) -> str:
        """The message in ``lang`` ("vi" or "en"; default: the default language)."""
        return render(self.text, lang)

    def describe(self, lang: str | None = None) -> str:
        """Place and message: ``"ratings.xlsx › Năm 2019 › D7: …"``."""
        place = " › ".join(p for p in (self.file, self.sheet, self.cell) if p)
        text = self.render(lang)
        return f"{place}: {text}" if place else text

    def __str__(self) -> str:
        return self.describe()

    def __repr__(self) -> str:
        return (
            f"Problem(file={self.file!r}, sheet={self.sheet!r}, cell={self.cell!r}, "
            f"severity={self.severity!r}, message={self.message!r}, value={self.value!r}, "
            f"rule={self.rule!r})"
        )

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def as_dict(self, lang: str | None = None) -> dict[str, object]:
        """The problem as a row of :func:`problems_frame` (empty text for what is missing)."""
        row = dict(zip(PROBLEM_COLUMNS, _row(self, lang), strict=True))
        return {k: "" if v is None else v for k, v in row.items()}


PROBLEM_COLUMNS = ("file", "sheet", "cell", "severity", "rule", "message", "value")
"""Columns of :func:`problems_frame`, of ``problems.csv`` and of the report's problems sheet."""

SHOWN = 10  # problems listed by a DataError or a ProblemList before "… and N more"


def problems_frame(problems: Iterable[Problem], lang: str | None = None) -> pd.DataFrame:
    """The problems as a DataFrame, one row per problem, to filter like any other frame.

    Columns (:data:`PROBLEM_COLUMNS`, all pandas strings): ``file`` (path as named in the
    problem), ``sheet`` and ``cell`` ("D7"; missing for a problem of a whole file or sheet),
    ``severity`` ("error" or "warning"), ``rule`` (the kind of problem, e.g. "rating",
    "duplicate", "flows"), ``message`` (in ``lang``, "vi" or "en"; default: the default
    language, see :mod:`ngodong_analysis.i18n`) and ``value`` (the offending value as text,
    if any). Only the message is translated: places, values, severities and rules are the
    same in every language, to filter on.

    Parameters
    ----------
    problems : iterable of Problem
        Any problems: a ``DataError``'s, ``Dataset.problems``, :func:`validate`'s.
    lang : {"vi", "en"}, optional
        The language of the ``message`` column; by default the default language.

    Returns
    -------
    DataFrame
        One row per problem, in the order given, with the columns above.

    Examples
    --------
    >>> frame = nd.validate("data/raw").to_frame()   # or problems_frame(any list)
    >>> frame[frame.severity == "error"].groupby("rule").size()
    Series([], dtype: int64)
    """
    rows = [_row(p, lang) for p in problems]
    frame = pd.DataFrame(rows, columns=list(PROBLEM_COLUMNS), dtype=object)
    return frame.astype("string")


def _row(p: Problem, lang: str | None = None) -> tuple:
    value = p.value
    if value is not None and not isinstance(value, str):
        value = render(as_written(value), lang)  # 63, not "63.0" or "np.float64(63.0)"
    return (p.file, p.sheet or None, p.cell or None, p.severity, p.rule, p.render(lang), value)


def _listing(problems: list[Problem], errors: bool, lang: str | None = None) -> str:
    if not problems:
        return render(msg("no data errors") if errors else msg("no problems"), lang)
    head = "\n".join(f"  {p.describe(lang)}" for p in problems[:SHOWN])
    n = len(problems)
    if errors:
        title = nmsg("{n} data error:", "{n} data errors:", n)
    else:
        title = nmsg("{n} problem:", "{n} problems:", n)
    more = ""
    if n > SHOWN:
        hidden = n - SHOWN
        more = "\n  " + render(nmsg("… and {n} more", "… and {n} more", hidden), lang)
    return f"{render(title, lang)}\n{head}{more}"


def _counts(problems: list[Problem]) -> Message:
    errors = sum(p.is_error for p in problems)
    return msg(
        "{errors}, {warnings}",
        errors=nmsg("{n} error", "{n} errors", errors),
        warnings=nmsg("{n} warning", "{n} warnings", len(problems) - errors),
    )


class ProblemList(list):
    """A ``list`` of :class:`Problem` that also shows itself briefly and gives a frame.

    It is a list in every way (``len``, indexing, ``== []``); ``to_frame()`` gives
    :func:`problems_frame`, and in Jupyter it displays as a table of the first problems
    (messages and headers in the default language, see :mod:`ngodong_analysis.i18n`)."""

    def to_frame(self, lang: str | None = None) -> pd.DataFrame:
        return problems_frame(self, lang)

    def summary(self) -> pd.DataFrame:
        """Counts by severity and rule, errors first."""
        frame = self.to_frame()
        counts = frame.groupby(["severity", "rule"], dropna=False).size()
        counts = counts.rename("count").reset_index()
        return counts.sort_values(
            ["severity", "count"], ascending=[True, False], ignore_index=True
        )

    def describe(self, lang: str | None = None) -> str:
        """The counts and the first problems, as ``repr`` shows them, in ``lang``."""
        counts = render(_counts(list(self)), lang)
        return f"<{counts}>\n" + _listing(list(self), False, lang)

    def __repr__(self) -> str:
        return self.describe()

    def _repr_html_(self) -> str:
        head = f"<p>{render(_counts(list(self)))}</p>"
        if not self:
            return head
        frame = self.to_frame().head(SHOWN).fillna("")
        frame.columns = [render(c) for c in _column_titles()]
        table = frame.to_html(index=False, escape=True)
        more = ""
        if len(self) > SHOWN:
            hidden = len(self) - SHOWN
            more = (
                "<p>"
                + render(
                    nmsg(
                        "… and {n} more: <code>.to_frame()</code> lists them all",
                        "… and {n} more: <code>.to_frame()</code> lists them all",
                        hidden,
                    )
                )
                + "</p>"
            )
        return head + table + more


def _column_titles() -> tuple:
    """The headers of the problems table shown in Jupyter, per :data:`PROBLEM_COLUMNS`."""
    return (
        msg("file"),
        msg("sheet"),
        msg("cell"),
        msg("severity"),
        msg("rule"),
        msg("message"),
        msg("value"),
    )


class DataError(Exception):
    """Raised by the loaders when any error-level problem exists; ``.problems`` holds all
    (errors and warnings), ``.errors`` the errors; ``.problems.to_frame()`` as a table.

    ``str(error)`` lists the errors in the default language; ``.describe("en")`` in
    another."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = ProblemList(problems)
        super().__init__(self.describe())

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    def describe(self, lang: str | None = None) -> str:
        return (
            _listing(self.errors, True, lang)
            + "\n"
            + render(
                msg("(all of them: .problems.to_frame(), or `ngodong validate` on the folder)"),
                lang,
            )
        )

    def __str__(self) -> str:
        return self.describe()

    def _render_traceback_(self) -> list[str]:
        # IPython shows this instead of a traceback through the loader's internals
        return [f"DataError: {self}"]


MAX_PER_RULE = 50  # problems of one kind kept per sheet; the rest are counted in one line


@dataclass
class ProblemLog:
    """Collects problems for one loading pass.

    A broken column can make the same problem on every row; after :data:`MAX_PER_RULE` of one
    kind in one sheet the rest are only counted, and :meth:`finish` adds one line saying how
    many more there were."""

    problems: list[Problem] = field(default_factory=list)
    # the folder loaded: a file is named by its path under it ("giao-tien/xep_loai_2019.xlsx"),
    # so that two workbooks of one name in two folders are told apart
    root: Path | None = None
    # per (file, sheet, rule, severity): problems offered to add(), and those only counted
    _counts: dict[tuple, int] = field(default_factory=dict, repr=False)
    _more: dict[tuple, int] = field(default_factory=dict, repr=False)

    def add(
        self,
        file: str | Path,
        sheet: str | None,
        cell: str | None,
        severity: Severity,
        message: str | Message,
        *,
        value: object = None,
        rule: str = "",
    ) -> None:
        name = self.shown(file)
        group = (name, sheet, rule, severity)
        self._counts[group] = self._counts.get(group, 0) + 1
        if rule and self._counts[group] > MAX_PER_RULE:
            return
        self.problems.append(Problem(name, sheet, cell, severity, message, value, rule))

    def shown(self, file: str | Path) -> str:
        """A file as problems name it: its path under :attr:`root` (posix), else its name;
        text is taken as already shown."""
        if not isinstance(file, Path):
            return file
        return shown_path(file, self.root)

    def counted(self, file: str | Path, sheet: str | None, rule: str, severity: Severity) -> int:
        """Problems of this kind in this sheet so far, listed or only counted."""
        name = self.shown(file)
        group = (name, sheet, rule, severity)
        return self._counts.get(group, 0) + self._more.get(group, 0)

    def full(self, file: str | Path, sheet: str | None, rule: str, severity: Severity) -> bool:
        """True once problems of this kind in this sheet are only being counted."""
        return self.counted(file, sheet, rule, severity) >= MAX_PER_RULE

    def count(
        self, file: str | Path, sheet: str | None, rule: str, severity: Severity, more: int
    ) -> None:
        """Count ``more`` problems of a kind without building each message; problems added
        afterwards are still listed while the kind has room."""
        name = self.shown(file)
        group = (name, sheet, rule, severity)
        self._more[group] = self._more.get(group, 0) + more

    def room(
        self, file: str | Path, sheet: str | None, rule: str, severity: Severity, found: int
    ) -> int:
        """Of ``found`` new problems of a kind in a sheet, how many to list (the first ones);
        the rest are counted here, so "… and N more" stays exact without their messages."""
        listed = min(found, max(0, MAX_PER_RULE - self.counted(file, sheet, rule, severity)))
        if found > listed:
            self.count(file, sheet, rule, severity, found - listed)
        return listed

    def merge(self, other: ProblemLog) -> None:
        """Take in the problems and counts of another log (a worker's)."""
        self.problems.extend(other.problems)
        for mine, theirs in ((self._counts, other._counts), (self._more, other._more)):
            for group, n in theirs.items():
                mine[group] = mine.get(group, 0) + n

    def finish(self) -> list[Problem]:
        """The problems, with one line per kind that was cut short."""
        for group in dict.fromkeys([*self._counts, *self._more]):
            file, sheet, rule, severity = group
            listed = min(self._counts.get(group, 0), MAX_PER_RULE) if rule else 0
            hidden = self._counts.get(group, 0) - listed + self._more.get(group, 0)
            if rule and hidden > 0:
                self.problems.append(
                    Problem(
                        file,
                        sheet,
                        None,
                        severity,
                        nmsg(
                            "… and {n} more problem of this kind ({rule}) in this sheet, "
                            "not listed one by one",
                            "… and {n} more problems of this kind ({rule}) in this sheet, "
                            "not listed one by one",
                            hidden,
                            rule=rule,
                        ),
                        None,
                        rule,
                    )
                )
                self._counts[group], self._more[group] = listed, 0
        return self.problems

    def error(self, file, sheet, cell, message, **kw) -> None:
        self.add(file, sheet, cell, "error", message, **kw)

    def warning(self, file, sheet, cell, message, **kw) -> None:
        self.add(file, sheet, cell, "warning", message, **kw)

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.problems)


def shown_path(file: Path, root: Path | None) -> str:
    """``file`` as a problem names it: relative to the folder ``root`` (posix), else its
    name."""
    if root is not None:
        base = root if root.is_dir() else root.parent
        try:
            return file.relative_to(base).as_posix()
        except ValueError:
            pass
    return file.name


def as_written(value: object) -> str | Message:
    """A cell's value for a message, as the workbook shows it: ``63`` for 63.0 (never
    ``np.float64(63.0)``), ``2.5``, text in quotes (``'Khá'``), ``blank`` for nothing (a
    :class:`~ngodong_analysis.i18n.Message`: "trống" in Vietnamese)."""
    if value is None or (isinstance(value, float) and value != value):
        return msg("blank")
    if isinstance(value, str):
        return repr(value)
    if hasattr(value, "item"):  # a NumPy scalar: its Python value
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return f"{value:.15g}"
    return str(value)


def cell_name(row: int, col: int) -> str:
    """A1-style name of a zero-based (row, col)."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row + 1}"


def keep_first(
    log: ProblemLog, rows: pd.DataFrame, rule: str, severity: str = "warning"
) -> np.ndarray:
    """Positions (in ``rows``, the offending records) of those whose problem the log will
    keep: the first of each file and sheet, up to the room :data:`MAX_PER_RULE` leaves. The
    others are counted, never formatted — a broken column gives a problem per row, and at
    national scale building each message would take longer than loading the data."""
    if rows.empty:
        return np.zeros(0, dtype=np.intp)
    file_codes, files = pd.factorize(rows["_file"].astype(object), use_na_sentinel=False)
    sheet_codes, sheets = pd.factorize(rows["_sheet"].astype(object), use_na_sentinel=False)
    group = file_codes.astype(np.int64) * max(len(sheets), 1) + sheet_codes
    order = np.argsort(group, kind="stable")
    starts = np.flatnonzero(np.r_[True, group[order][1:] != group[order][:-1]])
    ends = np.r_[starts[1:], len(order)]
    keep: list[np.ndarray] = []
    for a, b in zip(starts, ends, strict=True):
        first = order[a]
        file = str(files[file_codes[first]])
        sheet = sheets[sheet_codes[first]]
        keep.append(order[a : a + log.room(file, sheet, rule, severity, b - a)])
    return np.sort(np.concatenate(keep))


# --- places of records (the loader's _file, _sheet, _row and _col_* columns) ---------------


def stack_records(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Records of several sheets (extract's frames) as one frame, with ``_file`` and
    ``_sheet`` made from each sheet's ``attrs`` as categorical columns: a code per record,
    not a text."""
    if not frames:
        return pd.DataFrame()
    records = pd.concat(frames, ignore_index=True)
    lengths = [len(f) for f in frames]
    for column, attr in (("_file", "file"), ("_sheet", "sheet")):
        codes, values = pd.factorize(pd.Series([f.attrs[attr] for f in frames], dtype=object))
        records[column] = pd.Categorical.from_codes(
            np.repeat(codes, lengths), categories=pd.Index(values, dtype=object)
        )
    records.attrs = {}
    return records


def place_of(frame: pd.DataFrame, field: str) -> pd.Series:
    """'file › sheet › D7' for each record's ``field`` cell."""
    col = frame.get(f"_col_{field}", frame["_name_col"]).fillna(frame["_name_col"])
    cells = [cell_name(int(r), int(c)) for r, c in zip(frame["_row"], col, strict=True)]
    files = frame["_file"].astype(object)  # as problems name them (ProblemLog.shown)
    sheets = frame["_sheet"].astype(object)
    return files + " › " + sheets + " › " + pd.Series(cells, index=frame.index)


def log_at(log: ProblemLog, place: str, severity: str, message: str, **kw) -> None:
    """Add a problem at ``place``, a :func:`place_of` string."""
    file, sheet, cell = (place.split(" › ") + [None, None])[:3]
    log.add(file, sheet, cell, severity, message, **kw)  # type: ignore[arg-type]
