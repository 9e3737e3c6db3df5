"""Plan several independent problems (the base and its what-if scenarios) side by side."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from models.domain.candidates import Candidates
from models.domain.issues import InputError
from models.domain.plan import Result
from models.domain.problem import Problem
from models.domain.scenario import anchor_to_plan
from optimizer.reuse import BasePlan, Replanned, index_base, replan, split_for_reuse
from optimizer.solve import SolveOptions, planning_candidates, solve


def check_plannable(problems: Sequence[Problem], names: Sequence[str]) -> list[Candidates]:
    """Each problem's eligible pairs; raise InputError, naming the plan, when one cannot be planned at all
    (locks over a cap)."""
    issues, found = [], []
    for problem, name in zip(problems, names, strict=True):
        try:
            found.append(planning_candidates(problem))
        except InputError as exc:
            issues += [dataclasses.replace(i, message=f"{name}: {i.message}") for i in exc.issues]
    if issues:
        raise InputError(issues)
    return found


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
                      solve_many: SolveMany | None = None, cands: Sequence[Candidates] = (),
                      ) -> tuple[Result, list[Problem], list[Result]]:
    """Plan the base, then every variant with the base plan as its current plan.

    Anchoring each variant to the base plan makes its changes the ones the
    variant causes, not a different choice among equally good plans. Returns the
    base result, the anchored variants and their results. By default each
    variant re-plans only the components it touches and keeps the base plan on
    the rest (``optimizer/reuse.py``: the same objective as planning it whole);
    ``solve_many`` None or :func:`solve_all` (here) does that (``cands``: the eligible pairs of the base
    and of each variant, from :func:`check_plannable`, else found again). Another
    ``solve_many`` plans the variants whole (``models.workflows.cluster`` gives
    one that spreads them over a Dask cluster).
    """
    options = options or SolveOptions()
    if solve_many is not None and solve_many is not solve_all:
        base_result = solve(base, options)
        anchored = [anchor_to_plan(variant, base, base_result.plan) for variant in variants]
        return base_result, anchored, solve_many(anchored, options)
    base_result, anchored, replanned = replan_side_by_side(base, variants, options, cands)
    return base_result, anchored, [r.result for r in replanned]


def replan_side_by_side(base: Problem, variants: Sequence[Problem], options: SolveOptions | None = None,
                        cands: Sequence[Candidates] = ()) -> tuple[Result, list[Problem], list[Replanned]]:
    """Plan the base, then each variant only where it differs from the base (``optimizer/reuse.py``).

    One variant after another, each with every worker: a variant's touched
    components are planned in parallel by ``solve`` itself.
    """
    options = options or SolveOptions()
    pairs = list(cands) if cands else [None] * (1 + len(variants))
    base_result, index = plan_base(base, options, pairs[0])
    anchored, replanned = replan_variants(index, variants, options, pairs[1:])
    return base_result, anchored, replanned


def plan_base(base: Problem, options: SolveOptions, cands: Candidates | None = None) -> tuple[Result, BasePlan]:
    """The base's plan and its components by fingerprint, for :func:`replan_variants`."""
    base_split = split_for_reuse(base, cands)
    base_result = solve(base, options)
    return base_result, index_base(base_split, base_result)


def replan_variants(index: BasePlan, variants: Sequence[Problem], options: SolveOptions,
                    cands: Sequence[Candidates | None] = ()) -> tuple[list[Problem], list[Replanned]]:
    """Each variant anchored to the base plan, and planned only where it differs from the base."""
    base = index.split.problem
    pairs = list(cands) if cands else [None] * len(variants)
    anchored = [anchor_to_plan(variant, base, index.result.plan) for variant in variants]
    each = dataclasses.replace(options, progress=None)
    return anchored, [replan(index, v, a, each, c) for v, a, c in zip(variants, anchored, pairs, strict=True)]
