"""Docstrings written once and shared, and a reader of numpydoc sections.

The shared parameter descriptions follow seaborn's ``_docstrings`` pattern: a dict of
numpydoc parameter entries (``"lang : {"vi", "en"}\\n    Language of the text."``) is wrapped in a
:class:`DocstringComponents`, and a function's docstring names them as ``{params.lang}``,
filled in by :func:`share_docs`. :func:`sections` and :func:`parameter_names` read a numpydoc
docstring back, for the API reference (``docs/api.md``) and for the test that each public
function documents exactly the parameters of its signature.
"""

from __future__ import annotations

import inspect
import re
import textwrap
from collections.abc import Callable, Mapping
from typing import TypeVar

F = TypeVar("F", bound=Callable)


class DocstringComponents:
    """Named docstring fragments, read as attributes (``params.lang``), as in seaborn.

    Each entry is stripped of the blank lines and the indentation around it, so that the
    dict holding them can be written with triple-quoted strings at any indentation.
    """

    def __init__(self, entries: Mapping[str, object], *, strip: bool = True) -> None:
        self.entries = {
            key: textwrap.dedent(value).strip("\n").rstrip() if strip else value
            for key, value in entries.items()
        }

    def __getattr__(self, name: str) -> object:
        try:
            return self.__dict__["entries"][name]
        except KeyError:
            raise AttributeError(f"no docstring component {name!r}") from None

    @classmethod
    def from_nested_components(cls, **groups: DocstringComponents) -> DocstringComponents:
        """Several sets of components under one name each (``params.core.ax``)."""
        return cls(groups, strip=False)


def share_docs(**components: object) -> Callable[[F], F]:
    """Fill a function's docstring in from shared components.

    The docstring is dedented first, then formatted with ``components`` (so a literal brace
    in it is written ``{{``); a component spanning several lines is indented as the line that
    names it, so its description stays under its name.
    """

    def fill(func: F) -> F:
        doc = inspect.cleandoc(func.__doc__ or "")
        lines = []
        for line in doc.splitlines():
            indent = line[: len(line) - len(line.lstrip())]
            filled = line.format(**components)
            lines.append(filled.replace("\n", "\n" + indent))
        func.__doc__ = "\n".join(lines)
        return func

    return fill


_HEADER = re.compile(r"^(?P<title>[A-Z][A-Za-z ]*)\n-{3,}$", re.MULTILINE)


def sections(doc: str | None) -> dict[str, str]:
    """A numpydoc docstring's sections by title (``"Parameters"``, ``"Returns"``, …); the
    text before the first is under ``""``. Each section's text is dedented."""
    text = inspect.cleandoc(doc or "")
    out: dict[str, str] = {}
    title, start = "", 0
    for match in _HEADER.finditer(text):
        out[title] = text[start : match.start()].strip("\n")
        title, start = match["title"], match.end()
    out[title] = text[start:].strip("\n")
    return out


def entries(section: str) -> list[tuple[str, str, str]]:
    """The ``(names, type, description)`` entries of a Parameters or Returns section: an
    entry starts on an unindented line (``income, cells : DataFrame``), its description is
    the indented lines below it."""
    out: list[tuple[str, str, str]] = []
    for line in section.splitlines():
        if line and not line[0].isspace():
            names, _, kind = line.partition(" : ")
            out.append((names.strip(), kind.strip(), ""))
        elif out:
            names, kind, desc = out[-1]
            out[-1] = (names, kind, f"{desc}\n{line}" if desc else line)
    return [(n, k, textwrap.dedent(d).strip()) for n, k, d in out]


def parameter_names(doc: str | None) -> list[str]:
    """The parameters a numpydoc docstring documents, in order (``income, cells : DataFrame``
    documents two; ``**kwargs`` keeps its stars)."""
    params = sections(doc).get("Parameters", "")
    return [name.strip() for names, _, _ in entries(params) for name in names.split(",")]


def signature_names(func: Callable) -> list[str]:
    """The parameters of ``func``'s signature as a docstring names them (``*args``,
    ``**kwargs`` with their stars)."""
    stars = {inspect.Parameter.VAR_POSITIONAL: "*", inspect.Parameter.VAR_KEYWORD: "**"}
    params = inspect.signature(func).parameters.values()
    return [stars.get(p.kind, "") + p.name for p in params]


# --- the plot functions' shared parameters (seaborn's _core_params) --------------------------

_core_params = dict(
    ax="""
ax : Axes, optional
    Where to draw; the current Axes (``plt.gca()``) by default.
    """,
    lang="""
lang : {"vi", "en"}
    Language of the chart text (title, axis labels, legend): Vietnamese (the default) or
    English.
    """,
    by="""
by : {"rank", "tier"}
    The level drawn: ``"rank"``, the position within the year's scale (what the article
    counts), or ``"tier"``, the harmonised tier that reads the same across the 2017/2018
    change of rules.
    """,
    **{
        table: f"{table} : DataFrame\n    The ``{table}`` contract table."
        for table in ("cell_ratings", "members", "member_ratings", "income")
    },
    bar_kwargs="""
**kwargs
    Passed on to :meth:`matplotlib.axes.Axes.bar` (any :class:`~matplotlib.patches.Rectangle`
    property: ``alpha``, ``edgecolor``, ``hatch``, …), over the chart's own settings; a
    ``color`` or ``facecolor`` given paints every bar alike.
    """,
    line_kwargs="""
**kwargs
    Passed on to :meth:`matplotlib.axes.Axes.plot` (any :class:`~matplotlib.lines.Line2D`
    property: ``alpha``, ``linewidth``/``lw``, ``marker``, …), over the chart's own settings;
    a ``color`` given paints every line alike.
    """,
    scatter_kwargs="""
**kwargs
    Passed on to :meth:`matplotlib.axes.Axes.scatter` (``s``, ``alpha``, ``marker``,
    ``edgecolor``, …), over the chart's own settings; a ``color`` (or ``c``) given paints
    every year alike.
    """,
    image_kwargs="""
**kwargs
    Passed on to :meth:`matplotlib.axes.Axes.imshow` (``alpha``, ``cmap`` and ``norm`` for
    other level colours, …), over the chart's own settings.
    """,
)

_load_params = dict(
    source="""
source : str or Path, optional
    A folder (read recursively) or one workbook; by default the project's ``data/raw``
    (in the current directory or the nearest one above it holding ``data/raw`` and a
    ``pyproject.toml``, unless ``NGODONG_ROOT`` or ``NGODONG_RAW`` names another).
    """,
    committee="""
committee : str, optional
    The one committee of workbooks that name none ("Đảng bộ xã Giao Tiến"): a workbook names
    its committee by a committee column, its title block ("ĐẢNG ỦY XÃ GIAO TIẾN"), the
    committees registry or its folder. By default the only committee the other workbooks
    name; in a folder of several, a workbook naming none is an error naming it.
    """,
    progress="""
progress : bool, optional
    Show the files read, with the time left, on stderr: ``True`` always (a live bar in a
    terminal or in Jupyter, plain lines where output is no terminal, as in a CI log),
    ``False`` never, ``None`` (the default) a bar for a folder of many files where someone
    watches, nothing otherwise.
    """,
)

_core_returns = dict(
    ax="""
Axes
    The Axes drawn into.
    """,
)

_core_docs = dict(
    params=DocstringComponents(_core_params),
    returns=DocstringComponents(_core_returns),
)
"""The plot functions' shared components: ``{params.lang}`` in a docstring filled by
``share_docs(**_core_docs)``."""

_load_docs = dict(params=DocstringComponents(_load_params))
"""The loaders' shared components (``{params.source}``, ``{params.progress}``)."""
