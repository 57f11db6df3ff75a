"""Changes since the previous year, told as sentences from the grid's change templates.

:func:`impact_kit.indicators.site.changes_between` finds what changed (ids and values);
this module says it, from the ``changes:`` block of the grid file (one template set
per kind of change, which a question may override). Everything returned is escaped HTML.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from impact_kit.data.observations import as_number
from impact_kit.grid.model import Criterion, Grid, Level, Question
from impact_kit.indicators.attention import DROP
from impact_kit.indicators.site import AnswerChange, Changes, CriterionChange, LevelChange, answer_direction
from impact_kit.text.narrative import Statement, criteria_labels, quoted, say, scale_max
from impact_kit.words import DATA_LANG, UserText, fill, fill_text, format_number, pick_form, texts

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


def _importance(change: AnswerChange) -> int | None:
    """Rank an answer's change for *Évolutions* (0 first), or None if it would only narrate the form.

    A change of direction comes first, then a number that moved, a choice that changed, an
    option or a free answer added, and last one removed. A change is said only with a template
    the question gives itself (``changes:`` under the question), a yes/no answer that turned, or
    a number with a ``figure`` phrase; the grid's generic templates ("la question « … », sans
    réponse en …") tell the form, not the site.
    """
    question = change.question
    counted = change.kind == "number" and change.key == "changed" and bool(question.figure)
    own = change.key in question.changes.get(change.kind, {})
    if not (own or counted or (change.kind == "yes_no" and change.key == "changed")):
        return None
    before = {answer_direction(question, v) for v in change.before} - {None}
    after = {answer_direction(question, v) for v in change.after} - {None}
    if before and after and before != after:
        return 0
    if change.kind == "number" and change.before and change.after:
        return 1
    if change.kind in ("single", "yes_no"):
        return 2
    return 3 if change.key != "removed" else 4


def _criterion_sentence(
    grid: Grid, found: CriterionChange, years: Mapping[str, str], lang: str
) -> tuple[int, str] | None:
    """Return one criterion's most important change, with its rank, or None if none is worth a sentence."""
    ranked = [(rank, i, change) for i, change in enumerate(found.answers) if (rank := _importance(change)) is not None]
    if not ranked:
        return None
    rank, _, change = min(ranked, key=lambda r: (r[0], r[1]))
    question = change.question
    if change.key not in question.changes.get(change.kind, {}) and change.kind == "number":  # said with its figure
        before, after = as_number(change.before[0]) or 0, as_number(change.after[0]) or 0
        figure = fill_text(pick_form(question.figure[lang], after), {"value": format_number(after, lang)}, lang)
        values = {**years, "figure": figure, "before": format_number(before, lang)}
        values["difference"] = difference(after - before, lang)
        return rank, say(grid.texts(lang)["changes_figure"], values, lang)
    return rank, change_sentence(grid, found.criterion, change, years, lang)


def _level_paragraph(
    grid: Grid,
    level: Level,
    moved: LevelChange | None,
    found: list[CriterionChange],
    years: Mapping[str, str],
    lang: str,
    position: int = 0,
) -> Statement | None:
    """Return a level's changes as one paragraph under its name: intensity, then one sentence per criterion at most."""
    words = grid.texts(lang)
    said: list[tuple[int, str]] = []
    if moved is not None and moved.moved and moved.before is not None and moved.after is not None:
        values: dict[str, Any] = {**years, "level": level.label(lang), "max": scale_max(grid, level)}
        values |= {"before": format_number(moved.before, lang), "after": format_number(moved.after, lang)}
        step = abs(moved.after - moved.before)
        said.append(
            (
                0 if step >= DROP else 2,
                say(words["changes_level_up" if moved.after > moved.before else "changes_level_down"], values, lang),
            )
        )
    for status in ("appeared", "disappeared"):
        criteria = [c.criterion for c in found if c.status == status]
        if criteria:
            values = {**years, "criteria": criteria_labels(criteria, lang), "count": len(criteria)}
            key = _alternating(grid, f"changes_{status}", lang, position)
            said.append((0, say(words[key], values, lang, len(criteria))))
    for change in found:
        if change.status == "changed" and (one := _criterion_sentence(grid, change, years, lang)) is not None:
            said.append(one)
    if not said:
        return None
    said.sort(key=lambda r: r[0])  # stable: grid order within a rank
    return Statement(" ".join(text for _, text in said), lead=html.escape(level.label(lang), quote=False))


def _alternating(grid: Grid, key: str, lang: str, position: int) -> str:
    """Return ``key``, or its other order (``key_2``) for every other level, so that openings vary.

    A grid that sets ``key`` under ``words:`` but not ``key_2`` has its wording at every level.
    """
    own = grid.words.get(lang, {})
    if position % 2 and (key not in own or f"{key}_2" in own):
        return f"{key}_2"
    return key


def changes_statements(grid: Grid, changes: Changes, lang: str) -> list[Statement]:
    """Return what changed since the previous year, told by level: one paragraph each, the most important first.

    A paragraph is led by the level's name: its intensity if it moved, the criteria whose
    positive effects appeared or disappeared (one sentence each way), then at most one
    sentence per other criterion, its most important change (see :func:`_importance`).
    Keywords new this year are grouped in one last sentence. Nothing narrates the form.
    """
    years = {"year": str(changes.year), "previous": str(changes.previous)}
    levels = {c.level.id: c for c in changes.levels}
    out = []
    for position, level in enumerate(grid.levels):
        found = [c for c in changes.criteria if c.criterion.level == level.id]
        paragraph = _level_paragraph(grid, level, levels.get(level.id), found, years, lang, position)
        if paragraph is not None:
            out.append(paragraph)
    keywords = [UserText(k, DATA_LANG) for c in changes.levels for k in c.keywords]
    if keywords:
        items = [quoted(k, lang) for k in dict.fromkeys(keywords)]
        out.append(Statement(say(grid.texts(lang)["changes_keywords"], {**years, "items": items}, lang, len(items))))
    if not out:
        out.append(Statement(fill(texts(lang)["no_change"], years, lang)))
    return out
