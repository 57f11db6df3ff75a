"""The names to mask in testimonies: ``data/redact.csv``, read and checked.

``redact.csv`` (or ``.xlsx``, ``.parquet``) lists the names and nicknames that
:func:`impact_kit.text.masking.redact` replaces when a report is pseudonymised: ``site``
(empty: every site), ``text`` and, optionally, ``replacement``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from impact_kit.data.read import Table, find_files, read_table, require_columns
from impact_kit.exceptions import InputProblem, InvalidData

__all__ = ["REDACT_COLUMNS", "Name", "load_redactions"]

#: The columns of ``data/redact.csv`` (``replacement`` may be left out).
REDACT_COLUMNS = ("site", "text", "replacement")


@dataclass(frozen=True)
class Name:
    """A name or nickname to mask, as a line of ``redact.csv`` gives it.

    Attributes
    ----------
    text : str
        The name as written (matched whatever its case and accents, as whole words).
    replacement : str or None
        What replaces it; None for the numbered placeholder.
    number : int
        The placeholder's number (``[personne 1]``): stable for the site, in file order.
    """

    text: str
    replacement: str | None = None
    number: int = 1


@lru_cache(maxsize=4)
def _read(path: Path, size: int, mtime_ns: int) -> Table:
    """Read ``redact.csv`` once while it is unchanged (a batch asks for every pseudonymised site's names)."""
    return require_columns(read_table(path), REDACT_COLUMNS[:2])


def load_redactions(data: str | Path, site: str, *, sites: Collection[str] | None = None) -> list[Name]:
    """Return the names to mask in the testimonies of ``site``, from ``data/redact.csv``.

    ``redact.csv`` (or ``.xlsx``, ``.parquet``) has the columns ``site`` (empty: every
    site), ``text`` (a name or nickname) and, optionally, ``replacement``. Rows without
    a replacement are numbered for the site in the order of the file: ``[personne 1]``,
    ``[personne 2]``...

    Parameters
    ----------
    data : str or Path
        The data folder.
    site : str
        The site whose testimonies are masked.
    sites : collection of str, optional
        The known site ids: a row naming another site is then refused (a typo there
        would leave a name unmasked without a word).

    Returns
    -------
    list of Name
        In file order; empty if there is no ``redact`` file.

    Raises
    ------
    InvalidData
        If the file is unreadable, lacks the ``site`` or ``text`` column, has a row
        with no text, or (with ``sites``) a row naming an unknown site.
    """
    files = [p for p in find_files(data, "redact") if p.stem.lower() == "redact"]
    if not files:
        return []
    stat = files[0].stat()
    table = _read(files[0], stat.st_size, stat.st_mtime_ns)
    replacements: Sequence[str] = (
        list(table.frame["replacement"]) if "replacement" in table.frame else [""] * len(table.frame)
    )
    problems = table.ragged_problems()
    known = None if sites is None else set(sites)
    names, number = [], 0
    for row, row_site, text, replacement in zip(
        table.rows, table.frame["site"], table.frame["text"], replacements, strict=True
    ):
        if not text.strip():
            problems.append(
                InputProblem(table.name, "the name to mask is empty. Fill in `text` or drop the row.", row, "text")
            )
            continue
        if known is not None and row_site.strip() not in known and row_site.strip():
            problems.append(
                InputProblem(
                    table.name,
                    f"unknown site {row_site.strip()!r}, so this name would be masked nowhere. "
                    "Use a site id of sites.csv, or leave `site` empty for every site.",
                    row,
                    "site",
                    row_site,
                )
            )
            continue
        if row_site.strip() not in ("", site):
            continue
        if replacement.strip():
            names.append(Name(text.strip(), replacement))
        else:
            number += 1
            names.append(Name(text.strip(), None, number))
    if problems:
        raise InvalidData(problems)
    return names
