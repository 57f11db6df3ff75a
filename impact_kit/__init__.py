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

from importlib import import_module
from typing import Any

#: Where each public name lives: imported on first use, so that `import impact_kit` (and
#: the command line's start) stays quick and a Ctrl-C during start-up is a clean interrupt.
_PUBLIC = {
    "Dataset": "impact_kit.data.dataset",
    "load_dataset": "impact_kit.data.dataset",
    "GridError": "impact_kit.exceptions",
    "ImpactKitError": "impact_kit.exceptions",
    "ImportFailed": "impact_kit.exceptions",
    "InvalidArgument": "impact_kit.exceptions",
    "InvalidData": "impact_kit.exceptions",
    "MissingDependency": "impact_kit.exceptions",
    "NotFound": "impact_kit.exceptions",
    "ReportFailed": "impact_kit.exceptions",
    "Grid": "impact_kit.grid.model",
    "default_grid": "impact_kit.grid.file",
    "load_grid": "impact_kit.grid.file",
    "load_observations": "impact_kit.data.observations",
    "select_site": "impact_kit.data.observations",
    "select_site_year": "impact_kit.data.observations",
    "select_year": "impact_kit.data.observations",
    "load_sites": "impact_kit.data.sites",
    "slugify": "impact_kit.data.sites",
    "run_report": "impact_kit.reports.run",
    "run_batch": "impact_kit.batch.run",
    "SiteReport": "impact_kit.reports.site",
    "PortfolioReport": "impact_kit.reports.portfolio",
    "run_portfolio": "impact_kit.reports.run",
}

__all__ = sorted([*_PUBLIC, "__version__"], key=lambda n: (not n.isupper(), not n[:1].isupper(), n))
__version__ = "0.2.0"


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        value = getattr(import_module(_PUBLIC[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'impact_kit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_PUBLIC])
