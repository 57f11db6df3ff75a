"""Text that matplotlib would read as math is drawn as written, in every chart (issue 18, point 1).

A folder where every text field (site names, the grid's labels, keywords, testimonies)
holds ``$``, ``\\``, ``{``, ``}``, ``^``, ``_`` and mathtext commands: the site charts
and the portfolio's are drawn, and their artists and SVG text say exactly what was written.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from html import unescape

import matplotlib.text
import pytest
import yaml
from bs4 import BeautifulSoup
from conftest import SAMPLE

from impact_kit.data.dataset import load_dataset
from impact_kit.grid.file import default_grid
from impact_kit.reports.portfolio import PORTFOLIO_CHARTS, PortfolioReport
from impact_kit.reports.site import CHARTS, SiteReport

#: Each would be math, or an error, if matplotlib parsed it: none contains a space (lines wrap at spaces).
TOKENS = ["$\\undefinedcommand$", "5$", "10$", "$x^2_{i}$", "\\frac{a}{b}", "{x}^_y"]
HOSTILE = " ".join(TOKENS)


def _spoil(node):
    """Append the hostile text to every label of a grid file's tree."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("label", "name") and isinstance(value, dict):
                node[key] = {lang: f"{text} {HOSTILE}" for lang, text in value.items()}
            else:
                _spoil(value)
    elif isinstance(node, list):
        for item in node:
            _spoil(item)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    data = folder / "data"
    shutil.copytree(SAMPLE, data)
    grid_path = folder / "grid.yaml"
    tree = yaml.safe_load(default_grid().path.read_text(encoding="utf-8"))
    tree["id"] = "hostile"
    _spoil(tree)
    grid_path.write_text(yaml.safe_dump(tree, allow_unicode=True, sort_keys=False), encoding="utf-8")
    grid = default_grid()
    keywords = grid.roles.keywords
    for path in data.glob("*.csv"):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
        header = rows[0]
        if path.name == "sites.csv":
            at = header.index("name")
            for row in rows[1:]:
                row[at] = f"Café {TOKENS[0]} {row[at]} Prix 5$ et 10$"
        elif path.name.startswith("observations"):
            question, value = header.index("question"), header.index("value")
            for row in rows[1:]:
                if row[question] in (keywords, grid.roles.testimony):
                    row[value] = f"{row[value]} {HOSTILE}"
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(rows)
    return load_dataset(data, grid=grid_path)


def svg_text(svg: str) -> str:
    """The text of an SVG's ``<text>`` elements, one space between elements."""
    return " ".join(unescape(re.sub(r"<[^>]+>", "", t)) for t in re.findall(r"<text\b.*?</text>", svg, flags=re.S))


def assert_as_written(figure, svg: str, tokens: list[str] = TOKENS) -> None:
    artists = [t for t in figure.findobj(matplotlib.text.Text) if t.get_text()]
    assert artists
    for artist in artists:
        assert artist._preprocess_math(artist.get_text())[1] is False, artist.get_text()  # no math, no TeX
    drawn = svg_text(svg).split()
    # Parsed as math, "$x^2_{i}$" would be drawn as "x", "2", "i" and "5$ et 10$" as " et 10": each is whole here.
    assert set(tokens) <= set(drawn), svg_text(svg)


def test_site_charts_draw_names_labels_and_keywords_as_written(hostile):
    pairs = hostile.observations[["site", "year"]].drop_duplicates().sort_values(["year", "site"])
    site, year = pairs.iloc[-1]
    report = SiteReport.load(site, int(year), data=hostile)
    drawn = 0
    for name in CHARTS:
        html = str(report.chart(name))
        if "<svg" not in html:
            continue
        svgs = [str(svg) for svg in BeautifulSoup(html, "html.parser").find_all("svg")]
        figure = report.plot(name)
        for svg in svgs:
            assert_as_written(figure, svg)
        drawn += 1
    assert drawn >= 3


def test_portfolio_charts_draw_site_names_and_labels_as_written(hostile):
    report = PortfolioReport.load(2023, data=hostile)
    for name in PORTFOLIO_CHARTS:
        svgs = [str(svg) for svg in BeautifulSoup(str(report.chart(name)), "html.parser").find_all("svg")]
        assert svgs, name
        # The movers chart shortens site names (the narrow variant more): the first token only is whole.
        for svg in svgs:
            assert_as_written(report.plot(name), svg, [] if name == "movers" else TOKENS)
        assert any(TOKENS[0] in svg_text(svg).split() for svg in svgs), name


def test_a_chart_drawn_outside_the_style_keeps_its_text_as_written(hostile):
    # report.plot() in JupyterLab is displayed after its ``with chart_style()`` block has ended.
    report = PortfolioReport.load(2023, data=hostile)
    figure = report.plot("movers")
    figure.savefig(io.BytesIO(), format="png")  # a mathtext error would be raised here
    texts = [t for t in figure.findobj(matplotlib.text.Text) if t.get_text()]
    assert any(TOKENS[0] in t.get_text() for t in texts)
    assert all(t._preprocess_math(t.get_text())[1] is False for t in texts)


@pytest.mark.slow
def test_every_report_and_the_portfolio_are_written(hostile, tmp_path, monkeypatch):
    from impact_kit.cli import main

    monkeypatch.chdir(hostile.folder.parent)
    out = tmp_path / "reports"
    common = ["--data", "data", "--grid", "grid.yaml", "--out", str(out)]
    assert main(["batch", *common]) == 0
    assert main(["portfolio", "2023", *common]) == 0
    pages = sorted(out.glob("*/*/report.html"))
    assert len(pages) == len(hostile.observations[["site", "year"]].drop_duplicates()) + 1
    for page in pages:
        svgs = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").find_all("svg")
        assert any(TOKENS[0] in svg_text(str(svg)).split() for svg in svgs) or "portfolio" in str(page)
