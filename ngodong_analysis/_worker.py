"""Entry point of a helper process: ``python -m ngodong_analysis._worker PARENT_PID``.

A module of its own, which the package never imports, so that running it does not execute
:mod:`ngodong_analysis.workers` a second time as ``__main__``."""

import sys

from ngodong_analysis.workers import _serve

_serve(int(sys.argv[1]) if len(sys.argv) > 1 else None)
