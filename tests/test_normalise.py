import pytest
from helpers import write_xlsx
from hypothesis import given, settings
from hypothesis import strategies as st

from ngodong_analysis.ingest.normalise import (
    income_unit,
    infer_kind,
    match_label,
    parse_number,
    suggest_labels,
)


@pytest.mark.parametrize(
    ("raw", "integer", "expected"),
    [
        (12, True, 12.0),
        (12.0, True, 12.0),
        ("12", True, 12.0),
        (" 1 234 ", True, 1234.0),
        ("1.234", True, 1234.0),
        ("1,234", True, 1234.0),
        ("1.234.567", False, 1234567.0),
        ("57,5", False, 57.5),
        ("57.5", False, 57.5),
        ("1.234,5", False, 1234.5),
        ("1,234.5", False, 1234.5),
        ("-", True, 0.0),
        ("–", True, 0.0),
        ("", True, None),
        (None, True, None),
    ],
)
def test_numbers(raw, integer, expected):
    parsed = parse_number(raw, integer=integer)
    assert parsed.error is None
    assert parsed.value == expected


@pytest.mark.parametrize(
    ("raw", "integer", "fragment"),
    [
        ("1.234", False, "ambiguous"),
        ("12,5", True, "whole"),
        ("abc", True, "not a number"),
        ("-3", True, "negative"),
        ("45%", True, "percentage"),
    ],
)
def test_bad_numbers_are_problems_not_guesses(raw, integer, fragment):
    parsed = parse_number(raw, integer=integer)
    assert parsed.value is None
    assert fragment in str(parsed.error)


@pytest.mark.parametrize(
    ("header", "factor"),
    [
        ("Thu nhập bình quân (triệu đồng/người/năm)", 1.0),
        ("TNBQ (nghìn đồng/người/tháng)", 12e-3),
        ("Thu nhập (đồng/người/tháng)", 12e-6),
        ("Thu nhập (đồng/người/năm)", 1e-6),
        ("Thu nhập (tr.đ/người/năm)", 1.0),
    ],
)
def test_income_units(header, factor):
    assert income_unit(header)[0] == pytest.approx(factor)


def test_income_without_unit_is_unknown():
    assert income_unit("Thu nhập bình quân") is None


@pytest.mark.parametrize(
    ("text", "subject", "code"),
    [
        ("Trong sạch, vững mạnh", "organisation", "TSVM"),
        ("trong sach vung manh", "organisation", "TSVM"),
        ("TSVM tiêu biểu", "organisation", "TSVM_TB"),
        ("HT xuất sắc NV", "organisation", "HTXSNV"),
        ("Hoàn thành tốt NV", "organisation", "HTTNV"),
        ("yếu kém", "organisation", "YEU_KEM"),
        ("Đủ tư cách, hoàn thành xuất sắc nhiệm vụ", "member", "HTXSNV"),
        ("đủ tư cách HTTNV", "member", "HTTNV"),
        ("Vi phạm tư cách", "member", "KHTNV"),
    ],
)
def test_label_variants(text, subject, code):
    assert match_label(text, subject).code == code


NEW_SCALE = ["HTXSNV", "HTTNV", "HTNV", "KHTNV"]


def test_unknown_label_gets_suggestions():
    assert match_label("Khá", "organisation") is None
    assert suggest_labels("Hoàn thành tốt nhiem", "organisation") == ["HTTNV"]


def test_a_label_spaced_differently_suggests_itself_first():
    assert suggest_labels("HTT NV", "organisation", NEW_SCALE)[0] == "HTTNV"
    assert suggest_labels("H.T.X.S.N.V", "member", NEW_SCALE)[0] == "HTXSNV"


def test_nothing_is_suggested_when_nothing_is_close():
    # "Khá" (fairly good) was offered KHTNV (not completed) for sharing two letters with it
    for text in ("Khá", "Khá tốt", "xyz"):
        assert suggest_labels(text, "organisation", NEW_SCALE) == [], text
        assert suggest_labels(text, "member", NEW_SCALE) == [], text


def test_words_in_front_that_reverse_the_sense_are_not_suggested():
    close = suggest_labels("Hoàn thành", "organisation", NEW_SCALE)
    assert "KHTNV" not in close and close[0] == "HTNV"
    assert suggest_labels("Hoàn thành tốt", "organisation", NEW_SCALE) == ["HTTNV"]
    assert suggest_labels("Không hoàn thành", "organisation", NEW_SCALE) == ["KHTNV"]


def test_a_typing_slip_suggests_the_label():
    assert suggest_labels("Hoàn thành tốt nhiệm vuu", "organisation", NEW_SCALE) == ["HTTNV"]
    assert suggest_labels("HTTNVV", "organisation", NEW_SCALE) == ["HTTNV"]


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Chi bộ Tổ dân phố số 2", "residential"),
        ("CB TDP 5", "residential"),
        ("Chi bộ Thôn Phú Lộc", "residential"),
        ("Chi bộ Trường THCS Ngô Đồng", "school"),
        ("Chi bộ Công an thị trấn", "police"),
        ("Chi bộ Quân sự", "military"),
        ("Chi bộ Trạm Y tế", "health"),
        ("Chi bộ HTX Nông nghiệp", "enterprise"),
        ("Chi bộ số 3", "other"),
        # "ban" (bản, a mountain village) is residential; a board ("Ban …") named in more
        # words is not, wherever the table lists it
        ("Chi bộ Bản Nà Hang", "residential"),
        ("Chi bộ Cơ quan Ủy ban nhân dân xã", "agency"),
        ("Chi bộ Cơ quan UBND xã", "agency"),
        ("Chi bộ Ban Chỉ huy Quân sự xã", "military"),
        ("Chi bộ Ban CHQS xã", "military"),
        ("Chi bộ Mặt trận Tổ quốc và các đoàn thể", "agency"),
        # the head noun comes first: a school in a village is a school
        ("Chi bộ Trường Mầm non thôn Phú Lộc", "school"),
    ],
)
def test_kind_from_name(name, kind):
    assert infer_kind(name) == kind


@pytest.mark.parametrize(
    ("score", "ceiling"),
    [
        (100, "HTXSNV"),
        (90, "HTXSNV"),
        (89.9995, "HTTNV"),  # "70 to under 90": no gap between 89.999 and 90
        (70, "HTTNV"),
        (69.9995, "HTNV"),
        (50, "HTNV"),
        (49.9995, "KHTNV"),
        (0, "KHTNV"),
        (100.5, None),
        (-0.5, None),
    ],
)
def test_a_qd366_score_s_ceiling_follows_the_half_open_bands(score, ceiling):
    from ngodong_analysis.ingest.normalise import rating_from_score

    assert rating_from_score(score, "qd366") == ceiling


def test_a_dash_is_no_score_and_no_income_but_zero_members(tmp_path):
    import ngodong_analysis as nd
    from ngodong_analysis.ingest.normalise import parse_number as parse

    assert parse("-").value == 0.0  # a count: nobody
    assert parse("–", dash_blank=True).value is None and parse("–", dash_blank=True).error is None
    assert parse("0", dash_blank=True).value == 0.0  # a written 0 stays 0
    # a QĐ 366 sheet: "-" under "Điểm" is no score, so HTXSNV is not capped at KHTNV
    rows = [
        ["KẾT QUẢ XẾP LOẠI CHI BỘ NĂM 2025"],
        ["STT", "Tên chi bộ", "Điểm", "Kết quả xếp loại"],
        [1, "Chi bộ Thôn 1", "-", "Hoàn thành xuất sắc nhiệm vụ"],
        [2, "Chi bộ Thôn 2", 92, "Hoàn thành xuất sắc nhiệm vụ"],
    ]
    income = [
        ["Năm", "Thôn", "Số hộ", "Thu nhập bình quân (triệu đồng/người/năm)"],
        [2025, "Thôn 1", 120, "-"],
        [2025, "Thôn 2", "-", 61.5],
    ]
    write_xlsx(tmp_path / "xep_loai_2025.xlsx", {"Năm 2025": rows, "Thu nhập": income})
    ds = nd.load_dataset(tmp_path, use_processed=False)
    assert ds.cell_ratings["rating"].tolist() == ["HTXSNV", "HTXSNV"]
    assert ds.cell_ratings["score"].isna().tolist() == [True, False]
    assert ds.income["income_per_capita"].isna().tolist() == [True, False]
    assert ds.income["households"].tolist() == [120, 0]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.none(),
            st.just(""),
            st.from_regex(r"\A[0-9]{1,17}\Z"),
            st.floats(allow_nan=True, allow_infinity=True),
            st.integers(-5, 10**17),
            st.sampled_from(["-", " 12", "1.234", "12,5", "²", "٣", "007"]),
        ),
        min_size=1,
        max_size=8,
        unique_by=lambda v: (type(v), repr(v)),
    ),
    st.booleans(),
)
def test_the_plain_numbers_shortcut_reads_what_parse_number_reads(uniques, integer):
    """Whenever extract's shortcut takes a column's distinct values, each is the number
    parse_number gives without an error; it declines every value parse_number questions."""
    import math

    from ngodong_analysis.ingest.extract import _plain_numbers

    values = _plain_numbers(uniques, integer)
    if values is None:
        return
    for u, v in zip(uniques, values, strict=True):
        parsed = parse_number(u, integer=integer)
        assert parsed.error is None and parsed.options is None
        if parsed.value is None:
            assert math.isnan(v)
        else:
            assert v == parsed.value


def test_the_plain_numbers_shortcut_takes_digit_texts_and_floats():
    from ngodong_analysis.ingest.extract import _plain_numbers

    assert list(_plain_numbers(["12", "", None, "007"], True)[[0, 3]]) == [12.0, 7.0]
    assert list(_plain_numbers([3.0, 41.0], True)) == [3.0, 41.0]
    assert _plain_numbers(["12", "-"], True) is None  # a dash is read as 0 or blank
    assert _plain_numbers([2.5], True) is None  # not a whole number: an error to report
    assert _plain_numbers([2.5], False) is not None
    assert _plain_numbers(["1.234"], True) is None  # ambiguous
