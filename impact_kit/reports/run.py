"""A report end to end: check the inputs, run the kind's master notebook, write the files.

:func:`run_report` is what ``impact-kit report`` does and :func:`run_portfolio` what
``impact-kit portfolio`` does: each checks the data and the report's inputs first
(nothing is written if they are wrong), then :func:`write_report` runs the kind's master
notebook with papermill in a private run folder, exports the HTML, and writes
``report.ipynb`` and ``report.html`` (and ``report.pdf``, ``report.docx``, and the portfolio's
``indicators.csv``) atomically into the report's folder. An interrupted or failed run
leaves the previous report as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from impact_kit.data.dataset import Dataset, load_dataset
from impact_kit.exceptions import InvalidArgument, ReportFailed
from impact_kit.files import atomic_write, check_writable, relative_to_cwd, run_folder
from impact_kit.grid.model import Grid
from impact_kit.render.export import export_html
from impact_kit.render.pdf import find_browser, print_pdf
from impact_kit.reports.execute import execute_notebook
from impact_kit.reports.kind import ReportKind
from impact_kit.reports.lab import report_run
from impact_kit.reports.parameters import NOTEBOOKS_DIR, PORTFOLIO_NOTEBOOK, SITE_NOTEBOOK
from impact_kit.reports.portfolio import PORTFOLIO_FOLDER, PortfolioReport
from impact_kit.reports.publish import staged
from impact_kit.reports.selection import left_out_notes, report_cells
from impact_kit.reports.site import SiteReport
from impact_kit.reports.word import DocxOption, WordOutput, docx_option, report_docx
from impact_kit.reports.working import check_working_notebook, find_working_notebook, older_than_master

__all__ = [
    "PORTFOLIO_FOLDER",
    "DocxOption",
    "ReportPaths",
    "WordOutput",
    "docx_option",
    "produce_report",
    "run_portfolio",
    "run_report",
    "write_report",
]


@dataclass(frozen=True)
class ReportPaths:
    """Where a report was written (``indicators``: the portfolio's ``indicators.csv``)."""

    html: Path
    notebook: Path
    pdf: Path | None = None
    indicators: Path | None = None
    docx: Path | None = None


def run_report(
    site: str,
    year: int,
    *,
    data: str | Path = "data",
    out: str | Path = "reports",
    grid: Grid | str | Path | None = None,
    lang: str = "fr",
    pseudonymise: bool = False,
    pdf: bool = False,
    docx: bool | str = False,
    docx_template: str | Path | None = None,
    notebook: str | Path | None = None,
    timeout: float | None = None,
    on_start: Callable[[SiteReport], object] | None = None,
    on_warning: Callable[[str], object] | None = None,
    on_note: Callable[[str], object] | None = None,
    engine: str | None = None,
) -> ReportPaths:
    """Execute the master notebook for a site and year and write ``report.ipynb`` and ``report.html``.

    Parameters
    ----------
    site, year : str, int
        The site id and the year.
    data : str or Path
        The data folder.
    out : str or Path
        The reports folder; the report goes to ``<out>/<site>/<year>/``.
    grid : Grid, str or Path, optional
        The grid or a grid file; the Commune Mesure grid by default.
    lang : str
        The report's language.
    pseudonymise : bool
        Mask e-mail addresses and phone numbers in testimonies.
    pdf : bool
        Also print ``report.pdf`` with Chromium.
    docx : bool or str
        Also write ``report.docx`` (Word), from the same page; a string also says where
        the charts' figures go (``--docx-data``: "appendix", the default, "inline", "none").
    docx_template : str or Path, optional
        A funder's ``.docx`` whose styles, margins, header and footer the Word document
        takes (implies ``docx``); the kit's own template by default.
    notebook : str or Path, optional
        The notebook to run: by default the site-year's working notebook
        (``notebooks/<site>/<year>.ipynb`` beside the data folder) if there is one,
        else the master.
    timeout : float, optional
        Seconds a cell may run.
    on_start : callable, optional
        Called with the report once its inputs are checked, before the notebook runs
        (the command line says what it is writing).
    on_warning : callable, optional
        Called with a sentence when the working notebook was copied from an older master.
    on_note : callable, optional
        Called with one line when code cells of the working notebook stay out of the report
        (exploration: see :mod:`impact_kit.reports.selection`).
    engine : str, optional
        A papermill engine name; a fresh kernel by default (``report.export()``'s forked child
        passes ``"impact-kit-inprocess"``).

    Returns
    -------
    ReportPaths

    Raises
    ------
    InvalidData, NotFound, GridError, InvalidArgument
        If the data, the site, the year, the grid, the language or the Word template is
        wrong (nothing written).
    MissingDependency
        If ``pdf`` is asked for and no browser is found (nothing written).
    ReportFailed
        If the notebook failed; ``report.failed.ipynb`` then holds the executed
        notebook with the error, and any earlier report is left as it was.
    """
    dataset = load_dataset(data, grid=grid)
    report = SiteReport.load(site, year, data=dataset, lang=lang, pseudonymise=pseudonymise)
    if notebook is None:
        notebook = find_working_notebook(dataset, report.site, report.year) or SITE_NOTEBOOK
    elif not Path(notebook).is_file():
        raise InvalidArgument(f"{notebook}: there is no such notebook. Check its path.")
    notebook = Path(notebook)
    if notebook.resolve() != SITE_NOTEBOOK.resolve():
        check_working_notebook(notebook, report.site, report.year)
        if on_warning is not None and (older := older_than_master(notebook)):
            on_warning(older)
        if on_note is not None:
            for note in left_out_notes([notebook]):
                on_note(note)
    browser = find_browser() if pdf else None
    word = docx_option(docx, docx_template)
    check_writable(out)
    if on_start is not None:
        on_start(report)
    return write_report(
        report, dataset, out=out, notebook=notebook, browser=browser, timeout=timeout, docx=word, engine=engine
    )


# The portfolio's notebook runs in a forked child of this process (papermill engine ``impact-kit``),
# as a batch's reports do: it finds the tables this process validated (load_dataset's cache)
# instead of a new kernel reading and validating the whole folder again, and no kernel starts.
_PORTFOLIO_ENGINE = "impact-kit"


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
    docx: bool | str = False,
    docx_template: str | Path | None = None,
    notebook: str | Path = PORTFOLIO_NOTEBOOK,
    timeout: float | None = None,
    on_start: Callable[[], object] | None = None,
) -> ReportPaths:
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
        Mask e-mail addresses, phone numbers and the names of ``redact.csv`` in the testimonies quoted.
    sites : sequence of str, optional
        Site ids to keep; every site by default.
    pdf : bool
        Also print ``report.pdf`` with Chromium.
    docx, docx_template : bool, str or Path
        Also write ``report.docx`` (Word), in the kit's styles or in a funder's template's
        (a template implies ``docx``).
    notebook : str or Path
        The portfolio's master notebook.
    timeout : float, optional
        Seconds a cell may run.
    on_start : callable, optional
        Called once the inputs are checked, before the notebook runs (the command line
        says what it is writing).

    Returns
    -------
    ReportPaths
        With ``indicators``, the path of ``indicators.csv``.

    Raises
    ------
    InvalidData, NotFound, GridError, InvalidArgument
        If the data, the year, a site, the grid, the language or the Word template is wrong
        (nothing written).
    MissingDependency
        If ``pdf`` is asked for and no browser is found (nothing written).
    ReportFailed
        If the notebook failed; ``report.failed.ipynb`` then holds the executed
        notebook with the error, and any earlier report is left as it was.
    """
    dataset = load_dataset(data, grid=grid)
    report = PortfolioReport.load(year, data=dataset, lang=lang, pseudonymise=pseudonymise, sites=sites, out=out)
    browser = find_browser() if pdf else None
    word = docx_option(docx, docx_template)
    check_writable(out)
    if on_start is not None:
        on_start()
    return write_report(
        report,
        dataset,
        out=out,
        notebook=notebook,
        browser=browser,
        timeout=timeout,
        engine=_PORTFOLIO_ENGINE,
        docx=word,
    )


def write_report(
    report: ReportKind,
    dataset: Dataset,
    *,
    out: str | Path,
    notebook: str | Path | None = None,
    browser: str | None = None,
    timeout: float | None = None,
    engine: str | None = None,
    docx: DocxOption = None,
) -> ReportPaths:
    """Run the notebook for a report whose inputs were checked, and write its files (see :func:`run_report`).

    Parameters
    ----------
    report : SiteReport or PortfolioReport
        The loaded report: its kind gives the master notebook, the folder, the parameters
        and the metadata.
    dataset : Dataset
        The validated data it was loaded from.
    out : str or Path
        The reports folder.
    notebook : str or Path, optional
        The notebook to run; the kind's master by default.
    browser : str, optional
        A browser to print ``report.pdf`` with; no PDF without one.
    timeout : float, optional
        Seconds a cell may run (kernel and ``impact-kit`` engine runs; a batch times its children instead).
    engine : str, optional
        A papermill engine name (a batch's child passes ``"impact-kit-inprocess"``, the portfolio
        ``"impact-kit"``).
    docx : WordOutput, optional
        Also write ``report.docx``, in the kit's styles or a template's (:func:`docx_option` checks it).

    Returns
    -------
    ReportPaths

    Raises
    ------
    ReportFailed
        If the notebook failed (``report.failed.ipynb`` is then kept beside the previous report).
    """
    from impact_kit import __version__

    target = report.target(out)
    written = produce_report(
        notebook or report.NOTEBOOK,
        parameters=report.parameters(dataset.folder, Path(out)),
        target=target,
        label=report.label,
        title=report.page_title,
        lang=report.lang,
        metadata={"version": __version__, **report.metadata()},
        browser=browser,
        timeout=timeout,
        engine=engine,
        also_write=report.also_write,
        docx=docx,
    )
    return ReportPaths(written.html, written.notebook, written.pdf, report.indicators_file(target), written.docx)


def produce_report(
    notebook: str | Path,
    *,
    parameters: Mapping[str, Any],
    target: Path,
    label: str,
    title: str,
    lang: str,
    metadata: Mapping[str, Any],
    browser: str | None = None,
    timeout: float | None = None,
    engine: str | None = None,
    also_write: Callable[[Path], object] | None = None,
    docx: DocxOption = None,
) -> ReportPaths:
    """Run a master notebook in a private run folder and write ``report.ipynb`` and ``report.html`` in ``target``.

    What a site report and a portfolio report share: the executed notebook records
    relative paths and ``metadata`` (under ``impact_kit``). Its files (with
    ``also_write(folder)``'s, the portfolio's indicators.csv, ``report.pdf`` when a
    ``browser`` is given, and ``report.docx``, made from the same page before any file is
    written, when ``docx`` is given: True for the kit's template, a path for that one) are
    written in a staging folder that then takes ``target``'s place in one step
    (:func:`impact_kit.reports.publish.staged`): the set is replaced whole or not at all,
    whatever stops the run.

    Raises
    ------
    ReportFailed
        If the notebook failed: ``report.failed.ipynb`` is then kept in ``target``, beside
        the previous report, which is left as it was; the message starts with ``label``.
    """
    with run_folder() as work:
        executed = work / "report.ipynb"
        run = _without_exploration(Path(notebook), work)
        try:
            with report_run():  # a cell calling report.export() does nothing in this run
                nb = execute_notebook(
                    run, executed, parameters=parameters, cwd=Path.cwd(), workdir=work, timeout=timeout,
                    engine=engine,
                )  # fmt: skip
        except ReportFailed as exc:
            kept = _keep_failed(executed, target) if exc.notebook else None
            where = f" Open {kept} to see where." if kept else ""
            raise ReportFailed(f"{label}: {exc}{where}", notebook=kept) from None
        _relative_paths(nb, Path(notebook), target / "report.ipynb")
        nb.metadata["impact_kit"] = dict(metadata)
        page = export_html(nb, lang=lang, title=title)
        document = report_docx(page, docx, label=label, lang=lang, title=title) if docx else None
        with staged(target) as stage:  # every file of the set, then one swap: never a mix of two runs
            if also_write is not None:
                also_write(stage)
            with atomic_write(stage / "report.ipynb", "w", encoding="utf-8") as handle:
                nbformat.write(nb, handle)
            with atomic_write(stage / "report.html", "w", encoding="utf-8") as handle:
                handle.write(page)
            if document is not None:
                with atomic_write(stage / "report.docx", "wb") as binary:
                    binary.write(document)
            if browser:
                print_pdf(stage / "report.html", stage / "report.pdf", workdir=work, browser=browser)
        html = target / "report.html"
        pdf_path = target / "report.pdf" if browser else None
    return ReportPaths(html, target / "report.ipynb", pdf_path, docx=target / "report.docx" if document else None)


def _relative_paths(nb: nbformat.NotebookNode, notebook: Path, output: Path) -> None:
    """Record the notebook's paths as papermill does, but relative: no path of this machine in report.ipynb."""
    meta = nb.metadata.get("papermill", {})
    packaged = notebook.resolve().is_relative_to(NOTEBOOKS_DIR)
    meta["input_path"] = f"impact_kit/notebooks/{notebook.name}" if packaged else relative_to_cwd(notebook)
    meta["output_path"] = relative_to_cwd(output)


def _without_exploration(notebook: Path, work: Path) -> Path:
    """Return the notebook to run: a master as it is, a working notebook without its exploration (in ``work``)."""
    if notebook.resolve().is_relative_to(NOTEBOOKS_DIR):
        return notebook
    selected, left_out = report_cells(nbformat.read(notebook, as_version=4))
    if not left_out:
        return notebook
    run = work / "selected.ipynb"
    with run.open("w", encoding="utf-8") as handle:
        nbformat.write(selected, handle)
    return run


def _keep_failed(executed: Path, target: Path) -> Path | None:
    if not executed.exists():
        return None
    target.mkdir(parents=True, exist_ok=True)
    kept = target / "report.failed.ipynb"
    with atomic_write(kept, "wb") as handle:
        handle.write(executed.read_bytes())
    return kept
