"""Import KoboToolbox exports of the kit's questionnaire (CSV with ``;`` or ``,``, or XLSX).

Any export dialect Kobo offers is read: XML names or labels in any language of the form,
groups in the headers or not (any separator), select-multiple answers as the summary,
as separate 1/0 columns, or both (see :mod:`impact_kit.importers.survey`). Each row's
provenance is its ``rootUuid`` (``_uuid`` for older exports).
"""

from __future__ import annotations

from pathlib import Path

from impact_kit.exceptions import InputProblem
from impact_kit.grid.model import Grid
from impact_kit.importers.collect import read_export
from impact_kit.importers.survey import Submission, read_submissions

__all__ = ["SOURCE", "read_kobo"]

SOURCE = "kobo"


def read_kobo(
    path: str | Path, grid: Grid, *, year: int | None = None
) -> tuple[list[Submission], list[InputProblem], list[str]]:
    """Read a Kobo export: its submissions, the problems found, and the columns the form does not have.

    Raises
    ------
    InvalidData
        If the file cannot be read as a table.
    """
    return read_submissions(read_export(Path(path)), grid, year=year)
