from __future__ import annotations

import pandas as pd
import pytest
from conftest import write_csv

from impact_kit.data.observations import (
    is_slug,
    load_observations,
    load_sites,
    select_site,
    select_site_year,
    select_year,
    slugify,
)
from impact_kit.data.read import EncodingWarning
from impact_kit.exceptions import InvalidData

HEADER = "site,year,criterion,question,value"
SITES = "site,name,city,postcode,kind"


@pytest.fixture
def tiny(tmp_path):
    """A data folder with one site and a valid observation."""
    write_csv(tmp_path / "sites.csv", SITES, "le-lieu,Le Lieu,Lyon,69001,tiers-lieu")
    write_csv(tmp_path / "observations.csv", HEADER, "le-lieu,2022,lien_social,frequency,daily")
    return tmp_path


def problems_of(folder):
    with pytest.raises(InvalidData) as info:
        load_observations(folder)
    return info.value.problems


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Le Point H^UT, lieu de création urbaine", "le-point-h-ut-lieu-de-creation-urbaine"),
        ("The Good Start", "the-good-start"),
        ("Cœur de Friche (exemple)", "coeur-de-friche-exemple"),
        ("  L'Été --- à Saint-Ouen!! ", "l-ete-a-saint-ouen"),
        ("Le 6b", "le-6b"),
    ],
)
def test_slug_rule(name, slug):
    assert slugify(name) == slug
    assert is_slug(slug)


def test_slug_needs_a_letter():
    with pytest.raises(ValueError, match="no letter or digit"):
        slugify("¿?!")


@pytest.mark.parametrize("bad", ["../../etc", "Le-Lieu", "le lieu", "-le", "le--lieu", "", "lé"])
def test_non_slugs(bad):
    assert not is_slug(bad)


def test_sample_data_validates():
    obs = load_observations("data")
    assert list(obs.columns) == ["site", "year", "criterion", "question", "value", "source"]
    assert obs["year"].dtype == "int64"
    assert obs["value"].dtype == "string"
    assert obs.groupby("site")["year"].nunique().drop("the-good-start").between(2, 3).all()
    assert len(load_sites("data")) >= 6


def test_sample_covers_every_question_and_option(grid):
    obs = load_observations("data")
    answered = set(zip(obs["criterion"], obs["question"], strict=True))
    values = set(zip(obs["criterion"], obs["question"], obs["value"], strict=True))
    for owner, question in grid.iter_questions():
        assert (owner, question.id) in answered, (owner, question.id)
        for option in question.options:
            assert (owner, question.id, option.id) in values, (owner, question.id, option.id)


def test_sample_has_long_testimonies_and_fictional_names():
    obs = load_observations("data")
    testimonies = obs.loc[obs["question"] == "testimony", "value"]
    assert (testimonies.str.len() > 300).sum() >= 3
    names = load_sites("data")["name"]
    assert names.str.endswith("(exemple)").sum() >= 5


def test_valid_tiny(tiny):
    obs = load_observations(tiny)
    assert obs.iloc[0].to_dict() == {
        "site": "le-lieu",
        "year": 2022,
        "criterion": "lien_social",
        "question": "frequency",
        "value": "daily",
        "source": "observations.csv",
    }


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        ("le-lieu,20222,lien_social,frequency,daily", "year", "'20222' is not a year between 1990 and 2100"),
        ("le-lieu,1989,lien_social,frequency,daily", "year", "is not a year between"),
        ("le-lieu,deux-mille,lien_social,frequency,daily", "year", "is not a year"),
        ("ailleurs,2022,lien_social,frequency,daily", "site", "unknown site 'ailleurs'. Add it to sites.csv"),
        ("le-lieu,2022,bonheur,frequency,daily", "criterion", "unknown criterion 'bonheur'"),
        ("le-lieu,2022,lien_social,humeur,daily", "question", "criterion `lien_social` has no question 'humeur'"),
        ("le-lieu,2022,lien_social,frequency,hourly", "value", "'hourly' is not an option of question `frequency`"),
        ("le-lieu,2022,lien_social,frequency,", "value", "the answer is empty"),
        ("le-lieu,2022,lien_social,publics,  ", "value", "the answer is empty"),
        ("le-lieu,2022,effets_individuels,intensity,6", "value", "6 is out of range"),
        ("le-lieu,2022,effets_individuels,intensity,3.5", "value", "not a whole number"),
        ("le-lieu,2022,effets_individuels,intensity,fort", "value", "'fort' is not a number"),
        ("le-lieu,2022,insertion_professionnelle,people_count,-2", "value", "out of range"),
        ("le-lieu,2022,insertion_professionnelle,people_count,beaucoup", "value", "not a number"),
    ],
)
def test_each_rule_names_file_row_column(tiny, row, column, message):
    write_csv(tiny / "observations.csv", HEADER, "le-lieu,2022,lien_social,testimony,Bonjour", row)
    [problem] = problems_of(tiny)
    assert (problem.file, problem.row, problem.column) == (str(tiny / "observations.csv"), 3, column)
    assert message in problem.message
    assert str(problem).startswith(f"{tiny / 'observations.csv'}, row 3, column `{column}`: ")


def test_all_problems_are_collected(tiny):
    write_csv(
        tiny / "observations.csv",
        HEADER,
        "x,20222,lien_social,frequency,daily",
        "le-lieu,2022,nope,a,b",
        "le-lieu,2022,lien_social,frequency,hourly",
    )
    assert [(p.row, p.column) for p in problems_of(tiny)] == [(2, "site"), (2, "year"), (3, "criterion"), (4, "value")]


def test_two_answers_to_a_single_choice_question(tiny):
    write_csv(
        tiny / "observations.csv",
        HEADER,
        "le-lieu,2022,lien_social,frequency,daily",
        "le-lieu,2022,lien_social,frequency,weekly",
        "le-lieu,2023,lien_social,frequency,weekly",
    )
    [problem] = problems_of(tiny)
    assert problem.row == 3
    assert f"takes one answer per site and year (see {tiny / 'observations.csv'}, row 2)" in problem.message


def test_same_option_twice_in_a_multi_choice(tiny):
    write_csv(
        tiny / "observations.csv",
        HEADER,
        "le-lieu,2022,lien_social,publics,visitors",
        "le-lieu,2022,lien_social,publics,volunteers",
        "le-lieu,2022,lien_social,publics,visitors",
    )
    [problem] = problems_of(tiny)
    assert problem.row == 4 and "already has the answer 'visitors'" in problem.message


def test_several_testimonies_and_open_answers_are_fine(tiny):
    write_csv(
        tiny / "observations.csv",
        HEADER,
        "le-lieu,2022,lien_social,testimony,Un",
        "le-lieu,2022,lien_social,testimony,Deux",
        "le-lieu,2022,services_publics,urgent_needs,Aide aux devoirs",
    )
    assert len(load_observations(tiny)) == 3


def test_row_numbers_are_spreadsheet_rows_whatever_newlines_a_quoted_cell_holds(tiny):
    # A spreadsheet shows a quoted cell with newlines as one row: the rows after it keep their number.
    write_csv(
        tiny / "observations.csv",
        HEADER,
        'le-lieu,2022,lien_social,testimony,"ligne 1\nligne 2\r\nligne 3\rfin\n"',
        "le-lieu,2022,lien_social,frequency,hourly",
    )
    [problem] = problems_of(tiny)
    assert problem.row == 3


def test_a_row_that_cannot_be_parsed_is_named_by_its_spreadsheet_row(tiny):
    write_csv(
        tiny / "observations.csv",
        HEADER,
        'le-lieu,2022,lien_social,testimony,"ligne 1\n\nligne 3"',
        'le-lieu,2022,lien_social,testimony,"jamais fermé',
    )
    with pytest.raises(InvalidData) as caught:
        load_observations(tiny)
    assert caught.value.problems[0].row == 3


def test_a_wide_row_after_a_multiline_cell_is_named_by_its_spreadsheet_row(tiny):
    write_csv(
        tiny / "observations.csv",
        HEADER,
        'le-lieu,2022,lien_social,testimony,"ligne 1\nligne 2"',
        "le-lieu,2022,lien_social,frequency,daily,extra",
    )
    [problem] = problems_of(tiny)
    assert problem.row == 3 and "6 cells" in problem.message


def test_testimonies_are_kept_verbatim(tiny):
    text = '  « NA » — dit-elle,\r\n  "sans" rien <b>changer</b>;  '
    frame = pd.DataFrame(
        [["le-lieu", 2022, "lien_social", "testimony", text]],
        columns=["site", "year", "criterion", "question", "value"],
    )
    frame.to_csv(tiny / "observations.csv", index=False)
    assert load_observations(tiny)["value"].iloc[0] == text


def test_missing_column(tiny):
    write_csv(tiny / "observations.csv", "site,year,criterion,value", "le-lieu,2022,lien_social,daily")
    [problem] = problems_of(tiny)
    assert (problem.row, "missing column `question`") == (1, problem.message[: len("missing column `question`")])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"\n\n  \n", "the file is empty"),
        (b"site,year\x00,criterion\n", "NUL bytes"),
        (bytes(range(256)) * 4, "NUL bytes"),
        (b"\x81\x8d\x8f\x90\x9d", "neither UTF-8 nor Windows-1252"),
    ],
)
def test_empty_binary_and_undecodable_files(tiny, content, message):
    (tiny / "observations.csv").write_bytes(content)
    [problem] = problems_of(tiny)
    assert problem.file == str(tiny / "observations.csv") and message in problem.message


def test_no_observations_file(tiny):
    (tiny / "observations.csv").unlink()
    assert "does not exist" in problems_of(tiny)[0].message


def test_excel_french_csv_semicolons_windows_1252(tiny):
    write_csv(
        tiny / "observations.csv",
        "site;year;criterion;question;value",
        "le-lieu;2022;lien_social;testimony;Élan d'été, « ça marche »",
        encoding="cp1252",
    )
    with pytest.warns(EncodingWarning, match="read as Windows-1252"):
        obs = load_observations(tiny)
    assert obs["value"].iloc[0] == "Élan d'été, « ça marche »"


def test_utf8_with_bom_and_crlf(tiny):
    (tiny / "observations.csv").write_bytes(
        "\ufeffsite,year,criterion,question,value\r\nle-lieu,2022,lien_social,testimony,Déjà\r\n".encode()
    )
    obs = load_observations(tiny)
    assert obs["value"].iloc[0] == "Déjà"


def test_whole_sample_as_excel_french_csv(tmp_path):
    """The sample saved as Excel's French CSV (semicolons, Windows-1252) validates to the same table."""
    original = load_observations("data")
    for name in ("sites.csv", "observations.csv", "observations-commune-mesure.csv"):
        frame = pd.read_csv(f"data/{name}", dtype=str, keep_default_na=False)
        frame.to_csv(tmp_path / name, sep=";", index=False, encoding="cp1252")
    with pytest.warns(EncodingWarning):
        converted = load_observations(tmp_path)
    pd.testing.assert_frame_equal(converted, original)


def test_xlsx_and_parquet(tiny):
    frame = pd.DataFrame(
        {
            "site": ["le-lieu"] * 2,
            "year": [2022, 2023],
            "criterion": ["effets_individuels"] * 2,
            "question": ["intensity"] * 2,
            "value": [4, 5],
        }
    )
    (tiny / "observations.csv").unlink()
    frame.to_excel(tiny / "observations.xlsx", index=False)
    assert load_observations(tiny)["value"].tolist() == ["4", "5"]
    (tiny / "observations.xlsx").unlink()
    frame.astype({"value": str}).to_parquet(tiny / "observations.parquet")
    assert load_observations(tiny)["year"].tolist() == [2022, 2023]


def test_xlsx_row_numbers(tiny):
    (tiny / "observations.csv").unlink()
    pd.DataFrame(
        {
            "site": ["le-lieu", "le-lieu"],
            "year": [2022, 2022],
            "criterion": ["lien_social"] * 2,
            "question": ["frequency", "publics"],
            "value": ["daily", "hourly"],
        }
    ).to_excel(tiny / "observations.xlsx", index=False)
    [problem] = problems_of(tiny)
    assert (problem.file, problem.row) == (str(tiny / "observations.xlsx"), 3)


def test_damaged_xlsx(tiny):
    (tiny / "observations.csv").unlink()
    (tiny / "observations.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    assert "cannot be read as an Excel workbook" in problems_of(tiny)[0].message


def test_several_observation_files_are_read(tiny):
    write_csv(tiny / "observations-2023.csv", HEADER, "le-lieu,2023,lien_social,frequency,weekly")
    obs = load_observations(tiny)
    assert sorted(obs["source"]) == ["observations-2023.csv", "observations.csv"]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (["le-lieu,A", "le-lieu,B"], "the site id 'le-lieu' is already used on row 2"),
        (["../../etc,Evil"], "'../../etc' is not a site id"),
        (["Le Lieu,Le Lieu"], "(for example 'le-lieu')"),
        ([",Sans id"], "the site id is empty"),
    ],
)
def test_sites_rules(tiny, rows, message):
    write_csv(tiny / "sites.csv", "site,name", *rows)
    with pytest.raises(InvalidData) as info:
        load_sites(tiny)
    assert message in str(info.value)
    assert info.value.problems[-1].column == "site"


def test_sites_keep_extra_columns_and_fill_missing_ones(tiny):
    write_csv(tiny / "sites.csv", "site,name,surface_m2", "le-lieu,Le Lieu,1200")
    sites = load_sites(tiny)
    assert list(sites.columns) == ["name", "city", "postcode", "kind", "surface_m2"]
    assert sites.loc["le-lieu", "surface_m2"] == "1200" and sites.loc["le-lieu", "city"] == ""


def test_selection_helpers():
    obs = load_observations("data")
    site = "la-fabrique-des-possibles-exemple"
    one = select_site_year(obs, site, 2022)
    assert set(one["site"]) == {site} and set(one["year"]) == {2022}
    assert sorted(select_site(obs, site)["year"].unique()) == [2021, 2022, 2023]
    assert select_year(obs, 2021)["site"].nunique() == 4


def test_row_with_too_many_cells(tiny):
    write_csv(tiny / "observations.csv", HEADER, "le-lieu,2022,lien_social,testimony,Bonjour, dit-elle")
    [problem] = problems_of(tiny)
    assert problem.row == 2 and "this row has 6 cells but the header has 5" in problem.message


@pytest.mark.parametrize("spelling", ["2022.0", " 2022", "2022 ", "2022,0", "2022.00"])
def test_a_year_spelled_otherwise_is_the_same_year_for_the_one_answer_rule(tiny, spelling):
    write_csv(
        tiny / "observations.csv",
        HEADER,
        "le-lieu,2022,lien_social,frequency,daily",
        f'le-lieu,"{spelling}",lien_social,frequency,weekly',
    )
    [problem] = problems_of(tiny)
    assert problem.row == 3 and "takes one answer per site and year" in problem.message
    assert f"{tiny / 'observations.csv'}, row 2" in problem.message


def test_spaces_around_ids_and_options_do_not_make_another_answer(tiny):
    write_csv(
        tiny / "observations.csv",
        HEADER,
        "le-lieu,2022,lien_social,publics,visitors",
        "le-lieu ,2022, lien_social,publics , visitors ",
    )
    [problem] = problems_of(tiny)
    assert problem.row == 3 and "already has the answer 'visitors'" in problem.message


def test_numbers_are_normalised_before_the_rules(tiny):
    write_csv(
        tiny / "observations.csv",
        HEADER,
        "le-lieu,2022,effets_individuels,intensity,4",
        "le-lieu,2022.0,effets_individuels,intensity, 4.0",
    )
    [problem] = problems_of(tiny)
    assert problem.row == 3 and "takes one answer" in problem.message
    write_csv(
        tiny / "observations.csv",
        HEADER,
        'le-lieu, 2022 ,effets_individuels,intensity," 4.0"',
        'le-lieu,2022,insertion_professionnelle,people_count,"3,50"',
        'le-lieu,2022,lien_social,testimony," 2022.0 "',
    )
    obs = load_observations(tiny)
    assert obs["year"].tolist() == [2022] * 3
    assert obs["value"].tolist() == ["4", "3.5", " 2022.0 "]  # a testimony stays verbatim


def test_an_unparsable_year_is_still_named_as_written(tiny):
    write_csv(tiny / "observations.csv", HEADER, "le-lieu, 2022.5 ,lien_social,frequency,daily")
    [problem] = problems_of(tiny)
    assert problem.column == "year" and "'2022.5' is not a year" in problem.message


def test_a_site_id_longer_than_80_characters_is_refused(tiny):
    long = "-".join(["tiers-lieu"] * 28)[:300].strip("-")
    write_csv(tiny / "sites.csv", SITES, f"{long},Long,Lyon,,")
    with pytest.raises(InvalidData, match=rf"the site id has {len(long)} characters; keep it to 80 at most"):
        load_sites(tiny)


def test_one_place_under_two_ids_is_refused(tiny):
    write_csv(tiny / "sites.csv", SITES, "le-lieu,Le Lieu,Lyon,,", "lieu-2,LE LIEU !,lyon,,", "lieu-3,Le Lieu,Paris,,")
    with pytest.raises(InvalidData) as info:
        load_sites(tiny)
    [problem] = info.value.problems
    assert (problem.row, problem.column) == (3, "name")
    assert "'LE LIEU !' in lyon is already site 'le-lieu' on row 2" in problem.message


def test_slugify_keeps_ids_short():
    assert len(slugify("a" * 200)) == 80
    assert slugify("mot " * 40) == "-".join(["mot"] * 20)


def _sheet(rows):
    return pd.DataFrame(rows, columns=["site", "year", "criterion", "question", "value"])


def test_every_sheet_with_the_header_is_read_and_others_are_named(tiny):
    from impact_kit.data.read import SheetsWarning

    (tiny / "observations.csv").unlink()
    with pd.ExcelWriter(tiny / "observations.xlsx") as book:
        _sheet([["le-lieu", 2022, "lien_social", "frequency", "daily"]]).to_excel(book, sheet_name="2022", index=False)
        _sheet([["le-lieu", 2023, "lien_social", "frequency", "weekly"]]).to_excel(book, sheet_name="2023", index=False)
        pd.DataFrame({"note": ["à relire"]}).to_excel(book, sheet_name="Notes", index=False)
        pd.DataFrame().to_excel(book, sheet_name="Vide", index=False)
    with pytest.warns(SheetsWarning, match=r"the sheets 'Notes' do not have the columns"):
        obs = load_observations(tiny)
    assert sorted(zip(obs["year"], obs["value"], strict=True)) == [(2022, "daily"), (2023, "weekly")]


def test_a_problem_on_another_sheet_names_the_sheet(tiny):
    (tiny / "observations.csv").unlink()
    with pd.ExcelWriter(tiny / "observations.xlsx") as book:
        _sheet([["le-lieu", 2022, "lien_social", "frequency", "daily"]]).to_excel(book, sheet_name="A", index=False)
        _sheet([["le-lieu", 2022, "lien_social", "frequency", "weekly"]]).to_excel(book, sheet_name="B", index=False)
    [problem] = problems_of(tiny)
    assert problem.file == f"{tiny / 'observations.xlsx'}, sheet 'B'" and problem.row == 2
    assert f"(see {tiny / 'observations.xlsx'}, sheet 'A', row 2)" in problem.message


def test_extra_columns_are_kept_with_one_warning(tiny):
    from impact_kit.data.observations import ExtraColumnsWarning

    write_csv(tiny / "observations.csv", HEADER + ",comment", "le-lieu,2022,lien_social,frequency,daily,vu en juin")
    write_csv(tiny / "observations-2.csv", HEADER + ",author", "le-lieu,2023,lien_social,frequency,daily,Léa")
    with pytest.warns(ExtraColumnsWarning) as caught:
        obs = load_observations(tiny)
    assert len(caught) == 1 and "extra columns `author`, `comment`; they are kept" in str(caught[0].message)
    assert list(obs.columns) == ["site", "year", "criterion", "question", "value", "source", "author", "comment"]
    assert obs["comment"].tolist() == ["", "vu en juin"] and obs["author"].tolist() == ["Léa", ""]


@pytest.mark.parametrize(
    ("header", "row", "message"),
    [
        (HEADER + ",value", "le-lieu,2022,lien_social,frequency,daily,weekly", "names `value` twice"),
        (HEADER + ",", "le-lieu,2022,lien_social,frequency,daily,oops", "column 6 has no name in the header row"),
        (HEADER + ",source", "le-lieu,2022,lien_social,frequency,daily,x", "the column `source` is the kit's own"),
        (HEADER.replace(",", "\t"), "le-lieu\t2022\tlien_social\tfrequency\tdaily", "separated by tabs"),
        (HEADER.replace(",", "|"), "le-lieu|2022|lien_social|frequency|daily", "separated by vertical bars"),
    ],
)
def test_header_problems(tiny, header, row, message):
    write_csv(tiny / "observations.csv", header, row)
    [problem] = problems_of(tiny)
    assert problem.row == 1 and message in problem.message


def test_a_trailing_separator_with_no_cells_is_harmless(tiny):
    write_csv(tiny / "observations.csv", HEADER + ",", "le-lieu,2022,lien_social,frequency,daily,")
    assert list(load_observations(tiny).columns) == ["site", "year", "criterion", "question", "value", "source"]


def test_header_only_files_are_no_observations(tiny):
    write_csv(tiny / "observations.csv", HEADER)
    [problem] = problems_of(tiny)
    assert "hold a header row but no observations" in problem.message and "observations.csv" in problem.file


def test_site_ids_with_spaces_around_are_the_same_ids(tiny):
    write_csv(tiny / "sites.csv", SITES, " le-lieu ,Le Lieu,Lyon,69001,tiers-lieu")
    assert list(load_sites(tiny).index) == ["le-lieu"]
    assert len(load_observations(tiny)) == 1
