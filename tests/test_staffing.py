"""Staffing gap: candidate positions from unmet demand, the fewest hires (proven), their order and curve."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.domain.plan import check_plan
from models.workflows.hiring import candidate_positions, proposed_staff
from optimizer.solve import SolveOptions, solve
from optimizer.staffing import find_hires, focus, hard_rules_only, opened, search_problem, with_hires
from tests.factories import district, staff, student

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"
FAST = SolveOptions(time_limit=30, workers=1)


def hires_of(result):
    return [(h.staff.role, h.staff.credentials, h.staff.sites, h.staff.fte) for h in result.hires]


def test_no_shortage_no_hires():
    result = find_hires(district([student("s1")], [staff("r1", "rsp_teacher", "MMSN")]), FAST)
    assert result.hires == ()
    assert [(p.hires, p.unserved) for p in result.curve] == [(0, 0)]


def test_deaf_students_in_special_class_call_for_a_dhh_credentialed_sdc_teacher():
    # site B has two deaf students in SDC and an MMSN teacher only (R1): one 0.5 FTE sdc_teacher with DHH
    problem = district([student("d1", "sdc", primary="DEAF", site="B", grade="9"),
                        student("d2", "sdc", primary="HH", site="B", grade="2"),
                        student("m1", "sdc", site="B")],
                       [staff("t1", "sdc_teacher", "MMSN", sites="B")])
    result = find_hires(problem, FAST)
    assert result.proven_minimal
    assert hires_of(result) == [("sdc_teacher", frozenset({"DHH"}), frozenset({"B"}), 0.5)]
    assert [p.unserved for p in result.curve] == [2, 0]
    # whom the hire takes: the two deaf students' sdc at B (and their cases, as their teacher)
    hired = result.curve[1]
    assert hired.students == 2 and ("sdc", "B", 2) in hired.serves
    assert "sdc@B:2" in hired.serves_words()


@pytest.mark.parametrize(
    ("pupils", "expected"),
    [
        # one resource specialist (cap 28): 40 pupils leave 12, a 0.5 FTE hire takes 14
        (40, [0.5]),
        # 50 leave 22: more than 14, one full-time hire
        (50, [1.0]),
        # 70 leave 42 = 28 + 14: a full-time and a half-time hire (two copies of the position)
        (70, [1.0, 0.5]),
    ],
)
def test_fewest_hires_then_least_fte(pupils, expected):
    problem = district([student(f"s{i}") for i in range(pupils)], [staff("r1", "rsp_teacher", "MMSN")])
    result = find_hires(problem, FAST)
    assert result.proven_minimal
    assert [h.staff.fte for h in result.hires] == expected
    assert all(h.staff.role == "rsp_teacher" and h.staff.credentials == {"MMSN"} for h in result.hires)
    assert result.curve[-1].unserved == 0 and result.curve[-1].max_load_ratio <= 1.0


def test_slp_average_cap_counts_a_proposed_position_only_once_open():
    # two full-time SLPs at A and B (a psychologist serves both: neighbours): district budget 2 x 55 = 110 for
    # 120 speech pupils, 10 unserved. An unopened candidate must not lend its FTE to the budget; one 0.5 FTE
    # SLP (budget 137) closes the gap.
    students = [student(f"a{i}", "speech", primary="SLI", site="A") for i in range(60)]
    students += [student(f"b{i}", "speech", primary="SLI", site="B") for i in range(60)]
    problem = district(students, [staff("s1", "slp", "SLP", sites="A"), staff("s2", "slp", "SLP", sites="B"),
                                  staff("psych", "psychologist", sites="A;B")])
    base = solve(hard_rules_only(problem), FAST)
    positions = candidate_positions(problem, base.plan)
    assert any(p.sites == {"A", "B"} for p in positions)  # the shared position for the neighbouring sites
    people = [person for person, _ in proposed_staff(problem, positions)]
    search = search_problem(problem, people)
    searched = solve(search, FAST)
    assert searched.status == "OPTIMAL"
    report = check_plan(search, searched.plan)
    assert report.ok, report.violations
    assert [p.fte for p in opened(search, searched.plan, people)] == [0.5]
    result = find_hires(problem, FAST)
    assert result.proven_minimal and [h.staff.fte for h in result.hires] == [0.5]
    assert [p.unserved for p in result.curve] == [10, 0]


def test_hires_come_in_order_of_value():
    # site A lacks 20 RSP seats (one person), site B lacks one deaf SDC seat: the RSP hire is worth more
    problem = district([student(f"a{i}", site="A") for i in range(48)]
                       + [student("d1", "sdc", primary="DEAF", site="B")],
                       [staff("r1", "rsp_teacher", "MMSN", sites="A"), staff("t1", "sdc_teacher", "MMSN", sites="B")])
    result = find_hires(problem, FAST)
    assert [h.staff.role for h in result.hires] == ["rsp_teacher", "sdc_teacher"]
    assert [p.unserved for p in result.curve] == [21, 1, 0]
    assert result.curve[1].max_load_ratio is not None


def test_a_student_nobody_may_manage_calls_for_a_coordinator():
    # a PT-only student at site C: the therapist serves C but may not case-manage; nobody else is there
    problem = district([student("p1", "pt", primary="OI", site="C")], [staff("pt", "pt", sites="C")])
    result = find_hires(problem, FAST)
    assert [(h.staff.role, h.staff.fte) for h in result.hires] == [("program_specialist", 0.5)]
    assert [(p.unserved, p.unassigned) for p in result.curve] == [(0, 1), (0, 0)]


def test_proposed_ids_never_clash_with_staff():
    problem = district([student("s1")], [staff("HIRE001", "slp", "SLP")])
    people = proposed_staff(problem, candidate_positions(problem, solve(problem, FAST).plan))
    assert people and all(p.staff_id != "HIRE001" for p, _ in people)


@pytest.mark.skipif(not (SAMPLE / "staff.csv").exists(), reason="sample district not generated")
def test_sample_district_needs_exactly_two_hires_proven_minimal():
    from models.domain.rules import load_rules
    from models.files.loaders import load_problem

    problem, _ = load_problem(SAMPLE / "students.csv", SAMPLE / "staff.csv", load_rules())
    result = find_hires(problem, FAST)
    # S0003: a resource specialist pupil over the cap and a deaf student in SDC with no DHH-credentialed teacher
    assert hires_of(result) == [("rsp_teacher", frozenset({"MMSN"}), frozenset({"S0003"}), 0.5),
                                ("sdc_teacher", frozenset({"DHH"}), frozenset({"S0003"}), 0.5)]
    # the proof: the search over every candidate position is OPTIMAL, so no single hire serves everyone
    assert result.status == "OPTIMAL" and result.proven_minimal
    assert result.objective == result.best_bound
    # and directly: the first n-1 hires leave services unserved, all n serve everyone
    assert [p.unserved for p in result.curve] == [2, 1, 0]
    first = with_hires(problem, [result.hires[0].staff])
    assert sum(p is None for p in solve(hard_rules_only(first), FAST).plan.providers) == 1


def test_the_search_works_on_the_short_part_and_the_curve_still_sees_the_whole_district():
    # site A: 30 RSP pupils for one resource specialist (2 short); site B, independent: 27 pupils, ratio 27/28
    students = [student(f"a{i}", site="A") for i in range(30)] + [student(f"b{i}", site="B") for i in range(27)]
    problem = district(students, [staff("ra", "rsp_teacher", "MMSN", sites="A"),
                                  staff("rb", "rsp_teacher", "MMSN", sites="B")])
    base = solve(hard_rules_only(problem), FAST)
    part = focus(problem, base.plan)
    assert {s.site for s in part.students} == {"A"} and [p.staff_id for p in part.staff] == ["ra"]
    result = find_hires(problem, FAST)
    assert hires_of(result) == [("rsp_teacher", {"MMSN"}, {"A"}, 0.5)]
    assert [p.unserved for p in result.curve] == [2, 0]
    # after the hire site A balances at 32 / 42 = 0.76 of capacity, but B's resource specialist is at 27 / 28
    assert result.curve[-1].max_load_ratio == round(27 / 28, 4)
