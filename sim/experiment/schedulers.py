"""Where federation runs execute: in this process, on a local process pool, or on Dask.

Every task is a pure function of its arguments (its random streams are keyed by
replication and practice), so the scheduler changes only speed, never results.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Hashable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

SCHEDULERS = ("serial", "processes", "dask")
"""``dask`` starts a local Dask cluster; a ``tcp://host:port`` address uses a running one."""


def check_scheduler(name: str) -> str:
    if name in SCHEDULERS or name.startswith(("tcp://", "tls://")):
        return name
    raise ValueError(f"unknown scheduler {name!r}: use one of {', '.join(SCHEDULERS)} or a Dask address tcp://host:port")


def slots(scheduler: str, workers: int | None = None) -> int:
    """How many tasks run at once: what splitting a run into batches should keep busy.

    One serially; ``workers`` if given; else every worker thread of a running Dask
    cluster (asked of it: a big cluster is not this machine), or this machine's cores.
    """
    check_scheduler(scheduler)
    if scheduler == "serial":
        return 1
    if workers:
        return workers
    if scheduler.startswith(("tcp://", "tls://")):
        from dask.distributed import Client

        with Client(scheduler) as client:
            return max(1, sum(client.nthreads().values()))
    return os.cpu_count() or 1


def execute(
    fn: Callable[..., Any],
    tasks: Sequence[tuple[Hashable, tuple[Any, ...]]],
    scheduler: str = "processes",
    workers: int | None = None,
) -> Iterator[tuple[Hashable, Any]]:
    """Run ``fn(*args)`` for each ``(key, args)``; yield ``(key, result)`` as each finishes.

    A result is not kept once it has been yielded (and the next one asked for), so a
    caller that folds each result and lets go of it holds one at a time, not all of them.
    Closing the iterator early (or Ctrl-C) cancels what has not started.
    """
    check_scheduler(scheduler)
    workers = max(1, min(workers or os.cpu_count() or 1, len(tasks) or 1))
    if scheduler == "serial" or (scheduler == "processes" and workers == 1):
        for key, args in tasks:
            yield key, fn(*args)
    elif scheduler == "processes":
        yield from _pool(fn, tasks, workers)
    else:
        yield from _dask(fn, tasks, scheduler, workers)


def _pool(fn: Callable[..., Any], tasks: Sequence[tuple[Hashable, tuple[Any, ...]]], workers: int) -> Iterator[tuple[Hashable, Any]]:
    pool = ProcessPoolExecutor(max_workers=workers, initializer=leave_interrupts_to_parent)
    finished = False
    try:
        futures = {pool.submit(fn, *args): key for key, args in tasks}
        for future in as_completed(futures):
            key = futures.pop(future)  # the future holds its result: drop it once passed on
            yield key, future.result()
        finished = True
    finally:
        if not finished:
            stop_workers(pool)
        pool.shutdown(wait=True, cancel_futures=True)


def leave_interrupts_to_parent() -> None:
    """A terminal's Ctrl-C reaches every process in the group. Workers ignore it, so none
    prints a traceback; the parent stops them (``stop_workers``) and reports once."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def stop_workers(pool: ProcessPoolExecutor) -> None:
    """End running tasks now rather than waiting for them (Ctrl-C, or a failed task): their results would be discarded anyway."""
    terminate = getattr(pool, "terminate_workers", None)  # Python 3.14+
    if terminate is not None:
        terminate()
        return
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.terminate()


def _dask(
    fn: Callable[..., Any], tasks: Sequence[tuple[Hashable, tuple[Any, ...]]], scheduler: str, workers: int
) -> Iterator[tuple[Hashable, Any]]:
    from dask.distributed import Client, LocalCluster
    from dask.distributed import as_completed as dask_completed

    cluster = None
    if scheduler == "dask":
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    else:
        client = Client(scheduler)
    futures: dict[Any, Hashable] = {}
    try:
        futures = {client.submit(fn, *args, pure=False): key for key, args in tasks}
        for future in dask_completed(list(futures)):
            key = futures.pop(future)  # a held future keeps its result in the cluster: release it
            yield key, future.result()
    finally:
        client.cancel(list(futures))
        client.close()
        if cluster is not None:
            cluster.close()
