from pathlib import Path

from ngodong_analysis.contract import contract_markdown
from ngodong_analysis.vocab import header_aliases, labels

DOC = Path(__file__).resolve().parents[1] / "docs" / "input-contract.md"


def test_committed_contract_doc_matches_the_data_tables():
    assert DOC.read_text(encoding="utf-8") == contract_markdown(), (
        "docs/input-contract.md is stale: run python scripts/gen_contract_docs.py"
    )


def test_doc_lists_every_alias_and_label():
    text = contract_markdown()
    import csv

    from ngodong_analysis.config import resource

    for row in csv.DictReader(open(resource("headers.csv"), encoding="utf-8")):
        assert f"“{row['alias']}”" in text
    for row in csv.DictReader(open(resource("labels.csv"), encoding="utf-8")):
        assert row["label"] in text
    assert len(header_aliases()) > 50 and labels()["member"]
