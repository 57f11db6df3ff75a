"""*En bref*: the year at a glance, in three to five sentences a funder reads first.

1. the strongest level or levels, placed once against the programme's median;
2. the criteria with a positive effect, with the criteria new since the previous year, or
   that this is the first year (a clause, not a section);
3. the figures of the number answers (the grid's ``figure`` phrases) and one or two named
   actions (free answers to the grid's ``action`` questions);
4. one short quote, chosen by the rule :data:`QUOTE_RULE` (stated in *Méthode et limites*);
5. the points of attention, in one sentence.

Each criterion is named at most once. Everything returned is escaped HTML.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from impact_kit.data.observations import as_number
from impact_kit.grid.model import Grid
from impact_kit.indicators.attention import Point
from impact_kit.indicators.programme import MIN_SITES, Programme
from impact_kit.indicators.site import POSITIVE_STATES, Answers, changes_between, criterion_states, observed_criteria
from impact_kit.text.narrative import Statement, _position, criteria_labels, quoted, say, scale_max
from impact_kit.text.testimonies import is_extract
from impact_kit.words import DATA_LANG, UserText, fill, fill_text, format_number, marked, pick_form

__all__ = ["MAX_ACTIONS", "MAX_NAMED", "QUOTE_WORDS", "summary_quote", "summary_sentences"]

#: The criteria with a positive effect are named when there are at most this many (and none is new).
MAX_NAMED = 3
#: At most this many named actions in a summary.
MAX_ACTIONS = 2
#: A summary's quote is a whole text of at most this many words (never cut).
QUOTE_WORDS = 40


def _strongest(grid: Grid, answers: Answers, year: int, lang: str, programme: Programme | None) -> str | None:
    words = grid.texts(lang)
    rated = {lv.id: as_number((answers.get(lv.id, {}).get(grid.roles.intensity) or [""])[0]) for lv in grid.levels}
    scores = {k: v for k, v in rated.items() if v is not None}
    if scores:
        top = max(scores.values())
        levels = [lv for lv in grid.levels if scores.get(lv.id) == top]
        values: dict[str, Any] = {"year": str(year), "levels": [quoted(lv.label(lang), lang) for lv in levels]}
        values |= {"value": format_number(top, lang), "max": format_number(scale_max(grid, levels[0]), lang)}
        median = programme.intensity.get((year, levels[0].id)) if programme is not None else None
        if len(levels) == 1 and programme is not None and programme.covers(year) and median and median[1] >= MIN_SITES:
            values["position"] = _position(top, median[0], scale_max(grid, levels[0]), lang)
            return say(words["summary_strongest_programme"], values, lang)
        return say(words["summary_strongest"], values, lang, len(levels))
    observed = {c.id for c in observed_criteria(grid, answers)}
    counts = {lv.id: sum(c.id in observed for c in lv.criteria) for lv in grid.levels}
    if not observed:
        return None
    top_count = max(counts.values())
    if top_count < 2:  # "the level with the most criteria (1)" says nothing the next sentence does not
        return None
    levels = [lv for lv in grid.levels if counts[lv.id] == top_count]
    values = {"levels": [quoted(lv.label(lang), lang) for lv in levels], "count": top_count}
    return say(words["summary_most_criteria"], values, lang, len(levels))


def _effects(
    grid: Grid,
    years: Mapping[int, Answers],
    year: int,
    previous: int | None,
    states: Mapping[str, str],
    lang: str,
    programme: Programme | None,
) -> str:
    """Say the criteria with a positive effect, against the programme's median site, and what is new."""
    words = grid.texts(lang)
    positive = [c for c in grid.criteria if states[c.id] in POSITIVE_STATES]
    values: dict[str, Any] = {"count": len(positive), "total": len(grid.criteria), "year": str(year)}
    if previous is not None:  # how many the previous year had
        before = criterion_states(grid, years[previous])
        values |= {"previous": str(previous), "before": sum(before[c.id] in POSITIVE_STATES for c in grid.criteria)}
    if not positive:
        if previous is None:
            return say(words["summary_no_effect_first"], values, lang)
        return say(words["summary_no_effect"], values, lang, values["before"])
    effects = fill_text(pick_form(words["summary_effects"], len(positive)), values, lang)
    if programme is not None and programme.covers(year) and year in programme.criteria:
        median = programme.criteria[year]
        key = "summary_effects_same" if median == len(positive) else "summary_effects_median"
        effects += fill_text(words[key], {"median": format_number(median, lang)}, lang)
    named = criteria_labels(positive, lang) if len(positive) <= MAX_NAMED else []
    values["named"] = fill_text(words["summary_effects_named"], {"criteria": named}, lang) if named else ""
    if previous is None:
        return say(words["summary_effects_first"], {**values, "effects": effects}, lang)
    values["effects"] = effects
    found = changes_between(grid, years[previous], years[year], previous=previous, year=year)
    appeared = [c for c in found.of("appeared") if states[c.id] in POSITIVE_STATES]
    if appeared:
        values |= {"new": len(appeared), "criteria": criteria_labels(appeared, lang)}
        return say(words["summary_effects_new"], values, lang, len(appeared))
    key = "summary_effects_as_before" if values["before"] == len(positive) else "summary_effects_before"
    return say(words[key], values, lang, values["before"])


def _figures(grid: Grid, answers: Answers, states: Mapping[str, str], lang: str) -> list[str]:
    """Return the number answers that have a ``figure`` phrase, above zero, in grid order."""
    out = []
    for criterion in grid.criteria:
        for question in criterion.questions:
            values = answers.get(criterion.id, {}).get(question.id) or []
            number = as_number(values[0]) if values and question.figure else None
            if number is not None and number > 0 and states[criterion.id] in POSITIVE_STATES:
                phrase = pick_form(question.figure[lang], number)
                out.append(fill_text(phrase, {"value": format_number(number, lang)}, lang))
    return out


def _actions(grid: Grid, answers: Answers, states: Mapping[str, str], lang: str) -> list[str]:
    """Return free answers to the grid's ``action`` questions of positive criteria, quoted, two at most."""
    out: list[str] = []
    for criterion in grid.criteria:
        if states[criterion.id] not in POSITIVE_STATES:
            continue
        for question in criterion.questions:
            for value in answers.get(criterion.id, {}).get(question.id) or []:
                if question.action and question.option(value) is None and value.strip():
                    out.append(quoted(UserText(value.strip(), DATA_LANG), lang))
    return out[:MAX_ACTIONS]


def summary_quote(grid: Grid, answers: Answers, states: Mapping[str, str]) -> str | None:
    """Return the summary's quote: the shortest whole text on a positive effect, of :data:`QUOTE_WORDS` words at most.

    Texts known only by an extract are left out; at equal length, the first in grid order.
    The rule is stated in *Méthode et limites* (``method_quote``).
    """
    found: list[tuple[int, int, str]] = []
    for order, criterion in enumerate(grid.criteria):
        if states[criterion.id] not in POSITIVE_STATES:
            continue
        for text in answers.get(criterion.id, {}).get(grid.roles.testimony) or []:
            text = text.strip()
            if text and not is_extract(text) and len(text.split()) <= QUOTE_WORDS:
                found.append((len(text), order, text))
    return min(found)[2] if found else None


def _attention(grid: Grid, points: Sequence[Point], year: int, previous: int | None, lang: str) -> str:
    """Say the points of attention in one sentence (their section follows, with the details)."""
    words = grid.texts(lang)
    values: dict[str, Any] = {"year": str(year), "previous": str(previous)}
    if not points:
        return say(words["summary_attention_none"], values, lang)
    parts = []
    negative = [p.criterion for p in points if p.kind == "negative" and p.criterion is not None]
    if negative:
        names = criteria_labels(negative, lang)
        parts.append(
            fill_text(pick_form(words["summary_attention_negative"], len(negative)), {"criteria": names}, lang)
        )
    drops = [p for p in points if p.kind == "drop" and p.level is not None]
    if drops:
        levels = [
            fill_text(
                words["summary_attention_level"],
                {
                    "level": quoted(p.level.label(lang), lang),
                    "before": format_number(p.before or 0, lang),
                    "after": format_number(p.after or 0, lang),
                    "max": format_number(scale_max(grid, p.level), lang),
                },
                lang,
            )
            for p in drops
            if p.level is not None
        ]
        parts.append(fill_text(pick_form(words["summary_attention_drop"], len(drops)), {"levels": levels}, lang))
    lost = sum(p.kind == "lost" for p in points)
    if lost:
        parts.append(fill_text(pick_form(words["summary_attention_lost"], lost), {**values, "count": lost}, lang))
    values["points"] = str(words["pf_watch_and"]).join(parts)
    return say(words["summary_attention"], values, lang)


def summary_sentences(
    grid: Grid,
    years: Mapping[int, Answers],
    year: int,
    lang: str,
    *,
    points: Sequence[Point] = (),
    programme: Programme | None = None,
    shown: Callable[[str], str] = str,
) -> Statement:
    """Return *En bref*: three to five sentences, each criterion named at most once.

    Parameters
    ----------
    grid : Grid
        The grid (its ``figure`` and ``action`` questions give the figures and actions).
    years : mapping
        ``{year: answers}`` of the site.
    year : int
        The report's year.
    lang : str
        The report's language.
    points : sequence of Point
        The year's points of attention (:func:`impact_kit.indicators.attention.attention_points`).
    programme : Programme, optional
        The programme, to place the strongest level and the count of criteria once.
    shown : callable, optional
        How a testimony is shown (the report's pseudonymisation); the quote goes through it.
    """
    words = grid.texts(lang)
    answers = years[year]
    states = criterion_states(grid, answers)
    earlier = [y for y in years if y < year]
    previous = max(earlier) if earlier else None
    said = [s for s in [_strongest(grid, answers, year, lang, programme)] if s]
    said.append(_effects(grid, years, year, previous, states, lang, programme))
    figures, actions = _figures(grid, answers, states, lang), _actions(grid, answers, states, lang)
    values: dict[str, Any] = {"year": str(year), "figures": figures, "actions": actions}
    key = "summary_figures_actions" if figures and actions else "summary_figures" if figures else "summary_actions"
    if figures or actions:
        said.append(say(words[key], values, lang))
    quote = summary_quote(grid, answers, states)
    if quote is not None:
        text = marked(UserText(fill_text(words["quoted"], {"text": shown(quote)}, lang), DATA_LANG), lang)
        said.append(fill(words["summary_quote"], {"quote": "\x00"}, lang).replace("\x00", text))
    said.append(_attention(grid, points, year, previous, lang))
    return Statement(" ".join(said))
