"""Shared fixtures.

Kernel starts (each runs a notebook in a fresh kernel, about 2 s): the session fixtures
`good_start` (1) and `long_report` (1) serve every test that reads an executed site
report; test_export.py starts 5 more, each a different way to run the notebook (a
failing notebook, an edited one, papermill's own CLI, JupyterLab's way without
parameters, a wrong site); test_portfolio_report.py 1 (the portfolio notebook);
test_engine.py 2 (plain papermill, to compare the fork engine with); test_docx.py 1 (the
portfolio with a Word template; `good_start` writes its report.docx too); test_reliability.py
up to 12 (four reports at once; two complete runs and six interrupted ones). Every
other report in the suite (the `sample_batch` session fixture: the 15 samples, used by
the batch and browser tests) runs in forked children of a warm process: no kernel.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
from pathlib import Path

import pytest

# Tests send Ctrl-C (SIGINT) to the commands they start, as a terminal would. A suite started
# in the background by a non-interactive shell inherits SIGINT *ignored*, and so would every
# command it starts (exec keeps an ignored signal ignored): give it back its default action.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

from impact_kit.grid.file import default_grid
from impact_kit.grid.model import Grid

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data"
REFERENCE = ROOT.parent / "shared" / "reference" / "commune-mesure"
OLDER_PLACES = ["Aquarium.json", "Coco_velten.json", "Le-6b.json", "Maison-Montreau.json"]


@pytest.fixture(scope="session")
def grid() -> Grid:
    return default_grid()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A writable copy of the sample data folder."""
    target = tmp_path / "data"
    shutil.copytree(SAMPLE, target)
    return target


@pytest.fixture(scope="session")
def reference() -> Path:
    """The real Commune Mesure files of ../shared (third-party data: read, never copied)."""
    if not REFERENCE.is_dir():
        pytest.skip("../shared/reference/commune-mesure is absent: the real platform files are not here")
    return REFERENCE


def write_csv(path: Path, header: str, *rows: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(("\n".join([header, *rows]) + "\n").encode(encoding))
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file's bytes, to check that a failed command changed nothing."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="session")
def good_start(tmp_path_factory):
    """The Good Start's 2021 report, written once by `impact-kit report --docx`: (folder, html text, soup)."""
    from bs4 import BeautifulSoup

    from impact_kit.cli import main

    out = tmp_path_factory.mktemp("reports")
    assert main(["report", "the-good-start", "2021", "--data", str(SAMPLE), "--out", str(out), "--docx"]) == 0
    target = out / "the-good-start" / "2021"
    text = (target / "report.html").read_text(encoding="utf-8")
    return target, text, BeautifulSoup(text, "html.parser")


LONG_TESTIMONY = ("Chaque jeudi, des voisines apprennent la couture avec une bénévole retraitée & « amies ». " * 12)[
    :868
]


@pytest.fixture(scope="session")
def long_report(tmp_path_factory):
    """The report of a place imported with one 868-character testimony: (report.html path, the testimony)."""
    from impact_kit.importers.commune_mesure import import_places
    from impact_kit.reports.run import run_report

    root = tmp_path_factory.mktemp("long")
    data = root / "data"
    shutil.copytree(SAMPLE, data)
    place = {"name": "Lieu Témoin", "address": {"city": "Lille", "postalcode": "59000"},
             "blocs": {"impact_social": {"donnees": {"lien_social": LONG_TESTIMONY,
                                                     "impact_social_public": ["Bénévoles"]}}}}  # fmt: skip
    path = root / "place.json"
    path.write_text(json.dumps(place, ensure_ascii=False), encoding="utf-8")
    import_places([path], 2022, data)
    return run_report("lieu-temoin", 2022, data=data, out=root / "reports").html, LONG_TESTIMONY


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]  # fmt: skip


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright, one for the whole session (Playwright allows one at a time)."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("IMPACT_KIT_REQUIRE_BROWSER"):
            pytest.fail(f"IMPACT_KIT_REQUIRE_BROWSER is set but {CHROMIUM} does not exist")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def sample_batch(tmp_path_factory):
    """The whole sample in one batch (15 reports, as `make reports` does): (reports folder, BatchResult).

    Shared by the batch tests and the browser checks of every sample report; tests that
    change reports work on a copy.
    """
    from impact_kit.batch.run import run_batch

    out = tmp_path_factory.mktemp("batch") / "reports"
    result = run_batch(data=SAMPLE, out=out, parameters=ROOT / "parameters", progress=False)
    return out, result
