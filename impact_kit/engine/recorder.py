"""What nbclient does with a kernel's IOPub messages, for the in-process engines.

:class:`Recorder` turns messages (``execute_input``, ``stream``, ``display_data``,
``update_display_data``, ``execute_result``, ``error``, ``clear_output``) into a cell's
outputs, execution count and timings, and keeps display ids across the notebook, as
nbclient's ``process_message`` does. The in-process shell sends it what a cell prints,
displays and raises; the fork engine's parent runs a second one on the messages its child
forwards, so that the parent's notebook has every output as soon as it exists.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import threading
from collections.abc import Callable
from typing import Any

import nbformat
from jupyter_client.jsonutil import json_default
from nbformat import NotebookNode

from impact_kit.engine.streams import FdCapture

__all__ = ["OnMessage", "Recorder", "now", "wire"]

#: Called after each message with the cell's index, the message type, its content and the output it added.
OnMessage = Callable[[int, str, dict[str, Any], NotebookNode | None], None]


def now() -> str:
    """Return the time as a kernel stamps its messages (nbclient copies it into ``metadata.execution``)."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def wire(content: dict[str, Any]) -> dict[str, Any]:
    """Return ``content`` as it arrives after a trip through a kernel's JSON messages."""
    from ipykernel.jsonutil import encode_images, json_clean

    if "data" in content:
        content = {**content, "data": encode_images(content["data"])}
    return json.loads(json.dumps(json_clean(content), default=json_default))


class Recorder:
    """A notebook's outputs from kernel messages, as nbclient records them.

    ``lock`` serialises the messages (the flusher thread sends some) and the engine's
    bookkeeping; ``on_message`` runs after each message, with :attr:`dispatching` set so that
    what the engine writes then (a log line) goes to the real streams, not into a cell.
    """

    def __init__(self, nb: NotebookNode, on_message: OnMessage | None = None) -> None:
        self.nb = nb
        self.on_message = on_message
        self.index = -1  # the cell running
        self.clear_pending = False
        self.display_ids: dict[str, dict[int, list[int]]] = {}
        self.lock = threading.RLock()
        self.dispatching = False
        self.captures: list[FdCapture] = []

    def emit(self, msg_type: str, content: dict[str, Any]) -> None:
        """Record a message of the running cell, its content as the shell made it."""
        self.process(self.index, msg_type, wire(content))

    def process(self, index: int, msg_type: str, content: dict[str, Any]) -> NotebookNode | None:
        """Record a message about cell ``index`` (content already JSON-clean); return the output it added."""
        with self.lock:
            out = self._process(index, msg_type, content)
            if self.on_message is not None:
                self.dispatch(self.on_message, index, msg_type, content, out)
            return out

    def dispatch(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Call ``fn(*args)`` with the engine's own writes going to the real streams and descriptors."""
        with self.lock:
            if self.dispatching:
                return fn(*args)
            self.dispatching = True
            try:
                with contextlib.ExitStack() as stack:
                    for capture in self.captures:
                        stack.enter_context(capture.suspended())
                    return fn(*args)
            finally:
                self.dispatching = False

    def _process(self, index: int, msg_type: str, content: dict[str, Any]) -> NotebookNode | None:
        cell = self.nb.cells[index]
        if msg_type == "execute_input":
            self.index, self.clear_pending = index, False
            cell.outputs = []
            cell.execution_count = content["execution_count"]
            stamp = now()
            cell.metadata["execution"] = {"iopub.status.busy": stamp, "iopub.execute_input": stamp}
            return None
        if msg_type == "clear_output":
            if content.get("wait"):
                self.clear_pending = True
            else:
                self._clear(index)
            return None
        content = dict(content)
        transient = content.pop("transient", None)
        display_id = transient.get("display_id") if transient else None
        if display_id and msg_type in {"execute_result", "display_data", "update_display_data"}:
            for cell_index, indices in self.display_ids.get(display_id, {}).items():
                outputs = self.nb.cells[cell_index].outputs
                for i in indices:
                    outputs[i]["data"] = content["data"]
                    outputs[i]["metadata"] = content["metadata"]
        if msg_type == "update_display_data":
            return None
        out = nbformat.v4.output_from_msg({"header": {"msg_type": msg_type}, "content": content})
        if self.clear_pending:
            self._clear(index)
        if display_id:
            self.display_ids.setdefault(display_id, {}).setdefault(index, []).append(len(cell.outputs))
        cell.outputs.append(out)
        return out

    def _clear(self, index: int) -> None:
        self.nb.cells[index].outputs[:] = []
        self.clear_pending = False
        for cells in self.display_ids.values():
            if index in cells:
                cells[index] = []
