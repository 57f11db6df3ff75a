"""Batch jobs on a Dask distributed cluster: the same jobs as a local batch, on many machines.

``impact-kit batch --scheduler tcp://HOST:8786`` sends each job to an existing cluster
whose workers have impact_kit installed and read the data folder at the same path
(shared storage); ``--scheduler local`` starts a LocalCluster of worker processes on
this machine (loopback only). Each worker reads and validates the data folder once
(:func:`impact_kit.data.dataset.load_dataset` caches it per process) and runs each report
in a forked child of itself, as the local batch does. Needs ``impact_kit[distributed]``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from impact_kit.exceptions import InvalidArgument, MissingDependency

if TYPE_CHECKING:
    from impact_kit.batch.jobs import BatchOptions, Job

__all__ = ["CLUSTER_TIMEOUT", "check_scheduler", "run_on_cluster", "worker_job"]

#: Seconds one report may take on a cluster when no timeout is given: a report forked from a
#: worker (a threaded process) that hangs is stopped instead of holding its worker for ever.
CLUSTER_TIMEOUT = 600.0


def worker_job(job: Job, options: BatchOptions) -> Any:
    """Run one job on a Dask worker: in a forked child of the (warm) worker process.

    The worker reads and validates the data folder, and computes the programme's figures,
    once (cached in its process) before forking, so its children reuse them.
    """
    from impact_kit import engine
    from impact_kit.batch.jobs import run_job, warm_workers
    from impact_kit.data.dataset import load_dataset
    from impact_kit.indicators.programme import programme_of

    warm_workers()
    programme_of(load_dataset(options.data, grid=options.grid))
    return engine.run_isolated(run_job, job, options, timeout=options.timeout or CLUSTER_TIMEOUT)


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
    jobs: Sequence[Job], options: BatchOptions, *, scheduler: str, workers: int | None = None
) -> Iterator[tuple[Job, Any]]:
    """Submit the jobs to a Dask cluster and yield ``(job, entry or exception)`` as they finish.

    Parameters
    ----------
    jobs : sequence of Job
        The jobs.
    options : BatchOptions
        What they share; its paths must be valid on the workers.
    scheduler : str
        ``"local"`` for a LocalCluster on this machine, or a scheduler address ``tcp://host:port``.
    workers : int, optional
        Worker processes of a LocalCluster (the CPUs by default).

    Raises
    ------
    MissingDependency
        If dask.distributed is not installed.
    """
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise MissingDependency(
            "Running on a Dask cluster needs dask.distributed: pip install 'impact_kit[distributed]'."
        ) from None
    if not jobs:
        return
    cluster = None
    if scheduler == "local":
        cluster = LocalCluster(
            n_workers=workers or os.cpu_count() or 1,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",  # any free port: 8787 may be taken by another cluster
            scheduler_port=0,
        )
        client = Client(cluster)
    else:
        try:
            client = Client(scheduler, timeout=30)
        except (OSError, TimeoutError) as exc:
            raise InvalidArgument(
                f"No Dask scheduler answered at {scheduler} ({exc}). Check that it runs and that this "
                "machine can reach it."
            ) from None
    try:
        futures = {client.submit(worker_job, job, options, pure=False): job for job in jobs}
        for future in as_completed(futures):
            job = futures[future]
            try:
                yield job, future.result()
            except Exception as exc:  # a job's failure is reported, the others go on
                yield job, exc
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
