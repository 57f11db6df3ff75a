"""The forked children of :mod:`impact_kit.engine.isolate`: tied to their parent's life, reaped, their end told.

A child dies with its parent (Linux's parent-death signal, or a watcher thread for one in a
session of its own); the parent reaps every child it started, killing one still running,
and says how one that sent no result ended.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time

from impact_kit.exceptions import WorkerCrashed

__all__ = ["crashed", "die_with", "end_with", "reap", "wait_for"]


def die_with(parent: int) -> None:
    """Have the kernel kill this child if its parent dies (Linux): an orphan would write a report nobody records."""
    # (A Dask worker killed while its child writes a report left the child writing after the job went elsewhere.)
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the call above
        os._exit(1)


_PR_SET_PDEATHSIG = 1


def end_with(parent: int) -> None:
    """End this child, in a session of its own, when its parent dies (as ipykernel's ParentPollerUnix)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="impact-kit-parent-watch", daemon=True).start()


def crashed(pid: int, what: str) -> WorkerCrashed:
    """Return the error saying how the child ``pid`` (running ``what``) ended without a result; it is reaped."""
    _, status = wait_for(pid, 5.0)
    if status is not None and os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        how = f"was killed by signal {number} ({signal.Signals(number).name})"
    elif status is not None and os.WIFEXITED(status):
        how = f"exited with code {os.WEXITSTATUS(status)} before sending its result"
    else:
        how = "closed its pipe without sending a result"
    hint = " (SIGKILL: out of memory, or killed by hand)" if "SIGKILL" in how else ""
    error = WorkerCrashed(
        f"{what} crashed: its process {pid} {how}{hint}. A file it was writing is left unfinished under a "
        "temporary name, which the next write removes; run it again."
    )
    error.pid = pid
    return error


def wait_for(pid: int, seconds: float) -> tuple[int, int | None]:
    """Reap the child ``pid`` if it ends within ``seconds``: ``(pid, status)``, or ``(0, None)`` if it still runs."""
    end = time.monotonic() + seconds
    while True:
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return pid, None
        if done:
            return done, status
        if time.monotonic() > end:
            return 0, None
        time.sleep(0.005)


def reap(pid: int, *, at_once: bool = False) -> None:
    """Make sure the child is gone and reaped: a child still running at this point (``at_once``: now) is killed."""
    done, _ = wait_for(pid, 0.0 if at_once else 0.5)
    if not done:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
