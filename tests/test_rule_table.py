"""The rule table: each hard rule once, named, with its reason; the candidate cache keyed by what it reads."""

from __future__ import annotations

import dataclasses

import pytest

from models.domain.problem import Staff, Student
from models.domain.rule_table import (
    CASE_MANAGER,
    PROFILE_FIELDS,
    RULE_TABLE,
    blocking_rules,
    first_blocking_rule,
    may_case_manage,
    may_deliver,
    profile_key,
)
from tests.factories import rules, staff, student


@pytest.mark.parametrize(("person", "pupil", "role", "rule", "why"), [
    (staff("E1", "rsp_teacher", "MMSN", available=False), student("S1"), "rsp", "available", "is unavailable"),
    (staff("E1", "rsp_teacher", "MMSN", sites="B"), student("S1"), "rsp", "site", "does not serve site A"),
    (staff("E1", "sdc_teacher", "MMSN;SLP"), student("S1", "speech"), "speech", "role_delivers",
     "'s role (sdc_teacher) does not deliver speech"),
    (staff("E1", "slp", ""), student("S1", "speech"), "speech", "service_credential", "holds no SLP or SLP_SCA (R2)"),
    (staff("E1", "slp", "SLP", preschool_only=True), student("S1", "speech", grade="3"), "speech", "preschool",
     "serves preschool only (EC 56441.7)"),
    # a DEAF student: MMSN does not authorize DEAF instruction, whatever the support level
    (staff("E1", "rsp_teacher", "MMSN"), student("S1", primary="DEAF"), "rsp", "R1",
     "holds no credential authorizing DEAF instruction (mild_moderate, grade 3) (R1)"),
    # alternate placement: instruction under the secondary disability (AUT, extensive), VI does not cover it
    (staff("E1", "sdc_teacher", "VI"), student("S1", "sdc;dhh", primary="DEAF", secondary="AUT",
                                                 support="extensive", alternate=True), "sdc", "R3",
     "holds no credential authorizing AUT instruction (extensive, grade 3) (R3)"),
    (staff("E1", "ot", ""), student("S1", "ot"), CASE_MANAGER, "may_case_manage", "'s role (ot) may not case-manage"),
])
def test_only_this_rule_says_no(person, pupil, role, rule, why):
    blocked = first_blocking_rule(rules(), pupil, person, role)
    assert blocked is not None and (blocked.rule, blocked.why) == (rule, why)
    assert blocked.source
    assert [b.rule for b in blocking_rules(rules(), pupil, person, role)] == [rule]
    allowed = may_case_manage(rules(), person, pupil) if role == CASE_MANAGER else may_deliver(
        rules(), person, pupil, role)
    assert not allowed


def test_every_check_passing_is_eligibility():
    assert first_blocking_rule(rules(), student("S1"), staff("E1", "rsp_teacher", "MMSN"), "rsp") is None
    assert may_deliver(rules(), staff("E1", "rsp_teacher", "MMSN"), student("S1"), "rsp")
    assert may_case_manage(rules(), staff("E1", "rsp_teacher", "MMSN"), student("S1"))


def test_cap_decides_only_with_a_load():
    # 28 x 0.5 FTE = 14 pupils (EC 56362(c), prorated)
    person, pupil = staff("E1", "rsp_teacher", "MMSN", fte=0.5), student("S1")
    assert first_blocking_rule(rules(), pupil, person, "rsp", load=13) is None
    blocked = first_blocking_rule(rules(), pupil, person, "rsp", load=14)
    assert blocked is not None and (blocked.rule, blocked.why) == ("cap", "is at their caseload cap of 14")


def test_reasons_name_ids_and_codes_never_names():
    person = dataclasses.replace(staff("E1", "slp", "", available=False), name="Jane Roe")
    for blocked in blocking_rules(rules(), student("S1", "speech"), person, "speech"):
        assert "Jane" not in blocked.why and "Roe" not in blocked.why


def test_each_check_declares_what_it_reads():
    """Run every check on traced people: a field read but not declared would leave the candidate cache stale."""
    read: dict[str, set[str]] = {"student": set(), "staff": set()}

    def traced(cls: type, kind: str) -> type:
        class Traced(cls):  # type: ignore[misc, valid-type]
            def __getattribute__(self, name: str):  # noqa: ANN204
                if not name.startswith("__"):
                    read[kind].add(name)
                return super().__getattribute__(name)
        return Traced

    traced_student, traced_staff = traced(Student, "student"), traced(Staff, "staff")
    pupils = [student("S1", "sdc;dhh", primary="DEAF", secondary="AUT", support="extensive", alternate=True),
              student("S2", "speech", grade="PS")]
    people = [staff("E1", "sdc_teacher", "DHH;MMSN", preschool_only=True), staff("E2", "slp", "SLP", sites="*")]
    properties = {"instruction_category", "categories", "service_codes", "serves_site"}
    for check in RULE_TABLE:
        read["student"].clear()
        read["staff"].clear()
        for pupil in pupils:
            for person in people:
                s = traced_student(**{f.name: getattr(pupil, f.name) for f in dataclasses.fields(Student)})
                p = traced_staff(**{f.name: getattr(person, f.name) for f in dataclasses.fields(Staff)})
                for role in (CASE_MANAGER, *pupil.service_codes):
                    if check.applies(rules(), role):
                        check.test(rules(), s, p, role)
        assert read["student"] - properties <= set(check.student_fields), check.id
        assert read["staff"] - properties <= set(check.staff_fields), check.id
        assert set(check.student_fields) <= set(PROFILE_FIELDS)


def test_profile_key_ignores_what_no_rule_reads():
    a = student("S1", current="E1", locked=True)
    b = dataclasses.replace(student("S2"), row=9)
    assert profile_key(a) == profile_key(b)
    assert profile_key(a) != profile_key(student("S1", grade="4"))
