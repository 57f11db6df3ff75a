"""French typography (issue 25, Build 6): the kit's words set by the Imprimerie nationale's rules, the data's as written."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup

from impact_kit.render.typography import NBSP, NNBSP, typeset, typeset_html


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("l'image du quartier n'a pas changé", "l’image du quartier n’a pas changé"),
        ("Mots-clés : entraide.", f"Mots-clés{NBSP}: entraide."),
        ("En bref: oui", f"En bref{NBSP}: oui"),
        ("il y avait moins ; il y a plus", f"il y avait moins{NNBSP}; il y a plus"),
        ("Vraiment ?", f"Vraiment{NNBSP}?"),
        ("« Effets individuels »", f"«{NNBSP}Effets individuels{NNBSP}»"),
        ("100 % des sites", f"100{NBSP}% des sites"),
        ("(atelier, marché...)", "(atelier, marché…)"),
        ("Figure 1 : Intensité, 10:30", f"Figure 1{NBSP}: Intensité, 10:30"),
    ],
)
def test_typeset_follows_the_french_rules(text, expected):
    assert typeset(text, "fr") == expected
    assert typeset(text, "en") == text  # English is left as it is


def test_typeset_html_leaves_the_data_s_words_tags_and_entities_alone():
    page = (
        "<title>L'Atelier : 2023</title><p>L'image : "
        '<span class="ik-user">l\'usage : « tel quel »...</span> et l&#39;autre &amp; '
        '<strong>d\'un</strong> : <a href="x?a=1;b=2">lien</a></p>'
        '<figure><blockquote class="ik-user" lang="fr"><span>C\'est <em>bien</em> !</span></blockquote>'
        "<figcaption>Texte de l'équipe</figcaption></figure><svg><text>d'une</text></svg><br><p>aujourd'hui</p>"
    )
    got = typeset_html(page, "fr")
    assert "<title>L'Atelier : 2023</title>" in got  # the page's title may hold a name
    assert '<span class="ik-user">l\'usage : « tel quel »...</span>' in got  # the data's words, as written
    assert "C'est <em>bien</em> !</span></blockquote>" in got
    assert f"<p>L’image{NBSP}: " in got and "l’autre &amp; " in got and f"</strong>{NBSP}: " in got
    assert '<a href="x?a=1;b=2">lien</a>' in got  # attributes are never touched
    assert "<figcaption>Texte de l’équipe</figcaption>" in got and "<p>aujourd’hui</p>" in got
    assert "<text>d'une</text>" in got  # charts are drawn text, set in their data tables
    assert typeset_html(page, "en") == page


def test_an_exported_french_page_sets_the_kit_s_words_and_keeps_testimonies_verbatim(good_start):
    _, html, _ = good_start
    soup = BeautifulSoup(html, "html.parser")  # the session's soup is shared: work on a copy
    for user in soup.select(".ik-user"):
        user.decompose()
    for drawn in soup.select("svg, style, script, title"):
        drawn.decompose()
    kit = soup.find("main").get_text("")
    assert "'" not in kit, re.findall(r".{20}'.{20}", kit)[:5]
    assert not re.search(r"\w :|« | »", kit)
    assert "n'ont plus" not in kit  # nor anywhere in the kit's words
    # The testimonies are still as recorded (test_export.py checks them one by one).
    assert "Nous répondons quot..." in html
