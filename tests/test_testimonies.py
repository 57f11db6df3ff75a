from __future__ import annotations

import html

import markupsafe
import pytest

from impact_kit.text import testimonies
from impact_kit.text.testimonies import FOLD_AT, MIN_HIDDEN, is_extract, pseudonymise

# Not imported by name: pytest would collect a function called test...
render = testimonies.testimony_html

LONG = ("Au début, les voisines passaient sans entrer. " * 20)[:868]


def visible_text(markup: str) -> str:
    """The testimony's own text: its verbatim spans, unescaped, in order."""
    import re

    return "".join(html.unescape(m) for m in re.findall(r'<span class="ik-verbatim">(.*?)</span>', markup, re.S))


def test_short_testimony_is_escaped_and_whole():
    text = 'Elle a dit : "<b>merci</b>" & est partie.\n  Deuxième ligne  '
    markup = render(text, caption="Lien social, 2021")
    assert "<details" not in markup
    assert str(markupsafe.escape(text)) in markup  # Jinja escapes quotes too (&#34;)
    assert visible_text(markup) == text
    assert "<b>" not in markup
    assert "<figcaption>Lien social, 2021</figcaption>" in markup


def parts(markup: str) -> tuple[str, str]:
    """The text shown before the fold and the text behind it."""
    if "<details" not in markup:
        return visible_text(markup), ""
    head, rest = markup.split("<details", 1)
    return visible_text(head), visible_text("<details" + rest)


def test_long_testimony_folds_at_a_word_boundary():
    """The "Why": the fold cut at exactly 300 characters, mid-word ("voisines pas|saient")."""
    head, tail = parts(render(LONG))
    assert head + tail == LONG
    assert len(head) <= FOLD_AT and LONG[len(head)] == " " and not head.endswith(" ")
    assert LONG[:300][-1] != " " and len(head) < 300  # 300 falls inside a word here
    assert len(tail) >= MIN_HIDDEN


def test_open_state_reads_as_one_text_and_says_reduire():
    """The "Why": once opened the summary still said "Lire la suite" and the "…" stayed outside it."""
    markup = render(LONG)
    details = markup[markup.index("<details") :]
    summary = details[: details.index("</summary>")]
    assert '<span class="ik-closed">Lire la suite</span>' in summary
    assert '<span class="ik-open">Réduire</span>' in summary
    assert "…" in summary and "…" not in markup[: markup.index("<details")]  # hidden with the summary when open
    assert "Show less" in render(LONG, lang="en")


@pytest.mark.parametrize(
    ("length", "folds"), [(FOLD_AT, False), (FOLD_AT + MIN_HIDDEN - 1, False), (FOLD_AT + MIN_HIDDEN + 20, True)]
)
def test_folds_only_when_enough_is_hidden(length, folds):
    text = ("mot " * 200)[:length]
    head, tail = parts(render(text))
    assert head + tail == text
    assert bool(tail) is folds


def test_fold_boundary_and_english():
    assert "<details" not in render("x" * FOLD_AT)
    assert "<summary>" not in render("x" * (FOLD_AT + 1), lang="en")  # 1 character hidden: shown whole
    assert ">Read more</span>" in render("word " * 100, lang="en")


def test_a_word_longer_than_the_fold_is_cut_and_kept():
    text = "x" * 500
    head, tail = parts(render(text))
    assert (head, tail) == (text[:FOLD_AT], text[FOLD_AT:])


PREVIEW = ("Situés le long du canal de l'Ourcq, nous accompagnons les indépendants du territoire. " * 4)[:299] + "..."


def test_platform_preview_is_shown_whole_with_a_note():
    """The "Why": the 302-character preview was folded and "Lire la suite" revealed ".."."""
    assert len(PREVIEW) == 302 and is_extract(PREVIEW)
    markup = render(PREVIEW, caption="Lien social, 2021")
    assert "<details" not in markup and visible_text(markup) == PREVIEW
    assert '<p class="ik-note">Extrait : la source ne publie que le début de ce témoignage.</p>' in markup
    assert "the source publishes only the beginning" in render(PREVIEW, lang="en")


@pytest.mark.parametrize(
    ("text", "extract"),
    [
        (PREVIEW, True),
        (PREVIEW[:-3] + "…", True),
        ("Court et fini...", False),  # short: the writer's own ellipsis
        (PREVIEW[:-3] + ".", False),
        (LONG, False),
    ],
)
def test_is_extract(text, extract):
    assert is_extract(text) is extract


def test_an_extract_can_be_named_explicitly():
    """Pseudonymising shortens a text: the caller says it was an extract."""
    assert "ik-note" in render("court", extract=True)
    assert "ik-note" not in render(PREVIEW, extract=False) and "<details" not in render(PREVIEW, extract=False)


def test_caption_is_escaped():
    assert "<figcaption>A &lt;b&gt;</figcaption>" in render("t", caption="A <b>")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Écrivez à marie.dupont@example.org ou au 06 12 34 56 78.", "Écrivez à [courriel] ou au [téléphone]."),
        ("Tel +33 6 12 34 56 78, 01.23.45.67.89", "Tel [téléphone], [téléphone]"),
        ("En 2021, 300 personnes; réf 1234567890123", "En 2021, 300 personnes; réf 1234567890123"),
    ],
)
def test_pseudonymise_masks_contacts_only(text, expected):
    assert pseudonymise(text) == expected


def test_pseudonymise_english_masks():
    assert pseudonymise("a@b.fr 0612345678", "en") == "[e-mail] [phone]"
