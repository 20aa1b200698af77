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


@dataclass
class ProblemLog:
    """Collects problems for one loading pass, with the current file and sheet as context."""

    problems: list[Problem] = field(default_factory=list)

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
        self.problems.append(Problem(name, sheet, cell, severity, message, value, rule))

    def error(self, file, sheet, cell, message, **kw) -> None:
        self.add(file, sheet, cell, "error", message, **kw)

    def warning(self, file, sheet, cell, message, **kw) -> None:
        self.add(file, sheet, cell, "warning", message, **kw)

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.problems)


def cell_name(row: int, col: int) -> str:
    """A1-style name of a zero-based (row, col)."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row + 1}"
