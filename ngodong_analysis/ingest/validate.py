"""Stage 4: checks on the merged tables. Every check adds located problems; none raises.

Record-level checks use the place of the offending cell; cross-year checks (the flow
identity) name the cell holding the year-end count.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from ..analysis._common import member_rank_values, quota_verdict
from ..analysis.membership import flow_breaks
from ..analysis.ratings import cell_quota_check
from ..committees import display_name
from ..grouping import int_values, key_positions, key_runs
from ..i18n import Message, msg
from ..problems import ProblemLog, keep_first, log_at, place_of
from ..schema import CELL_ID, COMMITTEE_ID, key_of


def check_members(members: pd.DataFrame, log: ProblemLog) -> None:
    if members.empty or "members" not in members.columns:
        return

    parts = {
        "young": msg("young members"),
        "female": msg("women"),
        "exempt": msg("exempt members"),
    }
    _parts_above(
        members,
        ("members", "cell"),
        parts,
        lambda **kw: msg(
            "{what} ({count}) exceed the members ({members}) of {cell} in {year}", **kw
        ),
        log,
    )
    _check_flows(members, log)


def _parts_above(
    table: pd.DataFrame,
    whole_and_name: tuple[str, str],
    parts: dict[str, Message],
    told: Callable[..., Message],
    log: ProblemLog,
) -> None:
    """Each part above its total (women above the members, poor above the households) as
    an error at the part's cell, worded by ``told(what=, count=, <total>=, <name>=, year=)``
    (the total's and the name's column as placeholders); counted first, only the kept ones
    worded, their fields read as lists."""
    total, name = whole_and_name
    whole = table[total]
    for part, what in parts.items():
        if part not in table.columns:
            continue
        bad = (table[part].notna() & whole.notna() & (table[part] > whole)).to_numpy()
        if not bad.any():
            continue
        offending = table[bad]
        shown = offending.iloc[keep_first(log, offending, "counts", "error")]
        places = place_of(shown, part).tolist()
        fields = zip(*(shown[c].tolist() for c in (part, total, name, "year")), strict=True)
        for place, (count, of, named, year) in zip(places, fields, strict=True):
            wording = {"what": what, "count": int(count), total: int(of), name: named}
            log_at(log, place, "error", told(**wording, year=year), value=count, rule="counts")


def _check_flows(members: pd.DataFrame, log: ProblemLog) -> None:
    """The flow identity's breaks (``analysis.flow_breaks``, the rule's one home) as
    warnings at the cell holding the year-end count; messages are made only for the breaks
    the log keeps (count first)."""
    breaks = flow_breaks(members)
    if not len(breaks.rows):
        return
    shown = keep_first(log, members.iloc[breaks.rows][["_file", "_sheet"]], "flow-identity")
    rows = members.iloc[breaks.rows[shown]]
    places = place_of(rows, "members").to_numpy()
    # as lists: a messy national folder keeps tens of thousands of these warnings
    cells, years, reported = (rows[c].tolist() for c in ("cell", "year", "members"))
    for k, place in enumerate(places):
        i = shown[k]
        log_at(
            log,
            place,
            "warning",
            msg(
                "flow identity broken for {cell} in {year}: {start} at the start of the year "
                "plus its changes gives {expected}, but {reported} are reported; check "
                "admissions, transfers, deaths and removals",
                cell=cells[k],
                year=years[k],
                start=int(breaks.start[i]),
                expected=int(breaks.expected[i]),
                reported=int(breaks.reported[i]),
            ),
            value=reported[k],
            rule="flow-identity",
        )


def check_member_ratings(ratings: pd.DataFrame, members: pd.DataFrame, log: ProblemLog) -> None:
    """More members rated than members, and the HTXSNV quota per cell and per year.

    ``ratings`` is the conformed member-ratings table (sorted by key); sums per (year, cell)
    are taken with ``bincount`` over its contiguous groups.
    """
    if ratings.empty:
        return
    per_cell = key_of("members")  # a member rating's key without its rating
    group = key_runs(ratings, per_cell)
    first = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    count = ratings["count"].to_numpy(dtype=float, na_value=0.0)
    keys = ratings.iloc[first][per_cell].reset_index(drop=True)
    rated = keys.assign(rated=np.bincount(group, count))
    if not members.empty and "members" in members.columns:
        # each members row's count rated, found by key: joining the whole members table
        # (places and all) would copy it, and at national scale that is the load's peak
        at = key_positions(members[per_cell], rated[per_cell])
        found = at >= 0
        counted = np.full(len(members), np.nan)
        counted[found] = rated["rated"].to_numpy(dtype=float)[at[found]]
        listed = members["members"].to_numpy(dtype=float, na_value=np.nan)
        over = members.iloc[np.flatnonzero(counted > listed)]
        over = over.assign(rated=counted[counted > listed])
        over = over.iloc[keep_first(log, over, "counts", "error")]
        if len(over):
            places = place_of(over, "members")
            for i in over.index:
                log_at(
                    log,
                    places[i],
                    "error",
                    msg(
                        "{rated} members rated but only {members} members in {cell} in {year}",
                        rated=int(over.at[i, "rated"]),
                        members=int(over.at[i, "members"]),
                        cell=_name(over, i),
                        year=over.at[i, "year"],
                    ),
                    value=int(over.at[i, "rated"]),
                    rule="counts",
                )
    _quota_problems(committee_quota(ratings), ratings, "members", log)


def committee_quota(ratings: pd.DataFrame) -> pd.DataFrame:
    """The committee rows of ``analysis.quota_check`` (its ``"__all__"`` rows: per year and
    committee, the members rated HTXSNV and HTTNV and the verdict), for every committee in
    one grouping. ``quota_check`` runs once per committee, which at national scale (10,000
    committees) would take hours; the rule itself stays in analysis (``quota_verdict``).
    ``ratings`` is sorted by its key (the conformed table), so each year's committee is one
    run of rows."""
    counts, _ = int_values(ratings["count"])  # a missing count is 0
    rank, known = member_rank_values(ratings)
    scope = ["year", *([COMMITTEE_ID] if COMMITTEE_ID in ratings.columns else [])]
    # the table is sorted by its key, which begins with the scope: each (year, committee)
    # is a run of rows, summed with bincount (a groupby of the national table's 10 million
    # rows took ~120 bytes a row at its peak)
    group = key_runs(ratings, scope)
    first = np.flatnonzero(np.r_[True, group[1:] != group[:-1]]) if len(group) else group
    sums = ratings.iloc[first][scope].reset_index(drop=True)
    for column, level in (("excellent", 1), ("well", 2)):
        sums[column] = np.bincount(
            group, np.where(known & (rank == level), counts, 0), minlength=len(first)
        ).astype(np.int64)
    return quota_verdict(sums, "members", np.ones(len(sums), dtype=bool))


def check_cell_ratings(cell_ratings: pd.DataFrame, log: ProblemLog) -> None:
    """The cap on organisations rated HTXSNV, in the years a confirmed rule makes one."""
    if cell_ratings.empty or "_file" not in cell_ratings.columns:
        return
    _quota_problems(cell_quota_check(cell_ratings), cell_ratings, "organisations", log)


def check_rating_counts(counts: pd.DataFrame, cell_ratings: pd.DataFrame, log: ProblemLog) -> None:
    """A compiled sheet's count of cells at a level against the cells' own ratings of the
    same year: a difference is a warning at the count's cell, with both numbers. Counts
    without a "tiêu biểu" column give TSVM as the whole top level, so the cells rated TSVM
    tiêu biểu are counted under TSVM for them."""
    if counts.empty or cell_ratings.empty or "_file" not in counts.columns:
        return
    key = key_of("rating_counts")
    rated = cell_ratings.groupby(key, observed=True).size()
    years = set(cell_ratings["year"].unique())
    split = set(counts.loc[counts["rating"] == "TSVM_TB", "year"])
    listed = counts[counts["year"].isin(years) & counts["count"].notna()]
    wrong = []
    for i, row in listed.iterrows():
        at = tuple(row[k] for k in key)
        n = int(rated.get(at, 0))
        if row["rating"] == "TSVM" and row["year"] not in split:
            n += int(rated.get((*at[:-1], "TSVM_TB"), 0))
        if n != int(row["count"]):
            wrong.append((i, n))
    if not wrong:
        return
    offending = listed.loc[[i for i, _ in wrong]]
    shown = set(offending.index[keep_first(log, offending, "rating-counts")])
    places = place_of(offending, "count")
    for i, n in wrong:
        if i not in shown:
            continue
        code, year, count = counts.at[i, "rating"], counts.at[i, "year"], counts.at[i, "count"]
        log_at(
            log,
            places[i],
            "warning",
            msg(
                "{count} cells counted {code} in {year}, but the cells' own ratings of {year} "
                "give {n}; correct the count or the ratings",
                count=int(count),
                code=code,
                year=year,
                n=n,
            ),
            value=int(count),
            rule="rating-counts",
        )


def _quota_problems(verdicts: pd.DataFrame, rows: pd.DataFrame, subject: str, log) -> None:
    """One warning per year and committee whose verdict is a breach, naming the rule and
    its source, placed at the sheet holding the first HTXSNV rating of that year and
    committee. The places are found in one pass; messages are formatted only for the
    breaches the log keeps."""
    breaches = verdicts[verdicts["ok"].eq(False).fillna(False).astype(bool)]
    if breaches.empty:
        return
    scope = ["year"] + [c for c in (COMMITTEE_ID,) if c in breaches.columns and c in rows.columns]
    top = rows[(rows["rating"] == "HTXSNV").to_numpy(dtype=bool, na_value=False)]
    written = ["_committee"] if "_committee" in top.columns else []
    first = top.drop_duplicates(scope)[[*scope, "_file", "_sheet", *written]]
    first = first.astype({"year": "int64"}).astype({"_file": object, "_sheet": object})
    located = breaches.astype({"year": "int64"}).merge(first, on=scope, how="left")
    located["_file"] = located["_file"].fillna("")
    located = located.iloc[keep_first(log, located, "quota")]
    located = located.rename(
        columns={"_file": "src_file", "_sheet": "src_sheet", "_committee": "src_committee"}
    )
    for v in located.itertuples():
        # the committee by its name as the workbooks write it, where several may be in one
        # folder; "the committee" where the data name none
        name = getattr(v, "src_committee", None) if written else None
        args = {
            "committee": repr(display_name(name))
            if isinstance(name, str) and name
            else msg("the committee"),
            "source": v.source,
            "excellent": int(v.excellent),
            "year": v.year,
            "allowed": int(v.allowed),
            "well": int(v.well),
        }
        log.warning(
            str(v.src_file),
            None if pd.isna(v.src_sheet) else v.src_sheet,
            None,
            msg(
                "quota ({source}): {excellent} members rated HTXSNV in {year} across "
                "{committee}, more than the {allowed} the rule allows for the {well} rated "
                "HTTNV",
                **args,
            )
            if subject == "members"
            else msg(
                "quota ({source}): {excellent} cells rated HTXSNV in {year} across "
                "{committee}, more than the {allowed} the rule allows for the {well} rated "
                "HTTNV",
                **args,
            ),
            value=int(v.excellent),
            rule="quota",
        )


def _name(table: pd.DataFrame, i) -> str:
    """The cell of row ``i`` as the workbook names it; its id only when it has no name."""
    name = table.at[i, "cell"] if "cell" in table.columns else None
    return str(name) if name is not None and not pd.isna(name) else str(table.at[i, CELL_ID])


def check_income(income: pd.DataFrame, log: ProblemLog) -> None:
    if income.empty:
        return
    if "households" not in income.columns:
        return

    parts = {
        "poor_households": msg("poor households"),
        "near_poor_households": msg("near poor households"),
    }
    _parts_above(
        income,
        ("households", "area"),
        parts,
        lambda **kw: msg(
            "{what} ({count}) exceed the households ({households}) of {area} in {year}", **kw
        ),
        log,
    )
