"""The solver alone on one district's files: no output files, one JSON line.

    python -m models.synthetic.itinerants --district connected-70000 --out DIR
    python -m benchmarks.solver_only DIR [--time-limit 60] [--rules FILE]

Loads the tables, times the separable-core min-cost flow (the speed
reference), solves with the default options, re-checks the plan, and prints
the solve time as a ratio to the reference, status, gap, peak RSS, unserved
services, the greedy plan's objective, and how many unserved services a legal
provider with room could still take (``models/domain/servable.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from pathlib import Path

from models.domain.plan import check_plan
from models.domain.rules import load_rules
from models.domain.servable import servable_unserved
from models.domain.workload import balances_workload
from models.files.loaders import load_problem
from optimizer.flow import separable_core
from optimizer.greedy import greedy_plan
from optimizer.solve import SolveOptions, planning_candidates, solve


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.solver_only", description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="folder with students.csv and staff.csv")
    parser.add_argument("--time-limit", type=float, default=60)
    parser.add_argument("--rules", type=Path, help="rules file (default: the California rules)")
    args = parser.parse_args()
    t0 = time.perf_counter()
    problem, _ = load_problem(args.folder / "students.csv", args.folder / "staff.csv",
                              load_rules(args.rules) if args.rules else load_rules())
    t1 = time.perf_counter()
    cands = planning_candidates(problem)
    separable_core(problem, cands)
    reference = time.perf_counter() - t1
    result = solve(problem, SolveOptions(time_limit=args.time_limit))
    report = check_plan(problem, result.plan)
    print(json.dumps({
        "load_s": round(t1 - t0, 2), "reference_flow_s": round(reference, 2), "solve_s": result.solve_seconds,
        "solve_per_reference": round(result.solve_seconds / reference, 1), "status": result.status,
        "objective": result.objective, "bound": result.best_bound, "gap": result.gap, "legal": report.ok,
        "objective_recomputed": report.terms.total == result.objective,
        "unserved": report.kpis.services_unserved, "components": result.components,
        "greedy_objective": check_plan(problem, greedy_plan(problem, cands)).terms.total,
        "servable_left_unserved": servable_unserved(problem, result.plan),
        "balance_on": "workload" if balances_workload(problem) else "students",
        "cpu_s": round(sum(resource.getrusage(who).ru_utime + resource.getrusage(who).ru_stime
                           for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)), 1),
        "load_average": round(os.getloadavg()[0], 1),
        "peak_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        # the largest forked worker (the flows, CP-SAT components): it holds its own copy of what it changes
        "peak_child_mib": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
    }))


if __name__ == "__main__":
    main()
