"""End-to-end loading of small workbooks built in the test, one case each."""

import pandas as pd
import pytest
from helpers import write_xlsx

import ngodong_analysis as nd
from ngodong_analysis.load import load
from ngodong_analysis.schema import TABLES

TITLE = ["ĐẢNG BỘ THỊ TRẤN X"]


def ratings_sheet(year, rows):
    return [
        TITLE,
        [f"KẾT QUẢ XẾP LOẠI CHI BỘ NĂM {year}"],
        [],
        ["STT", "Tên chi bộ", "Xếp loại", "Ghi chú"],
        *[[i + 1, name, label, ""] for i, (name, label) in enumerate(rows)],
    ]


def test_one_sheet_per_year_across_the_rule_change(xlsx):
    path = xlsx(
        "r.xlsx",
        {
            "Năm 2017": ratings_sheet(
                2017,
                [
                    ("Chi bộ Tổ dân phố số 2", "Trong sạch, vững mạnh"),
                    ("Chi bộ Trường Tiểu học", "Hoàn thành tốt nhiệm vụ"),
                ],
            ),
            "Năm 2018": ratings_sheet(
                2018, [("CB TDP 2", "HTXSNV"), ("Chi bộ Trường Tiểu học", "HTTNV")]
            ),
        },
    )
    cr = nd.load_cell_ratings(path)
    names = TABLES["cell_ratings"].names
    assert list(cr.columns[: len(names)]) == names
    tdp2 = cr[cr.cell_id == "tdp-2"].set_index("year")
    assert tdp2.loc[2017, "rating"] == "TSVM" and tdp2.loc[2018, "rating"] == "HTXSNV"
    assert tdp2.loc[2017, "scale"] == "pre2018" and tdp2.loc[2018, "scale"] == "qd132"
    assert tdp2["rank"].tolist() == [1, 1]
    assert tdp2["tier"].tolist() == [2, 1]
    school = cr[cr.cell != "Chi bộ Tổ dân phố số 2"].set_index("year")
    assert school["tier"].tolist() == [3, 2]
    assert tdp2["cell"].nunique() == 1  # one display name across spellings


def test_long_table_with_year_column_and_committee(xlsx):
    path = xlsx(
        "c.xlsx",
        {
            "Đảng bộ": [
                ["Năm", "Đảng bộ", "Xếp loại"],
                [2016, "Đảng bộ thị trấn X", "TSVM"],
                [2019, "Đảng bộ thị trấn X", "Hoàn thành tốt NV"],
            ]
        },
    )
    ds = nd.load_dataset(path)
    cr = ds.committee_ratings
    assert cr["year"].tolist() == [2016, 2019]
    assert cr["rating"].tolist() == ["TSVM", "HTTNV"]
    assert cr["rank"].tolist() == [1, 2]
    assert cr["tier"].tolist() == [2, 2]  # level on the harmonised crosswalk
    assert ds.cell_ratings.empty and list(ds.cell_ratings.columns) == TABLES["cell_ratings"].names


def test_unknown_label_names_file_sheet_cell_and_suggests(xlsx):
    path = xlsx(
        "bad.xlsx",
        {"Năm 2019": ratings_sheet(2019, [("CB TDP 1", "HTTNV"), ("CB TDP 2", "Khá tốt")])},
    )
    with pytest.raises(nd.DataError) as exc:
        nd.load_dataset(path)
    [err] = exc.value.errors
    assert (err.file, err.sheet, err.cell) == ("bad.xlsx", "Năm 2019", "C6")
    assert "Khá tốt" in err.message and "HTXSNV" in err.message
    assert str(err).startswith("bad.xlsx › Năm 2019 › C6: unknown rating")
    # validate lists the same problem without raising
    assert [str(p) for p in nd.validate(path) if p.is_error] == [str(err)]


def test_agency_and_military_cells_get_no_residential_area(xlsx):
    names = ["Chi bộ Cơ quan Ủy ban nhân dân xã", "Chi bộ Ban Chỉ huy Quân sự xã", "CB TDP 1"]
    path = xlsx("k.xlsx", {"Năm 2019": ratings_sheet(2019, [(n, "HTTNV") for n in names])})
    cells = nd.load_dataset(path).cells.set_index("cell")
    assert cells.loc[names, "kind"].tolist() == ["agency", "military", "residential"]
    assert cells.loc[names[:2], "area_id"].isna().all()
    assert cells.loc["CB TDP 1", "area_id"] == "tdp-1"


def test_wrong_scale_label_is_mapped_with_a_warning(xlsx):
    path = xlsx("w.xlsx", {"Năm 2019": ratings_sheet(2019, [("CB TDP 1", "TSVM")])})
    ds = nd.load_dataset(path)
    assert ds.cell_ratings["rating"].tolist() == ["HTXSNV"]
    [warning] = ds.problems
    assert warning.severity == "warning" and warning.cell == "C5"


def test_members_two_row_header_totals_and_member_ratings(xlsx):
    rows = [
        TITLE,
        ["BÁO CÁO ĐẢNG VIÊN NĂM 2019"],
        [],
        [
            "STT",
            "Chi bộ",
            "Tổng số đảng viên",
            "Trong đó",
            "",
            "Biến động trong năm",
            "",
            "Kết quả xếp loại đảng viên",
            "",
            "",
            "",
        ],
        [
            "",
            "",
            "",
            "Đảng viên trẻ (dưới 35 tuổi)",
            "Miễn sinh hoạt",
            "Kết nạp",
            "Chuyển đến",
            "HTXSNV",
            "HTTNV",
            "HTNV",
            "KHTNV",
        ],
        [1, "CB TDP 1", 30, 5, 2, 1, "-", 4, 20, 4, 0],
        [2, "CB TDP 2", 22, 7, "", 0, 2, 3, 15, 4, ""],
        ["", "Tổng cộng", 52, 12, 2, 1, 2, 7, 35, 8, 0],
    ]
    merges = ["D4:E4", "F4:G4", "H4:K4", "A4:A5", "B4:B5", "C4:C5"]
    path = xlsx("m.xlsx", {"2019": rows}, merges={"2019": merges})
    ds = nd.load_dataset(path)
    m = ds.members.set_index("cell_id")
    assert m.loc["tdp-1", "members"] == 30 and m.loc["tdp-2", "young"] == 7
    assert m.loc["tdp-1", "transferred_in"] == 0  # "-" means zero
    assert pd.isna(m.loc["tdp-2", "exempt"])  # blank means unknown
    assert pd.isna(m.loc["tdp-1", "died"])  # absent column → missing
    mr = ds.member_ratings
    assert len(mr) == 7  # tdp-2's blank KHTNV is unknown, not a row
    assert mr.loc[(mr.cell_id == "tdp-1") & (mr.rating == "HTTNV"), "count"].item() == 20
    assert set(mr["rank"]) == {1, 2, 3, 4}


def test_totals_mismatch_names_the_totals_cell_and_both_numbers(xlsx):
    rows = [
        ["Chi bộ", "Tổng số đảng viên", "Đảng viên nữ"],
        ["CB TDP 1", 30, 10],
        ["CB TDP 2", 22, 9],
        ["Tổng cộng", 53, 19],
    ]
    path = xlsx("t.xlsx", {"Năm 2019": rows})
    errors = [p for p in nd.validate(path) if p.is_error]
    assert len(errors) == 1
    assert errors[0].cell == "B4"
    assert "53" in errors[0].message and "52" in errors[0].message


def test_wide_income_with_unit_conversion(xlsx):
    rows = [
        ["STT", "Tổ dân phố", "Thu nhập bình quân (nghìn đồng/người/tháng)", ""],
        ["", "", "Năm 2018", "Năm 2019"],
        [1, "Tổ dân phố số 1", 4000, "4 750"],
        [2, "Tổ dân phố số 2", "3.900", 4100],
    ]
    path = xlsx("i.xlsx", {"TN": rows}, merges={"TN": ["C1:D1"]})
    inc = nd.load_income(path)
    assert inc["year"].tolist() == [2018, 2018, 2019, 2019]
    assert inc["area_id"].tolist() == ["tdp-1", "tdp-2", "tdp-1", "tdp-2"]
    # "3.900" among values in the thousands is read with a thousands separator
    assert inc["income_per_capita"].tolist() == pytest.approx([48.0, 46.8, 57.0, 49.2])


def test_ambiguous_decimal_is_an_error_at_its_cell(xlsx):
    rows = [
        ["Tổ dân phố", "Năm", "Thu nhập bình quân (triệu đồng/người/năm)"],
        ["Tổ dân phố số 1", 2019, "57.500"],
    ]
    [err] = [p for p in nd.validate(xlsx("a.xlsx", {"TN": rows})) if p.is_error]
    assert err.cell == "C2" and "ambiguous" in err.message


def test_duplicate_cell_year_names_both_places(xlsx):
    path = xlsx(
        "d.xlsx",
        {"Năm 2019": ratings_sheet(2019, [("CB TDP 1", "HTTNV"), ("Chi bộ TDP số 01", "HTNV")])},
    )
    errors = [p for p in nd.validate(path) if p.is_error]
    assert len(errors) == 1
    assert errors[0].cell == "C6" and "C5" in errors[0].message


def test_registry_wins_over_derived_ids_and_kinds(xlsx):
    reg = [
        ["Mã chi bộ", "Tên chi bộ", "Tên gọi khác", "Loại", "Địa bàn"],
        ["k02", "Chi bộ Khu phố Hai", "CB Khu 2; Khu II", "Tổ dân phố", "Khu phố 2"],
    ]
    path = xlsx(
        "reg.xlsx",
        {"Danh mục chi bộ": reg, "Năm 2019": ratings_sheet(2019, [("Khu II", "HTTNV")])},
    )
    ds = nd.load_dataset(path)
    assert ds.cell_ratings["cell_id"].tolist() == ["k02"]
    assert ds.cell_ratings["cell"].tolist() == ["Chi bộ Khu phố Hai"]
    cells = ds.cells.set_index("cell_id")
    assert cells.loc["k02", "kind"] == "residential"
    assert cells.loc["k02", "area_id"] == "khu-pho-2"


def test_one_bad_file_does_not_hide_the_others(xlsx, tmp_path):
    xlsx("good.xlsx", {"Năm 2019": ratings_sheet(2019, [("CB TDP 1", "HTTNV")])})
    (tmp_path / "raw" / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    problems = nd.validate(tmp_path / "raw")
    assert [p.file for p in problems if p.is_error] == ["broken.xlsx"]
    from ngodong_analysis.load import load

    assert len(load(tmp_path / "raw").dataset.cell_ratings) == 1


def test_unknown_sheet_is_a_warning_not_a_guess(xlsx):
    path = xlsx("x.xlsx", {"Ghi chép": [["Họ và tên", "Ngày sinh"], ["Nguyễn Văn A", "1970"]]})
    ds = nd.load_dataset(path)
    assert all(df.empty for df in ds.tables().values())
    assert [p.rule for p in ds.problems] == ["unknown-sheet"]


def test_missing_year_is_an_error_at_the_sheet(xlsx):
    path = xlsx("y.xlsx", {"Sheet1": [["Chi bộ", "Xếp loại"], ["CB TDP 1", "HTTNV"]]})
    [err] = [p for p in nd.validate(path) if p.is_error]
    assert err.sheet == "Sheet1" and "year" in err.message


@pytest.mark.parametrize("name", list(TABLES))
def test_every_table_has_its_contract_columns_when_empty(name, tmp_path):
    from ngodong_analysis.load import load

    (tmp_path / "empty").mkdir()
    result = load(tmp_path / "empty")  # an error (no workbooks), yet every table is there
    assert [p.rule for p in result.errors] == ["no-input"]
    assert list(getattr(result.dataset, name).columns) == TABLES[name].names


def test_separate_removal_columns_add_up(xlsx):
    rows = [
        ["Chi bộ", "Tổng số đảng viên", "Xóa tên", "Khai trừ"],
        ["CB TDP 1", 30, 1, 2],
        ["CB TDP 2", 20, "", 1],
    ]
    m = nd.load_members(xlsx("r.xlsx", {"2019": rows}))
    assert m["removed"].tolist() == [3, 1]


def test_year_merged_down_or_written_once_per_block(xlsx):
    rows = [
        ["Năm", "Chi bộ", "Xếp loại"],
        [2018, "CB TDP 1", "HTTNV"],
        ["", "CB TDP 2", "HTNV"],
        [2019, "CB TDP 1", "HTXSNV"],
        ["", "CB TDP 2", "HTTNV"],
    ]
    merged = xlsx("m.xlsx", {"R": rows}, merges={"R": ["A2:A3"]})
    for path in (merged, xlsx("p.xlsx", {"R": rows})):
        cr = nd.load_cell_ratings(path)
        assert cr["year"].tolist() == [2018, 2018, 2019, 2019]
        assert cr["rating"].tolist() == ["HTTNV", "HTNV", "HTXSNV", "HTTNV"]


def test_nfd_text_and_toan_dang_bo_totals(xlsx):
    import unicodedata

    nfd = lambda t: unicodedata.normalize("NFD", t)  # noqa: E731
    rows = [
        [nfd("Tên chi bộ"), nfd("Tổng số đảng viên"), nfd("Xếp loại")],
        [nfd("Chi bộ Tổ dân phố số 1"), 30, nfd("Hoàn thành tốt nhiệm vụ")],
        [nfd("Toàn Đảng bộ"), 30, ""],
    ]
    ds = nd.load_dataset(xlsx("n.xlsx", {"Năm 2019": rows}))
    assert ds.members["cell_id"].tolist() == ["tdp-1"]
    assert ds.members["cell"].tolist() == ["Chi bộ Tổ dân phố số 1"]


def test_a_qd366_score_is_the_ceiling_of_the_rating_not_the_rating(xlsx, monkeypatch):
    rows = [
        ["Tên chi bộ", "Điểm", "Xếp loại"],
        ["CB TDP 1", 92, "HTXSNV"],  # fine: 92 allows HTXSNV
        ["CB TDP 2", 89.9995, "HTTNV"],  # under 90: HTTNV at most, no gap below 90
        ["CB TDP 3", 85, "HTXSNV"],  # above what 85 allows: an error naming both
        ["CB TDP 4", 95, ""],  # a score, no label: no rating, asked for
        ["CB TDP 5", 95, "HTNV"],  # below the ceiling: allowed
        ["CB TDP 6", 90, "HTXSNV"],  # the edges land in the band they open
        ["CB TDP 7", 70, "HTTNV"],
        ["CB TDP 8", 50, "HTNV"],
        ["CB TDP 9", 100, "HTXSNV"],
        ["CB TDP 10", 69.99, "HTTNV"],  # 69.99 allows HTNV at most
    ]
    path = xlsx("s.xlsx", {"Năm 2025": rows})
    errors = {p.cell: p.message for p in nd.validate(path) if p.is_error}
    assert sorted(errors) == ["C11", "C4", "C5"]
    assert "above what the score 85 allows" in errors["C4"]
    assert "(HTXSNV)" in errors["C4"] and "(HTTNV) at most" in errors["C4"]
    assert "no rating" in errors["C5"] and "write the rating label" in errors["C5"]
    assert "above what the score 69.99 allows" in errors["C11"]
    # opting in, a score alone gives its band's ceiling, marked as inferred
    monkeypatch.setenv("NGODONG_INFER_FROM_SCORE", "1")
    rows = [["Tên chi bộ", "Điểm", "Xếp loại"], ["CB TDP 1", 95, ""], ["CB TDP 2", 70, ""]]
    ds = nd.load_dataset(xlsx("t.xlsx", {"Năm 2025": rows}), use_processed=False)
    assert ds.cell_ratings["rating"].tolist() == ["HTXSNV", "HTTNV"]
    assert all("inferred" in p.message for p in ds.problems)


def test_score_before_2025_is_an_error(xlsx):
    rows = [["Tên chi bộ", "Điểm", "Xếp loại"], ["CB TDP 1", 92, ""]]
    [err] = [p for p in nd.validate(xlsx("s.xlsx", {"Năm 2020": rows})) if p.is_error]
    assert "2025" in err.message


def test_scores_are_kept_and_one_outside_0_to_100_is_an_error_at_its_cell(xlsx):
    rows = [
        ["Tên chi bộ", "Xếp loại", "Điểm"],
        ["CB TDP 1", "HTXSNV", 92],
        ["CB TDP 2", "HTTNV", 105],
        ["CB TDP 3", "HTTNV", "80,5"],
        ["CB TDP 4", "HTNV", None],
    ]
    result = load(xlsx("s.xlsx", {"Năm 2025": rows}))
    [err] = result.errors
    assert (err.sheet, err.cell, err.rule) == ("Năm 2025", "C3", "score")
    assert "105" in err.message and "CB TDP 2" in err.message and "0–100" in err.message
    cr = result.dataset.cell_ratings.set_index("cell_id")
    assert cr["score"].dtype == "Float64"
    assert cr.at["tdp-1", "score"] == 92 and cr.at["tdp-3", "score"] == 80.5
    assert pd.isna(cr.at["tdp-2", "score"]) and pd.isna(cr.at["tdp-4", "score"])
    # the row with the bad score still has its rating, from the label
    assert cr.loc["tdp-2", ["rating", "rank"]].tolist() == ["HTTNV", 2]


def test_committee_scores_are_kept_and_checked(xlsx):
    rows = [
        ["Năm", "Đảng bộ", "Xếp loại", "Điểm"],
        [2019, "Đảng bộ xã X", "HTTNV", None],
        [2025, "Đảng bộ xã X", "HTTNV", 88],
        [2026, "Đảng bộ xã X", "HTXSNV", 105],
    ]
    result = load(xlsx("c.xlsx", {"Đảng bộ": rows}))
    [err] = result.errors
    assert (err.sheet, err.cell, err.rule) == ("Đảng bộ", "D4", "score")
    assert "105" in err.message and "Đảng bộ xã X" in err.message
    cr = result.dataset.committee_ratings.set_index("year")
    assert cr["score"].dtype == "Float64"
    assert cr.at[2025, "score"] == 88
    assert pd.isna(cr.at[2019, "score"]) and pd.isna(cr.at[2026, "score"])
    assert cr["rating"].astype(str).tolist() == ["HTTNV", "HTTNV", "HTXSNV"]


def test_a_score_that_is_not_a_number_is_an_error_and_the_label_is_read(xlsx):
    rows = [["Tên chi bộ", "Xếp loại", "Điểm"], ["CB TDP 1", "HTTNV", "chín mươi"]]
    result = load(xlsx("s.xlsx", {"Năm 2025": rows}))
    [err] = result.errors
    assert err.cell == "C2" and "'chín mươi'" in err.message
    cr = result.dataset.cell_ratings
    assert cr["rating"].tolist() == ["HTTNV"] and cr["score"].isna().all()


@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
def test_legacy_encoded_workbook_loads_as_unicode(xlsx, encoding):
    from ngodong_analysis.ingest.legacy import from_unicode

    def old(text):
        return from_unicode(text, encoding)

    rows = [
        [old("KẾT QUẢ XẾP LOẠI CHI BỘ NĂM 2016")],
        [],
        [old("Tên chi bộ"), old("Kết quả xếp loại")],
        [old("Chi bộ Tổ dân phố số 2"), old("Trong sạch, vững mạnh")],
        [old("Chi bộ Trường tiểu học"), old("Hoàn thành tốt nhiệm vụ")],
        ["Chi bộ Công an", "Hoàn thành tốt nhiệm vụ"],
    ]  # a cell already in Unicode
    ds = nd.load_dataset(xlsx("cu.xlsx", {"Sheet1": rows}))
    cr = ds.cell_ratings
    assert cr["year"].unique().tolist() == [2016]
    assert sorted(cr["cell_id"]) == ["cong-an", "tdp-2", "truong-tieu-hoc"]
    assert cr.set_index("cell_id").loc["tdp-2", "rating"] == "TSVM"
    assert [p.rule for p in ds.problems] == ["legacy-text"]


def test_registry_years_and_successors(xlsx):
    reg = [
        ["Mã chi bộ", "Tên chi bộ", "Loại", "Từ năm", "Đến năm", "Chi bộ kế thừa"],
        ["cb3", "Chi bộ số 3", "Thôn", 2010, 2018, "phu-loc"],
        ["cb4", "Chi bộ số 4", "Thôn", 2010, 2018, "Chi bộ thôn Phú Lộc"],
        ["phu-loc", "Chi bộ thôn Phú Lộc", "Thôn", 2019, "", ""],
    ]
    ratings = [
        ["Năm", "Chi bộ", "Xếp loại"],
        [2018, "Chi bộ số 3", "HTTNV"],
        [2019, "Chi bộ số 3", "HTTNV"],
        [2019, "Chi bộ thôn Phú Lộc", "HTXSNV"],
    ]
    ds = nd.load_dataset(xlsx("r.xlsx", {"Danh mục chi bộ": reg, "Xếp loại": ratings}))
    cells = ds.cells.set_index("cell_id")
    assert cells.loc["cb3", "successor_id"] == "phu-loc"
    assert cells.loc["cb4", "successor_id"] == "phu-loc"  # written by name, resolved to id
    assert cells.loc["cb3", "last_year"] == 2018 and cells.loc["phu-loc", "first_year"] == 2019
    [warning] = ds.problems
    assert warning.cell == "B3" and "2010–2018" in warning.message and "phu-loc" in warning.message


def test_unknown_successor_is_an_error(xlsx):
    reg = [["Mã chi bộ", "Tên chi bộ", "Chi bộ kế thừa"], ["cb3", "Chi bộ số 3", "nowhere"]]
    [err] = [p for p in nd.validate(xlsx("r.xlsx", {"Danh mục chi bộ": reg})) if p.is_error]
    assert "nowhere" in err.message and err.sheet == "Danh mục chi bộ"


def test_three_row_header_with_generic_sub_columns(xlsx):
    rows = [
        ["BÁO CÁO NĂM 2020"],
        [],
        ["STT", "Chi bộ", "Số đảng viên", "", "Biến động trong năm", "", "", "", "Hộ nghèo", ""],
        ["", "", "Đầu năm", "Cuối năm", "Tăng", "", "Giảm", "", "Tổng số", "Tỷ lệ (%)"],
        ["", "", "", "", "Kết nạp", "Chuyển đến", "Chuyển đi", "Từ trần", "", ""],
        [1, "CB TDP 1", 30, 31, 1, 1, 1, 0, 4, "1,2%"],
        [2, "CB TDP 2", 20, 21, 0, 0, 0, 0, 2, "0,5%"],
    ]
    merges = ["C3:D3", "E3:H3", "E4:F4", "G4:H4", "I3:J3", "A3:A5", "B3:B5", "I4:I5", "J4:J5"]
    ds = nd.load_dataset(xlsx("m.xlsx", {"2020": rows}, merges={"2020": merges}))
    m = ds.members.set_index("cell_id")
    assert m.loc["tdp-1", "members"] == 31 and m.loc["tdp-1", "members_start"] == 30
    assert m.loc["tdp-1", "admitted"] == 1 and m.loc["tdp-1", "transferred_out"] == 1
    assert m.loc["tdp-1", "died"] == 0
    # the start-of-year count checks the flow identity: tdp-2 gains one member from nowhere
    [warning] = [p for p in ds.problems if p.rule == "flow-identity"]
    assert warning.cell == "D7" and "20" in warning.message and "21" in warning.message


def test_a_members_sheet_with_the_cells_rating_gives_both_tables(xlsx):
    rows = [
        ["Chi bộ", "Số đảng viên", "Nữ", "Xếp loại chi bộ"],
        ["Chi bộ xóm 1", 30, 12, "HTXSNV"],
        ["Chi bộ xóm 2", 25, 10, "HTTNV"],
    ]
    ds = nd.load_dataset(xlsx("b.xlsx", {"Năm 2019": rows}))
    assert ds.members["members"].tolist() == [30, 25]
    assert ds.cell_ratings["rating"].tolist() == ["HTXSNV", "HTTNV"]
    assert ds.cell_ratings["cell_id"].tolist() == ["xom-1", "xom-2"]


def test_reading_in_parallel_processes_gives_the_same_tables(sample_dir, monkeypatch):
    from pandas.testing import assert_frame_equal

    from ngodong_analysis.load import load

    monkeypatch.setenv("NGODONG_WORKERS", "1")
    one = load(sample_dir)
    monkeypatch.setenv("NGODONG_WORKERS", "2")
    two = load(sample_dir)
    for name, frame in one.dataset.tables().items():
        assert_frame_equal(two.dataset.tables()[name], frame)
    assert two.problems == one.problems
    assert two.sheets == one.sheets


def test_an_empty_workbook_is_reported(tmp_path):
    from openpyxl import Workbook

    Workbook().save(tmp_path / "blank.xlsx")
    [problem] = nd.validate(tmp_path / "blank.xlsx")
    assert problem.file == "blank.xlsx" and problem.rule == "empty"
    assert problem.severity == "warning"


def _members_with_ratings(year_rows):
    head = ["Năm", "Chi bộ", "Tổng số đảng viên", "HTXSNV", "HTTNV", "HTNV", "KHTNV"]
    return [head, *year_rows]


def test_member_ratings_cut_from_members_are_sorted_and_complete(xlsx):
    # names out of order, two years interleaved, blanks that must not become rows
    rows = [
        [2019, "CB TDP 3", 20, 2, 15, 3, ""],
        [2018, "CB TDP 1", 30, 4, 20, "", 1],
        [2019, "CB TDP 1", 31, "", 25, 5, 0],
        [2018, "CB TDP 3", 19, 1, 14, 4, 0],
    ]
    ds = nd.load_dataset(xlsx("mr.xlsx", {"DV": _members_with_ratings(rows)}))
    mr = ds.member_ratings
    key = ["year", "cell_id", "rating"]
    assert mr[key].equals(mr.sort_values(key).reset_index(drop=True)[key])
    # the same table from a plain pandas melt of the written rows
    codes = ["HTXSNV", "HTTNV", "HTNV", "KHTNV"]
    expected = {
        (y, f"tdp-{n[-1]}", c): v
        for y, n, _, *vals in rows
        for c, v in zip(codes, vals, strict=True)
        if v != ""
    }
    got = {
        (y, cid, str(r)): n for y, cid, r, n in mr[["year", "cell_id", "rating", "count"]].values
    }
    assert got == expected
    assert mr["cell"].eq("CB TDP 1").sum() == 6 and mr["rank"].notna().all()
    # the long table's ids are categories, sorted so that sorting by them sorts by the text
    categories = list(mr["cell_id"].cat.categories)
    assert categories == sorted(categories) == ["tdp-1", "tdp-3"]


def test_member_rating_given_on_members_sheet_and_ratings_sheet_is_a_duplicate(xlsx):
    members = _members_with_ratings([[2019, "CB TDP 1", 30, 4, 20, 5, 1]])
    ratings = [
        ["Năm", "Chi bộ", "Xếp loại đảng viên", "Số lượng"],
        [2019, "CB TDP 1", "HTTNV", 21],
    ]
    problems = nd.validate(xlsx("dup.xlsx", {"DV": members, "XL": ratings}))
    [err] = [p for p in problems if p.is_error]
    assert err.rule == "duplicate" and "HTTNV" in err.message
    assert {err.sheet} <= {"DV", "XL"} and ("DV" in err.message or "XL" in err.message)


def test_more_rated_than_members_and_the_quota_are_reported_at_their_cells(xlsx):
    rows = [
        [2019, "CB TDP 1", 30, 10, 20, 5, 1],  # 36 rated > 30; 10 HTXSNV > 20% of 20
        [2019, "CB TDP 2", 40, 1, 30, 5, 1],  # fine
        [2018, "CB TDP 2", 40, 2, 5, 5, 1],  # 2 > 20% of 5
    ]
    problems = nd.validate(xlsx("q.xlsx", {"DV": _members_with_ratings(rows)}))
    errors = [(p.cell, p.message) for p in problems if p.is_error]
    assert errors == [("C2", "36 members rated but only 30 members in CB TDP 1 in 2019")]
    quota = [p for p in problems if p.rule == "quota"]
    # HD 21 caps the committee, not each cell, and only from 2019: 11 HTXSNV > floor(0.2 ×
    # 50); 2018's 2 of 5 HTTNV was no breach of anything (no cap before 2019)
    assert [(p.file, p.sheet, p.cell, p.severity) for p in quota] == [
        ("q.xlsx", "DV", None, "warning")
    ]
    assert quota[0].message == (
        "quota (HD 21-HD/BTCTW (2019)): 11 members rated HTXSNV in 2019 across the "
        "committee, more than the 10 the rule allows for the 50 rated HTTNV"
    )


def test_the_organisation_quota_applies_to_the_2023_and_2024_ratings_only(xlsx):
    def sheet(year):
        rows = [["Chi bộ", "Xếp loại"]]
        rows += [[f"Chi bộ Thôn {n}", "HTXSNV" if n <= 3 else "HTTNV"] for n in range(1, 9)]
        return rows

    path = xlsx("xl.xlsx", {f"Năm {y}": sheet(y) for y in (2019, 2022, 2023, 2024)})
    quota = [p for p in nd.validate(path) if p.rule == "quota"]
    # 3 HTXSNV cells against floor(0.2 × 5 HTTNV) = 1: a breach under QĐ 124 only
    assert [(p.sheet, p.message.split(":")[0]) for p in quota] == [
        ("Năm 2023", "quota (QĐ 124-QĐ/TW, Art. 12 (2023))"),
        ("Năm 2024", "quota (QĐ 124-QĐ/TW, Art. 12 (2023))"),
    ]
    assert "3 cells rated HTXSNV in 2023" in quota[0].message


def test_flow_identity_across_years_names_the_year_end_cell(xlsx):
    head = ["Năm", "Chi bộ", "Tổng số đảng viên", "Kết nạp", "Chuyển đi"]
    rows = [
        [2018, "CB TDP 1", 30, 1, 0],
        [2018, "CB TDP 2", 20, 0, 0],
        [2019, "CB TDP 2", 21, 1, 0],  # 20 + 1 = 21: fine
        [2019, "CB TDP 1", 33, 2, 1],  # 30 + 2 − 1 = 31, not 33: warned here (C5)
        [2021, "CB TDP 1", 40, 0, 0],  # 2020 missing: nothing to compare with
    ]
    problems = nd.validate(xlsx("f.xlsx", {"DV": [head, *rows]}))
    [flow] = [p for p in problems if p.rule == "flow-identity"]
    assert flow.cell == "C5" and flow.severity == "warning"
    assert "31" in flow.message and "33" in flow.message and "2019" in flow.message


def test_cells_table_takes_cells_and_years_seen_only_on_member_rating_sheets(xlsx):
    members = _members_with_ratings([[2019, "CB TDP 1", 30, 4, 20, 5, 1]])
    ratings = [
        ["Năm", "Chi bộ", "Xếp loại đảng viên", "Số lượng"],
        [2017, "CB TDP 1", "HTTNV", 21],
        [2018, "CB TDP 9", "HTTNV", 12],  # a cell no other sheet names
    ]
    ds = nd.load_dataset(xlsx("mr.xlsx", {"DV": members, "XL": ratings}))
    cells = ds.cells.set_index("cell_id")
    assert cells.loc["tdp-9", "first_year"] == 2018
    assert cells.loc["tdp-1", "first_year"] == 2017  # seen on the ratings sheet first
    # without a ratings sheet the members' own ratings add nothing the members lack
    ds = nd.load_dataset(xlsx("only.xlsx", {"DV": members}))
    assert ds.cells["cell_id"].tolist() == ["tdp-1"]
    assert ds.cells["first_year"].tolist() == [2019]


def test_an_identical_copy_of_a_file_is_read_once_with_one_warning(tmp_path, sample_dir):
    import shutil

    raw = tmp_path / "raw"
    shutil.copytree(sample_dir, raw)
    shutil.copy(raw / "dang_vien_2015-2019.xlsx", raw / "dang_vien_2015-2019 - Copy.xlsx")
    problems = nd.validate(raw)
    assert [p.rule for p in problems] == ["duplicate-file"]
    [copy] = problems
    assert copy.file == "dang_vien_2015-2019 - Copy.xlsx" and copy.severity == "warning"
    assert "dang_vien_2015-2019.xlsx" in copy.message
    ds = nd.load_dataset(raw, use_processed=False)
    original = nd.load_dataset(sample_dir, use_processed=False)
    pd.testing.assert_frame_equal(ds.members, original.members)


def test_a_file_of_the_same_size_but_other_content_is_read(xlsx):
    rows = [["Chi bộ", "Tổng số đảng viên"], ["CB TDP 1", 10]]
    a = xlsx("a.xlsx", {"2019": rows})
    xlsx("b.xlsx", {"2020": rows})
    assert nd.validate(a.parent) == []
    assert sorted(nd.load_members(a.parent)["year"]) == [2019, 2020]


def test_a_formula_without_value_in_a_column_not_read_does_not_block(xlsx):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "2019"
    for row in (
        ["Chi bộ", "Tổng số đảng viên", "Ghi chú"],
        ["CB TDP 1", 10, "=LEN(A2)"],
        ["CB TDP 2", 12, ""],
    ):
        ws.append(row)
    path = xlsx("other.xlsx", {"Sheet": [["notes"]]}).parent / "x.xlsx"
    wb.save(path)
    assert nd.validate(path) == []
    assert nd.load_members(path)["members"].tolist() == [10, 12]


def test_a_folder_without_workbooks_is_an_error(tmp_path):
    (tmp_path / "README.txt.md").write_text("notes")
    [problem] = nd.validate(tmp_path)
    assert problem.is_error and problem.rule == "no-input"
    with pytest.raises(nd.DataError):
        nd.load_dataset(tmp_path)


def test_a_value_given_twice_is_written_as_in_the_workbook(xlsx):
    rows = [["Chi bộ", "Tổng số đảng viên"], ["CB TDP 1", 63], ["Chi bộ Tổ dân phố số 1", 64]]
    [problem] = nd.validate(xlsx("a.xlsx", {"2019": rows}))
    assert "(64)" in problem.message and "(63)" in problem.message
    assert "np." not in problem.message and "float" not in problem.message
    assert "'Chi bộ Tổ dân phố số 1' in 2019" in problem.message


def test_quarterly_and_term_ratings_are_named_and_not_read_as_the_years(xlsx):
    def sheet(title=None):
        rows = [["Tên chi bộ", "Xếp loại"], ["Chi bộ Thôn 1", "HTTNV"], ["Chi bộ Thôn 2", "HTNV"]]
        return [[title], *rows] if title else rows

    path = xlsx(
        "xl_2025.xlsx",
        {
            "Năm 2025": sheet(),
            "Quý I năm 2025": sheet(),
            "Sheet3": sheet("KẾT QUẢ XẾP LOẠI CẢ NHIỆM KỲ 2025"),
            # 'Quy định' (a regulation) is not 'Quý' (a quarter)
            "QĐ 366": sheet("XẾP LOẠI NĂM 2025 THEO QUY ĐỊNH 366"),
        },
    )
    result = nd.validate(path)
    periods = {p.sheet: p.message for p in result if p.rule == "period-ratings"}
    assert sorted(periods) == ["Quý I năm 2025", "Sheet3"]
    assert "quarterly" in periods["Quý I năm 2025"] and "whole-term" in periods["Sheet3"]
    # the yearly sheet and the one titled by the regulation are read
    kinds = {name: kind for _, name, kind in load(path).sheets}
    assert kinds == {
        "Năm 2025": "cell_ratings",
        "Quý I năm 2025": None,
        "Sheet3": None,
        "QĐ 366": "cell_ratings",
    }


def test_a_long_sheets_subtotals_total_their_own_year_and_the_grand_total_all(tmp_path):
    rows = [
        ["Năm", "Chi bộ", "Tổng số đảng viên"],
        [2018, "Chi bộ Thôn 1", 30],
        [2018, "Chi bộ Thôn 2", 20],
        [None, "Cộng", 50],
        [2019, "Chi bộ Thôn 1", 31],
        [2019, "Chi bộ Thôn 2", 22],
        [None, "Cộng", 53],
        [None, "Tổng cộng", 103],
    ]
    write_xlsx(tmp_path / "dang_vien.xlsx", {"Đảng viên": rows})
    assert [p for p in nd.validate(tmp_path) if p.rule == "totals"] == []
    rows[6][2] = 55  # 2019's subtotal is wrong: said at its cell, with the block's sum
    rows[7][2] = 105
    write_xlsx(tmp_path / "dang_vien.xlsx", {"Đảng viên": rows})
    wrong = [p for p in nd.validate(tmp_path) if p.rule == "totals"]
    assert [(p.cell, p.value) for p in wrong] == [("C7", 55), ("C8", 105)]
    assert "sum to 53" in wrong[0].render("en") and "sum to 103" in wrong[1].render("en")


def test_poor_households_above_the_households_are_an_error_at_their_cell(tmp_path):
    rows = [
        ["Năm", "Thôn", "Số hộ", "Số hộ nghèo", "Số hộ cận nghèo"],
        [2019, "Thôn 1", 120, 130, 5],  # 130 poor of 120 households
        [2019, "Thôn 2", 80, 4, 90],  # 90 near-poor of 80
        [2019, "Thôn 3", 60, 3, 2],
    ]
    write_xlsx(tmp_path / "ho_ngheo.xlsx", {"Hộ nghèo": rows})
    errors = [p for p in nd.validate(tmp_path) if p.rule == "counts"]
    assert [(p.cell, p.severity, p.value) for p in errors] == [
        ("D2", "error", 130),
        ("E3", "error", 90),
    ]
    assert (
        errors[0].render("en")
        == "poor households (130) exceed the households (120) of Thôn 1 in 2019"
    )


def test_problems_beyond_the_listed_ones_are_counted_under_their_own_commune(tmp_path):
    """Two communes' rating sheets, same file name, 60 unknown labels each: 50 of each are
    listed and '… and 10 more' is said once per sheet, under each file's path (the count
    went to the bare file name, adding the two communes together)."""
    for commune, heading in (
        ("giao-lac", "ĐẢNG ỦY XÃ GIAO LẠC"),
        ("giao-tien", "ĐẢNG ỦY XÃ GIAO TIẾN"),
    ):
        folder = tmp_path / commune
        folder.mkdir()
        rows = "".join(f"2019,Chi bộ Thôn {n},Khá giỏi\n" for n in range(1, 61))
        (folder / "xep_loai_chi_bo.csv").write_text(
            f"{heading},,\nNăm,Tên chi bộ,Xếp loại\n{rows}", encoding="utf-8"
        )
    problems = load(tmp_path).problems
    for commune in ("giao-lac", "giao-tien"):
        mine = [p for p in problems if p.file == f"{commune}/xep_loai_chi_bo.csv"]
        listed = [p for p in mine if p.rule == "rating" and p.cell]
        more = [p for p in mine if p.rule == "rating" and not p.cell]
        assert len(listed) == 50
        assert len(more) == 1 and "10" in str(more[0].text)
    assert not [p for p in problems if p.file == "xep_loai_chi_bo.csv"]
