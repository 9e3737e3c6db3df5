"""Solve a district: eligible pairs, locks, components, one CP-SAT model each.

``solve`` returns the project's own :class:`models.plan.Result`; no CP-SAT
object leaves this package.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from ortools.sat.python import cp_model

from models.candidates import Candidates, find_candidates
from models.domain import Problem
from models.plan import Plan, Result, objective_terms
from optimizer.decompose import Component, binding_average_caps, split
from optimizer.greedy import greedy_plan
from optimizer.locks import apply_locks, locked_loads_within_caps
from optimizer.model import CaseloadModel

# ranked worst first: the district's status is its worst component's
_STATUS_ORDER = ("INFEASIBLE", "UNKNOWN", "FEASIBLE", "OPTIMAL")


@dataclass(frozen=True, slots=True)
class SolveOptions:
    time_limit: float = 60.0
    workers: int = 2
    seed: int = 0
    decompose: bool = True  # False: one monolithic model (benchmark baseline)
    hint: bool = True  # start from the greedy plan
    max_moves: int | None = None  # rebalancing: at most this many changes against the current plan
    # called after each component: (components done, components, objective so far, bound so far)
    progress: Callable[[int, int, int, float], None] | None = None


@dataclass(frozen=True, slots=True)
class _ComponentResult:
    status: str
    objective: int | None
    bound: float
    build_seconds: float


def planning_candidates(problem: Problem) -> Candidates:
    """Eligible pairs with locks applied; raises InputError on impossible locks."""
    cands = apply_locks(problem, find_candidates(problem))
    locked_loads_within_caps(problem, cands)
    return cands


def _whole(problem: Problem, cands: Candidates) -> Component:
    """The district as one model (no decomposition)."""
    return Component(
        students=tuple(range(len(problem.students))),
        demands=tuple(range(len(problem.demands))),
        staff=tuple(range(len(problem.staff))),
        average_caps=tuple(binding_average_caps(problem, cands)),
    )


def _solve_component(problem: Problem, cands: Candidates, component: Component, hint: Plan | None,
                     options: SolveOptions, deadline: float, workers: int,
                     providers: list, managers: list) -> _ComponentResult:
    t0 = time.perf_counter()
    built = CaseloadModel(problem, cands, component, max_moves=options.max_moves)
    if hint is not None:
        built.add_hint(hint)
    build_seconds = time.perf_counter() - t0
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.max_time_in_seconds = max(0.05, deadline - time.perf_counter())
    params.num_workers = workers
    params.random_seed = options.seed
    params.linearization_level = 2
    status = solver.solve(built.model)
    name = solver.status_name(status)
    # every coefficient is an integer, so the bound rounds up to one
    raw_bound = solver.best_objective_bound
    bound = math.ceil(raw_bound - 1e-6) if math.isfinite(raw_bound) else -math.inf
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        built.read_solution(solver, providers, managers)
        return _ComponentResult(name, round(solver.objective_value), bound, build_seconds)
    return _ComponentResult(name, None, bound, build_seconds)


def _district_bound(results: list[_ComponentResult]) -> float | None:
    """Components are independent, so the district bound is the sum of theirs."""
    total = sum(r.bound for r in results)
    return float(total) if math.isfinite(total) else None


def solve(problem: Problem, options: SolveOptions | None = None) -> Result:
    """Plan the district; the plan is always complete (unserved when it must be)."""
    options = options or SolveOptions()
    start = time.perf_counter()
    deadline = start + options.time_limit
    cands = planning_candidates(problem)
    # a move budget couples every student, so it needs the whole district in one model
    whole = not options.decompose or options.max_moves is not None
    components = [_whole(problem, cands)] if whole else split(problem, cands)
    start_plan = greedy_plan(problem, cands)
    hint = start_plan if options.hint else None
    providers, managers = list(start_plan.providers), list(start_plan.case_managers)

    parallel = len(components) > 1 and options.workers > 1
    per_component_workers = 1 if parallel else options.workers
    results: list[_ComponentResult] = []

    def run(component: Component) -> _ComponentResult:
        return _solve_component(problem, cands, component, hint, options, deadline, per_component_workers,
                                providers, managers)

    def record(result: _ComponentResult) -> None:
        results.append(result)
        if options.progress is not None:
            options.progress(len(results), len(components), sum(r.objective or 0 for r in results),
                             sum(r.bound for r in results))

    if parallel:
        with ThreadPoolExecutor(max_workers=options.workers) as pool:
            for result in pool.map(run, components):
                record(result)
    else:
        for component in components:
            record(run(component))

    plan = Plan(providers=tuple(providers), case_managers=tuple(managers))
    status = min((r.status for r in results), key=_STATUS_ORDER.index, default="OPTIMAL")
    if all(r.objective is not None for r in results):
        objective = sum(r.objective for r in results)
    else:
        objective = objective_terms(problem, plan).total
    if status == "UNKNOWN" and objective is not None:
        status = "FEASIBLE"  # the greedy plan stands in for components without a solution
    return Result(
        plan=plan,
        status=status,
        objective=objective,
        best_bound=_district_bound(results),
        solve_seconds=round(time.perf_counter() - start, 3),
        components=len(components),
        build_seconds=round(sum(r.build_seconds for r in results), 3),
    )
