"""Benchmark ``caseload sweep``: a 2-worker local Dask cluster against the same runs one after another.

    python -m benchmarks.sweep [--districts 40] [--min-students 500] [--max-students 3000] [--workers 2]
                               [--time-limit 60] [--seed 1] [--work DIR]

Generates the districts with the seeded generator (sizes spread evenly from
--min-students to --max-students, shuffled), and two scenario files: the SLP
district average at 50 instead of 55, and the resource-specialist cap at 26
instead of 28. Each district is planned as given (``base``) and under each
scenario: 3 runs per district. The same runs are then planned twice, into
fresh folders: one after another in this process (``in_process``), and on a
local cluster of --workers single-threaded worker processes (the cluster's
start-up included in its wall time). Prints runs per minute for both, the
speed-up, and the per-run seconds that a larger cluster's time is projected
from (benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from models.synthetic.generator import generate_district, write_district
from models.workflows.sweep import Settings, plan_runs, run_sweep

SCENARIOS = {
    "slp-average-50": "# what would a 50-per-SLP district average do?\n[caps.slp]\naverage_cap = 50\n",
    "rsp-cap-26": "# resource specialists capped at 26 instead of 28\n[caps]\nrsp_teacher = 26\n",
}
TARGET_SPEEDUP = 1.8


def make_districts(root: Path, n: int, low: int, high: int, seed: int) -> list[int]:
    sizes = [round(low + (high - low) * i / max(1, n - 1)) for i in range(n)]
    random.Random(seed).shuffle(sizes)
    for i, size in enumerate(sizes):
        students, staff = generate_district(size, seed=seed + i)
        write_district(root / "districts" / f"district-{i + 1:03d}", students, staff)
    for name, text in SCENARIOS.items():
        (root / f"{name}.toml").write_text(text, encoding="utf-8")
    return sizes


def measure(root: Path, label: str, settings: Settings, **how) -> tuple[float, list[dict]]:
    out = root / f"out-{label}"
    shutil.rmtree(out, ignore_errors=True)
    runs = plan_runs(root / "districts", [root / f"{name}.toml" for name in SCENARIOS], out, settings)
    started = time.perf_counter()
    outcome = run_sweep(runs, settings, out, **how)
    wall = time.perf_counter() - started
    if outcome.exit_code or outcome.planned != len(runs):
        raise SystemExit(f"{label}: {outcome.planned} of {len(runs)} runs planned; see {out / 'sweep.csv'}")
    return wall, list(outcome.rows)


def describe(label: str, wall: float, rows: list[dict]) -> str:
    seconds = [float(r["seconds"]) for r in rows]
    statuses = sorted({r["status"] for r in rows})
    return (f"{label:<24}{len(rows):>6}{wall:>10.1f}{60 * len(rows) / wall:>12.1f}"
            f"{statistics.mean(seconds):>10.2f}{statistics.median(seconds):>10.2f}{max(seconds):>10.2f}"
            f"  {'/'.join(statuses)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sweep", description=__doc__.split("\n\n")[0])
    parser.add_argument("--districts", type=int, default=40)
    parser.add_argument("--min-students", type=int, default=500)
    parser.add_argument("--max-students", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=2, help="worker processes of the local cluster")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, help="folder for the districts and plans (default: a temporary one)")
    args = parser.parse_args(argv)

    root = args.work or Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    root.mkdir(parents=True, exist_ok=True)
    sizes = make_districts(root, args.districts, args.min_students, args.max_students, args.seed)
    settings = Settings(time_limit=args.time_limit, seed=0)
    print(f"{args.districts} districts of {min(sizes)}-{max(sizes)} students (seed {args.seed}), "
          f"{1 + len(SCENARIOS)} runs each (base, {', '.join(SCENARIOS)}); in {root}")
    print(f"{'method':<24}{'runs':>6}{'wall s':>10}{'runs/min':>12}{'mean s':>10}{'median s':>10}{'max s':>10}"
          "  status")
    seq_wall, seq_rows = measure(root, "sequential", settings, in_process=True)
    print(describe("one process, in turn", seq_wall, seq_rows), flush=True)
    dask_wall, dask_rows = measure(root, "dask", settings, workers=args.workers)
    print(describe(f"dask, {args.workers} workers", dask_wall, dask_rows), flush=True)
    speedup = seq_wall / dask_wall
    verdict = "meets" if speedup >= TARGET_SPEEDUP else "misses"
    print(f"speed-up {speedup:.2f}x ({verdict} the {TARGET_SPEEDUP}x target); "
          f"sum of per-run seconds: in turn {sum(float(r['seconds']) for r in seq_rows):.1f}, "
          f"on the cluster {sum(float(r['seconds']) for r in dask_rows):.1f}")
    same = sum(a["services_unserved"] == b["services_unserved"] and a["students_unassigned"]
               == b["students_unassigned"] for a, b in zip(seq_rows, dask_rows, strict=True))
    print(f"{same}/{len(seq_rows)} runs with the same unserved and unassigned counts both ways")
    if args.work is None:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
