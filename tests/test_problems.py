"""Problems as data: the frame, the short listings, and the displays in Jupyter."""

from __future__ import annotations

import pandas as pd
import pytest

import ngodong_analysis as nd
from ngodong_analysis.problems import PROBLEM_COLUMNS, Problem, ProblemList, problems_frame


def _bad_folder(xlsx):
    rows = [["STT", "Tên chi bộ", "Xếp loại"]]
    rows += [[i, f"Chi bộ Thôn {i}", "Khá"] for i in range(1, 15)]
    return xlsx("xep_loai_2019.xlsx", {"Năm 2019": rows}).parent


def test_problems_come_back_as_a_frame_that_filters_with_pandas(xlsx):
    problems = nd.validate(_bad_folder(xlsx))
    frame = problems.to_frame()
    assert list(frame.columns) == list(PROBLEM_COLUMNS)
    assert len(frame) == len(problems) == 14
    errors = frame[(frame.severity == "error") & (frame.rule == "rating")]
    assert errors["cell"].tolist() == [f"C{r}" for r in range(2, 16)]
    assert set(errors["file"]) == {"xep_loai_2019.xlsx"} and set(errors["value"]) == {"Khá"}
    assert pd.api.types.is_string_dtype(frame["message"])


def test_a_missing_place_is_missing_and_a_number_is_written_as_in_the_workbook():
    frame = problems_frame(
        [
            Problem("a.xlsx", None, None, "warning", "whole file", None, "empty"),
            Problem("a.xlsx", "2019", "B3", "error", "twice", 63.0, "duplicate"),
        ]
    )
    assert frame["sheet"].isna().tolist() == [True, False]
    assert frame["value"].tolist()[1] == "63"


def test_the_build_writes_the_same_frame_to_problems_csv(tmp_path, sample_dir):
    import shutil

    from ngodong_analysis.cli import main

    raw = tmp_path / "raw"
    shutil.copytree(sample_dir, raw)
    shutil.copy(raw / "thu_nhap_ho_ngheo.xlsx", raw / "thu_nhap_ho_ngheo (2).xlsx")
    assert main(["build", "--raw", str(raw), "--out", str(tmp_path / "out"), "-q"]) == 0
    written = pd.read_csv(tmp_path / "out" / "problems.csv", encoding="utf-8-sig", dtype=str)
    assert list(written.columns) == list(PROBLEM_COLUMNS)
    assert written["rule"].tolist() == ["duplicate-file"]
    assert written["file"].tolist() == ["thu_nhap_ho_ngheo (2).xlsx"]


def test_a_data_error_lists_the_first_problems_and_counts_the_rest(xlsx):
    with pytest.raises(nd.DataError) as err:
        nd.load_dataset(_bad_folder(xlsx))
    text = str(err.value)
    assert text.startswith("14 data errors:")
    assert text.count("unknown rating") == 10 and "… and 4 more" in text
    assert len(err.value.problems) == 14 and len(err.value.problems.to_frame()) == 14
    # in Jupyter: the listing, not a traceback through the loader
    assert err.value._render_traceback_() == [f"DataError: {text}"]


def test_a_problem_list_is_a_list_with_a_short_repr_and_an_html_table(xlsx):
    problems = nd.validate(_bad_folder(xlsx))
    assert isinstance(problems, list) and problems == list(problems)
    assert nd.validate(xlsx("ok.xlsx", {"2019": [["Chi bộ", "Tổng số đảng viên"]]})) == []
    text = repr(problems)
    assert text.splitlines()[0] == "<14 errors, 0 warnings>"
    assert "… and 4 more" in text and len(text.splitlines()) == 13
    html = problems._repr_html_()
    assert html.count("<tr>") == 10 and "… and 4 more" in html  # + one styled header row
    assert problems.summary().to_dict("records") == [
        {"severity": "error", "rule": "rating", "count": 14}
    ]


def test_the_dataset_displays_as_an_html_summary(sample):
    html = sample._repr_html_()
    for name in ("cells", "cell_ratings", "members", "member_ratings", "income"):
        assert f"<td>{name}</td>" in html
    assert "2015–2019" in html and "&lt;NA&gt;" not in html
    described = sample.describe().set_index("table")
    assert described.loc["members", "rows"] == 60
    assert described.loc["cell_ratings", "cells_or_areas"] == 12
    assert described.loc["income", "cells_or_areas"] == 7
    assert (described.loc["members", "first_year"], described.loc["members", "last_year"]) == (
        2015,
        2019,
    )
    assert len(repr(sample).splitlines()) == 1


def test_a_problem_list_in_a_dataset_shows_the_summary(sample):
    ds = nd.Dataset(
        **sample.tables(),
        problems=[Problem("x.xlsx", "S", "A1", "warning", "totals disagree", 5, "totals")],
    )
    assert isinstance(ds.problems, ProblemList)
    html = ds._repr_html_()
    assert "Problems by severity and rule" in html and "totals disagree" in html
