"""A legal plan without a solver: what a director does by hand.

Services in input order, each to its current provider when legal and with
room, else to the eligible person with the most room left; the case manager
is the provider of the student's best-ranked service when that person may
case-manage, else the current case manager, else the least-loaded eligible
person. It respects every hard rule, so it serves as the solver's complete
starting hint, as a fallback when a component finds no solution in time, and
as the baseline the benchmark compares against.
"""

from __future__ import annotations

from collections.abc import Iterable, MutableSequence, Sequence

from models.domain.candidates import Candidates
from models.domain.caps import balance_target, caseload_cap, district_average
from models.domain.eligibility import primary_disability_services
from models.domain.objective import best_practice_services
from models.domain.plan import Plan
from models.domain.problem import Problem


def greedy_plan(problem: Problem, cands: Candidates, first_fit: bool = False) -> Plan:
    """Plan every student in input order; ``first_fit`` takes the first eligible person with room."""
    providers = greedy_providers(problem, cands, first_fit)
    return Plan(providers=providers, case_managers=greedy_managers(problem, cands, providers))


def greedy_providers(problem: Problem, cands: Candidates, first_fit: bool = False) -> tuple[int | None, ...]:
    """The greedy plan's providers (its first half)."""
    rules = problem.rules
    index = problem.staff_index
    caps = [caseload_cap(rules, s) for s in problem.staff]
    targets = [balance_target(rules, s) or 1.0 for s in problem.staff]
    load = [0] * len(problem.staff)
    caseload_service = [
        rules.roles[s.role].caseload_service if s.role in rules.roles else None for s in problem.staff
    ]
    budgets: dict[str, int] = {}
    for role in rules.roles.values():
        if role.average_cap is not None:
            # proposed positions (staffing search) are left out: the budget stays one the plan surely has
            budgets[role.code] = district_average(problem, role.code).budget
    providers: list[int | None] = [None] * len(problem.demands)

    role_of = [s.role for s in problem.staff]

    def has_room(p: int, service: str) -> bool:
        if caseload_service[p] != service:
            return True  # not on this person's caseload: no cap counts it
        left = budgets.get(role_of[p])
        if left is not None and left <= 0:
            return False
        return caps[p] is None or caps[p] > load[p]

    def take(p: int, service: str) -> None:
        if caseload_service[p] == service:
            load[p] += 1
            role = problem.staff[p].role
            if role in budgets:
                budgets[role] -= 1

    instructional = rules.instructional_services
    for s in range(len(problem.students)):
        student = problem.students[s]
        # R3: under an alternate placement the primary-disability service comes first, and
        # instruction only when one of those is served
        related = set(primary_disability_services(rules, student)) if student.alternate_placement else set()
        order = problem.demands_of[s]
        if related:
            order = sorted(order, key=lambda d: problem.demands[d].service not in related)
        for d in order:
            service = problem.demands[d].service
            if student.alternate_placement and service in instructional and not any(
                    providers[x] is not None for x in problem.demands_of[s] if problem.demands[x].service in related):
                continue
            options = [p for p in cands.providers[d] if has_room(p, service)]
            if not options:
                continue
            current = index.get(problem.current_providers.get((student.student_id, service), ""), -1)
            if current in options:
                choice = current
            elif first_fit:
                choice = options[0]
            else:
                choice = min(options, key=lambda p: (load[p] / targets[p], p))
            providers[d] = choice
            take(choice, service)
    return tuple(providers)


def greedy_managers(problem: Problem, cands: Candidates, providers: Sequence[int | None]) -> tuple[int | None, ...]:
    """Each student's case manager given the providers: the provider of their best-ranked service who may
    manage them, else the current case manager, else the eligible person managing fewest so far."""
    rules = problem.rules
    index = problem.staff_index
    managed = [0] * len(problem.staff)
    managers: list[int | None] = [None] * len(problem.students)
    for s, student in enumerate(problem.students):
        eligible = set(cands.managers[s])
        if not eligible:
            continue
        for service in best_practice_services(rules, student):
            delivering = [providers[d] for d in problem.demands_of[s]
                          if problem.demands[d].service == service and providers[d] in eligible]
            if delivering:
                managers[s] = delivering[0]
                break
        else:
            current = index.get(student.current_case_manager or "", -1)
            managers[s] = current if current in eligible else min(eligible, key=lambda p: (managed[p], p))
        managed[managers[s]] += 1
    return tuple(managers)


def stay_plan(problem: Problem, cands: Candidates) -> Plan:
    """Everyone keeps their current people where the rules and caps still allow; the rest stays unresolved.

    It moves nobody, so it keeps any rebalancing move budget: the stand-in for
    a component the solver could not plan in time under ``--max-moves``.
    """
    rules = problem.rules
    index = problem.staff_index
    room = [caseload_cap(rules, s) for s in problem.staff]
    # proposed positions left out, as in greedy_plan (a rebalancing run has none)
    budgets = {role.code: district_average(problem, role.code).budget
               for role in rules.roles.values() if role.average_cap is not None}
    providers: list[int | None] = [None] * len(problem.demands)
    for d, demand in enumerate(problem.demands):
        student = problem.students[demand.student]
        p = index.get(problem.current_providers.get((student.student_id, demand.service), ""), -1)
        if p not in cands.providers[d]:
            continue
        person = problem.staff[p]
        counted = rules.roles[person.role].caseload_service == demand.service
        if counted and (room[p] is not None and room[p] <= 0 or budgets.get(person.role, 1) <= 0):
            continue
        providers[d] = p
        if counted:
            room[p] = None if room[p] is None else room[p] - 1
            if person.role in budgets:
                budgets[person.role] -= 1
    drop_unsupported_instruction(problem, providers)
    managers = [index.get(s.current_case_manager or "", -1) for s in problem.students]
    return Plan(providers=tuple(providers),
                case_managers=tuple(m if m in cands.managers[s] else None for s, m in enumerate(managers)))


def drop_unsupported_instruction(problem: Problem, providers: MutableSequence[int | None] | dict[int, int | None],
                                 students: Iterable[int] | None = None) -> None:
    """R3, in place: an alternate placement's instruction stays unserved while no primary-disability
    service is served (the plan may only get cheaper to fix by serving that service, never by breaking R3).
    ``students``: only these (``providers`` then needs only their demands)."""
    rules = problem.rules
    instructional = rules.instructional_services
    for s in range(len(problem.students)) if students is None else students:
        student = problem.students[s]
        if not student.alternate_placement:
            continue
        related = set(primary_disability_services(rules, student))
        demands = problem.demands_of[s]
        if any(providers[d] is not None and problem.demands[d].service in related for d in demands):
            continue
        for d in demands:
            if problem.demands[d].service in instructional:
                providers[d] = None
