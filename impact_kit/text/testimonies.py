"""Testimonies: people's own words, shown verbatim, escaped, and folded when long.

A testimony is never trimmed, re-cased or corrected. In HTML it is escaped, its
line breaks and spaces are kept (CSS ``white-space: pre-wrap``), and a long one
shows its first words (up to :data:`FOLD_AT` characters, cut at a space) and the
rest behind a ``<details>`` element: it opens without JavaScript, reads as one text
once open (CSS turns "Lire la suite" into "Réduire"), and the report's print styles
unfold it. It folds only when at least :data:`MIN_HIDDEN` characters would be hidden.

A platform's preview (:func:`is_extract`: cut by the platform, ending in "..." or "…")
is shown whole, with a note that the source holds only an extract: folding it would
hide two dots behind "Lire la suite".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from impact_kit.render.markup import render
from impact_kit.text.masking import Name, redact
from impact_kit.words import texts

__all__ = ["EXTRACT_AT", "FOLD_AT", "MIN_HIDDEN", "fold", "is_extract", "pseudonymise", "testimony_html"]

#: At most this many characters show before the fold, as on the platform.
FOLD_AT = 300
#: A testimony folds only when at least this many characters would be hidden; shorter, it shows whole.
MIN_HIDDEN = 100
#: Commune Mesure publishes the first 300 characters of a testimony and "...": a text of at
#: least this length ending in "..." or "…" is taken for such an extract.
EXTRACT_AT = 297


def pseudonymise(text: str, lang: str = "fr", *, names: Iterable[Name | str] | None = None) -> str:
    """Mask e-mail addresses, French phone numbers and the given names in a testimony.

    Everything else is kept as written. This is pseudonymisation, not anonymisation:
    see :func:`impact_kit.text.masking.redact`, which also counts the replacements, and
    :func:`impact_kit.data.redactions.load_redactions` for the names of ``data/redact.csv``.
    """
    return redact(text, lang=lang, names=names or ()).text


def is_extract(text: str) -> bool:
    """Return whether a testimony is a platform's preview: :data:`EXTRACT_AT` characters or more ending in "…".

    Commune Mesure's pages publish only the beginning of a long testimony; its importer
    keeps that text verbatim, so the report recognises the extract by its end.
    """
    end = text.rstrip()
    return len(end) >= EXTRACT_AT and end.endswith(("...", "…"))


def fold(text: str, *, fold_at: int = FOLD_AT, min_hidden: int = MIN_HIDDEN) -> tuple[str, str]:
    """Split a testimony into what shows and what folds: ``head + tail == text``.

    The cut is at the last space (or line break) within the first ``fold_at``
    characters, so no word is split; the tail is empty (nothing folds) when it
    would hide fewer than ``min_hidden`` characters.
    """
    if len(text) - fold_at < min_hidden:
        return text, ""
    cut = max(text.rfind(" ", 0, fold_at + 1), text.rfind("\n", 0, fold_at + 1))
    if cut <= 0:
        cut = fold_at  # one word of 300 characters: cut it, the tail still shows it whole
    head, tail = text[:cut], text[cut:]
    return (head, tail) if len(tail.strip()) >= min_hidden else (text, "")


def testimony_html(
    text: str,
    *,
    lang: str = "fr",
    caption: str | None = None,
    fold_at: int = FOLD_AT,
    extract: bool | None = None,
    words: Mapping[str, Any] | None = None,
) -> str:
    """Return a testimony as an HTML ``<figure>``: verbatim, escaped, folded at a space when long.

    Parameters
    ----------
    text : str
        The testimony, exactly as recorded.
    lang : str
        Language of the "Lire la suite" / "Read more" control and of the extract note.
    caption : str, optional
        Who or what the testimony is attributed to (escaped here).
    fold_at : int
        At most how many characters show before the fold (see :func:`fold`).
    extract : bool, optional
        Whether the text is a platform's extract; :func:`is_extract` of ``text`` by default
        (pass it when ``text`` was pseudonymised, which changes its length).
    words : mapping, optional
        The report's words (a grid's own, :meth:`impact_kit.grid.model.Grid.texts`); the kit's by default.

    Returns
    -------
    str
        ``<figure class="ik-testimony">`` holding a ``<blockquote>``: the text's head,
        then, if it folds, ``<details class="ik-more">`` whose summary reads "Lire la suite"
        closed and "Réduire" open, with the rest. An extract shows whole, with a
        ``<p class="ik-note">`` saying so.
    """
    words = words or texts(lang)
    extract = is_extract(text) if extract is None else extract
    head, tail = (text, "") if extract else fold(text, fold_at=fold_at)
    return str(
        render(
            "testimony",
            head=head,
            tail=tail,
            read_more=words["read_more"],
            read_less=words["read_less"],
            note=words["extract_note"] if extract else "",
            caption=caption,
        )
    )
