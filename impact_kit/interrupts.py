"""Ctrl-C on the command line: inside a command's work it interrupts (exit 130); after it, it changes nothing.

Python turns a Ctrl-C into KeyboardInterrupt wherever it lands, Python's own exit
included: there it gave exit -2 or tracebacks from atexit callbacks, after the report
was written and its path printed. :class:`CtrlC` keeps KeyboardInterrupt for the work
and hands SIGINT to another handler (SIG_IGN for the program) once the work's files
are written.
"""

from __future__ import annotations

import signal
import threading
from typing import Any

__all__ = ["CtrlC", "settle"]


class CtrlC:
    """Ctrl-C while a command works: KeyboardInterrupt, noted; once its files are written (`settle`): `then`.

    A library that catches KeyboardInterrupt on its way cannot hide it (`seen`). The handler
    becomes `then` with no moment between, so a Ctrl-C is either inside the work
    (KeyboardInterrupt, exit 130) or after it (exit as the work says).
    """

    #: The one of the running command, which :func:`settle` ends.
    current: CtrlC | None = None

    def __init__(self, then: Any) -> None:
        self.then, self.seen, self.active = then, False, False

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
            signal.signal(signal.SIGINT, self.then)
            self.active = False

    def __exit__(self, *exc: object) -> None:
        self.settle()
        CtrlC.current = None


def settle() -> None:
    """Say that the running command's files are written: a Ctrl-C from now on changes nothing (`CtrlC.settle`)."""
    if CtrlC.current is not None:
        CtrlC.current.settle()
