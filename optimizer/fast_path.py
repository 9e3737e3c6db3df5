"""The min-cost-flow fast path, within the time limit whatever the district's size.

1. The components (those holding a district average that may bind merged, as
   the exact model needs them) go to forked workers, one per solver worker
   (dealt largest first to the least loaded), that run their flows
   (``optimizer/flow.py``) smallest first and send back each bound and each
   plan as soon as they have it (connected-70000, 8 components: the solve
   8.7 s with one flow worker, 6.0 s with two). OR-Tools' min-cost flow cannot be interrupted;
   the worker can (``optimizer/interruptible.py``). Balancing on workload, the
   worker runs the workload flows instead (``optimizer/workload_flow.py``) and
   sends every component at their end.
2. Meanwhile, here (with ``workers=1`` before the worker starts, so that one
   process computes at a time): the stand-in plan and bound (``optimizer/stand_in.py``):
   per component the cheaper of the greedy and the most-services plans, and a
   bound no legal plan can beat.
3. Until the deadline each component takes the flow's bound when it is higher
   and the flow's plan when it is cheaper. A component where plan and bound
   still differ, up to ``merge_limit`` students, is then solved by CP-SAT with
   its plan as a complete hint, within what is left of the time limit
   (``settle``); CP-SAT's bound counts too.

The plan is legal and never worse than either cheap plan in any component;
the bound is the sum of the components' proven bounds, so OPTIMAL only when
they meet. At the deadline the worker is killed and what it had not sent does
not count.
"""

from __future__ import annotations

import functools
import itertools
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from models.domain.plan import Plan, Result
from models.domain.problem import Problem
from models.domain.workload import balances_workload
from optimizer.better import broken_average_caps, component_objectives, keep_better
from optimizer.decompose import Component, binding_average_caps, split
from optimizer.flow import ComponentFlow, component_flows
from optimizer.interruptible import Interruptible
from optimizer.stand_in import stand_in
from optimizer.workload_flow import workload_bound, workload_plan

if TYPE_CHECKING:
    from models.domain.candidates import Candidates
    from optimizer.solve import SolveOptions

# measured 0.8-3.4 microseconds of flow per candidate arc (connected, one-component and generated districts of
# 3,000-70,000 students, benchmarks/README.md); 10 keeps the estimate of a district's flows on the safe side
SECONDS_PER_ARC = 10e-6
IN_PROCESS_SHARE = 0.05  # flows estimated to take at most this share of the time left run in this process

# settle(components to solve, the plan so far): (the plan with their solutions, proven bound per component
# by its first student, seconds spent building models)
Settle = Callable[[list[Component], Plan], tuple[Plan, dict[int, float], float]]


def solve_with_flow(problem: Problem, cands: Candidates, options: SolveOptions, start: float, deadline: float,
                    settle: Settle) -> Result:
    roles = binding_average_caps(problem, cands)
    components = split(problem, cands, couple=roles)
    # smallest first: at the deadline as many components as possible have their flow plan and bound
    order = sorted(range(len(components)), key=lambda i: (len(components[i].students), i))
    found: dict[int, ComponentFlow] = {}
    alone = options.workers <= 1
    works: list[Callable[[], Iterator[ComponentFlow]]]
    if balances_workload(problem):  # a relaxation's bound; a quarter of the time left to improve the plan
        seconds = (deadline - time.perf_counter()) / 4
        plans = functools.partial(_workload_plans, problem, cands, components, seconds)
        bounds_only = functools.partial(_workload_bounds, problem, cands, components)
        # with more workers the bound's flows run beside the plan's (generated 70,000: 7 s beside 14 s)
        works = [lambda: itertools.chain(bounds_only(), plans())] if alone else [plans, bounds_only]
    else:  # with more workers, the components shared among them, each its share smallest first
        shares = [order] if alone else _shares(cands, components, order, options.workers)
        works = [lambda share=share: component_flows(problem, cands, components, share) for share in shares]
    # with one worker the stand-in comes first, so at most one process computes at a time; then small flows
    # run here (with more, the stand-in is built while worker processes run them, which is faster)
    here = alone and not balances_workload(problem) and _flows_fit(cands, deadline - time.perf_counter())
    if alone or time.perf_counter() >= deadline:
        plan, parts, bounds = stand_in(problem, cands, components, roles)
    if time.perf_counter() < deadline:
        with Interruptible(*works, local=here) as worker:
            if not alone:  # the stand-in here while the worker runs the flows
                plan, parts, bounds = stand_in(problem, cands, components, roles)
            for item in worker.results(deadline):
                bounds[item.index] = max(bounds[item.index], item.bound)
                if item.providers is not None:
                    found[item.index] = item
                    _report(options, found, parts, bounds)
    if found:
        plan, parts = _take_flow_plans(problem, plan, parts, components, found, roles)
    todo = [c for i, c in enumerate(components)
            # measured: CP-SAT on a 70,000-student component held 2.4 GiB and improved nothing in 60 s
            if parts[i] > bounds[i] and len(c.students) <= options.merge_limit and i in found]
    build_seconds = 0.0
    if todo and time.perf_counter() < deadline:
        solved, proven, build_seconds = settle(todo, plan)
        position = {c.students[0]: i for i, c in enumerate(components)}
        for first, bound in proven.items():
            bounds[position[first]] = max(bounds[position[first]], int(bound))
        plan, parts, _ = keep_better(problem, solved, plan, components, roles)
    objective, bound = sum(parts), sum(bounds)
    return Result(
        plan=plan,
        status="OPTIMAL" if objective == bound else "FEASIBLE",
        objective=objective,
        best_bound=float(bound),
        solve_seconds=round(time.perf_counter() - start, 3),
        components=len(components),
        build_seconds=round(build_seconds, 3),
    )


def _arcs(cands: Candidates, component: Component) -> int:
    return sum(len(cands.providers[d]) for d in component.demands) + sum(len(cands.managers[s])
                                                                         for s in component.students)


def _shares(cands: Candidates, components: list[Component], order: list[int], workers: int) -> list[list[int]]:
    """The components dealt among ``workers`` flow workers, largest first to the least loaded (their
    candidate arcs: the flows' time goes with them); each share smallest first, as ``order`` has them."""
    arcs = {i: _arcs(cands, components[i]) for i in order}
    loads = [0] * max(1, workers)
    shares: list[list[int]] = [[] for _ in loads]
    for i in sorted(order, key=lambda i: -arcs[i]):
        least = loads.index(min(loads))
        shares[least].append(i)
        loads[least] += arcs[i]
    rank = {i: k for k, i in enumerate(order)}
    return [sorted(share, key=rank.__getitem__) for share in shares if share]


def _flows_fit(cands: Candidates, seconds_left: float) -> bool:
    """Whether the flows are sure to end within a small share of the time left, so they may run here.

    Forking the worker costs little time but faults in every page either process then writes (a
    sweep's runs, measured in ``benchmarks/README.md``); flows estimated (on the safe side) at a twentieth of
    the time left end well before the deadline, so stopping them there is not needed.
    """
    arcs = sum(map(len, cands.providers)) + sum(map(len, cands.managers))
    return arcs * SECONDS_PER_ARC <= IN_PROCESS_SHARE * seconds_left


def _workload_plans(problem: Problem, cands: Candidates, components: list[Component],
                    seconds: float) -> Iterator[ComponentFlow]:
    """The workload flow plan (``optimizer/workload_flow.py``), per component, all at its end; its bound is
    only that every cost is at least 0."""
    plan = workload_plan(problem, cands, components, seconds=seconds)
    parts = component_objectives(problem, plan, components)
    for i, component in enumerate(components):
        yield ComponentFlow(i, 0, {d: plan.providers[d] for d in component.demands},
                            {s: plan.case_managers[s] for s in component.students}, parts[i])


def _workload_bounds(problem: Problem, cands: Candidates, components: list[Component]) -> Iterator[ComponentFlow]:
    """The workload flows' bound (``optimizer/workload_flow.py``), per component, all at its end."""
    for i, bound in enumerate(workload_bound(problem, cands, components)):
        yield ComponentFlow(i, bound)


def _take_flow_plans(problem: Problem, plan: Plan, parts: list[int], components: list[Component],
                     found: dict[int, ComponentFlow], roles: list[str]) -> tuple[Plan, list[int]]:
    """The stand-in plan with each component's flow plan where that is no dearer (the worker priced it)."""
    better = [item for item in found.values() if item.objective <= parts[item.index]]  # ties: the flow plan
    if not better:
        return plan, parts
    providers, managers = list(plan.providers), list(plan.case_managers)
    parts = list(parts)
    for item in better:
        for d, p in item.providers.items():
            providers[d] = p
        for s, m in item.managers.items():
            managers[s] = m
        parts[item.index] = item.objective
    mixed = Plan(providers=tuple(providers), case_managers=tuple(managers))
    # a district average that may bind lies within one component, so mixing keeps it; checked all the same
    if broken_average_caps(problem, mixed, roles):
        mixed, parts, _ = keep_better(problem, mixed, plan, components, roles)
    return mixed, parts


def _report(options: SolveOptions, found: dict[int, ComponentFlow], parts: list[int], bounds: list[int]) -> None:
    if options.progress is None:
        return
    objective = sum(min(part, found[i].objective) if i in found else part for i, part in enumerate(parts))
    options.progress(len(found), len(parts), objective, float(sum(bounds)))

