"""Effects have a direction (issue 24): one state per criterion, site and year, and every output reads it."""

from __future__ import annotations

import re

import pandas as pd
import pytest
import yaml
from bs4 import BeautifulSoup
from conftest import SAMPLE, write_csv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from impact_kit.data.dataset import load_dataset
from impact_kit.data.observations import load_observations
from impact_kit.exceptions import GridError
from impact_kit.grid.file import GRIDS_DIR, load_grid
from impact_kit.indicators import site as indicators
from impact_kit.indicators.portfolio import effect_shares, site_table, sites_to_watch
from impact_kit.indicators.programme import Programme
from impact_kit.indicators.table import indicator_table, write_indicators_csv
from impact_kit.reports.portfolio import PortfolioReport
from impact_kit.reports.site import SiteReport

COEUR = "coeur-de-friche-exemple"


@pytest.fixture(scope="module")
def sample():
    dataset = load_dataset(SAMPLE)
    return dataset, indicator_table(dataset.observations, dataset.grid, dataset.sites)


def state(table, site, year, criterion):
    row = table[(table["site"] == site) & (table["year"] == year) & (table["criterion"] == criterion)]
    assert len(row) == 1
    return row["direction"].iloc[0]


def text(html) -> str:
    return BeautifulSoup(str(html), "html.parser").get_text(" ", strip=True)


# -- the acceptance on the sample ------------------------------------------------------------


def test_indicators_csv_has_the_direction_of_coeur_de_friche(sample, tmp_path):
    _, table = sample
    path = write_indicators_csv(table, tmp_path / "indicators.csv")
    back = pd.read_csv(path, encoding="utf-8-sig", dtype={"direction": str})
    assert list(back.columns[:7]) == ["site", "name", "year", "level", "criterion", "observed", "direction"]
    for criterion in ("sante", "appartenance_exclusion", "entretien_des_espaces"):
        assert state(back, COEUR, 2023, criterion) == "negative", criterion
    assert state(back, COEUR, 2023, "capacite_agir") == "none"  # the count 0
    assert state(back, COEUR, 2021, "cadre_de_vie") == "none"  # image_changed: no
    for criterion in ("gouvernance_partagee", "evolution_projet", "metiers_emergents"):
        assert state(back, "the-good-start", 2021, criterion) == "not_asked", criterion
    # `observed` keeps its meaning, documented: an effect in either direction.
    assert (back["observed"] == back["direction"].isin(["positive", "negative", "mixed"]).astype(int)).all()


def test_direction_equals_the_criterion_state_on_the_sample(sample):
    dataset, table = sample
    expected = {}
    for (site, year), part in dataset.observations.groupby(["site", "year"]):
        answers = indicators.answers_of(part)
        for criterion in dataset.grid.criteria:
            expected[(site, int(year), criterion.id)] = indicators.criterion_state(criterion, answers)
    got = table.set_index(["site", "year", "criterion"])["direction"]
    assert {key: got[key] for key in expected} == expected
    assert {"positive", "negative", "none", "unanswered", "not_asked"} <= set(expected.values())


ANSWER = st.sampled_from(
    [
        ("sante", "effects", "better_relations"),
        ("sante", "effects", "discomfort"),
        ("sante", "testimony", "Un texte."),
        ("capacite_agir", "count", "0"),
        ("capacite_agir", "count", "3"),
        ("capacite_agir", "count", "plusieurs"),
        ("capacite_agir", "carried_by", "residents"),
        ("entretien_des_espaces", "effect", "none"),
        ("entretien_des_espaces", "negative_types", "damage"),
        ("entretien_des_espaces", "negative_types", "Autre chose"),
        ("entretien_des_espaces", "positive_types", "respect"),
        ("egalite_femmes_hommes", "team", "fewer_women"),
        ("services_publics", "urgent_needs", "Aide alimentaire"),
        ("effets_individuels", "intensity", "3"),
        ("impact_projet_urbain", "asked", "no"),
        ("gouvernance_partagee", "practices", "shared_bodies"),
    ]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["a", "b"]), st.sampled_from([2022, 2023]), ANSWER), min_size=1))
def test_the_vectorised_direction_is_the_criterion_state(grid, rows):
    frame = pd.DataFrame(
        [(site, year, c, q, v) for site, year, (c, q, v) in rows],
        columns=["site", "year", "criterion", "question", "value"],
    ).astype({"site": "string", "criterion": "string", "question": "string", "value": "string"})
    table = indicator_table(frame, grid)
    for (site, year), part in frame.groupby(["site", "year"]):
        answers = indicators.answers_of(part)
        for criterion in grid.criteria:
            assert state(table, site, year, criterion.id) == indicators.criterion_state(criterion, answers)


def test_coeur_de_friche_2023_summary_lists_only_positive_effects_and_points_to_attention():
    report = SiteReport.load(COEUR, 2023)
    summary = BeautifulSoup(str(report.summary()), "html.parser")
    paragraph = summary.select_one(".ik-summary-text").get_text()
    assert "pour 1 critère sur 15 (8 pour le site médian du programme), contre 9 en 2022 : Lien social." in paragraph
    for label in ("Santé", "Capacité à agir", "Entretien des espaces"):
        assert f"Des effets sont observés en 2023 pour 1 critère sur 15 : {label}" not in paragraph
    attention = summary.select_one("#ik-attention")
    assert attention.h2.get_text() == "Points d'attention"
    heads = [p.get_text() for p in attention.select(".ik-point-head")]
    for label in ("Santé", "Sentiment d'inclusion ou d'exclusion", "Entretien des espaces"):
        assert any(h.startswith(f"{label} : effet négatif") for h in heads), (label, heads)
    assert any(h.startswith("Effets collectifs : l'intensité des effets est passée de 4/5") for h in heads)
    words = attention.get_text(" ")
    assert "la baisse de la subvention de fonctionnement" in words  # the site's own text on the subsidy cut
    assert "le départ de deux salariés" in words


def test_a_site_without_negative_answers_says_there_is_nothing_to_watch():
    report = SiteReport.load("the-good-start", 2021)
    attention = BeautifulSoup(str(report.attention()), "html.parser")
    assert not attention.select(".ik-point")
    assert attention.p.get_text() == "Aucun point d'attention en 2021 : aucun effet négatif n'a été signalé."


def test_the_good_start_2021_says_the_platform_did_not_ask_the_urban_project_level():
    for lang, said, wrong in (
        ("fr", "Le questionnaire d'origine ne posait pas les questions de ce niveau", "Aucun effet"),
        ("en", "The original questionnaire did not ask about this level", "No effect"),
    ):
        report = SiteReport.load("the-good-start", 2021, lang=lang)
        level = text(report.level(4))
        assert said in level and wrong not in level, level


def test_portfolio_2023_counts_positive_effects_and_names_the_sites_to_watch(sample):
    _, table = sample
    shares = effect_shares(table, 2023).set_index(["criterion", "year"])
    assert shares.loc[("entretien_des_espaces", 2023), ["observed", "negative"]].tolist() == [1, 2]
    assert shares.loc[("sante", 2023), ["observed", "negative"]].tolist() == [1, 1]
    watch = sites_to_watch(table, 2023).set_index("site")
    assert watch.index[0] == COEUR  # the most points first
    assert watch.loc[COEUR, "negative"] == ("sante", "appartenance_exclusion", "entretien_des_espaces")
    assert watch.loc[COEUR, "drops"] == (("effets_collectifs", 4.0, 2.0),)
    report = PortfolioReport.load(2023, data=SAMPLE)
    section = BeautifulSoup(str(report.watch()), "html.parser")
    assert section.h2.get_text() == "Sites à suivre"
    first = section.select("li")[0].get_text()
    assert first.startswith("Cœur de Friche (exemple), Marseille : 3 effets négatifs (Santé,"), first
    assert "intensité en baisse pour Effets collectifs (4 → 2)" in first


def test_portfolio_site_links_lead_to_the_points_of_attention(tmp_path, monkeypatch):
    from impact_kit.reports.lab import report_run

    out = tmp_path / "reports"
    (out / COEUR / "2023").mkdir(parents=True)
    (out / COEUR / "2023" / "report.html").write_text("<html></html>", encoding="utf-8")
    report = PortfolioReport.load(2023, data=SAMPLE, out=out)
    with report_run():  # the page's link, from reports/portfolio/2023/
        link = BeautifulSoup(str(report.watch()), "html.parser").select_one("li a")
    assert link["href"] == f"../../{COEUR}/2023/report.html#ik-attention"
    monkeypatch.chdir(tmp_path)  # in JupyterLab: from the kernel's folder (issue 26)
    link = BeautifulSoup(str(report.watch()), "html.parser").select_one("li a")
    assert link["href"] == f"reports/{COEUR}/2023/report.html#ik-attention"


# -- every option, rendered with its direction -----------------------------------------------


def _folder(tmp_path, rows):
    tmp_path.mkdir(parents=True, exist_ok=True)
    write_csv(tmp_path / "sites.csv", "site,name,city,postcode,kind", "s,Le Site,Lyon,69001,")
    write_csv(tmp_path / "observations.csv", "site,year,criterion,question,value", *rows)
    return tmp_path


def _effect_options(grid):
    for criterion in grid.criteria:
        for question in criterion.questions:
            if question.direction == "options":
                for option in question.options:
                    yield criterion, question, option, option.direction
            elif question.direction is not None:
                for option in question.options or ():
                    yield criterion, question, option, question.direction


def test_the_grid_gives_every_option_of_every_effect_question_a_direction(grid):
    found = list(_effect_options(grid))
    assert len(found) > 30
    assert {d for *_, d in found} == {"positive", "negative", "none"}
    negatives = {(c.id, o.id) for c, _, o, d in found if d == "negative"}
    assert {
        ("sante", "discomfort"),
        ("sante", "stress_conflicts"),
        ("appartenance_exclusion", "exclusion"),
        ("entretien_des_espaces", "negative"),
        ("entretien_des_espaces", "damage"),
        ("services_publics", "new_spaces_not_maintained"),
    } <= negatives
    described = {(c.id, q.id) for c in grid.criteria for q in c.questions if q.direction is None}
    assert {("lien_social", "contexts"), ("lien_social", "frequency"), ("solidarite", "publics")} <= described


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_option_is_rendered_and_counted_with_its_direction(grid, tmp_path, lang):
    for i, (criterion, question, option, direction) in enumerate(_effect_options(grid)):
        folder = _folder(tmp_path / f"{lang}{i}", [f"s,2023,{criterion.id},{question.id},{option.id}"])
        dataset = load_dataset(folder)
        table = indicator_table(dataset.observations, dataset.grid)
        assert state(table, "s", 2023, criterion.id) == direction, (criterion.id, option.id)
        csv = pd.read_csv(write_indicators_csv(table, folder / "indicators.csv"), encoding="utf-8-sig")
        assert state(csv, "s", 2023, criterion.id) == direction
        report = SiteReport.load("s", 2023, data=dataset, lang=lang, programme=False)
        summary = BeautifulSoup(str(report.summary()), "html.parser")
        paragraph = summary.select_one(".ik-summary-text").get_text()
        listed = next(
            s
            for s in re.split(r"(?<=\.) ", paragraph)
            if re.search("le site (présente|ne signale)|the site (shows|reports)", s)
        )
        points = summary.select_one("#ik-attention").get_text(" ")
        label = criterion.label(lang)
        assert (label in listed) == (direction == "positive"), (criterion.id, option.id, listed)
        assert (label in points) == (direction == "negative"), (criterion.id, option.id, points)
        found = BeautifulSoup(str(report.level(criterion.level)), "html.parser").find(id=f"criterion-{criterion.id}")
        said = " ".join(p.get_text(" ", strip=True) for p in found.select("p, li"))
        # A sentence of the grid says what was chosen, never "no answer" nor a bare "no effect recorded".
        assert said and not re.search(r"Aucune réponse|No answer|sans que la grille|grid draws no", said), (
            criterion.id,
            option.id,
            said,
        )


def test_a_site_that_answers_only_negative_options_has_no_positive_effect_anywhere(grid, tmp_path):
    rows = [f"s,2023,{c.id},{q.id},{o.id}" for c, q, o, d in _effect_options(grid) if d == "negative"]
    rows = list(dict.fromkeys(rows))
    singles = {}
    for row in rows:  # one answer per single-choice question
        _, _, c, q, _ = row.split(",")
        if grid.question(c, q).type == "single":
            singles.setdefault((c, q), row)
    rows = [r for r in rows if grid.question(*r.split(",")[2:4]).type != "single"] + list(singles.values())
    dataset = load_dataset(_folder(tmp_path, rows))
    table = indicator_table(dataset.observations, dataset.grid, dataset.sites)
    assert set(table["direction"]) <= {"negative", "unanswered"} and (table["direction"] == "negative").sum() >= 4
    assert not Programme.from_table(table).observed
    assert effect_shares(table, 2023)["observed"].sum() == 0
    assert site_table(table, 2023)["observed"].tolist() == [0]
    report = SiteReport.load("s", 2023, data=dataset, programme=False)
    summary = text(report.summary())
    assert "Pour sa première année d'observation, le site ne signale aucun effet positif." in summary
    effects = report.CHARTS["effects"].table(report)  # the chart draws negative effects apart, hatched
    assert effects.loc["2023 : effets positifs"].sum() == 0 and effects.loc["2023 : effets négatifs"].sum() >= 4
    assert effects.attrs["hatched"] == ["2023 : effets négatifs"]
    watch = PortfolioReport.load(2023, data=dataset).watch()
    assert "Le Site" in text(watch)


# -- no sentence contradicts the one before it -----------------------------------------------


def _samples():
    for path in sorted((SAMPLE.parent / "parameters").glob("*.yaml")):
        params = yaml.safe_load(path.read_text(encoding="utf-8"))
        yield params["site"], int(params["year"])


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_no_sample_sentence_contradicts_the_one_before(lang):
    placed = {"fr": "sites du programme en", "en": "sites of the programme in"}[lang]
    nobody = {"fr": "Aucune personne n'a bénéficié", "en": "Nobody benefited"}[lang]
    nothing = {"fr": "Aucun nouveau projet", "en": "No new, unplanned project"}[lang]
    seen = 0
    for site, year in _samples():
        report = SiteReport.load(site, year, lang=lang)
        for criterion in report.grid.criteria:
            found = BeautifulSoup(str(report.levels()), "html.parser").find(id=f"criterion-{criterion.id}")
            if found is None:
                continue
            said = [p.get_text(" ", strip=True) for p in found.select("p, li")]
            # The programme is said once per level, never under a criterion (issue 25, Build 3).
            assert not any(placed in s for s in said), (site, year, criterion.id, said)
            # L'Atelier du Canal 2022: "Aucune personne n'a bénéficié…" then "des personnes… ont été accompagnées".
            if any(s.startswith(nobody) for s in said):
                assert not report.answers.get(criterion.id, {}).get("effects"), (site, year, said)
            if any(s.startswith(nothing) for s in said):
                assert not any(placed in s for s in said)
            seen += 1
    assert seen > 100


def test_l_atelier_du_canal_2022_reconciles_a_count_of_zero_with_the_effects_chosen():
    report = SiteReport.load("l-atelier-du-canal-exemple", 2022)
    found = BeautifulSoup(str(report.level(1)), "html.parser").find(id="criterion-insertion_professionnelle")
    said = found.get_text(" ", strip=True)
    assert "Aucune personne n'a bénéficié" not in said
    assert "Aucune personne n'a été comptée parmi les bénéficiaires" in said and "accompagnées" in said


# -- the grid check --------------------------------------------------------------------------


def _grid_with(tmp_path, edit):
    doc = yaml.safe_load((GRIDS_DIR / "commune_mesure.yaml").read_text(encoding="utf-8"))
    edit(doc)
    path = tmp_path / "grid.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _question(doc, criterion, question):
    found = next(c for lv in doc["levels"] for c in lv["criteria"] if c["id"] == criterion)
    return next(q for q in found["questions"] if q["id"] == question)


def test_an_effect_question_whose_options_lack_a_direction_is_refused(tmp_path):
    def edit(doc):
        for option in _question(doc, "sante", "effects")["options"][2:]:
            del option["direction"]

    with pytest.raises(
        GridError,
        match=r"criterion `sante`, question `effects`.*options \['discomfort', 'stress_conflicts'\] have no `direction`",
    ):
        load_grid(_grid_with(tmp_path, edit))


def test_the_older_effect_false_is_refused_in_a_grid_with_directions_and_says_what_to_write(tmp_path):
    def edit(doc):
        _question(doc, "innovation_publique", "effect")["options"][0]["effect"] = False

    with pytest.raises(GridError, match=r"`effect: false` is the older spelling; write `direction: none`"):
        load_grid(_grid_with(tmp_path, edit))


def test_a_grid_written_before_directions_keeps_its_meaning(tmp_path, grid):
    """No `direction` anywhere, `effect: false` on the no-effect options: every other answer is an effect."""

    def strip(node):
        if isinstance(node, dict):
            none = node.pop("direction", None) == "none"
            if none:
                node["effect"] = False
            for value in node.values():
                strip(value)
        elif isinstance(node, list):
            for value in node:
                strip(value)

    old = load_grid(_grid_with(tmp_path, lambda doc: strip(doc["levels"])))
    assert old.question("innovation_publique", "effect").option("no").effect is False
    answers = {"innovation_publique": {"effect": ["no"]}, "sante": {"effects": ["discomfort"]}}
    states = indicators.criterion_states(old, answers)
    assert states["innovation_publique"] == "none" and states["sante"] == "positive"  # as the kit read it then
    assert indicators.criterion_states(grid, answers)["sante"] == "negative"


def test_the_reserved_question_id_is_refused_in_a_grid(tmp_path):
    def edit(doc):
        _question(doc, "sante", "effects")["id"] = "asked"

    with pytest.raises(GridError, match="the id `asked` is the kit's own"):
        load_grid(_grid_with(tmp_path, edit))


def test_a_not_asked_row_must_say_no(tmp_path):
    folder = _folder(tmp_path, ["s,2023,impact_projet_urbain,asked,yes"])
    with pytest.raises(
        Exception, match=r"row 2, column `value`: a row `asked` says the source did not ask; its value must be `no`"
    ):
        load_observations(folder)


def test_the_index_counts_criteria_with_positive_effects_only(tmp_path):
    from impact_kit.batch.index import index_rows
    from impact_kit.batch.manifest import Entry, Manifest

    dataset = load_dataset(SAMPLE)
    entry = Entry(COEUR, 2023, "f", "done", 0.1, None, "2023-01-01T00:00:00+00:00", {})
    [row] = index_rows(dataset, Manifest(tmp_path, {f"{COEUR}/2023": entry}), tmp_path)
    assert row["effects"] == 1  # Lien social; Santé, exclusion and upkeep are negative, Capacité à agir is 0
