"""The numbered notebooks: run on the shipped sample and on a smaller dataset built here,
committed clean, holding no analysis of their own; and ngodong_analysis.notebooks itself.

Every notebook is executed twice (sample, defaults; small dataset, English) in one
module-scoped fixture, two kernels at a time, so that the assertions share the runs.
"""

from __future__ import annotations

import html
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from helpers import write_xlsx

import ngodong_analysis as nd
from ngodong_analysis import notebooks

NOTEBOOKS = notebooks.list_notebooks()
NAMES = [p.name for p in NOTEBOOKS]
ARTICLE_CHECK = "04-article-check.ipynb"
EXPECTED = [
    "01-cell-ratings.ipynb",
    "02-membership.ipynb",
    "03-income-poverty.ipynb",
    ARTICLE_CHECK,
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


@pytest.fixture(scope="module")
def runs(small_raw) -> dict[tuple[str, str], nbformat.NotebookNode | Exception]:
    """(dataset, notebook name) → executed notebook, or the error it raised."""
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


def test_the_four_notebooks_are_listed_in_order():
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
    assert code[0].source == (
        "raw = None  # folder of input workbooks; None = the project's data/raw\n"
        'lang = "vi"  # chart language: "vi" or "en"'
    )
    assert "ds = nd.load_dataset(raw)" in code[1].source
    assert "import ngodong_analysis as nd" in code[1].source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NAMES)
def test_no_analysis_logic_in_notebooks(path):
    for i, cell in enumerate(committed(path).cells):
        if cell.cell_type == "code":
            found = [word for word in FORBIDDEN if word in cell.source]
            assert not found, f"{path.name}, cell {i}: {found} belongs in the library"


# --- ngodong_analysis.notebooks ----------------------------------------------------------


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
