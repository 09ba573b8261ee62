"""Many jobs: a local process pool sized to the cores, or an existing Dask cluster."""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed

from pipeline.orchestrate.jobs import Job, JobResult, run_job

log = logging.getLogger(__name__)


_SPAWN = multiprocessing.get_context("spawn")


def run_jobs(
    jobs: list[Job],
    workers: int | None = None,
    scheduler: str | None = None,
    force: bool = False,
    progress: bool = False,
) -> list[JobResult]:
    """Run jobs in parallel; results in job order. One job's failure never stops another.

    The default is a local process pool sized to the cores. With ``scheduler`` (an address
    such as ``tcp://host:8786``) the same jobs go to an existing Dask distributed cluster
    through its own ``Client.map``; its workers need corpar installed and the data paths
    mounted at the same places.
    """
    if not jobs:
        return []
    bar = _progress(len(jobs), progress)
    try:
        if scheduler:
            return _run_on_dask(jobs, scheduler, force, bar)
        workers = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
        if workers == 1:
            results = []
            for j in jobs:
                results.append(run_job(j, force))
                bar.update(1)
            return results
        # Workers are spawned, not forked: a fork would inherit this process's warm kernel,
        # browser and their threads (as after an earlier in-process run) and fail on them.
        with ProcessPoolExecutor(max_workers=workers, mp_context=_SPAWN) as pool:
            futures = {pool.submit(run_job, j, force): i for i, j in enumerate(jobs)}
            results: list[JobResult | None] = [None] * len(jobs)
            for fut in as_completed(futures):
                results[futures[fut]] = fut.result()
                bar.update(1)
            return results  # type: ignore[return-value]
    finally:
        bar.close()


def _run_on_dask(jobs: list[Job], scheduler: str, force: bool, bar) -> list[JobResult]:
    from dask.distributed import Client
    from dask.distributed import as_completed as dask_completed

    with Client(scheduler) as client:
        futures = client.map(run_job, jobs, force=force, pure=False)
        for _ in dask_completed(futures):
            bar.update(1)
        return client.gather(futures)


def _progress(total: int, show: bool):
    """A tqdm progress bar on stderr (a silent one when ``show`` is false)."""
    from tqdm import tqdm

    return tqdm(total=total, desc="jobs", unit="job", disable=not show, file=sys.stderr)
