"""What of a working notebook goes into its report, and what is exploration that stays out.

In: the master's cells, the evaluator's Markdown cells, and the code cells the evaluator
tags ``report``. Out: every other code cell the evaluator added (a table to look at, a
scratch ``1/0``): the report's run never executes them, so they can neither fail it nor
leak into the page. nbconvert's ``remove-cell``, ``remove-input`` and ``remove-output``
tags are honoured at export, on any cell (:mod:`impact_kit.render.export`).

A master cell is known by its mark (``metadata.impact_kit.master``, which
:func:`impact_kit.reports.working.create_working_notebook` sets on each cell it copies) or,
in a working notebook made before that mark, by its id: the master's cell ids have not
changed since working notebooks exist. Any other notebook (the master, one given to
``batch`` as its master, one the user wrote whole) runs as it is: the rule is for working
notebooks, those that ``impact-kit notebook`` made (``metadata.impact_kit.site``).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from impact_kit.files import relative_to_cwd
from impact_kit.reports.parameters import SITE_NOTEBOOK

__all__ = ["MASTER_MARK", "REPORT_TAG", "is_master_cell", "left_out_notes", "mark_master_cells", "report_cells"]

#: The tag that puts an added code cell's output in the report.
REPORT_TAG = "report"
#: The cell metadata key that says a cell came from the master: ``{"impact_kit": {"master": true}}``.
MASTER_MARK = "master"
_KEPT_TAGS = frozenset({REPORT_TAG, "parameters", "injected-parameters"})


@cache
def _master_ids(master: Path = SITE_NOTEBOOK) -> frozenset[str]:
    nb = nbformat.read(master, as_version=4)
    return frozenset(str(cell.get("id", "")) for cell in nb.cells) - {""}


def mark_master_cells(nb: NotebookNode) -> None:
    """Mark every cell of a copy of the master as the master's (they go into the report, whatever they hold)."""
    for cell in nb.cells:
        cell.metadata.setdefault("impact_kit", {})[MASTER_MARK] = True


def is_master_cell(cell: NotebookNode) -> bool:
    """Return True for a cell of the master: marked so, or (older working notebooks) with one of its ids."""
    mark = cell.metadata.get("impact_kit", {})
    return bool(isinstance(mark, dict) and mark.get(MASTER_MARK)) or cell.get("id") in _master_ids()


def _in_report(cell: NotebookNode) -> bool:
    tags = set(cell.metadata.get("tags", []))
    return cell.cell_type != "code" or is_master_cell(cell) or bool(_KEPT_TAGS & tags)


def report_cells(nb: NotebookNode) -> tuple[NotebookNode, int]:
    """Return a copy of a notebook without its exploration, and how many code cells were left out.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        A working notebook (left unchanged).

    Returns
    -------
    tuple of (nbformat.NotebookNode, int)
        The notebook that the report runs, and the number of code cells left out. A
        notebook that is not a working notebook is returned whole (0 left out).
    """
    copy = nbformat.from_dict(nb)
    if "site" not in nb.metadata.get("impact_kit", {}):
        return copy, 0
    copy.cells = [cell for cell in copy.cells if _in_report(cell)]
    return copy, len(nb.cells) - len(copy.cells)


def left_out_notes(notebooks: Iterable[Path]) -> list[str]:
    """Return one line per notebook whose code cells stay out of its report, saying how many."""
    notes = []
    for notebook in notebooks:
        try:
            left_out = report_cells(nbformat.read(notebook, as_version=4))[1]
        except (OSError, ValueError):  # damaged since its report ran: that report said so already
            continue
        if left_out:
            cells = "1 code cell" if left_out == 1 else f"{left_out} code cells"
            notes.append(
                f"{relative_to_cwd(notebook)}: {cells} left out of the report (exploration); "
                f"tag a cell `{REPORT_TAG}` to put its output in the report."
            )
    return notes
