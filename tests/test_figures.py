"""The report's charts as figures: inline SVG with real text, a number, a caption, their data as a table and a CSV."""

from __future__ import annotations

import csv
import io
import re
import urllib.parse

import matplotlib.pyplot as plt
import pytest
from bs4 import BeautifulSoup

from impact_kit.reports.site import CHARTS, SiteReport

FABRIQUE = ("la-fabrique-des-possibles-exemple", 2023)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def fabrique():
    return SiteReport.load(*FABRIQUE, data="data")


@pytest.fixture(scope="module")
def figures(fabrique):
    return {name: BeautifulSoup(str(fabrique.chart(name)), "html.parser") for name in CHARTS}


def number(text: str) -> float:
    return float(text.replace(",", ".").replace("\u202f", "").replace(" ", ""))


def table(soup: BeautifulSoup) -> tuple[list[str], list[tuple[str, list[str]]]]:
    head = [th.get_text() for th in soup.select("thead th")]
    rows = [(tr.th.get_text(), [td.get_text() for td in tr.find_all("td")]) for tr in soup.select("tbody tr")]
    return head, rows


def test_captions_are_numbered_text_in_call_order(figures):
    captions = [soup.find("figcaption").get_text() for soup in figures.values()]
    assert captions == [
        "Figure 1 : Intensité des effets par niveau",
        "Figure 2 : Publics impliqués, par critère",
        "Figure 3 : Critères présentant des effets observés, par niveau",
        "Figure 4 : Questions renseignées par critère",
    ]


def test_a_figure_keeps_its_number_when_shown_again(fabrique):
    again = BeautifulSoup(str(fabrique.chart("publics")), "html.parser")
    assert again.figcaption.get_text().startswith("Figure 2 : ")


def test_chart_text_is_real_text_not_paths(figures):
    """The "Why": the browser's find did not see "Intensité (1 à 5)", drawn as paths inside an <img>."""
    soup = figures["intensity"]
    assert not soup.find("img")
    for variant in ("wide", "narrow"):
        svg = soup.select_one(f".ik-chart-{variant} svg")
        assert svg["role"] == "img" and svg["aria-label"].startswith("Diagramme en barres")
        assert "Intensité (1 à 5)" in [t.get_text() for t in svg.find_all("text")]


def test_ids_are_unique_on_the_page(figures):
    ids = [tag["id"] for soup in figures.values() for tag in soup.find_all(id=True)]
    assert len(ids) == len(set(ids))
    for soup in figures.values():  # every reference points inside its own drawing
        for svg in soup.find_all("svg"):
            own = {tag["id"] for tag in svg.find_all(id=True)}
            refs = re.findall(r'url\(#([^)]+)\)|href="#([^"]+)"', str(svg))
            assert {a or b for a, b in refs} <= own


def test_chart_colours_follow_the_page_theme(figures):
    svg = str(figures["coverage"].select_one(".ik-chart-wide svg"))
    assert "var(--ik-text, #1f2328)" in svg and "#222222" not in svg
    assert "fill: #ffffff" not in svg.lower()  # transparent: a dark page shows through


def test_every_table_has_a_caption_and_scoped_headers(figures):
    for name, soup in figures.items():
        details = soup.find("details", class_="ik-data")
        assert details.summary.get_text().startswith("Données de la figure ")
        assert details.table.caption.get_text().endswith(", en chiffres"), name
        assert all(th.get("scope") == "col" for th in details.select("thead th"))
        assert all(th.get("scope") == "row" for th in details.select("tbody th"))


def test_intensity_table_matches_the_bars(fabrique, figures):
    head, rows = table(figures["intensity"])
    assert head == ["Niveau", "2021", "2022", "2023"]
    [ax] = fabrique.plot("intensity").axes
    heights = [bar.get_height() for bar in ax.patches]  # year by year, level by level
    in_table = [0.0 if cells[i] == "non renseignée" else number(cells[i]) for i in range(3) for _, cells in rows]
    assert in_table == heights
    assert [label for label, _ in rows] == [t.get_text().replace("\n", " ") for t in ax.get_xticklabels()]


def test_effects_table_matches_the_bars(fabrique, figures):
    head, rows = table(figures["effects"])
    [ax] = fabrique.plot("effects").axes
    heights = [bar.get_height() for bar in ax.patches]
    assert [number(cells[i]) for i in range(len(head) - 1) for _, cells in rows] == heights


def test_coverage_table_matches_the_bars_and_labels(fabrique, figures):
    head, rows = table(figures["coverage"])
    assert head == ["Critère", "Niveau", "Questions renseignées", "Questions", "Part renseignée (%)"]
    [ax] = fabrique.plot("coverage").axes
    assert [number(cells[3]) for _, cells in rows] == [round(bar.get_width()) for bar in ax.patches]
    assert [f"{cells[1]}/{cells[2]}" for _, cells in rows] == [t.get_text() for t in ax.texts]


def test_publics_table_matches_the_dots(fabrique, figures):
    _, rows = table(figures["publics"])
    [ax] = fabrique.plot("publics").axes
    dots = {(int(x), int(y)) for x, y in ax.collections[0].get_offsets()}
    in_table = {(col, row) for row, (_, cells) in enumerate(rows) for col, cell in enumerate(cells) if cell == "oui"}
    assert in_table == dots and dots
    assert {cell for _, cells in rows for cell in cells} <= {"oui", "non"}


def test_csv_download_holds_the_table(figures):
    link = figures["coverage"].find("a", class_="ik-csv")
    assert link["download"] == "la-fabrique-des-possibles-exemple-2023-coverage.csv"
    prefix = "data:text/csv;charset=utf-8,"
    assert link["href"].startswith(prefix)
    text = urllib.parse.unquote(link["href"][len(prefix) :])
    assert text.startswith("\ufeff")  # Excel reads it as UTF-8
    rows = list(csv.reader(io.StringIO(text[1:])))
    _, shown = table(figures["coverage"])
    assert rows[0] == ["Critère", "Niveau", "Questions renseignées", "Questions", "Part renseignée (%)"]
    assert [r[0] for r in rows[1:]] == [label for label, _ in shown]
    assert [r[2:] for r in rows[1:]] == [cells[1:] for _, cells in shown]
    publics = urllib.parse.unquote(figures["publics"].find("a", class_="ik-csv")["href"])
    assert set(",".join(publics.splitlines()[1:]).split(",")) - {""} >= {"0", "1"}


def test_a_chart_without_data_is_one_sentence_and_takes_no_number():
    report = SiteReport.load("the-good-start", 2021, data="data")
    none = BeautifulSoup(str(report.chart("intensity")), "html.parser")
    assert not none.find("figure") and none.p.get_text().startswith("Pas de graphique « Intensité")
    first = BeautifulSoup(str(report.chart("publics")), "html.parser")
    assert first.figcaption.get_text().startswith("Figure 1 : ")


def test_the_same_chart_gives_the_same_svg_in_another_process(fabrique):
    """matplotlib names clip paths after memory addresses; the page must not change from run to run."""
    import subprocess
    import sys

    code = (
        "from impact_kit.reports.site import SiteReport; "
        "print(SiteReport.load('la-fabrique-des-possibles-exemple', 2023, data='data').chart('coverage'), end='')"
    )
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    report = SiteReport.load(*FABRIQUE, data="data")
    here = str(report.chart("coverage"))
    assert other == here


def test_texts_measured_once_per_process_draw_what_matplotlib_draws(fabrique):
    """render.fit.SVGCanvas keeps text sizes and font heights from one drawing to the next: the SVG is matplotlib's own.

    The charts' wrapped labels have several lines, spaced by the font's line gap.
    """
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    from impact_kit.render import fit
    from impact_kit.render.charts import chart_style

    def svg(name: str, canvas: type) -> str:
        figure = fabrique._draw(name, size=(3.9, 6.0))
        buffer = io.StringIO()
        with chart_style():
            canvas(figure)
            figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
        return buffer.getvalue()

    for name in CHARTS:
        fabrique.chart(name)  # the sizes of its texts are known from here
        assert svg(name, fit.SVGCanvas) == svg(name, FigureCanvasSVG), name
    # The key tells sizes apart: the same text at twice the size is twice as wide.
    figure = Figure()
    small, large = (figure.text(0, 0, "Fréquentation", fontsize=size) for size in (9, 18))
    renderer = fit.MeasuredSVG(400, 300, io.StringIO())
    widths = [text.get_window_extent(renderer).width for text in (small, large, small)]
    assert widths[1] == pytest.approx(2 * widths[0], rel=0.05) and widths[2] == widths[0]


def test_the_svg_start_tag_is_well_formed_xml(fabrique):
    """The page is written as made (no re-serialisation): attributes need their spaces, and Word's converter XML."""
    from xml.dom import minidom

    for name in CHARTS:
        html = str(fabrique.chart(name))
        for start in re.findall(r"<svg\b[^>]*>", html):
            assert not re.search(r'="[^"]*"(?=[^\s/>])', start), start
            minidom.parseString(start.replace(">", "/>", 1) if not start.endswith("/>") else start)


def test_fonts_of_several_families_are_measured_as_matplotlib_measures_them():
    """A text size or font height kept per font file holds for one family; with several, matplotlib's own is used.

    ``findfont`` of a family list can be another file than the first family's font that
    matplotlib lays the text out with (cmr10 has no bold italic: findfont picks DejaVu Sans).
    """
    import logging

    from matplotlib.font_manager import FontProperties

    from impact_kit.render import fit

    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    # Absent families weigh down the first one in findfont's score, not in the layout's choice.
    families = ["cmr10", "DejaVu Sans"] + [f"Absent{i}" for i in range(8)]
    several = FontProperties(family=families, style="italic", weight="bold", size=10)
    one = FontProperties(family="DejaVu Sans", style="italic", weight="bold", size=10)
    fit._HEIGHTS.clear()
    fit._SIZES.clear()
    renderer = fit.MeasuredSVG(100, 100, io.StringIO())
    plain = fit.RendererSVG(100, 100, io.StringIO())
    for prop in (several, one, several):
        assert renderer._get_font_height_metrics(prop) == fit._font_height_metrics(prop)
        for text in ("ab", "Fréquentation"):
            measured = renderer.get_text_width_height_descent(text, prop, False)
            assert measured == plain.get_text_width_height_descent(text, prop, False)


def test_a_chart_is_an_image_in_notebooks_and_inline_svg_in_the_page():
    """Untrusted notebooks drop <svg> and <style> (flat text, both drawings): they show a data: URI <img>."""
    import base64

    import nbformat
    from conftest import SAMPLE

    from impact_kit.render.export import export_html
    from impact_kit.render.markup import PAGE_MIME

    chart = SiteReport.load("the-good-start", 2021, data=SAMPLE).chart("coverage")
    bundle = chart._repr_mimebundle_()
    shown = BeautifulSoup(bundle["text/html"], "html.parser")
    [image] = shown.select("figure.ik-chart img")
    assert not shown.find("svg") and image["alt"].startswith("Barres horizontales")
    svg = base64.b64decode(image["src"].removeprefix("data:image/svg+xml;base64,")).decode("utf-8")
    assert svg.startswith(
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" role="img"'
    )
    assert bundle[PAGE_MIME] == chart.markup and chart.markup.count("<svg") == 2  # wide and narrow, for the page
    cell = nbformat.v4.new_code_cell('report.chart("coverage")')
    cell.outputs = [nbformat.v4.new_output("display_data", bundle)]
    page = export_html(nbformat.v4.new_notebook(cells=[cell]))
    assert page.count('<svg role="img"') == 2 and "data:image/svg+xml" not in page
