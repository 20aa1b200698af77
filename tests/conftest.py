"""Shared fixtures: the shipped sample, and a builder for small fixture workbooks."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import matplotlib
import pytest
from helpers import Rows, write_xlsx

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "raw"


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    return SAMPLE


@pytest.fixture(scope="session")
def sample(sample_dir):
    import ngodong_analysis as nd

    return nd.load_dataset(sample_dir)


@pytest.fixture
def xlsx(tmp_path) -> Callable[..., Path]:
    """``xlsx("name.xlsx", {"Sheet": rows}, merges={...})`` → path in a fresh folder."""

    def make(name: str, sheets: dict[str, Rows], merges: dict[str, list[str]] | None = None):
        return write_xlsx(tmp_path / "raw" / name, sheets, merges)

    return make


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch):
    for var in ("NGODONG_ROOT", "NGODONG_RAW", "NGODONG_PROCESSED", "NGODONG_LANG"):
        if var in os.environ:
            monkeypatch.delenv(var)


@pytest.fixture(autouse=True)
def _english_messages():
    """Messages read without ``lang=`` are English in the tests, which assert the msgids
    (the package's default is Vietnamese: tests of the default call ``set_language(None)``;
    the CLI's ``--lang`` default does not follow this, it is Vietnamese)."""
    from ngodong_analysis.i18n import set_language

    set_language("en")
    yield
    set_language(None)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
