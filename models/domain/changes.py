"""Changes against the current plan, counted in one place.

A *change* is a student or service whose person on record is not the one the
plan gives it, including one left with nobody (unresolved). A *move* is a
change handed to a new person: what a rebalancing budget (``--max-moves``)
counts, since leaving something unresolved moves nobody.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from models.domain.problem import Problem

if TYPE_CHECKING:  # only a type: plan.py imports this module
    from models.domain.plan import Plan


@dataclass(frozen=True, slots=True)
class Change:
    student: int  # index into Problem.students
    demand: int | None  # index into Problem.demands; None for the case manager
    current_id: str  # staff id on record
    new: int | None  # staff index in the plan; None: left unresolved

    @property
    def moved(self) -> bool:
        return self.new is not None


def plan_changes(problem: Problem, plan: Plan) -> Iterator[Change]:
    """Every change of ``plan`` against the current one: case managers first, then services."""
    staff = problem.staff
    for s, (student, m) in enumerate(zip(problem.students, plan.case_managers, strict=True)):
        current = student.current_case_manager
        if current is not None and (m is None or staff[m].staff_id != current):
            yield Change(s, None, current, m)
    for d, (demand, p) in enumerate(zip(problem.demands, plan.providers, strict=True)):
        current = problem.current_providers.get((problem.students[demand.student].student_id, demand.service))
        if current is not None and (p is None or staff[p].staff_id != current):
            yield Change(demand.student, d, current, p)


def changes(problem: Problem, plan: Plan) -> tuple[int, int]:
    """(case managers changed, providers changed) against the current plan, unresolved ones included."""
    changed_cm = changed_prov = 0
    for change in plan_changes(problem, plan):
        if change.demand is None:
            changed_cm += 1
        else:
            changed_prov += 1
    return changed_cm, changed_prov


def moves_by_student(problem: Problem, plan: Plan) -> list[int]:
    """Per student: its case manager and services handed to a new person (not left unresolved)."""
    moves = [0] * len(problem.students)
    for change in plan_changes(problem, plan):
        moves[change.student] += change.moved
    return moves


def count_moves(problem: Problem, plan: Plan) -> int:
    """Students and services handed to a new person (not left unresolved) against the current plan."""
    return sum(moves_by_student(problem, plan))
