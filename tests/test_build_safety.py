"""A build killed at any moment leaves the previous or the new outputs whole; two builds at
once do not interleave."""

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from ngodong_analysis.build import BuildLocked, lock
from ngodong_analysis.cli import main


def complete_set(out):
    """(fingerprint) if ``out`` holds exactly one whole build, else fail."""
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for item in manifest["outputs"]:
        data = (out / item["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == item["sha256"], item["path"]
    return manifest["fingerprint"]


@pytest.fixture
def raw(tmp_path, sample_dir):
    shutil.copytree(sample_dir, tmp_path / "raw")
    return tmp_path / "raw"


def test_killed_builds_leave_old_or_new_outputs_whole(raw, tmp_path):
    out = tmp_path / "out"
    start = time.perf_counter()
    assert main(["build", "--raw", str(raw), "--out", str(out), "-q"]) == 0
    duration = time.perf_counter() - start + 1.0  # a fresh interpreter also imports
    (out / "README.md").write_text("kept across builds", encoding="utf-8")
    old = complete_set(out)
    cmd = [
        sys.executable,
        "-m",
        "ngodong_analysis",
        "build",
        "--raw",
        str(raw),
        "--out",
        str(out),
        "--lang",
        "en",
        "--force",
        "-q",
    ]
    seen = set()
    for fraction in (0.2, 0.5, 0.8, 0.95, 1.1):  # from loading to moving into place
        delay = fraction * duration
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        seen.add(complete_set(out))
        assert (out / "README.md").read_text(encoding="utf-8") == "kept across builds"
    # a later build tidies whatever the killed ones left and completes
    assert main(["build", "--raw", str(raw), "--out", str(out), "--lang", "en", "-q"]) == 0
    new = complete_set(out)
    assert new != old
    assert seen <= {old, new}  # each kill left exactly the old build or the new one
    assert not list(tmp_path.glob(".out.staging-*"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "raw"]


def test_two_builds_at_once_do_not_interleave(tmp_path, capsys):
    out = tmp_path / "out"
    with lock(out):
        with pytest.raises(BuildLocked, match="another build"):
            with lock(out):
                pass
        # the CLI says so plainly and exits 1, without a traceback
        (tmp_path / "raw").mkdir()
        assert main(["build", "--raw", str(tmp_path / "raw"), "--out", str(out), "-q"]) == 1
        err = capsys.readouterr().err
        assert "another build" in err and "Traceback" not in err


def test_a_lock_left_by_a_dead_process_is_taken_over(tmp_path):
    out = tmp_path / "out"
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    ).stdout.strip()
    (tmp_path / ".out.lock").write_text(dead)
    with lock(out):
        assert (tmp_path / ".out.lock").read_text() == str(os.getpid())
    assert not (tmp_path / ".out.lock").exists()


def test_output_inside_raw_is_refused(raw, capsys):
    assert main(["build", "--raw", str(raw), "--out", str(raw / "out")]) == 2
    assert "never written" in capsys.readouterr().err
    assert not (raw / "out").exists()
