"""``sys.stdout`` and ``sys.stderr`` for in-process notebook runs, as ipykernel's OutStream.

Python-level writes are buffered until a flush point (a display, the cell's value, an
error, the cell's end, an explicit ``flush()``), or until they are
:data:`FLUSH_INTERVAL` seconds old (:class:`Flusher`, as ipykernel's IO thread), then
become one ``stream`` output: a cell that prints, then works, has its print sent while
it works. As in ipykernel (6 and later), what is written to file descriptors 1 and 2
directly (a subprocess, ``os.system``, a C library) is captured too and joins the same
stream, in the order it was written relative to Python's own writes.
"""

from __future__ import annotations

import codecs
import contextlib
import io
import os
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, TextIO

__all__ = ["FLUSH_INTERVAL", "FdCapture", "Flusher", "OutStream"]

#: Seconds buffered text may wait before it is sent: ipykernel's ``OutStream.flush_interval``.
FLUSH_INTERVAL = 0.2


class FdCapture:
    """Send file descriptor ``fd`` to a nameless temporary file until :meth:`close`, and read what arrives."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._saved = os.dup(fd)
        # Unlinked at once (nothing left behind, even if killed); closed by close().
        self._file = tempfile.TemporaryFile()  # noqa: SIM115
        os.dup2(self._file.fileno(), fd)
        self._offset = 0
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def pending(self) -> bool:
        """Tell whether something was written to the descriptor since the last :meth:`read`."""
        return os.fstat(self._file.fileno()).st_size > self._offset

    @contextlib.contextmanager
    def suspended(self) -> Any:
        """Give the descriptor back what it was for the duration of a ``with`` block (the engine's own writes)."""
        os.dup2(self._saved, self.fd)
        try:
            yield
        finally:
            os.dup2(self._file.fileno(), self.fd)

    def read(self) -> str:
        """Return the text written to the descriptor since the last call."""
        chunks = []
        while data := os.pread(self._file.fileno(), 1 << 16, self._offset):
            self._offset += len(data)
            chunks.append(data)
        return self._decoder.decode(b"".join(chunks)) if chunks else ""

    def close(self) -> None:
        """Give the descriptor back what it was."""
        os.dup2(self._saved, self.fd)
        os.close(self._saved)
        self._file.close()


class OutStream(io.TextIOBase):
    """A text stream that buffers writes and, on ``flush()``, hands them to ``emit(name, text)``.

    ``lock`` is held while text is buffered or handed over (the :class:`Flusher` thread
    flushes too). While ``passthrough()`` returns a stream, writes go straight to it: the
    engine's own writes (papermill's log) made while it handles an output.
    """

    def __init__(
        self,
        name: str,
        emit: Callable[[str, str], Any],
        capture: FdCapture | None = None,
        *,
        lock: threading.RLock | None = None,
        passthrough: Callable[[], TextIO | None] | None = None,
    ) -> None:
        super().__init__()
        self.name = name
        self._emit = emit
        self._capture = capture
        self._parts: list[str] = []
        self._since: float | None = None  # when the oldest buffered text arrived
        self._lock = lock or threading.RLock()
        self._passthrough = passthrough

    @property
    def encoding(self) -> str:  # type: ignore[override]
        """UTF-8, as ipykernel's streams."""
        return "UTF-8"

    def writable(self) -> bool:
        """Return True: the stream is written to."""
        return True

    def isatty(self) -> bool:
        """Return False: not a terminal (libraries then print no colours or progress redraws)."""
        return False

    def write(self, text: str) -> int:
        """Buffer ``text`` after anything written to the file descriptor meanwhile; return its length."""
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        with self._lock:
            target = self._passthrough() if self._passthrough is not None else None
            if target is not None:
                target.write(text)
                return len(text)
            self._drain()
            self._add(text)
        return len(text)

    def flush(self) -> None:
        """Hand the buffered text, if any, to ``emit`` as one piece."""
        with self._lock:
            if self._passthrough is not None and (target := self._passthrough()) is not None:
                target.flush()
                return
            self._drain()
            if self._parts:
                text, self._parts, self._since = "".join(self._parts), [], None
                self._emit(self.name, text)

    def flush_if_due(self, now: float, interval: float = FLUSH_INTERVAL) -> None:
        """Flush if the oldest buffered text (descriptor writes included) is ``interval`` seconds old."""
        with self._lock:
            if self._capture is not None and self._capture.pending():
                self._drain()
            if self._since is not None and now - self._since >= interval:
                self.flush()

    def _add(self, text: str) -> None:
        if text:
            self._parts.append(text)
            if self._since is None:
                self._since = time.monotonic()

    def _drain(self) -> None:
        if self._capture is not None and (text := self._capture.read()):
            self._add(text)


class Flusher(threading.Thread):
    """Flush ``streams`` whose text waited :data:`FLUSH_INTERVAL` seconds, as ipykernel's IO thread, until :meth:`stop`.

    Wakes every ``poll`` seconds (to see descriptor writes, which no Python call announces).
    An error while flushing (the parent gone) stops the thread; the next flush in the main
    thread meets it again.
    """

    def __init__(self, streams: Sequence[OutStream], poll: float = 0.05) -> None:
        super().__init__(name="impact-kit-flusher", daemon=True)
        self.streams = streams
        self.poll = poll
        self._stopped = threading.Event()

    def run(self) -> None:
        """Flush what is due until stopped."""
        with contextlib.suppress(BaseException):  # see the class docstring
            while not self._stopped.wait(self.poll):
                now = time.monotonic()
                for stream in self.streams:
                    stream.flush_if_due(now)

    def stop(self) -> None:
        """Stop the thread and wait for it."""
        self._stopped.set()
        self.join()
