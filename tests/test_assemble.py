"""Assembly helpers on hand-made records: display names and merging of records."""

import pandas as pd
import pytest

from ngodong_analysis.ingest.assemble import Registry, combine, display_names, rate
from ngodong_analysis.problems import ProblemLog


def test_display_name_is_the_most_frequent_spelling_ties_to_the_first_seen():
    ids = pd.Series(["a", "b", "a", "a", "b", "c", "b", "c"], index=range(10, 18))
    names = pd.Series(["A1", "B1", "A2", "A2", "B2", "C", "B1", "C"], index=ids.index)
    shown = display_names(
        pd.DataFrame({"cell_id": ids, "name": names}), "cell_id", Registry.empty()
    )
    assert shown.index.equals(ids.index)
    # a: A2 twice beats A1 once; b: B1 twice beats B2; c: one spelling
    assert shown.tolist() == ["A2", "B1", "A2", "A2", "B1", "C", "B1", "C"]
    two = pd.DataFrame({"cell_id": ["x", "x"], "name": ["late?", "early"]})
    tie = display_names(two, "cell_id", Registry.empty())
    assert tie.tolist() == ["late?", "late?"]  # equal counts: the spelling seen first


def test_display_name_prefers_the_registry():
    reg = Registry.build(
        pd.DataFrame(
            {
                "name": ["Chi bộ Khu phố Hai"],
                "cell_id": ["k02"],
                "_file": ["r.xlsx"],
                "_sheet": ["Danh mục"],
                "_row": [1],
                "_name_col": [1],
            }
        ),
        ProblemLog(),
    )
    shown = display_names(
        pd.DataFrame({"cell_id": ["k02", "x"], "name": ["Khu 2", "X"]}), "cell_id", reg
    )
    assert shown.tolist() == ["Chi bộ Khu phố Hai", "X"]


def _records(rows):
    df = pd.DataFrame(rows, columns=["year", "cell_id", "members", "female", "_row"])
    df["_file"], df["_sheet"], df["_name_col"] = "f.xlsx", "S", 1
    df["_col_members"], df["_col_female"] = 2, 3
    return df


def test_combine_merges_fields_from_two_records_and_reports_a_clash():
    log = ProblemLog()
    recs = _records(
        [
            (2019, "b", 10, None, 1),
            (2019, "a", 5, None, 2),
            (2019, "a", None, 3, 7),  # the same key, another field: merged
            (2018, "b", 9, None, 8),
            (2018, "b", 8, None, 9),  # the same key and field: an error naming both cells
        ]
    )
    out = combine(recs, ["year", "cell_id"], ["members", "female"], "the membership of", log)
    assert out[["year", "cell_id"]].values.tolist() == [[2018, "b"], [2019, "a"], [2019, "b"]]
    assert out.loc[1, "members"] == 5 and out.loc[1, "female"] == 3
    [err] = log.finish()
    assert err.cell == "C10" and "C9" in err.message and "b in 2018" in err.message
    assert out.loc[0, "members"] == 9  # the first record is kept


NEW_LABELS = (
    "'Hoàn thành xuất sắc nhiệm vụ' (HTXSNV), 'Hoàn thành tốt nhiệm vụ' (HTTNV), "
    "'Hoàn thành nhiệm vụ' (HTNV), 'Không hoàn thành nhiệm vụ' (KHTNV)"
)


def test_an_unknown_rating_suggests_and_lists_the_labels_of_the_templates_dropdown():
    rated = rate("HTT NV", 2019, "organisation")
    assert rated.code is None and rated.severity == "error"
    assert str(rated.message) == (
        "unknown rating 'HTT NV' — did you mean 'Hoàn thành tốt nhiệm vụ' (HTTNV)? "
        f"The ratings of 2019, as the template lists them: {NEW_LABELS}"
    )
    assert str(rate("Khá", 2019, "organisation").message) == (
        f"unknown rating 'Khá'; the ratings of 2019, as the template lists them: {NEW_LABELS}"
    )
    old = str(rate("Hoàn thành tốt", 2016, "member").message)
    assert "did you mean 'Đủ tư cách, hoàn thành tốt nhiệm vụ' (HTTNV)?" in old


@pytest.mark.parametrize(
    ("year", "rules"), [(2018, "Quy định 132-QĐ/TW"), (2024, "Quy định 124-QĐ/TW")]
)
def test_a_label_of_the_old_scale_is_read_with_the_rule_in_words(year, rules):
    rated = rate("Trong sạch vững mạnh", year, "organisation")
    assert (rated.code, rated.rank, rated.severity) == ("HTXSNV", 1, "warning")
    message = str(rated.message)
    # the reason names the labels, the scales' documents and the rule, not a scale's id
    assert message.startswith(
        f"'Trong sạch vững mạnh' is not a rating of {year}, rated under {rules}"
    )
    assert "read as 'Hoàn thành xuất sắc nhiệm vụ' (HTXSNV): 'Trong sạch, vững mạnh'" in message
    assert "before 2018 (HD 20 and HD 27-HD/BTCTW)" in message
    assert "by position on the crosswalk (both rank 1)" in message
    assert "as for" not in message and "qd1" not in message


# --- check_years -----------------------------------------------------------------------------


def _year_records(years):
    """Records of sheet "S" whose year is in column A of rows 2, 3, …"""
    df = pd.DataFrame(
        {"year": years, "members": range(len(years))}, index=range(10, 10 + len(years))
    )
    df["_file"], df["_sheet"], df["_name_col"], df["_col_year"] = "dir/f.xlsx", "S", 1, 0
    df["_row"] = range(1, len(years) + 1)
    return df


def test_check_years_keeps_1930_to_next_year_and_reports_the_rest_at_their_cell():
    import datetime as dt

    from ngodong_analysis.ingest.assemble import check_years

    next_year = dt.date.today().year + 1  # a plan for next year is a real year; later is not
    years = [2019.0, 1930.0, 1929.0, float(next_year), float(next_year + 1), 2019.5, None]
    log = ProblemLog()
    out = check_years(_year_records(years), log)
    assert out["year"].tolist() == [2019, 1930, next_year]
    assert out["year"].dtype.kind == "i"
    assert out.index.tolist() == [10, 11, 13]  # the records' own rows, not renumbered
    assert out["members"].tolist() == [0, 1, 3]
    problems = log.finish()
    # The blank year (row 8) is not reported here: a sheet without a year is reported once.
    assert [(p.file, p.sheet, p.cell, p.severity, p.rule) for p in problems] == [
        ("dir/f.xlsx", "S", "A4", "error", "year"),
        ("dir/f.xlsx", "S", "A6", "error", "year"),
        ("dir/f.xlsx", "S", "A7", "error", "year"),
    ]
    assert [p.message for p in problems] == [
        f"year {y} is outside 1930–{next_year}" for y in ("1929", next_year + 1, "2019.5")
    ]


def test_check_years_leaves_good_records_and_empty_tables_alone():
    from ngodong_analysis.ingest.assemble import check_years

    log = ProblemLog()
    records = _year_records([2018.0, 2019.0])
    out = check_years(records, log)
    assert out["year"].tolist() == [2018, 2019] and out["year"].dtype.kind == "i"
    assert log.finish() == []
    assert records["year"].dtype.kind == "f"  # the caller's frame is not changed
    empty = _year_records([]).astype({"year": float})
    assert check_years(empty, log).empty
