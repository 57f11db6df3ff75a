"""The portfolio report: its sections without a kernel, then `impact-kit portfolio` end to end once."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup
from conftest import SAMPLE, snapshot, write_csv

from impact_kit.cli import main
from impact_kit.data.observations import load_observations, load_sites
from impact_kit.exceptions import NotFound
from impact_kit.indicators.table import INDICATOR_COLUMNS
from impact_kit.render.export import REMOVED_TAGS
from impact_kit.reports.parameters import PORTFOLIO_NOTEBOOK, notebook_parameters
from impact_kit.reports.portfolio import PORTFOLIO_CHARTS, PortfolioReport

SITES_2023 = [
    "coeur-de-friche-exemple",
    "l-atelier-du-canal-exemple",
    "la-cour-partagee-exemple",
    "la-fabrique-des-possibles-exemple",
    "les-halles-ephemeres-exemple",
]
WITH_REPORT = SITES_2023[:3]  # the fixtures write a site report for these only
SECTIONS = ["header", "summary", "effects", "publics", "intensity", "movers", "testimonies", "site_table", "method"]


def soup(html) -> BeautifulSoup:
    return BeautifulSoup(str(html), "html.parser")


def names_2023() -> dict[str, str]:
    sites = load_sites(SAMPLE)
    return {s: str(sites.loc[s, "name"]) for s in SITES_2023}


def fake_site_reports(out: Path, sites: list[str], year: int = 2023) -> None:
    for site in sites:
        (out / site / str(year)).mkdir(parents=True)
        (out / site / str(year) / "report.html").write_text("<!doctype html><title>x</title>", encoding="utf-8")


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    fake_site_reports(out, WITH_REPORT)
    (out / SITES_2023[3] / "2022").mkdir(parents=True)  # another year's report is no link for 2023
    (out / SITES_2023[3] / "2022" / "report.html").write_text("x", encoding="utf-8")
    return PortfolioReport.load(2023, data=SAMPLE, out=out), out


def test_the_sample_year_has_every_site_and_earlier_years(sample):
    report, _ = sample
    assert sorted(report.tables["site_table"]["site"]) == SITES_2023
    assert set(report.indicators["year"]) == {2021, 2022, 2023}  # 2024 is after the report's year
    assert report.previous == 2022 and report.reporting == 5
    assert repr(report).startswith("<PortfolioReport 2023 (fr): 5 sites, 1 new and 1 missing since 2022")
    assert len(repr(report).splitlines()) == 2


def test_every_site_of_the_year_is_named_and_linked_only_where_its_report_exists(sample, tmp_path, monkeypatch):
    from impact_kit.reports.lab import report_run

    report, out = sample
    monkeypatch.chdir(tmp_path)  # in JupyterLab: the kernel's folder, from which Lab resolves a link in an output
    lab = {a.get_text(): a["href"] for a in soup(report.site_table()).select(".ik-cards tbody th a")}
    assert len(lab) == len(WITH_REPORT) and all((tmp_path / href).resolve().is_file() for href in lab.values())
    with report_run():  # as the kit runs the notebook: links from the portfolio page
        page = soup(report.site_table())
    rows = page.select(".ik-cards tbody tr")
    assert [r.th.get_text() for r in rows] == [names_2023()[s] for s in SITES_2023]
    links = {a.get_text(): a["href"] for a in page.select(".ik-cards tbody th a")}
    assert links == {names_2023()[s]: f"../../{s}/2023/report.html" for s in WITH_REPORT}
    portfolio = out / "portfolio" / "2023"
    for href in links.values():
        assert not href.startswith(("/", "http", "file:")) and (portfolio / href).resolve().is_file()


def test_no_links_without_a_reports_folder():
    report = PortfolioReport.load(2023, data=SAMPLE)
    assert soup(report.site_table()).select("a") == []


def test_the_site_table_shows_the_key_figures(sample):
    report, _ = sample
    page = soup(report.site_table())
    heads = [th.get_text() for th in page.select(".ik-cards thead th")]
    # Short headings, each with its full name in <abbr title> and in the legend under the table (issue 27).
    assert heads[:4] == ["Site", "Commune", "Effets +", "Écart"]
    assert [a["title"] for a in page.select("thead th abbr")][:2] == [
        "Critères avec effet positif (sur 15)", "Écart depuis 2022"]  # fmt: skip
    legend = page.select_one(".ik-legend").get_text()
    assert legend.startswith("Effets + : Critères avec effet positif (sur 15) ; Écart : Écart depuis 2022 ; ")
    assert "Niveau 1 : Effets individuels" in legend
    # The levels' intensities under one heading, each column its level's number, its name in <abbr>.
    groups = page.select(".ik-cards thead tr")
    assert [th.get_text() for th in groups[0].select("th[scope=colgroup]")] == ["Intensité par niveau"]
    first = groups[1].select_one("th")
    assert (first.get_text(), first.abbr["title"]) == ("1", "Intensité · Effets individuels")
    # On a phone each row is a card: every cell says its column's full name.
    assert page.select("table")[-1]["class"] == ["ik-table", "ik-cards"]
    assert page.select_one(".ik-cards tbody td")["data-label"] == "Commune"
    cells = {r.th.get_text(): [td.get_text() for td in r.select("td")] for r in page.select(".ik-cards tbody tr")}
    new = cells["La Cour Partagée (exemple)"]
    assert new[0] == "Grenoble" and new[2] == "nouveau" and new[-1] == "2023"
    # 1 positive effect (Lien social) and 3 negative ones, never counted as effects; 9 positive in 2022.
    assert cells["Cœur de Friche (exemple)"][1:3] == ["1, et 3 négatifs", "\u22128"]  # a true minus (U+2212)


def test_summary_names_new_and_missing_sites(sample):
    report, _ = sample
    text = soup(report.summary()).get_text(" ", strip=True)
    assert "5 des 7 sites du programme ont répondu pour 2023." in text
    assert "1 site a répondu pour la première fois : La Cour Partagée (exemple)" in text
    # Every silent site of the programme, with the last year it answered, the latest first.
    assert (
        "2 sites du programme n’ont pas répondu pour 2023 : Tiers-Lieu des Trois Rivières (exemple) "
        "(dernière réponse en 2022) The Good Start (dernière réponse en 2021)"
    ) in text


def test_every_chart_is_an_inline_svg_with_alt_caption_and_data(sample):
    report, _ = sample
    figures = [f for name in SECTIONS for f in soup(getattr(report, name)()).select("figure.ik-chart")]
    assert [f["id"] for f in figures] == ["chart-effects", "chart-publics", "chart-intensity", "chart-change",
                                          "chart-movers"]  # fmt: skip
    for number, figure in enumerate(figures, start=1):
        # The site reports' figure pipeline: inline SVG with real text, wide and narrow, numbered, data and CSV.
        assert not figure.select("img")
        wide, narrow = figure.select_one(".ik-chart-wide svg"), figure.select_one(".ik-chart-narrow svg")
        for svg in (wide, narrow):
            assert svg["role"] == "img" and len(svg["aria-label"]) > 40 and svg.select("text")
        assert figure.figcaption.get_text(strip=True).startswith(f"Figure {number} : ")
        table = figure.select_one("details.ik-data table")
        assert table.select("thead th") and table.select("tbody tr")
        csv = figure.select_one("a.ik-csv")
        assert csv["href"].startswith("data:text/csv;charset=utf-8,") and csv["download"].startswith("portfolio-2023-")


def test_chart_data_tables_hold_the_section_figures(sample):
    report, _ = sample
    effects = soup(report.effects()).select("details tbody tr")
    assert [c.get_text() for c in effects[0].select("th, td")] == [
        "Lien social", "4 sur 4", "5 sur 5", "5 sur 5", "de 4 à 4"]  # fmt: skip
    # The last column compares the same 4 sites in 2022 and 2023 (the panel), and says so.
    assert soup(report.effects()).select("details thead th")[-1].get_text() == "Mêmes sites, 2022 → 2023"
    assert "compare les mêmes 4 sites, observés en 2022 et en 2023" in soup(report.effects()).get_text()
    intensity = soup(report.intensity()).select("#chart-intensity details tbody tr")
    rows = {r.th.get_text(): [int(td.get_text()) for td in r.select("td")] for r in intensity}
    assert all(sum(v) == 5 for v in rows.values())  # every site counted once per level
    movers = soup(report.movers()).select("details tbody tr")
    # Positive effects only: Cœur de Friche goes from 9 to 1 (its 2023 effects are negative or none).
    assert [r.select("td")[-1].get_text() for r in movers] == ["+4", "+3", "+2", "\u22128"]


def test_testimonies_follow_the_written_rule(sample):
    report, _ = sample
    page = soup(report.testimonies())
    assert "les textes les plus longs de 2023, au plus un par site" in page.p.get_text()  # the grid's word
    picks = report.tables["testimony_picks"]
    quotes = page.select("figure.ik-testimony")
    assert len(quotes) == len(picks) > 5
    assert all(q.figcaption.get_text().endswith(", 2023") for q in quotes)


def test_plot_draws_each_chart_and_names_the_charts(sample):
    report, _ = sample
    for name in PORTFOLIO_CHARTS:
        assert report.plot(name).axes[0].get_title(loc="left")
    with pytest.raises(NotFound, match="use one of"):
        report.plot("forest")


ROWS = [
    "alpha,2022,effets_individuels,intensity,2",
    "alpha,2022,lien_social,publics,neighbours",
    "alpha,2023,effets_individuels,intensity,4",
    "alpha,2023,lien_social,publics,neighbours",
    'alpha,2023,lien_social,testimony,"<script>alert(1)</script> écrivez à jean@example.org & co"',
    "beta,2023,effets_collectifs,intensity,3",
    "beta,2023,lien_social,publics,volunteers",
    "gamma,2021,lien_social,publics,occupants",
    "gamma,2021,effets_individuels,intensity,5",
]


@pytest.fixture
def small(tmp_path):
    """alpha: 2022 and 2023; beta: 2023 only, no testimony; gamma: 2021, alone that year. Names to escape."""
    write_csv(tmp_path / "sites.csv", "site,name,city,postcode,kind",
              'alpha,"<b>Alpha</b> & ""Co""",Lille,59000,x', "beta,Bêta,Nantes,44000,y", "gamma,Gamma,,,z")  # fmt: skip
    write_csv(tmp_path / "observations.csv", "site,year,criterion,question,value", *ROWS)
    load_observations(tmp_path)  # the fixture is valid data
    return tmp_path


def test_names_and_testimonies_are_escaped(small):
    report = PortfolioReport.load(2023, data=small)
    html = "".join(str(getattr(report, name)()) for name in SECTIONS)
    assert "<script>" not in html and "<b>" not in html
    assert (
        "&lt;b&gt;Alpha&lt;/b&gt; &amp; &#34;Co&#34;" in html or "&lt;b&gt;Alpha&lt;/b&gt; &amp; &quot;Co&quot;" in html
    )
    page = soup(html)
    assert page.find(string=re.compile("<script>alert")) is not None  # shown as text, verbatim
    assert '<b>Alpha</b> & "Co"' in page.get_text()


def test_pseudonymise_masks_contacts_in_the_testimonies_quoted(small):
    verbatim = soup(PortfolioReport.load(2023, data=small).testimonies()).get_text()
    masked = soup(PortfolioReport.load(2023, data=small, pseudonymise=True).testimonies()).get_text()
    assert "jean@example.org" in verbatim
    assert "jean@example.org" not in masked and "écrivez à" in masked
    note = "pseudonymisés"  # the same note as the site reports', in the header
    assert note in soup(PortfolioReport.load(2023, data=small, pseudonymise=True).header()).get_text()
    assert note not in soup(PortfolioReport.load(2023, data=small).header()).get_text()


def test_pseudonymise_masks_the_names_of_redact_csv_as_the_site_reports_do(small):
    from impact_kit.reports.site import SiteReport

    # "co" in alpha's testimony is a nickname listed for alpha: masked in both kinds alike.
    write_csv(small / "redact.csv", "site,text,replacement", "alpha,co,", ",jean,[prénom]")
    portfolio = soup(PortfolioReport.load(2023, data=small, pseudonymise=True).testimonies()).get_text()
    site = soup(SiteReport.load("alpha", 2023, data=small, pseudonymise=True).level("effets_individuels")).get_text()
    for page in (portfolio, site):
        assert "& [personne 1]" in page and "& co" not in page
    assert "& co" in soup(PortfolioReport.load(2023, data=small).testimonies()).get_text()


def test_a_site_with_no_earlier_year_is_new(small):
    report = PortfolioReport.load(2023, data=small, lang="en")
    cells = {
        r.th.get_text(): [td.get_text() for td in r.select("td")] for r in soup(report.site_table()).select("tbody tr")
    }
    assert cells["Bêta"][2] == "new" and cells["Bêta"][-1] == "2023"
    assert cells["Bêta"][4] == "0" and "Bêta" not in str(report.testimonies())  # a site with no testimony
    assert "1 site answered for the first time: Bêta" in soup(report.summary()).get_text(" ", strip=True)
    assert soup(report.testimonies()).select("figure.ik-testimony figcaption")[0].get_text().startswith("<b>Alpha")


def test_no_change_chart_when_no_site_rated_a_level_both_years(small):
    report = PortfolioReport.load(2022, data=small)  # alpha in 2022, gamma in 2021: no site both years
    assert report.previous == 2021
    section = soup(report.intensity())
    assert [f["id"] for f in section.select("figure")] == ["chart-intensity"]
    assert "Aucun site n'a renseigné l'intensité d'un niveau en 2021 et en 2022" in section.get_text()


def test_a_year_with_a_single_site_and_no_earlier_year(small):
    report = PortfolioReport.load(2021, data=small, lang="en")
    assert report.reporting == 1 and report.previous is None
    assert "1 of the programme’s 3 sites answered for 2021." in soup(report.summary()).get_text(" ", strip=True)
    assert len(soup(report.site_table()).select("tbody tr")) == 1
    for section in (report.intensity(), report.movers()):
        assert "none of these sites was observed before 2021" in str(section)
    assert [f["id"] for f in soup(report.intensity()).select("figure")] == ["chart-intensity"]
    assert (
        soup(report.testimonies()).select_one(".ik-empty").get_text()
        == "No site's team wrote a text about its effects in 2021."
    )
    assert set(report.indicators["year"]) == {2021}


def test_sites_keep_only_the_sites_asked_for(small):
    report = PortfolioReport.load(2023, data=small, sites=["beta"])
    assert list(report.tables["site_table"]["site"]) == ["beta"]
    assert set(report.indicators["site"]) == {"beta"}
    assert "Sélection de 1 site sur 2." in str(report.header())
    assert list(PortfolioReport.load(2023, data=small, sites="beta").indicators["site"].unique()) == ["beta"]


def test_unknown_year_or_site_is_not_found(small):
    with pytest.raises(NotFound, match=r"no observations of any site for 2030\. Years observed: 2021, 2022, 2023"):
        PortfolioReport.load(2030, data=small)
    with pytest.raises(NotFound, match=r"has no site 'alpah'\. Did you mean 'alpha'"):
        PortfolioReport.load(2023, data=small, sites=["alpah"])
    with pytest.raises(NotFound, match="no observations of the sites 'gamma' for 2023"):
        PortfolioReport.load(2023, data=small, sites=["gamma"])


def test_the_notebook_is_committed_clean_and_only_calls_the_package():
    nb = nbformat.read(PORTFOLIO_NOTEBOOK, as_version=4)
    assert [c for c in nb.cells if c.cell_type == "code" and (c.outputs or c.execution_count)] == []
    assert {t for c in nb.cells for t in c.metadata.get("tags", [])} <= REMOVED_TAGS
    calls = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and re.search(r"report\.\w+\(", c.source)]
    assert len(calls) == len(SECTIONS)
    for i in calls:
        cell, before = nb.cells[i], nb.cells[i - 1]
        assert len(cell.source.splitlines()) <= 6 and not re.search(r"^\s*(def|class|for|if)\b", cell.source, re.M)
        assert before.cell_type == "markdown" and "notes" in before.metadata.get("tags", [])
    assert list(notebook_parameters(PORTFOLIO_NOTEBOOK)) == ["year", "data", "grid", "lang", "pseudonymise",
                                                              "sites", "out"]  # fmt: skip
    # notebooks/ holds an untracked copy (tests/test_notebooks.py), never a link to the package's master.


def test_parameters_are_relative_and_name_the_sites(small, monkeypatch):
    monkeypatch.chdir(small.parent)
    report = PortfolioReport.load(2023, data=small, sites=["beta"], pseudonymise=True)
    params = report.parameters(small, small / "nowhere")
    assert params == {"year": 2023, "data": small.name, "grid": "", "lang": "fr", "pseudonymise": True,
                      "sites": ["beta"], "out": ""}  # fmt: skip
    (small / "reports").mkdir()
    every = PortfolioReport.load(2023, data=small)
    assert every.parameters(small, small / "reports")["out"] == str(Path(small.name) / "reports")
    assert every.parameters(small, small / "reports")["sites"] == []


def test_cli_passes_every_option_and_repeated_sites(monkeypatch, capsys, tmp_path):
    import impact_kit.batch.index as index
    import impact_kit.reports.run as run

    seen = {}

    def fake(year, *, on_start, **options):
        seen.update(options, year=year)
        on_start()  # once the inputs are checked: the command says what it writes
        return run.ReportPaths(tmp_path / "r.html", tmp_path / "r.ipynb", indicators=tmp_path / "i.csv")

    monkeypatch.setattr(run, "run_portfolio", fake)
    # The index of the reports folder given (it once took the folder three levels above the page: with this fake
    # page, pytest's own folder of every run, where it wrote an index.html).
    monkeypatch.setattr(index, "refresh_index", lambda dataset, out, *, lang: seen.update(index=(out, lang)))
    argv = ["portfolio", "2023", "--site", "a", "--site", "b", "--lang", "en", "--pseudonymise", "--out", "o",
            "--docx-template", "funder.docx"]  # fmt: skip
    assert main(argv) == 0
    assert seen.pop("index") == (Path("o"), "en")
    assert seen == {"year": 2023, "data": Path("data").absolute(), "out": Path("o"), "grid": None, "lang": "en",
                    "pseudonymise": True, "sites": ["a", "b"], "pdf": False, "docx": False,
                    "docx_template": Path("funder.docx")}  # fmt: skip
    printed = capsys.readouterr()
    assert printed.out.splitlines() == [str(tmp_path / "r.html"), str(tmp_path / "i.csv")]
    assert printed.err == "Writing the portfolio report of 2023 (en)...\n"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["2030"], "no observations of any site for 2030"),
        (["2023", "--site", "nowhere"], "has no site 'nowhere'"),
        (["2023", "--lang", "de"], "invalid choice: 'de'"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(capsys, tmp_path, argv, message):
    out = tmp_path / "reports"
    out.mkdir()
    before = snapshot(tmp_path)
    try:
        code = main(["portfolio", *argv, "--data", str(SAMPLE), "--out", str(out)])
    except SystemExit as exc:  # argparse's own usage errors
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err
    assert snapshot(tmp_path) == before and list(out.iterdir()) == []


# --- End to end, once: `impact-kit portfolio 2023` runs the notebook in a kernel. ---


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("portfolio") / "reports"
    fake_site_reports(out, WITH_REPORT)
    assert main(["portfolio", "2023", "--data", str(SAMPLE), "--out", str(out)]) == 0
    target = out / "portfolio" / "2023"
    return target, (target / "report.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_writes_html_notebook_and_indicators_and_nothing_else(written):
    target, _ = written
    assert sorted(p.name for p in target.iterdir()) == ["indicators.csv", "report.html", "report.ipynb", "response.csv"]
    nb = nbformat.read(target / "report.ipynb", as_version=4)
    assert nb.metadata.papermill.parameters["year"] == 2023
    assert nb.metadata.papermill.input_path == "impact_kit/notebooks/portfolio_report.ipynb"
    assert not any(o.get("output_type") == "error" for c in nb.cells for o in c.get("outputs", []))


@pytest.mark.slow
def test_the_page_names_every_site_of_the_year_and_links_to_their_reports(written):
    _, html = written
    page = soup(html)
    names = names_2023()
    rows = [r.th.get_text() for r in page.select("#ik-sites .ik-cards tbody tr")]
    assert rows == [names[s] for s in SITES_2023]
    links = sorted(a["href"] for a in page.select("#ik-sites a"))
    assert links == [f"../../{s}/2023/report.html" for s in WITH_REPORT]
    toc = [a["href"] for a in page.select("nav.ik-toc a")]
    assert toc == ["#ik-summary", "#ik-watch", "#ik-effects", "#ik-publics", "#ik-intensity", "#ik-movers",
                   "#ik-testimonies", "#ik-method", "#ik-sites"]  # fmt: skip
    watch = sorted(a["href"] for a in page.select("#ik-watch a"))  # to each report's points of attention
    assert watch and all(link.endswith("/2023/report.html#ik-attention") for link in watch)
    assert page.title.get_text() == "Effets sociaux et urbains des sites en 2023"
    assert "parameters" not in html and "sites = []" not in html and "report.summary()" not in html


@pytest.mark.slow
def test_the_page_opens_offline(written):
    target, html = written
    page = soup(html)
    assert not re.search(r"https?://", html)
    assert all(tag["src"].startswith("data:") for tag in page.find_all(src=True))
    assert not page.select("img") and len(page.select("figure.ik-chart svg[role=img]")) == 10  # 5 charts, 2 drawings
    for tag in page.find_all(href=True):
        href = tag["href"]
        if href.startswith("#"):
            assert page.find(id=href[1:]) is not None, href
        elif href.startswith("data:text/csv;"):  # a chart's figures, inline
            assert tag.has_attr("download"), href
        else:
            path = href.partition("#")[0]  # a site's points of attention: its page, then its anchor
            assert "://" not in href and not href.startswith("/") and (target / path).resolve().is_file(), href


@pytest.mark.slow
def test_indicators_csv_has_one_row_per_site_year_and_criterion(written):
    target, _ = written
    with (target / "indicators.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert (target / "indicators.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert list(rows[0]) == list(INDICATOR_COLUMNS)
    obs = load_observations(SAMPLE)
    pairs = obs.loc[obs["year"] <= 2023, ["site", "year"]].drop_duplicates()
    assert len(rows) == len(pairs) * 15
    this_year = {r["site"] for r in rows if r["year"] == "2023"}
    assert sorted(this_year) == SITES_2023
    assert {r["year"] for r in rows} == {"2021", "2022", "2023"}
    assert len([r for r in rows if r["year"] == "2023"]) == 5 * 15


@pytest.mark.slow
def test_in_a_browser_it_loads_nothing_else_and_its_data_tables_open(written, tmp_path, browser):
    from conftest import CHROMIUM as chromium

    target, _ = written
    html = target / "report.html"
    context = browser.new_context()
    try:
        page = context.new_page()
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.goto(html.as_uri())
        assert [u for u in requests if not u.startswith("data:") and u != html.as_uri()] == []
        sizes = page.eval_on_selector_all(
            "figure.ik-chart svg",
            "svgs => svgs.filter(s => s.checkVisibility()).map(s => s.getBoundingClientRect().width)",
        )
        assert len(sizes) == 5 and all(sizes)  # one drawing of each chart shows, at its size
        table = page.locator("#chart-effects details table")
        assert not table.is_visible()
        page.locator("#chart-effects details summary").click()
        assert table.is_visible()
    finally:
        context.close()

    from impact_kit.render.pdf import print_pdf

    work = tmp_path / "work"
    work.mkdir()
    pdf = print_pdf(html, tmp_path / "report.pdf", workdir=work, browser=chromium)
    assert pdf.read_bytes().startswith(b"%PDF-")


@pytest.mark.slow
def test_the_notebook_runs_on_the_tables_the_command_validated(tmp_path, monkeypatch):
    # The notebook runs in a fork of the command's process and finds its validated tables:
    # the data folder is read and validated once, not once more by a kernel.
    import os

    from impact_kit.data import dataset
    from impact_kit.engine import ForkEngine
    from impact_kit.reports.run import run_portfolio

    calls = tmp_path / "calls"
    original = dataset.load_observations

    def counted(*args, **kwargs):
        with calls.open("a") as handle:
            handle.write(f"{os.getpid()}\n")
        return original(*args, **kwargs)

    monkeypatch.setattr(dataset, "load_observations", counted)
    monkeypatch.setattr(dataset, "_CACHE", {})
    started = ForkEngine.started
    paths = run_portfolio(2023, data=SAMPLE, out=tmp_path / "reports")
    assert ForkEngine.started == started + 1
    assert calls.read_text().split() == [str(os.getpid())]
    page = soup(paths.html.read_text(encoding="utf-8")).get_text()
    assert all(name in page for name in names_2023().values())


@pytest.mark.slow
def test_the_portfolio_exports_from_lab_as_the_command_writes_it(written, tmp_path):
    """PortfolioReport.export(): what `impact-kit portfolio YEAR` writes, from a forked child of the kernel."""
    from impact_kit.reports.lab import report_run

    out = tmp_path / "reports"
    fake_site_reports(out, WITH_REPORT)
    report = PortfolioReport.load(2023, data=SAMPLE, out=out)
    with report_run():
        assert report.export() is None  # the kit's own run: nothing more
    exported = report.export()
    assert exported.html == out / "portfolio" / "2023" / "report.html"
    assert "report.html" in exported._repr_html_()
    footer = re.compile(r'<p class="ik-date">[^<]*</p>|<footer class="ik-footer">.*?</footer>', re.S)
    _, page = written
    assert footer.sub("", exported.html.read_text(encoding="utf-8")) == footer.sub("", page)
