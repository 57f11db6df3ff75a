"""The Good Start's report printed to PDF by Chromium, read back with poppler's pdfinfo and pdftotext.

The "Why" of issue 8: US Letter, no page number, no footer (a loose page could not be traced to
its site and year), 10 pages with half-empty ones (each level forced a new page).
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from conftest import CHROMIUM, need_chromium
from page_reading import need

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pdf(good_start, tmp_path_factory):
    """(path, pdfinfo fields, text of each page)."""

    from impact_kit.render.pdf import print_pdf

    need("pdfinfo", "pdftotext", install="apt-get install poppler-utils")
    need_chromium()
    folder = tmp_path_factory.mktemp("pdf")
    work = folder / "work"
    work.mkdir()
    path = print_pdf(good_start[0] / "report.html", folder / "report.pdf", workdir=work, browser=CHROMIUM)
    info = dict(
        line.split(":", 1)
        for line in subprocess.run(
            ["pdfinfo", str(path)], capture_output=True, text=True, check=True
        ).stdout.splitlines()
    )
    info = {key.strip(): value.strip() for key, value in info.items()}
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")
    if pages and not pages[-1].strip():
        pages = pages[:-1]
    return path, info, pages


def test_a4_titled_tagged(pdf):
    _, info, pages = pdf
    assert info["Page size"].endswith("(A4)")
    assert info["Title"] == "Effets sociaux et urbains de The Good Start · 2021"
    assert info["Tagged"] == "yes"
    assert int(info["Pages"]) == len(pages)


def test_outline_and_language(pdf):
    data = pdf[0].read_bytes()
    assert b"/Outlines" in data and b"/Lang" in data


def test_every_page_has_its_footer_and_number(pdf):
    _, _, pages = pdf
    for number, page in enumerate(pages, 1):
        last = [line for line in page.splitlines() if line.strip()][-1]
        assert "The Good Start · 2021" in last, (number, last)
        assert re.search(rf"\b{number} ?/ ?{len(pages)}\s*$", last), (number, last)


def test_no_page_nearly_empty_and_at_most_ten(pdf):
    _, _, pages = pdf
    lines = [len([line for line in page.splitlines() if line.strip()]) for page in pages]
    assert len(pages) <= 10 and min(lines) >= 5, lines


def test_every_testimony_prints_whole(pdf, good_start):
    _, _, pages = pdf
    text = " ".join(" ".join(pages).split())
    assert "Lire la suite" not in text and "Réduire" not in text
    for testimony in good_start[2].select("figure.ik-testimony blockquote"):
        words = " ".join("".join(span.get_text() for span in testimony.select(".ik-verbatim")).split())
        assert words[:60] in text and words[-40:] in text


def _words(path) -> list[tuple[float, list[tuple[float, str]]]]:
    """Each page's height and its words with their top (pt), from ``pdftotext -bbox``."""
    import html

    out = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    pages = []
    for height, body in re.findall(r'<page width="[\d.]+" height="([\d.]+)">(.*?)</page>', out, re.S):
        words = re.findall(r'<word xMin="[\d.]+" yMin="([\d.]+)"[^>]*>(.*?)</word>', body)
        pages.append((float(height), [(float(y), html.unescape(w)) for y, w in words]))
    return pages


def test_levels_start_in_the_top_two_thirds_of_a_page(pdf, good_start):
    """A level with criteria starts a new page only when it would start in the last third (margins: 18 and 20 mm)."""
    path, _, _ = pdf
    pages = _words(path)
    levels = [
        section.h2.get_text().split()
        for section in good_start[2].select("section.ik-level")
        if section.select("section.ik-criterion")
    ]
    assert levels
    mm = 72 / 25.4
    for title in levels:
        found = [
            (number, words[i][0])
            for number, (_, words) in enumerate(pages, 1)
            for i in range(len(words) - len(title) + 1)
            if [w for _, w in words[i : i + len(title)]] == title
        ]
        assert found, title
        number, top = found[-1]  # the heading (the contents are not printed; the summary may name it first)
        height = pages[number - 1][0]
        last_third = 18 * mm + (height - 38 * mm) * 2 / 3
        assert top <= last_third, (" ".join(title), number, round(top), round(last_third))


def test_a_browser_stopped_at_its_timeout_leaves_nothing(good_start, tmp_path, monkeypatch):
    """Killed at its timeout, Chromium left org.chromium.Chromium.* in the system's temporary folder (issue 29).

    Its folders are short (under the real temporary folder, removed after): Chromium puts a
    socket in its temporary folder, and a path past 108 bytes makes it abort.
    """
    import tempfile
    from pathlib import Path

    from impact_kit.exceptions import ReportFailed
    from impact_kit.render.pdf import print_pdf

    need_chromium()
    short = Path(tempfile.mkdtemp(prefix="ik-"))
    try:
        system_tmp, work = short / "tmp", short / "work"
        system_tmp.mkdir()
        work.mkdir()
        monkeypatch.setenv("TMPDIR", str(system_tmp))  # what the browser would take as its temporary folder
        with pytest.raises(ReportFailed, match=r"within 0\.3 seconds"):
            print_pdf(good_start[0] / "report.html", short / "report.pdf", workdir=work, browser=CHROMIUM, timeout=0.3)
        assert list(system_tmp.iterdir()) == [] and list(work.iterdir()) == []
        assert not (short / "report.pdf").exists()
        alive = subprocess.run(["pgrep", "-f", f"--print-to-pdf={work}"], capture_output=True, text=True, check=False)
        assert alive.stdout == "", alive.stdout  # the browser's whole process group is gone
    finally:
        shutil.rmtree(short)
