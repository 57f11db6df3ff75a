"""Write survey exports of the kit's form as KoboToolbox and ODK Central would, from tidy answers.

The conventions follow the tools' own export code and tests:
- kobotoolbox/formpack (src/formpack/reporting/export.py, tests/test_exports.py): fields in form
  order, headers as XML names or labels of one language, the group path only with
  ``hierarchy_in_labels`` (joined by ``group_sep``, ``/`` by default), select_multiple as the
  space-separated summary and/or one column per option (``q/option``, joined by the group
  separator) holding "1"/"0" when the question was answered and "" when not; CSV with ``;``
  and every cell quoted; system columns ``_id``, ``_uuid``, ``_submission_time``,
  ``_validation_status``, ``_notes``, ``_status``, ``_submitted_by``, ``__version__``, ``_tags``, ``_index``.
- getodk/central-backend (lib/data/briefcase.js, test/unit/data/briefcase.js): ``SubmissionDate``
  first, group paths joined by ``-``, select_multiple summary then ``q/option`` columns holding
  1 or 0, ``meta-instanceID`` where the form has it (pyxform puts meta last), then ``KEY``,
  ``SubmitterID``, ``SubmitterName``, ``AttachmentsPresent``, ``AttachmentsExpected``, ``Status``,
  ``ReviewState``, ``DeviceID``, ``Edits``, ``FormVersion``; the CSV inside ``<form id>.csv.zip``.
"""

from __future__ import annotations

import csv
import io
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook

from impact_kit.forms.layout import Field, form_fields, form_id, grid_version

KOBO_SYSTEM = (
    "_id", "_uuid", "rootUuid", "_submission_time", "_validation_status", "_notes", "_status",
    "_submitted_by", "__version__", "_tags", "_index",
)  # fmt: skip
ODK_TAIL = (
    "KEY", "SubmitterID", "SubmitterName", "AttachmentsPresent", "AttachmentsExpected", "Status",
    "ReviewState", "DeviceID", "Edits", "FormVersion",
)  # fmt: skip


@dataclass
class Filled:
    """One submission: who answered, and the tidy rows it was filled from."""

    site: str
    city: str
    year: int
    rows: list[tuple[str, str, str]] = field(default_factory=list)
    uuid: str = field(default_factory=lambda: str(uuid.uuid4()))


def xlsform_fields(path: Path, grid) -> list[Field]:
    """The fields of an XLSForm file as an export tool sees them: names, group paths, labels, choice lists.

    Read from the file, not from the kit's layout, so that exports built from them test what
    the form really says. A field ``<owner>__<question>`` answers that question of the grid.
    """
    from openpyxl import load_workbook

    from impact_kit.forms.layout import Choice, Group

    book = load_workbook(path)

    def rows(name):
        lines = list(book[name].iter_rows(values_only=True))
        return [dict(zip(lines[0], line, strict=True)) for line in lines[1:]]

    def labels(row):
        return {c.split("(")[-1].rstrip(")"): v for c, v in row.items() if c.startswith("label::") and v}

    lists: dict[str, list] = {}
    for row in rows("choices"):
        lists.setdefault(row["list_name"], []).append(Choice(row["name"], labels(row), row["name"] == "other"))
    fields, path_stack = [], []
    for row in rows("survey"):
        kind = row["type"]
        if kind == "begin_group":
            path_stack.append(Group(row["name"], labels(row)))
            continue
        if kind == "end_group":
            path_stack.pop()
            continue
        name = row["name"]
        owner, _, rest = name.partition("__")
        question_id = rest.removesuffix("_other")
        question = grid.question(owner, question_id) if rest else None
        role = name if question is None else ("other" if rest.endswith("_other") and row["type"] == "text" and
                                              question.options else "answer")  # fmt: skip
        role = {"grid_version": "version"}.get(role, role)
        list_name = kind.split()[1] if kind.startswith("select_") else ""
        fields.append(Field(name, role, labels(row), tuple(path_stack), owner if question else "", question,
                            tuple(lists.get(list_name, ())), list_name))  # fmt: skip
    return fields


def answers(grid, item: Field, sub: Filled, lang: str | None) -> dict[str, str]:
    """The cells of one field: "" for its main cell, option names for its split cells."""
    if item.kind in ("site", "city", "year"):
        return {"": {"site": sub.site, "city": sub.city, "year": str(sub.year)}[item.kind]}
    if item.kind == "version":
        return {"": grid_version(grid)}
    question = item.question
    values = [v for c, q, v in sub.rows if c == item.owner and q == question.id]
    if item.kind == "other":
        return {"": "\n".join(v for v in values if question.option(v) is None)}
    if not item.choices:
        if question.type == "keywords":
            return {"": ", ".join(values)}
        return {"": "\n".join(values)}
    chosen = [c for c in item.choices if (not c.other and c.name in values)]
    if any(question.option(v) is None for v in values):
        chosen += [c for c in item.choices if c.other]

    def text(choice):
        return choice.name if lang is None else choice.labels[lang]

    cells = {"": " ".join(text(c) for c in chosen)}
    for choice in item.choices:
        cells[choice.name] = ("1" if choice in chosen else "0") if values else ""
    return cells


def _head(item: Field, lang: str | None, sep: str | None) -> str:
    leaf = item.name if lang is None or not item.labels else item.labels[lang]
    if sep is None or not item.path:
        return leaf
    groups = [g.name if lang is None else g.labels[lang] for g in item.path]
    return sep.join([*groups, leaf])


def kobo_table(grid, subs, *, lang=None, sep=None, multiple="both", fields=None):
    """Header and rows of a Kobo export (``multiple``: summary, details or both) of the form's ``fields``."""
    header, getters = [], []
    for item in fields or form_fields(grid):
        head = _head(item, lang, sep)
        if not item.choices or item.select == "select_one" or multiple in ("summary", "both"):
            header.append(head)
            getters.append((item, ""))
        if item.select == "select_multiple" and multiple in ("details", "both"):
            joiner = sep or "/"
            for choice in item.choices:
                header.append(f"{head}{joiner}{choice.name if lang is None else choice.labels[lang]}")
                getters.append((item, choice.name))
    header += KOBO_SYSTEM
    rows = []
    for index, sub in enumerate(subs, 1):
        cells = [answers(grid, item, sub, lang)[key] for item, key in getters]
        system = [str(1000 + index), sub.uuid, f"uuid:{sub.uuid}", "2024-05-01T10:00:00", "", "", "submitted_via_web",
                  "", "vKobo123", "", str(index)]  # fmt: skip
        rows.append(cells + system)
    return header, rows


def odk_table(grid, subs, *, group_paths=True, split=True, fields=None):
    """Header and rows of an ODK Central export of the form's ``fields``."""
    header, getters = ["SubmissionDate"], []
    for item in fields or form_fields(grid):
        head = _head(item, None, "-" if group_paths else None)
        header.append(head)
        getters.append((item, ""))
        if item.select == "select_multiple" and split:
            for choice in item.choices:
                header.append(f"{head}/{choice.name}")
                getters.append((item, choice.name))
    header += ["meta-instanceID", *ODK_TAIL]
    rows = []
    for sub in subs:
        cells = []
        for item, key in getters:
            value = answers(grid, item, sub, None)[key]
            cells.append(value or ("0" if key else ""))
        key = f"uuid:{sub.uuid}"
        rows.append(["2024-05-01T10:00:00.000Z", *cells, key, key, "5", "enumerator", "0", "0", "", "", "", "0",
                     grid_version(grid)])  # fmt: skip
    return header, rows


def write_csv(path: Path, header, rows, *, delimiter=",", quote_all=False) -> Path:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def write_xlsx(path: Path, header, rows) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = "Commune Mesure"
    sheet.append(header)
    for row in rows:
        sheet.append([int(c) if c.isascii() and c.isdigit() and c == str(int(c)) and len(c) < 10 else c for c in row])
    book.save(path)
    return path


def write_zip(path: Path, grid, header, rows) -> Path:
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{form_id(grid)}.csv", out.getvalue())
    return path


def fill_workbook(path: Path, grid, sub: Filled, *, lang: str = "fr", say_no: bool = True) -> Path:
    """Fill a workbook's answer cells as a site manager would: labels, oui/non, numbers as numbers."""
    from openpyxl import load_workbook

    from impact_kit.forms.layout import form_text
    from impact_kit.forms.workbook import ANSWER_COLUMN, workbook_rows

    book = load_workbook(path)
    sheet = book.worksheets[1]
    for number, row in enumerate(workbook_rows(grid), 2):
        item, question = row.field, row.field.question
        values = [v for c, q, v in sub.rows if c == item.owner and q == question.id]
        cell = sheet.cell(number, ANSWER_COLUMN)
        if row.choice is not None:
            chosen = row.choice.name in values
            cell.value = form_text(lang, "yes") if chosen else (form_text(lang, "no") if say_no and values else None)
        elif item.kind == "other" or (question.is_choice and not item.choices):
            free = [v for v in values if question.option(v) is None]
            cell.value = "\n".join(free) or None
        elif item.select == "select_one":
            cell.value = question.option(values[0]).labels[lang] if values else None
        elif question.type in ("number", "scale"):
            cell.value = int(values[0]) if values else None
        elif question.type == "keywords":
            cell.value = ", ".join(values) or None
        else:
            cell.value = values[0] if values else None
    book.save(path)
    return path
