"""Profile the steps behind the missed targets; reports go to ``benchmarks/results/profiles/``.

    python benchmarks/profile_targets.py [--only NAME,…]

Each case runs in one process (``NGODONG_WORKERS=1``) under pyinstrument (``pip install
pyinstrument``, benchmark-only) in a fresh interpreter, or cProfile when pyinstrument is
missing, and writes a text call tree (``NAME.txt``; for cProfile the top functions).

Cases
-----
members_200k   ngodong_analysis.load.load on the 200,000-row members workbook
loader_40k     ngodong_analysis.load.load on a 40,000-row members workbook (per-row work)
nation8_load   ngodong_analysis.load.load on the first 8 provinces of the nation (1/8 of it)
reconcile_province  analysis.reconcile on the province (tables built directly with pandas)
province_20    nd.load_dataset on 20 of the province's 200 commune workbooks (per-file work)
build_sample   ngodong build on the shipped sample, cold
charts_nation  every chart of the nation dataset (tables built directly with pandas)
analysis_nation every analysis function on the nation dataset (tables built directly)
import         python -X importtime -c "import ngodong_analysis" (top 25 by cumulative time)
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

OUT = HERE / "results" / "profiles"
# one process, so the profile sees the reading work the loader otherwise spreads over workers
ENV = {**os.environ, "NGODONG_WORKERS": "1"}

CASE_CODE = {
    "loader_40k": "from ngodong_analysis.load import load; load({path!r})",
    "members_200k": "from ngodong_analysis.load import load; load({path!r})",
    "nation8_load": "from ngodong_analysis.load import load; load({path!r})",
    "reconcile_province": (
        "import sys; sys.path.insert(0, {here!r}); import tasks\n"
        "from ngodong_analysis import analysis as A\n"
        "ds = tasks.direct_dataset({path!r})\n"
        "A.reconcile(ds)\n"
    ),
    "province_20": "import ngodong_analysis as nd; nd.load_dataset({path!r}, use_processed=False)",
    "charts_nation": (
        "import sys; sys.path.insert(0, {here!r}); import tasks, matplotlib; "
        "matplotlib.use('Agg'); import matplotlib.pyplot as plt; "
        "from ngodong_analysis.plots import ALL_PLOTS; import signal\n"
        "ds = tasks.direct_dataset({path!r})\n"
        "def draw(spec):\n"
        "    fig, ax = plt.subplots(figsize=(8, 4.8), layout='constrained')\n"
        "    spec.draw(ds, ax=ax)\n"
        "    fig.canvas.draw()\n"
        "    plt.close(fig)\n"
        "signal.signal(signal.SIGALRM, lambda *a: (_ for _ in ()).throw(TimeoutError()))\n"
        "for name, spec in ALL_PLOTS.items():\n"
        "    signal.alarm(120)\n"
        "    try:\n"
        "        draw(spec)\n"
        "    except TimeoutError:\n"
        "        print('timeout', name)\n"
        "    signal.alarm(0)\n"
    ),
    "analysis_nation": (
        "import sys; sys.path.insert(0, {here!r}); import tasks\n"
        "ds = tasks.direct_dataset({path!r})\n"
        "for name, fn in tasks.analyses().items():\n"
        "    fn(ds)\n"
    ),
}


def _links(src: Path, name: str, pattern: str, count: int) -> str:
    """A folder of links to the first ``count`` entries of ``src`` (a smaller dataset)."""
    sub = Path(tempfile.gettempdir()) / f"ngodong-bench-{name}"
    if not sub.exists():
        sub.mkdir()
        for entry in sorted(src.glob(pattern))[:count]:
            if entry.is_dir():
                (sub / entry.name).mkdir()
                for f in sorted(entry.iterdir()):
                    (sub / entry.name / f.name).symlink_to(f)
            else:
                (sub / entry.name).symlink_to(entry)
    return str(sub)


def _path(case: str) -> str:
    if case == "loader_40k":
        return str(generate.ensure("distinct") / "members_40k.xlsx")
    if case == "members_200k":
        return str(generate.ensure("members_200k") / "members_200k.xlsx")
    if case == "nation8_load":
        return _links(generate.ensure("nation"), "nation8", "[0-9]*", 8)
    if case == "reconcile_province":
        return str(generate.ensure("province"))
    if case == "province_20":
        return _links(generate.ensure("province"), "province20", "*.xlsx", 20)
    return str(generate.ensure("nation"))


def _pyinstrument() -> bool:
    try:
        import pyinstrument  # noqa: F401

        return True
    except ImportError:
        return False


def run_case(case: str) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    report = OUT / f"{case}.txt"
    if case == "import":
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", "import ngodong_analysis"],
            capture_output=True,
            text=True,
        )
        rows = [line for line in proc.stderr.splitlines() if line.startswith("import time:")]
        rows = sorted(rows[1:], key=lambda s: -int(s.split("|")[1]))
        report.write_text("\n".join(rows[:25]) + "\n", encoding="utf-8")
        return report
    if case == "build_sample":
        out = Path(tempfile.mkdtemp(prefix="ngodong-prof-"))
        raw = generate.ensure("commune")
        target = [
            "-m",
            "ngodong_analysis",
            "build",
            "--raw",
            str(raw),
            "--out",
            str(out / "o"),
            "--quiet",
        ]
        try:
            _profile(target, report, module=True)
        finally:
            shutil.rmtree(out, ignore_errors=True)
        return report
    code = CASE_CODE[case].format(path=_path(case), here=str(HERE))
    # "; " separates statements on one line of the top level only (not inside a def)
    body = "".join(f"    {line}\n" for line in code.replace("; ", "\n").splitlines())
    # the case inside main(): the call tree then has one root per case
    script = OUT / f"_{case}.py"
    script.write_text(
        f"def main():\n{body}\n\nif __name__ == '__main__':\n    main()\n", encoding="utf-8"
    )
    try:
        _profile([str(script)], report)
    finally:
        script.unlink(missing_ok=True)
    return report


def _profile(target: list[str], report: Path, *, module: bool = False) -> None:
    if _pyinstrument():
        cmd = [
            sys.executable,
            "-m",
            "pyinstrument",
            "-r",
            "text",
            "--show",
            "*ngodong_analysis*",
            "-o",
            str(report),
        ]
        cmd += ["-m", target[1], *target[2:]] if module else target
        subprocess.run(cmd, check=False, env=ENV)
    else:  # pragma: no cover
        prof = report.with_suffix(".prof")
        cmd = [sys.executable, "-m", "cProfile", "-o", str(prof)]
        cmd += target
        subprocess.run(cmd, check=False, env=ENV)
        import pstats

        with open(report, "w", encoding="utf-8") as fh:
            pstats.Stats(str(prof), stream=fh).sort_stats("cumtime").print_stats(60)


CASES = (
    "members_200k",
    "loader_40k",
    "province_20",
    "nation8_load",
    "reconcile_province",
    "build_sample",
    "import",
    "analysis_nation",
    "charts_nation",
)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default=",".join(CASES))
    args = ap.parse_args(argv)
    for case in args.only.split(","):
        print(f"profiling {case} …", file=sys.stderr, flush=True)
        print(run_case(case.strip()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
