"""The questionnaire a grid gives: its fields, groups and choice lists, named once for every writer and reader.

The XLSForm writer (:mod:`impact_kit.forms.xlsform`), the workbook writer
(:mod:`impact_kit.forms.workbook`) and the importers of what comes back
(:mod:`impact_kit.importers.survey`) all walk the same layout, so a name the form
gives a field is the name the importer looks for. Everything comes from the grid:
levels and criteria become groups, questions become fields by their type.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from impact_kit.exceptions import GridError
from impact_kit.grid.model import Grid, Question

__all__ = [
    "SEPARATOR",
    "TEXTS_FILE",
    "Choice",
    "Field",
    "Group",
    "form_fields",
    "form_id",
    "form_items",
    "form_text",
    "grid_version",
    "language_column",
    "other_choice",
]

TEXTS_FILE = Path(__file__).resolve().parent / "texts.yaml"
#: Joins a question's owner (criterion or level id) and its id into a field name unique in the form.
SEPARATOR = "__"


@dataclass(frozen=True)
class Group:
    """A group of the form: a level or a criterion of the grid."""

    name: str
    labels: Mapping[str, str]


@dataclass(frozen=True)
class Choice:
    """An answer a select field offers: an option of the grid, or the form's "other"."""

    name: str
    labels: Mapping[str, str]
    other: bool = False


@dataclass(frozen=True)
class Field:
    """A field of the form.

    ``kind`` says what the field holds: ``site``, ``city``, ``year`` and ``version``
    (the form's own fields), ``answer`` (the answer to ``question`` of ``owner``), or
    ``other`` (the free text of ``question`` besides its options).
    """

    name: str
    kind: str
    labels: Mapping[str, str]
    path: tuple[Group, ...] = ()
    owner: str = ""
    question: Question | None = None
    choices: tuple[Choice, ...] = ()
    list_name: str = ""

    @property
    def select(self) -> str:
        """``select_one``, ``select_multiple``, or "" for a field that is not a choice."""
        if not self.choices:
            return ""
        return "select_one" if self.question is not None and self.question.type == "single" else "select_multiple"


#: What :func:`form_items` yields: a field, or the start (a Group) or end (None) of a group.
Item = Field | Group | None


@cache
def _texts() -> Mapping[str, Mapping[str, Any]]:
    return dict(yaml.safe_load(TEXTS_FILE.read_text(encoding="utf-8")))


def form_text(lang: str, key: str) -> Any:
    """Return the questionnaire's own text ``key`` in ``lang`` (``forms/texts.yaml``).

    Raises
    ------
    GridError
        If the kit has no questionnaire texts in ``lang`` (a grid in a language the kit does not write).
    """
    texts = _texts()
    if lang not in texts:
        raise GridError(
            f"the grid has labels in {lang!r}, but the kit's questionnaire texts ({TEXTS_FILE.name}) are only in "
            f"{', '.join(texts)}. Add a {lang!r} block to {TEXTS_FILE}, or drop the language from `--lang`."
        )
    return texts[lang][key]


def language_column(column: str, lang: str) -> str:
    """Return the XLSForm column of ``lang``: ``label::Français (fr)``."""
    return f"{column}::{form_text(lang, 'language')} ({lang})"


def grid_version(grid: Grid) -> str:
    """Return the version of the form the grid gives: a digest of its groups, questions, options and labels.

    Any change an export would show (an id, a type, an option, a label) changes it; a
    change to the grid's sentences does not.
    """
    levels = [[lv.id, dict(lv.labels), [[c.id, dict(c.labels)] for c in lv.criteria]] for lv in grid.levels]
    questions = [
        [owner, q.id, q.type, q.open, q.min, q.max, dict(q.labels), [[o.id, dict(o.labels)] for o in q.options]]
        for owner, q in grid.iter_questions()
    ]
    text = json.dumps([grid.id, levels, questions], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def form_id(grid: Grid) -> str:
    """Return the form id of the grid's questionnaire (``settings.form_id``)."""
    return f"impact_kit_{grid.id}"


def other_choice(question: Question) -> str:
    """Return the choice name of "other" for an open question: ``other``, unless an option has that id."""
    name = "other"
    while question.option(name) is not None:
        name += "_"
    return name


def _labels(grid: Grid, key: str) -> dict[str, str]:
    return {lang: str(form_text(lang, key)) for lang in grid.languages}


def form_items(grid: Grid) -> Iterator[Item]:
    """Yield the form in order: the site, city, year and version fields, then each level and criterion as a group.

    Raises
    ------
    GridError
        If two fields would have one name (a grid id that holds ``__``, or a criterion named ``site``).
    """
    seen: set[str] = set()

    def unique(item: Item) -> Item:
        name = item.name if item is not None else ""
        if item is not None and name in seen:
            raise GridError(
                f"the questionnaire would have two fields named {name!r}; rename an id of the grid "
                f"{grid.path or grid.id} (ids may not hold {SEPARATOR!r} nor be site, city, year or grid_version)."
            )
        seen.add(name)
        return item

    for kind in ("site", "city", "year"):
        yield unique(Field(kind, kind, _labels(grid, kind)))
    yield unique(Field("grid_version", "version", {}))
    for level in grid.levels:
        group = Group(level.id, level.labels)
        yield unique(group)
        yield from (unique(f) for q in level.questions for f in _question_fields(grid, level.id, q, (group,)))
        for criterion in level.criteria:
            inner = Group(criterion.id, criterion.labels)
            yield unique(inner)
            path = (group, inner)
            yield from (unique(f) for q in criterion.questions for f in _question_fields(grid, criterion.id, q, path))
            yield None
        yield None


def form_fields(grid: Grid) -> list[Field]:
    """Return the fields of the grid's form, in order (see :func:`form_items`)."""
    return [item for item in form_items(grid) if isinstance(item, Field)]


def _question_fields(grid: Grid, owner: str, question: Question, path: tuple[Group, ...]) -> Iterator[Field]:
    name = f"{owner}{SEPARATOR}{question.id}"
    if not question.is_choice or not question.options:
        # An open choice without options is answered in free text, one answer per line.
        yield Field(name, "answer", question.labels, path, owner, question)
        return
    choices = [Choice(o.id, o.labels) for o in question.options]
    if question.open:
        choices.append(Choice(other_choice(question), _labels(grid, "other"), other=True))
    shared = question.option_set and not question.open
    list_name = question.option_set if shared else name
    yield Field(name, "answer", question.labels, path, owner, question, tuple(choices), str(list_name))
    if question.open:
        yield Field(f"{name}_other", "other", _labels(grid, "other_text"), path, owner, question)
