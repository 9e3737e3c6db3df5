"""A what-if run: read the scenarios, plan the base and each scenario side by side, write and compare them.

``caseload whatif`` parses its options and calls these two steps; the CLI only
picks the output folder (written whole or not at all) and prints.
"""

from __future__ import annotations

import dataclasses
import multiprocessing as mp
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from models.domain.candidates import Candidates
from models.domain.issues import InputError, Issue
from models.domain.names import Names
from models.domain.plan import Result
from models.domain.problem import Problem
from models.domain.scenario import Scenario, anchor_to_plan, apply_scenario, labels_and_folders
from models.files.report_pages import write_comparison_report
from models.files.reviewed import ReviewedPlan
from models.files.side_process import Background, can_fork
from models.files.tables import write_comparison
from models.files.writers import write_plan
from models.workflows.comparison import outcome_row
from models.workflows.explain_reuse import Explained, explain, with_keys
from models.workflows.scenarios import load_scenario
from optimizer.solve import SolveOptions
from optimizer.whatif import SolveMany, check_plannable, plan_base, plan_side_by_side, replan_variants, solve_all

T = TypeVar("T")


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
    that spreads them over a Dask cluster).

    By default the scenarios are re-planned one after another on one core; meanwhile
    two forked children (``side_process.Background``) write the base plan's folder and
    compute the explain.csv rows the scenarios reuse (the base plan anchored to
    itself), so both cores stay busy. Then the scenario folders are written side by
    side (:func:`write_plans`).
    """
    labels, variants = run.labels, list(run.problems[1:])

    def compare(planned: Problem, result: Result) -> dict:  # a comparison row, computed by the plan's writer
        return outcome_row("", planned, result, run.base, base.plan)

    if solve_many is not solve_all:
        base, anchored, results = plan_side_by_side(run.base, variants, options, solve_many, run.cands)
        jobs = [(planned, result, folder / sub) for (_, sub), planned, result
                in zip(labels, [run.base, *anchored], [base, *results], strict=True)]
        written = write_and_compare(jobs, names, options.workers, reference_of(run.base, base), compare)
    else:
        base, index = plan_base(run.base, options, run.cands[0] if run.cands else None)
        base_job = (run.base, base, folder / labels[0][1])
        side = options.workers > 1
        # the base plan as every scenario sees it: with itself as the current plan (here and in the child)
        self_anchored = anchor_to_plan(run.base, run.base, base.plan)
        reference = _later(lambda: explain(self_anchored, base.plan).rows, side)
        base_folder = _later(lambda: (_slim(write_plan(*base_job, names=names)), compare(run.base, base)), side)
        try:
            anchored, replanned = replan_variants(index, variants, options, run.cands[1:])
            results = [r.result for r in replanned]
            ref = with_keys(self_anchored, base.plan, reference.result).as_reference()  # keys while it ends
            jobs = [base_job, *((planned, result, folder / sub) for (_, sub), planned, result
                                in zip(labels[1:], anchored, results, strict=True))]
            # the scenario folders start without waiting for the base folder's process to end
            scenarios_written = write_and_compare(jobs[1:], names, options.workers, ref, compare)
            written = [base_folder.result(), *scenarios_written]
        except BaseException:
            reference.stop()
            base_folder.stop()
            raise
    rows, pages = [], []
    for (label, sub), (reviewed, row) in zip(labels, written, strict=True):
        rows.append({**row, "scenario": label})  # the row's first column, its other columns as computed
        pages.append((label, sub, reviewed, rows[-1]))
    write_comparison(rows, folder / "comparison.csv")
    write_comparison_report(pages, folder / "report.html")
    return rows


def _later(task: Callable[[], T], side: bool) -> Background[T]:
    """``task`` in a forked child when ``side`` (else now, here)."""
    return Background(task, now=not side)


def reference_of(problem: Problem, result: Result) -> Explained:
    """What the scenarios of this base reuse: explain.csv's rows of the base plan as every scenario sees it
    (with itself as the current plan), with their keys."""
    return explain(anchor_to_plan(problem, problem, result.plan), result.plan).as_reference()


# What forked writers inherit: the plans to write and the rows they reuse (set just before the pool starts,
# cleared after); fork shares them copy-on-write instead of pickling a 70,000-student district per folder.
_WRITE_STATE: tuple | None = None


Compare = Callable[[Problem, Result], dict]


def _write_forked(i: int) -> tuple[ReviewedPlan, dict | None]:
    jobs, names, reference, compare = _WRITE_STATE
    return _write_one(jobs[i], names, reference, compare)


def _write_one(job: tuple[Problem, Result, Path], names: Names | None, reference: Explained | None,
               compare: Compare | None = None) -> tuple[ReviewedPlan, dict | None]:
    problem, result, _ = job
    rows = explain(problem, result.plan, reference, least=2000 if reference is None else sys.maxsize).rows
    reviewed = _slim(write_plan(*job, names=names, explain=rows))
    return reviewed, None if compare is None else compare(problem, result)


def _slim(reviewed: ReviewedPlan) -> ReviewedPlan:
    """The reviewed plan without its row tables: what the comparison needs (the headline, the summary), cheap
    to send back from a forked writer (70,000 students' rows took 2 s to pickle and unpickle)."""
    return dataclasses.replace(reviewed, students=(), services=(), staff=(), unserved=(), sites=(), explain=(),
                               moves=None, assessments=None)


def write_plans(jobs: Sequence[tuple[Problem, Result, Path]], names: Names | None, workers: int,
                reference: Explained | None = None) -> list[ReviewedPlan]:
    """Write each (problem, result, folder) plan folder, up to ``workers`` at once; their reviewed plans,
    without their row tables (:func:`_slim`: the files have them).

    ``reference``: explain.csv rows to reuse wherever they are a plan's own rows (``explain_reuse``; for
    what-if scenarios :func:`reference_of` the base). Writing is pure Python (explain.csv, plan.xlsx):
    on Linux the folders are written by forked processes, side by side, the costliest first (those
    that can reuse nothing of the reference).
    """
    return [reviewed for reviewed, _ in write_and_compare(jobs, names, workers, reference)]


def write_and_compare(jobs: Sequence[tuple[Problem, Result, Path]], names: Names | None, workers: int,
                      reference: Explained | None = None, compare: Compare | None = None,
                      ) -> list[tuple[ReviewedPlan, dict | None]]:
    """:func:`write_plans`, each folder's writer also computing ``compare(problem, result)`` (a comparison
    row: a second of work at 70,000 students, done side by side with the other folders, not after them)."""
    global _WRITE_STATE
    # one process where forking is unsafe or not wanted (side_process.can_fork: CASELOAD_ONE_PROCESS, threads)
    if workers <= 1 or len(jobs) <= 1 or not sys.platform.startswith("linux") or not can_fork():
        return [_write_one(job, names, reference, compare) for job in jobs]
    order = list(range(len(jobs)))
    if reference is not None:
        order.sort(key=lambda i: repr(jobs[i][0].rules) == reference.keys.district[0])
    _WRITE_STATE = (list(jobs), names, reference, compare)
    try:
        with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=mp.get_context("fork")) as pool:
            done = dict(zip(order, pool.map(_write_forked, order), strict=True))
        return [done[i] for i in range(len(jobs))]
    finally:
        _WRITE_STATE = None
