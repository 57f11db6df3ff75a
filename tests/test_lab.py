"""The evaluator's loop in a real JupyterLab, driven by Debian's Chromium (Playwright), offline.

`jupyter lab` runs on a free loopback port with its own temporary config, runtime, data,
settings and checkpoint folders, and is stopped by its PID. The evaluator's loop and the
untrusted batch report work in a project of their own (a copy of the sample data in the
test's temporary folder), as an evaluator would in theirs: `impact-kit notebook` writes
notebooks/<site>/<year>.ipynb, Lab runs it (Run All writes no report), scratch cells and a
Markdown cell are added and saved, and `report.export()`, typed in a cell of its own, writes
reports/<site>/<year>/report.html without the scratch cells. The test checks that the
package's masters are byte-identical, that the project gained those two only, and that the
checkout is as it was (it once rewrote the checkout's own report.html after `make reports`).
The read copies test alone runs Lab on the checkout, on its notebooks/*.ipynb made by
`make`, and puts them back byte for byte with their modification times. No test leaves
anything in the checkout's reports/ or notebooks/ or in the system temporary folder.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT, SAMPLE

from impact_kit.exceptions import CELL_LINES
from impact_kit.reports.parameters import PORTFOLIO_NOTEBOOK, SITE_NOTEBOOK

pytestmark = pytest.mark.slow

SITE, YEAR = "the-good-start", 2021
WORKING = Path("notebooks") / SITE / f"{YEAR}.ipynb"  # in the project
REPORT = Path("reports") / SITE / str(YEAR) / "report.html"  # in the project
UNIQUE = "Regard-unique-5c1e"
TAGGED = "Tagged-output-71d4"
#: Seconds to wait for a kernel's cells (the machine has 2 shared cores).
SLOW = 240_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _git_status() -> set[str]:
    done = subprocess.run(
        ["git", "status", "--porcelain", "--ignored", "--untracked-files=normal"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return set(done.stdout.splitlines())


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """An evaluator's project: a copy of the sample data, beside which notebooks/ and reports/ will be."""
    root = tmp_path / "project"
    shutil.copytree(SAMPLE, root / "data")
    return root


@contextmanager
def _jupyter_lab(root: Path, folder: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A JupyterLab server on ``root``, its own files in ``folder``: (base URL, its process); stopped by its PID."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("the checkout is not a git work tree")
    port = _free_port()
    home = folder / "jupyter"
    env = dict(os.environ)
    for name, sub in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_RUNTIME_DIR", "runtime"),
                      ("JUPYTER_DATA_DIR", "data"), ("JUPYTERLAB_SETTINGS_DIR", "settings"),
                      ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"), ("IPYTHONDIR", "ipython")):  # fmt: skip
        env[name] = str(home / sub)
    env.pop("IMPACT_KIT_REPORT_RUN", None)
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip=127.0.0.1", f"--port={port}",
        f"--ServerApp.root_dir={root}", "--IdentityProvider.token=", "--ServerApp.password=",
        "--ServerApp.disable_check_xsrf=True", "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        # Checkpoints in the test's folder (an absolute checkpoint_dir): not .ipynb_checkpoints beside the notebooks,
        # nor $TMPDIR/jupyter_checkpoints, where FileCheckpoints puts them when their folder is not writable (as
        # FileCheckpoints.root_dir=<a folder of its own> made it: its notebooks/ does not exist).
        f"--FileCheckpoints.checkpoint_dir={folder / 'checkpoints'}",
    ]  # fmt: skip
    log = (folder / "lab.log").open("w")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=folder)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status", timeout=2).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"jupyter lab did not start: {(folder / 'lab.log').read_text()[-2000:]}")
                time.sleep(0.5)
        yield url, server
    finally:
        server.terminate()  # its own PID: it shuts its kernels down
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@pytest.fixture
def lab(tmp_path: Path, project: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A JupyterLab server on the project."""
    with _jupyter_lab(project, tmp_path) as server:
        yield server


@pytest.fixture
def checkout_lab(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A JupyterLab server on this checkout (for its notebooks/*.ipynb copies only)."""
    with _jupyter_lab(ROOT, tmp_path) as server:
        yield server


def _run(page, command: str, **args: object) -> None:
    page.evaluate("([c, a]) => window.jupyterapp.commands.execute(c, a)", [command, args])


def _cells(page) -> int:
    return int(page.evaluate("() => window.jupyterapp.shell.currentWidget.content.widgets.length"))


def _select(page, index: int) -> None:
    page.evaluate("(i) => { window.jupyterapp.shell.currentWidget.content.activeCellIndex = i; }", index)


def _add_cell(page, after: int, source: str, *, markdown: bool = False, tags: tuple[str, ...] = ()) -> int:
    """Insert a cell below ``after`` with ``source`` (and ``tags``), run it, and return its index."""
    _select(page, after)
    _run(page, "notebook:insert-cell-below")
    if markdown:
        _run(page, "notebook:change-cell-to-markdown")
    page.evaluate(
        "(s) => window.jupyterapp.shell.currentWidget.content.activeCell.model.sharedModel.setSource(s)", source
    )
    if tags:  # as the property inspector's Cell Tags sets them
        page.evaluate(
            "(t) => window.jupyterapp.shell.currentWidget.content.activeCell.model.setMetadata('tags', t)", list(tags)
        )
    _run(page, "notebook:run-cell")
    return after + 1


def _cell(page, index: int):
    return page.locator(".jp-Notebook .jp-Cell").nth(index)


def _idle(page) -> None:
    page.wait_for_function(
        "() => { const w = window.jupyterapp.shell.currentWidget; const k = w.sessionContext.session?.kernel;"
        " return k && k.status === 'idle' && !w.content.widgets.some("
        "   c => c.model.type === 'code' && c.promptNode && c.promptNode.textContent.includes('*')); }",
        timeout=SLOW,
    )


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def _ignored(path: Path) -> bool:
    """Whether git ignores ``path`` (relative to a checkout, existing or not)."""
    return subprocess.run(["git", "check-ignore", "-q", path.as_posix()], cwd=ROOT).returncode == 0


def test_the_evaluators_loop_in_jupyterlab(browser, lab, project):
    url, _server = lab
    masters = {path: path.read_bytes() for path in (SITE_NOTEBOOK, PORTFOLIO_NOTEBOOK)}
    before, data = _git_status(), _files(project)
    working, report = project / WORKING, project / REPORT
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        made = subprocess.run(
            [sys.executable, "-m", "impact_kit.cli", "notebook", SITE, str(YEAR)],
            cwd=project, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert made.returncode == 0, made.stderr
        assert made.stdout.strip() == str(WORKING)

        page = context.new_page()
        page.goto(f"{url}/lab/tree/{WORKING.as_posix()}")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=SLOW)
        _idle(page)
        time.sleep(1)  # Lab updates the notebook's metadata from the kernel's once it is connected
        assert page.locator(".lm-TabBar-tab.jp-mod-dirty").count() == 0, "Lab marks the notebook modified on opening"

        _run(page, "notebook:run-all-cells")
        page.wait_for_selector(".jp-OutputArea-output section.ik-level", timeout=SLOW)
        _idle(page)
        outputs = page.locator(".jp-OutputArea-output")
        assert page.locator(".jp-OutputArea-output section.ik-level").count() == 4
        assert page.locator(".jp-OutputArea-output .ik-header h1").count() == 1
        assert page.locator(".jp-OutputArea-output .ik-chart-wide img").count() >= 3  # charts are images there
        assert page.locator("[data-mime-type='application/vnd.jupyter.stderr']").count() == 0
        assert outputs.count() > 8
        assert page.locator(".ik-exported").count() == 0  # Run All never writes the report
        assert not report.exists()

        header = 3  # the cell that loads the report
        at = _add_cell(page, header, 'report.plot("coverage")')  # exploration: stays in the notebook, not the page
        _idle(page)
        assert _cell(page, at).locator(".jp-OutputArea-output img").count() == 1
        at = _add_cell(page, at, f'ik.SiteReport.load("the-good", {YEAR})')  # a failing one: never blocks the export
        _idle(page)
        error = _cell(page, at).locator(".jp-OutputArea-output").inner_text()
        assert 1 <= len(error.strip().splitlines()) <= CELL_LINES and "the-good-start" in error
        at = _add_cell(page, at, "1/0")  # a scratch cell that fails
        _idle(page)
        assert "ZeroDivisionError" in _cell(page, at).inner_text()
        at = _add_cell(page, at, f"print({TAGGED!r})", tags=("report",))  # its output goes into the page
        _idle(page)

        cells = _cells(page)
        at = _add_cell(page, at + 1, f"## Regard de l'évaluatrice\n\n{UNIQUE} <b>pas du gras</b>", markdown=True)
        assert _cells(page) == cells + 1
        _run(page, "docmanager:save")
        page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty", timeout=SLOW)
        assert UNIQUE in working.read_text(encoding="utf-8")

        last = _add_cell(page, _cells(page) - 1, "report.export()")  # the one explicit act, in a cell of its own
        page.wait_for_function(
            "() => { const w = window.jupyterapp.shell.currentWidget; return w.sessionContext.session.kernel.status"
            " === 'idle' && w.content.widgets[w.content.widgets.length - 1].node.querySelector('.ik-exported a'); }",
            timeout=SLOW,
        )
        _idle(page)
        assert report.exists()
        assert "3 code cells left out of the report" in _cell(page, last).inner_text()
        page_text = report.read_text(encoding="utf-8")
        assert UNIQUE in page_text and "<b>pas du gras</b>" in page_text  # bold, as Lab showed it
        assert TAGGED in page_text  # the cell tagged `report`
        assert "data:image/png" not in page_text and "Did you mean" not in page_text  # the exploration stayed out
        assert "ZeroDivisionError" not in page_text
        elsewhere = project.parent / "elsewhere"  # impact-kit report on the same notebook: the same page
        made = subprocess.run(
            [sys.executable, "-m", "impact_kit.cli", "report", SITE, str(YEAR), "--notebook", str(WORKING),
             "--out", str(elsewhere)],
            cwd=project, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert made.returncode == 0, made.stderr
        assert (elsewhere / REPORT.relative_to("reports")).read_text(encoding="utf-8") == page_text
        others = [p for folder in (project, ROOT) for p in (folder / "reports").rglob("report.html") if p != report]
        assert not [p for p in others if UNIQUE in p.read_text(encoding="utf-8")]  # nor the checkout's own
        link = page.locator(".ik-exported a").last.get_attribute("href") or ""  # Lab serves it under /files/
        assert link.startswith(f"{url}/files/{REPORT.as_posix()}")
    finally:
        context.close()
        _server.terminate()
        _server.wait(timeout=30)
    for path, text in masters.items():
        assert path.read_bytes() == text, f"{path} changed"
    assert _git_status() == before  # nothing in the checkout: its own reports/ and notebooks/ are the user's
    made_files = {p for p in _files(project) - data if not p.startswith(f"{REPORT.parent.as_posix()}/")}
    assert made_files == {WORKING.as_posix()}, made_files  # the project gained the notebook and the report only
    # In a checkout, as in a project, git ignores both: the working notebook is the evaluator's, the report theirs.
    assert _ignored(WORKING) and _ignored(REPORT)


def test_the_read_copies_run_and_save_in_lab_and_git_stays_clean(browser, checkout_lab):
    """notebooks/site_report.ipynb and portfolio_report.ipynb: Run All, save; git status as before, masters unchanged.

    The copies are the checkout's own (made by `make`): they are put back as they were, bytes and modification times.
    """
    url, _server = checkout_lab
    copies = [ROOT / "notebooks" / master.name for master in (SITE_NOTEBOOK, PORTFOLIO_NOTEBOOK)]
    if not all(copy.is_file() for copy in copies):
        pytest.skip("notebooks/*.ipynb are made by `make`")
    kept = {path: path.read_bytes() for path in (*copies, SITE_NOTEBOOK, PORTFOLIO_NOTEBOOK)}
    times = {copy: copy.stat() for copy in copies}
    before = _git_status()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        for copy in copies:
            relative = copy.relative_to(ROOT).as_posix()
            page.goto(f"{url}/lab/tree/{relative}?reset")  # ?reset: only this notebook, not the last one's tab
            page.wait_for_function(
                "(p) => window.jupyterapp?.shell.currentWidget?.context?.path === p", arg=relative, timeout=SLOW
            )
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=SLOW)
            _idle(page)
            _run(page, "notebook:run-all-cells")
            page.wait_for_function(  # the header cell of this notebook (the tab in front) has drawn
                "() => window.jupyterapp.shell.currentWidget.node.querySelector('.jp-OutputArea-output h1')",
                timeout=SLOW,
            )
            _idle(page)
            _run(page, "docmanager:save")
            page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty", timeout=SLOW)
            assert copy.read_bytes() != kept[copy]  # Lab saved its outputs into the copy
        assert _git_status() == before
        assert all(_ignored(copy.relative_to(ROOT)) for copy in copies)  # clean whatever Lab writes into them
        assert SITE_NOTEBOOK.read_bytes() == kept[SITE_NOTEBOOK]
        assert PORTFOLIO_NOTEBOOK.read_bytes() == kept[PORTFOLIO_NOTEBOOK]
    finally:
        context.close()
        _server.terminate()  # no kernel writes into notebooks/ while the copies are put back
        _server.wait(timeout=30)
        for copy in copies:  # the copies as make wrote them, with their times (the suite's check compares them)
            copy.write_bytes(kept[copy])
            os.utime(copy, ns=(times[copy].st_atime_ns, times[copy].st_mtime_ns))
    for copy in copies:
        assert copy.read_bytes() == kept[copy] and copy.stat().st_mtime_ns == times[copy].st_mtime_ns
    assert _git_status() == before


def test_an_untrusted_batch_report_ipynb_shows_every_chart_in_lab(browser, lab, project):
    """A report.ipynb sent to a colleague opens untrusted: Lab drops its <svg> and <style>, not its chart images."""
    url, _server = lab
    out = project / "reports"  # the project's, in the test's folder: not the checkout's reports/
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        done = subprocess.run(
            [sys.executable, "-m", "impact_kit.cli", "batch", "--site", SITE, "--year", str(YEAR), "--out", str(out)],
            cwd=project, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        html = (out / SITE / str(YEAR) / "report.html").read_text(encoding="utf-8")
        charts = html.count('<figure class="ik-chart"')
        assert charts >= 3
        page = context.new_page()
        page.goto(f"{url}/lab/tree/{(out / SITE / str(YEAR) / 'report.ipynb').relative_to(project).as_posix()}?reset")
        page.wait_for_selector(".jp-OutputArea-output figure.ik-chart", timeout=SLOW)
        trusted = "() => { const m = window.jupyterapp.shell.currentWidget.content.model;"
        trusted += " return [...Array(m.cells.length).keys()].some(i => m.cells.get(i).trusted); }"
        assert page.evaluate(trusted) is False  # as a colleague opens it
        images = page.locator(".jp-OutputArea-output figure.ik-chart img[src^='data:image/svg+xml']")
        assert images.count() == charts
        page.wait_for_function(
            "() => [...document.querySelectorAll('figure.ik-chart img')].every(i => i.complete && i.naturalWidth > 0)",
            timeout=SLOW,
        )
        assert page.locator(".jp-OutputArea-output figure.ik-chart svg").count() == 0  # nothing left to go flat
        assert all(not text.strip() for text in page.locator(".ik-chart-narrow").all_inner_texts())  # one drawing
    finally:
        context.close()


def test_the_picker_opens_another_site_years_working_notebook_in_lab(browser, lab, project):
    """ik.picker() in a notebook of the project: choose a site and year, press the button, open the link in Lab."""
    url, _server = lab
    other, year = "la-fabrique-des-possibles-exemple", 2022
    scratch = project / "notebooks" / "explore.ipynb"
    scratch.parent.mkdir()
    kernel = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    cells = [nbformat.v4.new_code_cell("import impact_kit as ik\nik.picker()")]
    nbformat.write(nbformat.v4.new_notebook(cells=cells, metadata=kernel), scratch)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{url}/lab/tree/notebooks/explore.ipynb?reset")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=SLOW)
        _idle(page)
        _run(page, "notebook:run-all-cells")
        dropdowns = page.locator(".jp-OutputArea-output .widget-dropdown select")
        dropdowns.nth(1).wait_for(timeout=SLOW)
        assert dropdowns.count() == 2
        dropdowns.nth(0).select_option(label="La Fabrique des Possibles (exemple) (Roubaix)")
        page.wait_for_function(  # the years follow the site: its latest year is chosen
            "() => document.querySelectorAll('.widget-dropdown select')[1].selectedOptions[0]?.text === '2023'",
            timeout=SLOW,
        )
        dropdowns.nth(1).select_option(label=str(year))
        page.locator(".jp-OutputArea-output button", has_text="Open its notebook").click()
        link = page.locator(".jp-OutputArea-output .widget-output a")
        link.wait_for(timeout=SLOW)
        written = project / "notebooks" / other / f"{year}.ipynb"
        assert written.is_file()
        assert link.inner_text() == f"{other}/{year}.ipynb"
        page.evaluate("() => { window.ikSamePage = true; }")
        link.click()
        wanted = f"notebooks/{other}/{year}.ipynb"
        page.wait_for_function(  # its cells drawn, in a tab of its own, its title rendered (Markdown comes later:
            "(p) => { const w = window.jupyterapp.shell.currentWidget;"  # on two workers, no h1 yet)
            " return w?.context?.path === p && w.content.widgets.length > 5 && w.node.querySelector('h1'); }",
            arg=wanted, timeout=SLOW,
        )  # fmt: skip
        assert page.evaluate("() => window.ikSamePage") is True  # opened by Lab, not by reloading the page
        heading = page.evaluate("() => window.jupyterapp.shell.currentWidget.node.querySelector('h1').textContent")
        assert "La Fabrique des Possibles" in heading and str(year) in heading  # its own title
        assert _files(project / "notebooks") == {"explore.ipynb", f"{other}/{year}.ipynb"}
    finally:
        context.close()
