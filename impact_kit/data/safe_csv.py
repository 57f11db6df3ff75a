"""CSV cells a spreadsheet will not run: OWASP's rule against formula injection.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by
Excel, LibreOffice and Google Sheets as a formula (``=HYPERLINK(...)``, ``@SUM(...)``),
which can fetch a URL or run a command. Every CSV the kit writes (``indicators.csv``, the
charts' figures) passes its text through :func:`neutralise`: such a cell gets a leading
apostrophe, which a spreadsheet shows as text and does not display. Numbers are left
as they are (a negative number stays a number).
"""

from __future__ import annotations

import pandas as pd

__all__ = ["FORMULA_STARTS", "neutralise", "safe_cell"]

#: The first characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """Return ``value`` with a leading apostrophe if it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``frame`` whose text cells, index and column names cannot be read as formulas."""
    safe = frame.copy()
    for column in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[column]) and not pd.api.types.is_bool_dtype(safe[column]):
            safe[column] = safe[column].map(safe_cell)
    safe.columns = safe.columns.map(safe_cell)
    if isinstance(safe.index, pd.MultiIndex):
        if len(safe.index):
            safe.index = pd.MultiIndex.from_tuples(
                [tuple(safe_cell(v) for v in key) for key in safe.index], names=safe.index.names
            )
    else:
        safe.index = safe.index.map(safe_cell)
    return safe
