"""Read the tables users drop in ``data/``: CSV (any dialect Excel writes), XLSX, Parquet.

Every cell comes back as text, exactly as written in the file (no trimming, no
"NA" turned into a missing value): validation decides what a cell means, and
testimonies stay verbatim. Rows keep the number a spreadsheet shows (header = 1).
"""

from __future__ import annotations

import glob
import re
import warnings
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pandas as pd

from impact_kit.data.bounds import check_archive, check_parquet
from impact_kit.data.table import EncodingWarning, Table
from impact_kit.exceptions import InvalidData

__all__ = [
    "SUFFIXES",
    "EncodingWarning",
    "SheetsWarning",
    "Table",
    "UnreadFileWarning",
    "find_files",
    "read_table",
    "read_tables",
    "require_columns",
]

SUFFIXES = (".csv", ".xlsx", ".parquet")
_PANDAS_UNNAMED = re.compile(r"^unnamed: \d+$")  # how pandas names an empty header cell of a workbook
_OTHER_SEPARATORS = {"\t": "tabs", "|": "vertical bars (|)"}


class UnreadFileWarning(UserWarning):
    """Warned when a file of the data folder is named like a data file but is not one the kit reads."""


class SheetsWarning(UserWarning):
    """Issued when sheets of a workbook that hold cells were not read (they lack the columns asked for)."""


def read_table(path: str | Path) -> Table:
    """Read a CSV, XLSX or Parquet file as a table of text cells.

    Parameters
    ----------
    path : str or Path
        The file. CSV may be UTF-8 (with or without BOM) or Windows-1252, with
        comma or semicolon separators.

    Returns
    -------
    Table

    Raises
    ------
    InvalidData
        If the file is missing, empty, binary, or cannot be parsed.

    Warns
    -----
    EncodingWarning
        When a CSV file was decoded as Windows-1252.
    """
    path = Path(path)
    if not path.is_file():
        raise InvalidData.single(path, "the file does not exist. Check the path of the data folder.")
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            from impact_kit.data.csv_read import read_csv  # the CSV dialects: a module of their own

            return read_csv(path)
        if suffix == ".xlsx":
            return _workbook(path)[0]
        if suffix == ".parquet":
            check_parquet(path)
            return _read_binary(path, pd.read_parquet, "a Parquet file")
    except OSError as exc:  # unreadable: permissions, a disk error, a file removed meanwhile
        raise InvalidData.single(
            path, f"the file cannot be read ({exc.strerror or exc}). Check it can be opened."
        ) from None
    raise InvalidData.single(path, f"unsupported file type {suffix!r}; use one of {list(SUFFIXES)}.")


def read_tables(path: str | Path, *, columns: Sequence[str] = ()) -> list[Table]:
    """Read a file as its tables: every sheet of a workbook that has ``columns``, else the file's one table.

    Parameters
    ----------
    path : str or Path
        A CSV, XLSX or Parquet file.
    columns : sequence of str
        The columns a workbook's sheet must have to be read. Sheets with cells but
        without them are named in a :class:`SheetsWarning`; empty sheets are skipped.
        If no sheet has them, the first sheet with cells is returned, so that the
        caller's check names what is missing.

    Returns
    -------
    list of Table
        One table per sheet read (``Table.sheet`` names it when the workbook has
        several sheets with cells), or the one table of a CSV or Parquet file.

    Raises
    ------
    InvalidData
        As :func:`read_table`.
    """
    path = Path(path)
    if path.suffix.lower() != ".xlsx" or not path.is_file():
        return [read_table(path)]
    try:
        sheets = _workbook(path)
    except OSError as exc:
        raise InvalidData.single(
            path, f"the file cannot be read ({exc.strerror or exc}). Check it can be opened."
        ) from None
    fits = [set(columns) <= set(t.frame.columns) for t in sheets]
    wanted = [t for t, fit in zip(sheets, fits, strict=True) if fit]
    if not wanted:
        return sheets[:1]
    skipped = [t.sheet for t, fit in zip(sheets, fits, strict=True) if not fit]
    if skipped:
        warnings.warn(
            f"{path}: the sheets {', '.join(map(repr, skipped))} do not have the columns {', '.join(columns)}, "
            "so they were not read. Give them that header row, or move their rows to another file.",
            SheetsWarning,
            stacklevel=2,
        )
    return wanted


def _workbook(path: Path) -> list[Table]:
    """Every sheet of a workbook that has cells (or the first sheet if none has), in order."""
    if path.stat().st_size == 0:
        raise InvalidData.single(path, "the file is empty. Save the workbook again from Excel or LibreOffice.")
    check_archive(path)
    books = _read_binary(path, lambda p: pd.read_excel(p, dtype=object, header=0, sheet_name=None), "an Excel workbook")
    tables = [_table(path, frame, 2, sheet=name) for name, frame in books.items()]
    full = [t for t in tables if len(t.frame.columns) or len(t.frame)]
    if len(full) <= 1:
        return [replace(t, sheet="") for t in (full or tables[:1])]
    return full


def find_files(data: str | Path, stem: str) -> list[Path]:
    """Return the files of ``data`` named ``<stem>*.csv|xlsx|parquet``, sorted by name.

    Warns
    -----
    UnreadFileWarning
        Naming the files named ``<stem>*`` with another suffix (``observations-2024.txt``,
        ``sites.ods``): nothing read is dropped in silence, nor anything left unread.
    """
    folder = Path(data)
    named = sorted(p for p in folder.glob(f"{glob.escape(stem)}*") if not p.name.startswith(".") and p.is_file())
    unread = [p.name for p in named if p.suffix.lower() not in SUFFIXES]
    if unread:
        warnings.warn(
            f"{folder}: {', '.join(unread)} {'is' if len(unread) == 1 else 'are'} named like a data file but not "
            f"read: the kit reads {', '.join(SUFFIXES)} files. Save it as CSV UTF-8 to have it read, or move it out "
            "of the data folder.",
            UnreadFileWarning,
            stacklevel=2,
        )
    return [p for p in named if p.suffix.lower() in SUFFIXES]


def _check_title_row(table: Table, names: list[str], columns: Sequence[str]) -> None:
    """Refuse a header row that is a title (a spreadsheet's first line) above the real column names.

    The sign: the header names none of ``columns``, and the next row's cells are column
    names (those a CSV reader kept under a one-cell title, or all of them).
    """
    if not len(table.frame) or any(c in names for c in columns):
        return
    below = [str(value).strip().lower() for value in table.frame.iloc[0] if str(value).strip()]
    if below and set(below) <= set(columns):
        raise InvalidData.single(
            table.name,
            f"row 1 is a title, not the header: the column names ({', '.join(columns)}) are on row "
            f"{table.rows[0]}. Delete the title row (and any row above the column names), so that the "
            "column names are on row 1.",
            row=1,
        )


def require_columns(table: Table, columns: Sequence[str]) -> Table:
    """Check a table's header and return the table without its unnamed, empty columns.

    Parameters
    ----------
    table : Table
        A table as :func:`read_table` returns it.
    columns : sequence of str
        The columns the header must name.

    Returns
    -------
    Table
        The same table, minus columns that have no name and no cell (a trailing separator).

    Raises
    ------
    InvalidData
        If a column is missing (saying which separator the header seems to use when it
        is neither a comma nor a semicolon), named twice, or holds cells under no name.
    """
    names = list(table.frame.columns)
    _check_title_row(table, names, columns)
    unnamed = [i for i, c in enumerate(names) if c == "" or _PANDAS_UNNAMED.match(c)]
    for index in unnamed:
        filled = table.frame.iloc[:, index].ne("")
        if filled.any():
            row = table.rows[int(filled.to_numpy().argmax())]
            raise InvalidData.single(
                table.name,
                f"column {index + 1} has no name in the header row but holds cells (first on row {row}). "
                "Name it, or delete the column.",
                row=1,
            )
    twice = sorted({c for c in names if names.count(c) > 1 and c})
    if twice:
        raise InvalidData.single(
            table.name,
            f"the header row names {', '.join(f'`{c}`' for c in twice)} twice. Rename or delete one of them.",
            row=1,
        )
    missing = [c for c in columns if c not in names]
    if missing:
        found = ", ".join(f"`{c}`" for c in names) or "none"
        header = " ".join(names)
        separator = next((label for char, label in _OTHER_SEPARATORS.items() if char in header), None)
        if separator and len(names) == 1:
            raise InvalidData.single(
                table.name,
                f"the header row is separated by {separator}, but the kit reads columns separated by commas or "
                f"semicolons. Save the file from your spreadsheet as 'CSV UTF-8' (comma), then try again.",
                row=1,
            )
        raise InvalidData.single(
            table.name,
            f"missing column{'s' if len(missing) > 1 else ''} {', '.join(f'`{c}`' for c in missing)} "
            f"(found: {found}). The header row must name {', '.join(columns)}.",
            row=1,
        )
    if not unnamed:
        return table
    keep = [i for i in range(len(names)) if i not in unnamed]
    return replace(table, frame=table.frame.iloc[:, keep])


def _read_binary(path: Path, reader, kind: str):  # type: ignore[no-untyped-def]
    """Run a library's reader; a damaged file becomes one sentence that says what to do."""
    if path.stat().st_size == 0:
        raise InvalidData.single(path, f"the file is empty, so it is not {kind}. Write or export it again.")
    try:
        result = reader(path)
    except Exception as exc:  # openpyxl and pyarrow raise many types for a damaged file
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InvalidData.single(
            path,
            f"cannot be read as {kind}: it is damaged, or another kind of file renamed ({detail}). "
            "Open it in the program that made it and save it again, or save it as 'CSV UTF-8'.",
        ) from None
    if isinstance(result, pd.DataFrame):
        return _table(path, result, 1)  # Parquet has no header row
    return result


def _table(path: Path, frame: pd.DataFrame, first: int, *, sheet: str = "") -> Table:
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    frame = frame.map(_cell_text).astype(object)
    keep = (frame != "").any(axis=1)
    rows = [i + first for i in range(len(frame)) if keep.iloc[i]]
    return Table(path, frame[keep].reset_index(drop=True), rows, "binary", "", sheet=sheet)


def _cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
