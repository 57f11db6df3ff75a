"""Reading printed pages back: poppler's word boxes and outline, and LibreOffice's conversion of a DOCX (issue 28).

Helpers for the tests that read the documents a funder receives, not just write them.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

MM = 72 / 25.4
#: The kit's print margins (report.css, @page): top 18 mm, bottom 20 mm; the landscape pages' 16 and 18 mm.
MARGINS = {"portrait": (18 * MM, 20 * MM), "landscape": (16 * MM, 18 * MM)}


@dataclass(frozen=True)
class Word:
    """A word's box (points, from the page's top left) and its text."""

    x0: float
    y0: float
    x1: float
    y1: float
    text: str


@dataclass(frozen=True)
class Page:
    """A page's size (points) and its words."""

    width: float
    height: float
    words: list[Word]

    @property
    def landscape(self) -> bool:
        return self.width > self.height

    def filled(self) -> float:
        """Return the share of the page's text area (between its margins) above its last word of the body."""
        top, bottom = MARGINS["landscape" if self.landscape else "portrait"]
        body = [w for w in self.words if w.y1 < self.height - bottom]  # the running footer aside
        lowest = max((w.y1 for w in body), default=top)
        return (lowest - top) / (self.height - top - bottom)


def need(*tools: str, install: str) -> None:
    """Skip (or fail, with IMPACT_KIT_REQUIRE_OFFICE or _BROWSER set) when a tool is missing."""
    for tool in tools:
        if shutil.which(tool) is None:
            required = os.environ.get("IMPACT_KIT_REQUIRE_OFFICE") or os.environ.get("IMPACT_KIT_REQUIRE_BROWSER")
            (pytest.fail if required else pytest.skip)(f"{tool} is not installed ({install})")


def pdf_pages(path: Path) -> list[Page]:
    """Return a PDF's pages with their words, from ``pdftotext -bbox``."""
    out = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    pages = []
    for width, height, body in re.findall(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', out, re.S):
        words = [
            Word(float(a), float(b), float(c), float(d), html.unescape(t))
            for a, b, c, d, t in re.findall(
                r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', body
            )
        ]
        pages.append(Page(float(width), float(height), words))
    return pages


def outline(path: Path) -> list[str]:
    """Return the titles of a PDF's outline (its bookmarks), in order, from ``pdftohtml -xml``."""
    out = subprocess.run(
        ["pdftohtml", "-xml", "-i", "-q", "-stdout", str(path)], capture_output=True, text=True, check=True
    ).stdout
    return [html.unescape(t) for t in re.findall(r'<item page="\d+">(.*?)</item>', out)]


def libreoffice_pdfs(documents: list[Path], folder: Path) -> dict[Path, Path]:
    """Convert DOCX files to PDF with LibreOffice (a private profile in ``folder``); return each one's PDF.

    Skips the test when LibreOffice is missing (apt-get install libreoffice-writer-nogui).
    """
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        message = "LibreOffice is not installed (apt-get install libreoffice-writer-nogui)"
        (pytest.fail if os.environ.get("IMPACT_KIT_REQUIRE_OFFICE") else pytest.skip)(message)
    done = subprocess.run(
        [soffice, "--headless", f"-env:UserInstallation=file://{folder / 'profile'}", "--convert-to", "pdf",
         "--outdir", str(folder / "pdf"), *map(str, documents)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    pdfs = {document: folder / "pdf" / f"{document.stem}.pdf" for document in documents}
    for document, pdf in pdfs.items():
        assert pdf.is_file(), (document.name, done.stdout, done.stderr)
    return pdfs


def split_words(cells: set[str], printed: set[str]) -> list[str]:
    """Return the words of ``cells`` that no word box of ``printed`` holds whole: set across two lines.

    A word broken after one of its own hyphens ("well-" / "being") is broken where typography
    allows; one broken anywhere else ("hom" / "mes") is not.
    """
    broken = []
    for word in sorted(cells - printed):
        parts = word.split("-")
        pieces = [f"{p}-" for p in parts[:-1]] + parts[-1:]
        if len(parts) == 1 or not all(piece in printed or not piece.strip("-") for piece in pieces):
            broken.append(word)
    return broken
