r"""What reading a file may cost: blank records dropped as a stream, bombs refused before they are read.

A CSV padded with millions of blank lines (``\n`` or ``,,,,``) cost the parsers one row of
empty cells per line, times the header's width: 64 MiB of line feeds in an ODK export took
11.5 GB. :func:`drop_blank_records` removes them from the bytes before any parser sees them
(quoted cells, whose line breaks belong to a testimony, are left whole) and keeps what the
rows' numbers need. What is left is measured against the file's size by :func:`check_cells`,
and an archive's member by :func:`copy_member`, so that no input costs more than a set
multiple of its size.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np

from impact_kit.exceptions import InvalidData

__all__ = [
    "CELL_BYTES",
    "FLOOR_BYTES",
    "MEMBER_LIMIT",
    "SIZE_MULTIPLE",
    "RowMap",
    "check_archive",
    "check_cells",
    "check_parquet",
    "copy_member",
    "drop_blank_records",
    "first_line",
]

#: An archive's member (an export's CSV, a workbook's sheet) that expands beyond this is refused.
MEMBER_LIMIT = 256 << 20
#: What a cell costs the parsers at their peak, in bytes (measured: Arrow, then a pandas frame).
CELL_BYTES = 48
#: A table whose cells would need more than this multiple of its size is refused. A row that names
#: every cell costs at least a byte per cell (its separator), so a real file stays far below it.
SIZE_MULTIPLE = 2 * CELL_BYTES
#: Below this need nothing is refused, however short the rows under a wide header.
FLOOR_BYTES = 64 << 20

_EOL = rb"(?:\r\n|\n|\r(?!\n))"
# A quoted cell: its opening quote starts a field (the file's start, or after a separator or line end).
_QUOTED = {sep: rb'(?:(?<=[%s\r\n])|\A)"(?:[^"]++|"")*+(?:"|\Z)' % sep.encode() for sep in (",", ";")}
# A quoted cell, or a run of blank records that starts after a line end (not inside a "\r\n").
_SCAN = {
    sep: re.compile(
        rb"(?P<quoted>%s)|(?:(?<=\n)|(?<=\r)(?!\n))(?P<blank>(?:%s*+%s)++)" % (_QUOTED[sep], sep.encode(), _EOL),
        re.DOTALL,
    )
    for sep in (",", ";")
}
# A blank record after a line end: most files have none, and are returned as they are. Two patterns that
# start with a literal byte are searched several times faster than their alternation (90 MB: 0.14 s, not 0.9 s).
_HINTS = {
    sep: (re.compile(rb"\n%s*[\r\n]" % sep.encode()), re.compile(rb"\r%s*\r" % sep.encode())) for sep in (",", ";")
}
_QUOTED_CELL = {sep: re.compile(_QUOTED[sep], re.DOTALL) for sep in (",", ";")}


@dataclass(frozen=True)
class RowMap:
    """Where the records of a compacted file were in the file: blank records removed before each gap.

    Attributes
    ----------
    starts : tuple of int
        For each run of removed blank records, the index (from 0, the header) of the first record
        after it, in the compacted file.
    removed : tuple of int
        The blank records removed up to and including that run.
    """

    starts: tuple[int, ...] = ()
    removed: tuple[int, ...] = ()

    def rows(self, rows: Sequence[int]) -> list[int]:
        """Return spreadsheet rows of the compacted file (header = 1) as rows of the file itself."""
        if not self.starts:
            return list(rows)
        records = np.asarray(rows, dtype=np.int64) - 1
        at = np.searchsorted(np.asarray(self.starts), records, side="right") - 1
        shift = np.where(at >= 0, np.asarray(self.removed)[np.maximum(at, 0)], 0)
        return (records + shift + 1).tolist()


def _eols(raw: bytes, start: int, end: int) -> int:
    r"""Count the line ends of ``raw[start:end]``: ``\r\n``, ``\n`` and a lone ``\r``."""
    return raw.count(b"\n", start, end) + raw.count(b"\r", start, end) - raw.count(b"\r\n", start, end)


def drop_blank_records(raw: bytes, separator: str) -> tuple[bytes, RowMap]:
    """Return a CSV's bytes without its blank records after the first, and the map of its rows.

    A blank record holds nothing but separators; outside a quoted cell it is a spreadsheet's
    empty row, which the readers skip anyway. The first record is kept as it is (it is the
    header, or the sign that the header is missing).

    Parameters
    ----------
    raw : bytes
        The file's bytes.
    separator : str
        ``,`` or ``;``.

    Returns
    -------
    tuple of bytes and RowMap
        ``raw`` itself when it has no blank record to drop.
    """
    if not any(hint.search(raw) for hint in _HINTS[separator]):
        return raw, RowMap()
    pieces, starts, removed = [], [], []
    kept = records = quoted_eols = dropped = 0
    for match in _SCAN[separator].finditer(raw):
        if match.lastgroup == "quoted":
            quoted_eols += _eols(raw, *match.span())
            continue
        begin, end = match.span("blank")
        pieces.append(raw[kept:begin])
        records += _eols(raw, kept, begin)
        kept = end
        dropped += _eols(raw, begin, end)
        starts.append(records - quoted_eols)
        removed.append(dropped)
    if not starts:
        return raw, RowMap()
    pieces.append(raw[kept:])
    return b"".join(pieces), RowMap(tuple(starts), tuple(removed))


def check_cells(path: Path | str, raw: bytes, separator: str, width: int) -> None:
    """Refuse a CSV whose cells would need more memory than :data:`SIZE_MULTIPLE` times its size.

    Its records (under a header of ``width`` cells, each padded to that width) are counted
    by their line ends; line ends inside quoted cells are counted apart only when the first
    count is over the bound, since that takes longer.

    Raises
    ------
    InvalidData
        Naming the file, its records and header width, and what to do.
    """
    limit = max(SIZE_MULTIPLE * len(raw), FLOOR_BYTES)
    if (raw.count(b"\n") + raw.count(b"\r") + 1) * width * CELL_BYTES <= limit:  # at most this many records
        return
    records = _eols(raw, 0, len(raw)) + 1
    records -= sum(_eols(raw, *m.span()) for m in _QUOTED_CELL[separator].finditer(raw))
    need = records * width * CELL_BYTES
    if need <= limit:
        return
    raise InvalidData.single(
        path,
        f"the file has {records:,} rows under a header of {width} columns, most of them far shorter than the "
        f"header: reading it would take about {need / 2**30:.1f} GB of memory for a file of "
        f"{len(raw) / 2**20:.1f} MB, so it was not read. Delete the empty or padding rows (a spreadsheet "
        "shows them below the data), or export the file again.",
    )


def check_parquet(path: Path) -> None:
    """Refuse a Parquet file whose cells would need more than :data:`SIZE_MULTIPLE` times its size.

    Parquet stores a run of equal values once, so a file of a few kilobytes can hold
    millions of empty cells; its footer says how many before anything is read. A file
    whose footer cannot be read is left to the reader, which says it is damaged.

    Raises
    ------
    InvalidData
        Naming the file, its rows and columns, and what to do.
    """
    import pyarrow.parquet as pq  # here: only a Parquet file needs it

    try:
        meta = pq.ParquetFile(path).metadata
    except Exception:  # pyarrow raises several types for a damaged file; its reader says so
        return
    size = path.stat().st_size
    need = meta.num_rows * meta.num_columns * CELL_BYTES
    if need > max(SIZE_MULTIPLE * size, FLOOR_BYTES):
        raise InvalidData.single(
            path,
            f"the file holds {meta.num_rows:,} rows of {meta.num_columns} columns: reading them would take about "
            f"{need / 2**30:.1f} GB of memory for a file of {size / 2**20:.1f} MB, so it was not read. "
            "Delete its empty rows, or write the file again.",
        )


def check_archive(path: Path | str) -> None:
    """Refuse a zip (an XLSX workbook is one) with a member that would expand beyond :data:`MEMBER_LIMIT`.

    Python's ``zipfile`` never gives more of a member than the size its directory states,
    so the stated sizes are the bound. A file that is not a zip is left to its reader.

    Raises
    ------
    InvalidData
        Naming the file and its member.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        return
    for member in members:
        if member.file_size > MEMBER_LIMIT:
            raise InvalidData.single(path, _too_large(member.filename))


def _too_large(member: str) -> str:
    return (
        f"its part {member!r} expands to more than {MEMBER_LIMIT >> 20} MB, far more than a table of answers "
        "holds, so it was not read. Export the file again; if it really is that large, import its table as "
        "a CSV file (unzip it, or save the workbook as 'CSV UTF-8')."
    )


def copy_member(archive: zipfile.ZipFile, member: str, target: IO[bytes], *, name: str) -> None:
    """Copy an archive's member to ``target`` as a stream, refusing it beyond :data:`MEMBER_LIMIT`.

    The member's size is counted as it is read, not taken from the archive's directory,
    which a hand-made zip may get wrong.

    Raises
    ------
    InvalidData
        Naming the archive and member, if it expands beyond the limit or is damaged.
    """
    left = MEMBER_LIMIT
    if archive.getinfo(member).file_size > left:
        raise InvalidData.single(name, _too_large(member))
    try:
        with archive.open(member) as source:
            while chunk := source.read(min(1 << 20, left + 1)):
                left -= len(chunk)
                if left < 0:
                    raise InvalidData.single(name, _too_large(member))
                target.write(chunk)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as exc:
        raise InvalidData.single(
            name, f"this member of the zip is damaged ({exc}). Download the export again."
        ) from None


def first_line(archive: zipfile.ZipFile, member: str) -> bytes:
    """Return the first line of an archive's member (at most 1 MB of it), read as a stream."""
    with archive.open(member) as source:
        return source.readline(1 << 20)
