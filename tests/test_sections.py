"""SiteReport sections, without a kernel (the end-to-end run is in test_export.py)."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup
from conftest import ROOT

from impact_kit.data.observations import load_observations, load_sites
from impact_kit.exceptions import InvalidArgument, NotFound
from impact_kit.files import resolve_data
from impact_kit.grid.file import default_grid
from impact_kit.render.charts import PALETTE
from impact_kit.render.export import contents_html
from impact_kit.render.markup import Html
from impact_kit.reports.site import CHARTS, SiteReport

FABRIQUE = "la-fabrique-des-possibles-exemple"


@pytest.fixture(scope="module")
def good_start():
    return SiteReport.load("the-good-start", 2021, data="data")


def page(report: SiteReport) -> BeautifulSoup:
    """The sections in the master notebook's order, with the contents the export adds."""
    parts = [report.summary(), report.changes(), report.heading("charts")]
    parts += [report.chart(name) for name in CHARTS] + [report.levels()]
    body = "".join(map(str, parts))
    return BeautifulSoup(str(report.header()) + contents_html(body, report.lang) + body, "html.parser")


def test_sections_are_html_for_jupyter(good_start):
    header = good_start.header()
    assert isinstance(header, Html) and header._repr_html_() == str(header)
    assert repr(header).startswith("<Html header: ")
    soup = BeautifulSoup(str(header), "html.parser")
    assert soup.h1.get_text() == "Effets sociaux et urbains de The Good Start"
    assert soup.find(class_="ik-subtitle").get_text() == "Pantin (93500) · année 2021"
    assert "Commune Mesure" in soup.find(class_="ik-grid").get_text()


def test_every_toc_link_has_a_target(good_start):
    soup = page(good_start)
    links = [a["href"] for a in soup.select("nav.ik-toc a")]
    assert links and all(link.startswith("#") and soup.find(id=link[1:]) for link in links)
    assert [h.get_text() for h in soup.find_all("h2")][:5] == [
        "Sommaire",
        "En bref",
        "Points d'attention",
        "En graphiques",  # a first year is a clause of *En bref*, not a section
        "Effets individuels",
    ]


def test_the_contents_list_every_heading_between_and_after_the_charts(good_start):
    """contents_html skips the charts' SVG: the headings before, between and after charts are all listed, in order."""
    chart = str(good_start.chart("coverage"))
    assert '<svg role="img" ' in chart
    body = (
        f'<section id="a"><h2>A</h2></section>{chart}<h3 id="b">B</h3>{chart}{chart}'
        '<section id="c"><h2>C</h2></section>'
    )
    links = re.findall(r'href="#([^"]+)"', contents_html(body, "fr"))
    assert links == ["a", "b", "c"]
    # Other markup that opens an <svg role="img"> without its own end (an icon) does not hide the headings after it.
    icon = '<h2 id="a">A <svg role="img" aria-label="i" focusable="false"/></h2><h3 id="b">B</h3>'
    links = re.findall(r'href="#([^"]+)"', contents_html(icon + chart + '<h2 id="c">C</h2>', "fr"))
    assert links == ["a", "b", "c"]


def test_criteria_without_answers_are_hidden_except_always_shown(good_start):
    soup = page(good_start)
    assert soup.find(id="criterion-sante") is None
    assert soup.find(id="criterion-services_publics") is not None
    empty = SiteReport.load("la-cour-partagee-exemple", 2023, data="data")
    assert empty.grid.criterion("innovation_publique").always_shown


def test_unknown_site_or_year(tmp_path):
    with pytest.raises(
        NotFound,
        match=r"has no site 'nowhere'\.\nIts sites: coeur-de-friche-exemple \(2021, ",  # sorted by id
    ):
        SiteReport.load("nowhere", 2021, data="data")
    with pytest.raises(NotFound, match=re.escape("has no site 'the-good-stat'. Did you mean 'the-good-start'?")):
        SiteReport.load("the-good-stat", 2021, data="data")
    with pytest.raises(NotFound, match=re.escape("no observations of 'the-good-start' for 2030. Its years: 2021")):
        SiteReport.load("the-good-start", 2030, data="data")
    with pytest.raises(InvalidArgument, match="`lang` must be one of"):
        SiteReport.load("the-good-start", 2021, data="data", lang="de")


def test_earlier_years_and_changes():
    report = SiteReport.load(FABRIQUE, 2022, data="data")
    assert list(report.years) == [2021, 2022] and report.previous == 2021
    soup = page(report)
    changes = soup.find(id="ik-changes")
    assert changes.h2.get_text() == "Évolutions depuis 2021"
    assert changes.h3.get_text() == "Effets individuels"  # told by level
    assert changes.p.get_text().startswith("De 2/5 en 2021, l'intensité des effets est passée à 4/5 en 2022.")
    charts = soup.select("figure.ik-chart .ik-chart-wide svg[role=img]")
    assert charts[0]["aria-label"].startswith(
        "Diagramme en barres de l'intensité des effets (sur 5) par niveau, 2021 et 2022."
    )


def test_later_years_are_left_out():
    report = SiteReport.load(FABRIQUE, 2022, data="data")
    assert 2023 not in report.years


def test_english_report():
    soup = page(SiteReport.load(FABRIQUE, 2023, data="data", lang="en"))
    text = soup.get_text()
    assert "Social and urban effects of La Fabrique des Possibles (exemple)" in text
    assert soup.h1.select_one('span.ik-user[lang="fr"]').get_text() == "La Fabrique des Possibles (exemple)"
    assert "Changes since 2022" in text and "Social ties" in text
    assert "Lien social" not in text and "Lire la suite" not in text
    # Testimonies stay in their language.
    assert "La cantine est devenue le point de rendez-vous du quartier" in text


def test_pseudonymise_masks_testimonies(tmp_path, data_dir):
    with (data_dir / "observations.csv").open("a", encoding="utf-8") as handle:
        handle.write("the-good-start,2021,sante,testimony,Appelez Léa au 06 12 34 56 78\n")
    plain = page(SiteReport.load("the-good-start", 2021, data=data_dir)).get_text()
    masked = page(SiteReport.load("the-good-start", 2021, data=data_dir, pseudonymise=True)).get_text()
    assert "06 12 34 56 78" in plain and "06 12 34 56 78" not in masked and "Appelez Léa au [téléphone]" in masked


def test_data_resolves_the_same_way_everywhere_from_a_subfolder(monkeypatch):
    """From notebooks/, as in JupyterLab: "data" is the project's data folder for every function."""
    monkeypatch.chdir("notebooks")
    assert (resolve_data("data") / "sites.csv").is_file()
    assert len(load_sites("data")) == len(load_observations("data").drop_duplicates("site"))
    assert SiteReport.load("the-good-start", 2021, data="data").site == "the-good-start"


def test_from_the_package_notebooks_folder_data_and_reports_are_not_its_subpackages(monkeypatch):
    """The master runs from impact_kit/notebooks/, beside the subpackages data/ and reports/ of the package."""
    monkeypatch.chdir(ROOT / "impact_kit" / "notebooks")
    assert resolve_data("data") == ROOT / "data"
    assert resolve_data("reports") == ROOT / "reports"


def test_reprs_are_short(good_start):
    assert len(repr(good_start)) < 1000 and "the-good-start" in repr(good_start)
    assert len(repr(default_grid())) < 1000
    assert len(repr(default_grid().levels[0])) < 1000 and len(repr(default_grid().criteria[0])) < 1000
    assert "<table>" in default_grid()._repr_html_()


def test_unknown_level_chart_or_heading_names_the_known_ones(good_start):
    with pytest.raises(NotFound, match="its levels are \\['effets_individuels'"):
        good_start.level("effets_individuel")
    with pytest.raises(NotFound, match="use one of \\['intensity', 'publics', 'effects', 'coverage'\\]"):
        good_start.chart("intensities")
    with pytest.raises(NotFound, match="use one of \\['charts'\\]"):
        good_start.heading("graphs")


def test_a_chart_without_data_says_why(good_start):
    [p] = BeautifulSoup(str(good_start.chart("intensity")), "html.parser").find_all("p")
    assert p.get_text() == (
        "Pas de graphique « Intensité des effets par niveau » : aucune donnée de ce type n'a été renseignée pour 2021."
    )


def test_plot_draws_one_chart_in_the_report_style_and_passes_kwargs(good_start):
    figure = good_start.plot("coverage", edgecolor="black")
    [ax] = figure.axes
    bars = ax.patches
    assert len(bars) == len(good_start.grid.criteria)
    assert all(bar.get_edgecolor() == (0.0, 0.0, 0.0, 1.0) for bar in bars)
    assert ax.get_title(loc="left") == "Questions renseignées par critère"
    assert ax.spines["top"].get_visible() is False  # the report's style, scoped to the call
    assert next(t.get_fontfamily() for t in ax.get_yticklabels()) == ["DejaVu Sans"]
    import matplotlib as mpl

    assert mpl.rcParams["axes.spines.top"] is True  # nothing global changed
    first = mpl.colors.to_hex(bars[0].get_facecolor())
    assert first == PALETTE[0].lower()


def test_a_chart_on_given_axes(good_start):
    from matplotlib.figure import Figure

    figure = Figure()
    ax = figure.add_subplot()
    assert good_start.plot("effects", ax=ax) is figure
    assert len(ax.patches) == len(good_start.grid.levels)


def _renamed_grid(tmp_path):
    """A copy of the grid with every question id prefixed by `q_`, and the sample data rewritten to match."""
    import shutil

    import pandas as pd
    import yaml

    from impact_kit.grid.file import GRIDS_DIR

    doc = yaml.safe_load((GRIDS_DIR / "commune_mesure.yaml").read_text(encoding="utf-8"))
    ids = {q["id"] for q in doc["level_questions"]}
    ids |= {q["id"] for lv in doc["levels"] for c in lv["criteria"] for q in c["questions"]}
    new = {qid: f"q_{qid}" for qid in ids}
    pattern = re.compile(r"\{(" + "|".join(map(re.escape, sorted(ids, key=len, reverse=True))) + r")([:}])")

    def texts(node):
        if isinstance(node, dict):
            return {k: texts(v) for k, v in node.items()}
        return pattern.sub(lambda m: "{" + new[m.group(1)] + m.group(2), node)

    for q in doc["level_questions"]:
        q["id"] = new[q["id"]]
        if "sentence" in q:
            q["sentence"] = texts(q["sentence"])
    for level in doc["levels"]:
        for criterion in level["criteria"]:
            for q in criterion["questions"]:
                q["id"] = new[q["id"]]
            for sentence in criterion.get("sentences", []):
                for lang in doc["languages"]:
                    sentence[lang] = texts(sentence[lang])
                for key in ("when", "unless"):
                    if isinstance(sentence.get(key), dict):
                        sentence[key] = {new[k]: v for k, v in sentence[key].items()}
                    elif isinstance(sentence.get(key), list):
                        sentence[key] = [new[k] for k in sentence[key]]
                for key in ("list", "count"):
                    if sentence.get(key):
                        sentence[key] = new[sentence[key]]
    for role in ("testimony", "intensity", "keywords"):
        doc["roles"][role] = new[doc["roles"][role]]
    grid_path = tmp_path / "renamed.yaml"
    grid_path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    data = tmp_path / "data"
    shutil.copytree("data", data)
    for path in data.glob("observations*.csv"):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame["question"] = frame["question"].map(lambda q: new.get(q, q))  # `asked` is the kit's, not the grid's
        frame.to_csv(path, index=False)
    return grid_path, data


def _text(report: SiteReport) -> str:
    return page(report).get_text(" ")


@pytest.mark.parametrize(("site", "year", "lang"), [("the-good-start", 2021, "fr"), (FABRIQUE, 2023, "en")])
def test_a_grid_with_every_question_renamed_gives_the_same_report(tmp_path, site, year, lang):
    grid_path, data = _renamed_grid(tmp_path)
    renamed = SiteReport.load(site, year, data=data, grid=grid_path, lang=lang)
    assert renamed.grid.roles.testimony == "q_testimony"
    original = SiteReport.load(site, year, data="data", lang=lang)
    assert _text(renamed) == _text(original)
    assert "Aucun témoignage" not in _text(renamed)


def test_pseudonymised_report_masks_listed_names_and_says_so(data_dir):
    with (data_dir / "observations.csv").open("a", encoding="utf-8") as handle:
        handle.write("the-good-start,2021,sante,testimony,Merci à Léa Martin et à Mo : écrire à lea@ex.fr.\n")
    (data_dir / "redact.csv").write_text("site,text,replacement\nthe-good-start,Léa Martin,\n,Mo,\n", encoding="utf-8")
    report = SiteReport.load("the-good-start", 2021, data=data_dir, pseudonymise=True)
    text = page(report).get_text()
    assert "Léa Martin" not in text and "lea@ex.fr" not in text and " Mo " not in text
    assert "Merci à [personne 1] et à [personne 2]" in text
    note = BeautifulSoup(str(report.header()), "html.parser").find(class_="ik-pseudonymised").get_text()
    assert "pseudonymisés" in note and "pas une anonymisation au sens de la CNIL" in note
    assert report.redactions() == {"email": 1, "phone": 0, "name": 2}
    plain = SiteReport.load("the-good-start", 2021, data=data_dir)
    assert "Léa Martin" in page(plain).get_text() and plain.pseudonymisation_note().markup == ""
    assert plain.redactions() == {"email": 0, "phone": 0, "name": 0}


def test_a_platform_extract_is_never_the_summary_s_quote_and_is_marked_where_it_is_printed(good_start):
    # The Good Start's first testimony is the platform's 300-character preview (see the seed).
    summary = BeautifulSoup(str(good_start.summary()), "html.parser").get_text()
    assert "…" not in summary.split("«", 1)[-1]  # the quote is a whole text
    levels = BeautifulSoup(str(good_start.levels()), "html.parser").get_text()
    assert "Extrait : la source ne publie que le début de ce texte." in levels
