"""The portfolio and the index in Chromium (issue 27): no word broken, no sideways page, no clipped chart label.

The sample's batch (the session's `sample_batch`), then `impact-kit portfolio` for 2022 and 2023 as
`make reports` runs them, read at 375 px (a phone) and 1280 px (a laptop).
"""

from __future__ import annotations

import shutil

import pytest
from conftest import ROOT

from impact_kit.cli import main

pytestmark = pytest.mark.slow

WIDTHS = [375, 1280]

#: Every word of the visible text under ``selector`` that the browser laid out on two lines or more.
BROKEN_WORDS = """(selector) => {
  const broken = [];
  for (const root of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.parentElement.checkVisibility()) continue;
      const words = /\\S+/g;
      for (let m = words.exec(node.textContent); m; m = words.exec(node.textContent)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
        if (lines.size > 1) broken.push(m[0]);
      }
    }
  }
  return broken;
}"""

#: Every visible chart text outside its drawing, over another text of the same drawing, or cut with "…".
BAD_CHART_TEXT = """() => {
  const bad = [];
  for (const svg of document.querySelectorAll("figure.ik-chart svg")) {
    if (!svg.checkVisibility()) continue;
    const box = svg.getBoundingClientRect();
    const seen = [];
    for (const text of svg.querySelectorAll("text")) {
      const words = text.textContent.trim();
      if (!words) continue;
      const r = text.getBoundingClientRect();
      const where = svg.closest("figure").id;
      if (r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5)
        bad.push([where, words, "outside its drawing"]);
      if (words.includes("…")) bad.push([where, words, "cut"]);
      for (const [other, q] of seen) {
        const w = Math.min(r.right, q.right) - Math.max(r.left, q.left);
        const h = Math.min(r.bottom, q.bottom) - Math.max(r.top, q.top);
        if (w > 1 && h > 1) bad.push([where, words, "over " + other]);
      }
      seen.push([words, r]);
    }
  }
  return bad;
}"""


@pytest.fixture(scope="module")
def reports(sample_batch, tmp_path_factory):
    """`make reports`: the batch, then the portfolios of 2022 and 2023 (French), and an English copy of 2023."""
    out, _ = sample_batch
    copy = tmp_path_factory.mktemp("made") / "reports"
    shutil.copytree(out, copy)
    for year in ("2022", "2023"):
        assert main(["portfolio", year, "--data", str(ROOT / "data"), "--out", str(copy)]) == 0
    english = tmp_path_factory.mktemp("english") / "reports"
    shutil.copytree(out, english)
    assert main(["portfolio", "2023", "--data", str(ROOT / "data"), "--out", str(english), "--lang", "en"]) == 0
    return copy, english


def open_page(browser, path, width, scheme="light"):
    context = browser.new_context(viewport={"width": width, "height": 800}, color_scheme=scheme)
    page = context.new_page()
    page.goto(path.as_uri())
    return context, page


def test_make_reports_links_both_portfolios_from_the_index(reports):
    from bs4 import BeautifulSoup

    out, _ = reports
    index = BeautifulSoup((out / "index.html").read_text(encoding="utf-8"), "html.parser")
    links = [a["href"] for a in index.select("#ik-portfolios a")]
    assert links == ["portfolio/2022/report.html", "portfolio/2023/report.html"]
    assert all((out / link).is_file() for link in links)
    assert index.html["lang"] == "fr"  # written again in the batch's language


@pytest.mark.parametrize("width", WIDTHS)
def test_no_word_is_broken_and_no_page_scrolls_sideways(browser, reports, width):
    out, english = reports
    pages = [
        (out / "index.html", "main"),
        (out / "portfolio" / "2023" / "report.html", "#ik-sites"),
        (out / "portfolio" / "2022" / "report.html", "#ik-sites"),
        (english / "portfolio" / "2023" / "report.html", "#ik-sites"),
    ]
    for path, selector in pages:
        context, page = open_page(browser, path, width)
        try:
            assert page.evaluate("document.documentElement.scrollWidth") <= width, path
            assert page.evaluate(BROKEN_WORDS, selector) == [], (path, width)
            assert page.locator(f"{selector} table").first.is_visible()
        finally:
            context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_no_chart_label_is_clipped_cut_or_overlapping(browser, reports, width):
    out, english = reports
    for path in (out / "portfolio" / "2023" / "report.html", out / "portfolio" / "2022" / "report.html",
                 english / "portfolio" / "2023" / "report.html"):  # fmt: skip
        context, page = open_page(browser, path, width)
        try:
            assert page.locator("figure.ik-chart svg").count() >= 8
            assert page.evaluate(BAD_CHART_TEXT) == [], (path, width)
        finally:
            context.close()


def test_the_site_table_is_one_card_per_site_on_a_phone(browser, reports):
    out, _ = reports
    context, page = open_page(browser, out / "portfolio" / "2023" / "report.html", 375)
    try:
        cards = page.locator("#ik-sites .ik-cards tbody tr")
        assert cards.count() == 5
        box = cards.first.bounding_box()
        assert box and box["width"] <= 375 and box["height"] > 200  # a card: one figure a line
        label = page.evaluate(
            "getComputedStyle(document.querySelector('#ik-sites .ik-cards tbody td'), '::before').content"
        )
        assert label == '"Commune"'
    finally:
        context.close()


def test_the_filter_says_when_nothing_matches(browser, reports):
    out, _ = reports
    context, page = open_page(browser, out / "index.html", 1280)
    try:
        assert not page.locator("#ik-none").is_visible()
        page.fill("#ik-filter", "marseille")
        assert page.locator("#ik-index-table tbody tr:visible").count() == 1
        page.fill("#ik-filter", "zzz-nowhere")
        assert page.locator("#ik-index-table tbody tr:visible").count() == 0
        assert page.locator("#ik-none").is_visible()
        assert page.locator("#ik-none").inner_text() == "Aucun site ne correspond au filtre."
        page.fill("#ik-filter", "")
        assert (
            page.locator("#ik-index-table tbody tr:visible").count() == 7 and not page.locator("#ik-none").is_visible()
        )
    finally:
        context.close()


def test_chart_numbers_read_on_their_cells_in_dark_mode(browser, reports):
    out, _ = reports
    context, page = open_page(browser, out / "portfolio" / "2023" / "report.html", 1280, "dark")
    try:
        fills = page.evaluate(
            """() => [...document.querySelectorAll("#chart-publics .ik-chart-wide svg text")]
                .filter((t) => /^\\d+$/.test(t.textContent.trim()))
                .map((t) => [t.textContent.trim(), getComputedStyle(t).fill])"""
        )
        by_value = dict(fills)
        assert by_value["4"] == "rgb(253, 253, 253)"  # light on the darkest blue, in the dark theme too
        assert by_value["0"] == "rgb(154, 164, 174)"  # no cell: the dark page's muted text
    finally:
        context.close()


@pytest.mark.parametrize(("width", "scheme"), [(375, "light"), (1280, "dark")])
def test_the_index_passes_axe(browser, reports, width, scheme):
    axe = pytest.importorskip("axe_playwright_python.sync_playwright").Axe()
    out, _ = reports
    context, page = open_page(browser, out / "index.html", width, scheme)
    try:
        results = axe.run(page)
        assert results.violations_count == 0, results.generate_report()
    finally:
        context.close()
