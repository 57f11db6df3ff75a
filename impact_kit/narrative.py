"""Sentences: the grid's templates and the kit's texts filled in with a site's answers.

Everything returned is escaped HTML (see :func:`impact_kit.words.fill`). Testimonies
are not sentences: see :mod:`impact_kit.testimonies`.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from impact_kit.grid import Criterion, Grid, Level, Question, Sentence
from impact_kit.indicators import Answers, Changes, observed_criteria, public_counts
from impact_kit.observations import as_number
from impact_kit.words import fill, fill_text, format_number, pick_form, texts

__all__ = [
    "Statement",
    "changes_statements",
    "criterion_statements",
    "display_values",
    "level_statements",
    "summary_statements",
]


@dataclass(frozen=True)
class Statement:
    """One sentence of the report, as escaped HTML, with an optional bulleted list."""

    html: str
    items: tuple[str, ...] = ()

    def to_html(self) -> str:
        """Return the sentence as a paragraph, followed by its list if any."""
        out = f"<p>{self.html}</p>"
        if self.items:
            out += "<ul>" + "".join(f"<li>{item}</li>" for item in self.items) + "</ul>"
        return out


def display_values(question: Question, values: Sequence[str], lang: str) -> list[str]:
    """Return the words a reader sees for a question's answers.

    Options show their label; free text on an open question shows as written, with a
    capital first letter lowered, as the platform lists answers; numbers are formatted.
    """
    shown = []
    for value in values:
        option = question.option(value) if question.is_choice else None
        if option is not None:
            shown.append(option.label(lang))
        elif question.type in ("number", "scale") and (number := as_number(value)) is not None:
            shown.append(format_number(number, lang))
        elif question.is_choice and len(value) > 1 and value[1].islower():
            shown.append(value[0].lower() + value[1:])
        else:
            shown.append(value)
    return shown


def _applies(sentence: Sentence, answers: Mapping[str, list[str]]) -> bool:
    needed = sentence.placeholders() | {n for n in (sentence.list, sentence.count) if n}
    if any(not answers.get(q) for q in needed):
        return False
    if any(not set(answers.get(q, [])) & set(ids) for q, ids in sentence.when.items()):
        return False
    if any(answers.get(q) for q in sentence.unless_answered):
        return False
    return not any(set(answers.get(q, [])) & set(ids) for q, ids in sentence.unless_chosen.items())


def criterion_statements(criterion: Criterion, answers: Mapping[str, list[str]], lang: str) -> list[Statement]:
    """Return the sentences of a criterion for one site-year's answers, in grid order.

    Parameters
    ----------
    criterion : Criterion
        The criterion, with its sentence templates.
    answers : mapping
        ``{question id: [values]}`` for this criterion (testimonies are ignored here).
    lang : str
        The report's language.
    """
    shown = {q.id: display_values(q, answers.get(q.id, []), lang) for q in criterion.questions}
    statements = []
    for sentence in criterion.sentences:
        if not _applies(sentence, answers):
            continue
        count = as_number(answers[sentence.count][0]) if sentence.count else None
        template = pick_form(sentence.texts[lang], count)
        items = tuple(html.escape(item, quote=False) for item in shown[sentence.list]) if sentence.list else ()
        statements.append(Statement(fill(template, shown, lang), items))
    return statements


def level_statements(level: Level, answers: Mapping[str, list[str]], lang: str) -> list[Statement]:
    """Return the level's opening sentences: its intensity (1-5) and keywords, when given."""
    statements = []
    for question in level.questions:
        values = answers.get(question.id)
        if values and question.id in level.sentences:
            shown = {question.id: display_values(question, values, lang)}
            statements.append(Statement(fill(level.sentences[question.id][lang], shown, lang)))
    return statements


def summary_statements(grid: Grid, answers: Answers, year: int, lang: str) -> list[Statement]:
    """Return the summary of a site's year: criteria with effects, publics most involved, intensities."""
    words = texts(lang)
    observed = observed_criteria(grid, answers)
    labels = [c.label(lang) for c in observed]
    values: dict[str, Any] = {"count": len(observed), "total": len(grid.criteria), "year": str(year)}
    out = [Statement(fill(pick_form(words["summary_observed"], len(observed)), {**values, "criteria": labels}, lang))]
    counts = public_counts(grid, answers, lang)
    if counts:
        top = max(counts.values())
        publics = [public for public, n in counts.items() if n == top]
        out.append(Statement(fill(words["summary_publics"], {"publics": publics}, lang)))
    rated = []
    for level in grid.levels:
        value = answers.get(level.id, {}).get(grid.roles.intensity)
        if value:
            rated.append(f"{level.label(lang)} {format_number(as_number(value[0]) or 0, lang)}")
    if rated:
        out.append(Statement(fill(words["summary_intensity"], {"levels": rated}, lang)))
    n = sum(len(a.get(grid.roles.testimony, [])) for a in answers.values())
    out.append(Statement(fill(pick_form(words["summary_testimonies"], n), {"count": n}, lang)))
    return out


def changes_statements(changes: Changes, lang: str) -> list[Statement]:
    """Return what changed since the previous year, as sentences with lists."""
    words = texts(lang)
    years = {"year": str(changes.year), "previous": str(changes.previous)}
    out = []
    for key, found in (("appeared", changes.appeared), ("disappeared", changes.disappeared)):
        if found:
            items = tuple(_criterion_item(criterion, labels, lang) for criterion, labels in found)
            out.append(Statement(fill(words[key], years, lang), items))
    for key, sign in (("intensity_up", 1), ("intensity_down", -1)):
        moved = [
            fill_text(words["level_change"], {"level": level, "before": b, "after": a}, lang)
            for level, b, a in changes.intensity
            if (a - b) * sign > 0
        ]
        if moved:
            out.append(Statement(fill(words[key], {"levels": moved}, lang)))
    if not changes.any:
        out.append(Statement(fill(words["no_change"], years, lang)))
    return out


def _criterion_item(criterion: Criterion, labels: list[str], lang: str) -> str:
    words = texts(lang)
    template = words["change_item"] if labels else words["change_item_alone"]
    return fill(template, {"criterion": criterion.label(lang), "effects": labels}, lang)
