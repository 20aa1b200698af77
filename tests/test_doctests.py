"""Every ``>>>`` example in the package's docstrings runs, on the shipped sample, from the
repository root, and prints what its docstring says.

The examples may use ``nd`` (the package), ``pd``, ``np``, ``plt``, ``conform``
(:func:`ngodong_analysis.schema.conform`) and ``ds`` (the sample, ``nd.load_dataset()``) besides
their own module's names, as the module docstrings of ``nd.analysis`` and ``nd.plots`` say.
Frames print with a fixed display width, so that a docstring's output does not depend on the
terminal the suite runs in.
"""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import ngodong_analysis as nd
from ngodong_analysis.schema import conform

ROOT = Path(__file__).resolve().parents[1]
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
# The widest frame a docstring shows fits here; a wider one wraps, as it would for a reader.
DISPLAY = {"display.width": 88, "display.max_columns": 20, "display.max_rows": 30}


def _package_doctests() -> list[doctest.DocTest]:
    """The docstring examples of every module of the package whose source holds one (only
    those are imported: ``__main__`` and ``_worker`` run as scripts on import)."""
    finder = doctest.DocTestFinder(exclude_empty=True)
    package = Path(nd.__file__).parent
    tests = []
    for path in sorted(package.rglob("*.py")):
        if ">>>" not in path.read_text(encoding="utf-8"):
            continue
        parts = path.relative_to(package.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        module = importlib.import_module(name)
        tests += [test for test in finder.find(module) if test.examples]
    return tests


DOCTESTS = _package_doctests()


@pytest.fixture(scope="module")
def sample_globals():
    return {"nd": nd, "pd": pd, "np": np, "plt": plt, "conform": conform}


def test_the_examples_are_found():
    # a finder that silently found nothing would pass every example below
    names = {test.name for test in DOCTESTS}
    assert "ngodong_analysis.analysis.ratings.rating_mix" in names
    assert "ngodong_analysis.plots" in names
    assert len(DOCTESTS) >= 25


@pytest.mark.parametrize("test", DOCTESTS, ids=[test.name for test in DOCTESTS])
def test_docstring_example(test, sample_globals, monkeypatch):
    monkeypatch.chdir(ROOT)  # the examples name data/raw, as a user at the root would
    if "ds" not in sample_globals:
        sample_globals["ds"] = nd.load_dataset("data/raw", use_processed=False)
    globs = {**test.globs, **sample_globals}
    test = doctest.DocTest(
        test.examples, globs, test.name, test.filename, test.lineno, test.docstring
    )
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    report: list[str] = []
    with pd.option_context(*[item for pair in DISPLAY.items() for item in pair]):
        result = runner.run(test, out=report.append, clear_globs=True)
    plt.close("all")
    assert result.failed == 0, "".join(report)
