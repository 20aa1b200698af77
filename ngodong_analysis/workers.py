"""Helper processes that never import the caller's script.

``multiprocessing``'s "spawn" and "forkserver" start a child by re-importing the parent's
``__main__``: a plain script without ``if __name__ == "__main__":`` then runs again in every
child (and fails with "the current process has finished its bootstrapping phase"), and a
heredoc (``python - <<EOF``) fails on ``<stdin>``. "fork" avoids that but copies a threaded
parent's locks (a notebook, a thread calling the loader) and may deadlock.

So a helper here is a fresh interpreter running ``python -m ngodong_analysis._worker``: it
imports this package only, reads ``(function, args)`` requests from its stdin and writes the
results to a private copy of its stdout, both pickled and length-prefixed. A function is sent
by reference (module and name), so it must be a module-level function of an importable
module. A parent thread per helper does the I/O, so :meth:`Workers.submit` returns an ordinary
:class:`concurrent.futures.Future`.

Anything that goes wrong in or with a helper — it cannot start, dies, or cannot pickle a
result — fails only that future with :class:`WorkerFailed`; :func:`map_or_here` and the
callers then do the work in this process, so parallelism is an optimisation, never a new
failure mode.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import struct
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_HEADER = struct.Struct("<Q")
_PACKAGE_PARENT = str(Path(__file__).resolve().parent.parent)


class WorkerFailed(RuntimeError):
    """A helper process could not do a task (the task itself may be fine)."""


def _write(stream, obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)))
    stream.write(data)
    stream.flush()


def _read(stream) -> Any:
    head = stream.read(_HEADER.size)
    if len(head) < _HEADER.size:
        raise EOFError("the helper process closed its output")
    (size,) = _HEADER.unpack(head)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError("the helper process closed its output mid-answer")
    return pickle.loads(data)  # noqa: S301 - our own child, started by us, over a pipe


def _environment() -> dict[str, str]:
    """The parent's environment, with this package's folder first on the path, so that the
    helper imports the same code (a checkout, a worktree) the parent runs."""
    env = dict(os.environ)
    paths = [_PACKAGE_PARENT, *[p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    env.setdefault("MPLBACKEND", "Agg")
    return env


class Workers:
    """Up to ``n`` helper processes, started on first use and stopped by :meth:`close`.

    Use as a context manager::

        with Workers(2) as pool:
            futures = [pool.submit(read_file, f) for f in files]
    """

    def __init__(self, n: int) -> None:
        self._threads = ThreadPoolExecutor(max(1, n), thread_name_prefix="ngodong-worker")
        self._local = threading.local()
        self._lock = threading.Lock()
        self._procs: list[subprocess.Popen] = []
        self._closed = False

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def submit(self, fn: Callable[..., R], *args: Any) -> Future[R]:
        """Run ``fn(*args)`` in a helper; the future fails with :class:`WorkerFailed` when
        the helper could not, or with the function's own exception."""
        return self._threads.submit(self._call, fn, args)

    def _process(self) -> subprocess.Popen:
        proc = getattr(self._local, "proc", None)
        if proc is not None and proc.poll() is None:
            return proc
        with self._lock:
            if self._closed:
                raise WorkerFailed("the helpers are closed")
            try:
                proc = subprocess.Popen(
                    [sys.executable, "-m", "ngodong_analysis._worker", str(os.getpid())],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    env=_environment(),
                    cwd=os.getcwd(),
                )
            except OSError as exc:
                raise WorkerFailed(f"a helper process could not start: {exc}") from exc
            self._procs.append(proc)
        self._local.proc = proc
        return proc

    def _call(self, fn: Callable[..., R], args: tuple) -> R:
        proc = self._process()
        try:
            _write(proc.stdin, (fn, args))
            ok, value = _read(proc.stdout)
        except (OSError, EOFError, pickle.PickleError, AttributeError, TypeError) as exc:
            with contextlib.suppress(OSError):
                proc.kill()
            raise WorkerFailed(f"the helper process failed: {exc}") from exc
        if ok:
            return value
        if isinstance(value, BaseException):
            raise value
        raise WorkerFailed(str(value))

    def close(self) -> None:
        """Wait for the tasks under way, then stop every helper."""
        self._threads.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            self._closed = True
            procs, self._procs = self._procs, []
        for proc in procs:
            with contextlib.suppress(OSError):
                proc.stdin.close()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            with contextlib.suppress(OSError):
                proc.stdout.close()


def map_or_here(
    fn: Callable[[T], R],
    items: Iterable[T],
    workers: int,
    *,
    done: Callable[[], object] | None = None,
) -> list[R]:
    """``[fn(x) for x in items]``, in that order, spread over ``workers`` helper processes;
    an item a helper could not do is done in this process, so the result is the serial one.

    ``done()`` is called once per item as its result is taken, in order (a progress count):
    an item finished early by a helper is counted when the ones before it are."""
    items = list(items)
    tick = done or (lambda: None)
    results: list[R] = []
    if workers <= 1 or len(items) <= 1:
        for x in items:
            results.append(fn(x))
            tick()
        return results
    with Workers(min(workers, len(items))) as pool:
        futures = [pool.submit(fn, x) for x in items]
        for item, future in zip(items, futures, strict=True):
            try:
                results.append(future.result())
            except WorkerFailed:
                results.append(fn(item))
            tick()
    return results


def _die_with(parent: int, every: float = 0.5) -> None:
    """Exit as soon as ``parent`` is gone (killed, even by SIGKILL): a helper in the middle
    of a long task would otherwise run on as an orphan, writing where nobody reads."""
    import time

    while os.getppid() == parent:
        time.sleep(every)
    os._exit(3)


def _serve(parent: int | None = None) -> None:
    """The helper's loop: answer requests until the parent closes our stdin or dies.

    ``parent`` is the pid the parent gave: it may have died while this process was still
    importing, and then ``os.getppid()`` is already that of init."""
    parent = os.getppid() if parent is None else parent
    if os.getppid() != parent:
        os._exit(3)
    threading.Thread(target=_die_with, args=(parent,), daemon=True).start()
    requests = sys.stdin.buffer
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    # whatever the work prints goes to stderr, never into the answers
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    while True:
        try:
            fn, args = _read(requests)
        except EOFError:
            return
        try:
            answer = (True, fn(*args))
        except Exception as exc:  # noqa: BLE001 - sent to the parent, which re-raises it
            answer = (False, exc)
        try:
            _write(answers, answer)
        except (pickle.PickleError, AttributeError, TypeError) as exc:
            _write(answers, (False, f"{type(exc).__name__}: {exc}"))
