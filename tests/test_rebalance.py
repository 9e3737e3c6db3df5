"""Rebalancing: only the students a rule or a cap forces move, each to someone authorized; the move budget."""

from __future__ import annotations

import pytest

from models.domain.changes import count_moves
from models.domain.plan import check_plan
from models.domain.rule_table import may_case_manage, may_deliver
from models.workflows.moves import CASE_MANAGER, plan_moves
from optimizer.rebalance import rebalance, with_disruption_weight
from optimizer.solve import SolveOptions
from tests.factories import district, staff, student

FAST = SolveOptions(time_limit=20, workers=1)


def school(r1_available: bool = True, r2_fte: float = 1.0):
    """Site A: r1 has 6 pupils, r2 a full 28, r3 (just hired) none; an SLP and an SDC teacher with their own.

    Everyone's current case manager is the provider of their best-practice service. Balance alone would
    move some of r2's pupils to r3 (see the last test); rebalancing must not.
    """
    students, current = [], {}

    def add(student_id, services, manager, providers, **kw):
        students.append(student(student_id, services, current=manager, **kw))
        current.update({(student_id, svc): who for svc, who in providers.items()})

    for i in range(6):
        add(f"a{i}", "rsp;speech" if i < 2 else "rsp", "r1", {"rsp": "r1", **({"speech": "slp"} if i < 2 else {})})
    for i in range(28):
        add(f"b{i}", "rsp", "r2", {"rsp": "r2"})
    for i in range(5):
        add(f"c{i}", "speech", "slp", {"speech": "slp"}, primary="SLI")
    for i in range(4):
        add(f"d{i}", "sdc;pt", "t1", {"sdc": "t1", "pt": "pt"}, primary="AUT", support="extensive")
    people = [
        staff("r1", "rsp_teacher", "MMSN", available=r1_available),
        staff("r2", "rsp_teacher", "MMSN", fte=r2_fte),
        staff("r3", "rsp_teacher", "MM"),
        staff("slp", "slp", "SLP"), staff("t1", "sdc_teacher", "ESN"), staff("pt", "pt"),
        staff("psych", "psychologist"),
    ]
    return district(students, people, current_providers=current)


def moved_students(moves):
    return {m.student_id for m in moves if m.from_id}


def assert_everyone_else_kept(problem, plan, moved):
    for s, st in enumerate(problem.students):
        if st.student_id in moved:
            continue
        assert problem.staff[plan.case_managers[s]].staff_id == st.current_case_manager, st.student_id
        for d in problem.demands_of[s]:
            key = (st.student_id, problem.demands[d].service)
            assert problem.staff[plan.providers[d]].staff_id == problem.current_providers[key], key


def test_a_resource_specialist_leaves_only_their_students_move():
    problem = school(r1_available=False)
    weighted, result = rebalance(problem, FAST)
    assert result.status == "OPTIMAL"
    report = check_plan(weighted, result.plan)
    assert report.ok, report.violations
    moves = plan_moves(weighted, result.plan)
    r1_students = {s.student_id for s in problem.students if s.current_case_manager == "r1"}
    assert moved_students(moves) == r1_students
    # each of them: rsp and case management go to a legally authorized person (r2 is full: r3)
    assert {(m.change, m.from_id, m.to_id) for m in moves} == {("rsp", "r1", "r3"), (CASE_MANAGER, "r1", "r3")}
    assert all(m.reason == "r1 is unavailable" for m in moves)
    for s, st in enumerate(problem.students):
        if st.student_id in r1_students:
            assert may_case_manage(problem.rules, problem.staff[result.plan.case_managers[s]], st)
            for d in problem.demands_of[s]:
                p = result.plan.providers[d]
                assert may_deliver(problem.rules, problem.staff[p], st, problem.demands[d].service)
    # speech stays with the SLP for a0/a1; everyone else keeps every provider and case manager
    assert_everyone_else_kept(problem, result.plan, r1_students)
    assert count_moves(problem, result.plan) == 2 * len(r1_students)


def test_an_fte_cut_moves_exactly_what_the_cap_forces():
    # r2 goes half time: cap floor(28 x 0.5) = 14, so 14 of r2's 28 pupils must move, and nobody else
    problem = school(r2_fte=0.5)
    weighted, result = rebalance(problem, FAST)
    moves = plan_moves(weighted, result.plan)
    moved = moved_students(moves)
    assert len(moved) == 14 and all(s.startswith("b") for s in moved)
    assert all("r2 is at their caseload cap of 14" == m.reason for m in moves if m.change == "rsp")
    assert all(m.to_id in ("r1", "r3") for m in moves)
    assert_everyone_else_kept(problem, result.plan, moved)


def test_nothing_changed_nothing_moves():
    weighted, result = rebalance(school(), FAST)
    assert plan_moves(weighted, result.plan) == ()


def test_balance_alone_moves_students_at_the_yearly_change_penalty():
    # why rebalancing weighs changes 10x: at the yearly penalties (40 + 60) moving one of r2's full 28 to the
    # empty r3 gains about 100 x (2x28-1)/28 - 100 x 1/28 = 193 in balance, so plain planning moves them
    problem = school()
    weighted, result = rebalance(problem, FAST, disruption_weight=1)
    assert moved_students(plan_moves(weighted, result.plan))
    weighted, result = rebalance(problem, FAST)
    assert not moved_students(plan_moves(weighted, result.plan))


def test_disruption_weight_scales_the_change_penalties():
    problem = school()
    w = with_disruption_weight(problem, 10).rules.weights
    assert (w.change_case_manager, w.change_provider) == (600, 400)
    assert problem.rules.weights.change_provider == 40  # the base is untouched
    with pytest.raises(ValueError):
        with_disruption_weight(problem, -1)


def test_max_moves_leaves_the_rest_unresolved_and_says_why():
    # r1's 6 students need 12 moves (rsp + case manager each); a budget of 5 resolves 5 of them
    problem = school(r1_available=False)
    weighted, result = rebalance(problem, SolveOptions(time_limit=20, workers=1, max_moves=5))
    assert result.status == "OPTIMAL"
    assert count_moves(problem, result.plan) == 5
    moves = plan_moves(weighted, result.plan, max_moves=5)
    done = [m for m in moves if m.to_id]
    unresolved = [m for m in moves if not m.to_id]
    assert len(done) == 5 and len(unresolved) == 7
    assert all(m.from_id == "r1" for m in moves)
    assert all(m.reason.startswith("left unresolved: the move budget (--max-moves 5) is used up; r1 is unavailable")
               for m in unresolved)
    assert_everyone_else_kept(problem, result.plan, moved_students(moves))


def test_new_students_and_unrecorded_services_get_from_blank_rows():
    problem = district([student("new", "rsp"), student("old", "rsp", current="r1")],
                       [staff("r1", "rsp_teacher", "MMSN")], current_providers={("old", "rsp"): "r1"})
    weighted, result = rebalance(problem, FAST)
    moves = plan_moves(weighted, result.plan)
    assert [(m.student_id, m.change, m.from_id, m.to_id) for m in moves] == [
        ("new", CASE_MANAGER, "", "r1"), ("new", "rsp", "", "r1")]
