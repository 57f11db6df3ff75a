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

import nbformat

from impact_kit.dataset import load_dataset
from impact_kit.exceptions import ReportFailed
from impact_kit.execute import execute_notebook
from impact_kit.export import export_html
from impact_kit.files import atomic_write, relative_to_cwd, run_folder
from impact_kit.grid import Grid
from impact_kit.grid_file import GRIDS_DIR
from impact_kit.parameters import NOTEBOOKS_DIR, PORTFOLIO_NOTEBOOK
from impact_kit.pdf import find_browser, print_pdf
from impact_kit.portfolio import write_indicators_csv
from impact_kit.portfolio_report import PortfolioReport

__all__ = ["PORTFOLIO_FOLDER", "PortfolioPaths", "portfolio_parameters", "run_portfolio"]

#: The folder of the reports folder that holds the portfolio reports, one subfolder per year.
PORTFOLIO_FOLDER = "portfolio"


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
    packaged = report.grid.path is None or report.grid.path.resolve().parent == GRIDS_DIR
    return {
        "year": report.year,
        "data": relative_to_cwd(data),
        "grid": "" if packaged else relative_to_cwd(report.grid.path),  # type: ignore[arg-type]
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
    reports = Path(out)
    target = reports / PORTFOLIO_FOLDER / str(report.year)
    parameters = portfolio_parameters(report, dataset.folder, reports, sites=sites, pseudonymise=pseudonymise)
    with run_folder() as work:
        executed = work / "report.ipynb"
        try:
            nb = execute_notebook(
                notebook, executed, parameters=parameters, cwd=Path.cwd(), workdir=work, timeout=timeout
            )
        except ReportFailed as exc:
            kept = _keep_failed(executed, target) if exc.notebook else None
            where = f" Open {kept} to see where." if kept else ""
            raise ReportFailed(f"portfolio {report.year}: {exc}{where}", notebook=kept) from None
        meta = nb.metadata.get("papermill", {})  # as papermill records them, but relative (see report.py)
        packaged = Path(notebook).resolve().is_relative_to(NOTEBOOKS_DIR)
        meta["input_path"] = f"impact_kit/notebooks/{Path(notebook).name}" if packaged else relative_to_cwd(notebook)
        meta["output_path"] = relative_to_cwd(target / "report.ipynb")
        page = export_html(nb, lang=lang, title=report.title)
        target.mkdir(parents=True, exist_ok=True)
        indicators = write_indicators_csv(report.indicators, target / "indicators.csv")
        with atomic_write(target / "report.ipynb", "w", encoding="utf-8") as handle:
            nbformat.write(nb, handle)
        with atomic_write(target / "report.html", "w", encoding="utf-8") as handle:
            handle.write(page)
        (target / "report.failed.ipynb").unlink(missing_ok=True)
        html = target / "report.html"
        pdf_path = print_pdf(html, target / "report.pdf", workdir=work, browser=browser) if browser else None
    return PortfolioPaths(html, target / "report.ipynb", indicators, pdf_path)


def _keep_failed(executed: Path, target: Path) -> Path | None:
    if not executed.exists():
        return None
    target.mkdir(parents=True, exist_ok=True)
    kept = target / "report.failed.ipynb"
    with atomic_write(kept, "wb") as handle:
        handle.write(executed.read_bytes())
    return kept
