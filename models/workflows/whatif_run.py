"""A what-if run: read the scenarios, plan the base and each scenario side by side, write and compare them.

``caseload whatif`` parses its options and calls these two steps; the CLI only
picks the output folder (written whole or not at all) and prints.
"""

from __future__ import annotations

import multiprocessing as mp
import sys
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from models.domain.candidates import Candidates
from models.domain.issues import InputError, Issue
from models.domain.names import Names
from models.domain.plan import Result
from models.domain.problem import Problem
from models.domain.scenario import Scenario, anchor_to_plan, apply_scenario, labels_and_folders
from models.files.report_pages import write_comparison_report
from models.files.reviewed import ReviewedPlan
from models.files.tables import write_comparison
from models.files.writers import write_plan
from models.workflows.comparison import outcome_row
from models.workflows.explain_reuse import Explained, explain
from models.workflows.scenarios import load_scenario
from optimizer.solve import SolveOptions
from optimizer.whatif import SolveMany, check_plannable, plan_side_by_side, solve_all


def load_scenarios(paths: Sequence[Path], problem: Problem) -> tuple[list[Scenario], list[Issue]]:
    """Every scenario file read and checked against the base; their warnings.

    Raises :class:`InputError` with the problems of every file at once when any has an error.
    """
    scenarios, warnings, errors = [], [], []
    for path in paths:
        try:
            scenario, found = load_scenario(path, problem)
        except InputError as exc:
            errors += exc.issues
            continue
        scenarios.append(scenario)
        warnings += found
    if errors:
        raise InputError(errors)
    return scenarios, warnings


@dataclass(frozen=True, slots=True)
class WhatifRun:
    """The base and the scenarios, each with its label and folder, checked plannable before any solving."""

    base: Problem
    labels: tuple[tuple[str, str], ...]  # (label, folder), base first
    problems: tuple[Problem, ...]  # base first, then each scenario applied
    cands: tuple[Candidates, ...] = ()  # each problem's eligible pairs, found by the check


def prepare(problem: Problem, scenarios: Sequence[Scenario]) -> WhatifRun:
    """Apply each scenario to the base and check that every variant can be planned (else InputError)."""
    labels = (("base", "base"), *labels_and_folders(list(scenarios)))
    problems = (problem, *(apply_scenario(problem, s) for s in scenarios))
    cands = check_plannable(list(problems), [label for label, _ in labels])
    return WhatifRun(problem, labels, problems, tuple(cands))


def plan_and_write(run: WhatifRun, options: SolveOptions, folder: Path, names: Names | None = None,
                   solve_many: SolveMany = solve_all) -> list[dict]:
    """Plan the variants side by side (each anchored to the base plan) and write every plan folder,
    comparison.csv and report.html into ``folder``; returns the comparison rows.

    ``solve_many`` plans the scenarios (default: here; ``models.workflows.cluster.scenario_solver`` gives one
    that spreads them over a Dask cluster)."""
    base, anchored, results = plan_side_by_side(run.base, list(run.problems[1:]), options, solve_many, run.cands)
    jobs = [(planned, result, folder / sub) for (_, sub), planned, result
            in zip(run.labels, [run.base, *anchored], [base, *results], strict=True)]
    reviewed_plans = write_plans(jobs, names, options.workers)
    rows, pages = [], []
    for (label, sub), (planned, result, _), reviewed in zip(run.labels, jobs, reviewed_plans, strict=True):
        rows.append(outcome_row(label, planned, result, run.base, base.plan))
        pages.append((label, sub, reviewed, rows[-1]))
    write_comparison(rows, folder / "comparison.csv")
    write_comparison_report(pages, folder / "report.html")
    return rows


# What forked writers inherit: the plans to write (set just before the pool starts, cleared after); fork
# shares them copy-on-write instead of pickling a 70,000-student district per folder.
_WRITE_STATE: tuple | None = None


def _write_forked(i: int) -> ReviewedPlan:
    jobs, names, rows = _WRITE_STATE
    return write_plan(*jobs[i], names=names, explain=rows[i])


def explain_plans(jobs: Sequence[tuple[Problem, Result, Path]]) -> list[Explained]:
    """explain.csv's rows of each plan; the first is the base, the others (scenarios) reuse its rows.

    Every scenario is planned with the base plan as its current plan, so the
    rows it can share are those of the base plan anchored to itself: computed
    once (from the base's own rows where a student's current plan is the base
    plan), then each scenario takes them for every student whose explanation
    reads nothing the scenario changed (``models.workflows.explain_reuse``) and
    computes the rest.
    """
    base_problem, base_result, _ = jobs[0]
    base = explain(base_problem, base_result.plan)
    if len(jobs) == 1:
        return [base]
    anchored = explain(anchor_to_plan(base_problem, base_problem, base_result.plan), base_result.plan, base)
    return [base, *(explain(problem, result.plan, anchored) for problem, result, _ in jobs[1:])]


def write_plans(jobs: Sequence[tuple[Problem, Result, Path]], names: Names | None, workers: int,
                explained: Sequence[Explained] | None = None) -> list[ReviewedPlan]:
    """Write each (problem, result, folder) plan folder, up to ``workers`` at once; their reviewed plans.

    ``explained``: each plan's explain.csv rows (:func:`explain_plans`, the default).

    Writing is pure Python (explain.csv, plan.xlsx): measured on the 70,000-student
    district it takes longer than planning, so on Linux the folders are written
    by forked processes, side by side.
    """
    global _WRITE_STATE
    rows = [e.rows for e in (explain_plans(jobs) if explained is None else explained)] if jobs else []
    if workers <= 1 or len(jobs) <= 1 or not sys.platform.startswith("linux"):
        return [write_plan(*job, names=names, explain=r) for job, r in zip(jobs, rows, strict=True)]
    _WRITE_STATE = (list(jobs), names, rows)
    try:
        with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=mp.get_context("fork")) as pool:
            return list(pool.map(_write_forked, range(len(jobs))))
    finally:
        _WRITE_STATE = None
