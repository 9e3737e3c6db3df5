"""The moves of a re-plan against the current plan, each with its reason in plain words.

One move per student whose case manager changes and per service whose
provider changes: ``from`` is the current person, ``to`` the new one (blank
when nobody can take it: the change stays unresolved). Services and students
with nobody on record get a ``from``-blank row when someone takes them, so the
list is everything a clerk enters as a bulk reassignment.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.domain.changes import count_moves
from models.domain.objective import best_practice_services
from models.domain.plan import Loads, Plan, compute_loads
from models.domain.problem import Problem, Student
from models.domain.reasons import why_unassigned, why_unserved
from models.domain.rule_table import CASE_MANAGER, Blocked, first_blocking_rule


@dataclass(frozen=True, slots=True)
class Move:
    student_id: str
    change: str  # "case_manager" or the service code
    from_id: str  # "" when nobody was on record
    to_id: str  # "" when nobody can take it (unresolved)
    reason: str


def why_not_any_more(problem: Problem, current_id: str, student: Student, service: str | None) -> str | None:
    """Which rule keeps the current person from keeping this service (None: nothing does)."""
    index = problem.staff_index.get(current_id)
    if index is None:
        return f"{current_id} is no longer on staff (not in the staff file)"
    blocked = first_blocking_rule(problem.rules, student, problem.staff[index], service or CASE_MANAGER)
    return None if blocked is None else _sentence(current_id, blocked)


def _sentence(staff_id: str, blocked: Blocked) -> str:
    """The rule's reason with the person's id in front ("R1 is unavailable", "R1's role (...) ...")."""
    if blocked.rule == "site":  # they served the site when the current plan was made
        return f"{staff_id} no longer serves site {blocked.why.rsplit(' ', 1)[-1]}"
    return f"{staff_id}{blocked.why}" if blocked.why.startswith("'") else f"{staff_id} {blocked.why}"


def _why_provider_moved(problem: Problem, loads: Loads, current_id: str, student: Student, service: str) -> str:
    forced = why_not_any_more(problem, current_id, student, service)
    if forced:
        return forced
    p = problem.staff_index[current_id]
    blocked = first_blocking_rule(problem.rules, student, problem.staff[p], service, load=loads.served[p])
    if blocked is not None:
        return _sentence(current_id, blocked)
    return "evens out caseloads (the gain outweighs the change penalty)"


def _why_manager_moved(problem: Problem, plan: Plan, s: int, current_id: str, new: int) -> str:
    student = problem.students[s]
    forced = why_not_any_more(problem, current_id, student, None)
    if forced:
        return forced
    for service in best_practice_services(problem.rules, student):
        for d in problem.demands_of[s]:
            if problem.demands[d].service == service and plan.providers[d] == new:
                return f"the case manager follows the {service} provider (best practice)"
    return "evens out case-management loads (the gain outweighs the change penalty)"


def _could_take(problem: Problem, loads: Loads, student: Student, service: str) -> list[str]:
    """Staff who could legally take this case or service now (room under their cap included)."""
    rules, out = problem.rules, []
    for p, person in enumerate(problem.staff):
        load = loads.served[p] if service != CASE_MANAGER else None
        if first_blocking_rule(rules, student, person, service, load=load) is None:
            out.append(person.staff_id)
    return out


def _unresolved(problem: Problem, loads: Loads, student: Student, service: str, gone: str, why: str,
                budget_used: bool, max_moves: int | None) -> str:
    """Why a case or service stays without anyone: the move budget when someone could take it, else the rule.

    With the budget used up, the plan's other reasons ("every staff member is
    unavailable", "needed for other students") may not hold for a person with
    room: the budget is then the reason, and who could take it is said.
    """
    if budget_used and max_moves is not None:
        takers = _could_take(problem, loads, student, service)
        if takers:
            shown = ", ".join(takers[:3]) + (f" and {len(takers) - 3} more" if len(takers) > 3 else "")
            return (f"left unresolved: the move budget (--max-moves {max_moves}) is used up; {gone}; "
                    f"{shown} could take it")
        return f"left unresolved: the move budget (--max-moves {max_moves}) is used up; {gone}; {why}"
    return f"{gone}; {why}"


def plan_moves(problem: Problem, plan: Plan, max_moves: int | None = None) -> tuple[Move, ...]:
    """Every change of the plan against the current one, student by student in input order."""
    loads = compute_loads(problem, plan)
    budget_used = max_moves is not None and count_moves(problem, plan) >= max_moves
    staff_id = [p.staff_id for p in problem.staff]
    out: list[Move] = []
    for s, student in enumerate(problem.students):
        current, new = student.current_case_manager, plan.case_managers[s]
        to = "" if new is None else staff_id[new]
        if current is not None and to != current:
            if new is None:
                gone = why_not_any_more(problem, current, student, None) or "no one may take the case"
                reason = _unresolved(problem, loads, student, CASE_MANAGER, gone, why_unassigned(problem, s),
                                     budget_used, max_moves)
            else:
                reason = _why_manager_moved(problem, plan, s, current, new)
            out.append(Move(student.student_id, CASE_MANAGER, current, to, reason))
        elif current is None and new is not None:
            out.append(Move(student.student_id, CASE_MANAGER, "", to, "new case manager (none on record)"))
        for d in problem.demands_of[s]:
            service, p = problem.demands[d].service, plan.providers[d]
            holder = problem.current_providers.get((student.student_id, service))
            to = "" if p is None else staff_id[p]
            if holder is not None and to != holder:
                if p is None:
                    gone = why_not_any_more(problem, holder, student, service) or "its provider had to change"
                    reason = _unresolved(problem, loads, student, service, gone, why_unserved(problem, plan, loads, d),
                                         budget_used, max_moves)
                else:
                    reason = _why_provider_moved(problem, loads, holder, student, service)
                out.append(Move(student.student_id, service, holder, to, reason))
            elif holder is None and p is not None:
                out.append(Move(student.student_id, service, "", to, "new provider (none on record)"))
    return tuple(out)
