"""A kernel warms its export while idle, never while a cell runs, and stops before a fork."""

from __future__ import annotations

import os
import threading
import time

import pytest

from impact_kit.reports import warmup


@pytest.fixture(autouse=True)
def fresh(monkeypatch):
    """Each test starts with no warm-up thread (one per process otherwise)."""
    monkeypatch.setattr(warmup, "_state", {})
    yield
    warmup.settle()


def test_it_waits_while_a_cell_runs_then_warms_once_idle():
    since: list[float | None] = [None]  # a cell runs
    done = threading.Event()
    warmup.warm_when_idle((), idle=lambda: since[0], prepare=done.set, quiet=0.2)
    assert not done.wait(0.5)  # a cell runs (Run All): nothing is done
    since[0] = 0.1  # a cell just ended: not quiet for long enough yet
    assert not done.wait(0.3)
    since[0] = 1.0  # the kernel is idle
    assert done.wait(5)


def test_it_starts_once_per_process():
    seen = []
    done = threading.Event()
    warmup.warm_when_idle(("json", "csv"), idle=lambda: 5.0, prepare=lambda: (seen.append("prepare"), done.set()))
    warmup.warm_when_idle((), idle=lambda: 5.0, prepare=lambda: seen.append("second"))
    assert done.wait(5)
    warmup.settle()
    assert seen == ["prepare"]


def test_a_fork_stops_it_first():
    done = threading.Event()
    warmup.warm_when_idle((), idle=lambda: None, prepare=done.set)
    thread = warmup._state["thread"]
    assert thread.is_alive()
    pid = os.fork()
    if pid == 0:  # the child: nothing to do
        os._exit(0)
    os.waitpid(pid, 0)
    started = time.monotonic()
    thread.join(2)
    assert not thread.is_alive() and time.monotonic() - started < 2  # os.register_at_fork: settled before the fork
    assert not done.is_set()


@pytest.mark.slow
def test_a_kernel_that_loaded_a_portfolio_warms_its_export_while_idle(tmp_path):
    """As a site report does (tests/test_selection.py): nothing while cells run, everything once idle."""
    import nbformat
    from conftest import SAMPLE
    from nbclient import NotebookClient

    load = f"import impact_kit as ik\nreport = ik.PortfolioReport.load(2023, data={str(SAMPLE)!r})"
    check = "import sys\nprint(*(m in sys.modules for m in ('nbconvert', 'impact_kit.reports.run')))"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(load), nbformat.v4.new_code_cell(check)])
    client = NotebookClient(nb, timeout=240, resources={"metadata": {"path": str(tmp_path)}})
    with client.setup_kernel():
        client.execute_cell(nb.cells[0], 0)
        client.execute_cell(nb.cells[1], 1)
        said = [o["text"] for o in nb.cells[1].outputs]
        deadline = time.monotonic() + 120
        while said[-1] != "True True\n" and time.monotonic() < deadline:
            time.sleep(3)
            nb.cells.append(nbformat.v4.new_code_cell(check))
            client.execute_cell(nb.cells[-1], len(nb.cells) - 1)
            said += [o["text"] for o in nb.cells[-1].outputs]
    assert said[0] == "False False\n" and said[-1] == "True True\n", said
