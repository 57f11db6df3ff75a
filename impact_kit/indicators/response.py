"""Who answered: the programme's response year by year, and the totals of the number answers.

The programme is the sites of ``sites.csv`` (or the sites a portfolio was asked for). Each year,
each of its sites answered (for the first time: ``new``), stopped answering (``stopped``: it
answered in an earlier year) or has never answered (``never``). The portfolio tells it on its
first page and writes it as ``response.csv`` beside ``indicators.csv``.

The totals add up what the grid counts (its ``number`` questions that report an effect: people
trained or supported, projects, missions), over the sites that gave the number; the change since
the previous year is computed on the sites that gave it both years, never on two different sets.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from impact_kit.grid.model import Grid
from impact_kit.indicators.table import with_directions

__all__ = ["RESPONSE_STATUSES", "effect_panel", "number_totals", "programme_response"]

#: A programme site's status in a year: answered (again), answered for the first time, stopped, never answered.
RESPONSE_STATUSES = ("answered", "new", "stopped", "never")


def programme_response(
    observations: pd.DataFrame, programme: Sequence[str], year: int, *, names: pd.Series | None = None
) -> pd.DataFrame:
    """Return, for every programme site and every year observed up to ``year``, whether it answered.

    Parameters
    ----------
    observations : pandas.DataFrame
        Tidy observations (``site``, ``year``, ...).
    programme : sequence of str
        The programme's site ids, in their order (``sites.csv``'s, or a selection's).
    year : int
        The last year (the report's).
    names : pandas.Series, optional
        Site names by site id; adds a ``name`` column.

    Returns
    -------
    pandas.DataFrame
        One row per site and year (ascending), the years being those with any answer of the
        programme up to ``year`` (and ``year`` itself): ``site``, ``name`` (with ``names``),
        ``year``, ``answered`` (bool), ``status`` (one of :data:`RESPONSE_STATUSES`),
        ``first_year`` and ``last_year`` (the first and the latest year it answered up to that
        year; <NA> if none).
    """
    sites = list(dict.fromkeys(str(s) for s in programme))
    seen = observations.loc[
        observations["site"].isin(sites) & (observations["year"] <= year), ["site", "year"]
    ].drop_duplicates()
    years = sorted({int(y) for y in seen["year"]} | {int(year)})
    grid = pd.MultiIndex.from_product([sites, years], names=["site", "year"]).to_frame(index=False)
    answered = pd.Series(True, index=pd.MultiIndex.from_frame(seen.astype({"year": "int64"})))
    out = grid.assign(answered=answered.reindex(pd.MultiIndex.from_frame(grid), fill_value=False).to_numpy())
    year_if = out["year"].where(out["answered"])
    by_site = year_if.groupby(out["site"], sort=False)
    out["first_year"] = by_site.cummin().groupby(out["site"], sort=False).ffill().astype("Int64")
    out["last_year"] = by_site.ffill().astype("Int64")
    before = out.groupby("site", sort=False)["answered"].shift(1, fill_value=False)
    ever_before = before.astype("int64").groupby(out["site"], sort=False).cummax().astype(bool)
    status = np.where(
        out["answered"], np.where(ever_before, "answered", "new"), np.where(ever_before, "stopped", "never")
    )
    out["status"] = pd.Series(status, dtype="string")
    out["site"] = out["site"].astype("string")
    if names is not None:
        out.insert(1, "name", out["site"].map(names).astype("string"))
    first = ["site", "name"] if names is not None else ["site"]
    return out[[*first, "year", "answered", "status", "first_year", "last_year"]]


def _numbers(observations: pd.DataFrame, grid: Grid, year: int | None) -> pd.DataFrame:
    """Each effect number question's answer per site in ``year``: criterion, question, site, value (float)."""
    keys = [
        (criterion.id, question.id)
        for criterion in grid.criteria
        for question in criterion.questions
        if question.type == "number" and question.reports_effect
    ]
    if year is None or not keys:
        return pd.DataFrame({"criterion": [], "question": [], "site": [], "value": []})
    part = observations[observations["year"] == year]
    wanted = pd.MultiIndex.from_tuples(keys, names=["criterion", "question"])
    part = part[pd.MultiIndex.from_frame(part[["criterion", "question"]]).isin(wanted)]
    values = pd.to_numeric(part["value"], errors="coerce")  # "plusieurs" is no number to add
    return (
        part.assign(value=values)
        .dropna(subset=["value"])
        .drop_duplicates(["criterion", "question", "site"])[["criterion", "question", "site", "value"]]
    )


def number_totals(observations: pd.DataFrame, grid: Grid, year: int, *, previous: int | None) -> pd.DataFrame:
    """Return the year's total of each number the grid counts as an effect, and its change on the same sites.

    Returns
    -------
    pandas.DataFrame
        One row per number question answered by any site in ``year`` (grid order): ``criterion``,
        ``question``, ``total`` and ``sites`` (how many sites gave it), ``previous_total`` and
        ``previous_sites`` (the same in ``previous``; 0 without it), ``panel`` (the sites that gave
        it both years), ``panel_before`` and ``panel_after`` (their totals each year).
    """
    now, before = _numbers(observations, grid, year), _numbers(observations, grid, previous)
    rows = []
    order = [(c.id, q.id) for c in grid.criteria for q in c.questions]
    for criterion, question in order:
        this = now[(now["criterion"] == criterion) & (now["question"] == question)]
        if this.empty:
            continue
        was = before[(before["criterion"] == criterion) & (before["question"] == question)]
        both = this.merge(was, on="site", suffixes=("", "_before"))
        rows.append(
            {
                "criterion": criterion,
                "question": question,
                "total": float(this["value"].sum()),
                "sites": len(this),
                "previous_total": float(was["value"].sum()),
                "previous_sites": len(was),
                "panel": len(both),
                "panel_before": float(both["value_before"].sum()),
                "panel_after": float(both["value"].sum()),
            }
        )
    columns = ["criterion", "question", "total", "sites", "previous_total", "previous_sites"]
    columns += ["panel", "panel_before", "panel_after"]
    return pd.DataFrame(rows, columns=columns).astype({"sites": "int64", "previous_sites": "int64", "panel": "int64"})


def effect_panel(table: pd.DataFrame, year: int, *, previous: int | None) -> pd.DataFrame:
    """Return, per criterion, how many of the sites observed both years had a positive effect each year.

    The honest year-to-year comparison: the same sites (the panel) both years, never two sets.

    Returns
    -------
    pandas.DataFrame
        ``criterion`` (the table's order), ``sites`` (the panel's size), ``before`` and ``after``
        (sites of the panel with a positive effect in ``previous`` and in ``year``); empty without
        a previous year or with no site observed both years.
    """
    columns = ["criterion", "sites", "before", "after"]
    if previous is None:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c != "criterion" else "string") for c in columns})
    both = set(table.loc[table["year"] == year, "site"]) & set(table.loc[table["year"] == previous, "site"])
    part = with_directions(table[table["year"].isin([previous, year]) & table["site"].isin(both)])
    counts = part.pivot_table(index="criterion", columns="year", values="positive", aggfunc="sum", sort=False)
    counts = counts.reindex(index=pd.unique(table["criterion"]), columns=[previous, year]).fillna(0)
    out = pd.DataFrame(
        {
            "criterion": pd.Series(counts.index, dtype="string"),
            "sites": len(both),
            "before": counts[previous].to_numpy(dtype="int64"),
            "after": counts[year].to_numpy(dtype="int64"),
        }
    )
    return out if both else out.iloc[:0]
