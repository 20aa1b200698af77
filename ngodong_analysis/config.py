"""Every path the package uses, in one place.

The project root is where ``data/raw`` lives. It is found, in order, from

1. the ``NGODONG_ROOT`` environment variable;
2. the current directory or one of its parents holding ``data/raw`` and a ``pyproject.toml``
   (so a notebook started in ``notebooks/`` finds the root above it);
3. the source checkout this module was imported from (an editable install) — for the Python
   API only: the command line never falls back to the package's own sample (``strict``), it
   says where it looked and how to name a folder.

``NGODONG_RAW`` and ``NGODONG_PROCESSED`` override the two data folders on their own.

The domain tables of ``resources/`` are read here too, once each (:func:`resource_rows`);
those of :data:`RESOURCE_OVERRIDES` can be replaced by a user's own file of the same columns.
"""

from __future__ import annotations

import csv
import os
from functools import cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
RESOURCES_DIR = PACKAGE_DIR / "resources"


def _looks_like_root(path: Path) -> bool:
    return (path / "data" / "raw").is_dir() and (path / "pyproject.toml").is_file()


class ProjectNotFound(FileNotFoundError):
    """No project folder around the current directory, and none was named."""


def find_project_root(start: Path | None = None, *, strict: bool = False) -> Path:
    """Return the project root (see the module docstring for the search order).

    With ``strict``, the checkout fallback is not used: :class:`ProjectNotFound` says where
    the search looked instead."""
    env = os.environ.get("NGODONG_ROOT")
    if env:
        return Path(env).expanduser().resolve()
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if _looks_like_root(candidate):
            return candidate
    if strict:
        raise ProjectNotFound(
            f"no project folder found: looked for data/raw beside a pyproject.toml in {here} "
            "and each folder above it, and NGODONG_ROOT / NGODONG_RAW are not set. Name the "
            "folder of workbooks instead, e.g. `ngodong build --raw FOLDER --out OUTPUT` or "
            "`ngodong validate FOLDER`"
        )
    checkout = PACKAGE_DIR.parent
    if _looks_like_root(checkout):
        return checkout
    return here


def raw_data_dir(*, strict: bool = False) -> Path:
    """Folder of input workbooks (read, never written)."""
    env = os.environ.get("NGODONG_RAW")
    if env:
        return Path(env).expanduser().resolve()
    return find_project_root(strict=strict) / "data" / "raw"


def processed_data_dir(*, strict: bool = False) -> Path:
    """Folder the build writes to."""
    env = os.environ.get("NGODONG_PROCESSED")
    if env:
        return Path(env).expanduser().resolve()
    return find_project_root(strict=strict) / "data" / "processed"


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


RESOURCE_OVERRIDES = {
    "crosswalk.csv": "NGODONG_CROSSWALK",
    "quota_rules.csv": "NGODONG_QUOTA_RULES",
}
"""Resource → the environment variable naming a user's own file in its place (same columns):
a province's own quota rule, an office's own crosswalk."""


def shipped_resource(name: str) -> Path:
    """Path of a data file shipped inside the package (crosswalk, labels, aliases…)."""
    return RESOURCES_DIR / name


def resource(name: str) -> Path:
    """Path of the table ``name`` in force: the file its variable of
    :data:`RESOURCE_OVERRIDES` names, if set, else the shipped one."""
    env = RESOURCE_OVERRIDES.get(name)
    own = os.environ.get(env) if env else None
    return Path(own).expanduser() if own else shipped_resource(name)


@cache
def _read_rows(path: Path) -> tuple[dict[str, str], ...]:
    with open(path, encoding="utf-8", newline="") as fh:
        return tuple(csv.DictReader(fh))


def resource_rows(name: str, path: Path | None = None) -> list[dict[str, str]]:
    """The rows of the table ``name`` in force (:func:`resource`), or of the file ``path``,
    as dicts of text; each file is read once, each call gets its own copies."""
    return [dict(row) for row in _read_rows(path or resource(name))]


def find_inputs(source: Path) -> list[Path]:
    """The input files under ``source`` (a folder, searched recursively, or one file).

    Hidden files, Office lock files (``~$…``) and README files are skipped.
    """
    if source.is_file():
        return [source]
    found: list[Path] = []
    for path in sorted(source.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(source)
        if any(part.startswith((".", "~$", "_")) for part in rel.parts):
            continue
        if path.name.lower().startswith("readme") or path.suffix.lower() in {".md", ".py"}:
            continue
        found.append(path)
    return found
