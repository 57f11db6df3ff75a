"""Ctrl-C on the command line: inside a command's work it interrupts (exit 130); after it, it changes nothing.

Python turns a Ctrl-C into KeyboardInterrupt wherever it lands, Python's own exit
included: there it gave exit -2 or tracebacks from atexit callbacks, after the report
was written and its path printed. :class:`CtrlC` keeps KeyboardInterrupt for the work
and hands SIGINT to another handler (SIG_IGN for the program) once the work's files
are written: for a report, as soon as its new set is swapped in (:func:`published`).

Some moments must not be cut in two: a KeyboardInterrupt raised inside ``os.fork()``'s
at-fork hooks (logging's lock) is printed and lost, and one inside the removal of a run's
folder leaves the folder. :func:`held` keeps a Ctrl-C for the end of such a block.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["CtrlC", "Hold", "forget_handled", "held", "noted", "published", "seen", "settle"]


class CtrlC:
    """Ctrl-C while a command works: KeyboardInterrupt, noted; once its files are written (`settle`): `then`.

    A library that catches KeyboardInterrupt on its way cannot hide it (`seen`). The handler
    becomes `then` with no moment between, so a Ctrl-C is either inside the work
    (KeyboardInterrupt, exit 130) or after it (exit as the work says). With
    ``on_publish``, the work is done once a report's new set is in place (:func:`published`).
    """

    #: The one of the running command, which :func:`settle` ends.
    current: CtrlC | None = None

    def __init__(self, then: Any, *, on_publish: bool = False) -> None:
        self.then, self.seen, self.active, self.on_publish = then, False, False, on_publish

    def __enter__(self) -> CtrlC:
        if threading.current_thread() is threading.main_thread() and (
            signal.getsignal(signal.SIGINT) is signal.default_int_handler
        ):
            signal.signal(signal.SIGINT, self._handler)
            self.active = True
        CtrlC.current = self
        return self

    def _handler(self, signum: int, frame: object) -> None:
        self.seen = True
        raise KeyboardInterrupt

    def settle(self) -> None:
        """Hand SIGINT to `then`: the work is done and its files written, a Ctrl-C cannot undo it."""
        if self.active:
            if Hold.current is not None and Hold.current.active:  # held: `then` takes over when the hold ends
                Hold.current.previous = self.then
            else:
                signal.signal(signal.SIGINT, self.then)
            self.active = False

    def __exit__(self, *exc: object) -> None:
        self.settle()
        CtrlC.current = None


def settle() -> None:
    """Say that the running command's files are written: a Ctrl-C from now on changes nothing (`CtrlC.settle`)."""
    if CtrlC.current is not None:
        CtrlC.current.settle()


def published() -> None:
    """Say that a report's new set is in place: for a command that writes one report, its work is done.

    A batch writes many (its children publish each), so only a command that asked for it
    (``CtrlC(on_publish=True)``) settles here.
    """
    if CtrlC.current is not None and CtrlC.current.on_publish:
        CtrlC.current.settle()


def noted() -> None:
    """Note a Ctrl-C that another handler took (while a command works): `seen` tells it from now on."""
    if CtrlC.current is not None and CtrlC.current.active:
        CtrlC.current.seen = True


def seen() -> bool:
    """Tell whether the running command was sent a Ctrl-C, even one that a library swallowed."""
    return CtrlC.current is not None and CtrlC.current.seen


class Hold:
    """A Ctrl-C kept during :func:`held`'s block: the handler it replaced, and whether one came."""

    #: The hold in force, if any: a command that settles meanwhile changes what it gives back.
    current: Hold | None = None

    def __init__(self) -> None:
        self.previous: Any = None
        self.caught = False
        self.active = False

    def _catch(self, signum: int, frame: object) -> None:
        self.caught = True

    def release(self) -> None:
        """Give SIGINT its handler back (in a forked child too: what it inherited is then what it had)."""
        if self.active:
            signal.signal(signal.SIGINT, self.previous)
            self.active = False

    def deliver(self) -> None:
        """Release, then hand a kept Ctrl-C to the handler it was meant for (KeyboardInterrupt, most often)."""
        self.release()
        if not self.caught:
            return
        self.caught = False
        if callable(self.previous):
            self.previous(signal.SIGINT, None)
        elif self.previous == signal.SIG_DFL:
            raise KeyboardInterrupt


@contextmanager
def held() -> Iterator[Hold]:
    """Keep a Ctrl-C (SIGINT) that comes during the block and deliver it when the block ends, whole.

    Outside the main thread, or when Python does not own SIGINT's handler, the block
    runs as it is. Yields the :class:`Hold` (a forked child calls ``release()``).
    """
    hold, outer = Hold(), Hold.current
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGINT) is not None:
        hold.previous = signal.signal(signal.SIGINT, hold._catch)
        hold.active = True
        Hold.current = hold
    try:
        yield hold
    finally:
        Hold.current = outer
        hold.deliver()  # a Ctrl-C kept wins over the block's own error, as it would have without the hold


def forget_handled() -> None:
    """Keep the exit code the command chose: CPython 3.11 may exit by SIGINT (-2) after a Ctrl-C it handled.

    A KeyboardInterrupt raised inside ``exec()`` of a string (namedtuple and dataclass
    definitions do that as modules import) sets the interpreter's "unhandled Ctrl-C" flag for
    good, even when the command catches it; Python then ended a run that had said
    "interrupted" (exit 130), or had written its report (exit 0), by killing itself with SIGINT.
    Call it just before ``sys.exit``.
    """
    import ctypes

    with contextlib.suppress(ValueError, AttributeError, OSError):  # not CPython 3.11: nothing to forget
        ctypes.c_int.in_dll(ctypes.pythonapi, "_Py_UnhandledKeyboardInterrupt").value = 0
