from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from impact_kit.grid.file import load_grid
from impact_kit.grid.model import QUESTION_TYPES

GRID_FILE = Path(__file__).resolve().parent.parent / "impact_kit" / "grids" / "commune_mesure.yaml"
DESIGN_CRITERIA = {
    "lien_social",
    "sante",
    "insertion_professionnelle",
    "capacite_agir",
    "solidarite",
    "reseaux",
    "appartenance_exclusion",
    "egalite_femmes_hommes",
    "cadre_de_vie",
    "entretien_des_espaces",
    "services_publics",
    "innovation_publique",
}


def test_commune_mesure_has_15_criteria_on_4_levels(grid):
    assert len(grid.levels) == 4
    assert len(grid.criteria) == 15
    assert {c.id for c in grid.criteria} >= DESIGN_CRITERIA
    assert [len(level.criteria) for level in grid.levels] == [4, 4, 4, 3]


def test_every_question_and_option_has_french_and_english_labels(grid):
    for _, question in grid.iter_questions():
        assert question.label("fr").strip() and question.label("en").strip()
        for option in question.options:
            assert option.label("fr").strip() and option.label("en").strip(), option


def test_every_question_type_is_used(grid):
    used = {q.type for _, q in grid.iter_questions()}
    assert used == set(QUESTION_TYPES)


def test_seed_short_forms_are_the_french_labels(grid):
    publics = grid.question("lien_social", "publics")
    labels = [o.label("fr") for o in publics.options]
    assert "visiteur·se·s grand public" in labels
    assert "actrices et acteurs du quartier" in labels
    assert grid.question("capacite_agir", "carried_by").option("residents").label("fr") == "des résident·e·s"


def test_open_questions_accept_free_text(grid):
    for criterion, question in [
        ("services_publics", "urgent_needs"),
        ("cadre_de_vie", "image_change_type"),
        ("innovation_publique", "innovation_type"),
    ]:
        assert grid.question(criterion, question).open


def test_level_questions_carry_platform_keys(grid):
    level = grid.level("effets_individuels")
    assert level.question("intensity").platform_key == "intensite_effets_individuels"
    assert level.question("keywords").platform_key == "mots_cles_effets_individuels"
    assert grid.level("impact_projet_urbain").question("intensity").platform_key is None


def test_check_lang(grid):
    assert grid.check_lang("en") == "en"
    with pytest.raises(ValueError, match=r"`lang` must be one of \['fr', 'en'\], but 'de' was passed"):
        grid.check_lang("de")


def _broken(tmp_path: Path, edit) -> Path:
    doc = yaml.safe_load(GRID_FILE.read_text(encoding="utf-8"))
    edit(doc)
    path = tmp_path / "grid.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def _first_criterion(doc):
    return doc["levels"][0]["criteria"][0]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["levels"][1]["criteria"].append(_first_criterion(d)), "`lien_social`.*used twice"),
        (
            lambda d: _first_criterion(d)["questions"].append(_first_criterion(d)["questions"][0]),
            r"question ids \['publics'\] are used twice",
        ),
        (lambda d: _first_criterion(d)["label"].pop("en"), r"`label` has no text for \['en'\]"),
        (
            lambda d: _first_criterion(d)["questions"][1]["options"][0]["label"].update(fr=""),
            r"option `daily_life`.*no text for \['fr'\]",
        ),
        (lambda d: _first_criterion(d)["questions"][0].update(type="dropdown"), "unknown type 'dropdown'"),
        (lambda d: _first_criterion(d)["questions"][0].update(options="nobody"), "unknown option set 'nobody'"),
        (
            lambda d: _first_criterion(d)["sentences"].append({"fr": "{ghost}", "en": "{ghost}"}),
            "names question `ghost`",
        ),
        (
            lambda d: _first_criterion(d)["sentences"].append({"when": {"frequency": "hourly"}, "fr": "x", "en": "x"}),
            "names option `hourly`",
        ),
        (lambda d: d.pop("levels"), "`levels` must be a non-empty list"),
        (lambda d: d["levels"][0].update(id="Effets Individuels"), "`id` must be lowercase"),
    ],
)
def test_broken_grids_are_refused_with_a_clear_message(tmp_path, edit, message):
    path = _broken(tmp_path, edit)
    with pytest.raises(Exception, match=message) as info:
        load_grid(path)
    assert type(info.value).__name__ == "GridError"
    assert str(path) in str(info.value)


def test_unreadable_grid_file(tmp_path):
    path = tmp_path / "grid.yaml"
    path.write_text("levels: [unclosed", encoding="utf-8")
    with pytest.raises(Exception, match="cannot read the grid file"):
        load_grid(path)


def test_an_adapted_grid_loads(tmp_path):
    def rename(doc):
        _first_criterion(doc)["label"] = {"fr": "Liens", "en": "Ties"}

    grid = load_grid(_broken(tmp_path, rename))
    assert grid.criterion("lien_social").label("en") == "Ties"


@pytest.mark.parametrize("role", ["testimony", "intensity", "keywords", "publics"])
def test_a_grid_without_a_role_is_refused_naming_it(tmp_path, role):
    path = _broken(tmp_path, lambda d: d["roles"].pop(role))
    with pytest.raises(Exception, match=f"the role `{role}` is not given") as info:
        load_grid(path)
    assert type(info.value).__name__ == "GridError"


@pytest.mark.parametrize(
    ("role", "value", "message"),
    [
        ("testimony", "frequency", "`testimony: frequency` must name the question of a criterion that holds"),
        ("intensity", "keywords", "`intensity: keywords` must name the level question that rates"),
        ("publics", "nobody", "`publics: nobody` must name an option set"),
    ],
)
def test_a_role_must_name_an_id_of_the_right_kind(tmp_path, role, value, message):
    with pytest.raises(Exception, match=message):
        load_grid(_broken(tmp_path, lambda d: d["roles"].update({role: value})))


def test_grid_missing_a_role_exits_2_naming_it(tmp_path, capsys):
    from impact_kit.cli import main

    path = _broken(tmp_path, lambda d: d["roles"].pop("testimony"))
    assert main(["validate", "--grid", str(path)]) == 2
    err = capsys.readouterr().err
    assert "the role `testimony` is not given" in err and "Traceback" not in err
