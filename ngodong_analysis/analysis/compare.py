"""Comparing committees: one row per committee and year, funnel limits, quotas, the 2018 change.

A district's or province's board holds many committees' data and asks which of them differ:
who rates nearly all its cells at the top, who breaks the HTXSNV quota, whose membership
shrinks. :func:`compare_committees` puts each committee's headline numbers side by side (a
league table); :func:`funnel` says which of its differences are more than chance, with exact
binomial control limits around the pooled rate (Spiegelhalter, "Funnel plots for comparing
institutional performance", *Statistics in Medicine* 2005), so a commune with 3 of its 4 cells
at the top is not ranked above one with 30 of 50.

Every function takes a dataset's tables as loaded or as :func:`~ngodong_analysis.analysis.roll_up`
gives them (the committees of one year, followed back through the mergers), and never adds one
committee's rates to another's: sums are per committee, pooled rates say so.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..schema import CELL_ID, COMMITTEE_ID, COUNT, STRING, with_scope
from ._common import FLOAT, VERDICT_COLUMNS, frame, member_rank_values, quota_verdict, ratio
from .ratings import cell_quota_check

if TYPE_CHECKING:
    from ..dataset import Dataset

KEY = ["year", COMMITTEE_ID]

COMPARE_COLUMNS = {
    "year": "int64",
    COMMITTEE_ID: STRING,
    "committee": STRING,
    "cells_rated": COUNT,
    "cells_top": COUNT,
    "top_share": FLOAT,
    "cells_bottom": COUNT,
    "bottom_share": FLOAT,
    "members": COUNT,
    "young_share": FLOAT,
    "members_rated": COUNT,
    "members_excellent": COUNT,
    "excellent_share": FLOAT,
    "members_well": COUNT,
    "quota_allowed": COUNT,
    "quota_ok": "boolean",
    "quota_rule": STRING,
    "cells_quota_ok": "boolean",
    "cells_quota_rule": STRING,
    "admitted": COUNT,
    "admitted_per_100": FLOAT,
    "population": COUNT,
    "income_per_capita": FLOAT,
    "households": COUNT,
    "poor_households": COUNT,
    "poor_share": FLOAT,
}

QUOTA_COLUMNS = {
    "year": "int64",
    COMMITTEE_ID: STRING,
    "committee": STRING,
    "subject": STRING,
    **VERDICT_COLUMNS,
}

CHANGE_COLUMNS = {
    COMMITTEE_ID: STRING,
    "committee": STRING,
    "year_before": "int64",
    "year_after": "int64",
    "rated_before": COUNT,
    "rated_after": COUNT,
    "top_share_before": FLOAT,
    "top_share_after": FLOAT,
    "top_change_pts": FLOAT,
    "mean_tier_before": FLOAT,
    "mean_tier_after": FLOAT,
    "mean_tier_change": FLOAT,
    "cells_both": COUNT,
    "cells_up": COUNT,
    "cells_down": COUNT,
}

_VERDICT_NAMES = {"members_excellent": "excellent", "members_well": "well"}

FLAGS = ("below", "within", "above")
"""The verdicts of :func:`funnel` against a control limit, lowest first."""


def _keyed(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with its scope, and its committee id as text (a roll-up gives objects)."""
    df = with_scope(df)
    if len(df):
        df = df.assign(**{COMMITTEE_ID: df[COMMITTEE_ID].astype(STRING)})
    return df


def _sums(df: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Per (year, committee): each column's sum over the rows reporting it (NA if none did)."""
    work = df[[*KEY, *columns]].copy()
    for col in columns:
        work[col] = work[col].astype(FLOAT)
    return work.groupby(KEY, sort=True, observed=True)[list(columns)].sum(min_count=1)


def _paired_sums(df: pd.DataFrame, num: str, den: str) -> pd.DataFrame:
    """Per (year, committee): the sums of ``num`` and ``den`` over the rows reporting both."""
    both = df.dropna(subset=[num, den])
    return _sums(both, [num, den])


def _names(ds: Dataset) -> pd.Series:
    table = ds.committees
    if table.empty or "committee" not in table.columns:
        return pd.Series(dtype=STRING)
    return table.drop_duplicates(COMMITTEE_ID).set_index(COMMITTEE_ID)["committee"].astype(STRING)


def compare_committees(ds: Dataset) -> pd.DataFrame:
    """Each committee's headline numbers per year, side by side: the league table.

    Parameters
    ----------
    ds : Dataset
        A loaded dataset, or :func:`~ngodong_analysis.analysis.roll_up`'s output (any table
        may be empty).

    Returns
    -------
    DataFrame
        One row per (``year``, ``committee_id``) found in any table, sorted so, with
        ``committee`` (the name in the committees table; NA if it has none) and

        - ``cells_rated``: cells with a harmonised tier that year; ``cells_top`` (tier 1) and
          ``top_share`` = cells_top / cells_rated; ``cells_bottom`` (tier 4) and
          ``bottom_share`` = cells_bottom / cells_rated. Tiers compare years across the
          2017/2018 change of rules (TSVM is tier 2, only TSVM tiêu biểu tier 1).
        - ``members`` (persons at 31 December, summed over the cells that reported) and
          ``young_share`` = young / members over the cells reporting both.
        - ``members_rated`` (the member-rating counts summed), ``members_excellent`` (rated
          HTXSNV) and ``excellent_share`` = members_excellent / members_rated;
          ``members_well`` (rated HTTNV).
        - ``quota_allowed``, ``quota_ok``, ``quota_rule``: the members' quota of the rule in
          force that year (``resources/quota_rules.csv``: HTXSNV ≤ 20% of HTTNV within each
          grassroots committee from 2019), as
          :func:`~ngodong_analysis.analysis.quota_check`'s committee row; NA where no
          confirmed rule covers the year. ``cells_quota_ok`` and ``cells_quota_rule``: the
          organisations' quota (QĐ 124 in 2023–2024, the committee's cells taken as one
          group of similar roles: an assumption), as
          :func:`~ngodong_analysis.analysis.cell_quota_check`.
        - ``admitted`` (persons) and ``admitted_per_100`` = 100 × admitted / members, both
          at 31 December of the year, over the cells reporting both.
        - ``population`` (persons, over the areas that report it) and ``income_per_capita``
          = Σ(income per capita × population) / Σ population over the areas reporting both
          (million đồng per person per year: weighted by population, never a plain mean).
        - ``households``, ``poor_households`` and ``poor_share`` = poor_households /
          households over the areas reporting both.

        A column is NA in a year its table has nothing for that committee.

    Examples
    --------
    >>> cc = compare_committees(ds)
    >>> cc[["year", "committee_id", "cells_rated", "cells_top", "members", "quota_ok"]]
       year       committee_id  cells_rated  cells_top  members  quota_ok
    0  2015  thi-tran-ngo-dong           12          0      470      <NA>
    1  2016  thi-tran-ngo-dong           12          0      474      <NA>
    2  2017  thi-tran-ngo-dong           12          0      479      <NA>
    3  2018  thi-tran-ngo-dong           12          4      483      <NA>
    4  2019  thi-tran-ngo-dong           12          5      488      True
    """
    parts = [_cell_part(ds), _member_part(ds), _rating_part(ds), _income_part(ds)]
    parts = [p for p in parts if p is not None and len(p)]
    if not parts:
        return frame(None, COMPARE_COLUMNS)
    out = parts[0]
    for part in parts[1:]:
        out = out.join(part, how="outer")
    out = out.sort_index().reset_index()
    out["committee"] = out[COMMITTEE_ID].map(_names(ds))
    return frame(out, COMPARE_COLUMNS)


def _cell_part(ds: Dataset) -> pd.DataFrame | None:
    cr = _keyed(ds.cell_ratings)
    if cr.empty or "tier" not in cr.columns:
        return None
    tier = cr["tier"].astype(FLOAT)
    work = cr[KEY].assign(
        cells_rated=tier.notna().astype("int64").to_numpy(),
        cells_top=(tier == 1).fillna(False).astype("int64").to_numpy(),
        cells_bottom=(tier == 4).fillna(False).astype("int64").to_numpy(),
    )
    out = work.groupby(KEY, sort=True, observed=True).sum()
    out["top_share"] = ratio(out["cells_top"], out["cells_rated"])
    out["bottom_share"] = ratio(out["cells_bottom"], out["cells_rated"])
    if "rating" in cr.columns:
        quota = cell_quota_check(cr).set_index(KEY)
        out = out.join(quota[["ok", "rule"]].rename(columns=lambda c: f"cells_quota_{c}"))
    return out


def _member_part(ds: Dataset) -> pd.DataFrame | None:
    m = _keyed(ds.members)
    if m.empty:
        return None
    out = _sums(m, ["members"])
    young = _paired_sums(m, "young", "members")
    out["young_share"] = ratio(young["young"], young["members"]).reindex(out.index)
    admitted = _paired_sums(m, "admitted", "members")
    out["admitted"] = _sums(m, ["admitted"])["admitted"]
    out["admitted_per_100"] = (100 * ratio(admitted["admitted"], admitted["members"])).reindex(
        out.index
    )
    return out


def _rating_part(ds: Dataset) -> pd.DataFrame | None:
    mr = _keyed(ds.member_ratings)
    if mr.empty:
        return None
    counts = mr["count"].astype(FLOAT)
    rank, known = member_rank_values(mr)
    known_count = counts.notna().to_numpy()
    work = mr[KEY].assign(
        members_rated=counts.to_numpy(dtype=float, na_value=np.nan),
        # as quota_check: a missing count is 0 of the level
        members_excellent=np.where(known & (rank == 1) & known_count, counts.fillna(0), 0),
        members_well=np.where(known & (rank == 2) & known_count, counts.fillna(0), 0),
    )
    grouped = work.groupby(KEY, sort=True, observed=True)
    out = grouped[["members_rated"]].sum(min_count=1)
    out[["members_excellent", "members_well"]] = grouped[
        ["members_excellent", "members_well"]
    ].sum()
    out["excellent_share"] = ratio(out["members_excellent"], out["members_rated"])
    judged = out.reset_index().rename(columns=_VERDICT_NAMES)
    quota = quota_verdict(judged, "members", np.ones(len(out), dtype=bool))
    out["quota_allowed"] = quota["allowed"].to_numpy()
    out["quota_ok"] = quota["ok"].to_numpy()
    out["quota_rule"] = quota["rule"].to_numpy()
    return out


def _income_part(ds: Dataset) -> pd.DataFrame | None:
    inc = _keyed(ds.income)
    if inc.empty:
        return None
    out = _sums(inc, ["population", "households", "poor_households"])
    weighted = inc.dropna(subset=["income_per_capita", "population"])
    weighted = weighted.assign(
        _mass=weighted["income_per_capita"].astype(FLOAT) * weighted["population"].astype(FLOAT)
    )
    sums = _sums(weighted, ["_mass", "population"])
    out["income_per_capita"] = ratio(sums["_mass"], sums["population"]).reindex(out.index)
    poor = _paired_sums(inc, "poor_households", "households")
    out["poor_share"] = ratio(poor["poor_households"], poor["households"]).reindex(out.index)
    return out


def funnel(
    table: pd.DataFrame,
    *,
    year: int,
    numerator: str,
    denominator: str,
    limits: Sequence[float] = (0.95, 0.998),
) -> pd.DataFrame:
    """Each committee's share against exact binomial control limits around the pooled rate.

    The pooled rate is Σ numerator / Σ denominator over the committees of ``year`` with a
    denominator above 0. At a committee's ``n`` (its denominator) the two-sided limit at
    level *L* is the pair of binomial quantiles of Binomial(n, pooled) at (1 − L)/2 and
    (1 + L)/2 — the smallest counts whose cumulative probability reaches them — divided by
    ``n``. A committee is "above" when its count exceeds the upper quantile, "below" when it
    falls short of the lower one, "within" otherwise: the exact one-sided test at (1 − L)/2,
    so with 0.998 a committee is flagged only when chance alone would put it there less than
    once in a thousand.

    Parameters
    ----------
    table : DataFrame
        :func:`compare_committees`' output (or any frame with ``year``, ``committee_id`` and
        the two count columns; a ``committee`` column is carried along).
    year : int
        The year compared.
    numerator, denominator : str
        The count and the number it is out of: ``"cells_top"`` of ``"cells_rated"``,
        ``"members_excellent"`` of ``"members_rated"``, ``"poor_households"`` of
        ``"households"``.
    limits : sequence of float
        The levels of the control limits, each in (0, 1): by default 95% and 99.8%, the
        paper's "2 and 3 standard deviations".

    Returns
    -------
    DataFrame
        One row per committee of ``year`` with both counts known and ``n`` > 0, largest ``n``
        first (then committee id): ``year``, ``committee_id``, ``committee``, ``count``
        (numerator), ``n`` (denominator), ``share`` = count / n, ``pooled`` (the same on
        every row), then for each level, named by its percentage ("95", "99_8"):
        ``lower_95`` and ``upper_95`` (fractions 0–1) and ``flag_95`` ("below", "within" or
        "above"). ``outlier``: whether the committee is outside the widest limits.

    Examples
    --------
    >>> t = pd.DataFrame({"year": 2024, "committee_id": ["a", "b", "c"],
    ...                   "cells_top": [3, 10, 40], "cells_rated": [4, 50, 50]})
    >>> f = funnel(t, year=2024, numerator="cells_top", denominator="cells_rated")
    >>> f[["committee_id", "n", "share", "upper_95", "flag_95", "flag_99_8"]]
      committee_id   n  share  upper_95 flag_95 flag_99_8
    0            b  50    0.2      0.64   below     below
    1            c  50    0.8      0.64   above     above
    2            a   4   0.75       1.0  within    within
    """
    from scipy.stats import binom

    levels = [float(level) for level in limits]
    for level in levels:
        if not 0 < level < 1:
            raise ValueError(f"limits={tuple(limits)!r}: each level must be between 0 and 1")
    names = {level: _level_name(level) for level in levels}
    columns = {
        "year": "int64",
        COMMITTEE_ID: STRING,
        "committee": STRING,
        "count": COUNT,
        "n": COUNT,
        "share": FLOAT,
        "pooled": FLOAT,
    }
    for level in levels:
        columns |= {
            f"lower_{names[level]}": FLOAT,
            f"upper_{names[level]}": FLOAT,
            f"flag_{names[level]}": STRING,
        }
    columns["outlier"] = "boolean"
    table = with_scope(table)
    rows = table[(table["year"] == year).to_numpy(dtype=bool, na_value=False)]
    count = pd.to_numeric(rows[numerator]).astype(FLOAT)
    n = pd.to_numeric(rows[denominator]).astype(FLOAT)
    keep = (count.notna() & n.notna() & (n > 0)).to_numpy(dtype=bool, na_value=False)
    rows, count, n = rows[keep], count[keep], n[keep]
    out = pd.DataFrame(
        {
            "year": int(year),
            COMMITTEE_ID: rows[COMMITTEE_ID].astype(STRING).to_numpy(),
            "committee": (
                rows["committee"].astype(STRING).to_numpy()
                if "committee" in rows.columns
                else pd.NA
            ),
            "count": count.to_numpy(dtype=float),
            "n": n.to_numpy(dtype=float),
        }
    )
    if out.empty:
        return frame(None, columns)
    pooled = float(out["count"].sum() / out["n"].sum())
    out["share"] = out["count"] / out["n"]
    out["pooled"] = pooled
    ns = out["n"].to_numpy(dtype=np.int64)
    counts = out["count"].to_numpy(dtype=float)
    outlier = np.zeros(len(out), dtype=bool)
    for level in sorted(levels):
        lower_q, upper_q = binomial_limits(ns, pooled, level, binom=binom)
        name = names[level]
        out[f"lower_{name}"] = lower_q / ns
        out[f"upper_{name}"] = upper_q / ns
        flag = np.where(counts > upper_q, "above", np.where(counts < lower_q, "below", "within"))
        out[f"flag_{name}"] = flag
        outlier = flag != "within"  # the widest limits, last
    out["outlier"] = outlier
    out = out.sort_values(["n", COMMITTEE_ID], ascending=[False, True], kind="stable")
    return frame(out, columns)


def outlier_year(
    table: pd.DataFrame,
    *,
    numerator: str,
    denominator: str,
    limits: Sequence[float] = (0.95, 0.998),
) -> int | None:
    """The latest year in which a committee is outside the widest limits of the
    :func:`funnel` of ``numerator`` of ``denominator``; else the latest year of ``table``
    (None for an empty one): the year a funnel plot shows by default.

    Parameters
    ----------
    table : DataFrame
        :func:`compare_committees`' output (or any frame :func:`funnel` takes).
    numerator, denominator : str
        The count and what it is out of, as for :func:`funnel`.
    limits : sequence of float
        The control limits' levels.

    Returns
    -------
    int or None
        The year.

    Examples
    --------
    >>> t = pd.DataFrame({"year": [2023, 2023, 2024, 2024], "committee_id": ["a", "b"] * 2,
    ...                   "k": [2, 45, 10, 10], "n": [50, 50, 50, 50]})
    >>> outlier_year(t, numerator="k", denominator="n")
    2023
    """
    years = sorted(int(y) for y in table["year"].dropna().unique()) if len(table) else []
    for year in reversed(years):
        found = funnel(
            table, year=year, numerator=numerator, denominator=denominator, limits=limits
        )
        if found["outlier"].fillna(False).astype(bool).any():
            return year
    return years[-1] if years else None


def _level_name(level: float) -> str:
    """0.95 → "95", 0.998 → "99_8": the level in percent, as a column-name suffix."""
    return format(round(level * 100, 6), "g").replace(".", "_")


def binomial_limits(n, rate: float, level: float, *, binom=None) -> tuple[np.ndarray, np.ndarray]:
    """The counts bounding the central ``level`` of Binomial(``n``, ``rate``): the quantiles at
    (1 − level)/2 and (1 + level)/2, each the smallest count whose cumulative probability
    reaches it (arrays as ``n``; float, so that ``n`` = 0 can be NaN).

    Parameters
    ----------
    n : int or array of int
        The numbers of trials (a committee's denominator).
    rate : float
        The probability of success (the pooled rate), in [0, 1].
    level : float
        The central probability the limits enclose, in (0, 1).
    binom : optional
        The binomial distribution object; ``scipy.stats.binom`` by default.

    Returns
    -------
    tuple of ndarray
        The lower and the upper count.

    Examples
    --------
    >>> lo, hi = binomial_limits([10, 100], 0.5, 0.95)
    >>> lo.tolist(), hi.tolist()
    ([2.0, 40.0], [8.0, 60.0])
    """
    if binom is None:
        from scipy.stats import binom
    ns = np.asarray(n, dtype=np.int64)
    tail = (1 - level) / 2
    lower = np.asarray(binom.ppf(tail, ns, rate), dtype=float)
    upper = np.asarray(binom.ppf(1 - tail, ns, rate), dtype=float)
    # scipy's ppf searches on the CDF computed in floating point: a probability that should
    # equal the tail exactly can miss it by an ulp. Step back where the count below already
    # reaches the tail (a 1e-12 slack, far below any difference a committee's counts make).
    for q, p in ((lower, tail), (upper, 1 - tail)):
        below = np.maximum(q - 1, 0)
        step = (q > 0) & (binom.cdf(below, ns, rate) >= p - 1e-12)
        q[step] = below[step]
    lower[ns <= 0] = np.nan
    upper[ns <= 0] = np.nan
    return lower, upper


def committee_quotas(ds: Dataset) -> pd.DataFrame:
    """The HTXSNV quotas per committee and year, for members and for organisations, naming
    the rule applied.

    The rules are data (``resources/quota_rules.csv``): for members, HD 21-HD/BTCTW (2019)
    caps those rated HTXSNV at 20% of those rated HTTNV within each grassroots committee,
    from the 2019 ratings on; for organisations, QĐ 124-QĐ/TW (Art. 12) caps the cells rated
    HTXSNV at 20% of those rated HTTNV within each group of similar roles, for 2023 and 2024
    — the package knows no grouping of roles, so a committee's cells are taken as one group
    (an **assumption**). A year no confirmed rule covers has no allowance and no verdict.

    Parameters
    ----------
    ds : Dataset
        A loaded dataset or :func:`~ngodong_analysis.analysis.roll_up`'s output.

    Returns
    -------
    DataFrame
        ``year``, ``committee_id``, ``committee``, ``subject`` ("members" or
        "organisations"), ``excellent`` and ``well`` (rated HTXSNV and HTTNV: persons or
        cells), ``share`` = excellent / well, and where a confirmed rule covers the year
        ``allowed`` (floor(cap × well)), ``ok`` (excellent ≤ allowed), ``rule`` and
        ``source``; sorted by year, committee, subject.

    Examples
    --------
    >>> q = committee_quotas(ds)
    >>> q[q["year"] == 2019][["subject", "excellent", "well", "allowed", "ok", "rule"]]
             subject  excellent  well  allowed     ok          rule
    8        members         45   255       51  True  hd21-members
    9  organisations          5     7     <NA>   <NA>          <NA>
    """
    parts = []
    mr = _keyed(ds.member_ratings)
    if len(mr):
        members = _rating_part(ds).reset_index()
        members = members.rename(columns=_VERDICT_NAMES)
        members = quota_verdict(members, "members", np.ones(len(members), dtype=bool))
        parts.append(members.assign(subject="members"))
    cr = _keyed(ds.cell_ratings)
    if len(cr) and "rating" in cr.columns:
        parts.append(cell_quota_check(cr).assign(subject="organisations"))
    if not parts:
        return frame(None, QUOTA_COLUMNS)
    out = pd.concat([frame(p, QUOTA_COLUMNS) for p in parts], ignore_index=True)
    out = out.sort_values([*KEY, "subject"], kind="stable", ignore_index=True)
    out["committee"] = out[COMMITTEE_ID].map(_names(ds))
    return frame(out, QUOTA_COLUMNS)


def tier_change(
    cell_ratings: pd.DataFrame,
    committees: pd.DataFrame | None = None,
    *,
    before: int = 2017,
    after: int = 2018,
) -> pd.DataFrame:
    """Each committee's cells on the harmonised tier in two years: by default across the
    2017/2018 change of rules (QĐ 132), where the rank compares positions on two scales and
    only the tier compares like with like.

    Parameters
    ----------
    cell_ratings : DataFrame
        The ``cell_ratings`` contract table.
    committees : DataFrame, optional
        The ``committees`` table, for the names.
    before, after : int
        The two years compared.

    Returns
    -------
    DataFrame
        One row per committee with cells rated in either year: ``year_before``,
        ``year_after``; ``rated_before``, ``rated_after`` (cells with a tier);
        ``top_share_before``, ``top_share_after`` (cells at tier 1 / cells rated) and
        ``top_change_pts`` (the change in percentage points); ``mean_tier_before``,
        ``mean_tier_after`` and ``mean_tier_change`` (negative = better); ``cells_both``
        (cells rated both years) and of them ``cells_up`` (a better tier after) and
        ``cells_down`` (a worse one).

    Examples
    --------
    >>> tier_change(ds.cell_ratings)[["committee_id", "top_share_before", "top_share_after",
    ...                               "cells_up", "cells_down"]]
            committee_id  top_share_before  top_share_after  cells_up  cells_down
    0  thi-tran-ngo-dong               0.0         0.333333         9           0
    """
    cr = _keyed(cell_ratings)
    if cr.empty or "tier" not in cr.columns:
        return frame(None, CHANGE_COLUMNS)
    cr = cr.dropna(subset=["tier"])
    cr = cr[cr["year"].isin([before, after])]
    if cr.empty:
        return frame(None, CHANGE_COLUMNS)
    tier = cr["tier"].astype(FLOAT)
    work = cr[KEY].assign(rated=1, top=(tier == 1).astype("int64").to_numpy(), tier=tier)
    by = work.groupby(KEY, observed=True)
    stats = by[["rated", "top"]].sum().join(by["tier"].mean().rename("mean"))
    stats["top_share"] = ratio(stats["top"], stats["rated"])
    wide = stats.unstack("year")
    out = pd.DataFrame(index=wide.index)
    for when, year in (("before", before), ("after", after)):
        for col, src in (("rated", "rated"), ("top_share", "top_share"), ("mean_tier", "mean")):
            out[f"{col}_{when}"] = wide[src][year] if year in wide[src].columns else pd.NA
    out["top_change_pts"] = 100 * (
        out["top_share_after"].astype(FLOAT) - out["top_share_before"].astype(FLOAT)
    )
    out["mean_tier_change"] = out["mean_tier_after"].astype(FLOAT) - out[
        "mean_tier_before"
    ].astype(FLOAT)
    ids = [CELL_ID] if CELL_ID in cr.columns else []
    if ids:
        pairs = cr.pivot_table(
            index=[COMMITTEE_ID, CELL_ID], columns="year", values="tier", aggfunc="first"
        )
        if before in pairs.columns and after in pairs.columns:
            both = pairs.dropna(subset=[before, after])
            moved = pd.DataFrame(
                {
                    "cells_both": 1,
                    "cells_up": (both[after] < both[before]).astype("int64"),
                    "cells_down": (both[after] > both[before]).astype("int64"),
                }
            )
            moved = moved.groupby(level=COMMITTEE_ID).sum()
            out = out.join(moved)
        for col in ("cells_both", "cells_up", "cells_down"):
            out[col] = out[col].fillna(0) if col in out.columns else 0
    out = out.reset_index()
    out["year_before"], out["year_after"] = before, after
    names = (
        committees.drop_duplicates(COMMITTEE_ID).set_index(COMMITTEE_ID)["committee"]
        if committees is not None and len(committees)
        else pd.Series(dtype=STRING)
    )
    out["committee"] = out[COMMITTEE_ID].map(names)
    return frame(out, CHANGE_COLUMNS)
