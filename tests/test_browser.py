"""The report in a real browser: Debian's Chromium driven by Playwright, offline.

Skipped where Chromium is not installed, unless IMPACT_KIT_REQUIRE_BROWSER is set
(.ci/run sets it and installs Chromium), so CI can never pass by skipping these.
Every sample report (parameters/*.yaml) is written once per session, then checked at
375 px (a phone, light) and 1280 px (a laptop, dark): width, chart text size, console,
requests, and axe-core (axe-playwright-python bundles it: no network).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import CHROMIUM, ROOT

pytestmark = pytest.mark.slow


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
    sizes = page.eval_on_selector_all(".ik-chart-wide svg", "svgs => svgs.map(s => s.getBoundingClientRect().width)")
    assert len(sizes) >= 3 and all(sizes)


def test_fold_opens_on_click_without_losing_text(page, long_report):
    text = long_report[1]
    tail = page.locator("details.ik-more .ik-verbatim").first
    assert not tail.is_visible()
    visible_head = page.locator("figure.ik-testimony blockquote > .ik-verbatim").first.inner_text()
    assert text.startswith(visible_head) and text[len(visible_head)] == " "
    page.get_by_text("Lire la suite").first.click()
    assert tail.is_visible()
    assert visible_head + tail.inner_text() == text


def test_open_testimony_reads_as_one_text_with_reduire(page):
    """The "Why": open, the summary still said "Lire la suite" and "…" split the sentence."""
    more = page.locator("details.ik-more").first
    assert page.locator(".ik-ellipsis").first.is_visible()
    more.locator("summary").click()
    assert not page.locator(".ik-ellipsis").first.is_visible()
    assert not more.locator(".ik-closed").is_visible() and more.locator(".ik-open").is_visible()
    assert more.locator("summary").inner_text() == "Réduire"
    # The tail goes on the line where the head stops: one paragraph, "Réduire" under it.
    lines = page.evaluate(
        """() => {
        const head = document.querySelector("figure.ik-testimony blockquote > .ik-verbatim").getClientRects();
        const tail = document.querySelector("details.ik-more .ik-verbatim").getClientRects();
        const summary = document.querySelector("details.ik-more > summary").getBoundingClientRect();
        return [head[head.length - 1].top, tail[0].top, tail[tail.length - 1].bottom, summary.top];
    }"""
    )
    assert abs(lines[0] - lines[1]) < 2 and lines[3] >= lines[2] - 1, lines


def test_keyboard_reaches_and_opens_read_more_with_focus_visible(page):
    for _ in range(200):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('details.ik-more > summary')"):
            break
    else:
        pytest.fail("Tab never reached a Lire la suite")
    outline = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement); return [s.outlineStyle, parseFloat(s.outlineWidth)]; })()"
    )
    assert outline[0] != "none" and outline[1] >= 2, outline
    page.keyboard.press("Enter")
    assert page.eval_on_selector("details.ik-more", "d => d.open")
    assert page.locator("details.ik-more .ik-verbatim").first.is_visible()


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

    from impact_kit.render.pdf import print_pdf

    work = tmp_path / "work"
    work.mkdir()
    pdf = print_pdf(long_report[0], tmp_path / "report.pdf", workdir=work, browser=CHROMIUM)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page\b", data)) >= 3
    assert sorted(tmp_path.iterdir()) == [pdf, work] and not list(work.iterdir())  # no temporary file left


# Every sample report, at a phone's and a laptop's width -------------------------------------------------

SAMPLES = sorted(path.stem for path in (ROOT / "parameters").glob("*.yaml"))
VIEWS = [(375, 667, "light"), (1280, 800, "dark")]
#: The smallest chart text in CSS px (WCAG has no floor; 11 px is where axis labels stay legible on a phone).
SMALLEST_PX = 11


@pytest.fixture(scope="session")
def samples(sample_batch) -> dict[str, Path]:
    """Every sample report (the session's batch of the sample, see conftest.py): {name: report.html}."""
    out, _ = sample_batch
    return {name: out / name.rsplit("_", 1)[0] / name.rsplit("_", 1)[1] / "report.html" for name in SAMPLES}


@pytest.fixture(scope="session")
def axe():
    module = pytest.importorskip("axe_playwright_python.sync_playwright")
    return module.Axe()


CHART_TEXT_SIZES = """() => [...document.querySelectorAll("figure.ik-chart svg text")]
    .filter((t) => t.checkVisibility() && t.textContent.trim())
    .map((t) => { const m = t.getScreenCTM(); return parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b); })"""


@pytest.mark.parametrize(("width", "height", "scheme"), VIEWS, ids=[f"{w}px-{s}" for w, _, s in VIEWS])
@pytest.mark.parametrize("name", SAMPLES)
def test_sample_report_in_the_browser(browser, axe, samples, name, width, height, scheme):
    url = samples[name].as_uri()
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
    page = context.new_page()
    requests, errors = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(url)
        assert [r for r in requests if r != url and not r.startswith("data:")] == []
        assert errors == []
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # no horizontal scroll
        sizes = page.evaluate(CHART_TEXT_SIZES)
        charts = page.locator("figure.ik-chart").count()
        assert charts == 0 or sizes, "no chart text found"
        assert min(sizes, default=SMALLEST_PX) >= SMALLEST_PX, f"chart text at {min(sizes):.1f} px"
        summary = page.locator("#ik-summary h2").bounding_box()
        if width < 720:  # "En bref" on a phone's first screen
            assert summary and summary["y"] + summary["height"] <= height
        results = axe.run(page)
        assert results.violations_count == 0, results.generate_report()
    finally:
        context.close()


def test_contents_stay_in_view_on_a_laptop_and_fold_on_a_phone(browser, samples):
    url = samples["the-good-start_2021"].as_uri()
    wide = browser.new_page(viewport={"width": 1280, "height": 800})
    wide.goto(url)
    wide.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    box = wide.locator("nav.ik-toc").bounding_box()
    assert box and box["y"] >= 0 and box["x"] + box["width"] <= wide.locator("main").bounding_box()["x"]
    assert wide.locator("nav.ik-toc a[href='#ik-summary']").is_visible()
    wide.close()
    phone = browser.new_page(viewport={"width": 375, "height": 667})
    phone.goto(url)
    assert not phone.locator("nav.ik-toc a[href='#ik-summary']").is_visible()
    phone.locator("nav.ik-toc summary").click()
    assert phone.locator("nav.ik-toc a[href='#ik-summary']").is_visible()
    phone.close()


def test_dark_mode_recolours_page_and_charts(browser, samples):
    page = browser.new_page(viewport={"width": 1280, "height": 800}, color_scheme="dark")
    page.goto(samples["la-fabrique-des-possibles-exemple_2023"].as_uri())
    colours = page.evaluate(
        """() => [getComputedStyle(document.body).backgroundColor,
                 getComputedStyle(document.querySelector(".ik-chart-wide svg text")).fill]"""
    )
    page.close()
    assert colours == ["rgb(22, 25, 29)", "rgb(230, 237, 243)"]


def test_browser_find_sees_chart_words(browser, samples):
    """The "Why": chart text was paths inside an <img>; "Intensité (1 à 5)" was not in the page's text."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(samples["la-fabrique-des-possibles-exemple_2023"].as_uri())
    assert page.evaluate("window.find('Intensité (1 à 5)')")
    page.close()


def test_keyboard_reaches_every_read_more_of_every_sample(browser, samples):
    """Tab reaches each "Lire la suite" in page order, with a visible focus ring, and Enter opens it."""
    folded = 0
    for name in SAMPLES:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(samples[name].as_uri())
        count = page.evaluate(
            "(() => { const s = [...document.querySelectorAll('details.ik-more > summary')];"
            " s.forEach((e, i) => { e.dataset.ikIndex = i; }); return s.length; })()"
        )
        stops = page.evaluate("document.querySelectorAll('a[href], summary').length") + 5
        reached = []
        for _ in range(stops if count else 0):
            page.keyboard.press("Tab")
            index = page.evaluate("document.activeElement.dataset.ikIndex ?? null")
            if index is None or index in reached:
                continue
            reached.append(index)
            ring = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
            assert ring != "none", (name, index)
            page.keyboard.press("Enter")
            assert page.evaluate("document.activeElement.parentElement.open"), (name, index)
        assert reached == [str(i) for i in range(count)], name
        folded += count
        page.close()
    assert folded >= 6  # the samples' testimonies over ~400 characters


@pytest.fixture(scope="session")
def portfolio_page(sample_batch, tmp_path_factory):
    """The 2023 portfolio of the sample, linking into the session's batch of site reports."""
    from impact_kit.reports.run import run_portfolio

    out, _ = sample_batch
    copy = tmp_path_factory.mktemp("portfolio") / "reports"
    shutil.copytree(out, copy)
    return run_portfolio(2023, data=ROOT / "data", out=copy).html


#: The issue's floor for the portfolio's charts: text at 12 CSS px or more, on a phone too.
PORTFOLIO_SMALLEST_PX = 12


@pytest.mark.parametrize(("width", "height", "scheme"), VIEWS, ids=[f"{w}px-{s}" for w, _, s in VIEWS])
def test_portfolio_charts_in_the_browser(browser, axe, portfolio_page, width, height, scheme):
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
    page = context.new_page()
    try:
        page.goto(portfolio_page.as_uri())
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # no horizontal scroll
        assert page.locator("figure.ik-chart svg[role=img][aria-label]").count() == 10  # 5 charts, wide and narrow
        sizes = page.evaluate(CHART_TEXT_SIZES)
        assert sizes and min(sizes) >= PORTFOLIO_SMALLEST_PX - 0.05, f"chart text at {min(sizes):.1f} px"
        fill = page.evaluate("getComputedStyle(document.querySelector('figure.ik-chart svg text')).fill")
        assert fill == ("rgb(230, 237, 243)" if scheme == "dark" else "rgb(31, 35, 40)")  # the page's text colour
        results = axe.run(page)
        assert results.violations_count == 0, results.generate_report()
    finally:
        context.close()
