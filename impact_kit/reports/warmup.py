"""Warm a kernel while it waits: import what a forked export needs in the time no cell runs.

A kernel in JupyterLab that loaded a report will likely be asked to export it, and the
export forks the kernel (:func:`impact_kit.engine.run_isolated`): whatever the kernel has
not imported yet (papermill, nbformat and jsonschema, nbconvert and its templates, about
1.5-2 s on 2 cores) the first export pays. :func:`warm_when_idle` starts one daemon thread
that does that work while the kernel is idle (the evaluator reading the report, typing a
cell), one module at a time, pausing while a cell runs so that Run All is not slowed.
Before any ``os.fork()`` of this process, :func:`settle` stops it and waits for the step it
is in (a child must not inherit a thread holding an import lock); the export then warms
what is left in the foreground (:func:`impact_kit.engine.warm`).

This module imports nothing heavy: it is imported when a report loads in a kernel.
"""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Callable, Iterable
from functools import partial

__all__ = ["settle", "warm_when_idle"]

#: The thread, and the event that stops it; one per process.
_state: dict[str, threading.Thread | threading.Event] = {}


def warm_when_idle(
    modules: Iterable[str],
    *,
    idle: Callable[[], float | None],
    prepare: Callable[[], object] | None = None,
    quiet: float = 0.5,
) -> None:
    """Import ``modules`` (then call ``prepare``) in a background thread, while the process is idle.

    Once per process; a later call does nothing.

    Parameters
    ----------
    modules : iterable of str
        The modules to import, in order, one at a time.
    idle : callable
        Seconds since the last cell ended, or None while one runs; the thread works only
        after ``quiet`` seconds of idleness and checks again between modules.
    prepare : callable, optional
        Called last, when idle (a first conversion that loads nbconvert's templates).
    quiet : float
        Seconds of idleness before the thread works (Run All's cells follow each other
        within milliseconds: they are never interleaved with the warm-up).
    """
    if "thread" in _state:
        return
    stop = threading.Event()
    steps: list[Callable[[], object]] = [partial(importlib.import_module, name) for name in modules]
    if prepare is not None:
        steps.append(prepare)

    def work() -> None:
        for step in steps:
            while not stop.is_set():
                since = idle()
                if since is not None and since >= quiet:
                    break
                stop.wait(0.05 if since is None else max(0.05, quiet - since))
            if stop.is_set():
                return
            try:
                step()
            except Exception:  # a warm-up only: the export meets the problem in the foreground and says it
                return

    thread = threading.Thread(target=work, name="impact-kit-warm", daemon=True)
    _state.update(thread=thread, stop=stop)
    os.register_at_fork(before=settle)
    thread.start()


def settle(timeout: float = 30.0) -> None:
    """Stop the warm-up thread, if any, and wait for the step it is in (called before any fork)."""
    thread, stop = _state.get("thread"), _state.get("stop")
    if isinstance(stop, threading.Event):
        stop.set()
    if isinstance(thread, threading.Thread) and thread.is_alive() and thread is not threading.current_thread():
        thread.join(timeout)
