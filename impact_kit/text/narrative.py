"""Sentences: the grid's templates and the kit's texts filled in with a site's answers.

Everything returned is escaped HTML (see :func:`impact_kit.words.fill`). Testimonies
are not sentences: see :mod:`impact_kit.text.testimonies`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from impact_kit.data.observations import as_number
from impact_kit.grid.model import Criterion, Grid, Level, Question, Sentence
from impact_kit.indicators.programme import MIN_SITES, Programme
from impact_kit.indicators.site import (
    NEGATIVE_STATES,
    POSITIVE_STATES,
    Answers,
    changes_between,
    criteria_in,
    observed_criteria,
    public_counts,
)
from impact_kit.text.testimonies import is_extract
from impact_kit.words import DATA_LANG, UserText, fill, fill_text, format_number, marked, pick_form, texts

__all__ = [
    "Statement",
    "criterion_statements",
    "display_values",
    "level_statements",
    "programme_criterion_statements",
    "programme_level_statements",
    "quoted",
    "say",
    "scale_max",
    "sentence_case",
    "summary_paragraph",
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
    shown: list[str] = []
    for value in values:
        option = question.option(value) if question.is_choice else None
        if option is not None:
            shown.append(option.label(lang))
        elif question.type in ("number", "scale") and (number := as_number(value)) is not None:
            shown.append(format_number(number, lang))
        elif question.is_choice and len(value) > 1 and value[1].islower():
            shown.append(UserText(value[0].lower() + value[1:], DATA_LANG))
        else:
            shown.append(UserText(value, DATA_LANG))  # a free answer, a keyword: the data's words
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
        items = tuple(marked(item, lang) for item in shown[sentence.list]) if sentence.list else ()
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
    """Return the summary's figures, one per bullet.

    Criteria with positive effects, with negative ones (if any), the publics most involved,
    the intensities, and the site's texts.
    """
    words = grid.texts(lang)
    observed = observed_criteria(grid, answers)
    labels = [c.label(lang) for c in observed]
    values: dict[str, Any] = {"count": len(observed), "total": len(grid.criteria), "year": str(year)}
    out = [Statement(fill(pick_form(words["summary_observed"], len(observed)), {**values, "criteria": labels}, lang))]
    negative = criteria_in(grid, answers, NEGATIVE_STATES)
    if negative:
        values = {"count": len(negative), "year": str(year), "criteria": [c.label(lang) for c in negative]}
        out.append(Statement(fill(pick_form(words["summary_negative_figure"], len(negative)), values, lang)))
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
    testimonies = [t for a in answers.values() for t in a.get(grid.roles.testimony, [])]
    n = len(testimonies)
    out.append(Statement(fill(pick_form(words["summary_testimonies"], n), {"count": n}, lang)))
    extracts = sum(is_extract(t) for t in testimonies)
    if extracts:  # a platform's preview: said, so that nobody takes it for the whole testimony
        out.append(Statement(fill(pick_form(words["summary_extracts"], extracts), {"count": extracts}, lang)))
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
    """Return free text between the language's quotation marks, verbatim (plain text, to fill a template).

    The data's words (:class:`~impact_kit.words.UserText`) stay the data's, quotation marks included.
    """
    said = fill_text(texts(lang)["quoted"], {"text": text}, lang)
    return UserText(said, text.lang) if isinstance(text, UserText) else said


def say(template: str | Mapping[str, str], values: Mapping[str, Any], lang: str, count: float | None = None) -> str:
    """Fill a template (its form for ``count``) as a sentence: escaped HTML, starting with a capital."""
    return sentence_case(fill(pick_form(template, count), values, lang))


def _position(value: float, median: float, top: float, lang: str) -> str:
    """Return where a value stands against the programme's median, as a clause: "au-dessus de la médiane (3/5)"."""
    key = "programme_above" if value > median else "programme_below" if value < median else "programme_at"
    figures = {"median": format_number(median, lang), "max": format_number(top, lang)}
    return fill_text(texts(lang)[key], figures, lang)


def scale_max(grid: Grid, level: Level) -> float:
    """Return the top of a level's intensity scale (5 when the grid gives none)."""
    scale = level.question(grid.roles.intensity)
    return scale.max if scale is not None and scale.max is not None else 5


def programme_criterion_statements(
    programme: Programme | None, criterion: Criterion, year: int, lang: str, *, state: str = "positive"
) -> list[Statement]:
    """Return where a criterion's effect stands in the programme: in how many of its sites it is found.

    A positive effect is counted among the sites with a positive effect, a negative one among
    those with a negative effect, apart (a mixed criterion gets both); any other state gets
    nothing. Nothing either when there is no programme or fewer than
    :data:`impact_kit.indicators.programme.MIN_SITES` sites that year.
    """
    if programme is None or not programme.covers(year):
        return []
    out = []
    total = programme.sites[year]
    for counts, wanted, keys in (
        (programme.observed, POSITIVE_STATES, ("programme_observed_all", "programme_observed")),
        (programme.negative, NEGATIVE_STATES, ("programme_negative_all", "programme_negative")),
    ):
        if state in wanted:
            count = counts.get((year, criterion.id), 0)
            values = {"count": count, "total": total, "year": str(year)}
            out.append(Statement(say(texts(lang)[keys[0] if count == total else keys[1]], values, lang, count)))
    return out


def programme_level_statements(
    grid: Grid, programme: Programme | None, level: Level, answers: Mapping[str, list[str]], year: int, lang: str
) -> list[Statement]:
    """Return where a level's intensity stands against the programme's median, when enough sites rated it."""
    value = as_number((answers.get(grid.roles.intensity) or [""])[0])
    rated = programme.intensity.get((year, level.id)) if programme is not None else None
    if value is None or rated is None or rated[1] < MIN_SITES or programme is None or not programme.covers(year):
        return []
    position = _position(value, rated[0], scale_max(grid, level), lang)
    values = {"position": position, "total": rated[1], "year": str(year)}
    return [Statement(say(texts(lang)["programme_intensity"], values, lang))]


def _labels(criteria: Sequence[Criterion], lang: str) -> list[str]:
    """Return criteria labels for a list in a sentence, all quoted if one has a comma (else the list is ambiguous)."""
    labels = [c.label(lang) for c in criteria]
    return [quoted(label, lang) for label in labels] if any("," in label for label in labels) else labels


def _strongest(grid: Grid, answers: Answers, year: int, lang: str, programme: Programme | None) -> str | None:
    words = texts(lang)
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
    levels = [lv for lv in grid.levels if counts[lv.id] == top_count]
    values = {"levels": [quoted(lv.label(lang), lang) for lv in levels], "count": top_count}
    return say(words["summary_most_criteria"], values, lang, len(levels))


def _notable_change(grid: Grid, years: Mapping[int, Answers], year: int, lang: str) -> str:
    """Return the most notable change since the previous year: criteria that appeared, a level's move, and so on."""
    words = texts(lang)
    earlier = [y for y in years if y < year]
    if not earlier:
        return say(words["summary_first_year"], {"year": str(year)}, lang)
    previous = max(earlier)
    changes = changes_between(grid, years[previous], years[year], previous=previous, year=year)
    values: dict[str, Any] = {"previous": str(previous), "year": str(year)}

    def criteria(key: str, found: list[Criterion]) -> str:
        return say(words[key], {**values, "criteria": _labels(found, lang), "count": len(found)}, lang, len(found))

    moved = [c for c in changes.levels if c.before is not None and c.after is not None and c.moved]
    if changes.of("appeared"):
        return criteria("summary_appeared", changes.of("appeared"))
    if moved:
        level = max(moved, key=lambda c: abs((c.after or 0) - (c.before or 0)))
        values |= {
            "level": quoted(level.level.label(lang), lang),
            "max": format_number(scale_max(grid, level.level), lang),
        }
        values |= {"before": format_number(level.before or 0, lang), "after": format_number(level.after or 0, lang)}
        return say(words["summary_level_moved"], values, lang)
    for status, key in (("disappeared", "summary_disappeared"), ("changed", "summary_answers_changed")):
        if changes.of(status):
            return criteria(key, changes.of(status))
    return say(words["no_change"], values, lang)


def summary_paragraph(
    grid: Grid, years: Mapping[int, Answers], year: int, lang: str, *, programme: Programme | None = None
) -> Statement:
    """Return the year at a glance as a paragraph of three to five sentences (six with negative effects).

    The level with the strongest effects (placed in the programme when it has enough
    sites), the criteria observed, the publics most involved, the most notable change
    since the previous year (or that this is the first), and the number of testimonies.
    Only positive effects count as effects; negative ones get a sentence of their own.
    """
    words = grid.texts(lang)
    answers = years[year]
    said = [s for s in [_strongest(grid, answers, year, lang, programme)] if s]
    observed = observed_criteria(grid, answers)
    values: dict[str, Any] = {"count": len(observed), "total": len(grid.criteria), "year": str(year)}
    values["criteria"] = _labels(observed, lang)
    if programme is not None and programme.covers(year) and year in programme.criteria:
        values["median"] = format_number(programme.criteria[year], lang)
        same = programme.criteria[year] == len(observed)  # "8 critères sur 15, contre 8" reads as a contrast
        key = "summary_criteria_programme_same" if same else "summary_criteria_programme"
        said.append(say(words[key], values, lang, len(observed)))
    else:
        said.append(say(words["summary_criteria"], values, lang, len(observed)))
    counts = public_counts(grid, answers, lang)
    if counts:
        top = max(counts.values())
        publics = [public for public, n in counts.items() if n == top]
        key = "summary_publics_one" if len(publics) == 1 else "summary_publics_many"
        said.append(say(words[key], {"publics": publics, "count": top}, lang, top))
    negative = criteria_in(grid, answers, NEGATIVE_STATES)
    if negative:
        found = {"criteria": _labels(negative, lang), "count": len(negative)}
        said.append(say(words["summary_negative"], found, lang, len(negative)))
    said.append(_notable_change(grid, years, year, lang))
    n = sum(len(a.get(grid.roles.testimony, [])) for a in answers.values())
    said.append(say(words["summary_testimonies_year"], {"count": n, "year": str(year)}, lang, n))
    return Statement(" ".join(said))
