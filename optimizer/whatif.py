"""Plan several independent problems (the base and its what-if scenarios) side by side."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from models.domain.issues import InputError
from models.domain.plan import Result
from models.domain.problem import Problem
from models.domain.scenario import anchor_to_plan
from optimizer.solve import SolveOptions, planning_candidates, solve


def check_plannable(problems: Sequence[Problem], names: Sequence[str]) -> None:
    """Raise InputError, naming the plan, when one cannot be planned at all (locks over a cap)."""
    issues = []
    for problem, name in zip(problems, names, strict=True):
        try:
            planning_candidates(problem)
        except InputError as exc:
            issues += [dataclasses.replace(i, message=f"{name}: {i.message}") for i in exc.issues]
    if issues:
        raise InputError(issues)


def solve_all(problems: Sequence[Problem], options: SolveOptions | None = None) -> list[Result]:
    """Solve each problem, up to ``options.workers`` at a time; the solver threads are shared out.

    CP-SAT releases the interpreter lock while it searches, so the plans run in
    parallel. The results are in the order of ``problems``.
    """
    options = options or SolveOptions()
    if not problems:
        return []
    at_once = max(1, min(options.workers, len(problems)))
    each = dataclasses.replace(options, workers=max(1, options.workers // at_once), progress=None)
    if at_once == 1:
        return [solve(problem, each) for problem in problems]
    with ThreadPoolExecutor(max_workers=at_once) as pool:
        return list(pool.map(lambda problem: solve(problem, each), problems))


SolveMany = Callable[[Sequence[Problem], SolveOptions], list[Result]]


def plan_side_by_side(base: Problem, variants: Sequence[Problem], options: SolveOptions | None = None,
                      solve_many: SolveMany = solve_all) -> tuple[Result, list[Problem], list[Result]]:
    """Plan the base, then every variant (in parallel) with the base plan as its current plan.

    Anchoring each variant to the base plan makes its changes the ones the
    variant causes, not a different choice among equally good plans. Returns the
    base result, the anchored variants and their results. ``solve_many`` plans
    the variants (default: here, in threads; ``models.workflows.cluster`` gives
    one that spreads them over a Dask cluster).
    """
    options = options or SolveOptions()
    base_result = solve(base, options)
    anchored = [anchor_to_plan(variant, base, base_result.plan) for variant in variants]
    return base_result, anchored, solve_many(anchored, options)
