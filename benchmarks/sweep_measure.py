"""Per-run measurements for ``benchmarks/sweep.py``: CPU time and page faults inside each task, and the
plain-process ceiling (the same runs on two ordinary processes, no Dask).

:func:`measured_run` wraps :func:`models.workflows.sweep.plan_run` and adds to
its row what the task itself used: ``cpu_s`` (CPU seconds of the thread that
planned, ``time.thread_time``), ``proc_cpu_s`` (CPU seconds of the whole
process over the run: a Dask worker's other threads show here), ``child_cpu_s``
(CPU seconds of processes the run forked and waited for), ``minflt``
(minor page faults: memory the process had to be given anew), ``wall_s``, and
``first`` (the process's first run, which also pays the planner's imports).
Extra keys do not reach ``sweep.csv`` (its writer keeps the contract's columns).
"""

from __future__ import annotations

import multiprocessing as mp
import resource
import time

from models.workflows.sweep import Run, Settings, plan_run

_planned_here = [0]  # runs this process has planned: its first one also pays the planner's imports


def measured_run(run: Run, settings: Settings) -> dict:
    """``plan_run`` with the task's own CPU seconds, process CPU seconds and minor page faults in its row."""
    wall, cpu, proc = time.perf_counter(), time.thread_time(), time.process_time()
    faults, kids = resource.getrusage(resource.RUSAGE_SELF).ru_minflt, _children_cpu()
    row = plan_run(run, settings)
    _planned_here[0] += 1
    return {**row, "cpu_s": time.thread_time() - cpu, "proc_cpu_s": time.process_time() - proc,
            "child_cpu_s": _children_cpu() - kids,
            "minflt": resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults,
            "wall_s": time.perf_counter() - wall, "first": _planned_here[0] == 1}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # children that ended and were waited for
    return usage.ru_utime + usage.ru_stime


def _measured_item(item: tuple[int, Run, Settings]) -> tuple[int, dict]:
    return item[0], measured_run(item[1], item[2])


def plain_processes(runs: list[Run], settings: Settings, processes: int, order: list[int] | None = None) -> list[dict]:
    """The runs on ``processes`` plain spawned processes (``multiprocessing.Pool``), one run at a time each.

    The hardware's ceiling for the cluster: the same runs, the same task, no
    Dask. Spawned, as Dask's worker processes are, so that no process starts
    with another's warm heap; handed out in ``order`` (default: as given);
    the rows come back in run order.
    """
    order = list(range(len(runs))) if order is None else order
    rows: list[dict | None] = [None] * len(runs)
    with mp.get_context("spawn").Pool(processes) as pool:
        for i, row in pool.imap_unordered(_measured_item, [(i, runs[i], settings) for i in order], chunksize=1):
            rows[i] = row
    return [row for row in rows if row is not None]
