from __future__ import annotations

import re

import pytest
from test_summary import _sample_reports

from impact_kit.indicators.site import changes_between
from impact_kit.text.changes import changes_statements
from impact_kit.text.narrative import (
    criterion_statements,
    level_statements,
)


def say(grid, criterion, lang="fr", **answers):
    """The criterion's sentences as plain text, list items after a ' | '."""
    out = []
    for statement in criterion_statements(grid.criterion(criterion), answers, lang):
        text = re.sub(r"<[^>]+>", "", statement.html)
        out.append(" | ".join([text, *statement.items]) if statement.items else text)
    return out


def test_every_sentence_of_the_grid_renders_in_both_languages(grid):
    """Each template, each plural form: answered with its first option (or a number), it says something."""
    for criterion in grid.criteria:
        for sentence in criterion.sentences:
            answers = {}
            for qid in sentence.placeholders() | {q for q in (sentence.list, sentence.count) if q}:
                question = criterion.question(qid)
                answers[qid] = [question.options[0].id] if question.options else ["Texte libre"]
            for qid, ids in sentence.when.items():
                answers[qid] = [ids[0]]
            for count in ["0", "1", "7", "plusieurs"] if sentence.count else [None]:
                if count is not None:
                    answers[sentence.count] = [count]
                for lang in ("fr", "en"):
                    said = criterion_statements(criterion, answers, lang)
                    assert said, (criterion.id, sentence, count, lang)
                    assert all("{" not in s.html and "**" not in s.html for s in said)


def test_lien_social_in_the_seed_wording(grid):
    said = say(
        grid,
        "lien_social",
        publics=["visitors", "local_actors"],
        frequency=["daily"],
        contexts=["daily_life", "public_events", "dedicated_activities"],
    )
    assert said == [
        "Des interactions sociales ont été observées entre différents publics : | visiteur·se·s grand public | actrices et acteurs du quartier",
        "Ces échanges ont été constatés dans la vie quotidienne du projet, lors d'évènements grand public et lors d'activités avec des publics dédiés.",
        "Ces rencontres ont lieu au quotidien.",
    ]
    assert say(grid, "lien_social", "en", frequency=["weekly"]) == ["These encounters happen at least once a week."]


@pytest.mark.parametrize(
    ("count", "fr", "en"),
    [
        (
            "1",
            "1 nouveau projet ou action (atelier, évènement, marché…) imprévu porté par des résident·e·s a émergé.",
            "1 new, unplanned project or action (workshop, event, market…) carried by residents emerged.",
        ),
        (
            "3",
            "3 nouveaux projets ou actions (atelier, évènement, marché…) imprévus portés par des résident·e·s ont émergé.",
            "3 new, unplanned projects or actions (workshops, events, markets…) carried by residents emerged.",
        ),
        ("0", "Aucun nouveau projet ou action imprévu n'a émergé.", "No new, unplanned project or action emerged."),
        (
            "plusieurs",
            "Des nouveaux projets ou actions (atelier, évènement, marché…) imprévus portés par des résident·e·s ont émergé (nombre indiqué : « plusieurs »).",
            "New, unplanned projects or actions (workshops, events, markets…) carried by residents emerged (number given: “plusieurs”).",
        ),
    ],
)
def test_capacite_agir_singular_plural_zero_unknown(grid, count, fr, en):
    assert say(grid, "capacite_agir", count=[count], carried_by=["residents"]) == [fr]
    assert say(grid, "capacite_agir", "en", count=[count], carried_by=["residents"]) == [en]


def test_capacite_agir_without_number_or_without_carriers(grid):
    assert say(grid, "capacite_agir", carried_by=["regulars"]) == [
        "Des nouveaux projets ou actions (atelier, évènement, marché…) imprévus portés par des bénévoles ou des personnes fréquentant régulièrement le lieu ont émergé."
    ]
    assert say(grid, "capacite_agir", count=["2"]) == [
        "2 nouveaux projets ou actions (atelier, évènement, marché…) imprévus ont émergé."
    ]


@pytest.mark.parametrize(
    ("management", "start"),
    [
        ("new_spaces_not_maintained", "Les nouveaux espaces ouverts par le projet ne sont pas nettoyés"),
        (
            "unchanged",
            "Le projet n'a rien changé dans la gestion urbaine des espaces existants par les services des collectivités ou de leurs partenaires (ramassage des ordures, propreté, entretien, sécurité…).",
        ),
        ("improved", "Grâce au projet, la gestion urbaine"),
        ("overload_adapted", "Les services des collectivités ou de leurs partenaires ont dû s'adapter"),
    ],
)
def test_services_publics_four_branches(grid, management, start):
    [said] = say(grid, "services_publics", management=[management])
    assert said.startswith(start)


def test_services_publics_urgent_needs_free_text_is_lowered_like_the_platform(grid):
    said = say(grid, "services_publics", urgent_needs=["Cours du soir, aide aux devoirs, ateliers informatiques"])
    assert said == [
        "Des besoins sociaux urgents du territoire ont trouvé une réponse : cours du soir, aide aux devoirs, ateliers informatiques."
    ]


@pytest.mark.parametrize(
    ("effect", "fr"),
    [
        ("no", "La collaboration avec les partenaires publics et privés n'a pas fait évoluer les modes de faire."),
        (
            "new_ways",
            "La collaboration avec les partenaires publics et privés a permis d'améliorer ou expérimenter de nouveaux modes de faire.",
        ),
        (
            "new_ways_difficult",
            "La collaboration avec les partenaires publics et privés a permis d'améliorer ou expérimenter de nouveaux modes de faire, mais cela a été difficile à mettre en œuvre (surcharge de travail, réorganisation).",
        ),
    ],
)
def test_innovation_publique_three_branches(grid, effect, fr):
    assert say(grid, "innovation_publique", effect=[effect]) == [fr]
    assert say(grid, "innovation_publique", "en", effect=[effect])[0].startswith("The collaboration")


def test_appartenance_branches(grid):
    assert say(grid, "appartenance_exclusion", belonging=["belonging"]) == [
        "On observe que certaines personnes se sentent faire partie d'un groupe autour du projet."
    ]
    assert say(grid, "appartenance_exclusion", belonging=["exclusion"]) == [
        "On observe que certaines personnes ont le sentiment d'être exclues."
    ]
    assert say(grid, "appartenance_exclusion", belonging=["none"]) == [
        "Aucun sentiment d'appartenance à un groupe ou d'exclusion n'a été observé."
    ]


def test_entretien_des_espaces_both_branches(grid):
    assert say(grid, "entretien_des_espaces", effect=["positive"], positive_types=["attractiveness", "respect"]) == [
        "Le projet a eu des effets positifs sur l'entretien des espaces, notamment sur : | l'attractivité des espaces | le respect des espaces par les usager·e·s"
    ]
    assert say(grid, "entretien_des_espaces", effect=["positive"]) == [
        "Le projet a eu des effets positifs sur l'entretien des espaces."
    ]
    assert say(grid, "entretien_des_espaces", effect=["negative"], negative_types=["damage", "Bruit la nuit"]) == [
        "Le projet a eu des effets négatifs sur l'entretien des espaces : | des dégradations des espaces | "
        '<span class="ik-user">bruit la nuit</span>'  # the site's own words, marked; the option's label is the kit's
    ]
    assert say(grid, "entretien_des_espaces", effect=["negative"]) == [
        "Le projet a eu des effets négatifs sur l'entretien des espaces."
    ]
    assert say(grid, "entretien_des_espaces", effect=["none"]) == [
        "Aucun effet du projet sur l'entretien des espaces n'a été observé."
    ]


def test_cadre_de_vie_no_says_what_was_answered(grid):
    # "answered no" says so (issue 24): never "no observation", and never the kinds of change it contradicts.
    assert say(grid, "cadre_de_vie", image_changed=["no"], image_change_type=["more_attractive"]) == [
        "Le projet n'a pas changé l'image du quartier."
    ]
    assert say(grid, "cadre_de_vie", image_changed=["yes"]) == ["L'image du quartier a évolué avec le projet."]
    assert say(grid, "cadre_de_vie", "en", image_changed=["yes"], image_change_type=["more_attractive"]) == [
        "The project changed the image of the neighbourhood: the neighbourhood became more attractive."
    ]


def test_solidarite_and_reseaux_as_in_the_seed(grid):
    assert say(grid, "solidarite", exchange_types=["spaces"], publics=["local_actors", "site_workers"]) == [
        "Des échanges, dons ou mutualisations portant sur des espaces ont été observés entre : | actrices et acteurs du quartier | personnes travaillant sur le site"
    ]
    assert say(grid, "reseaux", network_types=["thematic"], publics=["site_workers"]) == [
        "La création de réseaux de personnes autour d'une thématique a été observée entre personnes travaillant sur le site."
    ]


@pytest.mark.parametrize(("n", "fr"), [("0", "Aucune personne n'a"), ("1", "1 personne a"), ("12", "12 personnes ont")])
def test_insertion_people_count(grid, n, fr):
    assert say(grid, "insertion_professionnelle", people_count=[n])[0].startswith(fr)


def test_egalite_and_urban_project(grid):
    assert say(grid, "egalite_femmes_hommes", "en", team=["as_many"], publics=["more_women"]) == [
        "In the management and animation team there are as many women as men.",
        "Among the groups there are more women than men.",
    ]
    assert say(grid, "metiers_emergents", count=["1"]) == ["1 mission ou métier émergent a été repéré."]
    assert say(grid, "evolution_projet", changes=["diagnosis", "design"]) == [
        "L'occupation temporaire a fait évoluer le diagnostic du site et le dessin des espaces du projet urbain."
    ]


def test_testimonies_are_not_sentences(grid):
    assert say(grid, "sante", testimony=["Bonjour"]) == []


def test_level_opens_with_intensity_and_keywords(grid):
    level = grid.level("effets_collectifs")
    said = level_statements(level, {"intensity": ["4"], "keywords": ["entraide", "réseau <local>"]}, "fr")
    assert [s.html for s in said] == [
        "Intensité des effets : <strong>4/5</strong>.",
        'Mots-clés : <span class="ik-user">entraide</span>, <span class="ik-user">réseau &lt;local&gt;</span>.',
    ]


def test_changes_appeared_disappeared_intensity(grid):
    before = {
        "lien_social": {"publics": ["volunteers"]},
        "sante": {"effects": ["better_relations"]},
        "effets_individuels": {"intensity": ["2"]},
        "effets_collectifs": {"intensity": ["4"]},
    }
    after = {
        "lien_social": {"publics": ["volunteers", "visitors"]},
        "reseaux": {"testimony": ["x"]},
        "effets_individuels": {"intensity": ["3"]},
        "effets_collectifs": {"intensity": ["2"], "keywords": ["entraide", "réseau"]},
    }
    changes = changes_between(grid, before, after, previous=2021, year=2022)
    assert [(c.criterion.id, c.status) for c in changes.criteria] == [
        ("lien_social", "changed"),
        ("sante", "disappeared"),
        ("reseaux", "appeared"),
    ]
    said = changes_statements(grid, changes, "fr")
    assert [s.lead for s in said] == ["Effets individuels", "Effets collectifs", ""]  # told by level
    assert [s.html for s in said] == [
        # a positive effect gone first, then the intensity (a step of 1), then one sentence per other criterion
        "En 2022, plus aucun effet positif n'est observé pour le critère Santé. "
        "De 2/5 en 2021, l'intensité des effets est passée à <strong>3/5</strong> en 2022. "
        "Un nouveau public a pris part aux interactions sociales en 2022 : visiteur·se·s grand public.",
        "De 4/5 en 2021, l'intensité des effets est retombée à <strong>2/5</strong> en 2022. "  # a step of 2 first
        "Des effets positifs apparaissent en 2022 pour le critère Réseau de personnes.",  # level 2: the other way
        "Des mots-clés nouveaux qualifient l'année 2022 : "  # keywords grouped in one sentence, the site's words
        '<span class="ik-user">« entraide »</span> et <span class="ik-user">« réseau »</span>.',
    ]
    same = changes_between(grid, before, before, previous=2021, year=2022)
    assert [s.html for s in changes_statements(grid, same, "en")] == [
        "No notable change in the observed effects since 2021."
    ]


# --- The "Why": La Fabrique des Possibles 2023, "Évolutions depuis 2022" ---------------------------------


def sentences(text: str) -> list[str]:
    """Split a paragraph into sentences: after a final stop, before a capital, a digit or a quote."""
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-ZÀ-Ý0-9«“])", text.strip()) if s]


def _sentences_of(html_text: str) -> list[str]:
    """The visible sentences of a section (its paragraphs and list items), as plain text."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html_text, "html.parser")
    paragraphs = [" ".join(el.get_text().split()) for el in soup.find_all(["p", "li"])]
    return [s for p in paragraphs for s in sentences(p)]


@pytest.fixture(scope="module")
def fabrique_changes():
    from impact_kit.reports.site import SiteReport

    return {
        lang: _sentences_of(str(SiteReport.load("la-fabrique-des-possibles-exemple", 2023, lang=lang).changes()))
        for lang in ("fr", "en")
    }


def test_why_yes_no_is_never_said_alone(fabrique_changes):
    """Was: "Cadre de vie et attractivité du quartier : oui"."""
    for said in fabrique_changes.values():
        assert not any(re.search(r"(: |^)(oui|yes|non|no)\.?$", s) for s in said), said
    assert any("Cadre de vie et attractivité du quartier" in s for s in fabrique_changes["fr"])


def test_why_two_questions_are_never_one_list(fabrique_changes):
    """Was: "Solidarité : compétences et publics en difficulté" (what was exchanged and who, as one list)."""
    for s in fabrique_changes["fr"]:
        assert not ("compétences" in s and "publics en difficulté" in s), s
    assert any("compétences" in s for s in fabrique_changes["fr"])  # one sentence per criterion: its first change


def test_why_free_text_is_quoted_never_glued_into_a_list(fabrique_changes):
    """Was: "... s'est améliorée et Aide alimentaire, épicerie solidaire"."""
    said = " ".join(fabrique_changes["fr"])
    assert "et Aide alimentaire" not in said and "and Aide alimentaire" not in " ".join(fabrique_changes["en"])
    assert "et Cantine solidaire" not in said


def test_why_a_frequency_that_changed_is_a_transition(fabrique_changes):
    """Was: "au quotidien" in a list of new effects, and "au moins une fois par semaine" as gone."""
    fr = [s for s in fabrique_changes["fr"] if "au quotidien" in s or "une fois par semaine" in s]
    assert len(fr) == 1 and "au quotidien" in fr[0] and "au moins une fois par semaine" in fr[0] and "2022" in fr[0]
    en = [s for s in fabrique_changes["en"] if "daily" in s or "once a week" in s]
    assert len(en) == 1 and "daily" in en[0] and "at least once a week" in en[0] and "2022" in en[0]


def test_why_every_change_is_a_whole_sentence(fabrique_changes, grid):
    for lang, said in fabrique_changes.items():
        labels = [c.label(lang) for c in grid.criteria]
        assert said
        for s in said:
            assert s[0].isupper() and s.endswith((".", "?", "!")), s
            assert not any(s.startswith((f"{label} :", f"{label}:")) for label in labels), s


# --- Every sample report ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_sample_report_changes_are_whole_sentences_and_summary_a_paragraph(grid, lang):
    """The issue's acceptance, on all 15 site-years of parameters/*.yaml, in process."""
    from impact_kit.reports.site import SiteReport

    labels = [c.label(lang) for c in grid.criteria]
    verbs = {"fr": r"\b(est|sont|a|ont|n'a|n'ont|qualifie|qualifient|présente|présentait|avait|avaient|était|"
                   r"forment|s'est|apparaissent|présentent|compte|expriment)\b",
             "en": r"\b(is|are|was|were|has|have|had|took|joined|rose|fell|became|describes?|shows?|happen|happened|"
                   r"form|take|went|met|appear|counts|express|\w{3,}ed)\b"}[lang]  # fmt: skip
    reports = list(_sample_reports())
    assert len(reports) == 15
    for site, year in reports:
        report = SiteReport.load(site, year, lang=lang)
        said = _sentences_of(str(report.changes()))
        assert bool(said) == (report.previous is not None), (site, year)  # a first year has no section
        for s in said:
            assert s[0].isupper() and s.endswith("."), (site, year, s)
            assert re.search(verbs, s), (site, year, s)
            assert not any(s.startswith((f"{label} :", f"{label}:")) for label in labels), (site, year, s)
            assert not re.search(r"(:|^)\s*(oui|non|yes|no)\.$", s), (site, year, s)


def test_emerging_missions_are_listed_without_a_doubled_de(grid):
    said = criterion_statements(
        grid.criterion("metiers_emergents"), {"kinds": ["new_missions", "new_professions"]}, "fr"
    )
    assert said[0].html == "Les missions ou métiers émergents repérés sont :"
    assert said[0].items == (
        "de nouvelles missions confiées à des actrices et acteurs existants",
        "de nouveaux métiers",
    )


def test_the_data_s_words_are_marked_and_carry_their_language_in_an_english_report(grid):
    level = grid.level("effets_collectifs")
    [said] = level_statements(level, {"keywords": ["entraide"]}, "en")
    assert said.html == 'Keywords: <span class="ik-user" lang="fr">entraide</span>.'
    from impact_kit.text.testimonies import testimony_html

    assert '<blockquote class="ik-user" lang="fr">' in testimony_html("Bonjour", lang="en")
    assert '<blockquote class="ik-user">' in testimony_html("Bonjour", lang="fr")
