"""The numbered notebooks: run them with other parameters, render them to HTML.

The notebooks in ``notebooks/`` only import the library. Each has one code cell tagged
``parameters`` (papermill's convention) holding ``raw`` (folder of input workbooks; ``None``
= the project's ``data/raw``, for 05 the example district ``data/examples/giao-thuy``) and
``lang`` (chart language). :func:`execute` rewrites that
cell with the values given and runs the notebook in a fresh ``python3`` kernel;
:func:`render_html` writes the executed notebook as one self-contained HTML page.

>>> import tempfile
>>> from pathlib import Path
>>> from ngodong_analysis.outputs import notebooks
>>> [path.name for path in notebooks.list_notebooks()]
['01-cell-ratings.ipynb', '02-membership.ipynb', '03-income-poverty.ipynb',
 '04-article-check.ipynb', '05-committees.ipynb']
>>> nb = notebooks.execute("01-cell-ratings.ipynb", parameters={"raw": "data/raw", "lang": "en"},
...                        cwd=".")  # the kernel in this folder, where data/raw is
>>> out = Path(tempfile.mkdtemp())
>>> notebooks.render_html(nb, out / "01-cell-ratings.html").name
'01-cell-ratings.html'

:func:`has_data` is for use inside the notebooks: it guards a section against a dataset that
lacks a table. nbclient, nbformat and nbconvert are imported only when a function needs them,
so that importing the package stays cheap.
"""

from __future__ import annotations

import ast
import copy
import os
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import find_project_root

if TYPE_CHECKING:
    from nbformat import NotebookNode

    from ..dataset import Dataset

NOTEBOOKS_DIR = find_project_root() / "notebooks"
"""The numbered notebooks: ``notebooks/`` under the project root (see :mod:`.config`)."""

PARAMETERS_TAG = "parameters"
KERNEL = "python3"
# Headless charts that still reach the notebook as image/png outputs: plain Agg would draw
# nothing into the notebook, a GUI backend would try to open windows.
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"

# The lab template without the scripts it fetches from a CDN (require.js, MathJax, mermaid):
# the notebooks use no widgets, formulas or diagrams, and the page then opens offline.
_HTML_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""

_TABLE_TEXT = {
    "cells": "registry of cells",
    "cell_ratings": "cell ratings",
    "committee_ratings": "committee ratings",
    "members": "member counts",
    "member_ratings": "member ratings",
    "income": "income and poverty data",
}


class NotebookError(RuntimeError):
    """A notebook failed to run; names the notebook and the cell that failed."""

    def __init__(
        self,
        notebook: Path,
        message: str,
        *,
        cell_index: int | None = None,
        source: str = "",
    ) -> None:
        self.notebook = notebook
        self.cell_index = cell_index
        self.source = source
        where = notebook.name if cell_index is None else f"{notebook.name}, cell {cell_index}"
        text = f"{where}: {message}"
        if source:
            excerpt = "\n".join("    " + line for line in source.splitlines()[:8])
            text += f"\n  the cell begins:\n{excerpt}"
        super().__init__(text)


def list_notebooks(folder: Path | None = None) -> list[Path]:
    """The numbered notebooks (``01-….ipynb``, ``02-…``) of ``folder``, in order.

    Parameters
    ----------
    folder : Path, optional
        Where to look; :data:`NOTEBOOKS_DIR` by default.
    """
    folder = NOTEBOOKS_DIR if folder is None else Path(folder)
    return sorted(p for p in folder.glob("[0-9][0-9]-*.ipynb") if p.is_file())


def _parameters_cell(nb: NotebookNode) -> int | None:
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and PARAMETERS_TAG in cell.get("metadata", {}).get("tags", []):
            return i
    return None


def _literal(name: str, value: object) -> str:
    """``repr`` of a parameter's value, checked to read back as the same value."""
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    text = repr(value)
    try:
        same = ast.literal_eval(text) == value
    except (ValueError, SyntaxError):
        same = False
    if not same:
        raise TypeError(
            f"parameter {name}={text}: only literals (str, numbers, bool, None, paths, and "
            "lists/dicts of them) can be written into a notebook"
        )
    return text


def inject_parameters(nb: NotebookNode, parameters: dict[str, object], *, name: str) -> None:
    """Rewrite the ``parameters`` cell of ``nb`` in place: one ``name = repr(value)`` line per
    parameter, in the cell's order, keeping each line's comment; parameters not given keep
    their default line.

    Raises
    ------
    ValueError
        If the notebook has no ``parameters`` cell, or a name is not one of its parameters.
    """
    index = _parameters_cell(nb)
    if index is None:
        raise ValueError(f"{name}: no code cell tagged {PARAMETERS_TAG!r} to take {parameters}")
    cell = nb.cells[index]
    lines = cell.source.splitlines()
    assigned: dict[str, tuple[int, int]] = {}
    for node in ast.parse(cell.source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                assigned[target.id] = (node.lineno - 1, node.end_lineno or node.lineno)
    unknown = sorted(set(parameters) - set(assigned))
    if unknown:
        raise ValueError(
            f"{name}: unknown parameter(s) {', '.join(unknown)}; the notebook takes "
            f"{', '.join(assigned) or 'none'}"
        )
    # Replaced from the bottom up so earlier line numbers stay valid.
    for key, (first, end) in sorted(assigned.items(), key=lambda kv: -kv[1][0]):
        if key not in parameters:
            continue
        comment = lines[end - 1].partition("#")[2].strip() if first == end - 1 else ""
        line = f"{key} = {_literal(key, parameters[key])}"
        lines[first:end] = [f"{line}  # {comment}" if comment else line]
    cell.source = "\n".join(lines)


def execute(
    path: str | Path,
    *,
    parameters: dict[str, object] | None = None,
    cwd: Path | None = None,
    timeout: int = 300,
) -> NotebookNode:
    """Run a notebook from top to bottom in a fresh ``python3`` kernel.

    Parameters
    ----------
    path : str or Path
        The notebook; a bare name ("01-cell-ratings.ipynb") is looked up in
        :data:`NOTEBOOKS_DIR` when it is not a file relative to the current directory.
    parameters : dict, optional
        Values for the ``parameters`` cell (``{"raw": "data/raw", "lang": "en"}``), written
        into it as ``name = repr(value)``. ``None`` keeps the notebook's defaults.
    cwd : Path, optional
        Working directory of the kernel; the notebook's folder by default, so that
        ``raw = None`` finds the project's ``data/raw`` above it.
    timeout : int
        Seconds any one cell may take.

    Returns
    -------
    NotebookNode
        The executed notebook, outputs included; the file on disk is not changed.

    Raises
    ------
    NotebookError
        When a cell raises, times out or the kernel dies: the message names the notebook, the
        cell (index among all cells) and the error, and shows the start of the cell.
    """
    import nbformat
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
    from traitlets.config import Config

    path = Path(path)
    if not path.is_file() and not path.is_absolute() and (NOTEBOOKS_DIR / path).is_file():
        path = NOTEBOOKS_DIR / path
    nb = nbformat.read(path, as_version=4)
    if parameters is not None:
        inject_parameters(nb, parameters, name=path.name)
    workdir = Path(cwd) if cwd is not None else path.resolve().parent
    env = dict(os.environ)
    # A GUI or Agg backend set for the parent would leave the notebook without its charts.
    env["MPLBACKEND"] = INLINE_BACKEND
    config = Config()
    if "transport_encryption" in KernelManager.class_trait_names():
        # Encrypted local sockets where the kernel supports them; otherwise ipykernel warns
        # of eavesdropping on every run, which reads as an alarm in a build's output.
        config.KernelManager.transport_encryption = "auto"
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=KERNEL,
        record_timing=False,
        resources={"metadata": {"path": str(workdir)}},
        config=config,
    )
    try:
        client.execute(cwd=str(workdir), env=env)
    except CellExecutionError as exc:
        first = str(exc).strip().splitlines()
        message = f"{exc.ename}: {exc.evalue}" if getattr(exc, "ename", None) else first[-1]
        raise _cell_error(nb, path, message, _failed_cell(nb)) from exc
    except CellTimeoutError as exc:
        raise _cell_error(nb, path, f"timed out after {timeout} s", _running_cell(nb)) from exc
    except DeadKernelError as exc:
        raise _cell_error(nb, path, f"the kernel died: {exc}", _running_cell(nb)) from exc
    return nb


def _cell_error(nb: NotebookNode, path: Path, message: str, index: int | None) -> NotebookError:
    """The error naming the cell ``index`` (None: no cell known) and quoting its source."""
    source = nb.cells[index].source if index is not None else ""
    return NotebookError(path, message, cell_index=index, source=source)


def _failed_cell(nb: NotebookNode) -> int | None:
    for i, cell in enumerate(nb.cells):
        if any(out.get("output_type") == "error" for out in cell.get("outputs", [])):
            return i
    return None


def _running_cell(nb: NotebookNode) -> int | None:
    """The last code cell that got an execution count: the one running when it stopped."""
    started = [i for i, c in enumerate(nb.cells) if c.get("execution_count") is not None]
    return started[-1] if started else None


def _strip_volatile(nb: NotebookNode) -> NotebookNode:
    """A copy without what changes from run to run although the data did not."""
    nb = copy.deepcopy(nb)
    for key in ("papermill", "widgets"):
        nb.metadata.pop(key, None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("papermill", None)
    return nb


def render_html(nb: NotebookNode, path: str | Path) -> Path:
    """Write an executed notebook as one self-contained HTML page.

    Charts are embedded as data URIs and no script is fetched from the web, so the page
    needs no other file and opens offline. Run timestamps are left out, so the same notebook
    run on the same data gives the same bytes.

    Parameters
    ----------
    nb : NotebookNode
        A notebook, usually from :func:`execute` (not changed).
    path : str or Path
        The HTML file to write; its folder is created if needed.

    Returns
    -------
    Path
        ``path``.
    """
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    path = Path(path)
    exporter = HTMLExporter(
        embed_images=True,
        extra_loaders=[DictLoader({"ngodong.html.j2": _HTML_TEMPLATE})],
        template_file="ngodong.html.j2",
    )
    body, _ = exporter.from_notebook_node(
        _strip_volatile(nb), resources={"metadata": {"name": path.stem}}
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(body, encoding="utf-8")
    os.replace(tmp, path)
    return path


def has_data(ds: Dataset, *tables: str) -> bool:
    """True if every named table of ``ds`` has rows; otherwise say which are missing.

    For a notebook section that needs those tables: ``if has_data(ds, "income"): …``. The
    note is shown as Markdown in a notebook (printed elsewhere), so a dataset lacking a table
    skips the section with a visible reason instead of failing.
    """
    missing = [name for name in tables if getattr(ds, name).empty]
    if not missing:
        return True
    what = " and ".join(_TABLE_TEXT.get(name, name) for name in missing)
    _say(f"*This dataset has no {what}: this section is skipped.*")
    return False


def _say(markdown: str) -> None:
    try:
        from IPython import get_ipython
        from IPython.display import Markdown, display
    except ImportError:  # pragma: no cover - IPython comes with jupyter
        print(markdown)
        return
    if get_ipython() is None:
        print(markdown)
    else:
        display(Markdown(markdown))
