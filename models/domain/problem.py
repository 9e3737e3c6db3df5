"""Domain values: students, staff and the validated planning problem.

Everything here is immutable. A what-if edit is ``dataclasses.replace``.
Student names never enter these types: ids only (FERPA).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from models.domain.rules import Rules

if TYPE_CHECKING:
    from models.domain.candidates import Candidates

ALL_SITES = "*"


@dataclass(frozen=True, slots=True)
class ServiceNeed:
    """One service on a student's IEP, with its weekly minutes when given."""

    code: str
    minutes: int | None = None


@dataclass(frozen=True, slots=True)
class Student:
    student_id: str
    site: str
    grade: str  # normalized: IN, PS, TK, K, 1..12, ADULT
    primary: str  # category abbreviation
    services: tuple[ServiceNeed, ...]
    secondary: str | None = None
    support_level: str = "mild_moderate"
    # Effective R3 alternate placement: already checked to apply (low-incidence
    # primary with a secondary disability). Loaders warn and clear it otherwise.
    alternate_placement: bool = False
    current_case_manager: str | None = None
    locked: bool = False
    row: int = 0  # spreadsheet row in the input file (header is row 1), for messages

    @property
    def instruction_category(self) -> str:
        """The category an instructing teacher must be authorized for (R1/R3)."""
        if self.alternate_placement and self.secondary:
            return self.secondary
        return self.primary

    @property
    def categories(self) -> frozenset[str]:
        return frozenset(c for c in (self.primary, self.secondary) if c)

    @property
    def service_codes(self) -> tuple[str, ...]:
        return tuple(s.code for s in self.services)


@dataclass(frozen=True, slots=True)
class Staff:
    staff_id: str
    role: str
    sites: frozenset[str]
    credentials: frozenset[str] = frozenset()  # canonical codes (aliases resolved)
    name: str = ""
    fte: float = 1.0
    max_caseload: int | None = None
    rsp_waiver: bool = False
    preschool_only: bool = False
    can_case_manage: bool | None = None  # None: the role default
    available: bool = True
    # cost per pupil over this person's local cap (a contract's overload pay): the local cap bends, the legal
    # cap (or the role's overload_max) never does. None: the role's overload_cost, if any.
    overload_cost: int | None = None
    row: int = 0

    def serves_site(self, site: str) -> bool:
        return ALL_SITES in self.sites or site in self.sites


@dataclass(frozen=True, slots=True)
class Assessment:
    """A pending initial assessment (AB 560): to be taken by a resource specialist serving its site."""

    assessment_id: str
    site: str
    student_id: str | None = None  # the student being assessed, when known (not yet on an IEP)
    due_date: str | None = None  # YYYY-MM-DD, when given
    row: int = 0


@dataclass(frozen=True, slots=True)
class Demand:
    """One (student, service) pair that needs a provider."""

    student: int  # index into Problem.students
    service: str
    minutes: int | None = None


@dataclass(frozen=True)  # no slots: the look-up maps below are cached once
class Problem:
    """The validated planning problem, built once from the input tables."""

    rules: Rules
    students: tuple[Student, ...]
    staff: tuple[Staff, ...]
    # (student_id, service) -> staff id of the current provider (continuity)
    current_providers: Mapping[tuple[str, str], str] = field(default_factory=dict)
    # staff id -> cost of opening this position (a proposed hire): paid once the
    # person serves or manages anyone. Used by the staffing search.
    position_costs: Mapping[str, int] = field(default_factory=dict)
    # pending initial assessments (AB 560), shared among the resource specialists
    assessments: tuple[Assessment, ...] = ()

    @cached_property
    def demands(self) -> tuple[Demand, ...]:
        return tuple(
            Demand(i, need.code, need.minutes)
            for i, student in enumerate(self.students)
            for need in student.services
        )

    @cached_property
    def eligible(self) -> Candidates:
        """Every eligible (demand, person) and (student, case manager) pair, locks aside, found once for the
        solve and the review (``models.domain.candidates.find_candidates``: 1 s at 70,000 students)."""
        from models.domain.candidates import find_candidates

        return find_candidates(self)

    @cached_property
    def has_minutes(self) -> bool:
        """Does any student's service carry its weekly minutes?"""
        return any(need.minutes is not None for student in self.students for need in student.services)

    @cached_property
    def staff_index(self) -> Mapping[str, int]:
        return {s.staff_id: i for i, s in enumerate(self.staff)}

    @cached_property
    def student_index(self) -> Mapping[str, int]:
        return {s.student_id: i for i, s in enumerate(self.students)}

    @cached_property
    def demands_of(self) -> tuple[tuple[int, ...], ...]:
        """Demand indices of each student, in input order."""
        out: list[list[int]] = [[] for _ in self.students]
        for d, demand in enumerate(self.demands):
            out[demand.student].append(d)
        return tuple(tuple(ds) for ds in out)
