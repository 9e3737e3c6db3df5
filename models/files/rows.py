"""The rows of a reviewed plan (one frozen value per line of a file or sheet) and its headline.

Each row's ``cells()`` gives its columns in order, as the CSV files and the
workbook's sheets show them. To add a column, add a field and a key here.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.workflows.comparison import NEAR_CAP

CASE_MANAGER = "case_manager"
AT_CAP, NEAR, ABOVE_AVERAGE = "at cap", "near cap", "above average"


def _flag(value: bool | None) -> str:
    return "" if value is None else str(value).lower()


# -- rows ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StudentRow:
    """One line of assignments.csv / the Students sheet."""

    student_id: str
    student_name: str
    site: str
    grade: str
    primary_disability: str
    services: str  # ;-separated codes, as on the IEP
    case_manager: str
    case_manager_name: str
    case_manager_role: str
    mode: str
    best_practice: bool | None  # None: no case manager
    reason: str  # why no case manager
    notes: str  # preferences the plan bends for this student
    unserved: tuple[str, ...]  # services nobody delivers
    why: str = ""  # why this case manager: the nearest alternative's verdict (explain.csv)

    @property
    def status(self) -> str:
        return "assigned" if self.case_manager else "unassigned"

    @property
    def fully_served(self) -> bool:
        return bool(self.case_manager) and not self.unserved

    def cells(self, with_name: bool = True) -> dict[str, object]:
        name = {"student_name": self.student_name} if with_name else {}
        return {
            "student_id": self.student_id, **name, "site": self.site, "grade": self.grade,
            "primary_disability": self.primary_disability, "services": self.services,
            "case_manager": self.case_manager, "case_manager_name": self.case_manager_name,
            "case_manager_role": self.case_manager_role, "mode": self.mode,
            "best_practice": _flag(self.best_practice), "status": self.status, "reason": self.reason,
            "notes": self.notes, "why": self.why,
        }


@dataclass(frozen=True, slots=True)
class ServiceRow:
    """One line of services.csv / the Services sheet."""

    student_id: str
    student_name: str
    service: str
    provider: str
    provider_name: str
    provider_role: str
    reason: str
    minutes_per_week: int | None
    why: str = ""  # why this provider: the nearest alternative's verdict (explain.csv)

    @property
    def status(self) -> str:
        return "served" if self.provider else "unserved"

    def cells(self, with_name: bool = True) -> dict[str, object]:
        name = {"student_name": self.student_name} if with_name else {}
        return {
            "student_id": self.student_id, **name, "service": self.service, "provider": self.provider,
            "provider_name": self.provider_name, "provider_role": self.provider_role, "status": self.status,
            "reason": self.reason, "minutes_per_week": "" if self.minutes_per_week is None else self.minutes_per_week,
            "why": self.why,
        }


@dataclass(frozen=True, slots=True)
class StaffRow:
    """One line of caseloads.csv / the Staff sheet: load against cap."""

    staff_id: str
    name: str
    role: str
    fte: float
    sites: str
    available: bool
    case_managed: int
    served: dict[str, int]  # pupils per service, every service of the rules
    load: int  # pupils on the role's capped service
    cap: int | None
    load_ratio: float | None  # load over the prorated cap or target (balance)
    cap_ratio: float | None  # load over the cap, or the FTE share of a district average cap
    over_cap: bool
    workload_minutes: int | None = None  # weekly workload (None: the rules have no [workload])
    workload_ratio: float | None = None  # workload over the FTE share of the weekly capacity
    local_cap: int | None = None  # a soft local cap (overload pay above it); None when the cap is hard
    over_local_cap: int = 0  # pupils over the soft local cap
    full_load: float | None = None  # what load_ratio divides by: the cap, an average share or a balance target
    full_load_kind: str = ""  # "cap", "district-average share" or "full-time load"

    @property
    def cap_mark(self) -> str:
        """'at cap', 'near cap' (over 90%), 'above average' (an SLP above the district average share) or ''."""
        r = self.cap_ratio
        if r is None or not self.available:
            return ""
        if r > 1 + 1e-9:
            return AT_CAP if self.cap is not None else ABOVE_AVERAGE
        if r >= 1 - 1e-9:
            return AT_CAP
        return NEAR if r > NEAR_CAP else ""

    def cells(self) -> dict[str, object]:
        return {
            "staff_id": self.staff_id, "name": self.name, "role": self.role, "fte": self.fte, "sites": self.sites,
            "available": _flag(self.available), "case_managed": self.case_managed,
            **{f"served_{service}": n for service, n in self.served.items()},
            "cap": "" if self.cap is None else self.cap,
            "load_ratio": "" if self.load_ratio is None else round(self.load_ratio, 4),
            "over_cap": _flag(self.over_cap), "load": self.load, "cap_mark": self.cap_mark,
            "workload_minutes": "" if self.workload_minutes is None else self.workload_minutes,
            "workload_ratio": "" if self.workload_ratio is None else round(self.workload_ratio, 4),
            "local_cap": "" if self.local_cap is None else self.local_cap, "over_local_cap": self.over_local_cap,
        }


@dataclass(frozen=True, slots=True)
class UnservedRow:
    """One thing the plan could not do for a student: a service or the case manager, and why."""

    student_id: str
    student_name: str
    site: str
    grade: str
    missing: str  # "case_manager" or a service code
    reason: str

    def cells(self, with_name: bool = True) -> dict[str, object]:
        name = {"student_name": self.student_name} if with_name else {}
        return {"student_id": self.student_id, **name, "site": self.site, "grade": self.grade,
                "missing": self.missing, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class SiteRow:
    site: str
    students: int
    fully_served: int
    without_case_manager: int
    services: int
    services_unserved: int
    best_practice: int  # students whose case manager is the best-practice choice

    def cells(self) -> dict[str, object]:
        return {"site": self.site, "students": self.students, "fully_served": self.fully_served,
                "without_case_manager": self.without_case_manager, "services": self.services,
                "services_unserved": self.services_unserved, "best_practice": self.best_practice}


@dataclass(frozen=True, slots=True)
class AssessmentRow:
    """One line of assessments.csv: a pending initial assessment and its resource specialist (AB 560)."""

    assessment_id: str
    site: str
    assessor: str
    assessor_name: str
    reason: str  # why no one could take it
    student_id: str
    due_date: str

    @property
    def status(self) -> str:
        return "assigned" if self.assessor else "unassigned"

    def cells(self) -> dict[str, object]:
        return {"assessment_id": self.assessment_id, "site": self.site, "assessor": self.assessor,
                "assessor_name": self.assessor_name, "status": self.status, "reason": self.reason,
                "student_id": self.student_id, "due_date": self.due_date}


@dataclass(frozen=True, slots=True)
class MoveRow:
    """One line of moves.csv / the Moves sheet, with the names beside the ids."""

    student_id: str
    student_name: str
    change: str
    from_id: str
    from_name: str
    to_id: str
    to_name: str
    reason: str
    effective_date: str

    def cells(self, with_name: bool = True) -> dict[str, object]:
        # moves.csv keeps its columns first, as clerks' imports read them; the names follow
        name = {"student_name": self.student_name} if with_name else {}
        return {"student_id": self.student_id, "change": self.change, "from": self.from_id, "to": self.to_id,
                "reason": self.reason, "effective_date": self.effective_date, **name, "from_name": self.from_name,
                "to_name": self.to_name}


@dataclass(frozen=True, slots=True)
class Headline:
    """The figures a director reads first."""

    students: int
    fully_served: int
    with_case_manager: int
    services: int
    services_unserved: int
    best_practice_rate: float
    changed_case_managers: int
    status: str
    objective: int | None
    best_bound: float | None
    gap: float | None
    rules_name: str
    rules_source: str
    inputs_sha256: str

    @property
    def not_fully_served(self) -> int:
        return self.students - self.fully_served

    @property
    def without_case_manager(self) -> int:
        return self.students - self.with_case_manager

    @property
    def proven_optimal(self) -> bool:
        return self.status == "OPTIMAL"

    def optimality_words(self) -> str:
        if self.proven_optimal:
            return "Proven optimal: no plan under these rules serves more students or fits the preferences better."
        if self.status == "FEASIBLE":
            close = "" if self.gap is None else f" (at most {self.gap:.1%} from the best possible)"
            return ("Not proven optimal: this is the best plan found in the time allowed" + close
                    + "; a longer --time-limit may improve it.")
        return f"No plan was proven (solver status {self.status}); allow a longer --time-limit."

    def sentences(self) -> list[str]:
        """The headline in plain words, one figure per sentence."""
        out = [
            f"{self.students} students planned: {self.fully_served} fully served (every service delivered and a "
            f"case manager assigned), {self.not_fully_served} not.",
            f"{self.services - self.services_unserved} of {self.services} services delivered; "
            f"{self.services_unserved} could not be.",
            f"{self.with_case_manager} students have a case manager; {self.without_case_manager} have none.",
            f"Best practice: {self.best_practice_rate:.1%} of case managers are the role the best-practice "
            f"order names.",
        ]
        if self.changed_case_managers:
            out.append(f"{self.changed_case_managers} students get a different case manager from this year's.")
        out.append(self.optimality_words())
        return out
