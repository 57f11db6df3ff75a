"""What a stopped report leaves: its notebook kept as ``report.failed.ipynb``, its temporary files removed.

A batch's child that runs past its timeout, or is killed, cannot clean up after itself.
Its parent can: the child's run folder (``impact-kit-run-<pid>-*``) holds the notebook
papermill saved as each cell started, which becomes ``report.failed.ipynb`` beside the
previous report (the running cell marked with the reason), and the folder and the
child's staging folder are removed in the same run, not at the next one.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import nbformat

from impact_kit.files import RUN_PREFIX, atomic_write
from impact_kit.reports.publish import remove_stale_stages

__all__ = ["salvage"]


def salvage(pid: int, target: Path, reason: str) -> Path | None:
    """Keep the notebook the dead process ``pid`` was running as ``target/report.failed.ipynb``; remove its files.

    Parameters
    ----------
    pid : int
        The process that was stopped (it must be gone: reaped by its parent).
    target : Path
        The report folder of the job it was running.
    reason : str
        Why it was stopped, written as the error of the cell that was running.

    Returns
    -------
    Path or None
        The failed notebook, or None if the process had not started the notebook.
    """
    kept = None
    for folder in sorted(Path(tempfile.gettempdir()).glob(f"{RUN_PREFIX}{pid}-*")):
        executed = folder / "report.ipynb"
        if kept is None and executed.is_file():
            kept = _keep(executed, target, reason)
        shutil.rmtree(folder, ignore_errors=True)
    if target.parent.is_dir():
        remove_stale_stages(target.parent)
    return kept


def _keep(executed: Path, target: Path, reason: str) -> Path | None:
    try:
        nb = nbformat.read(executed, as_version=4)
    except Exception:  # saved half-way when the process was killed: nothing to show
        return None
    running = [c for c in nb.cells if c.get("metadata", {}).get("papermill", {}).get("status") == "running"]
    for cell in running[-1:]:
        cell.metadata.papermill["status"] = "failed"
        cell.metadata.papermill["exception"] = True
        cell.setdefault("outputs", []).append(
            nbformat.v4.new_output("error", ename="Stopped", evalue=reason, traceback=[f"Stopped: {reason}"])
        )
    kept = target / "report.failed.ipynb"
    with atomic_write(kept, "w", encoding="utf-8") as handle:
        nbformat.write(nb, handle)
    return kept
