"""Problems in the user's language: Vietnamese by default, English on request; the values
and places inside a message stay as written."""

from __future__ import annotations

import pickle

import pandas as pd
import pytest
from helpers import write_xlsx
from openpyxl import load_workbook

import ngodong_analysis as nd
from ngodong_analysis.cli import main
from ngodong_analysis.i18n import msg, nmsg, render, set_language
from ngodong_analysis.problems import DataError, Problem, ProblemList

UNKNOWN_VI = "không rõ mức xếp loại 'Khá'; các mức xếp loại năm 2019 theo biểu mẫu: "
UNKNOWN_EN = "unknown rating 'Khá'; the ratings of 2019, as the template lists them: "


@pytest.fixture
def default_language(monkeypatch):
    """The package's own default (the suite otherwise reads messages in English)."""
    monkeypatch.delenv("NGODONG_LANG", raising=False)
    set_language(None)


def _unknown_label(tmp_path):
    return write_xlsx(
        tmp_path / "raw" / "xep_loai_2019.xlsx",
        {"Năm 2019": [["Tên chi bộ", "Xếp loại"], ["Chi bộ Thôn 1", "Khá"]]},
    )


def test_validate_prints_the_problem_in_vietnamese_by_default(tmp_path, capsys):
    path = _unknown_label(tmp_path)
    assert main(["validate", "-q", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"  LỖI     Năm 2019 › B2: {UNKNOWN_VI}" in out
    assert out.rstrip().endswith("1 lỗi, 0 cảnh báo trong 1 tệp.")
    assert "unknown" not in out


def test_validate_prints_it_in_english_with_lang_en(tmp_path, capsys):
    path = _unknown_label(tmp_path)
    assert main(["validate", "-q", "--lang", "en", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"  ERROR   Năm 2019 › B2: {UNKNOWN_EN}" in out
    assert out.rstrip().endswith("1 error, 0 warnings in 1 file.")


def test_ngodong_lang_sets_the_commands_default(tmp_path, capsys, monkeypatch):
    path = _unknown_label(tmp_path)
    monkeypatch.setenv("NGODONG_LANG", "en")
    assert main(["validate", "-q", str(path)]) == 1
    assert UNKNOWN_EN in capsys.readouterr().out


def test_a_problem_is_rendered_in_the_language_asked_for(tmp_path, default_language):
    [p] = nd.validate(_unknown_label(tmp_path))
    assert p.message.startswith(UNKNOWN_VI) and str(p).startswith(
        f"xep_loai_2019.xlsx › Năm 2019 › B2: {UNKNOWN_VI}"
    )
    assert p.render("en").startswith(UNKNOWN_EN) and p.render("vi") == p.message
    # place, value, severity and rule are the same in every language
    assert (p.file, p.sheet, p.cell, p.severity, p.rule, p.value) == (
        "xep_loai_2019.xlsx",
        "Năm 2019",
        "B2",
        "error",
        "rating",
        "Khá",
    )
    set_language("en")
    assert p.message.startswith(UNKNOWN_EN)  # lazy: the language of the reading, not the load


def test_ngodong_lang_is_the_default_of_the_python_api(tmp_path, default_language, monkeypatch):
    [p] = nd.validate(_unknown_label(tmp_path))
    monkeypatch.setenv("NGODONG_LANG", "en")
    assert p.message.startswith(UNKNOWN_EN)
    monkeypatch.setenv("NGODONG_LANG", "fr")
    with pytest.raises(ValueError, match="'fr' is not one of vi, en"):
        p.message  # noqa: B018


def test_problems_frame_and_to_frame_take_a_language(tmp_path):
    problems = nd.validate(_unknown_label(tmp_path))
    vi = problems.to_frame(lang="vi")
    en = nd.problems_frame(problems, lang="en")
    assert vi.at[0, "message"].startswith(UNKNOWN_VI)
    assert en.at[0, "message"].startswith(UNKNOWN_EN)
    assert vi.drop(columns="message").equals(en.drop(columns="message"))


def test_a_plain_text_problem_is_constructed_and_read_as_before(default_language):
    p = Problem("a.xlsx", "S", "A1", "warning", "totals disagree", 5, "totals")
    assert (p.message, p.render("en"), str(p)) == (
        "totals disagree",
        "totals disagree",
        "a.xlsx › S › A1: totals disagree",
    )
    assert p == Problem("a.xlsx", "S", "A1", "warning", "totals disagree", 5, "totals")
    assert p.as_dict()["value"] == "5"


def test_a_problem_survives_pickling_with_its_message_unrendered(default_language):
    p = Problem("a.xlsx", "S", "B2", "error", msg("not a number"), "x", "number")
    back = pickle.loads(pickle.dumps(p))  # how worker processes send problems back
    assert back == p and back.render("en") == "not a number"
    assert back.message == "không phải là số"


def test_plurals_follow_the_count():
    assert render(nmsg("{n} data error:", "{n} data errors:", 1), "en") == "1 data error:"
    assert render(nmsg("{n} data error:", "{n} data errors:", 3), "en") == "3 data errors:"
    assert render(nmsg("{n} data error:", "{n} data errors:", 3), "vi") == "3 lỗi số liệu:"


def test_a_message_inside_a_message_is_rendered_in_the_same_language():
    number = msg(
        "{error}: {value} under {header}", error=msg("not a number"), value="'x'", header="'Nữ'"
    )
    assert render(number, "vi") == "không phải là số: 'x' ở cột 'Nữ'"
    assert render(number, "en") == "not a number: 'x' under 'Nữ'"


def test_a_blank_value_is_a_word_of_the_language():
    p = Problem("a.xlsx", "S", "B2", "error", "dup", float("nan"), "duplicate")
    assert p.as_dict("vi")["value"] == "trống" and p.as_dict("en")["value"] == "blank"


def _many(n: int) -> list[Problem]:
    return [
        Problem("f.xlsx", "Năm 2019", f"B{i}", "error", msg("not a number"), "x", "number")
        for i in range(2, n + 2)
    ]


def test_the_data_error_listing_and_its_count_follow_the_language(default_language):
    err = DataError(_many(12))
    text = str(err)
    assert text.startswith("12 lỗi số liệu:\n  f.xlsx › Năm 2019 › B2: không phải là số")
    assert "\n  … và 2 vấn đề khác\n" in text and "xem tất cả" in text
    assert err.describe("en").startswith("12 data errors:\n  f.xlsx › Năm 2019 › B2: not a number")
    assert "… and 2 more" in err.describe("en")


def test_the_jupyter_display_of_problems_is_vietnamese(default_language):
    html = ProblemList(_many(12))._repr_html_()
    assert "<p>12 lỗi, 0 cảnh báo</p>" in html
    assert "<th>mức độ</th>" in html and "<th>nội dung</th>" in html
    assert "… và 2 vấn đề khác" in html and "không phải là số" in html
    set_language("en")
    assert "<p>12 errors, 0 warnings</p>" in ProblemList(_many(12))._repr_html_()


def test_cut_short_kinds_are_counted_in_the_language(default_language):
    from ngodong_analysis.problems import MAX_PER_RULE, ProblemLog

    log = ProblemLog()
    for i in range(MAX_PER_RULE + 3):
        log.error("f.xlsx", "S", f"B{i}", msg("not a number"), rule="number")
    last = log.finish()[-1]
    assert last.message == (
        "… và 3 vấn đề khác cùng loại (number) trong trang tính này, không liệt kê từng vấn đề"
    )
    assert last.render("en").startswith("… and 3 more problems of this kind (number)")


def _warning_folder(tmp_path):
    # one rated cell and one left without a rating: a warning, so the build goes on
    return write_xlsx(
        tmp_path / "raw" / "xep_loai_2019.xlsx",
        {
            "Năm 2019": [
                ["Tên chi bộ", "Xếp loại"],
                ["Chi bộ Thôn 1", "HTTNV"],
                ["Chi bộ Thôn 2", None],
            ]
        },
    ).parent


@pytest.mark.slow
def test_the_build_writes_problems_in_its_language(tmp_path):
    from ngodong_analysis.build import build
    from ngodong_analysis.outputs.report import sheet_names

    raw = _warning_folder(tmp_path)
    vi, en = tmp_path / "vi", tmp_path / "en"
    assert build(raw, vi, lang="vi", progress=None, meter=False).status == "built"
    assert build(raw, en, lang="en", progress=None, meter=False).status == "built"
    wanted_vi = "chưa có mức xếp loại của 'Chi bộ Thôn 2' năm 2019; bỏ qua dòng này"
    wanted_en = "no rating for 'Chi bộ Thôn 2' in 2019; row skipped"
    for out, wanted in ((vi, wanted_vi), (en, wanted_en)):
        csv = pd.read_csv(out / "problems.csv", encoding="utf-8-sig")
        assert csv["message"].tolist() == [wanted]
        assert (csv.at[0, "cell"], csv.at[0, "rule"]) == ("B3", "rating")
    # the report's problems sheet ("Vấn đề") is Vietnamese in a Vietnamese build
    ws = load_workbook(vi / "report.xlsx")[sheet_names("vi")["problems"]]
    cells = [c for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert sheet_names("vi")["problems"] == "Vấn đề"
    assert wanted_vi in cells and wanted_en not in cells
    ws_en = load_workbook(en / "report.xlsx")[sheet_names("en")["problems"]]
    cells_en = [c for row in ws_en.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert wanted_en in cells_en
