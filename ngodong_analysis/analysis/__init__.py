"""Analysis: pure functions from the tidy tables of a Dataset to summary frames.

Every function takes contract tables (see :mod:`ngodong_analysis.schema`) and returns a new
frame with documented columns; nothing is read from or written to disk apart from the small
reference tables shipped in ``ngodong_analysis/resources``, and an empty input gives an empty
frame with the same columns. Units: counts are persons, cells or households; income is million
đồng per person per year; ``share``/``rate`` columns are fractions 0–1, ``*_pct`` columns are
percentages and ``cagr`` is a fraction per year.

The docstrings' examples assume ``import pandas as pd``, ``import ngodong_analysis as nd``,
``from ngodong_analysis.schema import conform`` and ``ds = nd.load_dataset()``.
"""

from .committees import roll_up
from .compare import committee_quotas, compare_committees, funnel, outlier_year, tier_change
from .completeness import incomplete_mask, incomplete_sums
from .income import income_cagr, income_growth, income_vs_rating, poverty, poverty_breaks
from .membership import (
    ALL_CELLS_ID,
    flow_discrepancies,
    member_flows,
    member_rating_shares,
    membership_totals,
    quota_check,
    well_or_above_share,
)
from .ratings import cell_quota_check, crosswalk, rating_mix, rating_transitions, top_streaks
from .reconcile import CHECKS, article_applies, article_figures, article_source, reconcile
from .summary import yearly_summary

__all__ = [
    "ALL_CELLS_ID",
    "cell_quota_check",
    "crosswalk",
    "CHECKS",
    "committee_quotas",
    "compare_committees",
    "article_applies",
    "article_figures",
    "article_source",
    "flow_discrepancies",
    "funnel",
    "incomplete_mask",
    "incomplete_sums",
    "income_cagr",
    "income_growth",
    "income_vs_rating",
    "member_flows",
    "member_rating_shares",
    "outlier_year",
    "membership_totals",
    "poverty",
    "poverty_breaks",
    "quota_check",
    "rating_mix",
    "rating_transitions",
    "reconcile",
    "roll_up",
    "tier_change",
    "top_streaks",
    "well_or_above_share",
    "yearly_summary",
]
