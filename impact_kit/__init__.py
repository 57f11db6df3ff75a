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

import sys
from importlib import import_module
from importlib.abc import MetaPathFinder
from typing import Any

#: Where each public name lives: imported on first use, so that `import impact_kit` (and
#: the command line's start) stays quick and a Ctrl-C during start-up is a clean interrupt.
_PUBLIC = {
    "Dataset": "impact_kit.data.dataset",
    "load_dataset": "impact_kit.data.dataset",
    "sites": "impact_kit.data.explore",
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
    "picker": "impact_kit.reports.picker",
    "run_portfolio": "impact_kit.reports.run",
}

__all__ = sorted([*_PUBLIC, "__version__"], key=lambda n: (not n.isupper(), not n[:1].isupper(), n))
__version__ = "0.3.0"


#: The modules of 0.2, which 0.3 moved into a subpackage per job (CHANGELOG.md): importing an
#: old path says where the module went.
MOVED = {
    "impact_kit.grid": "impact_kit.grid.model",
    "impact_kit.grid_file": "impact_kit.grid.file",
    "impact_kit.tables": "impact_kit.data.read",
    "impact_kit.sites": "impact_kit.data.sites",
    "impact_kit.observations": "impact_kit.data.observations",
    "impact_kit.dataset": "impact_kit.data.dataset",
    "impact_kit.redaction": "impact_kit.text.masking",
    "impact_kit.narrative": "impact_kit.text.narrative",
    "impact_kit.narrative_changes": "impact_kit.text.changes",
    "impact_kit.testimonies": "impact_kit.text.testimonies",
    "impact_kit.indicators": "impact_kit.indicators.site",
    "impact_kit.portfolio": "impact_kit.indicators.table",
    "impact_kit.programme": "impact_kit.indicators.programme",
    "impact_kit.portfolio_sections": "impact_kit.indicators.portfolio",
    "impact_kit.markup": "impact_kit.render.markup",
    "impact_kit.charts": "impact_kit.render.charts",
    "impact_kit.portfolio_charts": "impact_kit.render.portfolio_charts",
    "impact_kit.figures": "impact_kit.render.figures",
    "impact_kit.export": "impact_kit.render.export",
    "impact_kit.pdf": "impact_kit.render.pdf",
    "impact_kit.portfolio_tables": "impact_kit.render.data_tables",
    "impact_kit.sections": "impact_kit.reports.site",
    "impact_kit.portfolio_report": "impact_kit.reports.portfolio",
    "impact_kit.report": "impact_kit.reports.run",
    "impact_kit.portfolio_run": "impact_kit.reports.run",
    "impact_kit.parameters": "impact_kit.reports.parameters",
    "impact_kit.execute": "impact_kit.reports.execute",
    "impact_kit.batch": "impact_kit.batch.run",
    "impact_kit.distributed": "impact_kit.batch.cluster",
    "impact_kit.manifest": "impact_kit.batch.manifest",
    "impact_kit.index": "impact_kit.batch.index",
}


class _MovedFinder(MetaPathFinder):
    """Last on ``sys.meta_path``: asked only for a module no other finder has, such as a moved one."""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> None:
        if fullname in MOVED:
            raise ModuleNotFoundError(
                f"{fullname} moved to {MOVED[fullname]} in impact_kit 0.3 (see CHANGELOG.md); import it from there.",
                name=fullname,
            )


if not any(isinstance(finder, _MovedFinder) for finder in sys.meta_path):
    sys.meta_path.append(_MovedFinder())


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        value = getattr(import_module(_PUBLIC[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'impact_kit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_PUBLIC])
