"""Sentences: the grid's templates and the kit's texts filled in with a site's answers.

Everything returned is escaped HTML: template text and answers are escaped, then
``**...**`` in a template becomes ``<strong>``. Testimonies are not sentences: see
:mod:`impact_kit.testimonies`.
"""

from __future__ import annotations

import datetime as dt
import html
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from impact_kit.grid import Criterion, Grid, Level, Question, Sentence
from impact_kit.indicators import Answers, Changes, observed_criteria, public_counts
from impact_kit.observations import as_number

__all__ = [
    "Statement",
    "changes_statements",
    "criterion_statements",
    "fill",
    "format_date",
    "format_number",
    "level_statements",
    "pick_form",
    "summary_statements",
    "texts",
]

TEXTS_FILE = Path(__file__).resolve().parent / "texts.yaml"


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


@cache
def texts(lang: str) -> Mapping[str, Any]:
    """Return the kit's own words in ``lang`` (from ``impact_kit/texts.yaml``).

    Raises
    ------
    ValueError
        If ``lang`` is not a language of the file, or a key is missing in it.
    """
    doc = yaml.safe_load(TEXTS_FILE.read_text(encoding="utf-8"))
    if lang not in doc:
        raise ValueError(f"The value for `lang` must be one of {sorted(doc)}, but {lang!r} was passed.")
    reference = doc["fr"]
    missing = sorted(set(reference) - set(doc[lang]))
    if missing:
        raise ValueError(f"{TEXTS_FILE}: language {lang!r} lacks the texts {missing}.")
    return doc[lang]


def join(values: Sequence[str], how: str, lang: str) -> str:
    """Join values with ", " and a final " et " (``how="and"``), " ou " (``"or"``), or commas only."""
    words = texts(lang)
    if how == "comma" or len(values) < 2:
        return words["comma"].join(values)
    return words["comma"].join(values[:-1]) + words[how or "and"] + values[-1]


def fill(template: str, values: Mapping[str, Sequence[str] | str | int | float], lang: str) -> str:
    """Fill a template with values and return escaped HTML.

    ``{name}`` takes ``values[name]`` (a list is joined with "and", ``{name:or}`` with
    "or", ``{name:comma}`` with commas); ``**...**`` becomes ``<strong>...</strong>``.
    Values are escaped, so text from a data file can never become markup.
    """
    out, bold = [], False
    for literal, name, spec, _ in string.Formatter().parse(template):
        pieces = literal.split("**")
        for i, piece in enumerate(pieces):
            if i:
                out.append("</strong>" if bold else "<strong>")
                bold = not bold
            out.append(html.escape(piece, quote=False))
        if name is not None:
            value = values[name]
            if isinstance(value, str):
                text = value
            elif isinstance(value, int | float):
                text = format_number(value, lang)
            else:
                text = join([str(v) for v in value], spec, lang)
            out.append(html.escape(text, quote=False))
    if bold:
        out.append("</strong>")
    return "".join(out)


def pick_form(forms: str | Mapping[str, str], count: float | None) -> str:
    """Choose the zero / one / other / unknown form of a template for ``count`` (None: not a number)."""
    if isinstance(forms, str):
        return forms
    key = "unknown" if count is None else "zero" if count == 0 else "one" if count == 1 else "other"
    return forms.get(key) or forms["other"]


def format_number(value: float, lang: str) -> str:
    """Return a number as a reader writes it: no ``.0``, a decimal comma in French."""
    value = float(value)
    text = str(int(value)) if value.is_integer() else f"{value:g}"
    return text.replace(".", ",") if lang == "fr" else text


def format_date(date: dt.date, lang: str) -> str:
    """Return a date as "26 novembre 2026" or "26 November 2026"."""
    return f"{date.day} {texts(lang)['months'][date.month - 1]} {date.year}"


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
        value = answers.get(level.id, {}).get("intensity")
        if value:
            rated.append(f"{level.label(lang)} {format_number(as_number(value[0]) or 0, lang)}")
    if rated:
        out.append(Statement(fill(words["summary_intensity"], {"levels": rated}, lang)))
    n = sum(len(a.get("testimony", [])) for a in answers.values())
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
            words["level_change"].format(level=level, before=format_number(b, lang), after=format_number(a, lang))
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
