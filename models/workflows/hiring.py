"""Proposed hires: the positions that unmet demand calls for, and the staffing answer.

A candidate position is derived from what a plan leaves undone, reading only
the rules table: the role that delivers the unserved service, a credential
that authorizes the students left without it (chosen from the rules, never
written here), the site, and for a role under a district-wide average cap
(SLPs) also a position shared by two neighbouring sites. Each position is
offered at 0.5 and 1.0 FTE, in as many copies as the unmet demand could fill.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations

from models.domain.caps import caseload_cap
from models.domain.plan import Plan
from models.domain.problem import Problem, Staff, Student
from models.domain.results import Status
from models.domain.rule_table import may_case_manage, may_deliver
from models.domain.rules import Rules

FTE_STEPS = (0.5, 1.0)


@dataclass(frozen=True, slots=True)
class Position:
    """A kind of hire: role, credentials and sites; ``need`` is the unmet demand it answers."""

    role: str
    credentials: frozenset[str]
    sites: frozenset[str]
    need: int  # services (or cases) it could take
    covers: str  # plain words, e.g. "sdc for DEAF students at S0003"

    def person(self, staff_id: str, fte: float) -> Staff:
        return Staff(staff_id=staff_id, role=self.role, sites=self.sites, credentials=self.credentials,
                     name=f"proposed: {self.covers}", fte=fte)


@dataclass(frozen=True, slots=True)
class Hire:
    staff: Staff  # the proposed person; ``staff.name`` says what it covers
    position: Position


@dataclass(frozen=True, slots=True)
class CurvePoint:
    """The district after the first ``hires`` hires."""

    hires: int
    unserved: int  # services left unserved
    unassigned: int  # students left without a case manager
    max_load_ratio: float | None  # over the roles being hired for
    status: Status
    # whom the latest hire takes in this plan: (service or "case_manager", site, students), most first
    serves: tuple[tuple[str, str, int], ...] = ()
    students: int = 0  # distinct students the latest hire serves or manages

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", Status(self.status))

    def serves_words(self) -> str:
        """e.g. "rsp@S0003:12;case_manager@S0003:4"."""
        return ";".join(f"{role}@{site}:{n}" for role, site, n in self.serves)


def taken_by(problem: Problem, plan: Plan, staff: int) -> tuple[tuple[tuple[str, str, int], ...], int]:
    """Whom one person takes in a plan: counts by (service or case management, site), and distinct students."""
    counts: dict[tuple[str, str], int] = defaultdict(int)
    students: set[int] = set()
    for demand, p in zip(problem.demands, plan.providers, strict=True):
        if p == staff:
            counts[(demand.service, problem.students[demand.student].site)] += 1
            students.add(demand.student)
    for s, m in enumerate(plan.case_managers):
        if m == staff:
            counts[("case_manager", problem.students[s].site)] += 1
            students.add(s)
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return tuple((role, site, n) for (role, site), n in ordered), len(students)


@dataclass(frozen=True, slots=True)
class StaffingResult:
    hires: tuple[Hire, ...]  # in order of value: each the one that most reduces what stays undone
    curve: tuple[CurvePoint, ...]  # k = 0 .. len(hires)
    status: Status  # of the search: OPTIMAL proves no smaller set of candidate hires does as well
    candidates: int  # proposed positions offered to the search
    objective: int | None = None
    best_bound: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", Status(self.status))

    @property
    def proven_minimal(self) -> bool:
        return self.status is Status.OPTIMAL


def delivering_role(rules: Rules, service: str) -> str | None:
    """The role that delivers a service, one whose caseload is that service first (rules order)."""
    roles = [r for r in rules.roles.values() if service in r.delivers]
    roles.sort(key=lambda r: r.caseload_service != service)
    return roles[0].code if roles else None


def coordinating_role(rules: Rules) -> str | None:
    """The coordinator role that delivers the least (a program specialist before a psychologist)."""
    roles = sorted((r for r in rules.roles.values() if r.coordinator and r.may_case_manage),
                   key=lambda r: len(r.delivers))
    return roles[0].code if roles else None


def _probe(role: str, credential: str | None, site: str) -> Staff:
    return Staff(staff_id="?", role=role, sites=frozenset({site}),
                 credentials=frozenset() if credential is None else frozenset({credential}))


def credential_cover(rules: Rules, role: str, site: str, service: str,
                     students: list[Student]) -> list[tuple[str | None, list[Student]]]:
    """Fewest credentials (greedy set cover, rules order on ties) letting ``role`` serve these students.

    A service with no credential requirement and no instruction gets ``None``;
    among equal covers a plain service credential (fewest instruction
    categories, e.g. SLP before SLP_SCA) comes first.
    """
    if not rules.services[service].instructional and not rules.services[service].credentials:
        return [(None, students)] if all(may_deliver(rules, _probe(role, None, site), s, service)
                                         for s in students) else []
    order = sorted(rules.credentials, key=lambda c: (len(rules.credentials[c].categories)
                                                     if not rules.services[service].instructional else 0))
    left, out = list(students), []
    while left:
        best, covered = None, []
        for code in order:
            probe = _probe(role, code, site)
            these = [s for s in left if may_deliver(rules, probe, s, service)]
            if len(these) > len(covered):
                best, covered = code, these
        if best is None:
            break  # no credential in the rules lets this role serve the rest
        out.append((best, covered))
        left = [s for s in left if s not in covered]
    return out


def neighbour_sites(problem: Problem) -> set[frozenset[str]]:
    """Pairs of sites that some staff member already serves together."""
    pairs: set[frozenset[str]] = set()
    for person in problem.staff:
        for a, b in combinations(sorted(person.sites), 2):
            pairs.add(frozenset({a, b}))
    return pairs


def _copies(rules: Rules, role: str, need: int) -> int:
    """Full-time people it would take to absorb ``need`` pupils of this role."""
    spec = rules.roles[role]
    full = caseload_cap(rules, Staff(staff_id="?", role=role, sites=frozenset()))
    full = full if full is not None else spec.average_cap
    return 1 if not full else max(1, math.ceil(need / full))


def candidate_positions(problem: Problem, plan: Plan) -> list[Position]:
    """Positions answering the services and cases ``plan`` leaves undone, most needed first."""
    rules = problem.rules
    unserved: dict[tuple[str, str], list[Student]] = defaultdict(list)
    for demand, p in zip(problem.demands, plan.providers, strict=True):
        if p is None:
            student = problem.students[demand.student]
            unserved[(demand.service, student.site)].append(student)
    positions: list[Position] = []
    shared: dict[tuple[str, str | None], dict[str, int]] = defaultdict(dict)  # (role, credential) -> site -> need
    for (service, site), students in sorted(unserved.items()):
        role = delivering_role(rules, service)
        if role is None:
            continue
        for credential, covered in credential_cover(rules, role, site, service, students):
            categories = sorted({s.instruction_category for s in covered})
            what = f" for {'/'.join(categories)} students" if rules.services[service].instructional else ""
            creds = frozenset() if credential is None else frozenset({credential})
            positions.append(Position(role, creds, frozenset({site}), len(covered), f"{service}{what} at {site}"))
            if rules.roles[role].average_cap is not None:
                shared[(role, credential)][site] = len(covered)
    neighbours = neighbour_sites(problem)
    for (role, credential), needs in sorted(shared.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        for a, b in combinations(sorted(needs), 2):
            if frozenset({a, b}) in neighbours:
                service = rules.roles[role].caseload_service
                creds = frozenset() if credential is None else frozenset({credential})
                positions.append(Position(role, creds, frozenset({a, b}), needs[a] + needs[b],
                                          f"{service} at {a} and {b}"))
    positions += _coordinator_positions(problem, plan)
    return positions


def _coordinator_positions(problem: Problem, plan: Plan) -> list[Position]:
    """A coordinator at each site where a student is left with nobody allowed to manage the case."""
    rules = problem.rules
    role = coordinating_role(rules)
    if role is None:
        return []
    sites: dict[str, int] = defaultdict(int)
    for student, m in zip(problem.students, plan.case_managers, strict=True):
        if m is None and may_case_manage(rules, _probe(role, None, student.site), student):
            sites[student.site] += 1
    return [Position(role, frozenset(), frozenset({site}), n, f"case management at {site}")
            for site, n in sorted(sites.items())]


def proposed_staff(problem: Problem, positions: Iterable[Position],
                   prefix: str = "HIRE") -> list[tuple[Staff, Position]]:
    """The proposed people for the search: per position one 0.5 FTE and enough 1.0 FTE copies.

    Ids are ``HIRE001``... (skipping any id already on staff).
    """
    taken = {p.staff_id for p in problem.staff}
    out: list[tuple[Staff, Position]] = []
    number = 0
    for position in positions:
        copies = _copies(problem.rules, position.role, position.need)
        for fte in [FTE_STEPS[0], *[FTE_STEPS[-1]] * copies]:
            number += 1
            while f"{prefix}{number:03d}" in taken:
                number += 1
            out.append((position.person(f"{prefix}{number:03d}", fte), position))
    return out
