"""Indicators computed from observations and the grid: what the summary and charts show.

Every function takes tidy observations (see :mod:`impact_kit.observations`) and a
grid, and returns plain Python or a small DataFrame; labels come from the grid in
the report's language. Nothing here draws or writes words of its own.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from impact_kit.grid import Criterion, Grid, Question
from impact_kit.observations import as_number

__all__ = [
    "Answers",
    "Changes",
    "answers_by_year",
    "answers_of",
    "changes_between",
    "coverage_table",
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


def _effect_options(question: Question, values: list[str]) -> list[str]:
    """Return the chosen options that mean an effect (free text on open questions counts too)."""
    chosen = []
    for value in values:
        option = question.option(value)
        if option is None or option.effect:
            chosen.append(value)
    return chosen


def is_observed(criterion: Criterion, answers: dict[str, list[str]]) -> bool:
    """Return True if the criterion has an observed effect: a testimony, a number, or an effect option."""
    for question in criterion.questions:
        values = answers.get(question.id, [])
        if not values:
            continue
        if not question.is_choice:
            number = as_number(values[0]) if question.type == "number" else None
            if number != 0:
                return True
        elif _effect_options(question, values):
            return True
    return False


def observed_criteria(grid: Grid, answers: Answers) -> list[Criterion]:
    """Return the criteria with observed effects, in grid order."""
    return [c for c in grid.criteria if is_observed(c, answers.get(c.id, {}))]


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
    """Return how many criteria of each level (columns) show observed effects, per year (rows)."""
    rows = {}
    for year, answers in years.items():
        observed = {c.id for c in observed_criteria(grid, answers)}
        rows[year] = [sum(c.id in observed for c in level.criteria) for level in grid.levels]
    table = pd.DataFrame.from_dict(rows, orient="index", columns=[lv.label(lang) for lv in grid.levels])
    table.index.name = "year"
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


@dataclass
class Changes:
    """What changed between two years of a site.

    ``appeared`` and ``disappeared`` list ``(criterion, labels)``: the criterion and
    the effect options that appeared or disappeared in it (empty labels: the
    criterion as a whole). ``intensity`` lists ``(level label, before, after)`` for
    the levels whose intensity moved.
    """

    previous: int
    year: int
    appeared: list[tuple[Criterion, list[str]]] = field(default_factory=list)
    disappeared: list[tuple[Criterion, list[str]]] = field(default_factory=list)
    intensity: list[tuple[str, float, float]] = field(default_factory=list)

    @property
    def any(self) -> bool:
        """True if anything changed."""
        return bool(self.appeared or self.disappeared or self.intensity)


def _effects(criterion: Criterion, answers: dict[str, list[str]], lang: str) -> dict[str, str]:
    """Return the effect options chosen in a criterion, keyed by ``question/value``, with their labels."""
    found = {}
    for question in criterion.questions:
        if question.is_choice:
            for value in _effect_options(question, answers.get(question.id, [])):
                option = question.option(value)
                found[f"{question.id}/{value}"] = option.label(lang) if option else value
    return found


def changes_between(grid: Grid, before: Answers, after: Answers, *, previous: int, year: int, lang: str) -> Changes:
    """Compare two years of a site: effects that appeared or disappeared, intensities up or down."""
    changes = Changes(previous, year)
    observed_before = {c.id for c in observed_criteria(grid, before)}
    observed_after = {c.id for c in observed_criteria(grid, after)}
    for criterion in grid.criteria:
        old = _effects(criterion, before.get(criterion.id, {}), lang)
        new = _effects(criterion, after.get(criterion.id, {}), lang)
        gained = [label for key, label in new.items() if key not in old]
        lost = [label for key, label in old.items() if key not in new]
        if gained or (criterion.id in observed_after - observed_before):
            changes.appeared.append((criterion, gained))
        if lost or (criterion.id in observed_before - observed_after):
            changes.disappeared.append((criterion, lost))
    table = intensity_table(grid, {previous: before, year: after}, lang)
    for label, row in table.iterrows():
        if pd.notna(row[previous]) and pd.notna(row[year]) and row[previous] != row[year]:
            changes.intensity.append((str(label), float(row[previous]), float(row[year])))
    return changes
