import unicodedata

import pytest

from ngodong_analysis.text import fold, key, make_id, nfc


def test_fold_ignores_case_diacritics_d_and_punctuation():
    assert fold("Đảng  viên,  TRẺ!") == "dang vien tre"
    assert fold("Hoàn thành tốt nhiệm vụ") == fold("hoan thanh tot nhiem vu")


def test_fold_treats_nfd_like_nfc():
    text = "Chi bộ Tổ dân phố số 2"
    assert fold(unicodedata.normalize("NFD", text)) == fold(text)


def test_nfc_composes_and_collapses_spaces():
    decomposed = unicodedata.normalize("NFD", "Ngô  Đồng\u00a0 town")
    out = nfc(decomposed)
    assert out == "Ngô Đồng town"
    assert unicodedata.is_normalized("NFC", out)


def test_key_expands_abbreviations():
    assert key("CB TDP 2") == "chi bo to dan pho 2"
    assert key("TNBQ") == "thu nhap binh quan"


@pytest.mark.parametrize(
    "name",
    [
        "Chi bộ Tổ dân phố số 2",
        "CB TDP 2",
        "chi bo to dan pho so 02",
        "Chi bộ TDP số 2",
        "CHI BỘ TỔ DÂN PHỐ SỐ 2",
        "Tổ dân phố 2",
    ],
)
def test_spellings_of_one_cell_share_an_id(name):
    assert make_id(name) == "tdp-2"


def test_different_cells_get_different_ids():
    ids = {
        make_id(n)
        for n in [
            "Chi bộ Tổ dân phố số 1",
            "Chi bộ Tổ dân phố số 12",
            "Chi bộ Trường THCS Ngô Đồng",
            "Chi bộ Trường Tiểu học",
        ]
    }
    assert len(ids) == 4


# --- key works word by word: it must equal the whole-string definition ---------------------
def _key_whole_string(text: str) -> str:
    """The definition of ``key`` on the whole string at once (the pre-word-by-word code)."""
    import re

    from ngodong_analysis.text import abbreviations

    table = abbreviations()
    tokens = [table.get(tok, tok) for tok in fold(text).split()]
    return re.sub(r"\b0+(\d)", r"\1", " ".join(tokens))


_PIECES = [
    "Chi bộ",
    "CB",
    "TDP",
    "tdp",
    "số",
    "0",
    "00",
    "02",
    "007x",
    "Tổ dân phố",
    "THCS",
    "Đ",
    "đ",
    "Thôn",
    "xã",
    "tỉnh",
    "Nghệ An",
    "TNBQ",
    "Ngô Đồng",
    ",",
    ".",
    "-",
    "(",
    ")",
    "I.",
    "a)",
    "\u0301",
    "\u0323",
    "e\u0302\u0301",
    "Σ",
    "ΑΣ",
    "İ",
    "\u212a",
    "\u00c5",
    "ß",
    "ǅ",
    "½",
    "²",
]
_SPACES = [" ", "  ", "\u00a0", "\t", "\n", "\u2003", "\u3000", "", "\u0085", "\x1c"]


def test_key_word_by_word_equals_whole_string_key():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    piece = st.one_of(st.sampled_from(_PIECES), st.text(max_size=4))
    words = st.lists(st.tuples(piece, st.sampled_from(_SPACES)), max_size=8)

    @settings(max_examples=400, deadline=None, database=None)
    @given(words)
    def check(parts):
        text = "".join(p + s for p, s in parts)
        assert key(text) == _key_whole_string(text)
        nfd = unicodedata.normalize("NFD", text)
        assert key(nfd) == _key_whole_string(nfd)

    check()


def _make_id_regex(name: str) -> str:
    """The definition of ``make_id`` with regular expressions (the pre-word-list code)."""
    import re

    from ngodong_analysis.text import abbreviations

    k = key(name)
    for prefix in ("chi bo ", "dang bo "):
        if k.startswith(prefix):
            k = k[len(prefix) :]
            break
    k = re.sub(r"\bso (?=\d)", "", k)
    short_of = {long: short for short, long in abbreviations().items()}
    longest_first = sorted(short_of, key=len, reverse=True)
    pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, longest_first)) + r")\b")
    k = pattern.sub(lambda m: short_of[m.group(0)], k)
    return "-".join(k.split()) or "unnamed"


def _infer_kind_scan(name: str) -> str:
    """The definition of ``infer_kind``: of the patterns found in the key, the one of most
    words, then the one found first, then the first in table order."""
    from ngodong_analysis.vocab import cell_kind_patterns

    k = f" {key(name)} "
    found = [
        (-len(pattern.split(" ")), k.find(f" {pattern} "), rank, kind)
        for rank, (pattern, kind) in enumerate(cell_kind_patterns())
        if f" {pattern} " in k
    ]
    return min(found)[3] if found else "other"


_NAME_WORDS = [
    "Chi bộ",
    "chi bo",
    "Đảng bộ",
    "dang bo",
    "CB",
    "số",
    "so",
    "So",
    "2",
    "02",
    "12a",
    "Tổ dân phố",
    "TDP",
    "to",
    "dan",
    "pho",
    "khu dân cư",
    "KDC",
    "khu",
    "Thôn",
    "xóm",
    "ấp",
    "bản",
    "Trường",
    "THCS",
    "THPT",
    "trung học",
    "cơ sở",
    "mầm non",
    "Công an",
    "quân sự",
    "Trạm Y tế",
    "y tế",
    "HTX",
    "hợp tác xã",
    "công ty",
    "UBND",
    "ủy ban",
    "Ban Chỉ huy",
    "CHQS",
    "nhân dân",
    "cơ quan",
    "xã",
    "tỉnh",
    "Ngô Đồng",
    "-",
    ",",
    "(",
    ")",
]


def test_make_id_and_infer_kind_equal_their_definitions():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from ngodong_analysis.ingest.normalise import infer_kind

    names = st.lists(st.sampled_from(_NAME_WORDS), max_size=9).map(" ".join)

    @settings(max_examples=500, deadline=None, database=None)
    @given(names)
    def check(name):
        assert make_id(name) == _make_id_regex(name)
        assert infer_kind(name) == _infer_kind_scan(name)

    check()
