"""Vietnamese text: NFC, folding for matching, abbreviations, ids.

Matching of headers, labels and names ignores case, diacritics (đ too), punctuation and
spacing, and accepts the abbreviations in ``resources/abbreviations.csv``. Every function
here works on one string and is cached, so callers map it over *distinct* values only.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from functools import cache, lru_cache

from .config import resource

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_PARENS = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_LEADING_ZEROS = re.compile(r"\b0+(\d)")


def nfc(text: str) -> str:
    """NFC-normalise and trim; non-breaking and other odd spaces become plain spaces."""
    text = unicodedata.normalize("NFC", text)
    return " ".join(text.split())


def _strip_table() -> dict[int, str | None]:
    """Every precomposed Latin letter → its base letter (đ → d), combining marks → nothing."""
    table: dict[int, str | None] = {cp: None for cp in range(0x300, 0x370)}
    for cp in (*range(0xC0, 0x250), *range(0x1E00, 0x1F00)):
        base = unicodedata.normalize("NFD", chr(cp))[0]
        if base != chr(cp) and base.isascii():
            table[cp] = base
    table.update({ord("đ"): "d", ord("Đ"): "D"})
    return table


_STRIP = _strip_table()


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """Lower-case ASCII skeleton: no diacritics (đ → d), punctuation as single spaces."""
    return _NON_ALNUM.sub(
        " ", unicodedata.normalize("NFC", text).translate(_STRIP).lower()
    ).strip()


@cache
def abbreviations() -> dict[str, str]:
    """short token → long phrase (both folded), from the shipped table."""
    with open(resource("abbreviations.csv"), encoding="utf-8") as fh:
        return {row["short"]: row["long"] for row in csv.DictReader(fh)}


@cache
def _compressions() -> tuple[re.Pattern[str], dict[str, str]]:
    """One pattern matching any long form (longest first) and the long → short table."""
    short_of = {long: short for short, long in abbreviations().items()}
    longest_first = sorted(short_of, key=len, reverse=True)
    pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, longest_first)) + r")\b")
    return pattern, short_of


@lru_cache(maxsize=200_000)
def key(text: str) -> str:
    """Matching key: folded, abbreviations expanded, leading zeros of numbers dropped."""
    table = abbreviations()
    tokens = [table.get(tok, tok) for tok in fold(text).split()]
    return _LEADING_ZEROS.sub(r"\1", " ".join(tokens))


def strip_parens(text: str) -> str:
    """Text without parenthesised parts ("Thu nhập (triệu đồng)" → "Thu nhập")."""
    return _PARENS.sub(" ", text)


_ID_PREFIXES = ("chi bo ", "dang bo ")


@lru_cache(maxsize=200_000)
def make_id(name: str) -> str:
    """Stable id from a name: "Chi bộ Tổ dân phố số 2", "CB TDP 2" and
    "chi bo to dan pho so 02" all give ``"tdp-2"``."""
    k = key(name)
    for prefix in _ID_PREFIXES:
        if k.startswith(prefix):
            k = k[len(prefix) :]
            break
    k = re.sub(r"\bso (?=\d)", "", k)
    pattern, short_of = _compressions()
    k = pattern.sub(lambda m: short_of[m.group(0)], k)
    return "-".join(k.split()) or "unnamed"
