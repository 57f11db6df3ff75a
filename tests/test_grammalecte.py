"""French grammar and typography of the kit's own words, checked by Grammalecte (issue 25, Build 10).

Grammalecte is LibreOffice's French checker (Debian ``grammalecte-cli``). It reads the kit's words
of every French sample report and portfolio, and of reports that render every option of every
question of the grid: the data's words (``ik-user``) are replaced by a neutral word, since
testimonies and free answers are quoted as written. A problem is allowed only when
``tests/data/grammalecte-allowed.yaml`` lists it with its reason (at most 5).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from conftest import ROOT

from impact_kit.data.dataset import load_dataset
from impact_kit.render.typography import typeset_html
from impact_kit.reports.site import CHARTS, SiteReport

GRAMMALECTE = shutil.which("grammalecte-cli")
ALLOWED = Path(__file__).parent / "data" / "grammalecte-allowed.yaml"
#: The word in place of the data's own words: a proper noun, so that it agrees with anything.
NEUTRAL = "Lambda"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def grammalecte() -> str:
    if GRAMMALECTE is None:
        message = "needs Grammalecte: apt-get install grammalecte-cli"
        (pytest.fail if os.environ.get("IMPACT_KIT_REQUIRE_GRAMMALECTE") else pytest.skip)(message)
    return str(GRAMMALECTE)


def kit_lines(page: str) -> list[str]:
    """The kit's words of a French page, one line per paragraph, list item, heading, caption or cell."""
    soup = BeautifulSoup(page, "html.parser")
    for element in soup.select(".ik-user"):
        element.replace_with(NEUTRAL)
    for element in soup.select("svg, style, script, title, nav"):
        element.decompose()
    out = []
    for element in soup.find_all(["p", "li", "h1", "h2", "h3", "figcaption", "th", "td", "summary", "caption", "a"]):
        if element.find(["p", "li", "ul", "table"]):
            continue
        text = re.sub(r"[ \t\n\r]+", " ", element.get_text("")).strip()  # str.split() would take no-break spaces
        if text and re.search(r"[a-zà-ÿ]{2}", text):
            out.append(text)
    return out


def problems(grammalecte: str, lines: list[str], where: Path) -> list[dict[str, str]]:
    """Run Grammalecte on the lines and return each problem: its rule, the line and the words it points at."""
    where.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = subprocess.run(
        [grammalecte, "-f", str(where), "-j", "-off", "eepi"], capture_output=True, text=True, check=True
    )
    checked = where.read_text(encoding="utf-8").split("\n")
    found = []
    for paragraph in json.loads(done.stdout)["data"]:
        line = checked[paragraph["iParagraph"] - 1]
        for error in paragraph["lGrammarErrors"] + paragraph["lSpellingErrors"]:
            rule = error.get("sRuleId") or error.get("sType", "")
            found.append({"rule": rule, "line": line, "words": line[error["nStart"] : error["nEnd"]]})
    return found


def site_page(report: SiteReport) -> str:
    parts = [report.header(), report.summary(), report.changes(), report.heading("charts")]
    parts += [report.chart(name) for name in CHARTS] + [report.levels(), report.method()]
    return typeset_html("".join(map(str, parts)), report.lang)


def _every_option_folder(grid, folder: Path) -> Path:
    """One site over several years: every option of every question is chosen in one of them."""
    shutil.copytree(ROOT / "data", folder)
    (folder / "observations.csv").unlink()
    (folder / "observations-commune-mesure.csv").unlink(missing_ok=True)
    rows = ["site,year,criterion,question,value"]
    years = range(2030, 2030 + max(len(q.options) for c in grid.criteria for q in c.questions) + 1)
    for i, year in enumerate(years):
        for level in grid.levels:
            rows.append(f"la-fabrique-des-possibles-exemple,{year},{level.id},{grid.roles.intensity},{1 + i % 5}")
        for criterion in grid.criteria:
            for question in criterion.questions:
                if question.type == "multi" and question.options:
                    values = [o.id for o in question.options[: 1 + i % len(question.options)]]
                elif question.is_choice and question.options:
                    values = [question.options[i % len(question.options)].id]
                elif question.type in ("number", "scale"):
                    values = [str(max(question.min or 0, min(question.max or 12, 12 - i)))]
                else:
                    values = [NEUTRAL]
                rows += [f"la-fabrique-des-possibles-exemple,{year},{criterion.id},{question.id},{v}" for v in values]
    (folder / "observations.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder


def _french_pages(tmp: Path) -> dict[str, str]:
    """Every French sample report, both sample portfolios, and the every-option reports, as pages."""
    pages: dict[str, str] = {}
    for path in sorted((ROOT / "parameters").glob("*.yaml")):
        params = yaml.safe_load(path.read_text(encoding="utf-8"))
        if params.get("lang", "fr") == "fr":
            report = SiteReport.load(params["site"], params["year"], data=ROOT / "data")
            pages[f"{params['site']}/{params['year']}"] = site_page(report)
    out = tmp / "reports"
    for year in ("2022", "2023"):
        subprocess.run(
            [
                sys.executable,
                "-m",
                "impact_kit.cli",
                "portfolio",
                year,
                "--data",
                str(ROOT / "data"),
                "--out",
                str(out),
            ],
            check=True,
            capture_output=True,
        )
        pages[f"portfolio/{year}"] = (out / "portfolio" / year / "report.html").read_text(encoding="utf-8")
    dataset = load_dataset(_every_option_folder(SiteReport.load("the-good-start", 2021).grid, tmp / "every"))
    for year in sorted(set(dataset.observations["year"])):
        pages[f"every option/{year}"] = site_page(
            SiteReport.load("la-fabrique-des-possibles-exemple", year, data=dataset)
        )
    return pages


def test_the_check_finds_a_problem(grammalecte, tmp_path):
    found = problems(
        grammalecte, ["Il manque une espace avant les deux-points: ici.", "Les critère est bon."], tmp_path / "t.txt"
    )
    assert {p["line"] for p in found} == {"Il manque une espace avant les deux-points: ici.", "Les critère est bon."}


def test_the_kit_s_french_passes_grammalecte(grammalecte, tmp_path):
    """At most 5 problems summed over the French sample reports and portfolios, each listed with its reason."""
    pages = _french_pages(tmp_path)
    assert len(pages) >= 14 + 2 + 5
    allowed = yaml.safe_load(ALLOWED.read_text(encoding="utf-8")) or []
    assert len(allowed) <= 5 and all(entry.get("reason") for entry in allowed)

    def listed(problem: dict[str, str]) -> bool:
        return any(problem["rule"] == a["rule"] and a["words"] in problem["line"] for a in allowed)

    samples = [line for name, page in pages.items() if not name.startswith("every") for line in kit_lines(page)]
    found = problems(grammalecte, samples, tmp_path / "samples.txt")
    assert len(found) <= 5, "\n".join(f"{p['rule']}: «{p['words']}» in {p['line']}" for p in found)
    every = [line for name, page in pages.items() if name.startswith("every") for line in kit_lines(page)]
    left = [p for p in found + problems(grammalecte, every, tmp_path / "every.txt") if not listed(p)]
    assert left == [], "\n".join(f"{p['rule']}: «{p['words']}» in {p['line']}" for p in left)
