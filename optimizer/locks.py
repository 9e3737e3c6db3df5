"""Locked students keep their current case manager and providers.

A lock narrows the candidate lists: the current person stays the only
candidate when the rules allow them; when they no longer may (they left, lost
the site or the credential) nobody is a candidate and the plan says why. A
lock is never a reason to bend a hard rule.
"""

from __future__ import annotations

from collections import Counter

from models.domain.candidates import Candidates
from models.domain.caps import caseload_cap
from models.domain.issues import InputError, Issue
from models.domain.problem import Problem

STAFF_TABLE = "staff"  # the file an issue here names: the optimizer knows no paths (the command names the file)


def apply_locks(problem: Problem, cands: Candidates) -> Candidates:
    index = problem.staff_index
    providers = list(cands.providers)
    managers = list(cands.managers)
    for s, student in enumerate(problem.students):
        if not student.locked:
            continue
        if student.current_case_manager is not None:
            current = index.get(student.current_case_manager)
            managers[s] = (current,) if current in cands.managers[s] else ()
        for d in problem.demands_of[s]:
            holder = problem.current_providers.get((student.student_id, problem.demands[d].service))
            if holder is not None:
                current = index.get(holder)
                providers[d] = (current,) if current in cands.providers[d] else ()
    return Candidates(providers=tuple(providers), managers=tuple(managers))


def locked_loads_within_caps(problem: Problem, cands: Candidates) -> None:
    """Raise InputError when locked students alone put someone over a hard cap."""
    rules = problem.rules
    forced: Counter[int] = Counter()
    for d, demand in enumerate(problem.demands):
        student = problem.students[demand.student]
        options = cands.providers[d]
        if student.locked and len(options) == 1:
            person = problem.staff[options[0]]
            role = rules.roles.get(person.role)
            if role is not None and role.caseload_service == demand.service:
                forced[options[0]] += 1
    issues = []
    for p, count in sorted(forced.items()):
        person = problem.staff[p]
        cap = caseload_cap(rules, person)
        if cap is not None and count > cap:
            column = "max_caseload" if person.max_caseload is not None else "role"
            value = str(person.max_caseload) if person.max_caseload is not None else person.role
            issues.append(Issue("error", STAFF_TABLE, f"locked students give {person.staff_id} {count} pupils, "
                                f"over the cap of {cap}; unlock some of them", row=person.row,
                                column=column, value=value))
    if issues:
        raise InputError(issues)
