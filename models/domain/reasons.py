"""Plain-words reasons for what a plan could not do.

Each reason names the rule that decided and who is missing, e.g. "no
available staff at site LINCOLN holds a credential authorizing DEAF
instruction". Reasons name sites, codes and staff ids, never student names.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.domain.candidates import staff_by_site
from models.domain.caps import average_cap_room, caseload_cap
from models.domain.eligibility import primary_disability_services
from models.domain.plan import CheckReport, Loads, Plan, check_plan, compute_loads
from models.domain.problem import ALL_SITES, Problem, Staff, Student
from models.domain.rule_table import CASE_MANAGER, blocking_rules, check_by_id, may_case_manage, may_deliver
from models.domain.servable import servable_demands


def _ids(people: list[Staff], limit: int = 5) -> str:
    ids = [p.staff_id for p in people]
    return ", ".join(ids[:limit]) + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


class _Sites:
    """Staff serving each site, so a reason looks only at the student's site."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.by_site = staff_by_site(problem)
        self.roles = {p.role for p in problem.staff}

    def local(self, site: str) -> list[Staff]:
        ids = sorted(set(self.by_site.get(site, [])) | set(self.by_site.get(ALL_SITES, [])))
        return [self.problem.staff[i] for i in ids]


def why_nobody_may_deliver(problem: Problem, student: Student, service: str, sites: _Sites | None = None) -> str:
    """Which hard rule leaves this service with no legal provider."""
    rules = problem.rules
    sites = sites or _Sites(problem)
    site = student.site
    if not any(service in rules.roles[r].delivers for r in sites.roles if r in rules.roles):
        return f"no staff member in the district has a role that delivers {service}"
    # the rule table decides each person; the sentence names the first rule that empties the site's pool
    blocked = {p.staff_id: {b.rule for b in blocking_rules(rules, student, p, service)} for p in sites.local(site)}

    def passing(people: list[Staff], rule: str) -> list[Staff]:
        return [p for p in people if rule not in blocked[p.staff_id]]

    pool = passing(sites.local(site), "role_delivers")
    if not pool:
        return f"no staff at site {site} delivers {service}"
    present = passing(pool, "available")
    if not present:
        return f"the staff at site {site} who deliver {service} ({_ids(pool)}) are unavailable"
    pool = passing(present, "service_credential")
    if not pool:
        needed = " or ".join(sorted(rules.services[service].credentials))
        return f"no available staff at site {site} who delivers {service} holds a {needed} credential (R2)"
    pool_pre = passing(pool, "preschool")
    if not pool_pre:
        return f"the {service} providers at site {site} ({_ids(pool)}) serve preschool only (EC 56441.7)"
    category = student.instruction_category
    detail = f"{student.support_level} support, grade {student.grade}"
    if student.alternate_placement:
        return (f"no available staff at site {site} holds a credential authorizing {category} instruction "
                f"({detail}) for this alternate placement (R3: secondary disability)")
    return (f"no available staff at site {site} holds a credential authorizing {category} instruction "
            f"({detail}) (R1)")


def why_unserved(problem: Problem, plan: Plan, loads: Loads, d: int, sites: _Sites | None = None) -> str:
    demand = problem.demands[d]
    student = problem.students[demand.student]
    rules, service = problem.rules, demand.service
    sites = sites or _Sites(problem)
    current_id = problem.current_providers.get((student.student_id, service))
    if student.locked and current_id is not None:
        current = problem.staff_index.get(current_id)
        if current is None:
            return f"locked to {current_id}, who is no longer on staff"
        if not may_deliver(rules, problem.staff[current], student, service):
            return f"locked to {current_id}, who may no longer deliver {service}: " + (
                why_nobody_may_deliver(problem, student, service, sites))
    eligible = [p for p in sites.local(student.site) if may_deliver(rules, p, student, service)]
    if not eligible:
        return why_nobody_may_deliver(problem, student, service, sites)
    if student.alternate_placement and service in rules.instructional_services:
        related = primary_disability_services(rules, student)
        served = [problem.demands[x].service for x in problem.demands_of[demand.student]
                  if problem.demands[x].service in related and plan.providers[x] is not None]
        if not served:
            needed = ", ".join(rules.categories[student.primary].related_services)
            missing = "none is on the IEP" if not related else f"{', '.join(related)} is unserved"
            return (f"alternate placement (R3): instruction under {student.instruction_category} needs a service "
                    f"for the primary disability {student.primary} ({needed}) in the plan, and {missing}")
    for role in {p.role for p in eligible}:
        spec = rules.roles[role]
        if spec.average_cap is not None and spec.caseload_service == service:
            room, fte = average_cap_room(problem, loads, role)
            if room <= 0:
                return (f"the district average cap of {spec.average_cap} {service} pupils per {role} FTE is "
                        f"reached ({fte:g} FTE)")
    at_cap = [p for p in eligible if (c := caseload_cap(rules, p)) is not None
              and loads.served[problem.staff_index[p.staff_id]] >= c]
    if len(at_cap) == len(eligible):
        return f"every eligible provider at site {student.site} ({_ids(eligible)}) is at their caseload cap"
    # someone eligible has room: no hard rule leaves it unserved, so only a limit of the run can have
    room = [p for p in eligible if p not in at_cap]
    return (f"{_ids(room)} could deliver it within their cap; the run left it unserved (a move budget "
            f"or the time limit)")


def why_unassigned(problem: Problem, s: int, sites: _Sites | None = None) -> str:
    student = problem.students[s]
    rules = problem.rules
    if student.locked and student.current_case_manager:
        current = problem.staff_index.get(student.current_case_manager)
        if current is None:
            return f"locked to case manager {student.current_case_manager}, who is no longer on staff"
        if not may_case_manage(rules, problem.staff[current], student):
            return f"locked to case manager {student.current_case_manager}, who may no longer manage this case"
    sites = sites or _Sites(problem)
    role_may = check_by_id("may_case_manage")
    at_site = [p for p in sites.local(student.site) if role_may.test(rules, student, p, CASE_MANAGER)]
    if not at_site:
        return f"no staff member whose role may case-manage serves site {student.site}"
    available = [p for p in at_site if may_case_manage(rules, p, student)]
    if not available:
        return f"every staff member at site {student.site} who may case-manage ({_ids(at_site)}) is unavailable"
    # someone may manage the case: no hard rule leaves it open, so only a limit of the run can have
    return (f"{_ids(available)} may manage this case; the run left it without a case manager (a move budget "
            f"or the time limit)")


def reasons(problem: Problem, plan: Plan, loads: Loads) -> tuple[dict[int, str], dict[int, str]]:
    """(reason per unserved demand, reason per unassigned student)."""
    sites = _Sites(problem)
    unserved = {d: why_unserved(problem, plan, loads, d, sites) for d, p in enumerate(plan.providers) if p is None}
    unassigned = {s: why_unassigned(problem, s, sites) for s, m in enumerate(plan.case_managers) if m is None}
    return unserved, unassigned




@dataclass(frozen=True, slots=True)
class Review:
    """Everything the outputs say about a plan, computed once: loads, the check, the reasons."""

    loads: Loads
    check: CheckReport
    unserved: dict[int, str]  # reason per unserved demand
    unassigned: dict[int, str]  # reason per student without a case manager
    # unserved demands the plan could serve as well, together, within every cap, site and lock (a maximum
    # flow, models/domain/servable.py): not a hard rule, a finding; empty for the optimizer's plans
    servable: tuple[int, ...] = ()


# said of a service the max-flow check finds servable when its reason named only full caps
SERVABLE_NOTE = ("yet moving pupils among providers with room would let a legal provider take it (max-flow "
                 "check); the run left it unserved (a move budget or the time limit)")


def review_plan(problem: Problem, plan: Plan) -> Review:
    loads = compute_loads(problem, plan)
    unserved, unassigned = reasons(problem, plan, loads)
    servable = servable_demands(problem, plan)
    for d in servable:
        if not unserved[d].endswith("(a move budget or the time limit)"):
            unserved[d] = f"{unserved[d]}; {SERVABLE_NOTE}"
    return Review(loads, check_plan(problem, plan), unserved, unassigned, servable)
