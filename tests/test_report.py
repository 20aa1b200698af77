"""The Excel report: sheets, values, charts, formats, formula safety, empty data, bytes."""

from __future__ import annotations

import csv
import datetime as dt
import os
import shutil
import string
import subprocess
import sys
import unicodedata
import zipfile

import pandas as pd
import pytest
from openpyxl import load_workbook
from openpyxl.chart import LineChart
from openpyxl.worksheet.cell_range import CellRange

from ngodong_analysis import analysis
from ngodong_analysis.config import resource
from ngodong_analysis.dataset import Dataset
from ngodong_analysis.outputs.report import (
    FILENAME,
    report_labels,
    sheet_names,
    write_report,
)
from ngodong_analysis.problems import Problem
from ngodong_analysis.schema import conform

LANGS = ("vi", "en")
TOPICS = ("ratings", "members", "income")
VI_SHEETS = [
    "Tổng quan",
    "Xếp loại chi bộ",
    "Đảng viên",
    "Thu nhập – hộ nghèo",
    "Đối chiếu bài báo",
    "Vấn đề",
]


@pytest.fixture(scope="module")
def reports(sample, tmp_path_factory):
    """The sample's report in each language: lang → (path, workbook)."""
    out = {}
    for lang in LANGS:
        path = write_report(
            sample, sample.problems, tmp_path_factory.mktemp(lang) / FILENAME, lang=lang
        )
        out[lang] = (path, load_workbook(path))
    return out


def sheet(reports, lang: str, key: str):
    return reports[lang][1][sheet_names(lang)[key]]


def find_row(ws, text: str, column: int = 1) -> int:
    """The first row whose cell in ``column`` holds ``text``."""
    for row in range(1, ws.max_row + 1):
        if ws.cell(row, column).value == text:
            return row
    raise AssertionError(f"{text!r} not found in column {column} of {ws.title!r}")


def header_columns(ws, row: int) -> dict[object, int]:
    """Heading → column of a header row."""
    return {
        ws.cell(row, c).value: c
        for c in range(1, ws.max_column + 1)
        if ws.cell(row, c).value is not None
    }


def column_values(ws, column: int, first: int, count: int) -> list[object]:
    return [ws.cell(first + i, column).value for i in range(count)]


def as_cell(value: object) -> object:
    """What a frame value should look like in the workbook."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, int | float):
        return value
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def cells_equal(written: list[object], values: list[object]) -> bool:
    """Written cells equal frame values; floats to openpyxl's 16 significant digits."""
    expected = [as_cell(v) for v in values]
    if len(written) != len(expected):
        return False
    for got, want in zip(written, expected, strict=True):
        if isinstance(want, float) and not isinstance(got, str | type(None)):
            if got != pytest.approx(want, rel=1e-14, abs=0):
                return False
        elif got != want or type(got) is not type(want):
            return False
    return True


def title_text(title) -> str:
    return "".join(run.t for p in title.tx.rich.p for run in (p.r or []))


def ref_cells(ws, formula: str):
    """Sheet name and cells of a chart reference such as "'Đảng viên'!$C$5:$C$9"."""
    sheet_part, _, area = formula.rpartition("!")
    name = sheet_part[1:-1].replace("''", "'") if sheet_part.startswith("'") else sheet_part
    rng = CellRange(area.replace("$", ""))
    rows = range(rng.min_row, rng.max_row + 1)
    columns = range(rng.min_col, rng.max_col + 1)
    return name, [ws.cell(r, c) for r in rows for c in columns]


# --- sheets ----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_expected_sheets_in_each_language(reports, lang):
    wb = reports[lang][1]
    assert wb.sheetnames == list(sheet_names(lang).values())
    assert len(set(wb.sheetnames)) == 6
    if lang == "vi":
        assert wb.sheetnames == VI_SHEETS
    else:
        assert not set(wb.sheetnames) & set(VI_SHEETS)
        assert wb.sheetnames[0] == "Overview"


def test_unknown_language_is_refused(sample, tmp_path):
    with pytest.raises(ValueError, match="lang"):
        write_report(sample, [], tmp_path / FILENAME, lang="fr")


@pytest.mark.parametrize("lang", LANGS)
def test_every_sheet_has_a_title_a_bold_filled_header_and_frozen_panes(reports, lang):
    text = report_labels(lang)
    for key in sheet_names(lang):
        ws = sheet(reports, lang, key)
        assert ws["A1"].value == text(f"title_{key}")
        assert ws["A1"].font.b
        assert ws.freeze_panes is not None, ws.title
    for key, first_heading in (("overview", "col_year"), ("article", "col_id")):
        ws = sheet(reports, lang, key)
        header = find_row(ws, text(first_heading))
        for cell in ws[header]:
            if cell.value is not None:
                assert cell.font.b and cell.fill.fill_type == "solid", cell.coordinate
        # frozen just under the header (and, on the overview, right of the year column)
        assert ws.freeze_panes == f"{'B' if key == 'overview' else 'A'}{header + 1}"
    problems = sheet(reports, lang, "problems")
    assert problems.freeze_panes == f"A{find_row(problems, text('col_problem_severity')) + 1}"
    for key in TOPICS:
        assert sheet(reports, lang, key).freeze_panes == "A2"  # the sheet's title stays


@pytest.mark.parametrize("lang", LANGS)
def test_column_widths_are_fitted_and_capped(reports, lang):
    for key in sheet_names(lang):
        ws = sheet(reports, lang, key)
        widths = {k: d.width for k, d in ws.column_dimensions.items() if d.width}
        assert "A" in widths, ws.title
        assert all(6 <= w <= 60 for w in widths.values()), (ws.title, widths)
    grid = sheet(reports, lang, "ratings")
    # the cell names of the rating grid need more room than a year
    assert grid.column_dimensions["A"].width > 20
    assert sheet(reports, lang, "overview").column_dimensions["A"].width < 10


# --- the overview ----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_overview_table_equals_yearly_summary(sample, reports, lang):
    text = report_labels(lang)
    ws = sheet(reports, lang, "overview")
    # one committee's report: its committee_id is the sheet's, not a column
    summary = analysis.yearly_summary(sample).drop(columns="committee_id")
    header = find_row(ws, text("col_year"))
    columns = header_columns(ws, header)
    assert list(columns) == [text(f"col_{c}") for c in summary.columns]
    for name, heading in zip(summary.columns, columns, strict=True):
        written = column_values(ws, columns[heading], header + 1, len(summary))
        assert cells_equal(written, summary[name].tolist()), (name, written)
    assert ws.cell(header + 1 + len(summary), 1).value is None  # nothing below the table


@pytest.mark.parametrize("lang", LANGS)
def test_overview_text_block(sample, reports, lang):
    text = report_labels(lang)
    ws = sheet(reports, lang, "overview")
    block = [ws.cell(r, 1).value for r in range(2, find_row(ws, text("col_year")))]
    unit = sample.committee_ratings["committee"].iloc[-1]
    assert text("info_committee", unit=unit) in block
    assert text("info_years", years="2015–2019") in block
    assert text("info_cells", count=12) in block
    members = analysis.membership_totals(sample.members).iloc[-1]
    assert text("info_members", year=int(members["year"]), count=int(members["members"])) in block
    assert (
        text("info_problems", errors=0, warnings=0, sheet=sheet_names(lang)["problems"]) in block
    )


# --- number formats --------------------------------------------------------------------------

COUNT, FRACTION, ONE_DECIMAL, YEAR = "#,##0", "0.0%", "0.0", "0"


@pytest.mark.parametrize("lang", LANGS)
def test_number_formats_follow_the_units(sample, reports, lang):
    text = report_labels(lang)
    expected = {
        "overview": {
            "col_year": YEAR,
            "col_cells_rated": COUNT,
            "col_members": COUNT,
            "col_admitted": COUNT,
            "col_poor_households": COUNT,
            "col_young_share": FRACTION,  # fraction 0–1
            "col_well_or_above_share": FRACTION,
            "col_mean_income": ONE_DECIMAL,  # million đồng
        },
        "members": {
            "col_members": COUNT,
            "col_young_share": FRACTION,
            "col_growth": COUNT,
            "col_growth_pct": ONE_DECIMAL,  # already percent: not 0.0%
            "col_rated_denominator": COUNT,
        },
        "income": {"col_poor_rate": FRACTION, "col_households": COUNT},
    }
    for key, formats in expected.items():
        ws = sheet(reports, lang, key)
        for label_key, fmt in formats.items():
            row = find_row(ws, text(label_key), column=_column_holding(ws, text(label_key)))
            column = _column_holding(ws, text(label_key))
            numbers = [
                ws.cell(r, column)
                for r in range(row + 1, row + 6)
                if isinstance(ws.cell(r, column).value, int | float)
            ]
            assert numbers, (key, label_key)
            assert {c.number_format for c in numbers} == {fmt}, (key, label_key)
    members = sheet(reports, lang, "members")
    share_heading = text("share_of", rating=text("mrating_HTXSNV"))
    column = _column_holding(members, share_heading)
    row = find_row(members, share_heading, column)
    assert members.cell(row + 1, column).number_format == FRACTION
    income = sheet(reports, lang, "income")
    cagr = _column_holding(income, text("col_cagr"))
    assert (
        income.cell(find_row(income, text("col_cagr"), cagr) + 1, cagr).number_format == FRACTION
    )
    area = find_row(income, text("col_area"))
    assert income.cell(area + 1, 2).number_format == ONE_DECIMAL  # income per capita


def _column_holding(ws, value: object) -> int:
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == value:
                return cell.column
    raise AssertionError(f"{value!r} not on {ws.title!r}")


# --- charts ----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("key", TOPICS)
def test_topic_sheets_have_native_charts_over_their_own_tables(reports, lang, key):
    text = report_labels(lang)
    ws = sheet(reports, lang, key)
    assert ws._charts, ws.title
    assert not ws._images  # charts, not pictures
    titles = {text(k) for k in _label_keys() if k.startswith("chart_")}
    axis_titles = {text(k) for k in _label_keys() if k.startswith("axis_")}
    for chart in ws._charts:
        assert title_text(chart.title) in titles
        assert title_text(chart.x_axis.title) == text("axis_year")
        assert title_text(chart.y_axis.title) in axis_titles
        assert chart.series
        for series in chart.series:
            name, cells = ref_cells(ws, series.val.numRef.f)
            assert name == ws.title
            values = [c.value for c in cells]
            assert any(isinstance(v, int | float) for v in values), series.val.numRef.f
            assert all(v is None or isinstance(v, int | float) for v in values)
            name, (title_cell,) = ref_cells(ws, series.tx.strRef.f)
            assert name == ws.title and isinstance(title_cell.value, str)
            category = series.cat.numRef or series.cat.strRef
            name, cells = ref_cells(ws, category.f)
            assert name == ws.title
            assert len(cells) == len(values)
            assert all(isinstance(c.value, int) and 1990 < c.value < 2100 for c in cells)
    if key == "income":
        assert any(isinstance(chart, LineChart) for chart in ws._charts)


def test_the_rating_mix_chart_stacks_the_counts_of_each_level(sample, reports):
    text = report_labels("vi")
    ws = sheet(reports, "vi", "ratings")
    chart = ws._charts[0]
    assert chart.grouping == "stacked"
    mix = analysis.rating_mix(sample.cell_ratings)
    for level, series in enumerate(chart.series, start=1):
        _, (title,) = ref_cells(ws, series.tx.strRef.f)
        assert title.value == text(f"rank_{level}")
        _, cells = ref_cells(ws, series.val.numRef.f)
        assert [c.value for c in cells] == mix.loc[mix["level"] == level, "count"].tolist()


# --- ratings grid, members, quota ------------------------------------------------------------


def test_rating_grid_codes_coloured_by_rank(sample, reports):
    text = report_labels("vi")
    ws = sheet(reports, "vi", "ratings")
    header = find_row(ws, text("col_cell"))
    years = header_columns(ws, header)
    assert [y for y in years if isinstance(y, int)] == [2015, 2016, 2017, 2018, 2019]
    row = find_row(ws, "Chi bộ Tổ dân phố số 2")
    cell = ws.cell(row, years[2019])
    assert cell.value == "HTXSNV"
    rated = sample.cell_ratings.set_index(["cell_id", "year"])
    assert rated.at[("tdp-2", 2019), "rank"] == 1
    level_1 = ws.cell(find_row(ws, text("rank_1")), 1).fill.fgColor.rgb
    assert cell.fill.fgColor.rgb == level_1
    weaker = ws.cell(find_row(ws, "Chi bộ Tổ dân phố số 3"), years[2019])
    assert weaker.value == "HTTNV" and weaker.fill.fgColor.rgb != level_1
    notes = [ws.cell(r, 1).value for r in range(2, 5)]
    assert text("rule_change_note", year=2018, rule=text("scale_qd132")) in notes


def test_scores_stand_beside_the_codes_of_the_years_that_have_them(tmp_path):
    ratings = conform(
        pd.DataFrame(
            {
                "year": [2024, 2024, 2025, 2025],
                "cell_id": ["a", "b", "a", "b"],
                "cell": ["Chi bộ A", "Chi bộ B", "Chi bộ A", "Chi bộ B"],
                "rating": ["HTTNV", "HTNV", "HTXSNV", "HTTNV"],
                "rank": [2, 3, 1, 2],
                "score": [None, None, 92.5, None],
            }
        ),
        "cell_ratings",
    )
    committee = conform(
        pd.DataFrame(
            {
                "year": [2024, 2025],
                "committee": "Đảng bộ xã X",
                "rating": "HTTNV",
                "score": [None, 88],
            }
        ),
        "committee_ratings",
    )
    ds = Dataset(cell_ratings=ratings, committee_ratings=committee)
    text = report_labels("vi")
    wb = load_workbook(write_report(ds, [], tmp_path / FILENAME))
    ws = wb[sheet_names()["ratings"]]
    header = find_row(ws, text("col_cell"))
    columns = header_columns(ws, header)
    assert list(columns) == [text("col_cell"), 2024, 2025, text("col_score_year", year=2025)]
    score = columns[text("col_score_year", year=2025)]
    assert columns[2025] + 1 == score  # beside the year's codes
    a, b = find_row(ws, "Chi bộ A"), find_row(ws, "Chi bộ B")
    assert (ws.cell(a, columns[2025]).value, ws.cell(a, score).value) == ("HTXSNV", 92.5)
    assert ws.cell(b, columns[2025]).value == "HTTNV" and ws.cell(b, score).value is None
    overview = wb[sheet_names()["overview"]]
    top = find_row(overview, text("col_year"))
    committee_score = header_columns(overview, top)[text("col_committee_score")]
    assert column_values(overview, committee_score, top + 1, 2) == [None, 88]


def test_member_ratings_state_their_denominator(sample, reports):
    text = report_labels("en")
    ws = sheet(reports, "en", "members")
    assert _column_holding(ws, text("denominator_note")) == 1
    column = _column_holding(ws, text("col_rated_denominator"))
    row = find_row(ws, text("col_rated_denominator"), column)
    well = analysis.well_or_above_share(sample.member_ratings)
    assert cells_equal(column_values(ws, column, row + 1, len(well)), well["rated"].tolist())
    share = _column_holding(ws, text("col_well_or_above_share"))
    assert cells_equal(column_values(ws, share, row + 1, len(well)), well["share"].tolist())
    assert _column_holding(ws, text("quota_ok")) == 1  # no cell breaks the quota in the sample


# --- article check ---------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_article_sheet_shows_every_checkable_figure_passing(sample, reports, lang):
    text = report_labels(lang)
    ws = sheet(reports, lang, "article")
    expected = analysis.reconcile(sample)
    header = find_row(ws, text("col_id"))
    columns = header_columns(ws, header)
    ids = column_values(ws, columns[text("col_id")], header + 1, len(expected))
    assert ids == expected["id"].tolist()
    figures = analysis.article_figures()
    assert ids == figures.loc[figures["checkable"] == "yes", "id"].tolist()
    for name in ("claim", "expected", "computed"):
        written = column_values(ws, columns[text(f"col_{name}")], header + 1, len(expected))
        assert written == expected[name].tolist()
    status = columns[text("col_status")]
    cells = [ws.cell(header + 1 + i, status) for i in range(len(expected))]
    assert {c.value for c in cells} == {text("status_pass")}
    assert {c.fill.fgColor.rgb for c in cells} == {"00C6EFCE"}  # green
    if lang == "en":
        assert {c.value for c in cells} == {"pass"}


# --- formula safety --------------------------------------------------------------------------


def _hostile() -> tuple[Dataset, list[Problem]]:
    ratings = conform(
        pd.DataFrame(
            {
                "year": [2018, 2019],
                "cell_id": "x",
                "cell": "=cmd|' /C calc'!A0",
                "rating": ["HTTNV", "HTXSNV"],
                "rank": [2, 1],
                "tier": [2, 1],
            }
        ),
        "cell_ratings",
    )
    member_ratings = conform(
        pd.DataFrame(
            {
                "year": 2019,
                "cell_id": "x",
                "cell": "=cmd",
                "rating": ["HTXSNV", "HTTNV"],
                "count": [5, 3],
            }
        ),
        "member_ratings",
    )
    committee = conform(
        pd.DataFrame({"year": [2019], "committee": ["+SUM(A1:A9)"], "rating": ["HTTNV"]}),
        "committee_ratings",
    )
    problems = [Problem("=evil.xlsx", "@sheet", "B2", "warning", "-2+3 odd value", value="=1")]
    ds = Dataset(cell_ratings=ratings, member_ratings=member_ratings, committee_ratings=committee)
    return ds, problems


@pytest.mark.parametrize("lang", LANGS)
def test_text_from_the_data_cannot_run_as_a_formula(tmp_path, lang):
    ds, problems = _hostile()
    wb = load_workbook(write_report(ds, problems, tmp_path / FILENAME, lang=lang))
    values = []
    for ws in wb:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                values.append(cell.value)
    assert "'=cmd|' /C calc'!A0" in values  # rating grid
    assert {"'=evil.xlsx", "'@sheet", "'-2+3 odd value"} <= set(values)  # problems sheet
    assert not any(isinstance(v, str) and v.startswith(("=", "+", "-", "@")) for v in values)
    members = wb[sheet_names(lang)["members"]]
    # the committee's 2019 breach (5 excellent > 20% of 3 well), with the rule it breaks
    assert _column_holding(members, "HD 21-HD/BTCTW (2019)")
    # numbers stay numbers
    ratings = wb[sheet_names(lang)["ratings"]]
    row = find_row(ratings, 2019)
    assert ratings.cell(row, 2).value == 1 and ratings.cell(row, 2).data_type == "n"


# --- empty and partial data ------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_an_empty_dataset_gives_a_valid_workbook_with_no_data_notes(tmp_path, lang):
    text = report_labels(lang)
    path = write_report(Dataset(), [], tmp_path / FILENAME, lang=lang)
    wb = load_workbook(path)
    names = sheet_names(lang)
    # no committee, so not the article's: no article sheet of seventeen "no data" rows
    assert wb.sheetnames == [n for key, n in names.items() if key != "article"]
    for key in TOPICS:
        ws = wb[sheet_names(lang)[key]]
        assert not ws._charts
        assert _column_holding(ws, text("no_data")) == 1
    overview = wb[sheet_names(lang)["overview"]]
    assert text("info_no_years") in [c.value for c in overview["A"]]
    problems = wb[sheet_names(lang)["problems"]]
    assert _column_holding(problems, text("no_problems")) == 1
    asked = write_report(Dataset(), [], tmp_path / "asked.xlsx", lang=lang, article=True)
    article = load_workbook(asked)[sheet_names(lang)["article"]]
    status = _column_holding(article, text("col_status"))
    header = find_row(article, text("col_status"), status)
    cells = next(article.iter_cols(min_col=status, max_col=status, min_row=header + 1))
    assert len(cells) == len(analysis.reconcile(Dataset()))
    assert {c.value for c in cells} == {text("status_no_data")}


def test_a_dataset_with_only_ratings(sample, tmp_path):
    text = report_labels("vi")
    ds = Dataset(cell_ratings=sample.cell_ratings)
    wb = load_workbook(write_report(ds, [], tmp_path / FILENAME))
    assert len(wb[sheet_names()["ratings"]]._charts) == 2
    for key in ("members", "income"):
        assert _column_holding(wb[sheet_names()[key]], text("no_data")) == 1
    overview = wb[sheet_names()["overview"]]
    header = find_row(overview, text("col_year"))
    members = header_columns(overview, header)[text("col_members")]
    assert column_values(overview, members, header + 1, 5) == [None] * 5


def test_problems_are_listed_with_their_places(sample, tmp_path):
    text = report_labels("en")
    problems = [
        Problem("ratings.xlsx", "Năm 2019", "D7", "error", "unknown rating 'Khá'"),
        Problem("income.xlsx", None, None, "warning", "totals row differs"),
    ]
    wb = load_workbook(write_report(sample, problems, tmp_path / FILENAME, lang="en"))
    ws = wb[sheet_names("en")["problems"]]
    header = find_row(ws, text("col_problem_severity"))
    rows = [[c.value for c in ws[header + i]] for i in (1, 2)]
    assert rows == [
        ["error", "ratings.xlsx", "Năm 2019", "D7", "unknown rating 'Khá'"],
        ["warning", "income.xlsx", None, None, "totals row differs"],
    ]
    overview = wb[sheet_names("en")["overview"]]
    line = text("info_problems", errors=1, warnings=1, sheet=ws.title)
    assert line in [c.value for c in overview["A"]]


# --- files -----------------------------------------------------------------------------------


def test_same_data_gives_the_same_bytes(sample, tmp_path):
    first = write_report(sample, [], tmp_path / "a.xlsx")
    second = write_report(sample, [], tmp_path / "b.xlsx")
    assert first.read_bytes() == second.read_bytes()
    props = load_workbook(first).properties
    assert props.created == props.modified == dt.datetime(2000, 1, 1)


def test_a_folder_gets_report_xlsx_and_the_build_stage_returns_it(sample_dir, tmp_path):
    from ngodong_analysis.build import write_report_file
    from ngodong_analysis.load import load

    result = load(sample_dir)
    messages: list[str] = []
    assert write_report_file(result, tmp_path, "en", messages.append) == [FILENAME]
    assert (tmp_path / FILENAME).is_file()
    assert write_report(result.dataset, [], tmp_path) == tmp_path / FILENAME


def test_importing_the_report_does_not_import_the_build():
    # build.py registers its stages at import time, so it may import this module at its top.
    code = (
        "import sys, ngodong_analysis.outputs.report; "
        "print('ngodong_analysis.build' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_libreoffice_opens_the_report(reports, tmp_path):
    """LibreOffice reads the report and keeps its native charts (CI installs it)."""
    soffice = shutil.which("soffice")
    if soffice is None:
        assert not os.environ.get("CI"), "CI must install LibreOffice (see .ci/run)"
        pytest.skip("LibreOffice (soffice) is not installed on this machine")
    path = reports["vi"][0]
    profile = (tmp_path / "profile").as_uri()
    for fmt, folder in (("pdf", tmp_path / "pdf"), ("xlsx", tmp_path / "xlsx")):
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation={profile}",
                "--headless",
                "--convert-to",
                fmt,
                "--outdir",
                str(folder),
                str(path),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
    pdf = tmp_path / "pdf" / f"{path.stem}.pdf"
    assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF")
    with zipfile.ZipFile(tmp_path / "xlsx" / path.name) as resaved:
        charts = [n for n in resaved.namelist() if n.startswith("xl/charts/chart")]
    with zipfile.ZipFile(path) as original:
        ours = [n for n in original.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == len(ours) > 0  # every native chart survived a round trip


# --- the labels ------------------------------------------------------------------------------


def _label_rows() -> list[dict[str, str]]:
    with open(resource("texts.csv"), encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _label_keys() -> list[str]:
    return [row["key"] for row in _label_rows()]


def test_labels_are_complete_nfc_and_share_their_fields():
    rows = _label_rows()
    keys = [row["key"] for row in rows]
    assert len(keys) == len(set(keys))
    for row in rows:
        for lang in LANGS:
            assert row[lang].strip(), (row["key"], lang)
            assert unicodedata.normalize("NFC", row[lang]) == row[lang], (row["key"], lang)
        fields = [{f for _, f, _, _ in string.Formatter().parse(row[lang]) if f} for lang in LANGS]
        assert fields[0] == fields[1], row["key"]
    for lang in LANGS:
        names = list(sheet_names(lang).values())
        assert all(len(n) <= 31 and not set(n) & set("[]:*?/\\") for n in names)


def _another_committee(sample):
    """The sample as if another commune had sent it: its committee renamed."""
    ratings = sample.committee_ratings.assign(committee="Đảng bộ xã Hải Đông")
    committees = sample.committees.assign(committee="Đảng bộ xã Hải Đông")
    return Dataset(**{**sample.tables(), "committee_ratings": ratings, "committees": committees})


def test_the_article_sheet_belongs_to_the_articles_committee_only(sample, tmp_path):
    other = _another_committee(sample)
    assert analysis.article_applies(sample) and not analysis.article_applies(other)
    wb = load_workbook(write_report(other, [], tmp_path / "other.xlsx"))
    assert "Đối chiếu bài báo" not in wb.sheetnames
    assert not any("bài báo" in str(c.value) for ws in wb for row in ws.iter_rows() for c in row)
    # on request it is there all the same
    wb = load_workbook(write_report(other, [], tmp_path / "asked.xlsx", article=True))
    assert "Đối chiếu bài báo" in wb.sheetnames


def test_article_applies_needs_the_articles_years(sample):
    later = sample.committee_ratings.assign(year=sample.committee_ratings["year"] + 10)
    assert not analysis.article_applies(Dataset(committee_ratings=later))
