"""Progress of long jobs (reading a folder of workbooks, drawing the charts) on stderr.

One :class:`Meter` per job shows a count and the time left in one of three ways:

- a live bar (``tqdm.auto``: a text bar on a terminal, a widget in Jupyter) when stderr is a
  terminal or the code runs in a Jupyter kernel;
- plain lines otherwise (a CI log, output piped to a file): one per tenth of the job or per
  :data:`LINE_EVERY` seconds, whichever comes first, but none within :data:`LINE_GAP` of
  the one before, and the last: 10,000 files give a page, not 10,000 lines, and a job of
  a second gives one line: ``reading 12/200 files, 3.1 s, ~47 s left``;
- nothing at all when switched off.

It writes to stderr only: the command line's stdout (the problems list) may be parsed.
"""

from __future__ import annotations

import math
import os
import sys
import time
from typing import TextIO

# Below this many steps a job is short enough to run in silence when nobody asked for
# progress (``show=None``): a bar for the four files of the sample would only flicker.
MANY = 10
# In plain lines, a line per tenth of the job and at least one per LINE_EVERY seconds (a
# tenth of a big job may take minutes), but none sooner than LINE_GAP after the last.
LINE_EVERY = 10.0
LINE_GAP = 1.0
_TENTHS = 10


def interactive(stream: TextIO | None = None) -> bool:
    """True when a person watches ``stream`` (default stderr) live: a terminal, or a Jupyter
    kernel (whose stderr is no terminal but shows a widget bar)."""
    stream = sys.stderr if stream is None else stream
    if "ipykernel.zmqshell" in sys.modules:  # the test tqdm.auto itself uses
        return True
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def mode(total: int, show: bool | None) -> str | None:
    """How a job of ``total`` steps shows progress: ``"bar"``, ``"lines"`` or ``None``.

    ``show=True``: a bar when :func:`interactive`, plain lines otherwise. ``show=False``:
    nothing. ``show=None`` (the library's default): a bar for a job of :data:`MANY` steps or
    more when interactive, nothing otherwise, so a script's or a test's output stays as it
    was. A job of one step shows nothing: its count would say no more than its end."""
    if show is False or sys.stderr is None or total <= 1:
        return None
    if interactive():
        return "bar" if show or total >= MANY else None
    return "lines" if show else None


def _shape() -> dict[str, object]:
    """tqdm's size options. A terminal that reports no size (a pseudo-terminal nobody sized:
    ``docker exec -t``, a test's ``pty.openpty()``) would get an empty bar, since tqdm hides
    a bar below the screen's last row, row -1 there: give it a classic 80 × 24 instead."""
    try:
        size = os.get_terminal_size(sys.stderr.fileno())
    except (AttributeError, OSError, ValueError):  # Jupyter's stderr, a closed stream
        return {"dynamic_ncols": True}
    if size.columns <= 0 or size.lines <= 0:
        return {"ncols": 80, "nrows": 24}
    return {"dynamic_ncols": True}


def duration(seconds: float) -> str:
    """``3.1 s``, ``47 s``, ``4 min 07 s``, ``1 h 02 min``: short and still exact enough.

    >>> duration(3.14), duration(47.2), duration(247), duration(3725)
    ('3.1 s', '47 s', '4 min 07 s', '1 h 02 min')
    """
    if seconds < 10:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class Meter:
    """Count the steps of a job and show them (see the module docstring).

    Parameters
    ----------
    total
        Steps in the job (files, charts).
    what
        The steps' plural name, as shown: ``"files"``.
    doing
        What the job does, as shown before the count: ``"reading"``.
    show
        ``True``, ``False`` or ``None``, as :func:`mode` reads it.

    Use as a context manager; :meth:`update` after each step done, or :meth:`begin` before
    each step, whichever the caller can tell::

        with Meter(len(files), what="files", doing="reading", show=progress) as meter:
            for f in files:
                read(f)
                meter.update()
    """

    def __init__(self, total: int, *, what: str, doing: str, show: bool | None = None) -> None:
        self.total, self.what, self.doing = total, what, doing
        self.mode = mode(total, show)
        self.done = 0
        self._begun = 0
        self._start = self._last = time.perf_counter()
        self._next_tenth = 1
        self._bar = None
        if self.mode == "bar":
            from tqdm.auto import tqdm

            self._bar = tqdm(
                total=total,
                desc=doing,
                unit=f" {what}",
                file=sys.stderr,
                leave=True,
                **_shape(),
            )

    def __enter__(self) -> Meter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(finished=exc[0] is None)

    @property
    def active(self) -> bool:
        """Whether anything is shown."""
        return self.mode is not None

    def update(self, n: int = 1) -> None:
        """``n`` more steps are done."""
        self.done = min(self.done + n, self.total)
        if self._bar is not None:
            self._bar.update(n)
        elif self.mode == "lines":
            self._maybe_line()

    def begin(self, label: str) -> None:
        """The next step, named ``label``, begins: the one before it is done (for callers
        that are told what starts, such as the charts' ``progress`` callback)."""
        if self._begun:
            self.update()
        self._begun += 1
        if self._bar is not None:
            self._bar.set_postfix_str(label, refresh=False)

    def close(self, *, finished: bool = True) -> None:
        """End the display; a job that ``finished`` counts all its steps done."""
        if finished and self.done < self.total:
            self.update(self.total - self.done)
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        elif self.mode == "lines" and self.done == self.total and finished:
            self._line(final=True)
        self.mode = None  # closed: shows nothing more, also when closed twice

    def _maybe_line(self) -> None:
        if self.done >= self.total:
            return  # the final line is close()'s, once
        now = time.perf_counter()
        tenth = math.floor(self.done * _TENTHS / self.total)
        since = now - self._last
        if since >= LINE_EVERY or (tenth >= self._next_tenth and since >= LINE_GAP):
            self._next_tenth = tenth + 1
            self._line()

    def _line(self, *, final: bool = False) -> None:
        now = time.perf_counter()
        self._last = now
        elapsed = now - self._start
        text = f"{self.doing} {self.done}/{self.total} {self.what}, {duration(elapsed)}"
        if not final and self.done:
            text += f", ~{duration(elapsed / self.done * (self.total - self.done))} left"
        print(text, file=sys.stderr, flush=True)
