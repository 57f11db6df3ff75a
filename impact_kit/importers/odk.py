"""Import ODK Central exports of the kit's questionnaire: the CSV, or the zip that holds it.

ODK Central joins group paths with ``-``, adds ``SubmissionDate`` first and ``KEY`` ...
``FormVersion`` last, and splits select-multiple answers into ``question/option`` 1/0
columns when asked to. The form's version is its ``grid_version`` field, or
``FormVersion`` when the export left the field out. Each row's provenance is its ``KEY``.
"""

from __future__ import annotations

from pathlib import Path

from impact_kit.exceptions import InputProblem
from impact_kit.forms.layout import form_id
from impact_kit.grid.model import Grid
from impact_kit.importers.collect import read_export
from impact_kit.importers.survey import Submission, read_submissions

__all__ = ["SOURCE", "read_odk"]

SOURCE = "odk"


def read_odk(
    path: str | Path, grid: Grid, *, year: int | None = None
) -> tuple[list[Submission], list[InputProblem], list[str]]:
    """Read an ODK Central export: its submissions, the problems found, and the columns the form does not have.

    Raises
    ------
    InvalidData
        If the file cannot be read as a table.
    """
    table = read_export(Path(path), root=f"{form_id(grid)}.csv")
    return read_submissions(table, grid, year=year, version_column="FormVersion")
