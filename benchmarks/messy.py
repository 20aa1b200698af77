"""Clean against messy, same run: ``load_members`` on the 200,000-row members workbook as
generated (every identity holds) and as offices write it (most flow identities broken, women
above the members in 1% of rows, 5% of names abbreviated or folded, a disagreeing totals row
per year), each against a bare calamine ``pandas.read_excel`` of the same file.

Issue 17's targets: ``load_members`` ≤ 1.2× the bare read, clean and messy; messy ≤ 1.15×
clean. Each measurement runs in a fresh interpreter, the variants alternating, best of
``--reps``; the probe (a fixed pure-Python loop before each round) shows the machine's load.

    python benchmarks/generate.py --sizes members_200k,members_200k_messy
    python benchmarks/messy.py [--reps 3]

``--nation`` does the same at national scale (issue 17 item 3): ``nd.load_dataset`` on
``nation`` and ``nation_messy`` against reading the same CSV files with plain
``pandas.read_csv`` (the header line found by its "Năm") and concatenating them per table,
time and peak RSS, same run; targets ≤ 5× the time and ≤ 1.5× the memory, messy ≤ 1.15×
clean. ``--sizes nation_unique --code /tmp/before`` loads with another checkout's package
(the committee dimension's cost: main before the committee work against today's).

    python benchmarks/generate.py --sizes nation,nation_messy
    python benchmarks/messy.py --nation [--reps 1] [--sizes nation,nation_messy]
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


PLAIN = """
import json, resource, sys, time
from pathlib import Path
import pandas as pd
t = time.perf_counter()
parts = {}
for path in sorted(Path(sys.argv[1]).rglob("*.csv")):
    with open(path, encoding="utf-8-sig") as fh:
        skip = next(i for i, line in enumerate(fh) if line.startswith("Năm,"))
    kind = path.stem.rsplit("_tong_hop_", 1)[-1]
    parts.setdefault(kind, []).append(pd.read_csv(path, skiprows=skip, encoding="utf-8-sig"))
tables = {k: pd.concat(v, ignore_index=True) for k, v in parts.items()}
print(json.dumps({"seconds": time.perf_counter() - t,
                  "rows": sum(len(f) for f in tables.values()),
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

DATASET = """
import json, resource, sys, time
from ngodong_analysis.load import load
t = time.perf_counter()
ds = load(sys.argv[1]).dataset  # load_dataset(use_processed=False), messy data's errors kept
print(json.dumps({"seconds": time.perf_counter() - t,
                  "rows": len(ds.members) + len(ds.cell_ratings) + len(ds.income),
                  "committees": len(ds.committees),
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "worker_peak_mib":
                      resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def run(code: str, path: Path, root: Path | None = None, workers: int | None = 1) -> dict:
    return run_child(code, path, root=root, workers=workers)


def nation(args) -> int:
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    root = Path(args.code).resolve() if args.code else None
    best: dict[str, dict] = {}
    for rep in range(args.reps):
        line = [f"run {rep + 1}: probe {probe_seconds():.2f} s"]
        for size in sizes:
            folder = HERE / "_data" / size
            for what, code in (("plain", PLAIN), ("load", DATASET)):
                got = run(code, folder, root if what == "load" else None, workers=None)
                key = f"{size} {what}"
                if key not in best or got["seconds"] < best[key]["seconds"]:
                    best[key] = got
                line.append(
                    f"{key} {got['seconds']:.1f} s {got['peak_mib'] / 1024:.2f} GiB"
                    f" ({got['rows']} rows)"
                )
        line.append(f"probe {probe_seconds():.2f} s")
        print("; ".join(line), flush=True)
    for size in sizes:
        load, plain = best[f"{size} load"], best[f"{size} plain"]
        t, m = load["seconds"] / plain["seconds"], load["peak_mib"] / plain["peak_mib"]
        print(
            f"{size}: load_dataset / plain read_csv+concat = {t:.2f}x time (target <= 5), "
            f"{m:.2f}x peak memory (target <= 1.5)"
        )
    if "nation" in sizes and "nation_messy" in sizes:
        r = best["nation_messy load"]["seconds"] / best["nation load"]["seconds"]
        print(f"nation_messy / nation load = {r:.2f} (target <= 1.15)")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--nation", action="store_true", help="the national sets (see above)")
    ap.add_argument("--sizes", default="nation,nation_messy", help="with --nation")
    ap.add_argument("--code", help="with --nation: load with the package of this checkout")
    args = ap.parse_args(argv)
    if args.nation:
        return nation(args)
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
