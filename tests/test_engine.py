from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import nbformat
import papermill as pm
import pytest
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from impact_kit.engine import CellTimeout, ForkEngine, KernelDied, map_isolated, run_cells, run_isolated
from impact_kit.exceptions import ExecutionTimeout, ImpactKitError, WorkerCrashed

ROOT = Path(__file__).resolve().parent.parent
MASTER = ROOT / "notebooks" / "site_report.ipynb"
PAPERMILL = Path(sys.executable).with_name("papermill")


def notebook(tmp_path: Path, *sources: str, name: str = "nb.ipynb") -> Path:
    """A notebook with a parameters cell (``x = 0``) and one code cell per source."""
    nb = nbformat.v4.new_notebook()
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("x = 0", metadata={"tags": ["parameters"]})]
    nb.cells += [nbformat.v4.new_code_cell(source) for source in sources]
    path = tmp_path / name
    nbformat.write(nb, path)
    return path


def fork_run(path: Path, out: Path, **kwargs) -> nbformat.NotebookNode:
    return pm.execute_notebook(str(path), str(out), engine_name="impact-kit", progress_bar=False, **kwargs)


def comparable(nb: nbformat.NotebookNode) -> dict:
    """What must be equal between two runs of a notebook: everything but timings, paths and dates."""
    nb = json.loads(json.dumps(nb))
    papermill = nb["metadata"]["papermill"]
    for key in ("start_time", "end_time", "duration", "input_path", "output_path"):
        papermill.pop(key)
    for cell in nb["cells"]:
        cell.pop("id", None)
        cell["metadata"].pop("execution", None)
        for key in ("start_time", "end_time", "duration"):
            cell["metadata"].get("papermill", {}).pop(key, None)
    text = json.dumps(nb, sort_keys=True, ensure_ascii=False)  # no \\u escape for a pattern to cut in two
    text = re.sub(r"\d{1,2}(er)? \w+ 20\d\d|20\d\d-\d\d-\d\d", "<date>", text)
    text = re.sub(r" at 0x[0-9a-f]+", " at 0x?", text)  # object addresses differ between processes
    text = re.sub(r"ipykernel_\d+", "ipykernel_?", text)  # the kernel's process id names its temporary folder
    return json.loads(text)


# In-process execution, in a throw-away child (it changes the process it runs in).


def run_sources(*sources: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    return run_isolated(run_cells, nb)


def test_run_cells_records_streams_results_displays_and_errors():
    nb = run_sources(
        "print('a')\nimport sys\nprint('e', file=sys.stderr)\nprint('b')",
        "class H:\n    def _repr_html_(self):\n        return '<b>h</b>'\nH()",
        "from IPython.display import display, HTML\nprint('before')\ndisplay(HTML('<i>i</i>'))\n41 + 1",
        "",
        "1/0",
        "print('never')",
    )
    first, html, shown, empty, error, never = nb.cells
    assert [(o.output_type, o.name, o.text) for o in first.outputs] == [
        ("stream", "stdout", "a\nb\n"),
        ("stream", "stderr", "e\n"),
    ]
    assert html.outputs[0].output_type == "execute_result"
    assert html.outputs[0].data["text/html"] == "<b>h</b>"
    assert html.outputs[0].execution_count == 2
    assert [o.output_type for o in shown.outputs] == ["stream", "display_data", "execute_result"]
    assert shown.outputs[1].data["text/html"] == "<i>i</i>"
    assert shown.outputs[2].data == {"text/plain": "42"}
    assert (empty.execution_count, empty.outputs) == (None, [])
    assert (error.execution_count, error.outputs[0].ename, error.outputs[0].evalue) == (
        4,
        "ZeroDivisionError",
        "division by zero",
    )
    assert never.execution_count is None
    assert set(first.metadata.execution) == {
        "iopub.execute_input",
        "iopub.status.busy",
        "shell.execute_reply",
        "iopub.status.idle",
    }
    assert nb.metadata.language_info["name"] == "python"


def run_outside_pytest(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    os.environ.pop("PYTEST_CURRENT_TEST")  # in the child: as ipykernel, run_cells leaves pytest's capture alone
    return run_cells(nb)


def test_run_cells_captures_what_is_written_to_file_descriptors_in_order():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("import os\nprint('py1')\nos.system('echo from-fd; echo err >&2')\nprint('py2')")
    ]
    nb = run_isolated(run_outside_pytest, nb)
    assert [(o.name, o.text) for o in nb.cells[0].outputs] == [("stdout", "py1\nfrom-fd\npy2\n"), ("stderr", "err\n")]


def test_run_cells_draws_matplotlib_figures_inline_and_updates_displays():
    nb = run_sources(
        "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3]);",
        "from IPython.display import display, update_display\ndisplay('old', display_id='d')",
        "update_display('new', display_id='d')",
        "from IPython.display import clear_output\nprint('gone')\nclear_output()\nprint('kept')",
    )
    figure, shown, update, cleared = nb.cells
    assert [o.output_type for o in figure.outputs] == ["display_data"]
    assert set(figure.outputs[0].data) == {"image/png", "text/plain"}
    assert shown.outputs[0].data["text/plain"] == "'new'"
    assert update.outputs == []
    assert [o.text for o in cleared.outputs] == ["kept\n"]


def plot_after_the_parent_used_agg() -> list[str]:
    import matplotlib.pyplot as plt
    import matplotlib_inline.backend_inline  # noqa: F401  (loaded, not connected: no shell yet)

    plt.switch_backend("agg")
    plt.close(plt.figure())
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import matplotlib.pyplot as plt\nplt.plot([1, 2]);")]
    return [o.output_type for o in run_cells(nb).cells[0].outputs]


def test_figures_are_inline_even_if_the_parent_loaded_another_backend():
    # the full suite caught it: other tests had pyplot on agg and the inline module imported
    assert run_isolated(plot_after_the_parent_used_agg) == ["display_data"]


# Isolation and its failures.


def test_run_isolated_returns_the_result_and_reraises_the_error():
    assert run_isolated(pow, 2, 10) == 1024
    with pytest.raises(ZeroDivisionError) as caught:
        run_isolated(divmod, 1, 0)
    assert "isolated child" in caught.value.__notes__[0]


def kill_myself() -> None:
    os.kill(os.getpid(), signal.SIGKILL)  # os.getpid() here is the child's


def test_a_child_killed_by_a_signal_is_a_clear_error():
    with pytest.raises(WorkerCrashed, match=r"killed by signal 9 \(SIGKILL\)"):
        run_isolated(kill_myself, timeout=30)


def test_a_child_past_its_timeout_is_killed_and_a_clear_error():
    with pytest.raises(ExecutionTimeout, match=r"more than 0\.5 seconds") as caught:
        run_isolated(signal.pause, timeout=0.5)
    assert isinstance(caught.value, ImpactKitError)
    assert caught.value.seconds == 0.5


WARMED = """
import sys
from impact_kit.{where} import {call} as warm
warm()
print(sorted(m for m in ("pandas", "nbconvert", "papermill", "impact_kit.render.export") if m in sys.modules))
"""


def test_warm_imports_what_its_caller_names():
    # In a fresh interpreter: a forked child would inherit what this test process imported already.
    def warmed(where: str, call: str) -> str:
        code = WARMED.format(where=where, call=call)
        return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()

    assert warmed("engine", "warm") == "['nbconvert', 'pandas', 'papermill']"  # the engine knows no report
    assert warmed("batch.jobs", "warm_workers") == "['impact_kit.render.export', 'nbconvert', 'pandas', 'papermill']"


def job(n: int) -> int:
    if n == 1:
        raise ValueError("one")
    if n == 2:
        kill_myself()
    if n == 3:
        signal.pause()
    return n * 10


def test_map_isolated_runs_every_job_and_reports_each_failure():
    outcomes = dict(map_isolated(job, [0, 1, 2, 3, 4], workers=2, timeout=2))
    assert (outcomes[0], outcomes[4]) == (0, 40)
    assert isinstance(outcomes[1], ValueError) and str(outcomes[1]) == "one"
    assert isinstance(outcomes[2], WorkerCrashed)
    assert isinstance(outcomes[3], ExecutionTimeout)


def interrupted_job(n: int) -> int:
    if n == 1:
        raise KeyboardInterrupt  # the child's own Ctrl-C (a SIGINT sent to it alone): its job fails
    return n * 10


def test_a_child_interrupted_alone_fails_its_job_only():
    outcomes = dict(map_isolated(interrupted_job, [0, 1, 2, 3], workers=2))
    assert isinstance(outcomes[1], KeyboardInterrupt)
    assert [outcomes[n] for n in (0, 2, 3)] == [0, 20, 30]


def test_a_ctrl_c_in_the_parent_while_it_reads_a_result_stops_the_map(monkeypatch):
    """The parent's own KeyboardInterrupt, wherever it lands, stops the jobs: it is not one job's failure.

    Landing while the parent read a child's result, it was taken for that job's outcome, and
    the batch went on with every job left.
    """
    from multiprocessing.connection import Connection

    recv, landed = Connection.recv, []

    def ctrl_c_once(self):
        if not landed:
            landed.append(True)
            raise KeyboardInterrupt
        return recv(self)

    monkeypatch.setattr(Connection, "recv", ctrl_c_once)
    seen = []
    with pytest.raises(KeyboardInterrupt):
        for item, value in map_isolated(interrupted_job, [0, 2, 3, 4, 5, 6], workers=2):
            seen.append((item, value))
    assert landed and seen == []


def test_one_notebook_does_not_leak_into_the_next(tmp_path: Path):
    import matplotlib

    before = matplotlib.rcParams["lines.linewidth"]
    setter = notebook(
        tmp_path,
        "import matplotlib\nmatplotlib.rcParams['lines.linewidth'] = 42\nleaked = 'yes'\nimport os\nos.environ['LEAK'] = '1'",
        name="setter.ipynb",
    )
    reader = notebook(
        tmp_path,
        "import matplotlib, os\nprint(matplotlib.rcParams['lines.linewidth'], 'leaked' in globals(), 'LEAK' in os.environ)",
        name="reader.ipynb",
    )
    fork_run(setter, tmp_path / "setter.out.ipynb")
    nb = fork_run(reader, tmp_path / "reader.out.ipynb")
    assert nb.cells[1].outputs[0].text == f"{before} False False\n"
    assert matplotlib.rcParams["lines.linewidth"] == before
    assert "LEAK" not in os.environ


# The papermill engine.


def test_papermill_engine_parameters_and_metadata(tmp_path: Path):
    path = notebook(tmp_path, "print(x * 2)")
    started = ForkEngine.started
    nb = fork_run(path, tmp_path / "out.ipynb", parameters={"x": 21})
    assert ForkEngine.started == started + 1
    assert [c.metadata.get("tags") for c in nb.cells] == [["parameters"], ["injected-parameters"], []]
    assert nb.cells[2].outputs[0].text == "42\n"
    assert nb.metadata.papermill.parameters == {"x": 21}
    assert nb.metadata.papermill.exception is None
    assert [c.metadata.papermill.status for c in nb.cells] == ["completed"] * 3
    assert nbformat.read(tmp_path / "out.ipynb", as_version=4).cells[2].outputs[0].text == "42\n"


def test_papermill_engine_failure_adds_papermill_error_cells(tmp_path: Path):
    path = notebook(tmp_path, "y = 1", "raise ValueError('no such site')", "print('never')")
    with pytest.raises(pm.PapermillExecutionError) as caught:
        fork_run(path, tmp_path / "out.ipynb")
    assert (caught.value.ename, caught.value.evalue, caught.value.exec_count) == ("ValueError", "no such site", 3)
    written = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    tags = [c.metadata.get("tags", []) for c in written.cells]
    assert tags[0] == ["papermill-error-cell-tag"] and tags[3] == ["papermill-error-cell-tag"]
    assert written.cells[4].metadata.papermill.status == "failed"
    assert written.cells[5].execution_count is None


def test_papermill_engine_execution_timeout(tmp_path: Path):
    path = notebook(tmp_path, "import time\ntime.sleep(60)")
    with pytest.raises(CellTimeout, match=r"more than 0\.5 seconds") as caught:
        fork_run(path, tmp_path / "out.ipynb", execution_timeout=0.5)
    assert isinstance(caught.value, ExecutionTimeout) and isinstance(caught.value, CellTimeoutError)


def test_papermill_engine_kernel_death_is_a_clear_error(tmp_path: Path):
    path = notebook(tmp_path, "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
    with pytest.raises(KernelDied, match="SIGKILL") as caught:
        fork_run(path, tmp_path / "out.ipynb")
    assert isinstance(caught.value, WorkerCrashed) and isinstance(caught.value, DeadKernelError)


# Against a real kernel.


@pytest.mark.slow
def test_master_notebook_matches_plain_papermill(tmp_path: Path):
    parameters = {"site": "the-good-start", "year": 2021, "data": str(ROOT / "data")}
    kwargs = {"parameters": parameters, "progress_bar": False, "cwd": str(MASTER.parent)}
    kernel = pm.execute_notebook(str(MASTER), str(tmp_path / "kernel.ipynb"), **kwargs)
    forked = pm.execute_notebook(str(MASTER), str(tmp_path / "fork.ipynb"), engine_name="impact-kit", **kwargs)
    assert comparable(forked) == comparable(kernel)
    html = [o.data["text/html"] for c in forked.cells if c.cell_type == "code" for o in c.outputs if "data" in o]
    assert len(html) >= 6  # header, contents, summary, changes, charts, levels


@pytest.mark.slow
def test_outputs_and_errors_match_plain_papermill(tmp_path: Path):
    path = notebook(
        tmp_path,
        "print('a')\nimport sys\nprint('e', file=sys.stderr)",
        "from IPython.display import display, HTML, Markdown\ndisplay(HTML('<i>i</i>'), Markdown('**m**'))\n42",
        "try:\n    input('?')\nexcept Exception as e:\n    print(type(e).__name__, e)",
        "import os, subprocess\nprint('py1')\nos.system('echo from-fd')\nprint('py2')\nsubprocess.run(['echo', 'sub'])\nos.write(2, b'raw-err\\n')",
        "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.title('t')",
        "import pandas as pd\npd.DataFrame({'a': [1, 2]})",
        "import warnings\nwarnings.warn('careful')\n1/0",
    )
    results = {}
    for engine in (None, "impact-kit"):
        with pytest.raises(pm.PapermillExecutionError) as caught:
            pm.execute_notebook(str(path), str(tmp_path / f"{engine}.ipynb"), engine_name=engine, progress_bar=False)
        results[engine] = (caught.value.ename, caught.value.evalue, caught.value.traceback)
    assert results["impact-kit"] == results[None]
    kernel, forked = (nbformat.read(tmp_path / f"{engine}.ipynb", as_version=4) for engine in (None, "impact-kit"))
    assert comparable(forked) == comparable(kernel)


@pytest.mark.slow
def test_papermill_command_line_engine(tmp_path: Path):
    path = notebook(tmp_path, "import os\nprint(x + 1, os.getcwd())", "print(undefined)")
    here = tmp_path / "here"
    here.mkdir()
    command = [str(PAPERMILL), "--engine", "impact-kit", "--cwd", str(here), "--log-output", "--no-progress-bar"]
    done = subprocess.run(
        [*command, str(path), str(tmp_path / "out.ipynb"), "-p", "x", "41"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 1
    assert f"42 {here}" in done.stderr  # --log-output
    assert "PapermillExecutionError" in done.stderr and "NameError" in done.stderr
    written = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    assert written.cells[0].metadata.tags == ["papermill-error-cell-tag"]
