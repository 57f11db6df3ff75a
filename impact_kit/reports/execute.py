"""Running a notebook: papermill in a fresh kernel whose files stay in a private folder.

:func:`execute_notebook` runs a master notebook (see :mod:`impact_kit.reports.parameters`) with papermill:
the kernel's connection file and sockets go to the run's private folder (see
:func:`impact_kit.files.run_folder`), never to the project or the package, so that
several reports can run at once; the kernel is shut down without the interrupt that
makes it print "KeyboardInterrupt caught in kernel".
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import nbformat
from jupyter_client.manager import AsyncKernelManager
from nbformat import NotebookNode
from traitlets.config import Config

from impact_kit.exceptions import ReportFailed
from impact_kit.interrupts import noted
from impact_kit.reports.parameters import check_parameters

__all__ = ["QuietKernelManager", "execute_notebook"]


class QuietKernelManager(AsyncKernelManager):
    """A kernel manager that keeps the kernel's own messages out of the terminal.

    jupyter_client sends SIGINT before the shutdown request, which makes ipykernel log
    "KeyboardInterrupt caught in kernel" at random: an idle kernel is not interrupted.
    What the kernel prints itself (such as a ZMQ error while it is stopped after a Ctrl-C)
    goes to ``kernel.log`` beside its connection file, in the run's private folder.
    """

    async def _async_interrupt_kernel(self) -> None:
        if self.shutting_down:
            return
        await super()._async_interrupt_kernel()

    async def start_kernel(self, **kw: Any) -> None:  # type: ignore[override]
        """Start the kernel with its output in ``kernel.log`` (see the class's docstring)."""
        log = Path(self.connection_file).with_name("kernel.log")
        with log.open("ab") as handle:  # the kernel process keeps its own copy of the descriptor
            kw.setdefault("stdout", handle)
            kw.setdefault("stderr", handle)
            await super()._async_start_kernel(**kw)


#: Whether an engine run (a batch's child) saves the notebook as each cell starts and ends. A batch
#: with a timeout sets it in its children: a child stopped mid-way leaves the cells it ran, which
#: the parent keeps as report.failed.ipynb (impact_kit.reports.salvage).
SAVE_CELLS = False


def execute_notebook(
    notebook: str | Path,
    output: str | Path,
    *,
    parameters: Mapping[str, Any],
    cwd: str | Path,
    workdir: Path,
    timeout: float | None = None,
    engine: str | None = None,
) -> NotebookNode:
    """Run ``notebook`` with papermill in a fresh kernel and write the executed notebook to ``output``.

    Parameters
    ----------
    notebook, output : str or Path
        The notebook to run, and where papermill writes the executed one (also on failure).
    parameters : mapping
        The notebook's parameters (checked against those it declares).
    cwd : str or Path
        The kernel's working directory.
    workdir : Path
        A private folder for the kernel's connection file and sockets (see
        :func:`impact_kit.files.run_folder`).
    timeout : float, optional
        Seconds a cell may run; no limit by default.
    engine : str, optional
        A papermill engine name; by default papermill's own (a fresh kernel). A batch's
        forked child passes ``"impact-kit-inprocess"``, the portfolio ``"impact-kit"`` (a
        forked child of this process; see :mod:`impact_kit.engine`).

    Returns
    -------
    nbformat.NotebookNode
        The executed notebook.

    Raises
    ------
    ReportFailed
        If a cell raised (``notebook`` is then ``output``, holding papermill's error cell)
        or timed out, or the kernel died.
    """
    import papermill as pm  # slow to import: only when a notebook runs

    check_parameters(parameters, notebook)
    config = Config({"KernelManager": _connection(workdir)})
    kernel = {"config": config, "kernel_manager_class": QuietKernelManager, "execution_timeout": timeout}
    # In a batch's child the notebook is written once at the end, not after every cell (unless
    # the batch has a timeout: then its parent keeps what a stopped child had run, see SAVE_CELLS).
    engine_options: dict[str, object] = {
        "engine_name": engine,
        "request_save_on_cell_execute": SAVE_CELLS,
        "execution_timeout": timeout,
    }
    how = engine_options if engine else kernel
    with _interrupts() as interrupted:
        try:
            executed = pm.execute_notebook(
                str(notebook), str(output), parameters=dict(parameters), progress_bar=False, cwd=str(cwd), **how
            )
        except Exception as exc:
            if interrupted:  # what the kernel's cleanup raised after a Ctrl-C: report the Ctrl-C
                raise KeyboardInterrupt from None
            raise _failure(exc, pm, Path(output), timeout, Path(notebook)) from None
    if interrupted:  # a Ctrl-C the kernel's event loop swallowed on its way: still a Ctrl-C
        raise KeyboardInterrupt
    return executed


#: The longest path of the kernel's sockets' stem: a Unix socket's path holds 107 bytes, and
#: jupyter_client adds "-<n>" to the stem for each of the kernel's five sockets.
SOCKET_STEM_BYTES = 100


def _connection(workdir: Path) -> dict[str, str]:
    """Return the kernel's connection: Unix sockets in ``workdir``, or loopback TCP where their path is too long.

    Unix sockets, not TCP: nothing else on the machine can listen to the kernel. A deep TMPDIR
    (``/tmp/pytest-of-root/pytest-99/popen-gw1/<test>/tmp/impact-kit-run-…``) made paths that zmq
    refused ("File name too long"), and the report failed with a traceback: there the kernel takes
    Jupyter's default, loopback TCP, whose messages its connection file's key signs.
    """
    connection = {"connection_file": str(workdir / "kernel.json")}
    stem = workdir / "kernel"
    if len(bytes(stem)) <= SOCKET_STEM_BYTES:
        connection |= {"transport": "ipc", "ip": str(stem)}
    return connection


def _failure(exc: Exception, pm: Any, output: Path, timeout: float | None, notebook: Path) -> Exception:
    """Turn papermill's and nbclient's errors into ReportFailed (others are returned as they are)."""
    if isinstance(exc, pm.PapermillExecutionError):
        cell = _as_lab_shows_it(output, notebook, exc.source)
        return ReportFailed(f"the notebook failed at {cell} ({exc.ename}: {exc.evalue}).", notebook=output)
    if isinstance(exc, TimeoutError):
        return ReportFailed(f"a cell ran longer than {timeout or 0:g} seconds ({exc}).", notebook=output)
    if isinstance(exc, RuntimeError):  # nbclient's DeadKernelError, a kernel that did not start
        log = output.with_name("kernel.log")
        said = " ".join(log.read_text(errors="replace").split()[-40:]) if log.exists() else ""
        return ReportFailed(f"the kernel stopped: {exc}" + (f" The kernel said: {said}" if said else ""), notebook=None)
    return exc


def _as_lab_shows_it(output: Path, notebook: Path, source: str) -> str:
    """Name a failed cell as JupyterLab shows it: ``the cell [19] `first line```.

    The number is the cell's execution count in ``notebook`` as last saved (the fresh run's
    count, or its position, match nothing the evaluator sees); a cell never run there has none.
    """
    first = next((line.strip() for line in source.splitlines() if line.strip()), "")
    first = first if len(first) <= 60 else first[:59] + "…"
    try:
        ran = nbformat.read(output, as_version=4).cells
        saved = nbformat.read(notebook, as_version=4).cells
    except (OSError, ValueError):
        return f"the cell `{first}`"
    failed = {c.get("id") for c in ran if c.metadata.get("papermill", {}).get("exception")} - {None}
    counts = [c.get("execution_count") for c in saved if c.get("id") in failed or (not failed and c.source == source)]
    count = counts[0] if len(counts) == 1 else None
    return f"the cell [{count}] `{first}`" if count else f"the cell `{first}`"


@contextmanager
def _interrupts() -> Iterator[list[bool]]:
    """Note a Ctrl-C, so that whatever the kernel's cleanup raises after it is reported as the interrupt."""
    seen: list[bool] = []
    if threading.current_thread() is not threading.main_thread():
        yield seen
        return

    def handler(signum: int, frame: object) -> None:
        seen.append(True)
        noted()  # the command's too: one swallowed here must not let the report be published after
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield seen
    finally:
        signal.signal(signal.SIGINT, previous)
