"""Eligible pairs: who may deliver each service and who may manage each case.

The model is built only from these pairs. Students with the same profile at
the same site share one eligibility computation, so the cost grows with the
number of distinct profiles, not with students times staff.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from operator import attrgetter

from models.domain.problem import ALL_SITES, Problem, Staff, Student
from models.domain.rule_table import CASE_MANAGER, PROFILE_FIELDS, RULE_TABLE, passes_all, profile_key


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


def staff_classes(problem: Problem) -> tuple[list[int], list[Staff]]:
    """Each person's class and one representative per class (serving every site).

    People of one class differ in nothing the checks read but their sites, so
    for anyone serving a student's site every check (and its reason) comes out
    as for the class's representative.
    """
    staff_key = attrgetter(*_CLASS_FIELDS)
    class_of: list[int] = []
    members: dict[tuple, int] = {}
    representatives: list[Staff] = []
    for person in problem.staff:
        key = staff_key(person)
        if key not in members:
            members[key] = len(representatives)
            representatives.append(replace(person, sites=frozenset({ALL_SITES})))
        class_of.append(members[key])
    return class_of, representatives


def student_class(student: Student) -> tuple:
    """What the checks read from a student, site aside (students of one class at one site share eligibility)."""
    return _STUDENT_KEY(student)


def find_candidates(problem: Problem) -> Candidates:
    """Eligible pairs, each rule evaluated once per kind of person and kind of student.

    Only the site check reads a person's sites or a student's site, so people
    who differ in nothing else the checks read form one class: a class is
    eligible for a student profile (site aside) or not, and the people of an
    eligible class serving the student's site are the candidates.
    """
    rules = problem.rules
    by_site = staff_by_site(problem)
    everywhere = by_site.get(ALL_SITES, [])
    class_of, representatives = staff_classes(problem)
    local_cache: dict[str, list[int]] = {}
    by_role: dict[str, list[tuple[int, Staff]]] = {}  # the classes the staff-only checks let take each role
    eligible_cache: dict[tuple, frozenset[int]] = {}
    pairs_cache: dict[tuple, tuple[int, ...]] = {}
    shared_cache: dict[tuple[str, frozenset[int]], tuple[int, ...]] = {}

    def local_staff(site: str) -> list[int]:
        if site not in local_cache:
            local_cache[site] = sorted(set(by_site.get(site, [])) | set(everywhere))
        return local_cache[site]

    def candidates(student: Student, profile: tuple, role: str) -> tuple[int, ...]:
        key = (profile, role)
        found = pairs_cache.get(key)
        if found is None:
            general = (_STUDENT_KEY(student), role)
            classes = eligible_cache.get(general)
            if classes is None:
                able = by_role.get(role)
                if able is None:  # checks that read no student field, once per class and role
                    able = by_role[role] = [(c, rep) for c, rep in enumerate(representatives)
                                            if passes_all(rules, student, rep, role, _STAFF_ONLY)]
                classes = eligible_cache[general] = frozenset(
                    c for c, rep in able if passes_all(rules, student, rep, role, _READS_STUDENT))
            # profiles that differ only in what no eligible class depends on share one tuple: fewer scans
            # here, and the split and the flows, which work once per distinct tuple, see fewer of them
            shared = (student.site, classes)
            found = shared_cache.get(shared)
            if found is None:
                found = shared_cache[shared] = tuple(p for p in local_staff(student.site) if class_of[p] in classes)
            pairs_cache[key] = found
        return found

    students = problem.students
    profiles = [_profile(student) for student in students]  # once a student, not once a demand
    managers = [candidates(student, profile, CASE_MANAGER) for student, profile in zip(students, profiles, strict=True)]
    providers = [candidates(students[d.student], profiles[d.student], d.service) for d in problem.demands]
    return Candidates(providers=tuple(providers), managers=tuple(managers))


# Eligibility is every check passing: those that read no student field are decided per class and role first
# (for a service most classes fail there: a role that does not deliver it), the others per student profile
_STAFF_ONLY = tuple(check for check in RULE_TABLE if not check.student_fields)
_READS_STUDENT = tuple(check for check in RULE_TABLE if check.student_fields)

# What the checks read, site aside (the site check is done by the people serving the site)
_CLASS_FIELDS = tuple(dict.fromkeys(f for check in RULE_TABLE for f in check.staff_fields if f != "sites"))
_STUDENT_KEY = attrgetter(*[f for f in PROFILE_FIELDS if f != "site"])
