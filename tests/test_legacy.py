"""Legacy Vietnamese text (TCVN3, VNI) back to Unicode: tables, detection, sheets, speed."""

from __future__ import annotations

import random
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ngodong_analysis.ingest.legacy import (
    ENCODINGS,
    TCVN3,
    VNI,
    convert_values,
    detect_encoding,
    from_unicode,
    is_syllable,
    sheet_encoding,
    tcvn3_table,
    to_unicode,
    vni_table,
)

# (Unicode, TCVN3 as read, VNI as read)
EXAMPLES = [
    ("Hoàn thành tốt nhiệm vụ", "Hoµn thµnh tèt nhiÖm vô", "Hoaøn thaønh toát nhieäm vuï"),
    ("Đảng", "§¶ng", "Ñaûng"),
    ("Chi bộ", "Chi bé", "Chi boä"),
    ("Tổ dân phố", "Tæ d©n phè", "Toå daân phoá"),
    ("Trong sạch, vững mạnh", "Trong s¹ch, v÷ng m¹nh", "Trong saïch, vöõng maïnh"),
]

# Real words; together they use all 67 lower-case Vietnamese letters (checked below).
WORDS = """
và thành cá bán nhà bảo đảng đã xã mạnh sạch năm thăm bằng hằng bắc chắc chẳng hẳn sẵn
lẵng mặt đặc dân cân cần lần cấp nhất phẩm chuẩn dẫn vẫn vận tập đi đạt mèo chè xét bé trẻ
kẻ sẽ vẽ mẹ đẹp tên bên về nhiều kết thế để thể dễ lễ nhiệm việc gì bình chính tính chỉ
tỉnh nghĩa sĩ thị chị vòng trò có khó nhỏ tỏ rõ võ họp học công đông đồng hồ tốt phố số tổ
tổng mỗi chỗ bộ hội nội cơ sơ người thời mời với mới lớp ở sở vỡ lỡ hợp lợi tùy cùng đúng
của chủ cũng vũ vụ thụ thư sư từ chứ thức mức cử thử những vững giữ thực sự lực kỳ ý quý
kỷ mỹ kỹ quỵ lỵ được trường mười nước lương muốn cuộc luôn tiên biết chuyên hoàn khoa toàn
huyện quyết thủy xuất sắc hoàn thành nhiệm vụ trong vững mạnh khá trung bình yếu kém đảng
viên chi ủy ban nhân dân thị trấn ngô giao thủy nam định khu tổ dân phố xóm thôn năm khen
thưởng kỷ luật đoàn thanh niên phụ nữ cựu chiến binh mặt trận tổ quốc hộ nghèo cận thu nhập
""".split()

LOWER_LETTERS = set("àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ")

phrases = st.lists(st.sampled_from(WORDS), min_size=1, max_size=8).map(" ".join)


# --------------------------------------------------------------------------------------------
# tables


def test_tables_cover_the_letters():
    tcvn3 = tcvn3_table()
    assert len(tcvn3) == 74
    assert set(tcvn3.values()) == LOWER_LETTERS | set("ĂÂĐÊÔƠƯ")
    assert all(0xA1 <= ord(code) <= 0xFE for code in tcvn3)
    vni = vni_table()
    all_letters = LOWER_LETTERS | {ch.upper() for ch in LOWER_LETTERS}
    assert len(all_letters) == 134
    # ì í Ì Í are the same code points in VNI as in Unicode
    assert set(vni.values()) == all_letters - set("ìíÌÍ")
    assert all(len(seq) in (1, 2) for seq in vni)


def test_every_letter_round_trips():
    for letter in LOWER_LETTERS | set("ĂÂĐÊÔƠƯ"):
        assert to_unicode(from_unicode(letter, TCVN3), TCVN3) == letter
    for letter in LOWER_LETTERS | {ch.upper() for ch in LOWER_LETTERS}:
        assert to_unicode(from_unicode(letter, VNI), VNI) == letter
        assert to_unicode(from_unicode(f"x{letter}y", VNI), VNI) == f"x{letter}y"


def test_word_list_uses_every_letter():
    assert LOWER_LETTERS <= set("".join(WORDS))


@pytest.mark.parametrize(("uni", "tcvn3", "vni"), EXAMPLES)
def test_examples_decode(uni, tcvn3, vni):
    assert to_unicode(tcvn3, TCVN3) == uni
    assert to_unicode(vni, VNI) == uni


@pytest.mark.parametrize(("uni", "tcvn3", "vni"), EXAMPLES)
def test_examples_encode(uni, tcvn3, vni):
    assert from_unicode(uni, TCVN3) == tcvn3
    assert from_unicode(uni, VNI) == vni


@pytest.mark.parametrize(("uni", "tcvn3", "vni"), [e for e in EXAMPLES if e[1] != "Chi bé"])
def test_examples_detected(uni, tcvn3, vni):
    assert detect_encoding(tcvn3) == TCVN3
    assert detect_encoding(vni) == VNI
    assert to_unicode(tcvn3) == uni
    assert to_unicode(vni) == uni


def test_chi_be_alone_is_ambiguous():
    # "Chi bé" is also good Unicode ("small cell"): on its own it is left alone
    assert detect_encoding("Chi bé") is None
    assert to_unicode("Chi bé") == "Chi bé"


def test_unknown_encoding_rejected():
    with pytest.raises(ValueError):
        to_unicode("x", "viscii")
    with pytest.raises(ValueError):
        convert_values(["x"], "viscii")


# --------------------------------------------------------------------------------------------
# case


def test_tcvn3_capitals():
    assert to_unicode("§¶NG", TCVN3) == "ĐẢNG"  # .VnTimeH: capitals with the lower-case codes
    assert to_unicode("Tæ D©N PHè", TCVN3) == "TỔ DÂN PHỐ"
    assert to_unicode("Tæ", TCVN3) == "Tổ"  # one capital: read as title case
    assert to_unicode("UBND x· Ng« §ång", TCVN3) == "UBND xã Ngô Đồng"
    assert to_unicode("Ng¦êi", TCVN3) == "NgƯời"  # documented limit: case is per code
    assert from_unicode("ĐẢNG BỘ", TCVN3) == "§¶NG Bé"


def test_vni_keeps_case():
    for text in ("ĐẢNG BỘ", "Ấp Bắc", "ỦY BAN NHÂN DÂN", "Ỷ Lan", "Ngô Đồng"):
        assert to_unicode(from_unicode(text, VNI), VNI) == text


# --------------------------------------------------------------------------------------------
# round trips and never-flag properties


@settings(max_examples=300, deadline=None)
@given(phrases)
def test_tcvn3_round_trip(phrase):
    encoded = from_unicode(phrase, TCVN3)
    assert to_unicode(encoded, TCVN3) == unicodedata.normalize("NFC", phrase)
    assert detect_encoding(encoded) in (TCVN3, None)
    assert to_unicode(encoded) in (phrase, encoded)


@settings(max_examples=300, deadline=None)
@given(phrases, st.sampled_from([str.lower, str.upper, str.title]))
def test_vni_round_trip(phrase, case):
    phrase = case(phrase)
    encoded = from_unicode(phrase, VNI)
    assert to_unicode(encoded, VNI) == phrase
    assert detect_encoding(encoded) in (VNI, None)


@settings(max_examples=300, deadline=None)
@given(phrases, st.sampled_from([str.lower, str.upper, str.title]))
def test_unicode_never_flagged(phrase, case):
    for text in (case(phrase), unicodedata.normalize("NFD", case(phrase))):
        assert detect_encoding(text) is None
        assert to_unicode(text) == text
        assert convert_values([text]) == {}


def test_phrases_are_detected_never_misread():
    rng = random.Random(5)
    for encoding in ENCODINGS:
        hits = 0
        for _ in range(300):
            phrase = " ".join(rng.choice(WORDS) for _ in range(6))
            encoded = from_unicode(phrase, encoding)
            detected = detect_encoding(encoded)
            assert detected in (encoding, None), (phrase, encoded, detected)
            hits += detected == encoding
        # six words almost always hold one that cannot be Unicode as it stands
        assert hits >= 290, (encoding, hits)


def test_output_is_nfc():
    for uni, tcvn3, vni in EXAMPLES:
        for text, encoding in ((tcvn3, TCVN3), (vni, VNI)):
            out = to_unicode(text, encoding)
            assert unicodedata.is_normalized("NFC", out)
            assert out == uni


def test_windows_1252_punctuation_kept():
    # bytes 0x93/0x94/0x96 read as Windows-1252 are curly quotes and a dash
    assert to_unicode("“Hoµn thµnh tèt” – 2019") == "“Hoàn thành tốt” – 2019"
    assert to_unicode("“Hoaøn thaønh toát” – 2019") == "“Hoàn thành tốt” – 2019"


def test_non_strings():
    assert detect_encoding(None) is None  # type: ignore[arg-type]
    assert convert_values([None, 1.5, float("nan"), 7]) == {}


vni_alphabet = sorted({ch for seq in vni_table() for ch in seq} | set("aeouyAEOUYnhg ,\n"))


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=vni_alphabet, max_size=12))
def test_vni_fast_path_matches_pairwise(text):
    from ngodong_analysis.ingest.legacy import _raw_decode, _vni_decode_pairs

    assert _raw_decode(text, VNI) == _vni_decode_pairs(text)


@pytest.mark.parametrize(
    "text",
    [
        "Hoàn thành tốt nhiệm vụ",
        unicodedata.normalize("NFD", "Hoàn thành tốt nhiệm vụ"),
        "Chi bộ tổ dân phố số 2",
        "Hoà",
        "khoá",
        "Tô Lâm",
        "có",
        "Cá",
        "Bé",
        "Trà Vinh",
        "Café",
        "Nestlé",
        "résumé",
        "naïve",
        "Müller",
        "Straße",
        "señor",
        "Zürich",
        "Ångström",
        "Microsoft®",
        "© 2020",
        "£5",
        "50%",
        "12,5",
        "TSVM",
        "HTTNV",
        "",
        "   ",
        "ĐVT",
        "Số TT",
        "Đảng bộ thị trấn Ngô Đồng",
        "中文",
    ],
)
def test_not_legacy_unchanged(text):
    assert detect_encoding(text) is None
    assert to_unicode(text) == text
    assert convert_values([text]) == {}


def test_already_unicode_untouched_even_when_forced():
    assert to_unicode("Chi bộ", TCVN3) == "Chi bộ"
    assert to_unicode("Đảng", VNI) == "Đảng"


def test_abbreviations():
    assert to_unicode("®/c NguyÔn V¨n A") == "đ/c Nguyễn Văn A"
    assert to_unicode("§VT", TCVN3) == "ĐVT"


def test_tone_before_stop_is_evidence():
    # "tèt" has a grave tone before final t, impossible in Vietnamese: TCVN3 "tốt"
    assert not is_syllable("tèt")
    assert is_syllable("tốt")
    assert detect_encoding("Tèt") == TCVN3
    assert to_unicode("Tèt") == "Tốt"


@pytest.mark.parametrize(
    "word",
    "người được quốc giữa khuya khuỷu huých xoong thuở gì giết quyết chuyện ươu ỷ ơ".split(),
)
def test_syllables(word):
    assert is_syllable(word)
    assert is_syllable(word.upper())
    assert is_syllable(unicodedata.normalize("NFD", word))


@pytest.mark.parametrize("word", "café tæ hoaøn đ ẳẳ áà ngyy bcd ât".split())
def test_not_syllables(word):
    assert not is_syllable(word)


# --------------------------------------------------------------------------------------------
# sheets


LEGACY_SHEET = [
    "Chi bé tæ d©n phè sè 1",
    "Chi bé tæ d©n phè sè 2",
    "Hoµn thµnh tèt nhiÖm vô",
    "Hoµn thµnh xuÊt s¾c nhiÖm vô",
    "Trong s¹ch, v÷ng m¹nh",
    "Tèt",
    "Chi bé",  # ambiguous on its own
    "Bé",  # ambiguous on its own
    "®/c",
    "TSVM",
    "2019",
    None,
    3.5,
]


def test_sheet_level_detection():
    assert sheet_encoding(LEGACY_SHEET) == TCVN3
    converted = convert_values(LEGACY_SHEET)
    assert converted["Chi bé"] == "Chi bộ"
    assert converted["Bé"] == "Bộ"
    assert converted["®/c"] == "đ/c"
    assert converted["Tèt"] == "Tốt"
    assert converted["Chi bé tæ d©n phè sè 2"] == "Chi bộ tổ dân phố số 2"
    assert "TSVM" not in converted and "2019" not in converted
    # per-cell mode leaves the ambiguous cells alone
    per_cell = convert_values(LEGACY_SHEET, per_cell=True)
    assert "Chi bé" not in per_cell and "Bé" not in per_cell
    assert per_cell["Tèt"] == "Tốt"


def test_vni_sheet():
    cells = [from_unicode(u, VNI) for u, _, _ in EXAMPLES] + ["Chi boä", "Toát"]
    assert sheet_encoding(cells) == VNI
    converted = convert_values(cells)
    assert converted["Toát"] == "Tốt"  # "Toát" is also Unicode; the sheet decides
    assert converted["Chi boä"] == "Chi bộ"


def test_unicode_sheet_is_not_legacy():
    cells = ["Chi bộ tổ dân phố số 1", "Hoàn thành tốt nhiệm vụ", "Bé", "Cá", "có", "Tô Lâm"]
    assert sheet_encoding(cells) is None
    assert convert_values(cells) == {}


def test_mixed_sheet_per_cell():
    # half pasted from a Unicode source, half typed in TCVN3: no sheet decision
    cells = [
        "Hoàn thành tốt nhiệm vụ",
        "Chi bộ tổ dân phố số 1",
        "Đảng viên",
        "Trong sạch, vững mạnh",
        "Chi bé",
        "Hoµn thµnh tèt nhiÖm vô",
        "Tæ d©n phè sè 3",
    ]
    assert sheet_encoding(cells) is None
    converted = convert_values(cells)
    assert converted == {
        "Hoµn thµnh tèt nhiÖm vô": "Hoàn thành tốt nhiệm vụ",
        "Tæ d©n phè sè 3": "Tổ dân phố số 3",
    }


def test_forced_sheet_encoding_never_touches_unicode():
    cells = ["Chi bộ", "Chi bé", "Café", "Tæ"]
    converted = convert_values(cells, TCVN3)
    assert converted == {"Chi bé": "Chi bộ", "Tæ": "Tổ"}  # "Café" → "Cafộ" is not Vietnamese


def test_one_legacy_cell_is_not_a_legacy_sheet():
    assert sheet_encoding(["Tèt", "Chi bé", "Bé", "Cá", "có"]) is None
    assert sheet_encoding(["Tèt", "Hoµn thµnh"]) == TCVN3
    assert sheet_encoding([]) is None
    assert sheet_encoding(["ASCII only", "TSVM"]) is None


# --------------------------------------------------------------------------------------------
# many distinct values at once (speed itself is measured in benchmarks/, not asserted here)


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_batch_of_distinct_strings(encoding):
    rng = random.Random(11)
    phrases_ = sorted(
        {
            " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 6))) + f" {i}"
            for i in range(20_000)
        }
    )
    legacy = [from_unicode(p, encoding) for p in phrases_]
    converted = convert_values(legacy)
    assert len(converted) > 19_000
    back = dict(zip(legacy, phrases_, strict=True))
    for old, new in list(converted.items())[:500]:
        assert new.lower() == unicodedata.normalize("NFC", back[old]).lower()
