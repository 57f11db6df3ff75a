"""Words and languages: the kit's own texts, one template dialect, numbers and dates.

The report's own words live in ``impact_kit/texts.yaml`` (the grid's labels and
sentences live in the grid file). Every template, here and in the grid, uses one
dialect, filled by :func:`fill` (escaped HTML) or :func:`fill_text` (plain text for
alt texts, titles and chart labels):

- ``{name}`` takes a value: text as is, a number formatted for the language (but a year:
  ``{year}``, ``{previous}``… are written "2023"), a list
  joined with "et"/"and" (``{name:or}`` with "ou"/"or", ``{name:comma}`` with commas);
- ``**...**`` is emphasis (``<strong>`` in HTML, dropped in plain text).
"""

from __future__ import annotations

import datetime as dt
import html
import numbers
import string
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from babel.dates import format_date as babel_format_date
from babel.lists import format_list
from babel.numbers import format_decimal

from impact_kit.exceptions import InvalidArgument

__all__ = [
    "DATA_LANG",
    "LANGUAGES",
    "TEXTS_FILE",
    "UserText",
    "check_lang",
    "fill",
    "fill_text",
    "format_date",
    "format_number",
    "join",
    "marked",
    "named_title",
    "of_name",
    "pick_form",
    "texts",
]

TEXTS_FILE = Path(__file__).resolve().parent / "texts.yaml"

Value = Sequence[str] | str | int | float


@cache
def _document() -> Mapping[str, Mapping[str, Any]]:
    doc = yaml.safe_load(TEXTS_FILE.read_text(encoding="utf-8"))
    reference = doc["fr"]
    for lang, words in doc.items():
        missing = sorted(set(reference) - set(words))
        if missing:
            raise InvalidArgument(f"{TEXTS_FILE}: language {lang!r} lacks the texts {missing}.")
    return dict(doc)


#: The languages the kit writes reports in (the keys of ``texts.yaml``); the first is the default.
LANGUAGES: tuple[str, ...] = tuple(_document())
#: The Babel locale of each report language (numbers and lists as written in France and in Britain).
LOCALES = {"fr": "fr_FR", "en": "en_GB"}
#: The template names that hold a year: written as a year ("2023"), never as a number ("2 023").
YEARS = frozenset({"year", "previous", "first", "last", "since", "first_year", "last_year"})
#: The language of the answers the kit reads (free texts, keywords, testimonies): its first language.
DATA_LANG = LANGUAGES[0]


def check_lang(lang: str, available: Sequence[str] = LANGUAGES) -> str:
    """Return ``lang`` if it is one of ``available``.

    Raises
    ------
    InvalidArgument
        If it is not, naming the languages there are.
    """
    if lang not in available:
        raise InvalidArgument(f"The value for `lang` must be one of {list(available)}, but {lang!r} was passed.")
    return lang


def texts(lang: str) -> Mapping[str, Any]:
    """Return the kit's own words in ``lang`` (from ``impact_kit/texts.yaml``).

    Raises
    ------
    InvalidArgument
        If ``lang`` is not one of :data:`LANGUAGES`.
    """
    return _document()[check_lang(lang)]


def join(values: Sequence[str], how: str | None, lang: str) -> str:
    """Join values as the language lists them (Babel's CLDR data), or with commas only (``how="comma"``).

    ``how="and"`` (or None) gives "a, b et c", ``how="or"`` gives "a, b ou c".
    """
    if how == "comma" or len(values) < 2:
        return texts(lang)["comma"].join(values)
    return format_list(list(values), style="or" if how == "or" else "standard", locale=LOCALES.get(lang, lang))


class UserText(str):
    """Text that comes from the data (a free answer, a keyword): shown as written and marked as such.

    In escaped HTML (:func:`fill`, :func:`marked`) it sits in ``<span class="ik-user">``, with
    ``lang`` when the report's language differs from the text's, so that a reader, a screen
    reader or a spell checker never takes it for the kit's words.
    """

    lang: str

    def __new__(cls, text: str, lang: str = "") -> UserText:
        """Return ``text`` as the data's, in ``lang`` (the language of the answers; "" if unknown)."""
        made = super().__new__(cls, text)
        made.lang = lang
        return made


def marked(value: str, lang: str) -> str:
    """Return a value as escaped HTML: :class:`UserText` in its ``ik-user`` span, other text escaped."""
    text = html.escape(str(value), quote=False)
    if not isinstance(value, UserText):
        return text
    other = f' lang="{html.escape(value.lang)}"' if value.lang and value.lang != lang else ""
    return f'<span class="ik-user"{other}>{text}</span>'


def _render(template: str, values: Mapping[str, Value], lang: str, *, markup: bool) -> str:
    escape = (lambda s: html.escape(s, quote=False)) if markup else (lambda s: s)
    out, bold = [], False
    for literal, name, spec, _ in string.Formatter().parse(template):
        for i, piece in enumerate(literal.split("**")):
            if i:
                if markup:
                    out.append("</strong>" if bold else "<strong>")
                bold = not bold
            out.append(escape(piece))
        if name is not None:
            value = values[name]
            if isinstance(value, str):
                out.append(marked(value, lang) if markup else value)
            elif isinstance(value, numbers.Real) and name in YEARS:  # a year is never "2 023"
                out.append(escape(str(int(float(value)))))
            elif isinstance(value, numbers.Real):  # numpy's numbers too
                out.append(escape(format_number(float(value), lang)))
            else:  # each item escaped (or marked) on its own; the joining words are the kit's, plain text
                items = [marked(v, lang) if markup else str(v) for v in value]  # type: ignore[union-attr]
                out.append(join(items, spec or None, lang))
    if bold and markup:
        out.append("</strong>")
    return "".join(out)


def fill(template: str, values: Mapping[str, Value], lang: str) -> str:
    """Fill a template (see the module's docstring) and return escaped HTML.

    Values are escaped, so text from a data file can never become markup.

    Raises
    ------
    KeyError
        If the template names a value that is not given.
    """
    return _render(template, values, lang, markup=True)


def fill_text(template: str, values: Mapping[str, Value], lang: str) -> str:
    """Fill a template as :func:`fill` does, but return plain text (emphasis dropped, nothing escaped)."""
    return _render(template, values, lang, markup=False)


def of_name(name: str, lang: str) -> str:
    """Return "of <name>" as the language writes it: French contracts "de Les Halles" to "des Halles".

    The rules are in ``texts.yaml`` (``of``): an article the name starts with, else elision
    before a vowel, else the plain word.
    """
    rules = texts(lang)["of"]
    for article, contracted in rules["articles"].items():
        if name.startswith(article):
            return contracted + name[len(article) :]
    vowel = name[:1].lower() in "aeiouyàâäéèêëîïôöùûü"
    return (rules["elided"] if vowel else rules["plain"]) + name


def named_title(template: str, name: str, lang: str) -> str:
    """Fill a title ``{of_name}`` as escaped HTML: the site's name marked as the data's, its article the kit's.

    "Effets sociaux et urbains du <span class="ik-user">Point H^UT</span>": the contraction
    "du" is the language's; the name stays as written (see :func:`marked`).
    """
    full = of_name(name, lang)
    tail = name if full.endswith(name) else full.split(" ", 1)[-1]
    of = html.escape(full[: len(full) - len(tail)], quote=False) + marked(UserText(tail, DATA_LANG), lang)
    return fill(template, {"of_name": "\x00"}, lang).replace("\x00", of)


def pick_form(forms: str | Mapping[str, str], count: float | None) -> str:
    """Choose the zero / one / other / unknown form of a template for ``count`` (None: not a number)."""
    if isinstance(forms, str):
        return forms
    key = "unknown" if count is None else "zero" if count == 0 else "one" if count == 1 else "other"
    return forms.get(key) or forms["other"]


def format_number(value: float, lang: str) -> str:
    """Return a number as a reader of ``lang`` writes it, by Babel's locale data (CLDR).

    Thousands grouped ("1 234" with a narrow no-break space in French, "1,234" in English), a
    decimal comma in French, at most two decimals, never scientific notation, and a true minus
    sign (U+2212). Years are not numbers here: templates take them as text.
    """
    text = format_decimal(float(value), format="#,##0.##", locale=LOCALES.get(lang, lang))
    return "\u2212" + text[1:] if text.startswith("-") else text


def format_date(date: dt.date, lang: str) -> str:
    """Return a date as "26 novembre 2026" or "26 November 2026" (Babel); French writes the first as "1er décembre"."""
    text = babel_format_date(date, "d MMMM y", locale=LOCALES.get(lang, lang))
    return "1er" + text[1:] if lang == "fr" and date.day == 1 else text
