"""Checks count first and format only what the log keeps: the number of problems a check
reports (listed plus "… and N more") equals the number of offending rows, per sheet, and at
most the cap of them are ever formatted."""

from __future__ import annotations

import importlib
import re

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from ngodong_analysis.problems import MAX_PER_RULE, ProblemLog
from ngodong_analysis.schema import conform

# the module (nd.validate, the function, shadows it as an attribute of the package)
validate = importlib.import_module("ngodong_analysis.ingest.validate")
SHEETS = ("Năm 2018", "Năm 2019", "Sheet1")


def _members(n_cells: int, seed: int, n_sheets: int) -> pd.DataFrame:
    """Two years of ``n_cells`` cells ("Chi bộ Thôn N", as in every commune), flows that
    often do not add up and women above the members now and then, spread over sheets."""
    rng = np.random.default_rng(seed)
    rows = []
    for year in (2018, 2019):
        for n in range(n_cells):
            members = int(rng.integers(10, 60))
            rows.append(
                {
                    "year": year,
                    "cell_id": f"thon-{n + 1}",
                    "cell": f"Chi bộ Thôn {n + 1}",
                    "members": members,
                    "female": members + int(rng.integers(-30, 3)),
                    "admitted": int(rng.integers(0, 3)),
                    "transferred_in": int(rng.integers(0, 2)),
                    "transferred_out": int(rng.integers(0, 2)),
                    "died": int(rng.integers(0, 2)),
                    "removed": 0,
                    "_file": f"data/dang_vien_{year}.xlsx",
                    "_sheet": SHEETS[n % n_sheets],
                    "_row": n + 2,
                    "_name_col": 1,
                    "_col_members": 2,
                    "_col_female": 3,
                }
            )
    return conform(pd.DataFrame(rows), "members", sort=False)


def _expected(members: pd.DataFrame) -> tuple[dict, dict]:
    """Offending rows per (file, sheet), worked out here row by row."""
    flows: dict[tuple[str, str], int] = {}
    over: dict[tuple[str, str], int] = {}
    records = members.to_dict("records")
    by_key = {(r["cell_id"], r["year"]): r for r in records}
    for r in records:
        where = (str(r["_file"]), str(r["_sheet"]))  # as problems name files
        if r["female"] > r["members"]:
            over[where] = over.get(where, 0) + 1
        prev = by_key.get((r["cell_id"], r["year"] - 1))
        if prev is None:
            continue
        expected = (
            prev["members"]
            + r["admitted"]
            + r["transferred_in"]
            - r["transferred_out"]
            - r["died"]
            - r["removed"]
        )
        if expected != r["members"]:
            flows[where] = flows.get(where, 0) + 1
    return flows, over


def _reported(problems, rule: str) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = {}
    for p in problems:
        if p.rule != rule:
            continue
        more = re.match(r"… and (\d+) more", p.message)
        out[(p.file, p.sheet)] = out.get((p.file, p.sheet), 0) + (
            int(more.group(1)) if more else 1
        )
    return out


@settings(max_examples=25, deadline=None)
@given(
    n_cells=st.integers(1, 160),
    seed=st.integers(0, 10_000),
    n_sheets=st.integers(1, 3),
)
def test_reported_counts_equal_offending_rows_and_at_most_the_cap_is_formatted(
    n_cells, seed, n_sheets
):
    members = _members(n_cells, seed, n_sheets)
    formatted = []
    real_place_of = validate.place_of

    def counting_place_of(frame, field):
        formatted.append(len(frame))
        return real_place_of(frame, field)

    validate.place_of = counting_place_of
    try:
        log = ProblemLog()
        validate.check_members(members, log)
        problems = log.finish()
    finally:
        validate.place_of = real_place_of
    flows, over = _expected(members)
    assert _reported(problems, "flow-identity") == {k: v for k, v in flows.items() if v}
    assert _reported(problems, "counts") == {k: v for k, v in over.items() if v}
    for rule in ("flow-identity", "counts"):
        listed: dict = {}
        for p in problems:
            if p.rule == rule and p.cell is not None:
                listed[(p.file, p.sheet)] = listed.get((p.file, p.sheet), 0) + 1
        assert all(n <= MAX_PER_RULE for n in listed.values())
    groups = len({(f, s) for f, s in zip(members["_file"], members["_sheet"], strict=True)})
    # places are worked out for the kept rows only: two checks, at most the cap per sheet
    assert sum(formatted) <= 2 * MAX_PER_RULE * groups


def test_a_sheet_pasted_twice_lists_the_cap_and_counts_the_rest_exactly(tmp_path):
    from helpers import write_xlsx

    import ngodong_analysis as nd

    rows = [["Chi bộ", "Xếp loại"]] + [[f"Chi bộ Thôn {n}", "HTTNV"] for n in range(1, 61)]
    path = write_xlsx(tmp_path / "xl.xlsx", {"Năm 2019": rows, "Năm 2019 (2)": rows})
    dups = [p for p in nd.validate(path) if p.rule == "duplicate"]
    listed = [p for p in dups if p.cell is not None]
    assert len(listed) == MAX_PER_RULE and {p.sheet for p in listed} == {"Năm 2019 (2)"}
    [more] = [p for p in dups if p.cell is None]
    assert more.message.startswith(f"… and {60 - MAX_PER_RULE} more")
    first = listed[0]
    assert first.cell == "B2" and "at xl.xlsx › Năm 2019 › B2" in first.message
