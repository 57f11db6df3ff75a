"""Every site and year in one command: plan, run on warm isolated workers, resume, index.

:func:`run_batch` validates the data folder once, plans one job per (site, year),
skips the jobs whose inputs and files did not change since the last run (see
:mod:`impact_kit.batch.manifest`), runs the others and writes ``reports/index.html``.

Locally, the parent process imports the kit and its libraries once
(:func:`impact_kit.engine.warm`) and each report runs in a forked child of it
(:func:`impact_kit.engine.map_isolated`): no kernel to start, nothing shared between
reports, a crash or a timeout costs one job. With ``scheduler``, the same jobs go to a
Dask distributed cluster (:mod:`impact_kit.batch.cluster`).
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from impact_kit.batch.jobs import BatchOptions, Job, run_job, warm_workers
from impact_kit.batch.manifest import Entry, Manifest, fingerprints, finished_state, notebook_digest
from impact_kit.batch.progress import Progress
from impact_kit.data.dataset import Dataset, load_dataset, pinned, site_not_found
from impact_kit.exceptions import NotFound
from impact_kit.files import check_writable, folder_lock
from impact_kit.grid.file import user_grid_file
from impact_kit.grid.model import Grid
from impact_kit.indicators.programme import Programme, programme_of
from impact_kit.reports.parameters import SITE_NOTEBOOK, read_parameters
from impact_kit.reports.working import (
    commentary_cells,
    find_working_notebook,
    older_than_master,
    working_notebook_refusal,
)
from impact_kit.words import check_lang

__all__ = ["BatchOptions", "BatchResult", "Job", "plan", "run_batch", "run_job"]  # the jobs: impact_kit.batch.jobs

#: Seconds between two writes of the manifest while jobs finish (and once at the end).
SAVE_EVERY = 2.0


@dataclass
class BatchResult:
    """What a batch did."""

    planned: int
    skipped: list[Job] = field(default_factory=list)
    done: list[Job] = field(default_factory=list)
    failed: list[tuple[Job, str]] = field(default_factory=list)
    seconds: float = 0.0
    index: Path | None = None
    errors: list[str] = field(default_factory=list)  # the manifest or index that could not be written
    #: Sentences for the user: working notebooks copied from an older master.
    warnings: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 if every job is done or up to date and every file written, 1 otherwise."""
        return 1 if self.failed or self.errors else 0


def plan(
    dataset: Dataset,
    *,
    years: Sequence[int] = (),
    sites: Sequence[str] = (),
    lang: str = "fr",
    pseudonymise: bool = False,
    parameters: Path | None = None,
) -> list[Job]:
    """Return one job per (site, year) present in the data, filtered by ``years`` and ``sites``.

    Parameters
    ----------
    dataset : Dataset
        The validated data.
    years, sites : sequences
        Keep only these years and sites (every one by default).
    lang, pseudonymise : str, bool
        Every job's language and pseudonymisation, unless its parameters file says otherwise.
    parameters : Path, optional
        A folder of papermill parameters files named ``<site>_<year>.yaml`` (``parameters/``):
        a job's file sets its ``lang`` and ``pseudonymise``.

    Raises
    ------
    NotFound
        If a site or a year asked for is not in the data.
    InvalidArgument
        If a parameters file names a parameter the notebook does not have.
    """
    pairs = dataset.observations[["site", "year"]].drop_duplicates()
    known_sites, known_years = set(pairs["site"]), {int(y) for y in pairs["year"]}
    unknown = [s for s in sites if s not in dataset.sites.index]
    if unknown:
        raise site_not_found(dataset, unknown[0])
    missing = [s for s in sites if s not in known_sites] + [str(y) for y in years if y not in known_years]
    if missing:
        raise NotFound(
            f"{dataset.folder} has no observations for {', '.join(map(repr, missing))}. "
            "`impact-kit validate` lists its sites and years."
        )
    keep = pd.Series(True, index=pairs.index)
    if sites:
        keep &= pairs["site"].isin(list(sites))
    if years:
        keep &= pairs["year"].isin(list(years))
    wanted = pairs[keep]
    jobs = [
        Job(str(s), int(y), lang, pseudonymise, find_working_notebook(dataset, str(s), int(y)))
        for s, y in sorted(wanted.itertuples(index=False, name=None))
    ]
    return [_with_parameters(job, parameters) for job in jobs] if parameters else jobs


def _with_parameters(job: Job, folder: Path) -> Job:
    path = folder / f"{job.site}_{job.year}.yaml"
    if not path.is_file():
        return job
    values = read_parameters(path, site=job.site, year=job.year)
    lang = check_lang(str(values.get("lang", job.lang)))
    return replace(job, lang=lang, pseudonymise=bool(values.get("pseudonymise", job.pseudonymise)))


def run_batch(
    *,
    data: str | Path = "data",
    out: str | Path = "reports",
    grid: Grid | str | Path | None = None,
    years: Sequence[int] = (),
    sites: Sequence[str] = (),
    workers: int | None = None,
    scheduler: str | None = None,
    force: bool = False,
    lang: str = "fr",
    pseudonymise: bool = False,
    pdf: bool = False,
    docx: bool | str = False,
    docx_template: str | Path | None = None,
    timeout: float | None = None,
    parameters: str | Path | None = None,
    notebook: str | Path = SITE_NOTEBOOK,
    progress: bool | None = None,
) -> BatchResult:
    """Make every (site, year) report of a data folder; skip those whose inputs and files did not change.

    Parameters
    ----------
    data, out : str or Path
        The data folder and the reports folder.
    grid : Grid, str or Path, optional
        The grid or a grid file; the Commune Mesure grid by default.
    years, sites : sequences
        Only these years and sites (all by default).
    workers : int, optional
        Reports at a time (local) or worker processes (``scheduler="local"``); the CPUs by default.
    scheduler : str, optional
        None runs here; ``"local"`` starts a Dask LocalCluster; ``"tcp://host:port"`` uses a cluster.
    force : bool
        Redo every job, changed or not.
    lang, pseudonymise, pdf, timeout
        The reports' language, pseudonymisation, PDF, and the seconds one report may take.
    docx, docx_template : bool, str or Path
        Also write each ``report.docx`` (Word), in the kit's styles or in a funder's
        template's (a template implies ``docx``; its bytes are part of each fingerprint); a
        string says where the charts' figures go (``--docx-data``).
    parameters : str or Path, optional
        A folder of ``<site>_<year>.yaml`` parameters files that set a job's language or
        pseudonymisation (``parameters/``).
    notebook : str or Path
        The master notebook.
    progress : bool, optional
        Show a progress bar (plain lines when False); by default when stderr is a terminal.

    Returns
    -------
    BatchResult
        Jobs done, skipped and failed; ``exit_code`` is 1 if any failed.

    Raises
    ------
    InvalidData, NotFound, GridError, InvalidArgument, MissingDependency
        Before anything is written, if the inputs are wrong.
    KeyboardInterrupt
        On Ctrl-C, after the running children are stopped and the manifest is written.
    """
    from impact_kit.render.pdf import find_browser
    from impact_kit.reports.run import docx_option

    started = time.perf_counter()
    check_lang(lang)
    if scheduler:
        from impact_kit.batch.cluster import check_scheduler

        check_scheduler(scheduler)
    dataset = load_dataset(data, grid=grid)
    folder = Path(parameters) if parameters else None
    jobs = plan(dataset, years=years, sites=sites, lang=lang, pseudonymise=pseudonymise, parameters=folder)
    options = BatchOptions(
        data=dataset.folder,
        out=Path(out).resolve(),
        # What ships with the kit is named by nothing: a cluster's workers use their own install's.
        grid=user_grid_file(dataset.grid),
        notebook=None if Path(notebook).resolve() == SITE_NOTEBOOK.resolve() else Path(notebook).resolve(),
        pdf_browser=find_browser() if pdf else None,
        timeout=timeout,
        docx=docx_option(docx, docx_template),
    )
    # A funder's template changes every Word file: its bytes join the fingerprints (the kit's is in the package's).
    word = options.docx
    template = hashlib.sha256(word.template.read_bytes()).hexdigest() if word and word.template else ""
    template += f"|data={word.data}" if word and word.data != "appendix" else ""  # --docx-data, when not the default
    check_writable(options.out)
    created = not options.out.exists()
    options.out.mkdir(parents=True, exist_ok=True)
    try:
        return _batch(dataset, jobs, options, started, force=force, pdf=pdf, lang=lang, notebook=Path(notebook),
                      template=template, workers=workers, scheduler=scheduler, progress=progress)  # fmt: skip
    except BaseException:
        if created and not any(options.out.iterdir()):  # no scheduler, a Ctrl-C at once: leave no empty folder
            options.out.rmdir()
        raise


def _batch(
    dataset: Dataset,
    jobs: list[Job],
    options: BatchOptions,
    started: float,
    *,
    force: bool,
    pdf: bool,
    lang: str,
    notebook: Path,
    template: str,
    workers: int | None,
    scheduler: str | None,
    progress: bool | None,
) -> BatchResult:
    from impact_kit.batch.index import write_index

    with _only_batch_in(options.out):
        manifest = Manifest.read(options.out)
        # Computed once here, before the children are forked: every report places its site in it.
        programme = programme_of(dataset)
        known = set(dataset.sites.index)
        prints = fingerprints(
            dataset,
            [(j.site, j.year) for j in jobs],
            notebook=Path(notebook).resolve(),
            parameters={},
            extra={
                (j.site, j.year): "|".join(
                    (
                        j.lang,
                        str(j.pseudonymise),
                        _redactions(dataset, j, known),
                        _programme(programme, j.year),
                        notebook_digest(j.notebook) if j.notebook else "",
                    )
                    + ((template,) if template else ())
                )
                for j in jobs
            },
        )
        result = BatchResult(planned=len(jobs))
        result.warnings = [said for j in jobs if j.notebook and (said := older_than_master(j.notebook))]
        todo = []
        for job in jobs:
            folder = options.out / job.site / str(job.year)
            up_to_date = manifest.up_to_date(
                job.key, prints[(job.site, job.year)], folder, pdf=pdf, docx=bool(options.docx)
            )
            if job.notebook and (refused := working_notebook_refusal(job.notebook, job.site, job.year)):
                manifest.record(job.key, Entry(job.site, job.year, "", "failed", 0.0, f"{job.key}: {refused}"))
                result.failed.append((job, f"{job.key}: {refused}"))  # that report fails, the others go on
            elif not force and up_to_date:
                result.skipped.append(job)
            else:
                todo.append(job)
        try:
            with pinned(dataset):  # the children use this snapshot: the folder is never read again
                _run(
                    todo,
                    options,
                    dataset,
                    prints,
                    manifest,
                    result,
                    workers=workers,
                    scheduler=scheduler,
                    progress=progress,
                )
        finally:
            _clean(options.out, todo)
            result.errors += _attempt(manifest.write)[1]
        result.index, errors = _attempt(lambda: write_index(dataset, manifest, options.out, lang=lang))
        result.errors += errors
    result.seconds = time.perf_counter() - started
    return result


def _only_batch_in(out: Path) -> AbstractContextManager[None]:
    """Hold a lock on the reports folder for the whole batch: a second batch on it is refused, not merged."""
    return folder_lock(
        out, busy=f"{out}: another batch is writing reports there. Wait for it to end, or give this one another --out."
    )


def _attempt(write: Callable[[], Any]) -> tuple[Any, list[str]]:
    """Call ``write``; return what it returns and ``[]``, or None and the message if the disk refused it."""
    try:
        return write(), []
    except OSError as exc:
        return None, [f"{exc.filename or 'a file'}: {exc.strerror or exc}. Free some space, then run the batch again."]


def _clean(out: Path, jobs: list[Job]) -> None:
    """Remove what children stopped by a Ctrl-C or a crash left (run folders, staging folders), in this run."""
    from impact_kit.files import remove_stale_runs
    from impact_kit.reports.publish import remove_stale_stages

    remove_stale_runs()
    for site in sorted({job.site for job in jobs}):
        if (out / site).is_dir():
            remove_stale_stages(out / site)


def _programme(programme: Programme, year: int) -> str:
    """Return the programme's figures a report of ``year`` shows, as text (nothing below MIN_SITES sites)."""
    if not programme.covers(year):
        return ""
    figures: list[object] = [programme.sites[year], programme.criteria.get(year)]
    for counts in (programme.observed, programme.negative, programme.intensity):  # negative: said apart (issue 24)
        figures += sorted((k, v) for k, v in counts.items() if k[0] == year)
    return repr(figures)


def _redactions(dataset: Dataset, job: Job, sites: set[str]) -> str:
    """Return the redaction list a pseudonymised job depends on, as text (nothing for the others)."""
    if not job.pseudonymise:
        return ""
    from impact_kit.data.redactions import load_redactions

    return repr(load_redactions(dataset.folder, job.site, sites=sites))


def _run(
    todo: list[Job],
    options: BatchOptions,
    dataset: Dataset,
    prints: dict[tuple[str, int], str],
    manifest: Manifest,
    result: BatchResult,
    *,
    workers: int | None,
    scheduler: str | None,
    progress: bool | None,
) -> None:
    if scheduler:
        from impact_kit.batch.cluster import run_on_cluster

        finished: Iterable[tuple[Job, Entry | BaseException]] = run_on_cluster(
            todo, options, dataset, scheduler=scheduler, workers=workers
        )
    else:
        finished = _run_here(todo, options, dataset, workers=workers)
    last_save = time.monotonic()
    with Progress(len(todo), enabled=progress) as bar:
        for job, outcome in finished:
            entry = outcome if isinstance(outcome, Entry) else _crashed(job, outcome, options.out)
            entry.fingerprint = prints[(job.site, job.year)]
            entry.commentary = commentary_cells(job.notebook) if job.notebook else 0
            manifest.record(job.key, entry)
            if entry.status == "done":
                result.done.append(job)
            else:
                result.failed.append((job, entry.error or "failed"))
            bar.update(job, entry)
            if time.monotonic() - last_save > SAVE_EVERY:
                _attempt(manifest.write)  # a full disk now: the jobs go on, the last write says it
                last_save = time.monotonic()
    # Once every worker is gone: a job a lost worker had done may have been done again since.
    for job in result.done:
        finished_state(manifest.entries[job.key], options.out / job.site / str(job.year), docx=bool(options.docx))


def _run_here(
    todo: list[Job], options: BatchOptions, dataset: Dataset, *, workers: int | None
) -> Iterator[tuple[Job, Any]]:
    from impact_kit import engine
    from impact_kit.render.export import warm_exporters

    if not todo:
        return iter(())
    warm_workers(docx=bool(options.docx), dataset=dataset, samples=_samples(todo, dataset))
    warm_exporters({job.lang for job in todo})
    return engine.map_isolated(
        lambda job: run_job(job, options), todo, workers=workers or os.cpu_count(), timeout=options.timeout
    )


def _samples(todo: list[Job], dataset: Dataset) -> list[Job]:
    """Jobs whose charts the parent draws before the fork: one per span of years (their frames differ).

    Up to 4, and one for every 3 jobs: each costs the parent about one report's charts, and
    saves each child whose frames it drew about as much.
    """
    most = min(4, len(todo) // 3)
    if not most:
        return []
    years = dataset.observations.groupby("site")["year"].unique()
    spans: set[tuple[int, ...]] = set()
    picked: list[Job] = []
    for job in todo:
        span = tuple(sorted(int(y) for y in years.get(job.site, ()) if y <= job.year))
        if span not in spans:
            spans.add(span)
            picked.append(job)
            if len(picked) == most:
                break
    return picked


def _crashed(job: Job, error: BaseException, out: Path) -> Entry:
    message = str(error) or type(error).__name__
    pid = getattr(error, "pid", None)
    if pid is not None:  # a child stopped (timeout) or killed: keep its notebook, remove its files, now
        from impact_kit.reports.salvage import salvage

        kept = salvage(pid, out / job.site / str(job.year), message)
        message += f" Open {kept} to see where." if kept else ""
    return Entry(job.site, job.year, "", "failed", 0.0, f"{job.key}: {message}", "")
