"""The evaluator's loop in a real JupyterLab, driven by Debian's Chromium (Playwright), offline.

`jupyter lab` runs on a free loopback port with its own temporary config, runtime, data,
settings and checkpoint folders, and is stopped by its PID. The test works in this
checkout, as an evaluator would: `impact-kit notebook` writes notebooks/<site>/<year>.ipynb,
Lab runs it (Run All writes no report), scratch cells and a Markdown cell are added and
saved, and `report.export()`, typed in a cell of its own, writes
reports/<site>/<year>/report.html without the scratch cells. It then checks that the
package's master is byte-identical and that git sees nothing new but those two, and removes them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from conftest import ROOT

from impact_kit.exceptions import CELL_LINES
from impact_kit.reports.parameters import PORTFOLIO_NOTEBOOK, SITE_NOTEBOOK

pytestmark = pytest.mark.slow

SITE, YEAR = "the-good-start", 2021
WORKING = ROOT / "notebooks" / SITE / f"{YEAR}.ipynb"
REPORT = ROOT / "reports" / SITE / str(YEAR) / "report.html"
UNIQUE = "Regard-unique-5c1e"
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
def lab(tmp_path):
    """A JupyterLab server on this checkout: (base URL, its process); stopped by its PID afterwards."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("the checkout is not a git work tree")
    port = _free_port()
    home = tmp_path / "jupyter"
    env = dict(os.environ)
    for name, folder in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_RUNTIME_DIR", "runtime"),
                         ("JUPYTER_DATA_DIR", "data"), ("JUPYTERLAB_SETTINGS_DIR", "settings"),
                         ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"), ("IPYTHONDIR", "ipython")):  # fmt: skip
        env[name] = str(home / folder)
    env.pop("IMPACT_KIT_REPORT_RUN", None)
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip=127.0.0.1", f"--port={port}",
        f"--ServerApp.root_dir={ROOT}", "--IdentityProvider.token=", "--ServerApp.password=",
        "--ServerApp.disable_check_xsrf=True", "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        f"--FileCheckpoints.root_dir={tmp_path / 'checkpoints'}",  # no .ipynb_checkpoints in the checkout
    ]  # fmt: skip
    log = (tmp_path / "lab.log").open("w")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status", timeout=2).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"jupyter lab did not start: {(tmp_path / 'lab.log').read_text()[-2000:]}")
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


def _run(page, command: str, **args: object) -> None:
    page.evaluate("([c, a]) => window.jupyterapp.commands.execute(c, a)", [command, args])


def _cells(page) -> int:
    return int(page.evaluate("() => window.jupyterapp.shell.currentWidget.content.widgets.length"))


def _select(page, index: int) -> None:
    page.evaluate("(i) => { window.jupyterapp.shell.currentWidget.content.activeCellIndex = i; }", index)


def _add_cell(page, after: int, source: str, *, markdown: bool = False) -> int:
    """Insert a cell below ``after`` with ``source``, run it, and return its index."""
    _select(page, after)
    _run(page, "notebook:insert-cell-below")
    if markdown:
        _run(page, "notebook:change-cell-to-markdown")
    page.evaluate(
        "(s) => window.jupyterapp.shell.currentWidget.content.activeCell.model.sharedModel.setSource(s)", source
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


def test_the_evaluators_loop_in_jupyterlab(browser, lab):
    url, _server = lab
    if WORKING.exists() or WORKING.parent.exists():
        pytest.skip(f"{WORKING.parent} exists already (an evaluator's own work): the test leaves it alone")
    masters = {path: path.read_bytes() for path in (SITE_NOTEBOOK, PORTFOLIO_NOTEBOOK)}
    before = _git_status()
    had_report = REPORT.parent.exists()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        made = subprocess.run(
            [sys.executable, "-m", "impact_kit.cli", "notebook", SITE, str(YEAR)],
            cwd=ROOT, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert made.returncode == 0, made.stderr
        assert made.stdout.strip() == str(WORKING.relative_to(ROOT))

        page = context.new_page()
        page.goto(f"{url}/lab/tree/{WORKING.relative_to(ROOT).as_posix()}")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=SLOW)
        _idle(page)
        time.sleep(1)  # Lab updates the notebook's metadata from the kernel's once it is connected
        assert page.locator(".lm-TabBar-tab.jp-mod-dirty").count() == 0, "Lab marks the notebook modified on opening"

        exported = REPORT.stat().st_mtime_ns if REPORT.exists() else None
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
        assert (REPORT.stat().st_mtime_ns if REPORT.exists() else None) == exported

        header = 3  # the cell that loads the report
        at = _add_cell(page, header, 'report.plot("coverage")')  # exploration: stays in the notebook, not the page
        _idle(page)
        assert _cell(page, at).locator(".jp-OutputArea-output img").count() == 1
        at = _add_cell(page, at, f'ik.SiteReport.load("the-good", {YEAR})')  # a failing one: never blocks the export
        _idle(page)
        error = _cell(page, at).locator(".jp-OutputArea-output").inner_text()
        assert 1 <= len(error.strip().splitlines()) <= CELL_LINES and "the-good-start" in error

        cells = _cells(page)
        at = _add_cell(page, at + 1, f"## Regard de l'évaluatrice\n\n{UNIQUE} <b>pas du gras</b>", markdown=True)
        assert _cells(page) == cells + 1
        _run(page, "docmanager:save")
        page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty", timeout=SLOW)
        assert UNIQUE in WORKING.read_text(encoding="utf-8")

        last = _add_cell(page, _cells(page) - 1, "report.export()")  # the one explicit act, in a cell of its own
        page.wait_for_function(
            "() => { const w = window.jupyterapp.shell.currentWidget; return w.sessionContext.session.kernel.status"
            " === 'idle' && w.content.widgets[w.content.widgets.length - 1].node.querySelector('.ik-exported a'); }",
            timeout=SLOW,
        )
        _idle(page)
        assert REPORT.exists() and REPORT.stat().st_mtime_ns != exported
        assert "2 code cells left out of the report" in _cell(page, last).inner_text()
        page_text = REPORT.read_text(encoding="utf-8")
        assert UNIQUE in page_text and "<b>pas du gras</b>" in page_text  # bold, as Lab showed it
        assert "data:image/png" not in page_text and "Did you mean" not in page_text  # the exploration stayed out
        others = [p for p in (ROOT / "reports").rglob("report.html") if p != REPORT]
        assert not [p for p in others if UNIQUE in p.read_text(encoding="utf-8")]
        link = page.locator(".ik-exported a").last.get_attribute("href") or ""  # Lab serves it under /files/
        assert link.startswith(f"{url}/files/{REPORT.relative_to(ROOT).as_posix()}")
    finally:
        context.close()
        _server.terminate()
        _server.wait(timeout=30)
        after = _git_status()
        for path, data in masters.items():
            assert path.read_bytes() == data, f"{path} changed"
        new = after - before
        ignored = subprocess.run(["git", "check-ignore", "-q", str(WORKING.relative_to(ROOT))], cwd=ROOT).returncode
        shutil.rmtree(WORKING.parent, ignore_errors=True)
        if not had_report:
            shutil.rmtree(REPORT.parent, ignore_errors=True)
            for folder in (REPORT.parent.parent,):
                if folder.is_dir() and not any(folder.iterdir()):
                    folder.rmdir()
    # notebooks/ may show as one ignored folder: its two copies (made by make) are ignored too.
    allowed = {"!! notebooks/", f"!! notebooks/{SITE}/", f"!! reports/{SITE}/", f"!! reports/{SITE}/{YEAR}/"}
    assert new <= allowed, sorted(new - allowed)
    assert ignored == 0  # the working notebook is the evaluator's, which git ignores


def test_the_read_copies_run_and_save_in_lab_and_git_stays_clean(browser, lab):
    """notebooks/site_report.ipynb and portfolio_report.ipynb: Run All, save; git status as before, masters unchanged."""
    url, _server = lab
    copies = [ROOT / "notebooks" / master.name for master in (SITE_NOTEBOOK, PORTFOLIO_NOTEBOOK)]
    if not all(copy.is_file() for copy in copies):
        pytest.skip("notebooks/*.ipynb are made by `make`")
    kept = {path: path.read_bytes() for path in (*copies, SITE_NOTEBOOK, PORTFOLIO_NOTEBOOK)}
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
        assert SITE_NOTEBOOK.read_bytes() == kept[SITE_NOTEBOOK]
        assert PORTFOLIO_NOTEBOOK.read_bytes() == kept[PORTFOLIO_NOTEBOOK]
    finally:
        context.close()
        for copy in copies:  # the copies as make wrote them
            copy.write_bytes(kept[copy])


def test_an_untrusted_batch_report_ipynb_shows_every_chart_in_lab(browser, lab):
    """A report.ipynb sent to a colleague opens untrusted: Lab drops its <svg> and <style>, not its chart images."""
    url, _server = lab
    out = (
        ROOT / "reports" / f"lab-untrusted-{os.getpid()}"
    )  # reports/ is git-ignored; removed below (not hidden: Lab hides those)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        done = subprocess.run(
            [sys.executable, "-m", "impact_kit.cli", "batch", "--site", SITE, "--year", str(YEAR), "--out", str(out)],
            cwd=ROOT, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        html = (out / SITE / str(YEAR) / "report.html").read_text(encoding="utf-8")
        charts = html.count('<figure class="ik-chart"')
        assert charts >= 3
        page = context.new_page()
        page.goto(f"{url}/lab/tree/{(out / SITE / str(YEAR) / 'report.ipynb').relative_to(ROOT).as_posix()}?reset")
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
        shutil.rmtree(out, ignore_errors=True)
