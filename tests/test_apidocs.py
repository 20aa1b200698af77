"""The API reference (docs/api.md), the shared docstrings, and that each public function of
nd.analysis and nd.plots documents exactly its parameters."""

from __future__ import annotations

import importlib.util
import inspect
from pathlib import Path

import pandas as pd
import pytest
from helpers import MEMBERSHIP_TOTALS_COLUMNS

import ngodong_analysis as nd
from ngodong_analysis import apidocs
from ngodong_analysis._docstrings import (
    DocstringComponents,
    parameter_names,
    sections,
    share_docs,
    signature_names,
)

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "api.md"


def _script():
    spec = importlib.util.spec_from_file_location("gen_api_docs", ROOT / "scripts/gen_api_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _public_functions(module) -> list[tuple[str, object]]:
    return [
        (f"{module.__name__}.{name}", getattr(module, name))
        for name in module.__all__
        if inspect.isfunction(getattr(module, name))
    ]


PUBLIC = _public_functions(nd) + _public_functions(nd.analysis) + _public_functions(nd.plots)


# --- docs/api.md ------------------------------------------------------------------------------


def test_committed_api_doc_matches_the_docstrings():
    assert DOC.read_text(encoding="utf-8") == apidocs.api_markdown(), (
        "docs/api.md is stale: run python scripts/gen_api_docs.py"
    )


def test_check_exits_1_on_a_stale_file_and_0_on_a_fresh_one(tmp_path, capsys):
    script = _script()
    out = tmp_path / "api.md"
    assert script.main(["--check"], out=out) == 1  # missing
    out.write_text(DOC.read_text(encoding="utf-8").replace("## `nd.plots`", "## plots"))
    assert script.main(["--check"], out=out) == 1
    assert "stale" in capsys.readouterr().err
    assert script.main([], out=out) == 0
    assert script.main(["--check"], out=out) == 0
    assert out.read_text(encoding="utf-8") == DOC.read_text(encoding="utf-8")


def test_every_public_name_has_an_entry():
    text = apidocs.api_markdown()
    for module, prefix in (
        (nd, "nd"),
        (nd.analysis, "nd.analysis"),
        (nd.plots, "nd.plots"),
    ):
        for name in module.__all__:
            if not inspect.ismodule(getattr(module, name)):
                assert f"### `{prefix}.{name}`\n" in text, name
    assert "## `nd.analysis`" in text and "## `nd.plots`" in text
    # nothing private leaks in
    assert "_stacked_bars" not in text and "_artist_kws" not in text


def test_a_function_added_to_all_is_documented_with_its_columns(monkeypatch):
    def roll_up(members: pd.DataFrame, *, level: str = "committee") -> pd.DataFrame:
        """Members per committee and year.

        Parameters
        ----------
        members : DataFrame
            The ``members`` contract table.
        level : str
            What to sum over.

        Returns
        -------
        DataFrame
            ``year``, ``members`` (persons).
        """
        return pd.DataFrame(
            {"year": pd.Series(dtype="int64"), "members": pd.Series(dtype="Int64")}
        )

    monkeypatch.setattr(nd.analysis, "roll_up", roll_up, raising=False)
    monkeypatch.setattr(nd.analysis, "__all__", [*nd.analysis.__all__, "roll_up"])
    text = apidocs.api_markdown()
    entry = text[text.index("### `nd.analysis.roll_up`") :]
    entry = entry[: entry.index("\n### ", 1)]
    assert "nd.analysis.roll_up(members, *, level='committee')" in entry
    assert "- `level` : str — What to sum over." in entry
    assert "- `DataFrame` — `year`, `members` (persons)." in entry
    assert "`year` (int64), `members` (Int64)" in entry


def test_a_loader_lists_its_tables_contract_columns():
    text = apidocs.api_markdown()
    entry = text[text.index("### `nd.load_members`") :]
    entry = entry[: entry.index("\n### ", 1)]
    # the contract's columns, written out (README › Tables; scope columns first)
    for column in ("year", "cell_id", "cell", "members", "young", "admitted", "introduced"):
        assert f"`{column}` (" in entry
    assert "`members` (Int64)" in entry and "`cell` (string)" in entry
    assert "**Columns returned**" not in text[: text.index("### `nd.load_cell_ratings`")]


def test_returned_columns_are_those_the_function_returns(sample):
    # written by hand from the function's contract (analysis/membership.py TOTALS_COLUMNS)
    text = apidocs.api_markdown()
    entry = text[text.index("### `nd.analysis.membership_totals`") :]
    entry = entry[: entry.index("\n### ", 1)]
    assert (
        "`year` (int64), `committee_id` (string), `cells` (int64), `members` (Int64), "
        "`young` (Int64), "
        "`female` (Int64), `exempt` (Int64), `young_share` (Float64), `growth` (Int64), "
        "`growth_pct` (Float64), `incomplete` (string)"
    ) in entry
    # and the sample's frame has those very columns
    assert list(nd.analysis.membership_totals(sample.members).columns) == (
        MEMBERSHIP_TOTALS_COLUMNS
    )


def test_markdown_of_a_numpydoc_docstring():
    doc = """Summary with ``code`` and :func:`~ngodong_analysis.analysis.poverty`.

    Parameters
    ----------
    income, cells : DataFrame
        Two tables,
        on two lines.
    **kwargs
        Passed on.

    Examples
    --------
    >>> 1 + 1
    2
    """
    md = "\n".join(apidocs._docstring(doc))
    assert md.startswith("Summary with `code` and `poverty`.\n")
    assert "- `income`, `cells` : DataFrame — Two tables, on two lines." in md
    assert "- `**kwargs` — Passed on." in md
    assert "```pycon\n>>> 1 + 1\n2\n```" in md
    assert apidocs._markdown_inline(":class:`text <pandas.DataFrame>`") == "`text`"
    assert apidocs._markdown_inline(":func:`a.b`") == "`a.b`"


# --- documented parameters = signature --------------------------------------------------------


def test_public_functions_are_found():
    names = {name for name, _ in PUBLIC}
    assert "ngodong_analysis.analysis.rating_mix" in names
    assert "ngodong_analysis.plots.income" in names
    assert "ngodong_analysis.plots.labels" in names
    assert "ngodong_analysis.load_dataset" in names
    assert len(PUBLIC) >= 30


@pytest.mark.parametrize("func", [f for _, f in PUBLIC], ids=[n for n, _ in PUBLIC])
def test_each_public_function_documents_exactly_its_parameters(func):
    assert parameter_names(func.__doc__) == signature_names(func)


def test_the_known_gaps_are_closed():
    assert "max_lines" in parameter_names(nd.plots.income.__doc__)
    assert parameter_names(nd.plots.labels.__doc__) == ["lang"]


def test_parameter_names_reads_joint_entries_and_stars():
    doc = """x.

    Parameters
    ----------
    income, cell_ratings, cells : DataFrame
        Tables.
    max_points : int
        A limit
        over two lines : not an entry.
    **kwargs
        The rest.

    Returns
    -------
    Axes
    """
    assert parameter_names(doc) == ["income", "cell_ratings", "cells", "max_points", "**kwargs"]

    def f(a, *args, b=1, **kwargs):
        pass

    assert signature_names(f) == ["a", "*args", "b", "**kwargs"]
    assert parameter_names("No sections at all.") == []


# --- shared docstrings ------------------------------------------------------------------------


def test_shared_components_are_filled_in_under_their_name():
    params = DocstringComponents(
        {
            "lang": """
            lang : {"vi", "en"}
                Language of the text,
                on two lines.
            """
        }
    )

    @share_docs(params=params)
    def draw(lang="vi"):
        """Draw.

        Parameters
        ----------
        {params.lang}
        width : {{"narrow", "wide"}}
            Literal braces are doubled.
        """

    assert draw.__doc__ == (
        "Draw.\n\nParameters\n----------\n"
        'lang : {"vi", "en"}\n    Language of the text,\n    on two lines.\n'
        'width : {"narrow", "wide"}\n    Literal braces are doubled.'
    )
    assert parameter_names(draw.__doc__) == ["lang", "width"]


def test_components_nest_and_unknown_names_fail():
    core = DocstringComponents({"ax": "\n    ax : Axes\n        Where.\n    "})
    nested = DocstringComponents.from_nested_components(core=core)
    assert nested.core.ax == "ax : Axes\n    Where."
    with pytest.raises(AttributeError, match="no docstring component 'axes'"):
        core.axes  # noqa: B018


def test_every_plot_function_uses_the_shared_lang_and_ax_docs():
    lang = "Language of the chart text (title, axis labels, legend)"
    for name in nd.plots.__all__:
        func = getattr(nd.plots, name)
        if inspect.isfunction(func) and "ax" in inspect.signature(func).parameters:
            params = sections(func.__doc__)["Parameters"]
            assert lang in params, name
            assert "ax : Axes, optional\n    Where to draw; the current Axes" in params, name
            assert "**kwargs\n    Passed on to :meth:`matplotlib.axes.Axes." in params, name
