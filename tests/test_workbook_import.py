"""Formulas in a filled workbook (issue 29, Why 3 and 22): read as their stored value, or refused by cell.

The "Why": an answer written as ``=6*2`` by a script (openpyxl stores no computed value)
was dropped in silence (exit 0, "wrote 1 observations"); the same in the year cell of the
first sheet said "'' is not a year".
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT, snapshot
from dialects import Filled, fill_workbook
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from impact_kit.cli import main
from impact_kit.forms.workbook import ANSWER_COLUMN, workbook_rows, write_workbook
from impact_kit.grid.file import default_grid

GRID = default_grid()
SITE, YEAR = "the-good-start", 2024
ANSWER = get_column_letter(ANSWER_COLUMN)
#: The answers sheet's row of a number question: "how many people found work".
PEOPLE = next(
    number
    for number, row in enumerate(workbook_rows(GRID), 2)
    if row.field.question is not None and row.field.question.id == "people_count" and row.choice is None
)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(ROOT / "data" / "sites.csv", folder)
    return folder


def _filled(tmp_path: Path) -> Path:
    book = write_workbook(GRID, SITE, YEAR, tmp_path / f"{SITE}_{YEAR}.xlsx", lang="fr")
    return fill_workbook(book, GRID, Filled(SITE, "Pantin", YEAR, [("sante", "effects", "discomfort")]))


def _with_formula(book: Path, sheet: int, cell: str, formula: str, stored: str | None = None) -> Path:
    """Write ``formula`` in a cell as a script does (no value); with ``stored``, as a spreadsheet saves it."""
    workbook = load_workbook(book)
    workbook.worksheets[sheet][cell] = formula
    workbook.save(book)
    if stored is not None:
        with zipfile.ZipFile(book) as archive:
            members = {info: archive.read(info) for info in archive.infolist()}
        empty = f"<f>{formula[1:]}</f><v></v>".encode()
        assert sum(empty in payload for payload in members.values()) == 1
        with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as archive:
            for info, payload in members.items():
                archive.writestr(info, payload.replace(empty, f"<f>{formula[1:]}</f><v>{stored}</v>".encode()))
    return book


def _year_cell(book: Path) -> str:
    about = load_workbook(book).worksheets[0]
    return next(row[1].coordinate for row in about.iter_rows(min_col=1, max_col=3) if row[2].value == "year")


def _people(data: Path) -> list[str]:
    rows = pd.read_csv(data / "observations-workbook.csv", dtype=str, keep_default_na=False)
    return rows.loc[rows["question"] == "people_count", "value"].tolist()


def test_a_formula_with_a_stored_value_is_read_as_that_value(data, tmp_path, capsys):
    book = _with_formula(_filled(tmp_path), 1, f"{ANSWER}{PEOPLE}", "=6*2", stored="12")
    assert main(["import", "workbook", str(book), "--data", str(data)]) == 0, capsys.readouterr().err
    assert _people(data) == ["12"]


def test_a_formula_without_a_value_is_refused_naming_its_sheet_row_and_cell(data, tmp_path, capsys):
    book = _with_formula(_filled(tmp_path), 1, f"{ANSWER}{PEOPLE}", "=6*2")
    before = snapshot(data)
    assert main(["import", "workbook", str(book), "--data", str(data)]) == 2
    err = capsys.readouterr().err
    sheet = load_workbook(book).worksheets[1].title
    assert f"{book}, sheet {sheet!r}, row {PEOPLE}, column `{ANSWER}`" in err
    assert f"cell {ANSWER}{PEOPLE} holds the formula '=6*2'" in err and "Traceback" not in err
    assert snapshot(data) == before


@pytest.mark.parametrize("stored", [None, "2024"])
def test_a_formula_in_the_year_cell(data, tmp_path, capsys, stored):
    book = _filled(tmp_path)
    cell = _year_cell(book)
    _with_formula(book, 0, cell, "=2020+4", stored=stored)
    code = main(["import", "workbook", str(book), "--data", str(data)])
    err = capsys.readouterr().err
    if stored:
        assert code == 0 and "wrote" in err
    else:
        assert code == 2 and "is not a year" not in err
        assert f"row {cell[1:]}, column `{cell[0]}`" in err and f"cell {cell} holds the formula '=2020+4'" in err
