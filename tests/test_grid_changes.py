"""The grid's change templates (``changes:``): checked when the grid loads, borrowed when a grid has none."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest
import yaml

from impact_kit.exceptions import GridError
from impact_kit.grid.file import GRIDS_DIR, GridWarning, load_grid
from impact_kit.grid.model import CHANGE_KINDS, REPLACED_CHANGE_KINDS
from impact_kit.words import TEXTS_FILE

GRID_FILE = GRIDS_DIR / "commune_mesure.yaml"
#: Inclusive forms the kit does not write (its convention is the middle dot: usager·e·s).
OTHER_INCLUSIVE_FORMS = re.compile(r"\w\.(e|es|e\.s|rice|euse|ne|te)\b|\w\((e|es)\)|\w/e\b")


def _edited(tmp_path: Path, edit) -> Path:
    doc = yaml.safe_load(GRID_FILE.read_text(encoding="utf-8"))
    edit(doc)
    path = tmp_path / "grid.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def _frequency(doc):
    return doc["levels"][0]["criteria"][0]["questions"][2]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["changes"].pop("single"), r"`changes`.*`single` is missing"),
        (lambda d: d["changes"]["multi"].pop("removed"), r"`multi`.*template `removed` is missing"),
        (lambda d: d["changes"]["number"]["changed"].update(en="{ghost} went up."), r"names \['ghost'\]"),
        (lambda d: d["changes"]["number"]["changed"].pop("en"), r"`changed`, `en`.*text is missing"),
        (lambda d: d["changes"]["multi"]["added"].update(fr={"one": "x"}), "forms must include `other`"),
        (lambda d: d["changes"].update(weather={}), r"unknown kinds \['weather'\]"),
        (lambda d: _frequency(d)["changes"].update(colour={}), "`changes` must map kinds"),
        (lambda d: _frequency(d)["changes"]["single"].update(renamed={"fr": "x", "en": "x"}), "unknown templates"),
        (
            lambda d: d["levels"][2]["criteria"][0]["questions"][0]["options"][0]["says"].pop("en"),
            r"option `yes`.*`says` has no text for \['en'\]",
        ),
    ],
)
def test_broken_change_templates_are_refused_naming_the_place(tmp_path, edit, message):
    path = _edited(tmp_path, edit)
    with pytest.raises(GridError, match=message) as info:
        load_grid(path)
    assert str(path) in str(info.value)


def test_a_grid_without_change_templates_borrows_the_kits(tmp_path, grid):
    adapted = load_grid(_edited(tmp_path, lambda d: d.pop("changes")))
    assert adapted.changes == grid.changes and set(adapted.changes) == set(CHANGE_KINDS) - set(REPLACED_CHANGE_KINDS)


#: The grid-wide templates the kit's grid held until reports stopped using them (issue 25).
OLD_TEMPLATES = {
    "criterion": {
        "appeared": {
            "fr": "Des effets pour **{criterion}** en {year}.",
            "en": "Effects for **{criterion}** in {year}.",
        },
        "disappeared": {"fr": "Plus d'effet pour {criterion}.", "en": "No effect for {criterion} any more."},
    },
    "level": {
        "up": {"fr": "« {level} » monte à {after}/{max}.", "en": "“{level}” rose to {after}/{max}."},
        "down": {"fr": "« {level} » baisse à {after}/{max}.", "en": "“{level}” fell to {after}/{max}."},
        "keywords": {"fr": "Mots-clés de {level} : {items}.", "en": "Keywords of {level}: {items}."},
    },
}


def test_a_grid_with_the_old_level_and_criterion_templates_loads_and_is_told_what_to_write(tmp_path, grid):
    """They are unused: a grid that still has them is checked, loads, and is told the `words:` keys instead."""
    path = _edited(tmp_path, lambda d: d["changes"].update(OLD_TEMPLATES))
    with pytest.warns(GridWarning, match=r"`criterion` and `level`.*no longer used") as said:
        adapted = load_grid(path)
    message = str(said[0].message)
    assert str(path) in message and "`words:`" in message
    assert all(f"`{key}`" in message for keys in REPLACED_CHANGE_KINDS.values() for key in keys)
    assert adapted.changes["criterion"]["appeared"]["en"] == OLD_TEMPLATES["criterion"]["appeared"]["en"]
    broken = _edited(tmp_path, lambda d: d["changes"].update(criterion={"appeared": {"fr": "{ghost}", "en": "x"}}))
    with pytest.raises(GridError, match=r"names \['ghost'\]"):  # still checked
        load_grid(broken)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_grid(GRID_FILE)  # the kit's own grid has none


def test_a_grid_s_words_say_its_changes_at_every_level(tmp_path):
    """`words:` sets how criteria that appeared are said; with no other order given, every level says it so."""
    from test_narrative_changes import told

    own = {"one": "Nouveau en {year} : {criteria}.", "other": "Nouveaux en {year} : {criteria}."}
    adapted = load_grid(_edited(tmp_path, lambda d: d.setdefault("words", {}).update(fr={"changes_appeared": own})))
    after = {"sante": {"effects": ["better_relations"]}, "reseaux": {"network_types": ["thematic"]}}
    assert told(adapted, {}, after, "fr") == ["Nouveau en 2023 : Santé.", "Nouveau en 2023 : Réseau de personnes."]


def test_a_question_template_comes_before_the_grids(grid):
    frequency = grid.question("lien_social", "frequency")
    assert grid.change_template("single", "changed", "en", frequency).startswith("The encounters now happen")
    assert (
        grid.change_template("single", "added", "en", grid.question("appartenance_exclusion", "belonging"))
        == (grid.changes["single"]["added"]["en"])
    )


def _strings(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def test_the_kits_own_sentences_use_one_inclusive_form():
    """One inclusive form (·) in every text a reader sees: the kit's sentences and the grid's labels ("des résident·e·s",
    once "des résident.e.s" beside "usager·e·s"). The platform's stored labels (`raw`) are matched, not shown."""
    doc = yaml.safe_load(GRID_FILE.read_text(encoding="utf-8"))
    own = list(_strings(doc["changes"]))
    for level in doc["levels"]:
        for criterion in level["criteria"]:
            for question in criterion.get("questions", []):
                own += list(_strings(question.get("changes", {})))
                own += [
                    t for o in question.get("options", []) if isinstance(o, dict) for t in _strings(o.get("says", {}))
                ]
    own += list(_strings(yaml.safe_load(TEXTS_FILE.read_text(encoding="utf-8"))))

    def shown(node):  # every string of the grid file but the platform's `raw` labels
        if isinstance(node, dict):
            for key, value in node.items():
                if key != "raw":
                    yield from shown(value)
        elif isinstance(node, list):
            for value in node:
                yield from shown(value)
        elif isinstance(node, str):
            yield node

    own += list(shown(doc))
    assert len(own) > 100
    assert [text for text in own if OTHER_INCLUSIVE_FORMS.search(text)] == []
    assert any("·e·s" in text for text in own)
