"""The portfolio report of a year, end to end: check the inputs, run the notebook, write the files.

:func:`run_portfolio` is what ``impact-kit portfolio`` does: it checks the data, the
year and the sites first (nothing is written if they are wrong), runs
``portfolio_report.ipynb`` with papermill in a private run folder, exports the HTML, and
writes ``<out>/portfolio/<year>/report.ipynb``, ``report.html`` and ``indicators.csv``
(and ``report.pdf``) atomically. An interrupted or failed run leaves the previous
report as it was. It mirrors :func:`impact_kit.report.run_report`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from impact_kit import __version__
from impact_kit.dataset import load_dataset
from impact_kit.files import check_writable, relative_to_cwd
from impact_kit.grid import Grid
from impact_kit.grid_file import user_grid_file
from impact_kit.parameters import PORTFOLIO_NOTEBOOK
from impact_kit.pdf import find_browser
from impact_kit.portfolio import write_indicators_csv
from impact_kit.portfolio_report import PortfolioReport
from impact_kit.report import produce_report

__all__ = ["PORTFOLIO_FOLDER", "PortfolioPaths", "portfolio_parameters", "run_portfolio"]

#: The folder of the reports folder that holds the portfolio reports, one subfolder per year.
PORTFOLIO_FOLDER = "portfolio"

# The notebook runs in a forked child of this process (papermill engine ``impact-kit``), as a
# batch's reports do: it finds the tables this process validated (load_dataset's cache) instead
# of a new kernel reading and validating the whole folder again, and starts no kernel.
_ENGINE = "impact-kit"


@dataclass(frozen=True)
class PortfolioPaths:
    """Where a portfolio report was written."""

    html: Path
    notebook: Path
    indicators: Path
    pdf: Path | None = None


def portfolio_parameters(
    report: PortfolioReport, data: Path, out: Path, *, sites: Sequence[str], pseudonymise: bool
) -> dict[str, Any]:
    """Return the portfolio notebook's parameters, with paths relative to the working directory.

    The executed notebook records them: relative paths let it run again from the same
    place in another checkout or on another machine.
    """
    own = user_grid_file(report.grid)
    return {
        "year": report.year,
        "data": relative_to_cwd(data),
        "grid": relative_to_cwd(own) if own else "",
        "lang": report.lang,
        "pseudonymise": pseudonymise,
        "sites": list(sites),
        # No folder, no site reports to link to: "" rather than a path the notebook would look for in parents.
        "out": relative_to_cwd(out) if out.is_dir() else "",
    }


def run_portfolio(
    year: int,
    *,
    data: str | Path = "data",
    out: str | Path = "reports",
    grid: Grid | str | Path | None = None,
    lang: str = "fr",
    pseudonymise: bool = False,
    sites: Sequence[str] | None = None,
    pdf: bool = False,
    notebook: str | Path = PORTFOLIO_NOTEBOOK,
    timeout: float | None = None,
) -> PortfolioPaths:
    """Execute the portfolio notebook for a year; write ``report.ipynb``, ``report.html`` and ``indicators.csv``.

    Parameters
    ----------
    year : int
        The year of the report.
    data : str or Path
        The data folder.
    out : str or Path
        The reports folder; the report goes to ``<out>/portfolio/<year>/`` and links to
        the site reports ``<out>/<site>/<year>/report.html`` that exist.
    grid : Grid, str or Path, optional
        The grid or a grid file; the Commune Mesure grid by default.
    lang : str
        The report's language.
    pseudonymise : bool
        Mask e-mail addresses and phone numbers in the testimonies quoted.
    sites : sequence of str, optional
        Site ids to keep; every site by default.
    pdf : bool
        Also print ``report.pdf`` with Chromium.
    notebook : str or Path
        The portfolio's master notebook.
    timeout : float, optional
        Seconds a cell may run.

    Returns
    -------
    PortfolioPaths

    Raises
    ------
    InvalidData, NotFound, GridError, InvalidArgument
        If the data, the year, a site, the grid or the language is wrong (nothing written).
    MissingDependency
        If ``pdf`` is asked for and no browser is found (nothing written).
    ReportFailed
        If the notebook failed; ``report.failed.ipynb`` then holds the executed
        notebook with the error, and any earlier report is left as it was.
    """
    sites = list(dict.fromkeys(sites or ()))
    dataset = load_dataset(data, grid=grid)
    report = PortfolioReport.load(year, data=dataset, lang=lang, pseudonymise=pseudonymise, sites=sites)
    browser = find_browser() if pdf else None
    check_writable(out)
    reports = Path(out)
    target = reports / PORTFOLIO_FOLDER / str(report.year)
    parameters = portfolio_parameters(report, dataset.folder, reports, sites=sites, pseudonymise=pseudonymise)
    written = produce_report(
        notebook,
        parameters=parameters,
        target=target,
        label=f"portfolio {report.year}",
        title=report.title,
        lang=lang,
        metadata={"version": __version__, "pseudonymised": pseudonymise},
        browser=browser,
        timeout=timeout,
        engine=_ENGINE,
        also_write=lambda folder: write_indicators_csv(report.indicators, folder / "indicators.csv"),
    )
    return PortfolioPaths(written.html, written.notebook, target / "indicators.csv", written.pdf)
