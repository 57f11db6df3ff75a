"""A data folder's validated tables, read once per process for as long as its files are unchanged.

The site report, the batch and the portfolio all start from :func:`load_dataset`. A
warm process (a batch worker, a JupyterLab kernel) reads and validates the folder
once; reports forked from it, or run again in it, reuse the tables until a file of
the folder changes (its size or modification time).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from impact_kit.data.observations import load_observations, load_sites
from impact_kit.data.sites import SITES_LISTED, close_sites
from impact_kit.exceptions import InvalidData, NotFound
from impact_kit.files import resolve_data
from impact_kit.grid.file import resolve_grid, user_grid_file
from impact_kit.grid.model import Grid

__all__ = ["Dataset", "load_dataset", "pinned", "site_not_found"]


@dataclass(frozen=True)
class Dataset:
    """A data folder's validated tables.

    Attributes
    ----------
    folder : Path
        The data folder (absolute).
    grid : Grid
        The grid the observations were validated against.
    sites : pandas.DataFrame
        As :func:`impact_kit.data.observations.load_sites` returns it.
    observations : pandas.DataFrame
        As :func:`impact_kit.data.observations.load_observations` returns it.
    """

    folder: Path
    grid: Grid
    sites: pd.DataFrame
    observations: pd.DataFrame

    def __repr__(self) -> str:
        pairs = self.observations[["site", "year"]].drop_duplicates()
        return (
            f"<Dataset {self.folder}: {len(self.sites)} sites, {len(pairs)} site-years, "
            f"{len(self.observations)} observations, grid {self.grid.id!r}>"
        )


_State = tuple[tuple[str, int, int], ...]
_CACHE: dict[tuple[Path, str], tuple[_State, Dataset]] = {}
_PINNED: dict[tuple[Path, str], Dataset] = {}


def _key(folder: Path, grid: Grid) -> tuple[Path, str]:
    # A grid shipped with the kit is named by its id: a Dask worker's install has its own copy.
    return folder.resolve(), str(user_grid_file(grid) or grid.id)


def _pinned_for(folder: Path, grid: Grid | str | Path | None) -> Dataset | None:
    """Return the pinned dataset of ``folder`` with this grid (None: the kit's own; a Grid; a grid file), if any."""
    if not _PINNED:
        return None
    for (where, _), dataset in _PINNED.items():
        if where != folder.resolve():
            continue
        own = user_grid_file(dataset.grid)
        if isinstance(grid, Grid):
            if grid is dataset.grid or _key(folder, grid) == _key(folder, dataset.grid):
                return dataset
        elif (grid is None and own is None) or (
            grid is not None and own is not None and Path(grid).resolve() == own.resolve()
        ):
            return dataset
    return None


@contextmanager
def pinned(dataset: Dataset) -> Iterator[Dataset]:
    """Make :func:`load_dataset` return ``dataset`` for its folder and grid, without looking at the files.

    What a batch does around its jobs: the children it forks (and the notebooks they
    run) use the snapshot the parent validated, never the folder as it is now. A row
    saved during the batch changes no report of it (the next run sees it by its
    fingerprint), and an invalid one fails none. ``redact.csv`` is read now and kept
    with it, for the same reason.
    """
    from impact_kit.data.redactions import pinned_redactions

    key = _key(dataset.folder, dataset.grid)
    before = _PINNED.get(key)
    _PINNED[key] = dataset
    try:
        with pinned_redactions(dataset.folder):
            yield dataset
    finally:
        if before is None:
            _PINNED.pop(key, None)
        else:
            _PINNED[key] = before


def _state(folder: Path, grid: Path | None) -> _State:
    """Every data file's (name, size, mtime), and the grid file's: a change to either reads the data again."""
    files = sorted(folder.resolve().iterdir()) if folder.is_dir() else []
    if grid is not None and grid.is_file():
        files.append(grid.resolve())
    return tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files if p.is_file())


def load_dataset(data: str | Path = "data", *, grid: Grid | str | Path | None = None) -> Dataset:
    """Read and validate a data folder, or return the tables read before if its files are unchanged.

    Parameters
    ----------
    data : str or Path
        The data folder; a relative path is resolved by :func:`impact_kit.files.resolve_data`.
    grid : Grid, str or Path, optional
        The grid (or a grid file); the Commune Mesure grid by default.

    Returns
    -------
    Dataset

    Raises
    ------
    InvalidData
        If the folder does not exist or its files do not validate.
    GridError
        If a grid file is given and cannot be loaded.
    """
    folder = resolve_data(data)
    pinned_here = _pinned_for(folder, grid)
    if pinned_here is not None:  # in a batch: neither the folder nor the grid file is read again
        return pinned_here
    if not folder.is_dir():
        raise InvalidData.single(folder, "the data folder does not exist. Check its path.")
    the_grid = resolve_grid(grid)
    # Resolved: a report's notebook names the folder relative to its working directory (with
    # ".."), and must find the tables its batch parent validated, not read them again.
    key = _key(folder, the_grid)
    state = _state(folder, the_grid.path)
    cached = _CACHE.get(key)
    if cached and cached[0] == state:
        return cached[1]
    sites = load_sites(folder)
    dataset = Dataset(folder, the_grid, sites, load_observations(folder, grid=the_grid, sites=sites))
    _CACHE[key] = (state, dataset)
    return dataset


def site_not_found(dataset: Dataset, site: str) -> NotFound:
    """Return the error for a site id that ``dataset`` does not have (the caller raises it).

    The message names the close matches (prefixes included) and, when the folder has
    :data:`SITES_LISTED` sites or fewer, every site with its years: at most three lines.
    """
    known = list(dataset.sites.index)
    close = close_sites(str(site), known)
    lines = [f"{dataset.folder / 'sites.csv'} has no site {site!r}."]
    if close:
        lines[0] += f" Did you mean {' or '.join(map(repr, close))}?"
    if len(known) <= SITES_LISTED:
        years = dataset.observations.groupby("site", observed=True)["year"].unique()
        listed = [
            f"{k} ({', '.join(str(y) for y in sorted(years[k]))})" if k in years.index else f"{k} (no observations)"
            for k in sorted(known)
        ]
        lines.append(f"Its sites: {'; '.join(listed)}.")
    else:
        lines.append(f"It has {len(known)} sites: `impact-kit validate` or `impact_kit.sites()` lists them.")
    return NotFound("\n".join(lines))
