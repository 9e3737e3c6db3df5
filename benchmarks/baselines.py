"""The comparison methods, run in their own process so their memory is measured alike.

``python -m benchmarks.baselines greedy|monolithic|flow|cpsat --students F --staff F --time-limit S --workers N``
prints one JSON object: timings, status, gap and the plan's KPIs.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from models.domain.candidates import find_candidates
from models.domain.plan import Result, check_plan
from models.domain.rules import load_rules
from models.files.loaders import load_problem
from optimizer.decompose import split
from optimizer.flow import separable_core
from optimizer.greedy import greedy_plan
from optimizer.locks import apply_locks
from optimizer.solve import SolveOptions, planning_candidates, solve


def kpis(problem, result: Result) -> dict:
    report = check_plan(problem, result.plan)
    roles = report.kpis.roles
    return {
        "status": result.status,
        "objective": result.objective,
        "gap": result.gap,
        "unserved": report.kpis.services_unserved,
        "best_practice_rate": report.kpis.best_practice_rate,
        "max_load_ratio": max((v.max_load_ratio for v in roles.values()), default=0.0),
        "violations": len(report.violations),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("method", choices=["greedy", "monolithic", "flow", "cpsat"])
    parser.add_argument("--students", type=Path, required=True)
    parser.add_argument("--staff", type=Path, required=True)
    parser.add_argument("--time-limit", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rules", type=Path, default=None, help="rules file (default: the California rules)")
    args = parser.parse_args()

    t0 = time.perf_counter()
    problem, _ = load_problem(args.students, args.staff, load_rules(args.rules))
    load = time.perf_counter() - t0
    t1 = time.perf_counter()
    if args.method == "greedy":
        # what a director does by hand: each service to the first eligible person with room
        plan = greedy_plan(problem, apply_locks(problem, find_candidates(problem)), first_fit=True)
        seconds = time.perf_counter() - t1
        objective = check_plan(problem, plan).terms.total
        result = Result(plan=plan, status="FEASIBLE", objective=objective, best_bound=None, solve_seconds=seconds)
        build = 0.0
    elif args.method == "flow":
        # the speed reference: one exact min-cost flow of the separable core (no case managers)
        cands = planning_candidates(problem)
        _, cost = separable_core(problem, cands)
        seconds = time.perf_counter() - t1
        components = split(problem, cands, couple=())
        print(json.dumps({"load_seconds": load, "build_seconds": 0.0, "solve_seconds": seconds, "status": "CORE",
                          "objective": cost, "components": len(components),
                          "largest": max((len(c.students) for c in components), default=0)}))
        return
    elif args.method == "cpsat":
        # the previous method: every component to CP-SAT (tuned), no flow
        result = solve(problem, SolveOptions(time_limit=args.time_limit, workers=args.workers, flow=False))
        seconds, build = result.solve_seconds - result.build_seconds, result.build_seconds
    else:
        # one model for the whole district, CP-SAT's default parameters, the same time limit
        result = solve(problem, SolveOptions(time_limit=args.time_limit, workers=args.workers, decompose=False,
                                             tuned=False))
        seconds, build = result.solve_seconds - result.build_seconds, result.build_seconds
    print(json.dumps({"load_seconds": load, "build_seconds": build, "solve_seconds": seconds,
                      **kpis(problem, result)}))


if __name__ == "__main__":
    main()
