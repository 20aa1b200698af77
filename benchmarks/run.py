"""Run every benchmark of issue 6 and write the results table into benchmarks/README.md.

    python benchmarks/run.py [--sizes commune,province,nation] [--quick] [--no-readme]

Each measured step runs in a fresh interpreter (``tasks.py``); its time is taken inside the
process around the measured call, its peak memory is the process's ``ru_maxrss``. Baselines
(bare ``pandas.read_excel``, ``import pandas``, plain-pandas tables) are measured in the same
run on the same machine, and every target is reported as a ratio, met or missed.

The data comes from ``generate.py`` (cached under ``benchmarks/_data``). Raw results go to
``benchmarks/results/latest.json``; the table goes between the ``results`` markers of
``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import json
import os
import platform
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

README = HERE / "README.md"
RESULTS = HERE / "results"
START, END = "<!-- results:start -->", "<!-- results:end -->"
TASKS = str(HERE / "tasks.py")

# per-size limits (seconds) for one measured step and for the load step
STEP_TIMEOUT = {"commune": 300, "province": 600, "nation": 300}
LOAD_TIMEOUT = {"commune": 300, "province": 1800, "nation": 600}
# a cold build draws and saves every chart; at national scale the per-cell heatmap alone runs
# for hours today, so the nation build is only attempted with --nation-build
BUILD_TIMEOUT = {"commune": 300, "province": 2400, "nation": 1800}


# --------------------------------------------------------------------------- children
def child(args: list[str], *, env: dict | None = None, timeout: float = 3600) -> dict:
    """Run ``python args…`` (or a command) in a fresh process; its last JSON line, the wall
    time and the child's own peak RSS (from wait4)."""
    cmd = [sys.executable, *args]
    full_env = {**os.environ, **(env or {})}
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=full_env, cwd=HERE)
        rusage = None
        killed = False
        tree_peak = 0
        last_sample = 0.0
        while True:
            pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            now = time.perf_counter()
            if now - last_sample >= 0.2:  # the loader may read in worker processes
                tree_peak = max(tree_peak, tree_rss(proc.pid))
                last_sample = now
            if time.perf_counter() - t0 > timeout:
                proc.kill()
                pid, status, rusage = os.wait4(proc.pid, 0)
                killed = True
                break
            time.sleep(0.02)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    result: dict = {}
    for line in reversed(stdout.strip().splitlines()):
        with contextlib.suppress(ValueError):
            result = json.loads(line)
            break
    result["wall"] = round(wall, 3)
    result["child_peak_mib"] = round(rusage.ru_maxrss / 1024, 1) if rusage else None
    # the whole process tree, sampled every 0.2 s (workers included); never below the child
    result["tree_peak_mib"] = round(max(tree_peak / 2**20, result["child_peak_mib"] or 0), 1)
    result["returncode"] = proc.returncode
    if killed:
        result["error"] = f"killed after {timeout:.0f} s"
    elif proc.returncode != 0 and "error" not in result:
        result["error"] = (stderr.strip().splitlines() or ["?"])[-1][:300]
    return result


def tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and all its descendants (0 if it is gone)."""
    try:
        import psutil
    except ImportError:  # pragma: no cover - psutil comes with jupyter
        return 0
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for p in procs:
        with contextlib.suppress(psutil.Error):
            total += p.memory_info().rss
    return total


def best_of(n: int, args: list[str], *, budget: float = 120.0, **kw) -> dict:
    """Best (fastest) of up to ``n`` fresh runs; stops repeating once ``budget`` is spent."""
    runs = []
    spent = 0.0
    for _ in range(n):
        r = child(args, **kw)
        runs.append(r)
        spent += r["wall"]
        if "error" in r or spent > budget:
            break
    return _best(runs)


def say(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- machine
def machine() -> dict:
    cpu = platform.processor() or "?"
    with contextlib.suppress(OSError):
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram = "?"
    with contextlib.suppress(OSError):
        for line in open("/proc/meminfo", encoding="utf-8"):
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 2**20:.1f} GiB"
                break
    libs = {}
    for lib in (
        "ngodong-analysis",
        "pandas",
        "numpy",
        "pyarrow",
        "python-calamine",
        "openpyxl",
        "matplotlib",
        "xlsxwriter",
    ):
        with contextlib.suppress(metadata.PackageNotFoundError):
            libs[lib] = metadata.version(lib)
    commit = ""
    with contextlib.suppress(Exception):
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=HERE, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "../ngodong_analysis"],
            cwd=HERE,
            capture_output=True,
            text=True,
        ).stdout.strip()
        commit += " (package has uncommitted changes)" if dirty else ""
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram": ram,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "libs": libs,
        "commit": commit,
        "date": dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
    }


# --------------------------------------------------------------------------- measurements
def measure_imports(reps: int) -> dict:
    say("import pandas vs import ngodong_analysis")
    out = {}
    for mod in ("pandas", "ngodong_analysis"):
        out[mod] = best_of(reps, ["tasks.py", "import", mod], budget=60)
    out["difference"] = out["ngodong_analysis"]["seconds"] - out["pandas"]["seconds"]
    return out


def measure_members_200k(reps: int) -> dict:
    """The loader against bare ``read_excel`` on the 200k workbook. The calamine baseline
    and the loader run alternately (pairs of fresh processes), so that a slow spell of this
    shared machine falls on both sides of the ratio, not on one; each side's best run is
    reported, with every run's time and the ratio of each pair."""
    path = str(generate.ensure("members_200k") / "members_200k.xlsx")
    say(f"members_200k: read_excel(calamine) and the loader, {reps + 2} alternating pairs")
    pairs = [
        (
            child(["tasks.py", "read_excel", path, "calamine"]),
            child(["tasks.py", "loader", path], timeout=3600),
        )
        for _ in range(reps + 2)
    ]
    out = {
        "calamine": _best([p[0] for p in pairs]),
        "loader": _best([p[1] for p in pairs]),
        "pair_ratios": [
            round(b["seconds"] / a["seconds"], 3)
            for a, b in pairs
            if "seconds" in a and "seconds" in b
        ],
    }
    say("members_200k: read_excel(openpyxl)")
    out["openpyxl"] = best_of(
        1 if reps < 3 else 2, ["tasks.py", "read_excel", path, "openpyxl"], budget=60
    )
    return out


def _best(runs: list[dict]) -> dict:
    """The fastest of ``runs`` (fresh processes), with every run's time."""
    ok = [r for r in runs if "error" not in r and "seconds" in r]
    best = dict(min(ok, key=lambda r: r["seconds"]) if ok else runs[-1])
    best["runs"] = len(runs)
    best["all_seconds"] = [round(r.get("seconds", float("nan")), 4) for r in runs]
    return best


def _profile_calls(path: str) -> tuple[int, float, dict[str, int]]:
    """Total Python function calls of one load, and per package function."""
    from ngodong_analysis.load import load

    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    load(path)
    prof.disable()
    seconds = time.perf_counter() - t0
    stats = pstats.Stats(prof)
    per_fn = {}
    for (file, line, name), (_cc, nc, _tt, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if "ngodong_analysis" in file:
            per_fn[f"{Path(file).name}:{line}({name})"] = nc
    return stats.total_calls, seconds, per_fn  # type: ignore[attr-defined]


def measure_distinct() -> dict:
    """Same distinct values, twice the rows: how many more Python calls does the loader make?

    A loader whose normalisation and validation scale with distinct values makes (almost) no
    more Python-level calls for the extra rows; every call per extra row is a per-row loop.
    """
    say("distinct values vs rows (cProfile call counts, 20k vs 40k rows)")
    folder = generate.ensure("distinct")
    res = child(
        ["run.py", "--calls", str(folder / "members_20k.xlsx"), str(folder / "members_40k.xlsx")],
        timeout=3600,
    )
    return res


def _calls_task(small: str, large: str) -> None:
    c1, s1, f1 = _profile_calls(small)
    c2, s2, f2 = _profile_calls(large)
    growth = {k: f2.get(k, 0) - f1.get(k, 0) for k in set(f1) | set(f2)}
    top = sorted(growth.items(), key=lambda kv: -kv[1])[:12]
    extra_rows = 20_000
    print(
        json.dumps(
            {
                "calls_small": c1,
                "calls_large": c2,
                "seconds_small": s1,
                "seconds_large": s2,
                "extra_rows": extra_rows,
                "calls_per_extra_row": (c2 - c1) / extra_rows,
                "package_calls_per_extra_row": sum(growth.values()) / extra_rows,
                "top_growth": [[k, v, round(v / extra_rows, 3)] for k, v in top],
            }
        )
    )


def measure_build(folder: Path, reps: int, timeout: float) -> dict:
    """``ngodong build`` from cold (fresh output folder, fresh process) and unchanged."""
    out_root = Path(tempfile.mkdtemp(prefix="ngodong-bench-"))
    cmd = ["-m", "ngodong_analysis", "build", "--raw", str(folder), "--quiet"]
    colds = []
    try:
        for i in range(reps):
            out = out_root / f"cold{i}"
            r = child([*cmd, "--out", str(out)], timeout=timeout)
            colds.append(r)
            if "error" in r or r["wall"] > 60:
                break
        ok = [r for r in colds if "error" not in r]
        cold = min(ok, key=lambda r: r["wall"]) if ok else colds[-1]
        cold["runs"] = len(colds)
        res = {"cold": cold}
        if ok:
            out = out_root / "cold0"
            warm = [child([*cmd, "--out", str(out)], timeout=timeout) for _ in range(max(reps, 3))]
            res["unchanged"] = min(warm, key=lambda r: r["wall"])
            res["unchanged"]["runs"] = len(warm)
            say("  fast path: load_dataset after the build")
            res["fastpath"] = best_of(
                1,  # repeats inside the task
                ["tasks.py", "fastpath", str(folder)],
                env={"NGODONG_PROCESSED": str(out)},
                budget=60,
                timeout=timeout,
            )
    finally:
        shutil.rmtree(out_root, ignore_errors=True)
    return res


def measure_size(size: str, quick: bool, nation_build: bool = False) -> dict:
    folder = generate.ensure(size)
    res: dict = {"info": json.loads((folder / generate.MARKER).read_text(encoding="utf-8"))}
    step = str(STEP_TIMEOUT[size])
    load_timeout = LOAD_TIMEOUT[size]
    trace = [] if quick else ["--tracemalloc"]
    if size == "nation":
        say("nation: pipeline with the plain-pandas tables (analysis and charts at scale)")
        res["direct"] = child(
            ["tasks.py", "pipeline", str(folder), "--direct", "--step-timeout", step],
            timeout=3 * 3600,
        )
        half = generate.ensure("nation_half")
        say("nation_half: pipeline with the plain-pandas tables")
        res["half_direct"] = child(
            ["tasks.py", "pipeline", str(half), "--direct", "--step-timeout", step],
            timeout=3 * 3600,
        )
        say(f"nation_half: the loader (timeout {load_timeout} s)")
        res["half_load"] = child(["tasks.py", "load", str(half)], timeout=load_timeout)
        if "error" in res["half_load"]:
            say("  the half did not load in time: the full nation is not loaded")
            res["pipeline"] = {
                "error": f"not run: half the nation did not load within {load_timeout} s"
            }
            return res
    say(f"{size}: pipeline (load, analyses, charts)")
    res["pipeline"] = child(
        ["tasks.py", "pipeline", str(folder), "--step-timeout", step, *trace],
        timeout=load_timeout + 40 * int(step) + 600,
    )
    load_step = (res["pipeline"].get("steps") or [{}])[0]
    if load_step.get("status") != "ok":
        say(
            f"  load did not finish ({load_step.get('status') or res['pipeline'].get('error')}):"
            " no build"
        )
        return res
    if size == "nation" and not nation_build:
        res["build"] = {"cold": {"error": "not run (pass --nation-build)"}}
        return res
    say(f"{size}: ngodong build, cold and unchanged")
    res["build"] = measure_build(
        folder, 1 if quick or size != "commune" else 3, timeout=BUILD_TIMEOUT[size]
    )
    return res


# --------------------------------------------------------------------------- report
def _s(x: float | None) -> str:
    if x is None:
        return "–"
    if x >= 100:
        return f"{x:,.0f} s"
    if x >= 10:
        return f"{x:.1f} s"
    if x >= 0.1:
        return f"{x:.2f} s"
    return f"{x * 1000:.1f} ms"


def _mib(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x / 1024:.2f} GiB" if x >= 1024 else f"{x:.0f} MiB"


def _sum_steps(pipe: dict, kinds: tuple[str, ...]) -> tuple[float, bool]:
    steps = [s for s in pipe.get("steps", []) if s["kind"] in kinds]
    return sum(s["seconds"] for s in steps), all(s["status"] == "ok" for s in steps)


def verdicts(r: dict) -> list[dict]:
    out = []

    def add(target, measured, ok, note=""):
        out.append(
            {
                "target": target,
                "measured": measured,
                "status": "n/a" if ok is None else ("met" if ok else "missed"),
                "note": note,
            }
        )

    m = r.get("members_200k")
    if m:
        lo, ca, op = (m[k].get("seconds") for k in ("loader", "calamine", "openpyxl"))
        if lo and ca:
            pairs = sorted(m.get("pair_ratios", []))
            spread = (
                f"; pair by pair {pairs[0]:.2f}–{pairs[len(pairs) // 2]:.2f}–{pairs[-1]:.2f}× "
                "(min–median–max)"
                if pairs
                else ""
            )
            add(
                "load_members(200k rows) ≤ 1.3 × read_excel(calamine)",
                f"{lo / ca:.2f}× ({_s(lo)} vs {_s(ca)}, best of {m['loader'].get('runs')} "
                f"alternating runs each{spread})",
                lo / ca <= 1.3,
            )
        else:
            add(
                "load_members(200k rows) ≤ 1.3 × read_excel(calamine)",
                m["loader"].get("error", "?"),
                None,
            )
        if lo and op:
            add(
                "load_members(200k rows) ≤ 0.3 × read_excel(openpyxl)",
                f"{lo / op:.2f}× ({_s(lo)} vs {_s(op)})",
                lo / op <= 0.3,
            )
    d = r.get("distinct")
    if d and "calls_per_extra_row" in d:
        cpr = d["calls_per_extra_row"]
        add(
            "normalisation/validation scale with distinct values, not rows",
            f"{max(cpr, 0.0):.1f} Python calls per extra row (same distinct values, 2× rows; "
            f"{_s(d['seconds_small'])} → {_s(d['seconds_large'])} under cProfile)",
            cpr < 1.0,
            "met when < 1 call per extra row",
        )
    for size in ("province", "commune"):
        b = (r.get("sizes", {}).get(size) or {}).get("build", {})
        pipe = (r.get("sizes", {}).get(size) or {}).get("pipeline", {})
        fpr = b.get("fastpath", {})
        fp, load_s = fpr.get("seconds"), fpr.get("reread_seconds")
        if fp and load_s:
            first = fpr["first_reread_seconds"] / fpr["first_seconds"]
            add(
                f"fast path ≥ 20× faster than re-reading the workbooks ({size})",
                f"{load_s / fp:.0f}× ({_s(load_s)} → {_s(fp)}, best of 6 in one process; "
                f"first calls {_s(fpr['first_reread_seconds'])} → {_s(fpr['first_seconds'])}, "
                f"{first:.0f}×)",
                load_s / fp >= 20,
            )
    n = r.get("sizes", {}).get("nation")
    if n:
        pipe = n.get("pipeline", {})
        steps = pipe.get("steps")
        if steps and steps[0]["status"] == "ok":
            total, ok = _sum_steps(pipe, ("load", "analysis", "chart"))
            peak = pipe.get("child_peak_mib")
            add(
                "nation: load + every analysis + every chart < 2 min",
                f"{_s(total)}" + ("" if ok else " (some steps timed out: a lower bound)"),
                ok and total < 120,
            )
            add("nation: peak memory < 6 GiB", _mib(peak), peak is not None and peak < 6144)
        else:
            half = n.get("half_load", {})
            why = half.get("error") or pipe.get("error") or "?"
            add(
                "nation: load + every analysis + every chart < 2 min",
                f"load did not finish: {why}",
                False,
            )
            direct = n.get("direct", {})
            if direct.get("steps"):
                ta, oka = _sum_steps(direct, ("analysis",))
                tc, okc = _sum_steps(direct, ("chart",))
                add(
                    "nation (tables built directly): every analysis + every chart < 2 min",
                    f"{_s(ta + tc)} (analysis {_s(ta)}, charts {_s(tc)})"
                    + ("" if oka and okc else "; some steps timed out: a lower bound"),
                    oka and okc and ta + tc < 120,
                    "partial target: excludes the loader",
                )
            add(
                "nation: peak memory < 6 GiB",
                f"half the nation reached {_mib(half.get('child_peak_mib'))} before the timeout"
                if half.get("child_peak_mib")
                else "–",
                None,
            )
        full, half = n.get("direct", {}), n.get("half_direct", {})
        cells = n.get("info", {}).get("cells")
        half_cells = n.get("info", {}).get("half_cells")
        data = cells / half_cells if cells and half_cells else 2
        if full.get("steps") and half.get("steps"):
            ok_half = {s["name"]: s for s in half["steps"] if s["status"] == "ok"}
            common = [
                s
                for s in full["steps"]
                if s["status"] == "ok"
                and s["name"] in ok_half
                and s["kind"] in ("analysis", "chart")
            ]
            dropped = sorted(
                {s["name"] for s in full["steps"] + half["steps"] if s["status"] != "ok"}
            )
            tf = sum(s["seconds"] for s in common)
            th = sum(ok_half[s["name"]]["seconds"] for s in common)
            add(
                "doubling the data ≤ 2.2× the time (analysis + charts, direct tables)",
                f"{tf / th:.2f}× for {data:.2f}× the cells ({_s(th)} → {_s(tf)})"
                + (f"; without {', '.join(dropped)} (timed out)" if dropped else ""),
                tf / th <= 2.2 and not dropped,
                "steps that timed out are not comparable" if dropped else "",
            )
            lf, lh = full["steps"][0]["seconds"], half["steps"][0]["seconds"]
            add(
                "doubling the data ≤ 2.2× the time (plain-pandas tables, baseline)",
                f"{lf / lh:.2f}× ({_s(lh)} → {_s(lf)})",
                None,
                "baseline, not a target",
            )
        if steps and steps[0]["status"] == "ok" and n.get("half_load", {}).get("seconds"):
            lf, lh = steps[0]["seconds"], n["half_load"]["seconds"]
            add(
                "doubling the data ≤ 2.2× the time (load_dataset)",
                f"{lf / lh:.2f}× for {data:.2f}× the cells ({_s(lh)} → {_s(lf)})",
                lf / lh <= 2.2,
            )
    imp = r.get("imports")
    if imp:
        diff = imp["difference"]
        add(
            "import ngodong_analysis ≤ import pandas + 0.3 s",
            f"{diff:+.2f} s ({_s(imp['ngodong_analysis']['seconds'])} vs "
            f"{_s(imp['pandas']['seconds'])}, best of {imp['pandas'].get('runs')})",
            diff <= 0.3,
        )
    c = (r.get("sizes", {}).get("commune") or {}).get("build")
    if c:
        add(
            "ngodong build on the sample from cold < 10 s",
            f"{_s(c['cold'].get('wall'))} (wall, fresh process and output folder)",
            "error" not in c["cold"] and c["cold"]["wall"] < 10,
        )
        if "unchanged" in c:
            add(
                "unchanged rebuild < 1.5 s",
                f"{_s(c['unchanged']['wall'])} (wall)",
                c["unchanged"]["wall"] < 1.5,
            )
    return out


def render(r: dict) -> str:
    mc = r["machine"]
    reruns = r.get("reruns")
    lines = [
        f"Run {mc['date']} at commit {mc['commit'] or '?'} with `{r['command']}`"
        + (f"; re-measured later: {', '.join(reruns)} (`--rerun`)." if reruns else "."),
        "",
        f"Machine: {mc['cpu']}, {mc['cores']} cores, {mc['ram']} RAM, {mc['os']}; Python "
        f"{mc['python']}; " + ", ".join(f"{k} {v}" for k, v in mc["libs"].items()) + ".",
        "",
    ]
    if r.get("probes"):
        lines += [
            "Machine speed while measuring (`tasks.py probe`: 10 million additions in plain "
            "Python, best of 3 fresh processes; this shared machine has slow spells in which "
            "everything, this loop included, takes up to 1.6 times as long, so compare "
            "absolute times of two runs only together with this figure): "
            + ", ".join(f"{p['seconds']:.2f} s at {p['at']}" for p in r["probes"])
            + ".",
            "",
        ]
    lines += [
        "### Targets",
        "",
        "| target | measured | status |",
        "|---|---|---|",
    ]
    for v in r["verdicts"]:
        note = f" — {v['note']}" if v["note"] else ""
        lines.append(f"| {v['target']} | {v['measured']}{note} | **{v['status']}** |")
    m = r.get("members_200k")
    if m:
        lines += [
            "",
            "### Baselines: one 200,000-row members workbook (15 columns, 10.7 MB)",
            "",
            "| step | time (best of runs) | peak memory |",
            "|---|---|---|",
        ]
        for k, label in (
            ("calamine", "pandas.read_excel(engine='calamine', sheet_name=None)"),
            ("openpyxl", "pandas.read_excel(engine='openpyxl', sheet_name=None)"),
            ("loader", "ngodong_analysis.load.load(path).dataset.members"),
        ):
            x = m[k]
            t = _s(x.get("seconds")) if "seconds" in x else x.get("error", "?")
            lines.append(
                f"| `{label}` | {t} ({x.get('runs')} run(s)) | {_mib(x.get('peak_mib'))} |"
            )
        if m.get("pair_ratios"):
            lines += [
                "",
                "The calamine baseline and the loader ran alternately, one fresh process each: "
                f"calamine {', '.join(_s(t) for t in m['calamine']['all_seconds'])}; loader "
                f"{', '.join(_s(t) for t in m['loader']['all_seconds'])}.",
            ]
    imp = r.get("imports")
    if imp:
        lines += [
            "",
            f"Imports (fresh interpreters, best of {imp['pandas'].get('runs')}): "
            f"`import pandas` {_s(imp['pandas']['seconds'])}, `import ngodong_analysis` "
            f"{_s(imp['ngodong_analysis']['seconds'])}.",
        ]
    d = r.get("distinct")
    if d and "top_growth" in d:
        lines += [
            "",
            "Per-row Python calls (cProfile, 20,000 → 40,000 rows, same 2,000 cells "
            f"and value ranges): {d['calls_small']:,} → {d['calls_large']:,} calls, "
            f"{max(d['calls_per_extra_row'], 0.0):.1f} per extra row. Package functions called "
            "per extra row:",
            "",
        ]
        for name, _extra, per in d["top_growth"][:8]:
            if per >= 0.05:
                lines.append(f"- `{name}`: {per:g}")
    for size, res in r.get("sizes", {}).items():
        info = res.get("info", {})
        lines += [
            "",
            f"### {size}",
            "",
            "Data: "
            + ", ".join(
                f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}"
                for k, v in info.items()
                if k not in ("version", "size")
            )
            + ".",
            "",
        ]
        rows = []
        for label, key in (
            ("loader", "pipeline"),
            ("direct (plain pandas tables)", "direct"),
            ("half, direct", "half_direct"),
        ):
            pipe = res.get(key)
            if not pipe:
                continue
            if not pipe.get("steps"):
                rows.append((f"{label}: not measured", pipe.get("error", "?"), "", ""))
                continue
            for s in pipe["steps"]:
                alloc = s.get("alloc_peak_mib")
                rows.append(
                    (
                        f"{label} · {s['kind']} · {s['name']}",
                        _s(s["seconds"])
                        if s["status"] == "ok"
                        else f"{s['status']} ({_s(s['seconds'])})",
                        _mib(s["peak_mib"]),
                        _mib(alloc) if alloc is not None else "",
                    )
                )
            rows.append(
                (
                    f"{label} · **total**",
                    _s(sum(s["seconds"] for s in pipe["steps"])),
                    _mib(pipe.get("tree_peak_mib") or pipe.get("child_peak_mib"))
                    + " (process tree)",
                    "",
                )
            )
        if res.get("half_load"):
            h = res["half_load"]
            rows.append(
                (
                    "half · load_dataset",
                    _s(h.get("seconds")) if "seconds" in h else h.get("error", "?"),
                    _mib(h.get("tree_peak_mib") or h.get("child_peak_mib")),
                    "",
                )
            )
        b = res.get("build")
        if b:
            for k, label in (
                ("cold", "ngodong build, cold (wall)"),
                ("unchanged", "ngodong build, unchanged (wall)"),
            ):
                if k in b:
                    x = b[k]
                    rows.append(
                        (
                            label,
                            _s(x["wall"]) if "error" not in x else x["error"],
                            _mib(x.get("tree_peak_mib") or x.get("child_peak_mib")),
                            "",
                        )
                    )
            if "fastpath" in b:
                x = b["fastpath"]
                for key, label in (
                    ("seconds", "load_dataset after the build (fast path), best of 6"),
                    ("reread_seconds", "load_dataset(use_processed=False) in the same process"),
                    ("first_seconds", "fast path, first call in a fresh process"),
                    ("first_reread_seconds", "re-reading, first call after that"),
                ):
                    rows.append(
                        (
                            label,
                            _s(x.get(key)) if key in x else x.get("error", "?"),
                            _mib(x.get("peak_mib")),
                            "",
                        )
                    )
        lines += [
            "| step | time | peak RSS so far (main process) | allocated (tracemalloc) |",
            "|---|---|---|---|",
        ]
        lines += [f"| {a} | {b_} | {c} | {d_} |" for a, b_, c, d_ in rows]
    return "\n".join(lines)


def write_readme(table: str) -> None:
    text = README.read_text(encoding="utf-8") if README.exists() else f"{START}\n{END}\n"
    if START not in text or END not in text:
        text += f"\n{START}\n{END}\n"
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    README.write_text(f"{head}{START}\n{table}\n{END}{tail}", encoding="utf-8")


def rerun(part: str, sizes: list[str], args) -> int:
    """Re-measure one part of some sizes in the last results (a step killed from outside,
    a package change to check) and rewrite the table."""
    r = json.loads((RESULTS / "latest.json").read_text(encoding="utf-8"))
    for size in sizes:
        folder = generate.ensure(size)
        step = str(STEP_TIMEOUT[size])
        res = r["sizes"].setdefault(size, {})
        say(f"{size}: re-measuring {part}")
        if part == "baselines":
            r["imports"] = measure_imports(5)
            r["members_200k"] = measure_members_200k(3)
            r["distinct"] = measure_distinct()
            commit = machine()["commit"]
            r.setdefault("reruns", []).append(
                f"baselines at {time.strftime('%H:%M')} (commit {commit})"
            )
            r.setdefault("probes", []).append(measure_probe())
            break
        if part == "size":
            r["sizes"][size] = measure_size(size, False, args.nation_build)
        elif part == "pipeline":
            res["pipeline"] = child(
                ["tasks.py", "pipeline", str(folder), "--step-timeout", step],
                timeout=LOAD_TIMEOUT[size] + 40 * int(step) + 600,
            )
        elif part in ("direct", "half_direct"):
            target = generate.ensure("nation_half") if part == "half_direct" else folder
            res[part] = child(
                ["tasks.py", "pipeline", str(target), "--direct", "--step-timeout", step],
                timeout=3 * 3600,
            )
        elif part == "half_load":
            res["half_load"] = child(
                ["tasks.py", "load", str(generate.ensure("nation_half"))],
                timeout=LOAD_TIMEOUT[size],
            )
        elif part == "build":
            res["build"] = measure_build(
                folder, 1 if size != "commune" else 3, timeout=BUILD_TIMEOUT[size]
            )
        r.setdefault("reruns", []).append(f"{size}:{part} at {time.strftime('%H:%M')}")
        r.setdefault("probes", []).append(measure_probe())
        (RESULTS / "latest.json").write_text(json.dumps(r, indent=1, ensure_ascii=False))
    return _publish(r, args)


def measure_probe() -> dict:
    """The machine's speed now (a fixed pure-Python loop, best of 3 fresh processes)."""
    best = best_of(3, ["tasks.py", "probe"], budget=30)
    return {"at": time.strftime("%H:%M"), "seconds": round(best["seconds"], 3)}


def _publish(r: dict, args: argparse.Namespace) -> int:
    """Judge the targets, save every number, print the table and put it in the README."""
    r["verdicts"] = verdicts(r)
    (RESULTS / "latest.json").write_text(json.dumps(r, indent=1, ensure_ascii=False))
    table = render(r)
    print(table)
    if not args.no_readme:
        write_readme(table)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--calls"]:
        _calls_task(argv[1], argv[2])
        return 0
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="commune,province,nation")
    ap.add_argument(
        "--quick",
        action="store_true",
        help="one run per step where the full run takes the best of several",
    )
    ap.add_argument("--no-readme", action="store_true", help="do not touch README.md")
    ap.add_argument("--skip-baselines", action="store_true")
    ap.add_argument(
        "--nation-build",
        action="store_true",
        help=f"also time ngodong build on the nation (up to {BUILD_TIMEOUT['nation']} s)",
    )
    ap.add_argument(
        "--rerun",
        default="",
        help="re-measure only PART of the sizes in results/latest.json and rewrite "
        "the table; PART is baselines, size (all of it), pipeline, "
        "half_load, direct, half_direct or build",
    )
    args = ap.parse_args(argv)
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    if args.rerun:
        return rerun(args.rerun, sizes, args)
    reps = 1 if args.quick else 3
    command = "python benchmarks/run.py" + (
        f" --sizes {args.sizes}" if args.sizes != "commune,province,nation" else ""
    )
    command += " --quick" if args.quick else ""
    r: dict = {"machine": machine(), "command": command, "sizes": {}}
    for size in sizes:
        generate.ensure(size)
    r["probes"] = [measure_probe()]
    if not args.skip_baselines:
        r["imports"] = measure_imports(5)
        r["members_200k"] = measure_members_200k(reps)
        r["distinct"] = measure_distinct()
    RESULTS.mkdir(exist_ok=True)
    for size in sizes:
        r["sizes"][size] = measure_size(size, args.quick, args.nation_build)
        (RESULTS / "latest.json").write_text(json.dumps(r, indent=1, ensure_ascii=False))
    r["probes"].append(measure_probe())
    return _publish(r, args)


if __name__ == "__main__":
    raise SystemExit(main())
