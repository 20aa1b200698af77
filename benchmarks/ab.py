"""This checkout's loader and build against another checkout's, same run, alternating.

Issue 13 asks that moving code around leave the benchmarks no slower, and issue 17's
changes are judged against the code before them: both need two versions of the package
measured on the same data in the same minutes, because this shared machine's speed drifts
by ±30% from one minute to the next. Each measurement runs in a fresh interpreter with
one checkout first on ``sys.path``; the two checkouts alternate, ``--reps`` rounds, each
side's best is compared, and the probe (a fixed pure-Python loop) is printed per round.

    git worktree add --detach /tmp/before 33b2752      # the code before issue 13
    python benchmarks/generate.py --sizes province_unique
    python benchmarks/ab.py --code /tmp/before [--sizes commune,province_unique] [--reps 3]

Sizes: ``commune`` (the shipped sample, ``data/raw``) and any folder under
``benchmarks/_data``. Steps: ``load`` (``load(folder)``, serial, no processed shortcut)
and, with ``--build``, ``ngodong build`` from cold on the sample.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from tasks import probe_seconds, run_child  # noqa: E402 - the benchmarks' one probe and runner

LOAD = """
import json, resource, sys, time
from ngodong_analysis.load import load
t = time.perf_counter()
result = load(sys.argv[1])
print(json.dumps({"seconds": time.perf_counter() - t,
                  "rows": len(result.dataset.members) + len(result.dataset.cell_ratings),
                  "problems": len(result.problems),
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

BUILD = """
import json, subprocess, sys, tempfile, time
with tempfile.TemporaryDirectory() as out:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "ngodong_analysis", "build", "--raw", sys.argv[1],
                    "--out", out, "-q"], check=True)
    print(json.dumps({"seconds": time.perf_counter() - t}))
"""


def folder(size: str) -> Path:
    return HERE.parent / "data" / "raw" if size == "commune" else HERE / "_data" / size


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--code", required=True, help="the other checkout (a git worktree)")
    ap.add_argument("--sizes", default="commune,province_unique")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--build", action="store_true", help="also time `ngodong build` (sample)")
    args = ap.parse_args(argv)
    sides = {"other": Path(args.code).resolve(), "this": HERE.parent}
    steps = [(s, "load", LOAD, folder(s)) for s in args.sizes.split(",") if s.strip()]
    if args.build:
        steps.append(("commune", "build", BUILD, folder("commune")))
    for _, _, _, path in steps:
        if not path.exists():
            print(f"no {path}: run python benchmarks/generate.py")
            return 1
    best: dict[tuple[str, str, str], dict] = {}
    for rep in range(args.reps):
        line = [f"round {rep + 1}: probe {probe_seconds():.2f} s"]
        for size, step, code, path in steps:
            for side, root in sides.items():
                got = run_child(code, path, root=root, workers=1)
                k = (size, step, side)
                if k not in best or got["seconds"] < best[k]["seconds"]:
                    best[k] = got
                line.append(f"{size} {step} {side} {got['seconds']:.2f} s")
        print("; ".join(line), flush=True)
    print(f"# this = {sides['this']}, other = {sides['other']}; best of {args.reps}, serial")
    for size, step, _, _ in steps:
        this, other = best[(size, step, "this")], best[(size, step, "other")]
        mem = ""
        if "peak_mib" in this:
            mem = f", peak {other['peak_mib']:.0f} -> {this['peak_mib']:.0f} MiB"
        same = "" if this.get("rows") == other.get("rows") else " (rows differ!)"
        print(
            f"{size} {step}: other {other['seconds']:.2f} s, this {this['seconds']:.2f} s, "
            f"this/other = {this['seconds'] / other['seconds']:.2f}{mem}{same}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
