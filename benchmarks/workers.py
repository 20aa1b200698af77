"""The loader's helper processes (``ngodong_analysis.workers``) against the ``spawn`` process
pool the loader used before issue 12, in the same run, on the province set.

Issue 12 replaced ``ProcessPoolExecutor(mp_context=spawn)`` — which re-imports the caller's
script in every child and so crashed a plain script without a main guard — by helpers that
run ``python -m ngodong_analysis.workers``. The target: loading through the helpers is no
slower than through the old pool. Each variant runs in a fresh interpreter, alternating, best
of ``--reps``; the probe (a fixed pure-Python loop, timed before each pair) shows how loaded
the shared machine was.

    python benchmarks/generate.py --sizes province
    python benchmarks/workers.py [--reps 3] [--workers 2] [--size province]

Prints one line per run and the ratio helpers / old pool (best against best); exits 0.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from tasks import probe_seconds, run_child  # noqa: E402 - the benchmarks' one probe and runner

ROOT = HERE.parent

# the old loader's pool, as it was (load._read_all before issue 12); with a main guard,
# which it needed
OLD = """
import json, multiprocessing, sys, time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

def main():
    from ngodong_analysis.load import read_file
    from ngodong_analysis.config import find_inputs
    files = find_inputs(Path(sys.argv[1]))
    workers = int(sys.argv[2])
    t = time.perf_counter()
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    try:
        chunk = max(1, len(files) // (workers * 4))
        out = list(pool.map(read_file, files, chunksize=chunk))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    print(json.dumps({"seconds": time.perf_counter() - t, "files": len(out)}))

if __name__ == "__main__":
    main()
"""

# the helpers, from a script without a main guard (what issue 12 asked to work)
NEW = """
import json, sys, time
from pathlib import Path
from ngodong_analysis.load import _read_all
from ngodong_analysis.config import find_inputs
files = find_inputs(Path(sys.argv[1]))
t = time.perf_counter()
out = _read_all(files)
print(json.dumps({"seconds": time.perf_counter() - t, "files": len(out)}))
"""


def run(code: str, folder: Path, workers: int) -> dict:
    return run_child(code, folder, workers, workers=workers)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="province")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--workers", type=int, default=min(os.cpu_count() or 1, 8))
    args = ap.parse_args(argv)
    folder = HERE / "_data" / args.size
    if not folder.is_dir():
        print(f"no {folder}: run python benchmarks/generate.py --sizes {args.size}")
        return 1
    # the old pool's code must be a file: spawn re-imports the main module by path
    old_script = HERE / "_old_pool.py"
    old_script.write_text(OLD, encoding="utf-8")
    old_times, new_times = [], []
    try:
        for rep in range(args.reps):
            p = probe_seconds()
            env = dict(os.environ, NGODONG_WORKERS=str(args.workers), PYTHONPATH=str(ROOT))
            t = subprocess.run(
                [sys.executable, str(old_script), str(folder), str(args.workers)],
                capture_output=True,
                text=True,
                env=env,
                check=True,
            )
            old = json.loads(t.stdout.strip().splitlines()[-1])
            new = run(NEW, folder, args.workers)
            old_times.append(old["seconds"])
            new_times.append(new["seconds"])
            print(
                f"run {rep + 1}: probe {p:.2f} s; old spawn pool {old['seconds']:.2f} s, "
                f"helpers {new['seconds']:.2f} s ({new['files']} files, {args.workers} workers)"
            )
    finally:
        old_script.unlink(missing_ok=True)
    ratio = min(new_times) / min(old_times)
    verdict = "met" if ratio <= 1.05 else "MISSED"
    print(
        f"best: old pool {min(old_times):.2f} s, helpers {min(new_times):.2f} s; "
        f"ratio {ratio:.2f} (target <= 1.05, within noise): {verdict}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
