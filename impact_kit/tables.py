"""Read the tables users drop in ``data/``: CSV (any dialect Excel writes), XLSX, Parquet.

Every cell comes back as text, exactly as written in the file (no trimming, no
"NA" turned into a missing value): validation decides what a cell means, and
testimonies stay verbatim. Rows keep the number a spreadsheet shows (header = 1).
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from impact_kit.exceptions import InputProblem, InvalidData

__all__ = ["SUFFIXES", "EncodingWarning", "Table", "atomic_write", "read_table"]

SUFFIXES = (".csv", ".xlsx", ".parquet")
# The csv module refuses cells over 131,072 characters by default; a testimony may be longer.
# Its limit is a C long, so 2**31 - 1 is the largest value every platform accepts.
_NO_FIELD_LIMIT = 2**31 - 1
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")


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
    """

    path: Path
    frame: pd.DataFrame
    rows: list[int]
    encoding: str = "utf-8"
    separator: str = ","
    ragged: list[tuple[int, int]] = field(default_factory=list)

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
        """The file's path as the user gave it, for messages."""
        return str(self.path)


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
        raise InvalidData.single(path, "the file does not exist. Check the `--data` folder.")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path)
    if suffix == ".xlsx":
        return _read_binary(path, lambda p: pd.read_excel(p, dtype=object, header=0), "an Excel workbook")
    if suffix == ".parquet":
        return _read_binary(path, pd.read_parquet, "a Parquet file")
    raise InvalidData.single(path, f"unsupported file type {suffix!r}; use one of {list(SUFFIXES)}.")


def _read_csv(path: Path) -> Table:
    raw = path.read_bytes()
    if not raw.strip():
        raise InvalidData.single(path, "the file is empty. It needs a header row and one row per record.")
    if b"\x00" in raw:
        raise InvalidData.single(
            path,
            "the file holds NUL bytes, so it is not a text CSV file (a binary or UTF-16 file?). "
            "Save it again as 'CSV UTF-8' or 'CSV (separator: semicolon)'.",
        )
    encoding = "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8"
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError:
            raise InvalidData.single(
                path, "the file is neither UTF-8 nor Windows-1252 text. Save it again as 'CSV UTF-8'."
            ) from None
        encoding = "cp1252"
        warnings.warn(
            f"{path.name} is not UTF-8; it was read as Windows-1252 (Excel's default). "
            "Save it as 'CSV UTF-8' to be sure accents are read right.",
            EncodingWarning,
            stacklevel=3,
        )
    header = text.split("\n", 1)[0]
    separator = ";" if header.count(";") > header.count(",") else ","
    del raw  # a long testimony is held once, as text
    reader = csv.reader(_lines(text), delimiter=separator, strict=True)
    limit = csv.field_size_limit(_NO_FIELD_LIMIT)
    records: list[list[str]] = []
    try:
        while True:
            start = reader.line_num + 1  # the record that fails starts on the line after the last one read
            records.append(next(reader))
    except StopIteration:
        pass
    except csv.Error as exc:
        raise InvalidData.single(path, f"the CSV cannot be parsed ({exc}): {_csv_advice(exc)}", row=start) from None
    finally:
        csv.field_size_limit(limit)
    columns = [c.strip().lower() for c in records[0]]
    body, rows, ragged = [], [], []
    # csv.reader does not give each record's starting line; count the quoted newlines instead.
    line = 2
    for record in records[1:]:
        if any(cell != "" for cell in record):
            if len(record) > len(columns):
                ragged.append((line, len(record)))
            body.append((record + [""] * len(columns))[: len(columns)])
            rows.append(line)
        line += 1 + sum(cell.count("\n") for cell in record)
    frame = pd.DataFrame(body, columns=columns, dtype=object)
    return Table(path, frame, rows, encoding, separator, ragged)


def _lines(text: str) -> Iterator[str]:
    """Yield the lines of ``text`` with their ends, as ``open(newline="")`` would, without copying it whole.

    ``io.StringIO`` would hold a second copy of the text, four bytes per character.
    """
    for match in _LINE.finditer(text):
        if match.group():
            yield match.group()


def _csv_advice(error: csv.Error) -> str:
    if "end of data" in str(error):
        return (
            'a cell that starts with a quote (") on this row is never closed. '
            "Close the quote, or save the file again from a spreadsheet as 'CSV UTF-8'."
        )
    return (
        'inside a quoted cell a quote must be doubled (""). '
        "Fix the cell, or save the file again from a spreadsheet as 'CSV UTF-8'."
    )


def _read_binary(path: Path, reader, kind: str) -> Table:  # type: ignore[no-untyped-def]
    try:
        frame = reader(path)
    except Exception as exc:  # openpyxl and pyarrow raise many types for a damaged file
        raise InvalidData.single(path, f"cannot be read as {kind} ({type(exc).__name__}: {exc}).") from None
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    frame = frame.map(_cell_text).astype(object)
    keep = frame.ne("").any(axis=1)
    first = 2 if path.suffix.lower() == ".xlsx" else 1  # Parquet has no header row
    rows = [i + first for i in range(len(frame)) if keep.iloc[i]]
    return Table(path, frame[keep].reset_index(drop=True), rows, "binary", "")


def _cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@contextmanager
def atomic_write(path: str | Path, mode: str = "w", **kwargs: object) -> Iterator[io.IOBase]:
    """Open a temporary file beside ``path`` and rename it over ``path`` on success.

    A reader never sees a half-written file, and a failure leaves ``path`` as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    # mkstemp makes the file private; give it the mode a plain open() would (or the old file's).
    os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~_umask())
    try:
        with os.fdopen(fd, mode, **kwargs) as handle:  # type: ignore[call-overload]
            yield handle
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
