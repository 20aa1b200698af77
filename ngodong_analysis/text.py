"""Vietnamese text: NFC, folding for matching, abbreviations, ids.

Matching of headers, labels and names ignores case, diacritics (đ too), punctuation and
spacing, and accepts the abbreviations in ``resources/abbreviations.csv``. Every function
here works on one string and is cached, so callers map it over *distinct* values only.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

from .config import resource_rows

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


def drop_leading_zeros(text: str) -> str:
    """Numbers without leading zeros ("so 02" → "so 2")."""
    return _LEADING_ZEROS.sub(r"\1", text)


@cache
def abbreviations() -> dict[str, str]:
    """short token → long phrase (both folded), from the shipped table."""
    return {row["short"]: row["long"] for row in resource_rows("abbreviations.csv")}


@cache
def _compressions() -> dict[str, list[tuple[tuple[str, ...], str]]]:
    """first word of a long form → [(its words, short form)], longest long form first."""
    short_of = {long: short for short, long in abbreviations().items()}
    by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for long in sorted(short_of, key=len, reverse=True):
        words = tuple(long.split())
        by_first.setdefault(words[0], []).append((words, short_of[long]))
    return by_first


@lru_cache(maxsize=200_000)
def key(text: str) -> str:
    """Matching key: folded, abbreviations expanded, leading zeros of numbers dropped.

    Worked out word by word (split at whitespace): folding, the abbreviations and the
    leading zeros never reach across whitespace, and the words of a folder's names are far
    fewer than its names ("Chi bộ", "Thôn", "xã", "tỉnh" recur in every one), so each word
    is folded once (:func:`_word_key`).
    """
    return " ".join(k for k in map(_word_key, text.split()) if k)


@lru_cache(maxsize=100_000)
def _word_key(word: str) -> str:
    """:func:`key` of text without whitespace (it may still fold to several tokens)."""
    table = abbreviations()
    tokens = [table.get(tok, tok) for tok in fold(word).split()]
    return drop_leading_zeros(" ".join(tokens))


def strip_parens(text: str) -> str:
    """Text without parenthesised parts ("Thu nhập (triệu đồng)" → "Thu nhập")."""
    return _PARENS.sub(" ", text)


_ID_PREFIXES = (("chi", "bo"), ("dang", "bo"))


@lru_cache(maxsize=200_000)
def make_id(name: str) -> str:
    """Stable id from a name: "Chi bộ Tổ dân phố số 2", "CB TDP 2" and
    "chi bo to dan pho so 02" all give ``"tdp-2"``.

    From the words of :func:`key`: a leading "chi bo" / "dang bo" is dropped, so is "so"
    before a number, and long forms become their abbreviations ("to dan pho" → "tdp"),
    leftmost first and the longest long form where several start at one word.
    """
    words = key(name).split()
    for prefix in _ID_PREFIXES:
        if len(words) > len(prefix) and tuple(words[: len(prefix)]) == prefix:
            words = words[len(prefix) :]
            break
    words = [
        w
        for i, w in enumerate(words)
        if w != "so" or i + 1 == len(words) or not words[i + 1][:1].isdigit()
    ]
    by_first = _compressions()
    out: list[str] = []
    i = 0
    while i < len(words):
        for long, short in by_first.get(words[i], ()):
            if tuple(words[i : i + len(long)]) == long:
                out.append(short)
                i += len(long)
                break
        else:
            out.append(words[i])
            i += 1
    return "-".join(out) or "unnamed"
