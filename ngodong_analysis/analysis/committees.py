"""Across committees: following a series through the 2024–2025 mergers (``roll_up``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..schema import AREA_ID, CELL_ID, COMMITTEE_ID, MEMBER_FIELDS, TABLES

# the counts that add up when two cells (or areas) become one
_MEMBER_COUNTS = list(MEMBER_FIELDS)
_INCOME_COUNTS = ["households", "population", "poor_households", "near_poor_households"]


def _exists(row: pd.Series, year: int) -> bool:
    first, last = row["first_year"], row["last_year"]
    return (pd.isna(first) or int(first) <= year) and (pd.isna(last) or int(last) >= year)


def successors(committees: pd.DataFrame, as_of: int) -> dict[str, str]:
    """Each committee's id → the id of the committee it belongs to in ``as_of``: itself if
    it exists then, else its successor's (followed through several mergers). A committee
    that ended with no successor stays itself."""
    rows = committees.set_index(COMMITTEE_ID)
    out: dict[str, str] = {}
    for cid in rows.index:
        seen = [cid]
        here = cid
        while not _exists(rows.loc[here], as_of):
            nxt = rows.at[here, "successor_id"]
            if pd.isna(nxt) or nxt not in rows.index or nxt in seen:
                break
            here = nxt
            seen.append(here)
        out[cid] = here
    return out


def roll_up(ds, as_of: int):
    """The dataset re-keyed to the committees that exist in ``as_of``.

    Each committee that ended before ``as_of`` (``last_year`` in the committees table) is
    followed through its ``successor_id`` — over several mergers if need be — and its rows
    move under the committee that exists in ``as_of``: thị trấn Ngô Đồng's 2015–2024 members
    become part of thị trấn Giao Thủy's series, so the successor's totals before the merger
    are the sums of its predecessors'.

    - Cells (and areas) of a predecessor keep their own rows under an id prefixed by the
      committee they came from ("thi-tran-ngo-dong/tdp-2"), so that the "tdp-2" of two merged
      communes are never added together; where the cells registry gives a cell a successor
      ("Chi bộ kế thừa") that is a cell of the committee it moved to, its counts are added to
      that cell's.
    - Members, flows and member-rating counts add up; households, population and poor
      households too, and income per person is re-weighted by population (never averaged),
      missing where a part's population is.
    - Cell ratings stay one row per original cell (a rating is not a count).
    - The committee ratings of predecessors are dropped: they rated a committee that no
      longer exists, not its successor.
    - The committees table keeps every committee, with a ``rolled_into`` column.

    Parameters
    ----------
    ds : Dataset
        A loaded dataset whose ``committees`` table gives the mergers (``last_year`` and
        ``successor_id``, from a "Danh mục đảng bộ" registry).
    as_of : int
        The year whose committees the result is keyed to.

    Returns
    -------
    Dataset
        A new dataset; ``ds`` is untouched.

    Examples
    --------
    >>> rolled = nd.analysis.roll_up(ds, as_of=2019)
    >>> sorted(rolled.committees.committee_id) == sorted(ds.committees.committee_id)
    True
    """
    from ..dataset import Dataset

    moved = successors(ds.committees, int(as_of))
    cells = ds.cells
    # a predecessor's cell → (successor committee, its id there)
    cell_to = _cell_targets(cells, moved)
    area_to = _area_targets(cells, moved, cell_to)

    def rekey(df: pd.DataFrame, field: str, targets: dict) -> pd.DataFrame:
        if df.empty:
            return df
        out = df.copy()
        committee = out[COMMITTEE_ID].astype(str).to_numpy()
        ids = out[field].astype(str).to_numpy()
        new_c = np.array([moved.get(c, c) for c in committee], dtype=object)
        new_i = np.array(
            [
                targets.get((c, i), i if moved.get(c, c) == c else f"{c}/{i}")
                for c, i in zip(committee, ids, strict=True)
            ],
            dtype=object,
        )
        out[COMMITTEE_ID] = new_c
        out[field] = new_i
        return out

    members = _summed(rekey(ds.members, CELL_ID, cell_to), "members", _MEMBER_COUNTS)
    member_ratings = _summed(
        rekey(ds.member_ratings, CELL_ID, cell_to), "member_ratings", ["count"]
    )
    cell_ratings = rekey(ds.cell_ratings, CELL_ID, {})  # kept apart: a rating is not a count
    income = _income(rekey(ds.income, AREA_ID, area_to))
    kept = [c for c, to in moved.items() if c == to]
    committee_ratings = ds.committee_ratings[ds.committee_ratings[COMMITTEE_ID].isin(kept)]
    # a moved committee's cells keep their rows under prefixed ids; their successor is the
    # cell of the committee they moved to that the registry names (else none)
    new_cells = rekey(cells, CELL_ID, {})
    if not new_cells.empty:
        moved_rows = (cells[COMMITTEE_ID].astype(str).map(moved) != cells[COMMITTEE_ID]).to_numpy()
        pairs = zip(cells[COMMITTEE_ID].astype(str), cells[CELL_ID].astype(str), strict=True)
        successor = [cell_to.get(pair) for pair, m in zip(pairs, moved_rows, strict=True) if m]
        new_cells.loc[moved_rows, "successor_id"] = successor
    committees = ds.committees.copy()
    committees["rolled_into"] = committees[COMMITTEE_ID].map(moved).astype("string")
    return Dataset(
        committees=committees,
        cells=new_cells,
        cell_ratings=cell_ratings,
        committee_ratings=committee_ratings,
        members=members,
        member_ratings=member_ratings,
        income=income,
        problems=list(ds.problems),
    )


def _cell_targets(cells: pd.DataFrame, moved: dict[str, str]) -> dict:
    """(committee, cell) of a moved committee's cell whose registered successor is a cell
    of the committee it moved to → that cell's id."""
    out: dict[tuple[str, str], str] = {}
    if cells.empty:
        return out
    have = set(zip(cells[COMMITTEE_ID].astype(str), cells[CELL_ID].astype(str), strict=True))
    for c, i, succ in zip(
        cells[COMMITTEE_ID].astype(str),
        cells[CELL_ID].astype(str),
        cells["successor_id"],
        strict=True,
    ):
        to = moved.get(c, c)
        if to != c and isinstance(succ, str) and (to, succ) in have:
            out[(c, i)] = succ
    return out


def _area_targets(cells: pd.DataFrame, moved: dict[str, str], cell_to: dict) -> dict:
    """The area of a cell that goes on in a successor cell → that cell's area."""
    out: dict[tuple[str, str], str] = {}
    if cells.empty:
        return out
    area = {
        (str(c), str(i)): a
        for c, i, a in zip(cells[COMMITTEE_ID], cells[CELL_ID], cells[AREA_ID], strict=True)
        if isinstance(a, str)
    }
    for (c, i), succ in cell_to.items():
        mine, theirs = area.get((c, i)), area.get((moved[c], succ))
        if mine and theirs:
            out[(c, mine)] = theirs
    return out


def _summed(df: pd.DataFrame, name: str, counts: list[str]) -> pd.DataFrame:
    """Rows that now share a key added up (counts with ``min_count=1``: unknown stays
    unknown), the first of the other columns kept."""
    if df.empty:
        return df
    key = list(TABLES[name].key)
    if not df.duplicated(key).any():
        return df
    present = [c for c in counts if c in df.columns]
    others = [c for c in df.columns if c not in key and c not in present]
    grouped = df.groupby(key, sort=True, observed=True, dropna=False)
    out = grouped[present].sum(min_count=1)
    if others:
        out = out.join(grouped[others].first())
    return out.reset_index()


def _income(df: pd.DataFrame) -> pd.DataFrame:
    """Income rows sharing a key added up; income per person weighted by population."""
    if df.empty:
        return df
    key = list(TABLES["income"].key)
    if not df.duplicated(key).any():
        return df
    work = df.copy()
    pop = work["population"].astype("Float64")
    work["_weighted"] = work["income_per_capita"].astype("Float64") * pop
    work["_unknown"] = (work["income_per_capita"].isna() | pop.isna()).astype(int)
    grouped = work.groupby(key, sort=True, observed=True, dropna=False)
    out = grouped[_INCOME_COUNTS].sum(min_count=1)
    weighted = grouped["_weighted"].sum(min_count=1)
    unknown = grouped["_unknown"].sum() > 0
    out["income_per_capita"] = (weighted / out["population"].astype("Float64")).mask(unknown)
    out["area"] = grouped["area"].first()
    return out.reset_index()
