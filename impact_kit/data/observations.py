"""Read, validate and select observations: the tidy table every report reads.

``data/sites.csv`` lists the sites (``site,name,city,postcode,kind`` + any extra
columns); ``data/observations*.csv`` (or ``.xlsx``, ``.parquet``) hold one row per
answer: ``site,year,criterion,question,value``. See README.md, "Data format".
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from impact_kit.data.read import Table, find_files, read_tables, require_columns
from impact_kit.data.sites import MAX_ID_LENGTH, SITE_COLUMNS, is_slug, load_sites, site_identity, slugify
from impact_kit.exceptions import InputProblem, InvalidData
from impact_kit.files import resolve_data
from impact_kit.grid.file import default_grid
from impact_kit.grid.model import NOT_ASKED, SINGLE_VALUED, Grid, Question

__all__ = [
    "MAX_ID_LENGTH",
    "OBSERVATION_COLUMNS",
    "SITE_COLUMNS",
    "YEAR_RANGE",
    "ExtraColumnsWarning",
    "as_number",
    "check_value",
    "find_files",
    "is_slug",
    "load_observations",
    "load_sites",
    "normalise_table",
    "number_text",
    "select_site",
    "select_site_year",
    "select_year",
    "site_identity",
    "slugify",
    "validate_table",
]

OBSERVATION_COLUMNS = ("site", "year", "criterion", "question", "value")


class ExtraColumnsWarning(UserWarning):
    """Issued when observations files have columns beyond :data:`OBSERVATION_COLUMNS` (kept, not checked)."""


YEAR_RANGE = (1990, 2100)


def load_observations(
    data: str | Path = "data", *, grid: Grid | None = None, sites: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Read every ``observations*`` file of ``data`` and validate it against the grid.

    Parameters
    ----------
    data : str or Path
        The data folder (holding ``sites.csv`` and ``observations*.csv|xlsx|parquet``).
    grid : Grid, optional
        The grid to validate against; the Commune Mesure grid by default.
    sites : pandas.DataFrame, optional
        The sites table, as :func:`load_sites` returns it; read from ``data`` if omitted.

    Returns
    -------
    pandas.DataFrame
        The tidy table: ``site`` (string), ``year`` (int), ``criterion``, ``question``,
        ``value`` (string, testimonies verbatim), ``source`` (the file's name), then
        any extra columns of the files, as text ("" where a file lacks one).
        Every sheet of a workbook with the observations header is read.

    Raises
    ------
    InvalidData
        Listing every problem found: file, row, column, value and what to do; also
        when the files hold no observation at all.

    Warns
    -----
    ExtraColumnsWarning
        Once, naming the extra columns, when there are any.
    SheetsWarning
        Naming the sheets of a workbook that were not read.
    """
    grid = grid or default_grid()
    data = resolve_data(data)
    if sites is None:
        sites = load_sites(data)
    files = find_files(data, "observations")
    if not files:
        raise InvalidData.single(
            Path(data) / "observations.csv",
            "the file does not exist. Create it with the "
            f"columns {', '.join(OBSERVATION_COLUMNS)}, or import data first.",
        )
    tables = [
        require_columns(t, OBSERVATION_COLUMNS)
        for path in files
        for t in read_tables(path, columns=OBSERVATION_COLUMNS)
    ]
    tables = [normalise_table(table, grid) for table in tables]
    problems = [
        p for table in tables for p in [*table.ragged_problems(), *validate_table(table, grid, set(sites.index))]
    ]
    problems += _single_answer_problems(tables, grid)
    problems += [
        InputProblem(t.name, "the column `source` is the kit's own (it names each row's file); rename it.", 1)
        for t in tables
        if "source" in t.frame
    ]
    if problems:
        raise InvalidData(problems)
    if not any(len(t.frame) for t in tables):
        raise InvalidData.single(
            ", ".join(t.name for t in tables),
            "the observations files hold a header row but no observations. Add one row per answer, "
            "or import data with `impact-kit import`.",
        )
    frames = [t.frame.assign(source=t.path.name) for t in tables]
    obs = pd.concat(frames, ignore_index=True)
    extra = [c for c in obs.columns if c not in (*OBSERVATION_COLUMNS, "source")]
    obs = obs[[*OBSERVATION_COLUMNS, "source", *extra]]
    if extra:
        obs[extra] = obs[extra].fillna("")
        warnings.warn(
            f"{data}: the observations have extra columns {', '.join(f'`{c}`' for c in extra)}; they are kept "
            "in the table that `load_observations` returns, as text, and are not checked.",
            ExtraColumnsWarning,
            stacklevel=2,
        )
    obs["year"] = _per_distinct(obs["year"], as_number, "int64")
    return obs.astype({c: "string" for c in ("site", "criterion", "question", "value", "source", *extra)})


def normalise_table(table: Table, grid: Grid) -> Table:
    """Return the table with each id, year and number in one spelling, before any rule is checked.

    Ids (``site``, ``criterion``, ``question``) and answers that are option ids or
    keywords lose their surrounding spaces; years and numbers written ``2021.0``,
    `` 2021`` or ``3,5`` become ``2021`` and ``3.5``. Testimonies, and cells that do not
    parse (validation names them), are left exactly as written.

    Parameters
    ----------
    table : Table
        An observations table with the columns of :data:`OBSERVATION_COLUMNS`.
    grid : Grid
        The grid that says which questions take numbers and which take text.

    Returns
    -------
    Table
        The same table (same rows, row numbers and extra columns) with a normalised copy of its frame.
    """
    frame = table.frame.copy()
    for column in ("site", "criterion", "question"):
        frame[column] = _respell(frame[column], str.strip)
    frame["year"] = _respell(frame["year"], _whole_number_text)
    kinds = _pair_kinds(frame, grid)[1]
    for kind, spell in ((_NUMBER, _number_spelling), (_OPTION, str.strip)):
        chosen = np.flatnonzero(kinds == kind)
        frame["value"] = _respell(frame["value"], spell, chosen)
    return replace(table, frame=frame)


# What normalisation does to a value, by the kind of its question.
_VERBATIM, _NUMBER, _OPTION = 0, 1, 2


def _respell(cells: pd.Series, function: Callable[[str], str], rows: np.ndarray | None = None) -> pd.Series:
    """``cells.map(function)`` (on ``rows`` only, if given), calling it once per distinct cell.

    Ids, years and options repeat a lot: a million rows hold a few thousand distinct cells,
    and most are spelled as they should be already: ``cells`` itself is returned if none changes.
    """
    subset = cells if rows is None else cells.iloc[rows]
    codes, distinct = pd.factorize(subset)
    spelled = np.array([function(cell) for cell in distinct] + [None], dtype=object)
    changed = np.array([new != old for new, old in zip(spelled, distinct, strict=False)] + [False])
    where = np.flatnonzero(changed[codes])
    if not len(where):
        return cells
    cells = cells.copy()
    cells.iloc[where if rows is None else rows[where]] = spelled[codes[where]]
    return cells


def _per_distinct(cells: pd.Series, function: Callable[[str], Any], dtype: Any) -> np.ndarray:
    """``cells.map(function)`` as an array of ``dtype``, calling it once per distinct cell."""
    codes, distinct = pd.factorize(cells)
    return np.array([function(cell) for cell in distinct] + [0], dtype=dtype)[codes]


def _codes(*columns: Any) -> np.ndarray:
    """One integer per row that is equal for two rows exactly when each of ``columns`` is."""
    key = np.zeros(len(columns[0]), dtype=np.int64)
    for column in columns:
        codes, distinct = pd.factorize(column)
        key = pd.factorize(key * max(len(distinct), 1) + codes)[0]
    return key


def _pair_kinds(frame: pd.DataFrame, grid: Grid) -> tuple[np.ndarray, np.ndarray, list[Question | None]]:
    """Each row's (criterion, question) pair code, the kind of its question, and each pair's question."""
    criterion_codes, criteria = pd.factorize(frame["criterion"])
    question_codes, question_ids = pd.factorize(frame["question"])
    width = max(len(question_ids), 1)
    codes, pairs = pd.factorize(criterion_codes.astype(np.int64) * width + question_codes)
    questions = [
        grid.question(str(criteria[int(pair) // width]), str(question_ids[int(pair) % width])) for pair in pairs
    ]
    kinds = np.array(
        [
            _VERBATIM if q is None or q.type == "testimony" else _NUMBER if q.type in ("number", "scale") else _OPTION
            for q in questions
        ]
        + [_VERBATIM],
        dtype=np.int8,
    )
    return codes, kinds[codes], questions


def _number_spelling(value: str) -> str:
    number = as_number(value)
    return value.strip() if number is None else number_text(number)


def number_text(number: float) -> str:
    """Return the one spelling of a number: ``2021`` for 2021.0, ``3.5`` for 3.5."""
    return str(int(number)) if number.is_integer() else repr(number)


def _whole_number_text(cell: str) -> str:
    number = as_number(cell)
    return number_text(number) if number is not None and number.is_integer() else cell.strip()


def validate_table(table: Table, grid: Grid, sites: set[str]) -> list[InputProblem]:
    """Return the problems of each row of an observations table, taken on its own.

    Checks sites, years, criteria, questions, option ids, numbers, scales and empty
    values. Rules across rows (one answer to a single-choice question) are checked
    by :func:`load_observations`.
    """
    frame = table.frame
    site_bad = ~frame["site"].isin(list(sites)).to_numpy()
    year_bad = _per_distinct(frame["year"], _not_a_year, bool)
    owners = {c: grid.criterion(c) or grid.level(c) for c in pd.unique(frame["criterion"])}
    pair_codes, kinds, questions = _pair_kinds(frame, grid)
    values = frame["value"]
    # Only rows with an answer to a known question, not a testimony, can hold a value that does not fit.
    checked = np.flatnonzero(np.isin(kinds, (_NUMBER, _OPTION)))
    combos = _codes(pair_codes[checked], values.iloc[checked])  # 0, 1, ... in order of first appearance
    firsts = np.unique(combos, return_index=True)[1]  # where each distinct (question, value) first appears
    # A blank answer gets "" (the loop below says it is empty), a value that does not fit its message.
    verdicts = [
        check_value(questions[pair_codes[at]], value) if (value := str(values.iat[at])).strip() else ""
        for at in checked[firsts]
    ]
    messages = np.full(len(frame), None, dtype=object)
    messages[checked] = np.array([*verdicts, None], dtype=object)[combos]
    # `<criterion or level>,asked,no`: the source did not ask it (grid.model.NOT_ASKED); no grid question has that id.
    marker = frame["question"].eq(NOT_ASKED).to_numpy(dtype=bool, na_value=False)
    unknown = np.array([q is None for q in questions] + [False])[pair_codes] & ~marker
    marker_bad = marker & ~values.eq("no").to_numpy(dtype=bool, na_value=False)
    suspects = site_bad | year_bad | unknown | marker_bad | values.eq("").to_numpy() | pd.notna(messages)
    problems: list[InputProblem] = []

    def problem(row: int, column: str, value: str, message: str) -> None:
        problems.append(InputProblem(table.name, message, row, column, value))

    # The rules in the order a row is read, for the rows that may break one (the others pass them all).
    for at in np.flatnonzero(suspects).tolist():
        row, site, year, criterion, question_id, value = (
            table.rows[at],
            *(str(frame[c].iat[at]) for c in ("site", "year", "criterion", "question", "value")),
        )
        if site_bad[at]:
            problem(row, "site", site, f"unknown site {site!r}. Add it to sites.csv or fix the id.")
        if year_bad[at]:
            problem(
                row,
                "year",
                year,
                f"{year!r} is not a year between {YEAR_RANGE[0]} and {YEAR_RANGE[1]}. Fix the cell or drop the row.",
            )
        owner = owners[criterion]
        if owner is None:
            problem(
                row,
                "criterion",
                criterion,
                f"unknown criterion {criterion!r}. Use an id of the grid "
                f"`{grid.id}`: {', '.join(c.id for c in grid.criteria)}, or a level id.",
            )
            continue
        if marker[at]:
            if marker_bad[at]:
                problem(
                    row, "value", value, f"a row `{NOT_ASKED}` says the source did not ask; its value must be `no`."
                )
            continue
        question = questions[pair_codes[at]]
        if question is None:
            problem(
                row,
                "question",
                question_id,
                f"criterion `{criterion}` has no question {question_id!r}. "
                f"Use one of: {', '.join(q.id for q in owner.questions)}.",
            )
            continue
        if value == "" or (question.type != "testimony" and not value.strip()):
            problem(row, "value", value, "the answer is empty. Fill it in or drop the row.")
            continue
        if messages[at]:
            problem(row, "value", value, messages[at])
    return problems


def _not_a_year(cell: str) -> bool:
    number = as_number(cell)
    return number is None or not number.is_integer() or not YEAR_RANGE[0] <= number <= YEAR_RANGE[1]


#: The largest magnitude an answer may have where the grid sets no maximum: beyond, a typo, not a count.
LARGEST = 1e12


def check_value(question: Question, value: str) -> str | None:
    """Return what is wrong with ``value`` as an answer to ``question``, or None if it fits."""
    if question.is_choice and not question.open and question.option(value) is None:
        ids = ", ".join(o.id for o in question.options)
        return f"{value!r} is not an option of question `{question.id}`. Use one of: {ids}."
    if question.type in ("number", "scale"):
        number = as_number(value)
        if number is None:
            return f"{value!r} is not a number; question `{question.id}` takes a number."
        if question.type == "scale" and not number.is_integer():
            return f"{value!r} is not a whole number; question `{question.id}` takes a whole number."
        low = question.min if question.min is not None else float("-inf")
        high = question.max if question.max is not None else float("inf")
        if question.max is None and abs(number) >= LARGEST:
            return (
                f"{number:.6g} is too large to be an answer; question `{question.id}` takes a value below "
                f"{LARGEST:,.0f}. Check the value for a typo."
            )
        if not low <= number <= high:
            bounds = f"between {question.min} and {question.max}" if question.max is not None else f"at least {low}"
            return f"{value} is out of range; question `{question.id}` takes a value {bounds}."
    return None


def _single_answer_problems(tables: list[Table], grid: Grid) -> list[InputProblem]:
    """Two answers to a question that takes one, or the same option twice, per site and year."""
    parts = []
    for number, table in enumerate(tables):
        pair_codes, kinds, questions = _pair_kinds(table.frame, grid)
        answered = np.flatnonzero(kinds != _VERBATIM)  # a known question, not a testimony
        single = np.array([q is not None and q.type in SINGLE_VALUED for q in questions] + [False])[pair_codes]
        part = table.frame.iloc[answered][list(OBSERVATION_COLUMNS)]
        # A single-choice question's key leaves its value out: a second answer is a duplicate, whatever it says.
        part["value"] = part["value"].where(~single[answered], "")
        parts.append(part.assign(table=number, at=answered))
    every = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=[*OBSERVATION_COLUMNS, "table"])
    # Only rows whose key is taken twice can break the rule: look at them alone, in file then row order.
    twice = every[pd.Series(_codes(*(every[c] for c in OBSERVATION_COLUMNS))).duplicated(keep=False).to_numpy()]
    seen: dict[tuple[str, ...], tuple[str, int]] = {}
    problems = []
    for number, at in zip(twice["table"].tolist(), twice["at"].tolist(), strict=True):
        table = tables[number]
        row = table.rows[at]
        key = tuple(str(table.frame[c].iat[at]) for c in OBSERVATION_COLUMNS)
        question = grid.question(key[2], key[3])
        if question is None or question.type == "testimony":
            continue
        single = question.type in SINGLE_VALUED
        ident = key[:4] if single else key
        if ident in seen:
            first_file, first_row = seen[ident]
            what = (
                "takes one answer per site and year"
                if single
                else f"already has the answer {key[4]!r} for this site and year"
            )
            problems.append(
                InputProblem(
                    table.name,
                    f"question `{key[2]}.{key[3]}` {what} (see {first_file}, row {first_row}). "
                    "Keep one row and drop the other.",
                    row,
                    "value",
                    key[4],
                )
            )
        else:
            seen[ident] = (table.name, row)
    return problems


def as_number(text: str) -> float | None:
    """Parse a number as a person types it ("12", "3,5", "2021.0"); None if it is not one."""
    try:
        number = float(text.strip().replace(",", "."))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def select_site_year(observations: pd.DataFrame, site: str, year: int) -> pd.DataFrame:
    """Return the observations of one site for one year."""
    return observations[(observations["site"] == site) & (observations["year"] == int(year))]


def select_site(observations: pd.DataFrame, site: str) -> pd.DataFrame:
    """Return the observations of one site, every year."""
    return observations[observations["site"] == site]


def select_year(observations: pd.DataFrame, year: int) -> pd.DataFrame:
    """Return the observations of every site for one year."""
    return observations[observations["year"] == int(year)]
