"""Regenerate docs/input-contract.md from the package's data tables."""

from pathlib import Path

from ngodong_analysis.contract import contract_markdown

OUT = Path(__file__).resolve().parents[1] / "docs" / "input-contract.md"

if __name__ == "__main__":
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(contract_markdown(), encoding="utf-8")
    print(f"wrote {OUT}")
