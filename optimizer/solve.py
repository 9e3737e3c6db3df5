"""Solve a district: eligible pairs, locks, components, one CP-SAT model each
(``optimizer/component_solver.py``) where the flows do not settle them.

``solve`` returns the project's own :class:`models.domain.plan.Result`; no CP-SAT
object leaves this package.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from models.domain.candidates import Candidates
from models.domain.changes import moves_by_student
from models.domain.plan import Plan, Result, compute_loads
from models.domain.problem import Problem
from optimizer import coupling
from optimizer.assessments import assign_assessments
from optimizer.better import broken_average_caps, keep_better
from optimizer.component_solver import ComponentResult, solve_components
from optimizer.decompose import Component, binding_average_caps, split
from optimizer.fast_path import solve_with_flow
from optimizer.greedy import stay_plan
from optimizer.locks import apply_locks, locked_loads_within_caps
from optimizer.stand_in import stand_in

# ranked worst first: the district's status is its worst component's
_STATUS_ORDER = ("INFEASIBLE", "UNKNOWN", "FEASIBLE", "OPTIMAL")


@dataclass(frozen=True, slots=True)
class SolveOptions:
    time_limit: float = 60.0
    workers: int = 2
    seed: int = 0
    decompose: bool = True  # False: one monolithic model (benchmark baseline)
    # Start from the greedy plan as a complete hint. Off by default: measured on
    # CP-SAT 9.15 it neither speeds up the proof nor improves a time-limited plan
    # (the greedy plan stands in for an unsolved component either way).
    hint: bool = False
    max_moves: int | None = None  # rebalancing: at most this many changes against the current plan
    # False: CP-SAT's default parameters with `workers` threads (the benchmark's monolithic baseline)
    tuned: bool = True
    # When a binding district average or a move budget couples components holding more students than
    # this, it is shared out among them with a proven bound instead of solved as one exact model.
    merge_limit: int = 5_000
    # The min-cost-flow fast path (optimizer/flow.py): a plan and a proven bound; CP-SAT only settles the
    # components where they do not meet. False: every component goes to CP-SAT (the previous method).
    flow: bool = True
    # called after each component: (components done, components, objective so far, bound so far)
    progress: Callable[[int, int, int, float], None] | None = None


def planning_candidates(problem: Problem) -> Candidates:
    """Eligible pairs with locks applied; raises InputError on impossible locks."""
    cands = apply_locks(problem, problem.eligible)
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


def _district_bound(results: list[ComponentResult]) -> float | None:
    """Components are independent, so the district bound is the sum of theirs."""
    total = sum(r.bound for r in results)
    return float(total) if math.isfinite(total) else None


class _Progress:
    """The plan so far: the greedy plan, overwritten by each component's solution."""

    def __init__(self, problem: Problem, start_plan: Plan, options: SolveOptions) -> None:
        self.problem, self.start_plan, self.options = problem, start_plan, options
        self.providers = list(start_plan.providers)
        self.managers = list(start_plan.case_managers)
        self.results: dict[int, ComponentResult] = {}  # by the component's first student
        self.components: dict[int, Component] = {}
        self.total = 0

    def plan(self) -> Plan:
        return Plan(providers=tuple(self.providers), case_managers=tuple(self.managers))

    def take(self, component: Component, result: ComponentResult) -> None:
        self.results[component.students[0]] = result
        self.components[component.students[0]] = component
        for d, p in result.providers.items():
            self.providers[d] = p
        for s, m in result.managers.items():
            self.managers[s] = m
        if self.options.progress is not None:
            done = list(self.results.values())
            self.options.progress(len(done), self.total, sum(r.objective or 0 for r in done),
                                  sum(r.bound for r in done))

    def replace(self, old: list[Component], new: list[Component], stand_in: Plan | None = None) -> None:
        """Forget the results of ``old``; until ``new`` is solved ``stand_in`` (default: the start plan) stands."""
        stand_in = stand_in or self.start_plan
        for component in old:
            self.results.pop(component.students[0], None)
            self.components.pop(component.students[0], None)
            for d in component.demands:
                self.providers[d] = stand_in.providers[d]
            for s in component.students:
                self.managers[s] = stand_in.case_managers[s]
        self.total += len(new) - len(old)


def _couple_average_caps(problem: Problem, cands: Candidates, components: list[Component], broken: list[str],
                         progress: _Progress, options: SolveOptions, deadline: float) -> float | None:
    """Enforce district averages the apart-plans break; returns a proven bound when it allocated a budget."""
    apart_bound = sum(r.bound for r in progress.results.values())
    plan = progress.plan()
    loads = compute_loads(problem, plan)
    allowance = 0
    allotted: dict[int, list[tuple[str, int]]] = {}
    taken: dict[int, int] = {}
    for role in broken:
        drop = coupling.excess(problem, loads, role)
        allowance += coupling.bound_allowance(problem, cands, plan, role, drop)
        taken_here = coupling.water_fill(problem, loads, role, drop)
        taken.update(taken_here)
        for component, share in coupling.shares(problem, loads, role, components, taken_here):
            allotted.setdefault(component.students[0], []).append((role, share))
    stand_in = coupling.drop_plan(problem, plan, taken)  # legal under the averages, whatever time is left
    merged = [c for c in split(problem, cands, couple=broken) if c.average_caps]
    holders = [c for c in components if any(problem.staff[p].role in broken for p in c.staff)]
    small = sum(len(c.students) for c in merged) <= options.merge_limit
    if small or len(holders) <= 1 or problem.position_costs:
        absorbed = {s for c in merged for s in c.students}
        progress.replace([c for c in components if c.students[0] in absorbed], merged, stand_in)
        for component, result in solve_components(problem, cands, merged, None, options, deadline):
            progress.take(component, result)
        return None
    old = [c for c in components if c.students[0] in allotted]
    new = [dataclasses.replace(c, shares=tuple(allotted[c.students[0]])) for c in old]
    progress.replace(old, new, stand_in)
    for component, result in solve_components(problem, cands, new, None, options, deadline):
        progress.take(component, result)
    return apart_bound + allowance


def _couple_move_budget(problem: Problem, cands: Candidates, components: list[Component], progress: _Progress,
                        options: SolveOptions, deadline: float) -> float | None:
    """Keep a rebalancing move budget across components; returns a proven bound when not exact.

    The components were planned apart without the budget. If their moves fit
    it, that optimum stands. Otherwise the components that move anyone are
    merged and planned again under the budget: a component that moved nobody
    at its own optimum uses no budget there, so keeping that optimum loses
    nothing whatever the others do. When the movers hold more students than
    ``merge_limit``, the budget is shared out instead, in proportion to the
    moves each component wanted (largest remainders), and each is planned under
    its share; the apart-plans' bound stays the honest bound.
    """
    per_student = moves_by_student(problem, progress.plan())
    wanted = sum(per_student)
    if wanted <= options.max_moves:
        return None
    movers = [c for c in components if any(per_student[s] for s in c.students)]
    if sum(len(c.students) for c in movers) <= options.merge_limit:
        new = [Component(
            students=tuple(sorted(s for c in movers for s in c.students)),
            demands=tuple(sorted(d for c in movers for d in c.demands)),
            staff=tuple(sorted(p for c in movers for p in c.staff)),
            average_caps=tuple(sorted({role for c in movers for role in c.average_caps})),
        )]
        bound = None
    else:
        want = [sum(per_student[s] for s in c.students) for c in movers]
        exact = [options.max_moves * w / wanted for w in want]
        share = [math.floor(x) for x in exact]
        by_remainder = sorted(range(len(movers)), key=lambda i: (share[i] - exact[i], i))
        for i in by_remainder[: options.max_moves - sum(share)]:
            share[i] += 1
        new = [dataclasses.replace(c, max_moves=b) for c, b in zip(movers, share, strict=True)]
        bound = sum(r.bound for r in progress.results.values())
    progress.replace(movers, new)
    for component, result in solve_components(problem, cands, new, None, options, deadline):
        progress.take(component, result)
    return bound


def solve(problem: Problem, options: SolveOptions | None = None) -> Result:
    """Plan the district; the plan is always complete (unserved when it must be).

    ``deterministic`` says whether the same inputs and seed give this plan again: only a one-worker run
    proven OPTIMAL does; a parallel search, or any search stopped by the (wall-clock) time limit, may not.
    """
    options = options or SolveOptions()
    result = _solve(problem, options)
    return dataclasses.replace(result, deterministic=options.workers == 1 and result.status == "OPTIMAL")


def _solve(problem: Problem, options: SolveOptions) -> Result:
    start = time.perf_counter()
    deadline = start + options.time_limit
    cands = planning_candidates(problem)
    # on workload, the flows give a plan and a bound of a relaxation (optimizer/workload_flow.py)
    if options.flow and options.decompose and options.max_moves is None and not problem.position_costs:
        result = solve_with_flow(problem, cands, options, start, deadline,
                                 lambda todo, plan: _settle(problem, cands, options, deadline, plan, todo))
        if problem.assessments:  # AB 560: shared among the resource specialists by an exact flow, apart from the plan
            result = dataclasses.replace(result, plan=dataclasses.replace(result.plan,
                                                                          assessors=assign_assessments(problem)))
        return result
    # with a move budget the stand-in plan moves nobody, so it keeps any budget
    # otherwise per component the cheaper of the greedy and most-services plans (never leaves a servable
    # service unserved, whatever the time limit)
    start_plan = (stand_in(problem, cands, split(problem, cands, couple=()), binding_average_caps(problem, cands))[0]
                  if options.max_moves is None else stay_plan(problem, cands))
    hint = start_plan if options.hint else None
    progress = _Progress(problem, start_plan, options)
    proven_bound = None
    if not options.decompose:
        components = [_whole(problem, cands)]
    elif options.max_moves is not None:
        components = split(problem, cands)  # district averages that may bind come merged
    else:
        components = split(problem, cands, couple=())
    progress.total = len(components)
    apart = options if len(components) == 1 else dataclasses.replace(options, max_moves=None)
    for component, result in solve_components(problem, cands, components, hint, apart, deadline):
        progress.take(component, result)
    if not options.decompose:
        pass
    elif options.max_moves is not None:
        if len(components) > 1:
            proven_bound = _couple_move_budget(problem, cands, components, progress, options, deadline)
    else:
        broken = broken_average_caps(problem, progress.plan(), binding_average_caps(problem, cands))
        if broken:
            proven_bound = _couple_average_caps(problem, cands, components, broken, progress, options, deadline)

    done = list(progress.results.values())
    status = min((r.status for r in done), key=_STATUS_ORDER.index, default="OPTIMAL")
    # never worse than the cheap plan it could have started from, component by component
    keys = list(progress.components)
    plan, parts, took = keep_better(problem, progress.plan(), start_plan, [progress.components[k] for k in keys],
                                    binding_average_caps(problem, cands))
    objective = sum(parts)
    if any(took) and status == "OPTIMAL":
        status = "FEASIBLE"  # a component solved under an allocated share; the cheap plan was better there
    if status == "UNKNOWN" and objective is not None:
        status = "FEASIBLE"  # the greedy plan stands in for components without a solution
    bound = _district_bound(done) if proven_bound is None else proven_bound
    if proven_bound is not None and status == "OPTIMAL" and objective != proven_bound:
        status = "FEASIBLE"  # each share is solved optimally; the allocation is proven only to within the gap
    if problem.assessments:  # AB 560: shared among the resource specialists by an exact flow, apart from the plan
        plan = dataclasses.replace(plan, assessors=assign_assessments(problem))
    return Result(
        plan=plan,
        status=status,
        objective=objective,
        best_bound=bound,
        solve_seconds=round(time.perf_counter() - start, 3),
        components=progress.total,
        build_seconds=round(sum(r.build_seconds for r in done), 3),
    )


def _settle(problem: Problem, cands: Candidates, options: SolveOptions, deadline: float, plan: Plan,
            todo: list[Component]) -> tuple[Plan, dict[int, float], float]:
    """CP-SAT on the fast path's unsettled components, each with ``plan`` as its complete hint: (the plan
    with their solutions, each one's proven bound by its first student, seconds spent building)."""
    progress = _Progress(problem, plan, options)
    progress.total = len(todo)
    bounds: dict[int, float] = {}
    for component, result in solve_components(problem, cands, todo, plan, options, deadline):
        progress.take(component, result)
        if not component.shares and math.isfinite(result.bound):
            bounds[component.students[0]] = result.bound
    return progress.plan(), bounds, sum(r.build_seconds for r in progress.results.values())
