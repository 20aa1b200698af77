"""The build's manifest: what went in (with hashes) and what came out."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ..config import find_inputs

MANIFEST = "manifest.json"


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def describe_inputs(raw: Path) -> list[dict[str, object]]:
    base = raw if raw.is_dir() else raw.parent
    return [
        {"path": p.relative_to(base).as_posix(), "sha256": sha256(p), "bytes": p.stat().st_size}
        for p in find_inputs(raw)
    ]


def read_manifest(out: Path) -> dict | None:
    try:
        return json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
