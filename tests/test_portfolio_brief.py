"""The portfolio's first page and its honest comparisons (issue 27): who answered, the totals, the sites to
watch, counts under 10 sites, percentages with their base from 10 and their Wilson interval from 30."""

from __future__ import annotations

import csv
import re

import pandas as pd
import pytest
from bs4 import BeautifulSoup
from conftest import SAMPLE

from impact_kit.data.dataset import load_dataset
from impact_kit.indicators.response import effect_panel, number_totals, programme_response
from impact_kit.indicators.shares import share_form, wilson_interval
from impact_kit.indicators.table import indicator_table
from impact_kit.render import data_tables as pft
from impact_kit.reports.portfolio import RESPONSE_FILE, PortfolioReport

SECTIONS = ["header", "summary", "effects", "publics", "intensity", "movers", "testimonies", "site_table"]
PERCENT = re.compile(r"\d\s*%")


def soup(html) -> BeautifulSoup:
    return BeautifulSoup(str(html), "html.parser")


@pytest.fixture(scope="module")
def sample():
    return PortfolioReport.load(2023, data=SAMPLE)


def test_en_bref_answers_the_funders_questions(sample):
    summary = soup(sample.summary()).select_one("#ik-summary")
    text = summary.get_text(" ", strip=True)
    # Who answered, out of the programme of sites.csv: 5 of 7, the new one and the two silent ones since when.
    assert text.startswith("En bref 5 des 7 sites du programme ont répondu pour 2023.")
    assert "Tiers-Lieu des Trois Rivières (exemple) (dernière réponse en 2022)" in text
    assert "The Good Start (dernière réponse en 2021)" in text
    # The year's totals of the grid's numbers: 12 + 27 people trained or supported, on the same sites as 2022.
    assert (
        "Nombre de personnes ayant bénéficié d'actions de formation ou d'accompagnement : 39 (2 sites) ; "
        "pour les 2 sites qui l’ont donné en 2022 et en 2023 : de 1 à 39."
    ) in text
    assert "Effet positif le plus répandu : Lien social , observé dans 5 des 5 sites." in text
    # The sites to watch in one sentence, the most affected first, and a link to the table of every site.
    assert "2 sites à suivre en 2023 : Cœur de Friche (exemple) et La Cour Partagée (exemple) ." in text
    assert summary.select("a")[-1]["href"] == "#ik-sites"
    # The data's names are marked as the data's, the kit's words are not.
    assert [s.get_text() for s in summary.select("li .ik-user")][:1] == ["La Cour Partagée (exemple)"]


def test_en_bref_in_english_has_no_french_word(sample):
    report = PortfolioReport.load(2023, data=SAMPLE, lang="en")
    text = soup(report.summary()).select_one("#ik-summary").get_text(" ", strip=True)
    assert "5 of the programme’s 7 sites answered for 2023." in text
    assert "The Good Start (last answered in 2021)" in text
    assert "Number of people who benefited from training or support: 39 (2 sites)" in text
    assert not re.search(r"\b(sur|des|sites du programme|dernière)\b", text.replace("Tiers-Lieu des Trois", ""))


def test_with_the_five_sample_sites_no_share_is_a_percentage(sample):
    page = "".join(str(getattr(sample, name)()) for name in SECTIONS)
    tree = soup(page)
    found = [t for t in tree.find_all(string=PERCENT)]
    labels = [svg["aria-label"] for svg in tree.select("svg[aria-label]") if PERCENT.search(svg["aria-label"])]
    assert found == [] and labels == []
    assert "Nombre de sites" in [t.get_text() for t in tree.select("svg text")] or "Nombre de sites" in page


def _portfolio_of(synthetic, tmp_path, n_sites: int) -> PortfolioReport:
    folder = synthetic.make_sample(tmp_path / f"s{n_sites}", n_sites, seed=1)
    report = PortfolioReport.load(2023, data=folder)
    return report


def test_from_ten_sites_a_share_is_a_percentage_with_its_base(synthetic, tmp_path):
    report = _portfolio_of(synthetic, tmp_path, 12)
    assert 10 <= report.reporting < 30
    cells = [td.get_text() for td in soup(report.effects()).select("details tbody td")]
    shares = [c for c in cells if PERCENT.search(c)]
    assert shares and all(re.fullmatch(rf"\d+ sur {report.reporting} \(\d+ %\)(, et .*)?", c) for c in shares[-15:])
    assert not any("intervalle" in c for c in cells)
    widest = soup(report.summary()).get_text(" ", strip=True)
    assert re.search(rf"observé dans \d+ des {report.reporting} sites \(\d+ %\)\.", widest)


def test_from_thirty_sites_a_percentage_carries_its_wilson_interval(synthetic, tmp_path):
    report = _portfolio_of(synthetic, tmp_path, 40)
    n = report.reporting
    assert n >= 30
    shares = report.tables["effect_shares"]
    row = shares[shares["year"] == 2023].iloc[0]
    low, high = wilson_interval(int(row["observed"]), n)
    cells = [td.get_text() for td in soup(report.effects()).select("details tbody tr")[0].select("td")]
    expected = (
        f"{int(row['observed'])} sur {n} ({round(row['observed'] / n * 100)} % ; intervalle de confiance à 95 % : "
        f"de {round(low * 100)} % à {round(high * 100)} %)"
    )
    assert expected in cells
    english = PortfolioReport.load(2023, data=tmp_path / "s40", lang="en")
    assert "95% confidence interval" in soup(english.effects()).get_text()


def test_the_share_rule():
    assert [share_form(n) for n in (1, 9, 10, 29, 30, 5000)] == ["count"] * 2 + ["percent"] * 2 + ["interval"] * 2
    assert pft.share(3, 5, "fr") == "3 sur 5" and pft.share(3, 5, "en") == "3 of 5"
    assert pft.share(5, 12, "fr") == "5 sur 12 (42 %)"
    assert pft.share(16, 40, "en") == "16 of 40 (40%; 95% confidence interval: 26% to 55%)"
    low, high = wilson_interval(16, 40)  # statsmodels' Wilson score interval
    assert (round(low, 4), round(high, 4)) == (0.2635, 0.554)
    with pytest.raises(ValueError, match="`observed` must be between 0 and `sites`"):
        wilson_interval(3, 2)


def test_response_says_who_answered_is_new_and_stopped_with_the_last_year_seen():
    data = load_dataset(SAMPLE)
    table = programme_response(data.observations, list(data.sites.index), 2023, names=data.sites["name"])
    now = table[table["year"] == 2023].set_index("site")
    assert int(now["answered"].sum()) == 5 and len(now) == 7
    assert now.loc["la-cour-partagee-exemple", "status"] == "new"
    assert now.loc["tiers-lieu-des-trois-rivieres-exemple", ["status", "last_year"]].tolist() == ["stopped", 2022]
    assert now.loc["the-good-start", ["status", "first_year", "last_year"]].tolist() == ["stopped", 2021, 2021]
    early = table[(table["year"] == 2021)].set_index("site")
    assert early.loc["les-halles-ephemeres-exemple", "status"] == "never"
    assert pd.isna(early.loc["les-halles-ephemeres-exemple", "last_year"])


def test_response_csv_is_written_beside_indicators(sample, tmp_path):
    sample.also_write(tmp_path)
    with (tmp_path / RESPONSE_FILE).open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["site", "name", "year", "answered", "status", "first_year", "last_year"]
    good_start = [r for r in rows if r["site"] == "the-good-start"]
    assert [(r["year"], r["answered"], r["status"], r["last_year"]) for r in good_start] == [
        ("2021", "1", "new", "2021"), ("2022", "0", "stopped", "2021"), ("2023", "0", "stopped", "2021")]  # fmt: skip


def test_a_selection_is_the_programme(tmp_path):
    sites = ["coeur-de-friche-exemple", "the-good-start"]
    report = PortfolioReport.load(2023, data=SAMPLE, sites=sites)
    text = soup(report.summary()).get_text(" ", strip=True)
    assert "1 des 2 sites du programme a répondu pour 2023." in text
    assert "The Good Start (dernière réponse en 2021)" in text


def test_totals_add_the_numbers_given_and_compare_the_same_sites():
    data = load_dataset(SAMPLE)
    totals = number_totals(data.observations, data.grid, 2023, previous=2022).set_index("criterion")
    people = totals.loc["insertion_professionnelle"]
    assert (people["total"], people["sites"]) == (39, 2)  # 12 + 27
    assert (people["previous_total"], people["previous_sites"]) == (6, 3)  # 1 + 0 + 5, another set of sites
    assert (people["panel"], people["panel_before"], people["panel_after"]) == (2, 1, 39)


def test_effect_panel_counts_the_same_sites_both_years():
    data = load_dataset(SAMPLE)
    table = indicator_table(data.observations[data.observations["year"] <= 2023], data.grid, data.sites)
    panel = effect_panel(table, 2023, previous=2022).set_index("criterion")
    assert set(panel["sites"]) == {4}  # the 4 sites observed in 2022 and 2023
    assert panel.loc["services_publics", ["before", "after"]].tolist() == [1, 3]
    assert effect_panel(table, 2021, previous=None).empty


def test_the_movers_data_marks_the_names_as_the_datas_and_its_csv_holds_plain_text(sample):
    from urllib.parse import unquote

    figure = soup(sample.movers()).select_one("#chart-movers")
    heads = figure.select("details tbody th")
    assert [h.select_one(".ik-user").get_text() for h in heads][-1] == "Cœur de Friche (exemple)"
    csv_text = unquote(figure.select_one("a.ik-csv")["href"].split(",", 1)[1])
    assert "Cœur de Friche (exemple)" in csv_text and "<span" not in csv_text


@pytest.mark.slow
def test_impact_kit_portfolio_writes_the_index_that_links_it(tmp_path):
    """Before any batch: the index links the portfolio and lists no site (there is no manifest)."""
    from impact_kit.cli import main

    out = tmp_path / "reports"
    assert main(["portfolio", "2023", "--data", str(SAMPLE), "--out", str(out), "--lang", "en"]) == 0
    index = soup((out / "index.html").read_text(encoding="utf-8"))
    assert [a["href"] for a in index.select("#ik-portfolios a")] == ["portfolio/2023/report.html"]
    assert index.html["lang"] == "en" and not index.select("#ik-index-table tbody tr")
    assert (out / "portfolio" / "2023" / RESPONSE_FILE).is_file()


def test_the_tables_of_sites_open_with_each_years_answers_of_the_programme(sample):
    """With the table of every site, not at the end of the method, where it ended the portrait text alone on a
    page 11 % full (portfolio 2022 in print, issue 28)."""
    assert not soup(sample.method()).select("#ik-method table")
    section = soup(sample.site_table()).select_one("#ik-sites")
    lead, first = section.find("p"), section.find("table")
    assert lead.get_text() == "Les réponses des 7 sites du programme, année par année :"
    assert lead.find_next("table") is first and len(section.find_all("table")) == 2
    rows = {r.th.get_text(): [td.get_text() for td in r.select("td")] for r in first.select("tbody tr")}
    # answered, of which new, stopped answering, never observed
    assert rows == {"2021": ["4", "4", "0", "3"], "2022": ["5", "2", "1", "1"], "2023": ["5", "1", "2", "0"]}


def test_figures_and_their_headings_are_on_the_right_words_on_the_left(sample):
    """A heading sat on the left over figures on the right ("Ont répondu" above a 4 a column away)."""
    section = soup(sample.site_table()).select_one("#ik-sites")
    response, sites = section.find_all("table")
    assert [th.get("class") for th in response.thead.find_all("th")] == [None] + [["ik-num"]] * 4
    assert not response.select("td.ik-text")
    head = [th.get_text() for th in sites.thead.tr.find_all("th")]
    words = {th.get_text() for th in sites.thead.find_all("th") if "ik-num" not in (th.get("class") or [])}
    assert words == {"Site", "Commune"} and "Intensité par niveau" in head  # the group over figures is one too
    assert {td["data-label"] for td in sites.select("td.ik-text")} == {"Commune"}
