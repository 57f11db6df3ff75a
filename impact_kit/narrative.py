"""Sentences: the grid's templates and the kit's texts filled in with a site's answers.

Everything returned is escaped HTML (see :func:`impact_kit.words.fill`). Testimonies
are not sentences: see :mod:`impact_kit.testimonies`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from impact_kit.grid import Criterion, Grid, Level, Question, Sentence
from impact_kit.indicators import AnswerChange, Answers, Changes, LevelChange, observed_criteria, public_counts
from impact_kit.observations import as_number
from impact_kit.words import fill, fill_text, format_number, pick_form, texts

__all__ = [
    "Statement",
    "change_sentence",
    "changes_statements",
    "criterion_statements",
    "difference",
    "display_values",
    "level_statements",
    "quoted",
    "sentence_case",
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
    """Return the summary's figures, one per bullet: criteria with effects, publics most involved, intensities."""
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


def sentence_case(text: str) -> str:
    """Return a sentence (escaped HTML or plain text) with its first letter in upper case, the rest untouched.

    Tags, entities and opening quotes before the first letter are skipped, so a label or
    a free text that starts a sentence never starts it in lower case.
    """
    match = re.match(r"^(?:<[^>]*>|&[a-z]+;|&#\d+;|[^\w<&])*", text)
    i = match.end() if match else 0
    return text[:i] + text[i : i + 1].upper() + text[i + 1 :] if i < len(text) else text


def quoted(text: str, lang: str) -> str:
    """Return free text between the language's quotation marks, verbatim (plain text, to fill a template)."""
    return fill_text(texts(lang)["quoted"], {"text": text}, lang)


def _say(template: str | Mapping[str, str], values: Mapping[str, Any], lang: str, count: float | None = None) -> str:
    return sentence_case(fill(pick_form(template, count), values, lang))


def _option_words(question: Question, values: Sequence[str], lang: str) -> list[str]:
    """Option labels (or, for a yes/no question, the clause each option stands for)."""
    out = []
    for value in values:
        option = question.option(value)
        if option is None:
            out.append(value)
        else:
            out.append(option.says[lang] if question.is_yes_no else option.label(lang))
    return out


def change_sentence(grid: Grid, criterion: Criterion, change: AnswerChange, years: Mapping[str, str], lang: str) -> str:
    """Return one answer's change as a sentence (escaped HTML), from the question's or the grid's template."""
    question = change.question
    values: dict[str, Any] = {**years, "criterion": criterion.label(lang), "question": question.label(lang)}
    count: float | None = None
    if change.kind == "multi":
        items = change.added or change.removed
        values["items"] = _option_words(question, items, lang)
        count = len(items)
    elif change.kind == "free_text":
        values["before"] = quoted(change.before[0], lang) if change.before else ""
        values["after"] = quoted(change.after[0], lang) if change.after else ""
        values["text"] = values["after"] or values["before"]
    elif change.kind == "number":
        before = as_number(change.before[0]) if change.before else None
        after = as_number(change.after[0]) if change.after else None
        values["before"] = format_number(before, lang) if before is not None else ""
        values["after"] = format_number(after, lang) if after is not None else ""
        values["difference"] = difference(after - before, lang) if before is not None and after is not None else ""
        count = after if after is not None else before
    else:
        values["before"] = " ".join(_option_words(question, change.before, lang))
        values["after"] = " ".join(_option_words(question, change.after, lang))
    return _say(grid.change_template(change.kind, change.key, lang, question), values, lang, count)


def difference(value: float, lang: str) -> str:
    """Return a change of a number, signed: "+5", or a true minus sign (U+2212) and 2."""
    key = "difference_up" if value >= 0 else "difference_down"
    return fill_text(texts(lang)[key], {"value": format_number(abs(value), lang)}, lang)


def _level_sentences(grid: Grid, change: LevelChange, years: Mapping[str, str], lang: str) -> list[str]:
    values: dict[str, Any] = {**years, "level": change.level.label(lang)}
    scale = change.level.question(grid.roles.intensity)
    values["max"] = format_number(scale.max if scale and scale.max is not None else 5, lang)
    out = []
    if change.moved and change.before is not None and change.after is not None:
        values |= {"before": format_number(change.before, lang), "after": format_number(change.after, lang)}
        out.append(_say(grid.changes["level"]["up" if change.after > change.before else "down"][lang], values, lang))
    if change.keywords:
        values["items"] = [quoted(k, lang) for k in change.keywords]
        out.append(_say(grid.changes["level"]["keywords"][lang], values, lang, len(change.keywords)))
    return out


def changes_statements(grid: Grid, changes: Changes, lang: str) -> list[Statement]:
    """Return what changed since the previous year: one paragraph per level and per criterion, in grid order.

    Every paragraph is whole sentences from the grid's change templates (see
    ``changes:`` in the grid file): a criterion that appeared or disappeared in one
    sentence, otherwise one sentence per answer that changed.
    """
    years = {"year": str(changes.year), "previous": str(changes.previous)}
    levels = {c.level.id: c for c in changes.levels}
    criteria = {c.criterion.id: c for c in changes.criteria}
    out = []
    for level in grid.levels:
        if level.id in levels:
            out.append(Statement(" ".join(_level_sentences(grid, levels[level.id], years, lang))))
        for criterion in level.criteria:
            found = criteria.get(criterion.id)
            if found is None:
                continue
            if found.status != "changed":
                template = grid.changes["criterion"][found.status][lang]
                said = [_say(template, {**years, "criterion": criterion.label(lang)}, lang)]
            else:
                said = [change_sentence(grid, criterion, change, years, lang) for change in found.answers]
            out.append(Statement(" ".join(said)))
    if not out:
        out.append(Statement(fill(texts(lang)["no_change"], years, lang)))
    return out
