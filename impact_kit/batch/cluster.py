"""Batch jobs on a Dask distributed cluster: the same jobs as a local batch, on many machines.

``impact-kit batch --scheduler tcp://HOST:8786`` sends each job to an existing cluster
whose workers have impact_kit installed and write the reports folder at the same path
(shared storage); ``--scheduler local`` starts a LocalCluster of worker processes on
this machine (loopback only). The batch validates the data folder once and sends
that snapshot to the cluster once; no worker reads the folder; each worker runs each
report in a forked child of itself, as the local batch does. A cluster with no worker
left fails the remaining jobs after :data:`NO_WORKERS_WAIT` seconds. Needs
``impact_kit[distributed]``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from impact_kit.exceptions import InvalidArgument, MissingDependency, WorkerCrashed

if TYPE_CHECKING:
    from impact_kit.batch.jobs import BatchOptions, Job
    from impact_kit.data.dataset import Dataset

__all__ = [
    "CLUSTER_TIMEOUT",
    "CONNECT_TIMEOUT",
    "NO_WORKERS_WAIT",
    "POLL_EVERY",
    "check_scheduler",
    "run_on_cluster",
    "worker_job",
]

#: Seconds one report may take on a cluster when no timeout is given: a report forked from a
#: worker (a threaded process) that hangs is stopped instead of holding its worker for ever.
CLUSTER_TIMEOUT = 600.0
#: Seconds a cluster may have no worker at all before the remaining jobs are failed.
NO_WORKERS_WAIT = 30.0
#: Seconds between two looks at the cluster while no job finishes.
POLL_EVERY = 1.0
#: Seconds to wait for a scheduler to answer.
CONNECT_TIMEOUT = 30.0


def worker_job(job: Job, options: BatchOptions, dataset: Dataset) -> Any:
    """Run one job on a Dask worker: in a forked child of the (warm) worker process.

    ``dataset`` is the snapshot the batch validated (sent to the cluster once): the
    worker pins it (:func:`impact_kit.data.dataset.pinned`) and never reads the data folder.
    The programme's figures are computed once per worker before forking.
    """
    from impact_kit import engine
    from impact_kit.batch.jobs import run_job, warm_workers
    from impact_kit.data.dataset import pinned
    from impact_kit.exceptions import ExecutionTimeout, WorkerCrashed
    from impact_kit.indicators.programme import programme_of
    from impact_kit.reports.salvage import salvage

    warm_workers()
    with pinned(dataset):
        programme_of(dataset)
        try:
            return engine.run_isolated(run_job, job, options, timeout=options.timeout or CLUSTER_TIMEOUT)
        except (ExecutionTimeout, WorkerCrashed) as exc:  # cleaned here, where the child's files are
            if exc.pid is not None:
                kept = salvage(exc.pid, options.out / job.site / str(job.year), str(exc))
                exc.pid = None  # done: the batch has nothing left to clean
                if kept:
                    exc.args = (f"{exc} Open {kept} to see where.",)
            raise


def check_scheduler(scheduler: str) -> str:
    """Return ``scheduler`` if it is ``local`` or a scheduler address (``tcp://host:port``, ``tls://...``).

    Raises
    ------
    InvalidArgument
        Otherwise, saying what is expected.
    """
    scheme, _, rest = scheduler.partition("://")
    host, _, port = rest.rpartition(":")
    if scheduler == "local" or (scheme in ("tcp", "tls", "inproc", "ucx") and host and port.isdigit()):
        return scheduler
    raise InvalidArgument(
        f"The scheduler {scheduler!r} is neither 'local' nor an address such as tcp://host:8786. "
        "Give the address the Dask scheduler printed when it started."
    )


def run_on_cluster(
    jobs: Sequence[Job], options: BatchOptions, dataset: Dataset, *, scheduler: str, workers: int | None = None
) -> Iterator[tuple[Job, Any]]:
    """Submit the jobs to a Dask cluster and yield ``(job, entry or exception)`` as they finish.

    The validated ``dataset`` goes to the cluster once, as a task every job depends on. A cluster left with no
    worker for :data:`NO_WORKERS_WAIT` seconds (or whose scheduler stops answering)
    fails every remaining job with one message, instead of waiting for ever.

    Parameters
    ----------
    jobs : sequence of Job
        The jobs.
    options : BatchOptions
        What they share; its output folder must be valid on the workers.
    dataset : Dataset
        The data the batch validated: the workers use it and never read the data folder.
    scheduler : str
        ``"local"`` for a LocalCluster on this machine, or a scheduler address ``tcp://host:port``.
    workers : int, optional
        Worker processes of a LocalCluster (the CPUs by default).

    Raises
    ------
    MissingDependency
        If dask.distributed is not installed.
    InvalidArgument
        If no scheduler answers at ``scheduler``.
    """
    try:
        import dask.config
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise MissingDependency(
            "Running on a Dask cluster needs dask.distributed: pip install 'impact_kit[distributed]'."
        ) from None
    if not jobs:
        return
    from impact_kit.files import run_folder

    # Every dask-scratch-space (the workers', and the lock files the cluster's processes make in dask's
    # temporary-directory, which defaults to TMPDIR) lives in the run's folder and goes with it.
    with run_folder() as scratch, dask.config.set({"temporary-directory": str(scratch)}):
        cluster = None
        if scheduler == "local":
            cluster = LocalCluster(
                n_workers=workers or os.cpu_count() or 1,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address="127.0.0.1:0",  # any free port: 8787 may be taken by another cluster
                scheduler_port=0,
                local_directory=str(scratch),
            )
            client = Client(cluster)
        else:
            try:
                client = Client(scheduler, timeout=CONNECT_TIMEOUT)
            except (OSError, TimeoutError) as exc:
                raise InvalidArgument(
                    f"No Dask scheduler answered at {scheduler} ({exc}). Check that it runs and that this "
                    "machine can reach it."
                ) from None
        try:
            yield from _watch(client, jobs, options, dataset, scheduler)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()


def _watch(
    client: Any, jobs: Sequence[Job], options: BatchOptions, dataset: Dataset, scheduler: str
) -> Iterator[tuple[Job, Any]]:
    """Yield the jobs' outcomes as they finish; fail the rest once the cluster has had no worker for a while."""
    from dask.distributed import wait

    # Sent once as a task of its own (scatter would fail at once on a cluster with no worker yet).
    shared = client.submit(_snapshot, dataset, pure=False)
    remaining = {client.submit(worker_job, job, options, shared, pure=False): job for job in jobs}
    alone_since: float | None = None
    while remaining:
        try:
            done, _ = wait(list(remaining), timeout=POLL_EVERY, return_when="FIRST_COMPLETED")
        except TimeoutError:
            done = set()
        for future in done:
            job = remaining.pop(future)
            try:
                outcome = future.result()
            except Exception as exc:  # a job's failure is reported, the others go on
                outcome = exc
            # Released at once: a result the cluster still held would be computed again (the report
            # written again, after its entry was recorded) if the worker holding it died.
            future.release()
            yield job, outcome
        if done:
            continue
        if _workers(client):
            alone_since = None
            continue
        alone_since = alone_since or time.monotonic()
        if time.monotonic() - alone_since >= NO_WORKERS_WAIT:
            error = WorkerCrashed(
                f"the Dask cluster at {scheduler} has had no worker for {NO_WORKERS_WAIT:g} seconds, so "
                f"{len(remaining)} job{'s were' if len(remaining) != 1 else ' was'} not run. Start workers "
                "(dask worker ADDRESS) and run the batch again: the reports written are kept."
            )
            client.cancel(list(remaining))
            for job in sorted(remaining.values(), key=lambda j: (j.site, j.year)):
                yield job, error
            return


def _snapshot(dataset: Dataset) -> Dataset:
    """Return the validated data, as a task result: every job depends on it, a worker receives it once."""
    return dataset


def _workers(client: Any) -> int:
    """How many workers the scheduler has now (0 if it does not answer)."""
    try:
        return len(client.scheduler_info(n_workers=-1).get("workers", {}))
    except Exception:  # a scheduler that went away has no workers either
        return 0
