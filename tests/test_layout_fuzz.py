"""Whatever headers a sheet has, loading gives tables or problems, never an exception: a
layout is complete or it is a problem, a bug in one sheet costs that sheet only, and the CLI
tells an internal error from a data problem by its exit code."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from helpers import write_xlsx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ngodong_analysis as nd
from ngodong_analysis import load as load_module
from ngodong_analysis.cli import EXIT_INTERNAL, main
from ngodong_analysis.config import resource
from ngodong_analysis.ingest.read import Sheet
from ngodong_analysis.load import _read_sheet
from ngodong_analysis.problems import ProblemLog

COMMITTEE_REGISTRY = [
    "Mã đảng bộ",
    "Tên đảng bộ",
    "Tên gọi khác",
    "Loại",
    "Trực thuộc",
    "Tỉnh",
    "Từ năm",
    "Đến năm",
    "Đảng bộ kế thừa",
]


def test_a_committee_registry_sheet_is_read_as_the_committees(tmp_path):
    rows = [
        COMMITTEE_REGISTRY,
        ["ngo-dong", "Đảng bộ thị trấn Ngô Đồng", "ĐU TT Ngô Đồng", "Thị trấn", "", "Nam Định"],
    ]
    write_xlsx(tmp_path / "danh_muc.xlsx", {"Danh mục đảng bộ": rows})
    write_xlsx(
        tmp_path / "xep_loai.xlsx",
        {"Năm 2019": [["Chi bộ", "Xếp loại"], ["Chi bộ Thôn 1", "HTTNV"]]},
    )
    problems = nd.validate(tmp_path)
    assert [p for p in problems if p.file == "danh_muc.xlsx"] == []
    ds = nd.load_dataset(tmp_path, use_processed=False)
    # the registry's one committee, with its id, kind and province as written there
    assert ds.committees[["committee_id", "committee", "kind", "province"]].values.tolist() == [
        ["ngo-dong", "Đảng bộ thị trấn Ngô Đồng", "town", "Nam Định"]
    ]
    # a workbook naming no committee belongs to the dataset's one committee
    assert ds.cell_ratings[["committee_id", "rating"]].values.tolist() == [["ngo-dong", "HTTNV"]]


def test_a_bug_in_one_sheet_is_a_problem_naming_it_and_the_rest_is_read(tmp_path, monkeypatch):
    write_xlsx(
        tmp_path / "xep_loai.xlsx",
        {
            "Năm 2018": [["Chi bộ", "Xếp loại"], ["Chi bộ Thôn 1", "HTXSNV"]],
            "Năm 2019": [["Chi bộ", "Xếp loại"], ["Chi bộ Thôn 1", "HTTNV"]],
        },
    )
    real = load_module.extract

    def broken(sheet, layout, log):
        if sheet.name == "Năm 2018":
            raise IndexError("list index out of range")
        return real(sheet, layout, log)

    monkeypatch.setattr(load_module, "extract", broken)
    monkeypatch.setenv("NGODONG_WORKERS", "1")
    result = load_module.load(tmp_path)
    [internal] = [p for p in result.problems if p.rule == "internal"]
    assert (internal.file, internal.sheet, internal.severity) == (
        "xep_loai.xlsx",
        "Năm 2018",
        "error",
    )
    assert "IndexError" in internal.message and "report" in internal.message
    assert result.dataset.cell_ratings["year"].tolist() == [2019]


def test_an_internal_error_in_the_cli_has_its_own_exit_code(tmp_path, monkeypatch, capsys):
    def boom(source=None, **options):  # the CLI passes progress=
        raise RuntimeError("a bug")

    # The CLI's error handler imports build, which binds `load` when first imported: import
    # it now, or it would keep the stand-in for the rest of the session (a later build test
    # then exits 70).
    import ngodong_analysis.build  # noqa: F401

    monkeypatch.setattr(load_module, "load", boom)  # what `ngodong validate` calls
    write_xlsx(tmp_path / "a.xlsx", {"Năm 2019": [["Chi bộ", "Xếp loại"], ["Thôn 1", "HTTNV"]]})
    code = main(["validate", str(tmp_path)])
    assert code == EXIT_INTERNAL and code not in (0, 1, 2)
    assert "unexpected error: RuntimeError: a bug" in capsys.readouterr().err


# --- header fuzz -------------------------------------------------------------------------


def _aliases() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    with open(resource("headers.csv"), encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            out.setdefault(row["field"], []).append(row["alias"])
    return out


ALIASES = _aliases()
FOREIGN = ["Ghi chú", "Số điện thoại", "Bí thư", "Địa chỉ", "Tỷ lệ (%)", "2019", "Năm 2019", ""]
spelling = st.sampled_from(
    [str, str.upper, str.lower, lambda s: s.replace(" ", "  "), lambda s: f" {s}:"]
)


@st.composite
def headers(draw) -> list[str]:
    fields = draw(st.lists(st.sampled_from(sorted(ALIASES)), min_size=1, max_size=9))
    out = [draw(spelling)(draw(st.sampled_from(ALIASES[f]))) for f in fields]
    out += draw(st.lists(st.sampled_from(FOREIGN), max_size=3))
    return draw(st.permutations(out))


cell_value = st.one_of(
    st.sampled_from(
        ["Chi bộ Thôn 1", "Chi bộ Thôn 1", "HTTNV", "Khá", "-", "", "2019", "Tổng cộng"]
    ),
    st.integers(-5, 3000),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.none(),
)


@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    head=headers(),
    body=st.lists(st.lists(cell_value, max_size=12), max_size=6),
    title=st.sampled_from([[], [["ĐẢNG BỘ HUYỆN GIAO THỦY"], ["DANH SÁCH NĂM 2019"]]]),
    name=st.sampled_from(["Năm 2019", "Sheet1", "Danh mục chi bộ", "Danh mục đảng bộ", "2018"]),
)
def test_any_headers_give_tables_or_problems_never_an_exception(head, body, title, name):
    sheet = Sheet(Path("fuzz.xlsx"), name, [*title, head, *body])
    log = ProblemLog()
    parts: dict = {}
    sheets: list = []
    from collections import defaultdict

    parts = defaultdict(list)
    _read_sheet(sheet, log, parts, sheets)  # raises on any bug: that is the test
    assert len(sheets) == 1 and sheets[0][1] == name
    kind = sheets[0][2]
    # a sheet is either read as a known table, or said to be skipped or wrong
    assert kind is not None or log.problems or sheet.is_empty()
    for frames in parts.values():
        for frame in frames:
            assert {"_row", "year"} <= set(frame.columns)
            assert frame.attrs["file"] and frame.attrs["sheet"] == name


@pytest.mark.parametrize("kind", ["registry", "members", "income", "cell_ratings"])
def test_every_table_kind_fuzzes_into_an_assembled_dataset(kind, tmp_path):
    """The assembling stage gets whatever extraction gives, including odd frames."""
    heads = {
        "registry": ["Mã chi bộ", "Tên chi bộ", "Loại", "Từ năm", "Đến năm"],
        "members": ["Năm", "Chi bộ", "Tổng số đảng viên", "Nữ", "Kết nạp", "Chuyển đi"],
        "income": ["Năm", "Tổ dân phố", "Số hộ", "Số hộ nghèo", "Thu nhập bình quân"],
        "cell_ratings": ["Năm", "Chi bộ", "Xếp loại", "Điểm"],
    }[kind]
    rows = [
        heads,
        [2019, "Chi bộ Thôn 1", "abc", -3, 2019.5, 7],
        ["", "", "", "", "", ""],
        ["2019", "chi bo thon 1", "1.234", "12,5", "-", "x"],
        [None, "Tổng cộng", 10, 2, 3, 4],
    ]
    write_xlsx(tmp_path / "x.xlsx", {"Sheet1": rows})
    result = load_module.load(tmp_path)  # must not raise
    assert result.problems or any(len(t) for t in result.dataset.tables().values())
