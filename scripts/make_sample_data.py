"""Generate the SYNTHETIC sample workbooks for Ngô Đồng town, 2015–2019.

The numbers are invented, but calibrated so that every checkable figure of the source article
(F01–F06, F08–F18 in the article's numbering) comes out exactly; everything else is merely
plausible. The workbooks are laid out the way a Party-committee office would keep them (title
blocks, one sheet per year, two-row merged headers, a totals row, a wide income sheet, a registry
sheet, both rating scales across 2017/2018) so that the sample also exercises the loaders.

Output is byte-for-byte reproducible: all numbers come from hand-tuned tables and a seeded
``numpy.random.default_rng(20200101)``; workbook properties and zip entry times are fixed.

Usage::

    python scripts/make_sample_data.py            # writes data/raw/ of this repository
    python scripts/make_sample_data.py --out DIR  # writes somewhere else
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ngodong_analysis.outputs.files import save_reproducible
from ngodong_analysis.outputs.template import MEMBER_HEADER_SUB, MEMBER_HEADER_TOP
from ngodong_analysis.schema import MEMBER_FIELDS

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "data" / "raw"

SEED = 20200101
YEARS = (2015, 2016, 2017, 2018, 2019)
FIRST_NEW_SCALE_YEAR = 2018
FIXED_TIME = dt.datetime(2020, 1, 15)
AUTHOR = "scripts/make_sample_data.py (synthetic sample)"

COMMITTEE = "ĐẢNG BỘ THỊ TRẤN NGÔ ĐỒNG"
COMMITTEE_UNIT = "Đảng bộ thị trấn Ngô Đồng"

FILE_REGISTRY = "danh_muc_chi_bo.xlsx"
FILE_CELL_RATINGS = "xep_loai_chi_bo_2015-2019.xlsx"
FILE_MEMBERS = "dang_vien_2015-2019.xlsx"
FILE_INCOME = "thu_nhap_ho_ngheo.xlsx"
ALL_FILES = (FILE_REGISTRY, FILE_CELL_RATINGS, FILE_MEMBERS, FILE_INCOME)


# --------------------------------------------------------------------------------------------
# The cells (registry)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    cell_id: str
    name: str
    kind_vi: str
    area: str | None
    aliases: str | None
    first_year: int = 2010

    @property
    def residential(self) -> bool:
        return self.area is not None

    @property
    def office_name(self) -> str:
        """How the 2018–2019 rating sheets write the cell (the office changed its habit)."""
        if self.residential:
            return "Chi bộ TDP số " + self.cell_id.split("-")[1]
        return self.name


def _tdp(n: int, aliases: str) -> Cell:
    return Cell(
        f"tdp-{n}", f"Chi bộ Tổ dân phố số {n}", "Tổ dân phố", f"Tổ dân phố số {n}", aliases
    )


CELLS: tuple[Cell, ...] = (
    _tdp(1, "CB TDP 1"),
    _tdp(2, "CB TDP 2; Chi bộ TDP số 2"),
    _tdp(3, "CB TDP 3"),
    _tdp(4, "CB TDP 4"),
    _tdp(5, "CB TDP 5"),
    _tdp(6, "CB TDP 6"),
    _tdp(7, "CB TDP 7"),
    Cell("mam-non", "Chi bộ Trường Mầm non Ngô Đồng", "Trường học", None, "CB Mầm non"),
    Cell("tieu-hoc", "Chi bộ Trường Tiểu học Ngô Đồng", "Trường học", None, None),
    Cell("thcs", "Chi bộ Trường THCS Ngô Đồng", "Trường học", None, None),
    Cell("cong-an", "Chi bộ Công an thị trấn", "Công an", None, None),
    Cell("quan-su", "Chi bộ Quân sự thị trấn", "Quân sự", None, None),
)
CELL_IDS = tuple(c.cell_id for c in CELLS)
RESIDENTIAL = tuple(c.cell_id for c in CELLS if c.residential)
AREAS = tuple(c.area for c in CELLS if c.area is not None)


# --------------------------------------------------------------------------------------------
# Cell ratings (organisations)
# --------------------------------------------------------------------------------------------

# Cells rated at the top level (TSVM before 2018, HTXSNV from 2018): 5, 6, 5, 4, 5 -> mean 5 (F10);
# the other cells "Hoàn thành tốt nhiệm vụ" (mean 7, F11); none weak (F12); TDP 2 always (F01).
TOP_CELLS: dict[int, tuple[str, ...]] = {
    2015: ("tdp-2", "tdp-5", "tieu-hoc", "thcs", "cong-an"),
    2016: ("tdp-2", "tdp-5", "mam-non", "thcs", "cong-an", "quan-su"),
    2017: ("tdp-1", "tdp-2", "tieu-hoc", "cong-an", "quan-su"),
    2018: ("tdp-2", "mam-non", "thcs", "cong-an"),
    2019: ("tdp-2", "tdp-5", "tieu-hoc", "cong-an", "quan-su"),
}
OLD_TOP = "Trong sạch, vững mạnh"
NEW_TOP = "Hoàn thành xuất sắc nhiệm vụ"
GOOD = "Hoàn thành tốt nhiệm vụ"
ABBREV = {NEW_TOP: "HTXSNV", GOOD: "HTTNV"}
# In 2019 the clerk typed these cells' ratings as abbreviations.
ABBREVIATED_2019 = ("tdp-3", "tdp-4", "tdp-6", "thcs", "cong-an", "quan-su")
CELL_NOTES = {(2019, "tdp-2"): "Được Huyện ủy khen"}

# F15: the committee's own rating.
COMMITTEE_RATINGS = {
    2015: OLD_TOP,
    2016: OLD_TOP,
    2017: OLD_TOP,
    2018: GOOD,
    2019: GOOD,
}


def cell_rating(year: int, cell_id: str) -> str:
    top = OLD_TOP if year < FIRST_NEW_SCALE_YEAR else NEW_TOP
    label = top if cell_id in TOP_CELLS[year] else GOOD
    if year == 2019 and cell_id in ABBREVIATED_2019:
        label = ABBREV[label]
    return label


# --------------------------------------------------------------------------------------------
# Members: sizes, flows and breakdowns
# --------------------------------------------------------------------------------------------

# Members at 31 Dec 2019 (total 488: "nearly 500", F09; TDP 2 = 22, F02). Earlier years are
# derived backwards from the flows, so the flow identity holds exactly for 2016–2019.
MEMBERS_2019 = {
    "tdp-1": 61,
    "tdp-2": 22,
    "tdp-3": 67,
    "tdp-4": 54,
    "tdp-5": 73,
    "tdp-6": 49,
    "tdp-7": 62,
    "mam-non": 16,
    "tieu-hoc": 21,
    "thcs": 26,
    "cong-an": 25,
    "quan-su": 12,
}

# Flow events: (year, cell, count). Totals over 2015–2019: admitted 11 (F17), transferred in 42
# (F18), introduced to Party-awareness classes 15 (F16).
FLOW_EVENTS: dict[str, list[tuple[int, str, int]]] = {
    "admitted": [
        (2015, "tdp-5", 1),
        (2015, "thcs", 1),
        (2016, "tdp-2", 1),
        (2016, "tieu-hoc", 1),
        (2017, "tdp-1", 1),
        (2017, "mam-non", 1),
        (2017, "cong-an", 1),
        (2018, "tdp-2", 1),
        (2018, "thcs", 1),
        (2019, "tdp-7", 1),
        (2019, "tieu-hoc", 1),
    ],
    "transferred_in": [
        (2015, "tdp-1", 1),
        (2015, "tdp-3", 1),
        (2015, "tdp-5", 1),
        (2015, "thcs", 1),
        (2015, "cong-an", 3),
        (2015, "quan-su", 2),
        (2016, "tdp-2", 1),
        (2016, "tdp-4", 1),
        (2016, "tdp-6", 1),
        (2016, "tdp-7", 1),
        (2016, "tieu-hoc", 1),
        (2016, "cong-an", 2),
        (2016, "quan-su", 1),
        (2017, "tdp-1", 1),
        (2017, "tdp-3", 1),
        (2017, "tdp-5", 1),
        (2017, "mam-non", 1),
        (2017, "cong-an", 3),
        (2017, "quan-su", 2),
        (2018, "tdp-3", 1),
        (2018, "tdp-4", 1),
        (2018, "tdp-5", 1),
        (2018, "tdp-7", 1),
        (2018, "thcs", 1),
        (2018, "cong-an", 2),
        (2018, "quan-su", 1),
        (2019, "tdp-1", 1),
        (2019, "tdp-2", 1),
        (2019, "tdp-6", 1),
        (2019, "tieu-hoc", 1),
        (2019, "cong-an", 2),
        (2019, "quan-su", 2),
    ],
    "transferred_out": [
        (2015, "tdp-4", 1),
        (2015, "cong-an", 2),
        (2015, "quan-su", 1),
        (2016, "thcs", 1),
        (2016, "cong-an", 2),
        (2016, "quan-su", 1),
        (2017, "tdp-6", 1),
        (2017, "cong-an", 2),
        (2017, "quan-su", 1),
        (2018, "tieu-hoc", 1),
        (2018, "cong-an", 2),
        (2018, "quan-su", 1),
        (2019, "tdp-3", 1),
        (2019, "cong-an", 1),
        (2019, "quan-su", 1),
    ],
    "died": [
        (2015, "tdp-3", 1),
        (2015, "tdp-5", 1),
        (2016, "tdp-1", 1),
        (2016, "tdp-7", 1),
        (2017, "tdp-4", 1),
        (2017, "tdp-5", 1),
        (2018, "tdp-3", 1),
        (2018, "tdp-6", 1),
        (2019, "tdp-1", 1),
        (2019, "tdp-5", 1),
    ],
    "removed": [
        (2017, "tdp-6", 1),
    ],
    "introduced": [
        (2015, "tdp-1", 1),
        (2015, "tdp-2", 1),
        (2015, "tieu-hoc", 1),
        (2016, "tdp-1", 1),
        (2016, "mam-non", 1),
        (2016, "cong-an", 1),
        (2017, "tdp-2", 1),
        (2017, "tdp-4", 1),
        (2017, "tdp-7", 1),
        (2017, "thcs", 1),
        (2018, "tdp-3", 1),
        (2018, "tdp-7", 1),
        (2018, "tieu-hoc", 1),
        (2019, "tdp-2", 1),
        (2019, "tdp-5", 1),
    ],
}
FLOWS = ("admitted", "transferred_in", "transferred_out", "died", "removed")
MEMBER_NOTES = {
    (2017, "tdp-6"): "Xóa tên 01 đảng viên",
    (2019, "tdp-2"): "07 đảng viên trẻ",
}

# Exempt from activities (miễn sinh hoạt): residential cells only (older members), 2015 and
# 2019 anchors, linear in between.
EXEMPT_2015 = {"tdp-1": 6, "tdp-2": 1, "tdp-3": 7, "tdp-4": 5, "tdp-5": 8, "tdp-6": 5, "tdp-7": 6}
EXEMPT_2019 = {"tdp-1": 8, "tdp-2": 2, "tdp-3": 9, "tdp-4": 6, "tdp-5": 10, "tdp-6": 6, "tdp-7": 7}

# Share of young (< 35) and of women, by cell; TDP 2's young members are fixed (F03 = 7 in 2019).
YOUNG_SHARE = {
    "tdp-1": 0.10,
    "tdp-2": 0.25,
    "tdp-3": 0.08,
    "tdp-4": 0.12,
    "tdp-5": 0.09,
    "tdp-6": 0.11,
    "tdp-7": 0.13,
    "mam-non": 0.55,
    "tieu-hoc": 0.40,
    "thcs": 0.34,
    "cong-an": 0.62,
    "quan-su": 0.50,
}
YOUNG_TDP2 = {2015: 4, 2016: 5, 2017: 5, 2018: 6, 2019: 7}
FEMALE_SHARE = {
    "tdp-1": 0.38,
    "tdp-2": 0.41,
    "tdp-3": 0.36,
    "tdp-4": 0.44,
    "tdp-5": 0.35,
    "tdp-6": 0.40,
    "tdp-7": 0.37,
    "mam-non": 0.94,
    "tieu-hoc": 0.78,
    "thcs": 0.62,
    "cong-an": 0.12,
    "quan-su": 0.08,
}

# Member ratings. Yearly committee totals: (HTXSNV, HTXSNV + HTTNV, KHTNV). 2019 gives F14 = 45
# and F13 = 300 / 440 = 68.18% -> 68.2% of the members rated (members - exempt).
MEMBER_RATING_TOTALS = {
    2015: (38, 283, 1),
    2016: (40, 287, 1),
    2017: (41, 293, 0),
    2018: (43, 296, 1),
    2019: (45, 300, 1),
}
# Where the few KHTNV members were.
KHTNV_CELLS = {2015: "tdp-4", 2016: "tdp-6", 2018: "tdp-3", 2019: "tdp-7"}
# Relative likelihood of a cell's members being rated HTTNV or above.
GOOD_WEIGHT = {
    "tdp-1": 0.62,
    "tdp-2": 0.85,
    "tdp-3": 0.57,
    "tdp-4": 0.60,
    "tdp-5": 0.63,
    "tdp-6": 0.55,
    "tdp-7": 0.59,
    "mam-non": 0.88,
    "tieu-hoc": 0.90,
    "thcs": 0.86,
    "cong-an": 0.92,
    "quan-su": 0.90,
}
OLD_MEMBER_LABELS = (
    "Đủ tư cách, HTXSNV",
    "Đủ tư cách, HTTNV",
    "Đủ tư cách, HTNV",
    "Vi phạm tư cách",
)
NEW_MEMBER_LABELS = ("HTXSNV", "HTTNV", "HTNV", "KHTNV")
MEMBER_RATING_KEYS = ("htxsnv", "httnv", "htnv", "khtnv")


def _largest_remainder(
    weights: dict[str, float], total: int, cap: dict[str, int] | None = None
) -> dict[str, int]:
    """Integer allocation of ``total`` proportional to ``weights``, each share <= ``cap``."""
    keys = list(weights)
    alloc = dict.fromkeys(keys, 0)
    remaining = total
    active = [k for k in keys if weights[k] > 0 and (cap is None or cap[k] > 0)]
    while remaining > 0:
        if not active:
            raise ValueError("allocation infeasible")
        wsum = sum(weights[k] for k in active)
        exact = {k: remaining * weights[k] / wsum for k in active}
        give = {k: int(np.floor(exact[k])) for k in active}
        left = remaining - sum(give.values())
        order = sorted(active, key=lambda k: (-(exact[k] - give[k]), keys.index(k)))
        for k in order[:left]:
            give[k] += 1
        for k in active:
            room = (cap[k] - alloc[k]) if cap is not None else give[k]
            take = min(give[k], room)
            alloc[k] += take
            remaining -= take
        active = [k for k in active if cap is None or alloc[k] < cap[k]]
    return alloc


def _tune_for_quota(good: dict[str, int], upper: dict[str, int], top: int) -> dict[str, int]:
    """Move single members between cells until sum(floor(good/6)) >= top.

    The quota 5 * HTXSNV <= HTTNV with HTTNV = good - HTXSNV means HTXSNV <= good // 6 per cell.
    A cell one short of a multiple of 6 gains a slot from one unit; a cell whose count is not a
    multiple of 6 can give one unit without losing a slot.
    """
    good = dict(good)
    while sum(v // 6 for v in good.values()) < top:
        takers = [k for k in good if good[k] % 6 == 5 and good[k] < upper[k]]
        givers = [k for k in good if good[k] % 6 != 5 and good[k] % 6 != 0]
        if not takers or not givers:
            raise ValueError("quota cannot be met")
        taker = max(takers, key=lambda k: (good[k], k))
        giver = max((k for k in givers if k != taker), key=lambda k: (good[k] % 6, good[k], k))
        good[taker] += 1
        good[giver] -= 1
    return good


def build_members() -> dict[int, dict[str, dict[str, int]]]:
    """members[year][cell_id] -> dict of every count in the members workbook."""
    flows = {y: {c: dict.fromkeys((*FLOWS, "introduced"), 0) for c in CELL_IDS} for y in YEARS}
    for flow, events in FLOW_EVENTS.items():
        for year, cell_id, n in events:
            flows[year][cell_id][flow] += n

    def net(year: int, cell_id: str) -> int:
        f = flows[year][cell_id]
        return (
            f["admitted"] + f["transferred_in"] - f["transferred_out"] - f["died"] - f["removed"]
        )

    size = {2019: dict(MEMBERS_2019)}
    for year in reversed(YEARS[1:]):
        size[year - 1] = {c: size[year][c] - net(year, c) for c in CELL_IDS}

    out: dict[int, dict[str, dict[str, int]]] = {}
    for i, year in enumerate(YEARS):
        t = i / (len(YEARS) - 1)
        out[year] = {}
        for c in CELL_IDS:
            m = size[year][c]
            if c in RESIDENTIAL:
                exempt = int(round(EXEMPT_2015[c] + t * (EXEMPT_2019[c] - EXEMPT_2015[c])))
            else:
                exempt = 0
            young = (
                YOUNG_TDP2[year]
                if c == "tdp-2"
                else int(
                    round(
                        m * (YOUNG_SHARE[c] + (0.004 * i if c not in RESIDENTIAL else -0.003 * i))
                    )
                )
            )
            female = int(round(m * FEMALE_SHARE[c]))
            out[year][c] = {
                "members": m,
                "young": young,
                "female": female,
                "exempt": exempt,
                **flows[year][c],
            }

    for year in YEARS:
        top, good_total, khtnv = MEMBER_RATING_TOTALS[year]
        rows = out[year]
        rated = {c: rows[c]["members"] - rows[c]["exempt"] for c in CELL_IDS}
        kh = dict.fromkeys(CELL_IDS, 0)
        if khtnv:
            kh[KHTNV_CELLS[year]] = khtnv
        upper = {c: rated[c] - kh[c] for c in CELL_IDS}
        good = _largest_remainder(
            {c: rated[c] * GOOD_WEIGHT[c] for c in CELL_IDS}, good_total, cap=upper
        )
        good = _tune_for_quota(good, upper, top)
        xs = _largest_remainder(
            {c: float(good[c]) for c in CELL_IDS}, top, cap={c: good[c] // 6 for c in CELL_IDS}
        )
        for c in CELL_IDS:
            rows[c].update(
                htxsnv=xs[c], httnv=good[c] - xs[c], htnv=rated[c] - good[c] - kh[c], khtnv=kh[c]
            )
    return out


# --------------------------------------------------------------------------------------------
# Income and poverty
# --------------------------------------------------------------------------------------------

INCOME_TDP2 = {2015: 42.6, 2016: 45.8, 2017: 49.3, 2018: 53.0, 2019: 57.0}  # F04
POOR_TDP2 = {2015: 6, 2016: 4, 2017: 3, 2018: 1, 2019: 0}  # F05
NEAR_POOR_TDP2 = {2015: 14, 2016: 12, 2017: 10, 2018: 8, 2019: 6}  # F06


def build_income() -> dict[int, dict[str, dict[str, float | int]]]:
    """income[year][area] -> households, population, income, poor, near_poor."""
    rng = np.random.default_rng(SEED)
    out: dict[int, dict[str, dict[str, float | int]]] = {y: {} for y in YEARS}
    for area in AREAS:
        is_tdp2 = area == "Tổ dân phố số 2"
        base = float(rng.uniform(41.0, 46.0))
        growth = rng.uniform(0.062, 0.088, size=len(YEARS) - 1)
        households = int(rng.integers(255, 440))
        hh_growth = rng.integers(0, 5, size=len(YEARS))
        per_household = float(rng.uniform(3.40, 3.72))
        poor_rate = float(rng.uniform(0.022, 0.042))
        poor_decline = rng.uniform(0.55, 0.80, size=len(YEARS) - 1)
        near_rate = float(rng.uniform(0.035, 0.055))
        near_decline = rng.uniform(0.82, 0.95, size=len(YEARS) - 1)
        if is_tdp2:
            households = 318
        income = base
        poor = households * poor_rate
        near = households * near_rate
        for i, year in enumerate(YEARS):
            if i:
                income *= 1 + growth[i - 1]
                poor *= poor_decline[i - 1]
                near *= near_decline[i - 1]
            households += int(hh_growth[i])
            population = int(round(households * (per_household - 0.01 * i)))
            row = {
                "households": households,
                "population": population,
                "income": round(float(income), 1),
                "poor": int(round(poor)),
                "near_poor": int(round(near)),
            }
            if is_tdp2:
                row.update(
                    income=INCOME_TDP2[year], poor=POOR_TDP2[year], near_poor=NEAR_POOR_TDP2[year]
                )
            out[year][area] = row
    return out


# --------------------------------------------------------------------------------------------
# Self-check of the calibration (the generator refuses to write a sample that misses a figure)
# --------------------------------------------------------------------------------------------


def check_calibration(members: dict, income: dict) -> None:
    def need(ok: bool, what: str) -> None:
        if not ok:
            raise AssertionError(f"calibration failed: {what}")

    top_counts = [len(TOP_CELLS[y]) for y in YEARS]
    need(sum(top_counts) == 5 * len(YEARS), "F10 mean 5 top-rated cells")
    need(all("tdp-2" in TOP_CELLS[y] for y in YEARS), "F01 TDP 2 top every year")
    need(members[2019]["tdp-2"]["members"] == 22, "F02")
    need(members[2019]["tdp-2"]["young"] == 7, "F03")
    total_2019 = sum(r["members"] for r in members[2019].values())
    need(470 <= total_2019 <= 499, "F09")
    for flow, want in (("introduced", 15), ("admitted", 11), ("transferred_in", 42)):
        got = sum(members[y][c][flow] for y in YEARS for c in CELL_IDS)
        need(got == want, f"total {flow} {got} != {want}")
    for y in YEARS:
        for c in CELL_IDS:
            r = members[y][c]
            need(0 <= r["young"] <= r["members"], f"young {y} {c}")
            need(0 <= r["female"] <= r["members"], f"female {y} {c}")
            need(0 <= r["exempt"] <= r["members"], f"exempt {y} {c}")
            need(min(r[k] for k in MEMBER_RATING_KEYS) >= 0, f"negative rating {y} {c}")
            need(
                sum(r[k] for k in MEMBER_RATING_KEYS) == r["members"] - r["exempt"],
                f"rated {y} {c}",
            )
            need(5 * r["htxsnv"] <= r["httnv"], f"quota {y} {c}")
            if y > YEARS[0]:
                prev = members[y - 1][c]["members"]
                flow = (
                    r["admitted"]
                    + r["transferred_in"]
                    - r["transferred_out"]
                    - r["died"]
                    - r["removed"]
                )
                need(r["members"] == prev + flow, f"flow identity {y} {c}")
    r19 = [members[2019][c] for c in CELL_IDS]
    x = sum(r["htxsnv"] for r in r19)
    good = x + sum(r["httnv"] for r in r19)
    rated = sum(r["members"] - r["exempt"] for r in r19)
    need(x == 45, "F14")
    need(round(1000 * good / rated) == 682, "F13")
    a = income[2019]["Tổ dân phố số 2"]
    need((a["income"], a["poor"], a["near_poor"]) == (57.0, 0, 6), "F04–F06")
    for area in AREAS:
        for y in YEARS:
            v = income[y][area]
            need(40.0 <= v["income"] <= 65.0, f"income range {y} {area}")
            need(250 <= v["households"] <= 450, f"households {y} {area}")
            need(3.3 <= v["population"] / v["households"] <= 3.8, f"people/household {y}")
            if y > YEARS[0]:
                g = v["income"] / income[y - 1][area]["income"] - 1
                need(0.055 <= g <= 0.095, f"income growth {y} {area}: {g:.3f}")
                need(v["poor"] <= income[y - 1][area]["poor"], f"poor decline {y} {area}")


# --------------------------------------------------------------------------------------------
# Workbook writing
# --------------------------------------------------------------------------------------------

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=13)
THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _new_workbook(author: str = AUTHOR, when: dt.datetime = FIXED_TIME) -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    props = wb.properties
    props.creator = author
    props.lastModifiedBy = author
    props.created = when
    props.modified = when
    return wb


def _title(ws: Worksheet, row: int, text: str, last_col: int | None) -> None:
    ws.cell(row=row, column=1, value=text).font = TITLE
    if last_col:
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last_col)
        ws.cell(row=row, column=1).alignment = Alignment(horizontal="center")


def _header(ws: Worksheet, row: int, labels: Iterable[str | None], start_col: int = 1) -> None:
    for j, label in enumerate(labels):
        cell = ws.cell(row=row, column=start_col + j, value=label)
        cell.font = BOLD
        cell.alignment = CENTER
        cell.border = BOX


def _row(
    ws: Worksheet, row: int, values: Iterable, number_format: str | None = None, bold: bool = False
) -> None:
    for j, value in enumerate(values, start=1):
        cell = ws.cell(row=row, column=j, value=value)
        cell.border = BOX
        if bold:
            cell.font = BOLD
        if number_format and isinstance(value, float):
            cell.number_format = number_format


def _widths(ws: Worksheet, widths: Iterable[float]) -> None:
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = w


def save_deterministic(wb: Workbook, path: Path) -> None:
    """Same content, same bytes: the package's writer with the sample's fixed date."""
    save_reproducible(wb, path, when=FIXED_TIME)


# The cells registry's header, row 4 (the example set's adds the committee after "STT").
REGISTRY_HEADER = (
    "STT",
    "Mã chi bộ",
    "Tên chi bộ",
    "Tên gọi khác",
    "Loại",
    "Địa bàn",
    "Từ năm",
    "Đến năm",
    "Chi bộ kế thừa",
)


def write_registry(path: Path) -> None:
    wb = _new_workbook()
    ws = wb.create_sheet("Danh mục chi bộ")
    _title(ws, 1, COMMITTEE, 9)
    _title(ws, 2, "DANH MỤC CHI BỘ TRỰC THUỘC", 9)
    _header(ws, 4, REGISTRY_HEADER)
    for i, c in enumerate(CELLS, start=1):
        _row(
            ws,
            4 + i,
            (i, c.cell_id, c.name, c.aliases, c.kind_vi, c.area, c.first_year, None, None),
        )
    _widths(ws, (6, 12, 36, 28, 14, 18, 9, 9, 15))
    save_deterministic(wb, path)


def write_cell_ratings(path: Path) -> None:
    wb = _new_workbook()
    for year in YEARS:
        ws = wb.create_sheet(f"Năm {year}")
        _title(ws, 1, COMMITTEE, 4)
        _title(ws, 2, f"KẾT QUẢ ĐÁNH GIÁ, XẾP LOẠI CHI BỘ NĂM {year}", 4)
        _header(ws, 4, ("STT", "Tên chi bộ", "Kết quả xếp loại", "Ghi chú"))
        for i, c in enumerate(CELLS, start=1):
            name = c.office_name if year >= FIRST_NEW_SCALE_YEAR else c.name
            _row(
                ws,
                4 + i,
                (i, name, cell_rating(year, c.cell_id), CELL_NOTES.get((year, c.cell_id))),
            )
        _widths(ws, (6, 36, 30, 22))
    ws = wb.create_sheet("Đảng bộ")
    ws.cell(
        row=1, column=1, value=f"KẾT QUẢ XẾP LOẠI {COMMITTEE} {YEARS[0]}–{YEARS[-1]}"
    ).font = TITLE
    _header(ws, 3, ("Năm", "Đảng bộ", "Xếp loại"))
    for i, year in enumerate(YEARS, start=1):
        _row(ws, 3 + i, (year, COMMITTEE_UNIT, COMMITTEE_RATINGS[year]))
    _widths(ws, (8, 30, 28))
    save_deterministic(wb, path)


MEMBER_COLUMNS = (*MEMBER_FIELDS, *MEMBER_RATING_KEYS)


def write_members(path: Path, members: dict) -> None:
    wb = _new_workbook()
    for year in YEARS:
        ws = wb.create_sheet(str(year))
        ws.cell(row=1, column=1, value=COMMITTEE).font = TITLE
        ws.cell(
            row=2, column=1, value=f"BÁO CÁO SỐ LƯỢNG, BIẾN ĐỘNG VÀ XẾP LOẠI ĐẢNG VIÊN NĂM {year}"
        ).font = TITLE
        labels = OLD_MEMBER_LABELS if year < FIRST_NEW_SCALE_YEAR else NEW_MEMBER_LABELS
        top = MEMBER_HEADER_TOP
        sub = {**MEMBER_HEADER_SUB, **{13 + k: label for k, label in enumerate(labels)}}
        for col in range(1, 18):
            _header(ws, 4, (top.get(col),), start_col=col)
            _header(ws, 5, (sub.get(col),), start_col=col)
        for col in (1, 2, 3, 12, 17):
            ws.merge_cells(start_row=4, start_column=col, end_row=5, end_column=col)
        ws.merge_cells("D4:F4")
        ws.merge_cells("G4:K4")
        ws.merge_cells("M4:P4")
        totals = dict.fromkeys(MEMBER_COLUMNS, 0)
        for i, c in enumerate(CELLS, start=1):
            r = members[year][c.cell_id]
            for k in MEMBER_COLUMNS:
                totals[k] += r[k]
            _row(
                ws,
                5 + i,
                (i, c.name, *(r[k] for k in MEMBER_COLUMNS), MEMBER_NOTES.get((year, c.cell_id))),
            )
        _row(
            ws,
            6 + len(CELLS),
            (None, "Tổng cộng", *(totals[k] for k in MEMBER_COLUMNS), None),
            bold=True,
        )
        ws.row_dimensions[5].height = 48
        _widths(ws, (6, 34, 10, 11, 7, 10, 8, 9, 8, 8, 10, 13, 11, 11, 11, 11, 18))
    save_deterministic(wb, path)


def write_income(path: Path, income: dict) -> None:
    wb = _new_workbook()
    ws = wb.create_sheet("Thu nhập")
    _title(
        ws, 1, f"THU NHẬP BÌNH QUÂN ĐẦU NGƯỜI CÁC TỔ DÂN PHỐ GIAI ĐOẠN {YEARS[0]}–{YEARS[-1]}", 7
    )
    _header(
        ws,
        3,
        ("STT", "Tổ dân phố", "Thu nhập bình quân (triệu đồng/người/năm)", None, None, None, None),
    )
    _header(ws, 4, (None, None, *(f"Năm {y}" for y in YEARS)))
    ws.merge_cells("A3:A4")
    ws.merge_cells("B3:B4")
    ws.merge_cells("C3:G3")
    for i, area in enumerate(AREAS, start=1):
        _row(
            ws, 4 + i, (i, area, *(income[y][area]["income"] for y in YEARS)), number_format="0.0"
        )
    _widths(ws, (6, 20, 11, 11, 11, 11, 11))

    ws = wb.create_sheet("Hộ nghèo")
    ws.cell(row=1, column=1, value="SỐ HỘ NGHÈO, CẬN NGHÈO THEO TỔ DÂN PHỐ").font = TITLE
    _header(
        ws, 3, ("Năm", "Tổ dân phố", "Số hộ", "Số nhân khẩu", "Số hộ nghèo", "Số hộ cận nghèo")
    )
    row = 4
    for year in YEARS:
        for area in AREAS:
            v = income[year][area]
            _row(
                ws, row, (year, area, v["households"], v["population"], v["poor"], v["near_poor"])
            )
            row += 1
    _widths(ws, (8, 20, 9, 13, 12, 15))
    save_deterministic(wb, path)


def generate(out_dir: Path) -> list[Path]:
    members = build_members()
    income = build_income()
    check_calibration(members, income)
    out_dir = Path(out_dir)
    paths = [out_dir / name for name in ALL_FILES]
    write_registry(paths[0])
    write_cell_ratings(paths[1])
    write_members(paths[2], members)
    write_income(paths[3], income)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default: {DEFAULT_OUT})"
    )
    args = parser.parse_args(argv)
    for path in generate(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
