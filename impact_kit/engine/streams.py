"""``sys.stdout`` and ``sys.stderr`` for in-process notebook runs, as ipykernel's OutStream.

Python-level writes are buffered until a flush point (a display, the cell's value, an
error, the cell's end, an explicit ``flush()``), then become one ``stream`` output. As in
ipykernel (6 and later), what is written to file descriptors 1 and 2 directly (a
subprocess, ``os.system``, a C library) is captured too and joins the same stream, in
the order it was written relative to Python's own writes.
"""

from __future__ import annotations

import codecs
import io
import os
import tempfile
from collections.abc import Callable
from typing import Any

__all__ = ["FdCapture", "OutStream"]


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
    """A text stream that buffers writes and, on ``flush()``, hands them to ``emit(name, text)``."""

    def __init__(self, name: str, emit: Callable[[str, str], Any], capture: FdCapture | None = None) -> None:
        super().__init__()
        self.name = name
        self._emit = emit
        self._capture = capture
        self._parts: list[str] = []

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
        self._drain()
        if text:
            self._parts.append(text)
        return len(text)

    def flush(self) -> None:
        """Hand the buffered text, if any, to ``emit`` as one piece."""
        self._drain()
        if self._parts:
            text, self._parts = "".join(self._parts), []
            self._emit(self.name, text)

    def _drain(self) -> None:
        if self._capture is not None and (text := self._capture.read()):
            self._parts.append(text)
