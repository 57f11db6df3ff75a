"""Probes of what papermill's engine promises for any notebook, run on the kit's engines (and on papermill's, to compare).

Each probe was a difference before (issue 17): no autosave during a long cell, outputs
logged only when the cell ended, ``kernel_name`` ignored, timeouts that lost the cell's
partial output, another status for ``raises-exception`` cells, Ctrl-C that left the cell
"running". ``None`` is papermill's own engine (a kernel).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

import nbformat
import papermill as pm
import papermill.engines
import pytest
from jupyter_client.kernelspec import NoSuchKernel
from nbclient.exceptions import CellTimeoutError
from papermill.exceptions import PapermillException

from impact_kit.engine.kernels import kernel_problem

KIT = ("impact-kit", "impact-kit-inprocess")
PAPERMILL = Path(sys.executable).with_name("papermill")


def notebook(tmp_path: Path, *sources: str | tuple[str, list[str]], kernel: str = "python3") -> Path:
    """A notebook with one code cell per source (a (source, tags) pair for tagged cells)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata.kernelspec = {"name": kernel, "display_name": kernel, "language": "python"}
    for source in sources:
        text, tags = source if isinstance(source, tuple) else (source, [])
        nb.cells.append(nbformat.v4.new_code_cell(text, metadata={"tags": tags}))
    path = tmp_path / "in.ipynb"
    nbformat.write(nb, path)
    return path


def run(path: Path, engine: str | None, **kwargs) -> nbformat.NotebookNode:
    out = path.with_name(f"out-{engine}.ipynb")
    return pm.execute_notebook(str(path), str(out), engine_name=engine, progress_bar=False, **kwargs)


def summary(nb: nbformat.NotebookNode) -> dict:
    """What must match papermill's engine: each cell's count, status and outputs, the notebook's exception."""
    cells = []
    for cell in nb.cells:
        outputs = [
            (o.output_type, o.get("name") or o.get("ename"), o.get("text") or o.get("evalue"))
            for o in cell.get("outputs", [])
        ]
        status = cell.metadata.get("papermill", {})
        cells.append(
            (cell.cell_type, cell.get("execution_count"), status.get("status"), status.get("exception"), outputs)
        )
    return {"cells": cells, "exception": nb.metadata.papermill.get("exception")}


# 1. Autosave during a long cell, at papermill's cadence (autosave_cell_every, checked as messages arrive).


@pytest.mark.slow
@pytest.mark.parametrize("engine", [None, *KIT])
def test_a_long_cell_is_saved_while_it_runs(tmp_path: Path, engine):
    path = notebook(tmp_path, "import time\nfor i in range(8):\n    print(i)\n    time.sleep(0.25)")
    saved = []

    def record(nb, path):
        cell = nb.cells[0]
        saved.append((cell.metadata.papermill.status, "".join(o.get("text", "") for o in cell.outputs)))

    with mock.patch.object(papermill.engines, "write_ipynb", side_effect=record):
        run(path, engine, autosave_cell_every=0.5)
    during = [text for status, text in saved if status == "running"]
    final = "".join(f"{i}\n" for i in range(8))
    assert len([t for t in during if t]) >= 2, saved  # saves with output, before the cell ends
    assert all(final.startswith(t) for t in during) and any(t and t != final for t in during), saved


# 2. Outputs reach log_output and stdout_file as they come.


class Recorded:
    def __init__(self):
        self.writes = []

    def write(self, text):
        self.writes.append((time.monotonic(), text))

    def flush(self):
        pass


@pytest.mark.slow
@pytest.mark.parametrize("engine", KIT)
def test_outputs_are_logged_and_copied_as_they_come(tmp_path: Path, engine):
    path = notebook(
        tmp_path, "import time, sys\nprint('before')\nprint('oops', file=sys.stderr)\ntime.sleep(1.5)\nprint('after')"
    )
    stdout, stderr, logged = Recorded(), Recorded(), []
    handler = logging.Handler()
    handler.emit = lambda record: logged.append((record.created, record.getMessage()))
    logger = logging.getLogger("papermill")
    logger.addHandler(handler)
    old = logger.level
    logger.setLevel(logging.INFO)
    try:
        run(path, engine, log_output=True, stdout_file=stdout, stderr_file=stderr)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old)
    (before, first), (after, second) = stdout.writes
    assert (first, second) == ("before\n", "after\n")
    assert after - before >= 1.0  # "before" was copied while the cell slept
    assert [text for _, text in stderr.writes] == ["oops\n"] and stderr.writes[0][0] < after - 1.0
    said = {message: when for when, message in logged}
    assert said["after\n"] - said["before\n"] >= 1.0


# 3. kernel_name: a notebook for another kernel, or with widgets, runs on papermill's engine after a notice.


def kernelspec(folder: Path, name: str, argv: list[str], language: str = "python", env: dict | None = None) -> None:
    spec = {"argv": argv, "display_name": name, "language": language, **({"env": env} if env else {})}
    (folder / "kernels" / name).mkdir(parents=True)
    (folder / "kernels" / name / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")


def test_which_notebooks_need_a_real_kernel(tmp_path: Path, monkeypatch):
    ipykernel = ["-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernelspec(tmp_path, "other-python", ["/opt/other/bin/python3", *ipykernel])
    kernelspec(tmp_path, "ir", ["R", "--slave", "-e", "IRkernel::main()", "--args", "{connection_file}"], language="R")
    kernelspec(tmp_path, "with-env", ["python", *ipykernel], env={"A": "1"})
    kernelspec(tmp_path, "this-python", [sys.executable, *ipykernel])
    kernelspec(tmp_path, "with-options", [sys.executable, *ipykernel, "--matplotlib=qt"])
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    plain = nbformat.v4.new_notebook()
    assert kernel_problem(plain, "python3") is None
    assert kernel_problem(plain, "this-python") is None
    assert kernel_problem(plain, "no-such-kernel") == "there is no kernel named 'no-such-kernel'"
    assert kernel_problem(plain, "ir") == "its kernel 'ir' runs R"
    assert (
        kernel_problem(plain, "other-python")
        == "its kernel 'other-python' runs another Python (/opt/other/bin/python3)"
    )
    assert kernel_problem(plain, "with-env") == "its kernel 'with-env' sets environment variables (A)"
    assert "starts with options of its own" in kernel_problem(plain, "with-options")
    widgets = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1\nimport ipywidgets as w")])
    assert kernel_problem(widgets, "python3") == "it uses widgets"
    saved = nbformat.v4.new_notebook(metadata={"widgets": {"application/vnd.jupyter.widget-state+json": {}}})
    assert kernel_problem(saved, "python3") == "it has saved widget state (metadata.widgets)"


@pytest.mark.parametrize("engine", KIT)
def test_an_unknown_kernel_is_papermills_error(tmp_path: Path, engine, caplog):
    path = notebook(tmp_path, "print('here')")
    with pytest.raises(NoSuchKernel):
        run(path, engine, kernel_name="no-such-kernel")
    assert (
        f"The {engine} engine runs this notebook on papermill's own engine (a kernel): there is no kernel"
        in caplog.text
    )


@pytest.mark.slow
def test_a_notebook_for_another_kernel_runs_in_that_kernel(tmp_path: Path, monkeypatch, caplog):
    kernelspec(
        tmp_path, "with-env", ["python", "-m", "ipykernel_launcher", "-f", "{connection_file}"], env={"PROBE": "kernel"}
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    path = notebook(tmp_path, "import os\nprint(os.environ.get('PROBE'))", kernel="with-env")
    nb = run(path, "impact-kit")
    assert nb.cells[0].outputs[0].text == "kernel\n"
    assert "sets environment variables (PROBE)" in caplog.text


# 4. A timeout keeps the cell's partial output and execution count.


@pytest.mark.slow
@pytest.mark.parametrize("engine", [None, "impact-kit"])
def test_a_timeout_keeps_the_partial_output(tmp_path: Path, engine):
    path = notebook(tmp_path, "x = 1", "print('before')\nimport time\ntime.sleep(60)", "print('never')")
    with pytest.raises(CellTimeoutError):
        run(path, engine, execution_timeout=3)
    written = nbformat.read(path.with_name(f"out-{engine}.ipynb"), as_version=4)
    assert summary(written)["cells"] == [
        ("code", 1, "completed", False, []),
        # papermill's engine interrupts the kernel as it shuts it down: the cell ends as on Ctrl-C
        ("code", 2, "completed", False, [("stream", "stdout", "before\n"), ("error", "KeyboardInterrupt", "")]),
        ("code", None, "completed", None, []),  # papermill marks the cells after as completed too
    ]


def test_the_inprocess_engine_refuses_a_timeout_in_one_line(tmp_path: Path):
    path = notebook(tmp_path, "x = 1")
    with pytest.raises(
        PapermillException, match=r"^The impact-kit-inprocess engine cannot stop a cell that runs too long; use"
    ):
        run(path, "impact-kit-inprocess", execution_timeout=3)


# 5. A cell tagged raises-exception ends as under papermill's engine: completed, the run goes on, then papermill raises.


@pytest.mark.slow
def test_raises_exception_cells_end_as_on_papermills_engine(tmp_path: Path):
    path = notebook(tmp_path, "x = 1", ("raise ValueError('expected')", ["raises-exception"]), "print('after')")
    results = {}
    for engine in (None, *KIT):
        with pytest.raises(pm.PapermillExecutionError) as caught:
            run(path, engine)
        written = nbformat.read(path.with_name(f"out-{engine}.ipynb"), as_version=4)
        results[engine] = (caught.value.ename, caught.value.exec_count, summary(written))
    assert results["impact-kit"] == results[None]
    assert results["impact-kit-inprocess"] == results[None]
    cells = results[None][2]["cells"]
    assert results[None][:2] == ("ValueError", 2)
    assert [c[2] for c in cells if c[0] == "code"] == ["completed"] * 3 and cells[-1][4] == [
        ("stream", "stdout", "after\n")
    ]


# 8. Ctrl-C ends the running cell as papermill's engine does.


def interrupted(path: Path, engine: str | None) -> tuple[int, str, dict]:
    """Run the papermill command, press Ctrl-C (SIGINT to its process group) while cell 2 runs; what is left."""
    out = path.with_name(f"out-{engine}.ipynb")
    command = [str(PAPERMILL), str(path), str(out), "--no-progress-bar", *(["--engine", engine] if engine else [])]
    process = subprocess.Popen(
        command, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            time.sleep(0.2)
            try:
                cell = nbformat.read(out, as_version=4).cells[1]
            except (OSError, ValueError, IndexError):
                continue
            if cell.metadata.papermill.status == "running":
                break
        time.sleep(1.5)  # the cell has printed and sleeps
        os.killpg(process.pid, signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    return process.returncode, stderr, summary(nbformat.read(out, as_version=4))


@pytest.mark.slow
def test_ctrl_c_ends_the_cell_as_on_papermills_engine(tmp_path: Path):
    path = notebook(tmp_path, "x = 1", "import time\nprint('before')\ntime.sleep(60)\nprint('after')", "print('never')")
    results = {engine: interrupted(path, engine) for engine in (None, *KIT)}
    code, stderr, left = results[None]
    assert code == 1 and "Aborted!" in stderr
    assert left["cells"][1] == (
        "code",
        2,
        "completed",
        False,
        [("stream", "stdout", "before\n"), ("error", "KeyboardInterrupt", "")],
    )
    for engine in KIT:
        assert results[engine][0] == code and "Aborted!" in results[engine][1]
        assert results[engine][2] == left, engine
