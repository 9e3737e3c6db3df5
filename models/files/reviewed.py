"""One reviewed plan: every row, figure and sentence a director sees, computed once.

CSV, summary.json, plan.xlsx, report.html and the terminal all render this
value, so no format can disagree with another. pandas-free on purpose: the
writers turn these rows into files. Names come from a :class:`Names` map
beside the problem and only ever reach the file formats (the terminal reads
ids and figures).

The rows live in :mod:`models.files.rows`: to add a column (e.g. a "why"),
add a field to the row and a key to its ``cells()``, and fill it here; every
format picks it up.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import cast

from models.domain.assessments import unassigned_reason
from models.domain.caps import balance_target, caseload_cap, load_ratio, overload, soft_cap
from models.domain.names import NO_NAMES, Names
from models.domain.objective import best_practice_services
from models.domain.plan import Plan, Result, case_manager_mode, manager_rank
from models.domain.problem import Problem
from models.domain.reasons import Review, review_plan
from models.domain.statute import statute_notes
from models.domain.workload import balance_choice, compute_workloads
from models.files.fingerprint import input_fingerprint  # noqa: F401 - importable from here too
from models.files.rows import (  # noqa: F401 - the row types and marks, importable from here too
    ABOVE_AVERAGE,
    AT_CAP,
    CASE_MANAGER,
    NEAR,
    AssessmentRow,
    Headline,
    MoveRow,
    ServiceRow,
    SiteRow,
    StaffRow,
    StudentRow,
    UnservedRow,
)
from models.files.side_process import in_halves, in_parts
from models.workflows.comparison import cap_ratio
from models.workflows.explain_table import VERDICT_AT, WHY_AT, beside_assignment, explain_values
from models.workflows.moves import Move

# -- the reviewed plan ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReviewedPlan:
    """Everything every format shows about one plan."""

    headline: Headline
    students: tuple[StudentRow, ...]
    services: tuple[ServiceRow, ...]
    staff: tuple[StaffRow, ...]
    unserved: tuple[UnservedRow, ...]
    sites: tuple[SiteRow, ...]
    summary: dict  # summary.json
    with_student_names: bool
    moves: tuple[MoveRow, ...] | None = None  # after a rebalance
    # explain.csv: the nearest alternatives of each (student, role), as cell values in EXPLAIN_COLUMNS order
    explain: tuple[tuple[object, ...], ...] = ()
    assessments: tuple[AssessmentRow, ...] | None = None  # when pending initial assessments were given
    notes: tuple[str, ...] = field(default=())
    role_names: tuple[tuple[str, str], ...] = ()  # (role code, the rules' name for it), for headings

    def role_title(self, role: str) -> str:
        """"Special day class teacher (sdc_teacher)"; the code alone when the rules give no name."""
        name = dict(self.role_names).get(role, "")
        return f"{name} ({role})" if name and name != role else role

    @property
    def roles(self) -> list[str]:
        return sorted({row.role for row in self.staff})

    def reasons_counted(self) -> list[tuple[str, str, int]]:
        """(what is missing, reason, how many students), most frequent first."""
        counts = Counter((u.missing, u.reason) for u in self.unserved)
        return [(missing, reason, n) for (missing, reason), n in counts.most_common()]


# -- building it -------------------------------------------------------------------


def _bent_preferences(problem: Problem, result: Result, s: int) -> str:
    plan, student = result.plan, problem.students[s]
    notes = []
    manager = plan.case_managers[s]
    if manager is not None:
        rank = manager_rank(problem, plan, s)
        if rank:
            ranked = best_practice_services(problem.rules, student)
            best = f"the {ranked[0]} provider" if ranked else "a coordinator"
            note = f"best practice is {best} (case manager ranks {rank} below)"
            unserved_best = ranked and all(plan.providers[d] is None for d in problem.demands_of[s]
                                           if problem.demands[d].service == ranked[0])
            if unserved_best:  # there is no such provider to manage the case: say so, not "bent"
                note += f"; {ranked[0]} is unserved, so no {ranked[0]} provider can manage the case"
            notes.append(note)
        manager_id = problem.staff[manager].staff_id
    else:
        manager_id = None
    if student.current_case_manager and manager_id != student.current_case_manager:
        notes.append(f"case manager changed from {student.current_case_manager}")
    return "; ".join(notes)


def _students(problem: Problem, result: Result, review: Review, names: Names,
              why: dict[tuple[str, str], str]) -> tuple[StudentRow, ...]:
    plan = result.plan
    rows = []
    for s, student in enumerate(problem.students):
        m = plan.case_managers[s]
        person = None if m is None else problem.staff[m]
        rank = manager_rank(problem, plan, s)
        rows.append(StudentRow(
            student_id=student.student_id, student_name=names.student(student.student_id), site=student.site,
            grade=student.grade, primary_disability=student.primary, services=";".join(student.service_codes),
            case_manager="" if person is None else person.staff_id,
            case_manager_name="" if person is None else names.of_staff(person),
            case_manager_role="" if person is None else person.role,
            mode=case_manager_mode(problem, plan, s) or "", best_practice=None if rank is None else rank == 0,
            reason=review.unassigned.get(s, ""), notes=_bent_preferences(problem, result, s),
            unserved=tuple(problem.demands[d].service for d in problem.demands_of[s] if plan.providers[d] is None),
            why=why.get((student.student_id, CASE_MANAGER), ""),
        ))
    return tuple(rows)


def _services(problem: Problem, result: Result, review: Review, names: Names,
              why: dict[tuple[str, str], str]) -> tuple[ServiceRow, ...]:
    rows = []
    for d, demand in enumerate(problem.demands):
        p = result.plan.providers[d]
        person = None if p is None else problem.staff[p]
        student_id = problem.students[demand.student].student_id
        rows.append(ServiceRow(
            student_id=student_id, student_name=names.student(student_id), service=demand.service,
            provider="" if person is None else person.staff_id,
            provider_name="" if person is None else names.of_staff(person),
            provider_role="" if person is None else person.role, reason=review.unserved.get(d, ""),
            minutes_per_week=demand.minutes, why=why.get((student_id, demand.service), ""),
        ))
    return tuple(rows)


def _staff(problem: Problem, result: Result, review: Review, names: Names) -> tuple[StaffRow, ...]:
    rules, loads = problem.rules, review.loads
    workloads = compute_workloads(problem, result.plan)
    rows = []
    for p, person in enumerate(problem.staff):
        cap = caseload_cap(rules, person)
        soft = soft_cap(rules, person)
        rows.append(StaffRow(
            staff_id=person.staff_id, name=names.of_staff(person), role=person.role, fte=person.fte,
            sites=";".join(sorted(person.sites)), available=person.available, case_managed=loads.case_managed[p],
            served={service: loads.by_service[p].get(service, 0) for service in rules.services},
            load=loads.served[p], cap=cap,
            load_ratio=load_ratio(rules, person, loads.served[p]) if person.available else None,
            cap_ratio=cap_ratio(problem, p, loads.served[p]),
            over_cap=cap is not None and loads.served[p] > cap,
            workload_minutes=None if workloads is None else workloads.minutes[p],
            workload_ratio=None if workloads is None else workloads.ratios[p],
            local_cap=None if soft is None else soft.local, over_local_cap=overload(rules, person, loads.served[p]),
            full_load=balance_target(rules, person), full_load_kind=_full_load_kind(problem, person.role, cap),
        ))
    return tuple(rows)


def _full_load_kind(problem: Problem, role: str, cap: int | None) -> str:
    if cap is not None:
        return "cap"
    spec = problem.rules.roles.get(role)
    return "district-average share" if spec is not None and spec.average_cap is not None else "full-time load"


def _unserved(students: Sequence[StudentRow], services: Sequence[ServiceRow]) -> tuple[UnservedRow, ...]:
    by_student = defaultdict(list)
    for row in services:
        if not row.provider:
            by_student[row.student_id].append(row)
    rows = []
    for st in students:
        if not st.case_manager:
            rows.append(UnservedRow(st.student_id, st.student_name, st.site, st.grade, CASE_MANAGER, st.reason))
        for sv in by_student.get(st.student_id, ()):
            rows.append(UnservedRow(st.student_id, st.student_name, st.site, st.grade, sv.service, sv.reason))
    return tuple(rows)


def _sites(students: Sequence[StudentRow], services: Sequence[ServiceRow]) -> tuple[SiteRow, ...]:
    site_of = {st.student_id: st.site for st in students}
    demand = Counter(site_of[sv.student_id] for sv in services)
    unserved = Counter(site_of[sv.student_id] for sv in services if not sv.provider)
    groups: dict[str, list[StudentRow]] = defaultdict(list)
    for st in students:
        groups[st.site].append(st)
    return tuple(
        SiteRow(site, len(rows), sum(r.fully_served for r in rows), sum(not r.case_manager for r in rows),
                demand[site], unserved[site], sum(bool(r.best_practice) for r in rows))
        for site, rows in sorted(groups.items())
    )


def _assessments(problem: Problem, result: Result, names: Names) -> tuple[AssessmentRow, ...] | None:
    if not problem.assessments:
        return None
    assessors = result.plan.assessors or (None,) * len(problem.assessments)
    rows = []
    for a, p in zip(problem.assessments, assessors, strict=True):
        person = None if p is None else problem.staff[p]
        rows.append(AssessmentRow(
            assessment_id=a.assessment_id, site=a.site, assessor="" if person is None else person.staff_id,
            assessor_name="" if person is None else names.of_staff(person),
            reason=unassigned_reason(a) if person is None else "", student_id=a.student_id or "",
            due_date=a.due_date or "",
        ))
    return tuple(rows)


def _moves(problem: Problem, moves: Sequence[Move], effective_date: str, names: Names) -> tuple[MoveRow, ...]:
    return tuple(
        MoveRow(m.student_id, names.student(m.student_id), m.change, m.from_id, names.staff_id(m.from_id),
                m.to_id, names.staff_id(m.to_id, {p.staff_id: p for p in problem.staff}) if m.to_id else "",
                m.reason, effective_date)
        for m in moves
    )


def summary_data(problem: Problem, result: Result, review: Review, fully_served: int,
                 timings: dict | None = None) -> dict:
    """summary.json."""
    report = review.check
    kpis = report.kpis
    roles = kpis.roles
    return {
        "status": result.status,
        "objective": result.objective,
        "best_bound": result.best_bound,
        "gap": None if result.gap is None else round(result.gap, 6),
        "solve_seconds": result.solve_seconds,
        "build_seconds": result.build_seconds,
        **(timings or {}),
        "students": kpis.students,
        "assigned": kpis.assigned,
        "unassigned": kpis.unassigned,
        "fully_served": fully_served,
        "services": kpis.services,
        "services_unserved": kpis.services_unserved,
        # unserved services a legal provider with room could take (a max-flow check over caps and sites): 0
        # for the optimizer's plans; a move budget may leave some on purpose
        "servable_unserved": len(review.servable),
        "servable_unserved_services": [
            {"student_id": problem.students[problem.demands[d].student].student_id,
             "service": problem.demands[d].service} for d in review.servable],
        "best_practice_rate": kpis.best_practice_rate,
        "max_load_ratio": {role: v.max_load_ratio for role, v in roles.items()},
        "load_ratio_stddev": {role: v.load_ratio_stddev for role, v in roles.items()},
        "max_workload_ratio": {role: v.max_workload_ratio for role, v in kpis.workload_roles.items()},
        "workload_ratio_spread": {role: v.workload_ratio_spread for role, v in kpis.workload_roles.items()},
        "workload_minutes_defaulted": kpis.workload_minutes_defaulted,
        # what the balance evened out ("workload": weekly minutes over capacity; "students": head counts), and why
        "balance_on": balance_choice(problem)[0],
        "balance_on_why": balance_choice(problem)[1],
        "over_local_cap": dict(kpis.over_local_cap),
        **({"assessments": kpis.assessments.as_dict()} if kpis.assessments is not None else {}),
        "changed_case_managers": kpis.changed_case_managers,
        "changed_providers": kpis.changed_providers,
        "objective_terms": report.terms.as_dict(),
        "hard_rule_violations": [str(v) for v in report.violations],
        "components": result.components,
        # false for a parallel run (--workers > 1) or one stopped at the time limit: another run may differ
        "deterministic": result.deterministic,
        "rules": problem.rules.source,
        "rules_name": problem.rules.name,
        # caps above the statute that the rules file allowed (override_statutory_caps); empty when none
        "statute_overrides": list(problem.rules.statute_overrides),
        "inputs_sha256": input_fingerprint(problem),
    }


def _notes(headline: Headline, students: Sequence[StudentRow], staff: Sequence[StaffRow]) -> tuple[str, ...]:
    notes = []
    bent = sum(r.best_practice is False for r in students)
    if bent:
        notes.append(f"{bent} student(s) have a case manager other than the best-practice choice "
                     f"(the Students sheet's notes say which).")
    marked = Counter(r.cap_mark for r in staff if r.cap_mark)
    if marked:
        notes.append("Staff at or near their cap: " + ", ".join(f"{n} {mark}" for mark, n in sorted(marked.items()))
                     + ".")
    unavailable = sum(not r.available for r in staff)
    if unavailable:
        notes.append(f"{unavailable} staff member(s) marked unavailable, given no students.")
    notes.append(f"Rules used: {headline.rules_name} ({headline.rules_source}).")
    return tuple(notes)


# The parent's share of explain.csv's rows when it also reviews the plan meanwhile (review_and_explain): the
# review costs about a third of the rows' time (CPU, connected-10000: 0.24 s and 0.83 s; connected-70000:
# 1.45 s and 9.2 s), so the parent takes a little less than half.
REVIEWING_SHARE = 0.4


def review_and_explain(problem: Problem, plan: Plan) -> tuple[Review, tuple[tuple[object, ...], ...]]:
    """The plan's review and explain.csv's rows: a forked child computes most of the rows while this process
    reviews the plan and computes the rest (``side_process.in_parts``); one process without fork."""
    review, parts = in_parts(lambda lo, hi: explain_values(problem, plan, range(lo, hi)), len(problem.students),
                             before=lambda: review_plan(problem, plan), share=REVIEWING_SHARE)
    return cast(Review, review), tuple(row for part in parts for row in part)


def reviewed_plan(problem: Problem, result: Result, review: Review | None = None, names: Names | None = None,
                  timings: dict | None = None, moves: Sequence[Move] | None = None,
                  effective_date: str = "", explain: Sequence[tuple[object, ...]] | None = None) -> ReviewedPlan:
    """Review a plan once for every format.

    ``explain``: explain.csv's rows (cell values, ``explain_table.explain_values``) when already computed
    (a what-if scenario reuses most of the base's: ``models.workflows.explain_reuse``).
    """
    review = review or review_plan(problem, result.plan)
    names = names or NO_NAMES
    if explain is None:
        # explain.csv's rows, student by student: half of them computed by a second process meanwhile
        halves = in_halves(lambda lo, hi: explain_values(problem, result.plan, range(lo, hi)), len(problem.students))
        explain = tuple(row for half in halves for row in half)
    else:
        explain = tuple(explain)
    why: dict[tuple[str, str], str] = {}
    for row in explain:
        key = (row[0], row[1])  # (student_id, role): the first row is the nearest alternative
        if key not in why:
            why[key] = beside_assignment(row[VERDICT_AT], row[WHY_AT])
    students = _students(problem, result, review, names, why)
    services = _services(problem, result, review, names, why)
    staff = _staff(problem, result, review, names)
    fully = sum(r.fully_served for r in students)
    summary = summary_data(problem, result, review, fully, timings)
    headline = Headline(
        students=summary["students"], fully_served=fully, with_case_manager=summary["assigned"],
        services=summary["services"], services_unserved=summary["services_unserved"],
        best_practice_rate=summary["best_practice_rate"], changed_case_managers=summary["changed_case_managers"],
        status=result.status, objective=result.objective, best_bound=result.best_bound, gap=result.gap,
        rules_name=problem.rules.name, rules_source=str(problem.rules.source), inputs_sha256=summary["inputs_sha256"],
    )
    return ReviewedPlan(
        headline=headline, students=students, services=services, staff=staff,
        unserved=_unserved(students, services), sites=_sites(students, services), summary=summary,
        with_student_names=names.has_student_names,
        moves=None if moves is None else _moves(problem, moves, effective_date, names),
        assessments=_assessments(problem, result, names),
        notes=(*statute_notes(problem.rules.statute_overrides), *_notes(headline, students, staff)), explain=explain,
        role_names=tuple((code, spec.name) for code, spec in problem.rules.roles.items()),
    )


EMPTY_COLUMNS = {  # headers of a table with no rows
    "unserved": ["student_id", "site", "grade", "missing", "reason"],
    "moves": ["student_id", "change", "from", "to", "reason", "effective_date", "from_name", "to_name"],
    "assessments": ["assessment_id", "site", "assessor", "assessor_name", "status", "reason", "student_id",
                    "due_date"],
}


def table_rows(reviewed: ReviewedPlan) -> dict[str, list[dict[str, object]]]:
    """The plan's tables by file stem, as the CSV files and the workbook sheets show them."""
    names = reviewed.with_student_names
    tables = {
        "assignments": [r.cells(names) for r in reviewed.students],
        "services": [r.cells(names) for r in reviewed.services],
        "caseloads": [r.cells() for r in reviewed.staff],
        "unserved": [r.cells(names) for r in reviewed.unserved],
    }
    if reviewed.moves is not None:
        tables["moves"] = [r.cells(names) for r in reviewed.moves]
    if reviewed.assessments is not None:
        tables["assessments"] = [r.cells() for r in reviewed.assessments]
    return tables
