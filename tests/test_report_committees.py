"""report.xlsx's committees sheet: only with more than one committee, one row per committee of
the latest year with a native Excel chart; read back with openpyxl and checked against the
example's README (members and cells per committee, typed in by hand)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from openpyxl.chart import BarChart

import ngodong_analysis as nd
from ngodong_analysis.outputs.report import COMMITTEE_COLUMNS, sheet_names, write_report

EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "examples" / "giao-thuy"
# 2025, from the README's tables: members at 31 December and cells
README_2025 = {
    "bach-long": (255, 8),
    "giao-lac": (441, 12),
    "giao-thuy": (1164, 21),
    "giao-xuan": (332, 9),
}


@pytest.fixture(scope="module")
def example():
    return nd.load_dataset(EXAMPLE)


def _rows(ws) -> tuple[list[str], list[tuple]]:
    """The header and the rows of the sheet's table (the rows under the header row)."""
    values = list(ws.iter_rows(values_only=True))
    at = next(i for i, row in enumerate(values) if row[0] in ("Năm", "Year"))
    body = []
    for row in values[at + 1 :]:
        if row[0] is None:
            break
        body.append(row)
    return list(values[at]), body


def test_the_committees_sheet_follows_the_overview(example, tmp_path):
    wb = openpyxl.load_workbook(write_report(example, example.problems, tmp_path))
    assert wb.sheetnames[:2] == ["Tổng quan", "So sánh các đảng bộ"]
    ws = wb["So sánh các đảng bộ"]
    assert ws["A1"].value == "So sánh các đảng bộ, năm 2025"
    header, rows = _rows(ws)
    assert len(header) == len(COMMITTEE_COLUMNS)
    at = {name: header.index(label) for name, label in (
        ("id", "Mã đảng bộ"), ("members", "Số đảng viên"), ("cells", "Số chi bộ được xếp loại"),
        ("funnel", "Biểu đồ phễu: chi bộ bậc 1"), ("quota", "Quy định áp dụng"),
    )}  # fmt: skip
    found = {row[at["id"]]: (row[at["members"]], row[at["cells"]]) for row in rows}
    assert found == README_2025  # one row per committee of 2025; the merged three are gone
    assert {row[0] for row in rows} == {2025}
    assert {row[at["funnel"]] for row in rows} == {"Trong giới hạn"}
    assert {row[at["quota"]] for row in rows} == {"hd21-members"}


def test_the_committees_sheet_has_a_native_chart_of_its_shares(example, tmp_path):
    wb = openpyxl.load_workbook(write_report(example, example.problems, tmp_path, lang="en"))
    ws = wb["Committees compared"]
    (chart,) = ws._charts
    assert isinstance(chart, BarChart)
    header, rows = _rows(ws)
    first = next(i for i, row in enumerate(ws.iter_rows(values_only=True)) if row[0] == 2025)
    col = openpyxl.utils.get_column_letter
    titles = [s.tx.strRef.f for s in chart.series]
    shares = ("Share of cells at tier 1", "Share of members rated HTXSNV")
    share_cols = [col(header.index(h) + 1) for h in shares]
    assert titles == [f"'Committees compared'!{c}{first}" for c in share_cols]
    committee = col(header.index("Committee") + 1)
    (category,) = {s.cat.strRef.f for s in chart.series}  # text categories, both series
    assert category == f"'Committees compared'!${committee}${first + 1}:${committee}${first + 4}"
    # the cells at tier 1 of Giao Thủy, 3 of 21, read where the chart reads them
    share = header.index("Share of cells at tier 1")
    thuy = next(row for row in rows if row[1] == "giao-thuy")
    assert thuy[share] == pytest.approx(3 / 21)
    assert ws.cell(first + 1, share + 1).number_format == "0.0%"


def test_one_committee_gets_no_committees_sheet(tmp_path):
    ds = nd.load_dataset()  # the sample: one committee
    wb = openpyxl.load_workbook(write_report(ds, ds.problems, tmp_path))
    assert wb.sheetnames == [
        n for k, n in sheet_names().items() if k != "article" or "Đối chiếu bài báo" in n
    ]
    assert "So sánh các đảng bộ" not in wb.sheetnames


def test_a_roll_up_compares_todays_committees(example, tmp_path):
    rolled = nd.analysis.roll_up(example, as_of=2025)
    wb = openpyxl.load_workbook(write_report(rolled, rolled.problems, tmp_path))
    header, rows = _rows(wb["So sánh các đảng bộ"])
    members = header.index("Số đảng viên")
    assert {row[1]: row[members] for row in rows} == {k: v[0] for k, v in README_2025.items()}
