"""Independent plans on a Dask cluster: a local one sized to the machine, or an existing one by address.

Each task is one plan that owns one core: a local cluster has one worker
process per core with one thread each, and a task's solver uses one thread.
A worker that dies (killed, out of memory) costs the plan it was running: the
scheduler gives that task to another worker. Dask is imported only here and
only when a cluster is asked for.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

CONNECT_TIMEOUT = "10s"  # an address nobody answers at is a usage mistake, said quickly
RETRIES = 1  # a task that raises (a file share blinking, say) is tried once more
# A task whose worker dies is given to another worker; after this many deaths it is reported as failed
# (a plan that kills every worker it meets, e.g. out of memory, should not take the cluster down with it).
ALLOWED_DEATHS = 2


# A local cluster's workers run one plan at a time, each ~80% pure Python (the explanations and the
# workbook) on a 2-core machine. Dask's defaults made the same run cost 26-36% more CPU on a worker than in
# one process (benchmarks/README.md, "Sweeps"); these settings take that back to a few per cent:
LOCAL_TUNING: dict[str, Any] = {
    # The nanny starts workers with MALLOC_TRIM_THRESHOLD_=65536. Setting it switches off glibc's adaptive
    # mmap threshold, so every large table is mmap'd and page-faulted in afresh: 3x the page faults and ~8%
    # more CPU per run here. None leaves glibc's default (a MALLOC_TRIM_THRESHOLD_ in the environment still wins).
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
    # The statistical profiler samples the task thread's stack every 10 ms, taking the GIL from the plan.
    "distributed.worker.profile.enabled": False,
    # Event-loop health ticks (20 ms) and memory / system polling (100 / 500 ms) each wake a thread that
    # needs the GIL; every few seconds is plenty for plans of a second or more.
    "distributed.admin.tick.interval": "1s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    # Tasks are queued on the scheduler and handed out as workers free up; nothing to steal.
    "distributed.scheduler.work-stealing": False,
}


class ClusterError(RuntimeError):
    """The cluster cannot be reached or started; the message says which address."""


def machine_cores() -> int:
    """The cores this process may use (the CPU affinity on Linux, else the CPU count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@contextmanager
def dask_client(scheduler: str | None = None, workers: int | None = None) -> Iterator[Any]:
    """A ``distributed.Client``: to ``scheduler`` when given, else to a local cluster of ``workers`` processes.

    The local cluster has one worker process per core (or ``workers``), one
    thread each, its dashboard on a free port, and quiet logs; it is shut down on exit.
    """
    log = logging.getLogger("distributed")
    level = log.level
    if not os.environ.get("CASELOAD_DEBUG"):
        # a lost worker or result is handled (the task runs again); Dask's own log lines would only alarm
        log.setLevel(logging.CRITICAL)
    try:
        with _client(scheduler, workers) as client:
            yield client
    finally:
        log.setLevel(level)


@contextmanager
def _client(scheduler: str | None, workers: int | None) -> Iterator[Any]:
    import dask
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ClusterError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
        try:
            yield client
        finally:
            client.close()
        return
    config = {"distributed.scheduler.allowed-failures": ALLOWED_DEATHS, "distributed.worker.daemon": True,
              **LOCAL_TUNING}
    with dask.config.set(config), LocalCluster(n_workers=workers or machine_cores(), threads_per_worker=1,
                                               processes=True, dashboard_address=":0",
                                               silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        yield client


def cluster_size(client: Any) -> int:
    """The task slots (worker threads) the cluster has now."""
    return sum(w.get("nthreads", 1) for w in client.scheduler_info().get("workers", {}).values())


def run_tasks(client: Any, task: Callable[..., Any], items: Sequence[Any], *args: Any,
              on_done: Callable[[int, Any], None] | None = None) -> list[Any]:
    """``task(item, *args)`` for every item on the cluster; the results in the order of ``items``.

    A task that failed for good (it raised twice, or its workers kept dying)
    gives its exception in its place instead of stopping the others. A result
    lost on its way back (its worker died after finishing) is asked for again
    with a new task. ``on_done(index, result)`` is called as each finishes, in
    finishing order.
    """
    from distributed import as_completed

    if not items:
        return []

    def submit(i: int) -> Any:
        return client.submit(task, items[i], *args, retries=RETRIES, pure=False)

    futures = [submit(i) for i in range(len(items))]
    where = {future.key: i for i, future in enumerate(futures)}
    asked = [1] * len(items)
    results: list[Any] = [None] * len(items)
    pending = as_completed(futures)
    for future in pending:
        i = where.pop(future.key)
        try:
            results[i] = future.result()
        except Exception as exc:  # noqa: BLE001 - a task's failure is its row, the others go on
            if future.status != "error" and asked[i] <= ALLOWED_DEATHS:
                asked[i] += 1  # the task finished but its result died with its worker
                again = submit(i)
                where[again.key] = i
                pending.add(again)
                continue
            results[i] = exc
        future.release()  # the result is here now; the cluster need not keep it (nor recompute it)
        if on_done is not None:
            on_done(i, results[i])
    return results


def solve_on(client: Any) -> Callable[[Sequence[Any], Any], list[Any]]:
    """A ``solve_many`` for :func:`optimizer.whatif.plan_side_by_side`: each problem one task on the cluster.

    Each plan gets one solver thread (its task owns one core); the results come
    back in the order of the problems. A plan that failed for good raises its
    error here, as it would have in this process.
    """
    import dataclasses

    from optimizer.solve import solve

    def solve_many(problems: Sequence[Any], options: Any) -> list[Any]:
        each = dataclasses.replace(options, workers=1, progress=None)
        results = run_tasks(client, solve, list(problems), each)
        for result in results:
            if isinstance(result, BaseException):
                raise result
        return results

    return solve_many


@contextmanager
def scenario_solver(scheduler: str | None) -> Iterator[Callable[[Sequence[Any], Any], list[Any]]]:
    """How ``whatif`` plans its scenarios: on the cluster at ``scheduler``, else here (threads, no Dask)."""
    if not scheduler:
        from optimizer.whatif import solve_all

        yield solve_all
        return
    with dask_client(scheduler) as client:
        yield solve_on(client)
