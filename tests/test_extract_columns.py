"""The column-wise per-file stage: a CSV (read into Arrow-backed strings) and the same table
in an .xlsx (read by calamine into Python objects) must give exactly the same records,
problems and tables."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pytest
from helpers import write_xlsx

from ngodong_analysis.ingest import read as read_mod
from ngodong_analysis.ingest.extract import factorize, map_distinct
from ngodong_analysis.ingest.legacy import TCVN3, from_unicode
from ngodong_analysis.ingest.read import read_workbook
from ngodong_analysis.load import load, read_file
from ngodong_analysis.problems import ProblemLog


def _old(text: str) -> str:
    return from_unicode(text, TCVN3)


HEADER = ["STT", _old("Tên chi bộ"), _old("Tổng số đảng viên"), "Nữ", _old("Kết nạp"), "HTTNV"]
BODY = [
    [1, _old("Chi bộ Tổ dân phố số 1"), "1.234", 10, "-", 900],
    [2, _old("Chi bộ Tổ dân phố số 2"), 22, "", 2, "12a"],  # blank; not a number
    [3, _old("Chi bộ Trường tiểu học"), "1,050", 5, 0, " 7 "],
    [4, "Chi bộ Công an", 31, "-", "", 20],  # a cell already in Unicode
    [],  # a blank row between the data and the totals
    ["", "Tổng cộng", "2.337", 15, 2, 927],
]


def _table(title: bool) -> list[list[object]]:
    top = [[_old("BÁO CÁO ĐẢNG VIÊN NĂM 2019")], []] if title else []
    return [*top, HEADER, *BODY]


def _write_both(tmp_path, rows):
    """The same rows as a UTF-8 CSV (as Excel saves it: BOM, CRLF) and as an .xlsx."""
    buf = io.StringIO()
    csv.writer(buf).writerows([["" if v is None else v for v in row] for row in rows])
    csv_path = tmp_path / "csv" / "2019.csv"
    csv_path.parent.mkdir()
    csv_path.write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))
    xlsx_path = write_xlsx(tmp_path / "xlsx" / "b.xlsx", {"2019": rows})
    return csv_path, xlsx_path


def _problems(problems):
    return [(p.sheet, p.cell, p.severity, p.rule, p.message, p.value) for p in problems]


@pytest.mark.parametrize("title", [False, True], ids=["rectangular", "title-line"])
def test_csv_and_xlsx_give_the_same_records(tmp_path, title):
    csv_path, xlsx_path = _write_both(tmp_path, _table(title))
    [sheet] = read_workbook(csv_path, ProblemLog())
    # read column-wise into Arrow strings, never a list of Python strings per cell
    assert sheet._rows is None
    assert all(isinstance(t, pd.StringDtype) for t in sheet.frame.dtypes)
    assert sheet.frame.shape == (len(_table(title)), len(HEADER))

    from_csv, from_xlsx = read_file(csv_path), read_file(xlsx_path)
    assert from_csv.sheets == [("2019.csv", "2019", "members")]
    assert from_xlsx.sheets == [("b.xlsx", "2019", "members")]
    assert _problems(from_csv.log.problems) == _problems(from_xlsx.log.problems)
    assert from_csv.parts.keys() == from_xlsx.parts.keys() == {"members"}
    [a], [b] = from_csv.parts["members"], from_xlsx.parts["members"]
    pd.testing.assert_frame_equal(a, b, check_flags=False)
    # each sheet's file and sheet are said once, for its records (problems.stack_records)
    assert (a.attrs["file"], b.attrs["file"]) == ("2019.csv", "b.xlsx")
    assert "_file" not in a.columns and a.attrs["sheet"] == b.attrs["sheet"] == "2019"

    first = 3 if title else 1  # first data row, from 0
    assert a["_row"].tolist() == [first, first + 1, first + 2, first + 3]  # no blank, no total
    assert a["name"].tolist() == [
        "Chi bộ Tổ dân phố số 1",
        "Chi bộ Tổ dân phố số 2",
        "Chi bộ Trường tiểu học",
        "Chi bộ Công an",
    ]
    assert a["members"].tolist() == [1234, 22, 1050, 31]  # thousands separators in counts
    assert a["admitted"].tolist()[:3] == [0, 2, 0] and np.isnan(a["admitted"].iloc[3])
    assert np.isnan(a["female"].iloc[1]) and a["female"].iloc[3] == 0  # blank, "-"
    assert a["mr:HTTNV"].tolist()[2] == 7  # " 7 "
    rules = [p.rule for p in from_csv.log.problems]
    assert rules.count("legacy-text") == 1 and rules.count("number") == 1
    [bad] = [p for p in from_csv.log.problems if p.rule == "number"]
    assert bad.cell == f"F{first + 2}" and bad.value == "12a"  # the cell as written
    assert not any(p.rule == "totals" for p in from_csv.log.problems)  # 2.337 adds up


def test_csv_and_xlsx_folders_load_the_same_tables(tmp_path):
    csv_path, xlsx_path = _write_both(tmp_path, _table(title=True))
    a, b = load(csv_path.parent), load(xlsx_path.parent)
    assert _problems(a.problems) == _problems(b.problems)
    left, right = a.dataset.tables(), b.dataset.tables()
    assert left.keys() == right.keys()
    for name in left:
        pd.testing.assert_frame_equal(left[name], right[name], obj=name)
    assert len(a.dataset.members) == 4


def test_totals_that_do_not_add_up_are_found_in_csv_too(tmp_path):
    rows = _table(title=False)
    rows[-1] = ["", "Tổng cộng", "2.338", 15, 2, 927]
    csv_path, xlsx_path = _write_both(tmp_path, rows)
    found = [p for p in read_file(csv_path).log.problems if p.rule == "totals"]
    assert [(p.cell, p.value) for p in found] == [("C7", 2338.0)]
    assert _problems(found) == _problems(
        [p for p in read_file(xlsx_path).log.problems if p.rule == "totals"]
    )


def test_legacy_text_is_fixed_in_the_arrow_columns(tmp_path):
    csv_path, _ = _write_both(tmp_path, _table(title=False))
    [sheet] = read_workbook(csv_path, ProblemLog())
    from ngodong_analysis.ingest.normalise import fix_legacy_text

    before = sheet.rows
    # Unicode cells ("Nữ", "Chi bộ Công an") are too many for a TCVN3 sheet: cell by cell
    assert fix_legacy_text(sheet.frame) == ("mixed", 6)
    after = sheet.rows
    assert after[1][1] == "Chi bộ Tổ dân phố số 1" and after[0][2] == "Tổng số đảng viên"
    cells = [(x, y) for r, q in zip(before, after, strict=True) for x, y in zip(r, q, strict=True)]
    assert sum(x != y for x, y in cells) == 6
    assert sheet.row(0)[1] == "Tên chi bộ" and sheet.row(4)[1] == "Chi bộ Công an"
    assert sheet.row(0)[3] == "Nữ"
    assert all(isinstance(t, pd.StringDtype) for t in sheet.frame.dtypes)  # still Arrow
    assert fix_legacy_text(sheet.frame) == (None, 0)  # nothing left to fix


def test_legacy_fix_leaves_other_types_alone_in_object_columns():
    from ngodong_analysis.ingest.normalise import fix_legacy_text

    frame = pd.DataFrame(
        [[_old("Chi bộ Tổ dân phố"), True], [1.0, _old("Trong sạch, vững mạnh")], [1, 2.5]],
        dtype=object,
    )
    encoding, changed = fix_legacy_text(frame)
    assert (encoding, changed) == (TCVN3, 2)
    assert frame[0].tolist() == ["Chi bộ Tổ dân phố", 1.0, 1]
    assert frame[1].tolist() == [True, "Trong sạch, vững mạnh", 2.5]
    assert [type(v) for v in frame[0]] == [str, float, int]  # 1.0 and 1 are not merged


@pytest.mark.parametrize("dtype", [object, "str"])
def test_factorize_and_map_distinct_agree_for_both_forms(dtype):
    series = pd.Series(["b", "a", "b", "", "a"], index=[5, 6, 7, 8, 9], dtype=dtype)
    codes, uniques = factorize(series)
    assert [uniques[c] for c in codes] == series.tolist()
    assert all(type(u) is str for u in uniques)
    mapped = map_distinct(series, str.upper)
    assert mapped.dtype == object and mapped.index.tolist() == [5, 6, 7, 8, 9]
    assert mapped.tolist() == ["B", "A", "B", "", "A"]


def test_numbers_are_settled_by_the_kept_rows_only(tmp_path):
    """An ambiguous "1.234" is settled by the other values of its column in the records; a
    value found only in a dropped row (the totals) must not sway it."""
    rows = [
        ["Tổ dân phố", "Thu nhập bình quân (triệu đồng/người/năm)"],
        ["Tổ dân phố số 1", "1.234"],
        ["Tổ dân phố số 2", "2"],
        ["Tổ dân phố số 3", "2"],
        ["Tổng cộng", "3000"],  # with it, the typical value would be 1501: 1.234 → 1234
    ]
    csv_path, xlsx_path = _write_both(tmp_path, rows)
    a, b = read_file(csv_path), read_file(xlsx_path)
    assert _problems(a.log.problems) == _problems(b.log.problems)
    [x], [y] = a.parts["income"], b.parts["income"]
    pd.testing.assert_frame_equal(x, y, check_flags=False)
    assert x["income_per_capita"].tolist() == [1.234, 2.0, 2.0]


def test_pyarrow_reads_a_rectangular_csv_without_pandas_parser(tmp_path, monkeypatch):
    csv_path, _ = _write_both(tmp_path, [HEADER, *BODY[:4]])

    def refuse(*args, **kwargs):
        raise AssertionError("pandas' parser is only for rows of other widths")

    monkeypatch.setattr(read_mod.pd, "read_csv", refuse)
    [sheet] = read_workbook(csv_path, ProblemLog())
    assert sheet.frame.shape == (5, len(HEADER))


@pytest.mark.parametrize("wide_last_row", [False, True], ids=["fast-readers", "csv-module"])
def test_an_empty_line_in_a_csv_is_a_blank_row_not_a_record(tmp_path, wide_last_row):
    """A short row's missing cells are empty (''), whichever reader took the file: they used
    to come back from factorising as NaN, and an empty line became a cell named "nan"."""
    lines = ["Tên chi bộ,Xếp loại"] + [f"Chi bộ số {i},Hoàn thành nhiệm vụ" for i in range(600)]
    lines += ["", "Chi bộ cuối,Hoàn thành nhiệm vụ" + (",ghi chú" if wide_last_row else "")]
    path = tmp_path / "Năm 2019.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    [sheet] = read_workbook(path, ProblemLog())
    assert (sheet._rows is not None) is wide_last_row  # a row wider than the 8 KiB sample
    found = read_file(path)
    assert not found.log.problems
    [records] = found.parts["cell_ratings"]
    assert len(records) == 601 and "nan" not in set(records["name"])
    assert records["_row"].iloc[-1] == 602


def test_factorize_numbers_like_objects():
    """The float64 shortcut for all-number columns gives what hashing the objects gives."""
    import numpy as np
    import pandas as pd

    from ngodong_analysis.ingest.extract import factorize

    rng = np.random.default_rng(7)
    values = [float(v) for v in rng.integers(0, 50, 3000)] + [-0.0, 0.0, float("nan"), 2.5]
    rng.shuffle(values)
    column = pd.Series(values, dtype=object)
    codes, uniques = factorize(column)
    ref_codes, ref_uniques = pd.factorize(column.to_numpy(dtype=object), use_na_sentinel=False)
    assert codes.tolist() == ref_codes.tolist()
    assert [type(u) for u in uniques] == [float] * len(uniques)
    assert np.array_equal(np.array(uniques), np.array(list(ref_uniques)), equal_nan=True)
    # a column with a text or a bool among the numbers is hashed as objects, as before
    for odd in ("3", True):
        mixed = pd.Series([*values, odd], dtype=object)
        codes, uniques = factorize(mixed)
        ref_codes, ref_uniques = pd.factorize(mixed.to_numpy(dtype=object), use_na_sentinel=False)
        assert codes.tolist() == ref_codes.tolist()
        assert [type(u) for u in uniques] == [type(u) for u in ref_uniques]


def test_totals_rows_are_checked_against_their_block_or_everything_above(tmp_path):
    """Each year's "Cộng" sums the rows since the totals row before it; the grand "Tổng
    cộng" sums every cell row above it. A wrong one is an error at its cell, with both
    numbers; the rest, and totals of columns left blank, say nothing."""
    path = tmp_path / "dang_vien.csv"
    path.write_text(
        "Năm,Chi bộ,Tổng số đảng viên,Nữ\n"
        "2019,Chi bộ Thôn 1,30,10\n"
        "2019,Chi bộ Thôn 2,20,5\n"
        "2019,Cộng,50,15\n"  # row 4: right (its block)
        "2020,Chi bộ Thôn 1,31,11\n"
        "2020,Chi bộ Thôn 2,22,\n"
        "2020,Cộng,52,11\n"  # row 7: members wrong (53), women right with a blank cell
        "2020,Tổng cộng,103,\n"  # row 8: everything above (50 + 53 = 103) is right
        "2020,Tổng cộng,100,27\n",  # row 9: wrong on both counts, said left to right
        encoding="utf-8",
    )
    found = [
        (p.cell, str(p.text)) for p in read_file(path, tmp_path).log.problems if p.rule == "totals"
    ]
    assert [cell for cell, _ in found] == ["C7", "C9", "D9"]
    assert "says 52" in found[0][1] and "sum to 53" in found[0][1]
    assert "says 100" in found[1][1] and "sum to 103" in found[1][1]
    assert "says 27" in found[2][1] and "sum to 26" in found[2][1]
