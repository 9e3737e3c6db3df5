"""How CP-SAT's plan and bound move with time on single components, started from the planner's own plan.

    python -m benchmarks.proof_curve DIR --rules FILE [--seconds 80] [--sizes 660,496]

For each size, the component of ``DIR`` nearest that many students is solved
alone by CP-SAT (one worker, the planner's parameters), with the flow-and-moves
plan (``optimizer/workload_flow.py``) as its complete hint, for ``--seconds``.
Printed at 0.5, 1, 2, 5, 10, ... seconds: the best plan and the best bound so
far, each as a distance from the best plan found in the whole run. It tells
which side of a gap time would close: the plan (search) or the bound (the
relaxation). No output files.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from models.domain.rules import load_rules
from models.domain.workload import balances_workload
from models.files.loaders import load_problem
from optimizer.better import component_objectives
from optimizer.component_solver import tuned_solver, workload_parameters
from optimizer.decompose import binding_average_caps, split
from optimizer.solve import SolveOptions, planning_candidates
from optimizer.workload_flow import workload_plan

MARKS = (0.5, 1, 2, 5, 10, 20, 40, 80, 160, 320)


def _traced(solver, model) -> tuple[str, list[tuple[float, float]], list[tuple[float, float]]]:
    """Solve; (status, every plan found and every bound reached, each with its second)."""
    from ortools.sat.python import cp_model

    start = time.perf_counter()
    plans: list[tuple[float, float]] = []
    bounds: list[tuple[float, float]] = []
    solver.best_bound_callback = lambda b: bounds.append((time.perf_counter() - start, b))

    class Plans(cp_model.CpSolverSolutionCallback):
        def on_solution_callback(self) -> None:
            plans.append((time.perf_counter() - start, self.objective_value))

    status = solver.solve(model, Plans())
    return solver.status_name(status), plans, bounds


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.proof_curve", description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="folder with students.csv and staff.csv")
    parser.add_argument("--rules", type=Path, required=True, help="a rules file with balance_on = \"workload\"")
    parser.add_argument("--seconds", type=float, default=80)
    parser.add_argument("--sizes", default="660,496", help="students per component, comma-separated")
    args = parser.parse_args()
    from optimizer.model import CaseloadModel

    problem, _ = load_problem(args.folder / "students.csv", args.folder / "staff.csv", load_rules(args.rules))
    if not balances_workload(problem):
        parser.error(f"{args.rules} does not balance on workload")
    cands = planning_candidates(problem)
    components = split(problem, cands, couple=binding_average_caps(problem, cands))
    plan = workload_plan(problem, cands, components)
    parts = component_objectives(problem, plan, components)
    for size in (int(s) for s in args.sizes.split(",")):
        i = min(range(len(components)), key=lambda k: abs(len(components[k].students) - size))
        built = CaseloadModel(problem, cands, components[i], max_moves=None)
        built.add_hint(plan)
        solver = tuned_solver(SolveOptions(time_limit=args.seconds), args.seconds, 1)
        workload_parameters(solver)
        status, plans, bounds = _traced(solver, built.model)
        plans.insert(0, (0.0, parts[i]))
        best = min(o for _, o in plans)
        print(f"component of {len(components[i].students)} students: flow-and-moves plan {parts[i]}, "
              f"best plan {best:.0f}, final bound {solver.best_objective_bound:.0f}, {status}")
        for mark in (m for m in MARKS if m <= args.seconds):
            o = min(x for t, x in plans if t <= mark)
            b = max([0.0] + [x for t, x in bounds if t <= mark])
            print(f"  {mark:>5} s: plan {o:.0f} ({100 * (o - best) / best:.3f}% above the best), "
                  f"bound {b:.0f} ({100 * (best - b) / best:.3f}% below it), gap {100 * (o - b) / o:.3f}%",
                  flush=True)


if __name__ == "__main__":
    main()
