from __future__ import annotations

import json
import re

import pytest
from conftest import OLDER_PLACES, snapshot, write_csv

from impact_kit.cli import main
from impact_kit.data.observations import load_observations
from impact_kit.exceptions import ImportFailed, InvalidData
from impact_kit.grid.file import default_grid
from impact_kit.grid.model import NOT_ASKED
from impact_kit.importers.commune_mesure import IMPORT_FILE, import_places, normalize_label, read_place
from impact_kit.indicators.table import indicator_table
from impact_kit.reports.site import SiteReport

PLATFORM_TESTIMONY_KEYS = {
    "lien_social",
    "sante_bien_être",
    "insertion_professionnelle",
    "capacite_agir",
    "solidarite",
    "reseaux",
    "appartenance_exclusion",
    "egalite_homme_femme",
    "cadre_de_vie",
    "entretien_des_espaces",
    "services_publics",
    "innovation_publique",
}


def load_answers(folder):
    """The observations without the rows saying what the platform does not ask (tested on their own)."""
    obs = load_observations(folder)
    return obs[obs["question"] != NOT_ASKED].reset_index(drop=True)


@pytest.fixture
def empty_data(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    return folder


def place(name="Le Lieu", city="Lyon", **answers):
    return {
        "name": name,
        "address": {"city": city, "postalcode": "69001"},
        "blocs": {"impact_social": {"visible": 1, "donnees": answers}},
    }


def write_place(folder, doc, name="place.json"):
    path = folder / name
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "Oui, certaines personnes se sentent faire partie d'un groupe autour du ou d'un projet",
            "certaines personnes se sentent faire partie d'un groupe autour du ou d'un projet",
        ),
        (
            "ACTEURS et actrices du quartier, associations ou entreprises locales (si applicable)",
            "acteurs et actrices du quartier, associations ou entreprises locales",
        ),
        ("Lors d’évènements  grand public.", "lors d'évènements grand public"),
        ("Mise en œuvre", "mise en oeuvre"),
    ],
)
def test_normalize_label(raw, expected):
    assert normalize_label(raw) == expected


def test_older_format_files_become_sites(reference, empty_data):
    files = [reference / name for name in OLDER_PLACES]
    places = import_places(files, 2021, empty_data)
    assert [p.site for p in places] == ["aquarium", "coco-velten", "le-6b", "la-maison-montreau"]
    assert all(not p.kept_keys for p in places)
    sites = (empty_data / "sites.csv").read_text(encoding="utf-8").splitlines()
    assert sites[0] == "site,name,city,postcode,kind"
    assert sites[3] == "le-6b,Le 6b,Saint Denis,93066,"
    obs = load_answers(empty_data)
    assert set(obs["question"]) == {"testimony"}
    assert set(obs["year"]) == {2021}


def test_every_non_empty_testimony_is_in_the_table_verbatim(reference, empty_data):
    files = sorted(reference.glob("*.json"))
    import_places(files, 2021, empty_data)
    obs = load_answers(empty_data)
    table = set(zip(obs["site"], obs["value"], strict=True))
    expected = 0
    for path in files:
        doc = json.loads(path.read_text(encoding="utf-8"))
        site = read_place(path)[0].site
        for key, value in doc["blocs"]["impact_social"]["donnees"].items():
            if key in PLATFORM_TESTIMONY_KEYS and value:
                assert (site, value) in table, (path.name, key)
                expected += 1
    assert (obs["question"] == "testimony").sum() == expected >= 30


def test_the_good_start_current_format(reference, empty_data):
    [good] = import_places([reference / "the-good-start.json"], 2021, empty_data)
    assert good.site == "the-good-start" and good.city == "Pantin" and good.postcode == "93500"
    obs = load_answers(empty_data)
    answers = {
        (c, q): sorted(obs.loc[(obs["criterion"] == c) & (obs["question"] == q), "value"])
        for c, q in set(zip(obs["criterion"], obs["question"], strict=True))
    }
    assert answers[("lien_social", "publics")] == sorted(
        ["visitors", "neighbours", "local_actors", "people_in_difficulty", "site_workers", "volunteers"]
    )
    assert answers[("lien_social", "frequency")] == ["daily"]
    assert answers[("capacite_agir", "count")] == ["1"]
    assert answers[("appartenance_exclusion", "belonging")] == ["belonging"]
    assert answers[("services_publics", "management")] == ["unchanged"]
    assert answers[("services_publics", "urgent_needs")] == ["Cours du soir, aide aux devoirs, ateliers informatiques"]
    assert answers[("innovation_publique", "effect")] == ["new_ways"]
    assert answers[("lien_social", "testimony")][0].endswith("- Nous répondons quot...")
    assert ("sante", "testimony") not in answers  # empty on the platform: no row


def test_current_format_numbers_scales_keywords(empty_data, tmp_path):
    doc = place(
        intensite_effets_individuels=4,
        mots_cles_effets_individuels="lien, confiance ,, entraide",
        insertion_professionnelle_nb_personnes=12,
        capacite_agir_nombre="plusieurs",
        impact_social_frequence=["quotidienne"],
        lien_social="",
    )
    import_places([write_place(tmp_path, doc)], 2023, empty_data)
    obs = load_answers(empty_data)
    got = sorted(zip(obs["criterion"], obs["question"], obs["value"], strict=True))
    assert got == sorted(
        [
            ("effets_individuels", "intensity", "4"),
            ("effets_individuels", "keywords", "lien"),
            ("effets_individuels", "keywords", "confiance"),
            ("effets_individuels", "keywords", "entraide"),
            ("insertion_professionnelle", "people_count", "12"),
            ("capacite_agir", "count", "plusieurs"),
            ("lien_social", "frequency", "daily"),
        ]
    )


def test_unknown_raw_label_on_a_closed_question_writes_nothing(empty_data, tmp_path):
    doc = place(impact_social_public=["Bénévoles", "Extraterrestres"], impact_social_frequence=["Horaire"])
    before = snapshot(empty_data)
    with pytest.raises(InvalidData) as info:
        import_places([write_place(tmp_path, doc)], 2023, empty_data)
    message = str(info.value)
    assert "unknown raw label 'Extraterrestres'" in message and "question `lien_social.publics`" in message
    assert "unknown raw label 'Horaire'" in message and "impact_social_frequence" in message
    assert snapshot(empty_data) == before


def test_out_of_range_intensity_is_refused(empty_data, tmp_path):
    with pytest.raises(InvalidData, match="out of range"):
        import_places([write_place(tmp_path, place(intensite_effets_collectifs=9))], 2023, empty_data)


def test_not_a_place_file(empty_data, tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"hello": 1}', encoding="utf-8")
    with pytest.raises(InvalidData, match="not a Commune Mesure place file"):
        import_places([path], 2023, empty_data)
    path.write_text("{broken", encoding="utf-8")
    with pytest.raises(InvalidData, match="not a JSON file"):
        import_places([path], 2023, empty_data)


def test_refuses_an_existing_site_year_and_leaves_everything_alone(data_dir, tmp_path):
    doc = place(name="The Good Start", city="Pantin", lien_social="Autre chose")
    before = snapshot(data_dir)
    with pytest.raises(ImportFailed, match="already holds observations of the-good-start 2021; pass --replace"):
        import_places([write_place(tmp_path, doc)], 2021, data_dir)
    assert snapshot(data_dir) == before


def test_replace_only_touches_that_site_year(data_dir, tmp_path):
    before = load_answers(data_dir)
    person_made = (data_dir / "observations.csv").read_bytes()
    import_places(
        [write_place(tmp_path, place(name="The Good Start", city="Pantin", lien_social="Nouveau"))], 2022, data_dir
    )
    import_places([write_place(tmp_path, place(name="Le Lieu", lien_social="Ailleurs"))], 2021, data_dir)
    import_places(
        [write_place(tmp_path, place(name="The Good Start", city="Pantin", lien_social="Remplacé"))],
        2021,
        data_dir,
        replace=True,
    )
    after = load_answers(data_dir)
    good = after[after["site"] == "the-good-start"]
    assert sorted(good["value"]) == ["Nouveau", "Remplacé"]
    others = after[~after["site"].isin(["the-good-start", "le-lieu"])].reset_index(drop=True)
    expected = before[before["site"] != "the-good-start"].reset_index(drop=True)
    assert others.equals(expected)
    assert (data_dir / "observations.csv").read_bytes() == person_made
    assert (data_dir / IMPORT_FILE).exists()


def test_never_rewrites_a_file_a_person_made(data_dir, tmp_path):
    doc = place(name="La Fabrique des Possibles (exemple)", city="Roubaix", lien_social="x")
    with pytest.raises(ImportFailed, match=r"observations.csv already holds .* remove those rows"):
        import_places([write_place(tmp_path, doc)], 2022, data_dir, replace=True)


def test_new_site_is_appended_in_the_sites_file_dialect(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    write_csv(
        data / "sites.csv",
        "site;name;city;postcode;kind;région",
        "le-lieu;Le Lieu;Lyon;69001;tiers-lieu;ARA",
        encoding="cp1252",
    )
    (data / "sites.csv").write_bytes((data / "sites.csv").read_bytes().replace(b"\n", b"\r\n"))
    with pytest.warns(UserWarning, match="Windows-1252"):
        import_places([write_place(tmp_path, place(name="Cœur Été", lien_social="ok"))], 2022, data)
    text = (data / "sites.csv").read_bytes().decode("cp1252")
    assert text.endswith("le-lieu;Le Lieu;Lyon;69001;tiers-lieu;ARA\r\ncoeur-ete;Cœur Été;Lyon;69001;;\r\n")


def test_two_files_for_one_site(empty_data, tmp_path):
    a = write_place(tmp_path, place(name="Le Lieu"), "a.json")
    b = write_place(tmp_path, place(name="LE LIEU !"), "b.json")
    with pytest.raises(ImportFailed, match=r"a.json and b.json are the same place 'LE LIEU !' \(Lyon\)"):
        import_places([a, b], 2022, empty_data)


def _read_back_everything(folder):
    """Every file the importer wrote reads back with the kit's own readers."""
    from impact_kit.data.observations import load_sites
    from impact_kit.data.read import read_table

    for path in folder.iterdir():
        read_table(path)
    return load_sites(folder), load_answers(folder)


def test_a_50_mb_testimony_imports_and_reads_back(empty_data, tmp_path):
    line = 'Elle a dit : « entrez », puis "restez" ; 3,5 € ;\r\nsans fin 🙂\n'
    long = (line * (50_000_000 // len(line.encode()) + 1))[: 50_000_000 // 2 * 2]
    doc = place(name='Le "Grand", Lieu', lien_social=long, impact_social_frequence="Quotidienne")
    import_places([write_place(tmp_path, doc)], 2022, empty_data)
    sites, obs = _read_back_everything(empty_data)
    assert sites.loc["le-grand-lieu", "name"] == 'Le "Grand", Lieu'
    assert obs.loc[obs["question"] == "testimony", "value"].tolist() == [long]


@pytest.mark.parametrize(
    "text",
    ["\r seul\rretour", "  espaces  ", "=SOMME(A1)", '"', "ligne\n\n\n", "tab\tulation;virgule,", "x" * 200_000],
)
def test_odd_testimonies_read_back_verbatim(empty_data, tmp_path, text):
    import_places([write_place(tmp_path, place(lien_social=text))], 2022, empty_data)
    _, obs = _read_back_everything(empty_data)
    assert obs["value"].tolist() == [text]


@pytest.mark.parametrize("bad", ["avant\x00après", "demi \ud800 caractère"])
def test_text_that_no_csv_file_can_hold_is_refused_by_name(empty_data, tmp_path, bad):
    path = tmp_path / "place.json"
    path.write_text(json.dumps(place(lien_social=bad)), encoding="utf-8")
    before = snapshot(empty_data)
    with pytest.raises(InvalidData) as info:
        import_places([path], 2022, empty_data)
    assert "lien_social" in str(info.value) and "place.json" in str(info.value)
    assert snapshot(empty_data) == before


def test_two_places_with_one_slug_in_separate_runs_are_never_merged(empty_data, tmp_path):
    paris = write_place(tmp_path, place(name="Le Café", city="Paris", lien_social="Paris"), "paris.json")
    lyon = write_place(tmp_path, place(name="Le cafe !", city="Lyon", lien_social="Lyon"), "lyon.json")
    import_places([paris], 2022, empty_data)
    before = snapshot(empty_data)
    for replace in (False, True):
        with pytest.raises(ImportFailed) as info:
            import_places([lyon], 2022, empty_data, replace=replace)
        message = str(info.value)
        assert "lyon.json" in message and "'Le cafe !' (Lyon)" in message
        assert "sites.csv (row 2) gives to 'Le Café' (Paris)" in message
        assert f"impact-kit import commune-mesure {lyon} --year 2022 --data {empty_data} --id le-cafe-lyon" in message
        assert snapshot(empty_data) == before
    # The way out the message gives works, and the id then sticks to the place through sites.csv.
    [done] = import_places([lyon], 2022, empty_data, site_id="le-cafe-lyon")
    assert done.site == "le-cafe-lyon"
    [again] = import_places([lyon], 2023, empty_data)
    assert again.site == "le-cafe-lyon"
    obs = load_answers(empty_data)
    assert sorted(zip(obs["site"], obs["year"], obs["value"], strict=True)) == [
        ("le-cafe", 2022, "Paris"),
        ("le-cafe-lyon", 2022, "Lyon"),
        ("le-cafe-lyon", 2023, "Lyon"),
    ]


def test_same_name_in_another_city_is_refused_not_merged(data_dir, tmp_path):
    marseille = write_place(tmp_path, place(name="The Good Start", city="Marseille", lien_social="x"), "m.json")
    before = snapshot(data_dir)
    with pytest.raises(ImportFailed, match=r"'The Good Start' \(Marseille\) would be site 'the-good-start'.*Pantin"):
        import_places([marseille], 2024, data_dir)
    assert snapshot(data_dir) == before


def test_two_places_with_one_slug_in_one_run_name_both_files(empty_data, tmp_path):
    a = write_place(tmp_path, place(name="Le Café", city="Paris"), "a.json")
    b = write_place(tmp_path, place(name="Le cafe !", city="Lyon"), "b.json")
    with pytest.raises(ImportFailed) as info:
        import_places([a, b], 2022, empty_data)
    message = str(info.value)
    assert "a.json ('Le Café' (Paris)) and b.json ('Le cafe !' (Lyon)) would both be site 'le-cafe'" in message
    assert f"commune-mesure {b} --year 2022" in message and "--id le-cafe-lyon" in message
    assert list(empty_data.iterdir()) == []


def test_a_sites_csv_row_maps_a_platform_place_to_any_id(empty_data, tmp_path):
    write_csv(empty_data / "sites.csv", "site,name,city", "cafe-69,Le cafe !,LYON")
    [done] = import_places([write_place(tmp_path, place(name="Le Café", city="Lyon"))], 2022, empty_data)
    assert done.site == "cafe-69"
    assert (empty_data / "sites.csv").read_text(encoding="utf-8") == "site,name,city\ncafe-69,Le cafe !,LYON\n"


@pytest.mark.parametrize(
    ("site_id", "message"),
    [
        ("Le Lieu", "`--id Le Lieu` is not a site id"),
        ("x" * 81, "at most 80 characters"),
        ("the-good-start", "is already site 'le-lieu'"),
    ],
)
def test_bad_ids_are_refused(empty_data, tmp_path, site_id, message):
    write_csv(
        empty_data / "sites.csv", "site,name,city", "le-lieu,Le Lieu,Lyon", "the-good-start,The Good Start,Pantin"
    )
    before = snapshot(empty_data)
    with pytest.raises(ImportFailed, match=message):
        import_places([write_place(tmp_path, place())], 2022, empty_data, site_id=site_id)
    assert snapshot(empty_data) == before


def test_id_is_for_one_place(empty_data, tmp_path):
    a = write_place(tmp_path, place(name="A"), "a.json")
    b = write_place(tmp_path, place(name="B"), "b.json")
    with pytest.raises(ImportFailed, match=r"`--id` names the site of one place, but 2 places were given"):
        import_places([a, b], 2022, empty_data, site_id="a")


def test_a_name_with_no_letter_needs_an_id(empty_data, tmp_path):
    path = write_place(tmp_path, place(name="🙂 !!!", lien_social="x"), "smile.json")
    with pytest.raises(InvalidData, match=r"smile.json, column `name`: .* has no letter or digit.*--id SITE_ID"):
        import_places([path], 2022, empty_data)
    [done] = import_places([path], 2022, empty_data, site_id="sourire")
    assert done.site == "sourire" and load_sites_of(empty_data).loc["sourire", "name"] == "🙂 !!!"


def test_a_long_name_gives_an_id_of_at_most_80_characters(empty_data, tmp_path):
    name = "Le tiers-lieu " + "très " * 60 + "long"
    [done] = import_places([write_place(tmp_path, place(name=name, lien_social="x"))], 2022, empty_data)
    assert len(done.site) <= 80 and done.site.startswith("le-tiers-lieu-tres-") and not done.site.endswith("-")
    assert len(load_answers(empty_data)) == 1


def test_data_folder_must_exist_unless_init(tmp_path):
    path = write_place(tmp_path, place(lien_social="x"))
    with pytest.raises(ImportFailed, match=r"the data folder .*typo does not exist\. Check `--data`, or pass `--init`"):
        import_places([path], 2022, tmp_path / "typo")
    assert not (tmp_path / "typo").exists()
    import_places([path], 2022, tmp_path / "new", init=True)
    assert (tmp_path / "new" / IMPORT_FILE).exists()


def load_sites_of(folder):
    from impact_kit.data.observations import load_sites

    return load_sites(folder)


def test_unknown_key_with_text_is_kept_as_a_testimony_of_its_criterion(empty_data, tmp_path):
    doc = place(lien_social_commentaire="Un long texte libre", egalite_homme_femme_remarque=["Deux", ""], sante_x="")
    [done] = import_places([write_place(tmp_path, doc)], 2022, empty_data)
    assert done.kept_keys == {
        "lien_social_commentaire": "lien_social",
        "egalite_homme_femme_remarque": "egalite_femmes_hommes",
    }
    obs = load_answers(empty_data)
    assert sorted(zip(obs["criterion"], obs["question"], obs["value"], strict=True)) == [
        ("egalite_femmes_hommes", "testimony", "Deux"),
        ("lien_social", "testimony", "Un long texte libre"),
    ]


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("commentaire_libre", "Texte", "no criterion of the grid has this prefix"),
        ("lien_social_score", 12, "its value is not text"),
        ("reseaux_detail", {"a": "b"}, "its value is not text"),
    ],
)
def test_unknown_key_that_cannot_be_kept_stops_the_import(empty_data, tmp_path, key, value, message):
    with pytest.raises(InvalidData) as info:
        import_places([write_place(tmp_path, place(**{key: value}))], 2022, empty_data)
    [problem] = info.value.problems
    assert problem.column == key and message in problem.message and "stored nowhere" in problem.message
    assert list(empty_data.iterdir()) == []


@pytest.mark.parametrize(
    "doc",
    [
        {"name": "X", "blocs": {"impact_social": {"donnees": ["a"]}}},
        {"name": "X", "address": "Lyon", "blocs": {"impact_social": {"donnees": {}}}},
        {"name": None, "blocs": {"impact_social": {"donnees": {}}}},
    ],
)
def test_odd_shapes_are_not_place_files(empty_data, tmp_path, doc):
    with pytest.raises(InvalidData, match="not a Commune Mesure place file"):
        import_places([write_place(tmp_path, doc)], 2022, empty_data)


def test_an_existing_site_year_on_any_sheet_of_a_workbook_is_found(empty_data, tmp_path):
    import pandas as pd

    write_csv(empty_data / "sites.csv", "site,name,city", "le-lieu,Le Lieu,Lyon")
    columns = ["site", "year", "criterion", "question", "value"]
    with pd.ExcelWriter(empty_data / "observations.xlsx") as book:
        pd.DataFrame([["le-lieu", 2021, "sante", "testimony", "x"]], columns=columns).to_excel(
            book, sheet_name="a", index=False
        )
        pd.DataFrame([[" le-lieu", 2022.0, "sante", "testimony", "y"]], columns=columns).to_excel(
            book, sheet_name="b", index=False
        )
    with pytest.raises(ImportFailed, match=r"observations\.xlsx already holds observations of le-lieu 2022"):
        import_places([write_place(tmp_path, place(lien_social="z"))], 2022, empty_data)


# -- issue 30: every key the platform's own import writes ---------------------------------------


def _platform_keys(reference):
    """The keys GRID.md lists under "The platform's keys, as its own import writes them"."""
    section = (reference / "GRID.md").read_text(encoding="utf-8").split("## The platform's keys")[1]
    return re.findall(r"`([a-zê_]+)`", section.split("The level")[0])


def _a_value(question):
    """A value the platform could store for the question: raw labels, a number, a text."""
    if question.type in ("multi", "single") and question.options:
        raw = question.options[0].raw[0]
        return [raw] if question.type == "multi" else raw
    return {"number": 3, "scale": 4, "text": "2", "keywords": "entraide, voisinage"}.get(question.type, "Un texte.")


def test_every_key_the_platform_writes_is_known_to_the_grid(grid, reference):
    keys = _platform_keys(reference)
    assert len(keys) == 45 and "appartenance_exclusion_type" in keys
    known = {q.platform_key: (owner, q.id) for owner, q in grid.iter_questions() if q.platform_key}
    assert [k for k in keys if k not in known] == []


def test_a_current_format_place_with_every_key_imports_each_into_its_question(grid, reference, empty_data, tmp_path):
    known = {q.platform_key: (owner, q) for owner, q in grid.iter_questions() if q.platform_key}
    answers = {key: _a_value(known[key][1]) for key in _platform_keys(reference)}
    [imported] = import_places([write_place(tmp_path, place(**answers))], 2023, empty_data)
    assert not imported.kept_keys  # no key left as a text of unknown meaning
    obs = load_answers(empty_data)
    landed = set(zip(obs["criterion"], obs["question"], strict=True))
    for key in answers:
        owner, question = known[key]
        assert (owner, question.id) in landed, key


def test_upkeep_types_and_their_example_import_as_options_and_a_testimony(empty_data, tmp_path, capsys):
    doc = place(
        entretien_des_espaces_effets="Des effets positifs",
        entretien_des_espaces_effets_positif_type=["L'attractivité des espaces", "La mixité d'usages"],
        entretien_des_espaces_effets_positif_example="Les bacs sont arrosés par les voisins.",
    )
    code = main(
        ["import", "commune-mesure", str(write_place(tmp_path, doc)), "--year", "2023", "--data", str(empty_data)]
    )
    err = capsys.readouterr().err
    assert code == 0 and "warning" not in err.lower(), err
    obs = load_answers(empty_data)
    rows = sorted(zip(obs["criterion"], obs["question"], obs["value"], strict=True))
    assert rows == [
        ("entretien_des_espaces", "effect", "positive"),
        ("entretien_des_espaces", "positive_example", "Les bacs sont arrosés par les voisins."),
        ("entretien_des_espaces", "positive_types", "attractiveness"),
        ("entretien_des_espaces", "positive_types", "mixed_uses"),
    ]


def test_a_place_from_the_platform_says_the_urban_project_level_was_not_asked(reference, empty_data, tmp_path):
    import_places([reference / "the-good-start.json"], 2021, empty_data)
    obs = load_observations(empty_data)
    assert obs.loc[obs["question"] == NOT_ASKED, ["criterion", "value"]].values.tolist() == [
        ["impact_projet_urbain", "no"]
    ]
    table = indicator_table(obs, default_grid())
    urban = table[table["level"] == "impact_projet_urbain"]
    assert set(urban["direction"]) == {"not_asked"} and len(urban) == 3
    report = SiteReport.load("the-good-start", 2021, data=empty_data)
    assert "ne posait pas les questions de ce niveau" in str(report.level("impact_projet_urbain"))
