"""Write the offline workbook a site manager fills in, in Excel or LibreOffice: one per site and year.

The first sheet (locked) names the grid, its version, the site and the year, and says
how to answer in the chosen language. The second has one row per question (one per
option of a multi-choice question, answered yes or no), with the grid's ids in hidden,
locked columns; only the answer cells can be edited, and their drop-downs read hidden
choice lists (a literal list breaks Excel past 255 characters). The importer
(:mod:`impact_kit.importers.workbook`) checks the ids before it reads an answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from impact_kit.files import atomic_write
from impact_kit.forms.layout import Choice, Field, form_fields, form_text, grid_version
from impact_kit.grid.model import Grid

__all__ = ["ABOUT_KEYS", "ANSWER_COLUMN", "ID_COLUMNS", "WorkbookRow", "workbook_rows", "write_workbook"]

#: The hidden id columns of the answers sheet, then the visible ones; the answer is in column G.
ID_COLUMNS = ("criterion", "question", "option")
ANSWER_COLUMN = 7
#: The keys of the first sheet's hidden column C, one per row it describes.
ABOUT_KEYS = ("grid", "version", "site", "year")
_LISTS = "lists"
_FILL = PatternFill("solid", fgColor="FFF4CC")
#: The widths of the visible columns D to H, in characters.
_WIDTHS = (28, 44, 36, 36, 30)

#: What an XML document, and so a cell of an .xlsx, cannot hold.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class WorkbookRow:
    """A row of the answers sheet: the field it answers, and the option it stands for (a multi-choice row)."""

    field: Field
    choice: Choice | None = None

    @property
    def ids(self) -> tuple[str, str, str]:
        """The row's hidden ids: criterion (or level), question, option (or "")."""
        question = self.field.question
        assert question is not None
        option = self.choice.name if self.choice is not None else ("other" if self.field.kind == "other" else "")
        return self.field.owner, question.id, option


def workbook_rows(grid: Grid) -> Iterator[WorkbookRow]:
    """Yield the answers sheet's rows in order: one per question, one per option of a multi-choice question."""
    for item in form_fields(grid):
        if item.kind not in ("answer", "other"):
            continue
        if item.select == "select_multiple":
            yield from (WorkbookRow(item, c) for c in item.choices if not c.other)
        else:
            yield WorkbookRow(item)


def write_workbook(grid: Grid, site: str, year: int, path: str | Path, *, lang: str, name: str = "") -> Path:
    """Write the workbook of one site and year.

    Parameters
    ----------
    grid : Grid
        The grid whose questions the workbook asks.
    site : str
        The site id (as in ``sites.csv``).
    year : int
        The year the answers describe.
    path : str or Path
        The ``.xlsx`` file to write (replaced whole, or not at all).
    lang : str
        The language of the labels and instructions.
    name : str
        The site's name, shown in the title.

    Returns
    -------
    Path
        The file written.
    """
    lang = grid.check_lang(lang)
    book = Workbook()
    about = book.active
    about.title = form_text(lang, "about_sheet")
    answers = book.create_sheet(form_text(lang, "answers_sheet"))
    lists = book.create_sheet(_LISTS)
    title = form_text(lang, "title").format(grid=grid.name(lang), site=name or site, year=year)
    # A cell cannot hold what XML cannot (a control character, U+FFFE), which a site name may: U+FFFD shows where.
    title = _NOT_XML.sub("\ufffd", title)
    about.append([title])
    about["A1"].font = Font(bold=True, size=14)
    values = (grid.id, grid_version(grid), site, year)
    labels = [form_text(lang, k) for k in ("grid", "version", "site_id", "year")]
    for label, value, key in zip(labels, values, ABOUT_KEYS, strict=True):
        about.append([label, value, key])
    about.append([])
    for line in form_text(lang, "instructions"):
        about.append([line])
        about.merge_cells(start_row=about.max_row, start_column=1, end_row=about.max_row, end_column=2)
        about.cell(about.max_row, 1).alignment = Alignment(wrap_text=True, vertical="top")
        about.row_dimensions[about.max_row].height = 30
    about.merge_cells("A1:B1")
    for row in range(2, 2 + len(ABOUT_KEYS)):
        about.cell(row, 1).font = Font(bold=True)
        about.cell(row, 2).alignment = Alignment(horizontal="left")
    about.column_dimensions["A"].width = 24
    about.column_dimensions["B"].width = 90
    about.column_dimensions["C"].hidden = True
    _write_answers(grid, answers, lists, lang)
    for sheet in (about, answers, lists):
        sheet.protection.sheet = True  # locked cells cannot be edited, hidden columns cannot be shown
        # Printed (or turned into PDF) one page wide, in landscape.
        sheet.page_setup.orientation = "landscape"
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    answers.print_title_rows = "1:1"
    lists.sheet_state = "hidden"
    path = Path(path)
    with atomic_write(path, "wb") as handle:
        book.save(handle)
    return path


def _write_answers(grid: Grid, sheet: object, lists: object, lang: str) -> None:
    header = form_text(lang, "header")
    sheet.append([*ID_COLUMNS, *header])  # type: ignore[attr-defined]
    ranges: dict[str, str] = {}
    yes_no = _list(lists, ranges, "__yes_no", [form_text(lang, "yes"), form_text(lang, "no")])
    validations: dict[str, DataValidation] = {}
    for number, row in enumerate(workbook_rows(grid), 2):
        item, question = row.field, row.field.question
        assert question is not None
        groups = " / ".join(g.labels[lang] for g in item.path)
        option = row.choice.labels[lang] if row.choice is not None else ""
        how = _how(lang, item, row)
        sheet.append([*row.ids, groups, item.labels[lang], option, None, how])  # type: ignore[attr-defined]
        for column in range(len(ID_COLUMNS) + 1, ANSWER_COLUMN + 2):
            sheet.cell(number, column).alignment = Alignment(  # type: ignore[attr-defined]
                wrap_text=True, vertical="top", horizontal="left"
            )
        # Spreadsheets do not grow a row for wrapped text they load: give it the lines its longest text needs.
        lines = max(
            -(-len(text) // int(width))
            for text, width in zip((groups, item.labels[lang], option, how), _WIDTHS[:3] + _WIDTHS[4:], strict=True)
        )
        sheet.row_dimensions[number].height = 15 * max(1, lines)  # type: ignore[attr-defined]
        cell = sheet.cell(number, ANSWER_COLUMN)  # type: ignore[attr-defined]
        cell.protection = Protection(locked=False)
        cell.fill = _FILL
        if row.choice is not None:
            source = yes_no
        elif item.select == "select_one":
            source = _list(lists, ranges, item.list_name, [c.labels[lang] for c in item.choices])
        elif question.type in ("number", "scale"):
            low = question.min if question.min is not None else 0
            kind = ("whole", low, question.max) if question.max is not None else ("whole", low, None)
            key = f"{kind}"
            if key not in validations:
                operator = "between" if kind[2] is not None else "greaterThanOrEqual"
                validations[key] = DataValidation(
                    type="whole", operator=operator, formula1=f"{kind[1]:g}",
                    formula2=f"{kind[2]:g}" if kind[2] is not None else None, showErrorMessage=True,
                    error=how,
                )  # fmt: skip
                sheet.add_data_validation(validations[key])  # type: ignore[attr-defined]
            validations[key].add(cell)
            continue
        else:
            continue
        if source not in validations:
            validations[source] = DataValidation(type="list", formula1=source, showErrorMessage=True, allow_blank=True)
            sheet.add_data_validation(validations[source])  # type: ignore[attr-defined]
        validations[source].add(cell)
    for column in range(1, len(ID_COLUMNS) + 1):
        sheet.column_dimensions[get_column_letter(column)].hidden = True  # type: ignore[attr-defined]
    for letter, width in zip("DEFGH", _WIDTHS, strict=True):
        sheet.column_dimensions[letter].width = width  # type: ignore[attr-defined]
    for cell in sheet[1]:  # type: ignore[index]
        cell.font = Font(bold=True)
    sheet.freeze_panes = "D2"  # type: ignore[attr-defined]


def _list(lists: object, ranges: dict[str, str], name: str, labels: list[str]) -> str:
    """Write a choice list in its own column of the hidden sheet; return the range a drop-down reads."""
    if name not in ranges:
        column = get_column_letter(len(ranges) + 1)
        for number, label in enumerate(labels, 1):
            lists.cell(number, len(ranges) + 1, label)  # type: ignore[attr-defined]
        ranges[name] = f"{_LISTS}!${column}$1:${column}${len(labels)}"
    return ranges[name]


def _how(lang: str, item: Field, row: WorkbookRow) -> str:
    question = item.question
    assert question is not None
    how = form_text(lang, "how")
    if row.choice is not None:
        return str(how["multi"])
    if item.kind == "other" or (question.is_choice and not item.choices):
        return str(how["open"])
    low = f"{question.min:g}" if question.min is not None else "0"
    high = f"{question.max:g}" if question.max is not None else ""
    return str(how[question.type]).format(min=low, max=high)
