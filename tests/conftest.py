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
import re
import shutil
import signal
import tempfile
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


# Hermetic tests (issue 29, Why 16): no test writes outside its own temporary folders. The suite and
# every process it starts get a temporary folder of their own (TMPDIR), which must be empty at the
# end, and the checkout's reports/ and notebooks/ must be as they were.
WATCHED = ("reports", "notebooks")
_WATCH = pytest.StashKey[dict[str, dict[str, tuple[int, int]]]]()  # their files at the start
_TMP = pytest.StashKey[tuple[Path, str | None, str | None]]()  # the suite's TMPDIR, and what it replaced
_BASE = pytest.StashKey[tuple[Path, set[str]]]()  # pytest's own temporary folders: their parent, and what it held
_leftovers: list[str] = []
_first_seen: dict[str, str] = {}  # a path that appeared in the suite's TMPDIR -> the test after which it was seen
_SCANNED = pytest.StashKey[Path]()  # the suite's TMPDIR, in the controller and in each pytest-xdist worker
_NEW_IN_TMPDIR = "impact-kit: new in TMPDIR"
_TESTS_TMPDIR = "impact-kit-tests-"  # the prefix of the suite's TMPDIR


def _files(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``folder`` (links included) with its size and modification time."""
    found = {}
    for path in sorted(folder.rglob("*")) if folder.is_dir() else ():
        if path.is_file() or path.is_symlink():
            stat = path.lstat()
            found[str(path)] = (stat.st_size, stat.st_mtime_ns)
    return found


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):  # a pytest-xdist worker: the controller watches, with what workers see
        inherited = Path(os.environ.get("TMPDIR", ""))
        if inherited.name.startswith(_TESTS_TMPDIR):
            config.stash[_SCANNED] = inherited
        return
    factory = getattr(config, "_tmp_path_factory", None)
    if factory is not None:
        # pytest's own folders stay where pytest keeps them (the last runs', /tmp/pytest-of-USER/pytest-N),
        # outside the watched one; nothing else may appear beside them (a test once wrote an index.html there).
        base = factory.getbasetemp()
        config.stash[_BASE] = (base.parent, {p.name for p in base.parent.iterdir()} | {base.name, "pytest-current"})
    config.stash[_WATCH] = {name: _files(ROOT / name) for name in WATCHED}
    own = Path(tempfile.mkdtemp(prefix=_TESTS_TMPDIR))
    config.stash[_TMP] = (own, os.environ.get("TMPDIR"), tempfile.tempdir)
    os.environ["TMPDIR"] = str(own)
    tempfile.tempdir = str(own)
    config.stash[_SCANNED] = own


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """After each test, tell the suite what appeared in its TMPDIR, so that a leftover names its test.

    Through the test's report: a pytest-xdist worker sends it to the controller, which watches.
    """
    outcome = yield
    own = item.config.stash.get(_SCANNED, None)
    if call.when == "teardown" and own is not None:
        new = sorted(p for p in _present(own) if p not in _first_seen)  # pytest_runtest_logreport records them
        report = outcome.get_result()
        report.user_properties = [*report.user_properties, (_NEW_IN_TMPDIR, new)]


def _present(folder: Path) -> list[str]:
    """Every file and folder under ``folder``, while other workers' tests add and remove theirs (no error)."""
    found = []
    for root, folders, files in os.walk(folder):  # os.walk skips a folder removed as it reads it; rglob raised
        found += [os.path.join(root, name) for name in folders + files]
    return found


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    for name, value in report.user_properties:
        if name == _NEW_IN_TMPDIR:
            for path in value:
                _first_seen.setdefault(path, report.nodeid)


def _seen(path: str) -> str:
    test = _first_seen.get(path.removesuffix("/ (empty folder)"))
    return f"{path}  (first seen after {test})" if test else path


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    if _TMP not in config.stash:
        return
    own, tmpdir, tempdir = config.stash[_TMP]
    tempfile.tempdir = tempdir
    if tmpdir is None:
        os.environ.pop("TMPDIR", None)
    else:
        os.environ["TMPDIR"] = tmpdir
    left = sorted(str(p) for p in own.rglob("*") if not p.is_dir())
    left += sorted(f"{p}/ (empty folder)" for p in own.rglob("*") if p.is_dir() and not any(p.iterdir()))
    shutil.rmtree(own, ignore_errors=True)
    if left:
        _leftovers.append(
            f"the system temporary folder (TMPDIR={own}, removed now) gained {len(left)} files or folders:"
        )
        _leftovers.extend(f"  {_seen(path)}" for path in left)
    if _BASE in config.stash:
        parent, held = config.stash[_BASE]
        # Another pytest run's folder (pytest-N) may appear meanwhile: runs share that parent.
        mine = [p for p in parent.iterdir() if p.name not in held] if parent.is_dir() else []
        beside = sorted(str(p) for p in mine if not re.fullmatch(r"pytest-(\d+|current)", p.name))
        if beside:
            _leftovers.append(f"pytest's temporary folder {parent} gained {len(beside)} files or folders:")
            _leftovers.extend(f"  {path}" for path in beside)
    for name, before in config.stash[_WATCH].items():
        after = _files(ROOT / name)
        changed = sorted(p for p in after.keys() | before.keys() if after.get(p) != before.get(p))
        if changed:
            _leftovers.append(f"the checkout's {name}/ changed ({len(changed)} files added, rewritten or removed):")
            _leftovers.extend(f"  {path}" for path in changed)
    if _leftovers:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    if _leftovers:
        terminalreporter.section("tests wrote outside their temporary folders", sep="=", red=True, bold=True)
        for line in _leftovers:
            terminalreporter.line(line)
        terminalreporter.line("Make each test write under tmp_path (or a folder it removes), then run it again.")


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


def need_chromium() -> str:
    """Return Debian's Chromium; skip without it (fail when IMPACT_KIT_REQUIRE_BROWSER is set, as in CI)."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("IMPACT_KIT_REQUIRE_BROWSER"):
            pytest.fail(f"IMPACT_KIT_REQUIRE_BROWSER is set but {CHROMIUM} does not exist")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright, one for the whole session (Playwright allows one at a time)."""
    need_chromium()
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


@pytest.fixture(scope="module")
def synthetic():
    """bench/synthetic.py as a module: the synthetic data folders of the benchmarks and of tests at scale."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("synthetic", ROOT / "bench" / "synthetic.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
