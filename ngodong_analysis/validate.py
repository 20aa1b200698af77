"""Stage 4: checks on the merged tables. Every check adds located problems; none raises.

Record-level checks use the place of the offending cell; cross-year checks (the flow
identity) name the cell holding the year-end count.
"""

from __future__ import annotations

import pandas as pd

from .assemble import _log_at, place_of
from .problems import MAX_PER_RULE, ProblemLog

QUOTA = 0.20  # HD 21 (2019): HTXSNV members ≤ 20% of those rated HTTNV, per TCCSĐ


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
        bad = members[part].notna() & total.notna() & (members[part] > total)
        if bad.any():
            places = place_of(members[bad], part)
            for i in members.index[bad.to_numpy()]:
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
    """end = start + admitted + in − out − died − removed, start being last year's end."""
    flows = ["admitted", "transferred_in", "transferred_out", "died", "removed"]
    present = [f for f in flows if f in members.columns]
    if not present:
        return
    m = members.sort_values(["cell_id", "year"])
    prev = m.groupby("cell_id")["members"].shift(1)
    prev_year = m.groupby("cell_id")["year"].shift(1)
    has_flows = m[present].notna().any(axis=1)
    consecutive = prev.notna() & (prev_year == m["year"] - 1)
    if "members_start" in m.columns:  # a start-of-year count, where the form gives one
        stated = m["members_start"].astype("Float64")
        prev = prev.astype("Float64").where(consecutive, stated)
        consecutive = consecutive | stated.notna()
    ok = consecutive & prev.notna() & m["members"].notna() & has_flows
    f = m.reindex(columns=flows).fillna(0)
    expected = (
        prev
        + f["admitted"]
        + f["transferred_in"]
        - f["transferred_out"]
        - f["died"]
        - f["removed"]
    )
    bad = ok & (expected != m["members"])
    if bad.any():
        places = place_of(m[bad], "members")
        for i in m.index[bad.to_numpy()]:
            _log_at(
                log,
                places[i],
                "warning",
                f"flow identity broken for {m.at[i, 'cell']} in {m.at[i, 'year']}: "
                f"{int(prev[i])} at the start of the year plus its "
                f"changes gives {int(expected[i])}, but {int(m.at[i, 'members'])} are "
                "reported; check admissions, transfers, deaths and removals",
                value=m.at[i, "members"],
                rule="flow-identity",
            )


def check_member_ratings(ratings: pd.DataFrame, members: pd.DataFrame, log: ProblemLog) -> None:
    if ratings.empty:
        return
    rated = ratings.groupby(["year", "cell_id"])["count"].sum().rename("rated")
    if not members.empty and "members" in members.columns:
        joined = members.join(rated, on=["year", "cell_id"], how="inner")
        over = joined[(joined["rated"] > joined["members"]).fillna(False).astype(bool)]
        if len(over):
            places = place_of(over, "members")
            for i in over.index:
                _log_at(
                    log,
                    places[i],
                    "error",
                    f"{int(over.at[i, 'rated'])} members rated but only "
                    f"{int(over.at[i, 'members'])} members in {over.at[i, 'cell_id']} in "
                    f"{over.at[i, 'year']}",
                    value=int(over.at[i, "rated"]),
                    rule="counts",
                )
    wide = ratings.pivot_table(
        index=["year", "cell_id"], columns="rating", values="count", aggfunc="sum", observed=True
    ).fillna(0)
    if "HTXSNV" not in wide.columns or "HTTNV" not in wide.columns:
        return
    top = ratings[ratings["rating"] == "HTXSNV"].set_index(["year", "cell_id"])
    breaches = wide[wide["HTXSNV"] > QUOTA * wide["HTTNV"]]
    shown = breaches.head(MAX_PER_RULE * 4)  # the log keeps the first few per sheet anyway
    sub = top.loc[top.index.isin(shown.index)]
    places = pd.Series(place_of(sub, "count").to_numpy(), index=sub.index) if len(sub) else {}
    for (year, cell_id), row in shown.iterrows():
        _log_at(
            log,
            places[(year, cell_id)],
            "warning",
            f"quota: {int(row['HTXSNV'])} members rated HTXSNV in {cell_id} in {year}, more "
            f"than 20% of the {int(row['HTTNV'])} rated HTTNV (HD 21, 2019)",
            value=int(row["HTXSNV"]),
            rule="quota",
        )
    if len(breaches) > len(shown):
        file, sheet = places.iloc[-1].split(" › ")[:2]
        log.count(file, sheet, "quota", "warning", len(breaches) - len(shown))
    by_year = wide.groupby(level="year").sum()
    for year, row in by_year.iterrows():
        if row["HTXSNV"] > QUOTA * row["HTTNV"]:
            first = top.loc[year].iloc[0] if year in top.index.get_level_values(0) else None
            file, sheet = (
                (first["_file"].replace("\\", "/").rsplit("/", 1)[-1], first["_sheet"])
                if first is not None
                else ("", None)
            )
            log.warning(
                file,
                sheet,
                None,
                f"quota: {int(row['HTXSNV'])} members rated HTXSNV in {year} across "
                f"the committee, more than 20% of the {int(row['HTTNV'])} rated HTTNV",
                value=int(row["HTXSNV"]),
                rule="quota",
            )


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
        )
        if bad.any():
            places = place_of(income[bad], part)
            for i in income.index[bad.to_numpy()]:
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
