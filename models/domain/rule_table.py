"""Every hard rule once, as a named check: "may this person serve this student, and if not, which rule says no?"

A check has an id, its source (CTC guidance, the Education Code, Title 5),
the student and staff fields it reads, a test and a plain-words reason with
ids and codes only, never names. Eligibility is "every check passes"
(:func:`may_deliver`, :func:`may_case_manage`); :func:`first_blocking_rule`
answers "why not" for the checker, the reasons, rebalancing, hiring and
explanations; :func:`profile_key` keys the candidate cache by exactly the
student fields the checks read, so a new check cannot leave it stale.

A new hard rule is one more :class:`Check` in :data:`RULE_TABLE` (the model
builds variables only for pairs every check allows, so it needs no change).
The caseload cap is the one capacity rule: it needs the person's load, so it
decides only when :func:`first_blocking_rule` is given one (``cap``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import attrgetter

from models.domain.caps import caseload_cap
from models.domain.eligibility import (
    authorized_to_instruct,
    holds_service_credential,
    may_case_manage_role,
    role_delivers,
    within_preschool_limit,
)
from models.domain.problem import Staff, Student
from models.domain.rules import Rules

CASE_MANAGER = "case_manager"  # the role argument meaning "manage this student's case"

# test(rules, student, staff, role) -> passes; reason(rules, student, staff, role) -> why it does not
Test = Callable[[Rules, Student, Staff, str], bool]
Reason = Callable[[Rules, Student, Staff, str], str]
Applies = Callable[[Rules, str], bool]


@dataclass(frozen=True, slots=True)
class Blocked:
    """The first rule that says no: its id, where it comes from, and why in plain words (ids and codes only)."""

    rule: str
    source: str
    why: str

    def __str__(self) -> str:
        return self.why


@dataclass(frozen=True, slots=True)
class Check:
    """One hard rule on a (student, person, role) pair."""

    id: str
    source: str
    student_fields: tuple[str, ...]
    staff_fields: tuple[str, ...]
    applies: Applies  # does the rule speak to this role ("case_manager" or a service code)?
    test: Test
    reason: Reason
    # the id to report for a student under an alternate placement (R3 instead of R1)
    alternate_id: str | None = None

    def rule_id(self, student: Student) -> str:
        return self.alternate_id if self.alternate_id and student.alternate_placement else self.id

    def blocks(self, rules: Rules, student: Student, staff: Staff, role: str) -> Blocked | None:
        if not self.applies(rules, role) or self.test(rules, student, staff, role):
            return None
        return Blocked(self.rule_id(student), self.source, self.reason(rules, student, staff, role))


def _always(rules: Rules, role: str) -> bool:
    return True


def _service(rules: Rules, role: str) -> bool:
    return role != CASE_MANAGER


def _instruction(rules: Rules, role: str) -> bool:
    return role != CASE_MANAGER and rules.services[role].instructional


def _case_management(rules: Rules, role: str) -> bool:
    return role == CASE_MANAGER


def _credentials_needed(rules: Rules, service: str) -> str:
    return " or ".join(sorted(rules.services[service].credentials))


RULE_TABLE: tuple[Check, ...] = (
    Check(
        id="available", source="district staffing (staff.csv: available)",
        student_fields=(), staff_fields=("available",), applies=_always,
        test=lambda rules, student, staff, role: staff.available,
        reason=lambda rules, student, staff, role: "is unavailable",
    ),
    Check(
        id="site", source="district staffing (staff.csv: sites)",
        student_fields=("site",), staff_fields=("sites",), applies=_always,
        test=lambda rules, student, staff, role: staff.serves_site(student.site),
        reason=lambda rules, student, staff, role: f"does not serve site {student.site}",
    ),
    Check(
        id="role_delivers", source="rules table: the role's services (CTC authorizations)",
        student_fields=(), staff_fields=("role",), applies=_service,
        test=lambda rules, student, staff, role: role_delivers(rules, staff, role),
        reason=lambda rules, student, staff, role: f"'s role ({staff.role}) does not deliver {role}",
    ),
    Check(
        id="service_credential", source="R2: CTC service credential (e.g. speech needs SLP, 5 CCR 80048.6)",
        student_fields=(), staff_fields=("credentials",), applies=_service,
        test=lambda rules, student, staff, role: holds_service_credential(rules, staff, role),
        reason=lambda rules, student, staff, role: f"holds no {_credentials_needed(rules, role)} (R2)",
    ),
    Check(
        id="preschool", source="EC 56441.7 (preschool-only staff serve preschool grades)",
        student_fields=("grade",), staff_fields=("preschool_only", "role"), applies=_service,
        test=lambda rules, student, staff, role: within_preschool_limit(rules, staff, student),
        reason=lambda rules, student, staff, role: "serves preschool only (EC 56441.7)",
    ),
    Check(
        id="R1", alternate_id="R3",
        source="R1: CTC specialty authorizes the primary disability (5 CCR 80046.5); "
               "R3: the secondary one under a low-incidence alternate placement",
        student_fields=("primary", "secondary", "alternate_placement", "support_level", "grade"),
        staff_fields=("credentials",), applies=_instruction,
        test=lambda rules, student, staff, role: authorized_to_instruct(rules, staff, student),
        reason=lambda rules, student, staff, role: (
            f"holds no credential authorizing {student.instruction_category} instruction "
            f"({student.support_level}, grade {student.grade}) "
            f"({'R3' if student.alternate_placement else 'R1'})"),
    ),
    Check(
        id="may_case_manage", source="R4: the role may case-manage (rules table), or the person's can_case_manage",
        student_fields=(), staff_fields=("can_case_manage", "role"), applies=_case_management,
        test=lambda rules, student, staff, role: may_case_manage_role(rules, staff),
        reason=lambda rules, student, staff, role: f"'s role ({staff.role}) may not case-manage",
    ),
)

# The capacity rule: per person, on the role's caseload service, prorated by FTE (EC 56362(c), 56441.7, local caps).
CAP = Check(
    id="cap", source="EC 56362(c) (RSP 28, 32 with a waiver), EC 56441.7 (preschool SLP 40), local caps",
    student_fields=(), staff_fields=("role", "fte", "rsp_waiver", "preschool_only", "max_caseload"),
    applies=lambda rules, role: role != CASE_MANAGER and any(
        r.caseload_service == role for r in rules.roles.values()),
    test=lambda rules, student, staff, role: True,  # needs a load: see first_blocking_rule(load=...)
    reason=lambda rules, student, staff, role: f"is at their caseload cap of {caseload_cap(rules, staff)}",
)


def first_blocking_rule(rules: Rules, student: Student, staff: Staff, role: str,
                        load: int | None = None, table: Sequence[Check] = RULE_TABLE) -> Blocked | None:
    """The first rule (table order) that keeps ``staff`` from ``role`` for ``student``; None: all pass.

    ``role`` is ``"case_manager"`` or a service code. With ``load`` (the
    person's pupils on their caseload service) the cap decides too.
    """
    for check in table:
        blocked = check.blocks(rules, student, staff, role)
        if blocked is not None:
            return blocked
    if load is not None:
        spec = rules.roles.get(staff.role)
        cap = caseload_cap(rules, staff)
        if spec is not None and spec.caseload_service == role and cap is not None and load >= cap:
            return Blocked(CAP.id, CAP.source, CAP.reason(rules, student, staff, role))
    return None


def blocking_rules(rules: Rules, student: Student, staff: Staff, role: str,
                   table: Sequence[Check] = RULE_TABLE) -> tuple[Blocked, ...]:
    """Every rule that keeps ``staff`` from ``role`` for ``student`` (table order)."""
    return tuple(b for check in table if (b := check.blocks(rules, student, staff, role)) is not None)


def passes_all(rules: Rules, student: Student, staff: Staff, role: str, table: Sequence[Check] = RULE_TABLE) -> bool:
    """Every check passes (no blocking rule), without writing reasons: the candidates' hot path."""
    for check in table:
        if check.applies(rules, role) and not check.test(rules, student, staff, role):
            return False
    return True


def may_deliver(rules: Rules, staff: Staff, student: Student, service: str) -> bool:
    """May this person deliver this service to this student? (every hard rule passes)"""
    return passes_all(rules, student, staff, service)


def may_case_manage(rules: Rules, staff: Staff, student: Student) -> bool:
    """May this person manage this student's case (at least as coordinator, R4)?"""
    return passes_all(rules, student, staff, CASE_MANAGER)


def check_by_id(rule: str, table: Sequence[Check] = RULE_TABLE) -> Check:
    """The check with this id (``CAP`` for "cap")."""
    for check in (*table, CAP):
        if check.id == rule or check.alternate_id == rule:
            return check
    raise KeyError(rule)


def profile_fields(table: Sequence[Check] = RULE_TABLE) -> tuple[str, ...]:
    """The student fields any check reads, in a fixed order."""
    seen: dict[str, None] = {}
    for check in table:
        seen.update(dict.fromkeys(check.student_fields))
    return tuple(seen)


PROFILE_FIELDS = profile_fields()
_profile_getter = attrgetter(*PROFILE_FIELDS)


def profile_key(student: Student) -> tuple:
    """What the checks read from a student: students with equal keys are eligible for the same people."""
    return _profile_getter(student)
