"""Loading in helper processes works from wherever the library is called: a plain script
without a main guard, a heredoc, ``python -c``, a thread; a helper that fails costs time,
never the result."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from helpers import write_xlsx
from pandas.testing import assert_frame_equal

import ngodong_analysis as nd
from ngodong_analysis import workers

HERE = Path(__file__).resolve().parent
YEARS = range(2008, 2020)


@pytest.fixture(scope="module")
def twelve(tmp_path_factory) -> Path:
    """A commune's folder of twelve yearly members workbooks, as an office keeps them: the
    same "Chi bộ Thôn N" names every year, a blank and a cell that joins late."""
    folder = tmp_path_factory.mktemp("xa_hai_dong")
    for i, year in enumerate(YEARS):
        rows = [["Chi bộ", "Tổng số đảng viên", "Nữ", "Kết nạp mới"]]
        for n in range(1, 6):
            rows.append([f"Chi bộ Thôn {n}", 20 + n + i % 3, 5 + n, "" if n == 3 else i % 2])
        if year >= 2015:
            rows.append(["Chi bộ Trường Mầm non", 9, 8, 0])
        write_xlsx(folder / f"dang_vien_{year}.xlsx", {f"Năm {year}": rows})
    return folder


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, NGODONG_WORKERS="2", **extra)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(HERE.parent), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    return env


# each way of running it imports the script (or its text) once; a helper that re-imported
# the caller's main module would add a line to runs.txt and, unguarded, load again
SCRIPT = """\
import ngodong_analysis as nd
from ngodong_analysis.load import _workers
with open(r"{runs}", "a") as f:
    f.write("run\\n")
ds = nd.load_dataset(r"{folder}")
print(_workers(12), len(ds.members), sorted(ds.members["year"].unique())[-1])
"""


def _check(out: subprocess.CompletedProcess, runs: Path) -> None:
    assert out.returncode == 0, out.stderr
    assert "bootstrapping" not in out.stderr and "BrokenProcessPool" not in out.stderr
    # two helpers were asked for, 12 × 5 + 5 rows read, and the script ran exactly once
    assert out.stdout.split() == ["2", "65", "2019"]
    assert runs.read_text().splitlines() == ["run"]


def test_a_plain_script_without_a_main_guard_loads_twelve_workbooks(twelve, tmp_path):
    runs = tmp_path / "runs.txt"
    script = tmp_path / "explore.py"
    script.write_text(SCRIPT.format(runs=runs, folder=twelve), encoding="utf-8")
    out = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=_env(), cwd=tmp_path
    )
    _check(out, runs)


def test_a_heredoc_loads_twelve_workbooks(twelve, tmp_path):
    runs = tmp_path / "runs.txt"
    out = subprocess.run(
        [sys.executable, "-"],
        input=SCRIPT.format(runs=runs, folder=twelve),
        capture_output=True,
        text=True,
        env=_env(),
        cwd=tmp_path,
    )
    _check(out, runs)


def test_python_dash_c_loads_twelve_workbooks(twelve, tmp_path):
    runs = tmp_path / "runs.txt"
    code = SCRIPT.format(runs=runs, folder=twelve)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=_env(), cwd=tmp_path
    )
    _check(out, runs)


def test_a_thread_loads_what_this_process_loads(twelve, monkeypatch):
    monkeypatch.setenv("NGODONG_WORKERS", "1")
    alone = nd.load_dataset(twelve)
    monkeypatch.setenv("NGODONG_WORKERS", "2")
    got: dict[str, nd.Dataset] = {}
    thread = threading.Thread(target=lambda: got.setdefault("ds", nd.load_dataset(twelve)))
    thread.start()
    thread.join(120)
    assert not thread.is_alive()
    assert len(alone.members) == 65
    for name, frame in alone.tables().items():
        assert_frame_equal(got["ds"].tables()[name], frame)
    assert got["ds"].problems == alone.problems


def test_when_no_helper_can_start_the_files_are_read_here(twelve, monkeypatch):
    monkeypatch.setenv("NGODONG_WORKERS", "1")
    alone = nd.load_dataset(twelve)
    monkeypatch.setenv("NGODONG_WORKERS", "2")
    monkeypatch.setattr(workers.sys, "executable", str(twelve / "no-such-python"))
    ds = nd.load_dataset(twelve)
    assert_frame_equal(ds.members, alone.members)


def _double_unless_in_a_helper(x: int) -> int:
    """Dies when run anywhere but the test's own process."""
    if os.getpid() != int(os.environ["TEST_PARENT_PID"]):
        os._exit(3)
    return 2 * x


def _double(x: int) -> int:
    return 2 * x


def _fails(x: int) -> int:
    raise ValueError(f"no good: {x}")


def test_a_helper_that_dies_mid_task_costs_time_not_results(monkeypatch):
    monkeypatch.setenv("TEST_PARENT_PID", str(os.getpid()))
    monkeypatch.setenv("PYTHONPATH", str(HERE))  # the helper imports this module by name
    assert workers.map_or_here(_double_unless_in_a_helper, [1, 2, 3, 4], 2) == [2, 4, 6, 8]


def test_helpers_return_results_in_order_and_reraise_the_function_s_error(monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(HERE))
    pids: list[int] = []
    with workers.Workers(2) as pool:
        assert [f.result() for f in [pool.submit(_double, i) for i in range(6)]] == [
            0,
            2,
            4,
            6,
            8,
            10,
        ]
        pids += [pool.submit(os.getpid).result() for _ in range(3)]
        with pytest.raises(ValueError, match="no good: 7"):
            pool.submit(_fails, 7).result()
    assert os.getpid() not in pids


def _state(pid: int) -> str | None:
    """The process's state letter from /proc ('Z' for a zombie), None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")
def test_a_helper_dies_with_its_killed_parent(tmp_path):
    import signal
    import time

    code = (
        "import sys, time\n"
        "from ngodong_analysis.workers import Workers\n"
        "pool = Workers(1)\n"
        "future = pool.submit(time.sleep, 60)\n"
        "while not pool._procs:\n"
        "    time.sleep(0.01)\n"
        # killed at once: the helper is still importing, before it could see its parent
        "print(pool._procs[0].pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=_env()
    )
    try:
        helper = int(parent.stdout.readline())
        assert _state(helper) not in (None, "Z")  # the helper has started
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 10
        while _state(helper) not in (None, "Z") and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _state(helper) in (None, "Z"), "the helper outlived its killed parent"
    finally:
        parent.kill()
