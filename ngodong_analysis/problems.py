"""Problems found while reading data, and the error that carries them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth a look) in the input, with its place.

    ``str(problem)`` reads ``"ratings.xlsx › Năm 2019 › D7: unknown rating 'Khá' …"``.
    """

    file: str
    sheet: str | None
    cell: str | None
    severity: Severity
    message: str
    value: object = None
    rule: str = ""

    def __str__(self) -> str:
        place = " › ".join(p for p in (self.file, self.sheet, self.cell) if p)
        return f"{place}: {self.message}" if place else self.message

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def as_dict(self) -> dict[str, object]:
        return {
            "severity": self.severity,
            "file": self.file,
            "sheet": self.sheet or "",
            "cell": self.cell or "",
            "rule": self.rule,
            "value": "" if self.value is None else str(self.value),
            "message": self.message,
        }


class DataError(Exception):
    """Raised by the loaders when any error-level problem exists; ``.problems`` holds all."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: list[Problem] = list(problems)
        errors = [p for p in self.problems if p.is_error]
        head = "\n".join(f"  {p}" for p in errors[:20])
        more = f"\n  … and {len(errors) - 20} more" if len(errors) > 20 else ""
        super().__init__(f"{len(errors)} data error(s):\n{head}{more}")

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]


MAX_PER_RULE = 50  # problems of one kind kept per sheet; the rest are counted in one line


@dataclass
class ProblemLog:
    """Collects problems for one loading pass.

    A broken column can make the same problem on every row; after :data:`MAX_PER_RULE` of one
    kind in one sheet the rest are only counted, and :meth:`finish` adds one line saying how
    many more there were."""

    problems: list[Problem] = field(default_factory=list)
    _counts: dict[tuple, int] = field(default_factory=dict, repr=False)

    def add(
        self,
        file: str | Path,
        sheet: str | None,
        cell: str | None,
        severity: Severity,
        message: str,
        *,
        value: object = None,
        rule: str = "",
    ) -> None:
        name = Path(file).name if isinstance(file, Path) else file
        group = (name, sheet, rule, severity)
        self._counts[group] = self._counts.get(group, 0) + 1
        if rule and self._counts[group] > MAX_PER_RULE:
            return
        self.problems.append(Problem(name, sheet, cell, severity, message, value, rule))

    def full(self, file: str | Path, sheet: str | None, rule: str, severity: Severity) -> bool:
        """True once problems of this kind in this sheet are only being counted."""
        name = Path(file).name if isinstance(file, Path) else file
        return self._counts.get((name, sheet, rule, severity), 0) >= MAX_PER_RULE

    def count(
        self, file: str | Path, sheet: str | None, rule: str, severity: Severity, more: int
    ) -> None:
        """Count ``more`` problems of a kind without building each message."""
        name = Path(file).name if isinstance(file, Path) else file
        group = (name, sheet, rule, severity)
        self._counts[group] = self._counts.get(group, 0) + more

    def merge(self, other: ProblemLog) -> None:
        """Take in the problems and counts of another log (a worker's)."""
        self.problems.extend(other.problems)
        for group, n in other._counts.items():
            self._counts[group] = self._counts.get(group, 0) + n

    def finish(self) -> list[Problem]:
        """The problems, with one line per kind that was cut short."""
        for (file, sheet, rule, severity), n in self._counts.items():
            if rule and n > MAX_PER_RULE:
                self.problems.append(
                    Problem(
                        file,
                        sheet,
                        None,
                        severity,
                        f"… and {n - MAX_PER_RULE} more problem(s) of this kind ({rule}) in this "
                        "sheet, not listed one by one",
                        None,
                        rule,
                    )
                )
                self._counts[(file, sheet, rule, severity)] = MAX_PER_RULE
        return self.problems

    def error(self, file, sheet, cell, message, **kw) -> None:
        self.add(file, sheet, cell, "error", message, **kw)

    def warning(self, file, sheet, cell, message, **kw) -> None:
        self.add(file, sheet, cell, "warning", message, **kw)

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.problems)


def as_written(value: object) -> str:
    """A cell's value for a message, as the workbook shows it: ``63`` for 63.0 (never
    ``np.float64(63.0)``), ``2.5``, text in quotes (``'Khá'``), ``blank`` for nothing."""
    if value is None or (isinstance(value, float) and value != value):
        return "blank"
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
