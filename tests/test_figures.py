"""save_figures: every chart as PNG and SVG, the last few drawn by a second process."""

from __future__ import annotations

import concurrent.futures

import pytest

from ngodong_analysis.outputs import figures
from ngodong_analysis.plots import ALL_PLOTS


def _files(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_a_second_process_draws_the_same_bytes(sample, tmp_path, monkeypatch):
    monkeypatch.setenv("NGODONG_WORKERS", "1")
    alone = figures.save_figures(sample, tmp_path / "alone")
    monkeypatch.delenv("NGODONG_WORKERS")
    monkeypatch.setattr(figures, "_helper_share", lambda ds, n: 4)
    said: list[str] = []
    helped = figures.save_figures(sample, tmp_path / "helped", progress=said.append)
    # the same files, in chart order, byte for byte
    assert [p.name for p in helped] == [p.name for p in alone]
    assert [p.name for p in alone][::2] == [f"{n}.png" for n in ALL_PLOTS]
    assert _files(tmp_path / "helped") == _files(tmp_path / "alone")
    last = list(ALL_PLOTS)[-4:]
    assert said[-4:] == [f"chart {n} (second process)" for n in last]


def test_charts_a_dead_helper_did_not_deliver_are_drawn_here(sample, tmp_path, monkeypatch):
    from ngodong_analysis import workers

    class DeadPool:
        def __init__(self, *args, **kwargs):
            pass

        def submit(self, *args, **kwargs):
            future = concurrent.futures.Future()
            future.set_exception(workers.WorkerFailed("the helper died"))
            return future

        def close(self):
            pass

    monkeypatch.setattr(workers, "Workers", DeadPool)
    monkeypatch.setattr(figures, "_helper_share", lambda ds, n: 3)
    said: list[str] = []
    written = figures.save_figures(sample, tmp_path / "f", progress=said.append)
    assert sorted(p.name for p in written) == sorted(
        f"{n}.{ext}" for n in ALL_PLOTS for ext in ("png", "svg")
    )
    assert all(p.stat().st_size > 1000 for p in written)
    assert said == [f"chart {n}" for n in ALL_PLOTS]  # all drawn in this process


@pytest.mark.parametrize(
    ("workers", "cpus", "max_rows", "charts", "expected"),
    [
        (None, 2, 10**9, 10, 4),
        ("1", 2, 10**9, 10, 0),  # the user asked for one process
        (None, 1, 10**9, 10, 0),  # one core
        (None, 2, 100, 10, 0),  # tables bigger than the limit: no second copy
        (None, 2, 10**9, 3, 0),  # too few charts to pay for a process
    ],
)
def test_when_a_second_process_helps(
    sample, monkeypatch, workers, cpus, max_rows, charts, expected
):
    if workers is None:
        monkeypatch.delenv("NGODONG_WORKERS", raising=False)
    else:
        monkeypatch.setenv("NGODONG_WORKERS", workers)
    monkeypatch.setattr("os.cpu_count", lambda: cpus)
    monkeypatch.setattr(figures, "_HELPER_MAX_ROWS", max_rows)
    assert figures._helper_share(sample, charts) == expected
