"""The package's domain tables, loaded once: header aliases, rating labels, crosswalk,
scales, score bands, cell kinds, poverty lines. All live in ``resources/`` as CSV so a user
can read (and replace) them; nothing here is a constant in code."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .config import resource, resource_rows
from .text import key, strip_parens

# Header aliases of one or two generic words are matched only as the whole header, never
# inside a longer one ("Tổng số" must not claim "Tổng số hộ nghèo").
_GENERIC = {"tong so", "dang vien", "thu nhap", "don vi", "ho", "khu", "thon", "xom", "nam"}


_rows = resource_rows


@cache
def blank_unknown() -> frozenset[str]:
    """Count fields whose blank cell means "not reported" (``blank=unknown`` in
    blanks.csv): one blank among filled cells makes a sum over the column incomplete."""
    return frozenset(r["field"] for r in _rows("blanks.csv") if r["blank"] == "unknown")


@cache
def dash_is_blank() -> frozenset[str]:
    """Fields whose dash ("-") means "not written" rather than 0 (``dash=blank`` in
    blanks.csv): a score, an income per person."""
    return frozenset(r["field"] for r in _rows("blanks.csv") if r.get("dash") == "blank")


@cache
def nested_headers() -> list[tuple[str, str, str]]:
    """(folded phrase, prefix|suffix, subset|cumulative) of compiled sheets' nested headers
    (``resources/nested_headers.csv``), longest phrase first."""
    rows = [(key(r["phrase"]), r["position"], r["meaning"]) for r in _rows("nested_headers.csv")]
    return sorted(rows, key=lambda r: -len(r[0]))


@cache
def rating_periods() -> list[tuple[str, str]]:
    """(folded phrase, period) of ratings that are not the yearly one (quarter, half-year,
    term), from ``resources/rating_periods.csv``."""
    return [(key(r["phrase"]), r["period"]) for r in _rows("rating_periods.csv")]


def rating_period(text: str) -> str | None:
    """The period ("quarter", "term", …) a sheet name or title names, if not the year."""
    folded = f" {key(text)} "
    return next((p for phrase, p in rating_periods() if f" {phrase} " in folded), None)


@cache
def header_example(field: str) -> str:
    """The first header headers.csv lists for ``field`` ("Chi bộ" for cell): what a
    message suggests writing."""
    return next((r["alias"] for r in _rows("headers.csv") if r["field"] == field), field)


@cache
def header_aliases() -> dict[str, str]:
    """matching key of a header → field name."""
    out: dict[str, str] = {}
    for row in _rows("headers.csv"):
        out.setdefault(key(strip_parens(row["alias"])), row["field"])
    return out


@cache
def header_phrases() -> list[tuple[str, str]]:
    """(key, field) for containment matching, longest first; generic aliases and those
    marked ``match=exact`` in headers.csv excluded."""
    exact = {key(strip_parens(r["alias"])) for r in _rows("headers.csv") if r["match"] == "exact"}
    items = [
        (k, f)
        for k, f in header_aliases().items()
        if len(k.split()) >= 2 and k not in _GENERIC and k not in exact
    ]
    return sorted(items, key=lambda kv: -len(kv[0]))


@cache
def subheader_rules() -> dict[str, str]:
    """matching key of a generic sub-header → rule (inherit, start, ignore, group)."""
    return {key(r["subheader"]): r["rule"] for r in _rows("subheaders.csv")}


@cache
def share_markers() -> tuple[str, ...]:
    """Matching keys of the words that make a header a share ("Tỷ lệ", "Phần trăm"): the
    sub-headers of rule ``share`` in subheaders.csv, longest first."""
    found = {k for k, rule in subheader_rules().items() if rule == "share"}
    return tuple(sorted(found, key=len, reverse=True))


@dataclass(frozen=True)
class Derivation:
    """A share column's meaning: ``numerator`` per ``denominator``, times ``scale``."""

    numerator: str
    denominator: str
    scale: float


@cache
def derived_columns() -> dict[str, Derivation]:
    """numerator field → how a share of it is derived (``resources/derived_columns.csv``)."""
    return {
        r["numerator"]: Derivation(r["numerator"], r["denominator"], float(r["scale"]))
        for r in _rows("derived_columns.csv")
    }


@dataclass(frozen=True)
class QuotaRule:
    """A cap on top ratings as a document writes it (``resources/quota_rules.csv``)."""

    rule: str
    subject: str  # members | organisations
    first_year: int
    last_year: int | None
    unit: str  # committee: the cap applies to a grassroots committee's totals
    rated: str  # the capped rating (HTXSNV)
    of: str  # the rating it is a share of (HTTNV)
    cap: float
    source: str
    note: str

    def covers(self, year: int) -> bool:
        return self.first_year <= year and (self.last_year is None or year <= self.last_year)


def quota_rules_path() -> Path:
    """The quota rules in force: ``NGODONG_QUOTA_RULES`` (a CSV of the same columns, e.g. a
    province's own rule) or the shipped table."""
    return resource("quota_rules.csv")


@cache
def _quota_rules(path: Path) -> tuple[QuotaRule, ...]:
    out = []
    for r in _rows("quota_rules.csv", path):
        if r["confirmed"].strip().lower() not in ("yes", "true", "1") or not r["cap"].strip():
            continue  # an unconfirmed rule is documented, never applied
        out.append(
            QuotaRule(
                r["rule"],
                r["subject"],
                int(r["first_year"]),
                int(r["last_year"]) if r["last_year"].strip() else None,
                r["unit"],
                r["rated"],
                r["of"],
                float(r["cap"]),
                r["source"],
                r["note"],
            )
        )
    return tuple(out)


def quota_rule(subject: str, year: int) -> QuotaRule | None:
    """The confirmed quota rule on ``subject`` ("members" or "organisations") for ratings of
    ``year``, or None when no confirmed rule covers it."""
    return next((q for q in _quota_rules(quota_rules_path()) if q.subject == subject
                 and q.covers(int(year))), None)  # fmt: skip


@dataclass(frozen=True)
class Label:
    code: str
    subject: str  # organisation | member
    family: str  # old | new | both
    text: str


@cache
def labels() -> dict[str, dict[str, Label]]:
    """subject → (matching key of a label → Label)."""
    out: dict[str, dict[str, Label]] = {"organisation": {}, "member": {}}
    for row in _rows("labels.csv"):
        lab = Label(row["code"], row["subject"], row["family"], row["label"])
        out[row["subject"]].setdefault(key(row["label"]), lab)
    return out


@cache
def canonical_labels() -> dict[tuple[str, str], str]:
    """(subject, code) → the first (full) Vietnamese label listed for it."""
    out: dict[tuple[str, str], str] = {}
    for row in _rows("labels.csv"):
        out.setdefault((row["subject"], row["code"]), row["label"])
    return out


def _families(scale: str) -> tuple[str, ...]:
    """The label families of labels.csv valid on ``scale``: its own (``family`` in
    scales.csv) and those of every scale ("both")."""
    return (scale_families()[scale], "both")


def scale_codes(scale: str, subject: str) -> tuple[str, ...]:
    """The rating codes of ``scale`` for ``subject`` ("organisation" or "member") in the
    crosswalk in force, best first."""
    return _scale_codes(resource("crosswalk.csv"), scale, subject)


@cache
def _scale_codes(path: Path, scale: str, subject: str) -> tuple[str, ...]:
    ranked = sorted(
        (rank, tier, code)
        for (s, subj, code), (rank, tier) in _crosswalk(path).items()
        if s == scale and subj == subject
    )
    return tuple(code for _, _, code in ranked)


@cache
def dropdown_label(scale: str, subject: str, code: str) -> str | None:
    """The label the template's dropdown shows for ``code`` on ``scale``: the first label of
    the scale's family in ``labels.csv`` ("Trong sạch, vững mạnh" before 2018, "Hoàn thành
    xuất sắc nhiệm vụ" from 2018); None if labels.csv has none."""
    wanted = _families(scale)
    return next(
        (
            lab.text
            for lab in labels()[subject].values()
            if lab.code == code and lab.family in wanted
        ),
        None,
    )


@cache
def scales() -> list[tuple[str, int, int]]:
    return [(r["scale"], int(r["first_year"]), int(r["last_year"])) for r in _rows("scales.csv")]


@cache
def scale_rules() -> dict[str, str]:
    """scale → the regulations that set it (the "rules" column of ``scales.csv``)."""
    return {r["scale"]: r["rules"] for r in _rows("scales.csv")}


def scale_changes(years) -> list[tuple[str, int]]:
    """(scale, first year) of each rating scale that starts inside the span of ``years``
    (after the first of them): where a chart or table marks a change of rules."""
    years = [int(y) for y in years]
    if not years:
        return []
    low, high = min(years), max(years)
    return [(name, first) for name, first, _ in scales() if low < first <= high]


@cache
def scale_families() -> dict[str, str]:
    """scale → the family of its labels in labels.csv (old before 2018, new from 2018)."""
    return {r["scale"]: r["family"] for r in _rows("scales.csv")}


def scale_for_year(year: int) -> str | None:
    for name, first, last in scales():
        if first <= year <= last:
            return name
    return None


def crosswalk() -> dict[tuple[str, str, str], tuple[int, int]]:
    """(scale, subject, code) → (rank, tier), from ``resources/crosswalk.csv`` or the file
    named by the ``NGODONG_CROSSWALK`` environment variable (a user's own crosswalk, same
    columns: scale, subject, rating, rank, tier)."""
    return _crosswalk(resource("crosswalk.csv"))


@cache
def _crosswalk(path: Path) -> dict[tuple[str, str, str], tuple[int, int]]:
    return {
        (r["scale"], r["subject"], r["rating"]): (int(r["rank"]), int(r["tier"]))
        for r in _rows("crosswalk.csv", path)
    }


@cache
def wrong_scale() -> dict[tuple[str, str, str], tuple[str, str]]:
    """(scale, subject, code from another scale) → (code mapped to, reason)."""
    return {
        (r["scale"], r["subject"], r["label_code"]): (r["mapped_code"], r["reason"])
        for r in _rows("wrong_scale.csv")
    }


@cache
def score_bands() -> list[tuple[str, float, float, str]]:
    """(scale, from, below, rating): half-open bands ``from <= score < below`` (QĐ 366 writes
    "70 to under 90"); the top band's ``below`` is past the maximum, so 100 is in it."""
    out = []
    for r in _rows("score_bands.csv"):
        below = float(r["below_score"]) if r["below_score"].strip() else math.inf
        out.append((r["scale"], float(r["from_score"]), below, r["rating"]))
    return out


def score_range() -> tuple[float, float]:
    """The lowest and highest score ``score_bands.csv`` allows (0–100)."""
    rows = _rows("score_bands.csv")
    return min(float(r["from_score"]) for r in rows), max(float(r["max_score"]) for r in rows)


@dataclass(frozen=True)
class IncomeUnit:
    """A word of an income header that sets its unit (``resources/income_units.csv``)."""

    word: str  # folded; "" for the period of a header that names none
    factor: float  # to million đồng (money) or to a year (period)
    name: str


@cache
def income_units(kind: str) -> tuple[IncomeUnit, ...]:
    """The ``kind`` ("money" or "period") rows of income_units.csv, in table order."""
    return tuple(
        IncomeUnit(r["word"], float(r["factor"]), r["name"])
        for r in _rows("income_units.csv")
        if r["kind"] == kind
    )


@dataclass(frozen=True)
class SheetKind:
    """When a sheet's columns make it a table of ``kind`` (``resources/sheet_kinds.csv``; the
    first row that fits decides).

    A row fits when the sheet has every field of ``all_of``, one of ``any_of`` (a field, a
    prefix ending in ``*`` such as ``mr:*``, or ``<year>`` for a column headed by a year
    alone), a names column among ``names`` and, if set, a name containing ``sheet_name``
    (folded). ``name`` is the field of the names column then (none: the one found), and
    ``year_columns`` what a column headed by a year alone holds."""

    kind: str
    all_of: frozenset[str]
    any_of: tuple[str, ...]
    names: frozenset[str]
    sheet_name: str
    name: str | None
    year_columns: str | None

    def fits(self, fields: set[str], year_columns: bool, found: str | None, sheet: str) -> bool:
        """Whether a sheet named ``sheet`` (folded), with ``fields``, columns headed by a
        year alone or not, and the names column ``found`` is of this kind."""

        def has(token: str) -> bool:
            if token == "<year>":
                return year_columns
            if token.endswith("*"):
                return any(f.startswith(token[:-1]) for f in fields)
            return token in fields

        return (
            self.all_of <= fields
            and (not self.any_of or any(has(t) for t in self.any_of))
            and (not self.names or found in self.names)
            and self.sheet_name in sheet
        )


@cache
def sheet_kinds() -> tuple[SheetKind, ...]:
    """The rules of ``resources/sheet_kinds.csv``, in order."""
    return tuple(
        SheetKind(
            r["kind"],
            frozenset(r["all_of"].split()),
            tuple(r["any_of"].split()),
            frozenset(r["names"].split()),
            key(r["sheet_name"]),
            r["name"] or None,
            r["year_columns"] or None,
        )
        for r in _rows("sheet_kinds.csv")
    )


@cache
def cell_kind_patterns() -> list[tuple[str, str]]:
    return [(r["pattern"], r["kind"]) for r in _rows("cell_kinds.csv")]


@cache
def poverty_lines() -> list[dict[str, str]]:
    return _rows("poverty_lines.csv")


@dataclass(frozen=True)
class Column:
    """What the charts and the report know of a column or measure (``resources/columns.csv``):
    its unit, its Excel number format, its chart colour ("#rrggbb", for matplotlib and the
    report's native charts) and the light fill a report cell of it gets behind black text."""

    name: str
    unit: str
    number_format: str | None
    colour: str | None
    fill: str | None


@cache
def columns() -> dict[str, Column]:
    """column or measure name → :class:`Column`, from ``resources/columns.csv``."""
    return {
        r["column"]: Column(
            r["column"],
            r["unit"],
            r["number_format"] or None,
            r["colour"] or None,
            r["fill"] or None,
        )
        for r in _rows("columns.csv")
    }


def colour(name: str) -> str:
    """The chart colour ("#rrggbb") of the column or measure ``name`` in columns.csv."""
    found = columns()[name].colour
    if found is None:
        raise KeyError(f"columns.csv gives {name!r} no colour")
    return found


def _nfc(text: object) -> str:
    return unicodedata.normalize("NFC", str(text))


@cache
def _texts() -> dict[str, dict[str, str]]:
    rows = _rows("texts.csv")
    langs = [c for c in (rows[0] if rows else {}) if c != "key"]
    return {lang: {_nfc(r["key"]): _nfc(r[lang]) for r in rows} for lang in langs}


def text_languages() -> tuple[str, ...]:
    """Languages of ``resources/texts.csv`` (its columns after ``key``)."""
    return tuple(_texts())


def has_text(key: str) -> bool:
    """Whether ``resources/texts.csv`` has the text ``key``."""
    return key in next(iter(_texts().values()), {})


def texts(lang: str = "vi") -> Callable[..., str]:
    """What users read in ``lang`` — charts, the report, the templates' instructions — from
    ``resources/texts.csv``: ``text(key, **fields)`` → NFC string."""
    tables = _texts()
    if lang not in tables:
        raise ValueError(f"lang={lang!r}: expected one of {', '.join(tables)}")
    table = tables[lang]

    def text(key: str, **fields: object) -> str:
        return _nfc(table[key].format(**fields))

    return text


TOTALS_KEYS = ("tong cong", "cong", "tong so", "toan dang bo", "tong", "cong toan dang bo")


@dataclass(frozen=True)
class UnitWord:
    """A word naming a committee's unit ("xã", "thị trấn", "huyện"), from committee_words.csv:
    ``words`` as key words, ``shown`` the unit as a name writes it in full ("thị trấn", also
    for the short "TT"), ``means`` that as key words, ``kind`` the committee's kind, ``level``
    "grassroots" or "superior" (a district, a province: the parent in a Party heading, never
    a row's committee)."""

    words: tuple[str, ...]
    means: tuple[str, ...]
    shown: str
    kind: str
    level: str


@cache
def committee_prefixes() -> tuple[tuple[str, ...], ...]:
    """The organisation words before a committee's unit ("đảng bộ", "đảng ủy", "BCH đảng bộ",
    "ĐU"), as key words, longest first."""
    rows = {
        tuple(key(r["words"]).split())
        for r in _rows("committee_words.csv")
        if r["role"] == "prefix"
    }
    return tuple(sorted(rows, key=lambda w: (-len(w), w)))


@cache
def unit_words() -> tuple[UnitWord, ...]:
    """The unit words of committee_words.csv, longest first ("quân sự" before "quận")."""
    rows = [
        UnitWord(
            tuple(key(r["words"]).split()),
            tuple(key(r["means"]).split()),
            r["means"],
            r["kind"],
            r["level"],
        )
        for r in _rows("committee_words.csv")
        if r["role"] == "unit"
    ]
    return tuple(sorted(rows, key=lambda u: -len(u.words)))
