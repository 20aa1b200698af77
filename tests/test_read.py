import codecs
import csv
import io

import pytest
from helpers import write_xlsx
from hypothesis import given, settings
from hypothesis import strategies as st

from ngodong_analysis.config import find_inputs
from ngodong_analysis.ingest.read import Sheet, read_workbook, sniff
from ngodong_analysis.problems import ProblemLog


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


# ------------------------------------------------------------------ CSV read column-wise


def _csv(tmp_path, text: str, name: str = "x.csv"):
    path = tmp_path / name
    path.write_bytes(codecs.BOM_UTF8 + text.encode("utf-8"))
    [sheet] = read_workbook(path, ProblemLog())
    return sheet


def test_csv_title_line_above_a_wider_header_and_ragged_rows(tmp_path):
    text = (
        "BÁO CÁO NĂM 2019\r\n"
        "\r\n"
        'Năm,Chi bộ,"Xóa tên, khai trừ",Ghi chú\r\n'
        '2019,"Chi bộ ""Tổ 1""",3\r\n'  # a short row: the note is missing
        '2019,"Chi bộ\nTổ 2",1.234,xong\r\n'  # a line break inside a quoted cell
    )
    sheet = _csv(tmp_path, text)
    assert sheet._rows is None  # held as a frame, not as lists of strings
    assert [str(t) for t in sheet.frame.dtypes] == ["str"] * 4
    assert sheet.n_rows == 5
    assert sheet.rows == [
        ["BÁO CÁO NĂM 2019", "", "", ""],
        ["", "", "", ""],
        ["Năm", "Chi bộ", "Xóa tên, khai trừ", "Ghi chú"],
        ["2019", 'Chi bộ "Tổ 1"', "3", ""],
        ["2019", "Chi bộ\nTổ 2", "1.234", "xong"],
    ]
    assert sheet.head(1) == [["BÁO CÁO NĂM 2019", "", "", ""]]
    assert sheet.row(3)[1] == 'Chi bộ "Tổ 1"'


def test_csv_row_wider_than_the_sample_is_read_by_the_csv_module(tmp_path):
    rows = [["Chi bộ", "Tổng số đảng viên"]] + [[f"Chi bộ {i}", str(i)] for i in range(900)]
    rows.append(["Chi bộ cuối", "5", "ghi chú", "thêm"])  # far past the 8 KiB sample
    text = "\n".join(",".join(r) for r in rows) + "\n"
    assert len(text) > 8192
    sheet = _csv(tmp_path, text)
    assert sheet.rows == [list(r) for r in csv.reader(io.StringIO(text))]


@pytest.mark.parametrize(
    "text",
    ["a,b\rc,d\r", "a,b\r\r\nc,d\r\n", 'a,"b\x00",c\n', "\ufeffa,b\n"],
    ids=["lone-cr", "cr-crlf", "nul", "second-bom"],
)
def test_csv_that_pyarrow_would_read_differently_goes_to_the_csv_module(tmp_path, text):
    from ngodong_analysis.ingest.read import _csv_frame

    assert _csv_frame(text.encode(), ",", 3) is None
    try:  # newline="": the csv module's own line-end handling, as the loader uses it
        expected = [list(r) for r in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error:
        return  # csv.reader refuses it (and so the file is not read): no fast path either
    assert _csv(tmp_path, text).rows == expected


def test_csv_in_windows_1258_is_still_read(tmp_path):
    # ASCII for the first 4 KiB (else the file is not taken for text), then not UTF-8
    rows = [["Nam", "Ten"]] + [["2019", f"Chi bo so {i}"] for i in range(400)]
    rows.append(["2020", "Đô Lương"])
    path = tmp_path / "x.csv"
    path.write_bytes("".join(f"{a},{b}\n" for a, b in rows).encode("cp1258"))
    [sheet] = read_workbook(path, ProblemLog())
    assert sheet._rows is None and sheet.rows == rows


def test_csv_in_windows_1258_with_vietnamese_in_the_header_is_text(tmp_path):
    # cp1258 writes tones as combining marks after the letter ("ê" + U+0301 for "ế")
    rows = [["Năm", "Tên", "Xê\u0301p loa\u0323i"], ["2019", "Đô Lương", "HTTNV"]]
    path = tmp_path / "cp.csv"
    path.write_bytes("".join(",".join(r) + "\r\n" for r in rows).encode("cp1258"))
    log = ProblemLog()
    [sheet] = read_workbook(path, log)
    assert sheet.rows == rows and not log.problems
    binary = tmp_path / "bin.csv"
    binary.write_bytes(bytes(range(1, 256)) * 4)  # control bytes: not text in any code page
    read_workbook(binary, log)
    assert [p.rule for p in log.problems] == ["not-a-workbook"]


def test_csv_with_old_mac_line_ends_is_read(tmp_path):
    path = tmp_path / "cr.csv"
    path.write_bytes(b'Nam,Chi bo\r2019,"A\rB"\r2020,C\r')
    log = ProblemLog()
    [sheet] = read_workbook(path, log)
    assert sheet.rows == [["Nam", "Chi bo"], ["2019", "A\rB"], ["2020", "C"]]
    assert not log.problems


_CSV_PIECES = st.sampled_from(["a", "Đ", "1", ",", ",", ";", "\t", '"', '""', " ", "\n", "\r\n"])


@settings(max_examples=400, deadline=None)
@given(st.lists(_CSV_PIECES, max_size=40).map("".join), st.sampled_from([",", ";", "\t"]))
def test_csv_frame_splits_cells_as_the_csv_module_does(text, delimiter):
    """Whenever the fast readers take a text, they give csv.reader's cells (padded)."""
    from ngodong_analysis.ingest.read import _csv_frame, _sample_width

    width = _sample_width(text, delimiter)
    frame = _csv_frame(text.encode(), delimiter, width)
    if frame is None:
        return
    rows = [list(r) for r in csv.reader(io.StringIO(text), delimiter=delimiter)]
    assert frame.to_numpy(dtype=object).tolist() == [r + [""] * (width - len(r)) for r in rows]
    assert list(frame.columns) == list(range(width))


def test_rows_of_a_list_sheet_become_one_frame(tmp_path):
    sheet = Sheet(tmp_path / "a.xlsx", "S", [["", None], ["x", 1.5, True]])
    assert sheet.n_rows == 2 and sheet.row(1) == ["x", 1.5, True]
    frame = sheet.frame
    assert frame.shape == (2, 3) and frame.dtypes.tolist() == [object] * 3
    frame.loc[1, 0] = "y"  # a change to the frame is what every reader sees from now on
    assert sheet.row(1) == ["y", 1.5, True]
    assert sheet.rows == [["", None, ""], ["y", 1.5, True]]  # a short row's cells are ''


@pytest.mark.parametrize(
    ("rows", "empty"),
    [
        ([], True),
        ([["", None], [" \t", ""]], True),
        ([["", None], ["", 0.0]], False),
        ([["", float("nan")]], False),  # as before: str(nan) is "nan"
        ([["", ""], ["", "x"]], False),
    ],
)
def test_is_empty(tmp_path, rows, empty):
    assert Sheet(tmp_path / "a.xlsx", "S", rows).is_empty() is empty


def test_blank_csv_sheet_is_empty(tmp_path):
    assert _csv(tmp_path, ",,\n , ,\n").is_empty()
    assert not _csv(tmp_path, ",,\n , ,x\n", "y.csv").is_empty()


@settings(max_examples=300, deadline=None)
@given(st.lists(_CSV_PIECES, min_size=1, max_size=60).map("".join))
def test_the_delimiter_is_the_one_csv_sniffer_would_choose(text):
    """The shortcut (the only separator present) picks what csv.Sniffer picks, and where
    the Sniffer gives up, that separator rather than a comma the text does not hold."""
    from ngodong_analysis.ingest.read import _delimiter

    present = [d for d in ",;\t" if d in text]
    try:
        expected = csv.Sniffer().sniff(text, delimiters=",;\t").delimiter
    except csv.Error:
        if len(present) == 1:
            expected = present[0]
        else:
            expected = "\t" if text.count("\t") > text.count(",") else ","
    assert _delimiter(text) == expected


def test_a_semicolon_file_with_commas_in_quoted_names_is_split_on_semicolons(tmp_path):
    path = tmp_path / "dang_vien.csv"
    path.write_text(
        'Năm;Chi bộ;Tổng số đảng viên\n2019;"Chi bộ Thôn 1, Thôn 2";31\n2019;Chi bộ Thôn 3;28\n',
        encoding="utf-8",
    )
    [sheet] = read_workbook(path, ProblemLog())
    assert sheet.row(1) == ["2019", "Chi bộ Thôn 1, Thôn 2", "31"]


def test_a_csv_in_legacy_tcvn3_text_is_still_converted(tmp_path):
    """A CSV whose bytes hold no legacy sign skips the check; one typed in TCVN3 does not."""
    from ngodong_analysis.load import read_file

    path = tmp_path / "dang_vien.csv"
    path.write_text(
        "Năm,Chi bộ,Tổng số đảng viên\n2019,Chi bé Tæ d©n phè sè 1,31\n"
        "2019,Chi bé Tæ d©n phè sè 2,28\n",
        encoding="utf-8",
    )
    found = read_file(path, tmp_path)
    [frame] = found.parts["members"]
    assert list(frame["name"]) == ["Chi bộ Tổ dân phố số 1", "Chi bộ Tổ dân phố số 2"]
    assert any(p.rule == "legacy-text" for p in found.log.problems)
    plain = tmp_path / "plain.csv"
    plain.write_text("Năm,Chi bộ,Tổng số đảng viên\n2019,Chi bộ Thôn 1,31\n", encoding="utf-8")
    [sheet] = read_workbook(plain, ProblemLog())
    assert sheet.unicode_only
    [sheet] = read_workbook(path, ProblemLog())
    assert not sheet.unicode_only


def test_rows_read_before_the_frame_was_changed_are_made_again(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("Năm,Chi bộ\n2019,A\n", encoding="utf-8")
    [sheet] = read_workbook(path, ProblemLog())
    assert sheet.row(1) == ["2019", "A"]
    sheet.frame.iloc[1, 1] = "B"
    assert sheet.row(1) == ["2019", "B"] and sheet.head(2)[1] == ["2019", "B"]
