"""Regenerate docs/api.md from the docstrings of the public API; ``--check`` only compares,
and exits 1 when docs/api.md is stale."""

import sys
from pathlib import Path

from ngodong_analysis.apidocs import api_markdown

OUT = Path(__file__).resolve().parents[1] / "docs" / "api.md"

if __name__ == "__main__":
    text = api_markdown()
    if "--check" in sys.argv[1:]:
        if not OUT.is_file() or OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT} is stale: run python scripts/gen_api_docs.py", file=sys.stderr)
            sys.exit(1)
        print(f"{OUT} is up to date")
        sys.exit(0)
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}")
