"""Helpers for building fixture workbooks inside tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

from ngodong_analysis.schema import conform

Rows = list[list[object]]

# The members form's count headers, columns D..K of its second header row ("Trong đó" over
# the first three, "Biến động trong năm" over the five flows), as the offices write them.
MEMBER_COUNT_HEADERS = [
    "Đảng viên trẻ (dưới 35 tuổi)",
    "Nữ",
    "Miễn sinh hoạt",
    "Kết nạp",
    "Chuyển đến",
    "Chuyển đi",
    "Từ trần",
    "Xóa tên, khai trừ",
]

# The columns of two analysis results, in order, as the API reference documents them.
MEMBERSHIP_TOTALS_COLUMNS = [
    "year",
    "committee_id",
    "cells",
    "members",
    "young",
    "female",
    "exempt",
    "young_share",
    "growth",
    "growth_pct",
    "incomplete",
]
INCOME_CAGR_COLUMNS = [
    "committee_id",
    "area_id",
    "area",
    "start_year",
    "end_year",
    "start_value",
    "end_value",
    "cagr",
]


def write_xlsx(
    path: Path, sheets: dict[str, Rows], merges: dict[str, list[str]] | None = None
) -> Path:
    """Write ``sheets`` (name → rows from A1) to an .xlsx with openpyxl; ``merges`` names
    ranges such as "A1:D1" per sheet."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
        for rng in (merges or {}).get(name, []):
            ws.merge_cells(rng)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def table(name: str, header: str, rows: list[tuple]) -> pd.DataFrame:
    """A contract table (dtypes and all) from a space-separated header and row tuples."""
    return conform(pd.DataFrame(rows, columns=header.split()), name)


def one_committee(reference):
    """A pandas reference written for one committee's rows, its result given that
    committee's id (the column every analysis result carries): the input must hold one
    committee, so a reference can never stand in for a per-committee result it does not
    compute."""
    import functools

    @functools.wraps(reference)
    def run(table, *args, **kwargs):
        out = reference(table, *args, **kwargs).copy()
        ids = table["committee_id"].dropna().unique() if "committee_id" in table else []
        assert len(ids) <= 1, "this reference handles one committee's rows"
        out["committee_id"] = str(ids[0]) if len(ids) else "unnamed"
        return out

    return run


def run_generator(script: Path, out: Path) -> None:
    """Run a data generator script with ``--out out`` in a fresh interpreter, from ``out``'s
    parent (so nothing depends on the tests' working directory)."""
    subprocess.run(
        [sys.executable, str(script), "--out", str(out)],
        check=True,
        capture_output=True,
        cwd=out.parent,
    )
