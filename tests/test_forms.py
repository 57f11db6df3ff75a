"""The questionnaires written from the grid: the XLSForm (pyxform, ODK Validate) and the offline workbook."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from impact_kit.cli import main
from impact_kit.forms.layout import form_fields, form_id, grid_version, language_column
from impact_kit.forms.workbook import ANSWER_COLUMN, workbook_rows, write_workbook
from impact_kit.forms.xlsform import write_xlsform
from impact_kit.grid.file import default_grid

pyxform = pytest.importorskip("pyxform")


@pytest.fixture(scope="module")
def grid():
    return default_grid()


@pytest.fixture(scope="module")
def xlsform(tmp_path_factory, grid):
    return write_xlsform(grid, tmp_path_factory.mktemp("form") / "form.xlsx")


def sheet_rows(path, name):
    sheet = load_workbook(path)[name]
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def test_pyxform_converts_the_form_without_warning(xlsform, grid):
    from pyxform.xls2xform import convert

    warnings: list[str] = []
    result = convert(xlsform=str(xlsform), warnings=warnings)
    assert warnings == []
    assert f'id="{form_id(grid)}" version="{grid_version(grid)}"' in result.xform
    assert 'lang="Français (fr)" default="true()"' in result.xform and 'lang="English (en)"' in result.xform


def test_odk_validate_accepts_the_form(xlsform, tmp_path):
    if shutil.which("java") is None:
        if os.environ.get("IMPACT_KIT_REQUIRE_BROWSER"):
            pytest.fail("CI must run ODK Validate, but java is missing (apt-get install default-jre-headless)")
        pytest.skip("ODK Validate needs Java: apt-get install default-jre-headless")
    from pyxform.validators import odk_validate
    from pyxform.xls2xform import convert

    xml = tmp_path / "form.xml"
    xml.write_text(convert(xlsform=str(xlsform)).xform, encoding="utf-8")
    assert odk_validate.check_xform(str(xml)) == []  # raises ODKValidateError on an invalid form


def test_one_field_per_grid_question_with_every_language(xlsform, grid):
    survey = sheet_rows(xlsform, "survey")
    fields = {r["name"]: r for r in survey if r["type"] not in ("begin_group", "end_group")}
    answered = [f for f in form_fields(grid) if f.kind == "answer"]
    assert len(answered) == sum(1 for _ in grid.iter_questions())
    for owner, question in grid.iter_questions():
        row = fields[f"{owner}__{question.id}"]
        for lang in grid.languages:
            assert row[language_column("label", lang)] == question.label(lang)
        kind = row["type"].split()[0]
        expected = {"single": "select_one", "multi": "select_multiple" if question.options else "text"}
        assert kind == expected.get(question.type, "integer" if question.type in ("number", "scale") else "text")
        if question.type == "scale":
            assert row["constraint"] == f". >= {question.min:g} and . <= {question.max:g}"
    groups = [r["name"] for r in survey if r["type"] == "begin_group"]
    assert groups == [g for lv in grid.levels for g in (lv.id, *(c.id for c in lv.criteria))]
    assert [r["name"] for r in survey[:4]] == ["site", "city", "year", "grid_version"]
    settings = sheet_rows(xlsform, "settings")[0]
    assert settings["version"] == grid_version(grid) and settings["default_language"] == "Français (fr)"


def test_open_questions_offer_other_with_a_text_field(xlsform, grid):
    survey = {r["name"]: r for r in sheet_rows(xlsform, "survey")}
    choices = sheet_rows(xlsform, "choices")
    for owner, question in grid.iter_questions():
        if question.open and question.options:
            name = f"{owner}__{question.id}"
            assert any(c["list_name"] == name and c["name"] == "other" for c in choices)
            assert survey[f"{name}_other"]["relevant"] == f"selected(${{{name}}}, 'other')"


def test_grid_version_follows_the_labels(grid):
    import dataclasses

    level = grid.levels[0]
    renamed = dataclasses.replace(level, labels={**level.labels, "fr": level.labels["fr"] + " !"})
    other = dataclasses.replace(grid, levels=(renamed, *grid.levels[1:]))
    assert grid_version(other) != grid_version(grid) and len(grid_version(grid)) == 12


def test_cli_writes_the_form_in_the_languages_asked(tmp_path, capsys):
    out = tmp_path / "form.xlsx"
    assert main(["form", "xlsform", "--lang", "en", "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    columns = next(load_workbook(out)["survey"].iter_rows(values_only=True))
    assert "label::English (en)" in columns and "label::Français (fr)" not in columns
    assert main(["form", "xlsform", "--lang", "de", "--out", str(tmp_path / "de.xlsx")]) == 2
    assert "'de'" in capsys.readouterr().err and not (tmp_path / "de.xlsx").exists()


def test_workbook_is_locked_with_hidden_ids_and_drop_downs_from_hidden_lists(tmp_path, grid):
    path = write_workbook(grid, "the-good-start", 2024, tmp_path / "w.xlsx", lang="en")
    book = load_workbook(path)
    about, answers, lists = book.worksheets
    assert about.protection.sheet and answers.protection.sheet and lists.sheet_state == "hidden"
    facts = {r[2]: r[1] for r in about.iter_rows(min_row=2, max_row=5, values_only=True)}
    assert facts == {"grid": grid.id, "version": grid_version(grid), "site": "the-good-start", "year": 2024}
    assert about["A7"].value.startswith("Answer in the")  # instructions in the language asked
    assert all(answers.column_dimensions[c].hidden for c in "ABC")
    rows = list(workbook_rows(grid))
    assert answers.max_row == len(rows) + 1
    for number, row in enumerate(rows, 2):
        assert tuple(answers.cell(number, c).value or "" for c in (1, 2, 3)) == row.ids
        assert answers.cell(number, 1).protection.locked
        assert not answers.cell(number, ANSWER_COLUMN).protection.locked
    multi = [r for r in rows if r.choice is not None]
    assert len(multi) == sum(len(q.options) for _, q in grid.iter_questions() if q.type == "multi")
    formulas = {v.formula1 for v in answers.data_validations.dataValidation if v.type == "list"}
    assert formulas and all(f.startswith("lists!$") for f in formulas)  # ranges, never literal lists
    assert [c.value for c in lists["A"] if c.value] == ["yes", "no"]


def test_workbook_command_one_file_per_site(tmp_path, capsys):
    data = tmp_path / "data"
    shutil.copytree(Path(__file__).parents[1] / "data", data)
    code = main(["form", "workbook", "--year", "2024", "--site", "the-good-start", "--data", str(data),
                 "--out", str(tmp_path / "forms"), "--lang", "fr"])  # fmt: skip
    assert code == 0
    assert [p.name for p in (tmp_path / "forms").iterdir()] == ["the-good-start_2024.xlsx"]
    assert main(["form", "workbook", "--year", "2024", "--site", "nowhere", "--data", str(data)]) == 2
    assert "no site 'nowhere'" in capsys.readouterr().err


def test_xlsform_out_may_be_a_folder_and_workbooks_are_listed_sorted(tmp_path, capsys):
    """Issue 29, Why 17 and 19: `--out DIR` failed on a hidden .tmp file; workbooks came in sites.csv's order."""
    folder = tmp_path / "forms"
    folder.mkdir()
    assert main(["form", "xlsform", "--out", str(folder)]) == 0
    assert capsys.readouterr().out.strip() == str(folder / f"{form_id(default_grid())}.xlsx")
    assert [p.name for p in folder.iterdir()] == [f"{form_id(default_grid())}.xlsx"]
    data = Path(__file__).parents[1] / "data"
    assert main(["form", "workbook", "--year", "2024", "--data", str(data), "--out", str(tmp_path / "books")]) == 0
    printed = capsys.readouterr().out.split()
    assert printed == sorted(printed) and len(printed) == 7


def test_a_site_name_with_control_characters_makes_a_workbook(tmp_path, grid):
    """Found by tests/test_accepted_data.py: validate takes a name holding \\x15, a cell cannot (a traceback)."""
    path = write_workbook(grid, "x", 2100, tmp_path / "x.xlsx", lang="fr", name="Le\x15 lieu\x1f\ufffe\u2028")
    assert "Le\ufffd lieu\ufffd\ufffd\u2028" in load_workbook(path).worksheets[0]["A1"].value
