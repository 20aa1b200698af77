"""Which Party committee (đảng bộ, a grassroots committee: TCCSĐ) a row belongs to.

A committee is named in many ways — "Đảng bộ thị trấn Ngô Đồng", "ĐẢNG ỦY THỊ TRẤN NGÔ ĐỒNG",
"ĐU TT Ngô Đồng", "BCH Đảng bộ TT Ngô Đồng" — and all of them give one id,
``"thi-tran-ngo-dong"``: the organisation word ("Đảng bộ", "Đảng ủy", "BCH", "ĐU") is dropped
and a short unit word ("TT", "X.", "P.") is written in full. The words are data
(``resources/committee_words.csv``).

A row's committee comes from, first that applies (see :mod:`.load`): a committee column in
the sheet, the sheet's title block, the committees registry ("Danh mục đảng bộ"), the
workbook's folder, the dataset's one committee.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa

from .i18n import msg
from .problems import ProblemLog, log_at, place_of, stack_records
from .schema import COMMITTEE_ID, COMMITTEE_KINDS, STRING, UNNAMED_COMMITTEE, conform, empty
from .text import key, make_id, nfc
from .vocab import UnitWord, committee_prefixes, unit_words

_STOP = re.compile(r"^(?:\d+|nam|giai|nhiem|tu|den|ngay|thang|quy)$")
# A date word ends a place only before what it dates: a number ("NĂM 2019", "QUÝ IV"), or
# its own second word ("NHIỆM KỲ", "GIAI ĐOẠN", "TỪ NĂM", "ĐẾN THÁNG"); before anything else
# it is part of the place ("XÃ NAM ĐIỀN", "XÃ NAM ĐOÀN", "XÃ TÚ KIÊN", "XÃ HẢI NAM")
_NUMBER = re.compile(r"^(?:\d.*|[ivx]+)$")
_DATE_PAIRS = {"nhiem": {"ky"}, "giai": {"doan"}, "tu": {"nam", "ngay", "thang"}}
_DATE_PAIRS["den"] = _DATE_PAIRS["tu"]


@dataclass(frozen=True)
class CommitteeName:
    """A committee's name read from text: ``unit`` its unit word ("xã", "thị trấn"; None
    when the text gives only the place, "Giao Tiến"), ``place`` the key words after it."""

    unit: UnitWord | None
    place: tuple[str, ...]

    @property
    def id(self) -> str:
        """The committee's id: the unit in full, then the place ("xa-giao-tien")."""
        words = (*self.unit.means, *self.place) if self.unit else self.place
        return "-".join(words)

    @property
    def superior(self) -> bool:
        """A district, a city or a province: the parent in a heading, not a row's committee."""
        return self.unit is not None and self.unit.level == "superior"

    @property
    def kind(self) -> str:
        if self.unit is None or self.unit.level != "grassroots":
            return "other"
        return self.unit.kind


def _unit_at(words: list[str], i: int) -> UnitWord | None:
    for unit in unit_words():
        if tuple(words[i : i + len(unit.words)]) == unit.words:
            return unit
    return None


def _prefix_at(words: list[str], i: int) -> tuple[str, ...] | None:
    for prefix in committee_prefixes():
        if tuple(words[i : i + len(prefix)]) == prefix:
            return prefix
    return None


def _place(words: list[str]) -> tuple[str, ...]:
    """The place's words: up to a year, a date or a term ("… NĂM 2019", "2015–2019")."""
    out: list[str] = []
    for i, w in enumerate(words):
        after = words[i + 1] if i + 1 < len(words) else ""
        if _STOP.match(w) and (
            w[0].isdigit() or _NUMBER.match(after) or after in _DATE_PAIRS.get(w, ())
        ):
            break
        out.append(w)
    return tuple(out)


def _named(words: list[str], start: int, *, need_unit: bool) -> CommitteeName | None:
    """The committee named from ``words[start]`` on, just after an organisation word."""
    unit = _unit_at(words, start)
    if unit is None and need_unit:
        return None
    place = _place(words[start + (len(unit.words) if unit else 0) :])
    if not place:
        return None
    return CommitteeName(unit, place)


@lru_cache(maxsize=20_000)
def parse(text: str) -> CommitteeName | None:
    """The committee a cell of a committee column names ("Đảng bộ xã Giao Tiến", "TT Ngô
    Đồng", "Giao Tiến"); None for an empty cell."""
    words = key(nfc(str(text))).split()
    if not words:
        return None
    prefix = _prefix_at(words, 0)
    start = len(prefix) if prefix else 0
    # a short organisation word only before a known unit ("DỰ THẢO" folds to "du thao")
    return _named(words, start, need_unit=prefix is not None and prefix not in _FULL_PREFIXES)


# An organisation word written in full may stand before a unit no table knows ("ĐẢNG BỘ VIỆN
# KHOA HỌC"); a short one ("ĐU", "BCH") only before a known unit, as "DỰ THẢO" folds to "du".
_FULL_PREFIXES = {("dang", "bo"), ("dang", "uy"), ("ban", "chap", "hanh", "dang", "bo")}


@lru_cache(maxsize=20_000)
def in_title(text: str) -> CommitteeName | None:
    """The committee a title line names: a heading line ("ĐẢNG ỦY THỊ TRẤN NGÔ ĐỒNG",
    "ĐẢNG BỘ HUYỆN GIAO THỦY") or a committee inside a title ("KẾT QUẢ XẾP LOẠI … ĐẢNG BỘ XÃ
    GIAO TIẾN NĂM 2019"); None if the line names none."""
    words = key(nfc(str(text))).split()
    prefix = _prefix_at(words, 0)
    if prefix:
        found = _named(words, len(prefix), need_unit=prefix not in _FULL_PREFIXES)
        if found is not None:
            return found
    for i in range(1, len(words)):
        prefix = _prefix_at(words, i)
        if prefix in _FULL_PREFIXES:
            found = _named(words, i + len(prefix), need_unit=True)
            if found is not None:
                return found
    return None


@dataclass(frozen=True)
class Heading:
    """What a sheet's title block says: the committee (as written) and its parent."""

    committee: str | None
    parent: str | None


def heading(lines: list[str]) -> Heading:
    """The committee and parent named by a sheet's title lines, top to bottom.

    Party documents carry a two-line heading top left: the superior committee over the
    issuing one ("ĐẢNG BỘ HUYỆN GIAO THỦY" / "ĐẢNG ỦY THỊ TRẤN NGÔ ĐỒNG"). The lowest line
    naming a grassroots committee is the committee; the superior line above it, the
    parent."""
    committee = parent = None
    for line in lines:
        found = in_title(line)
        if found is None:
            continue
        if found.superior:
            if committee is None:
                parent = line
        else:
            committee = line
    return Heading(committee, parent)


def display_name(written: str) -> str:
    """A committee's name for tables and charts: "Đảng bộ thị trấn Ngô Đồng" for
    "ĐẢNG ỦY THỊ TRẤN NGÔ ĐỒNG" or "ĐU TT Ngô Đồng"; text that is already in mixed case and
    written in full is kept as written."""
    text = " ".join(nfc(str(written)).split())
    found = parse(text) or in_title(text)
    if found is None:
        return text
    words = text.split()
    # the place as written: its last words (key words and written words match one to one
    # there, as places carry no abbreviation)
    place = words[-len(found.place) :] if len(words) >= len(found.place) else words
    place_words = [w.capitalize() if w.isupper() or w.islower() else w for w in place]
    mixed = not text.isupper() and parse(text) is not None and _written_in_full(text)
    if mixed:
        return text
    unit = found.unit.shown if found.unit else ""
    return " ".join(p for p in ("Đảng bộ", unit, " ".join(place_words)) if p)


def _written_in_full(text: str) -> bool:
    words = key(text).split()
    prefix = _prefix_at(words, 0)
    if prefix is None or prefix not in _FULL_PREFIXES:
        return False
    unit = _unit_at(words, len(prefix))
    return unit is None or unit.words == unit.means


# --------------------------------------------------------------------------- registry
@dataclass
class CommitteeRegistry:
    """Committees from a "Danh mục đảng bộ" sheet (Mã đảng bộ, Tên đảng bộ, Tên gọi khác,
    Loại, Trực thuộc, Tỉnh, Từ năm, Đến năm, Đảng bộ kế thừa): it fixes ids, names, parents
    and successors, and wins over what is derived from the names."""

    rows: pd.DataFrame  # the committees table's columns, one row per registered committee
    by_key: dict[str, str]  # key of a name, an alias or an id → id

    @classmethod
    def empty(cls) -> CommitteeRegistry:
        return cls(empty("committees"), {})

    @classmethod
    def build(cls, records: pd.DataFrame, log: ProblemLog) -> CommitteeRegistry:
        if records.empty:
            return cls.empty()
        rows: list[dict[str, object]] = []
        by_key: dict[str, str] = {}
        places = place_of(records, "name")
        seen: set[str] = set()
        for i, rec in records.iterrows():
            name = str(rec["name"])
            parsed = parse(name)
            written_id = _text(rec.get(COMMITTEE_ID))
            cid = written_id or (parsed.id if parsed else make_id(name))
            if cid in seen:
                log_at(
                    log,
                    places[i],
                    "error",
                    msg(
                        "committee id {id} is listed twice in the committees registry (Danh "
                        "mục đảng bộ); give each committee its own id",
                        id=repr(cid),
                    ),
                    value=cid,
                    rule="registry",
                )
                continue
            seen.add(cid)
            kind_text = _text(rec.get("kind"))
            kind = _kind_of(kind_text) if kind_text else (parsed.kind if parsed else "other")
            kind = registry_kind(log, places[i], kind, kind_text, name)
            aliases = [a.strip() for a in _text(rec.get("aliases")).split(";") if a.strip()]
            for alias in (name, *aliases, cid):
                by_key.setdefault(_name_key(alias), cid)
            rows.append(
                {
                    COMMITTEE_ID: cid,
                    "committee": display_name(name),
                    "kind": kind,
                    "parent": _text(rec.get("parent")) or None,
                    "province": _text(rec.get("province")) or None,
                    "first_year": rec.get("first_year"),
                    "last_year": rec.get("last_year"),
                    "successor_id": _text(rec.get("successor")) or None,
                }
            )
        table = conform(pd.DataFrame(rows), "committees") if rows else empty("committees")
        known = set(table[COMMITTEE_ID])
        successors = []
        for i, succ in zip(
            records.index, records.get("successor", [None] * len(records)), strict=True
        ):
            succ = _text(succ)
            resolved = succ if succ in known else by_key.get(_name_key(succ)) if succ else None
            if succ and resolved is None:
                log_at(
                    log,
                    places[i],
                    "error",
                    msg(
                        "successor {successor} of {name} is not a committee of the registry; "
                        "write the id (Mã đảng bộ) of the committee it merged into",
                        successor=repr(succ),
                        name=repr(records.at[i, "name"]),
                    ),
                    value=succ,
                    rule="registry",
                )
            successors.append((succ, resolved))
        fix = {s: r for s, r in successors if s and r}
        table["successor_id"] = (
            table["successor_id"].map(lambda s: fix.get(s, s) if isinstance(s, str) else s)
        ).astype(STRING)
        return cls(table, by_key)

    def find(self, text: str) -> str | None:
        """The registered id of a committee written ``text``, if the registry names it."""
        return self.by_key.get(_name_key(text)) if self.by_key else None


def registry_kind(log: ProblemLog, place: str, kind: str | None, written: str, name: str) -> str:
    """The kind a registry row gives (a committee's or a cell's "Loại"), or "other" with a
    warning at ``place`` when what is ``written`` names no kind."""
    if kind is not None:
        return kind
    log_at(
        log,
        place,
        "warning",
        msg("unknown kind {kind} for {name}; using 'other'", kind=repr(written), name=repr(name)),
        value=written,
        rule="registry",
    )
    return "other"


def _text(value: object) -> str:
    """A registry cell as text; "" for a blank one."""
    return (
        ""
        if value is None or (isinstance(value, float) and value != value)
        else str(value).strip()
    )


def _name_key(text: str) -> str:
    """What two ways of writing one committee share: its id when the text parses as a
    committee's name, else its folded words."""
    parsed = parse(text)
    return parsed.id if parsed is not None else "-".join(key(str(text)).split())


def _kind_of(text: str) -> str | None:
    """A registry's "Loại" ("Xã", "Thị trấn", "Cơ quan", "commune") → a committee kind."""
    words = tuple(key(text).split())
    for unit in unit_words():
        if words == unit.words or words == unit.means:
            return unit.kind if unit.level == "grassroots" else "other"
    return text if text in COMMITTEE_KINDS else None


# --------------------------------------------------------------------------- assignment
@dataclass
class Seen:
    """What the records said of each committee: how it was written (for its display name),
    its parent as headings wrote it, the years it has data for."""

    written: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    parents: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    years: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))


def _folder(shown_file: str) -> str | None:
    """The first folder of a file's path under the folder loaded ("giao-tien" for
    "giao-tien/xep_loai_2019.xlsx"); None for a file directly in it."""
    parts = shown_file.split("/")
    return parts[0] if len(parts) > 1 else None


_UNKNOWN = object()


@dataclass
class Assigned:
    """A frame of records and, per row, codes of its committee id and of the committee as
    written (:meth:`Assigner.assign`; :meth:`Assigner.stack` makes them columns)."""

    frame: pd.DataFrame
    ids: np.ndarray
    written: np.ndarray


class Assigner:
    """Gives every record its committee (DESIGN.md › Committees), first that applies: a
    committee column, the title block, the workbook's folder, the dataset's one committee
    (``committee=``, else the only one the data names). The registry fixes ids throughout."""

    def __init__(self, registry: CommitteeRegistry, committee: str | None, log: ProblemLog):
        self.registry = registry
        self.log = log
        self.seen = Seen()
        self._places: dict[tuple[str, ...], set[str]] = defaultdict(set)
        for name, cid in zip(registry.rows["committee"], registry.rows[COMMITTEE_ID], strict=True):
            parsed = parse(str(name))
            if parsed is not None:
                self._places[parsed.place].add(cid)
        self._asked = committee
        self._default: object = _UNKNOWN  # default(), once the first pass is done
        self._named: set[str] = set()
        # folder → the committees its workbooks' titles and columns name
        self._by_folder: dict[str, set[str]] = defaultdict(set)
        # the ids and spellings given out by assign(), each once: a record carries their
        # codes until stack() spreads them over the rows of a whole table
        self._ids: dict[str, int] = {}
        self._spellings: dict[str, int] = {}

    # ------------------------------------------------------------------ naming
    def _parsed_id(self, parsed: CommitteeName | None, text: str) -> str | None:
        found = self.registry.find(text)
        if found is not None:
            return found
        if parsed is None:
            return None
        if parsed.unit is None:  # the place alone ("Giao Tiến"): the one committee there
            there = self._places.get(parsed.place, set())
            if len(there) == 1:
                return next(iter(there))
        found = self.registry.find(parsed.id)
        return found or parsed.id

    def column_id(self, text: str) -> str | None:
        return self._parsed_id(parse(text), text)

    def title_id(self, text: str) -> str | None:
        return self._parsed_id(in_title(text), text)

    def folder_id(self, folder: str) -> tuple[str | None, bool]:
        """The committee of a folder, and whether it is a known one (registered, or named by
        some workbook's content): only a known one can disagree with a title."""
        found = self.registry.find(folder)
        if found is not None:
            return found, True
        named_here = self._by_folder.get(folder, set())
        if len(named_here) == 1:  # the committee the folder's other workbooks name
            return next(iter(named_here)), True
        parsed = parse(folder.replace("-", " ").replace("_", " "))
        if parsed is None:
            return None, False
        if parsed.unit is None:
            there = self._places.get(parsed.place, set())
            if len(there) == 1:
                return next(iter(there)), True
        return parsed.id, parsed.id in self._named

    # ------------------------------------------------------------------ passes
    def learn(self, frame: pd.DataFrame, kind: str) -> None:
        """First pass: the committees a frame's content names, so that a place written
        alone ("Giao Tiến"), a folder's committee and the dataset's one committee can be
        told."""
        if frame.empty:
            return
        has_column = _has_column(frame, kind)
        texts = list(_column_texts(frame, kind).dropna().unique()) if has_column else []
        title = frame.attrs.get("title")
        folder = _folder(frame.attrs["file"])
        for text, how in [(t, parse) for t in texts] + ([(title, in_title)] if title else []):
            parsed = how(text)
            cid = self.registry.find(text)
            if parsed is not None and parsed.unit is not None:
                cid = cid or self.registry.find(parsed.id) or parsed.id
                self._places[parsed.place].add(cid)
            if cid is not None:
                self._named.add(cid)
                if folder is not None:
                    self._by_folder[folder].add(cid)

    def default(self) -> str | None:
        """The dataset's one committee: ``committee=``, else the only one named, else the
        unnamed one when none is; None when several are named (a workbook naming none is
        then an error). Worked out once, after the first pass (:meth:`learn`)."""
        if self._default is _UNKNOWN:
            self._default = self._one_committee()
        return self._default  # type: ignore[return-value]

    def _one_committee(self) -> str | None:
        if self._asked:
            return self.column_id(self._asked) or make_id(self._asked)
        named = self._named | set(self.registry.rows[COMMITTEE_ID])
        if len(named) == 1:
            return next(iter(named))
        return UNNAMED_COMMITTEE if not named else None

    def assign(self, frame: pd.DataFrame, kind: str) -> Assigned:
        """Second pass: each row's committee (its id, and ``_committee``: as written), as
        codes that :meth:`stack` turns into columns once the frames are joined; rows whose
        committee cannot be told are dropped (an error)."""
        n = len(frame)
        file, sheet = frame.attrs["file"], frame.attrs["sheet"]
        title = frame.attrs.get("title")
        parent = frame.attrs.get("parent")
        title_cid = self.title_id(title) if title else None
        folder = _folder(file)
        folder_cid, folder_known = self.folder_id(folder) if folder else (None, False)
        if title_cid and folder_cid and folder_known and title_cid != folder_cid:
            self.log.warning(
                file,
                sheet,
                None,
                msg(
                    "the title names {title}, but the folder '{folder}' is that of "
                    "{committee}; the title was followed. Move the workbook or correct its "
                    "title",
                    title=repr(title),
                    folder=folder,
                    committee=repr(self._shown(folder_cid)),
                ),
                value=title,
                rule="committee",
            )
        if title_cid:
            fallback, fallback_text = title_cid, title
        elif folder_cid:  # written as words, so that its name reads "… Bao Song"
            fallback, fallback_text = folder_cid, folder.replace("-", " ").replace("_", " ")
        else:
            fallback, fallback_text = self.default(), self._asked
        if not _has_column(frame, kind):
            if fallback is not None:
                # one committee for the whole frame, written one way (a title, a folder)
                self._note(fallback, Counter({fallback_text: n}), _years(frame), parent)
                return Assigned(
                    frame,
                    np.full(n, self._code(self._ids, fallback), dtype=np.int32),
                    np.full(n, self._code(self._spellings, fallback_text), dtype=np.int32),
                )
        ids = np.full(n, fallback, dtype=object)
        written = np.full(n, fallback_text, dtype=object)
        if _has_column(frame, kind):
            texts = _column_texts(frame, kind)
            have = texts.notna().to_numpy()
            distinct = texts[have].unique()
            resolved = {t: self.column_id(t) for t in distinct}
            col_ids = texts[have].map(resolved).to_numpy(dtype=object)
            ids[have] = col_ids
            written[have] = texts[have].to_numpy(dtype=object)
            others = {c: t for t, c in resolved.items() if c and c != title_cid}
            if title_cid and others and not (in_title(title) or parse(title)).superior:
                self.log.warning(
                    file,
                    sheet,
                    None,
                    msg(
                        "the title names {title}, but the rows name {rows}; each row was "
                        "given the committee it names",
                        title=repr(title),
                        rows=", ".join(repr(others[c]) for c in sorted(others)[:3]),
                    ),
                    value=title,
                    rule="committee",
                )
        missing = pd.isna(ids)
        if missing.any():
            self.log.error(
                file,
                sheet,
                None,
                msg(
                    "this sheet names no committee, and the folder holds several ({named}): "
                    "put the committee in the title ('ĐẢNG ỦY XÃ …'), put the workbook in a "
                    "folder of its own, or name the committee (`--committee`); its rows were "
                    "not read",
                    named=", ".join(repr(self._shown(c)) for c in sorted(self._named)[:4])
                    + (", …" if len(self._named) > 4 else ""),
                ),
                rule="committee",
            )
            keep = ~missing
            frame, ids, written = frame[keep], ids[keep], written[keep]
        self._remember(frame, ids, written, parent)
        return Assigned(frame, self._codes(self._ids, ids), self._codes(self._spellings, written))

    @staticmethod
    def _code(table: dict[str, int], value: object) -> int:
        """The code of ``value`` in ``table`` (added when new); -1 for a missing one."""
        return -1 if pd.isna(value) else table.setdefault(str(value), len(table))

    def _codes(self, table: dict[str, int], values: np.ndarray) -> np.ndarray:
        codes, uniques = pd.factorize(values, use_na_sentinel=False)
        return np.array([self._code(table, u) for u in uniques], dtype=np.int32)[codes]

    def stack(self, pieces: list[Assigned]) -> pd.DataFrame:
        """The frames of ``pieces`` as one, with ``committee_id`` and ``_committee`` built
        from their codes at once: a column per frame made and joined was most of the
        committee dimension's cost at national scale (17,000 files)."""
        if not pieces:
            return pd.DataFrame()
        records = stack_records([p.frame for p in pieces])
        # the tables' values in code order (dicts keep insertion order); rows dropped for
        # want of a committee are gone, so every id has a code
        ids = np.concatenate([p.ids for p in pieces])
        spread = pa.array(list(self._ids), type=pa.large_string()).take(ids)
        records[COMMITTEE_ID] = pd.Series(
            pd.arrays.ArrowStringArray(spread), index=records.index, copy=False
        )
        # the committee as written is bookkeeping (problems, the committees table): codes
        records["_committee"] = pd.Categorical.from_codes(
            np.concatenate([p.written for p in pieces]),
            categories=pd.Index(list(self._spellings), dtype=object),
        )
        return records

    def _remember(
        self, frame: pd.DataFrame, ids: np.ndarray, written: np.ndarray, parent: str | None
    ) -> None:
        """What ``frame`` (its rows' committee ``ids``, as ``written``) says of its
        committees, one committee at a time (:meth:`_note`)."""
        if frame.empty:
            return
        written = np.where(pd.isna(written), "", written).astype(object)
        years = _years(frame)
        for cid in dict.fromkeys(ids):
            if isinstance(cid, str):
                mine = ids == cid
                self._note(cid, Counter(written[mine].tolist()), years[mine], parent)

    def _note(self, cid: str, spellings: Counter, years: np.ndarray, parent: str | None) -> None:
        """Spellings, years and parent seen of committee ``cid``."""
        for text, n in spellings.items():
            if isinstance(text, str) and text:
                self.seen.written[cid][text] += n
        self.seen.years[cid].update(int(y) for y in np.unique(years[~np.isnan(years)]))
        if parent:
            self.seen.parents[cid][parent] += 1

    def _shown(self, cid: str) -> str:
        reg = self.registry.rows
        hit = reg.loc[reg[COMMITTEE_ID] == cid, "committee"]
        if len(hit):
            return str(hit.iloc[0])
        names = self.seen.written.get(cid)
        return display_name(names.most_common(1)[0][0]) if names else cid

    # ------------------------------------------------------------------ the table
    def table(self) -> pd.DataFrame:
        """The committees table: the registry's committees and every committee seen."""
        reg = self.registry.rows
        rows = []
        for cid in sorted(set(self.seen.written) | set(self.seen.years)):
            if cid in set(reg[COMMITTEE_ID]):
                continue
            names = self.seen.written.get(cid) or Counter()
            best = _best_written(names)
            parsed = parse(best) or in_title(best) if best else None
            parents = self.seen.parents.get(cid)
            years = self.seen.years.get(cid) or set()
            rows.append(
                {
                    COMMITTEE_ID: cid,
                    "committee": display_name(best) if best else None,
                    "kind": parsed.kind if parsed else "other",
                    "parent": display_name(parents.most_common(1)[0][0]) if parents else None,
                    "province": None,
                    "first_year": min(years) if years else None,
                    "last_year": None,
                    "successor_id": None,
                }
            )
        table = pd.concat([reg, pd.DataFrame(rows)], ignore_index=True) if rows else reg.copy()
        if table.empty:
            return empty("committees")
        first_seen = table[COMMITTEE_ID].map({c: min(y) for c, y in self.seen.years.items() if y})
        table["first_year"] = (
            table["first_year"].astype("Float64").fillna(first_seen.astype("Float64"))
        )
        return conform(table, "committees")


def _best_written(names: Counter) -> str | None:
    """The spelling to show: written in full and mixed case if any is, then the commonest."""
    if not names:
        return None
    ranked = sorted(
        names.items(), key=lambda kv: (not _written_in_full(kv[0]), kv[0].isupper(), -kv[1])
    )
    return ranked[0][0]


def _names_committees(frame: pd.DataFrame, kind: str) -> bool:
    """Whether a frame's rows are committees (its name column is a committee's): the
    committees' own ratings, a district's counts by rating."""
    return kind == "committee_ratings" or frame.attrs.get("name_field") == "unit"


_NUMBERING = re.compile(r"^(?:[ivxlc]+|\d+|[a-z])$")


@lru_cache(maxsize=20_000)
def is_heading(text: str) -> bool:
    """Whether a row's name is a committee's heading inside a sheet of cells ("I. ĐẢNG BỘ XÃ
    GIAO LẠC", "Đảng bộ thị trấn Ngô Đồng"): an organisation word written in full, a
    grassroots unit and a place — never a cell ("Chi bộ …", "Đảng bộ bộ phận …")."""
    words = key(nfc(str(text))).split()
    if words and _NUMBERING.match(words[0]):
        words = words[1:]
    prefix = _prefix_at(words, 0)
    if prefix not in _FULL_PREFIXES:
        return False
    unit = _unit_at(words, len(prefix))
    return (
        unit is not None
        and unit.level == "grassroots"
        and bool(_place(words[len(prefix) + len(unit.words) :]))
    )


def _has_column(frame: pd.DataFrame, kind: str) -> bool:
    return _names_committees(frame, kind) or "unit" in frame.columns or "_heading" in frame.columns


def _column_texts(frame: pd.DataFrame, kind: str) -> pd.Series:
    """Each row's committee as its committee column writes it (blank: the row above's, as a
    compiled sheet writes a committee once over its block of cells), else as the committee
    heading above it does; NA where none."""
    if _names_committees(frame, kind):
        return _texts_only(frame["name"])
    texts = pd.Series(np.nan, index=frame.index, dtype=object)
    if "unit" in frame.columns:
        texts = _texts_only(frame["unit"]).ffill()
    if "_heading" in frame.columns:  # the committee heading above the row (extract)
        texts = texts.where(texts.notna(), frame["_heading"].astype(object))
    return texts


def _has_text(value: object) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _years(frame: pd.DataFrame) -> np.ndarray:
    """Each record's year as a float (NaN where there is none)."""
    if "year" not in frame.columns:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame["year"], errors="coerce").to_numpy(dtype=float)


def _texts_only(column: pd.Series) -> pd.Series:
    """``column`` as objects, NaN where it holds no text; each distinct value tested once
    (a compiled district sheet has a committee cell on each of its 100,000 rows)."""
    codes, uniques = pd.factorize(column.astype(object), use_na_sentinel=False)
    has = np.array([_has_text(u) for u in uniques], dtype=bool)
    values = np.asarray(uniques, dtype=object)
    return pd.Series(np.where(has, values, np.nan)[codes], index=column.index, dtype=object)
