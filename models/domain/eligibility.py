"""Who may do what: the hard credential, role, site and availability rules.

Each function answers one question in the director's words and reads the
rules table; no credential code is written here.
"""

from __future__ import annotations

import math

from models.domain.problem import Staff, Student
from models.domain.rules import Rules


def instruction_grades(rules: Rules, staff: Staff) -> frozenset[str]:
    """Grades of the person's base (non-added) instructional credentials."""
    grades: set[str] = set()
    for code in staff.credentials:
        cred = rules.credentials.get(code)
        if cred is not None and not cred.added_authorization and cred.categories:
            grades |= cred.grades
    return frozenset(grades)


def authorized_to_instruct(rules: Rules, staff: Staff, student: Student) -> bool:
    """R1/R3: a credential of this person authorizes instruction of this student.

    The category is the primary disability (R1), or the secondary one under a
    low-incidence alternate placement (R3); the credential must also cover the
    student's support level and grade (MMSN vs ESN, ECSE ages). An added
    authorization covers the grades of the holder's base credentials.
    """
    category = student.instruction_category
    for code in staff.credentials:
        cred = rules.credentials.get(code)
        if cred is None:
            continue
        if category in cred.categories:
            pass
        elif category in cred.conditional and cred.conditional[category] & (student.categories - {category}):
            pass
        else:
            continue
        if student.support_level not in cred.support_levels:
            continue
        grades = instruction_grades(rules, staff) if cred.added_authorization else cred.grades
        if student.grade in grades:
            return True
    return False


def primary_disability_services(rules: Rules, student: Student) -> tuple[str, ...]:
    """R3: the student's services that meet the needs of the primary disability (e.g. dhh for DEAF)."""
    related = rules.categories[student.primary].related_services
    return tuple(code for code in student.service_codes if code in related)


def role_delivers(rules: Rules, staff: Staff, service: str) -> bool:
    role = rules.roles.get(staff.role)
    return role is not None and service in role.delivers


def holds_service_credential(rules: Rules, staff: Staff, service: str) -> bool:
    """R2: the service's credential requirement (none means the role decides)."""
    required = rules.services[service].credentials
    return not required or bool(required & staff.credentials)


def within_preschool_limit(rules: Rules, staff: Staff, student: Student) -> bool:
    """A preschool-only person (EC 56441.7) serves only preschool grades."""
    if not staff.preschool_only:
        return True
    role = rules.roles.get(staff.role)
    return role is None or student.grade in role.preschool_grades


def may_deliver(rules: Rules, staff: Staff, student: Student, service: str) -> bool:
    """May this person deliver this service to this student? (all hard rules)"""
    return (
        staff.available
        and staff.serves_site(student.site)
        and role_delivers(rules, staff, service)
        and holds_service_credential(rules, staff, service)
        and within_preschool_limit(rules, staff, student)
        and (not rules.services[service].instructional or authorized_to_instruct(rules, staff, student))
    )


def may_case_manage_role(rules: Rules, staff: Staff) -> bool:
    if staff.can_case_manage is not None:
        return staff.can_case_manage
    role = rules.roles.get(staff.role)
    return role is not None and role.may_case_manage


def may_case_manage(rules: Rules, staff: Staff, student: Student) -> bool:
    """May this person manage this student's case (at least as coordinator, R4)?"""
    return staff.available and staff.serves_site(student.site) and may_case_manage_role(rules, staff)


def caseload_cap(rules: Rules, staff: Staff) -> int | None:
    """Hard per-person cap on pupils of the role's caseload service, or None.

    The role's cap (28 for a resource specialist, 32 with a waiver; 40 for a
    preschool-only SLP) is prorated by FTE and rounded down. ``max_caseload``
    is the person's own cap, taken as written: it replaces a local default but
    can only lower a legal cap.
    """
    role = rules.roles.get(staff.role)
    if role is None:
        return staff.max_caseload
    base = role.cap
    legal = role.cap_is_legal
    if staff.rsp_waiver and role.waiver_cap is not None:
        base = role.waiver_cap
    if staff.preschool_only and role.preschool_cap is not None:
        base, legal = role.preschool_cap, True
    prorated = None if base is None else math.floor(base * staff.fte + 1e-9)
    if staff.max_caseload is None:
        return prorated
    if prorated is not None and legal:
        return min(prorated, staff.max_caseload)
    return staff.max_caseload


def balance_target(rules: Rules, staff: Staff) -> float | None:
    """Full load used to balance the caseload service: cap, average cap or target."""
    cap = caseload_cap(rules, staff)
    if cap is not None:
        return float(cap) if cap > 0 else None
    role = rules.roles.get(staff.role)
    if role is None:
        return None
    full = role.average_cap if role.average_cap is not None else role.balance_target
    return None if full is None else full * staff.fte


def case_management_target(rules: Rules, staff: Staff) -> float | None:
    role = rules.roles.get(staff.role)
    if role is None or role.case_management_target is None:
        return None
    return role.case_management_target * staff.fte
