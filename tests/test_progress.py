"""Progress of long loads and builds: a live bar where someone watches (a terminal, Jupyter),
a few plain lines with counts and time left in a log, nothing when switched off; always on
stderr, so the command line's stdout stays the problems list."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from helpers import write_xlsx

import ngodong_analysis as nd
from ngodong_analysis import progress
from ngodong_analysis.cli import main
from ngodong_analysis.load import load

ROOT = Path(__file__).resolve().parents[1]
FILES = 30
# a plain progress line: "reading 12/30 files, 3.1 s, ~47 s left" ("… left" not on the last)
LINE = re.compile(r"^reading (\d+)/30 files, \d+(\.\d)? s(, ~.+ left)?$")


@pytest.fixture(scope="module")
def thirty(tmp_path_factory) -> Path:
    """A district board's folder of thirty small members workbooks, one per year."""
    folder = tmp_path_factory.mktemp("thirty")
    for i, year in enumerate(range(1996, 1996 + FILES)):
        rows = [["Chi bộ", "Tổng số đảng viên", "Nữ"]]
        rows += [[f"Chi bộ Thôn {n}", 20 + n + i % 3, 5 + n] for n in range(1, 4)]
        write_xlsx(folder / f"dang_vien_{year}.xlsx", {f"Năm {year}": rows})
    return folder


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, **extra)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    env.pop("CI", None)
    return env


def _plain_lines(err: str) -> list[str]:
    lines = err.splitlines()
    assert lines and all(LINE.match(x) for x in lines), err
    return lines


# -- plain lines where nobody watches ------------------------------------------------------


@pytest.mark.parametrize("workers", ["1", "2"], ids=["here", "helpers"])
def test_a_log_gets_a_line_per_tenth_with_counts_and_time_left(
    thirty, monkeypatch, capsys, workers
):
    monkeypatch.setenv("NGODONG_WORKERS", workers)
    monkeypatch.setattr(progress, "LINE_GAP", 0.0)  # the files are read faster than 1 s apart
    result = load(thirty, progress=True)
    out, err = capsys.readouterr()
    assert len(result.dataset.members) == 3 * FILES and not result.errors
    assert out == ""  # stdout is the caller's
    lines = _plain_lines(err)
    # every third file is a tenth of thirty; the last line is the end, without a time left
    counts = [int(LINE.match(x).group(1)) for x in lines]
    assert counts == [3, 6, 9, 12, 15, 18, 21, 24, 27, 30]
    assert all(x.endswith(" left") for x in lines[:-1]) and "left" not in lines[-1]
    assert "\r" not in err


def test_ten_thousand_steps_give_ten_lines_not_ten_thousand(monkeypatch, capsys):
    monkeypatch.setattr(progress, "LINE_GAP", 0.0)
    with progress.Meter(10_000, what="files", doing="reading", show=True) as meter:
        for _ in range(10_000):
            meter.update()
    lines = capsys.readouterr().err.splitlines()
    assert [x.split(",")[0] for x in lines] == [
        f"reading {n}/10000 files" for n in range(1000, 10_001, 1000)
    ]


def test_a_slow_job_says_how_far_it_is_every_ten_seconds_and_what_is_left(monkeypatch, capsys):
    now = [0.0]
    monkeypatch.setattr(progress.time, "perf_counter", lambda: now[0])
    with progress.Meter(200, what="files", doing="reading", show=True) as meter:
        for _ in range(25):
            now[0] += 1.0  # one second per file: 200 files take 200 s
            meter.update()
        err = capsys.readouterr().err.splitlines()
    # 10 s for 10 files: 190 files left take 190 s; then 20 files at 20 s, 180 s left;
    # the first tenth (20 files) falls on the 20 s line, not on a line of its own
    assert err == [
        "reading 10/200 files, 10 s, ~3 min 10 s left",
        "reading 20/200 files, 20 s, ~3 min 00 s left",
    ]


def test_the_default_shows_a_bar_for_many_files_where_someone_watches(
    thirty, sample_dir, monkeypatch, capsys
):
    monkeypatch.setenv("NGODONG_WORKERS", "1")
    monkeypatch.setattr(progress, "interactive", lambda stream=None: True)
    nd.load_dataset(thirty, use_processed=False)
    err = capsys.readouterr().err
    assert "\r" in err and "30/30 [" in err  # tqdm's bar, redrawn in place
    # the sample's four files are read in silence: a bar would only flicker
    nd.load_dataset(sample_dir, use_processed=False)
    assert capsys.readouterr() == ("", "")


def test_the_default_prints_nothing_in_a_log(thirty, monkeypatch, capfd):
    monkeypatch.setenv("NGODONG_WORKERS", "1")
    monkeypatch.setattr(progress, "LINE_GAP", 0.0)
    nd.load_dataset(thirty, use_processed=False)
    assert capfd.readouterr() == ("", "")


def test_progress_false_prints_nothing_even_on_a_terminal(thirty, monkeypatch, capfd):
    monkeypatch.setenv("NGODONG_WORKERS", "2")  # the helpers' output is checked too (capfd)
    monkeypatch.setattr(progress, "interactive", lambda stream=None: True)
    problems = nd.validate(thirty, progress=False)
    assert not [p for p in problems if p.is_error]
    assert capfd.readouterr() == ("", "")


def test_a_load_in_a_thread_counts_its_files(thirty, monkeypatch, capsys):
    monkeypatch.setenv("NGODONG_WORKERS", "2")
    got: dict[str, nd.Dataset] = {}
    thread = threading.Thread(
        target=lambda: got.setdefault("ds", nd.load_dataset(thirty, progress=True))
    )
    thread.start()
    thread.join(120)
    assert not thread.is_alive() and len(got["ds"].members) == 3 * FILES
    assert _plain_lines(capsys.readouterr().err)[-1].startswith("reading 30/30 files, ")


# -- the command line: a log, a terminal, --quiet ------------------------------------------


def test_validate_in_a_log_prints_plain_lines_on_stderr_and_only_problems_on_stdout(thirty):
    out = subprocess.run(
        [sys.executable, "-m", "ngodong_analysis", "validate", str(thirty)],
        capture_output=True,
        text=True,
        env=_env(NGODONG_WORKERS="2"),
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout == "Không phát hiện vấn đề nào.\n"  # the default language
    assert _plain_lines(out.stderr)[-1].startswith("reading 30/30 files, ")
    assert "\r" not in out.stderr


def _on_a_terminal(*args: str) -> tuple[subprocess.CompletedProcess, str]:
    """Run the CLI with its stderr on a pseudo-terminal (stdout a pipe, as when piped to a
    file from a terminal); returns the process and what the terminal showed."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ngodong_analysis", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=follower,
        env=_env(NGODONG_WORKERS="2"),
    )
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: every end of the terminal is closed, the CLI has exited
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    stdout, _ = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout.decode()), shown.decode()


def test_validate_on_a_terminal_shows_a_live_bar(thirty):
    proc, shown = _on_a_terminal("validate", str(thirty))
    assert proc.returncode == 0, shown
    assert proc.stdout == "Không phát hiện vấn đề nào.\n"
    # tqdm redraws one line with carriage returns: a bar of blocks, the count, time left
    assert shown.count("\r") >= 2
    assert "reading: 100%" in shown and "█" in shown and "30/30 [" in shown
    assert re.search(r"\d+/30 \[\d\d:\d\d<\d\d:\d\d", shown)  # elapsed<left
    assert not LINE.search(shown)  # no plain lines beside the bar


def test_validate_quiet_on_a_terminal_shows_nothing(thirty):
    proc, shown = _on_a_terminal("validate", "--quiet", str(thirty))
    assert proc.returncode == 0, shown
    assert proc.stdout == "Không phát hiện vấn đề nào.\n"
    assert shown == ""


def test_build_in_a_log_counts_the_files_read_and_the_charts_drawn(
    thirty, tmp_path, monkeypatch, capsys
):
    from ngodong_analysis.plots import ALL_PLOTS

    monkeypatch.setenv("NGODONG_WORKERS", "1")
    monkeypatch.setattr(progress, "LINE_GAP", 0.0)
    assert main(["build", "--raw", str(thirty), "--out", str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err.splitlines()
    charts = len(ALL_PLOTS)
    assert "reading 30/30 files" in [x.split(",")[0] for x in err]
    assert f"drawing {charts}/{charts} charts" in [x.split(",")[0] for x in err]
    assert any(re.match(rf"drawing \d+/{charts} charts, .+ left$", x) for x in err)
    assert not [x for x in err if x.startswith("· chart ")]  # the count replaces them
    assert "· writing charts" in err  # the steps are still told


def test_build_quiet_prints_nothing_on_stderr(thirty, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NGODONG_WORKERS", "1")
    monkeypatch.setattr(progress, "LINE_GAP", 0.0)
    assert main(["build", "-q", "--raw", str(thirty), "--out", str(tmp_path / "out")]) == 0
    out, err = capsys.readouterr()
    assert err == "" and out.startswith("Built ")


# -- Jupyter -------------------------------------------------------------------------------


@pytest.mark.slow
def test_in_jupyter_the_default_shows_a_widget_bar_for_many_files(thirty, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("PYTHONPATH", _env()["PYTHONPATH"])
    monkeypatch.setenv("NGODONG_WORKERS", "1")
    nb = nbformat.v4.new_notebook()
    nb.cells.append(
        nbformat.v4.new_code_cell(
            "import ngodong_analysis as nd\n"
            f"ds = nd.load_dataset({str(thirty)!r}, use_processed=False)\n"
            "len(ds.members)"
        )
    )
    NotebookClient(nb, kernel_name="python3", timeout=120).execute()
    outputs = nb.cells[0].outputs
    widgets = [
        o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})
    ]
    assert widgets, outputs  # tqdm.notebook's bar, not text on stderr
    assert not [o for o in outputs if o.get("name") == "stderr"], outputs
    assert outputs[-1]["data"]["text/plain"] == str(3 * FILES)
