"""A table read from a file, as every reader of the data folder returns it.

Its own module so that the readers (:mod:`impact_kit.data.read` and the CSV dialects of
:mod:`impact_kit.data.csv_read`) share it without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from impact_kit.exceptions import InputProblem

__all__ = ["EncodingWarning", "Table"]


class EncodingWarning(UserWarning):
    """Issued when a CSV file is not UTF-8 and was read as Windows-1252 (Excel's default)."""


@dataclass(frozen=True)
class Table:
    """A table read from a file.

    Attributes
    ----------
    path : Path
        Where it was read from.
    frame : pandas.DataFrame
        Every cell as text; blank rows dropped; column names stripped and lower-cased.
    rows : list of int
        For each row of ``frame``, its number in the file as a spreadsheet shows it.
    encoding : str
        ``utf-8``, ``utf-8-sig``, ``cp1252`` (CSV), or ``binary`` (XLSX, Parquet).
    separator : str
        The CSV separator, or "" for other formats.
    ragged : list of tuple
        ``(row, cells)`` for CSV rows with more cells than the header (extra cells dropped).
    sheet : str
        The sheet of a workbook that holds several sheets, else "".
    """

    path: Path
    frame: pd.DataFrame
    rows: list[int]
    encoding: str = "utf-8"
    separator: str = ","
    ragged: list[tuple[int, int]] = field(default_factory=list)
    sheet: str = ""

    def ragged_problems(self) -> list[InputProblem]:
        """Return one problem per row that has more cells than the header."""
        width = len(self.frame.columns)
        return [
            InputProblem(
                self.name,
                f"this row has {cells} cells but the header has {width}. "
                "Quote cells that contain the separator, or name every column in the header.",
                row,
            )
            for row, cells in self.ragged
        ]

    @property
    def name(self) -> str:
        """The file's path as the user gave it (and its sheet, if the workbook has several), for messages."""
        return f"{self.path}, sheet {self.sheet!r}" if self.sheet else str(self.path)
