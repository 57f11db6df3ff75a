"""Variety: no three-word sentence opening more than 3 times in a report (issue 25, Build 4)."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from bs4 import BeautifulSoup
from test_summary import _sample_reports

from impact_kit.reports.site import SiteReport

#: Not sentences: a chart (its caption, data table and download link), a testimony's attribution,
#: the level's data lines ("Intensité des effets : 4/5", "Mots-clés : …", the same in every level
#: by design), the contents.
NOT_PROSE = "figure, figcaption, table, nav, .ik-level-intro, .ik-user"


def openings(html: str) -> Counter[str]:
    """Count the first three words of every sentence of the page's prose (the data's words left out)."""
    soup = BeautifulSoup(html, "html.parser")
    for element in soup.select(NOT_PROSE):
        element.decompose()
    found: Counter[str] = Counter()
    for element in soup.find_all(["p", "li"]):
        text = " ".join(element.get_text(" ").split()).replace("’", "'")
        for sentence in re.split(r"(?<=[.!?])\s+(?=[A-ZÀ-Ý«“0-9])", text):
            words = sentence.split()[:3]
            if len(words) == 3:
                found[" ".join(words)] += 1
    return found


def test_the_count_sees_a_repeated_opening():
    page = "<p>Pour le critère A, x. Pour le critère B, y.</p><ul><li>Pour le critère C, z.</li></ul>"
    assert openings(page)["Pour le critère"] == 3
    assert openings('<figure><p>Pour le critère D.</p></figure><p class="ik-user">Pour le critère E.</p>') == Counter()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_no_sample_report_repeats_a_sentence_opening_more_than_three_times(lang):
    for site, year in _sample_reports():
        report = SiteReport.load(site, year, lang=lang)
        page = "".join(str(part) for part in (report.summary(), report.changes(), report.levels(), report.method()))
        repeated = {opening: n for opening, n in openings(page).items() if n > 3}
        assert not repeated, (site, year, lang, repeated)


def _grid_texts(grid):
    """Every text of the grid a reader may see: labels, sentences, change templates, words (not `raw`)."""
    for level in grid.levels:
        yield from level.labels.values()
        for criterion in level.criteria:
            yield from criterion.labels.values()
            for question in criterion.questions:
                yield from question.labels.values()
                for option in question.options:
                    yield from option.labels.values()
            for sentence in criterion.sentences:
                for text in sentence.texts.values():
                    yield from text.values() if isinstance(text, dict) else [text]


def test_no_grid_text_speaks_to_the_respondent(grid):
    """Was: "chez qui vous avez observé une nouvelle confiance" (the questionnaire's words in a report)."""
    for text in _grid_texts(grid):
        assert not re.search(r"\b(vous|votre|vos|you|your)\b", text, re.IGNORECASE), text


def test_every_list_is_introduced_by_a_whole_clause(grid):
    """Was: "Il s'agit de : – de nouvelles missions…" (a list hung on a preposition)."""
    for criterion in grid.criteria:
        for sentence in criterion.sentences:
            if sentence.list is None:
                continue
            for lang, text in sentence.texts.items():
                for form in text.values() if isinstance(text, dict) else [text]:
                    assert form.rstrip().endswith(":"), (criterion.id, lang, form)
                    last = form.rstrip(" :").split()[-1].lower()
                    assert last not in {"de", "à", "des", "du", "of", "to", "s'agit"}, (criterion.id, form)


@pytest.mark.slow
@pytest.mark.parametrize("year", ["2022", "2023"])
def test_no_sample_portfolio_repeats_a_sentence_opening_more_than_three_times(year, tmp_path):
    import subprocess
    import sys

    from conftest import ROOT

    command = [sys.executable, "-m", "impact_kit.cli", "portfolio", year, "--data", str(ROOT / "data")]
    subprocess.run([*command, "--out", str(tmp_path)], check=True, capture_output=True)
    page = (tmp_path / "portfolio" / year / "report.html").read_text(encoding="utf-8")
    main = str(BeautifulSoup(page, "html.parser").find("main"))
    repeated = {opening: n for opening, n in openings(main).items() if n > 3}
    assert not repeated, (year, repeated)
