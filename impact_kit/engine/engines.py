"""papermill engines: ``impact-kit`` (a fork per notebook) and ``impact-kit-inprocess``.

Registered through the ``papermill.engine`` entry point group, so that
``papermill --engine impact-kit in.ipynb out.ipynb -p site ...`` runs the notebook in
a forked child of the papermill process with IPython, instead of a new kernel: no
kernel start, no sockets, the parent's imports already done. papermill itself still
parameterises the notebook, keeps its metadata, saves it cell by cell (and during a long
cell, every ``autosave_cell_every`` seconds of output), adds its error cells and raises
``PapermillExecutionError``; outputs reach ``log_output`` and ``stdout_file`` /
``stderr_file`` as they come. A notebook whose kernel is not an IPython kernel of this
interpreter, or that uses widgets, runs on papermill's own engine after a one-line
notice (:func:`~impact_kit.engine.kernels.kernel_problem`).
"""

from __future__ import annotations

import logging
import os
from types import SimpleNamespace
from typing import Any, ClassVar

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import Engine, NBClientEngine, NotebookExecutionManager
from papermill.exceptions import PapermillException

from impact_kit.engine.inprocess import run_cells
from impact_kit.engine.isolate import notify, run_in_child
from impact_kit.engine.kernels import kernel_problem
from impact_kit.engine.recorder import Recorder
from impact_kit.exceptions import ExecutionTimeout, WorkerCrashed

__all__ = ["CellTimeout", "ForkEngine", "InProcessEngine", "KernelDied"]

logger = logging.getLogger("papermill")

#: nbclient's options that decide which cell errors stop the run; the engines honour them.
ERROR_OPTIONS = ("allow_errors", "allow_error_names", "force_raise_errors")
#: Seconds the fork engine's child has to end its cell after Ctrl-C (then it is killed).
INTERRUPT_GRACE = 5.0


class CellTimeout(ExecutionTimeout, CellTimeoutError):
    """A cell ran longer than ``execution_timeout``: the kit's error, and nbclient's for papermill users."""


class KernelDied(WorkerCrashed, DeadKernelError):
    """The process running the notebook died: the kit's error, and nbclient's for papermill users."""


def _on_papermills_engine(
    engine: str, nb_man: NotebookExecutionManager, kernel_name: str | None, kwargs: dict[str, Any]
) -> bool:
    """Run the notebook on papermill's own engine if the kit's cannot run it as a kernel would; tell whether it did."""
    reason = kernel_problem(nb_man.nb, kernel_name)
    if reason is None:
        return False
    logger.warning(f"The {engine} engine runs this notebook on papermill's own engine (a kernel): {reason}.")
    NBClientEngine.execute_managed_notebook(nb_man, kernel_name, **kwargs)
    return True


class _Client:
    """What the kit's engines do with each output, as papermill's ``PapermillNotebookClient.process_message``."""

    def __init__(self, nb_man: NotebookExecutionManager, log_output: bool, stdout_file: Any, stderr_file: Any) -> None:
        self.nb_man = nb_man
        # papermill's own code logs and copies the output: it reads these four attributes
        self.logging = SimpleNamespace(log=logger, log_output=log_output, stdout_file=stdout_file)
        self.logging.stderr_file = stderr_file
        self.logs = bool(log_output or stdout_file or stderr_file)

    def message(self, output: NotebookNode | None) -> None:
        """After a kernel-like message: autosave if due, log the output it added."""
        self.nb_man.autosave_cell()
        if output is not None and self.logs:
            PapermillNotebookClient.log_output_message(self.logging, output)

    def end(self, index: int, failed: bool) -> None:
        """After a cell: papermill's bookkeeping (its status, a save, the progress bar)."""
        cell = self.nb_man.nb.cells[index]
        if failed:
            self.nb_man.cell_exception(cell, cell_index=index)
        self.nb_man.cell_complete(cell, cell_index=index)


def _error_options(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {name: kwargs[name] for name in ERROR_OPTIONS if name in kwargs}


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
        """Execute ``nb_man.nb``'s cells here, reporting each cell and output to ``nb_man`` as papermill's client."""
        options = {"log_output": log_output, "stdout_file": stdout_file, "stderr_file": stderr_file}
        options |= {"start_timeout": start_timeout, "execution_timeout": execution_timeout, **kwargs}
        if _on_papermills_engine("impact-kit-inprocess", nb_man, kernel_name, options):
            return nb_man.nb
        if execution_timeout:
            raise PapermillException(
                "The impact-kit-inprocess engine cannot stop a cell that runs too long; use the impact-kit "
                "engine, which runs the notebook in a child process, or run_isolated(..., timeout=...)."
            )
        nb = nb_man.nb
        client = _Client(nb_man, log_output, stdout_file, stderr_file)
        return run_cells(
            nb,
            on_cell_start=lambda index: nb_man.cell_start(nb.cells[index], index),
            on_cell_end=client.end,
            on_message=lambda index, msg_type, content, output: client.message(output),
            **_error_options(kwargs),
        )


def _execute_in_child(nb: NotebookNode, options: dict[str, Any]) -> dict[str, Any]:
    """Run the cells (in the child), forwarding each cell's start, messages and end to the parent."""

    def end(index: int, failed: bool) -> None:
        cell = nb.cells[index]
        timing = cell.metadata.get("execution") if cell.cell_type == "code" else None
        notify(("end", index, failed, (cell.get("execution_count"), timing)))

    run_cells(
        nb,
        on_cell_start=lambda index: notify(("start", index, None, None)),
        on_cell_end=end,
        on_message=lambda index, msg_type, content, output: notify(("msg", index, msg_type, content)),
        **options,
    )
    return {"language_info": nb.metadata["language_info"]}


class ForkEngine(Engine):
    """Run the notebook in a forked child of this process (papermill engine ``impact-kit``).

    The child runs the cells with IPython and sends each message (output, display update)
    back as it happens; this process records them as nbclient would and keeps papermill's
    bookkeeping (metadata, saves, autosaves, progress bar, logging). ``execution_timeout``
    limits each cell: as a kernel shut down by papermill's engine, the child is interrupted
    (then killed), the cell keeps what it had sent, and :class:`CellTimeout` is raised. A
    child that dies raises :class:`KernelDied`. Ctrl-C interrupts the running cell as
    papermill's engine does (it ends with a ``KeyboardInterrupt`` error output) and raises
    KeyboardInterrupt.
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
        """Execute ``nb_man.nb`` in a child process, reporting each cell and output to ``nb_man`` as they come."""
        options = {"log_output": log_output, "stdout_file": stdout_file, "stderr_file": stderr_file}
        options |= {"start_timeout": start_timeout, "execution_timeout": execution_timeout, **kwargs}
        if _on_papermills_engine("impact-kit", nb_man, kernel_name, options):
            return nb_man.nb
        nb = nb_man.nb
        client = _Client(nb_man, log_output, stdout_file, stderr_file)
        recorder = Recorder(nb)
        running: list[int] = []
        last = [-1]  # the last cell started

        def on_event(event: tuple[str, int, Any, Any]) -> bool:
            kind, index, first, second = event
            cell = nb.cells[index]
            if kind == "start":
                running[:] = last[:] = [index]
                nb_man.cell_start(cell, index)
                return True
            if kind == "msg":
                client.message(recorder.process(index, first, second))
                return first == "execute_input"  # the cell's timeout runs from its start, whatever it prints
            running.clear()
            execution_count, timing = second
            if timing is not None:
                cell.execution_count = execution_count
                cell.metadata["execution"] = timing
            client.message(None)
            client.end(index, first)
            return True

        name = nb_man.nb.metadata.get("papermill", {}).get("input_path") or "the notebook"
        cls.started += 1
        try:
            done = run_in_child(
                _execute_in_child,
                (nb, _error_options(kwargs)),
                event_timeout=execution_timeout,
                on_event=on_event,
                what=f"{name} (in {os.getcwd()})",
                new_session=True,
                interrupt_grace=INTERRUPT_GRACE,
            )
        except ExecutionTimeout as exc:
            raise CellTimeout(
                f"A cell of {name} (cell {last[0] + 1}) ran for more than "
                f"{execution_timeout:g} seconds and was stopped. Raise --execution-timeout or look for a loop "
                "that never ends.",
                seconds=execution_timeout,
            ) from exc
        except WorkerCrashed as exc:
            raise KernelDied(str(exc)) from None
        finally:
            if running:  # as papermill's engine: the cell it stopped in is completed, with what it had sent
                nb_man.cell_complete(nb.cells[running[0]], cell_index=running[0])
        nb.metadata["language_info"] = done["language_info"]
        return nb
