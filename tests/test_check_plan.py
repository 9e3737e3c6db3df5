"""check_plan re-verifies every hard rule without the solver: each broken plan is caught."""

from __future__ import annotations

import dataclasses

import pytest

from models.domain.plan import Plan, check_plan
from tests.factories import district, staff, student


def ids_plan(problem, providers, managers):
    index = problem.staff_index
    return Plan(providers=tuple(None if p is None else index[p] for p in providers),
                case_managers=tuple(None if m is None else index[m] for m in managers))


BASE = district(
    [student("s1", "rsp"), student("s2", "speech", primary="SLI"), student("s3", "sdc", primary="DEAF")],
    [staff("rsp", "rsp_teacher", "MMSN"), staff("slp", "slp", "SLP"), staff("sdc", "sdc_teacher", "MMSN"),
     staff("nocred", "slp", ""), staff("pt", "pt"), staff("far", "rsp_teacher", "MMSN", sites="B")],
)


def test_a_legal_plan_passes():
    report = check_plan(BASE, ids_plan(BASE, ["rsp", "slp", None], ["rsp", "slp", "sdc"]))
    assert report.ok, report.violations
    assert report.kpis.services_unserved == 1


@pytest.mark.parametrize(
    ("providers", "managers", "fragment"),
    [
        (["rsp", "slp", "sdc"], ["rsp", "slp", "sdc"], "may not deliver sdc"),  # R1: MMSN does not cover DEAF
        (["rsp", "nocred", None], ["rsp", "slp", "sdc"], "may not deliver speech"),  # R2: no SLP credential
        (["far", "slp", None], ["rsp", "slp", "sdc"], "may not deliver rsp"),  # site B only
        (["rsp", "slp", None], ["pt", "slp", "sdc"], "may not case-manage"),  # pt may not case-manage
    ],
)
def test_each_broken_rule_is_reported(providers, managers, fragment):
    report = check_plan(BASE, ids_plan(BASE, providers, managers))
    assert any(fragment in str(v) for v in report.violations), report.violations


def test_over_cap_is_reported():
    problem = district([student(f"s{i}", "rsp") for i in range(29)], [staff("rsp", "rsp_teacher", "MMSN")])
    report = check_plan(problem, ids_plan(problem, ["rsp"] * 29, [None] * 29))
    assert any("over the cap of 28" in str(v) for v in report.violations)


def test_slp_average_is_reported():
    problem = district([student(f"s{i}", "speech", primary="SLI") for i in range(56)], [staff("slp", "slp", "SLP")])
    report = check_plan(problem, ids_plan(problem, ["slp"] * 56, [None] * 56))
    assert any("district average of 55" in str(v) for v in report.violations)


def test_unavailable_person_is_reported():
    problem = district([student("s1", "rsp")], [staff("rsp", "rsp_teacher", "MMSN", available=False)])
    report = check_plan(problem, ids_plan(problem, ["rsp"], ["rsp"]))
    assert len(report.violations) == 2


def test_moving_a_locked_student_is_reported():
    problem = district([student("s1", "rsp", current="r1", locked=True)],
                      [staff("r1", "rsp_teacher", "MMSN"), staff("r2", "rsp_teacher", "MMSN")],
                      current_providers={("s1", "rsp"): "r1"})
    report = check_plan(problem, ids_plan(problem, ["r2"], ["r2"]))
    assert any("locked student s1: rsp moved" in str(v) for v in report.violations)
    assert any("locked student s1: case manager moved" in str(v) for v in report.violations)


def test_a_plan_that_drops_a_student_is_reported():
    report = check_plan(BASE, Plan(providers=(None,), case_managers=(None, None, None)))
    assert not report.ok


def test_objective_terms_follow_the_weights():
    # every service unserved and every student unassigned: only those two terms
    plan = Plan(providers=(None, None, None), case_managers=(None, None, None))
    terms = check_plan(BASE, plan).terms
    w = BASE.rules.weights
    assert terms.unserved_services == 3 * w.unserved_service
    assert terms.unassigned_students == 3 * w.unassigned_student
    assert terms.total == terms.unserved_services + terms.unassigned_students
    heavier = dataclasses.replace(BASE, rules=dataclasses.replace(
        BASE.rules, weights=dataclasses.replace(w, unserved_service=7)))
    assert check_plan(heavier, plan).terms.unserved_services == 21


@pytest.mark.parametrize(
    ("providers", "managers", "rule", "staff_id", "student_id"),
    [
        (["rsp", "slp", "sdc"], ["rsp", "slp", None], "R1", "sdc", "s3"),
        (["rsp", "nocred", None], ["rsp", "slp", None], "service_credential", "nocred", "s2"),
        (["far", "slp", None], ["rsp", "slp", None], "site", "far", "s1"),
        (["rsp", "slp", None], ["pt", "slp", None], "may_case_manage", "pt", "s1"),
    ],
)
def test_a_violation_names_its_rule_staff_and_student(providers, managers, rule, staff_id, student_id):
    (violation,) = check_plan(BASE, ids_plan(BASE, providers, managers)).violations
    assert (violation.rule, violation.staff_id, violation.student_id) == (rule, staff_id, student_id)


def test_cap_violations_name_the_cap_rule():
    problem = district([student(f"s{i}", "rsp") for i in range(29)], [staff("rsp", "rsp_teacher", "MMSN")])
    (violation,) = check_plan(problem, ids_plan(problem, ["rsp"] * 29, [None] * 29)).violations
    assert (violation.rule, violation.staff_id) == ("cap", "rsp")
    assert str(violation) == "rsp serves 29 pupils, over the cap of 28"
