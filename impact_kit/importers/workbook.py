"""Import the kit's own workbooks (``impact-kit form workbook``) once a site has filled them in.

The first sheet says which grid, grid version, site and year the workbook is for; the
answers sheet's hidden ids must be the ones the grid gives, row by row, or the workbook
is refused (a row deleted, moved or edited would put answers under the wrong question).
Labels are read in any language of the grid, "oui"/"yes" and "non"/"no" alike.
"""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from impact_kit.data.bounds import check_archive
from impact_kit.data.observations import as_number
from impact_kit.exceptions import InputProblem, InvalidData
from impact_kit.forms.layout import form_text, grid_version
from impact_kit.forms.workbook import ABOUT_KEYS, ANSWER_COLUMN, ID_COLUMNS, workbook_rows
from impact_kit.grid.model import Grid
from impact_kit.importers.collect import cell_text
from impact_kit.importers.survey import RowReader, Submission, _norm

__all__ = ["SOURCE", "read_workbook"]

SOURCE = "workbook"
_REWRITE = "Write a new workbook with `impact-kit form workbook` and copy the answers into it."


def read_workbook(
    path: str | Path, grid: Grid, *, year: int | None = None
) -> tuple[list[Submission], list[InputProblem], list[str]]:
    """Read a filled workbook: its one submission, the problems found, and no unknown columns.

    Raises
    ------
    InvalidData
        If the file is not a workbook of the kit's shape.
    """
    path = Path(path)
    name = str(path)
    if not path.is_file():
        raise InvalidData.single(path, "the file does not exist. Check its path.")
    check_archive(path)
    data = path.read_bytes()  # read once and closed at once: openpyxl leaves a file open when it fails on it
    try:
        book = load_workbook(io.BytesIO(data), data_only=True)  # a formula's value as the spreadsheet stored it
        written = load_workbook(io.BytesIO(data))  # the cells as typed: tells a formula whose value was never stored
    except Exception as exc:  # openpyxl raises zip, XML and key errors alike for a file that is not a workbook
        raise InvalidData.single(path, f"this is not an Excel workbook ({exc}).") from None
    if len(book.worksheets) < 2:
        raise InvalidData.single(path, f"this is not a workbook of the kit: it has no answers sheet. {_REWRITE}")
    about, answers = book.worksheets[0], book.worksheets[1]
    unstored = [p for n in (0, 1) for p in _unstored_formulas(name, book.worksheets[n], written.worksheets[n])]
    if unstored:
        return [], unstored, []
    facts = {cell_text(r[2].value): (r[1].value, r[1].coordinate) for r in about.iter_rows(min_col=1, max_col=3)}
    problems: list[InputProblem] = []
    missing = [k for k in ABOUT_KEYS if k not in facts]
    if missing:
        raise InvalidData.single(path, f"the first sheet lacks its {', '.join(missing)} (hidden column C). {_REWRITE}")
    expected = {"grid": grid.id, "version": grid_version(grid)}
    for key, wanted in expected.items():
        value, where = facts[key]
        if cell_text(value) != wanted:
            problems.append(
                InputProblem(
                    f"{name}, sheet {about.title!r}",
                    f"the workbook was written for {key} {cell_text(value)!r}, but "
                    f"the grid `{grid.id}` gives {wanted!r}. Import it with that grid (`--grid`), or write a new "
                    "workbook for the current grid and copy the answers into it.",
                    int(where[1:]),
                    where[:1],
                    cell_text(value),
                )
            )
    site = cell_text(facts["site"][0]).strip()
    stated = as_number(cell_text(facts["year"][0]))
    sub_year = int(stated) if stated is not None and stated.is_integer() else None
    if sub_year is None:
        value, where = facts["year"]
        problems.append(
            InputProblem(
                f"{name}, sheet {about.title!r}",
                f"{cell_text(value)!r} is not a year. {_REWRITE}",
                int(where[1:]),
                where[:1],
                cell_text(value),
            )
        )
    elif year is not None and sub_year != year:
        problems.append(InputProblem(name, f"the workbook is for {sub_year}, not for --year {year}.", None, "year"))
    if problems:
        return [], problems, []
    sheet = f"{name}, sheet {answers.title!r}"
    header = str(form_text(grid.languages[0], "header")[3])
    sub = Submission(name, 1, path.name, site, "", sub_year)
    rows = list(answers.iter_rows(min_row=2, values_only=True))
    by_field: dict[str, tuple[int, list[tuple[str, object, str]]]] = {}
    for number, row in enumerate(workbook_rows(grid), 2):
        cells = rows[number - 2] if number - 2 < len(rows) else ()
        found = tuple(cell_text(c) for c in cells[: len(ID_COLUMNS)])
        if found != row.ids:
            problems.append(
                InputProblem(
                    sheet,
                    f"the hidden ids of this row are {' / '.join(found) or 'empty'}, where the grid gives "
                    f"{' / '.join(row.ids)}: a row was edited, moved, inserted or deleted (the rows after it were not "
                    f"read). {_REWRITE}",
                    number,
                    "A-C",
                )
            )
            break
        value = cell_text(cells[ANSWER_COLUMN - 1]) if len(cells) >= ANSWER_COLUMN else ""
        _, parts = by_field.setdefault(row.field.name, (number, []))
        parts.append((f"{header} (row {number})", row, value))
    for extra in range(len(list(workbook_rows(grid))) + 2, len(rows) + 2):
        if any(c not in (None, "") for c in rows[extra - 2]):
            problems.append(InputProblem(sheet, f"this row is not one of the grid's questions. {_REWRITE}", extra))
    if problems:
        return [], problems, []
    fields = {row.field.name: row.field for row in workbook_rows(grid)}
    for field_name, (number, parts) in by_field.items():
        item = fields[field_name]
        reader = RowReader(sheet, number, grid, problems)
        main = {field_name: (parts[0][0], parts[0][2])}
        splits = [(head, row.choice, _yes_no(grid, value)) for head, row, value in parts if row.choice is not None]  # type: ignore[attr-defined]
        assert item.question is not None
        sub.rows += [(item.owner, item.question.id, v) for v in reader.values(item, main, splits or None)]
    return [sub], problems, []


def _unstored_formulas(name: str, values: Worksheet, written: Worksheet) -> list[InputProblem]:
    """Return a problem for each cell of a sheet that holds a formula but no value computed from it.

    A spreadsheet stores each formula's value when it saves; a program that writes a formula
    (openpyxl, a script) may store none, and the cell would read as empty: the answer lost.
    """
    problems = []
    for row in written.iter_rows():
        for cell in row:
            if cell.data_type == "f" and values[cell.coordinate].value is None:
                formula = str(getattr(cell.value, "text", None) or cell.value)  # an array formula keeps it in .text
                problems.append(
                    InputProblem(
                        f"{name}, sheet {values.title!r}",
                        f"cell {cell.coordinate} holds the formula {formula!r} but no value computed from it (a "
                        "program wrote it). Open the workbook in Excel or LibreOffice and save it, or type the value.",
                        cell.row,
                        cell.column_letter,
                        formula,
                    )
                )
    return problems


def _yes_no(grid: Grid, value: str) -> str:
    """Turn "oui"/"yes" into 1 and "non"/"no" into 0, in any language of the grid; leave other text as is."""
    text = _norm(value)
    if any(text == _norm(str(form_text(lang, "yes"))) for lang in grid.languages):
        return "1"
    if any(text == _norm(str(form_text(lang, "no"))) for lang in grid.languages):
        return "0"
    return value
