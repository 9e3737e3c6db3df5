"""One row of KPIs per what-if plan, compared with the base plan.

A director compares scenarios on what matters to the district: students left
without a case manager, services left unserved (by service and site), best
practice, how loaded each role is, how many people are near their cap, and how
much the scenario would disturb this year's assignments.
"""

from __future__ import annotations

from collections import Counter

from models.domain.caps import caseload_cap
from models.domain.plan import Loads, Plan, Result, compute_loads, plan_kpis
from models.domain.problem import Problem

NEAR_CAP = 0.9  # "people over 90% of cap"


def cap_ratio(problem: Problem, staff: int, served: int) -> float | None:
    """Pupils over the person's cap: a hard cap, or their FTE share of a district average cap."""
    person = problem.staff[staff]
    cap = caseload_cap(problem.rules, person)
    if cap is None:
        role = problem.rules.roles.get(person.role)
        if role is None or role.average_cap is None:
            return None
        cap = role.average_cap * person.fte
    return served / cap if cap > 0 else None


def near_cap(problem: Problem, loads: Loads, threshold: float = NEAR_CAP) -> int:
    """Available people whose caseload is over ``threshold`` of their cap."""
    return sum(
        person.available and (r := cap_ratio(problem, p, loads.served[p])) is not None and r > threshold
        for p, person in enumerate(problem.staff)
    )


def unserved_by_service_site(problem: Problem, plan: Plan) -> dict[tuple[str, str], int]:
    """(service, site) -> services left unserved there."""
    return dict(sorted(Counter(
        (demand.service, problem.students[demand.student].site)
        for demand, p in zip(problem.demands, plan.providers, strict=True) if p is None
    ).items()))


def _assignments(problem: Problem, plan: Plan) -> tuple[dict[str, str | None], dict[tuple[str, str], str | None]]:
    def sid(p: int | None) -> str | None:
        return None if p is None else problem.staff[p].staff_id

    managers = {s.student_id: sid(m) for s, m in zip(problem.students, plan.case_managers, strict=True)}
    providers = {
        (problem.students[d.student].student_id, d.service): sid(p)
        for d, p in zip(problem.demands, plan.providers, strict=True)
    }
    return managers, providers


def changed_against(base: Problem, base_plan: Plan, problem: Problem, plan: Plan) -> tuple[int, int]:
    """(case managers, providers) that differ from the base plan, over students present in both.

    A change is someone on record in the base replaced or lost; a student or
    service the base left without anyone and the scenario serves is newly
    served (:func:`newly_served`), not a change.
    """
    base_cm, base_prov = _assignments(base, base_plan)
    cm, prov = _assignments(problem, plan)
    changed_cm = sum(base_cm[s] is not None and base_cm[s] != m for s, m in cm.items() if s in base_cm)
    changed_prov = sum(base_prov[k] is not None and base_prov[k] != p for k, p in prov.items() if k in base_prov)
    return changed_cm, changed_prov


def newly_served(base: Problem, base_plan: Plan, problem: Problem, plan: Plan) -> tuple[int, int]:
    """(students, services) with nobody in the base plan and someone in this one (both present in the base)."""
    base_cm, base_prov = _assignments(base, base_plan)
    cm, prov = _assignments(problem, plan)
    students = sum(s in base_cm and base_cm[s] is None and m is not None for s, m in cm.items())
    services = sum(k in base_prov and base_prov[k] is None and p is not None for k, p in prov.items())
    return students, services


def outcome_row(name: str, problem: Problem, result: Result, base: Problem | None = None,
                base_plan: Plan | None = None) -> dict:
    """The comparison row of one plan; changes are counted against ``base_plan`` when given."""
    plan = result.plan
    loads = compute_loads(problem, plan)
    kpis = plan_kpis(problem, plan, loads)
    unserved = unserved_by_service_site(problem, plan)
    changed_cm, changed_prov = (0, 0) if base is None or base_plan is None else (
        changed_against(base, base_plan, problem, plan))
    new_students, new_services = (0, 0) if base is None or base_plan is None else (
        newly_served(base, base_plan, problem, plan))
    row = {
        "scenario": name,
        "status": result.status,
        "gap": None if result.gap is None else round(result.gap, 6),
        "students": kpis.students,
        "students_unassigned": kpis.unassigned,
        "services": kpis.services,
        "services_unserved": kpis.services_unserved,
        "unserved_by_service_site": "; ".join(f"{svc}@{site}:{n}" for (svc, site), n in unserved.items()),
        "best_practice_rate": kpis.best_practice_rate,
        "people_over_90pct_cap": near_cap(problem, loads),
        "changed_case_managers": changed_cm,
        "changed_providers": changed_prov,
        "newly_assigned_students": new_students,
        "newly_served_services": new_services,
    }
    for role, values in kpis.roles.items():
        row[f"max_load_ratio_{role}"] = values.max_load_ratio
        row[f"load_ratio_spread_{role}"] = values.load_ratio_stddev
    return row
