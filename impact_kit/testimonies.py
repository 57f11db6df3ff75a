"""Testimonies: people's own words, shown verbatim, escaped, and folded when long.

A testimony is never trimmed, re-cased or corrected. In HTML it is escaped, its
line breaks and spaces are kept (CSS ``white-space: pre-wrap``), and one longer
than :data:`FOLD_AT` characters shows its first characters and the rest behind a
``<details>`` element: it opens without JavaScript, and the report's print styles
unfold it.
"""

from __future__ import annotations

from collections.abc import Iterable

from impact_kit.markup import render
from impact_kit.redaction import Name, redact
from impact_kit.words import texts

__all__ = ["FOLD_AT", "pseudonymise", "testimony_html"]

#: Testimonies longer than this many characters are folded, as on the platform.
FOLD_AT = 300


def pseudonymise(text: str, lang: str = "fr", *, names: Iterable[Name | str] | None = None) -> str:
    """Mask e-mail addresses, French phone numbers and the given names in a testimony.

    Everything else is kept as written. This is pseudonymisation, not anonymisation:
    see :func:`impact_kit.redaction.redact`, which also counts the replacements, and
    :func:`impact_kit.redaction.load_redactions` for the names of ``data/redact.csv``.
    """
    return redact(text, lang=lang, names=names or ()).text


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
