"""From a detected sheet to a long frame of raw records with their places.

One frame per sheet, one row per (row, year): the name as written, the year, each field's
value (numbers parsed, labels kept as text for the ratings stage) and, for problems later on,
the sheet row and each field's column. Parsing maps over distinct values only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa

from ..committees import is_heading
from ..i18n import Message, msg, nmsg
from ..problems import ProblemLog, as_written, cell_name
from ..text import key
from ..vocab import (
    TOTALS_KEYS,
    Derivation,
    blank_unknown,
    crosswalk,
    dash_is_blank,
    derived_columns,
)
from .detect import IGNORED_FIELDS, VALUE_FIELDS, Column, Layout, cell_text
from .normalise import MAX_NUMBER, Parsed, income_unit, parse_number, settle
from .read import _STR, Sheet

TEXT_FIELDS = {
    "rating",
    "cell",
    "unit",
    "area",
    "cell_id",  # a field of headers.csv ("Mã chi bộ"), named as the column it fills
    "aliases",
    "kind",
    "successor",
    "committee_id",  # "Mã đảng bộ", of a committees registry
    "parent",
    "province",
}
INT_FIELDS = VALUE_FIELDS - {"income_per_capita"} | {"first_year", "last_year", "year"}
# Forms split removals into struck off, expelled and left: separate columns add up.
ADDITIVE_FIELDS = {"removed"}
_SECTION = re.compile(r"^(?:[ivx]+|[a-z]|\d+)[.)]\s")


def factorize(series: pd.Series) -> tuple[np.ndarray, Sequence[object]]:
    """(codes, distinct values) of a column; missing values are a distinct value too.

    Arrow-backed strings (CSV) are factorised by pyarrow without a Python object per cell;
    anything else as an object array, so mixed cells (floats, text, dates) stay as they are.
    """
    if isinstance(series.dtype, pd.StringDtype):
        arrow = getattr(series.array, "__arrow_array__", None)
        if arrow is not None:
            # straight to pyarrow: half the time of pd.factorize on a small column, and a
            # national folder factorises ~100,000 of them
            values = arrow()
            if isinstance(values, pa.ChunkedArray):
                values = values.combine_chunks()
            if values.null_count == 0:  # nulls: pandas' missing value, as below
                encoded = values.dictionary_encode()
                return encoded.indices.to_numpy().astype(np.intp), encoded.dictionary.to_pylist()
        codes, uniques = pd.factorize(series, use_na_sentinel=False)
        return codes, uniques.tolist()
    values = series.to_numpy(dtype=object)
    if len(values) > 1000 and pd.api.types.infer_dtype(values, skipna=False) == "floating":
        # a column of numbers only (calamine gives every number as a float): hashed as
        # float64, several times faster than hashing Python objects; the distinct values
        # come back as the same Python floats
        codes, uniques = pd.factorize(values.astype(np.float64), use_na_sentinel=False)
        return codes, uniques.tolist()
    return pd.factorize(values, use_na_sentinel=False)


def _place(column: int) -> np.integer:
    """A column number as the smallest integer type that holds it (a column of places)."""
    return np.int16(column) if column < 2**15 else np.int32(column)


def map_distinct(
    series: pd.Series, fn: Callable[[object], object], *, text: bool = False
) -> pd.Series:
    """``series.map(fn)`` evaluated once per distinct value (factorised, then indexed).

    ``text=True`` (``fn`` gives strings, such as ids): the result is an Arrow-backed string
    column, spread over the rows by Arrow rather than as a Python object per row. National
    tables have millions of rows, and the ids are hashed, sorted and compared further on.
    """
    codes, uniques = factorize(series)
    results = _each(fn, uniques)
    if text:
        return text_column(results, codes, series.index)
    return pd.Series(results[codes], index=series.index, dtype=object)


def text_column(values: Sequence[object], codes: np.ndarray, index: pd.Index) -> pd.Series:
    """``values[codes]`` as a column of the contract's string dtype, spread over the rows by
    Arrow (no Python string per row); None and NaN become missing."""
    spread = pa.array(values, type=pa.large_string(), from_pandas=True).take(codes)
    return pd.Series(pd.arrays.ArrowStringArray(spread), index=index, copy=False)


def _each(fn: Callable[[object], object], values: Sequence[object]) -> np.ndarray:
    """``fn`` of each value, as an object array (ready to be indexed with codes)."""
    results = np.empty(len(values), dtype=object)
    results[:] = [fn(v) for v in values]
    return results


class _Block:
    """A sheet's rows from the first data row on, each column factorised once.

    ``frame.index`` is the sheet row of each row. Once ``select`` has picked the rows that
    are records, ``kept`` gives a column's codes over those rows and the distinct values
    that occur there, exactly as if the kept rows were factorised on their own: what a
    column's numbers parse to may depend on its other values (an ambiguous "1.234").
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self.keep = np.ones(len(frame), dtype=bool)
        self.rows = frame.index  # sheet rows of the kept rows
        self._all: dict[int, tuple[np.ndarray, Sequence[object]]] = {}
        self._kept: dict[int, tuple[np.ndarray, Sequence[object]]] = {}

    def select(self, keep: np.ndarray) -> pd.Index:
        """Keep the rows where ``keep`` is true; returns their sheet rows."""
        self.keep = keep
        self.rows = self.frame.index[keep]
        self._kept.clear()
        return self.rows

    def __contains__(self, c: int) -> bool:
        return c in self.frame.columns

    def distinct(self, c: int) -> tuple[np.ndarray, Sequence[object]]:
        """(codes, distinct values) of column ``c`` over every row."""
        if c not in self._all:
            self._all[c] = factorize(self.frame[c])
        return self._all[c]

    def kept(self, c: int, missing: object) -> tuple[np.ndarray, Sequence[object]]:
        """(codes, distinct values) of column ``c`` over the kept rows; a column the sheet
        does not have holds ``missing`` in every row."""
        if c not in self:
            return factorize(pd.Series([missing] * len(self.rows), dtype=object))
        if c not in self._kept:
            codes, uniques = self.distinct(c)
            codes = codes[self.keep]
            present = np.zeros(len(uniques), dtype=bool)
            present[codes] = True
            if not present.all():  # values found only in dropped rows (totals, blanks)
                codes = (np.cumsum(present) - 1)[codes]
                uniques = [u for u, here in zip(uniques, present, strict=True) if here]
            self._kept[c] = (codes, uniques)
        return self._kept[c]

    def cell(self, r: int, c: int, missing: object) -> object:
        return self.frame.at[r, c] if c in self else missing


def _fill_merged(sheet: Sheet, layout: Layout, block: pd.DataFrame) -> None:
    """A name, year or label merged down several data rows holds for each of them."""
    text_cols = {c.index for c in layout.columns if c.field in TEXT_FIELDS | {"year"}}
    for (r0, c0), (r1, _c1) in sheet.merged:
        if r0 < layout.data_start or r1 == r0 or c0 not in text_cols:
            continue
        rows = [r for r in range(r0 + 1, r1 + 1) if r in block.index]
        if rows and c0 in block.columns:
            block.loc[rows, c0] = block.at[r0, c0]


def _is_totals(name_key: str) -> bool:
    return name_key in TOTALS_KEYS or name_key.startswith(("tong cong", "cong toan"))


def _has_text(value: object) -> bool:
    if type(value) is str and value.isascii():
        return not value.isspace() and value != ""  # what cell_text would leave of it
    return cell_text(value) != ""


def extract(sheet: Sheet, layout: Layout, log: ProblemLog) -> pd.DataFrame:
    """Records of one sheet; problems with cell places go to ``log``."""
    # the sheet's own frame from the first data row on: index = sheet row, columns 0..n-1
    frame = sheet.frame.iloc[layout.data_start :]
    if frame.empty:
        return pd.DataFrame()
    _fill_merged(sheet, layout, frame)
    block = _Block(frame)
    name_col = layout.by_field(layout.name_field)[0]
    if name_col.index in block:
        codes, uniques = block.distinct(name_col.index)
    else:
        codes, uniques = np.zeros(len(frame), dtype=np.intp), [""]
    # every test on a name runs once per distinct name, then is spread over the rows
    texts = [cell_text(u) for u in uniques]
    keys = [key(t) for t in texts]

    def per_row(flags: list[bool]) -> np.ndarray:
        return np.array(flags, dtype=bool)[codes]

    used = [
        c
        for c in layout.columns
        if c.field and c.field not in IGNORED_FIELDS and c.index != name_col.index
    ]
    value_cols = [c for c in used if c.field not in ("year",)]
    filled = np.zeros(len(frame), dtype=bool)
    for c in value_cols:
        if c.index in block:
            col_codes, col_uniques = block.distinct(c.index)
            filled |= np.array([_has_text(u) for u in col_uniques], dtype=bool)[col_codes]
    named = per_row([t != "" for t in texts])
    blank = ~named & ~filled
    totals = named & per_row([_is_totals(k) for k in keys])
    # numbered section headings with nothing in them ("I. Chi bộ nông thôn") are not data;
    # a committee's heading ("I. ĐẢNG BỘ XÃ GIAO LẠC") names the committee of the rows below.
    # Both are asked only of the names that stand on a row with nothing filled in (few).
    empty_named = np.unique(codes[~filled])

    def on_empty_rows(test: Callable[[int], bool]) -> np.ndarray:
        flags = np.zeros(len(texts), dtype=bool)
        flags[empty_named] = [test(i) for i in empty_named]
        return named & ~filled & flags[codes]

    heads = on_empty_rows(lambda i: layout.name_field != "unit" and is_heading(texts[i]))
    section = on_empty_rows(lambda i: bool(_SECTION.match(keys[i])))
    nameless = ~named & filled
    for r in frame.index[nameless]:
        log.error(
            sheet.file,
            sheet.name,
            cell_name(r, name_col.index),
            msg(
                "row {row} has values but no name under {header}; fill in the name or delete "
                "the row",
                row=r + 1,
                header=repr(name_col.header),
            ),
            rule="missing-name",
        )
    keep = ~(blank | totals | section | nameless | heads)
    rows = block.select(keep)
    # names as Arrow strings and places as small integers: a national folder has millions
    # of records, and a Python string or an int64 per record adds up to gigabytes
    names = pa.array(texts, type=pa.large_string()).take(pa.array(codes[keep]))
    arrow_names = names.to_pandas(types_mapper={pa.large_string(): _STR}.get).array
    base: dict[str, object] = {"name": arrow_names, "_row": rows.to_numpy().astype(np.int32)}
    if heads.any():
        heading = np.array(texts, dtype=object)[codes]
        heading = pd.Series(np.where(heads, heading, None), dtype=object).ffill().to_numpy()
        base["_heading"] = heading[keep]
    base["_name_col"] = _place(name_col.index)

    year_cols = layout.by_field("year")
    if year_cols:
        yc = year_cols[0]
        # offices often write the year once per block of rows (or merge it down)
        base["year"] = _numbers(sheet, block, yc, log, integer=True).ffill().to_numpy()
        base["_col_year"] = _place(yc.index)
    if year_cols:
        for pos in np.flatnonzero(np.isnan(base["year"].astype(float))):
            log.error(
                sheet.file,
                sheet.name,
                cell_name(rows[pos], yc.index),
                msg(
                    "no year for {name}: write the year in this cell",
                    name=repr(base["name"][pos]),
                ),
                rule="year",
            )
    frames = []
    per_year = [c for c in value_cols if c.year is not None]
    plain = [c for c in value_cols if c.year is None]
    shares = [c for c in layout.columns if c.share in derived_columns()]
    if per_year:
        for year in sorted({c.year for c in per_year}):
            cols = plain + [c for c in per_year if c.year == year]
            read: dict[str, object] = {"year": year}
            for c in cols:
                _put(read, sheet, block, c, layout, log)
            part = _with_columns(base, read, rows)
            _check_blanks(sheet, part, cols, log)
            _split_cumulative(sheet, part, cols, log)
            # a share without a year is checked once, and only against counts without one
            for c in shares:
                if c.year == year or (c.year is None and not frames):
                    _check_share(sheet, block, layout, part, c, log)
            frames.append(part)
    else:
        read = {}
        if not year_cols:
            read["year"] = layout.sheet_year if layout.sheet_year is not None else np.nan
        for c in plain:
            _put(read, sheet, block, c, layout, log)
        part = _with_columns(base, read, rows)
        _check_blanks(sheet, part, plain, log)
        _split_cumulative(sheet, part, plain, log)
        for c in shares:
            _check_share(sheet, block, layout, part, c, log)
        frames.append(part)
    result = (
        pd.concat(frames, ignore_index=True)
        if len(frames) > 1
        else frames[0].reset_index(drop=True)
    )
    # the records' file and sheet, the same for all: columns once the sheets are joined
    # (problems.stack_records), not a text per record (a national folder has millions)
    result.attrs["file"], result.attrs["sheet"] = log.shown(sheet.file), sheet.name
    if totals.any():
        _check_totals(sheet, layout, frame[totals], result, value_cols, log)
    if layout.kind == "rating_counts":
        # after the totals: a totals row sums the columns as written, parents and parts
        _own_counts(sheet, layout, result, log)
        if layout.name_field == "unit":  # rows of committees: whose counts, said in assemble
            result["unit"] = result["name"]
    return result


def _numbers(
    sheet: Sheet, block: _Block, col: Column, log: ProblemLog, *, integer: bool
) -> pd.Series:
    """A column's kept rows as floats (NaN = blank); every value parsed once per distinct
    value."""
    codes, uniques = block.kept(col.index, None)
    rows = block.rows
    values = _plain_numbers(uniques, integer)
    if values is not None:
        return pd.Series(values[codes], index=rows)
    dash_blank = col.field in dash_is_blank()
    parsed = [parse_number(u, integer=integer, dash_blank=dash_blank) for u in uniques]
    if any(p.options is not None for p in parsed):
        clear = [p.value for p in parsed if p.value is not None and p.options is None]
        typical = float(np.median(np.abs(clear))) if clear else None
        parsed = [settle(p, typical) for p in parsed]
    values = np.array([np.nan if p.value is None else p.value for p in parsed], dtype=float)
    failed = np.array([p.error is not None for p in parsed], dtype=bool)
    bad_rows = np.flatnonzero(failed[codes]) if failed.any() else ()
    for pos in bad_rows[: log.room(sheet.file, sheet.name, "number", "error", len(bad_rows))]:
        r = rows[pos]
        raw = block.cell(r, col.index, None)
        log.error(
            sheet.file,
            sheet.name,
            cell_name(r, col.index),
            msg(
                "{error}: {value} under {header}",
                error=parsed[codes[pos]].error,
                value=as_written(raw),
                header=repr(col.header),
            ),
            value=raw,
            rule="number",
        )
    return pd.Series(values[codes], index=rows)


def _plain_numbers(uniques: Sequence[object], integer: bool) -> np.ndarray | None:
    """The distinct values of a column as floats (NaN = blank) when every one is what
    :func:`parse_number` reads without a question: a number (calamine's floats), a run of
    ASCII digits (a CSV's counts) or blank, and none negative, too large or, for a count,
    fractional. Converted by numpy, not one by one; None when any value needs a look."""
    if not len(uniques):
        return None
    kinds = {type(u) for u in uniques}
    if kinds <= {float, int, type(None)}:
        values = np.array([np.nan if u is None else u for u in uniques], dtype=float)
    elif kinds <= {str, type(None)} and all(
        u is None or u == "" or (u.isascii() and u.isdigit()) for u in uniques
    ):
        values = np.array([u if u else "nan" for u in uniques]).astype(float)
    else:
        return None
    known = values[~np.isnan(values)]
    if (known < 0).any() or (known >= MAX_NUMBER).any():
        return None
    if integer and (known != np.floor(known)).any():
        return None
    return values


def _with_columns(
    base: dict[str, object], read: dict[str, object], rows: pd.Index
) -> pd.DataFrame:
    """The rows' names and places (``base``) beside the columns ``read`` (arrays, or one
    value for every row; a field in both is ``read``'s), as one frame indexed by sheet row,
    built in one go: inserting ~30 columns one by one into each sheet's frame was most of a
    small sheet's cost, and so was joining two frames side by side."""
    return pd.DataFrame({**{k: v for k, v in base.items() if k not in read}, **read}, index=rows)


def _put(
    part: dict[str, object],
    sheet: Sheet,
    block: _Block,
    col: Column,
    layout: Layout,
    log: ProblemLog,
) -> None:
    """Read column ``col`` into ``part`` (field → values, and ``_col_<field>`` → its
    column)."""
    fld = col.field
    if fld in ADDITIVE_FIELDS and fld in part:
        more = _numbers(sheet, block, col, log, integer=True).to_numpy()
        have = np.asarray(part[fld], dtype=float)
        part[fld] = np.where(np.isnan(have), more, have + np.nan_to_num(more))
        return
    if fld in part and f"_col_{fld}" in part:
        first = _column_of(layout, part, fld) or next(
            c for c in layout.by_field(fld) if c is not col
        )
        here, there = cell_name(*col.header_cell), cell_name(*first.header_cell)
        log.error(
            sheet.file,
            sheet.name,
            here,
            msg(
                "{header} ({here}) is read as the same count as {first} ({there}), and a "
                "table holds one column per count: only {there} would be read. If {here} "
                "counts something else, give it a header that says what; if it repeats "
                "{there}, delete it",
                header=repr(col.header),
                here=here,
                first=repr(first.header),
                there=there,
            ),
            rule="duplicate-column",
        )
        return
    if fld in TEXT_FIELDS:
        codes, uniques = block.kept(col.index, "")
        part[fld] = _each(cell_text, uniques)[codes]
    else:
        values = _numbers(
            sheet,
            block,
            col,
            log,
            integer=fld in INT_FIELDS or fld.startswith(("mr:", "mrcum:", "oc:", "occum:")),
        )
        if fld == "income_per_capita":
            values = _income(sheet, col, values, log)
        part[fld] = values.to_numpy()
    part[f"_col_{fld}"] = _place(col.index)


def _column_of(layout: Layout, part: dict[str, object], fld: str) -> Column | None:
    """The column ``fld`` was read from, of columns being read (:func:`_put`)."""
    index = int(part[f"_col_{fld}"])
    return next((c for c in layout.columns if c.index == index), None)


def _column_at(layout: Layout, part: pd.DataFrame, fld: str) -> Column | None:
    """The column ``fld`` of ``part`` was read from (None if no row was)."""
    if not len(part):
        return None
    index = int(part[f"_col_{fld}"].iloc[0])
    return next((c for c in layout.columns if c.index == index), None)


def _written_share(raw: object) -> tuple[float, float, bool] | None:
    """A share cell as (value, half a unit of its last written digit, may be a fraction);
    None when it holds no number. "12,5%" written as text is 12.5 per hundred; a number
    between 0 and 1 may be a fraction that Excel shows as a percentage (0.125 as 12.5%)."""
    sign = isinstance(raw, str) and raw.strip().endswith("%")
    parsed = parse_number(raw.strip().rstrip("%") if sign else raw)
    if parsed.options is not None:
        # "0.095" or "1.234" in a CSV may be a count with a thousands separator, but a share
        # is never in the thousands: the decimal reading
        parsed = Parsed(parsed.options[1])
    if parsed.value is None:
        return None
    value = float(parsed.value)
    # 12.5 → one decimal written → ±0.05; 13 → ±0.5; a formula's 33.333333333333336 → tiny
    places = max(0, -int(Decimal(f"{value:.15g}").as_tuple().exponent))
    return value, 0.5 * 10.0**-places, not sign and value <= 1


def _check_share(
    sheet: Sheet,
    block: _Block,
    layout: Layout,
    part: pd.DataFrame,
    col: Column,
    log: ProblemLog,
) -> None:
    """A share column ("Tỷ lệ hộ nghèo (%)") is not read but checked, row by row, against the
    counts it derives from (``resources/derived_columns.csv``); a disagreement is a warning.

    A share agrees when it is the counts' share rounded to the decimals written (within
    half a unit of its last digit), read either as written or, for a value between 0 and 1
    under a scale of 100, as a fraction shown as a percentage."""
    how: Derivation = derived_columns()[col.share]
    if f"_col_{how.numerator}" not in part or f"_col_{how.denominator}" not in part:
        return  # a share beside no counts to check it against
    num_col = _column_at(layout, part, how.numerator)
    den_col = _column_at(layout, part, how.denominator)
    if num_col is None or den_col is None:
        return
    if col.year is None and (num_col.year is not None or den_col.year is not None):
        return  # counts per year, a share without one: which year it is of is not known
    codes, uniques = block.kept(col.index, None)
    written = [_written_share(u) for u in uniques]
    value = np.array([np.nan if w is None else w[0] for w in written])[codes]
    half = np.array([np.nan if w is None else w[1] for w in written])[codes]
    fraction = np.array([w is not None and w[2] for w in written], dtype=bool)[codes]
    num = part[how.numerator].to_numpy(dtype=float, na_value=np.nan)
    den = part[how.denominator].to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(den > 0, num / den * how.scale, np.nan)
    # a hair over half a unit still rounds as written: 12.45 → 12.5 is 0.0500000000000007 off
    slack = half * (1 + 1e-6) + 1e-9
    agree = np.abs(value - share) <= slack
    if how.scale == 100:
        agree |= fraction & (np.abs(value * 100 - share) <= slack * 100)
    bad = np.flatnonzero(~np.isnan(value) & ~np.isnan(share) & ~agree)
    rows = part["_row"].to_numpy()
    for pos in bad[: log.room(sheet.file, sheet.name, "share", "warning", len(bad))]:
        r = int(rows[pos])
        raw = block.cell(r, col.index, None)
        shown = as_written(raw)
        if fraction[pos] and value[pos] > 0:
            shown = f"{shown} ({as_written(round(value[pos] * 100, 10))}%)"
        log.warning(
            sheet.file,
            sheet.name,
            cell_name(r, col.index),
            msg(
                "{header} is {value}, but {num} under {num_header} ({num_cell}) of {den} "
                "under {den_header} ({den_cell}) give {share}; correct the share or the "
                "counts",
                header=repr(col.header),
                value=shown,
                num=as_written(num[pos]),
                num_header=repr(num_col.header),
                num_cell=cell_name(r, num_col.index),
                den=as_written(den[pos]),
                den_header=repr(den_col.header),
                den_cell=cell_name(r, den_col.index),
                share=as_written(round(share[pos], 2)),
            ),
            value=raw,
            rule="share",
        )


def _income(sheet: Sheet, col: Column, values: pd.Series, log: ProblemLog) -> pd.Series:
    unit = income_unit(col.header)
    if unit is not None:
        return values * unit[0]
    place = cell_name(col.header_cell[0], col.index)
    if values.dropna().between(1, 1000).all():
        log.warning(
            sheet.file,
            sheet.name,
            place,
            msg(
                "no unit in the header {header}; read as triệu đồng/người/năm (million đồng "
                "per person per year). Write the unit in the header, e.g. 'Thu nhập bình "
                "quân (triệu đồng/người/năm)'",
                header=repr(col.header),
            ),
            rule="income-unit",
        )
        return values
    log.error(
        sheet.file,
        sheet.name,
        place,
        msg(
            "no unit in the header {header} and values such as {value} do not look like "
            "million đồng per person per year; write the unit in the header, e.g. '(nghìn "
            "đồng/người/tháng)'",
            header=repr(col.header),
            value=f"{values.dropna().iloc[0]:g}",
        ),
        rule="income-unit",
    )
    return values * np.nan


def _check_totals(
    sheet: Sheet,
    layout: Layout,
    rows: pd.DataFrame,
    records: pd.DataFrame,
    value_cols: list[Column],
    log: ProblemLog,
) -> None:
    """A totals row must equal the column sums of the rows it totals: the rows since the
    totals row before it (a long sheet's "Cộng" under each year's block), or every row above
    it (the grand "Tổng cộng" under subtotals)."""
    starts = dict(zip(rows.index, [-1, *rows.index[:-1]], strict=True))
    # numpy over the records' columns, not a filtered frame per totals cell: a messy
    # national folder has a totals row in most of its 17,000 files
    at_row = records["_row"].to_numpy()
    years = records["year"].to_numpy(dtype=float) if "year" in records.columns else None
    found: list[tuple[int, int, Column, float, float]] = []  # said row by row, as read
    for c, col in enumerate(value_cols):
        fld = col.field
        if fld in TEXT_FIELDS or fld in ("year", "income_per_capita"):
            continue
        if fld not in records.columns or col.index not in rows.columns:
            continue
        mine = records[f"_col_{fld}"].to_numpy(dtype=float) == col.index
        if col.year is not None and years is not None:
            mine &= years == col.year
        values = records[fld].to_numpy(dtype=float, na_value=np.nan)
        for r, written in zip(rows.index, rows[col.index].tolist(), strict=True):
            stated = parse_number(written, integer=True).value
            if stated is None:
                continue
            above = mine & (at_row < r)
            block = _sum_known(values[above & (at_row > starts[r])])
            if not np.isnan(block) and int(block) == int(stated):
                continue
            total = _sum_known(values[above])
            if np.isnan(total) or int(total) != int(stated):
                found.append((r, c, col, stated, block if not np.isnan(block) else total))
    for r, _, col, stated, total in sorted(found, key=lambda f: (f[0], f[1])):
        log.error(
            sheet.file,
            sheet.name,
            cell_name(r, col.index),
            msg(
                "totals row says {stated} for {header} but the rows above sum to {total}; "
                "correct the rows or the total",
                stated=int(stated),
                header=repr(col.header),
                total=0 if np.isnan(total) else int(total),
            ),
            value=stated,
            rule="totals",
        )


def _sum_known(values: np.ndarray) -> float:
    """The sum of the numbers among ``values``; NaN when there are none (``min_count=1``)."""
    known = values[~np.isnan(values)]
    return float(known.sum()) if len(known) else np.nan


_BLANKS_LISTED = 5


def _check_blanks(sheet: Sheet, part: pd.DataFrame, cols: list[Column], log: ProblemLog) -> None:
    """A count column filled for some rows of the sheet and blank for others: the blanks are
    counts not reported (blanks.csv says which fields), so a total over the column would
    silently leave those cells out. One warning per column, naming the blank cells.

    Only rows that report some other number count: a cell listed with nothing filled in is
    not reported at all, which its blank members cell already shows."""
    unknown = blank_unknown()
    numbers = [c.field for c in cols if c.field in VALUE_FIELDS and c.field in part.columns]
    watched = [c for c in cols if c.field in unknown and c.field in part.columns]
    if len(part) < 2 or not watched or not numbers:
        return
    filled = {
        f: ~np.isnan(part[f].to_numpy(dtype=float, na_value=np.nan))
        for f in dict.fromkeys(numbers)
    }
    for c in dict((c.field, c) for c in watched).values():
        here = filled[c.field]
        others = np.logical_or.reduce(
            [v for f, v in filled.items() if f != c.field] or [np.zeros(len(part), bool)]
        )
        blank = ~here & others
        if not blank.any() or not here.any():
            continue
        rows = part["_row"].to_numpy()[blank]
        names = part["name"].to_numpy()[blank]
        cells = [cell_name(int(r), c.index) for r in rows]
        listed = ", ".join(
            f"{n} ({cell})" for n, cell in zip(names[:_BLANKS_LISTED], cells, strict=False)
        )
        more = len(rows) - _BLANKS_LISTED
        if more > 0:
            listed = nmsg("{listed} and {n} more", "{listed} and {n} more", more, listed=listed)
        filled_rows = int(here.sum())
        log.warning(
            sheet.file,
            sheet.name,
            cells[0],
            nmsg(
                "{header} is blank for {listed} but filled for the other {n} row: a total "
                "over this column leaves the blank cells out, and is shown as incomplete, "
                "not as a fall. Write the number, or 0 where there are none",
                "{header} is blank for {listed} but filled for the other {n} rows: a total "
                "over this column leaves the blank cells out, and is shown as incomplete, "
                "not as a fall. Write the number, or 0 where there are none",
                filled_rows,
                header=repr(c.header),
                listed=listed,
            ),
            rule="blank-cells",
        )


def _split_cumulative(sheet: Sheet, part: pd.DataFrame, cols: list[Column], log: ProblemLog):
    """A compiled sheet's "HTTNV trở lên" (``mrcum:HTTNV``: this level and every better one)
    becomes the level's own count: the total less the better levels written beside it
    ("Trong đó: HTXSNV"). A part above its total, or a level also written on its own that
    disagrees, is a warning at the total's cell; a total whose better levels are not written
    cannot be split and is not read (said so). Never added to its parts."""
    from ..schema import MEMBER_RATING_CODES

    order = list(MEMBER_RATING_CODES)
    for c in cols:
        if c.field is None or not c.field.startswith("mrcum:") or c.field not in part.columns:
            continue
        code = c.field.split(":", 1)[1]
        total = part.pop(c.field).to_numpy(dtype=float)
        if f"_col_{c.field}" in part.columns:
            del part[f"_col_{c.field}"]
        better = order[: order.index(code)] if code in order else []
        missing = [b for b in better if f"mr:{b}" not in part.columns]
        where = cell_name(c.header_cell[0], c.index)
        if missing:
            log.warning(
                sheet.file,
                sheet.name,
                where,
                msg(
                    "{header} counts {code} and the better levels together, but no column "
                    "gives {missing} on its own, so {code} cannot be told apart: the column "
                    "was not read. Add the better levels' columns ('Trong đó: …')",
                    header=repr(c.header),
                    code=code,
                    missing=", ".join(missing),
                ),
                rule="cumulative",
            )
            continue
        parts = sum(
            (np.nan_to_num(part[f"mr:{b}"].to_numpy(dtype=float)) for b in better),
            np.zeros(len(part)),
        )
        own = total - parts
        rows = part["_row"].to_numpy()
        names = part["name"].to_numpy()

        def warn(i: int, message: Message, *, c=c, rows=rows, total=total) -> None:
            where = cell_name(int(rows[i]), c.index)
            log.warning(sheet.file, sheet.name, where, message, value=total[i], rule="cumulative")

        if f"mr:{code}" in part.columns:  # written twice: the level and the cumulative
            written = part[f"mr:{code}"].to_numpy(dtype=float)
            bad = ~np.isnan(total) & ~np.isnan(written) & (written != own)
            for i in _listed(log, sheet, bad):
                warn(
                    i,
                    msg(
                        "{header} is {total} for {name}, but its levels add up to {sum}; check "
                        "the counts",
                        header=repr(c.header),
                        total=as_written(total[i]),
                        name=names[i],
                        sum=as_written(parts[i] + written[i]),
                    ),
                )
            continue
        bad = ~np.isnan(total) & (own < 0)
        for i in _listed(log, sheet, bad):
            warn(
                i,
                msg(
                    "{header} is {total} for {name}, fewer than its part {better} ({part}); "
                    "{code} was left blank",
                    header=repr(c.header),
                    total=as_written(total[i]),
                    name=names[i],
                    better=", ".join(better),
                    part=as_written(parts[i]),
                    code=code,
                ),
            )
        own[bad] = np.nan
        part[f"mr:{code}"] = pd.array(
            np.where(np.isnan(own), 0, own).astype("int64"), dtype="Int64"
        )
        part.loc[np.isnan(own), f"mr:{code}"] = pd.NA
        part[f"_col_mr:{code}"] = _place(c.index)


def _listed(log: ProblemLog, sheet, bad: np.ndarray, rule: str = "cumulative") -> np.ndarray:
    """The rows of ``bad`` whose ``rule`` warning the log lists; the rest are counted."""
    rows = np.flatnonzero(bad)
    return rows[: log.room(sheet.file, sheet.name, rule, "warning", len(rows))]


def _organisation_order() -> dict[str, tuple[int, int]]:
    """Organisation rating code → (rank, tier), best over the scales: what "better" means
    for "… trở lên" on a sheet that may span the 2018 change (TSVM_TB before TSVM, both
    before HTTNV)."""
    order: dict[str, tuple[int, int]] = {}
    for (_, subject, code), place in crosswalk().items():
        if subject == "organisation":
            order[code] = min(order.get(code, place), place)
    return order


def _own_counts(sheet: Sheet, layout: Layout, records: pd.DataFrame, log: ProblemLog) -> None:
    """A compiled sheet's organisations' counts (``oc:CODE``) become each level's own count,
    counted once: a parent with parts ("TSVM" and "Trong đó: tiêu biểu") keeps the parent
    less its parts; "HTTNV trở lên" (``occum:HTTNV``) becomes HTTNV, the total less the
    better levels beside it. A part above its parent, a cumulative count below its better
    levels, or a level written both ways that disagrees is a warning at the parent's cell
    (the level is then left blank)."""
    if records.empty:
        return
    by_index = {c.index: c for c in layout.columns}
    rows = records["_row"].to_numpy()
    names = records["name"].to_numpy()

    def values(fld: str) -> np.ndarray:
        return records[fld].to_numpy(dtype=float, na_value=np.nan)

    def header(fld: str, i: int) -> str:
        return by_index[int(records[f"_col_{fld}"].iloc[i])].header

    def warn(fld: str, bad: np.ndarray, message: Callable[[int], str], rule: str) -> None:
        for i in _listed(log, sheet, bad, rule):
            log.warning(
                sheet.file,
                sheet.name,
                cell_name(int(rows[i]), int(records[f"_col_{fld}"].iloc[i])),
                message(i),
                value=float(values(fld)[i]),
                rule=rule,
            )

    unsplit = np.zeros(len(records), dtype=bool)  # rows with a level left blank
    parts_of: dict[str, list[str]] = {}
    for c in layout.columns:
        if c.nest == "subset" and c.parent is not None and c.field in records.columns:
            parent = by_index[c.parent].field
            if parent and parent.startswith("oc:") and parent != c.field:
                parts_of.setdefault(parent, [])
                if c.field not in parts_of[parent]:
                    parts_of[parent].append(c.field)
    for parent, parts in parts_of.items():
        if parent not in records.columns:
            continue
        total = values(parent)
        within = sum((np.nan_to_num(values(p)) for p in parts), np.zeros(len(records)))
        own = total - within
        bad = ~np.isnan(total) & (own < 0)
        shown = ", ".join(p.split(":", 1)[1] for p in parts)
        warn(
            parent,
            bad,
            lambda i, total=total, within=within, shown=shown, parent=parent: (
                f"'{header(parent, i)}' is {as_written(total[i])} for {names[i]}, fewer than "
                f"its part {shown} ({as_written(within[i])}) written beside it; "
                f"{parent.split(':', 1)[1]} was left blank. Correct the count or its part"
            ),
            "subset",
        )
        own[bad] = np.nan
        records[parent] = own
        unsplit |= bad

    order = _organisation_order()
    levels = [f for f in records.columns if f.startswith("oc:")]
    for cum in [f for f in records.columns if f.startswith("occum:")]:
        code = cum.split(":", 1)[1]
        total = values(cum)
        col = records[f"_col_{cum}"]
        better = [f for f in levels if order.get(f[3:], (9, 9)) < order.get(code, (9, 9))]
        if not better:
            c = by_index[int(col.iloc[0])]
            log.warning(
                sheet.file,
                sheet.name,
                cell_name(*c.header_cell),
                msg(
                    "'{header}' counts {code} and the better levels together, but no column "
                    "gives a better level on its own, so {code} cannot be told apart: the "
                    "column was not read. Add the better levels' columns ('Trong đó: …')",
                    header=c.header,
                    code=code,
                ),
                rule="cumulative",
            )
        else:
            within = sum((np.nan_to_num(values(b)) for b in better), np.zeros(len(records)))
            own = total - within
            written = f"oc:{code}" in records.columns
            if written:  # the level on its own and cumulatively: checked, the level kept
                alone = values(f"oc:{code}")
                bad = ~np.isnan(total) & ~np.isnan(alone) & (alone != own)
                warn(
                    cum,
                    bad,
                    lambda i, total=total, within=within, alone=alone, cum=cum: (
                        f"'{header(cum, i)}' is {as_written(total[i])} for {names[i]}, but "
                        f"its levels add up to {as_written(within[i] + alone[i])}; check "
                        "the counts"
                    ),
                    "cumulative",
                )
            else:
                bad = ~np.isnan(total) & (own < 0)
                warn(
                    cum,
                    bad,
                    lambda i, total=total, within=within, code=code, cum=cum: (
                        f"'{header(cum, i)}' is {as_written(total[i])} for {names[i]}, fewer "
                        f"than the better levels beside it ({as_written(within[i])}); {code} "
                        "was left blank. Correct the counts"
                    ),
                    "cumulative",
                )
                own[bad] = np.nan
                unsplit |= bad
                records[f"oc:{code}"] = own
                records[f"_col_oc:{code}"] = col.to_numpy()
        del records[cum], records[f"_col_{cum}"]
    # the cells' total is checked once the levels are rated on the year's scale (assemble),
    # except where a level could not be told: that row's problem is already said
    records["_unsplit"] = unsplit
