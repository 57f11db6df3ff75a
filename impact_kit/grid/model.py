"""Load and query an evaluation grid (levels, criteria, questions, options, sentences).

A grid is data: a YAML file such as ``impact_kit/grids/commune_mesure.yaml``, read
and checked by :func:`impact_kit.grid.file.load_grid`. This module holds what a grid
is once loaded: levels, criteria, questions, options, sentence templates, and the
roles that tell the code which ids to use.
"""

from __future__ import annotations

import html
import re
import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from impact_kit.words import check_lang, texts

__all__ = [
    "CHANGE_KINDS",
    "CHANGE_VALUES",
    "CHOICE_TYPES",
    "DIRECTIONS",
    "ID_PATTERN",
    "NOT_ASKED",
    "PLURAL_FORMS",
    "QUESTION_TYPES",
    "REPLACED_CHANGE_KINDS",
    "ROLES",
    "SINGLE_VALUED",
    "Criterion",
    "Grid",
    "Level",
    "Option",
    "Question",
    "Roles",
    "Sentence",
]

#: Question types a grid may use, and what their answers are.
QUESTION_TYPES = {
    "multi": "one row per chosen option id",
    "single": "one option id",
    "number": "one number",
    "text": "one short text",
    "scale": "one whole number between the question's min and max",
    "keywords": "one row per keyword",
    "testimony": "free text, kept verbatim; several rows allowed",
}
CHOICE_TYPES = frozenset({"multi", "single"})
#: Types that take one answer per site and year.
SINGLE_VALUED = frozenset({"single", "number", "text", "scale"})
PLURAL_FORMS = ("zero", "one", "other", "unknown")
#: The roles the kit's code relies on: each names an id of the grid (``roles:`` in the file).
ROLES = {
    "testimony": "the question of a criterion that holds testimonies (type testimony)",
    "intensity": "the level question that rates a level's effects (type scale)",
    "keywords": "the level question that lists a level's keywords (type keywords)",
    "publics": "the option set that says who took part (under option_sets)",
}
ID_PATTERN = re.compile(r"^[a-z0-9_]+$")
#: The directions of an effect: an option's ``direction``, or a question's (then every answer has it).
DIRECTIONS = ("positive", "negative", "none")
#: The reserved question id of the row that says a source did not ask a criterion, or any
#: criterion of a level: ``site,year,<criterion or level>,asked,no`` (no grid may use this id).
NOT_ASKED = "asked"
#: The kinds of change the grid's ``changes:`` block narrates, and the templates each needs.
CHANGE_KINDS = {
    "criterion": ("appeared", "disappeared"),
    "level": ("up", "down", "keywords"),
    "single": ("changed", "added", "removed"),
    "yes_no": ("changed", "added", "removed"),
    "multi": ("added", "removed"),
    "free_text": ("changed", "added", "removed"),
    "number": ("changed", "added", "removed"),
}
#: Grid-wide kinds a report no longer says with the grid's templates: *Évolutions* groups a level's
#: criteria in one sentence each way and gives its intensity step with the kit's words, which a grid
#: sets under ``words:`` (these keys of impact_kit/texts.yaml). A grid file may still hold them: it is told so.
REPLACED_CHANGE_KINDS = {
    "criterion": ("changes_appeared", "changes_disappeared"),
    "level": ("changes_level_up", "changes_level_down", "changes_keywords"),
}
#: The values a change template may name (see the grid file's header).
CHANGE_VALUES = frozenset(
    {"criterion", "question", "level", "before", "after", "items", "text", "difference", "max", "previous", "year"}
)

#: A template: one text, or forms (zero, one, other, unknown) chosen by a count.
Template = str | Mapping[str, str]


@dataclass(frozen=True, repr=False)
class Option:
    """An answer a choice question offers."""

    id: str
    labels: Mapping[str, str]
    raw: tuple[str, ...] = ()
    #: ``positive``, ``negative`` or ``none`` (no effect) on a question whose options carry the
    #: direction; None on a question that describes or gives one direction to every answer.
    direction: str | None = None
    says: Mapping[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"<Option {self.id!r}: {next(iter(self.labels.values()), '')!r}>"

    def label(self, lang: str) -> str:
        """Return the display label in ``lang``."""
        return self.labels[lang]

    @property
    def effect(self) -> bool:
        """False for an option that means "no effect" (direction ``none``); the grid files' older ``effect: false``."""
        return self.direction != "none"


@dataclass(frozen=True, repr=False)
class Question:
    """A question of a criterion (or of every level, for level-wide answers)."""

    id: str
    type: str
    labels: Mapping[str, str]
    options: tuple[Option, ...] = ()
    open: bool = False
    min: float | None = None
    max: float | None = None
    platform_key: str | None = None
    option_set: str | None = None
    #: What the question reports: None if it describes (who, where, how often); ``positive`` or
    #: ``negative`` if every answer is an effect of that direction (a number: 0 is ``none``);
    #: ``options`` if each option carries its own direction (:attr:`Option.direction`).
    direction: str | None = None
    #: ``changes[kind][key][lang]``: the question's own change templates, before the grid's.
    changes: Mapping[str, Mapping[str, Mapping[str, Template]]] = field(default_factory=dict)
    #: A number's noun phrase for a summary, per language ("{value} personnes formées"); empty if none.
    figure: Mapping[str, Template] = field(default_factory=dict)
    #: True if free answers name an action of the site (a summary may cite them).
    action: bool = False

    def __repr__(self) -> str:
        options = f", options {[o.id for o in self.options]}" if self.options else ""
        return f"<Question {self.id!r} ({self.type}{', open' if self.open else ''}){options}>"

    def label(self, lang: str) -> str:
        """Return the question's label in ``lang``."""
        return self.labels[lang]

    def option(self, option_id: str) -> Option | None:
        """Return the option with that id, or None."""
        return next((o for o in self.options if o.id == option_id), None)

    @property
    def is_choice(self) -> bool:
        """True for single and multi-choice questions."""
        return self.type in CHOICE_TYPES

    @property
    def reports_effect(self) -> bool:
        """True if the question reports an effect (its answers have a direction), False if it describes."""
        return self.direction is not None

    @property
    def is_yes_no(self) -> bool:
        """True for a single choice whose every option says what it means as a clause (``says``)."""
        return self.type == "single" and bool(self.options) and all(o.says for o in self.options)


@dataclass(frozen=True)
class Sentence:
    """A sentence template of a criterion; see the grid file's header for the rules."""

    texts: Mapping[str, str | Mapping[str, str]]
    when: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    unless_answered: tuple[str, ...] = ()
    unless_chosen: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    list: str | None = None
    count: str | None = None

    def placeholders(self) -> set[str]:
        """Return the question ids the template's text uses, in every language and form."""
        names: set[str] = set()
        for text in self.texts.values():
            forms = text.values() if isinstance(text, Mapping) else [text]
            for form in forms:
                names |= {f for _, f, _, _ in string.Formatter().parse(form) if f}
        return names


@dataclass(frozen=True, repr=False)
class Criterion:
    """One criterion of the grid, with its questions and sentences."""

    id: str
    labels: Mapping[str, str]
    level: str
    questions: tuple[Question, ...]
    sentences: tuple[Sentence, ...] = ()
    always_shown: bool = False

    def __repr__(self) -> str:
        questions = ", ".join(f"{q.id} ({q.type})" for q in self.questions)
        label = next(iter(self.labels.values()), "")
        head = f"<Criterion {self.id!r} {label!r} of level {self.level!r}: {len(self.sentences)} sentences>"
        return f"{head}\n  questions: {questions}"

    def label(self, lang: str) -> str:
        """Return the criterion's title in ``lang``."""
        return self.labels[lang]

    def question(self, question_id: str) -> Question | None:
        """Return the question with that id, or None."""
        return next((q for q in self.questions if q.id == question_id), None)


@dataclass(frozen=True, repr=False)
class Level:
    """A level of effects (individual, collective, territorial, urban project)."""

    id: str
    labels: Mapping[str, str]
    criteria: tuple[Criterion, ...]
    questions: tuple[Question, ...]
    sentences: Mapping[str, Mapping[str, str]]

    def __repr__(self) -> str:
        label = next(iter(self.labels.values()), "")
        return f"<Level {self.id!r} {label!r}: criteria {[c.id for c in self.criteria]}>"

    def label(self, lang: str) -> str:
        """Return the level's title in ``lang``."""
        return self.labels[lang]

    def question(self, question_id: str) -> Question | None:
        """Return the level-wide question with that id, or None."""
        return next((q for q in self.questions if q.id == question_id), None)


@dataclass(frozen=True)
class Roles:
    """The ids the code asks the grid for, instead of spelling them (see :data:`ROLES`)."""

    testimony: str
    intensity: str
    keywords: str
    publics: str


#: What a grid looks up by id: its criteria in order, criteria, levels, and questions by (owner id, question id).
_Index = tuple[tuple[Criterion, ...], dict[str, Criterion], dict[str, Level], dict[tuple[str, str], Question]]


@dataclass(frozen=True, repr=False)
class Grid:
    """A whole evaluation grid, as loaded by :func:`load_grid`."""

    id: str
    names: Mapping[str, str]
    languages: tuple[str, ...]
    levels: tuple[Level, ...]
    roles: Roles
    source: str = ""
    path: Path | None = None
    #: ``changes[kind][key][lang]``: the templates of :data:`CHANGE_KINDS` (empty if the file has none).
    changes: Mapping[str, Mapping[str, Mapping[str, Template]]] = field(default_factory=dict)
    #: ``words[lang][key]``: the grid's own version of some of the kit's words (``words:`` in the file),
    #: such as what its free texts are called ("texts written by the site's team", not "testimonies").
    words: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def texts(self, lang: str) -> Mapping[str, Any]:
        """Return the kit's words in ``lang`` (``impact_kit/texts.yaml``), with the grid's own ``words:`` first."""
        own = self.words.get(lang)
        return {**texts(lang), **own} if own else texts(lang)

    def __repr__(self) -> str:
        levels = ", ".join(f"{lv.id} ({len(lv.criteria)})" for lv in self.levels)
        return (
            f"<Grid {self.id!r}: {len(self.levels)} levels, {len(self.criteria)} criteria, "
            f"{sum(1 for _ in self.iter_questions())} questions, languages {list(self.languages)}>\n"
            f"  levels (criteria): {levels}\n  file: {self.path}"
        )

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{lv.id}</td><td>{c.id}</td><td>{html.escape(c.label(self.languages[0]))}</td>"
            f"<td>{len(c.questions)}</td></tr>"
            for lv in self.levels
            for c in lv.criteria
        )
        return (
            f"<p><strong>{html.escape(self.name(self.languages[0]))}</strong> ({self.id})</p>"
            f"<table><thead><tr><th>level</th><th>criterion</th><th>label</th><th>questions</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
        )

    @property
    def publics(self) -> str:
        """The option set that says who took part (the ``publics`` role)."""
        return self.roles.publics

    def name(self, lang: str) -> str:
        """Return the grid's name in ``lang``."""
        return self.names[lang]

    @property
    def criteria(self) -> tuple[Criterion, ...]:
        """All criteria, in grid order."""
        return self._index[0]

    @cached_property
    def _index(
        self,
    ) -> tuple[tuple[Criterion, ...], dict[str, Criterion], dict[str, Level], dict[tuple[str, str], Question]]:
        # Validation asks these once per row of data: look them up, don't search (the grid never changes).
        criteria = tuple(c for level in self.levels for c in level.criteria)
        questions = {(owner, q.id): q for owner, q in self.iter_questions()}
        return criteria, {c.id: c for c in criteria}, {lv.id: lv for lv in self.levels}, questions

    def criterion(self, criterion_id: str) -> Criterion | None:
        """Return the criterion with that id, or None."""
        return self._index[1].get(criterion_id)

    def level(self, level_id: str) -> Level | None:
        """Return the level with that id, or None."""
        return self._index[2].get(level_id)

    def question(self, target: str, question_id: str) -> Question | None:
        """Return a question of a criterion or of a level (``target`` is either id), or None."""
        return self._index[3].get((target, question_id))

    def iter_questions(self) -> Iterator[tuple[str, Question]]:
        """Yield ``(criterion or level id, question)`` for every question of the grid."""
        for level in self.levels:
            for q in level.questions:
                yield level.id, q
            for c in level.criteria:
                for q in c.questions:
                    yield c.id, q

    def publics_questions(self) -> list[tuple[Criterion, Question]]:
        """Return the questions that ask which publics took part, with their criterion."""
        return [(c, q) for c in self.criteria for q in c.questions if self.publics and q.option_set == self.publics]

    def change_template(self, kind: str, key: str, lang: str, question: Question | None = None) -> Template:
        """Return the template saying a change of ``kind`` (``key``: changed, added...) in ``lang``.

        The question's own template comes first (``changes:`` under the question), then
        the grid's. Raises ``KeyError`` if neither has one (see :func:`grid_file.load_grid`,
        which gives a grid without a ``changes:`` block the Commune Mesure grid's).
        """
        own = question.changes.get(kind, {}).get(key, {}) if question is not None else {}
        if lang in own:
            return own[lang]
        return self.changes[kind][key][lang]

    def check_lang(self, lang: str) -> str:
        """Return ``lang`` if the grid has labels in it.

        Raises
        ------
        InvalidArgument
            If it has not.
        """
        return check_lang(lang, self.languages)
