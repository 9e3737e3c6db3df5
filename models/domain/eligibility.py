"""Who may do what: the predicates behind the credential and role rules.

Each function answers one question in the director's words and reads the
rules table; no credential code is written here. The hard rules built from
them (with ids, sources and reasons) and "all of them pass" live in
``models.domain.rule_table``; caps live in ``models.domain.caps``.
"""

from __future__ import annotations

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


def may_case_manage_role(rules: Rules, staff: Staff) -> bool:
    if staff.can_case_manage is not None:
        return staff.can_case_manage
    role = rules.roles.get(staff.role)
    return role is not None and role.may_case_manage
