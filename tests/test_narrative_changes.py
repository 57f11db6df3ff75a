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
        'cadre_de_vie',
        'image_changed',
        ['yes'],
        [],
        "Aucun changement notable des effets observés depuis 2022.",
        "No notable change in the observed effects since 2022.",
    ),
    (
        'metiers_emergents',
        'count',
        ['3'],
        [],
        "Aucun changement notable des effets observés depuis 2022.",
        "No notable change in the observed effects since 2022.",
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
        "Aucun changement notable des effets observés depuis 2022.",
        "No notable change in the observed effects since 2022.",
    ),
    (
        'appartenance_exclusion',
        'belonging',
        ['belonging'],
        [],
        "Aucun changement notable des effets observés depuis 2022.",
        "No notable change in the observed effects since 2022.",
    ),
    (
        'appartenance_exclusion',
        'belonging',
        ['belonging'],
        ['exclusion'],
        "Le constat a changé en 2023 : certaines personnes ont le sentiment d'être exclues ; celui de 2022 était « certaines personnes se sentent faire partie d'un groupe autour du projet ».",
        "The finding changed in 2023: some people feel excluded; in 2022 it was “some people feel part of a group around the project”.",
    ),
    (
        'cadre_de_vie',
        'image_changed',
        ['no'],
        ['yes'],
        "En 2023, des effets positifs apparaissent pour le critère Cadre de vie et attractivité du quartier.",
        "In 2023, positive effects appear for the criterion Living environment and appeal of the neighbourhood.",
    ),
    (
        'cadre_de_vie',
        'image_changed',
        ['yes'],
        ['no'],
        "En 2023, plus aucun effet positif n'est observé pour le critère Cadre de vie et attractivité du quartier.",
        "In 2023, no positive effect is observed any more for the criterion Living environment and appeal of the neighbourhood.",
    ),
    (
        'cadre_de_vie',
        'image_changed',
        [],
        ['yes'],
        "Aucun changement notable des effets observés depuis 2022.",
        "No notable change in the observed effects since 2022.",
    ),
    (
        'lien_social',
        'publics',
        ['volunteers'],
        ['volunteers', 'local_actors'],
        "Un nouveau public a pris part aux interactions sociales en 2023 : actrices et acteurs du quartier.",
        "A new group took part in the social interactions in 2023: local actors.",
    ),
    (
        'lien_social',
        'publics',
        ['volunteers', 'local_actors', 'neighbours'],
        ['volunteers'],
        "Des publics présents en 2022 n'ont plus pris part aux interactions sociales en 2023 : actrices et acteurs du quartier et voisin·e·s du quartier.",
        "Groups present in 2022 no longer took part in the social interactions in 2023: local actors and neighbourhood residents.",
    ),
    (
        'gouvernance_partagee',
        'practices',
        ['shared_bodies'],
        ['shared_bodies', 'users_decide', 'carried_on'],
        "Aucun changement notable des effets observés depuis 2022.",
        "No notable change in the observed effects since 2022.",
    ),
    (
        'evolution_projet',
        'changes',
        ['diagnosis', 'design'],
        ['design'],
        "Aucun changement notable des effets observés depuis 2022.",
        "No notable change in the observed effects since 2022.",
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
        "Aucun changement notable des effets observés depuis 2022.",
        "No notable change in the observed effects since 2022.",
    ),
    (
        'metiers_emergents',
        'kinds',
        ['new_professions', 'Médiateur'],
        ['new_professions'],
        "Aucun changement notable des effets observés depuis 2022.",
        "No notable change in the observed effects since 2022.",
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
        "En 2023, 1 personne a bénéficié d'actions de formation ou d'accompagnement, contre 2 en 2022 (\u22121).",
        "In 2023, 1 person benefited from training or support, compared with 2 in 2022 (\u22121).",
    ),
    (
        'metiers_emergents',
        'count',
        ['3'],
        ['1'],
        "Le site compte 1 mission ou métier émergent en 2023, contre 3 en 2022 (\u22122).",
        "The site counts 1 emerging mission or profession in 2023, against 3 in 2022 (\u22122).",
    ),
    (
        'metiers_emergents',
        'count',
        [],
        ['4'],
        "Aucun changement notable des effets observés depuis 2022.",
        "No notable change in the observed effects since 2022.",
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
    assert (
        told(grid, before, after, "fr")
        == [
            "En 2023, plus aucun effet positif n'est observé pour le critère Santé.",
            "Des effets positifs apparaissent en 2023 pour le critère Réseau de personnes.",  # the second level: the other way
        ]
    )
    assert told(grid, before, after, "en") == [
        "In 2023, no positive effect is observed any more for the criterion Health and well-being.",
        "Positive effects appear in 2023 for the criterion Networks of people.",
    ]
    several = {"sante": before["sante"], "lien_social": {"publics": ["volunteers"]}}
    assert (
        told(grid, several, {}, "fr")
        == [
            "En 2023, plus aucun effet positif n'est observé pour les critères Lien social et Santé."  # one sentence for both
        ]
    )


def test_a_criterion_answered_without_effect_either_year_says_nothing(grid):
    before = {"innovation_publique": {"effect": ["no"]}}
    after = {"innovation_publique": {}}
    assert told(grid, before, after, "en") == ["No notable change in the observed effects since 2022."]


def test_intensity_per_level_with_the_keywords_gained(grid):
    before = {"effets_collectifs": {"intensity": ["4"], "keywords": ["entraide"]}}
    after = {"effets_collectifs": {"intensity": ["2"], "keywords": ["entraide", "Réseau", "tensions"]}}
    assert told(grid, before, after, "fr") == [
        "De 4/5 en 2022, l'intensité des effets est retombée à 2/5 en 2023.",  # under the level's name
        "Des mots-clés nouveaux qualifient l'année 2023 : « Réseau » et « tensions ».",
    ]
    same = {"effets_collectifs": {"intensity": ["4"], "keywords": ["entraide", "réseau"]}}
    assert told(grid, before, same, "en") == ["A new keyword describes 2023: “réseau”."]


def test_no_sentence_of_a_sample_report_narrates_the_form():
    """Was: "la question « Dirigeant·e·s », sans réponse en 2022, a reçu la réponse…"."""
    from test_summary import _sample_reports

    from impact_kit.reports.site import SiteReport

    for site, year in _sample_reports():
        for lang, form in (
            ("fr", r"la question|sans réponse|réponse libre"),
            ("en", r"the question|unanswered|“.*”, answered"),
        ):
            said = re.sub(r"<[^>]+>", "", str(SiteReport.load(site, year, lang=lang).changes()))
            assert not re.search(form, said), (site, year, lang, said)


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


# -- issue 25: the sentences an editor would fix, as a person would write them -------------------


def test_the_image_of_the_neighbourhood_is_not_said_twice(grid):
    before = {"cadre_de_vie": {"image_changed": ["yes"], "image_change_type": ["more_attractive"]}}
    after = {"cadre_de_vie": {"image_changed": ["yes"], "image_change_type": ["more_attractive", "better_reputation"]}}
    assert told(grid, before, after, "fr") == [
        "En 2023, l'image du quartier a aussi évolué : sa réputation s'est améliorée."
    ]
    assert told(grid, before, after, "en") == [
        "In 2023, the image of the neighbourhood also changed: its reputation improved."
    ]


def test_two_health_effects_are_not_said_with_the_same_verb_twice(grid):
    before = {"sante": {"effects": ["better_relations"]}}
    after = {"sante": {"effects": ["better_relations", "discomfort", "stress_conflicts"]}}
    assert told(grid, before, after, "fr")[0] == (
        "En 2023, et non en 2022, des personnes expriment un inconfort et font part de stress ou de conflits."
    )


def test_a_count_given_as_text_one_year_only_is_a_number_not_a_free_answer(grid):
    before = {"capacite_agir": {"carried_by": ["residents"]}}
    after = {"capacite_agir": {"count": ["3"], "carried_by": ["residents"]}}
    assert told(grid, before, after, "fr") == [
        "En 2023, 3 nouveaux projets ou actions imprévus ont émergé ; leur nombre n'était pas indiqué en 2022."
    ]
    assert told(grid, after, before, "en") == [
        "The number of new, unplanned projects or actions is not given in 2023; it was 3 in 2022."
    ]


def test_grid_sentences_never_speak_to_the_respondent(grid):
    words = " ".join(
        " ".join([*q.labels.values(), *(o.label(lang) for o in q.options for lang in grid.languages)])
        for _, q in grid.iter_questions()
    )
    assert not re.search(r"\bvous\b", words, re.IGNORECASE)


def test_a_finding_that_changed_is_quoted_not_put_in_the_wrong_tense(grid):
    """Was: "…alors qu'en 2022, certaines personnes se sentent…" (a present tense for a past year)."""
    before = {"appartenance_exclusion": {"belonging": ["belonging"]}}
    after = {"appartenance_exclusion": {"belonging": ["exclusion"]}}
    assert told(grid, before, after, "fr") == [
        "Le constat a changé en 2023 : certaines personnes ont le sentiment d'être exclues ; celui de 2022 était "
        "« certaines personnes se sentent faire partie d'un groupe autour du projet »."
    ]


def test_a_count_of_projects_is_said_as_a_number_never_as_the_form_s_free_answer(grid):
    """Was: "une réponse libre a été donnée en 2022 à la question « Nombre de nouveaux projets… » : « 3 »"."""
    before = {"capacite_agir": {"carried_by": ["residents"]}}
    after = {"capacite_agir": {"count": ["3"], "carried_by": ["residents"]}}
    said = told(grid, before, after, "fr")
    assert not any("réponse libre" in s or "la question" in s for s in said)
    later = {"capacite_agir": {"count": ["5"], "carried_by": ["residents"]}}
    assert told(grid, after, later, "fr") == [
        "En 2023, 5 nouveaux projets ou actions imprévus ont émergé, contre 3 en 2022 (+2)."
    ]
