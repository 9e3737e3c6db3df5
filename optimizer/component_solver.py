"""CP-SAT on a district's components: one model each, side by side in forked workers, each given its share
of the time left.

``optimizer/solve.py`` decides which components go to CP-SAT and keeps the
best plan; this module builds and solves their models.
"""

from __future__ import annotations

import math
import multiprocessing as mp
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import TYPE_CHECKING

from models.domain.candidates import Candidates
from models.domain.plan import Plan
from models.domain.problem import Problem
from models.domain.workload import balances_workload
from optimizer.decompose import Component

if TYPE_CHECKING:  # CP-SAT is imported when a model is built (0.3 s): a plan the flows prove needs none
    from ortools.sat.python import cp_model

    from optimizer.model import CaseloadModel
    from optimizer.solve import SolveOptions


@dataclass(frozen=True, slots=True)
class ComponentResult:
    status: str
    objective: int | None
    bound: float
    build_seconds: float
    providers: dict[int, int | None]  # demand -> staff (only when a solution was found)
    managers: dict[int, int | None]  # student -> staff


def solve_component(problem: Problem, cands: Candidates, component: Component, hint: Plan | None,
                    options: SolveOptions, deadline: float, workers: int) -> ComponentResult:
    t0 = time.perf_counter()
    if t0 >= deadline:
        # out of time before building: the stand-in plan stays, and every cost is >= 0
        return ComponentResult("UNKNOWN", None, 0.0, 0.0, {}, {})
    from optimizer.model import CaseloadModel

    max_moves = options.max_moves if component.max_moves is None else component.max_moves
    built = CaseloadModel(problem, cands, component, max_moves=max_moves)
    if hint is not None:
        built.add_hint(hint)
    build_seconds = time.perf_counter() - t0
    solver = tuned_solver(options, deadline - time.perf_counter(), workers)
    if options.tuned and balances_workload(problem):
        workload_parameters(solver)
    return run_solver(solver, built, build_seconds)


def workload_parameters(solver: cp_model.CpSolver) -> None:
    """What CP-SAT gets on top of ``tuned_solver`` for a model balanced on workload."""
    # Measured on the generated 70,000-student district's components (benchmarks/README.md, "Balancing on
    # workload"): with every constraint in the LP from the start, CP-SAT's LP bound comes in 0.5-1 s
    # instead of 1-2.5 s, when a component's share of the minute is about half a second.
    solver.parameters.add_lp_constraints_lazily = False
    # and without probing at the root, 35-45% sooner again (701, 496 and 409 students: 1.04 -> 0.68 s,
    # 0.37 -> 0.24 s, 0.32 -> 0.17 s), the same bound
    solver.parameters.cp_model_probing_level = 0


def tuned_solver(options: SolveOptions, seconds: float, workers: int = 1) -> cp_model.CpSolver:
    """A CP-SAT solver with the parameters these models prove fastest with (or CP-SAT's own, untuned)."""
    from ortools.sat.python import cp_model

    solver = cp_model.CpSolver()
    params = solver.parameters
    params.max_time_in_seconds = max(0.05, seconds)
    params.random_seed = options.seed
    if not options.tuned:
        params.num_workers = options.workers
        return solver
    # Measured (benchmarks/README.md): one worker with the full LP relaxation
    # (linearization level 2) proves these transportation-like models fastest;
    # CP-SAT's 2-worker portfolio drops that LP and stalls far from the bound.
    params.num_workers = workers
    params.linearization_level = 2
    # Presolve costs more than it saves on these models (measured: 10,000
    # students 6 s without, 12 s with); the LP does the proving.
    params.cp_model_presolve = False
    # A hint is taken as the first solution; following it further (the default
    # conflict limit) cost 10.8 s against 2.0 s on six 10,000-district components.
    params.hint_conflict_limit = 0
    return solver


def run_solver(solver: cp_model.CpSolver, built: CaseloadModel, build_seconds: float) -> ComponentResult:
    from ortools.sat.python import cp_model

    status = solver.solve(built.model)
    name = solver.status_name(status)
    # every coefficient is an integer, so the bound rounds up to one
    raw_bound = solver.best_objective_bound
    bound = math.ceil(raw_bound - 1e-6) if math.isfinite(raw_bound) else -math.inf
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        providers, managers = built.read_solution(solver)
        return ComponentResult(name, round(solver.objective_value), bound, build_seconds, providers, managers)
    return ComponentResult(name, None, bound, build_seconds, {}, {})


# What forked component workers inherit: the read-only problem of the solve in
# progress. Set just before the pool starts and cleared after; fork shares it
# copy-on-write instead of pickling a 70,000-student district per component.
_FORK_STATE: tuple | None = None


def _solve_forked(component: Component) -> ComponentResult:
    problem, cands, hint, options, deadline, started, total, at_once = _FORK_STATE
    size = _size(component)
    with started.get_lock():  # the size of the components started so far, by any worker
        before = started.value
        started.value += size
    return solve_component(problem, cands, component, hint, options,
                           time_share(deadline, total - before, at_once, size), 1)


def _size(component: Component) -> int:
    """What a component's model costs, roughly: its students and their services."""
    return len(component.students) + len(component.demands)


def time_share(deadline: float, left: int, at_once: int, size: int = 1) -> float:
    """The deadline of a component of ``size`` that starts now, with components of total size ``left`` (itself
    included) still to start and ``at_once`` solved side by side: its share of the time left, in proportion
    to its size.

    Each component that ends early leaves its time to those after it, and the last ones get all that is
    left. Without shares the first components took the whole time limit: balancing on workload, where
    components seldom prove optimal, two of 133 got CP-SAT's whole minute and the rest none; with equal
    shares the largest components did not reach their LP bound (benchmarks/README.md, "Balancing on
    workload").
    """
    now = time.perf_counter()
    rest = max(0.0, deadline - now)
    return now + min(rest, rest * at_once * size / max(1, left))


def solve_components(problem: Problem, cands: Candidates, components: list[Component], hint: Plan | None,
                     options: SolveOptions, deadline: float) -> Iterator[tuple[Component, ComponentResult]]:
    """Solve components in order of completion: in forked processes when several can run at once."""
    global _FORK_STATE
    # fork shares the district copy-on-write; it is safe with CP-SAT's threads on Linux only
    parallel = len(components) > 1 and options.workers > 1 and sys.platform.startswith("linux")
    # smallest first: the time a small component leaves unused goes to the larger ones after it (time_share)
    components = sorted(components, key=_size)
    if not parallel:
        left = sum(map(_size, components))
        for component in components:
            yield component, solve_component(problem, cands, component, hint, options,
                                             time_share(deadline, left, 1, _size(component)), 1)
            left -= _size(component)
        return
    import optimizer.model  # noqa: F401 - imported once here, not in each forked worker (0.3 s each)

    context = mp.get_context("fork")
    at_once = min(options.workers, len(components))
    _FORK_STATE = (problem, cands, hint, options, deadline, context.Value("q", 0),
                   sum(map(_size, components)), at_once)
    try:
        with ProcessPoolExecutor(max_workers=at_once, mp_context=context) as pool:
            futures = {pool.submit(_solve_forked, c): c for c in components}
            for future in as_completed(futures):
                yield futures[future], future.result()
    finally:
        _FORK_STATE = None
