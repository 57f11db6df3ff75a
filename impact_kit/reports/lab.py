"""Exporting from JupyterLab: the report of the notebook being edited, as ``impact-kit report`` writes it.

:func:`export_report` is what ``report.export()`` in a cell does: what
``impact-kit report SITE YEAR --notebook FILE`` does on the notebook as last saved, in a
forked child of the kernel (warm: the kit and its libraries are imported already), the
notebook run by the kit's in-process engine as a batch's child runs it, so that the page
equals what ``impact-kit report`` and ``impact-kit batch`` write for the same notebook,
in a tenth of the time (bench/README.md); the cell then shows a link to it.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from impact_kit.files import relative_to_cwd

if TYPE_CHECKING:
    from impact_kit.reports.portfolio import PortfolioReport
    from impact_kit.reports.run import ReportPaths

__all__ = [
    "CHILD_ENGINE",
    "IN_RUN",
    "Exported",
    "current_notebook",
    "export_portfolio",
    "export_report",
    "in_report_run",
    "remember_runs",
    "report_run",
]

#: The papermill engine the export's child runs the notebook with (a batch's children use it too).
CHILD_ENGINE = "impact-kit-inprocess"
#: Set in the environment while the kit runs a report's notebook: ``export()`` then does nothing.
IN_RUN = "IMPACT_KIT_REPORT_RUN"


def in_report_run() -> bool:
    """Return True inside a notebook that the kit itself is running (a report, a batch job)."""
    return bool(os.environ.get(IN_RUN))


@contextmanager
def report_run() -> Iterator[None]:
    """Mark the environment (inherited by a kernel started inside) as a run of the kit's own."""
    before = os.environ.get(IN_RUN)
    os.environ[IN_RUN] = "1"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(IN_RUN, None)
        else:
            os.environ[IN_RUN] = before


#: When the last cell of this kernel started and ended (``time.time()``), once :func:`remember_runs` watches them.
_LAST_RUN: dict[str, float] = {}

#: What an export's child uses besides the engine's libraries, imported in the kernel before it forks.
EXPORT_MODULES = ("impact_kit.render.export", "impact_kit.reports.run")
#: The order in which an idle kernel imports them (the heaviest first: jsonschema is ~1 s of nbformat's import).
_IDLE_MODULES = ("jsonschema", "nbformat", "nbclient", "nbconvert", "papermill", "impact_kit.engine", *EXPORT_MODULES)


def remember_runs() -> None:
    """Watch this IPython kernel's cells: ``export()`` then tells work not saved yet, and is warm the first time.

    Called when a report is loaded in a kernel (not in the kit's own runs); registers one
    pair of hooks per kernel, and starts warming the export while no cell runs
    (:mod:`impact_kit.reports.warmup`): the first ``report.export()`` then forks a kernel
    that imported its libraries already, as every later one does.
    """
    if in_report_run() or "IPython" not in sys.modules or "watching" in _LAST_RUN:
        return
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None:
        shell.events.register("pre_run_cell", _starts)
        shell.events.register("post_run_cell", _ran)
        _LAST_RUN["watching"] = 1.0
        from impact_kit.reports.warmup import warm_when_idle

        warm_when_idle(_IDLE_MODULES, idle=_idle_for, prepare=_warm)


def _starts(info: object) -> None:
    _LAST_RUN["started"] = time.time()


def _ran(result: object) -> None:
    _LAST_RUN["ended"] = time.time()


def _idle_for() -> float | None:
    """Seconds since this kernel's last cell ended; None while one runs (or before the first ends)."""
    ended = _LAST_RUN.get("ended")
    if ended is None or _LAST_RUN.get("started", 0.0) > ended:
        return None
    return time.time() - ended


def _ready() -> None:
    """Stop the idle warm-up (it may be mid-step), then finish warming in the foreground, before forking."""
    from impact_kit.reports.warmup import settle

    settle()
    _warm()


def _warm() -> None:
    """Import what an export's child needs, and convert an empty notebook once (nbconvert's templates)."""
    from impact_kit.engine import WARM_MODULES, warm

    def convert_once() -> None:
        import nbformat

        from impact_kit.render.export import export_html

        export_html(nbformat.v4.new_notebook())

    if "converted" not in _LAST_RUN:
        warm((*WARM_MODULES, *EXPORT_MODULES), prepare=convert_once)
        _LAST_RUN["converted"] = 1.0


def _unsaved(notebook: Path) -> str | None:
    """Return a warning if cells ran in this kernel after the notebook was last saved (Lab holds unsaved work)."""
    ended = _LAST_RUN.get("ended")
    # A second's slack: file systems stamp files with a coarse clock, and no one saves that fast after a run.
    if ended is None or notebook.stat().st_mtime >= ended - 1.0:
        return None
    return (
        f"warning: {relative_to_cwd(notebook)} was last saved before the cells you ran since: the report is "
        "made from the notebook as saved. Save it (Ctrl+S), then export again to include your latest changes."
    )


def current_notebook() -> Path | None:
    """Return the notebook this kernel runs for: JupyterLab's (``JPY_SESSION_NAME``) or VS Code's, if any."""
    named = os.environ.get("JPY_SESSION_NAME", "")
    if not named and "IPython" in sys.modules:
        from IPython import get_ipython

        shell = get_ipython()
        named = str(getattr(shell, "user_ns", {}).get("__vsc_ipynb_file__", "")) if shell else ""
    path = Path(named)
    return path if named.endswith(".ipynb") and path.is_file() else None


@dataclass(frozen=True)
class Exported:
    """The files an export wrote; shown in a cell as links to them."""

    html: Path
    pdf: Path | None = None
    docx: Path | None = None

    def _links(self) -> list[tuple[str, Path]]:
        return [(p.name, p) for p in (self.html, self.pdf, self.docx) if p is not None]

    def __repr__(self) -> str:
        return "\n".join(f"Written: {relative_to_cwd(path)}" for _, path in self._links())

    def _repr_html_(self) -> str:
        links = " · ".join(
            f'<a href="{escape(relative_to_cwd(path))}" target="_blank" rel="noopener">{escape(name)}</a>'
            for name, path in self._links()
        )
        return f'<p class="ik-exported">{links} <code>{escape(str(self.html.parent))}</code></p>'


def export_report(
    site: str,
    year: int,
    *,
    data: Path,
    notebook: str | Path | None = None,
    out: str | Path | None = None,
    grid: Path | None = None,
    lang: str = "fr",
    pseudonymise: bool = False,
    pdf: bool = False,
    docx: bool = False,
    docx_template: Path | None = None,
) -> Exported | None:
    """Write ``report.html`` (and ``report.pdf``, ``report.docx``) of a site-year from a notebook as last saved.

    Parameters
    ----------
    site, year : str, int
        The report.
    data : Path
        The data folder (absolute).
    notebook : str or Path, optional
        The notebook to run; by default the one this kernel belongs to in JupyterLab (or
        VS Code). A kernel of no editor's (papermill's, a script's) exports nothing
        unless it is given.
    out : str or Path, optional
        The reports folder; ``reports`` beside the data folder by default.
    grid : Path, optional
        A grid file of the user's (None: the grid shipped with the kit).
    lang, pseudonymise, pdf, docx, docx_template
        As for ``impact-kit report`` (``--docx``, ``--docx-template``).

    Returns
    -------
    Exported or None
        The files written, shown in a cell as links; None inside a run of the kit
        itself (a batch running a notebook that calls ``export()`` exports nothing more)
        or of no editor's, with no ``notebook`` given.

    Raises
    ------
    ReportFailed
        If the report could not be written (a cell tagged ``report`` failed); the message is the command line's.
    InvalidData, NotFound, InvalidArgument, MissingDependency
        As ``impact-kit report`` raises them (nothing written).

    Notes
    -----
    A warning goes to stderr (the cell shows it) when cells ran in this kernel after the
    notebook was last saved: JupyterLab then holds work the report does not have.
    """
    if in_report_run():
        return None
    chosen = Path(notebook) if notebook is not None else current_notebook()
    if chosen is None:  # papermill or nbclient running the master by hand: no saved notebook to export
        print(
            "export(): this kernel belongs to no notebook open in JupyterLab; nothing exported. "
            f"Give it one, report.export(notebook=...), or run `impact-kit report {site} {year}`.",
            file=sys.stderr,
        )
        return None
    if said := _unsaved(chosen):
        print(said, file=sys.stderr)
    target = Path(out) if out is not None else data.parent / "reports"
    from impact_kit.engine import run_isolated

    _ready()  # once per kernel (done already if it was idle a few seconds): what every export's child shares
    options: dict[str, Any] = {"grid": grid, "lang": lang, "pseudonymise": pseudonymise, "pdf": pdf, "docx": docx}
    paths, lines = run_isolated(
        _export_in_child, site, int(year), data, target.absolute(), chosen.absolute(), docx_template=docx_template,
        **options,
    )  # fmt: skip
    for line in lines:  # an older master; exploration left out
        print(line, file=sys.stderr)
    return Exported(paths.html, paths.pdf, paths.docx)


def _export_in_child(
    site: str, year: int, data: Path, out: Path, notebook: Path, **options: Any
) -> tuple[ReportPaths, list[str]]:
    """Do what ``impact-kit report SITE YEAR --notebook FILE --out OUT`` does, in a forked child of the kernel.

    The notebook runs in this child (the kit's in-process engine, as a batch's child runs
    it), from the project folder as a terminal's run would: no new Python, no new kernel.
    Returns the paths and the lines the command line would print on stderr (the child's
    stderr is the kernel's, whose sending thread a fork does not copy).
    """
    from impact_kit.reports.run import run_report

    os.chdir(data.parent)  # paths in report.ipynb relative to the project, as from a terminal there
    said: list[str] = []
    paths = run_report(
        site, year, data=data, out=out, notebook=notebook, engine=CHILD_ENGINE,
        on_warning=lambda line: said.append(f"warning: {line}"), on_note=lambda line: said.append(f"note: {line}"),
        **options,
    )  # fmt: skip
    return paths, said


def export_portfolio(
    report: PortfolioReport, *, pdf: bool = False, docx: bool = False, docx_template: str | Path | None = None
) -> Exported | None:
    """Write a portfolio as ``impact-kit portfolio YEAR`` does, from JupyterLab, in a forked child of the kernel.

    The page is made from the kit's master notebook, for the report's year, sites,
    language and pseudonymisation, into its reports folder (``out``; ``reports`` beside the
    data folder by default): the copy open in Lab is to read and explore, and none of its
    cells enters the page.

    Returns
    -------
    Exported or None
        The files written; None in a run of the kit's own.

    Raises
    ------
    NotFound
        If the report was built without its data folder.
    ReportFailed, InvalidArgument, MissingDependency
        As ``impact-kit portfolio`` raises them.
    """
    from impact_kit.exceptions import NotFound
    from impact_kit.grid.file import user_grid_file

    if in_report_run():
        return None
    if report.dataset is None:
        raise NotFound("This portfolio was built without its data folder: load it with PortfolioReport.load().")
    from impact_kit.engine import run_isolated

    _ready()
    data = report.dataset.folder
    out = report.out or data.parent / "reports"
    options: dict[str, Any] = {
        "grid": user_grid_file(report.grid), "lang": report.lang, "pseudonymise": report.pseudonymise,
        "sites": list(report.selection) or None, "pdf": pdf, "docx": docx,
        "docx_template": Path(docx_template) if docx_template else None,
    }  # fmt: skip
    paths = run_isolated(_portfolio_in_child, report.year, data, out.absolute(), **options)
    return Exported(paths.html, paths.pdf, paths.docx)


def _portfolio_in_child(year: int, data: Path, out: Path, **options: Any) -> ReportPaths:
    from impact_kit.reports.run import run_portfolio

    os.chdir(data.parent)  # as from a terminal in the project: report.ipynb records paths relative to it
    return run_portfolio(year, data=data, out=out, **options)
