"""Write the grid's questionnaire as an XLSForm (sheets survey, choices, settings) for KoboToolbox and ODK.

One field per grid question, by its type; the grid's labels in every language asked
for; ``settings`` carries the form id and a version derived from the grid (and the
hidden ``grid_version`` field repeats it), so that an export says which grid it answered.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from openpyxl import Workbook

from impact_kit.data.observations import YEAR_RANGE
from impact_kit.files import atomic_write
from impact_kit.forms.layout import (
    Field,
    Group,
    form_id,
    form_items,
    form_text,
    grid_version,
    language_column,
    other_choice,
)
from impact_kit.grid.model import Grid

__all__ = ["survey_rows", "write_xlsform"]

_SURVEY = ("type", "name", "label", "hint", "required", "constraint", "constraint_message", "relevant")
_TRANSLATED = ("label", "hint", "constraint_message")


def survey_rows(grid: Grid, langs: Sequence[str]) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Return the rows of the ``survey`` and ``choices`` sheets, as dicts keyed by XLSForm column.

    Translated columns are keyed ``label::Français (fr)`` and so on, one per language of ``langs``.
    """
    survey: list[dict[str, str]] = []
    choices: list[dict[str, str]] = []
    lists: set[str] = set()
    for item in form_items(grid):
        if item is None:
            survey.append({"type": "end_group"})
        elif isinstance(item, Group):
            survey.append({"type": "begin_group", "name": item.name, **_translated("label", item.labels, langs)})
        else:
            survey.append(_field_row(grid, item, langs))
            if item.choices and item.list_name not in lists:
                lists.add(item.list_name)
                choices += [
                    {"list_name": item.list_name, "name": c.name, **_translated("label", c.labels, langs)}
                    for c in item.choices
                ]
    return survey, choices


def _translated(column: str, texts: Mapping[str, str], langs: Sequence[str]) -> dict[str, str]:
    return {language_column(column, lang): str(texts[lang]) for lang in langs}


def _texts(langs: Sequence[str], key: str, **values: object) -> dict[str, str]:
    return {lang: str(form_text(lang, key)).format(**values) for lang in langs}


def _field_row(grid: Grid, field: Field, langs: Sequence[str]) -> dict[str, str]:
    row = {"name": field.name, **_translated("label", field.labels, langs)} if field.labels else {"name": field.name}
    question = field.question
    if field.kind == "version":
        return {"type": "calculate", "name": field.name, "calculation": f"'{grid_version(grid)}'"}
    if field.kind == "site":
        return {**row, "type": "text", "required": "yes", **_translated("hint", _texts(langs, "site_hint"), langs)}
    if field.kind == "city":
        return {**row, "type": "text"}
    if field.kind == "year":
        low, high = YEAR_RANGE
        message = _texts(langs, "year_constraint", min=low, max=high)
        return {
            **row,
            "type": "integer",
            "required": "yes",
            "constraint": f". >= {low} and . <= {high}",
            **_translated("constraint_message", message, langs),
        }
    assert question is not None
    if field.kind == "other":
        return {
            **row,
            "type": "text",
            "appearance": "multiline",
            "relevant": f"selected(${{{field.name[: -len('_other')]}}}, '{other_choice(question)}')",
        }
    if field.select:
        return {**row, "type": f"{field.select} {field.list_name}"}
    if question.type in ("number", "scale"):
        bottom = question.min if question.min is not None else 0.0
        constraint = f". >= {bottom:g}" + (f" and . <= {question.max:g}" if question.max is not None else "")
        key = "scale_constraint" if question.max is not None else "count_constraint"
        message = _texts(langs, key, min=f"{bottom:g}", max=f"{question.max:g}" if question.max is not None else "")
        return {**row, "type": "integer", "constraint": constraint, **_translated("constraint_message", message, langs)}
    if question.type == "keywords":
        return {**row, "type": "text", **_translated("hint", _texts(langs, "keywords_hint"), langs)}
    if question.type in ("testimony", "multi", "single"):  # an open choice without options: one answer per line
        hint = {} if question.type == "testimony" else _translated("hint", _texts(langs, "open_text"), langs)
        return {**row, "type": "text", "appearance": "multiline", **hint}
    return {**row, "type": "text"}


def write_xlsform(grid: Grid, path: str | Path, *, langs: Sequence[str] | None = None) -> Path:
    """Write the grid's questionnaire as an XLSForm file.

    Parameters
    ----------
    grid : Grid
        The grid whose questions the form asks.
    path : str or Path
        The ``.xlsx`` file to write (replaced whole, or not at all).
    langs : sequence of str, optional
        The languages of the labels, the first being the form's default; every
        language of the grid by default.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    InvalidArgument
        If the grid has no labels in one of ``langs``.
    """
    langs = [grid.check_lang(lang) for lang in (langs or grid.languages)]
    survey, choices = survey_rows(grid, langs)
    book = Workbook()
    sheets = {"survey": book.active, "choices": book.create_sheet("choices"), "settings": book.create_sheet("settings")}
    sheets["survey"].title = "survey"
    columns = [
        c
        for name in (*_SURVEY, "appearance", "calculation")
        for c in ([language_column(name, lang) for lang in langs] if name in _TRANSLATED else [name])
    ]
    _write(sheets["survey"], columns, survey)
    _write(sheets["choices"], ["list_name", "name", *(language_column("label", lang) for lang in langs)], choices)
    settings = {
        "form_title": grid.name(langs[0]),
        "form_id": form_id(grid),
        "version": grid_version(grid),
        "default_language": f"{form_text(langs[0], 'language')} ({langs[0]})",
    }
    _write(sheets["settings"], list(settings), [settings])
    path = Path(path)
    with atomic_write(path, "wb") as handle:
        book.save(handle)
    return path


def _write(sheet: object, columns: list[str], rows: list[dict[str, str]]) -> None:
    sheet.append(columns)  # type: ignore[attr-defined]
    for row in rows:
        sheet.append([row.get(c, "") for c in columns])  # type: ignore[attr-defined]
