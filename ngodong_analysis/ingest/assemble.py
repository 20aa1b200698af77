"""Records of many sheets → the contract's tables: ids, ratings, merging, the cell list."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..committees import registry_kind
from ..grouping import key_order
from ..i18n import Message, either, msg
from ..problems import MAX_PER_RULE, ProblemLog, as_written, keep_first, log_at, place_of
from ..schema import (
    AREA_ID,
    CELL_ID,
    CELL_KEY,
    COMMITTEE_ID,
    INCOME_FIELDS,
    MEMBER_FIELDS,
    MEMBER_RATING_CODES,
    RATING,
    RATING_CODES,
    STRING,
    UNNAMED_COMMITTEE,
    conform,
    empty,
    key_of,
)
from ..text import key, make_id
from ..vocab import (
    canonical_labels,
    crosswalk,
    dropdown_label,
    scale_codes,
    scale_for_year,
    scale_rules,
    score_range,
    wrong_scale,
)
from .extract import map_distinct, text_column
from .normalise import infer_kind, kind_from_text, match_label, rating_from_score, suggest_labels

FIRST_YEAR = 1930  # the Party's founding; anything earlier is a typing error


# --------------------------------------------------------------------------- registry
@dataclass
class Registry:
    """Cell ids, names and kinds from a "Danh mục chi bộ" sheet; wins over derivation.

    A cell is known within its committee: "tdp-2" of one commune is not "tdp-2" of the next.
    The lookups are keyed by (committee_id, name key)."""

    cells: pd.DataFrame
    by_key: dict[tuple[str, str], str]
    by_derived: dict[tuple[str, str], str]
    # (committee, name) → id, filled as names are resolved: names recur in several tables
    _resolved: dict[tuple[str, str], str] = dataclasses.field(
        default_factory=dict, repr=False, compare=False
    )

    @classmethod
    def empty(cls) -> Registry:
        return cls(empty("cells"), {}, {})

    @classmethod
    def build(cls, records: pd.DataFrame, log: ProblemLog) -> Registry:
        if records.empty:
            return cls.empty()
        rows = []
        by_key: dict[tuple[str, str], str] = {}
        by_derived: dict[tuple[str, str], str] = {}
        places = place_of(records, CELL_ID)
        scopes = _scope_values(records)
        listed: set[tuple[str, str]] = set()
        for pos, (i, rec) in enumerate(records.iterrows()):
            name = rec["name"]
            scope = scopes[pos]
            cid = (rec.get(CELL_ID) or "").strip() or make_id(name)
            if (scope, cid) in listed:
                log_at(
                    log,
                    places[i],
                    "error",
                    msg(
                        "cell id {id} is listed twice in the registry; give each cell its own id",
                        id=repr(cid),
                    ),
                    value=cid,
                    rule="registry",
                )
                continue
            listed.add((scope, cid))
            kind_text = rec.get("kind") or ""
            kind = kind_from_text(kind_text) if kind_text else infer_kind(name)
            kind = registry_kind(log, places[i], kind, kind_text, name)
            area = rec.get("area") or ""
            area_id = make_id(area) if area else (cid if kind == "residential" else None)
            aliases = [a.strip() for a in str(rec.get("aliases") or "").split(";") if a.strip()]
            for alias in [name, *aliases, cid]:
                by_key.setdefault((scope, key(alias)), cid)
                by_derived.setdefault((scope, make_id(alias)), cid)
            rows.append(
                {
                    COMMITTEE_ID: scope,
                    CELL_ID: cid,
                    "cell": name,
                    "kind": kind,
                    AREA_ID: area_id,
                    "first_year": rec.get("first_year"),
                    "last_year": rec.get("last_year"),
                    "successor_id": (rec.get("successor") or None),
                }
            )
        cells = conform(pd.DataFrame(rows), "cells") if rows else empty("cells")
        for pos, (i, rec) in enumerate(records.iterrows()):
            succ = rec.get("successor") or ""
            if succ and (scopes[pos], succ) not in listed and _successor(by_key, succ) is None:
                log_at(
                    log,
                    places[i],
                    "error",
                    msg(
                        "successor {successor} of {name} is not a cell id in the registry; "
                        "write the id (Mã chi bộ) of the cell it merged into",
                        successor=repr(succ),
                        name=repr(rec["name"]),
                    ),
                    value=succ,
                    rule="registry",
                )
        ids = {cid for _, cid in listed}
        resolved = cells["successor_id"].map(
            lambda s: s if pd.isna(s) or s in ids else (_successor(by_key, s) or s)
        )
        cells["successor_id"] = resolved.astype(cells["successor_id"].dtype)
        return cls(cells, by_key, by_derived)

    def resolve(self, name: str, scope: str = UNNAMED_COMMITTEE) -> str:
        """The id of a cell named ``name`` in committee ``scope``: the registry's (by name,
        alias or id), else the id derived from the name."""
        found = self._resolved.get((scope, name))
        if found is None:
            k = (scope, key(name))
            if k in self.by_key:
                found = self.by_key[k]
            else:
                derived = make_id(name)
                found = self.by_derived.get((scope, derived), derived)
            self._resolved[(scope, name)] = found
        return found

    def pairs(self) -> set[tuple[str, str]]:
        """(committee_id, cell_id) of every registered cell."""
        return set(zip(self.cells[COMMITTEE_ID], self.cells[CELL_ID], strict=True))


def _successor(by_key: dict[tuple[str, str], str], written: str) -> str | None:
    """The registered cell a successor cell names (its id, name or alias), in any committee:
    a cell of a merged committee goes on in its successor's."""
    k = key(written)
    return next((cid for (_, kk), cid in by_key.items() if kk == k), None)


def _scope_values(records: pd.DataFrame) -> np.ndarray:
    """Each record's committee id (the unnamed committee for records that carry none)."""
    if COMMITTEE_ID not in records.columns:
        return np.full(len(records), UNNAMED_COMMITTEE, dtype=object)
    return records[COMMITTEE_ID].to_numpy(dtype=object)


def _pair_codes(first: pd.Series, second: pd.Series) -> tuple[np.ndarray, list[tuple]]:
    """Per row, the code of its (first, second) pair, and the distinct pairs in order of
    appearance: two factorisations and integer arithmetic, no text built per row."""
    a, a_values = pd.factorize(first, use_na_sentinel=False)
    b, b_values = pd.factorize(second, use_na_sentinel=False)
    combined = a.astype(np.int64) * max(len(b_values), 1) + b
    codes, distinct = pd.factorize(combined)
    span = max(len(b_values), 1)
    # the distinct values as Python lists first: indexing an Index costs ~5 µs a value,
    # and a national table has hundreds of thousands of pairs
    a_list, b_list = a_values.tolist(), b_values.tolist()
    firsts, seconds = (distinct // span).tolist(), (distinct % span).tolist()
    pairs = [(a_list[k], b_list[m]) for k, m in zip(firsts, seconds, strict=True)]
    return codes, pairs


def _many_committees(records: pd.DataFrame) -> bool:
    return COMMITTEE_ID in records.columns and records[COMMITTEE_ID].nunique(dropna=False) > 1


# --------------------------------------------------------------------------- ratings
@dataclass(frozen=True)
class Rated:
    code: str | None
    scale: str | None
    rank: int | None
    tier: int | None
    severity: str | None = None
    message: Message | None = None


def _refused(scale: str | None, message: Message) -> Rated:
    """No rating for the label as written: an error saying why."""
    return Rated(None, scale, None, None, "error", message)


def rate(text: str, year: int, subject: str, score: float | None = None) -> Rated:
    """A rating label written for ``year`` → canonical code, scale, rank and tier."""
    scale = scale_for_year(year)
    if scale is None:
        return _refused(None, msg("no rating scale is known for {year}", year=year))
    if not text and score is not None:
        # a score is a ceiling, not a level (QĐ 366): no label, no rating — unless asked for
        ceiling = rating_from_score(score, scale) if scale == "qd366" else None
        if ceiling is None:
            return _refused(
                scale,
                msg(
                    "a score ({score}) is given only from 2025 (QĐ 366), from 0 to 100; write "
                    "the rating label instead",
                    score=f"{score:g}",
                ),
            )
        if not infer_from_score():
            return _refused(
                scale,
                msg(
                    "a score ({score}) but no rating: the score allows at most {ceiling} and "
                    "does not make the rating (QĐ 366); write the rating label",
                    score=f"{score:g}",
                    ceiling=_shown(scale, subject, ceiling),
                ),
            )
        rank, tier = crosswalk()[(scale, subject, ceiling)]
        return Rated(
            ceiling,
            scale,
            rank,
            tier,
            "warning",
            msg(
                "no rating written: read as {ceiling}, the highest level the score {score} "
                "allows (inferred, because {setting}=1)",
                ceiling=ceiling,
                score=f"{score:g}",
                setting=INFER_FROM_SCORE,
            ),
        )
    label = match_label(text, subject)
    if label is None:
        return _refused(scale, _unknown_rating(text, year, subject))
    code = label.code
    found = crosswalk().get((scale, subject, code))
    if found is not None:
        rated = Rated(code, scale, *found)
    else:
        mapped = wrong_scale().get((scale, subject, code))
        if mapped is None:
            return _refused(
                scale,
                msg(
                    "rating {label} ({code}) is not a rating of {year}, rated under {rules}; "
                    "write one of its labels instead",
                    label=repr(text),
                    code=code,
                    year=year,
                    rules=scale_rules()[scale],
                ),
            )
        new_code, reason = mapped
        rank, tier = crosswalk()[(scale, subject, new_code)]
        rated = Rated(
            new_code,
            scale,
            rank,
            tier,
            "warning",
            msg(
                "{label} is not a rating of {year}, rated under {rules}; read as {code}: {reason}",
                label=repr(text),
                year=year,
                rules=scale_rules()[scale],
                code=_shown(scale, subject, new_code),
                reason=reason,
            ),
        )
    if score is not None and scale == "qd366" and rated.code is not None:
        ceiling = rating_from_score(score, scale)
        allowed = crosswalk().get((scale, subject, ceiling)) if ceiling else None
        if allowed is not None and rated.rank is not None and rated.rank < allowed[0]:
            return _refused(
                scale,
                msg(
                    "rating {rating} is above what the score {score} allows ({ceiling} at "
                    "most, QĐ 366); correct the rating or the score",
                    rating=_shown(scale, subject, rated.code),
                    score=f"{score:g}",
                    ceiling=_shown(scale, subject, ceiling),
                ),
            )
    return rated


INFER_FROM_SCORE = "NGODONG_INFER_FROM_SCORE"


def infer_from_score() -> bool:
    """Whether a score without a label gives the band's ceiling as an inferred rating
    (``NGODONG_INFER_FROM_SCORE=1``); by default it gives no rating and a problem."""
    return os.environ.get(INFER_FROM_SCORE, "").strip().lower() in ("1", "yes", "true")


def _shown(scale: str, subject: str, code: str) -> str:
    """A rating as the template's dropdown shows it, with its code: "'Hoàn thành tốt nhiệm
    vụ' (HTTNV)"."""
    label = dropdown_label(scale, subject, code)
    return f"{label!r} ({code})" if label else code


def _unknown_rating(text: str, year: int, subject: str, member: bool = False) -> Message:
    """The message for a label no variant in labels.csv matches: the labels close to it in
    spelling (if any) and the labels of ``year`` as the template's dropdown lists them."""
    scale = scale_for_year(year)
    codes = list(scale_codes(scale, subject)) if scale else list(MEMBER_RATING_CODES)

    def shown(code: str) -> str:
        return _shown(scale, subject, code) if scale else code

    close = suggest_labels(text, subject, codes)
    args = {"label": repr(text), "year": year, "labels": ", ".join(map(shown, codes))}
    if close:
        args["guess"] = either(list(map(shown, close)))
        if member:
            return msg(
                "unknown member rating {label} — did you mean {guess}? The ratings of "
                "{year}, as the template lists them: {labels}",
                **args,
            )
        return msg(
            "unknown rating {label} — did you mean {guess}? The ratings of {year}, as the "
            "template lists them: {labels}",
            **args,
        )
    if member:
        return msg(
            "unknown member rating {label}; the ratings of {year}, as the template lists "
            "them: {labels}",
            **args,
        )
    return msg(
        "unknown rating {label}; the ratings of {year}, as the template lists them: {labels}",
        **args,
    )


def _ratings(records: pd.DataFrame, subject: str, log: ProblemLog) -> pd.DataFrame:
    """Map every (label, year, score) once — distinct combinations, not rows — and index the
    results back by each row's combination number."""
    text = records.get("rating", pd.Series("", index=records.index)).fillna("")
    score = _scores(records, log)
    combos = pd.DataFrame({"text": text, "year": records["year"].astype(int), "score": score})
    # each row's combination as a number (first seen = 0), the distinct ones in that order
    group = combos.groupby(["text", "year", "score"], sort=False, dropna=False).ngroup().to_numpy()
    distinct = combos.drop_duplicates()
    assert len(distinct) == (group.max() + 1 if len(group) else 0)
    results = [
        rate(t, y, subject, None if np.isnan(sc) else sc)
        for t, y, sc in zip(distinct["text"], distinct["year"], distinct["score"], strict=True)
    ]

    def per_row(values: list) -> pd.Series:
        return pd.Series(np.array(values, dtype=object)[group], index=records.index)

    joined = pd.DataFrame(
        {
            "_code": per_row([r.code for r in results]),
            "_scale": per_row([r.scale for r in results]),
            "_rank": per_row([r.rank for r in results]),
            "_tier": per_row([r.tier for r in results]),
            "_sev": per_row([r.severity for r in results]),
            "_msg": per_row([r.message for r in results]),
        }
    )
    no_rating = (text == "") & score.isna()
    flagged = (no_rating | joined["_sev"].notna()).to_numpy(dtype=bool)
    if flagged.any():
        sub = records[flagged]
        names, years = sub["name"].to_numpy(), sub["year"].to_numpy()
        blank = no_rating.to_numpy(dtype=bool)[flagged]
        sev, messages = joined["_sev"].to_numpy()[flagged], joined["_msg"].to_numpy()[flagged]
        values = text.to_numpy()[flagged]
        severity = np.where(blank, "warning", sev)
        # only the first MAX_PER_RULE of a kind per sheet get a message; the rest are counted
        groups = pd.DataFrame(
            {"f": sub["_file"].to_numpy(), "s": sub["_sheet"].to_numpy(), "v": severity}
        )
        rank = groups.groupby(["f", "s", "v"], sort=False).cumcount().to_numpy()
        shown = list(np.flatnonzero(rank < MAX_PER_RULE))
        hidden = groups[rank >= MAX_PER_RULE].value_counts()
        places = place_of(sub.iloc[shown], "rating").to_numpy() if shown else []
        for place, k in zip(places, shown, strict=True):
            if blank[k]:
                log_at(
                    log,
                    place,
                    "warning",
                    msg(
                        "no rating for {name} in {year}; row skipped",
                        name=repr(names[k]),
                        year=int(years[k]),
                    ),
                    rule="rating",
                )
            else:
                log_at(log, place, sev[k], messages[k], value=values[k], rule="rating")
        for (f, sh, v), n in hidden.items():
            # f is the file as problems name it (its path under the folder loaded): a Path
            # of it would be shortened to its bare name, and two communes' counts merged
            log.count(str(f), sh, "rating", v, int(n))
    ok = (~no_rating & joined["_code"].notna()).to_numpy(dtype=bool)
    if not ok.all():
        # (score too: a Series set on a frame left with no rows would bring its index back)
        records, joined, score = records[ok], joined[ok], score[ok]
    return records.assign(
        rating=joined["_code"],
        scale=joined["_scale"],
        rank=joined["_rank"],
        tier=joined["_tier"],
        score=score,
    )


def _scores(records: pd.DataFrame, log: ProblemLog) -> pd.Series:
    """The records' scores (NaN where blank). A score outside the bands of
    ``score_bands.csv`` (0–100) is an error at its cell and is set aside, as if blank: a
    mistyped 105 must neither pass as a score nor stop the row's label from being read."""
    if "score" not in records.columns:
        return pd.Series(np.nan, index=records.index)
    score = records["score"].astype(float)
    low, high = score_range()
    bad = ((score < low) | (score > high)).to_numpy(dtype=bool)
    if not bad.any():
        return score
    sub = records[bad]
    places = place_of(sub, "score")
    for i in sub.index:
        value = sub.at[i, "score"]
        log_at(
            log,
            places[i],
            "error",
            msg(
                "score {score} for {name} in {year} is outside {low}–{high}; write the score "
                "out of {high} (QĐ 366), or leave the cell blank",
                score=as_written(value),
                name=repr(sub.at[i, "name"]),
                year=int(sub.at[i, "year"]),
                low=f"{low:g}",
                high=f"{high:g}",
            ),
            value=float(value),
            rule="score",
        )
    return score.mask(bad)


# --------------------------------------------------------------------------- merging
def check_years(records: pd.DataFrame, log: ProblemLog) -> pd.DataFrame:
    """Drop records whose year is missing or impossible, with a problem for each."""
    if records.empty:
        return records
    last = dt.date.today().year + 1
    year = records["year"]
    bad = year.isna() | (year < FIRST_YEAR) | (year > last) | (year % 1 != 0)
    if bad.any():
        places = place_of(records[bad], "year")
        for i in records.index[bad.to_numpy()]:
            y = records.at[i, "year"]
            if pd.isna(y):
                continue  # a sheet without a year is reported once, at the sheet
            log_at(
                log,
                places[i],
                "error",
                msg(
                    "year {year} is outside {first}–{last}",
                    year=f"{y:g}",
                    first=FIRST_YEAR,
                    last=last,
                ),
                value=y,
                rule="year",
            )
    # copy-on-write: without bad years nothing is copied but the new year column
    out = records[~bad.to_numpy()] if bad.any() else records.copy(deep=False)
    out["year"] = out["year"].astype(int)
    return out


def _key_label(records: pd.DataFrame, row: object, keys: list[str]) -> Message:
    """A key as a clerk reads it: the cell as written in this row ("'CB TDP 1'"), not its
    id, then the other parts, then the year ("'CB TDP 1' HTTNV in 2019")."""
    written = records.at[row, "name"] if "name" in records.columns else None
    parts = []
    for k in keys:
        if k == "year":
            continue
        if k == COMMITTEE_ID:  # named only where the records hold several committees
            many = records[k].nunique(dropna=False) > 1 if k in records.columns else False
            if many:
                shown = records.at[row, "_committee"] if "_committee" in records.columns else None
                parts.append(f"({shown if isinstance(shown, str) else records.at[row, k]})")
            continue
        if k.endswith("_id") and isinstance(written, str) and written:
            parts.append(f"'{written}'")
        else:
            parts.append(str(records.at[row, k]))
    what = " ".join(parts)
    if "year" in keys:
        return msg("{what} in {year}", what=what, year=records.at[row, "year"])
    return msg("{what}", what=what)


def combine(
    records: pd.DataFrame,
    keys: list[str],
    fields: list[str],
    what: Message | dict[str, Message],
    log: ProblemLog,
) -> pd.DataFrame:
    """One row per key: fields from several sheets are merged; the same field given twice
    for one key is an error naming both places. ``what`` names the thing given twice (per
    field when a mapping)."""
    if records.empty:
        return records
    sharing, order = key_order(records, keys)
    shared = sharing > 1
    if not shared.any():  # the usual case: one record per key already
        return records.take(order).reset_index(drop=True)
    clash = records[shared]  # only keys given more than once can clash
    for fld in fields:
        if fld not in clash.columns:
            continue
        given = clash[clash[fld].notna() & (clash[fld] != "")]
        dup = given.duplicated(keys, keep=False)
        if not dup.any():
            continue
        both = given[dup]
        thing = what[fld] if isinstance(what, dict) else what
        # count first: a sheet pasted twice repeats every row, and only the first few
        # problems of a sheet are listed, so only those are worked out and written
        repeats = both[both.duplicated(keys, keep="first")]
        shown = repeats.iloc[keep_first(log, repeats, "duplicate", "error")]
        if len(shown):
            firsts = both.drop_duplicates(keys, keep="first")
            first_of = dict(zip(map(tuple, firsts[keys].to_numpy()), firsts.index, strict=True))
            first_rows = [first_of[tuple(k)] for k in shown[keys].to_numpy()]
            here = place_of(shown, fld)
            there = place_of(both.loc[first_rows], fld).to_numpy()
            for j, other in enumerate(shown.index):
                first = first_rows[j]
                label = _key_label(shown, other, keys)
                log_at(
                    log,
                    here[other],
                    "error",
                    msg(
                        "{thing} {key} is given twice: here ({value}) and at {there} "
                        "({other}); keep one",
                        thing=thing,
                        key=label,
                        value=as_written(shown.at[other, fld]),
                        there=there[j],
                        other=as_written(both.at[first, fld]),
                    ),
                    value=shown.at[other, fld],
                    rule="duplicate",
                )
        dropped = grp_indices(both, keys, fld)
        records = records.drop(index=dropped, errors="ignore")
        clash = clash.drop(index=dropped, errors="ignore")
    if not records.duplicated(keys).any():  # the usual case: one record per key already
        return records.sort_values(keys, kind="stable").reset_index(drop=True)
    meta = [c for c in records.columns if c not in keys]
    return records.groupby(keys, sort=True, as_index=False, dropna=False)[meta].first()


def grp_indices(dups: pd.DataFrame, keys: list[str], fld: str) -> list:
    """Indices of all but the first record of each duplicated key (only ``fld`` clashes,
    but a record is dropped whole: which of its values are right is unknown)."""
    return list(dups.index[dups.duplicated(keys, keep="first")])


def display_names(records: pd.DataFrame, field: str, registry: Registry) -> pd.Series:
    """One display name per id of ``field`` (within its committee): the registry's, else the
    most frequent spelling (ties: the spelling seen first). Works on integer codes of the
    distinct ids and names."""
    names = records["name"]
    many = _many_committees(records)
    if many:  # an id is a cell of its committee: (committee, id) pairs, on integer codes
        id_codes, id_values = _pair_codes(records[COMMITTEE_ID], records[field])
    else:
        id_codes, id_values = pd.factorize(records[field], use_na_sentinel=False)
    name_codes, name_values = pd.factorize(names, use_na_sentinel=False)
    n_names = max(len(name_values), 1)
    pairs = id_codes.astype(np.int64) * n_names + name_codes
    distinct, first_at, counts = np.unique(pairs, return_index=True, return_counts=True)
    pair_id = distinct // n_names
    if len(distinct) == len(id_values):  # the usual case: one spelling per id
        best = np.empty(len(id_values), dtype=np.int64)
        best[pair_id] = distinct % n_names
    else:
        order = np.lexsort((first_at, -counts, pair_id))  # per id: most frequent, then first
        chosen = order[np.r_[True, pair_id[order][1:] != pair_id[order][:-1]]]
        best = np.empty(len(id_values), dtype=np.int64)
        best[pair_id[chosen]] = distinct[chosen] % n_names
    shown = np.asarray(name_values, dtype=object)[best]
    if len(registry.cells):
        cells = registry.cells
        reg_ids = zip(cells[COMMITTEE_ID], cells[CELL_ID], strict=True) if many else cells[CELL_ID]
        reg = dict(zip(reg_ids, cells["cell"], strict=True))
        shown = np.array(
            [reg.get(i, s) for i, s in zip(id_values, shown, strict=True)], dtype=object
        )
    return text_column(shown, id_codes, records.index)


# --------------------------------------------------------------------------- tables
def assign_ids(
    records: pd.DataFrame, registry: Registry, log: ProblemLog, *, field: str = CELL_ID
) -> pd.DataFrame:
    records = records.copy(deep=False)  # copy-on-write: the caller's frame is untouched
    scopes = records[COMMITTEE_ID] if COMMITTEE_ID in records.columns else None
    if scopes is None or scopes.nunique(dropna=False) <= 1:
        scope = str(scopes.iloc[0]) if scopes is not None and len(scopes) else UNNAMED_COMMITTEE
        records[field] = map_distinct(
            records["name"], lambda n: registry.resolve(n, scope), text=True
        )
    else:  # once per distinct (committee, name), found on integer codes
        codes, pairs = _pair_codes(scopes, records["name"])
        ids = [registry.resolve(str(name), str(scope)) for scope, name in pairs]
        records[field] = text_column(ids, codes, records.index)
    if len(registry.cells):
        _check_validity(records, registry, log, field)
        pairs_known = registry.pairs()
        scope_of = _scope_values(records)
        unknown = np.fromiter(
            ((s, c) not in pairs_known for s, c in zip(scope_of, records[field], strict=True)),
            dtype=bool,
            count=len(records),
        )
        if unknown.any():
            first = records[unknown].drop_duplicates(
                [*([COMMITTEE_ID] if scopes is not None else []), field]
            )
            places = place_of(first, "name")
            for i in first.index:
                log_at(
                    log,
                    places[i],
                    "warning",
                    msg(
                        "cell {name} is not in the registry (Danh mục chi bộ); treated as a "
                        "new cell with id {id}. Add it (or its old name under 'Tên gọi "
                        "khác') to the registry",
                        name=repr(first.at[i, "name"]),
                        id=repr(first.at[i, field]),
                    ),
                    value=first.at[i, "name"],
                    rule="registry",
                )
    return records


def _check_validity(
    records: pd.DataFrame, registry: Registry, log: ProblemLog, field: str
) -> None:
    """Data for a cell outside the years the registry gives it (Từ năm–Đến năm)."""
    # each record's registry row, looked up by (committee, cell) without text per row
    span = registry.cells.set_index([COMMITTEE_ID, CELL_ID])[
        ["first_year", "last_year", "successor_id"]
    ]
    keys = pd.MultiIndex.from_arrays([_scope_values(records), records[field].to_numpy()])
    found = span.reindex(keys)
    first_year = pd.Series(found["first_year"].to_numpy(), index=records.index)
    last_year = pd.Series(found["last_year"].to_numpy(), index=records.index)
    early = first_year.notna() & (records["year"] < first_year.astype("Float64"))
    late = last_year.notna() & (records["year"] > last_year.astype("Float64"))
    bad = (early | late).fillna(False).to_numpy(dtype=bool)
    if not bad.any():
        return
    at = np.flatnonzero(bad)
    firsts = (
        ~pd.DataFrame({"k": keys[at], "y": records["year"].to_numpy()[at]}).duplicated().to_numpy()
    )
    sub = records.iloc[at[firsts]]
    rows_found = found.iloc[at[firsts]]
    places = place_of(sub, "name")
    for i, (first, last, successor) in zip(
        sub.index, rows_found.itertuples(index=False, name=None), strict=True
    ):
        window = f"{'' if pd.isna(first) else first}–{'' if pd.isna(last) else last}"
        args = {"name": repr(sub.at[i, "name"]), "year": int(sub.at[i, "year"]), "window": window}
        log_at(
            log,
            places[i],
            "warning",
            msg(
                "{name} has data for {year} but the registry gives the cell the years "
                "{window}; after {last} its members belong to {successor}; check the year or "
                "the registry",
                **args,
                last=last,
                successor=successor,
            )
            if pd.notna(successor)
            else msg(
                "{name} has data for {year} but the registry gives the cell the years "
                "{window}; check the year or the registry",
                **args,
            ),
            value=sub.at[i, "name"],
            rule="registry",
        )


def cell_ratings(records: pd.DataFrame, registry: Registry, log: ProblemLog) -> pd.DataFrame:
    if records.empty:
        return empty("cell_ratings")
    # each step's input is let go as soon as the next exists (national tables are large)
    recs = assign_ids(check_years(records, log), registry, log)
    del records
    rated = _ratings(recs, "organisation", log)
    del recs
    merged = combine(rated, key_of("cell_ratings"), ["rating"], msg("the rating of"), log)
    del rated
    if merged.empty:
        return empty("cell_ratings")
    merged["cell"] = display_names(merged, CELL_ID, registry)
    return conform(merged, "cell_ratings", sort=False)  # combine sorted it by key


def committee_ratings(records: pd.DataFrame, log: ProblemLog) -> pd.DataFrame:
    """The committees' own ratings, one per committee and year (each record's committee is
    the one its row names: :class:`~ngodong_analysis.committees.Assigner`)."""
    if records.empty:
        return empty("committee_ratings")
    recs = check_years(records, log)
    rated = _ratings(recs, "organisation", log)
    merged = combine(rated, key_of("committee_ratings"), ["rating"], msg("the rating of"), log)
    if merged.empty:
        return empty("committee_ratings")
    return conform(merged, "committee_ratings", sort=False)


def name_committees(ratings: pd.DataFrame, committees: pd.DataFrame) -> pd.DataFrame:
    """``ratings`` with each committee's display name from the committees table."""
    if ratings.empty:
        return ratings
    shown = dict(zip(committees[COMMITTEE_ID], committees["committee"], strict=True))
    out = ratings.copy(deep=False)
    out["committee"] = out[COMMITTEE_ID].map(shown).astype(STRING)
    return out


def rating_counts(records: pd.DataFrame, log: ProblemLog) -> pd.DataFrame:
    """The organisations' counts of compiled sheets (``oc:CODE`` columns, each level's own
    count: extraction has undone the nesting) as one row per year and rating, rated on the
    year's scale; the places stay on for the check against the cells' own ratings.

    A level of another scale than the year's (a 2019 row under "TSVM") is read as the
    crosswalk maps it, with a warning, when its count is above 0, and not read when the
    year's own level is written beside it too: after 2017 "TSVM" is a commendation that
    reports write beside the levels, and adding it would count cells twice."""
    if records.empty:
        return empty("rating_counts")
    recs = check_years(records, log)
    kept = ["year", COMMITTEE_ID, "name", "_file", "_sheet", "_row", "_name_col"]
    parts = []
    for code in RATING_CODES:
        col = f"oc:{code}"
        if col not in recs.columns:
            continue
        sel = recs[recs[col].notna()]
        part = sel[kept].copy()
        part["_written"] = code
        part["count"] = sel[col].to_numpy(dtype=float)
        part["_col_count"] = sel[f"_col_{col}"].to_numpy()
        parts.append(part)
    if not parts:
        return empty("rating_counts")
    long = pd.concat(parts, ignore_index=True)
    rated = {
        (code, year): rate(canonical_labels()[("organisation", code)], year, "organisation")
        for code, year in set(zip(long["_written"], long["year"], strict=True))
    }
    results = [rated[(c, y)] for c, y in zip(long["_written"], long["year"], strict=True)]
    long["rating"] = [r.code for r in results]
    # (file, sheet, row, code) of each count written as a level of its own year's scale
    own = {
        (f, sh, r, res.code)
        for f, sh, r, res in zip(long["_file"], long["_sheet"], long["_row"], results, strict=True)
        if res.severity is None and res.code is not None
    }
    keep = np.ones(len(long), dtype=bool)
    places = place_of(long, "count")
    for i, res in enumerate(results):
        if res.severity is None and res.code is not None:
            continue
        keep[i] = False
        count = long.at[i, "count"]
        if count == 0:
            continue  # an empty column of the other scale: a sheet spanning 2017/2018
        written, year = long.at[i, "_written"], int(long.at[i, "year"])
        mapped = (long.at[i, "_file"], long.at[i, "_sheet"], long.at[i, "_row"], res.code)
        if res.code is None:
            log_at(log, places[i], "error", res.message, value=float(count), rule="rating")
        elif mapped in own:
            log_at(
                log,
                places[i],
                "warning",
                msg(
                    "{count} cells counted {written} in {year}, and {code} is written beside "
                    "it: {written} is no rating level of {year}, only a commendation among "
                    "the levels, so this count was not read",
                    count=as_written(count),
                    written=written,
                    year=year,
                    code=res.code,
                ),
                value=float(count),
                rule="rating",
            )
        else:
            log_at(log, places[i], "warning", res.message, value=float(count), rule="rating")
            keep[i] = True
    long = long[keep]
    # levels of another scale mapped onto one level (TSVM and TSVM tiêu biểu in 2019, both
    # HTXSNV) are parts of one count: summed, at the first one's place
    row_key = ["_file", "_sheet", "_row", "rating"]
    if long.duplicated(row_key).any():
        summed = long.groupby(row_key, sort=False)["count"].sum(min_count=1)
        long = long.drop_duplicates(row_key).set_index(row_key)
        long["count"] = summed
        long = long.reset_index()
    _check_cells_total(recs, long, log)
    merged = combine(
        long.drop(columns="_written"),
        key_of("rating_counts"),
        ["count"],
        "the number of cells rated",
        log,
    )
    if merged.empty:
        return empty("rating_counts")
    scale = merged["year"].map({y: scale_for_year(int(y)) for y in merged["year"].unique()})
    walk = crosswalk()
    places_on = [
        walk[(sc, "organisation", c)] for sc, c in zip(scale, merged["rating"], strict=True)
    ]
    merged["scale"] = scale.to_numpy()
    merged["rank"] = [p[0] for p in places_on]
    merged["tier"] = [p[1] for p in places_on]
    return conform(merged, "rating_counts")


def _check_cells_total(recs: pd.DataFrame, long: pd.DataFrame, log: ProblemLog) -> None:
    """The cells' total of a compiled row ("Tổng số chi bộ") against its levels' counts as
    read (nesting undone, levels of another scale mapped or set aside): a warning at the
    total's cell listing the levels. Rows with a level left blank are skipped: their
    problem is said at the level."""
    if "cells_total" not in recs.columns or long.empty:
        return
    row_key = ["_file", "_sheet", "_row"]
    summed = long.groupby(row_key, sort=False)["count"].sum()
    checked = recs[recs["cells_total"].notna() & ~recs.get("_unsplit", False)]
    at = pd.MultiIndex.from_frame(checked[row_key])
    levels = summed.reindex(at).to_numpy()
    bad = checked[~np.isnan(levels) & (levels != checked["cells_total"].to_numpy())]
    if bad.empty:
        return
    shown = bad.iloc[keep_first(log, bad, "rating-counts")]
    places = place_of(shown, "cells_total")
    for i in shown.index:
        mine = long[(long[row_key] == shown.loc[i, row_key]).all(axis=1)]
        listed = ", ".join(
            f"{c} {as_written(n)}" for c, n in zip(mine["rating"], mine["count"], strict=True)
        )
        log_at(
            log,
            places[i],
            "warning",
            msg(
                "{total} cells in all for {name}, but the rating levels add up to {sum} "
                "({listed}); correct the total or the levels",
                total=as_written(shown.at[i, "cells_total"]),
                name=shown.at[i, "name"],
                sum=as_written(float(mine["count"].sum())),
                listed=listed,
            ),
            value=float(shown.at[i, "cells_total"]),
            rule="rating-counts",
        )


def members(records: pd.DataFrame, registry: Registry, log: ProblemLog) -> pd.DataFrame:
    if records.empty:
        return empty("members")
    recs = assign_ids(check_years(records, log), registry, log)
    del records  # let each step's input go (national tables are large)
    # member-rating counts written beside the members (``mr:CODE``) are merged here too, so
    # the member ratings can be cut from the finished table (``member_ratings_from``)
    rating_cols = [f"mr:{c}" for c in MEMBER_RATING_CODES if f"mr:{c}" in recs.columns]
    what = {f: msg("the membership of") for f in MEMBER_FIELDS}
    what.update({c: msg("the {code} member rating of", code=c[3:]) for c in rating_cols})
    merged = combine(recs, key_of("members"), [*MEMBER_FIELDS, *rating_cols], what, log)
    del recs
    merged["cell"] = display_names(merged, CELL_ID, registry)
    return merged


_PLACE_COLS = ("name", "_committee", "_file", "_sheet", "_row", "_name_col")


def member_ratings_from(
    members: pd.DataFrame, others: pd.DataFrame, registry: Registry, log: ProblemLog
) -> pd.DataFrame:
    """The long member-ratings table: the ``mr:CODE`` columns of the conformed members table
    (sorted by year and cell) melted with numpy, plus ``others`` (records of member-rating
    sheets, assembled by :func:`member_ratings`).

    The melt keeps the members' order, rows then codes in contract order, so the result is
    already sorted by (year, cell_id, rating); nothing is re-checked, re-keyed or re-merged
    on the four-times-longer table.
    """
    codes = [c for c in MEMBER_RATING_CODES if f"mr:{c}" in members.columns]
    if not codes or members.empty:
        melted = pd.DataFrame()
    else:
        values = np.column_stack(
            [members[f"mr:{c}"].to_numpy(dtype=float, na_value=np.nan) for c in codes]
        )
        i, j = np.nonzero(~np.isnan(values))  # row-major: each cell's codes in order
        count = values[i, j]
        del values
        i, j = i.astype(np.int32), j.astype(np.int8)
        cols = np.column_stack(
            [members[f"_col_mr:{c}"].to_numpy(dtype=np.float32, na_value=np.nan) for c in codes]
        )[i, j]
        years = members["year"].to_numpy()
        scales = {y: scale_for_year(int(y)) for y in np.unique(years)}
        walk = crosswalk()
        rank_of = np.array(
            [[_member_rank(walk, scales[y], c) for c in codes] for y in sorted(scales)],
            dtype=float,
        )
        rank = rank_of[np.searchsorted(np.array(sorted(scales)), years)[i], j]
        rating_codes = np.array([RATING.categories.get_loc(c) for c in codes], dtype=np.int8)
        # built in the contract's dtypes, so conform() has nothing left to convert
        melted = pd.DataFrame(
            {
                "year": years[i],
                COMMITTEE_ID: _categories(members[COMMITTEE_ID], i),
                CELL_ID: _categories(members[CELL_ID], i),
                "rating": pd.Categorical.from_codes(rating_codes[j], dtype=RATING),
                "cell": _categories(members["cell"], i),
                "rank": _whole_numbers(rank),
                "count": _whole_numbers(count),
                **{c: _take(members[c], i) for c in _PLACE_COLS if c in members.columns},
                "_col_count": cols,
            },
            copy=False,  # the arrays are this function's own: no second copy of each
        )
    if others.empty:
        return conform(melted, "member_ratings", sort=False) if len(melted) else others
    if melted.empty:
        return conform(others, "member_ratings")
    both = pd.concat([melted, others], ignore_index=True)
    merged = combine(both, key_of("member_ratings"), ["count"], msg("the member rating of"), log)
    merged["cell"] = display_names(merged, CELL_ID, registry)
    return conform(merged, "member_ratings")


def _whole_numbers(values: np.ndarray) -> pd.arrays.IntegerArray:
    """Floats that are whole numbers or NaN as an ``Int64`` array (NaN → NA), made once."""
    missing = np.isnan(values)
    return pd.arrays.IntegerArray(np.where(missing, 0, values).astype(np.int64), missing)


def _categories(column: pd.Series, rows: np.ndarray) -> pd.Categorical:
    """``column`` at positions ``rows`` as a categorical whose categories are sorted, so that
    sorting by it is sorting by the text (the contract's order)."""
    codes, values = pd.factorize(column, sort=True)
    return pd.Categorical.from_codes(codes[rows], categories=values.astype("str"))


def _take(column: pd.Series, rows: np.ndarray) -> pd.Series | np.ndarray:
    """``column`` at positions ``rows``; text repeats, so it comes back categorical (codes,
    not millions of pointers to the same strings)."""
    if isinstance(column.dtype, pd.CategoricalDtype):  # the records' _file and _sheet
        return pd.Categorical.from_codes(column.cat.codes.to_numpy()[rows], dtype=column.dtype)
    if column.dtype == object or isinstance(column.dtype, pd.StringDtype):
        codes, values = pd.factorize(column, use_na_sentinel=True)
        return pd.Categorical.from_codes(codes[rows], categories=pd.Index(values, dtype=object))
    return column.to_numpy()[rows]


def _member_rank(walk: dict, scale: str | None, code: str) -> float:
    found = walk.get((scale, "member", code))
    return np.nan if found is None else found[0]


def member_ratings(records: pd.DataFrame, registry: Registry, log: ProblemLog) -> pd.DataFrame:
    """Long member ratings from wide label columns (``mr:CODE``) and long (rating, count)."""
    if records.empty:
        return pd.DataFrame()
    recs = assign_ids(check_years(records, log), registry, log)
    parts = []
    for code in MEMBER_RATING_CODES:
        col = f"mr:{code}"
        if col not in recs.columns:
            continue
        sel = recs[recs[col].notna()]
        part = sel[
            ["year", COMMITTEE_ID, CELL_ID, "name", "_committee", "_file", "_sheet", "_row"]
            + ["_name_col"]
        ].copy()
        part["rating"] = code
        part["count"] = sel[col]
        part["_col_count"] = sel[f"_col_{col}"]
        parts.append(part)
    if "rating" in recs.columns and "count" in recs.columns:
        long = recs[recs["rating"].fillna("") != ""]
        codes = map_distinct(
            long["rating"], lambda t: getattr(match_label(t, "member"), "code", None)
        )
        places = place_of(long, "rating")
        for i in long.index[codes.isna().to_numpy()]:
            log_at(
                log,
                places[i],
                "error",
                _unknown_rating(
                    long.at[i, "rating"], int(long.at[i, "year"]), "member", member=True
                ),
                value=long.at[i, "rating"],
                rule="rating",
            )
        ok = long[codes.notna()].copy()
        ok["rating"] = codes[codes.notna()]
        parts.append(
            ok[
                [
                    "year",
                    COMMITTEE_ID,
                    CELL_ID,
                    "name",
                    "_committee",
                    "rating",
                    "count",
                    "_file",
                    "_sheet",
                    "_row",
                    "_name_col",
                    "_col_count",
                ]
            ]
        )
    if not parts:
        return pd.DataFrame()
    allr = pd.concat(parts, ignore_index=True)
    merged = combine(allr, key_of("member_ratings"), ["count"], msg("the member rating of"), log)
    scale = merged["year"].map({y: scale_for_year(y) for y in merged["year"].unique()})
    ranks = pd.DataFrame(
        [(s, c, rank) for (s, subj, c), (rank, _) in crosswalk().items() if subj == "member"],
        columns=["_scale", "rating", "rank"],
    )
    keyed = pd.DataFrame({"_scale": scale.to_numpy(), "rating": merged["rating"].to_numpy()})
    merged["rank"] = keyed.merge(ranks, how="left", on=["_scale", "rating"])["rank"].to_numpy()
    merged["cell"] = display_names(merged, CELL_ID, registry)
    return merged


def income(records: pd.DataFrame, log: ProblemLog) -> pd.DataFrame:
    if records.empty:
        return empty("income")
    recs = check_years(records, log)
    del records
    recs[AREA_ID] = map_distinct(recs["name"], make_id, text=True)
    merged = combine(recs, key_of("income"), list(INCOME_FIELDS), msg("the income record of"), log)
    del recs
    merged["area"] = display_names(merged, AREA_ID, Registry.empty())
    return merged


def cells_table(registry: Registry, tables: list[pd.DataFrame]) -> pd.DataFrame:
    """The registry's cells plus every cell seen in the data, with years seen."""
    reg = registry.cells.copy()
    if not any(len(t) for t in tables):
        return conform(reg, "cells") if len(reg) else empty("cells")
    cell = list(CELL_KEY)

    def spans(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.groupby(cell, sort=False, observed=True).agg(
            cell=("cell", "first"), first_seen=("year", "min"), last_seen=("year", "max")
        )

    # per table first (millions of rows each), then across the few per-table spans
    per_table = [spans(t[[*cell, "cell", "year"]]) for t in tables if len(t)]
    both = pd.concat(per_table).reset_index()
    for col in cell:  # categorical in member_ratings, text elsewhere
        both[col] = both[col].astype(str)
    span = (
        both.groupby(cell)
        .agg(
            cell=("cell", "first"),
            first_seen=("first_seen", "min"),
            last_seen=("last_seen", "max"),
        )
        .reset_index()
    )
    known = registry.pairs()
    is_new = [tuple(k) not in known for k in span[cell].to_numpy()]
    new = span[np.array(is_new, dtype=bool)].copy()
    new["kind"] = map_distinct(new["cell"], infer_kind)
    new[AREA_ID] = np.where(new["kind"] == "residential", new[CELL_ID], None)
    new["first_year"] = new["first_seen"]
    new["last_year"] = pd.NA
    out = pd.concat([reg, new.drop(columns=["first_seen", "last_seen"])], ignore_index=True)
    seen = pd.Series(
        span["first_seen"].to_numpy(),
        index=pd.MultiIndex.from_arrays([span[COMMITTEE_ID], span[CELL_ID]]),
    )
    keys = pd.MultiIndex.from_arrays([_scope_values(out).astype(str), out[CELL_ID].astype(str)])
    firsts = pd.Series(seen.reindex(keys).to_numpy(), index=out.index)
    out["first_year"] = out["first_year"].astype("Float64").fillna(firsts.astype("Float64"))
    return conform(out, "cells")
