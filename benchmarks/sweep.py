"""Benchmark ``caseload sweep``: a 2-worker local Dask cluster against the same runs one after another.

    python -m benchmarks.sweep [--districts 40] [--min-students 500] [--max-students 3000] [--workers 2]
                               [--time-limit 60] [--seed 1] [--work DIR] [--skip-plain] [--dask-defaults]

Generates the districts with the seeded generator (sizes spread evenly from
--min-students to --max-students, shuffled), and two scenario files: the SLP
district average at 50 instead of 55, and the resource-specialist cap at 26
instead of 28. Each district is planned as given (``base``) and under each
scenario: 3 runs per district. The same runs are then planned three times,
back to back, into fresh folders: one after another in this process
(``in_process``); on --workers plain spawned processes without Dask (the
machine's ceiling for any cluster of that size); and on a local cluster of
--workers single-threaded worker processes (the cluster's start-up included in
its wall time). Prints runs per minute, per-run wall and CPU seconds measured
inside each task (``benchmarks/sweep_measure.py``), the load average around
each half, the speed-ups, and the per-run seconds that a larger cluster's time
is projected from (benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.sweep_measure import measured_run, plain_processes
from models.synthetic.generator import generate_district, write_district
from models.workflows import cluster
from models.workflows.sweep import ERROR, Settings, input_bytes, plan_runs, run_sweep

SCENARIOS = {
    "slp-average-50": "# what would a 50-per-SLP district average do?\n[caps.slp]\naverage_cap = 50\n",
    "rsp-cap-26": "# resource specialists capped at 26 instead of 28\n[caps]\nrsp_teacher = 26\n",
}
TARGET_SPEEDUP = 1.8
BUSY_LOAD = 1.0  # 1-minute load average above which other sessions take a share of the 2 cores


def make_districts(root: Path, n: int, low: int, high: int, seed: int) -> list[int]:
    sizes = [round(low + (high - low) * i / max(1, n - 1)) for i in range(n)]
    random.Random(seed).shuffle(sizes)
    for i, size in enumerate(sizes):
        students, staff = generate_district(size, seed=seed + i)
        write_district(root / "districts" / f"district-{i + 1:03d}", students, staff)
    for name, text in SCENARIOS.items():
        (root / f"{name}.toml").write_text(text, encoding="utf-8")
    return sizes


def _load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def measure(root: Path, label: str, settings: Settings, how: str, workers: int) -> tuple[float, list[dict], float]:
    """Plan every run into a fresh folder ``how``: "sequential", "plain" processes, "dask" or "dask-defaults".

    Returns the wall seconds, the rows (with the task's measurements) and the
    CPU seconds this process used meanwhile (the client and scheduler, for Dask).
    """
    out = root / f"out-{label}"
    shutil.rmtree(out, ignore_errors=True)
    runs = plan_runs(root / "districts", [root / f"{name}.toml" for name in SCENARIOS], out, settings)
    started, cpu = time.perf_counter(), time.process_time()
    if how == "plain":
        rows = plain_processes(runs, settings, workers, sorted(range(len(runs)), key=lambda i: -input_bytes(runs[i])))
        planned = sum(row["status"] != ERROR for row in rows)
    else:
        tuning = dict(cluster.LOCAL_TUNING)
        if how == "dask-defaults":  # the local cluster as Dask configures it, for comparison
            cluster.LOCAL_TUNING.clear()
        try:
            outcome = run_sweep(runs, settings, out, task=measured_run, in_process=how == "sequential",
                                workers=workers)
        finally:
            cluster.LOCAL_TUNING.update(tuning)
        rows, planned = list(outcome.rows), outcome.planned
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    if planned != len(runs):
        raise SystemExit(f"{label}: {planned} of {len(runs)} runs planned; see {out}")
    return wall, rows, cpu


def warm(rows: list[dict]) -> list[dict]:
    """The runs that were not their process's first (which also paid the imports), when there are any."""
    return [r for r in rows if not r["first"]] or rows


def describe(label: str, wall: float, rows: list[dict], client_cpu: float) -> str:
    def mean(key: str) -> float:
        return statistics.mean(float(r[key]) for r in (warm(rows) if key != "wall_s" else rows))

    statuses = sorted({r["status"] for r in rows})
    return (f"{label:<22}{len(rows):>5}{wall:>8.1f}{60 * len(rows) / wall:>10.1f}{mean('wall_s'):>8.2f}"
            f"{max(float(r['wall_s']) for r in rows):>7.2f}{mean('cpu_s'):>8.3f}{mean('proc_cpu_s'):>9.3f}"
            f"{mean('child_cpu_s'):>8.3f}"
            f"{mean('minflt'):>8.0f}{client_cpu:>8.1f}  {'/'.join(statuses)}")


HEADER = (f"{'method':<22}{'runs':>5}{'wall s':>8}{'runs/min':>10}{'run s':>8}{'max s':>7}{'cpu s':>8}"
          f"{'proc s':>9}{'kids s':>8}{'faults':>8}{'main s':>8}  status")
LEGEND = """per run (means): run s = wall seconds of one run; cpu s = CPU seconds of the thread that planned it;
proc s = CPU seconds of its whole process meanwhile (a Dask worker's own threads show here); kids s = CPU
seconds of processes the run forked (the solver's flow child); faults = minor page faults; these leave out
each process's first run (it also pays the imports).
main s = CPU seconds of this process over the half (Dask's client, scheduler and nannies)."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sweep", description=__doc__.split("\n\n")[0])
    parser.add_argument("--districts", type=int, default=40)
    parser.add_argument("--min-students", type=int, default=500)
    parser.add_argument("--max-students", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=2, help="worker processes of the local cluster")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, help="folder for the districts and plans (default: a temporary one)")
    parser.add_argument("--skip-plain", action="store_true", help="skip the plain-process ceiling")
    parser.add_argument("--dask-defaults", action="store_true",
                        help="also run the cluster with Dask's default worker settings (before LOCAL_TUNING)")
    args = parser.parse_args(argv)

    root = args.work or Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    root.mkdir(parents=True, exist_ok=True)
    sizes = make_districts(root, args.districts, args.min_students, args.max_students, args.seed)
    settings = Settings(time_limit=args.time_limit, seed=0)
    print(f"{args.districts} districts of {min(sizes)}-{max(sizes)} students (seed {args.seed}), "
          f"{1 + len(SCENARIOS)} runs each (base, {', '.join(SCENARIOS)}); in {root}")
    halves = [("sequential", "one process, in turn"),
              *([] if args.skip_plain else [("plain", f"{args.workers} plain processes")]),
              ("dask", f"dask, {args.workers} workers"),
              *([("dask-defaults", "dask, Dask's defaults")] if args.dask_defaults else [])]
    print(HEADER)
    measured: dict[str, tuple[float, list[dict]]] = {}
    busiest = 0.0
    for how, label in halves:
        busiest = max(busiest, os.getloadavg()[0])
        before = _load()
        wall, rows, cpu = measure(root, how, settings, how, args.workers)
        measured[how] = wall, rows
        print(describe(label, wall, rows, cpu), f"  load {before} -> {_load()}", flush=True)
    print(LEGEND)
    if max(busiest, os.getloadavg()[0]) > BUSY_LOAD:
        print(f"NOTE: load average above {BUSY_LOAD} around a half: Linux shares the CPU between sessions "
              "(autogroup), so two processes of this one got no more than one would; compare the CPU "
              "columns, not the rates (benchmarks/README.md)")
    seq_wall, seq_rows = measured["sequential"]
    dask_wall, dask_rows = measured["dask"]
    speedup = seq_wall / dask_wall
    verdict = "meets" if speedup >= TARGET_SPEEDUP else "misses"
    print(f"speed-up {speedup:.2f}x ({verdict} the {TARGET_SPEEDUP}x target)", end="")
    if "plain" in measured:
        ceiling = seq_wall / measured["plain"][0]
        print(f"; plain processes {ceiling:.2f}x (the machine's ceiling), dask reaches "
              f"{speedup / ceiling:.0%} of it", end="")
    print()
    def per_run(rows: list[dict], key: str) -> float:
        return statistics.mean(float(r[key]) for r in warm(rows))

    for how, label in halves[1:]:
        rows = measured[how][1]
        print(f"{label}: a run costs {per_run(rows, 'proc_cpu_s') / per_run(seq_rows, 'proc_cpu_s') - 1:+.0%} CPU "
              f"and {per_run(rows, 'wall_s') / per_run(seq_rows, 'wall_s') - 1:+.0%} wall against one process")
    same = sum(a["services_unserved"] == b["services_unserved"] and a["students_unassigned"]
               == b["students_unassigned"] for a, b in zip(seq_rows, dask_rows, strict=True))
    print(f"{same}/{len(seq_rows)} runs with the same unserved and unassigned counts both ways")
    if args.work is None:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
