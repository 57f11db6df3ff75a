"""*En bref*: three to five sentences that a funder reads first (issue 25, Build 1)."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup

from impact_kit.exceptions import GridError
from impact_kit.indicators.attention import attention_points
from impact_kit.indicators.site import criterion_states
from impact_kit.reports.site import SiteReport
from impact_kit.text.summary import QUOTE_WORDS, summary_quote, summary_sentences


def text_of(html: str) -> str:
    return " ".join(BeautifulSoup(html, "html.parser").get_text().split()).replace("’", "'")


def en_bref(report: SiteReport) -> str:
    soup = BeautifulSoup(str(report.summary()), "html.parser")
    return " ".join(soup.find("p", class_="ik-summary-text").get_text().split()).replace("’", "'")


def sentences(text: str) -> list[str]:
    """Split after a final stop (or a closing quote) before a capital."""
    return [s for s in re.split(r"(?<=[.!?»”])\s+(?=[A-ZÀ-Ý«“])", text.strip()) if s]


def summary(grid, years, year, lang="fr", programme=None):
    points = attention_points(grid, years, year)
    return text_of(summary_sentences(grid, years, year, lang, points=points, programme=programme).html)


def test_la_fabrique_2023_figures_actions_quote_and_no_repetition():
    said = sentences(en_bref(SiteReport.load("la-fabrique-des-possibles-exemple", 2023)))
    assert said == [
        "Les effets les plus forts de 2023 se situent au niveau « Effets individuels », d'une intensité de 5/5, "
        "au-dessus de la médiane du programme (3/5).",
        "En 2023, le site présente des effets positifs pour 10 critères sur 15 (8 pour le site médian du programme), "
        "dont 4 nouveaux depuis 2022 : Réseau de personnes, Cadre de vie et attractivité du quartier, Services "
        "publics et de proximité et Innovation publique.",
        "Il a compté 12 personnes formées ou accompagnées et 5 projets ou actions imprévus en 2023, et cite parmi ses "
        "actions « Aide alimentaire, épicerie solidaire » et « Cantine solidaire co-gérée avec le CCAS ».",
        "Parmi les textes de l'équipe du site : « Trois personnes en parcours d'insertion ont été embauchées en "
        "cuisine. »",
        "Aucun point d'attention n'est relevé en 2023.",
    ]


def test_l_atelier_2023_gives_its_27_people():
    said = en_bref(SiteReport.load("l-atelier-du-canal-exemple", 2023))
    assert "Il a compté 27 personnes formées ou accompagnées et 4 projets ou actions imprévus en 2023" in said
    assert "(autant que le site médian du programme)" in said  # 8 and 8: never "8, contre 8"


def test_a_first_year_is_a_clause_not_a_section():
    report = SiteReport.load("the-good-start", 2021)
    said = sentences(en_bref(report))
    assert (
        said[1] == "Pour sa première année d'observation, le site présente des effets positifs pour 8 critères sur 15."
    )
    assert str(report.changes()) == ""  # no "Première année d'observation" section saying it again
    assert "première fois" not in str(report.summary())


def test_coeur_de_friche_2023_says_its_points_of_attention_in_one_sentence():
    said = sentences(en_bref(SiteReport.load("coeur-de-friche-exemple", 2023, lang="en")))
    assert said[1] == (
        "In 2023, the site shows positive effects on 1 criterion out of 15 (8 for the programme's median site), "
        "against 9 in 2022: Social ties."
    )
    assert said[-1] == (
        "To follow in 2023: negative effects on Health and well-being, Sense of inclusion or exclusion and Upkeep of "
        "spaces; a fall in intensity at the level “Collective effects” (from 4/5 to 2/5); 5 positive effects of 2022 "
        "that are no longer observed."
    )
    assert len(said) == 3  # no figure, no action, no text on a positive effect that year


def _sample_reports():
    import yaml
    from conftest import ROOT

    for path in sorted((ROOT / "parameters").glob("*.yaml")):
        params = yaml.safe_load(path.read_text(encoding="utf-8"))
        yield params["site"], params["year"]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_sample_summary_is_three_to_five_sentences_naming_each_criterion_once(grid, lang):
    reports = list(_sample_reports())
    assert len(reports) == 15
    for site, year in reports:
        report = SiteReport.load(site, year, lang=lang)
        html = str(report.summary())
        block = BeautifulSoup(html, "html.parser").find("section", id="ik-summary")
        assert block.find("ul") is None, (site, year)  # no bullets repeating the paragraph
        said = en_bref(report)
        assert 3 <= len(sentences(said)) <= 5, (site, year, said)
        kit_words = said
        for user in block.select(".ik-user"):  # a quote may name anything: only the kit's words count
            kit_words = kit_words.replace(" ".join(user.get_text().split()), "")
        for criterion in grid.criteria:
            label = criterion.label(lang)
            assert kit_words.count(label) <= 1, (site, year, label, said)


def test_summary_of_a_year_without_anything(grid):
    assert sentences(summary(grid, {2022: {}}, 2022)) == [
        "Pour sa première année d'observation, le site ne signale aucun effet positif.",
        "Aucun point d'attention n'est relevé en 2022.",
    ]
    before = {"lien_social": {"publics": ["volunteers"]}, "sante": {"effects": ["better_relations"]}}
    assert sentences(summary(grid, {2022: before, 2023: {}}, 2023))[0] == (
        "En 2023, le site ne signale aucun effet positif, contre 2 critères en 2022."
    )


def test_labels_with_commas_are_quoted_in_the_list_of_new_criteria(grid):
    before = {"lien_social": {"publics": ["volunteers"]}}
    after = {
        **before,
        "gouvernance_partagee": {"practices": ["shared_bodies"]},
        "evolution_projet": {"changes": ["design"]},
    }
    said = summary(grid, {2023: before, 2024: after}, 2024, "en")
    assert "2 of them new since 2023: “Shared governance, transitional and long-term” and “Changes to the" in said


def test_figures_come_from_positive_numbers_only(grid):
    zero = {"insertion_professionnelle": {"people_count": ["0"]}, "lien_social": {"publics": ["volunteers"]}}
    assert "compté" not in summary(grid, {2022: zero}, 2022)
    one = {"insertion_professionnelle": {"people_count": ["1"]}, "capacite_agir": {"count": ["12,0"]}}
    assert "Il a compté 1 personne formée ou accompagnée et 12 projets ou actions imprévus en 2022." in summary(
        grid, {2022: one}, 2022
    )


def test_actions_are_free_answers_to_action_questions_and_never_option_labels(grid):
    answers = {
        "services_publics": {"management": ["improved"], "urgent_needs": ["Épicerie <solidaire>"]},
        "innovation_publique": {"effect": ["new_ways"], "innovation_type": ["Budget participatif", "Troisième"]},
    }
    html = summary_sentences(grid, {2022: answers}, 2022, "fr").html
    assert "il cite parmi ses actions" not in html  # no figure: the sentence opens on its own
    assert (
        'Il cite parmi ses actions <span class="ik-user">« Épicerie &lt;solidaire&gt; »</span> et '
        '<span class="ik-user">« Budget participatif »</span>.'
    ) in html  # two at most, the data's words marked and escaped


def test_the_quote_is_the_shortest_whole_text_on_a_positive_effect(grid):
    long = " ".join(["mot"] * (QUOTE_WORDS + 1)) + "."
    extract = "Un texte coupé " + "x" * 300 + "…"
    answers = {
        "lien_social": {"publics": ["volunteers"], "testimony": ["Une phrase assez longue ici.", long, extract]},
        "solidarite": {"exchange_types": ["goods"], "testimony": ["Court mais entier."]},
        "sante": {"effects": ["discomfort"], "testimony": ["Plus court."]},  # a negative effect: never the quote
    }
    assert summary_quote(grid, answers, criterion_states(grid, answers)) == "Court mais entier."
    assert summary_quote(grid, {"sante": answers["sante"]}, criterion_states(grid, {"sante": answers["sante"]})) is None


def test_an_english_summary_keeps_the_data_s_words_in_french(grid):
    answers = {"innovation_publique": {"effect": ["new_ways"], "innovation_type": ["Budget participatif"]}}
    html = summary_sentences(grid, {2022: answers}, 2022, "en").html
    assert '<span class="ik-user" lang="fr">“Budget participatif”</span>' in html


def test_a_grid_figure_takes_only_its_value(tmp_path):
    import yaml
    from conftest import ROOT

    from impact_kit.grid.file import load_grid

    doc = yaml.safe_load((ROOT / "impact_kit" / "grids" / "commune_mesure.yaml").read_text(encoding="utf-8"))
    question = doc["levels"][0]["criteria"][2]["questions"][0]
    assert question["id"] == "people_count"
    question["figure"]["fr"] = "{count} personnes"
    path = tmp_path / "grid.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(GridError, match=r"`figure`, `fr`: names \['count'\]; use only \['value'\]"):
        load_grid(path)
