"""impact_kit: narrated reports of the social and urban effects of tiers-lieux.

The data path: files in ``data/`` -> :func:`load_dataset` (validated, tidy tables) ->
the master notebook, whose cells call :class:`SiteReport` -> :func:`run_report` writes
one offline HTML report per site and year.

In a notebook::

    import impact_kit as ik
    report = ik.SiteReport.load("the-good-start", 2021)
    report.summary()            # one section
    report.plot("intensity")    # one chart, in the report's style
"""

from __future__ import annotations

from impact_kit.dataset import Dataset, load_dataset
from impact_kit.exceptions import (
    GridError,
    ImpactKitError,
    ImportFailed,
    InvalidArgument,
    InvalidData,
    MissingDependency,
    NotFound,
    ReportFailed,
)
from impact_kit.grid import Grid
from impact_kit.grid_file import default_grid, load_grid
from impact_kit.observations import (
    load_observations,
    load_sites,
    select_site,
    select_site_year,
    select_year,
    slugify,
)
from impact_kit.portfolio_report import PortfolioReport
from impact_kit.sections import SiteReport

__all__ = [
    "Dataset",
    "Grid",
    "GridError",
    "ImpactKitError",
    "ImportFailed",
    "InvalidArgument",
    "InvalidData",
    "MissingDependency",
    "NotFound",
    "PortfolioReport",
    "ReportFailed",
    "SiteReport",
    "__version__",
    "default_grid",
    "load_dataset",
    "load_grid",
    "load_observations",
    "load_sites",
    "run_portfolio",
    "run_report",
    "select_site",
    "select_site_year",
    "select_year",
    "slugify",
]
__version__ = "0.2.0"


def __getattr__(name: str) -> object:
    # run_report imports papermill, nbconvert and jupyter_client: only load them when asked,
    # so that a notebook's `import impact_kit` stays quick.
    if name == "run_report":
        from impact_kit.report import run_report

        return run_report
    if name == "run_portfolio":
        from impact_kit.portfolio_run import run_portfolio

        return run_portfolio
    raise AttributeError(f"module 'impact_kit' has no attribute {name!r}")
