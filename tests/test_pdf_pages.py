"""PDF pages as a funder receives them (issue 28): no document shrunk, wide tables turned, no page left half empty.

The "Why": Chromium shrank the whole portfolio to fit its 12-column site table (median text
height 8.8 pt against 11.7 pt in a site report); The Good Start's page 1 was 40 % empty below
"En graphiques", pages 3, 5 and 6 30-50 %, La Fabrique's 4, 7 and 8 too (charts up to 190 mm
high that never split, a criterion that moved whole).
"""

from __future__ import annotations

import statistics

import pytest
from conftest import CHROMIUM, SAMPLE, need_chromium
from page_reading import need, outline, pdf_pages

from impact_kit.cli import main
from impact_kit.render.pdf import print_pdf

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def printed(sample_batch, tmp_path_factory):
    """Every sample report and the 2022 and 2023 portfolios printed to PDF: name -> (pdf path, html path)."""

    need("pdftotext", "pdftohtml", install="apt-get install poppler-utils")
    need_chromium()
    out, _ = sample_batch
    folder = tmp_path_factory.mktemp("printed")
    portfolios = folder / "reports"
    for year in ("2022", "2023"):
        assert main(["portfolio", year, "--data", str(SAMPLE), "--out", str(portfolios)]) == 0
    pages = {f"{p.parent.parent.name}-{p.parent.name}": p for p in sorted(out.glob("*/*/report.html"))}
    pages |= {f"portfolio-{p.parent.name}": p for p in sorted(portfolios.glob("portfolio/*/report.html"))}
    work = folder / "work"
    work.mkdir()
    return {
        name: (print_pdf(page, folder / f"{name}.pdf", workdir=work, browser=CHROMIUM), page)
        for name, page in pages.items()
    }


def _median_height(path) -> float:
    return statistics.median(w.y1 - w.y0 for page in pdf_pages(path) for w in page.words)


def test_the_portfolio_text_is_as_large_as_a_site_report(printed):
    site = _median_height(printed["the-good-start-2021"][0])
    for year in ("2022", "2023"):
        assert _median_height(printed[f"portfolio-{year}"][0]) >= 0.9 * site, year


def test_the_portfolio_site_table_prints_on_a_landscape_page(printed):
    pages = pdf_pages(printed["portfolio-2023"][0])
    turned = [number for number, page in enumerate(pages, 1) if page.landscape]
    assert turned, [(p.width, p.height) for p in pages]
    words = [w.text for number in turned for w in pages[number - 1].words]
    assert "Tous" in words and "Marseille" in words and "Nantes" in words
    assert all(not p.landscape for n, p in enumerate(pages, 1) if n not in turned)  # only that table's pages
    for number in turned:  # nothing wider than its page
        assert max(w.x1 for w in pages[number - 1].words) <= pages[number - 1].width - 10


def test_no_page_but_the_last_is_more_than_half_empty(printed):
    """Not even the page before the landscape table of sites: it held the response table alone (portfolio 2022,
    11 % full), which now opens that part."""
    short = []
    for name, (path, _) in printed.items():
        for number, page in enumerate(pdf_pages(path)[:-1], 1):
            if page.filled() < 0.5:
                short.append((name, number, round(page.filled(), 2)))
    assert not short


def test_the_pdf_outline_lists_the_report_headings(printed):
    from bs4 import BeautifulSoup

    for name in ("the-good-start-2021", "portfolio-2023"):
        path, page = printed[name]
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        headings = [
            " ".join(h.get_text().split()) for h in soup.find("main").find_all("h2") if not h.find_parent("nav")
        ]
        titles = [" ".join(t.split()).casefold() for t in outline(path)]
        assert headings and all(h.casefold() in titles for h in headings), (name, headings, titles)
