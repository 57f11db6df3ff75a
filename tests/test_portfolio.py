from __future__ import annotations

import importlib
import math

import numpy as np
import pandas as pd
import pytest
from conftest import SAMPLE, write_csv

from impact_kit.data.observations import as_number, load_observations, load_sites
from impact_kit.indicators import portfolio as sections
from impact_kit.indicators import site as indicators
from impact_kit.indicators.table import INDICATOR_COLUMNS, indicator_table, numbers, write_indicators_csv

LONG = "Une longue histoire du quartier ; écrivez à jean@example.org pour la suite."

# alpha: 2022 and 2023; beta: 2023 only, no testimony; gamma: 2021 (alone that year) and 2022.
ROWS = [
    "alpha,2022,effets_individuels,intensity,2",
    "alpha,2022,lien_social,publics,neighbours",
    "alpha,2022,lien_social,publics,volunteers",
    "alpha,2022,lien_social,testimony,Bonjour",
    "alpha,2022,appartenance_exclusion,belonging,none",
    "alpha,2022,insertion_professionnelle,people_count,0",
    "alpha,2023,effets_individuels,intensity,4",
    "alpha,2023,effets_individuels,keywords,cantine",
    "alpha,2023,lien_social,publics,neighbours",
    "alpha,2023,lien_social,contexts,daily_life",
    "alpha,2023,solidarite,publics,neighbours",
    "alpha,2023,solidarite,publics,volunteers",
    "alpha,2023,solidarite,publics,visitors",
    "alpha,2023,insertion_professionnelle,people_count,3",
    "alpha,2023,sante,testimony,Ça va mieux.",
    "alpha,2023,sante,testimony,Deux.",
    "alpha,2023,cadre_de_vie,image_change_type,Des visiteurs venus d'ailleurs",
    "beta,2023,effets_collectifs,intensity,3",
    "beta,2023,lien_social,publics,volunteers",
    "beta,2023,appartenance_exclusion,belonging,belonging",
    "gamma,2021,lien_social,publics,occupants",
    "gamma,2022,effets_individuels,intensity,5",
    f'gamma,2022,lien_social,testimony,"{LONG}"',
    "gamma,2022,sante,testimony,   ",
]


@pytest.fixture
def folder(tmp_path):
    write_csv(
        tmp_path / "sites.csv",
        "site,name,city,postcode,kind",
        "alpha,Alpha,A,1,x",
        "beta,Bêta,B,2,y",
        "gamma,Gamma,C,3,z",
    )
    write_csv(tmp_path / "observations.csv", "site,year,criterion,question,value", *ROWS)
    return tmp_path


@pytest.fixture
def obs(folder, grid):
    return load_observations(folder, grid=grid)


@pytest.fixture
def table(obs, grid, folder):
    return indicator_table(obs, grid, load_sites(folder))


def row(table, site, year, criterion):
    found = table[(table["site"] == site) & (table["year"] == year) & (table["criterion"] == criterion)]
    assert len(found) == 1
    return found.iloc[0]


def test_indicator_table_shape_and_columns(table, grid):
    assert tuple(table.columns) == INDICATOR_COLUMNS
    assert len(table) == 5 * len(grid.criteria)  # 5 site-years, every criterion
    assert list(table["criterion"][:3]) == [c.id for c in grid.criteria[:3]]
    assert table["site"].is_monotonic_increasing
    assert list(table.drop_duplicates(["site", "year"])[["site", "year"]].itertuples(index=False, name=None)) == [
        ("alpha", 2022),
        ("alpha", 2023),
        ("beta", 2023),
        ("gamma", 2021),
        ("gamma", 2022),
    ]
    assert set(table["name"]) == {"Alpha", "Bêta", "Gamma"}


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        # site, year, criterion: observed, publics, intensity, testimonies, chars, answered, questions
        (("alpha", 2022, "lien_social"), (True, 2, 2.0, 1, 7, 2, 4)),
        (("alpha", 2022, "appartenance_exclusion"), (False, 0, math.nan, 0, 0, 1, 3)),  # option "none": no effect
        (("alpha", 2022, "insertion_professionnelle"), (False, 0, 2.0, 0, 0, 1, 3)),  # the number 0: no effect
        (("alpha", 2022, "sante"), (False, 0, 2.0, 0, 0, 0, 2)),
        (("alpha", 2023, "lien_social"), (True, 1, 4.0, 0, 0, 2, 4)),
        (("alpha", 2023, "solidarite"), (True, 3, math.nan, 0, 0, 1, 3)),
        (("alpha", 2023, "insertion_professionnelle"), (True, 0, 4.0, 0, 0, 1, 3)),
        (("alpha", 2023, "sante"), (True, 0, 4.0, 2, 12 + 5, 1, 2)),
        (("alpha", 2023, "cadre_de_vie"), (True, 0, math.nan, 0, 0, 1, 3)),  # free text on an open question
        (("beta", 2023, "lien_social"), (True, 1, math.nan, 0, 0, 1, 4)),
        (("beta", 2023, "appartenance_exclusion"), (True, 0, 3.0, 0, 0, 1, 3)),
        (("gamma", 2022, "lien_social"), (True, 0, 5.0, 1, len(LONG), 1, 4)),
        (("gamma", 2022, "sante"), (True, 0, 5.0, 1, 3, 1, 2)),  # a blank testimony still counts, as in the site report
    ],
)
def test_indicator_table_by_hand(table, key, expected):
    got = row(table, *key)
    columns = ["observed", "publics", "intensity", "testimonies", "testimony_chars", "answered", "questions"]
    values = tuple(got[c] for c in columns)
    assert values[0] is np.True_ or values[0] is np.False_
    assert values[:2] == expected[:2] and values[3:] == expected[3:]
    assert (math.isnan(values[2]) and math.isnan(expected[2])) or values[2] == expected[2]


def test_indicator_table_totals(table):
    assert table["observed"].sum() == 1 + 5 + 2 + 1 + 2  # alpha 2022, 2023, beta 2023, gamma 2021, 2022
    assert table["testimonies"].sum() == 5
    assert table["observed"].dtype == bool and table["publics"].dtype == "int64"


def test_indicator_table_without_sites_has_no_name(obs, grid):
    assert "name" not in indicator_table(obs, grid).columns


def test_observed_equals_is_observed_on_the_sample(grid):
    obs = load_observations(SAMPLE, grid=grid)
    table = indicator_table(obs, grid).set_index(["site", "year", "criterion"])["observed"]
    expected = {}
    for (site, year), part in obs.groupby(["site", "year"]):
        answers = indicators.answers_of(part)
        for criterion in grid.criteria:
            expected[(site, year, criterion.id)] = indicators.is_observed(criterion, answers.get(criterion.id, {}))
    assert len(table) == len(expected)
    assert {key: bool(table[key]) for key in expected} == expected
    assert 0 < sum(expected.values()) < len(expected)  # both outcomes occur: the comparison means something


def test_intensity_equals_intensity_table_on_the_sample(grid):
    obs = load_observations(SAMPLE, grid=grid)
    table = indicator_table(obs, grid)
    for (site, year), part in obs.groupby(["site", "year"]):
        expected = indicators.intensity_table(grid, {year: indicators.answers_of(part)}, "fr")[year].to_numpy()
        got = table[(table["site"] == site) & (table["year"] == year)].drop_duplicates("level")["intensity"]
        np.testing.assert_array_equal(got.to_numpy(), expected)


def test_numbers_parse_as_as_number():
    texts = ["3", "3,5", " 2 ", "abc", "inf", "1_000", "0.0", "-0", "", "3", "nan"]
    got = numbers(pd.Series(texts, dtype="string"))
    for text, value in zip(texts, got, strict=True):
        expected = as_number(text)
        assert (expected is None and math.isnan(value)) or value == expected, text


def test_write_indicators_csv_for_excel_and_for_programs(table, tmp_path):
    tmp_path = tmp_path / "written"
    plain = write_indicators_csv(table, tmp_path / "out" / "indicators.csv")
    raw = plain.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfsite,name,year,level,criterion,observed,")
    assert "Bêta".encode() in raw
    back = pd.read_csv(plain, encoding="utf-8-sig")
    assert len(back) == len(table) and set(back["observed"]) == {0, 1}
    np.testing.assert_array_equal(back["intensity"].to_numpy(), table["intensity"].to_numpy())

    excel = write_indicators_csv(table, tmp_path / "excel.csv", excel=True)
    text = excel.read_bytes().decode("utf-8-sig")
    assert text.startswith("site;name;year;level;criterion;observed;direction;publics;intensity;")
    assert "alpha;Alpha;2022;effets_individuels;lien_social;1;positive;2;2;1;7;2;4\r\n" in text
    back = pd.read_csv(excel, encoding="utf-8-sig", sep=";", decimal=",")
    np.testing.assert_array_equal(back["intensity"].to_numpy(), table["intensity"].to_numpy())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["excel.csv", "out"]  # no temporary file left


# --- sections -------------------------------------------------------------------------------


def test_sites_reporting_new_missing_and_continuing(table):
    got = sections.sites_reporting(table, 2023)
    assert got.to_dict("list") == {
        "site": ["alpha", "beta", "gamma"],
        "name": ["Alpha", "Bêta", "Gamma"],
        "status": ["continuing", "new", "missing"],
        "first_year": [2022, 2023, 2021],
        "years": [2, 1, 2],
    }


def test_a_year_with_a_single_site_and_no_previous_year(table, obs, grid):
    assert sections.previous_year(table, 2021) is None
    got = sections.portfolio_sections(obs, table, grid, 2021)
    assert got["sites_reporting"][["site", "status"]].values.tolist() == [["gamma", "new"]]
    assert got["intensity_change"].empty and list(got["intensity_change"].columns) == ["level", "change", "sites"]
    assert got["effect_movers"].empty
    assert got["site_table"]["site"].tolist() == ["gamma"]
    assert got["site_table"]["observed_before"].isna().all()
    reach = got["publics_reach"].set_index(["public", "criterion"])
    assert reach.loc[("occupants", "lien_social"), "sites"] == 1 and reach["sites"].sum() == 1
    assert reach.loc[("occupants", "lien_social"), "share"] == 1.0
    shares = got["effect_shares"]
    assert shares["year"].unique().tolist() == [2021]
    assert shares.set_index("criterion").loc["lien_social", "share"] == 1.0


def test_effect_shares_this_year_and_before(table, grid):
    got = sections.effect_shares(table, 2023)
    assert got["criterion"].drop_duplicates().tolist() == [c.id for c in grid.criteria]
    social = got[got["criterion"] == "lien_social"]
    assert social[["year", "sites", "observed", "share"]].values.tolist() == [
        [2021, 1, 1, 1.0],
        [2022, 2, 2, 1.0],
        [2023, 2, 2, 1.0],
    ]
    belonging = got[got["criterion"] == "appartenance_exclusion"].set_index("year")
    assert belonging.loc[2022, "share"] == 0.0 and belonging.loc[2023, "share"] == 0.5
    assert (got["year"] <= 2023).all()
    assert sections.effect_shares(table, 2022)["year"].max() == 2022


def test_publics_reach_counts_sites_not_answers(obs, grid):
    got = sections.publics_reach(obs, grid, 2023)
    assert len(got) == 7 * 3  # every public x every criterion asking about publics, zeros included
    counts = got.set_index(["public", "criterion"])["sites"]
    assert counts[("neighbours", "lien_social")] == 1
    assert counts[("volunteers", "lien_social")] == 1
    assert counts[("visitors", "solidarite")] == 1
    assert counts.sum() == 5
    assert got.set_index(["public", "criterion"]).loc[("volunteers", "lien_social"), "share"] == 0.5


def test_intensity_distribution_counts_sites_per_rating(table):
    got = sections.intensity_distribution(table, 2023)
    assert len(got) == 4 * 6
    individual = got[got["level"] == "effets_individuels"]
    assert individual["sites"].tolist() == [0, 0, 0, 1, 0, 1]  # alpha 4, beta not rated
    collective = got[got["level"] == "effets_collectifs"]
    assert collective["sites"].tolist() == [0, 0, 1, 0, 0, 1]
    assert individual["intensity"].isna().tolist() == [False] * 5 + [True]


def test_intensity_change_only_for_sites_rated_both_years(table):
    got = sections.intensity_change(table, 2023)
    assert len(got) == 4 * 9
    moved = got[got["sites"] > 0]
    assert moved[["level", "change", "sites"]].values.tolist() == [["effets_individuels", 2, 1]]


def test_effect_movers(table):
    got = sections.effect_movers(table, 2023)
    assert got[["site", "name", "before", "after", "change", "direction"]].values.tolist() == [
        ["alpha", "Alpha", 1, 5, 4, "up"]
    ]


def test_effect_movers_top_n_and_order():
    rows = []
    for site, before, after in [("a", 1, 4), ("b", 2, 5), ("c", 5, 1), ("d", 3, 3), ("e", 0, 1), ("f", 4, 2)]:
        for year, count in ((2022, before), (2023, after)):
            rows += [(site, year, f"c{i}", i < count, "positive" if i < count else "none") for i in range(6)]
    table = pd.DataFrame(rows, columns=["site", "year", "criterion", "observed", "direction"])
    got = sections.effect_movers(table, 2023, n=2)
    assert got[["site", "change", "direction"]].values.tolist() == [
        ["a", 3, "up"],
        ["b", 3, "up"],
        ["c", -4, "down"],
        ["f", -2, "down"],
    ]


def test_testimony_picks_follow_the_rule(obs, grid):
    got = sections.testimony_picks(obs, grid, 2022)
    # lien_social: the longest first, one per site; the blank one of sante is left out.
    assert got[["criterion", "site", "chars"]].values.tolist() == [
        ["lien_social", "gamma", len(LONG)],
        ["lien_social", "alpha", 7],
    ]
    assert got["text"][0] == LONG
    assert sections.testimony_picks(obs, grid, 2022, per_criterion=1)["site"].tolist() == ["gamma"]
    assert "jean@" in got["text"][0]  # verbatim: the report pseudonymises what it quotes


def test_testimony_picks_one_per_site_and_criterion(obs, grid):
    got = sections.testimony_picks(obs, grid, 2023)
    assert got[["criterion", "site", "text"]].values.tolist() == [["sante", "alpha", "Ça va mieux."]]


def test_site_table_a_site_without_earlier_year_or_testimony(table):
    got = sections.site_table(table, 2023).set_index("site")
    assert list(got.index) == ["alpha", "beta"]
    alpha, beta = got.loc["alpha"], got.loc["beta"]
    assert (alpha["observed"], alpha["observed_before"], alpha["change"]) == (5, 1, 4)
    assert (alpha["publics"], alpha["testimonies"], alpha["first_year"]) == (3, 2, 2022)
    assert alpha["intensity_effets_individuels"] == 4.0
    assert beta["observed"] == 2 and pd.isna(beta["observed_before"]) and pd.isna(beta["change"])
    assert beta["testimonies"] == 0 and beta["first_year"] == 2023
    assert math.isnan(beta["intensity_effets_individuels"]) and beta["intensity_effets_collectifs"] == 3.0
    assert got["questions"].tolist() == [table.drop_duplicates("criterion")["questions"].sum()] * 2


def test_sections_on_the_sample(grid):
    obs = load_observations(SAMPLE, grid=grid)
    table = indicator_table(obs, grid, load_sites(SAMPLE))
    got = sections.portfolio_sections(obs, table, grid, 2023)
    present = set(obs.loc[obs["year"] == 2023, "site"])
    assert set(got["site_table"]["site"]) == present
    assert set(got["sites_reporting"].query("status != 'missing'")["site"]) == present
    assert got["intensity_distribution"].groupby("level")["sites"].sum().eq(len(present)).all()


@pytest.mark.parametrize("name", ["impact_kit.indicators.table", "impact_kit.indicators.portfolio"])
def test_all_is_sorted_and_defined(name):
    module = importlib.import_module(name)
    assert module.__all__ == sorted(module.__all__, key=lambda n: (not n.isupper(), not n[:1].isupper(), n))
    assert all(hasattr(module, public) for public in module.__all__)


def test_write_indicators_csv_decimal_comma_for_excel(tmp_path):
    table = pd.DataFrame({"site": ["a"], "share": [0.5], "intensity": [np.nan], "observed": [True]})
    text = write_indicators_csv(table, tmp_path / "t.csv", excel=True).read_bytes().decode("utf-8-sig")
    assert text == "site;share;intensity;observed\r\na;0,5;;1\r\n"
