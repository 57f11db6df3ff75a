"""A data folder's validated tables, read once per process for as long as its files are unchanged.

The site report, the batch and the portfolio all start from :func:`load_dataset`. A
warm process (a batch worker, a JupyterLab kernel) reads and validates the folder
once; reports forked from it, or run again in it, reuse the tables until a file of
the folder changes (its size or modification time).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from impact_kit.data.observations import load_observations, load_sites
from impact_kit.exceptions import InvalidData
from impact_kit.files import resolve_data
from impact_kit.grid.file import resolve_grid
from impact_kit.grid.model import Grid

__all__ = ["Dataset", "load_dataset"]


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
    if not folder.is_dir():
        raise InvalidData.single(folder, "the data folder does not exist. Check its path.")
    the_grid = resolve_grid(grid)
    # Resolved: a report's notebook names the folder relative to its working directory (with
    # ".."), and must find the tables its batch parent validated, not read them again.
    key = (folder.resolve(), str(the_grid.path or the_grid.id))
    state = _state(folder, the_grid.path)
    cached = _CACHE.get(key)
    if cached and cached[0] == state:
        return cached[1]
    sites = load_sites(folder)
    dataset = Dataset(folder, the_grid, sites, load_observations(folder, grid=the_grid, sites=sites))
    _CACHE[key] = (state, dataset)
    return dataset
