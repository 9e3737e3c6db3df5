"""Eligible pairs: who may deliver each service and who may manage each case.

The model is built only from these pairs. Students with the same profile at
the same site share one eligibility computation, so the cost grows with the
number of distinct profiles, not with students times staff.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from models.domain.problem import ALL_SITES, Problem, Student
from models.domain.rule_table import may_case_manage, may_deliver, profile_key


@dataclass(frozen=True, slots=True)
class Candidates:
    providers: tuple[tuple[int, ...], ...]  # per demand: staff indices who may deliver it
    managers: tuple[tuple[int, ...], ...]  # per student: staff indices who may manage the case


def _profile(student: Student) -> tuple:
    """Everything the hard rules read from a student (``rule_table.profile_key``): equal keys, equal eligibility."""
    return profile_key(student)


def staff_by_site(problem: Problem) -> dict[str, list[int]]:
    """Staff indices serving each site; key ALL_SITES holds the '*' staff."""
    by_site: dict[str, list[int]] = defaultdict(list)
    for p, person in enumerate(problem.staff):
        for site in person.sites:
            by_site[site].append(p)
    return by_site


def find_candidates(problem: Problem) -> Candidates:
    rules = problem.rules
    by_site = staff_by_site(problem)
    everywhere = by_site.get(ALL_SITES, [])
    provider_cache: dict[tuple, tuple[int, ...]] = {}
    manager_cache: dict[tuple, tuple[int, ...]] = {}

    def local_staff(student: Student) -> list[int]:
        return sorted(set(by_site.get(student.site, [])) | set(everywhere))

    managers: list[tuple[int, ...]] = []
    for student in problem.students:
        key = _profile(student)
        if key not in manager_cache:
            manager_cache[key] = tuple(
                p for p in local_staff(student) if may_case_manage(rules, problem.staff[p], student)
            )
        managers.append(manager_cache[key])

    providers: list[tuple[int, ...]] = []
    for demand in problem.demands:
        student = problem.students[demand.student]
        key = (*_profile(student), demand.service)
        if key not in provider_cache:
            provider_cache[key] = tuple(
                p for p in local_staff(student) if may_deliver(rules, problem.staff[p], student, demand.service)
            )
        providers.append(provider_cache[key])
    return Candidates(providers=tuple(providers), managers=tuple(managers))
