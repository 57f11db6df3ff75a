"""Run a notebook's code cells in this process with IPython, recording outputs as a kernel would.

An ``ipykernel`` kernel turns what a cell prints, displays and raises into IOPub
messages (``stream``, ``display_data``, ``update_display_data``, ``clear_output``,
``execute_result``, ``error``) and nbclient turns those into the cell's outputs. Here
the same IPython machinery runs in the current process and the messages are built the
same way (same flush points, same JSON cleaning, same nbformat constructor), so the
executed notebook is the one nbclient would write, but for timings.

This runs the notebook's code in *this* process: use it inside a throw-away process
(:func:`impact_kit.engine.run_isolated`), never in a process that must stay clean.
"""

from __future__ import annotations

import builtins
import contextlib
import getpass
import os
import signal
import sys
import threading
import types
import warnings
from collections.abc import Callable, Iterable
from typing import Any, Literal

from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.error import StdinNotImplementedError
from IPython.core.interactiveshell import InteractiveShell
from nbformat import NotebookNode
from traitlets import Type
from traitlets.config import Config

from impact_kit.engine.recorder import OnMessage, Recorder, now
from impact_kit.engine.streams import FdCapture, Flusher, OutStream

__all__ = [
    "INLINE_BACKEND",
    "PYTHON_WARNING_FILTERS",
    "kernel_environment",
    "language_info",
    "run_cells",
]

#: The matplotlib backend ipykernel selects (``MPLBACKEND``) unless one is set.
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
#: nbclient's default tag for cells that are not run.
SKIP_TAG = "skip-execution"


def language_info() -> dict[str, Any]:
    """Return the ``language_info`` an IPython kernel reports for this interpreter (nbclient stores it)."""
    return {
        "codemirror_mode": {"name": "ipython", "version": sys.version_info[0]},
        "file_extension": ".py",
        "mimetype": "text/x-python",
        "name": "python",
        "nbconvert_exporter": "python",
        "pygments_lexer": "ipython3",
        "version": sys.version.split()[0],
    }


#: A new interpreter's warning filters (python -W / PYTHONWARNINGS are applied on top), last first.
PYTHON_WARNING_FILTERS: tuple[tuple[Literal["default", "ignore"], type[Warning], str], ...] = (
    ("ignore", ResourceWarning, ""),
    ("ignore", ImportWarning, ""),
    ("ignore", PendingDeprecationWarning, ""),
    ("ignore", DeprecationWarning, ""),
    ("default", DeprecationWarning, "__main__"),
)


def _showwarnmsg_impl(msg: warnings.WarningMessage) -> None:
    """Write a warning to ``sys.stderr``, as the standard library does when nobody records warnings."""
    file = msg.file or sys.stderr
    if file is None:
        return
    with contextlib.suppress(OSError):
        file.write(warnings._formatwarnmsg(msg))  # type: ignore[attr-defined]


def kernel_environment() -> None:
    """Set up this process as a new kernel process: environment variables, warning filters, ``''`` on ``sys.path``.

    The warning filters are those of a new interpreter: a parent's own (pytest's
    ``error``, say) would otherwise turn a notebook's warnings into errors.
    """
    warnings.resetwarnings()
    warnings.showwarning = warnings._showwarning_orig  # type: ignore[attr-defined]
    warnings._showwarnmsg_impl = _showwarnmsg_impl  # type: ignore[attr-defined]  # a catch_warnings may record them
    for action, category, module in PYTHON_WARNING_FILTERS:
        warnings.filterwarnings(action, category=category, module=module)
    warnings._processoptions(sys.warnoptions)  # type: ignore[attr-defined]
    os.environ.update(
        {
            "TERM": "xterm-color",
            "CLICOLOR": "1",
            "FORCE_COLOR": "1",
            "CLICOLOR_FORCE": "1",
            "PAGER": "cat",
            "GIT_PAGER": "cat",
        }
    )
    os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)
    if "" not in sys.path and not sys.flags.safe_path:  # IPython's InteractiveShellApp.init_path
        site = [i for i, p in enumerate(sys.path) if os.path.basename(p) in {"site-packages", "dist-packages"}]
        sys.path.insert(site[0] if site else 0, "")


def _flush_streams() -> None:
    sys.stdout.flush()
    sys.stderr.flush()


class _DisplayHook(DisplayHook):
    """The cell's value (``execute_result``), as ipykernel's ZMQShellDisplayHook sends it."""

    recorder: Recorder
    content: dict[str, Any] | None = None

    def start_displayhook(self) -> None:
        self.content = {"data": {}, "metadata": {}}

    def write_output_prompt(self) -> None:
        if self.content is not None:
            self.content["execution_count"] = self.prompt_count

    def write_format_data(self, format_dict: dict[str, Any], md_dict: dict[str, Any] | None = None) -> None:
        if self.content is not None:
            self.content["data"] = format_dict
            self.content["metadata"] = md_dict

    def finish_displayhook(self) -> None:
        _flush_streams()
        if self.content is not None and self.content["data"]:
            self.recorder.emit("execute_result", self.content)
        self.content = None


class _DisplayPublisher(DisplayPublisher):
    """``display()``, ``update_display`` and ``clear_output``, as ipykernel's ZMQDisplayPublisher sends them."""

    recorder: Recorder

    def publish(
        self,
        data: dict[str, Any],
        metadata: dict[str, Any] | None = None,
        source: object = None,
        *,
        transient: dict[str, Any] | None = None,
        update: bool = False,
        **kwargs: object,
    ) -> None:
        _flush_streams()
        content = {"data": data, "metadata": metadata, "transient": transient or {}}
        self.recorder.emit("update_display_data" if update else "display_data", content)

    def clear_output(self, wait: bool = False) -> None:
        _flush_streams()
        self.recorder.emit("clear_output", {"wait": wait})


class _Shell(InteractiveShell):
    """An InteractiveShell whose outputs go to a :class:`~impact_kit.engine.recorder.Recorder` instead of a terminal."""

    displayhook_class = Type(_DisplayHook)
    display_pub_class = Type(_DisplayPublisher)

    def init_virtualenv(self) -> None:
        """Do nothing, as ipykernel: the interpreter is the one the kernel would run."""

    def enable_gui(self, gui: str | None = None) -> None:
        """Accept no GUI event loop: there is no one to look at a window."""
        if gui not in (None, "inline"):
            raise ValueError(f"The in-process engine cannot run a {gui!r} event loop; use the inline backend.")

    def _get_exc_info(self, exc_tuple: Any = None) -> tuple[Any, Any, Any]:
        """Return the exception as IPython does, Ctrl-C's without the frame of the handler that raised it."""
        etype, value, tb = super()._get_exc_info(exc_tuple)
        if isinstance(value, KeyboardInterrupt):
            tb = _without_handler(tb)
        return etype, value, tb

    def _showtraceback(self, etype: type[BaseException], evalue: BaseException, stb: list[str]) -> None:
        _flush_streams()
        content = {"traceback": stb, "ename": str(etype.__name__), "evalue": str(evalue)}
        self.displayhook.recorder.emit("error", content)
        self._last_traceback = stb


def _without_handler(tb: types.TracebackType | None) -> types.TracebackType | None:
    """``tb`` without its last frame if that is :class:`_Interrupt`'s (a kernel's SIGINT handler is C code)."""
    frames = []
    while tb is not None:
        frames.append(tb)
        tb = tb.tb_next
    if not frames or frames[-1].tb_frame.f_code is not _Interrupt.__call__.__code__:
        return frames[0] if frames else None
    rebuilt = None
    for frame in reversed(frames[:-1]):
        rebuilt = types.TracebackType(rebuilt, frame.tb_frame, frame.tb_lasti, frame.tb_lineno)
    return rebuilt


def _no_input(prompt: object = "") -> str:
    raise StdinNotImplementedError("raw_input was called, but this frontend does not support input requests.")


def _no_getpass(prompt: object = "Password: ", stream: object = None) -> str:
    raise StdinNotImplementedError("getpass was called, but this frontend does not support input requests.")


def _enable_inline_matplotlib(shell: InteractiveShell) -> None:
    """Select ``$MPLBACKEND`` in a matplotlib imported before it was set, and connect the inline backend to ``shell``.

    In a kernel, pyplot imports the inline backend when it first needs one, and that
    import connects it to the shell; here matplotlib may already be imported (a warm
    parent), so the backend is selected as if ``MPLBACKEND`` had been set all along.
    """
    matplotlib = sys.modules.get("matplotlib")
    if matplotlib is None:  # the notebook imports it: it reads MPLBACKEND then
        return
    backend = os.environ.get("MPLBACKEND", INLINE_BACKEND)
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is None or pyplot._backend_mod is None:
        matplotlib.rcParams["backend"] = backend  # pyplot loads it when first needed
    elif pyplot.get_backend() != backend:
        pyplot.switch_backend(backend)
    module = sys.modules.get("matplotlib_inline.backend_inline")
    if module is not None and module.flush_figures not in shell.events.callbacks["post_execute"]:
        module._enable_matplotlib_integration()  # loaded before the shell existed: its import did not connect it


class _Interrupt:
    """Ctrl-C (SIGINT) during a run: KeyboardInterrupt in the running cell, as a kernel's; between cells, noted."""

    def __init__(self) -> None:
        self.requested = False
        self.in_cell = False
        self._previous: Any = None

    def __call__(self, signum: int, frame: object) -> None:
        self.requested = True
        if self.in_cell:
            raise KeyboardInterrupt

    def install(self) -> None:
        """Handle SIGINT, unless this is not the main thread or SIGINT is not Python's default (ignored, say)."""
        main = threading.current_thread() is threading.main_thread()
        if main and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            self._previous = signal.signal(signal.SIGINT, self)

    def restore(self) -> None:
        """Give SIGINT back its previous handler."""
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)


def run_cells(
    nb: NotebookNode,
    *,
    on_cell_start: Callable[[int], None] | None = None,
    on_cell_end: Callable[[int, bool], None] | None = None,
    on_message: OnMessage | None = None,
    allow_errors: bool = False,
    allow_error_names: Iterable[str] = (),
    force_raise_errors: bool = False,
) -> NotebookNode:
    """Execute a notebook's code cells in this process, in order, as nbclient with an IPython kernel.

    The process is first set up as a kernel's (:func:`kernel_environment`), with
    matplotlib's inline backend. Each code cell gets its ``outputs``, ``execution_count`` and ``metadata.execution``
    timings; execution stops after the first cell that raises, unless the error is allowed
    as nbclient allows it (``allow_errors``, ``allow_error_names``, a cell tagged
    ``raises-exception``; ``force_raise_errors`` allows none). Empty cells and cells tagged
    ``skip-execution`` are not run. What a cell prints is sent while it runs
    (:data:`~impact_kit.engine.streams.FLUSH_INTERVAL`). Ctrl-C (SIGINT, in the main
    thread) ends the running cell with a ``KeyboardInterrupt`` error output, as a kernel's
    interrupt, then raises KeyboardInterrupt.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The notebook, changed in place.
    on_cell_start, on_cell_end : callable, optional
        Called with the cell's index before each cell (every cell, as papermill does),
        and with the index and whether the cell raised an error that stops the run after it.
    on_message : callable, optional
        Called after each kernel-like message (``execute_input``, ``stream``,
        ``display_data``...) with the cell's index, the message type, its content and the
        output it added (see :class:`~impact_kit.engine.recorder.Recorder`), possibly from
        another thread.
    allow_errors, allow_error_names, force_raise_errors
        nbclient's options of the same names.

    Returns
    -------
    nbformat.NotebookNode
        ``nb``, with ``metadata.language_info`` set.

    Raises
    ------
    KeyboardInterrupt
        After the cell that Ctrl-C ended.
    """
    kernel_environment()
    recorder = Recorder(nb, on_message)
    saved = {cls: cls._instance for cls in _Shell._walk_mro()}
    for cls in saved:
        cls._instance = None
    # History in memory: a kernel's sqlite history is of no use to a batch and forks would share it.
    from ipykernel.compiler import XCachingCompiler  # names cells' code as a kernel does (in tracebacks, warnings)

    shell = _Shell.instance(
        config=Config({"HistoryManager": {"hist_file": ":memory:"}}), compiler_class=XCachingCompiler
    )
    shell.displayhook.recorder = recorder
    shell.display_pub.recorder = recorder
    _enable_inline_matplotlib(shell)
    streams, prompts = (sys.stdout, sys.stderr), (builtins.input, getpass.getpass)
    for stream in streams:
        stream.flush()
    # As ipykernel: capture file descriptors on Linux and macOS, but not under pytest's own capture.
    watch = sys.platform.startswith(("linux", "darwin")) and "PYTEST_CURRENT_TEST" not in os.environ
    captures = [FdCapture(1), FdCapture(2)] if watch else [None, None]
    recorder.captures = [capture for capture in captures if capture is not None]

    def emit(name: str, text: str) -> None:
        recorder.emit("stream", {"name": name, "text": text})

    def real(stream: Any) -> Callable[[], Any]:  # while the engine handles a message, its writes are its own
        return lambda: stream if recorder.dispatching else None

    outs = [
        OutStream(name, emit, capture, lock=recorder.lock, passthrough=real(stream))
        for name, capture, stream in zip(("stdout", "stderr"), captures, streams, strict=True)
    ]
    sys.stdout, sys.stderr = outs
    builtins.input, getpass.getpass = _no_input, _no_getpass  # nbclient's kernels allow no stdin either
    flusher = Flusher(outs)
    flusher.start()
    interrupt = _Interrupt()
    interrupt.install()
    allowed_names = set(allow_error_names)
    try:
        for index, cell in enumerate(nb.cells):
            if interrupt.requested:
                raise KeyboardInterrupt
            if on_cell_start:
                recorder.dispatch(on_cell_start, index)
            failed = False
            tags = cell.metadata.get("tags", [])
            if cell.cell_type == "code" and cell.source.strip() and SKIP_TAG not in tags:
                content = {"code": cell.source, "execution_count": shell.execution_count}
                recorder.process(index, "execute_input", content)
                interrupt.in_cell = True
                try:
                    result = shell.run_cell(cell.source, store_history=True, silent=False)
                    error = result.error_before_exec or result.error_in_exec
                except KeyboardInterrupt:  # outside the cell's own code (IPython's hooks): it ends the cell too
                    error = KeyboardInterrupt()
                finally:
                    interrupt.in_cell = False
                for stream in streams:  # Python-level writes to the real descriptors (sys.__stdout__)
                    with contextlib.suppress(Exception):
                        stream.flush()
                _flush_streams()
                with recorder.lock:
                    timing = cell.metadata["execution"]
                    timing["shell.execute_reply"] = timing["iopub.status.idle"] = now()
                allowed = not force_raise_errors and (
                    allow_errors or "raises-exception" in tags or type(error).__name__ in allowed_names
                )
                failed = error is not None and not allowed and not interrupt.requested
            if on_cell_end:
                recorder.dispatch(on_cell_end, index, failed)
            if interrupt.requested:
                raise KeyboardInterrupt
            if failed:
                break
    finally:
        interrupt.restore()
        flusher.stop()
        sys.stdout, sys.stderr = streams
        for capture in captures:
            if capture is not None:
                capture.close()
        builtins.input, getpass.getpass = prompts
        if shell.history_manager is not None:
            shell.history_manager.end_session()
        _Shell.clear_instance()
        for cls, instance in saved.items():
            cls._instance = instance
    nb.metadata["language_info"] = language_info()
    return nb
