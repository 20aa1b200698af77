"""Legacy Vietnamese encodings (TCVN3 and VNI) found in old spreadsheets, back to Unicode.

Sheets typed in the 1990s–2000s with ``.VnTime`` fonts hold **TCVN3** ("ABC", TCVN 5712:1993
VN3) text and sheets typed with ``VNI-Times`` fonts hold **VNI-Windows** text. The reader sees
the raw bytes as Windows-1252 / Latin-1 characters, so "Hoàn thành tốt nhiệm vụ" arrives as
"Hoµn thµnh tèt nhiÖm vô" (TCVN3) or "Hoaøn thaønh toát nhieäm vuï" (VNI).

Tables (package data, loaded once):

* ``resources/tcvn3.csv`` — byte → letter for the 74 letters TCVN3 (VN3) encodes: the 67
  lower-case Vietnamese letters (à…ỵ and đ) and the 7 upper-case base letters Ă Â Đ Ê Ô Ơ Ư,
  in 0xA1–0xFE. It is the VN3 subset of GNU libiconv's TCVN-5712 table (``lib/tcvn.h``),
  cross-checked entry by entry against UniKey's VnConv TCVN3 table (``unikey/data.cpp``).
* ``resources/vni.csv`` — letter → VNI-Windows bytes for all 134 Vietnamese letters (130 rows:
  Ì ì Í í are the same code points in both). Taken from UniKey's VnConv VNI-WIN table: a base
  letter followed by one mark byte (tones ù ø û õ ï, circumflex â á à å ã ä, breve ê é è ú ü ë,
  upper-case marks for upper-case letters) or a single byte (ô→ơ, ö→ư, ñ→đ, æ ó ò → ỉ ĩ ị,
  î→ỵ).

Limits, by design:

* **Case in TCVN3.** TCVN3 has no codes for upper-case letters with a tone or for Ă Â Ê Ô Ơ Ư
  other than the 7 base letters: capitals were typed with the ``.VnTimeH`` font using the
  lower-case codes, so "ĐẢNG" is "§¶NG" and "TỔ" is "Tæ". The case cannot be read from the
  code, so such letters come back lower-case, except that a word (or a whole cell) with at
  least two capital letters and no small ASCII letter is upper-cased whole ("§¶NG" → "ĐẢNG",
  "Tæ D©N PHè" → "TỔ DÂN PHỐ"); "Tæ" stays "Tổ". VNI keeps case, so nothing is lost there.
* **Detection is conservative.** A cell is called legacy only when every word the conversion
  changes becomes a plausible Vietnamese syllable (valid onset, rhyme and coda, one tone
  mark, only sắc/nặng before c/ch/p/t; one word in ten may fail in texts of ten such words
  or more) and at least one of them could not be Unicode Vietnamese as it stands (it holds
  "§", "µ", "ø"… or an impossible tone, as "tèt"). "Chi bé" (TCVN3 for "Chi bộ") is also
  good Unicode ("small cell"), so on its own it is left alone; inside a sheet that is mostly
  TCVN3 it is converted (see ``sheet_encoding``). A cell with any character that neither
  encoding produces (ộ, ư, đ, combining marks, CJK…) is Unicode and never touched. Words
  without a vowel after conversion ("®/c" → "đ/c", "§VT" → "ĐVT") count neither way.
* A lone foreign word whose letters happen to convert into a Vietnamese syllable (Norwegian
  "Bø" → "bứ", Swedish "så" → "sồ") is taken for TCVN3; such words are not expected here.
* Only the standard code points are mapped. The extra codes of TCVN 5712 VN1 (capitals with
  tones in 0x01–0x17, 0x80–0x9F and the gaps of 0xA0–0xFF, combining tones 0xB0–0xB4) and
  the VNI-Mac variant are not read; those characters are left as they are.
* The shape test knows nothing of where a tone mark sits nor of the dictionary. A word can
  be ambiguous between the two encodings too ("tæ" is TCVN3 "tổ" or VNI "tỉ"): alone it is
  left alone, and the rest of the cell or of the sheet decides.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache

from ..config import resource_rows

TCVN3 = "tcvn3"
VNI = "vni"
ENCODINGS = (TCVN3, VNI)

# What bytes 0x80–0x9F become when decoded as Windows-1252 (the rest of the byte range reads
# the same in Latin-1). Text from a legacy sheet holds only these and U+0000–U+00FF.
_CP1252_HIGH = "".join(bytes([b]).decode("cp1252", errors="ignore") for b in range(0x80, 0xA0))
_NOT_LEGACY = re.compile(f"[^\\x00-\\xff{re.escape(_CP1252_HIGH)}]")

_TCVN3_CAPITALS = "¡¢£¤¥¦§"  # Ă Â Ê Ô Ơ Ư Đ: the only capitals TCVN3 has codes for
_SMALL_ASCII = re.compile("[a-z]")
_CAPITAL = re.compile(f"[A-Z{_TCVN3_CAPITALS}]")


def _check_encoding(encoding: str | None) -> None:
    if encoding is not None and encoding not in ENCODINGS:
        raise ValueError(f"unknown legacy encoding {encoding!r}; expected one of {ENCODINGS}")


# ---------------------------------------------------------------------------------------------
# tables


@cache
def tcvn3_table() -> dict[str, str]:
    """TCVN3 character (its byte read as Latin-1) → Unicode letter, as shipped."""
    return {chr(int(row["byte"], 16)): row["unicode"] for row in resource_rows("tcvn3.csv")}


@cache
def vni_table() -> dict[str, str]:
    """VNI sequence (its bytes read as Windows-1252) → Unicode letter, as shipped."""
    return {
        bytes.fromhex(row["vni_hex"]).decode("cp1252"): row["unicode"]
        for row in resource_rows("vni.csv")
    }


@dataclass(frozen=True)
class _Tables:
    tcvn3_charmap: str  # 256 characters, for codecs.charmap_decode
    tcvn3_translate: dict[int, str]  # the same, for text holding Windows-1252 extras
    tcvn3_encode: dict[int, str]
    vni_pattern: re.Pattern[str]  # base+mark pairs and single codes
    vni_sequences: dict[str, str]
    vni_compose: list[str]  # 256 entries: marks as combining characters, singles as letters
    vni_stray_mark: re.Pattern[str]  # a mark not right after a base it belongs to
    vni_encode: dict[int, str]
    word: re.Pattern[str]  # letters and TCVN3 code characters
    capital_run: re.Pattern[str]  # a whole word with no small ASCII letter


@cache
def _tables() -> _Tables:
    tcvn3 = tcvn3_table()
    tcvn3_encode = {uni: code for code, uni in tcvn3.items()}
    for uni, code in list(tcvn3_encode.items()):
        # capitals TCVN3 lacks are typed with the lower-case code (in a .VnTimeH font)
        tcvn3_encode.setdefault(uni.upper(), code)

    # VNI: a mark of the other case than its base is accepted too (the base decides)
    sequences = dict(vni_table())
    for seq, uni in list(sequences.items()):
        if len(seq) == 2:
            sequences.setdefault(seq[0] + seq[1].swapcase(), uni)
    by_base: dict[str, set[str]] = {}
    for seq in sequences:
        if len(seq) == 2:
            by_base.setdefault(seq[0], set()).add(seq[1])
    singles = "".join(sorted(seq for seq in sequences if len(seq) == 1))
    pairs = [f"{re.escape(base)}[{''.join(sorted(marks))}]" for base, marks in by_base.items()]
    # The fast path: marks become combining characters and NFC composes them with their base.
    # It gives the same letters as the pairs whenever every mark follows a base it belongs to.
    compose = [chr(i) for i in range(256)]
    bases_of: dict[str, set[str]] = {}
    for seq, uni in sequences.items():
        if len(seq) == 1:
            compose[ord(seq)] = uni
        else:
            base, mark = seq
            decomposed = unicodedata.normalize("NFD", uni)
            base_decomposed = unicodedata.normalize("NFD", sequences.get(base, base))
            compose[ord(mark)] = decomposed[len(base_decomposed) :]
            bases_of.setdefault(mark, set()).add(base)
    marks_by_bases: dict[frozenset[str], list[str]] = {}
    for mark, bases in bases_of.items():
        marks_by_bases.setdefault(frozenset(bases), []).append(mark)
    # each mark, then a look back over it at the character before (a lookahead on all the
    # marks first lets the regex engine skip quickly to the next mark)
    stray = [
        f"[{re.escape(''.join(sorted(marks)))}](?<![{re.escape(''.join(sorted(bases)))}].)"
        for bases, marks in marks_by_bases.items()
    ]
    all_marks = re.escape("".join(sorted(bases_of)))

    # Texts that can be legacy hold only U+0000–U+00FF and the Windows-1252 extras, so a
    # "letter" is one of those that is a letter, or a TCVN3 code (§ ¶ µ © « …).
    letters = [ch for ch in map(chr, range(0x100)) if ch.isalpha()]
    letters += [ch for ch in _CP1252_HIGH if ch.isalpha()] + list(tcvn3)
    letter = f"[{re.escape(''.join(sorted(set(letters))))}]"
    return _Tables(
        tcvn3_charmap="".join(tcvn3.get(chr(i), chr(i)) for i in range(256)),
        tcvn3_translate=str.maketrans(tcvn3),
        tcvn3_encode=str.maketrans(tcvn3_encode),
        vni_pattern=re.compile("|".join([*pairs, f"[{re.escape(singles)}]"])),
        vni_sequences=sequences,
        vni_compose=compose,
        vni_stray_mark=re.compile(f"(?=[{all_marks}])(?:{'|'.join(stray)})"),
        vni_encode=str.maketrans({uni: seq for seq, uni in vni_table().items()}),
        word=re.compile(f"{letter}+"),
        capital_run=re.compile(f"(?<!{letter})(?:(?![a-z]){letter})+(?!{letter})"),
    )


# ---------------------------------------------------------------------------------------------
# conversion


def _raw_decode(text: str, encoding: str) -> str:
    """Legacy text (U+0000–U+00FF and Windows-1252 extras) to NFC Unicode, case as coded."""
    tables = _tables()
    if encoding == TCVN3:
        try:
            raw = text.encode("latin-1")
        except UnicodeEncodeError:  # Windows-1252 punctuation (“ ” – …): slower path
            return text.translate(tables.tcvn3_translate)
        return codecs.charmap_decode(raw, "strict", tables.tcvn3_charmap)[0]
    return " ".join(map(_vni_decode_piece, text.split(" ")))


@lru_cache(maxsize=65_536)
def _vni_decode_piece(piece: str) -> str:
    """One space-delimited piece of VNI text (pieces repeat a lot: they are cached)."""
    if piece.isascii():
        return piece
    tables = _tables()
    if tables.vni_stray_mark.search(piece) is None:
        return unicodedata.normalize("NFC", piece.translate(tables.vni_compose))
    return _vni_decode_pairs(piece)


def _vni_decode_pairs(text: str) -> str:
    """VNI decoding pair by pair (marks that follow no base of theirs are left as they are)."""
    tables = _tables()
    sequences = tables.vni_sequences
    return tables.vni_pattern.sub(lambda m: sequences[m.group()], text)


def _is_shouting(text: str) -> bool:
    """No small ASCII letter and at least two capitals (ASCII or TCVN3's seven)."""
    return _SMALL_ASCII.search(text) is None and len(_CAPITAL.findall(text)) >= 2


def _tcvn3_recover_case(text: str, converted: str) -> str:
    """Upper-case words (or the whole cell) typed in capitals with a ``.VnTimeH`` font."""
    if _CAPITAL.search(text) is None:
        return converted
    if _is_shouting(text):
        return converted.upper()
    spans = [m.span() for m in _tables().capital_run.finditer(text) if _is_shouting(m.group())]
    if not spans:
        return converted
    parts = list(converted)  # TCVN3 maps one character to one, so spans line up
    for start, end in spans:
        parts[start:end] = converted[start:end].upper()
    return "".join(parts)


def _decode(text: str, encoding: str) -> str:
    """NFC by construction: legacy text holds no combining character, and VNI pieces are
    composed one by one between spaces (nothing composes across a space)."""
    out = _raw_decode(text, encoding)
    if encoding == TCVN3 and out != text:
        out = _tcvn3_recover_case(text, out)
    return out


def from_unicode(text: str, encoding: str) -> str:
    """Encode Unicode Vietnamese as legacy text read as Latin-1 (for tests and fixtures).

    TCVN3 is lossy for capitals other than Ă Â Đ Ê Ô Ơ Ư: they get the lower-case code, as
    the ``.VnTimeH`` fonts expect.
    """
    _check_encoding(encoding)
    tables = _tables()
    table = tables.tcvn3_encode if encoding == TCVN3 else tables.vni_encode
    return unicodedata.normalize("NFC", text).translate(table)


# ---------------------------------------------------------------------------------------------
# is this a Vietnamese syllable?

_TONE_MARKS = {"\u0301": "s", "\u0300": "f", "\u0309": "r", "\u0303": "x", "\u0323": "j"}
_ONSET = r"(?:ngh|ng|nh|gh|gi|kh|ch|ph|th|tr|qu|[bcdđghklmnprstvx])?"
_CODA = r"(?:ng|nh|ch|[cmnpt])"
# Rhymes without their final consonant: open ones take no coda, closed ones need one.
_OPEN_ONLY = (
    "ai ao au ay âu ây eo êu ia iu oi ôi ơi ui ưi ưu ua ưa ya uơ "
    "iêu yêu oai oao oay oeo uây uôi ươi ươu uya uyu"
).split()
_CLOSED_ONLY = "ă â oă uâ iê yê uô ươ uyê oo".split()
_EITHER = "a e ê i o ô ơ u ư y oa oe uê uy".split()
_STOP_CODAS = ("c", "ch", "p", "t")
_STOP_TONES = ("s", "j")  # sắc, nặng: the only tones a syllable ending in c/ch/p/t takes
_BASE_VOWELS = frozenset("aeiouy")  # every Vietnamese vowel decomposes to one of these


def _alternation(items: list[str]) -> str:
    return "|".join(sorted(items, key=len, reverse=True))


_SYLLABLE = re.compile(
    f"{_ONSET}(?:"
    f"(?:{_alternation(_OPEN_ONLY)})"
    f"|(?:{_alternation(_CLOSED_ONLY)})(?P<closed>{_CODA})"
    f"|(?:{_alternation(_EITHER)})(?P<coda>{_CODA})?"
    ")"
)


@lru_cache(maxsize=65_536)
def is_syllable(word: str) -> bool:
    """Whether ``word`` is shaped like one Vietnamese syllable (case and NFC/NFD ignored).

    Checks onset, rhyme and final consonant against the spelling rules, at most one tone
    mark, and that a syllable ending in c/ch/p/t carries sắc or nặng. It does not check a
    dictionary ("cĩ" passes) nor where the tone mark sits: it is a test of shape, enough to
    tell mojibake apart.
    """
    decomposed = unicodedata.normalize("NFD", word.lower())
    tones = [_TONE_MARKS[ch] for ch in decomposed if ch in _TONE_MARKS]
    if len(tones) > 1:
        return False
    base = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONE_MARKS))
    m = _SYLLABLE.fullmatch(base)
    if m is None:
        return False
    coda = m.group("closed") or m.group("coda")
    return coda not in _STOP_CODAS or (bool(tones) and tones[0] in _STOP_TONES)


def _has_vowel(word: str) -> bool:
    return not _BASE_VOWELS.isdisjoint(unicodedata.normalize("NFD", word.lower()))


# ---------------------------------------------------------------------------------------------
# detection
#
# Each word gets flags under each encoding. CHANGED: the encoding changes it and it has a vowel
# after conversion; VALID: it then is a Vietnamese syllable; STRONG: valid, two letters or
# more with an ASCII one, and not a Vietnamese syllable as it stands (so it cannot be
# Unicode); ABBREVIATION: it changes but has no vowel ("®/c" → "đ/c", "§VT" → "ĐVT"), which
# counts neither for nor against.

_CHANGED, _VALID, _STRONG, _ABBREVIATION = 1, 2, 4, 8

# A text's evidence is one int: for each encoding, four 16-bit counts of words (changed,
# valid, strong, abbreviations), so a text's evidence is the plain sum over its words (an
# Excel cell holds at most 32,767 characters, so no count overflows into the next).
_FIELD = 16
_MASK = (1 << _FIELD) - 1
_BASE = {TCVN3: 0, VNI: 4 * _FIELD}


def _word_flags(word: str, encoding: str) -> int:
    converted = _raw_decode(word, encoding)
    if converted == word:
        return 0
    if not _has_vowel(converted):
        return _ABBREVIATION
    if not is_syllable(converted):
        return _CHANGED
    if (
        len(converted) >= 2
        and any("a" <= ch <= "z" or "A" <= ch <= "Z" for ch in word)
        and not (word.isalpha() and is_syllable(word))
    ):
        return _CHANGED | _VALID | _STRONG
    return _CHANGED | _VALID


@lru_cache(maxsize=262_144)
def _word_evidence(word: str) -> int:
    total = 0
    for encoding, base in _BASE.items():
        flags = _word_flags(word, encoding)
        for field, bit in enumerate((_CHANGED, _VALID, _STRONG, _ABBREVIATION)):
            if flags & bit:
                total += 1 << (base + field * _FIELD)
    return total


def _evidence(text: str) -> int:
    """Summed word evidence of a text that can be legacy."""
    return sum(map(_word_evidence, _tables().word.findall(text)))


def _counts(evidence: int, encoding: str) -> tuple[int, int, int, int]:
    """(changed, valid, strong, abbreviations) words of ``evidence`` for ``encoding``."""
    e = evidence >> _BASE[encoding]
    return e & _MASK, e >> _FIELD & _MASK, e >> 2 * _FIELD & _MASK, e >> 3 * _FIELD & _MASK


@lru_cache(maxsize=65_536)
def _plausible(evidence: int, encoding: str) -> bool:
    """Something changes and (nearly) every changed word becomes Vietnamese.

    One changed word in ten may stay odd (a foreign name), none in a shorter text.
    """
    changed, valid, _, abbreviations = _counts(evidence, encoding)
    if changed == 0:
        return abbreviations > 0
    return changed - valid <= changed // 10


@lru_cache(maxsize=65_536)
def _detect(evidence: int) -> str | None:
    """The encoding with strong, plausible evidence; the stronger if both have it."""
    if not evidence:
        return None
    found = []
    for encoding in ENCODINGS:
        changed, valid, strong, _ = _counts(evidence, encoding)
        if strong and _plausible(evidence, encoding):
            found.append(((strong, valid / changed), encoding))
    if not found:
        return None
    found.sort(reverse=True)
    if len(found) > 1 and found[0][0] == found[1][0]:
        return None
    return found[0][1]


def _legacy_possible(text: str) -> bool:
    return not text.isascii() and _NOT_LEGACY.search(text) is None


def detect_encoding(text: str) -> str | None:
    """The legacy encoding of ``text``: "tcvn3", "vni", or None (Unicode, ASCII, Western
    text, or too little evidence).

    Legacy only when the converted words look like Vietnamese syllables (all of them, or
    nine in ten in texts of ten changed words or more) and at least one of them cannot be
    Unicode Vietnamese as it stands.
    """
    if not isinstance(text, str) or not _legacy_possible(text):
        return None
    return _detect(_evidence(text))


def to_unicode(text: str, encoding: str | None = None) -> str:
    """``text`` converted from TCVN3/VNI to NFC Unicode.

    With ``encoding=None`` the encoding is detected, and a text that is not legacy is
    returned unchanged. With an explicit encoding the conversion is done as asked, except
    that a text holding characters no legacy encoding produces (so already Unicode) is
    returned unchanged.
    """
    _check_encoding(encoding)
    if not _legacy_possible(text):
        return text
    if encoding is None:
        encoding = _detect(_evidence(text))
        if encoding is None:
            return text
    return _decode(text, encoding)


# ---------------------------------------------------------------------------------------------
# sheets


def _profiles(values: Iterable[object]) -> tuple[dict[str, int], int]:
    """Evidence for the distinct cells that can be legacy, and how many cells are Unicode."""
    profiles: dict[str, int] = {}
    unicode_cells = 0
    for value in values if isinstance(values, (set, frozenset)) else set(values):
        if not isinstance(value, str) or value.isascii():
            continue
        if _NOT_LEGACY.search(value):
            unicode_cells += 1
        else:
            profiles[value] = _evidence(value)
    return profiles, unicode_cells


def _sheet_decision(profiles: dict[str, int], unicode_cells: int) -> str | None:
    votes: Counter[str] = Counter()
    neutral: Counter[str] = Counter()
    for evidence in profiles.values():
        detected = _detect(evidence)
        if detected:
            votes[detected] += 1
            continue
        for encoding in ENCODINGS:
            if _plausible(evidence, encoding):
                neutral[encoding] += 1
    if not votes:
        return None
    ranked = votes.most_common()
    encoding, n_votes = ranked[0]
    if len(ranked) > 1 and ranked[1][1] == n_votes:
        return None
    total = len(profiles) + unicode_cells
    against = total - n_votes - neutral[encoding]
    if n_votes < 2 or n_votes * 5 < 4 * (n_votes + against):
        return None
    if (n_votes + neutral[encoding]) * 2 < total:
        return None
    return encoding


def sheet_encoding(values: Iterable[object]) -> str | None:
    """The legacy encoding of a sheet whose text cells are mostly legacy, else None.

    Among the distinct non-ASCII text cells, each is a vote (detected as legacy on its own),
    evidence against (Unicode, or its words do not become Vietnamese), or neutral (converts
    plausibly but could as well be Unicode, like "Chi bé"). The sheet is legacy when at
    least two cells vote for one encoding, votes are at least four in five of the cells
    with an opinion, and votes and neutral cells together are at least half of the cells.
    """
    return _sheet_decision(*_profiles(values))


def convert_values(
    values: Iterable[object], encoding: str | None = None, *, per_cell: bool = False
) -> dict[str, str]:
    """{original: converted} for the distinct strings in ``values`` that change.

    * ``encoding`` given: the sheet is taken to be in it.
    * ``encoding=None`` (default): ``sheet_encoding`` decides. In a legacy sheet every cell
      that converts plausibly is converted, short ambiguous ones ("Chi bé") included.
    * Otherwise, and always with ``per_cell=True``: only cells detected as legacy on their
      own are converted (mixed sheets).

    A cell that is already Unicode (holds a character no legacy encoding produces) is never
    touched, nor is a cell whose changed words would not become Vietnamese. A cell detected
    on its own as the other encoding is converted from that one. Non-strings are ignored.
    """
    _check_encoding(encoding)
    profiles, unicode_cells = _profiles(values)
    if encoding is None and not per_cell:
        encoding = _sheet_decision(profiles, unicode_cells)
    out: dict[str, str] = {}
    for text, evidence in profiles.items():
        cell_encoding = _detect(evidence)
        if cell_encoding is None and encoding is not None and _plausible(evidence, encoding):
            cell_encoding = encoding
        if cell_encoding is None:
            continue
        converted = _decode(text, cell_encoding)
        if converted != text:
            out[text] = converted
    return out
