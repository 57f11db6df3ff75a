"""Run a function in a forked child of a warm process: nothing it does reaches the parent.

The parent imports the heavy libraries once (:func:`warm`); each job then runs in
``os.fork()``'s copy of it, sends back its picklable result (and, on the way, any
events) through a pipe, and ends with ``os._exit``. A child killed by a signal, or
exiting without a result, raises :class:`~impact_kit.exceptions.WorkerCrashed`; one that
runs too long is killed and raises :class:`~impact_kit.exceptions.ExecutionTimeout`.
POSIX only (``os.fork``); fork from a process with no other threads running.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import os
import pickle
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection, Pipe
from multiprocessing.connection import wait as connection_wait
from typing import Any, TypeVar

from impact_kit.engine.processes import crashed, die_with, end_with, reap
from impact_kit.exceptions import ExecutionTimeout
from impact_kit.interrupts import Hold, held, seen

__all__ = ["WARM_MODULES", "in_child", "map_isolated", "notify", "run_in_child", "run_isolated", "warm"]

T = TypeVar("T")
A = TypeVar("A")

#: The libraries a notebook run needs, imported once in the parent so that no child pays for
#: them; a caller adds its own modules (:func:`warm`). Not the inline backend: a kernel imports
#: it, and hooks it to the shell, when pyplot first needs it.
WARM_MODULES = (
    "pandas",
    "matplotlib",
    "matplotlib.figure",
    "matplotlib.pyplot",
    "matplotlib.backends.backend_agg",
    "matplotlib.backends.backend_svg",
    "pyarrow.pandas_compat",
    "IPython.core.interactiveshell",
    "IPython.core.completer",
    "IPython.core.magics",
    "IPython.core.oinspect",
    "IPython.core.application",
    "IPython.core.completerlib",
    "ipykernel.compiler",
    "ipykernel.jsonutil",
    "sqlite3",
    "jinja2.ext",
    "nbformat",
    "nbconvert",
    "papermill",
    "impact_kit.engine.inprocess",
)

#: The pipe to the parent, in a child only.
_channel: Connection | None = None


def warm(modules: Iterable[str] = WARM_MODULES, *, prepare: Callable[[], object] | None = None) -> None:
    """Import ``modules`` now, in this (parent) process, so that forked children start with them.

    Sets ``MPLBACKEND`` to the inline backend first, as ipykernel does, unless it is set.
    The caller names what its jobs use besides the libraries of :data:`WARM_MODULES`, and
    may ``prepare`` what they load on first use (a batch converts an empty notebook to
    HTML once: nbconvert's templates, filters and lexers); no notebook code runs here.
    """
    from impact_kit.engine.inprocess import INLINE_BACKEND

    os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)
    for name in modules:
        importlib.import_module(name)
    if prepare is not None:
        prepare()


def in_child() -> bool:
    """Tell whether this process is a child started by :func:`run_isolated`."""
    return _channel is not None


def notify(event: object) -> None:
    """Send a picklable ``event`` to the parent's ``on_event``; does nothing outside a child."""
    if _channel is not None:
        _channel.send(("event", event))


def run_isolated(fn: Callable[..., T], /, *args: Any, timeout: float | None = None, **kwargs: Any) -> T:
    """Call ``fn(*args, **kwargs)`` in a forked child and return its result.

    ``fn``, its arguments and whatever it changes stay in the child (they need not be
    picklable: the child is a copy of this process); only the result, or the exception,
    comes back, pickled.

    Parameters
    ----------
    fn : callable
        The function; its result must be picklable.
    *args, **kwargs
        Its arguments (``timeout`` is this function's own).
    timeout : float, optional
        Seconds after which the child is killed.

    Returns
    -------
    The result of ``fn``.

    Raises
    ------
    ExecutionTimeout
        If the child ran longer than ``timeout`` (it is killed).
    WorkerCrashed
        If the child died without a result (a signal, ``os._exit``, out of memory).
    Exception
        Whatever ``fn`` raised, re-raised here (its traceback text in ``__notes__``).
    """
    return run_in_child(fn, args, kwargs, timeout=timeout)


def run_in_child(
    fn: Callable[..., T],
    args: tuple[Any, ...] = (),
    kwargs: dict[str, Any] | None = None,
    *,
    timeout: float | None = None,
    event_timeout: float | None = None,
    on_event: Callable[[Any], bool | None] | None = None,
    what: str = "the job",
    new_session: bool = False,
    interrupt_grace: float | None = None,
) -> T:
    """Call ``fn`` in a forked child as :func:`run_isolated`, with events and a timeout between events.

    Parameters
    ----------
    fn, args, kwargs
        The call.
    timeout : float, optional
        Seconds for the whole call.
    event_timeout : float, optional
        Seconds allowed without an event from the child (:func:`notify`), for a per-step
        timeout; an event for which ``on_event`` returns False does not start a new step.
    on_event : callable, optional
        Called in the parent with each event the child sends.
    what : str
        Names the job in error messages.
    new_session : bool
        Start the child in a session of its own (as jupyter_client starts a kernel): Ctrl-C
        at a terminal reaches this process only. The child ends itself if this process dies.
    interrupt_grace : float, optional
        On KeyboardInterrupt here, or a timeout, send SIGINT to the child and keep taking its
        events for up to this many seconds, until it ends (as a kernel manager interrupts
        its kernel before shutting it down), then raise KeyboardInterrupt or the timeout.
    """
    child = _Child(fn, args, kwargs or {}, what, new_session=new_session)
    try:
        while True:
            limits = [child.started + timeout if timeout is not None else None]
            limits.append(child.last + event_timeout if event_timeout is not None else None)
            deadline = min((x for x in limits if x is not None), default=None)
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                if not child.reader.poll(wait):
                    if interrupt_grace is not None:  # as a kernel manager shutting down: interrupt, then kill
                        child.interrupt(interrupt_grace, on_event)
                    raise child.timed_out(
                        timeout if limits[0] == deadline else event_timeout, per_step=limits[0] != deadline
                    )
                done, value = child.receive(on_event)
            except KeyboardInterrupt:
                if interrupt_grace is not None:
                    child.interrupt(interrupt_grace, on_event)
                raise
            if done:
                return value
    finally:
        child.close()


def map_isolated(
    fn: Callable[[A], T], items: Iterable[A], *, workers: int | None = None, timeout: float | None = None
) -> Iterator[tuple[A, T | BaseException]]:
    """Call ``fn(item)`` for each item, each in its own forked child, ``workers`` at a time.

    Yields ``(item, result)`` as the children finish (not in order); ``result`` is the
    exception instead when ``fn`` raised, the child crashed (:class:`WorkerCrashed`) or
    ran past ``timeout`` seconds (:class:`ExecutionTimeout`, the child is killed). One
    failure does not stop the others, a child's own KeyboardInterrupt included; one in this
    process (Ctrl-C) is raised, wherever it lands. Closing the generator early kills the children.

    Parameters
    ----------
    fn : callable
        Called with one item in each child; its result must be picklable.
    items : iterable
        The jobs, read as children are started.
    workers : int, optional
        Children at a time; the number of CPUs by default.
    timeout : float, optional
        Seconds each child may run.
    """
    workers = max(1, workers or os.cpu_count() or 1)
    todo = iter(items)
    running: dict[Connection, tuple[_Child, A]] = {}
    try:
        while True:
            if seen():  # a Ctrl-C that a library swallowed on its way (the parent's printing, logging): still ours
                raise KeyboardInterrupt
            while len(running) < workers:
                item = next(todo, _END)
                if item is _END:
                    break
                child = _Child(fn, (item,), {}, f"the job {item}")
                running[child.reader] = (child, item)  # type: ignore[assignment]
            if not running:
                return
            deadlines = [c.started + timeout for c, _ in running.values()] if timeout is not None else []
            wait = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
            ready = connection_wait(list(running), wait)
            for reader in ready:
                child, item = running[reader]  # type: ignore[index]
                try:
                    done, value = child.receive(None, errors=True)  # the child's error, KeyboardInterrupt too
                except Exception as exc:  # died without a word, or unreadable; a Ctrl-C here is ours: it stops all
                    done, value = True, exc
                if done:
                    child.close()
                    del running[reader]  # type: ignore[arg-type]
                    yield item, value
            if timeout is not None:
                for reader, (child, item) in list(running.items()):
                    if time.monotonic() - child.started > timeout and reader not in ready:
                        error = child.timed_out(timeout, per_step=False)
                        child.close()
                        del running[reader]
                        yield item, error
    finally:
        for child, _ in running.values():
            child.close()


_END = object()


class _Child:
    """A forked child running one call, and the parent's end of its pipe."""

    def __init__(
        self,
        fn: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        what: str,
        *,
        new_session: bool = False,
    ) -> None:
        self.what = what
        self.reader, writer = Pipe(duplex=False)
        sys.stdout.flush()
        sys.stderr.flush()
        parent = os.getpid()
        self.pid = 0
        try:
            with held() as hold:  # a Ctrl-C in os.fork()'s at-fork hooks (logging's lock) was printed and lost
                # What exists now is the child's to read, not to collect: its garbage collector then
                # never walks (and so never copies) the pages it shares with the parent.
                gc.freeze()
                self.pid = os.fork()
                if self.pid == 0:  # the child: never returns, and keeps a Ctrl-C held until `_child` takes it
                    self.reader.close()
                    die_with(parent)
                    if new_session:
                        os.setsid()
                        end_with(parent)
                    _child(fn, args, kwargs, writer, hold)
                gc.unfreeze()
        except BaseException:  # the Ctrl-C kept: this child was handed to nobody, it goes now
            writer.close()
            self.reader.close()
            if self.pid > 0:
                reap(self.pid, at_once=True)
            raise
        writer.close()
        self.started = self.last = time.monotonic()
        self.closed = False

    def receive(self, on_event: Callable[[Any], bool | None] | None, *, errors: bool = False) -> tuple[bool, Any]:
        """Read one message: ``(True, result)``, or ``(False, None)`` after an event; raise the child's error.

        With ``errors``, the child's error is returned as its result, ``(True, error)``: a
        KeyboardInterrupt raised while this reads is then this process's own.
        """
        try:
            kind, payload = self.reader.recv()
        except (EOFError, OSError):
            raise crashed(self.pid, self.what) from None
        if kind == "event":
            if on_event is None or on_event(payload) is not False:
                self.last = time.monotonic()
            return False, None
        self.last = time.monotonic()
        if kind == "result":
            return True, payload
        error, text = payload
        error.add_note(f"In the isolated child (process {self.pid}):\n{text}")
        if errors:
            return True, error
        raise error

    def interrupt(self, grace: float, on_event: Callable[[Any], bool | None] | None) -> None:
        """Send SIGINT to the child, then take its events until it ends or ``grace`` seconds have passed."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGINT)
        end = time.monotonic() + grace
        try:
            while self.reader.poll(max(0.0, end - time.monotonic())):
                if self.receive(on_event)[0]:
                    return
        except KeyboardInterrupt as exc:  # the child's own (it ended), or a second Ctrl-C here (give up at once)
            if not getattr(exc, "__notes__", None):
                raise
        except Exception:  # whatever else the child ended with, the Ctrl-C is what is raised
            return

    def timed_out(self, seconds: float | None, *, per_step: bool) -> ExecutionTimeout:
        """Kill the child and return the error that says so."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        self.close()
        step = " in one step" if per_step else ""
        error = ExecutionTimeout(
            f"{self.what} ran for more than {seconds:g} seconds{step} and was stopped (process {self.pid} killed). "
            "Raise the timeout or look for a loop that never ends.",
            seconds=seconds,
        )
        error.pid = self.pid  # what the caller needs to find the files the child left
        return error

    def close(self) -> None:
        """Close the pipe and reap the child, killing it if it still runs (once: the pid may be reused after)."""
        if not self.closed:
            self.closed = True
            self.reader.close()
            reap(self.pid)


def _child(
    fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], writer: Connection, hold: Hold
) -> None:
    """Run the call in the child and send its result; ``hold`` is the parent's, which caught SIGINT since the fork.

    A Ctrl-C caught there (the parent's interrupt, sent before this child first ran, or a
    terminal's) is this call's KeyboardInterrupt, raised before it starts: dropped, it let a
    run the parent had interrupted go on to the end.
    """
    global _channel  # the child's one pipe to its parent
    code = 1
    try:
        hold.release()  # the handler the parent had (SIG_IGN under nohup stays so)
        deaf = signal.getsignal(signal.SIGINT) is signal.SIG_IGN  # nohup, `&` in a script: stay deaf to Ctrl-C
        if not deaf:
            signal.signal(signal.SIGINT, signal.default_int_handler)
        _channel = writer
        try:
            if hold.caught and not deaf:
                raise KeyboardInterrupt
            result = fn(*args, **kwargs)
            message = ("result", result)
        except BaseException as exc:  # sent to the parent, which re-raises it
            text = traceback.format_exc()
            try:
                pickle.dumps(exc)
                message = ("error", (exc, text))
            except Exception:
                message = ("error", (RuntimeError(f"{type(exc).__name__}: {exc}"), text))
        sys.stdout.flush()
        sys.stderr.flush()
        writer.send(message)
        writer.close()
        code = 0
    except BaseException:  # nothing can be reported: the parent sees the pipe close
        pass
    finally:
        os._exit(code)
