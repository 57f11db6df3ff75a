"""Indicators computed from observations and the grid: what the summary and charts show.

Every function takes tidy observations (see :mod:`impact_kit.data.observations`) and a
grid, and returns plain Python or a small DataFrame; labels come from the grid in
the report's language. Nothing here draws or writes words of its own.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from impact_kit.data.observations import as_number
from impact_kit.grid.model import NOT_ASKED, Criterion, Grid, Level, Question

__all__ = [
    "EFFECT_STATES",
    "NEGATIVE_STATES",
    "POSITIVE_STATES",
    "STATES",
    "AnswerChange",
    "Answers",
    "Changes",
    "CriterionChange",
    "LevelChange",
    "answer_changes",
    "answer_direction",
    "answers_by_year",
    "answers_of",
    "changes_between",
    "coverage_table",
    "criteria_in",
    "criterion_state",
    "criterion_states",
    "effects_table",
    "intensity_table",
    "is_observed",
    "observed_criteria",
    "public_counts",
    "publics_matrix",
]

#: ``answers[criterion or level id][question id]`` -> the values, in file order.
Answers = dict[str, dict[str, list[str]]]


def answers_of(frame: pd.DataFrame) -> Answers:
    """Group one site-year's observations as ``{criterion: {question: [values]}}``."""
    result: Answers = {}
    for criterion, question, value in zip(frame["criterion"], frame["question"], frame["value"], strict=True):
        result.setdefault(criterion, {}).setdefault(question, []).append(value)
    return result


def answers_by_year(frame: pd.DataFrame) -> dict[int, Answers]:
    """Group one site's observations by year, oldest first."""
    return {int(str(year)): answers_of(part) for year, part in frame.groupby("year", sort=True)}


#: The state of a criterion for a site and year, computed by :func:`criterion_state` and read by every output:
#: ``positive``, ``negative``, ``mixed`` (both), ``none`` (answered: no effect), ``unanswered``
#: (no answer at all) and ``not_asked`` (the source's questionnaire did not ask it).
STATES = ("positive", "negative", "mixed", "none", "unanswered", "not_asked")
#: The states that are an effect, in either direction (``observed`` in indicators.csv).
EFFECT_STATES = frozenset({"positive", "negative", "mixed"})
#: The states counted as a positive effect (a mixed criterion has one, and a negative one too).
POSITIVE_STATES = frozenset({"positive", "mixed"})
#: The states that hold a negative effect: points of attention.
NEGATIVE_STATES = frozenset({"negative", "mixed"})


def answer_direction(question: Question, value: str) -> str | None:
    """Return the direction of one answer: ``positive``, ``negative``, ``none``, or None (it describes).

    A question that describes has none. A question with one direction gives it to every
    answer, except a number (or a count written as text) equal to 0, which means no effect.
    A question whose options carry the direction gives the chosen option's; free text there
    has none.
    """
    if question.direction is None or question.type == "testimony":
        return None
    if question.direction == "options":
        option = question.option(value)
        return option.direction if option is not None else None
    if not question.is_choice and as_number(value) == 0:
        return "none"
    return question.direction


def criterion_state(criterion: Criterion, answers: Answers) -> str:
    """Return the criterion's state (one of :data:`STATES`) in one site-year's answers.

    ``positive``, ``negative`` or ``mixed`` when answers that report an effect have those
    directions; ``none`` when they all say "no effect"; a criterion answered only by questions
    that describe, or by texts, is ``positive``, as its source presents it (an effect the site
    reports, whose direction no question gives). ``not_asked`` when a row
    ``<criterion or its level>,asked,no`` says the source did not ask it and nothing was
    answered; ``unanswered`` otherwise.

    Parameters
    ----------
    criterion : Criterion
        The criterion.
    answers : Answers
        The site-year's answers, ``{criterion or level id: {question id: [values]}}``.
    """
    given = answers.get(criterion.id, {})
    directions: set[str | None] = set()
    answered = False
    for question in criterion.questions:
        values = given.get(question.id, [])
        answered = answered or bool(values)
        if question.direction is not None:
            directions.update(answer_direction(question, v) for v in values)
    if "positive" in directions and "negative" in directions:
        return "mixed"
    for state in ("positive", "negative", "none"):
        if state in directions:
            return state
    if answered:
        return "positive"
    if given.get(NOT_ASKED) or answers.get(criterion.level, {}).get(NOT_ASKED):
        return "not_asked"
    return "unanswered"


def criterion_states(grid: Grid, answers: Answers) -> dict[str, str]:
    """Return ``{criterion id: state}`` for every criterion of the grid, in grid order."""
    return {c.id: criterion_state(c, answers) for c in grid.criteria}


def criteria_in(grid: Grid, answers: Answers, states: frozenset[str] | set[str]) -> list[Criterion]:
    """Return the criteria whose state is one of ``states``, in grid order."""
    return [c for c in grid.criteria if criterion_state(c, answers) in states]


def is_observed(criterion: Criterion, answers: dict[str, list[str]]) -> bool:
    """Return True if the criterion shows an effect in either direction (its state is in :data:`EFFECT_STATES`).

    ``answers`` are the criterion's own (``{question id: [values]}``).
    """
    return criterion_state(criterion, {criterion.id: answers}) in EFFECT_STATES


def observed_criteria(grid: Grid, answers: Answers) -> list[Criterion]:
    """Return the criteria with a positive effect (positive or mixed), in grid order: what a summary counts."""
    return criteria_in(grid, answers, POSITIVE_STATES)


def intensity_table(grid: Grid, years: dict[int, Answers], lang: str) -> pd.DataFrame:
    """Return the 1-5 intensity of each level (rows, labelled) for each year (columns); NaN where unrated."""
    role = grid.roles.intensity
    data = {}
    for year, answers in years.items():
        data[year] = [
            as_number(answers.get(level.id, {}).get(role, [""])[0]) if level.question(role) else None
            for level in grid.levels
        ]
    table = pd.DataFrame(data, index=[level.label(lang) for level in grid.levels], dtype="float64")
    table.columns.name = "year"
    return table


def effects_table(grid: Grid, years: dict[int, Answers], lang: str) -> pd.DataFrame:
    """Return how many criteria of each level (columns) show effects, per year (rows) and direction.

    The rows are a MultiIndex (``year``, ``direction``): ``positive`` counts the criteria with a
    positive effect (a mixed one included), ``negative`` those with a negative effect (a mixed
    one too), so that a negative answer is never counted as an effect of the project.
    """
    rows = {}
    for year, answers in years.items():
        states = criterion_states(grid, answers)
        for direction in ("positive", "negative"):
            wanted = {direction, "mixed"}
            rows[(year, direction)] = [sum(states[c.id] in wanted for c in level.criteria) for level in grid.levels]
    table = pd.DataFrame.from_dict(rows, orient="index", columns=[lv.label(lang) for lv in grid.levels])
    table.index = pd.MultiIndex.from_tuples(list(rows), names=["year", "direction"])
    return table.astype("int64")


def publics_matrix(grid: Grid, answers: Answers, lang: str) -> pd.DataFrame:
    """Return which publics (rows) took part in which criteria (columns), as booleans.

    Columns are the criteria that ask about publics; rows every option of the grid's
    publics set, in grid order.
    """
    pairs = grid.publics_questions()
    if not pairs:
        return pd.DataFrame(dtype=bool)
    options = pairs[0][1].options
    columns: dict[str, list[bool]] = {}
    for criterion, question in pairs:
        chosen = set(answers.get(criterion.id, {}).get(question.id, []))
        column = [o.id in chosen for o in options]
        label = criterion.label(lang)
        columns[label] = [a or b for a, b in zip(columns.get(label, [False] * len(options)), column, strict=True)]
    return pd.DataFrame(columns, index=[o.label(lang) for o in options], dtype=bool)


def public_counts(grid: Grid, answers: Answers, lang: str) -> Counter[str]:
    """Return, for each public (label), in how many criteria it took part."""
    matrix = publics_matrix(grid, answers, lang)
    return Counter({str(public): int(count) for public, count in matrix.sum(axis=1).items() if count})


def coverage_table(grid: Grid, answers: Answers, lang: str) -> pd.DataFrame:
    """Return, per criterion (rows, labelled), the questions answered, their total, the share and the level."""
    rows = []
    for level in grid.levels:
        for criterion in level.criteria:
            given = answers.get(criterion.id, {})
            answered = sum(bool(given.get(q.id)) for q in criterion.questions)
            total = len(criterion.questions)
            rows.append((criterion.label(lang), answered, total, answered / total, level.label(lang)))
    return pd.DataFrame(rows, columns=["criterion", "answered", "total", "share", "level"]).set_index("criterion")


@dataclass(frozen=True)
class AnswerChange:
    """One question's answer that changed between two years, as ids and values (never labels).

    ``kind`` names the templates that say it (a key of :data:`impact_kit.grid.model.CHANGE_KINDS`):
    ``single``, ``yes_no``, ``multi`` (``added``/``removed`` hold option ids), ``free_text``
    (free text, verbatim) or ``number``. ``before`` and ``after`` are the values of each year
    for this kind (empty when the question was not answered that year).
    """

    question: Question
    kind: str
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """The template to use: ``changed``, ``added`` (nothing before) or ``removed`` (nothing after)."""
        if self.kind == "multi":
            return "added" if self.added else "removed"
        return "added" if not self.before else "removed" if not self.after else "changed"


@dataclass(frozen=True)
class CriterionChange:
    """A criterion whose effects changed: ``appeared``, ``disappeared``, or ``changed`` with its answers."""

    criterion: Criterion
    status: str
    answers: tuple[AnswerChange, ...] = ()


@dataclass(frozen=True)
class LevelChange:
    """A level whose intensity moved, or which gained keywords."""

    level: Level
    before: float | None
    after: float | None
    keywords: tuple[str, ...] = ()

    @property
    def moved(self) -> bool:
        """True if the level was rated both years, differently."""
        return self.before is not None and self.after is not None and self.before != self.after


@dataclass
class Changes:
    """What changed between two years of a site, in grid order.

    ``criteria`` lists the criteria observed in either year whose effects changed;
    ``levels`` the levels whose intensity moved or which gained keywords.
    """

    previous: int
    year: int
    criteria: list[CriterionChange] = field(default_factory=list)
    levels: list[LevelChange] = field(default_factory=list)

    @property
    def any(self) -> bool:
        """True if anything changed."""
        return bool(self.criteria or self.levels)

    def of(self, status: str) -> list[Criterion]:
        """Return the criteria that ``appeared``, ``disappeared`` or ``changed``."""
        return [c.criterion for c in self.criteria if c.status == status]


def _split(question: Question, values: list[str]) -> tuple[list[str], list[str]]:
    """Return a choice question's values as (option ids, free texts)."""
    options = [v for v in values if question.option(v) is not None]
    return options, [v for v in values if question.option(v) is None]


def _free_text_changes(question: Question, old: list[str], new: list[str]) -> list[AnswerChange]:
    if old == new:
        return []
    if len(old) == 1 and len(new) == 1:
        return [AnswerChange(question, "free_text", tuple(old), tuple(new))]
    removed = [AnswerChange(question, "free_text", (t,), ()) for t in old if t not in new]
    return removed + [AnswerChange(question, "free_text", (), (t,)) for t in new if t not in old]


def answer_changes(question: Question, old: list[str], new: list[str]) -> list[AnswerChange]:
    """Return how one question's answer changed between two years (nothing if it did not).

    A single choice that changed is one transition (never an option gone and another
    come); a multiple choice tells the options added and removed, and each free text on
    its own; a number (or a text that is a number both years) tells both values.
    """
    if question.type in ("testimony", "keywords"):
        return []
    if question.is_choice:
        old_options, old_texts = _split(question, old)
        new_options, new_texts = _split(question, new)
        out: list[AnswerChange] = []
        if question.type == "single" and old_options != new_options:
            kind = "yes_no" if question.is_yes_no else "single"
            out.append(AnswerChange(question, kind, tuple(old_options[:1]), tuple(new_options[:1])))
        elif question.type == "multi":
            added = tuple(v for v in new_options if v not in old_options)
            removed = tuple(v for v in old_options if v not in new_options)
            if added:
                out.append(AnswerChange(question, "multi", tuple(old_options), tuple(new_options), added=added))
            if removed:
                out.append(AnswerChange(question, "multi", tuple(old_options), tuple(new_options), removed=removed))
        return out + _free_text_changes(question, old_texts, new_texts)
    numbers_ = [as_number(v[0]) if v else None for v in (old, new)]
    both = all(n is not None for n in numbers_)
    parsed = (not old or numbers_[0] is not None) and (not new or numbers_[1] is not None)
    if (question.type in ("number", "scale") or both) and parsed:
        if numbers_[0] == numbers_[1]:
            return []
        return [AnswerChange(question, "number", tuple(old[:1]), tuple(new[:1]))]
    return _free_text_changes(question, old, new)


def changes_between(grid: Grid, before: Answers, after: Answers, *, previous: int, year: int) -> Changes:
    """Compare two years of a site: criteria whose effects appeared, disappeared or changed, and levels.

    A criterion appeared when it has a positive effect (:func:`criterion_state`) and had no
    effect the year before; it disappeared when it had a positive effect and has no effect now;
    either is one change, without its answers. Any other criterion answered in either year
    lists its answers that changed (:func:`answer_changes`): a positive effect that turned
    negative is told by what was answered.
    """
    changes = Changes(previous, year)
    for level in grid.levels:
        old, new = before.get(level.id, {}), after.get(level.id, {})
        rated = [as_number(a.get(grid.roles.intensity, [""])[0]) for a in (old, new)]
        keywords = tuple(k for k in new.get(grid.roles.keywords, []) if k not in old.get(grid.roles.keywords, []))
        found = LevelChange(level, rated[0], rated[1], keywords)
        if found.moved or found.keywords:
            changes.levels.append(found)
        for criterion in level.criteria:
            old, new = before.get(criterion.id, {}), after.get(criterion.id, {})
            was, now = criterion_state(criterion, before), criterion_state(criterion, after)
            if now in POSITIVE_STATES and was not in EFFECT_STATES:
                changes.criteria.append(CriterionChange(criterion, "appeared"))
            elif was in POSITIVE_STATES and now not in EFFECT_STATES:
                changes.criteria.append(CriterionChange(criterion, "disappeared"))
            elif was in EFFECT_STATES or now in EFFECT_STATES:
                moved = [
                    change
                    for question in criterion.questions
                    for change in answer_changes(question, old.get(question.id, []), new.get(question.id, []))
                ]
                if moved:
                    changes.criteria.append(CriterionChange(criterion, "changed", tuple(moved)))
    return changes
