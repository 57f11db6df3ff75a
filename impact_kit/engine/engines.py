"""papermill engines: ``impact-kit`` (a fork per notebook) and ``impact-kit-inprocess``.

Registered through the ``papermill.engine`` entry point group, so that
``papermill --engine impact-kit in.ipynb out.ipynb -p site ...`` runs the notebook in
a forked child of the papermill process with IPython, instead of a new kernel: no
kernel start, no sockets, the parent's imports already done. papermill itself still
parameterises the notebook, keeps its metadata, saves it cell by cell, adds its error
cells and raises ``PapermillExecutionError``.
"""

from __future__ import annotations

import logging
import os
from typing import Any, ClassVar

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from papermill.engines import Engine, NotebookExecutionManager
from papermill.exceptions import PapermillException

from impact_kit.engine.inprocess import run_cells
from impact_kit.engine.isolate import notify, run_in_child
from impact_kit.exceptions import ExecutionTimeout, WorkerCrashed

__all__ = ["CellTimeout", "ForkEngine", "InProcessEngine", "KernelDied"]

logger = logging.getLogger("papermill")


class CellTimeout(ExecutionTimeout, CellTimeoutError):
    """A cell ran longer than ``execution_timeout``: the kit's error, and nbclient's for papermill users."""


class KernelDied(WorkerCrashed, DeadKernelError):
    """The process running the notebook died: the kit's error, and nbclient's for papermill users."""


def _check_language(nb: NotebookNode) -> None:
    language = Engine.nb_language(nb)
    if language != "python":
        raise PapermillException(
            f"The impact-kit engines run Python notebooks with IPython, but this notebook's language is "
            f"{language!r}. Run it with papermill's default engine (no --engine)."
        )


def _log_outputs(cell: NotebookNode, log_output: bool, stdout_file: Any, stderr_file: Any) -> None:
    """Log a cell's outputs as papermill's client does as they arrive."""
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            content = "".join(output.text)
            target = stdout_file if output.name == "stdout" else stderr_file
            if log_output:
                (logger.info if output.name == "stdout" else logger.warning)(content)
            if target:
                target.write(content)
                target.flush()
        elif log_output and "text/plain" in output.get("data", {}):
            logger.info("".join(output.data["text/plain"]))


class InProcessEngine(Engine):
    """Run the notebook in this process with IPython (papermill engine ``impact-kit-inprocess``).

    No isolation: the notebook's code runs in the caller's process. Meant for a process
    that is thrown away afterwards, such as a job of :func:`impact_kit.engine.run_isolated`.
    """

    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man: NotebookExecutionManager,
        kernel_name: str | None,
        log_output: bool = False,
        stdout_file: Any = None,
        stderr_file: Any = None,
        start_timeout: float = 60,
        execution_timeout: float | None = None,
        **kwargs: Any,
    ) -> NotebookNode:
        """Execute ``nb_man.nb``'s cells here, reporting each cell to ``nb_man`` as papermill's client does."""
        if execution_timeout:
            raise PapermillException(
                "The impact-kit-inprocess engine cannot stop a cell that runs too long; use the impact-kit "
                "engine, which runs the notebook in a child process, or run_isolated(..., timeout=...)."
            )
        _check_language(nb_man.nb)
        nb = nb_man.nb

        def end(index: int, failed: bool) -> None:
            cell = nb.cells[index]
            _log_outputs(cell, log_output, stdout_file, stderr_file)
            if failed:
                nb_man.cell_exception(cell, cell_index=index)
            nb_man.cell_complete(cell, cell_index=index)

        return run_cells(nb, on_cell_start=lambda index: nb_man.cell_start(nb.cells[index], index), on_cell_end=end)


def _execute_in_child(nb: NotebookNode) -> dict[str, Any]:
    """Run the cells (in the child), sending each cell's start and result to the parent."""

    def end(index: int, failed: bool) -> None:
        notify(("end", index, _results(nb.cells[index]), failed))

    run_cells(nb, on_cell_start=lambda index: notify(("start", index, None, False)), on_cell_end=end)
    # update_display can change earlier cells: the parent takes every cell's outputs at the end.
    return {"cells": [_results(cell) for cell in nb.cells], "language_info": nb.metadata["language_info"]}


def _results(cell: NotebookNode) -> dict[str, Any]:
    if cell.cell_type != "code":
        return {}
    return {
        "outputs": cell.outputs,
        "execution_count": cell.execution_count,
        "execution": cell.metadata.get("execution"),
    }


def _apply(cell: NotebookNode, results: dict[str, Any]) -> None:
    if not results:
        return
    cell.outputs = results["outputs"]
    cell.execution_count = results["execution_count"]
    if results["execution"] is not None:
        cell.metadata["execution"] = results["execution"]


class ForkEngine(Engine):
    """Run the notebook in a forked child of this process (papermill engine ``impact-kit``).

    The child runs the cells with IPython and sends each cell's outputs back; this
    process keeps papermill's bookkeeping (metadata, saves, progress bar, logging).
    ``execution_timeout`` limits each cell: the child is killed and :class:`CellTimeout`
    raised. A child that dies raises :class:`KernelDied`.
    """

    started: ClassVar[int] = 0  # children started (read by tests and benchmarks)

    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man: NotebookExecutionManager,
        kernel_name: str | None,
        log_output: bool = False,
        stdout_file: Any = None,
        stderr_file: Any = None,
        start_timeout: float = 60,
        execution_timeout: float | None = None,
        **kwargs: Any,
    ) -> NotebookNode:
        """Execute ``nb_man.nb`` in a child process, reporting each cell to ``nb_man`` as it completes."""
        _check_language(nb_man.nb)
        nb = nb_man.nb
        running: list[int] = []

        def on_event(event: tuple[str, int, dict[str, Any], bool]) -> None:
            kind, index, results, failed = event
            cell = nb.cells[index]
            if kind == "start":
                running[:] = [index]
                nb_man.cell_start(cell, index)
                return
            running.clear()
            _apply(cell, results)
            _log_outputs(cell, log_output, stdout_file, stderr_file)
            if failed:
                nb_man.cell_exception(cell, cell_index=index)
            nb_man.cell_complete(cell, cell_index=index)

        name = nb_man.nb.metadata.get("papermill", {}).get("input_path") or "the notebook"
        cls.started += 1
        try:
            done = run_in_child(
                _execute_in_child,
                (nb,),
                event_timeout=execution_timeout,
                on_event=on_event,
                what=f"{name} (in {os.getcwd()})",
            )
        except ExecutionTimeout as exc:
            if running:
                nb_man.cell_complete(nb.cells[running[0]], cell_index=running[0])
            raise CellTimeout(
                f"A cell of {name} (cell {running[0] + 1 if running else '?'}) ran for more than "
                f"{execution_timeout:g} seconds and was stopped. Raise --execution-timeout or look for a loop "
                "that never ends.",
                seconds=execution_timeout,
            ) from exc
        except WorkerCrashed as exc:
            if running:
                nb_man.cell_complete(nb.cells[running[0]], cell_index=running[0])
            raise KernelDied(str(exc)) from None
        for cell, results in zip(nb.cells, done["cells"], strict=True):
            _apply(cell, results)
        nb.metadata["language_info"] = done["language_info"]
        return nb
