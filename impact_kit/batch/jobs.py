"""A batch's jobs: one report to make, what every job shares, and how a worker makes it.

What a worker needs and nothing more, so that where jobs run (forked children here,
:mod:`impact_kit.batch.cluster` on a Dask cluster) and what plans them
(:mod:`impact_kit.batch.run`) both import it, and not each other.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from impact_kit.batch.manifest import Entry, outputs_state
from impact_kit.data.dataset import Dataset, load_dataset
from impact_kit.exceptions import ReportFailed
from impact_kit.reports.parameters import SITE_NOTEBOOK
from impact_kit.reports.word import WordOutput

__all__ = ["CHILD_ENGINE", "REPORT_MODULES", "BatchOptions", "Job", "run_job", "warm_workers"]

#: What a report's job imports besides the engine's libraries: the run, and with it the
#: site report, its charts, sentences and the export (see :func:`warm_workers`).
REPORT_MODULES = ("impact_kit", "impact_kit.render.export", "impact_kit.reports.run")

#: The papermill engine a child runs the notebook with (see impact_kit.engine).
CHILD_ENGINE = "impact-kit-inprocess"


@dataclass(frozen=True)
class Job:
    """One report to make: a site, a year, and its language and pseudonymisation."""

    site: str
    year: int
    lang: str = "fr"
    pseudonymise: bool = False
    #: The site-year's working notebook (``notebooks/<site>/<year>.ipynb``), if the evaluator made one.
    notebook: Path | None = None

    def __str__(self) -> str:
        return self.key

    @property
    def key(self) -> str:
        """``site/year``, the job's name in the manifest and in messages."""
        return f"{self.site}/{self.year}"


@dataclass(frozen=True)
class BatchOptions:
    """What every job of a batch shares (picklable: a Dask worker receives it)."""

    data: Path
    out: Path
    grid: Path | None = None  # None: the grid shipped with the kit (each worker's own)
    notebook: Path | None = None  # None: the master notebook shipped with the kit
    pdf_browser: str | None = None
    timeout: float | None = None
    docx: WordOutput | None = None  # None: no Word file; else its template (None: the kit's) and figures' place


def run_job(job: Job, options: BatchOptions) -> Entry:
    """Make one report in this process and return its manifest entry (``done`` or ``failed``).

    Meant to run in a throw-away child (it executes the notebook in this process). The
    data comes from :func:`impact_kit.data.dataset.load_dataset`, which in a batch's child
    returns the snapshot the parent validated and pinned (:func:`impact_kit.data.dataset.pinned`).
    """
    import impact_kit.reports.execute
    from impact_kit.reports.run import write_report
    from impact_kit.reports.site import SiteReport

    started = time.perf_counter()
    target = options.out / job.site / str(job.year)
    impact_kit.reports.execute.SAVE_CELLS = options.timeout is not None  # this process is the job's alone
    try:
        dataset = load_dataset(options.data, grid=options.grid)
        report = SiteReport.load(job.site, job.year, data=dataset, lang=job.lang, pseudonymise=job.pseudonymise)
        write_report(
            report, dataset, out=options.out, notebook=job.notebook or options.notebook or SITE_NOTEBOOK,
            browser=options.pdf_browser, engine=CHILD_ENGINE, docx=options.docx,
        )  # fmt: skip
    except ReportFailed as exc:
        return Entry(job.site, job.year, "", "failed", time.perf_counter() - started, str(exc), "")
    except OSError as exc:  # a full disk, a folder made read-only meanwhile: this job fails, the others go on
        error = f"{job.key}: {exc.filename or target}: {exc.strerror or exc}. Free some space, then run again."
        return Entry(job.site, job.year, "", "failed", time.perf_counter() - started, error, "")
    return Entry(job.site, job.year, "", "done", time.perf_counter() - started, None, "", outputs_state(target))


def warm_workers(*, docx: bool = False, dataset: Dataset | None = None, samples: Sequence[Job] = ()) -> None:
    """Import what the jobs need, once, in the process their children fork from.

    The engine's libraries and :data:`REPORT_MODULES` (and python-docx with ``docx``), then
    an empty notebook converted to HTML, so that what nbconvert loads on first use
    (templates, filters, lexers) is loaded here: measured ~0.15 s less per report (2 cores).
    With a ``dataset``, the charts of the ``samples`` jobs are drawn too: the children
    find the grid's texts measured (:class:`impact_kit.render.fit.MeasuredSVG`) and the
    frames of those charts drawn (:mod:`impact_kit.render.frames`).
    """
    from impact_kit import engine

    def export_once() -> None:
        import nbformat

        from impact_kit.render.export import export_html

        export_html(nbformat.v4.new_notebook())
        if dataset is None:
            return
        from impact_kit.reports.site import SiteReport

        for sample in samples:
            try:
                report = SiteReport.load(sample.site, sample.year, data=dataset, lang=sample.lang, programme=False)
                for name in report.CHARTS:
                    report.chart(name)
            except Exception:  # a warm-up only: the job itself meets the problem and reports it
                continue

    word = ("impact_kit.render.docx", "resvg_py") if docx else ()
    engine.warm((*engine.WARM_MODULES, *REPORT_MODULES, *word), prepare=export_once)
