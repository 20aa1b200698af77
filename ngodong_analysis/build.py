"""``ngodong build``: data/raw → every table, chart and the manifest in data/processed.

Outputs are written to a staging folder beside the output folder and the two folders are
swapped in one atomic step (Linux ``renameat2``), so a build killed at any moment leaves the
previous outputs or the new ones, whole. Where folders cannot be swapped, files are moved one
by one under a commit marker that the next build completes. A lock beside the output folder
keeps two builds apart. ``data/raw`` is only ever read.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from . import __version__
from .config import processed_data_dir, raw_data_dir
from .i18n import nmsg
from .load import LoadResult, load
from .outputs.manifest import MANIFEST, describe_inputs, read_manifest, sha256
from .outputs.store import COMMIT, code_fingerprint, write_tables
from .problems import Problem
from .progress import Meter

_LIBS = ("pandas", "pyarrow", "matplotlib", "openpyxl", "python-calamine", "numpy")

Progress = Callable[[str], None]


@dataclass
class BuildResult:
    status: str  # "built", "unchanged", "failed"
    out: Path
    problems: list[Problem] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        return 1 if self.status == "failed" else 0


class BuildLocked(RuntimeError):
    """Another build is writing to the same output folder."""


def versions() -> dict[str, str]:
    out = {"ngodong-analysis": __version__, "python": sys.version.split()[0]}
    for lib in _LIBS:
        with contextlib.suppress(metadata.PackageNotFoundError):
            out[lib] = metadata.version(lib)
    return out


def fingerprint(inputs: list[dict[str, object]], options: dict[str, object]) -> str:
    """Hash of what decides the outputs: input contents, options, package version."""
    blob = json.dumps(
        {
            "inputs": [(i["path"], i["sha256"]) for i in inputs],
            "options": options,
            "version": __version__,
            "code": code_fingerprint(),
        },
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode()).hexdigest()


def _sibling(out: Path, what: str) -> Path:
    return out.parent / f".{out.name}.{what}"


@contextlib.contextmanager
def lock(out: Path) -> Iterator[None]:
    """One build per output folder at a time; a lock left by a dead process is taken over.

    The lock file sits beside the output folder, since the folder itself is swapped."""
    out.parent.mkdir(parents=True, exist_ok=True)
    path = _sibling(out, "lock")
    for _ in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            break
        except FileExistsError:
            try:
                pid = int(path.read_text().strip() or 0)
            except (OSError, ValueError):
                pid = 0
            if pid and _alive(pid):
                raise BuildLocked(
                    f"another build (process {pid}) is writing to {out}; wait for it to "
                    f"finish, or delete {path} if no build is running"
                ) from None
            path.unlink(missing_ok=True)
    else:  # pragma: no cover - only if the lock file reappears between attempts
        raise BuildLocked(f"could not lock {out}")
    try:
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        yield
    finally:
        path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _exchange(a: Path, b: Path) -> bool:
    """Swap two directories in one atomic step (Linux renameat2 RENAME_EXCHANGE)."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def recover(out: Path) -> bool:
    """Tidy up after a build that was killed: finish a file-by-file move (the fallback where
    folders cannot be swapped) and delete leftover staging folders. True if there was one."""
    found = False
    marker = out / COMMIT
    if marker.exists():
        plan = json.loads(marker.read_text(encoding="utf-8"))
        staging = Path(plan["staging"])
        for rel in plan["files"]:
            src, dst = staging / rel, out / rel
            if src.exists():
                dst.parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, dst)
        for rel in plan.get("remove", []):
            (out / rel).unlink(missing_ok=True)
        shutil.rmtree(staging, ignore_errors=True)
        marker.unlink()
        found = True
    for leftover in out.parent.glob(f".{out.name}.staging-*"):
        shutil.rmtree(leftover, ignore_errors=True)
        found = True
    return found


def _carry_over(out: Path, staging: Path, managed: set[str]) -> None:
    """Hard-link (or copy) into ``staging`` what ``out`` holds that the build does not make
    (a README, .gitkeep, a user's own files), so swapping the folders keeps them."""
    for src in out.rglob("*"):
        rel = src.relative_to(out).as_posix()
        if rel in managed or rel == COMMIT or not src.is_file():
            continue
        dst = staging / rel
        if dst.exists():
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)


def _commit(staging: Path, out: Path, old: list[str]) -> list[str]:
    """Put the staged outputs in place: the old set stays whole until one atomic swap."""
    files = sorted(p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file())
    if not out.exists():
        os.rename(staging, out)
        return files
    _carry_over(out, staging, set(old) | set(files) | {MANIFEST})
    if _exchange(staging, out):
        shutil.rmtree(staging, ignore_errors=True)  # now holds the previous outputs
        return files
    # Fallback: move file by file under a commit marker that recover() completes.
    files.sort(key=lambda f: f == MANIFEST)  # the manifest last: it says the set is complete
    remove = sorted(set(old) - set(files))
    marker = out / COMMIT
    tmp = marker.with_suffix(".tmp")
    tmp.write_text(
        json.dumps({"staging": str(staging), "files": files, "remove": remove}), encoding="utf-8"
    )
    os.replace(tmp, marker)
    recover(out)
    return files


def _unchanged(out: Path, manifest: dict | None, fp: str) -> bool:
    if not manifest or manifest.get("fingerprint") != fp:
        return False
    for item in manifest.get("outputs", []):
        path = out / item["path"]
        if not path.exists() or path.stat().st_size != item["bytes"]:
            return False
    return True


def write_figures(result: LoadResult, staging: Path, lang: str, say: Progress) -> list[str]:
    from .outputs.figures import save_figures

    files = save_figures(result.dataset, staging / "figures", lang=lang, progress=say)
    return [f.relative_to(staging).as_posix() for f in files]


def write_report_file(result: LoadResult, staging: Path, lang: str, say: Progress) -> list[str]:
    from .outputs.report import write_report

    write_report(result.dataset, result.problems, staging / "report.xlsx", lang=lang)
    return ["report.xlsx"]


def render_notebooks(raw: Path) -> Stage:
    """A stage that runs the notebooks on ``raw`` and saves them as HTML (``--notebooks``)."""

    def stage(result: LoadResult, staging: Path, lang: str, say: Progress) -> list[str]:
        from .outputs.notebooks import execute, list_notebooks, render_html

        written = []
        for path in list_notebooks():
            say(f"notebook {path.name}")
            nb = execute(path, parameters={"raw": str(raw), "lang": lang})
            target = staging / "notebooks" / f"{path.stem}.html"
            target.parent.mkdir(parents=True, exist_ok=True)
            render_html(nb, target)
            written.append(target.relative_to(staging).as_posix())
        return written

    return stage


# Each stage takes the load result, the staging folder, the language and a progress callback,
# and returns the files it wrote (relative to the staging folder).
Stage = Callable[[LoadResult, Path, str, Progress], list[str]]
STAGES: list[tuple[str, Stage]] = [
    ("tables", lambda r, s, lang, say: write_tables(r.dataset, r.problems, s, lang)),
    ("charts", write_figures),
    ("report", write_report_file),
]


def _chart_count(result: LoadResult) -> int:
    from .plots import charts_for

    return len(charts_for(result.dataset))


def _notebook_count(result: LoadResult) -> int:
    from .outputs.notebooks import list_notebooks

    return len(list_notebooks())


# The stages made of many steps, each announced through the progress callback as it begins
# ("chart f03_…"): how many steps, and how a count of them is shown.
STEPS: dict[str, tuple[Callable[[LoadResult], int], str, str]] = {
    "charts": (_chart_count, "charts", "drawing"),
    "notebooks": (_notebook_count, "notebooks", "running"),
}


def _run_stage(
    name: str,
    stage: Stage,
    result: LoadResult,
    staging: Path,
    lang: str,
    say: Progress,
    meter: bool | None,
) -> list[str]:
    """Run one stage; one of many steps is counted on a meter, which then takes the steps'
    messages (a bar shows the current one) instead of ``say``."""
    if name not in STEPS or meter is False:
        return stage(result, staging, lang, say)
    count, what, doing = STEPS[name]
    with Meter(count(result), what=what, doing=doing, show=meter) as m:
        return stage(result, staging, lang, m.begin if m.active else say)


def build(
    raw: str | Path | None = None,
    out: str | Path | None = None,
    *,
    lang: str = "vi",
    force: bool = False,
    notebooks: bool = False,
    progress: Progress | None = None,
    meter: bool | None = None,
    committee: str | None = None,
) -> BuildResult:
    """Load, validate and write every output. Nothing is written when the data has errors
    or when nothing changed since the last build (unless ``force``).

    ``progress`` is told each step ("loading 200 file(s)", "writing charts"). ``meter``
    counts the files read and the charts drawn with the time left, on stderr, as
    :func:`~ngodong_analysis.load.load_dataset`'s ``progress`` does: ``True`` always (a
    live bar on a terminal, plain lines in a log), ``False`` never, ``None`` only for many
    files on a terminal or in Jupyter. Where a count is shown, it takes the per-chart
    messages that would otherwise go to ``progress``. ``committee`` names the one
    committee of workbooks that name none (:func:`~ngodong_analysis.load.load_dataset`)."""
    start = time.perf_counter()
    say = progress or (lambda msg: None)
    raw_path = Path(raw).expanduser().resolve() if raw else raw_data_dir()
    out_path = Path(out).expanduser().resolve() if out else processed_data_dir()
    if not raw_path.exists():
        raise FileNotFoundError(f"no such input folder: {raw_path}")
    if out_path == raw_path or raw_path in out_path.parents:
        raise ValueError(
            f"the output folder {out_path} is inside the input folder {raw_path}; "
            "data/raw is never written"
        )
    options = {"lang": lang, "notebooks": notebooks}
    if committee is not None:
        options["committee"] = committee
    stages = STAGES + ([("notebooks", render_notebooks(raw_path))] if notebooks else [])
    with lock(out_path):
        if recover(out_path):
            say("completed an interrupted build")
        say(f"hashing inputs in {raw_path}")
        inputs = describe_inputs(raw_path)
        fp = fingerprint(inputs, options)
        previous = read_manifest(out_path)
        if not force and _unchanged(out_path, previous, fp):
            say("inputs, options and package version unchanged: nothing to rebuild")
            return BuildResult(
                "unchanged",
                out_path,
                outputs=[o["path"] for o in previous["outputs"]],
                seconds=time.perf_counter() - start,
            )
        say(f"loading {len(inputs)} file(s)")
        result = load(raw_path, committee=committee, progress=meter)
        if not result.errors and not any(len(t) for t in result.dataset.tables().values()):
            # charts of nothing would look like a committee with no cells: refuse instead
            result.problems.append(
                Problem(
                    str(raw_path),
                    None,
                    None,
                    "error",
                    nmsg(
                        "nothing to build: no sheet in the {n} file under {path} holds a table "
                        "the package reads (see the warnings above, and `ngodong template` "
                        "for the expected layout)",
                        "nothing to build: no sheet in the {n} files under {path} holds a "
                        "table the package reads (see the warnings above, and `ngodong "
                        "template` for the expected layout)",
                        len(inputs),
                        path=str(raw_path),
                    ),
                    rule="no-data",
                )
            )
        if result.errors:
            return BuildResult(
                "failed", out_path, result.problems, seconds=time.perf_counter() - start
            )
        staging = Path(tempfile.mkdtemp(prefix=f".{out_path.name}.staging-", dir=out_path.parent))
        try:
            written: list[str] = []
            for name, stage in stages:
                say(f"writing {name}")
                written += _run_stage(name, stage, result, staging, lang, say, meter)
            manifest = {
                "fingerprint": fp,
                "code": code_fingerprint(),
                "options": options,
                "versions": versions(),
                "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "raw": str(raw_path),
                "inputs": inputs,
                "outputs": [
                    {
                        "path": f,
                        "sha256": sha256(staging / f),
                        "bytes": (staging / f).stat().st_size,
                    }
                    for f in sorted(written)
                ],
                "problems": {
                    "errors": len(result.errors),
                    "warnings": len(result.problems) - len(result.errors),
                },
            }
            (staging / MANIFEST).write_text(
                json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8"
            )
            old = [o["path"] for o in (previous or {}).get("outputs", [])]
            say("moving outputs into place")
            _commit(staging, out_path, old)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return BuildResult(
            "built", out_path, result.problems, [*written, MANIFEST], time.perf_counter() - start
        )
