"""Clean against messy, same run: ``load_members`` on the 200,000-row members workbook as
generated (every identity holds) and as offices write it (most flow identities broken, women
above the members in 1% of rows, 5% of names abbreviated or folded, a disagreeing totals row
per year), each against a bare calamine ``pandas.read_excel`` of the same file.

Issue 17's targets: ``load_members`` ≤ 1.2× the bare read, clean and messy; messy ≤ 1.15×
clean. Each measurement runs in a fresh interpreter, the variants alternating, best of
``--reps``; the probe (a fixed pure-Python loop before each round) shows the machine's load.

    python benchmarks/generate.py --sizes members_200k,members_200k_messy
    python benchmarks/messy.py [--reps 3]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from tasks import probe_seconds, run_child  # noqa: E402 - the benchmarks' one probe and runner

LOADER = """
import json, sys, time
import ngodong_analysis as nd
from ngodong_analysis.load import load
t = time.perf_counter()
result = load(sys.argv[1])
n = len(result.dataset.members)
print(json.dumps({"seconds": time.perf_counter() - t, "rows": n,
                  "problems": len(result.problems)}))
"""

BARE = """
import json, sys, time
import pandas as pd
t = time.perf_counter()
frames = pd.read_excel(sys.argv[1], engine="calamine", sheet_name=None)
print(json.dumps({"seconds": time.perf_counter() - t,
                  "rows": sum(len(f) for f in frames.values())}))
"""


def run(code: str, path: Path) -> dict:
    return run_child(code, path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args(argv)
    files = {
        "clean": HERE / "_data" / "members_200k" / "members_200k.xlsx",
        "messy": HERE / "_data" / "members_200k_messy" / "members_200k.xlsx",
    }
    for path in files.values():
        if not path.exists():
            print(f"no {path}: run python benchmarks/generate.py --sizes members_200k,"
                  "members_200k_messy")  # fmt: skip
            return 1
    best: dict[str, float] = {}
    for rep in range(args.reps):
        p = probe_seconds()
        line = [f"run {rep + 1}: probe {p:.2f} s"]
        for name, path in files.items():
            for what, code in (("bare", BARE), ("load", LOADER)):
                got = run(code, path)
                key = f"{name} {what}"
                best[key] = min(best.get(key, float("inf")), got["seconds"])
                extra = f", {got['problems']} problems" if "problems" in got else ""
                line.append(f"{key} {got['seconds']:.2f} s ({got['rows']} rows{extra})")
        print("; ".join(line), flush=True)
    for name in files:
        ratio = best[f"{name} load"] / best[f"{name} bare"]
        verdict = "met" if ratio <= 1.2 else f"MISSED by {ratio / 1.2:.2f}x"
        print(f"{name}: load_members / bare read_excel = {ratio:.2f} (target <= 1.2): {verdict}")
    ratio = best["messy load"] / best["clean load"]
    verdict = "met" if ratio <= 1.15 else f"MISSED by {ratio / 1.15:.2f}x"
    print(f"messy / clean load = {ratio:.2f} (target <= 1.15): {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
