"""Extract the package's messages, update the vi and en catalogs, and compile them.

    python scripts/update_catalogs.py          # after adding or changing a msg(...) / nmsg(...)
    python scripts/update_catalogs.py --check  # exit 1 if a catalog would change (CI)

1. ``msg("…")`` and ``nmsg("…", "…", n)`` calls under ``ngodong_analysis/`` (the keywords of
   ``babel.cfg``) are extracted into ``ngodong_analysis/locale/messages.pot``.
2. ``locale/vi/LC_MESSAGES/ngodong.po`` and ``locale/en/…/ngodong.po`` are updated from it
   (new msgids added, empty; gone ones dropped — never kept as obsolete, so the catalogs
   hold exactly what the code says). An English entry left empty gets its msgid as text.
   Vietnamese entries left empty must be translated by hand (the tests fail until they are).
3. Both are compiled to ``ngodong.mo`` beside them, which the package reads at run time.

Entries are sorted and carry no source locations, and the header dates are fixed, so a run
changes the files only when a message changes, and branches that add messages merge cleanly.
Needs Babel (the ``test`` extra).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "ngodong_analysis"
LOCALE = PACKAGE / "locale"
DOMAIN = "ngodong"
KEYWORDS = {"msg": None, "nmsg": (1, 2)}
LANGS = ("vi", "en")
FIXED = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)  # header dates: no churn between runs


def extract() -> Catalog:
    """The template catalog of every message in the package's code."""
    pot = Catalog(
        project="ngodong-analysis",
        version="0.1",
        creation_date=FIXED,
        revision_date=FIXED,
        fuzzy=False,
    )
    pot.header_comment = "# Messages of ngodong_analysis, extracted by scripts/update_catalogs.py."
    method_map = [("**.py", "python")]
    # Babel says "Skipping f-string" for every f-string inside a msg(...) call, also those
    # that are arguments (score=f"{score:g}", values formatted as written): silenced here; a
    # msgid written as an f-string is what tests/test_catalogs.py catches instead
    with contextlib.redirect_stderr(io.StringIO()):
        found = list(
            extract_from_dir(str(PACKAGE), method_map, keywords=KEYWORDS, comment_tags=("i18n:",))
        )
    for filename, lineno, message, comments, context in found:
        pot.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return pot


def _po_bytes(catalog: Catalog) -> bytes:
    buf = io.BytesIO()
    write_po(buf, catalog, width=99, no_location=True, sort_output=True, ignore_obsolete=True)
    return buf.getvalue()


def _mo_bytes(catalog: Catalog) -> bytes:
    buf = io.BytesIO()
    write_mo(buf, catalog)
    return buf.getvalue()


def filled(m) -> bool:
    """Whether a catalog entry has text (every plural form, for a plural entry)."""
    if isinstance(m.string, str):
        return bool(m.string)
    return bool(m.string) and all(m.string)


def updated(lang: str, pot: Catalog) -> Catalog:
    """The ``lang`` catalog updated from ``pot`` (created if missing)."""
    path = LOCALE / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if path.exists():
        with path.open("rb") as f:
            catalog = read_po(f, locale=lang)
    else:
        catalog = Catalog(locale=lang, project="ngodong-analysis", version="0.1")
    catalog.update(pot, no_fuzzy_matching=True, update_header_comment=False)
    catalog.creation_date = catalog.revision_date = FIXED
    catalog.header_comment = (
        f"# {'Vietnamese' if lang == 'vi' else 'English'} messages of ngodong_analysis.\n"
        "# Updated by scripts/update_catalogs.py; translate the empty entries by hand."
    )
    catalog.fuzzy = False  # the header: the entries carry their own flags
    catalog.last_translator = "ngodong_analysis developers"
    catalog.language_team = {"vi": "Vietnamese", "en": "English"}[lang]
    catalog.obsolete.clear()
    if lang == "en":  # the source language: an entry's text starts as its msgid
        for m in catalog:
            if m.id and not filled(m):
                m.string = m.id if isinstance(m.id, str) else tuple(m.id)
    return catalog


def run(check: bool) -> int:
    pot = extract()
    outputs = {LOCALE / "messages.pot": _po_bytes(pot)}
    for lang in LANGS:
        catalog = updated(lang, pot)
        folder = LOCALE / lang / "LC_MESSAGES"
        outputs[folder / f"{DOMAIN}.po"] = _po_bytes(catalog)
        outputs[folder / f"{DOMAIN}.mo"] = _mo_bytes(catalog)
    changed = [p for p, data in outputs.items() if not p.exists() or p.read_bytes() != data]
    for path in changed:
        print(f"{'would change' if check else 'wrote'} {path.relative_to(ROOT)}")
        if not check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(outputs[path])
    empty = [m.id for m in updated("vi", pot) if m.id and not filled(m)]
    if empty:
        print(f"{len(empty)} message(s) still to translate in vi/LC_MESSAGES/{DOMAIN}.po")
    return 1 if (check and changed) else 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 on changes")
    return run(p.parse_args().check)


if __name__ == "__main__":
    sys.exit(main())
