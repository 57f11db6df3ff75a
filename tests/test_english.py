"""English reports: no French word in the kit's own text (issue 25, Build 8)."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup

from impact_kit.reports.site import CHARTS, SiteReport

#: Words only French writes (articles, prepositions, pronouns, auxiliaries, the grid's French nouns); words both
#: languages write ("a", "on", "en") are not listed.
FRENCH = {
    "le", "la", "les", "des", "du", "de", "et", "est", "sont", "pour", "avec", "une", "un", "dans", "sur", "qui",
    "que", "aux", "au", "ce", "cette", "ces", "son", "sa", "ses", "leur", "leurs", "pas", "plus", "ont", "été",
    "effets", "critère", "critères", "niveau", "année", "publics", "témoignage", "quartier", "mots-clés",
}  # fmt: skip


def kit_words(report: SiteReport) -> list[str]:
    """The words of the page that are the kit's: every section, the data's words (``ik-user``) left out."""
    parts = [report.header(), report.summary(), report.changes(), report.heading("charts")]
    parts += [report.chart(name) for name in CHARTS] + [report.levels(), report.method()]
    soup = BeautifulSoup("".join(map(str, parts)), "html.parser")
    for element in soup.select(".ik-user, style, script"):
        element.decompose()
    return re.findall(r"[\w’'-]+", soup.get_text(" ").lower().replace("’", "'"))


def test_the_check_finds_a_french_word():
    report = SiteReport.load("the-good-start", 2021, lang="en")
    assert FRENCH & set(kit_words(report)) == set()
    assert {"et"} <= FRENCH & set(["keywords", "et", "trust"])


@pytest.mark.parametrize(("site", "year"), [("the-good-start", 2021), ("la-fabrique-des-possibles-exemple", 2023)])
def test_an_english_report_has_no_french_word_in_the_kit_s_text(site, year):
    words = kit_words(SiteReport.load(site, year, lang="en"))
    assert len(words) > 500
    found = sorted(FRENCH & set(words))
    assert found == [], found


def test_an_english_report_says_once_that_quotes_stay_in_french():
    said = BeautifulSoup(str(SiteReport.load("the-good-start", 2021, lang="en").method()), "html.parser").get_text()
    assert said.count("original language, French, as written") == 1
