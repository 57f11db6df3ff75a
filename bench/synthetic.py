"""Synthetic data folders of any size, made from the sample's patterns, for benchmarks.

Each synthetic site copies one site of the sample (``data/``, its "template"), year
after year, and varies its answers with a seeded random generator: intensities move
by one step, multi-choice options are dropped or added, single choices change,
numbers scale, a testimony is sometimes left out (the others are kept verbatim). Some
sites start later or stop early, as in a real programme. Everything stays valid
against the grid: :func:`impact_kit.data.observations.load_observations` accepts it.

Use from a script in ``bench/`` (its folder is on ``sys.path``)::

    from synthetic import make_sample
    make_sample(folder, 5000)

or from the command line: ``python bench/synthetic.py FOLDER N_SITES [--seed S]``.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np
import pandas as pd

from impact_kit.data.observations import OBSERVATION_COLUMNS, load_observations, load_sites
from impact_kit.grid.file import default_grid
from impact_kit.grid.model import Grid

__all__ = ["SAMPLE", "make_sample"]

#: The sample data folder the templates come from.
SAMPLE = Path(__file__).resolve().parent.parent / "data"

# How much the copies vary (probabilities per answer, per site-year or per site).
DROP_OPTION = 0.2  # a chosen multi-choice option is left out
ADD_OPTION = 0.3  # a multi-choice question answered gets one more option
CHANGE_SINGLE = 0.2  # a single choice becomes another option
DROP_TESTIMONY = 0.15  # a testimony is left out
STOP_EARLY = 0.08  # a site does not report its last year (it is "missing")


def make_sample(
    folder: str | Path,
    n_sites: int,
    years: tuple[int, ...] = (2021, 2022, 2023),
    seed: int = 0,
    *,
    grid: Grid | None = None,
    sample: str | Path = SAMPLE,
) -> Path:
    """Write ``sites.csv`` and ``observations.csv`` for ``n_sites`` synthetic sites into ``folder``.

    Parameters
    ----------
    folder : str or Path
        Where to write (created if needed; existing files of the same names are replaced).
    n_sites : int
        How many sites. Their ids are the template's id followed by ``-s<number>``.
    years : tuple of int
        The years of the programme. A site copies its template's years onto the last
        ones (a template with two years gives a site that starts in the second year).
    seed : int
        Seed of the random generator: the same arguments give the same files.
    grid : Grid, optional
        The grid the sample is valid against (the Commune Mesure grid by default).
    sample : str or Path
        The data folder whose site-years serve as templates.

    Returns
    -------
    Path
        ``folder``.
    """
    grid = grid or default_grid()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    templates = load_sites(sample)
    observations = load_observations(sample, grid=grid, sites=templates)
    histories = {
        site: [part for _, part in sorted(frame.groupby("year"), key=lambda kv: kv[0])]
        for site, frame in observations.groupby("site")
    }
    slugs = sorted(histories)
    site_rows, obs_rows = [], []
    width = len(str(n_sites))
    for i in range(n_sites):
        template = slugs[int(rng.integers(len(slugs)))]
        site = f"{template}-s{i + 1:0{width}d}"
        info = templates.loc[template]
        site_rows.append([site, f"{info['name']} · {i + 1}", info["city"], info["postcode"], info["kind"]])
        history = histories[template][-len(years) :]
        targets = list(years[len(years) - len(history) :])
        if len(targets) > 1 and rng.random() < STOP_EARLY:
            targets, history = targets[:-1], history[:-1]
        for year, frame in zip(targets, history, strict=True):
            obs_rows.extend(_vary(frame, site, year, grid, rng))
    _write(folder / "sites.csv", ["site", "name", "city", "postcode", "kind"], site_rows)
    _write(folder / "observations.csv", list(OBSERVATION_COLUMNS), obs_rows)
    return folder


def _vary(frame: pd.DataFrame, site: str, year: int, grid: Grid, rng: np.random.Generator) -> list[list[str]]:
    """Return one template site-year's rows for a synthetic site, varied."""
    rows: list[list[str]] = []
    chosen: dict[tuple[str, str], set[str]] = {}
    for criterion, question_id, value in zip(frame["criterion"], frame["question"], frame["value"], strict=True):
        question = grid.question(criterion, question_id)
        if question is None:  # validated data: cannot happen, but never invent rows
            continue
        if question.type == "scale":
            low, high = int(question.min or 1), int(question.max or 5)
            value = str(min(high, max(low, int(float(value)) + int(rng.integers(-1, 2)))))
        elif question.type == "number":
            value = str(int(float(value.replace(",", ".")) * rng.uniform(0.5, 2.0)))
        elif question.type == "single" and question.options and rng.random() < CHANGE_SINGLE:
            value = question.options[int(rng.integers(len(question.options)))].id
        elif question.type == "multi":
            if rng.random() < DROP_OPTION:
                continue
            chosen.setdefault((criterion, question_id), set()).add(value)
        elif question.type == "testimony" and rng.random() < DROP_TESTIMONY:
            continue
        rows.append([site, str(year), criterion, question_id, value])
    for (criterion, question_id), values in chosen.items():
        question = grid.question(criterion, question_id)
        free = [o.id for o in question.options if o.id not in values] if question else []
        if free and rng.random() < ADD_OPTION:
            rows.append([site, str(year), criterion, question_id, free[int(rng.integers(len(free)))]])
    return rows


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description="Write a synthetic data folder from the sample's patterns.")
    parser.add_argument("folder", type=Path)
    parser.add_argument("n_sites", type=int)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--years", type=int, nargs="+", default=[2021, 2022, 2023])
    args = parser.parse_args()
    make_sample(args.folder, args.n_sites, tuple(args.years), args.seed)
    print(f"wrote {args.folder / 'sites.csv'} and {args.folder / 'observations.csv'}")


if __name__ == "__main__":
    main()
