"""ngodong_analysis.analysis.reconcile: the article's figures checked against a dataset.

``article_dataset()`` builds, by hand, the smallest dataset that agrees with every checkable
figure (F01–F06, F08–F18):

- 12 cells rated every year 2015–2019: TDP 2 and c01–c04 at rank 1 (5 a year, F01, F10),
  c05–c11 at rank 2 (7 a year, F11), none at rank 4 (F12);
- members 2019: TDP 2 has 22 (7 young: F02, F03), the 11 others 43 each: 22 + 473 = 495,
  inside "nearly 500" = 470–499 (F09);
- TDP 2's yearly flows: introduced 3 × 5 = 15 (F16), admitted 2 + 2 + 2 + 2 + 3 = 11 (F17),
  transferred in 8 + 8 + 8 + 8 + 10 = 42 (F18);
- member ratings 2019: HTXSNV 45 (F14), HTTNV 255, HTNV 130, KHTNV 10: 300 of 440 rated are
  HTTNV or above = 68.18…% → 68.2 (F13);
- residential group 2 in 2019: 57 million đồng, 0 poor, 6 near-poor (F04–F06);
- the committee: TSVM 2015–2017, HTTNV 2018–2019 (F15).
"""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ngodong_analysis.analysis import CHECKS, article_figures, reconcile
from ngodong_analysis.dataset import Dataset
from ngodong_analysis.schema import conform

YEARS = range(2015, 2020)
TOP = {"pre2018": "TSVM", "qd132": "HTXSNV"}
WELL = "HTTNV"
COLUMNS = ["id", "claim", "expected", "computed", "status", "note"]
CHECKABLE = [
    "F01", "F02", "F03", "F04", "F05", "F06", "F08", "F09", "F10",
    "F11", "F12", "F13", "F14", "F15", "F16", "F17", "F18",
]  # fmt: skip


def scale(year: int) -> str:
    return "pre2018" if year <= 2017 else "qd132"


def article_dataset(*, tdp2_id: str = "tdp-2", tdp2_name: str = "Chi bộ Tổ dân phố số 2"):
    cells = [(tdp2_id, tdp2_name)] + [(f"c{i:02d}", f"Chi bộ số {i}") for i in range(1, 12)]
    ratings = []
    for year in YEARS:
        for i, (cell_id, name) in enumerate(cells):
            rank = 1 if i < 5 else 2
            rating = TOP[scale(year)] if rank == 1 else WELL
            ratings.append((year, cell_id, name, rating, scale(year), rank))
    members = [
        (2015, tdp2_id, tdp2_name, 20, 6, 2, 8, 3),
        (2016, tdp2_id, tdp2_name, 20, 6, 2, 8, 3),
        (2017, tdp2_id, tdp2_name, 21, 6, 2, 8, 3),
        (2018, tdp2_id, tdp2_name, 21, 7, 2, 8, 3),
        (2019, tdp2_id, tdp2_name, 22, 7, 3, 10, 3),
    ] + [(2019, cell_id, name, 43, 10, None, None, None) for cell_id, name in cells[1:]]
    member_ratings = [
        (2019, "c01", "HTXSNV", 45),
        (2019, "c01", "HTTNV", 255),
        (2019, "c01", "HTNV", 130),
        (2019, "c01", "KHTNV", 10),
    ]
    committee = [(2015, "TSVM"), (2016, "TSVM"), (2017, "TSVM"), (2018, "HTTNV"), (2019, "HTTNV")]
    return Dataset(
        cell_ratings=conform(
            pd.DataFrame(ratings, columns=["year", "cell_id", "cell", "rating", "scale", "rank"]),
            "cell_ratings",
        ),
        committee_ratings=conform(
            pd.DataFrame(
                [(y, "Đảng bộ thị trấn Ngô Đồng", r) for y, r in committee],
                columns=["year", "committee", "rating"],
            ),
            "committee_ratings",
        ),
        members=conform(
            pd.DataFrame(
                members,
                columns=[
                    "year",
                    "cell_id",
                    "cell",
                    "members",
                    "young",
                    "admitted",
                    "transferred_in",
                    "introduced",
                ],
            ),
            "members",
        ),
        member_ratings=conform(
            pd.DataFrame(member_ratings, columns=["year", "cell_id", "rating", "count"]),
            "member_ratings",
        ),
        income=conform(
            pd.DataFrame(
                [
                    (2019, "tdp-2", "Tổ dân phố số 2", 57.0, 0, 6),
                    (2019, "tdp-3", "Tổ dân phố số 3", 48.0, 2, 9),
                ],
                columns=[
                    "year",
                    "area_id",
                    "area",
                    "income_per_capita",
                    "poor_households",
                    "near_poor_households",
                ],
            ),
            "income",
        ),
    )


def by_id(result: pd.DataFrame) -> pd.DataFrame:
    return result.set_index("id")


def test_every_checkable_figure_has_a_check():
    figures = article_figures()
    checkable = figures.loc[figures["checkable"] == "yes", "id"].tolist()
    assert checkable == CHECKABLE
    assert sorted(CHECKS) == CHECKABLE


def test_article_dataset_passes_every_check():
    result = reconcile(article_dataset())
    assert list(result.columns) == COLUMNS
    assert result["id"].tolist() == CHECKABLE
    failing = result[result["status"] != "pass"]
    assert failing.empty, failing.to_string()


def test_computed_values_and_expected_ranges():
    result = by_id(reconcile(article_dataset()))
    assert result.at["F01", "computed"] == "5"
    assert result.at["F02", "computed"] == "22"
    assert result.at["F04", "computed"] == "57"
    assert result.at["F08", "computed"] == "12 12 12 12 12"
    assert result.at["F09", "computed"] == "495"
    assert result.at["F09", "expected"] == "500 (470–499)"
    assert result.at["F13", "computed"] == "68.2"
    assert "440" in result.at["F13", "note"]  # the denominator is stated
    assert result.at["F15", "computed"] == "TSVM TSVM TSVM HTTNV HTTNV"
    assert result.at["F18", "computed"] == "42"


def test_one_cell_demoted_breaks_the_yearly_means():
    ds = article_dataset()
    ratings = ds.cell_ratings.copy()
    demote = (ratings["year"] == 2016) & (ratings["cell_id"] == "c04")
    ratings.loc[demote, ["rating", "rank"]] = ["HTTNV", 2]
    ds = Dataset(**{**ds.tables(), "cell_ratings": ratings})
    result = by_id(reconcile(ds))
    # rank 1 per year: 5, 4, 5, 5, 5 → mean 4.8; rank 2: 7, 8, 7, 7, 7 → 7.2
    assert result.at["F10", "status"] == "fail"
    assert result.at["F10", "computed"] == "4.8"
    assert result.at["F11", "status"] == "fail"
    assert result.at["F11", "computed"] == "7.2"
    assert result.at["F01", "status"] == "pass"  # TDP 2 itself stayed on top
    assert result.at["F08", "status"] == "pass"


def test_streak_broken_and_committee_rating_differs():
    ds = article_dataset()
    ratings = ds.cell_ratings.copy()
    ratings.loc[(ratings["year"] == 2017) & (ratings["cell_id"] == "tdp-2"), "rank"] = 2
    committee = ds.committee_ratings.copy()
    committee.loc[committee["year"] == 2018, "rating"] = "HTXSNV"
    ds = Dataset(**{**ds.tables(), "cell_ratings": ratings, "committee_ratings": committee})
    result = by_id(reconcile(ds))
    assert result.at["F01", "status"] == "fail"
    assert result.at["F01", "computed"] == "4"
    assert "2017" in result.at["F01", "note"]
    assert result.at["F15", "status"] == "fail"
    assert result.at["F15", "computed"] == "TSVM TSVM TSVM HTXSNV HTTNV"


def test_cell_found_by_name_whatever_its_id():
    # The loaders may give another id; the name written differently still matches.
    ds = article_dataset(tdp2_id="cb-02", tdp2_name="CB TDP 02")
    result = by_id(reconcile(ds))
    assert result.loc[["F01", "F02", "F03"], "status"].tolist() == ["pass"] * 3
    assert "cb-02" in result.at["F02", "note"]


def test_cell_found_by_id_when_names_are_blank():
    ds = article_dataset()
    members = ds.members.assign(cell=pd.NA)
    ratings = ds.cell_ratings.assign(cell=pd.NA)
    ds = Dataset(**{**ds.tables(), "members": members, "cell_ratings": ratings})
    result = by_id(reconcile(ds))
    assert result.loc[["F01", "F02"], "status"].tolist() == ["pass", "pass"]


def test_empty_dataset_is_no_data_everywhere():
    result = reconcile(Dataset())
    assert list(result.columns) == COLUMNS
    assert result["id"].tolist() == CHECKABLE
    assert set(result["status"]) == {"no data"}
    assert result["computed"].isna().all()


def test_custom_figures_table():
    figures = article_figures()
    figures = figures[figures["id"].isin(["F09", "F07"])].copy()
    figures.loc[figures["id"] == "F09", ["low", "high"]] = ["400", "450"]
    extra = figures.iloc[[0]].assign(id="F99", checkable="yes")
    result = reconcile(article_dataset(), pd.concat([figures, extra]))
    # F07 is not checkable; F09 now expects 400–450; F99 has no check.
    assert result["id"].tolist() == ["F09", "F99"]
    assert result["status"].tolist() == ["fail", "no data"]
    assert "no check" in result.at[1, "note"]


@pytest.mark.parametrize("figure_id", ["F16", "F17", "F18"])
def test_flow_totals_need_some_count(figure_id):
    ds = article_dataset()
    blank = ds.members.assign(admitted=pd.NA, transferred_in=pd.NA, introduced=pd.NA)
    result = by_id(reconcile(Dataset(**{**ds.tables(), "members": blank})))
    assert result.at[figure_id, "status"] == "no data"
    assert result.at["F02", "status"] == "pass"


_NAME_PARTS = [
    "Chi bộ",
    "CB",
    "Đảng bộ",
    "Tổ dân phố",
    "TDP",
    "số",
    "02",
    "7",
    "Thôn",
    "xã",
    "Đông",
    "KDC",
    "khu",
    "(cũ)",
    "-",
    "đ",
    "0",
    "Mầm non",
    "THCS",
    "ĐV",
    "so",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_NAME_PARTS), st.text(max_size=6)), max_size=7))
@example(["0\U000e0100", "Chi bộ"])  # a variation selector: a mark, but not a diacritic
def test_name_keys_vectorised_equal_the_scalar_key(parts):
    from ngodong_analysis.analysis.reconcile import _name_key, _name_keys

    names = [" ".join(parts), "".join(parts), "-".join(parts)]
    assert _name_keys(pd.Series(names)).to_pylist() == [_name_key(n) for n in names]
