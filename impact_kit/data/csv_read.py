"""CSV files as Excel and people write them: the encoding, the separator, quotes, and rows as a spreadsheet counts them.

:func:`read_csv` is what :func:`impact_kit.data.read.read_table` does with a ``.csv``: Arrow's
parser for the common case, pandas' C parser for rows shorter than the header, and the
``csv`` module for what both refuse or would read wrongly, with its messages.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from impact_kit.data.bounds import RowMap, check_cells, drop_blank_records
from impact_kit.data.table import EncodingWarning, Table
from impact_kit.exceptions import InvalidData

__all__ = ["read_csv"]

# The csv module refuses cells over 131,072 characters by default; a testimony may be longer.
# Its limit is a C long, so 2**31 - 1 is the largest value every platform accepts.
_NO_FIELD_LIMIT = 2**31 - 1
# A quoted cell (its opening quote starts a field): its closing quote and the byte after it, or ""
# if it never closes. The quote comes first so that the search jumps from quote to quote.
_QUOTED = {
    sep: re.compile(rb'"(?<=[%s\r\n]")(?:[^"]++|"")*+("(?:.|\Z)|\Z)' % sep.encode(), re.DOTALL) for sep in (",", ";")
}
_AS_IS = RowMap()  # no blank record was dropped: rows are the file's


def read_csv(path: Path) -> Table:
    """Return a CSV file's cells as text, rows numbered as a spreadsheet shows them.

    Raises
    ------
    InvalidData
        If the file is empty, not text, or not a table (a message per problem).
    """
    raw = path.read_bytes()
    if not raw or raw.isspace():
        raise InvalidData.single(path, "the file is empty. It needs a header row and one row per record.")
    if b"\x00" in raw:
        raise InvalidData.single(
            path,
            "the file holds NUL bytes, so it is not a text CSV file (a binary or UTF-16 file?). "
            "Save it again as 'CSV UTF-8' or 'CSV (separator: semicolon)'.",
        )
    header = raw.split(b"\n", 1)[0]
    separator = ";" if header.count(b";") > header.count(b",") else ","
    # Blank records cost a row of empty cells each: they go before a parser sees them (64 MiB of line
    # feeds took 11.5 GB), and the rows keep the numbers a spreadsheet shows (``renumber``).
    raw, renumber = drop_blank_records(raw, separator)
    encoding = _encoding(path, raw)
    check_cells(path, raw, separator, len(next(_records(header, encoding, separator), [])))
    table = _read_csv_fast(path, raw, encoding, separator) if _quotes_close(raw, separator) else None
    if table is None:
        # The csv module's verdict, messages and row numbers, record by record: ragged rows, stray quotes.
        table = _read_csv_records(path, raw, encoding, separator, renumber)
    if not renumber.starts:
        return table
    ragged = list(zip(renumber.rows([r for r, _ in table.ragged]), [n for _, n in table.ragged], strict=True))
    return replace(table, rows=renumber.rows(table.rows), ragged=ragged)


def _encoding(path: Path, raw: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 with a warning; InvalidData if neither decodes."""
    encoding = "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8"
    try:
        raw.decode(encoding)
    except UnicodeDecodeError:
        try:
            raw.decode("cp1252")
        except UnicodeDecodeError:
            raise InvalidData.single(
                path, "the file is neither UTF-8 nor Windows-1252 text. Save it again as 'CSV UTF-8'."
            ) from None
        encoding = "cp1252"
        warnings.warn(
            f"{path.name} is not UTF-8; it was read as Windows-1252 (Excel's default). "
            "Save it as 'CSV UTF-8' to be sure accents are read right.",
            EncodingWarning,
            stacklevel=4,
        )
    return encoding


def _records(raw: bytes, encoding: str, separator: str) -> Iterator[list[str]]:
    """Return the file's records as the csv module reads them (strictly), decoded as a stream."""
    stream = io.TextIOWrapper(io.BytesIO(raw), encoding=encoding, newline="")
    return csv.reader(stream, delimiter=separator, strict=True)


def _quotes_close(raw: bytes, separator: str) -> bool:
    """Return True if every quoted cell is closed and followed by the separator, a line end or the file's end.

    The csv module (strict) refuses ``"a"b``; pandas' parser reads it as ``ab``. Quotes,
    separators and line ends are ASCII bytes that neither UTF-8 nor Windows-1252 uses
    inside another character, so the bytes are searched as they are, in C.
    """
    ends = {b'"' + end for end in (separator.encode(), b"\r", b"\n", b"")}
    return set(_QUOTED[separator].findall(b"\n" + raw)) <= ends  # searched after a line end: row 1 starts a field


def _read_csv_fast(path: Path, raw: bytes, encoding: str, separator: str) -> Table | None:
    """Read a CSV with Arrow's parser (or pandas' C parser), cells as text (Arrow strings), verbatim.

    None (the caller then reads the file with the csv module) when a record is wider than
    the header, a quote is never closed, or the header row is blank. The caller has
    checked that every quoted cell closes where the csv module would have it close.
    """
    frame = _arrow_csv(raw, encoding, separator)
    if frame is None:  # Arrow refuses a record shorter than the header; pandas pads it
        try:
            frame = pd.read_csv(
                io.BytesIO(raw),
                sep=separator,
                header=None,
                dtype="str",
                na_filter=False,
                keep_default_na=False,
                skip_blank_lines=False,
                encoding=encoding,
                engine="c",
            )
        except pd.errors.ParserError:
            return None
    header = frame.iloc[0]
    if not header.ne("").any():
        return None
    body = frame.iloc[1:]
    body.columns = [str(c).strip().lower() for c in header]
    keep = (body != "").any(axis=1).to_numpy()
    # A spreadsheet row is a record, whatever newlines its quoted cells hold: the header is row 1.
    rows = (np.flatnonzero(keep) + 2).tolist()
    return Table(path, body[keep].reset_index(drop=True), rows, encoding, separator, [])


def _arrow_csv(raw: bytes, encoding: str, separator: str) -> pd.DataFrame | None:
    """Every record as a row of text cells with Arrow's CSV reader; None if a record has another width."""
    width = len(next(_records(raw.split(b"\n", 1)[0], encoding, separator), []))
    try:
        table = pa_csv.read_csv(
            pa.py_buffer(raw),
            read_options=pa_csv.ReadOptions(
                autogenerate_column_names=True,
                encoding=encoding,
                use_threads=False,  # the kit's processes share the cores already
                block_size=max(1 << 20, min(len(raw) + 1, 2**31 - 1)),  # a cell never straddles two blocks
            ),
            parse_options=pa_csv.ParseOptions(delimiter=separator, newlines_in_values=True, ignore_empty_lines=False),
            convert_options=pa_csv.ConvertOptions(
                column_types={f"f{i}": pa.string() for i in range(width)},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid:
        return None
    if table.num_columns != width or any(not pa.types.is_string(t) for t in table.schema.types):
        return None
    text = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' default text dtype ("str")
    return table.to_pandas(types_mapper={pa.string(): text}.get)


def _read_csv_records(path: Path, raw: bytes, encoding: str, separator: str, renumber: RowMap = _AS_IS) -> Table:
    """Read a CSV record by record (rows wider than the header are cut and listed in ``ragged``)."""
    records: list[list[str]] = []
    limit = csv.field_size_limit(_NO_FIELD_LIMIT)
    try:
        records.extend(_records(raw, encoding, separator))
    except csv.Error as exc:
        # The header is row 1: the record that fails is the one after the last read.
        raise InvalidData.single(
            path, f"the CSV cannot be parsed ({exc}): {_csv_advice(exc)}", row=renumber.rows([len(records) + 1])[0]
        ) from None
    finally:
        csv.field_size_limit(limit)
    columns = [c.strip().lower() for c in records[0]]
    body, rows, ragged = [], [], []
    for row, record in enumerate(records[1:], start=2):  # spreadsheet rows: one a record, the header is 1
        if any(cell != "" for cell in record):
            if len(record) > len(columns):
                ragged.append((row, len(record)))
            body.append((record + [""] * len(columns))[: len(columns)])
            rows.append(row)
    frame = pd.DataFrame(body, columns=columns, dtype=object)
    return Table(path, frame, rows, encoding, separator, ragged)


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
