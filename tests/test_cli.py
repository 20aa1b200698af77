import hashlib
import json
import re
import shutil
import subprocess
import sys

import pandas as pd
import pytest

from ngodong_analysis.cli import main
from ngodong_analysis.config import find_project_root
from ngodong_analysis.outputs.report import sheet_names


def tree_hashes(folder):
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def raw_copy(tmp_path, sample_dir):
    raw = tmp_path / "raw"
    shutil.copytree(sample_dir, raw)
    return raw


def test_build_writes_tables_and_manifest_and_never_touches_raw(raw_copy, tmp_path, capsys):
    before = tree_hashes(raw_copy)
    out = tmp_path / "out"
    assert main(["build", "--raw", str(raw_copy), "--out", str(out), "--quiet"]) == 0
    for name in (
        "cells",
        "cell_ratings",
        "committee_ratings",
        "members",
        "member_ratings",
        "income",
    ):
        parquet = pd.read_parquet(out / f"{name}.parquet")
        assert (out / f"{name}.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # BOM for Excel
        csv = pd.read_csv(out / f"{name}.csv", encoding="utf-8-sig")
        assert list(csv.columns) == list(parquet.columns)
        assert len(csv) == len(parquet)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {i["path"] for i in manifest["inputs"]} == {p for p in before if p.endswith(".xlsx")}
    for item in manifest["inputs"]:
        assert item["sha256"] == before[item["path"]]
    assert manifest["versions"]["ngodong-analysis"]
    assert tree_hashes(raw_copy) == before
    charts = {p.stem for p in (out / "figures").glob("*.png")}
    assert len(charts) >= 8 and charts == {p.stem for p in (out / "figures").glob("*.svg")}
    outputs = {o["path"]: o["sha256"] for o in manifest["outputs"]}
    assert outputs == {k: v for k, v in tree_hashes(out).items() if k != "manifest.json"}
    svg = (out / "figures" / "rating_mix.svg").read_text(encoding="utf-8")
    assert "<dc:date>" not in svg and "Matplotlib v" not in svg


def test_unchanged_rebuild_writes_nothing_and_force_rebuilds(raw_copy, tmp_path, capsys):
    out = tmp_path / "out"
    main(["build", "--raw", str(raw_copy), "--out", str(out), "-q"])
    first = {p: (out / p).stat().st_mtime_ns for p in tree_hashes(out)}
    capsys.readouterr()
    assert main(["build", "--raw", str(raw_copy), "--out", str(out), "-q"]) == 0
    assert "Up to date" in capsys.readouterr().out
    assert {p: (out / p).stat().st_mtime_ns for p in tree_hashes(out)} == first
    hashes = tree_hashes(out)
    assert main(["build", "--raw", str(raw_copy), "--out", str(out), "-q", "--force"]) == 0
    assert "Built" in capsys.readouterr().out
    # reproducible bytes: every chart and table is the same file again (the manifest records
    # when it was built, so it alone differs)
    again = tree_hashes(out)
    assert {k: v for k, v in again.items() if k != "manifest.json"} == {
        k: v for k, v in hashes.items() if k != "manifest.json"
    }


def test_build_with_errors_exits_1_and_keeps_previous_outputs(raw_copy, tmp_path, capsys, xlsx):
    out = tmp_path / "out"
    main(["build", "--raw", str(raw_copy), "--out", str(out), "-q"])
    before = tree_hashes(out)
    from helpers import write_xlsx

    write_xlsx(raw_copy / "bad.xlsx", {"Năm 2019": [["Chi bộ", "Xếp loại"], ["CB TDP 1", "Khá"]]})
    capsys.readouterr()
    assert main(["build", "--raw", str(raw_copy), "--out", str(out), "-q"]) == 1
    printed = capsys.readouterr().out
    assert "bad.xlsx" in printed and "B2" in printed and "Khá" in printed
    assert tree_hashes(out) == before


def test_validate_names_the_place_and_exits_1(tmp_path, capsys):
    from helpers import write_xlsx

    path = write_xlsx(
        tmp_path / "ratings.xlsx", {"Năm 2019": [["Chi bộ", "Xếp loại"], ["CB TDP 1", "Khá"]]}
    )
    assert main(["validate", "--lang", "en", str(path)]) == 1
    out = capsys.readouterr().out
    assert "ratings.xlsx" in out and "Năm 2019 › B2" in out and "unknown rating 'Khá'" in out


def test_validate_clean_sample_exits_0(sample_dir, capsys):
    assert main(["validate", "--lang", "en", str(sample_dir)]) == 0
    assert "No problems" in capsys.readouterr().out


def test_usage_errors_exit_2_without_traceback(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["build", "--lang", "fr"])
    assert exc.value.code == 2
    assert main(["validate", str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "missing" in err


def test_module_entry_point_runs(sample_dir):
    proc = subprocess.run(
        [sys.executable, "-m", "ngodong_analysis", "validate", str(sample_dir)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr


def test_project_root_is_found_from_notebooks(monkeypatch, sample_dir):
    root = sample_dir.parents[1]
    monkeypatch.chdir(root / "notebooks")
    assert find_project_root() == root
    monkeypatch.setenv("NGODONG_ROOT", "/somewhere/else")
    assert str(find_project_root()) == "/somewhere/else"


def test_load_dataset_reuses_a_current_build(raw_copy, tmp_path, monkeypatch):
    from pandas.testing import assert_frame_equal

    import ngodong_analysis as nd
    from ngodong_analysis.outputs.store import from_processed

    out = tmp_path / "out"
    monkeypatch.setenv("NGODONG_PROCESSED", str(out))
    assert from_processed(raw_copy) is None  # nothing built yet
    main(["build", "--raw", str(raw_copy), "--out", str(out), "-q"])
    fast = from_processed(raw_copy)
    slow = nd.load_dataset(raw_copy, use_processed=False)
    for name, frame in slow.tables().items():
        assert_frame_equal(fast.tables()[name], frame)
    assert fast.problems == slow.problems
    # a build by other code (a column added, a rule changed, same version) is not reused
    from ngodong_analysis.outputs import store

    monkeypatch.setattr(store, "code_fingerprint", lambda: "other code")
    assert from_processed(raw_copy) is None
    monkeypatch.undo()
    monkeypatch.setenv("NGODONG_PROCESSED", str(out))
    assert from_processed(raw_copy) is not None
    # a changed input makes the build stale: the workbooks are read again
    from helpers import write_xlsx

    write_xlsx(
        raw_copy / "extra.xlsx", {"Năm 2020": [["Chi bộ", "Xếp loại"], ["CB TDP 1", "HTTNV"]]}
    )
    assert from_processed(raw_copy) is None
    assert 2020 in nd.load_dataset(raw_copy).cell_ratings["year"].tolist()


def test_template_command_writes_workbooks_that_validate_clean(tmp_path, capsys):
    out = tmp_path / "templates"
    assert main(["template", "--out", str(out), "--year", "2019"]) == 0
    written = capsys.readouterr().out.split()
    assert len(written) == 3 and all(p.endswith(".xlsx") for p in written)
    assert main(["validate", "--lang", "en", str(out)]) == 0
    assert "No problems" in capsys.readouterr().out
    # a second run does not overwrite filled-in work unless asked
    assert main(["template", "--out", str(out), "--year", "2019"]) == 2
    assert main(["template", "--out", str(out), "--year", "2019", "--force"]) == 0


def test_template_refuses_to_write_into_raw(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("NGODONG_RAW", str(tmp_path))
    assert main(["template", "--out", str(tmp_path / "x")]) == 2
    assert "never written" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_outputs_neutralise_formula_text_but_parquet_keeps_it(tmp_path):
    from openpyxl import load_workbook

    raw = tmp_path / "raw"
    raw.mkdir()
    # text, not formulas: as an export from another system holds it
    (raw / "r.csv").write_text(
        'Năm,Chi bộ,Xếp loại\n2019,"=HYPERLINK(""x"")",HTTNV\n2019,@SUM(A1),HTNV\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    assert main(["build", "--raw", str(raw), "--out", str(out), "-q"]) == 0
    text = (out / "cell_ratings.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text and "'@SUM" in text
    assert "\n=" not in text and ",=" not in text and ",@" not in text
    parquet = pd.read_parquet(out / "cell_ratings.parquet")
    assert set(parquet["cell"]) == {'=HYPERLINK("x")', "@SUM(A1)"}
    report = load_workbook(out / "report.xlsx")
    values = [
        c.value for ws in report for row in ws.iter_rows() for c in row if isinstance(c.value, str)
    ]
    assert not any(v.startswith(("=", "@")) for v in values)
    assert any(v.startswith("'=HYPERLINK") for v in values)


def test_a_filled_template_appears_in_the_rebuilt_outputs(raw_copy, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "out"
    main(["build", "--raw", str(raw_copy), "--out", str(out), "-q"])
    before = tree_hashes(out)
    svg_before = (out / "figures" / "rating_mix.svg").read_text(encoding="utf-8")
    heatmap_before = (out / "figures" / "rating_heatmap.svg").read_text(encoding="utf-8")
    templates = tmp_path / "templates"
    assert main(["template", "--out", str(templates), "--year", "2020"]) == 0
    path = templates / "xep_loai_chi_bo_2020.xlsx"
    wb = load_workbook(path)
    ws = wb["Năm 2020"]
    header = next(r for r in range(1, 10) if ws.cell(r, 2).value == "Tên chi bộ")
    for i, (name, label) in enumerate(
        [
            ("Chi bộ Tổ dân phố số 2", "Hoàn thành xuất sắc nhiệm vụ"),
            ("Chi bộ Công an thị trấn", "Hoàn thành tốt nhiệm vụ"),
        ]
    ):
        ws.cell(header + 1 + i, 2, name)
        ws.cell(header + 1 + i, 3, label)
    wb.save(raw_copy / path.name)
    assert main(["build", "--raw", str(raw_copy), "--out", str(out), "-q"]) == 0
    ratings = pd.read_parquet(out / "cell_ratings.parquet")
    assert ratings.loc[ratings.year == 2020, "cell_id"].tolist() == ["cong-an", "tdp-2"]
    after = tree_hashes(out)
    for chart in ("figures/rating_mix.png", "figures/rating_heatmap.svg"):
        assert after[chart] != before[chart]  # the new year is drawn
    # Text is drawn as paths (svg.fonttype "path"), each preceded by a comment holding the
    # text: the year axis has gained the filled year, and the heatmap its two ratings.
    svg = (out / "figures" / "rating_mix.svg").read_text(encoding="utf-8")
    assert re.findall(r"<!-- (\d{4}) -->", svg) == [str(y) for y in range(2015, 2021)]
    assert re.findall(r"<!-- (\d{4}) -->", svg_before) == [str(y) for y in range(2015, 2020)]
    heatmap = (out / "figures" / "rating_heatmap.svg").read_text(encoding="utf-8")
    assert heatmap.count("<!-- HTXSNV -->") == heatmap_before.count("<!-- HTXSNV -->") + 1
    assert heatmap.count("<!-- HTTNV -->") == heatmap_before.count("<!-- HTTNV -->") + 1
    # The report counts the two cells rated in 2020 (one at level 1, one at level 2, both
    # scales' tiers alike) and its grid of ratings has a 2020 column holding them.
    ws = load_workbook(out / "report.xlsx")[sheet_names("vi")["ratings"]]
    rows = list(ws.iter_rows(values_only=True))
    assert [r[:6] for r in rows].count((2020, 1, 1, 0, 0, 2)) == 2  # by rank, then by tier
    header = next(r for r in rows if isinstance(r[0], str) and 2020 in r)
    grid = {r[0]: r[header.index(2020)] for r in rows[rows.index(header) + 1 :] if r[0]}
    assert grid["Chi bộ Tổ dân phố số 2"] == "HTXSNV"
    assert grid["Chi bộ Công an thị trấn"] == "HTTNV"
    assert grid["Chi bộ Tổ dân phố số 1"] is None  # not in the filled template


@pytest.mark.slow
def test_build_with_notebooks_renders_html(raw_copy, tmp_path):
    out = tmp_path / "out"
    assert main(["build", "--raw", str(raw_copy), "--out", str(out), "-q", "--notebooks"]) == 0
    pages = sorted(p.name for p in (out / "notebooks").glob("*.html"))
    assert pages == [
        "01-cell-ratings.html",
        "02-membership.html",
        "03-income-poverty.html",
        "04-article-check.html",
        "05-committees.html",  # one committee: it says there is nothing to compare
    ]
    html = (out / "notebooks" / "04-article-check.html").read_text(encoding="utf-8")
    assert "data:image/png;base64" in html and "pass" in html
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["options"]["notebooks"] is True


# --- a commune's first hour: empty or wrong input never looks like success ------------------


def test_build_on_a_folder_without_workbooks_fails_and_says_so(tmp_path, capsys):
    empty = tmp_path / "emptydir"
    empty.mkdir()
    assert (
        main(["build", "--raw", str(empty), "--out", str(tmp_path / "out"), "-q", "--lang", "en"])
        == 1
    )
    out = capsys.readouterr().out
    assert "no workbooks found" in out and "emptydir" in out
    assert not (tmp_path / "out" / "figures").exists()


def test_build_on_a_folder_with_no_readable_table_fails(tmp_path, capsys, xlsx):
    notes = xlsx("ghi_chep.xlsx", {"Sheet1": [["Họ tên", "Điện thoại"], ["An", "0912"]]})
    out = tmp_path / "out"
    assert (
        main(["build", "--raw", str(notes.parent), "--out", str(out), "-q", "--lang", "en"]) == 1
    )
    assert "nothing to build" in capsys.readouterr().out
    assert not out.exists()


def test_cli_outside_a_project_says_where_it_looked_and_never_uses_the_sample(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    assert main(["validate"]) == 2
    err = capsys.readouterr().err
    assert str(tmp_path) in err and "ngodong validate FOLDER" in err
    assert "No problems found" not in err
    assert main(["build", "--quiet"]) == 2
    assert "--raw FOLDER" in capsys.readouterr().err
    assert not (tmp_path / "data").exists()


def test_template_refusal_mentions_force(tmp_path, capsys):
    assert main(["template", "--out", str(tmp_path / "t"), "--year", "2024"]) == 0
    capsys.readouterr()
    assert main(["template", "--out", str(tmp_path / "t"), "--year", "2024"]) == 2
    assert "--force" in capsys.readouterr().err
