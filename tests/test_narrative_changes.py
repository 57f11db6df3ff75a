"""Changes since the previous year as sentences: one (before, after) answer per row, for every kind of question."""

from __future__ import annotations

import re

import pytest

from impact_kit.indicators.site import answer_changes, changes_between
from impact_kit.text.changes import changes_statements
from impact_kit.text.narrative import sentence_case

# (criterion, question, before, after, French, English). Each criterion keeps a testimony
# both years, so that it is observed both years and the answer's own change is told.
TABLE = [
    (
        "cadre_de_vie",
        "image_changed",
        ["yes"],
        [],
        "En 2022, l'image du quartier a changé ; la question est restée sans réponse en 2023.",
        "In 2022, the image of the neighbourhood changed; the question was left unanswered in 2023.",
    ),
    (
        "metiers_emergents",
        "count",
        ["3"],
        [],
        "Pour le critère Missions ou métiers émergents, la question « Nombre de missions ou métiers émergents repérés », à laquelle il avait été répondu 3 en 2022, est restée sans réponse en 2023.",
        "For Emerging missions or professions, “Number of emerging missions or professions”, answered 3 in 2022, was left unanswered in 2023.",
    ),
    (
        'lien_social',
        'frequency',
        ['weekly'],
        ['daily'],
        "Les rencontres ont désormais lieu au quotidien ; elles avaient lieu au moins une fois par semaine en 2022.",
        "The encounters now happen daily; they happened at least once a week in 2022.",
    ),
    (
        'appartenance_exclusion',
        'belonging',
        [],
        ['exclusion'],
        "Pour le critère Sentiment d'inclusion ou d'exclusion, la question « Sentiment d'appartenance ou d'exclusion observé », sans réponse en 2022, a reçu la réponse « certaines personnes se sentent exclues » en 2023.",
        "For Sense of inclusion or exclusion, “Observed sense of belonging or exclusion”, unanswered in 2022, was answered “some people feel excluded” in 2023.",
    ),
    (
        'appartenance_exclusion',
        'belonging',
        ['belonging'],
        [],
        "Pour le critère Sentiment d'inclusion ou d'exclusion, la question « Sentiment d'appartenance ou d'exclusion observé », à laquelle il avait été répondu « certaines personnes se sentent faire partie d'un groupe autour du projet » en 2022, est restée sans réponse en 2023.",
        "For Sense of inclusion or exclusion, “Observed sense of belonging or exclusion”, answered “some people feel part of a group around the project” in 2022, was left unanswered in 2023.",
    ),
    (
        'appartenance_exclusion',
        'belonging',
        ['belonging'],
        ['exclusion'],
        "Il a été observé en 2023 que certaines personnes se sentent exclues, alors qu'en 2022, certaines personnes se sentent faire partie d'un groupe autour du projet.",
        "It was observed in 2023 that some people feel excluded, whereas in 2022, some people feel part of a group around the project.",
    ),
    (
        'cadre_de_vie',
        'image_changed',
        ['no'],
        ['yes'],
        # "no" is answered: no effect (issue 24); the criterion's positive effect appears
        "Des effets sont observés en 2023 pour le critère Cadre de vie et attractivité du quartier, qui n'en présentait pas en 2022.",
        "Effects are observed in 2023 for Living environment and appeal of the neighbourhood, which showed none in 2022.",
    ),
    (
        'cadre_de_vie',
        'image_changed',
        ['yes'],
        ['no'],
        "Le critère Cadre de vie et attractivité du quartier, qui présentait des effets en 2022, n'en présente plus en 2023.",
        "Living environment and appeal of the neighbourhood, which showed effects in 2022, shows none in 2023.",
    ),
    (
        'cadre_de_vie',
        'image_changed',
        [],
        ['yes'],
        "En 2023, l'image du quartier a changé ; la question était restée sans réponse en 2022.",
        "In 2023, the image of the neighbourhood changed; the question was left unanswered in 2022.",
    ),
    (
        'lien_social',
        'publics',
        ['volunteers'],
        ['volunteers', 'local_actors'],
        "Un nouveau public a pris part aux interactions sociales en 2023 : acteur·rice·s du quartier.",
        "A new public took part in the social interactions in 2023: local actors.",
    ),
    (
        'lien_social',
        'publics',
        ['volunteers', 'local_actors', 'neighbours'],
        ['volunteers'],
        "Des publics présents en 2022 n'ont plus pris part aux interactions sociales en 2023 : acteur·rice·s du quartier et voisin·e·s du quartier.",
        "Publics present in 2022 no longer took part in the social interactions in 2023: local actors and neighbourhood residents.",
    ),
    (
        'gouvernance_partagee',
        'practices',
        ['shared_bodies'],
        ['shared_bodies', 'users_decide', 'carried_on'],
        "Pour le critère Gouvernance partagée transitoire/pérenne, de nouvelles réponses à la question « Pratiques de gouvernance partagée observées » ont été données en 2023 : les usager·e·s participent aux décisions et la gouvernance partagée est reprise dans le projet pérenne.",
        "For Shared governance, transitional and long-term, new answers to “Shared-governance practices observed” were given in 2023: users take part in decisions and shared governance is carried into the long-term project.",
    ),
    (
        'evolution_projet',
        'changes',
        ['diagnosis', 'design'],
        ['design'],
        "Pour le critère Évolution du diagnostic, de la programmation et du dessin, une réponse donnée en 2022 à la question « Ce qui a évolué dans le projet urbain » ne l'a plus été en 2023 : le diagnostic du site.",
        "For Changes to the diagnosis, the programme and the design, an answer given to “What changed in the urban project” in 2022 was not given in 2023: the diagnosis of the site.",
    ),
    (
        'services_publics',
        'urgent_needs',
        [],
        ['aide aux devoirs'],
        "En 2023, le projet a répondu à de nouveaux besoins sociaux urgents, décrits ainsi : « aide aux devoirs ».",
        "In 2023, the project met new urgent social needs, described as “aide aux devoirs”.",
    ),
    (
        'metiers_emergents',
        'kinds',
        ['Médiateur'],
        ['Régisseuse'],
        "Pour le critère Missions ou métiers émergents, la réponse libre à la question « Nature des missions ou métiers » est devenue « Régisseuse » ; elle était « Médiateur » en 2022.",
        "For Emerging missions or professions, the free answer to “Kind of missions or professions” became “Régisseuse”; it was “Médiateur” in 2022.",
    ),
    (
        'metiers_emergents',
        'kinds',
        ['new_professions', 'Médiateur'],
        ['new_professions'],
        "Pour le critère Missions ou métiers émergents, la réponse libre « Médiateur », donnée en 2022 à la question « Nature des missions ou métiers », n'a pas été reprise en 2023.",
        "For Emerging missions or professions, the free answer “Médiateur”, given to “Kind of missions or professions” in 2022, was not given again in 2023.",
    ),
    (
        'insertion_professionnelle',
        'people_count',
        ['7'],
        ['12'],
        "En 2023, 12 personnes ont bénéficié d'actions de formation ou d'accompagnement, contre 7 en 2022 (+5).",
        "In 2023, 12 people benefited from training or support, compared with 7 in 2022 (+5).",
    ),
    (
        'insertion_professionnelle',
        'people_count',
        ['2'],
        ['1'],
        "En 2023, 1 personne a bénéficié d'actions de formation ou d'accompagnement, contre 2 en 2022 (\N{MINUS SIGN}1).",
        "In 2023, 1 person benefited from training or support, compared with 2 in 2022 (\N{MINUS SIGN}1).",
    ),
    (
        'metiers_emergents',
        'count',
        ['3'],
        ['1'],
        "Pour le critère Missions ou métiers émergents, la réponse à la question « Nombre de missions ou métiers émergents repérés » est passée de 3 en 2022 à 1 en 2023 (\N{MINUS SIGN}2).",
        "For Emerging missions or professions, the answer to “Number of emerging missions or professions” went from 3 in 2022 to 1 in 2023 (\N{MINUS SIGN}2).",
    ),
    (
        'metiers_emergents',
        'count',
        [],
        ['4'],
        "Pour le critère Missions ou métiers émergents, la question « Nombre de missions ou métiers émergents repérés », sans réponse en 2022, a reçu la réponse 4 en 2023.",
        "For Emerging missions or professions, “Number of emerging missions or professions”, unanswered in 2022, was answered 4 in 2023.",
    ),
    (
        'capacite_agir',
        'count',
        ['3'],
        ['plusieurs'],
        "Le nombre de nouveaux projets ou actions imprévus indiqué en 2023 est « plusieurs » ; il était « 3 » en 2022.",
        "The number of new, unplanned projects or actions given in 2023 is “plusieurs”; it was “3” in 2022.",
    ),
    (
        'capacite_agir',
        'count',
        ['3'],
        ['5'],
        "En 2023, 5 nouveaux projets ou actions imprévus ont émergé, contre 3 en 2022 (+2).",
        "In 2023, 5 new, unplanned projects or actions emerged, compared with 3 in 2022 (+2).",
    ),
]  # fmt: skip


def told(grid, before, after, lang, previous=2022, year=2023):
    changes = changes_between(grid, before, after, previous=previous, year=year)
    return [re.sub(r"<[^>]+>", "", s.html) for s in changes_statements(grid, changes, lang)]


@pytest.mark.parametrize(("criterion", "question", "before", "after", "fr", "en"), TABLE)
def test_each_kind_of_answer_says_its_change(grid, criterion, question, before, after, fr, en):
    old = {criterion: {"testimony": ["t"], **({question: before} if before else {})}}
    new = {criterion: {"testimony": ["t"], **({question: after} if after else {})}}
    assert told(grid, old, new, "fr") == [fr]
    assert told(grid, old, new, "en") == [en]


def test_the_table_covers_every_kind_and_key(grid):
    seen = set()
    for criterion, question, before, after, _, _ in TABLE:
        for change in answer_changes(grid.question(criterion, question), before, after):
            seen.add((change.kind, change.key))
    wanted = {
        (kind, key) for kind in ("single", "yes_no", "multi", "free_text", "number") for key in grid.changes[kind]
    }
    assert wanted <= seen, wanted - seen


def test_a_single_choice_that_changed_is_one_transition_not_two_changes(grid):
    [change] = answer_changes(grid.question("lien_social", "frequency"), ["weekly"], ["daily"])
    assert (change.kind, change.key, change.before, change.after) == ("single", "changed", ("weekly",), ("daily",))


def test_a_criterion_that_appeared_or_disappeared_is_one_sentence(grid):
    before = {"sante": {"effects": ["better_relations", "more_confidence"], "testimony": ["t"]}}
    after = {"reseaux": {"network_types": ["thematic"], "publics": ["volunteers", "visitors"]}}
    assert told(grid, before, after, "fr") == [
        "Le critère Santé, qui présentait des effets en 2022, n'en présente plus en 2023.",
        "Des effets sont observés en 2023 pour le critère Réseau de personnes, qui n'en présentait pas en 2022.",
    ]
    assert told(grid, before, after, "en") == [
        "Health and well-being, which showed effects in 2022, shows none in 2023.",
        "Effects are observed in 2023 for Networks of people, which showed none in 2022.",
    ]


def test_a_criterion_answered_without_effect_either_year_says_nothing(grid):
    before = {"innovation_publique": {"effect": ["no"]}}
    after = {"innovation_publique": {}}
    assert told(grid, before, after, "en") == ["No notable change in the observed effects since 2022."]


def test_intensity_per_level_with_the_keywords_gained(grid):
    before = {"effets_collectifs": {"intensity": ["4"], "keywords": ["entraide"]}}
    after = {"effets_collectifs": {"intensity": ["2"], "keywords": ["entraide", "Réseau", "tensions"]}}
    assert told(grid, before, after, "fr") == [
        "L'intensité du niveau « Effets collectifs » a reculé, de 4/5 en 2022 à 2/5 en 2023. "
        "De nouveaux mots-clés qualifient le niveau « Effets collectifs » en 2023 : « Réseau » et « tensions »."
    ]
    same = {"effets_collectifs": {"intensity": ["4"], "keywords": ["entraide", "réseau"]}}
    assert told(grid, before, same, "en") == ["A new keyword describes “Collective effects” in 2023: “réseau”."]


def test_free_text_is_escaped_and_never_recased_inside_a_sentence(grid):
    before = {"services_publics": {"urgent_needs": ["aide <b>alimentaire</b>"], "testimony": ["t"]}}
    after = {"services_publics": {"urgent_needs": ["Aide aux devoirs"], "testimony": ["t"]}}
    changes = changes_between(grid, before, after, previous=2022, year=2023)
    [said] = [s.html for s in changes_statements(grid, changes, "fr")]
    assert "« Aide aux devoirs »" in said and "« aide &lt;b&gt;alimentaire&lt;/b&gt; »" in said


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("« aide aux devoirs » a été citée.", "« Aide aux devoirs » a été citée."),
        ("<strong>acteur·rice·s</strong> du quartier", "<strong>Acteur·rice·s</strong> du quartier"),
        ("&lt;b&gt; x", "&lt;B&gt; x"),
        ("12 personnes", "12 personnes"),
        ("En 2023, l'image", "En 2023, l'image"),
        ("", ""),
    ],
)
def test_sentence_case_raises_only_the_first_letter(text, expected):
    assert sentence_case(text) == expected
