"""Points of attention told as sentences: each with what the site answered and its own words.

:func:`impact_kit.indicators.attention.attention_points` finds the points (ids and numbers);
this module says them. Everything returned is escaped HTML, except the site's texts, which
the caller renders as testimonies (verbatim, marked as the site's words).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from impact_kit.grid.model import Criterion, Grid
from impact_kit.indicators.attention import DROP, Point
from impact_kit.indicators.site import Answers
from impact_kit.render.data_tables import label
from impact_kit.text.narrative import Statement, criterion_statements, display_values, say, scale_max
from impact_kit.words import fill_text, format_number, pick_form

__all__ = ["Said", "attention_intro", "say_points", "watch_evidence"]


@dataclass(frozen=True)
class Said:
    """A point of attention in words: its headline, the criterion's sentences, and the site's own texts."""

    headline: Statement
    statements: list[Statement] = field(default_factory=list)
    #: ``(criterion id, question id, text)`` of the site's texts on the point's criteria that year, verbatim.
    texts: list[tuple[str, str, str]] = field(default_factory=list)


def attention_intro(grid: Grid, points: list[Point], year: int, previous: int | None, lang: str) -> Statement:
    """Return the section's opening sentence: what it lists, or that there is nothing to report."""
    words = grid.texts(lang)
    values = {"year": str(year), "previous": str(previous), "drop": DROP}
    if not points:
        return Statement(say(words["attention_none" if previous else "attention_none_first"], values, lang))
    return Statement(say(words["attention_intro" if previous else "attention_intro_first"], values, lang))


def say_points(grid: Grid, points: list[Point], years: Mapping[int, Answers], year: int, lang: str) -> list[Said]:
    """Return the points of attention in words: one per negative effect and per level, then the lost effects together.

    A negative effect comes with what the site answered and its own texts on it (or a sentence
    saying it wrote none); a level with its keywords; the positive effects of the previous year
    that are gone, in one list, with what was answered instead and the site's texts, if any.
    """
    said = [_say_one(grid, p, years[year], year, lang) for p in points if p.kind != "lost"]
    lost = [p for p in points if p.kind == "lost"]
    if lost:
        words = grid.texts(lang)
        values = {"year": str(year), "previous": str(lost[0].previous), "count": len(lost)}
        headline = Statement(say(words["attention_lost"], values, lang, len(lost)))
        items = []
        texts: list[tuple[str, str, str]] = []
        for point in lost:
            criterion = point.criterion
            assert criterion is not None  # a lost effect is a criterion's
            key = "attention_lost_none" if point.state == "none" else "attention_lost_unanswered"
            items.append(say(words[key], {**values, "criterion": criterion.label(lang)}, lang))
            texts += _texts(criterion, years[year])
        said.append(Said(Statement(headline.html, tuple(items)), [], texts))
    return said


def _texts(criterion: Criterion, answers: Answers) -> list[tuple[str, str, str]]:
    """Return ``(criterion id, question id, text)`` of the site's texts on the criterion, verbatim."""
    given = answers.get(criterion.id, {})
    return [(criterion.id, q.id, t) for q in criterion.questions if q.type == "testimony" for t in given.get(q.id, [])]


def _say_one(grid: Grid, point: Point, answers: Answers, year: int, lang: str) -> Said:
    """Return a negative effect, or a level's drop, in words."""
    words = grid.texts(lang)
    values: dict[str, Any] = {"year": str(year), "previous": str(point.previous)}
    if point.level is not None:
        level = point.level
        top = scale_max(grid, level)
        values |= {
            "level": level.label(lang),
            "before": format_number(point.before or 0, lang),
            "after": format_number(point.after or 0, lang),
            "max": format_number(top, lang),
        }
        said = [Statement(say(words["attention_drop"], values, lang))]
        keywords = level.question(grid.roles.keywords)
        chosen = answers.get(level.id, {}).get(grid.roles.keywords, [])
        if keywords is not None and chosen:
            shown = display_values(keywords, chosen, lang)
            said.append(Statement(say(words["attention_keywords"], {**values, "keywords": shown}, lang)))
        return Said(said[0], said[1:])
    criterion = point.criterion
    assert criterion is not None  # a point is on a level or on a criterion
    values["criterion"] = criterion.label(lang)
    key = "attention_mixed" if point.state == "mixed" else "attention_negative"
    statements = criterion_statements(criterion, answers.get(criterion.id, {}), lang)
    texts = _texts(criterion, answers)
    if not texts:
        statements.append(Statement(say(words["attention_no_words"], values, lang)))
    return Said(Statement(say(words[key], values, lang)), statements, texts)


def watch_evidence(
    grid: Grid,
    negative: Sequence[str],
    drops: Sequence[tuple[str, float, float]],
    lost: Sequence[str],
    previous: int | None,
    lang: str,
) -> str:
    """Return why a portfolio's site is to watch, as plain text: its negative effects, drops and lost effects.

    The arguments are a row of :func:`impact_kit.indicators.portfolio.sites_to_watch` (grid ids).
    """
    words = grid.texts(lang)

    def text(key: str, count: int | None = None, **values: Any) -> str:
        return fill_text(pick_form(words[key], count), {"count": count or 0, **values}, lang)

    parts = []
    if negative:
        parts.append(text("pf_watch_negative", len(negative), criteria=[label(grid, c, lang) for c in negative]))
    if drops:
        levels = [
            text(
                "pf_watch_level",
                level=label(grid, lv, lang),
                before=format_number(b, lang),
                after=format_number(a, lang),
            )
            for lv, b, a in drops
        ]
        parts.append(text("pf_watch_drop", levels=levels))
    if lost:
        parts.append(
            text("pf_watch_lost", len(lost), criteria=[label(grid, c, lang) for c in lost], previous=str(previous))
        )
    return str(words["pf_watch_and"]).join(parts)
