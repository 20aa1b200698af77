"""The API reference (``docs/api.md``) as Markdown, generated from the docstrings of the public
API, so the reference and the code cannot drift apart (``tests/test_apidocs.py`` fails when
the committed file differs; ``python scripts/gen_api_docs.py`` rewrites it).

Public means listed in ``__all__``: of the package (``nd``), of :mod:`ngodong_analysis.analysis`
and of :mod:`ngodong_analysis.plots`, in that order; a name added to one of them is documented
with no change here. Each entry gives the signature (defaults, no annotations: the docstring
says the types), the docstring's sections in Markdown and, for an analysis function whose
arguments are all contract tables (or a Dataset), the columns and dtypes it returns, read off
a call on empty tables (an empty input gives an empty frame with the same columns).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pandas as pd

from ._docstrings import entries, sections

SECTIONS = (
    ("ngodong_analysis", "nd"),
    ("ngodong_analysis.analysis", "nd.analysis"),
    ("ngodong_analysis.plots", "nd.plots"),
)
"""The modules documented (module, the name a reader types for it), in order."""

_ROLE = re.compile(r":(?:func|class|meth|mod|data|attr|exc|obj):`(~?)([^`]+)`")


def _markdown_inline(text: str) -> str:
    """reST inline markup as Markdown: ``x`` → `x`, :func:`~a.b.c` → `c`, :func:`a.b` → `a.b`."""

    def role(match: re.Match) -> str:
        target = match[2]
        if target.endswith(">") and "<" in target:  # :class:`text <target>`
            target = target[: target.index("<")].strip()
        return f"`{target.rsplit('.', 1)[-1] if match[1] else target}`"

    return _ROLE.sub(role, text).replace("``", "`")


def _prose(text: str) -> list[str]:
    """Free docstring text as Markdown paragraphs; a paragraph of ``>>>`` lines is a fenced
    Python session."""
    out: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text.strip("\n")):
        if not paragraph.strip():
            continue
        if paragraph.lstrip().startswith(">>>"):
            out += ["```pycon", _dedent(paragraph), "```", ""]
        else:
            out += [_markdown_inline(" ".join(line.strip() for line in paragraph.splitlines()))]
            out.append("")
    return out


def _dedent(text: str) -> str:
    """``text`` with its common indentation removed (``inspect.cleandoc`` would also drop a
    first line's, which an example's output may need)."""
    lines = text.splitlines()
    indent = min((len(line) - len(line.lstrip()) for line in lines if line.strip()), default=0)
    return "\n".join(line[indent:].rstrip() for line in lines)


def _entry_list(section: str) -> list[str]:
    out = []
    for names, kind, desc in entries(section):
        names = ", ".join(f"`{n.strip()}`" for n in names.split(","))
        head = f"{names} : {_markdown_inline(kind)}" if kind else names
        body = _markdown_inline(" ".join(desc.split()))
        out.append(f"- {head}" + (f" — {body}" if body else ""))
    return out + [""]


def _docstring(doc: str | None) -> list[str]:
    """A numpydoc docstring as Markdown: prose, then each section under a bold title."""
    out: list[str] = []
    for title, text in sections(doc).items():
        if not title:
            out += _prose(text)
        elif title in ("Parameters", "Returns", "Raises", "Yields", "Attributes"):
            out += [f"**{title}**", ""] + _entry_list(text)
        elif title == "Examples":
            out += ["**Examples**", ""] + _examples(text)
        else:
            out += [f"**{title}**", ""] + _prose(text)
    return out


def _examples(text: str) -> list[str]:
    """An Examples section: its sessions fenced, the sentences between them as prose."""
    out: list[str] = []
    session: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text.strip("\n")):
        if paragraph.lstrip().startswith(">>>"):
            session.append(_dedent(paragraph))
            continue
        if session:
            out += ["```pycon", "\n\n".join(session), "```", ""]
            session = []
        out += _prose(paragraph)
    if session:
        out += ["```pycon", "\n\n".join(session), "```", ""]
    return out


def _signature(name: str, obj: Callable, *, method: bool = False) -> str:
    """``name(params)`` with defaults and no annotations (and no ``self`` or ``cls`` for a
    ``method``)."""
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return f"{name}(...)"
    params = [p.replace(annotation=inspect.Parameter.empty) for p in sig.parameters.values()]
    params = params[1:] if method else params
    plain = sig.replace(parameters=params, return_annotation=inspect.Signature.empty)
    return f"{name}{plain}"


def _contract_arguments(func: Callable) -> list[object] | None:
    """Empty stand-ins for ``func``'s required arguments when each is a contract table or a
    Dataset (named as such), else None."""
    from .dataset import Dataset
    from .schema import TABLES, empty

    args: list[object] = []
    for p in inspect.signature(func).parameters.values():
        if p.default is not inspect.Parameter.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if p.name in TABLES:
            args.append(empty(p.name))
        elif p.name == "ds":
            args.append(Dataset())
        else:
            return None
    return args


def _dtype_name(dtype: object) -> str:
    """A dtype as the reference names it: pandas' nullable ``string`` as itself, and plain
    text columns as ``text`` whichever pandas holds them (``object`` before pandas 3,
    ``str`` from it), so the file does not change with the pandas installed."""
    if isinstance(dtype, pd.StringDtype) and dtype.na_value is pd.NA:
        return "string"
    if pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
        return "text"
    return str(dtype)


def _returned_columns(func: Callable) -> list[str]:
    """The columns (and dtypes) ``func`` returns, from a call on empty tables; nothing for a
    function that takes other arguments or returns no DataFrame."""
    args = _contract_arguments(func)
    if args is None:
        return []
    result = func(*args)
    if not isinstance(result, pd.DataFrame):
        return []
    columns = ", ".join(f"`{c}` ({_dtype_name(result[c].dtype)})" for c in result.columns)
    return ["**Columns returned** (dtypes; from a call on empty tables)", "", columns, ""]


def _loaded_columns(name: str) -> list[str]:
    """The columns (and dtypes) of the contract table a ``load_<table>`` loader returns."""
    from .schema import TABLES, empty

    table = name.removeprefix("load_")
    if not name.startswith("load_") or table not in TABLES:
        return []
    frame = empty(table)
    columns = ", ".join(f"`{c}` ({_dtype_name(frame[c].dtype)})" for c in frame.columns)
    return ["**Columns returned** (dtypes; the contract of `" + table + "`)", "", columns, ""]


def _attribute_docs(module: ModuleType) -> dict[str, str]:
    """The docstrings written under top-level assignments (``X = …`` then ``\"\"\"…\"\"\"``) of
    ``module`` and, for a package, of the modules in its folder."""
    files = [Path(module.__file__)]
    if files[0].name == "__init__.py":
        files = sorted(files[0].parent.glob("*.py"))
    docs: dict[str, str] = {}
    for path in files:
        body = ast.parse(path.read_text(encoding="utf-8")).body
        for node, after in zip(body, body[1:], strict=False):
            targets = (
                [node.target]
                if isinstance(node, ast.AnnAssign)
                else node.targets
                if isinstance(node, ast.Assign)
                else []
            )
            is_doc = isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant)
            if is_doc and isinstance(after.value.value, str):
                for target in targets:
                    if isinstance(target, ast.Name):
                        docs.setdefault(target.id, inspect.cleandoc(after.value.value))
    return docs


def _short_repr(value: object) -> str | None:
    simple = (str, int, float, bool, tuple)
    if isinstance(value, simple) and (
        not isinstance(value, tuple) or all(isinstance(v, (str, int, float)) for v in value)
    ):
        text = repr(value)
        return text if len(text) <= 100 else None
    return None


def _members(cls: type) -> Iterator[tuple[str, object, bool]]:
    """A class's own public methods and properties, in the order written, each with whether
    its first parameter is ``self`` or ``cls``."""
    for name, value in vars(cls).items():
        if name.startswith("_"):
            continue
        if isinstance(value, (classmethod, staticmethod)):
            yield name, value.__func__, isinstance(value, classmethod)
        elif inspect.isfunction(value) or isinstance(value, property):
            yield name, value, True


def _entry(prefix: str, name: str, obj: object, attribute_docs: dict[str, str]) -> list[str]:
    qualified = f"{prefix}.{name}"
    out = [f"### `{qualified}`", ""]
    if inspect.isclass(obj) or inspect.isfunction(obj):
        out += ["```python", _signature(qualified, obj), "```", ""]
        out += _docstring(obj.__doc__)
        if inspect.isfunction(obj) and prefix == "nd.analysis":
            out += _returned_columns(obj)
        elif inspect.isfunction(obj) and prefix == "nd":
            out += _loaded_columns(name)
        else:
            for member, value, bound in _members(obj):
                if isinstance(value, property):
                    out += [f"#### `{qualified}.{member}` (property)", ""]
                    out += _docstring(value.__doc__)
                else:
                    out += [f"#### `{qualified}.{member}`", ""]
                    out += [
                        "```python",
                        _signature(f"{qualified}.{member}", value, method=bound),
                        "```",
                        "",
                    ]
                    out += _docstring(value.__doc__)
        return out
    value = _short_repr(obj)
    out += [f"Constant ({type(obj).__name__})" + (f": `{value}`" if value else "") + ".", ""]
    if name in attribute_docs:
        out += _prose(attribute_docs[name])
    return out


def api_markdown() -> str:
    """``docs/api.md``."""
    lines = [
        "# API reference",
        "",
        "Generated by `python scripts/gen_api_docs.py` from the docstrings of every name in the",
        "`__all__` of `ngodong_analysis` (imported as `nd`), `nd.analysis` and `nd.plots`; a",
        "test fails if this file and the docstrings disagree, and every example below runs in",
        "the test suite (`tests/test_doctests.py`) on the sample in `data/raw`. Counts are",
        "persons, cells or households; income is million đồng per person per year; `share` and",
        "`rate` columns are fractions 0–1, `*_pct` columns percentages.",
        "",
    ]
    for module_name, prefix in SECTIONS:
        module = importlib.import_module(module_name)
        lines += [f"## `{prefix}`", ""]
        lines += _docstring(module.__doc__)
        attribute_docs = _attribute_docs(module)
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.ismodule(obj):
                continue  # documented in a section of its own
            lines += _entry(prefix, name, obj, attribute_docs)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"
