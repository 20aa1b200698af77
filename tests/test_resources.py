"""The tables of resources/: one reader, and every user override of it honoured everywhere."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ngodong_analysis import vocab
from ngodong_analysis.analysis._common import fold, member_rank_values, member_ranks
from ngodong_analysis.config import RESOURCE_OVERRIDES, resource, shipped_resource
from ngodong_analysis.outputs.report import report_labels
from ngodong_analysis.plots import labels
from ngodong_analysis.schema import COUNT


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _reversed_member_crosswalk(tmp_path: Path) -> Path:
    """A crosswalk whose member ratings run the other way round (HTXSNV worst)."""
    rows = []
    for scale in ("pre2018", "qd132", "qd124", "qd366"):
        for code, rank in (("HTXSNV", 4), ("HTTNV", 3), ("HTNV", 2), ("KHTNV", 1)):
            rows.append([scale, "member", code, str(rank), str(rank), ""])
        for code, rank in (("HTXSNV", 2), ("HTTNV", 1), ("HTNV", 3), ("KHTNV", 4)):
            rows.append([scale, "organisation", code, str(rank), str(rank), ""])
    header = ["scale", "subject", "rating", "rank", "tier", "note"]
    return _write(tmp_path / "own_crosswalk.csv", header, rows)


def test_the_overrides_are_the_two_documented_variables():
    assert RESOURCE_OVERRIDES == {
        "crosswalk.csv": "NGODONG_CROSSWALK",
        "quota_rules.csv": "NGODONG_QUOTA_RULES",
    }


def test_an_own_crosswalk_reaches_the_member_ranks_of_the_analysis(tmp_path, monkeypatch):
    assert member_ranks()["HTXSNV"] == 1  # the shipped crosswalk
    monkeypatch.setenv("NGODONG_CROSSWALK", str(_reversed_member_crosswalk(tmp_path)))
    assert resource("crosswalk.csv") == tmp_path / "own_crosswalk.csv"
    assert member_ranks()["HTXSNV"] == 4
    assert member_ranks()["KHTNV"] == 1
    # a member rating without a rank is ranked through the crosswalk in force
    ratings = pd.DataFrame(
        {"rating": ["HTXSNV", "KHTNV", "HTTNV"], "rank": pd.array([pd.NA, pd.NA, 2], COUNT)}
    )
    values, known = member_rank_values(ratings)
    assert values.tolist() == [4, 1, 2]
    assert known.all()
    monkeypatch.delenv("NGODONG_CROSSWALK")
    assert member_ranks()["HTXSNV"] == 1


def test_an_own_crosswalk_set_after_a_first_lookup_still_counts(tmp_path, monkeypatch):
    assert vocab.scale_codes("qd132", "organisation") == ("HTXSNV", "HTTNV", "HTNV", "KHTNV")
    monkeypatch.setenv("NGODONG_CROSSWALK", str(_reversed_member_crosswalk(tmp_path)))
    assert vocab.scale_codes("qd132", "organisation") == ("HTTNV", "HTXSNV", "HTNV", "KHTNV")
    assert vocab.crosswalk()[("qd132", "member", "HTXSNV")] == (4, 4)


def test_an_own_quota_rule_is_applied(tmp_path, monkeypatch):
    assert vocab.quota_rule("organisations", 2019) is None  # shipped: unconfirmed, no cap
    header = "rule,subject,first_year,last_year,unit,rated,of,cap,source,confirmed,note".split(",")
    row = ["own", "organisations", "2018", "2022", "committee", "HTXSNV", "HTTNV", "0.25",
           "Tỉnh ủy (2019)", "yes", "a province's own cap"]  # fmt: skip
    monkeypatch.setenv("NGODONG_QUOTA_RULES", str(_write(tmp_path / "q.csv", header, [row])))
    rule = vocab.quota_rule("organisations", 2019)
    assert rule is not None and (rule.rule, rule.cap, rule.source) == (
        "own",
        0.25,
        "Tỉnh ủy (2019)",
    )
    assert vocab.quota_rule("members", 2019) is None  # the own file replaces the shipped one


def test_the_contract_documents_the_shipped_tables_whatever_the_overrides(tmp_path, monkeypatch):
    monkeypatch.setenv("NGODONG_CROSSWALK", str(_reversed_member_crosswalk(tmp_path)))
    assert shipped_resource("crosswalk.csv").parent.name == "resources"
    from ngodong_analysis.contract import _rows

    first = _rows("crosswalk.csv")[0]
    assert (first["scale"], first["rating"], first["rank"]) == ("pre2018", "TSVM_TB", "1")


def test_one_text_table_for_charts_report_and_templates():
    with open(resource("texts.csv"), encoding="utf-8", newline="") as fh:
        rows = {row["key"]: row for row in csv.DictReader(fh)}
    assert report_labels("en")("col_admitted") == labels("en")("flow_admitted") == "Admitted"
    assert labels("vi")("scale_short_qd132") == "QĐ 132"
    assert report_labels("vi")("scale_qd132") == "Quy định 132-QĐ/TW"
    assert rows["template_error_score_title"]["en"] == "Invalid score"
    with pytest.raises(ValueError, match="expected one of vi, en"):
        labels("fr")


@pytest.mark.parametrize(
    ("name", "folded"),
    [
        ("Chi bộ Tổ dân phố số 02", "chi bo to dan pho so 2"),
        ("  ĐẢNG BỘ  thị trấn Ngô Đồng!", "dang bo thi tran ngo dong"),
        (None, ""),
        (np.nan, ""),
        (pd.NA, ""),
    ],
)
def test_name_folding_of_the_analysis(name, folded):
    assert fold(name) == folded


def test_colours_and_number_formats_come_from_the_column_table():
    from ngodong_analysis.outputs.report import LEVEL_COLOURS, NUMBER_FORMATS
    from ngodong_analysis.plots import PALETTE

    table = vocab.columns()
    assert PALETTE["flows"]["admitted"] == vocab.colour("admitted") == "#1b9e77"
    assert PALETTE["levels"][1] == "#1a9850" and LEVEL_COLOURS[1] == "66BD63"
    assert NUMBER_FORMATS["cagr"] == "0.0%" and NUMBER_FORMATS["households"] == "#,##0"
    assert table["income_per_capita"].unit == "million đồng/person/year"
    with pytest.raises(KeyError, match="no colour"):
        vocab.colour("female")
    for column in table.values():
        for rgb in (column.colour and column.colour.removeprefix("#"), column.fill):
            assert rgb is None or (len(rgb) == 6 and int(rgb, 16) >= 0), column


def test_the_label_family_of_each_scale_is_data():
    assert vocab.scale_families() == {
        "pre2018": "old",
        "qd132": "new",
        "qd124": "new",
        "qd366": "new",
    }
    assert vocab.dropdown_label("pre2018", "organisation", "TSVM") == "Trong sạch, vững mạnh"
    assert (
        vocab.dropdown_label("qd132", "organisation", "HTXSNV") == "Hoàn thành xuất sắc nhiệm vụ"
    )


def test_income_units_are_read_in_table_order():
    money = [u.word for u in vocab.income_units("money")]
    assert money.index("trieu") < money.index("dong")  # "triệu đồng" is millions, not đồng
    periods = vocab.income_units("period")
    assert (periods[-1].word, periods[-1].factor) == ("", 1.0)  # no period word: per year


def test_sheet_kinds_are_data_and_the_income_rule_knows_every_income_field():
    from ngodong_analysis.schema import INCOME_FIELDS

    kinds = vocab.sheet_kinds()
    assert [k.kind for k in kinds][:4] == ["registry", "committee_registry", "registry", "members"]
    income = next(k for k in kinds if k.kind == "income")
    assert set(income.any_of) == set(INCOME_FIELDS)
    ratings = next(k for k in kinds if k.kind == "cell_ratings")
    # a sheet of names and columns headed by a year alone is the cells' ratings
    assert ratings.fits({"cell"}, True, "cell", "xep loai")
    assert not ratings.fits({"cell"}, False, "cell", "xep loai")
    assert not ratings.fits({"unit", "rating"}, False, "unit", "dang bo")
    registry = kinds[2]  # the "Danh mục …" rule (kinds[1] is the committees registry)
    assert registry.fits({"area"}, False, "area", "danh muc to dan pho")
    assert not registry.fits({"area"}, False, "area", "thu nhap")
