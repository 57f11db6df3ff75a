"""Méthode et limites (issue 25, Build 5): every site report and portfolio says how to read it."""

from __future__ import annotations

import pytest
import yaml
from bs4 import BeautifulSoup
from conftest import ROOT, SAMPLE

from impact_kit.reports.portfolio import PortfolioReport
from impact_kit.reports.site import SiteReport


def sentences(html) -> list[str]:
    return [li.get_text() for li in BeautifulSoup(str(html), "html.parser").select("#ik-method li")]


def _samples():
    for path in sorted((ROOT / "parameters").glob("*.yaml")):
        params = yaml.safe_load(path.read_text(encoding="utf-8"))
        yield params["site"], int(params["year"])


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_sample_site_report_says_its_method_and_limits(lang):
    words = {
        "fr": ("déclarées par l'équipe", "ne veut pas dire « aucun effet »", "notée par le site lui-même"),
        "en": ("declares its own answers", "does not mean “no effect”", "rated by the site itself"),
    }[lang]
    for site, year in _samples():
        said = " ".join(sentences(SiteReport.load(site, year, lang=lang).method()))
        assert all(w in said for w in words), (site, year, said)


def test_the_method_names_what_the_comparisons_rest_on_and_what_was_not_asked():
    good = sentences(SiteReport.load("the-good-start", 2021).method())
    assert (
        "Aucune comparaison avec d'autres sites : il en faut au moins 5 observés la même année, et le dossier de données en compte 4 en 2021."
        in good
    )
    assert any(
        s.startswith("Le questionnaire d'origine ne posait pas les critères « Gouvernance partagée") for s in good
    )
    assert good[-1] == "Les réponses viennent du fichier observations-commune-mesure.csv."
    fabrique = sentences(SiteReport.load("la-fabrique-des-possibles-exemple", 2023).method())
    assert (
        "Les comparaisons avec le programme portent sur les 5 sites du dossier de données observés en 2023." in fabrique
    )
    assert not any("ne posait pas" in s for s in fabrique)


def test_the_portfolio_says_each_year_holds_other_sites_and_to_read_counts():
    said = sentences(PortfolioReport.load(2023, data=SAMPLE).method())
    assert "(2021 : 4 sites sur 7, 2022 : 5 sites sur 7 et 2023 : 5 sites sur 7)" in said[3]
    # The portfolio's own points (issue 27, Build 4): the same sites for changes, totals, small numbers.
    assert said[4].startswith("Les évolutions d’une année à l’autre") and "observés les deux années" in said[4]
    assert said[5].startswith("Les totaux additionnent les nombres donnés par les sites")
    assert said[-1].startswith("Petits nombres : sous 10 sites, une part se dit en nombre de sites")
    english = sentences(PortfolioReport.load(2023, data=SAMPLE, lang="en").method())
    assert (
        english[3]
        == "The sites' texts, keywords and other free answers stay in their original language, French, as written."
    )
    assert english[4].startswith("Each year covers the sites that answered that year (2021: 4 sites of 7,")


def test_the_exported_page_ends_with_its_method(good_start):
    _, _, soup = good_start
    method = soup.select_one("section#ik-method")
    assert method is not None and method.h2.get_text() == "Méthode et limites"
    assert soup.select("main section")[-1] is method or soup.select_one("#ik-method ~ section") is None
    assert any(a["href"] == "#ik-method" for a in soup.select("nav.ik-toc a"))
