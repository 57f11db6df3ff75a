"""The portfolio: every site of a programme side by side, as tidy tables.

:func:`indicator_table` turns the validated observations (see
:mod:`impact_kit.data.observations`) into one row per site x year x criterion, in
vectorised pandas so that 5,000 sites x 3 years take seconds. The section
functions (:mod:`impact_kit.indicators.portfolio`) read that table and return the
small DataFrames the portfolio report shows and draws. Ids, never labels: the
charts and the report put the grid's labels on them in the report's language.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from impact_kit.data.observations import as_number
from impact_kit.data.safe_csv import neutralise
from impact_kit.files import atomic_write
from impact_kit.grid.model import NOT_ASKED, Grid
from impact_kit.indicators.site import NEGATIVE_STATES, POSITIVE_STATES, STATES, answer_direction

__all__ = [
    "INDICATOR_COLUMNS",
    "indicator_table",
    "numbers",
    "role",
    "with_directions",
    "write_indicators_csv",
]

#: The columns of :func:`indicator_table`, in order (``name`` only when sites are given).
INDICATOR_COLUMNS = (
    "site",
    "name",
    "year",
    "level",
    "criterion",
    "observed",
    "direction",
    "publics",
    "intensity",
    "testimonies",
    "testimony_chars",
    "answered",
    "questions",
)

# What a row of observations means for the indicators (see _row_kinds).
_OTHER, _CHOICE, _NUMBER, _TESTIMONY, _INTENSITY = 0, 1, 2, 3, 4


def role(grid: Grid, name: str) -> str:
    """Return the id the grid gives to a role (``intensity``, ``keywords``, ``testimony``; see ``grid.roles``)."""
    return str(getattr(grid.roles, name))


def numbers(values: pd.Series) -> pd.Series:
    """Parse text as numbers exactly as :func:`impact_kit.data.observations.as_number` does; NaN if not one.

    Vectorised over the distinct values only, so it costs one call per distinct text.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    parsed = np.array([np.nan if (n := as_number(str(u))) is None else n for u in uniques], dtype="float64")
    out = np.full(len(codes), np.nan)
    out[codes >= 0] = parsed[codes[codes >= 0]]
    return pd.Series(out, index=values.index, dtype="float64")


def _codes(values: pd.Series, categories: list[str]) -> np.ndarray:
    """Return each value's position in ``categories`` (-1 if absent or missing), as int64.

    Factorizes first: ``pd.Categorical`` would turn every Arrow string into a Python object.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    position = {c: i for i, c in enumerate(categories)}
    lookup = np.array([position.get(str(u), -1) for u in uniques] + [-1], dtype="int64")
    return lookup[codes]  # the sentinel -1 picks the trailing -1


def _row_kinds(grid: Grid, owners: list[str], questions: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Return, per (owner, question) pair code, what the row is and whether a choice's option set is publics.

    Pair code = owner code * len(questions) + question code.
    """
    testimony, intensity = role(grid, "testimony"), role(grid, "intensity")
    kinds = np.full(len(owners) * len(questions), _OTHER, dtype="int8")
    publics = np.zeros(len(kinds), dtype=bool)
    for owner_id, question in grid.iter_questions():
        code = owners.index(owner_id) * len(questions) + questions.index(question.id)
        if grid.level(owner_id) is not None:
            kinds[code] = _INTENSITY if question.id == intensity else _OTHER
            continue
        if question.id == testimony:
            kinds[code] = _TESTIMONY
        elif question.is_choice:
            kinds[code] = _CHOICE
            publics[code] = bool(grid.publics) and question.option_set == grid.publics
        elif question.type == "number":
            kinds[code] = _NUMBER
    return kinds, publics


def indicator_table(observations: pd.DataFrame, grid: Grid, sites: pd.DataFrame | None = None) -> pd.DataFrame:
    """Return the indicators of every site, year and criterion: one row each, tidy.

    Every criterion of the grid gets a row for every (site, year) that has at least
    one observation, even when nothing was answered for that criterion.

    Parameters
    ----------
    observations : pandas.DataFrame
        The validated tidy observations, as :func:`impact_kit.data.observations.load_observations`
        returns them (``site, year, criterion, question, value``).
    grid : Grid
        The grid they were validated against.
    sites : pandas.DataFrame, optional
        The sites table (:func:`impact_kit.data.observations.load_sites`); adds a ``name`` column.

    Returns
    -------
    pandas.DataFrame
        Sorted by site, year and grid order, with the columns of :data:`INDICATOR_COLUMNS`:

        - ``site`` (str), ``name`` (str, only with ``sites``), ``year`` (int),
          ``level`` and ``criterion`` (grid ids);
        - ``observed`` (bool): an effect was observed, in either direction (``direction`` is
          positive, negative or mixed);
        - ``direction`` (str): the criterion's state, one of
          :data:`impact_kit.indicators.site.STATES`, by the rule of
          :func:`impact_kit.indicators.site.criterion_state`;
        - ``publics`` (int): distinct publics chosen in the criterion's publics question(s);
        - ``intensity`` (float): the 1-5 intensity of the criterion's level that year, NaN if unrated;
        - ``testimonies`` (int) and ``testimony_chars`` (int): how many testimonies, their total length;
        - ``answered`` (int) and ``questions`` (int): the criterion's questions answered, and its total.
    """
    criteria = list(grid.criteria)
    crit_ids = [c.id for c in criteria]
    owners = crit_ids + [lv.id for lv in grid.levels]
    questions = sorted({q.id for _, q in grid.iter_questions()})
    n_crit, n_q = len(crit_ids), len(questions)

    obs = observations
    # (site, year) codes in sorted order, without building tuples: a MultiIndex would at this scale.
    site_codes, site_ids = pd.factorize(obs["site"], sort=True)
    year_codes, year_ids = pd.factorize(obs["year"], sort=True)
    sy_uniques, sy_codes = np.unique(site_codes.astype("int64") * len(year_ids) + year_codes, return_inverse=True)
    sy_codes = sy_codes.astype("int64")
    n_sy = len(sy_uniques)
    owner = _codes(obs["criterion"], owners)
    question = _codes(obs["question"], questions)
    pair = np.where((owner >= 0) & (question >= 0), owner * n_q + question, -1)
    kinds_by_pair, publics_by_pair = _row_kinds(grid, owners, questions)
    kind = np.where(pair >= 0, kinds_by_pair[np.maximum(pair, 0)], -1)
    in_criterion = (owner >= 0) & (owner < n_crit) & (pair >= 0)
    cell = np.where(in_criterion, sy_codes * n_crit + owner, -1)  # (site-year, criterion) of each row
    size = n_sy * n_crit

    chosen = in_criterion & (kind == _CHOICE)
    direction = _directions(grid, obs, pair, owners, questions)  # per row: 0 none given, 1+ a DIRECTIONS code

    def count(mask: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        return np.bincount(cell[mask], weights=None if weights is None else weights[mask], minlength=size)

    def distinct(mask: np.ndarray, key: np.ndarray) -> np.ndarray:
        return np.bincount(
            np.unique(cell[mask] * (key.max(initial=0) + 1) + key[mask]) // (key.max(initial=0) + 1), minlength=size
        )

    positive, negative, nothing = (count(in_criterion & (direction == code)) > 0 for code in (1, 2, 3))
    answered_any = count(in_criterion) > 0
    # `<criterion>,asked,no` or `<level>,asked,no`: the source did not ask (see grid.model.NOT_ASKED).
    marked = (obs["question"] == NOT_ASKED).to_numpy(dtype=bool, na_value=False) & (owner >= 0)
    level_of = np.array([owners.index(c.level) for c in criteria], dtype="int64")
    not_asked = np.zeros(size, dtype=bool)
    for at in np.flatnonzero(marked):
        o, sy = int(owner[at]), int(sy_codes[at])
        hit = np.array([o]) if o < n_crit else np.flatnonzero(level_of == o)
        not_asked[sy * n_crit + hit] = True
    state = np.select(
        [positive & negative, positive, negative, nothing, answered_any, not_asked],
        ["mixed", "positive", "negative", "none", "positive", "not_asked"],
        "unanswered",
    )
    observed = np.isin(state, ["positive", "negative", "mixed"])
    is_publics = chosen & publics_by_pair[np.maximum(pair, 0)]
    public = np.zeros(len(obs), dtype="int64")
    public[is_publics] = pd.factorize(obs["value"][is_publics])[0]
    publics = distinct(is_publics, public)
    is_testimony = in_criterion & (kind == _TESTIMONY)
    lengths = np.zeros(len(obs))
    lengths[is_testimony] = obs["value"][is_testimony].str.len().to_numpy(dtype="float64", na_value=0)
    testimonies = count(is_testimony)
    testimony_chars = count(is_testimony, lengths)
    answered = distinct(in_criterion, question)

    is_intensity = kind == _INTENSITY
    rated = np.full(n_sy * len(owners), np.nan)
    rated[sy_codes[is_intensity] * len(owners) + owner[is_intensity]] = numbers(obs["value"][is_intensity]).to_numpy()
    sy_index = np.repeat(np.arange(n_sy), n_crit)
    crit_index = np.tile(np.arange(n_crit), n_sy)

    table = pd.DataFrame(
        {
            "site": pd.Series(site_ids, dtype="string").take(np.repeat(sy_uniques // len(year_ids), n_crit)).array,
            "year": np.repeat(np.asarray(year_ids, dtype="int64")[sy_uniques % len(year_ids)], n_crit),
            "level": pd.Categorical.from_codes(level_of[crit_index] - n_crit, [lv.id for lv in grid.levels]),  # type: ignore[call-overload]
            "criterion": pd.Categorical.from_codes(crit_index, crit_ids),  # type: ignore[call-overload]
            "observed": observed,
            "direction": pd.Categorical(state, categories=list(STATES)),
            "publics": publics.astype("int64"),
            "intensity": rated[sy_index * len(owners) + level_of[crit_index]],
            "testimonies": testimonies.astype("int64"),
            "testimony_chars": testimony_chars.astype("int64"),
            "answered": answered.astype("int64"),
            "questions": np.tile([len(c.questions) for c in criteria], n_sy).astype("int64"),
        }
    )
    table["site"] = table["site"].astype("string")
    table["level"] = table["level"].astype("string")
    table["criterion"] = table["criterion"].astype("string")
    table["direction"] = table["direction"].astype("string")
    if sites is not None:
        names = sites["name"] if "name" in sites else pd.Series(dtype="string")
        table.insert(1, "name", table["site"].map(names).astype("string"))
    return table


def _directions(
    grid: Grid,
    obs: pd.DataFrame,
    pair: np.ndarray,
    owners: list[str],
    questions: list[str],
) -> np.ndarray:
    """Return each row's direction as a code: 0 none (it describes), 1 positive, 2 negative, 3 none (no effect).

    By :func:`impact_kit.indicators.site.answer_direction`, called once per distinct
    (question, value) of the questions that report an effect.
    """
    codes = {"positive": 1, "negative": 2, "none": 3}
    found = np.zeros(len(obs), dtype="int8")
    wanted = {
        owners.index(owner_id) * len(questions) + questions.index(q.id): q
        for owner_id, q in grid.iter_questions()
        if q.direction is not None and grid.criterion(owner_id) is not None
    }
    rows = np.flatnonzero(np.isin(pair, list(wanted)))
    if len(rows):  # only these values, each distinct (question, value) once: a million rows hold a few thousand
        value_codes, distinct = pd.factorize(obs["value"].iloc[rows])
        pairs = pair[rows].astype("int64")
        _, firsts, inverse = np.unique(
            pairs * (len(distinct) + 1) + value_codes + 1, return_index=True, return_inverse=True
        )
        lookup = [
            codes.get(
                answer_direction(wanted[int(pairs[i])], str(distinct[value_codes[i]]) if value_codes[i] >= 0 else "")
                or "",
                0,
            )
            for i in firsts
        ]
        found[rows] = np.array(lookup, dtype="int8")[inverse.ravel()]
    return found


def with_directions(table: pd.DataFrame) -> pd.DataFrame:
    """Return an indicator table with ``positive`` and ``negative`` (bool) read from its ``direction``.

    ``positive``: the criterion has a positive effect (positive or mixed); ``negative``: a negative
    one (negative or mixed). What the programme, the portfolio and the index count.
    """
    direction = table["direction"].astype("string")
    return table.assign(
        positive=direction.isin(list(POSITIVE_STATES)).to_numpy(dtype=bool),
        negative=direction.isin(list(NEGATIVE_STATES)).to_numpy(dtype=bool),
    )


def write_indicators_csv(table: pd.DataFrame, path: str | Path, *, excel: bool = False) -> Path:
    """Write the indicator table as a CSV file a spreadsheet opens with its accents right.

    The file is UTF-8 with a byte order mark (BOM), so Excel reads the accents of
    names right; with ``excel=True`` it is separated by ``;`` with decimal commas,
    as Excel in a French locale expects (it opens by double-click). The file is
    written atomically: a reader never sees half of it. A text cell that a spreadsheet
    would run as a formula (it starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
    return) is written with a leading apostrophe (:func:`impact_kit.data.safe_csv.neutralise`).

    Columns (see :func:`indicator_table`):

    ``site``
        The site id (a slug of sites.csv).
    ``name``
        The site's name, from sites.csv (when the table has it).
    ``year``
        The year observed.
    ``level``
        The id of the criterion's level of effects in the grid.
    ``criterion``
        The id of the criterion in the grid.
    ``observed``
        1 if an effect was observed for this criterion that year, in either direction
        (``direction`` is positive, negative or mixed), else 0.
    ``direction``
        The criterion's state that year: ``positive``, ``negative``, ``mixed`` (both),
        ``none`` (answered: no effect), ``unanswered`` (no answer at all) or ``not_asked``
        (the source's questionnaire did not ask it). A negative or a zero answer is never
        counted as a positive effect.
    ``publics``
        How many distinct publics took part, as chosen in the criterion's publics question(s).
    ``intensity``
        The intensity (1 to 5, a whole number) of the level's effects that year; empty if not rated.
    ``testimonies``
        How many testimonies were given for this criterion that year.
    ``testimony_chars``
        Their total length, in characters.
    ``answered``
        How many of the criterion's questions were answered.
    ``questions``
        How many questions the criterion has.

    Parameters
    ----------
    table : pandas.DataFrame
        The indicator table (:func:`indicator_table`), or any selection of its rows.
    path : str or Path
        The file to write; its folder is created if needed.
    excel : bool
        ``;`` separator and decimal comma, for Excel in a French locale.

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    frame = neutralise(table)  # a name such as "=HYPERLINK(...)" is text to a spreadsheet, not a formula
    for column in frame.columns:
        if frame[column].dtype == bool:
            frame[column] = frame[column].astype("int64")
        elif frame[column].dtype == "float64" and (frame[column].dropna() % 1 == 0).all():
            frame[column] = frame[column].astype("Int64")  # an intensity of 4 reads "4", not "4.0"
    options = {"sep": ";", "decimal": ","} if excel else {"sep": ","}
    with atomic_write(path, "w", encoding="utf-8-sig", newline="") as handle:
        frame.to_csv(handle, index=False, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL, **options)  # type: ignore[call-overload]
    return path
