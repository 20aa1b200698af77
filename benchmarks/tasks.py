"""Measured steps, each run by ``run.py`` in a fresh interpreter: ``python tasks.py TASK ARGS``.

Every task prints one JSON object on its last stdout line: the seconds of the measured
call (timed inside the process, so interpreter start-up and imports are excluded unless the
task is about them) and the process's peak resident memory (``ru_maxrss``) in MiB.

Tasks
-----
import MODULE                    seconds to import MODULE (pandas, ngodong_analysis)
read_excel PATH ENGINE           bare pandas.read_excel(PATH, engine=ENGINE, sheet_name=None)
loader PATH                      ngodong_analysis.load.load(PATH).dataset.members
load FOLDER                      nd.load_dataset(FOLDER, use_processed=False)
fastpath FOLDER                  nd.load_dataset(FOLDER) after a build (NGODONG_PROCESSED set)
pipeline FOLDER [--direct] [--step-timeout S] [--tracemalloc]
                                 load, then every analysis function, then every chart (drawn
                                 on an Agg canvas, not saved), each step timed, with the peak
                                 memory so far; --direct builds the tidy tables with plain
                                 pandas instead of the loader (to measure analysis and charts
                                 when the loader is too slow), also reported as a baseline
direct FOLDER                    only the plain-pandas tables (the "direct" baseline)
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sys
import time
from pathlib import Path


def run_child(code: str, *args: object, workers: int | None = 1, root: Path | None = None) -> dict:
    """Run ``code`` (which prints one JSON line last) in a fresh interpreter with this
    checkout (or ``root``) first on the path and ``workers`` loader helpers; its last
    line, parsed."""
    import subprocess

    root = root or Path(__file__).resolve().parent.parent
    env = dict(os.environ, PYTHONPATH=str(root))
    if workers is not None:  # None: the loader's own choice
        env["NGODONG_WORKERS"] = str(workers)
    out = subprocess.run(
        [sys.executable, "-c", code, *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_mib() -> float:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:  # pragma: no cover
        return float("nan")


def emit(obj: dict) -> None:
    obj.setdefault("peak_mib", round(rss_mib(), 1))
    print(json.dumps(obj, ensure_ascii=False), flush=True)


class StepTimeout(Exception):
    pass


def _alarm(signum, frame):  # noqa: ARG001
    raise StepTimeout


# --------------------------------------------------------------------------- simple tasks
def t_import(module: str) -> None:
    t0 = time.perf_counter()
    __import__(module)
    emit({"seconds": time.perf_counter() - t0})


def probe_seconds() -> float:
    """How fast this machine runs plain Python right now: a fixed loop of 10 million
    additions. Shared machines have slow spells; absolute times (the build, the nation)
    are to be read against this figure."""
    t0 = time.perf_counter()
    total = 0
    for i in range(10_000_000):
        total += i
    return time.perf_counter() - t0


def t_probe() -> None:
    emit({"seconds": probe_seconds()})


def t_read_excel(path: str, engine: str) -> None:
    import pandas as pd

    t0 = time.perf_counter()
    frames = pd.read_excel(path, engine=engine, sheet_name=None)
    emit({"seconds": time.perf_counter() - t0, "rows": sum(len(f) for f in frames.values())})


def t_loader(path: str) -> None:
    from ngodong_analysis.load import load

    t0 = time.perf_counter()
    result = load(path)
    members = result.dataset.members
    emit(
        {
            "seconds": time.perf_counter() - t0,
            "rows": len(members),
            "member_ratings": len(result.dataset.member_ratings),
            "problems": len(result.problems),
        }
    )


def t_load(folder: str) -> None:
    import ngodong_analysis as nd

    t0 = time.perf_counter()
    ds = nd.load_dataset(folder, use_processed=False)
    emit({"seconds": time.perf_counter() - t0, "rows": _rows(ds)})


def t_fastpath(folder: str) -> None:
    """The fast path against re-reading, in one process: first calls (each with its own lazy
    imports: calamine for the workbooks, the Parquet reader for the fast path), then the
    best of five further calls, alternating, as a notebook re-running its cells would (not
    repeated when re-reading takes seconds: then the first calls are the figures)."""
    import ngodong_analysis as nd
    from ngodong_analysis.outputs.manifest import read_manifest

    if not read_manifest(Path(os.environ["NGODONG_PROCESSED"])):
        emit({"error": "no build in NGODONG_PROCESSED: the fast path would not apply"})
        return

    def timed(use_processed: bool) -> float:
        t0 = time.perf_counter()
        nd.load_dataset(folder, use_processed=use_processed)
        return time.perf_counter() - t0

    first_fast = timed(True)
    first_read = timed(False)
    fast, read = [first_fast], [first_read]
    for _ in range(5 if first_read < 2 else 0):  # big folders: the first calls are enough
        fast.append(timed(True))
        read.append(timed(False))
    from ngodong_analysis.outputs.store import from_processed

    if from_processed(Path(folder).resolve()) is None:
        emit({"error": "the build is not current: the fast path did not apply"})
        return
    emit(
        {
            "seconds": min(fast),
            "reread_seconds": min(read),
            "first_seconds": first_fast,
            "first_reread_seconds": first_read,
        }
    )


def _rows(ds) -> dict:
    return {name: len(df) for name, df in ds.tables().items()}


# --------------------------------------------------------------------------- the direct baseline
def direct_dataset(folder: str):
    """The contract tables built with plain, vectorised pandas from the generated files.

    Only valid for the layouts ``generate.py`` writes (long sheets, known headers, clean
    data); it is a lower bound for what the loader could cost and a way to time the analysis
    and charts when the loader is too slow.
    """
    import numpy as np
    import pandas as pd

    import ngodong_analysis as nd
    from ngodong_analysis.ingest.detect import match_header
    from ngodong_analysis.ingest.normalise import infer_kind, match_label
    from ngodong_analysis.schema import MEMBER_RATING_CODES
    from ngodong_analysis.text import make_id
    from ngodong_analysis.vocab import crosswalk, scale_for_year

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from generate import INCOME_HEADERS, MEMBER_HEADERS, RATING_HEADERS

    members, ratings, income = [], [], []
    for f in sorted(Path(folder).rglob("*")):
        if f.suffix == ".csv":
            frames = [pd.read_csv(f, encoding="utf-8-sig")]
        elif f.suffix == ".xlsx":
            frames = list(pd.read_excel(f, sheet_name=None, engine="calamine", header=3).values())
        else:
            continue
        for df in frames:
            cols = list(df.columns)
            if cols == MEMBER_HEADERS:
                members.append(df)
            elif cols == RATING_HEADERS:
                ratings.append(df)
            elif cols == INCOME_HEADERS:
                income.append(df)

    def ids(names: pd.Series) -> pd.Series:
        cat = names.astype("category")
        return pd.Series(
            pd.Categorical.from_codes(
                cat.cat.codes, [make_id(n) for n in cat.cat.categories]
            ).astype(str),
            index=names.index,
        )

    m = pd.concat(members, ignore_index=True)
    # each header's field as the loader reads it; the member-rating columns keep their codes
    fields = {h: match_header(h)[0] for h in MEMBER_HEADERS}
    mem_cols = {h: f for h, f in fields.items() if f and not f.startswith("mr:")}
    mt = m.rename(columns=mem_cols)
    mt["cell_id"] = ids(mt["cell"])
    codes = list(MEMBER_RATING_CODES)
    mr = mt.melt(
        id_vars=["year", "cell_id", "cell"],
        value_vars=codes,
        var_name="rating",
        value_name="count",
    )
    mr["rank"] = mr["rating"].map({c: i for i, c in enumerate(codes, 1)})
    mt = mt.drop(columns=codes)

    r = pd.concat(ratings, ignore_index=True).rename(
        columns={"Năm": "year", "Tên chi bộ": "cell", "Xếp loại": "label"}
    )
    r["cell_id"] = ids(r["cell"])
    combos = r[["label", "year"]].drop_duplicates()
    combos["rating"] = [match_label(t, "organisation").code for t in combos["label"]]
    combos["scale"] = combos["year"].map(scale_for_year)
    cw = crosswalk()
    combos["rank"] = [
        cw[(s, "organisation", c)][0]
        for s, c in zip(combos["scale"], combos["rating"], strict=True)
    ]
    combos["tier"] = [
        cw[(s, "organisation", c)][1]
        for s, c in zip(combos["scale"], combos["rating"], strict=True)
    ]
    cr = r.merge(combos, on=["label", "year"], how="left").drop(columns="label")

    inc = pd.concat(income, ignore_index=True)
    inc.columns = [
        "year",
        "area",
        "households",
        "population",
        "income_per_capita",
        "poor_households",
        "near_poor_households",
    ]
    inc["area_id"] = ids(inc["area"])

    seen = pd.concat([cr[["cell_id", "cell", "year"]], mt[["cell_id", "cell", "year"]]])
    cells = seen.groupby("cell_id").agg(cell=("cell", "first"), first_year=("year", "min"))
    cells = cells.reset_index()
    kinds = {n: infer_kind(n) for n in cells["cell"].unique()}
    cells["kind"] = cells["cell"].map(kinds)
    cells["area_id"] = np.where(cells["kind"] == "residential", cells["cell_id"], None)
    return nd.Dataset(cells=cells, cell_ratings=cr, members=mt, member_ratings=mr, income=inc)


def t_direct(folder: str) -> None:
    t0 = time.perf_counter()
    ds = direct_dataset(folder)
    emit({"seconds": time.perf_counter() - t0, "rows": _rows(ds)})


# --------------------------------------------------------------------------- the pipeline
def analyses():
    """Every analysis function of the package, with the arguments a notebook would pass."""
    from ngodong_analysis import analysis as A

    return {
        "rating_mix(by=rank)": lambda ds: A.rating_mix(ds.cell_ratings, by="rank"),
        "rating_mix(by=tier)": lambda ds: A.rating_mix(ds.cell_ratings, by="tier"),
        "top_streaks": lambda ds: A.top_streaks(ds.cell_ratings),
        "rating_transitions(by=tier)": lambda ds: A.rating_transitions(ds.cell_ratings, by="tier"),
        "membership_totals": lambda ds: A.membership_totals(ds.members),
        "member_flows": lambda ds: A.member_flows(ds.members),
        "flow_discrepancies": lambda ds: A.flow_discrepancies(ds.members),
        "member_rating_shares(rated)": lambda ds: A.member_rating_shares(ds.member_ratings),
        "member_rating_shares(members)": lambda ds: A.member_rating_shares(
            ds.member_ratings, ds.members, denominator="members"
        ),
        "well_or_above_share": lambda ds: A.well_or_above_share(ds.member_ratings),
        "quota_check": lambda ds: A.quota_check(ds.member_ratings),
        "income_growth": lambda ds: A.income_growth(ds.income),
        "income_cagr": lambda ds: A.income_cagr(ds.income),
        "poverty": lambda ds: A.poverty(ds.income),
        "poverty_breaks": lambda ds: A.poverty_breaks(ds.years),
        "income_vs_rating": lambda ds: A.income_vs_rating(ds.income, ds.cell_ratings, ds.cells),
        "yearly_summary": lambda ds: A.yearly_summary(ds),
        "reconcile": lambda ds: A.reconcile(ds),
        "article_figures": lambda ds: A.article_figures(),
    }


def uncovered_analyses() -> list[str]:
    from ngodong_analysis import analysis as A

    covered = {name.split("(")[0] for name in analyses()}
    return [n for n in A.__all__ if n not in covered and callable(getattr(A, n))]


def _step(steps: list, kind: str, name: str, fn, timeout: int, *, trace: bool = False):
    """Run ``fn`` with a timeout; record seconds, peak memory so far and current memory."""
    before = current_mib()
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(timeout)
    t0 = time.perf_counter()
    out = None
    status = "ok"
    try:
        out = fn()
    except StepTimeout:
        status = "timeout"
    except Exception as exc:  # noqa: BLE001 - a failing step is reported, not fatal
        status = f"error: {type(exc).__name__}: {str(exc)[:200]}"
    finally:
        signal.alarm(0)
    seconds = time.perf_counter() - t0
    rec = {
        "kind": kind,
        "name": name,
        "status": status,
        "seconds": round(seconds, 4),
        "peak_mib": round(rss_mib(), 1),
        "delta_mib": round(current_mib() - before, 1),
    }
    if trace and status == "ok" and seconds < 60:
        import tracemalloc

        tracemalloc.start()
        try:
            fn()
        except Exception:  # noqa: BLE001
            pass
        rec["alloc_peak_mib"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
        tracemalloc.stop()
    steps.append(rec)
    print(json.dumps({"step": rec}, ensure_ascii=False), file=sys.stderr, flush=True)
    return out, status


def t_pipeline(folder: str, *opts: str) -> None:
    direct = "--direct" in opts
    trace = "--tracemalloc" in opts
    timeout = 600
    if "--step-timeout" in opts:
        timeout = int(opts[opts.index("--step-timeout") + 1])
    steps: list[dict] = []
    t_start = time.perf_counter()
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    import ngodong_analysis as nd
    from ngodong_analysis.plots import ALL_PLOTS

    if direct:
        ds, status = _step(
            steps, "load", "direct (plain pandas)", lambda: direct_dataset(folder), timeout
        )
    else:
        ds, status = _step(
            steps,
            "load",
            "load_dataset",
            lambda: nd.load_dataset(folder, use_processed=False),
            timeout,
        )
    if ds is None:
        emit({"steps": steps, "error": status})
        return
    rows = _rows(ds)
    for name, fn in analyses().items():
        _step(steps, "analysis", name, lambda fn=fn: fn(ds), timeout, trace=trace)

    def chart(spec):
        fig, ax = plt.subplots(figsize=(8.0, 4.8), layout="constrained")
        try:
            spec.draw(ds, ax=ax)
            fig.canvas.draw()  # render: the cost the build pays before encoding PNG/SVG
        finally:
            plt.close(fig)

    for name, spec in ALL_PLOTS.items():
        _step(steps, "chart", name, lambda spec=spec: chart(spec), timeout)
    emit(
        {
            "steps": steps,
            "rows": rows,
            "wall": round(time.perf_counter() - t_start, 2),
            "uncovered": uncovered_analyses(),
        }
    )


TASKS = {
    "probe": t_probe,
    "import": t_import,
    "read_excel": t_read_excel,
    "loader": t_loader,
    "load": t_load,
    "fastpath": t_fastpath,
    "pipeline": t_pipeline,
    "direct": t_direct,
}

if __name__ == "__main__":
    TASKS[sys.argv[1]](*sys.argv[2:])
