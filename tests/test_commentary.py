"""An evaluator's Markdown in the page: as JupyterLab renders it, through a safe subset of HTML (nh3)."""

from __future__ import annotations

import re

import nbformat
import pytest
from bs4 import BeautifulSoup

from impact_kit.render.commentary import commentary_html
from impact_kit.render.export import export_html

EVIL = "evil.example"
HOSTILE = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<b onmouseover="alert(1)">hover</b>',
    "[lien](javascript:alert(1))",
    '<a href="JaVaScRiPt:alert(1)">j</a>',
    '<a href="jav&#x09;ascript:alert(1)">tab</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a>',
    '<style>body { display: none } @import url("https://evil.example/x.css");</style>',
    '<p style="background: url(https://evil.example/bg.png)">styled</p>',
    '<iframe src="https://evil.example/"></iframe>',
    '<object data="https://evil.example/x.swf"></object><embed src="https://evil.example/x">',
    '<link rel="stylesheet" href="https://evil.example/x.css"><meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<base href="https://evil.example/">',
    '<form action="https://evil.example/"><input name="q"><button>go</button></form>',
    '<svg><script>alert(1)</script><image href="https://evil.example/i.png"/></svg>',
    '<math><mtext><img src=x onerror=alert(1)></mtext></math>',
    '<video src="https://evil.example/v.mp4" poster="https://evil.example/p.png"></video>',
    '<img src="https://evil.example/pixel.png" srcset="https://evil.example/2x.png 2x" alt="pixel">',
    "![tracker](https://evil.example/t.png)",
    "<!-- <script>alert(1)</script> -->",
    '<div class="ik-header" id="summary">impostor</div>',
]  # fmt: skip


def page_of(source: str) -> str:
    """The page of a notebook holding one evaluator's Markdown cell."""
    return export_html(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(source)]))


def cell_of(page: str) -> BeautifulSoup:
    return BeautifulSoup(page, "html.parser").select_one(".ik-evaluation")


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_markdown_stays_inert(source):
    cell = cell_of(page_of(f"Avant {source} après"))
    assert cell is not None and "Avant" in cell.get_text()
    assert not cell.find_all(["script", "style", "iframe", "object", "embed", "link", "meta", "base", "form",
                              "input", "svg", "math", "video"])  # fmt: skip
    for tag in cell.find_all(True):
        for name, value in tag.attrs.items():
            assert not name.startswith("on") and name not in ("style", "srcset", "poster", "action"), (name, tag)
            text = " ".join(value) if isinstance(value, list) else value
            assert "javascript" not in text.lower().replace("\t", "") and not text.startswith("data:text"), tag
            if name in ("src", "href") and tag.name != "a":
                assert EVIL not in text, tag  # nothing is fetched: only links (to follow by hand) name elsewhere
    assert not cell.select("[class~=ik-header], #summary")  # the kit's own marks are not the evaluator's to take
    assert "alert(1)" not in cell.get_text()


def test_a_remote_image_becomes_its_alt_text_as_a_link_and_an_attached_one_stays():
    cell = cell_of(page_of("![La façade](https://photos.example/facade.jpg)"))
    assert not cell.find("img")
    [link] = cell.find_all("a", href="https://photos.example/facade.jpg")
    assert link.get_text() == "La façade"
    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg=="
    attached = nbformat.v4.new_markdown_cell("![plan](attachment:plan.png)")
    attached.attachments = {"plan.png": {"image/png": png}}
    cell = cell_of(export_html(nbformat.v4.new_notebook(cells=[attached])))
    assert cell.find("img", alt="plan")["src"].startswith("data:image/png;base64,")


def test_markdown_and_its_html_render_as_in_lab_and_the_cell_is_the_evaluations_voice():
    source = (
        "## Regard de l'évaluatrice\n\n**Fort**, <b>gras</b>, <i>italique</i>, H<sub>2</sub>O, <kbd>Ctrl</kbd>\n\n"
        "<table><tr><th>Année</th><td>2021</td></tr></table>\n\n[Le site](https://example.org/) "
        "permanences <cette année>."
    )
    page = page_of(source)
    cell = cell_of(page)
    assert "ik-user" in cell["class"]
    assert cell.find("strong", string="Fort") and cell.find("b", string="gras") and cell.find("i", string="italique")
    assert cell.find("sub", string="2") and cell.find("kbd") and cell.find("th", string="Année")
    assert cell.find("a", href="https://example.org/") and "permanences <cette année>." in cell.get_text()
    assert cell.find("h2", id=True)  # its heading joins the table of contents
    assert "Regard de l'évaluatrice" in [a.get_text() for a in BeautifulSoup(page, "html.parser").select("nav a")]
    label = re.search(r"\.ik-evaluation::before \{ content: (\"[^\"]*\"); \}", page)
    assert label and "valuation" in label.group(1)  # a visible label, in the report's language
    assert "border-left: 6px double" in page  # and a rule


def test_commentary_html_is_the_one_sanitiser():
    assert commentary_html("<b>x</b><script>y</script>") == "<p><b>x</b></p>\n"


@pytest.mark.slow
def test_hostile_markdown_requests_nothing_and_runs_nothing_in_chromium(browser, tmp_path):
    path = tmp_path / "report.html"
    path.write_text(page_of("\n\n".join(HOSTILE)), encoding="utf-8")
    context = browser.new_context()
    page = context.new_page()
    requests, dialogs = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(path.as_uri())
    page.mouse.move(10, 10)
    page.hover("text=hover")  # an event handler left would fire here
    page.wait_for_timeout(300)  # let a refresh or a script that slipped through act
    assert page.url == path.as_uri() and dialogs == []
    assert [url for url in requests if not url.startswith("data:") and url != path.as_uri()] == []
    context.close()
