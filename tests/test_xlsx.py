"""The workbook machinery the report and the templates share (ngodong_analysis.outputs.xlsx)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from openpyxl import load_workbook

from ngodong_analysis.outputs.files import save_reproducible
from ngodong_analysis.outputs.xlsx import Sheet, cell_text, cell_value, new_workbook


def test_cell_text_is_nfc_without_illegal_characters_and_never_a_formula():
    decomposed = "Tô\u0309 da\u0302n pho\u0302\u0301"  # NFD: combining marks apart
    assert cell_text(decomposed) == "Tổ dân phố"
    assert cell_text('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert cell_text("Chi bộ\x07 Thôn 1") == "Chi bộ Thôn 1"
    assert len(cell_text("x" * 40_000)) == 32_767


def test_cell_values_keep_numbers_and_drop_what_a_cell_cannot_hold():
    assert cell_value(np.int64(7)) == 7 and type(cell_value(np.int64(7))) is int
    assert cell_value(pd.NA) is None and cell_value(math.inf) is None
    assert cell_value(0.25) == 0.25 and cell_value(True) is True
    assert cell_value("") is None


def test_a_new_workbook_has_no_sheet_and_names_its_author(tmp_path):
    wb = new_workbook("ngodong template", "ngodong template 2019", "vi")
    assert wb.sheetnames == []
    sheet = Sheet(wb.create_sheet("Năm 2019"), lambda key, **f: {"t": "Tiêu đề"}[key])
    sheet.title("t")
    path = save_reproducible(wb, tmp_path / "a.xlsx")
    again = load_workbook(path)
    assert again.properties.creator == again.properties.lastModifiedBy == "ngodong template"
    assert again.properties.title == "ngodong template 2019"
    assert again.properties.language == "vi"
    assert again["Năm 2019"]["A1"].value == "Tiêu đề"
