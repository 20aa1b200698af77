"""The numbered notebooks: run on the shipped sample and on a smaller dataset built here,
committed clean, holding no analysis of their own; what 01–03 show on the sample (tables,
figures, printed lines), checked against the sample workbooks; and
ngodong_analysis.outputs.notebooks itself.

Every notebook is executed twice (sample, defaults; small dataset, English) in one
module-scoped fixture, two kernels at a time, so that the assertions share the runs.
"""

from __future__ import annotations

import csv
import html
import math
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html.parser import HTMLParser
from itertools import pairwise
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from conftest import SAMPLE
from helpers import INCOME_CAGR_COLUMNS, write_xlsx

import ngodong_analysis as nd
from ngodong_analysis.outputs import notebooks

NOTEBOOKS = notebooks.list_notebooks()
NAMES = [p.name for p in NOTEBOOKS]
ARTICLE_CHECK = "04-article-check.ipynb"
COMMITTEES = "05-committees.ipynb"
EXPECTED = [
    "01-cell-ratings.ipynb",
    "02-membership.ipynb",
    "03-income-poverty.ipynb",
    ARTICLE_CHECK,
    COMMITTEES,
]
FORBIDDEN = ("groupby", "pivot", ".sum(", ".mean(")


# --- a second, smaller dataset: 3 cells, 2020–2022, no registry, no committee sheet ---------

CELLS = ["Chi bộ Tổ dân phố số 1", "CB TDP 2", "Chi bộ Trường Tiểu học"]
RATINGS = {
    2020: ["HTTNV", "HTXSNV", "HTTNV"],
    2021: ["HTXSNV", "HTXSNV", "HTNV"],
    2022: ["HTTNV", "Hoàn thành tốt nhiệm vụ", "HTTNV"],
}
MEMBERS = {  # members, young, admitted, transferred in, transferred out; the identity holds
    2020: [(30, 4, 1, 0, 0), (20, 6, 0, 1, 0), (12, 9, 0, 0, 1)],
    2021: [(31, 5, 1, 0, 0), (22, 7, 1, 1, 0), (12, 8, 1, 0, 1)],
    2022: [(32, 5, 0, 1, 0), (22, 7, 0, 0, 0), (13, 9, 1, 0, 0)],
}
INCOME = {  # households, income (million đồng per person per year), poor, near-poor
    2020: [(300, 50.5, 5, 9), (280, 52.0, 2, 7)],
    2021: [(302, 53.0, 4, 8), (281, 55.5, 1, 6)],
    2022: [(305, 58.0, 9, 14), (283, 60.0, 6, 11)],  # new poverty standard from 2022
}


def write_small_dataset(folder: Path) -> Path:
    """Workbooks an office might keep for a smaller committee (see the constants above)."""
    ratings = {
        f"Năm {year}": [
            [f"KẾT QUẢ XẾP LOẠI CHI BỘ NĂM {year}"],
            [],
            ["STT", "Tên chi bộ", "Xếp loại"],
            *[
                [i + 1, cell, label]
                for i, (cell, label) in enumerate(zip(CELLS, labels, strict=True))
            ],
        ]
        for year, labels in RATINGS.items()
    }
    write_xlsx(folder / "xep_loai.xlsx", ratings)
    members = [
        ["Năm", "Chi bộ", "Số đảng viên", "Đảng viên trẻ", "Kết nạp", "Chuyển đến", "Chuyển đi"]
    ]
    for year, rows in MEMBERS.items():
        members += [[year, cell, *row] for cell, row in zip(CELLS, rows, strict=True)]
    write_xlsx(folder / "dang_vien.xlsx", {"Đảng viên": members})
    income = [
        [
            "Năm",
            "Tổ dân phố",
            "Số hộ",
            "Thu nhập bình quân (triệu đồng/người/năm)",
            "Hộ nghèo",
            "Hộ cận nghèo",
        ]
    ]
    for year, rows in INCOME.items():
        income += [[year, f"Tổ dân phố số {i}", *row] for i, row in enumerate(rows, start=1)]
    write_xlsx(folder / "thu_nhap.xlsx", {"Thu nhập": income})
    return folder


@pytest.fixture(scope="module")
def small_raw(tmp_path_factory) -> Path:
    return write_small_dataset(tmp_path_factory.mktemp("small") / "raw")


def test_small_dataset_loads_as_intended(small_raw):
    ds = nd.load_dataset(small_raw)
    assert ds.years == [2020, 2021, 2022]
    assert ds.cell_ratings["cell_id"].nunique() == 3 and len(ds.cell_ratings) == 9
    assert len(ds.members) == 9 and len(ds.income) == 6
    assert len(ds.cells) == 3  # derived from the names: there is no registry
    assert ds.committee_ratings.empty and ds.member_ratings.empty
    assert nd.analysis.flow_discrepancies(ds.members).empty


# --- running every notebook ------------------------------------------------------------------


FIGURE = "application/vnd.ngodong.figure+json"
"""The output type under which each kernel describes every figure it shows, beside the PNG."""

DESCRIBE_FIGURES = f"""
# An IPython startup file of the tests: a PNG cannot be read back, so every figure shown
# also carries what it draws. The inline backend clears the Figure printers of the type
# formatters when it starts; the mime-bundle formatter is left alone.
import math

import matplotlib.figure
from IPython import get_ipython


def _number(value):
    value = float(value)
    return None if math.isnan(value) else value


def _describe(fig):
    axes = []
    for ax in fig.axes:
        legend = ax.get_legend()
        axes.append({{
            "title": ax.get_title(),
            "legend": [t.get_text() for t in legend.get_texts()] if legend else [],
            "lines": [[_number(y) for y in line.get_ydata()] for line in ax.get_lines()],
            "bars": [_number(p.get_height()) for p in ax.patches if hasattr(p, "get_height")],
            "points": [[[_number(v) for v in xy] for xy in c.get_offsets()]
                       for c in ax.collections],
            "texts": [t.get_text() for t in ax.texts],
        }})
    return {{{FIGURE!r}: {{"axes": axes}}}}


get_ipython().display_formatter.mimebundle_formatter.for_type(
    matplotlib.figure.Figure, _describe
)
"""


@pytest.fixture(scope="module")
def runs(small_raw, tmp_path_factory) -> dict[tuple[str, str], nbformat.NotebookNode | Exception]:
    """(dataset, notebook name) → executed notebook, or the error it raised."""
    ipython_dir = tmp_path_factory.mktemp("ipython")
    startup = ipython_dir / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-describe-figures.py").write_text(DESCRIBE_FIGURES, encoding="utf-8")
    jobs = [("sample", path, None) for path in NOTEBOOKS] + [
        ("small", path, {"raw": str(small_raw), "lang": "en"}) for path in NOTEBOOKS
    ]

    def run(job):
        dataset, path, parameters = job
        try:
            return notebooks.execute(path, parameters=parameters, timeout=120)
        except Exception as exc:  # reported by the test of that notebook
            return exc

    # An Agg backend in the parent's environment must not cost the notebooks their charts.
    with pytest.MonkeyPatch.context() as mp, ThreadPoolExecutor(max_workers=2) as pool:
        mp.setenv("MPLBACKEND", "Agg")
        mp.setenv("IPYTHONDIR", str(ipython_dir))  # also keeps the user's profile out
        results = list(pool.map(run, jobs))
    return {(dataset, path.name): nb for (dataset, path, _), nb in zip(jobs, results, strict=True)}


def executed(runs, dataset: str, name: str) -> nbformat.NotebookNode:
    nb = runs[(dataset, name)]
    if isinstance(nb, Exception):
        pytest.fail(f"{dataset} run failed:\n{nb}")
    return nb


def outputs(nb: nbformat.NotebookNode) -> list[dict]:
    return [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]


def output_text(nb: nbformat.NotebookNode) -> str:
    parts = []
    for out in outputs(nb):
        if out.get("output_type") == "stream":
            parts.append(out["text"])
        for mime in ("text/plain", "text/html", "text/markdown"):
            parts.append(out.get("data", {}).get(mime, ""))
    return "\n".join(parts)


def images(nb: nbformat.NotebookNode) -> int:
    return sum("image/png" in out.get("data", {}) for out in outputs(nb))


def test_the_five_notebooks_are_listed_in_order():
    assert NAMES == EXPECTED
    assert all(p.parent == notebooks.NOTEBOOKS_DIR for p in NOTEBOOKS)


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dataset", ["sample", "small"])
def test_notebook_runs_and_draws(runs, dataset, name):
    nb = executed(runs, dataset, name)
    assert not [out for out in outputs(nb) if out.get("output_type") == "error"]
    assert images(nb) >= 1
    stderr = [out["text"] for out in outputs(nb) if out.get("name") == "stderr"]
    assert not stderr, "".join(stderr)  # warnings would show in the rendered notebook


def reconcile_statuses(nb: nbformat.NotebookNode) -> dict[str, set[str]]:
    """Figure id → the statuses shown for it in the notebook's HTML tables."""
    found: dict[str, set[str]] = {}
    for out in outputs(nb):
        table = out.get("data", {}).get("text/html", "")
        for row in re.findall(r"<tr>(.*?)</tr>", table, flags=re.S):
            cells = [html.unescape(c).strip() for c in re.findall(r"<td>(.*?)</td>", row, re.S)]
            ids = [c for c in cells if re.fullmatch(r"F\d\d", c)]
            statuses = [c for c in cells if c in ("pass", "fail", "no data")]
            if ids and statuses:
                found.setdefault(ids[0], set()).update(statuses)
    return found


@pytest.mark.slow
def test_article_check_passes_every_checkable_figure_on_the_sample(runs):
    nb = executed(runs, "sample", ARTICLE_CHECK)
    figures = nd.analysis.article_figures()
    checkable = figures.loc[figures["checkable"] == "yes", "id"].tolist()
    statuses = reconcile_statuses(nb)
    assert sorted(statuses) == sorted(checkable)
    assert all(statuses[i] == {"pass"} for i in checkable), statuses
    assert "fail" not in output_text(nb).lower()


@pytest.mark.slow
def test_html_embeds_the_charts_and_fetches_nothing(runs, tmp_path):
    nb = executed(runs, "sample", ARTICLE_CHECK)
    page = notebooks.render_html(nb, tmp_path / "out" / "04.html").read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") >= images(nb) >= 1
    assert "<title>04</title>" in page and "F13" in page
    assert not re.findall(r"<script[^>]*\bsrc=", page)


@pytest.mark.slow
def test_small_dataset_runs_take_the_parameters_and_say_what_is_missing(runs):
    ratings = output_text(executed(runs, "small", "01-cell-ratings.ipynb"))
    assert "This dataset has no committee ratings" in ratings
    check = executed(runs, "small", ARTICLE_CHECK)
    statuses = reconcile_statuses(check)
    assert statuses["F15"] == {"no data"}  # no committee sheet
    assert "This dataset has no member ratings" in output_text(check)
    source = "\n".join(c.source for c in check.cells if "parameters" in c.metadata.get("tags", []))
    assert "lang = 'en'" in source and "small" in source


# --- what notebooks 01–03 show on the shipped sample -----------------------------------------
#
# Each test reads what a notebook displays, in order (tables, figures, printed lines), and
# checks it against numbers worked out here from the sample workbooks themselves, read with
# openpyxl by position, never through the package.


class _Tables(HTMLParser):
    """Rows of cell texts of the HTML tables in a display (pandas' ``to_html``)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def shown_table(markup: str) -> pd.DataFrame:
    """The table a cell displayed, as shown: numbers parsed, "<NA>" missing, the rest text."""
    parser = _Tables()
    # the first table only: a dataset with problems shows them in a second one
    parser.feed(markup.split("</table>", 1)[0])
    header, *body = parser.rows
    if header[0] == "":  # the index column
        header, body = header[1:], [row[1:] for row in body]
    df = pd.DataFrame(body, columns=header).replace({"<NA>": None, "NaN": None, "": None})
    for column in df.columns:
        try:
            df[column] = pd.to_numeric(df[column])
        except (ValueError, TypeError):
            pass
    return df


@dataclass
class Shown:
    kind: str  # "table", "figure" or "text"
    value: object  # DataFrame, figure description (one dict per Axes) or the printed text

    @property
    def summary(self) -> tuple:
        if self.kind == "table":
            return ("table", *self.value.columns)
        if self.kind == "figure":
            return ("figure", *(ax["title"] for ax in self.value))
        return ("text", self.value)


def shown(nb: nbformat.NotebookNode) -> list[Shown]:
    found = []
    for cell in nb.cells:
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            data = out.get("data", {})
            if FIGURE in data:
                found.append(Shown("figure", data[FIGURE]["axes"]))
            elif "<table" in data.get("text/html", ""):
                found.append(Shown("table", shown_table(data["text/html"])))
            elif out.get("name") == "stdout":
                found.append(Shown("text", out["text"].strip()))
            else:
                assert "image/png" not in data, "a figure shown without its description"
    return found


def rows(df: pd.DataFrame, *columns: str) -> list[tuple]:
    """The shown values of ``columns``, row by row (missing as None)."""
    return [
        tuple(None if pd.isna(v) else v for v in row)
        for row in df[list(columns)].itertuples(index=False)
    ]


def close(values, expected) -> bool:
    """Equal to the six decimals a table shows (missing matches missing)."""
    return list(values) == pytest.approx(list(expected), abs=1e-6, nan_ok=True)


# The sample's layout, as data/raw/README.md describes it; every yearly sheet lists the
# cells in the registry's order (STT), which the fixture checks.
MEMBER_COLUMNS = (
    "members young female exempt admitted transferred_in transferred_out died removed "
    "introduced HTXSNV HTTNV HTNV KHTNV"
).split()
FLOWS_SHOWN = ["admitted", "transferred_in", "transferred_out", "died", "removed", "introduced"]
MEMBER_RATINGS = ["HTXSNV", "HTTNV", "HTNV", "KHTNV"]
CODES = {  # the labels the sample's rating sheets use
    "Trong sạch, vững mạnh": "TSVM",
    "Hoàn thành tốt nhiệm vụ": "HTTNV",
    "Hoàn thành xuất sắc nhiệm vụ": "HTXSNV",
    "HTTNV": "HTTNV",
    "HTXSNV": "HTXSNV",
}
# (code, rated after 2017) → (rank, tier): the crosswalk of domain.md for these labels
LEVELS = {
    ("TSVM", False): (1, 2),
    ("HTTNV", False): (2, 3),
    ("HTXSNV", True): (1, 1),
    ("HTTNV", True): (2, 2),
}


@dataclass
class Workbooks:
    years: list[int]
    registry: list[dict]  # per STT: cell_id, cell, kind, area
    ratings: dict[int, list[str]]  # year → the code of each cell (STT order)
    committee: dict[int, str]  # year → code
    members: dict[int, list[dict[str, int]]]  # year → a row per cell (STT order)
    income: dict[str, list[float]]  # area → income per capita per year
    households: dict[int, list[tuple[str, int, int, int]]]  # year → (area, hh, poor, near)

    def level(self, year: int, code: str, by: str) -> int:
        return LEVELS[(code, year >= 2018)][by == "tier"]

    def total(self, year: int, field: str) -> int:
        return sum(row[field] for row in self.members[year])


@pytest.fixture(scope="module")
def workbooks() -> Workbooks:
    from openpyxl import load_workbook

    def sheets(name: str):
        return load_workbook(SAMPLE / name, read_only=True, data_only=True)

    def numbered(ws) -> list[tuple]:  # the rows with an STT (no titles, headers, totals)
        return [r for r in ws.iter_rows(values_only=True) if isinstance(r[0], int)]

    registry = [
        {"cell_id": r[1], "cell": r[2], "kind": r[4], "area": r[5]}
        for r in numbered(sheets("danh_muc_chi_bo.xlsx")["Danh mục chi bộ"])
    ]
    names = [c["cell"] for c in registry]
    book = sheets("xep_loai_chi_bo_2015-2019.xlsx")
    ratings, committee = {}, {}
    for ws in book.worksheets:
        if ws.title.startswith("Năm "):
            listed = numbered(ws)
            written = [r[1].replace("TDP", "Tổ dân phố") for r in listed]  # as in 2018–2019
            assert written == names, ws.title
            ratings[int(ws.title[4:])] = [CODES[r[2]] for r in listed]
        else:
            committee = {r[0]: CODES[r[2]] for r in numbered(ws)}
    members = {}
    for ws in sheets("dang_vien_2015-2019.xlsx").worksheets:
        listed = numbered(ws)
        assert [r[1] for r in listed] == names, ws.title
        members[int(ws.title)] = [dict(zip(MEMBER_COLUMNS, r[2:16], strict=True)) for r in listed]
    book = sheets("thu_nhap_ho_ngheo.xlsx")
    income = {r[1]: list(r[2:7]) for r in numbered(book["Thu nhập"])}
    households: dict[int, list] = {}
    for year, area, hh, _people, poor, near in numbered(book["Hộ nghèo"]):  # long: a year column
        households.setdefault(year, []).append((area, hh, poor, near))
    years = sorted(ratings)
    assert years == sorted(members) == sorted(households) == list(range(2015, 2020))
    return Workbooks(years, registry, ratings, committee, members, income, households)


RATINGS_NB = "01-cell-ratings.ipynb"
MEMBERSHIP_NB = "02-membership.ipynb"
INCOME_NB = "03-income-poverty.ipynb"
DATASET_SHOWN = ("table", *"table rows first_year last_year committees cells_or_areas".split())


@pytest.mark.slow
def test_01_shows_the_mix_streaks_moves_and_the_committee_of_the_sample(runs, workbooks):
    wb = workbooks
    items = shown(executed(runs, "sample", RATINGS_NB))
    mix, moves = (
        ("table", "year", "committee_id", "level", "count", "share"),
        ("table", "committee_id", "year_from", "year_to"),
    )
    streaks = ("table", "committee_id", "cell_id", "cell", "start", "end", "length")
    assert [item.summary for item in items] == [
        DATASET_SHOWN,
        (
            "figure",
            "Xếp loại chất lượng chi bộ theo năm",
            "Xếp loại chi bộ theo năm, bậc quy đổi giữa các quy định",
        ),
        mix,
        mix,
        (
            "figure",
            "Xếp loại từng chi bộ qua các năm",
            "Xếp loại từng chi bộ qua các năm, bậc quy đổi",
        ),
        streaks,
        streaks,
        (*moves, "from_level", "to_level", "count"),
        (*moves, "from_level", "to_level", "count"),
        ("figure", "Xếp loại Đảng bộ thị trấn Ngô Đồng: vị trí và bậc quy đổi"),
        ("table", "year", "committee_id", "committee", "rating", "scale", "rank", "tier", "score"),
        ("table", "scale", "subject", "rating", "rank", "tier"),
    ]
    _, mix_chart, rank_mix, tier_mix, heatmap, *rest = items
    rank_streaks, tier_streaks, rank_moves, tier_moves, committee_chart, committee, walk = rest
    names = [c["cell"] for c in wb.registry]

    for k, (by, table) in enumerate([("rank", rank_mix), ("tier", tier_mix)]):
        # cells per level and year: rank 5, 6, 5, 4, 5 cells at level 1 (F10); by tier, none
        # before 2018, where TSVM is tier 2
        counts = {y: Counter(wb.level(y, code, by) for code in wb.ratings[y]) for y in wb.years}
        grid = [(y, level, counts[y][level]) for y in wb.years for level in (1, 2, 3, 4)]
        assert rows(table.value, "year", "level", "count") == grid, by
        assert close(table.value["share"], [n / 12 for _, _, n in grid])
        drawn = mix_chart.value[k]["bars"]  # stacked: level 1 of every year, then level 2, …
        assert drawn == [counts[y][level] for level in (1, 2, 3, 4) for y in wb.years], by
    assert rank_mix.value.query("level == 1")["count"].tolist() == [5, 6, 5, 4, 5]  # F10

    every_code = Counter(code for y in wb.years for code in wb.ratings[y])
    assert [Counter(ax["texts"]) for ax in heatmap.value] == [every_code, every_code]

    for by, table in [("rank", rank_streaks), ("tier", tier_streaks)]:
        top_runs = []  # runs of consecutive years at level 1, per cell
        for i, name in enumerate(names):
            top = [y for y in wb.years if wb.level(y, wb.ratings[y][i], by) == 1]
            for y in top:
                if y - 1 not in top:
                    end = next(e for e in top if e >= y and e + 1 not in top)
                    top_runs.append((name, y, end, end - y + 1))
        assert sorted(rows(table.value, "cell", "start", "end", "length")) == sorted(top_runs), by
        assert table.value["length"].is_monotonic_decreasing  # longest first
    assert rows(rank_streaks.value, "cell", "length")[:2] == [
        ("Chi bộ Công an thị trấn", 5),
        ("Chi bộ Tổ dân phố số 2", 5),  # F01: top-rated every year, by rank
    ]

    for by, table in [("rank", rank_moves), ("tier", tier_moves)]:
        changes = Counter()
        for y in wb.years[:-1]:
            for before, after in zip(wb.ratings[y], wb.ratings[y + 1], strict=True):
                pair = (wb.level(y, before, by), wb.level(y + 1, after, by))
                if pair[0] != pair[1]:
                    changes[(y, y + 1, *pair)] += 1
        shown_moves = rows(table.value, "year_from", "year_to", "from_level", "to_level")
        assert dict(zip(shown_moves, table.value["count"], strict=True)) == changes, by

    codes = [wb.committee[y] for y in wb.years]  # F15: TSVM 2015–2017, HTTNV 2018–2019
    [drawn] = committee_chart.value
    assert drawn["lines"][:2] == [
        [wb.level(y, wb.committee[y], "rank") for y in wb.years],
        [wb.level(y, wb.committee[y], "tier") for y in wb.years],
    ]
    assert drawn["texts"] == codes
    assert rows(committee.value, "year", "rating", "rank", "tier") == [
        (y, c, wb.level(y, c, "rank"), wb.level(y, c, "tier"))
        for y, c in zip(wb.years, codes, strict=True)
    ]

    with open(Path(nd.__file__).parent / "resources" / "crosswalk.csv", encoding="utf-8") as f:
        shipped = [
            (r["scale"], r["subject"], r["rating"], int(r["rank"]), int(r["tier"]))
            for r in csv.DictReader(f)
            if r["subject"] == "organisation"
        ]
    assert rows(walk.value, "scale", "subject", "rating", "rank", "tier") == shipped


@pytest.mark.slow
def test_02_shows_the_totals_flows_identity_ratings_and_quota_of_the_sample(runs, workbooks):
    wb = workbooks
    items = shown(executed(runs, "sample", MEMBERSHIP_NB))
    shares = (
        "table",
        *"year committee_id rating rank count denominator share denominator_kind".split(),
    )
    adds_up = "Every cell and year that can be checked adds up."
    within_quota = "The committee is within the quota in every year a rule covers."
    assert [item.summary for item in items] == [
        DATASET_SHOWN,
        (
            "table",
            *"year committee_id cells members young female exempt young_share".split(),
            *"growth growth_pct incomplete".split(),
        ),
        ("figure", "Số đảng viên và tỷ lệ đảng viên trẻ", "Biến động đảng viên", ""),
        ("table", "year", "committee_id", "flow", "count"),
        ("text", adds_up),
        ("figure", "Xếp loại đảng viên"),
        ("table", "year", "committee_id", "rated", "well_or_above", "excellent", "share"),
        shares,
        shares,
        (
            "table",
            *"year committee_id cell_id cell excellent well share allowed ok rule source".split(),
        ),
        ("text", within_quota),
    ]
    _, totals, chart, flows, _, rating_chart, well, of_rated, of_members, quota, _ = items
    years = wb.years

    def total(field):
        return [wb.total(y, field) for y in years]

    members = total("members")
    assert members == [470, 474, 479, 483, 488]  # the workbook's totals rows (F09)
    counts = ["members", "young", "female", "exempt"]
    assert rows(totals.value, "year", "cells", *counts) == [
        (y, 12, *(wb.total(y, f) for f in counts)) for y in years
    ]
    assert close(
        totals.value["young_share"], [a / b for a, b in zip(total("young"), members, strict=True)]
    )
    assert rows(totals.value, "growth") == [(None,)] + [(b - a,) for a, b in pairwise(members)]
    growth_pct = [math.nan] + [100 * (b - a) / a for a, b in pairwise(members)]
    assert close(totals.value["growth_pct"], growth_pct)

    bars, flow_bars, share_axis = chart.value
    assert bars["bars"] == members
    assert flow_bars["bars"] == [wb.total(y, f) for f in FLOWS_SHOWN for y in years]
    assert close(
        share_axis["lines"][0], [100 * a / b for a, b in zip(total("young"), members, strict=True)]
    )
    assert rows(flows.value, "year", "flow", "count") == [
        (y, f, wb.total(y, f)) for y in years for f in FLOWS_SHOWN
    ]

    # "adds up" is true of the workbook: every cell, every year after the first
    for y in years[1:]:
        for before, row in zip(wb.members[y - 1], wb.members[y], strict=True):
            change = row["admitted"] + row["transferred_in"] - row["transferred_out"]
            assert row["members"] == before["members"] + change - row["died"] - row["removed"]

    rated = [sum(wb.total(y, r) for r in MEMBER_RATINGS) for y in years]
    assert rated == [m - e for m, e in zip(members, total("exempt"), strict=True)]
    [drawn] = rating_chart.value
    assert close(
        drawn["bars"],
        [
            100 * wb.total(y, r) / n
            for r in MEMBER_RATINGS
            for y, n in zip(years, rated, strict=True)
        ],
    )
    upper = [wb.total(y, "HTXSNV") + wb.total(y, "HTTNV") for y in years]
    assert rows(well.value, "year", "rated", "well_or_above", "excellent") == list(
        zip(years, rated, upper, total("HTXSNV"), strict=True)
    )
    assert close(well.value["share"], [u / n for u, n in zip(upper, rated, strict=True)])
    assert rows(well.value, "well_or_above", "rated")[-1] == (300, 440)  # F13: 68.2% in 2019
    for table, over, kind, listed in [
        (of_rated, rated, "rated", MEMBER_RATINGS),
        (of_members, members, "members", ["HTXSNV", "HTTNV"]),
    ]:
        expected = [
            (y, r, MEMBER_RATINGS.index(r) + 1, wb.total(y, r), n, kind)
            for y, n in zip(years, over, strict=True)
            for r in listed
        ]
        got = rows(table.value, "year", "rating", "rank", "count", "denominator")
        assert [
            (*g, k) for g, k in zip(got, table.value["denominator_kind"], strict=True)
        ] == expected
        assert close(table.value["share"], [e[3] / e[4] for e in expected])

    # The committee's row per year; HD 21 judges it from 2019 only: 20% of HTTNV, rounded down
    assert rows(quota.value, "year", "cell_id", "excellent", "well", "allowed", "ok") == [
        (
            y,
            "__all__",
            wb.total(y, "HTXSNV"),
            wb.total(y, "HTTNV"),
            wb.total(y, "HTTNV") // 5 if y >= 2019 else None,
            "True" if y >= 2019 else None,  # as shown; blank before the rule
        )
        for y in years
    ]
    assert list(quota.value["source"])[-1] == "HD 21-HD/BTCTW (2019)"
    for y in years:  # "no cell exceeds" is true of the workbook
        assert all(row["HTXSNV"] <= row["HTTNV"] // 5 for row in wb.members[y]), y


@pytest.mark.slow
def test_03_shows_the_income_growth_poverty_and_ratings_of_the_sample(runs, workbooks):
    wb = workbooks
    items = shown(executed(runs, "sample", INCOME_NB))
    assert [item.summary for item in items] == [
        DATASET_SHOWN,
        ("figure", "Thu nhập bình quân đầu người theo địa bàn", "Hộ nghèo và hộ cận nghèo"),
        ("table", "year", "committee_id", "area_id", "area", "income_per_capita", "growth_pct"),
        ("table", *INCOME_CAGR_COLUMNS),
        (
            "table",
            *"year committee_id households poor_households near_poor_households poor_rate".split(),
            *"near_poor_rate standard incomplete".split(),
        ),
        ("text", "Poverty standard changes at: [2015.5]"),  # 2016's new standard
        ("figure", "Thu nhập địa bàn và xếp loại chi bộ"),
        (
            "table",
            *"year committee_id cell_id cell area_id income_per_capita rating rank tier".split(),
        ),
    ]
    _, chart, growth, cagr, poverty, _, scatter, matched = items
    years, areas = wb.years, list(wb.income)

    by_area, households = chart.value
    assert by_area["legend"] == areas
    assert by_area["lines"] == list(wb.income.values())
    poor = [sum(r[2] for r in wb.households[y]) for y in years]
    near = [sum(r[3] for r in wb.households[y]) for y in years]
    assert households["lines"][:2] == [poor, near]

    assert rows(growth.value, "year", "area", "income_per_capita") == [
        (y, a, wb.income[a][k]) for k, y in enumerate(years) for a in areas
    ]
    assert close(
        growth.value["growth_pct"],
        [
            math.nan if k == 0 else 100 * (wb.income[a][k] / wb.income[a][k - 1] - 1)
            for k in range(len(years))
            for a in areas
        ],
    )
    assert rows(cagr.value, "area", "start_year", "end_year", "start_value", "end_value") == [
        (a, 2015, 2019, v[0], v[-1]) for a, v in wb.income.items()
    ]
    assert close(cagr.value["cagr"], [(v[-1] / v[0]) ** (1 / 4) - 1 for v in wb.income.values()])

    held = [sum(r[1] for r in wb.households[y]) for y in years]
    assert rows(
        poverty.value, "year", "households", "poor_households", "near_poor_households"
    ) == list(zip(years, held, poor, near, strict=True))
    assert close(poverty.value["poor_rate"], [p / h for p, h in zip(poor, held, strict=True)])
    assert close(poverty.value["near_poor_rate"], [n / h for n, h in zip(near, held, strict=True)])
    assert poverty.value["standard"].tolist() == ["2011-2015"] + ["2016-2021"] * 4

    # Residential cells against the income of their area (registry "Địa bàn"); the schools,
    # police and military have no area and are left out.
    pairs = [
        (y, c["cell"], wb.income[c["area"]][k], code, wb.level(y, code, "rank"))
        for k, y in enumerate(years)
        for c, code in zip(wb.registry, wb.ratings[y], strict=True)
        if c["area"]
    ]
    assert len(pairs) == 35
    assert rows(matched.value, "year", "cell", "income_per_capita", "rating", "rank") == pairs
    [drawn] = scatter.value
    assert drawn["legend"] == [str(y) for y in years]
    for y, points in zip(years, drawn["points"], strict=True):  # one colour per year
        # x is the rank, dodged a little per year so that the years do not hide each other
        assert sorted((round(x), v) for x, v in points) == sorted(
            (rank, income) for year, _, income, _, rank in pairs if year == y
        )


# --- the committed notebooks -------------------------------------------------------------


def committed(path: Path) -> nbformat.NotebookNode:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    return nb


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NAMES)
def test_committed_without_outputs_and_parameters_first(path):
    nb = committed(path)
    assert nb.nbformat == 4 and nb.metadata["kernelspec"]["name"] == "python3"
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    assert code[0].metadata.get("tags") == ["parameters"]
    default = (  # 05 compares committees: by default those of the example district
        "the example district, data/examples/giao-thuy"
        if path.name == COMMITTEES
        else "the project's data/raw"
    )
    assert code[0].source == (
        f"raw = None  # folder of input workbooks; None = {default}\n"
        'lang = "vi"  # chart language: "vi" or "en"'
    )
    assert "ds = nd.load_dataset(raw" in code[1].source
    assert "import ngodong_analysis as nd" in code[1].source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NAMES)
def test_no_analysis_logic_in_notebooks(path):
    for i, cell in enumerate(committed(path).cells):
        if cell.cell_type == "code":
            found = [word for word in FORBIDDEN if word in cell.source]
            assert not found, f"{path.name}, cell {i}: {found} belongs in the library"


# --- ngodong_analysis.outputs.notebooks ----------------------------------------------------------


def tiny_notebook(folder: Path, *cells: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    params = nbformat.v4.new_code_cell(
        'raw = None  # input folder\nlang = "vi"  # chart language', id="params"
    )
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params] + [nbformat.v4.new_code_cell(s, id=f"c{i}") for i, s in enumerate(cells)]
    path = folder / "99-tiny.ipynb"
    nbformat.write(nb, path)
    return path


def test_inject_parameters_rewrites_the_parameters_cell(tmp_path):
    nb = nbformat.read(tiny_notebook(tmp_path), as_version=4)
    notebooks.inject_parameters(nb, {"raw": tmp_path / "x", "lang": "en"}, name="t")
    assert nb.cells[0].source == (
        f"raw = {str(tmp_path / 'x')!r}  # input folder\nlang = 'en'  # chart language"
    )
    notebooks.inject_parameters(nb, {"lang": "vi"}, name="t")  # raw keeps its value
    assert nb.cells[0].source.splitlines()[1] == "lang = 'vi'  # chart language"
    with pytest.raises(ValueError, match="t: unknown parameter.*language.*takes raw, lang"):
        notebooks.inject_parameters(nb, {"language": "en"}, name="t")
    with pytest.raises(TypeError, match="parameter raw="):
        notebooks.inject_parameters(nb, {"raw": object()}, name="t")
    nb.cells[0].metadata["tags"] = []
    with pytest.raises(ValueError, match="no code cell tagged 'parameters'"):
        notebooks.inject_parameters(nb, {"lang": "en"}, name="t")


@pytest.mark.slow
def test_a_failing_cell_is_named_and_html_is_reproducible(tmp_path):
    path = tiny_notebook(
        tmp_path,
        "import os\nprint(lang, os.getcwd())",
        "x = 1\nraise KeyError('no such column')",
    )
    with pytest.raises(notebooks.NotebookError) as exc:
        notebooks.execute(path, parameters={"lang": "en"}, cwd=tmp_path, timeout=60)
    message = str(exc.value)
    assert message.startswith("99-tiny.ipynb, cell 2: KeyError")
    assert "no such column" in message and "raise KeyError" in message
    assert exc.value.cell_index == 2 and exc.value.notebook == path

    nb = nbformat.read(path, as_version=4)
    nb.cells = nb.cells[:2]
    nbformat.write(nb, path)
    run = notebooks.execute(path, parameters={"lang": "en"}, cwd=tmp_path, timeout=60)
    assert run.cells[1].outputs[0]["text"] == f"en {tmp_path}\n"
    assert nbformat.read(path, as_version=4).cells[1].outputs == []  # file untouched
    first = notebooks.render_html(run, tmp_path / "html" / "a.html").read_bytes()
    run.cells[1].metadata["execution"] = {"shell.execute_reply": "2030-01-01T00:00:00Z"}
    second = notebooks.render_html(run, tmp_path / "html" / "a.html").read_bytes()
    assert first == second and b"en " in first
    assert "execution" in run.cells[1].metadata  # the caller's notebook is not changed


# --- what notebook 05 shows on the example district ------------------------------------------

EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "examples" / "giao-thuy"
# members at 31 December per committee, 2015–2025: the README's table of the compiled sheet
EXAMPLE_MEMBERS = {
    "Đảng bộ xã Bạch Long": [236, 243, 243, 247, 251, 256, 263, 255, 255, 254, 255],
    "Đảng bộ xã Giao Lạc": [399, 399, 402, 413, 418, 425, 434, 431, 432, 436, 441],
    "Đảng bộ xã Giao Xuân": [305, 312, 318, 313, 315, 325, 330, 336, 333, 332, 332],
}


def _htxsnv_cells(path: Path, year: int) -> tuple[int, int]:
    """(cells rated HTXSNV, cells rated) in a commune's yearly rating sheet, read by
    openpyxl: the rows with an STT, their rating column's text."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    (ws,) = [ws for ws in wb.worksheets if str(year) in ws.title]
    rows = [r for r in ws.iter_rows(values_only=True) if isinstance(r[0], int)]
    labels = [str(r[2]).strip() for r in rows]
    return sum(label.replace(" ", "") == "HTXSNV" for label in labels), len(labels)


@pytest.mark.slow
def test_05_shows_the_district_funnel_quota_and_merger_of_the_example(runs):
    items = shown(executed(runs, "sample", COMMITTEES))  # the default raw: the example
    kinds = [item.kind for item in items]
    assert kinds.count("figure") == 6 and "text" in kinds
    figures = [item.value for item in items if item.kind == "figure"]
    titles = [ax["title"] for fig in figures for ax in fig if ax["title"]]
    assert "Số đảng viên của từng đảng bộ" in titles
    assert "Chi bộ bậc 1 (HTXSNV): biểu đồ phễu các đảng bộ, năm 2022" in titles
    assert "Tỷ lệ chi bộ bậc 1 theo đảng bộ và năm" in titles

    # where the district stands: each commune's line is its members as the README says
    (members_ax,) = figures[0]
    for name, values in EXAMPLE_MEMBERS.items():
        assert members_ax["lines"][members_ax["legend"].index(name)] == values, name
    assert "Hợp nhất vào Đảng bộ thị trấn Giao Thủy (2025)" in members_ax["legend"]

    # the funnel: Giao Lạc, named, alone above; its 11 of 12 counted in its 2022 sheet
    funnel_ax = next(ax for fig in figures for ax in fig if "phễu" in ax["title"])
    assert funnel_ax["texts"] == ["Đảng bộ xã Giao Lạc"]
    top, rated = _htxsnv_cells(EXAMPLE / "giao-lac" / "xep_loai_chi_bo_2015-2025.xlsx", 2022)
    assert (top, rated) == (11, 12)
    alone = [c for c in funnel_ax["points"] if len(c) == 1]  # the one point above
    assert alone[0][0] == pytest.approx([rated, 100 * top / rated])
    tables = [item.value for item in items if item.kind == "table"]
    funnel_table = next(t for t in tables if "flag_99_8" in t.columns and len(t) == 6)
    above = funnel_table[funnel_table["flag_99_8"] == "above"]
    assert above["committee_id"].tolist() == ["giao-lac"]
    assert (int(above["count"].iloc[0]), int(above["n"].iloc[0])) == (top, rated)

    # the quota held everywhere; the merger's roll-up: 535 + 322 + 294 = 1151 in 2024
    texts = [item.value for item in items if item.kind == "text"]
    assert "Every committee is within the quota in every year a rule covers." in texts
    rolled = next(t for t in tables if list(t.columns)[:3] == ["year", "committee_id", "members"])
    thuy = rolled[rolled["committee_id"] == "giao-thuy"].set_index("year")["members"]
    assert (int(thuy.loc[2024]), int(thuy.loc[2025])) == (1151, 1164)


@pytest.mark.slow
def test_05_on_one_committee_says_there_is_nothing_to_compare(runs):
    nb = executed(runs, "small", COMMITTEES)
    assert "This dataset holds one committee" in output_text(nb)
    assert images(nb) >= 1  # its members over time
