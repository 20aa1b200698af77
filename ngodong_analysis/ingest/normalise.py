"""Stage 3: cell values → clean values. Numbers, rating labels, income units, names → ids.

Every function takes one value and is cached or mapped over distinct values by the caller,
so the cost grows with the number of distinct values, not rows.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np
import pandas as pd

from ..i18n import Message, msg
from ..text import fold, key, nfc
from ..vocab import Label, cell_kind_patterns, income_units, labels, score_bands, score_range

# Every quantity here is a count or an amount far below this; beyond it floats lose units.
MAX_NUMBER = 2.0**53
_DASHES = {"-", "–", "—", "_", "--"}
_INT = re.compile(r"^[+-]?\d+$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:([.,])\d{3})(?:\1\d{3})*$")
_DECIMAL = re.compile(r"^[+-]?\d+[.,]\d+$")
_VN_FULL = re.compile(r"^[+-]?\d{1,3}(?:\.\d{3})+,\d+$")
_EN_FULL = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+\.\d+$")


@dataclass(frozen=True)
class Parsed:
    value: float | None  # None: blank (unknown)
    error: Message | None = None
    # for an ambiguous "1.234": (thousands reading, decimal reading), settled by the column
    options: tuple[float, float] | None = None


@lru_cache(maxsize=100_000)
def _parse_text(text: str, integer: bool) -> Parsed:
    s = "".join(nfc(text).split())
    if not s:
        return Parsed(None)
    if s in _DASHES:
        return Parsed(0.0)
    if s.endswith("%"):
        return Parsed(None, msg("a percentage where a number is expected"))
    if _INT.match(s):
        return Parsed(float(s))
    m = _GROUPED.match(s)
    if m:
        groups = s.count(m.group(1))
        if integer or groups > 1:
            return Parsed(float(re.sub(r"[.,]", "", s)))
        thousands = float(s.replace(m.group(1), ""))
        decimal = float(s.replace(",", "."))
        return Parsed(
            None,
            msg(
                "ambiguous number: {text} may be {thousands} (thousands separator) or "
                "{decimal} (decimal); write it without separators",
                text=repr(s),
                thousands=f"{thousands:g}",
                decimal=f"{decimal:g}",
            ),
            (thousands, decimal),
        )
    if _VN_FULL.match(s):
        return Parsed(float(s.replace(".", "").replace(",", ".")))
    if _EN_FULL.match(s):
        return Parsed(float(s.replace(",", "")))
    if _DECIMAL.match(s):
        return Parsed(float(s.replace(",", ".")))
    return Parsed(None, msg("not a number"))


def parse_number(value: object, *, integer: bool = False, dash_blank: bool = False) -> Parsed:
    """A cell as a number. Blank → unknown; "-" → 0 (unknown with ``dash_blank``: a score,
    an income per person); "1.234"/"1,234" → 1234 for counts; "57,5" → 57.5; anything
    unclear is an error, never a guess."""
    if value is None or value == "":
        return Parsed(None)
    if isinstance(value, bool) or isinstance(value, (dt.date, dt.time, dt.timedelta)):
        return Parsed(None, msg("not a number"))
    if isinstance(value, (int, float)):
        if isinstance(value, float) and math.isnan(value):
            return Parsed(None)
        parsed = Parsed(float(value))
    else:
        parsed = _parse_text(str(value), integer)
        if dash_blank and parsed.value == 0.0 and "".join(nfc(str(value)).split()) in _DASHES:
            return Parsed(None)
    if parsed.value is not None:
        if integer and not float(parsed.value).is_integer():
            return Parsed(None, msg("not a whole number"))
        if parsed.value < 0:
            return Parsed(None, msg("a negative count") if integer else msg("a negative number"))
        if parsed.value >= MAX_NUMBER:
            return Parsed(None, msg("an implausibly large number"))
    return parsed


def settle(parsed: Parsed, typical: float | None) -> Parsed:
    """Settle an ambiguous "1.234" by the typical size of the other numbers in its column:
    the reading within a factor of 30 of it wins; otherwise it stays an error."""
    if parsed.options is None or typical is None or typical <= 0:
        return parsed
    close = [v for v in parsed.options if v > 0 and max(v, typical) / min(v, typical) < 30]
    return Parsed(close[0]) if len(close) == 1 else parsed


def match_label(text: str, subject: str) -> Label | None:
    """The rating label named by ``text`` (any variant in labels.csv), or None."""
    k = key(text)
    table = labels()[subject]
    if k in table:
        return table[k]
    if subject == "member":
        return labels()["organisation"].get(k) if k in labels()["organisation"] else None
    return None


# A typing slip allowed per this many letters written (at least one): close enough to be a
# misspelling, far enough that a different short word ("Khá", "kha") is close to no code.
_LETTERS_PER_SLIP = 6
_MAX_SUGGESTIONS = 3


def suggest_labels(text: str, subject: str, allowed: list[str] | None = None) -> list[str]:
    """Codes of up to three labels close to ``text`` in spelling, best first; none when
    none is close.

    ``text`` is compared with every variant in ``labels.csv`` (the full labels and their
    abbreviations, not only the codes), and the closest kind of match found decides:

    1. the same letters once case, diacritics, spacing and punctuation are ignored
       ("HTT NV" → HTTNV);
    2. labels that begin with the words written ("Hoàn thành tốt" → HTTNV), the label that
       has fewest further words first: the beginning, because in Vietnamese a word put in
       front can reverse the sense ("Không hoàn thành nhiệm vụ" does not suggest itself
       for "Hoàn thành");
    3. labels within a typing slip per six letters written (edit distance on the folded
       letters), the closest first.

    A word of another meaning is close to no label: "Khá" ("fairly good") is a grade of
    other scales (schools': Tốt · Khá · Đạt …) that no Party scale has, and which of its
    levels it would be is a guess, so nothing is suggested (the message lists the labels).
    """
    candidates = _label_forms(subject)
    if allowed is not None:
        candidates = [c for c in candidates if c[0] in allowed]
    written = _forms(text)
    if not written[0]:
        return []
    tiers: list[list[tuple[int, str]]] = [[], [], []]
    words = written[2]
    for code, letters, keyed, label_words in candidates:
        if written[0] in (letters, keyed) or written[1] in (letters, keyed):
            tiers[0].append((0, code))
        elif words and label_words[: len(words)] == words:
            tiers[1].append((len(label_words) - len(words), code))
        else:
            slips = min(_edits(a, b) for a in written[:2] for b in (letters, keyed))
            if slips <= max(1, len(written[0]) // _LETTERS_PER_SLIP):
                tiers[2].append((slips, code))
    found = next((t for t in tiers if t), [])
    out: list[str] = []
    for _, code in sorted(found, key=lambda t: t[0]):  # stable: labels.csv order in a tie
        if code not in out:
            out.append(code)
    return out[:_MAX_SUGGESTIONS]


def _forms(text: str) -> tuple[str, str, tuple[str, ...]]:
    """(folded letters, letters of the key, words of the key) of a label as written."""
    k = key(text)
    return fold(text).replace(" ", ""), k.replace(" ", ""), tuple(k.split())


@cache
def _label_forms(subject: str) -> list[tuple[str, str, str, tuple[str, ...]]]:
    """(code, folded letters, letters of the key, words of the key) of every label variant
    :func:`match_label` accepts for ``subject`` (a member's also the organisations')."""
    subjects = [subject, "organisation"] if subject == "member" else [subject]
    return [(lab.code, *_forms(lab.text)) for subj in subjects for lab in labels()[subj].values()]


def _edits(a: str, b: str) -> int:
    """Levenshtein distance: insertions, deletions and substitutions turning ``a`` into ``b``."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def rating_from_score(score: float, scale: str) -> str | None:
    """The highest level a 0–100 score allows under QĐ 366 (``resources/score_bands.csv``,
    half-open bands: 89.9995 is under 90). Not the level itself: HTXSNV also needs its
    conditions, and a committee may rate lower than its score allows."""
    high = score_range()[1]
    if not 0 <= score <= high:
        return None
    for band_scale, low, below, rating in score_bands():
        if band_scale == scale and low <= score < below:
            return rating
    return None


@lru_cache(maxsize=1024)
def income_unit(header: str) -> tuple[float, str] | None:
    """Factor that turns values under ``header`` into million đồng per person per year,
    with a description; None when the header names no money unit.

    The units are ``resources/income_units.csv``: the first money word of the table found
    among the header's folded words, and the first period word (else the row without one)."""
    words = set(fold(header).split())
    money = next((u for u in income_units("money") if u.word in words), None)
    if money is None:
        return None
    period = next(u for u in income_units("period") if not u.word or u.word in words)
    return money.factor * period.factor, f"{money.name}/{period.name}"


def infer_kind(name: str) -> str:
    """Cell kind from its name through ``resources/cell_kinds.csv``; "other" if none fits.

    Of the patterns whose words occur together among the words of the name's :func:`key`,
    the most specific decides: the one of most words ("uy ban nhan dan" is an agency though
    its "ban" alone is a mountain village, *bản*), then the one found first in the name
    (Vietnamese names the head first: "Trường Mầm non thôn …" is a school), then the
    table's order. Patterns are looked up by their first word, so a name costs a few
    dictionary lookups, not a scan per pattern.
    """
    words = key(name).split()
    by_first = _kind_patterns()
    best = None
    for i, word in enumerate(words):
        for rank, pattern, kind in by_first.get(word, ()):
            if tuple(words[i : i + len(pattern)]) == pattern:
                order = (-len(pattern), i, rank)
                if best is None or order < best[0]:
                    best = (order, kind)
    return best[1] if best else "other"


@cache
def _kind_patterns() -> dict[str, list[tuple[int, tuple[str, ...], str]]]:
    """first word → [(rank in the table, the pattern's words, kind)]."""
    by_first: dict[str, list[tuple[int, tuple[str, ...], str]]] = {}
    for rank, (pattern, kind) in enumerate(cell_kind_patterns()):
        words = tuple(pattern.split(" "))  # as written: a doubled space never matches a key
        if words:
            by_first.setdefault(words[0], []).append((rank, words, kind))
    return by_first


def kind_from_text(text: str) -> str | None:
    """A registry's "Loại" cell (Vietnamese or the English code) → kind, or None."""
    from ..schema import KINDS

    t = fold(text)
    if not t:
        return None
    if t in KINDS:
        return t
    kind = infer_kind(text)
    return kind if kind != "other" or t in ("khac", "other") else None


_LEGACY_SCAN_ROWS = 5000
# Legacy encodings show as Latin-1 symbols and letters that Vietnamese never uses (µ ¸ ¶ § ø
# ä ï …); the Latin-1 letters of Unicode Vietnamese (à á â ã è é ê ì í ò ó ô õ ù ú ý) are not.
LEGACY_SIGN = re.compile(
    "[\x80-\xbf\xc4-\xc7\xcb\xce\xcf\xd1\xd6-\xd8\xdb\xdc\xde"
    "\xdf\xe4-\xe7\xeb\xee\xef\xf1\xf6-\xf8\xfb\xfc\xfe\xff]"
)


def _utf8_form(sign: re.Pattern[str]) -> re.Pattern[bytes]:
    """``sign`` (a class of characters from U+0080 to U+00FF) over UTF-8 bytes: each such
    character is a lead byte C2 or C3 and one continuation byte."""
    chars = [chr(b) for b in range(0x80, 0x100) if sign.match(chr(b))]
    parts = []
    for lead in (0xC2, 0xC3):
        tails = [ch.encode()[1] for ch in chars if ch.encode()[0] == lead]
        if tails:
            parts.append(
                re.escape(bytes([lead]))
                + b"["
                + b"".join(re.escape(bytes([t])) for t in tails)
                + b"]"
            )
    return re.compile(b"|".join(parts))


# the same signs in a UTF-8 file's bytes: a CSV without one holds no legacy text (read.py)
LEGACY_SIGN_UTF8 = _utf8_form(LEGACY_SIGN)


def _distinct_texts(column: pd.Series) -> set[str]:
    """The distinct non-ASCII strings of a column (only those can be legacy text)."""
    uniques = column.unique().tolist()  # hashed in C (by pyarrow for Arrow strings)
    return {v for v in uniques if isinstance(v, str) and not v.isascii()}


def fix_legacy_text(frame: pd.DataFrame) -> tuple[str | None, int]:
    """Convert TCVN3/VNI legacy text in a sheet's cells (``Sheet.frame``) to Unicode, in place.

    Cheap for Unicode sheets: legacy encodings live in the Latin-1 range, so a sheet whose
    first rows hold no such character is left alone. Works on each column's distinct values,
    never cell by cell. Returns (encoding, cells changed).
    """
    from .legacy import convert_values, sheet_encoding

    head = frame.iloc[:_LEGACY_SCAN_ROWS]
    distinct = set().union(*(_distinct_texts(head[c]) for c in frame.columns))
    if not any(LEGACY_SIGN.search(v) for v in distinct):
        return None, 0
    if len(frame) > _LEGACY_SCAN_ROWS:
        tail = frame.iloc[_LEGACY_SCAN_ROWS:]
        distinct.update(*(_distinct_texts(tail[c]) for c in frame.columns))
    encoding = sheet_encoding(distinct)
    mapping = convert_values(distinct)
    if not mapping:
        return None, 0
    changed = 0
    for c in frame.columns:
        column = frame[c]
        codes, uniques = pd.factorize(column, use_na_sentinel=False)
        # only strings are replaced: an object column's uniques stand for equal values of
        # other types too (1 == 1.0 == True), which must stay as they are
        new = [mapping.get(u) if isinstance(u, str) else None for u in uniques]
        hit = np.array([v is not None for v in new], dtype=bool)
        if not hit.any():
            continue
        cells = hit[codes]
        changed += int(cells.sum())
        values = column.to_numpy(dtype=object, copy=True)
        values[cells] = np.array(new, dtype=object)[codes[cells]]
        frame[c] = pd.Series(values, index=frame.index, dtype=column.dtype)
    return encoding or "mixed", changed
