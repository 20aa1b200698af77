import codecs

import pytest
from helpers import write_xlsx

from ngodong_analysis.problems import ProblemLog
from ngodong_analysis.read import find_inputs, read_workbook, sniff


def test_positions_count_from_a1_even_when_data_starts_later(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Năm 2019"
    ws["C3"] = "Chi bộ"
    ws["D5"] = 7
    ws.merge_cells("C3:D3")
    wb.save(tmp_path / "a.xlsx")
    [sheet] = read_workbook(tmp_path / "a.xlsx", ProblemLog())
    assert sheet.name == "Năm 2019"
    assert sheet.rows[2][2] == "Chi bộ"
    assert sheet.rows[4][3] == 7
    assert ((2, 2), (2, 3)) in sheet.merged


def test_format_comes_from_content_not_name(tmp_path):
    path = write_xlsx(tmp_path / "report.dat", {"S": [["a", "b"], [1, 2]]})
    assert sniff(path) == "xlsx"
    [sheet] = read_workbook(path, ProblemLog())
    assert sheet.rows[1] == [1, 2] or sheet.rows[1] == [1.0, 2.0]


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [("utf-8", b""), ("utf-8", codecs.BOM_UTF8), ("utf-16-le", codecs.BOM_UTF16_LE)],
)
def test_csv_encodings(tmp_path, encoding, bom):
    sep = "\t" if encoding.startswith("utf-16") else ","
    text = (
        sep.join(["Năm", "Chi bộ", "Xếp loại"])
        + "\n"
        + sep.join(["2019", "Chi bộ Tổ dân phố số 2", "Hoàn thành tốt nhiệm vụ"])
        + "\n"
    )
    path = tmp_path / "x.csv"
    path.write_bytes(bom + text.encode(encoding))
    [sheet] = read_workbook(path, ProblemLog())
    assert sheet.rows[0] == ["Năm", "Chi bộ", "Xếp loại"]
    assert sheet.rows[1][2] == "Hoàn thành tốt nhiệm vụ"


def test_not_a_workbook_is_a_located_error(tmp_path):
    path = tmp_path / "ratings.xlsx"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    log = ProblemLog()
    assert read_workbook(path, log) == []
    [problem] = log.problems
    assert problem.file == "ratings.xlsx"
    assert problem.is_error
    assert "not a spreadsheet" in problem.message


def test_truncated_workbook_is_a_located_error(tmp_path):
    good = write_xlsx(tmp_path / "good.xlsx", {"S": [["a"]]})
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(good.read_bytes()[:200])
    log = ProblemLog()
    assert read_workbook(bad, log) == []
    assert log.problems[0].file == "bad.xlsx"
    assert log.has_errors


def test_find_inputs_skips_lock_hidden_and_readme(tmp_path):
    for name in ("a.xlsx", "~$a.xlsx", ".hidden.xlsx", "README.md", "sub/b.csv"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    assert [p.relative_to(tmp_path).as_posix() for p in find_inputs(tmp_path)] == [
        "a.xlsx",
        "sub/b.csv",
    ]
