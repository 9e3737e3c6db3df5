"""Soft rules: best-practice case manager, balance, continuity. One tiny case each."""

from __future__ import annotations

import dataclasses

import pytest

from models.domain.changes import count_moves
from models.domain.plan import case_manager_mode, check_plan
from optimizer.solve import SolveOptions, solve
from tests.factories import district, staff, student
from tests.test_hard_rules import manager_of, provider_of, run

TEAM = [
    staff("sdc", "sdc_teacher", "MMSN"),
    staff("rsp", "rsp_teacher", "MMSN"),
    staff("slp", "slp", "SLP"),
    staff("pt", "pt"),
    staff("psych", "psychologist"),
]


@pytest.mark.parametrize(
    ("case", "services", "primary", "expected_manager", "mode"),
    [
        ("speech therapy only: SLP", "speech", "SLI", "slp", "service"),
        ("speech and RSP: RSP teacher", "speech;rsp", "SLD", "rsp", "instructing"),
        ("PT and SDC: SDC teacher", "pt;sdc", "OI", "sdc", "instructing"),
        ("fully included with RSP: RSP teacher", "rsp", "SLD", "rsp", "instructing"),
        ("no case-managing service: coordinator", "pt", "OI", "psych", "coordinating"),
    ],
)
def test_prefer_best_practice_case_manager(case, services, primary, expected_manager, mode):
    problem = district([student("s1", services, primary=primary)], TEAM)
    result = run(problem)
    assert manager_of(problem, result, "s1") == expected_manager, case
    assert case_manager_mode(problem, result.plan, 0) == mode


def test_best_practice_gives_way_to_a_legal_fallback():
    # the only RSP teacher is at site B: the SLP (next in the order) manages the case
    problem = district([student("s1", "speech;rsp")],
                      [staff("rsp", "rsp_teacher", "MMSN", sites="B"), staff("slp", "slp", "SLP")])
    result = run(problem)
    assert manager_of(problem, result, "s1") == "slp"
    terms = check_plan(problem, result.plan).terms
    assert terms.unserved_services == 1_000_000  # rsp: nobody at site A
    assert terms.best_practice == 100  # one rank below best practice


def test_equal_people_get_equal_loads():
    problem = district([student(f"s{i}", "rsp") for i in range(20)],
                      [staff("r1", "rsp_teacher", "MMSN"), staff("r2", "rsp_teacher", "MMSN")])
    result = run(problem)
    loads = [sum(p == i for p in result.plan.providers) for i in range(2)]
    assert loads == [10, 10]


def test_half_time_gets_half_the_load():
    # caps 28 and 14: 21 pupils balance at 14 / 7 (ratio 0.5 each)
    problem = district([student(f"s{i}", "rsp") for i in range(21)],
                      [staff("full", "rsp_teacher", "MMSN"), staff("half", "rsp_teacher", "MMSN", fte=0.5)])
    result = run(problem)
    loads = [sum(p == i for p in result.plan.providers) for i in range(2)]
    assert loads == [14, 7]


def test_continuity_keeps_current_providers_and_case_manager():
    # two interchangeable RSP teachers; the current one stays
    problem = district([student("s1", "rsp", current="r2")],
                      [staff("r1", "rsp_teacher", "MMSN"), staff("r2", "rsp_teacher", "MMSN")],
                      current_providers={("s1", "rsp"): "r2"})
    result = run(problem)
    assert provider_of(problem, result, "s1", "rsp") == "r2"
    assert manager_of(problem, result, "s1") == "r2"
    assert check_plan(problem, result.plan).terms.changed_providers == 0


def test_move_budget_leaves_the_rest_unresolved():
    # r1 left: its three students must move (CM and rsp each: 6 moves); a budget of 2 resolves two of the six
    students = [student(f"s{i}", "rsp", current="r1") for i in range(3)]
    problem = district(students, [staff("r1", "rsp_teacher", "MMSN", available=False),
                                  staff("r2", "rsp_teacher", "MMSN")],
                      current_providers={(f"s{i}", "rsp"): "r1" for i in range(3)})
    result = solve(problem, SolveOptions(workers=1, max_moves=2))
    assert result.status == "OPTIMAL"
    assert count_moves(problem, result.plan) == 2
    unresolved = sum(p is None for p in result.plan.providers) + sum(m is None for m in result.plan.case_managers)
    assert unresolved == 4
    unlimited = solve(problem, SolveOptions(workers=1))
    assert count_moves(problem, unlimited.plan) == 6


def test_a_proposed_position_opens_only_when_it_serves_someone():
    # one unserved speech student: the cheaper of two proposed SLP positions opens
    problem = district([student("s1", "speech", primary="SLI")],
                      [staff("hireA", "slp", "SLP"), staff("hireB", "slp", "SLP", fte=0.5)])
    problem = dataclasses.replace(problem, position_costs={"hireA": 1000, "hireB": 500})
    result = run(problem)
    assert provider_of(problem, result, "s1", "speech") == "hireB"
    assert check_plan(problem, result.plan).terms.opened_positions == 500
