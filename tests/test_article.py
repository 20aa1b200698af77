"""The shipped sample reproduces every checkable figure of the article, by id.

Each figure is computed here straight from the tidy tables (not through the analysis
module), against the values recorded in resources/article_figures.csv.
"""

import csv

import pytest

from ngodong_analysis.config import resource

FIGURES = {
    r["id"]: r for r in csv.DictReader(open(resource("article_figures.csv"), encoding="utf-8"))
}
WINDOW = range(2015, 2020)


def expected(fid):
    return float(FIGURES[fid]["value"])


def test_figures_file_is_complete():
    assert [f"F{i:02d}" for i in range(1, 22)] == list(FIGURES)
    checkable = {k for k, v in FIGURES.items() if v["checkable"] == "yes"}
    assert checkable == {f"F{i:02d}" for i in [1, 2, 3, 4, 5, 6, *range(8, 19)]}
    assert all(v["quote_vi"] for v in FIGURES.values())


def test_f01_tdp2_top_rated_every_year(sample):
    tdp2 = sample.cell_ratings[sample.cell_ratings.cell_id == "tdp-2"]
    assert sorted(tdp2["year"]) == list(WINDOW)
    assert (tdp2["rank"] == 1).sum() == expected("F01")


@pytest.mark.parametrize(("fid", "column"), [("F02", "members"), ("F03", "young")])
def test_f02_f03_tdp2_members(sample, fid, column):
    row = sample.members[(sample.members.cell_id == "tdp-2") & (sample.members.year == 2019)]
    assert row[column].item() == expected(fid)


@pytest.mark.parametrize(
    ("fid", "column"),
    [("F04", "income_per_capita"), ("F05", "poor_households"), ("F06", "near_poor_households")],
)
def test_f04_to_f06_residential_group_2(sample, fid, column):
    row = sample.income[(sample.income.area_id == "tdp-2") & (sample.income.year == 2019)]
    assert float(row[column].item()) == expected(fid)


def test_f08_twelve_cells_every_year(sample):
    per_year = sample.cell_ratings.groupby("year")["cell_id"].nunique()
    assert per_year.index.tolist() == list(WINDOW)
    assert (per_year == expected("F08")).all()
    assert len(sample.cells) == expected("F08")


def test_f09_nearly_500_members(sample):
    total = sample.members.loc[sample.members.year == 2019, "members"].sum()
    assert float(FIGURES["F09"]["low"]) <= total <= float(FIGURES["F09"]["high"])


@pytest.mark.parametrize(("fid", "rank"), [("F10", 1), ("F11", 2)])
def test_f10_f11_yearly_average_of_cells_by_position(sample, fid, rank):
    cr = sample.cell_ratings
    counts = cr[cr["rank"] == rank].groupby("year").size().reindex(WINDOW, fill_value=0)
    assert counts.mean() == expected(fid)


def test_f12_no_weak_cell(sample):
    assert (sample.cell_ratings["rank"] == 4).sum() == expected("F12")


def test_f13_f14_member_ratings_2019_rated_members(sample):
    mr = sample.member_ratings[sample.member_ratings.year == 2019]
    rated = mr["count"].sum()
    m = sample.members[sample.members.year == 2019]
    assert rated == m["members"].sum() - m["exempt"].sum()  # exempt members are not rated
    share = round(100 * mr.loc[mr["rank"] <= 2, "count"].sum() / rated, 1)
    assert share == expected("F13")
    assert mr.loc[mr.rating == "HTXSNV", "count"].sum() == expected("F14")


def test_f15_committee_ratings(sample):
    cr = sample.committee_ratings.sort_values("year")
    assert cr["year"].tolist() == list(WINDOW)
    assert " ".join(cr["rating"].astype(str)) == FIGURES["F15"]["value"]


@pytest.mark.parametrize(
    ("fid", "column"), [("F16", "introduced"), ("F17", "admitted"), ("F18", "transferred_in")]
)
def test_f16_to_f18_five_year_totals(sample, fid, column):
    m = sample.members[sample.members.year.isin(WINDOW)]
    assert m[column].sum() == expected(fid)


def test_sample_loads_without_problems(sample):
    assert sample.problems == []
