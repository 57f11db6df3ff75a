from __future__ import annotations

import html

import markupsafe
import pytest

from impact_kit import testimonies
from impact_kit.testimonies import FOLD_AT, pseudonymise

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


def test_long_testimony_folds_after_300_characters():
    markup = render(LONG)
    head, rest = markup.split("<details", 1)
    assert visible_text(head) == LONG[:300]
    assert "<summary>Lire la suite</summary>" in rest
    assert visible_text("<details" + rest) == LONG[300:]
    assert visible_text(markup) == LONG


def test_fold_boundary_and_english():
    assert "<details" not in render("x" * FOLD_AT)
    assert "<summary>Read more</summary>" in render("x" * (FOLD_AT + 1), lang="en")


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
