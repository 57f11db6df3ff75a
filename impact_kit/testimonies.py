"""Testimonies: people's own words, shown verbatim, escaped, and folded when long.

A testimony is never trimmed, re-cased or corrected. In HTML it is escaped, its
line breaks and spaces are kept (CSS ``white-space: pre-wrap``), and one longer
than :data:`FOLD_AT` characters shows its first characters and the rest behind a
``<details>`` element: it opens without JavaScript, and the report's print styles
unfold it.
"""

from __future__ import annotations

import re

from impact_kit.markup import render
from impact_kit.words import texts

__all__ = ["FOLD_AT", "pseudonymise", "testimony_html"]

#: Testimonies longer than this many characters are folded, as on the platform.
FOLD_AT = 300

# What pseudonymisation masks: contact details that identify a person directly.
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w+])(?:\+33\s?|0033\s?|0)[1-9](?:[\s.-]?\d{2}){4}(?!\d)")
_MASKS = {"fr": ("[courriel]", "[téléphone]"), "en": ("[e-mail]", "[phone]")}


def pseudonymise(text: str, lang: str = "fr") -> str:
    """Mask e-mail addresses and French phone numbers in a testimony.

    Everything else is kept as written. Names of people are not detected: an
    evaluator who shares reports outside the site should still read them first.
    """
    email, phone = _MASKS.get(lang, _MASKS["en"])
    return _PHONE.sub(phone, _EMAIL.sub(email, text))


def testimony_html(text: str, *, lang: str = "fr", caption: str | None = None, fold_at: int = FOLD_AT) -> str:
    """Return a testimony as an HTML ``<figure>``: verbatim, escaped, folded after ``fold_at`` characters.

    Parameters
    ----------
    text : str
        The testimony, exactly as recorded.
    lang : str
        Language of the "Lire la suite" / "Read more" control.
    caption : str, optional
        Who or what the testimony is attributed to (escaped here).
    fold_at : int
        How many characters show before the fold.

    Returns
    -------
    str
        ``<figure class="ik-testimony">`` holding a ``<blockquote>``; text longer than
        ``fold_at`` has its first ``fold_at`` characters, then
        ``<details><summary>Lire la suite</summary>`` with the rest.
    """
    head, tail = text[:fold_at], text[fold_at:]
    return str(render("testimony", head=head, tail=tail, read_more=texts(lang)["read_more"], caption=caption))
