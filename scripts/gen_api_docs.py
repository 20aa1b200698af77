"""Regenerate docs/api.md from the docstrings of the public API; with ``--check``, only
compare, and exit 1 when docs/api.md is stale."""

import sys
from pathlib import Path

from ngodong_analysis.apidocs import api_markdown

OUT = Path(__file__).resolve().parents[1] / "docs" / "api.md"


def main(argv: list[str], out: Path = OUT) -> int:
    text = api_markdown()
    if "--check" in argv:
        if not out.is_file() or out.read_text(encoding="utf-8") != text:
            print(f"{out} is stale: run python scripts/gen_api_docs.py", file=sys.stderr)
            return 1
        print(f"{out} is up to date")
        return 0
    out.parent.mkdir(exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
