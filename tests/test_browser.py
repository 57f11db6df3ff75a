"""The report in a real browser: Debian's Chromium driven by Playwright, offline.

Skipped where Chromium is not installed, unless IMPACT_KIT_REQUIRE_BROWSER is set
(.ci/run sets it and installs Chromium), so CI can never pass by skipping these.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]  # fmt: skip


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("IMPACT_KIT_REQUIRE_BROWSER"):
            pytest.fail(f"IMPACT_KIT_REQUIRE_BROWSER is set but {CHROMIUM} does not exist")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, long_report):
    requests: list[str] = []
    context = browser.new_context()
    page = context.new_page()
    page.on("request", lambda request: requests.append(request.url))
    page.goto(long_report[0].as_uri())
    page.requests = requests
    yield page
    context.close()


def test_loads_nothing_but_itself(page, long_report):
    others = [url for url in page.requests if not url.startswith("data:") and url != long_report[0].as_uri()]
    assert others == []
    sizes = page.eval_on_selector_all("figure.ik-chart img", "imgs => imgs.map(i => i.complete && i.naturalWidth)")
    assert len(sizes) >= 3 and all(sizes)


def test_fold_opens_on_click_without_losing_text(page, long_report):
    text = long_report[1]
    tail = page.locator("details.ik-more .ik-verbatim").first
    assert not tail.is_visible()
    visible_head = page.locator("figure.ik-testimony blockquote > .ik-verbatim").first.inner_text()
    assert visible_head == text[:300]
    page.get_by_text("Lire la suite").first.click()
    assert tail.is_visible()
    assert tail.inner_text() == text[300:]


@pytest.mark.parametrize("before_print", [False, True], ids=["css-only", "beforeprint-fired"])
def test_print_shows_folded_text(page, before_print):
    if before_print:  # what a real print does: the page's script opens every <details> first
        page.evaluate("dispatchEvent(new Event('beforeprint'))")
        assert page.eval_on_selector("details.ik-more", "d => d.open")
    page.emulate_media(media="print")
    assert page.locator("details.ik-more .ik-verbatim").first.is_visible()
    assert not page.get_by_text("Lire la suite").first.is_visible()


def test_toc_links_scroll_to_sections(page):
    page.locator("nav.ik-toc a[href='#level-effets_collectifs']").click()
    assert page.evaluate("location.hash") == "#level-effets_collectifs"
    assert page.locator("#level-effets_collectifs").is_visible()


def test_print_pdf(browser, long_report, tmp_path):
    import re

    from impact_kit.pdf import print_pdf

    work = tmp_path / "work"
    work.mkdir()
    pdf = print_pdf(long_report[0], tmp_path / "report.pdf", workdir=work, browser=CHROMIUM)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page\b", data)) >= 3
    assert sorted(tmp_path.iterdir()) == [pdf, work] and not list(work.iterdir())  # no temporary file left
