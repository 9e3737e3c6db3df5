"""explain.csv's rows of a what-if scenario: a reference plan's rows wherever nothing they read changed.

A scenario usually changes one corner of the district. A student's rows
(``Explainer.student_rows``) read only:

- the rules (hard rules, weights, categories, caps) and whether the balance
  is on workload minutes: the same for the whole district;
- the student: their record, their demands, their current case manager and
  providers (and whether those ids are still on the staff: an id that left
  prices continuity differently), the plan's case manager and providers;
- the people at the student's site (``Explainer.local``: by index order, the
  tie-break of explain.csv), each with what a price reads about them: their
  record, pupils on their caseload service, cases managed, cap, balance
  targets, weekly minutes, fixed minutes and sites visited (workload balance),
  and for a member of a district average whether one more pupil would break
  it and, if so, the average's load, budget and FTE (the words name them).

:func:`student_keys` collects exactly these per student, free of indices
(ids and whole records). Where a student's key, their site's people and the
district-wide part all equal the reference plan's, the reference's rows are
the student's rows, cell for cell (they are computed from the same values by
the same code); the other students' rows are computed. The caller picks the
reference: for a what-if scenario it is the base plan anchored to itself
(``anchor_to_plan``), because every scenario is planned with the base plan as
its current plan. tests/test_explain_reuse.py compares the result with
``explain_values`` on whole generated districts and several scenario kinds.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

from models.domain.plan import Plan
from models.domain.problem import Problem
from models.files.side_process import in_halves
from models.workflows.explain_fast import FastRows
from models.workflows.explanations import Explainer

Row = tuple[object, ...]


@dataclass(frozen=True, slots=True)
class ExplainKeys:
    """What each student's explain.csv rows read: district-wide, per site, per student (by student id)."""

    district: Hashable
    sites: dict[str, Hashable]
    students: dict[str, tuple[str, Hashable]]  # student id -> (site, the student's own part)


@dataclass(frozen=True, slots=True)
class Explained:
    """A plan's explain.csv rows (cell values, student order) with the keys they were computed from."""

    rows: tuple[Row, ...]
    keys: ExplainKeys
    reused: int = 0  # students whose rows came from the reference
    grouped: dict[str, list[Row]] | None = None  # the rows by student id, when grouped once for many readers

    def by_student(self) -> dict[str, list[Row]]:
        if self.grouped is not None:
            return self.grouped
        grouped: dict[str, list[Row]] = {}
        for row in self.rows:
            grouped.setdefault(row[0], []).append(row)
        return grouped

    def as_reference(self) -> Explained:
        """The same rows grouped by student once (a reference that several scenarios read)."""
        return dataclasses.replace(self, grouped=self.by_student())


def _person_keys(explainer: Explainer) -> list[Hashable]:
    state, problem = explainer.state, explainer.problem
    averages = [(role, average, set(average.members)) for role, average in state.averages.items()]
    keys = []
    for p, person in enumerate(problem.staff):
        seats = []
        for role, average, members in averages:
            if p in members:
                total = state.role_total[role]
                # the explainer's changes move one pupil: only a full average shows (with its figures)
                seats.append((role, "room" if total + 1 <= average.budget else (total, average.budget, average.fte)))
        key: tuple = (person, state.served[p], state.managed[p], state.cap[p], state.target[p], state.cm_target[p],
                      state.caseload_service[p], tuple(seats))
        if state.on_workload:
            key += (state.minutes[p], state.fixed[p], tuple(sorted(state.sites[p].items())))
        keys.append(key)
    return keys


def student_keys(explainer: Explainer) -> ExplainKeys:
    """Everything the explainer reads for each student (module note), by ids."""
    problem, state = explainer.problem, explainer.state
    staff, index = problem.staff, problem.staff_index
    people = _person_keys(explainer)
    sites = {site: tuple(people[p] for p in explainer.local(site)) for site in {s.site for s in problem.students}}
    current = problem.current_providers

    def who(p: int | None) -> str | None:
        return None if p is None else staff[p].staff_id

    students = {}
    for s, student in enumerate(problem.students):
        sid = student.student_id
        demands = []
        for d in problem.demands_of[s]:
            demand = problem.demands[d]
            holder = current.get((sid, demand.service))
            demands.append((demand.service, demand.minutes, holder, holder in index, who(state.providers[d])))
        manager = student.current_case_manager
        students[sid] = (student.site, (student, tuple(demands), manager in index, who(state.managers[s])))
    district = (repr(problem.rules), state.on_workload)
    return ExplainKeys(district, sites, students)


def explain(problem: Problem, plan: Plan, reference: Explained | None = None, least: int = 2000) -> Explained:
    """explain.csv's rows of ``plan``: the reference's rows for each student whose key equals theirs.

    The rows left to compute are shared with a forked process when there are at
    least ``least`` students to explain (``side_process.in_halves``).
    """
    explainer = Explainer(problem, plan)
    keys = student_keys(explainer)
    students = problem.students
    known: dict[str, list[Row]] = {}
    if reference is not None and reference.keys.district == keys.district:
        theirs = reference.keys
        same_sites = {site for site, key in keys.sites.items() if theirs.sites.get(site) == key}
        rows = reference.by_student()
        for sid, (site, key) in keys.students.items():
            if site in same_sites and theirs.students.get(sid) == (site, key):
                known[sid] = rows.get(sid, [])
    todo = [s for s, student in enumerate(students) if student.student_id not in known]
    computed = _compute(explainer, todo, least)
    out: list[Row] = []
    for s, student in enumerate(students):
        rows_of = known.get(student.student_id)
        out += rows_of if rows_of is not None else computed[s]
    return Explained(tuple(out), keys, len(known))


def with_keys(problem: Problem, plan: Plan, rows: Callable[[], Sequence[Row]]) -> Explained:
    """``plan``'s explain.csv rows, computed elsewhere (another process: ``rows`` waits for them, e.g.
    ``side_process.Background.result``), with their keys, worked out first, while that process ends."""
    keys = student_keys(Explainer(problem, plan))
    return Explained(tuple(rows()), keys)


def _compute(explainer: Explainer, todo: Sequence[int], least: int) -> dict[int, list[Row]]:
    fast = FastRows(explainer)  # explain_values' rows, student by student

    def work(lo: int, hi: int) -> list[tuple[int, list[Row]]]:
        return [(s, fast.student_values(s)) for s in todo[lo:hi]]

    return {s: rows for half in in_halves(work, len(todo), least) for s, rows in half}


__all__ = ["ExplainKeys", "Explained", "explain", "student_keys", "with_keys"]
