"""The import rule of docs/architecture.md: data flows one way, and ``analysis``, ``plots`` and
``outputs`` never import ``ingest`` (not even through another module of the package)."""

from __future__ import annotations

import ast
from pathlib import Path

import ngodong_analysis as nd

PACKAGE = Path(nd.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """The package's modules ``path`` imports, at any depth of its code (a function's own
    import counts: it runs when the function does)."""
    me = _module_name(path).split(".")
    package = me if path.name == "__init__.py" else me[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = [*base, *(node.module.split(".") if node.module else [])]
            elif node.module and node.module.startswith("ngodong_analysis"):
                target = node.module.split(".")
            else:
                continue
            found.add(".".join(target))
            for alias in node.names:  # "from . import store": a module too
                found.add(".".join([*target, alias.name]))
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("ngodong_analysis"))
    modules = {_module_name(p) for p in PACKAGE.rglob("*.py")}
    # the package itself (its __init__, the public API) is loaded before any of its modules
    # whatever they import: "from .. import __version__" is no edge of the flow
    return {m for m in found if m in modules and m not in (_module_name(path), "ngodong_analysis")}


GRAPH = {_module_name(p): _imports(p) for p in PACKAGE.rglob("*.py")}


def _reaches(start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for nxt in GRAPH.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _under(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def test_the_layout_has_the_stages_of_the_flow():
    for module in ("ingest.read", "ingest.detect", "ingest.validate", "outputs.store"):
        assert f"ngodong_analysis.{module}" in GRAPH, module
    assert "ngodong_analysis.read" not in GRAPH  # moved, not copied


def test_analysis_plots_and_outputs_never_reach_ingest():
    starts = [
        m
        for m in GRAPH
        if _under(m, "ngodong_analysis.analysis")
        or _under(m, "ngodong_analysis.outputs")
        or m == "ngodong_analysis.plots"
    ]
    assert len(starts) > 15
    bad = {
        m: sorted(r for r in _reaches(m) if _under(r, "ngodong_analysis.ingest")) for m in starts
    }
    assert {m: r for m, r in bad.items() if r} == {}


def test_the_rule_would_catch_an_import_of_ingest(tmp_path):
    # the checker itself: a module importing ingest is found, directly and through another
    code = "from ..ingest.read import Sheet\n"
    fake = PACKAGE / "outputs" / "files.py"
    assert "ngodong_analysis.ingest.read" in _imports_of_text(fake, code)


def _imports_of_text(path: Path, code: str) -> set[str]:
    original = path.read_text(encoding="utf-8")
    probe = path.with_name("_probe_import_rule.py")
    try:
        probe.write_text(code, encoding="utf-8")
        return _imports(probe)
    finally:
        probe.unlink()
        assert path.read_text(encoding="utf-8") == original


def test_ingest_does_not_import_the_build_or_the_outputs():
    # reading workbooks never needs the writers (the build imports both)
    starts = [m for m in GRAPH if _under(m, "ngodong_analysis.ingest")]
    bad = {
        m: sorted(
            r
            for r in _reaches(m)
            if _under(r, "ngodong_analysis.outputs") or r == "ngodong_analysis.build"
        )
        for m in starts
    }
    assert {m: r for m, r in bad.items() if r} == {}
