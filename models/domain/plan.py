"""A plan, its result, and the checker that re-verifies it without the solver.

``check_plan(problem, plan)`` recomputes every hard rule from the rules table
(not from the model's candidate lists) plus every KPI and objective term.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass

from models.domain.assessments import assessment_spread, check_assessments
from models.domain.caps import (
    average_cap_room,
    balance_target,
    case_management_target,
    caseload_cap,
    load_ratio,
    open_positions,
    overload,
    soft_cap,
)
from models.domain.changes import changes
from models.domain.eligibility import primary_disability_services
from models.domain.objective import (
    ObjectiveTerms,
    balance_cost,
    best_practice_rank,
)
from models.domain.problem import Problem
from models.domain.results import PlanKpis, RoleKpis, Status, Violation, WorkloadKpis
from models.domain.rule_table import CASE_MANAGER, check_by_id, first_blocking_rule
from models.domain.workload import (
    balances_workload,
    compute_workloads,
    defaulted_demands,
    workload_balance_cost,
    workload_kpis,
)

INSTRUCTING, SERVICE, COORDINATING = "instructing", "service", "coordinating"


@dataclass(frozen=True, slots=True)
class Plan:
    """Who serves each demand and who manages each case (staff indices)."""

    providers: tuple[int | None, ...]  # per Problem.demands
    case_managers: tuple[int | None, ...]  # per Problem.students
    # per Problem.assessments: the resource specialist assigned each pending initial assessment (AB 560)
    assessors: tuple[int | None, ...] = ()


@dataclass(frozen=True, slots=True)
class Result:
    """What ``solve`` returns: the plan and how good it is proven to be."""

    plan: Plan
    status: Status  # a solver's status name is accepted and made a Status
    objective: int | None
    best_bound: float | None
    solve_seconds: float
    components: int = 1
    build_seconds: float = 0.0
    # the same inputs and seed give this plan again (one worker, proven OPTIMAL); see optimizer.solve.solve
    deterministic: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", Status(self.status))

    @property
    def gap(self) -> float | None:
        if self.objective is None or self.best_bound is None:
            return None
        if self.objective == 0:
            return 0.0
        return max(0.0, (self.objective - self.best_bound) / abs(self.objective))


@dataclass(frozen=True, slots=True)
class Loads:
    served: tuple[int, ...]  # per staff: pupils on the role's caseload service
    by_service: tuple[dict[str, int], ...]  # per staff: pupils per service
    case_managed: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class CheckReport:
    violations: tuple[Violation, ...]
    terms: ObjectiveTerms
    kpis: PlanKpis | None = None  # None when the plan does not fit the problem

    @property
    def ok(self) -> bool:
        return not self.violations


def compute_loads(problem: Problem, plan: Plan) -> Loads:
    rules = problem.rules
    by_service: list[dict[str, int]] = [defaultdict(int) for _ in problem.staff]
    for demand, p in zip(problem.demands, plan.providers, strict=True):
        if p is not None:
            by_service[p][demand.service] += 1
    served = []
    for person, counts in zip(problem.staff, by_service, strict=True):
        role = rules.roles.get(person.role)
        served.append(counts.get(role.caseload_service, 0) if role and role.caseload_service else 0)
    managed = [0] * len(problem.staff)
    for m in plan.case_managers:
        if m is not None:
            managed[m] += 1
    return Loads(tuple(served), tuple(dict(c) for c in by_service), tuple(managed))


def services_delivered_by(problem: Problem, plan: Plan, student: int, staff: int | None) -> frozenset[str]:
    if staff is None:
        return frozenset()
    return frozenset(
        problem.demands[d].service for d in problem.demands_of[student] if plan.providers[d] == staff
    )


def case_manager_mode(problem: Problem, plan: Plan, student: int) -> str | None:
    """instructing (teaches the student: sdc/rsp), service, or coordinating."""
    manager = plan.case_managers[student]
    if manager is None:
        return None
    delivered = services_delivered_by(problem, plan, student, manager)
    if delivered & problem.rules.instructional_services:
        return INSTRUCTING
    return SERVICE if delivered else COORDINATING


def manager_rank(problem: Problem, plan: Plan, student: int) -> int | None:
    """Best-practice rank of the student's case manager (0 = best), None when unassigned."""
    manager = plan.case_managers[student]
    if manager is None:
        return None
    delivered = services_delivered_by(problem, plan, student, manager)
    return best_practice_rank(problem.rules, problem.students[student], delivered, problem.staff[manager].role)


def opened_position_cost(problem: Problem, loads: Loads) -> int:
    """Cost of the proposed positions (hires) that carry any load."""
    opened = open_positions(problem, loads)
    return sum(cost for staff_id, cost in problem.position_costs.items() if problem.staff_index.get(staff_id) in opened)


def overload_cost(problem: Problem, staff: int, served: int) -> int:
    """What the pupils over a person's soft local cap cost (the contract's overload pay)."""
    soft = soft_cap(problem.rules, problem.staff[staff])
    return 0 if soft is None else soft.pay(served)


def objective_terms(problem: Problem, plan: Plan, loads: Loads | None = None) -> ObjectiveTerms:
    """Every weighted penalty of the plan, recomputed from the data."""
    rules, w = problem.rules, problem.rules.weights
    loads = loads or compute_loads(problem, plan)
    bp = sum(manager_rank(problem, plan, s) or 0 for s in range(len(problem.students)))
    changed_cm, changed_prov = changes(problem, plan)
    sb = cmb = 0
    on_workload = balances_workload(problem)
    for p, person in enumerate(problem.staff):
        if not person.available:
            continue
        if not on_workload:
            sb += balance_cost(loads.served[p], balance_target(rules, person), w.service_balance)
        cmb += balance_cost(loads.case_managed[p], case_management_target(rules, person), w.case_management_balance)
    return ObjectiveTerms(
        unserved_services=w.unserved_service * sum(p is None for p in plan.providers),
        unassigned_students=w.unassigned_student * sum(m is None for m in plan.case_managers),
        best_practice=w.best_practice_rank * bp,
        service_balance=sb,
        case_management_balance=cmb,
        changed_case_managers=w.change_case_manager * changed_cm,
        changed_providers=w.change_provider * changed_prov,
        workload_balance=workload_balance_cost(problem, compute_workloads(problem, plan)) if on_workload else 0,
        local_cap_overload=sum(overload_cost(problem, p, loads.served[p]) for p in range(len(problem.staff))),
        opened_positions=opened_position_cost(problem, loads),
    )


def _check_assignments(problem: Problem, plan: Plan) -> list[Violation]:
    rules, out = problem.rules, []
    instructs = check_by_id("R1")  # an instructing case manager is held to R1/R3 like the instruction
    for d, (demand, p) in enumerate(zip(problem.demands, plan.providers, strict=True)):
        student = problem.students[demand.student]
        if p is None:
            continue
        person = problem.staff[p]
        blocked = first_blocking_rule(rules, student, person, demand.service)
        if blocked is not None:
            out.append(Violation(blocked.rule, f"{person.staff_id} may not deliver {demand.service} to student "
                                 f"{student.student_id}", person.staff_id, student.student_id))
        current = problem.current_providers.get((student.student_id, demand.service))
        if student.locked and current is not None and person.staff_id != current:
            out.append(Violation("locked", f"locked student {student.student_id}: {demand.service} moved from "
                                 f"{current} to {person.staff_id} (demand {d})", person.staff_id, student.student_id))
    for s, (student, m) in enumerate(zip(problem.students, plan.case_managers, strict=True)):
        if m is None:
            continue
        person = problem.staff[m]
        blocked = first_blocking_rule(rules, student, person, CASE_MANAGER)
        if blocked is not None:
            out.append(Violation(blocked.rule, f"{person.staff_id} may not case-manage student {student.student_id}",
                                 person.staff_id, student.student_id))
        if case_manager_mode(problem, plan, s) == INSTRUCTING and not instructs.test(rules, student, person, ""):
            out.append(Violation(instructs.rule_id(student), f"instructing case manager {person.staff_id} is not "
                                 f"authorized for student {student.student_id}'s {student.instruction_category} "
                                 "(R1/R3)", person.staff_id, student.student_id))
        if student.locked and student.current_case_manager and person.staff_id != student.current_case_manager:
            out.append(Violation("locked", f"locked student {student.student_id}: case manager moved from "
                                 f"{student.current_case_manager} to {person.staff_id}", person.staff_id,
                                 student.student_id))
    return out


def _check_alternate_placements(problem: Problem, plan: Plan) -> list[Violation]:
    """R3: instruction under an alternate placement needs a primary-disability service in the plan."""
    rules, out = problem.rules, []
    instructional = rules.instructional_services
    for s, student in enumerate(problem.students):
        if not student.alternate_placement:
            continue
        related = set(primary_disability_services(rules, student))
        served = {problem.demands[d].service for d in problem.demands_of[s] if plan.providers[d] is not None}
        if served & instructional and not served & related:
            out.append(Violation("R3", f"alternate placement of student {student.student_id}: instruction is "
                                 f"served but no service for the primary disability {student.primary} is (R3)",
                                 student_id=student.student_id))
    return out


def _check_caps(problem: Problem, loads: Loads) -> list[Violation]:
    rules, out = problem.rules, []
    for p, person in enumerate(problem.staff):
        cap = caseload_cap(rules, person)
        if cap is not None and loads.served[p] > cap:
            out.append(Violation("cap", f"{person.staff_id} serves {loads.served[p]} pupils, over the cap of {cap}",
                                 person.staff_id))
    for role in rules.roles.values():
        if role.average_cap is None or role.caseload_service is None:
            continue
        room, fte = average_cap_room(problem, loads, role.code)
        if room < 0:
            out.append(Violation("average_cap", f"{role.code}: {-room} pupils over the district average of "
                                 f"{role.average_cap} per FTE ({fte:g} FTE)"))
    return out


def _role_kpis(problem: Problem, loads: Loads) -> dict[str, RoleKpis]:
    ratios: dict[str, list[float]] = defaultdict(list)
    for p, person in enumerate(problem.staff):
        if not person.available:
            continue
        r = load_ratio(problem.rules, person, loads.served[p])
        if r is not None:
            ratios[person.role].append(r)
    return {
        role: RoleKpis(
            max_load_ratio=round(max(values), 4),
            load_ratio_stddev=round(statistics.pstdev(values), 4) if len(values) > 1 else 0.0,
        )
        for role, values in sorted(ratios.items())
    }


def plan_kpis(problem: Problem, plan: Plan, loads: Loads | None = None) -> PlanKpis:
    spread = assessment_spread(problem, plan.assessors) if len(plan.assessors) == len(problem.assessments) else None
    loads = loads or compute_loads(problem, plan)
    assigned = [s for s, m in enumerate(plan.case_managers) if m is not None]
    best = sum(manager_rank(problem, plan, s) == 0 for s in assigned)
    changed_cm, changed_prov = changes(problem, plan)
    return PlanKpis(
        students=len(problem.students),
        assigned=len(assigned),
        unassigned=len(problem.students) - len(assigned),
        services=len(problem.demands),
        services_unserved=sum(p is None for p in plan.providers),
        best_practice_rate=round(best / len(assigned), 4) if assigned else 0.0,
        changed_case_managers=changed_cm,
        changed_providers=changed_prov,
        roles=_role_kpis(problem, loads),
        workload_roles={role: WorkloadKpis(**values) for role, values in
                        workload_kpis(problem, compute_workloads(problem, plan)).items()},
        workload_minutes_defaulted=len(defaulted_demands(problem)),
        # who is over a soft local cap (contract overload pay) and by how many pupils
        over_local_cap={person.staff_id: n for p, person in enumerate(problem.staff)
                        if (n := overload(problem.rules, person, loads.served[p]))},
        assessments=spread,
    )


def check_plan(problem: Problem, plan: Plan) -> CheckReport:
    """Re-verify every hard rule and recompute KPIs and objective, no solver."""
    if len(plan.providers) != len(problem.demands) or len(plan.case_managers) != len(problem.students):
        return CheckReport((Violation("coverage", "plan does not cover every student and service"),),
                           ObjectiveTerms())
    loads = compute_loads(problem, plan)
    violations = _check_assignments(problem, plan) + _check_alternate_placements(problem, plan)
    violations += _check_caps(problem, loads)
    if plan.assessors:  # AB 560 assessments, once shared out (solve does it whenever there are any)
        violations += [Violation("assessment", v) for v in check_assessments(problem, plan.assessors)]
    return CheckReport(tuple(violations), objective_terms(problem, plan, loads), plan_kpis(problem, plan, loads))
