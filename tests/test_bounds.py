"""Bounded memory for every reader: padded exports are read (or refused) without exhausting memory (issue 29, Why 7)."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

import impact_kit.data.bounds
from impact_kit.cli import main
from impact_kit.data.read import read_table

ROOT = Path(__file__).resolve().parents[1]
EXPORTS = ROOT / "tests" / "data" / "exports"
PEAK_LIMIT_MB = 500
# The command runs in a grandchild whose peak resident memory the child reports; its address space is
# capped so that a reader without bounds fails fast (as it did: ArrowMemoryError) instead of taking the
# machine's memory with it.
MEASURE = """
import json, resource, subprocess, sys
resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
print(json.dumps({"code": done.returncode, "err": done.stderr, "peak_mb": peak}))
"""


@pytest.fixture
def data(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "sites.csv").write_bytes((ROOT / "data" / "sites.csv").read_bytes())
    return folder


def _export() -> tuple[str, bytes]:
    with zipfile.ZipFile(EXPORTS / "odk-central.csv.zip") as archive:
        (member,) = archive.namelist()
        return member, archive.read(member)


def _import(data: Path, export: Path) -> dict[str, object]:
    command = [sys.executable, "-m", "impact_kit.cli", "import", "odk", str(export), "--data", str(data)]
    done = subprocess.run([sys.executable, "-c", MEASURE, *command], capture_output=True, text=True, timeout=120)
    return json.loads(done.stdout)


def _observations(data: Path) -> list[tuple[str, ...]]:
    frame = pd.read_csv(data / "observations-odk.csv", dtype=str, keep_default_na=False)
    return sorted(map(tuple, frame.drop(columns="submission").to_numpy().tolist()))


@pytest.mark.parametrize(("kind", "padding_mib"), [("zip", 64), ("csv", 4)])
def test_an_export_padded_with_blank_lines_imports_its_answers_under_500_mb(tmp_path, data, kind, padding_mib):
    # The attacks of Why 7: a 68 KB zip of 64 MiB of line feeds took 11.5 GB; a CSV with 4 MiB, 7.5 GB.
    member, body = _export()
    padded = body + b"\n" * (padding_mib << 20)
    if kind == "zip":
        export = tmp_path / "export.csv.zip"
        with zipfile.ZipFile(export, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(member, padded)
        assert export.stat().st_size < 100_000
    else:
        export = tmp_path / member
        export.write_bytes(padded)
    result = _import(data, export)
    assert result["code"] == 0, result["err"]
    assert result["peak_mb"] < PEAK_LIMIT_MB, result
    assert "Traceback" not in str(result["err"])
    padded_rows = _observations(data)
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "sites.csv").write_bytes((data / "sites.csv").read_bytes())
    assert main(["import", "odk", str(EXPORTS / "odk-central.csv.zip"), "--data", str(plain)]) == 0
    assert padded_rows == _observations(plain)  # nothing lost to the padding


def test_rows_short_of_a_wide_header_are_refused_before_they_are_read(tmp_path, data):
    # 8 MB of one-cell rows under the export's 138 columns: 580 M cells once padded.
    _, body = _export()
    export = tmp_path / "padded.csv"
    export.write_bytes(body + b"x\n" * (4 << 20))
    result = _import(data, export)
    assert result["code"] == 2, result["err"]
    assert result["peak_mb"] < PEAK_LIMIT_MB, result
    err = str(result["err"])
    assert str(export) in err and "rows under a header of 138 columns" in err and "Delete the empty" in err
    assert "Traceback" not in err
    assert not (data / "observations-odk.csv").exists()


def test_blank_records_are_skipped_and_rows_keep_their_spreadsheet_numbers(tmp_path):
    path = tmp_path / "observations.csv"
    path.write_bytes(
        b"site,year,criterion,question,value\r\n"  # row 1
        b'a,2022,sante,testimony,"first\r\n\r\n\r\nsecond"\r\n'  # row 2: its blank lines are the testimony's
        b"\r\n,,,,\r\n\r\n"  # rows 3-5: blank
        b"b,2022,sante,effects,x\r\n"  # row 6
        b",,,,\n\n;;\n"  # rows 7-8 blank, row 9 a cell ';;'
        b'"c",2023,sante,effects,y'  # row 10, no line end
    )
    table = read_table(path)
    assert table.rows == [2, 6, 9, 10]
    assert table.frame["value"].tolist() == ["first\r\n\r\n\r\nsecond", "x", "", "y"]
    assert table.frame["site"].tolist() == ["a", "b", ";;", "c"]


def test_a_ragged_row_after_blank_lines_is_named_by_its_own_row(tmp_path):
    path = tmp_path / "observations.csv"
    path.write_bytes(b"site,year,criterion,question,value\n\n\n,,,,\na,2022,sante,effects,x,extra\n")
    assert read_table(path).ragged == [(5, 6)]
    unclosed = tmp_path / "unclosed.csv"
    unclosed.write_bytes(b'site,year,criterion,question,value\n\n\n\na,2022,sante,testimony,"never closed\n')
    with pytest.raises(Exception, match="row 5"):
        read_table(unclosed)


def test_a_zip_member_that_expands_beyond_the_limit_is_refused(tmp_path, data, monkeypatch, capsys):
    monkeypatch.setattr(impact_kit.data.bounds, "MEMBER_LIMIT", 1 << 20)
    member, body = _export()
    export = tmp_path / "export.csv.zip"
    with zipfile.ZipFile(export, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(member, body + b" " * (2 << 20))
    assert main(["import", "odk", str(export), "--data", str(data)]) == 2
    err = capsys.readouterr().err
    assert f"{export}, {member}" in err and "expands to more than 1 MB" in err and "Traceback" not in err
    assert not (data / "observations-odk.csv").exists()


@pytest.mark.parametrize(("source", "name"), [("kobo", "kobo-xml.xlsx"), ("workbook", None)])
def test_a_workbook_part_beyond_the_limit_is_refused(tmp_path, data, monkeypatch, capsys, source, name):
    workbook = EXPORTS / (name or "workbook-coeur-de-friche-exemple_2022.xlsx")
    monkeypatch.setattr(impact_kit.data.bounds, "MEMBER_LIMIT", 1000)
    assert main(["import", source, str(workbook), "--data", str(data)]) == 2
    err = capsys.readouterr().err
    assert str(workbook) in err and "expands to more than" in err and "Traceback" not in err


def test_a_data_folder_workbook_with_a_part_beyond_the_limit_is_refused(tmp_path, data, monkeypatch, capsys):
    book = data / "observations.xlsx"
    pd.DataFrame({"site": ["a"], "year": ["2022"], "criterion": ["sante"], "question": ["q"], "value": ["v"]}).to_excel(
        book, index=False
    )
    monkeypatch.setattr(impact_kit.data.bounds, "MEMBER_LIMIT", 1000)
    assert main(["validate", "--data", str(data)]) == 2
    err = capsys.readouterr().err
    assert str(book) in err and "expands to more than" in err and "Traceback" not in err


def test_a_parquet_file_of_millions_of_empty_cells_is_refused_from_its_footer(data):
    # 94 KB of Parquet holding 40 M empty cells (a run of equal values is stored once).
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = 2_000_000
    columns = ["site", "year", "criterion", "question", "value", *(f"extra{i}" for i in range(15))]
    pq.write_table(pa.table({c: pa.array([""] * rows) for c in columns}), data / "observations.parquet")
    command = [sys.executable, "-m", "impact_kit.cli", "validate", "--data", str(data)]
    done = subprocess.run([sys.executable, "-c", MEASURE, *command], capture_output=True, text=True, timeout=60)
    result = json.loads(done.stdout)
    assert result["code"] == 2, result["err"]
    assert result["peak_mb"] < PEAK_LIMIT_MB, result
    assert "2,000,000 rows of 20 columns" in str(result["err"]) and "Traceback" not in str(result["err"])
