"""Tables for exploring a data folder in a notebook: its sites and years, one site-year's answers in words."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from impact_kit.data.dataset import Dataset, load_dataset
from impact_kit.grid.model import NOT_ASKED, Grid

__all__ = ["labelled_observations", "sites"]


def sites(data: str | Path | Dataset = "data") -> pd.DataFrame:
    """Return the sites of a data folder with their names, cities and the years they were observed.

    Parameters
    ----------
    data : str, Path or Dataset
        The data folder (a relative path is found from here or a parent folder), or
        tables already validated.

    Returns
    -------
    pandas.DataFrame
        Indexed by site id, in the order of ``sites.csv``: ``name``, ``city``, ``years``
        (a list of ints, empty for a site without observations) and ``observations`` (rows).

    Raises
    ------
    InvalidData
        If the data folder does not validate.
    """
    dataset = data if isinstance(data, Dataset) else load_dataset(data)
    obs = dataset.observations
    years = obs.groupby("site", observed=True)["year"].unique()
    counts = obs.groupby("site", observed=True).size()
    table = dataset.sites[["name", "city"]].copy()
    table["years"] = [sorted(int(y) for y in years[s]) if s in years.index else [] for s in table.index]
    table["observations"] = [int(counts.get(s, 0)) for s in table.index]
    table.index.name = "site"
    return table


def labelled_observations(grid: Grid, observations: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Return observations with the grid's words beside their ids: level, criterion, question, answer.

    Parameters
    ----------
    grid : Grid
        The grid the observations were validated against.
    observations : pandas.DataFrame
        Tidy rows (``site,year,criterion,question,value``), as the data layer returns them.
    lang : str
        The language of the labels, one of the grid's.

    Returns
    -------
    pandas.DataFrame
        ``year, level, criterion, question, answer`` in words, then the ids they come
        from (``criterion_id, question_id, value``), in the rows' order. An answer that
        is not an option (a number, a testimony) is its value, verbatim.
    """
    grid.check_lang(lang)
    rows = []
    for year, target, question_id, value in observations[["year", "criterion", "question", "value"]].itertuples(
        index=False, name=None
    ):
        criterion = grid.criterion(str(target))
        level = grid.level(criterion.level if criterion else str(target))
        question = grid.question(str(target), str(question_id))
        option = question.option(str(value)) if question is not None else None
        said = question.label(lang) if question else str(question_id)
        answer = option.label(lang) if option else str(value)
        if question_id == NOT_ASKED:  # not an answer: the row says the source did not ask this criterion (or level)
            said, answer = grid.texts(lang)["not_asked_question"], grid.texts(lang)["no"]
        rows.append(
            {
                "year": int(year),
                "level": level.label(lang) if level else "",
                "criterion": criterion.label(lang) if criterion else "",
                "question": said,
                "answer": answer,
                "criterion_id": str(target),
                "question_id": str(question_id),
                "value": str(value),
            }
        )
    columns = ["year", "level", "criterion", "question", "answer", "criterion_id", "question_id", "value"]
    return pd.DataFrame(rows, columns=columns, index=observations.index)
