"""Stage 4: checks on the merged tables. Every check adds located problems; none raises.

Record-level checks use the place of the offending cell; cross-year checks (the flow
identity) name the cell holding the year-end count.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .analysis.membership import ALL_CELLS_ID, quota_check
from .analysis.ratings import cell_quota_check
from .assemble import _log_at, place_of
from .problems import ProblemLog, keep_first
from .schema import STRING


def check_members(members: pd.DataFrame, log: ProblemLog) -> None:
    if members.empty or "members" not in members.columns:
        return
    total = members["members"]
    for part, what in (
        ("young", "young members"),
        ("female", "women"),
        ("exempt", "exempt members"),
    ):
        if part not in members.columns:
            continue
        bad = (members[part].notna() & total.notna() & (members[part] > total)).to_numpy()
        if bad.any():
            offending = members[bad]
            shown = offending.iloc[keep_first(log, offending, "counts", "error")]
            places = place_of(shown, part)
            for i in shown.index:
                _log_at(
                    log,
                    places[i],
                    "error",
                    f"{what} ({int(members.at[i, part])}) exceed the members "
                    f"({int(total[i])}) of {members.at[i, 'cell']} in "
                    f"{members.at[i, 'year']}",
                    value=members.at[i, part],
                    rule="counts",
                )
    _check_flows(members, log)


def _check_flows(members: pd.DataFrame, log: ProblemLog) -> None:
    """end = start + admitted + in − out − died − removed, start being last year's end.

    Worked on numpy arrays in (cell, year) order, the cells as integer codes: at national
    scale a sort and two group-bys of the table by its string ids took gigabytes."""
    flows = ["admitted", "transferred_in", "transferred_out", "died", "removed"]
    present = [f for f in flows if f in members.columns]
    if not present or members.empty:
        return

    def column(name: str) -> np.ndarray:
        return members[name].to_numpy(dtype=float, na_value=np.nan)[order]

    cells, _ = pd.factorize(members["cell_id"])
    years = members["year"].to_numpy()
    order = np.lexsort((years, cells))  # by cell, then year
    cells, years = cells[order], years[order].astype(float)
    count = column("members")
    same_cell = np.r_[False, cells[1:] == cells[:-1]]
    prev = np.where(same_cell, np.r_[np.nan, count[:-1]], np.nan)
    prev_year = np.where(same_cell, np.r_[np.nan, years[:-1]], np.nan)
    consecutive = ~np.isnan(prev) & (prev_year == years - 1)
    if "members_start" in members.columns:  # a start-of-year count, where the form gives one
        stated = column("members_start")
        prev = np.where(consecutive, prev, stated)
        consecutive = consecutive | ~np.isnan(stated)
    changes = {f: column(f) if f in present else np.full(len(order), np.nan) for f in flows}
    has_flows = np.any([~np.isnan(changes[f]) for f in present], axis=0)
    ok = consecutive & ~np.isnan(prev) & ~np.isnan(count) & has_flows
    c = {f: np.nan_to_num(v) for f, v in changes.items()}
    expected = (
        prev
        + c["admitted"]
        + c["transferred_in"]
        - c["transferred_out"]
        - c["died"]
        - c["removed"]
    )
    bad = np.flatnonzero(ok & (expected != count))
    if not len(bad):
        return
    bad = bad[keep_first(log, members.iloc[order[bad]][["_file", "_sheet"]], "flow-identity")]
    rows = members.iloc[order[bad]]
    places = place_of(rows, "members").to_numpy()
    for k, (place, i) in enumerate(zip(places, bad, strict=True)):
        _log_at(
            log,
            place,
            "warning",
            f"flow identity broken for {rows['cell'].iloc[k]} in {rows['year'].iloc[k]}: "
            f"{int(prev[i])} at the start of the year plus its "
            f"changes gives {int(expected[i])}, but {int(count[i])} are "
            "reported; check admissions, transfers, deaths and removals",
            value=rows["members"].iloc[k],
            rule="flow-identity",
        )


def _key_groups(table: pd.DataFrame) -> np.ndarray:
    """Group number of each row of a table sorted by (year, cell_id, …): a new group starts
    where the year or the cell changes (no hashing of millions of ids)."""
    n = len(table)
    starts = np.ones(n, dtype=bool)
    if n > 1:
        years = table["year"].to_numpy()
        ids = table["cell_id"]
        if isinstance(ids.dtype, pd.CategoricalDtype):
            codes = ids.cat.codes.to_numpy()
            changed = codes[1:] != codes[:-1]
        else:
            cells = pa.array(ids.astype(STRING), type=pa.large_string())
            changed = pc.not_equal(cells[1:], cells[:-1]).to_numpy(zero_copy_only=False)
        starts[1:] = (years[1:] != years[:-1]) | changed
    return np.cumsum(starts) - 1


def check_member_ratings(ratings: pd.DataFrame, members: pd.DataFrame, log: ProblemLog) -> None:
    """More members rated than members, and the HTXSNV quota per cell and per year.

    ``ratings`` is the conformed member-ratings table (sorted by key); sums per (year, cell)
    are taken with ``bincount`` over its contiguous groups.
    """
    if ratings.empty:
        return
    group = _key_groups(ratings)
    first = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    count = ratings["count"].to_numpy(dtype=float, na_value=0.0)
    keys = ratings.iloc[first][["year", "cell_id", "cell"]].reset_index(drop=True)
    rated = keys.assign(rated=np.bincount(group, count))
    if not members.empty and "members" in members.columns:
        joined = members.join(
            rated.drop(columns="cell").set_index(["year", "cell_id"]), on=["year", "cell_id"]
        )
        over = joined[(joined["rated"] > joined["members"]).fillna(False).astype(bool)]
        if len(over):
            places = place_of(over, "members")
            for i in over.index:
                _log_at(
                    log,
                    places[i],
                    "error",
                    f"{int(over.at[i, 'rated'])} members rated but only "
                    f"{int(over.at[i, 'members'])} members in {_name(over, i)} in "
                    f"{over.at[i, 'year']}",
                    value=int(over.at[i, "rated"]),
                    rule="counts",
                )
    # the quota is a rule of analysis (one home): here its breaches become problems
    quota = quota_check(ratings)
    _quota_problems(quota[quota["cell_id"] == ALL_CELLS_ID], ratings, "members", log)


def check_cell_ratings(cell_ratings: pd.DataFrame, log: ProblemLog) -> None:
    """The cap on organisations rated HTXSNV, in the years a confirmed rule makes one."""
    if cell_ratings.empty or "_file" not in cell_ratings.columns:
        return
    _quota_problems(cell_quota_check(cell_ratings), cell_ratings, "organisations", log)


def _quota_problems(verdicts: pd.DataFrame, rows: pd.DataFrame, subject: str, log) -> None:
    """One warning per year (and committee) whose verdict is a breach, naming the rule and
    its source, placed at the sheet holding the year's first HTXSNV rating."""
    for v in verdicts[verdicts["ok"].eq(False).fillna(False).astype(bool)].itertuples():
        in_year = rows[(rows["year"] == v.year).to_numpy() & (rows["rating"] == "HTXSNV")]
        src = in_year.iloc[0] if len(in_year) else None
        file = str(src["_file"]).replace("\\", "/").rsplit("/", 1)[-1] if src is not None else ""
        what = "members" if subject == "members" else "cells"
        log.warning(
            file,
            None if src is None else src["_sheet"],
            None,
            f"quota ({v.source}): {int(v.excellent)} {what} rated HTXSNV in {v.year} across "
            f"the committee, more than the {int(v.allowed)} the rule allows for the "
            f"{int(v.well)} rated HTTNV",
            value=int(v.excellent),
            rule="quota",
        )


def _name(table: pd.DataFrame, i) -> str:
    """The cell of row ``i`` as the workbook names it; its id only when it has no name."""
    name = table.at[i, "cell"] if "cell" in table.columns else None
    return str(name) if name is not None and not pd.isna(name) else str(table.at[i, "cell_id"])


def check_income(income: pd.DataFrame, log: ProblemLog) -> None:
    if income.empty:
        return
    if "households" not in income.columns:
        return
    for part in ("poor_households", "near_poor_households"):
        if part not in income.columns:
            continue
        bad = (
            income[part].notna()
            & income["households"].notna()
            & (income[part] > income["households"])
        ).to_numpy()
        if bad.any():
            offending = income[bad]
            shown = offending.iloc[keep_first(log, offending, "counts", "error")]
            places = place_of(shown, part)
            for i in shown.index:
                _log_at(
                    log,
                    places[i],
                    "error",
                    f"{part.replace('_', ' ')} ({int(income.at[i, part])}) exceed the "
                    f"households ({int(income.at[i, 'households'])}) of "
                    f"{income.at[i, 'area']} in {income.at[i, 'year']}",
                    value=income.at[i, part],
                    rule="counts",
                )
