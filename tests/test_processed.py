"""The processed-data fast path reads the build's Parquet straight into the contract dtypes.

Each frame must equal what pandas' own reader (``to_pandas`` with the stored pandas metadata)
gives for the same file, and a file the build would not write falls back to that reader.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pandas.testing import assert_frame_equal

from ngodong_analysis.dataset import TABLE_NAMES, Dataset
from ngodong_analysis.outputs.store import _from_arrow, _read_parquet
from ngodong_analysis.schema import TABLES, conform, empty


def _tricky(name: str) -> pd.DataFrame:
    """A contract table with missing values in every nullable column kind."""
    rows = 5
    data: dict[str, object] = {}
    for col, dtype in TABLES[name].columns.items():
        if col == "year":
            data[col] = [2015, 2016, 2017, 2018, 2019]
        elif col == "rating":
            data[col] = ["TSVM", None, "HTXSNV", "KHTNV", "TSVM"]
        elif col == "scale":
            data[col] = ["pre2018", "pre2018", None, "qd132", "qd366"]
        elif col == "kind" and name == "committees":
            data[col] = ["commune", None, "special zone", "other", "armed forces"]
        elif col == "kind":
            data[col] = ["residential", None, "school", "other", "police"]
        elif dtype == "Int64":
            data[col] = pd.array([1, None, 3, 0, 2**40], dtype="Int64")
        elif dtype == "Float64":
            data[col] = pd.array([1.5, None, 0.0, np.nan, 38.25], dtype="Float64")
        elif col in ("committee_id", "cell_id", "cell") and name == "member_ratings":
            data[col] = ["b", "a", "b", "c", "a"]
        else:  # text
            data[col] = ["Chi bộ Tổ dân phố 1", None, "", "Đội 3", "x" * 300][:rows]
    return conform(pd.DataFrame(data), name)


def _written(df: pd.DataFrame, path) -> None:
    df.to_parquet(path, index=False)  # what the build does


@pytest.mark.parametrize("name", TABLE_NAMES)
@pytest.mark.parametrize("content", ["tricky", "empty"])
def test_reader_gives_what_pandas_metadata_gives(tmp_path, name, content):
    df = _tricky(name) if content == "tricky" else empty(name)
    path = tmp_path / f"{name}.parquet"
    _written(df, path)
    table = pq.read_table(path)
    if content == "tricky":  # (an empty categorical is stored without its categories)
        assert _from_arrow(table, name) is not None, "the build's own file took the slow path"
    fast = _read_parquet(path, name)
    assert_frame_equal(fast, table.to_pandas())
    if content == "empty":  # Parquet keeps no dtype of an empty column: conformed on loading
        fast = conform(fast, name)
    assert_frame_equal(fast, df)
    # what Dataset.conformed takes as it is, without conforming again
    assert list(fast.dtypes) == list(conform(fast, name, sort=False).dtypes)
    for col in fast.columns:
        if isinstance(fast[col].dtype, pd.CategoricalDtype):
            assert fast[col].dtype.categories.dtype == df[col].dtype.categories.dtype


def test_cell_codes_keep_their_order_and_missing_values(tmp_path):
    df = _tricky("member_ratings")
    df["cell"] = pd.Categorical(["b", None, "b", "c", "a"], categories=["a", "b", "c"])
    path = tmp_path / "mr.parquet"
    _written(df, path)
    fast = _read_parquet(path, "member_ratings")
    assert fast["cell"].isna().tolist() == [False, True, False, False, False]
    assert list(fast["cell"].cat.categories) == ["a", "b", "c"]
    assert fast.sort_values("cell")["cell"].dropna().tolist() == ["a", "b", "b", "c"]


@pytest.mark.parametrize(
    "change",
    [
        "year as text",
        "counts as float",
        "extra column",
        "rating categories reordered",
        "index stored",
        "scale unordered",
    ],
)
def test_files_the_build_would_not_write_take_pandas_reader(tmp_path, change):
    name = "cell_ratings"
    df = _tricky(name)
    if change == "year as text":
        df["year"] = df["year"].astype(str)
    elif change == "counts as float":
        df["rank"] = df["rank"].astype("float64")
    elif change == "extra column":
        df["note"] = "x"
    elif change == "rating categories reordered":
        df["rating"] = df["rating"].cat.reorder_categories(df["rating"].cat.categories[::-1])
    elif change == "index stored":
        df.index = pd.Index(range(10, 15), name="row")
    elif change == "scale unordered":
        df["scale"] = df["scale"].cat.as_unordered()
    path = tmp_path / "t.parquet"
    df.to_parquet(path, index=change == "index stored")
    table = pq.read_table(path)
    assert _from_arrow(table, name) is None
    assert_frame_equal(_read_parquet(path, name), table.to_pandas())


def test_multi_chunk_columns_are_joined(tmp_path):
    df = _tricky("member_ratings")
    table = pa.Table.from_pandas(df, preserve_index=False)
    doubled = pa.concat_tables([table, table])
    assert doubled.column("cell_id").num_chunks == 2
    fast = _from_arrow(doubled, "member_ratings")
    assert_frame_equal(fast, doubled.to_pandas())


def test_conformed_takes_contract_frames_as_they_are():
    tables = {name: _tricky(name) for name in TABLE_NAMES}
    ds = Dataset.conformed(tables, [])
    assert all(getattr(ds, name) is tables[name] for name in TABLE_NAMES)
    # a frame whose dtypes differ is conformed
    tables["members"] = tables["members"].astype({"members": "float64"})
    ds = Dataset.conformed(tables, [])
    assert ds.members["members"].dtype == "Int64"


def test_scores_and_their_gaps_survive_the_build_files(tmp_path, xlsx):
    from ngodong_analysis.load import load_dataset
    from ngodong_analysis.outputs.store import write_tables

    rows = [
        ["Tên chi bộ", "Xếp loại", "Điểm"],
        ["CB TDP 1", "HTXSNV", 92.5],
        ["CB TDP 2", "HTTNV", None],
    ]
    committee = [["Đảng bộ", "Xếp loại", "Điểm"], ["Đảng bộ xã X", "HTTNV", 88]]
    ds = load_dataset(xlsx("s.xlsx", {"Năm 2025": rows, "Đảng bộ 2025": committee}))
    out = tmp_path / "processed"
    out.mkdir()
    write_tables(ds, [], out)
    back = _read_parquet(out / "cell_ratings.parquet", "cell_ratings")
    assert back["score"].dtype == "Float64"
    assert back["score"].tolist()[0] == 92.5 and back["score"].isna().tolist() == [False, True]
    assert_frame_equal(back, ds.cell_ratings)
    assert _from_arrow(pq.read_table(out / "cell_ratings.parquet"), "cell_ratings") is not None
    committee_back = _read_parquet(out / "committee_ratings.parquet", "committee_ratings")
    assert committee_back["score"].tolist() == [88]
    # the CSV for Excel: the score as a number, the missing one as an empty cell
    csv_rows = (out / "cell_ratings.csv").read_text(encoding="utf-8-sig").splitlines()
    header = csv_rows[0].split(",")
    scores = [r.split(",")[header.index("score")] for r in csv_rows[1:]]
    assert [float(scores[0]), scores[1]] == [92.5, ""]
