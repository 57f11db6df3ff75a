"""The site in its programme: how many sites of the same year show each effect, and the median intensities.

A site's report places each observed criterion, and its intensities, among the other
sites of the data folder for the same year (:mod:`impact_kit.text.narrative` says it). The
figures come from the portfolio's indicator table
(:func:`impact_kit.indicators.table.indicator_table`), computed once per data folder and
process: :func:`programme_of` memoises on the :class:`~impact_kit.data.dataset.Dataset`
itself, which :func:`impact_kit.data.dataset.load_dataset` keeps while the folder's files are
unchanged. A batch's warm parent calls it once before forking; every forked report
then finds it computed.

Below :data:`MIN_SITES` sites in a year, nothing is compared: too few places to say
where one stands.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

import pandas as pd

from impact_kit.data.dataset import Dataset
from impact_kit.indicators.table import indicator_table, with_directions

__all__ = ["MIN_SITES", "Programme", "indicators_of", "programme_of"]

#: The fewest sites in a year for a report to compare its site with the programme.
MIN_SITES = 5

T = TypeVar("T")


@dataclass(frozen=True)
class Programme:
    """The programme's figures per year, by grid ids.

    Attributes
    ----------
    sites : mapping
        ``{year: number of sites with observations that year}``.
    observed : mapping
        ``{(year, criterion id): number of sites with a positive effect}`` (direction positive or
        mixed: a negative or a zero answer is never counted as an effect).
    intensity : mapping
        ``{(year, level id): (median intensity, number of sites that rated it)}``.
    negative : mapping
        ``{(year, criterion id): number of sites with a negative effect}`` (negative or mixed),
        counted apart from the effects.
    criteria : mapping
        ``{year: median number of criteria with a positive effect, per site}``.
    """

    sites: Mapping[int, int]
    observed: Mapping[tuple[int, str], int]
    intensity: Mapping[tuple[int, str], tuple[float, int]]
    criteria: Mapping[int, float]
    negative: Mapping[tuple[int, str], int] = field(default_factory=dict)

    def covers(self, year: int) -> bool:
        """Return True if the year has at least :data:`MIN_SITES` sites: enough to place one among them."""
        return self.sites.get(int(year), 0) >= MIN_SITES

    @classmethod
    def from_table(cls, table: pd.DataFrame) -> Programme:
        """Return the programme's figures from an indicator table (see :mod:`impact_kit.indicators.table`)."""
        sites = table.groupby("year")["site"].nunique()
        table = with_directions(table)
        observed = table[table["positive"]].groupby(["year", "criterion"]).size().reset_index(name="n")
        negative = table[table["negative"]].groupby(["year", "criterion"]).size().reset_index(name="n")
        levels = table.drop_duplicates(["site", "year", "level"]).dropna(subset=["intensity"])
        rated = levels.groupby(["year", "level"])["intensity"].agg(["median", "size"]).reset_index()
        per_site = table.groupby(["year", "site"])["positive"].sum().groupby(level="year").median()
        return cls(
            sites=dict(zip(map(int, sites.index), map(int, sites), strict=True)),
            observed={
                (int(y), str(c)): int(n)
                for y, c, n in zip(observed["year"], observed["criterion"], observed["n"], strict=True)
            },
            intensity={
                (int(y), str(lv)): (float(m), int(n))
                for y, lv, m, n in zip(rated["year"], rated["level"], rated["median"], rated["size"], strict=True)
            },
            criteria=dict(zip(map(int, per_site.index), map(float, per_site), strict=True)),
            negative={
                (int(y), str(c)): int(n)
                for y, c, n in zip(negative["year"], negative["criterion"], negative["n"], strict=True)
            },
        )


# id(dataset) -> (a weak reference to it, what was computed from it); an entry goes when its dataset does.
_TABLES: dict[int, tuple[weakref.ref[Dataset], pd.DataFrame]] = {}
_PROGRAMMES: dict[int, tuple[weakref.ref[Dataset], Programme]] = {}


def _memo(store: dict[int, tuple[weakref.ref[Dataset], T]], dataset: Dataset, compute: Callable[[], T]) -> T:
    key = id(dataset)
    found = store.get(key)
    if found is not None and found[0]() is dataset:
        return found[1]
    value = compute()
    store[key] = (weakref.ref(dataset, lambda _: store.pop(key, None)), value)
    return value


def indicators_of(dataset: Dataset) -> pd.DataFrame:
    """Return the indicator table of a validated data folder, computed on the first call for this very dataset.

    What the programme's figures and the batch's index both start from
    (:func:`impact_kit.indicators.table.indicator_table`): computed once per folder and process.
    """
    return _memo(_TABLES, dataset, lambda: indicator_table(dataset.observations, dataset.grid))


def programme_of(dataset: Dataset) -> Programme:
    """Return the programme of a validated data folder, computed on the first call for this very dataset.

    Parameters
    ----------
    dataset : Dataset
        As :func:`impact_kit.data.dataset.load_dataset` returns it (the same object while the
        folder is unchanged, so the figures are computed once per folder and process).

    Returns
    -------
    Programme
    """
    return _memo(_PROGRAMMES, dataset, lambda: Programme.from_table(indicators_of(dataset)))
