"""The evaluator's loop in a real JupyterLab, driven by Debian's Chromium (Playwright), offline.

`jupyter lab` runs on a free loopback port with its own temporary config, runtime, data,
settings and checkpoint folders, and is stopped by its PID. The test works in a project of
its own (a copy of the sample data in its temporary folder), as an evaluator would in theirs:
`impact-kit notebook` writes notebooks/<site>/<year>.ipynb, Lab runs it, a Markdown cell is
added and saved, `report.export()` writes reports/<site>/<year>/report.html. It then checks
that the package's master is byte-identical, that the project gained those two only, and that
git sees nothing new in the checkout (it once rewrote the checkout's own report.html).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE

from impact_kit.exceptions import CELL_LINES
from impact_kit.reports.parameters import PORTFOLIO_NOTEBOOK, SITE_NOTEBOOK

pytestmark = pytest.mark.slow

SITE, YEAR = "the-good-start", 2021
WORKING = Path("notebooks") / SITE / f"{YEAR}.ipynb"  # in the project
REPORT = Path("reports") / SITE / str(YEAR) / "report.html"
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
def project(tmp_path):
    """An evaluator's project: a copy of the sample data, beside which notebooks/ and reports/ will be."""
    root = tmp_path / "project"
    shutil.copytree(SAMPLE, root / "data")
    return root


@pytest.fixture
def lab(tmp_path, project):
    """A JupyterLab server on the project: (base URL, its process); stopped by its PID afterwards."""
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
        f"--ServerApp.root_dir={project}", "--IdentityProvider.token=", "--ServerApp.password=",
        "--ServerApp.disable_check_xsrf=True", "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        # Checkpoints in the test's folder: not .ipynb_checkpoints in the project, nor (where that folder is not
        # writable, as root_dir made it) $TMPDIR/jupyter_checkpoints, which the suite's check found left.
        f"--FileCheckpoints.checkpoint_dir={tmp_path / 'checkpoints'}",
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


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


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
        page.wait_for_selector(".ik-exported a", timeout=SLOW)  # the last cell, report.export(), ran
        _idle(page)
        outputs = page.locator(".jp-OutputArea-output")
        assert page.locator(".jp-OutputArea-output section.ik-level").count() == 4
        assert page.locator(".jp-OutputArea-output .ik-header h1").count() == 1
        assert page.locator(".jp-OutputArea-output .ik-chart-wide svg").count() >= 3
        assert page.locator("[data-mime-type='application/vnd.jupyter.stderr']").count() == 0
        assert outputs.count() > 8

        header = 3  # the cell that loads the report
        at = _add_cell(page, header, 'report.plot("coverage")')
        _idle(page)
        assert _cell(page, at).locator(".jp-OutputArea-output img").count() == 1
        at = _add_cell(page, at, f'ik.SiteReport.load("the-good", {YEAR})')
        _idle(page)
        error = _cell(page, at).locator(".jp-OutputArea-output").inner_text()
        assert 1 <= len(error.strip().splitlines()) <= CELL_LINES and "the-good-start" in error
        for _ in range(2):  # the scratch cells leave before the notebook is saved
            _select(page, header + 1)
            _run(page, "notebook:delete-cell")

        cells = _cells(page)
        at = _add_cell(page, header + 2, f"## Regard de l'évaluatrice\n\n{UNIQUE} <b>pas du gras</b>", markdown=True)
        assert _cells(page) == cells + 1
        _run(page, "docmanager:save")
        page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty", timeout=SLOW)
        assert UNIQUE in working.read_text(encoding="utf-8")

        exported = report.stat().st_mtime_ns
        _select(page, _cells(page) - 1)  # report.export(), again
        _run(page, "notebook:run-cell")
        page.wait_for_function(
            "() => { const w = window.jupyterapp.shell.currentWidget; return w.sessionContext.session.kernel.status"
            " === 'idle' && w.content.widgets[w.content.widgets.length - 1].node.querySelector('.ik-exported a'); }",
            timeout=SLOW,
        )
        _idle(page)
        assert report.stat().st_mtime_ns > exported
        page_text = report.read_text(encoding="utf-8")
        assert UNIQUE in page_text and "&lt;b&gt;pas du gras&lt;/b&gt;" in page_text
        link = page.locator(".ik-exported a").last.get_attribute("href") or ""  # Lab serves it under /files/
        assert link.startswith(f"{url}/files/{REPORT.as_posix()}")
    finally:
        context.close()
        _server.terminate()
        _server.wait(timeout=30)
    for path, text in masters.items():
        assert path.read_bytes() == text, f"{path} changed"
    assert _git_status() == before  # nothing in the checkout: its own reports/ and notebooks/ are the user's
    made = {p for p in _files(project) - data if not p.startswith(f"reports/{SITE}/{YEAR}/")}
    assert made == {WORKING.as_posix()}, made
    assert (report.parent / "report.ipynb").is_file()
