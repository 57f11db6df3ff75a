"""Changes since the previous year, told as sentences from the grid's change templates.

:func:`impact_kit.indicators.site.changes_between` finds what changed (ids and values);
this module says it, from the ``changes:`` block of the grid file (one template set
per kind of change, which a question may override). Everything returned is escaped HTML.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from impact_kit.data.observations import as_number
from impact_kit.grid.model import Criterion, Grid, Question
from impact_kit.indicators.site import AnswerChange, Changes, LevelChange
from impact_kit.text.narrative import Statement, quoted, say, scale_max
from impact_kit.words import DATA_LANG, UserText, fill, fill_text, format_number, texts

__all__ = ["change_sentence", "changes_statements", "difference"]


def _option_words(question: Question, values: Sequence[str], lang: str) -> list[str]:
    """Option labels (or, for a yes/no question, the clause each option stands for)."""
    out: list[str] = []
    for value in values:
        option = question.option(value)
        if option is None:
            out.append(UserText(value, DATA_LANG))  # a free answer: the data's words
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
        values["before"] = quoted(UserText(change.before[0], DATA_LANG), lang) if change.before else ""
        values["after"] = quoted(UserText(change.after[0], DATA_LANG), lang) if change.after else ""
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
    return say(grid.change_template(change.kind, change.key, lang, question), values, lang, count)


def difference(value: float, lang: str) -> str:
    """Return a change of a number, signed: "+5", or a true minus sign (U+2212) and 2."""
    key = "difference_up" if value >= 0 else "difference_down"
    return fill_text(texts(lang)[key], {"value": format_number(abs(value), lang)}, lang)


def _level_sentences(grid: Grid, change: LevelChange, years: Mapping[str, str], lang: str) -> list[str]:
    values: dict[str, Any] = {**years, "level": change.level.label(lang)}
    values["max"] = format_number(scale_max(grid, change.level), lang)
    out = []
    if change.moved and change.before is not None and change.after is not None:
        values |= {"before": format_number(change.before, lang), "after": format_number(change.after, lang)}
        out.append(say(grid.changes["level"]["up" if change.after > change.before else "down"][lang], values, lang))
    if change.keywords:
        values["items"] = [quoted(UserText(k, DATA_LANG), lang) for k in change.keywords]
        out.append(say(grid.changes["level"]["keywords"][lang], values, lang, len(change.keywords)))
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
                said = [say(template, {**years, "criterion": criterion.label(lang)}, lang)]
            else:
                said = [change_sentence(grid, criterion, change, years, lang) for change in found.answers]
            out.append(Statement(" ".join(said)))
    if not out:
        out.append(Statement(fill(texts(lang)["no_change"], years, lang)))
    return out
