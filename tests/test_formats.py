"""Every input format, each built inside the test: xlsx, xlsm, xls, ods, csv; content over
name; encrypted and non-workbook files refused with the file named."""

import codecs

import pandas as pd
import pytest
from helpers import write_xlsx

import ngodong_analysis as nd

HEADER = ["Tên chi bộ", "Xếp loại"]
ROWS = [["CB TDP 1", "Hoàn thành tốt nhiệm vụ"], ["Chi bộ Trường THCS", "HTXSNV"]]


def check(ratings):
    assert ratings["year"].tolist() == [2019, 2019]
    assert ratings["cell_id"].tolist() == ["tdp-1", "truong-thcs"]
    assert ratings["rating"].tolist() == ["HTTNV", "HTXSNV"]


def test_xls(tmp_path):
    import xlwt

    wb = xlwt.Workbook()
    ws = wb.add_sheet("Năm 2019")
    for r, row in enumerate([HEADER, *ROWS]):
        for c, value in enumerate(row):
            ws.write(r, c, value)
    wb.save(str(tmp_path / "old.xls"))
    check(nd.load_cell_ratings(tmp_path / "old.xls"))


def test_ods(tmp_path):
    frame = pd.DataFrame(ROWS, columns=HEADER)
    frame.to_excel(tmp_path / "lo.ods", sheet_name="Năm 2019", index=False, engine="odf")
    check(nd.load_cell_ratings(tmp_path / "lo.ods"))


def test_xlsm_and_misnamed_xlsx(tmp_path):
    path = write_xlsx(tmp_path / "macro.xlsm", {"Năm 2019": [HEADER, *ROWS]})
    check(nd.load_cell_ratings(path))
    renamed = tmp_path / "ratings.csv"  # an xlsx saved under a CSV name
    renamed.write_bytes(path.read_bytes())
    check(nd.load_cell_ratings(renamed))


@pytest.mark.parametrize(
    ("encoding", "bom", "sep"),
    [
        ("utf-8", b"", ","),
        ("utf-8", codecs.BOM_UTF8, ";"),
        ("utf-16-le", codecs.BOM_UTF16_LE, "\t"),
    ],
)
def test_csv_with_year_column(tmp_path, encoding, bom, sep):
    lines = [sep.join(["Năm", *HEADER])] + [sep.join(["2019", *r]) for r in ROWS]
    path = tmp_path / "xep_loai.csv"
    path.write_bytes(bom + ("\r\n".join(lines) + "\r\n").encode(encoding))
    check(nd.load_cell_ratings(path))


def test_encrypted_workbook_is_refused_by_name(tmp_path):
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = write_xlsx(tmp_path / "plain.xlsx", {"Năm 2019": [HEADER, *ROWS]})
    locked = tmp_path / "locked.xlsx"
    with open(plain, "rb") as src, open(locked, "wb") as dst:
        OOXMLFile(src).encrypt("secret", dst)
    [problem] = nd.validate(locked)
    assert problem.file == "locked.xlsx" and problem.is_error
    assert "password" in problem.message


def test_text_that_is_not_a_table_is_reported(tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("meeting notes\nnothing tabular here\n", encoding="utf-8")
    [problem] = nd.validate(path)
    assert problem.file == "notes.csv" and problem.rule == "unknown-sheet"
