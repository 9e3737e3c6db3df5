"""Typed results: the solver status, a hard-rule violation, a plan's KPIs.

``Status`` is a ``str`` enum so that summary.json, the comparison and the
terminal read exactly as before ("OPTIMAL"); a violation keeps its sentence
as ``str()`` and names the rule, the staff member and the student (ids only).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from models.domain.assessments import Spread


class Status(StrEnum):
    """What the solver proved: OPTIMAL is proven; FEASIBLE has a plan and a bound; the others have no plan."""

    OPTIMAL = "OPTIMAL"
    FEASIBLE = "FEASIBLE"
    INFEASIBLE = "INFEASIBLE"
    UNKNOWN = "UNKNOWN"
    MODEL_INVALID = "MODEL_INVALID"


@dataclass(frozen=True, slots=True)
class Violation:
    """A hard rule a plan breaks: which rule, whom it concerns, and the sentence ``str()`` gives."""

    rule: str  # a rule-table id (R1, R3, available, cap, ...) or average_cap, locked, coverage
    message: str
    staff_id: str | None = None
    student_id: str | None = None

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True, slots=True)
class RoleKpis:
    """Load ratios of one role's available staff (load over their balance target)."""

    max_load_ratio: float
    load_ratio_stddev: float


@dataclass(frozen=True, slots=True)
class WorkloadKpis:
    """Workload ratios of one role's available staff (weekly minutes over their contract minutes)."""

    max_workload_ratio: float
    workload_ratio_spread: float  # max - min
    workload_ratio_stddev: float


@dataclass(frozen=True, slots=True)
class PlanKpis:
    """The figures a director reads first."""

    students: int
    assigned: int
    unassigned: int
    services: int
    services_unserved: int
    best_practice_rate: float
    changed_case_managers: int
    changed_providers: int
    roles: Mapping[str, RoleKpis] = field(default_factory=dict)  # by role code, sorted
    workload_roles: Mapping[str, WorkloadKpis] = field(default_factory=dict)  # by role code, sorted
    workload_minutes_defaulted: int = 0  # services whose minutes the workload assumes
    over_local_cap: Mapping[str, int] = field(default_factory=dict)  # staff id -> pupils over a soft local cap
    assessments: Spread | None = None  # AB 560 initial assessments, once shared out
