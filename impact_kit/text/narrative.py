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
from impact_kit.words import DATA_LANG, UserText, fill, fill_text, format_number, marked, pick_form, texts

__all__ = [
    "Statement",
    "criteria_labels",
    "criterion_statements",
    "display_values",
    "level_statements",
    "programme_level_statements",
    "quoted",
    "say",
    "scale_max",
    "sentence_case",
]


@dataclass(frozen=True)
class Statement:
    """One sentence of the report, as escaped HTML, with an optional bulleted list."""

    html: str
    items: tuple[str, ...] = ()
    #: A heading the sentence sits under (escaped HTML; *Évolutions* leads each level's paragraph with its name).
    lead: str = ""

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


def programme_level_statements(
    grid: Grid, programme: Programme | None, level: Level, answers: Mapping[str, list[str]], year: int, lang: str
) -> list[Statement]:
    """Return the level's intensity beside the programme's median, once per level, when enough sites rated it.

    "Intensité des effets : 5/5 · médiane du programme 3/5, sur 5 sites": it takes the place of
    the grid's intensity sentence (nothing when there is no programme to compare with).
    """
    value = as_number((answers.get(grid.roles.intensity) or [""])[0])
    rated = programme.intensity.get((year, level.id)) if programme is not None else None
    if value is None or rated is None or rated[1] < MIN_SITES or programme is None or not programme.covers(year):
        return []
    top = scale_max(grid, level)
    values = {"value": value, "median": rated[0], "max": top, "total": rated[1], "year": str(year)}
    return [Statement(say(texts(lang)["programme_intensity"], values, lang))]


def criteria_labels(criteria: Sequence[Criterion], lang: str) -> list[str]:
    """Return criteria labels for a list in a sentence, all quoted if one has a comma (else the list is ambiguous)."""
    labels = [c.label(lang) for c in criteria]
    return [quoted(label, lang) for label in labels] if any("," in label for label in labels) else labels
