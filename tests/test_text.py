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
