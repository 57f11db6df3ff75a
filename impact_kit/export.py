"""Run the master notebook for a site and year, and export it to one offline HTML file.

:func:`run_report` executes ``notebooks/site_report.ipynb`` with papermill and
converts the result with nbconvert and the kit's own template (extending ``lab``):
no code, no prompts, no parameters, no script or style from the network, charts
inline. ``report.ipynb`` and ``report.html`` are each written atomically.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor
from nbformat import NotebookNode
from traitlets.config import Config

from impact_kit.exceptions import MissingDependency, ReportFailed
from impact_kit.narrative import fill, format_date, texts
from impact_kit.report import SiteReport
from impact_kit.tables import atomic_write

__all__ = [
    "BROWSERS",
    "MASTER_NOTEBOOK",
    "REMOVED_TAGS",
    "ReportPaths",
    "export_html",
    "find_browser",
    "print_pdf",
    "run_report",
]

PACKAGE = Path(__file__).resolve().parent
TEMPLATES = PACKAGE / "templates"
#: The master notebook papermill runs (the project's ``notebooks/`` folder).
MASTER_NOTEBOOK = PACKAGE.parent / "notebooks" / "site_report.ipynb"
#: Cells with these tags never reach the HTML: parameters, and notes for evaluators.
REMOVED_TAGS = frozenset({"parameters", "injected-parameters", "notes"})
#: Browsers that can print a report to PDF, tried in this order after ``$IMPACT_KIT_BROWSER``.
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


@dataclass(frozen=True)
class ReportPaths:
    """Where a report was written."""

    html: Path
    notebook: Path
    pdf: Path | None = None


def export_html(notebook: NotebookNode, *, lang: str = "fr", title: str = "", generated: dt.date | None = None) -> str:
    """Convert an executed report notebook to one self-contained HTML page.

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        The executed notebook (left unchanged).
    lang : str
        The page's language (``<html lang>`` and the footer).
    title : str
        The page's ``<title>``.
    generated : datetime.date, optional
        The generation date shown in the footer; today by default.

    Returns
    -------
    str
        The HTML page.
    """
    nb = copy.deepcopy(notebook)
    nb.metadata.pop("papermill", None)  # the run's parameters stay in report.ipynb only
    nb.metadata["title"] = title
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if not (o.output_type == "stream" and o.name == "stderr")]
    exporter = HTMLExporter(
        template_name="impact_report",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        language_code=lang,
    )
    exporter.register_preprocessor(TagRemovePreprocessor(remove_cell_tags=set(REMOVED_TAGS)), enabled=True)
    date = format_date(generated or dt.date.today(), lang)
    resources = {"impact_kit": {"generated": fill(texts(lang)["generated"], {"date": date}, lang)}}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return body


def run_report(
    site: str,
    year: int,
    *,
    data: str | Path = "data",
    out: str | Path = "reports",
    lang: str = "fr",
    pseudonymise: bool = False,
    pdf: bool = False,
    notebook: str | Path = MASTER_NOTEBOOK,
) -> ReportPaths:
    """Execute the master notebook for a site and year and write ``report.ipynb`` and ``report.html``.

    The inputs are checked first, so that a wrong site or year (or no browser, with
    ``pdf``) fails before anything is written. The outputs go to
    ``<out>/<site>/<year>/``; with ``pdf``, ``report.pdf`` too, printed by Chromium.

    Returns
    -------
    ReportPaths

    Raises
    ------
    InvalidData, NotFound
        If the data does not validate, or has no such site or year (nothing written).
    MissingDependency
        If ``pdf`` is asked for and no browser is found (nothing written).
    ReportFailed
        If the notebook failed; ``report.failed.ipynb`` then holds the executed
        notebook with the error, and any earlier report is left as it was.
    """
    import papermill as pm  # imported here: it is slow to import and only reports need it

    data = Path(data).resolve()
    report = SiteReport.load(site, year, data=data, lang=lang, pseudonymise=pseudonymise)
    browser = find_browser() if pdf else None
    target = Path(out) / report.site / str(report.year)
    target.mkdir(parents=True, exist_ok=True)
    failed = target / "report.failed.ipynb"
    executed = target / f".report.{os.getpid()}.tmp.ipynb"
    parameters = {
        "site": report.site,
        "year": report.year,
        "data": str(data),
        "lang": lang,
        "pseudonymise": pseudonymise,
    }
    try:
        pm.execute_notebook(
            str(notebook),
            str(executed),
            parameters=parameters,
            progress_bar=False,
            cwd=str(Path(notebook).parent),
            # Unix sockets, not TCP: nothing else on the machine can listen to the kernel.
            config=Config({"KernelManager": {"transport": "ipc"}}),
        )
    except pm.PapermillExecutionError as exc:
        os.replace(executed, failed)
        raise ReportFailed(
            f"{report.site} {report.year}: the notebook failed at cell {exc.exec_count} "
            f"({exc.ename}: {exc.evalue}). Open {failed} to see where.",
            notebook=failed,
        ) from None
    except BaseException:
        executed.unlink(missing_ok=True)
        raise
    try:
        nb = nbformat.read(executed, as_version=4)
        with atomic_write(target / "report.html", "w", encoding="utf-8") as handle:
            handle.write(export_html(nb, lang=lang, title=f"{report.title} · {report.year}"))
        os.replace(executed, target / "report.ipynb")
    finally:
        executed.unlink(missing_ok=True)
    failed.unlink(missing_ok=True)
    html = target / "report.html"
    pdf_path = print_pdf(html, target / "report.pdf", browser=browser) if browser else None
    return ReportPaths(html, target / "report.ipynb", pdf_path)


def find_browser() -> str:
    """Return the path of a Chromium-based browser: ``$IMPACT_KIT_BROWSER``, else the first of :data:`BROWSERS`.

    Raises
    ------
    MissingDependency
        If none is found.
    """
    wanted = os.environ.get("IMPACT_KIT_BROWSER")
    for name in [wanted] if wanted else BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    where = f"IMPACT_KIT_BROWSER={wanted!r} is not an executable" if wanted else f"none of {list(BROWSERS)} is on PATH"
    raise MissingDependency(
        f"--pdf prints the report with Chromium or Google Chrome, but {where}. Install one "
        "(Debian, Ubuntu: apt-get install chromium) or set IMPACT_KIT_BROWSER to its path. Nothing was written."
    )


def print_pdf(html: Path, pdf: Path, *, browser: str | None = None, timeout: float = 120) -> Path:
    """Print an HTML report to PDF with headless Chromium, with the report's print styles.

    The PDF is written atomically; the browser gets a fresh, throw-away profile.

    Raises
    ------
    MissingDependency
        If no browser is given and none is found.
    ReportFailed
        If the browser fails or times out.
    """
    browser = browser or find_browser()
    partial = pdf.with_name(f".{pdf.name}.{os.getpid()}.tmp")
    with tempfile.TemporaryDirectory(prefix="impact-kit-browser-") as profile:
        command = [
            browser,
            "--headless",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={partial}",
            html.resolve().as_uri(),
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.insert(1, "--no-sandbox")  # Chromium will not start its sandbox as root
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
            if done.returncode or not partial.exists() or partial.read_bytes()[:5] != b"%PDF-":
                detail = " ".join(done.stderr.strip().splitlines()[-2:])
                raise ReportFailed(f"{browser} could not print {html} to PDF (exit code {done.returncode}): {detail}")
            os.replace(partial, pdf)
        except subprocess.TimeoutExpired:
            raise ReportFailed(f"{browser} did not print {html} to PDF within {timeout:g} seconds.") from None
        finally:
            partial.unlink(missing_ok=True)
    return pdf
