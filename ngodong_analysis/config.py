"""Every path the package uses, in one place.

The project root is where ``data/raw`` lives. It is found, in order, from

1. the ``NGODONG_ROOT`` environment variable;
2. the current directory or one of its parents holding ``data/raw`` and a ``pyproject.toml``
   (so a notebook started in ``notebooks/`` finds the root above it);
3. the source checkout this module was imported from (an editable install).

``NGODONG_RAW`` and ``NGODONG_PROCESSED`` override the two data folders on their own.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
RESOURCES_DIR = PACKAGE_DIR / "resources"


def _looks_like_root(path: Path) -> bool:
    return (path / "data" / "raw").is_dir() and (path / "pyproject.toml").is_file()


def find_project_root(start: Path | None = None) -> Path:
    """Return the project root (see the module docstring for the search order)."""
    env = os.environ.get("NGODONG_ROOT")
    if env:
        return Path(env).expanduser().resolve()
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if _looks_like_root(candidate):
            return candidate
    checkout = PACKAGE_DIR.parent
    if _looks_like_root(checkout):
        return checkout
    return here


def raw_data_dir() -> Path:
    """Folder of input workbooks (read, never written)."""
    env = os.environ.get("NGODONG_RAW")
    return Path(env).expanduser().resolve() if env else find_project_root() / "data" / "raw"


def processed_data_dir() -> Path:
    """Folder the build writes to."""
    env = os.environ.get("NGODONG_PROCESSED")
    if env:
        return Path(env).expanduser().resolve()
    return find_project_root() / "data" / "processed"


def requested_workers() -> int | None:
    """The processes ``NGODONG_WORKERS`` asks for (at least 1; 1 if it is not a number), or
    None when it is unset and the package decides."""
    env = os.environ.get("NGODONG_WORKERS")
    if env is None:
        return None
    env = env.strip()
    return max(1, int(env)) if env.isdigit() else 1


def figures_dir(processed: Path | None = None) -> Path:
    return (processed or processed_data_dir()) / "figures"


def resource(name: str) -> Path:
    """Path of a data file shipped inside the package (crosswalk, labels, aliases…)."""
    return RESOURCES_DIR / name
