"""Damaged exports are refused, exit 2, the file named, no traceback, nothing written (issue 29, Why 9)."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE, snapshot

from impact_kit.cli import main

EXPORTS = ROOT / "tests" / "data" / "exports"


def damaged(source: Path, folder: Path, member: str, how: str) -> Path:
    """A copy of the zip file ``source`` whose ``member`` is cut in half, missing, or not XML at all."""
    out = folder / f"damaged-{how}-{source.name}"
    with zipfile.ZipFile(source) as archive, zipfile.ZipFile(out, "w") as copy:
        for name in archive.namelist():
            data = archive.read(name)
            if name == member:
                if how == "missing":
                    continue
                data = data[: len(data) // 2] if how == "truncated" else b"\x00\xffnot <xml"
            copy.writestr(name, data)
    return out


CASES = [
    ("kobo", "kobo-xml.xlsx", "xl/worksheets/sheet1.xml", "truncated"),
    ("kobo", "kobo-xml.xlsx", "xl/worksheets/sheet1.xml", "missing"),
    ("kobo", "kobo-xml.xlsx", "xl/workbook.xml", "truncated"),
    ("kobo", "kobo-xml.xlsx", "[Content_Types].xml", "missing"),
    ("kobo", "kobo-xml.xlsx", "xl/styles.xml", "garbage"),
    ("workbook", "workbook-coeur-de-friche-exemple_2022.xlsx", "xl/worksheets/sheet2.xml", "truncated"),
    ("workbook", "workbook-coeur-de-friche-exemple_2022.xlsx", "xl/worksheets/sheet1.xml", "missing"),
    ("odk", "odk-central.csv.zip", "odk-central.csv", "truncated"),
    ("odk", "odk-central.csv.zip", "odk-central.csv", "missing"),
]


@pytest.mark.parametrize(("source", "name", "member", "how"), CASES)
def test_a_damaged_export_is_refused_naming_it(capsys, tmp_path, source, name, member, how):
    archive = EXPORTS / name
    with zipfile.ZipFile(archive) as check:
        if member not in check.namelist():  # the ODK zip names its CSV after the form
            member = next(n for n in check.namelist() if n.endswith(".csv"))
    export = damaged(archive, tmp_path, member, how)
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    before = snapshot(data)
    code = main(["import", source, str(export), "--data", str(data)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("error: ") and export.name in err and "Traceback" not in err, err
    assert snapshot(data) == before


@pytest.mark.parametrize("share", [0.3, 0.7, 0.95])
def test_a_cut_xlsx_is_refused_naming_it(capsys, tmp_path, share):
    raw = (EXPORTS / "kobo-xml.xlsx").read_bytes()
    export = tmp_path / "cut.xlsx"
    export.write_bytes(raw[: int(len(raw) * share)])
    (tmp_path / "data").mkdir()
    code = main(["import", "kobo", str(export), "--data", str(tmp_path / "data")])
    err = capsys.readouterr().err
    assert code == 2 and "cut.xlsx" in err and "Traceback" not in err, err
    assert list((tmp_path / "data").iterdir()) == []
