"""Contract caps that bend: a soft local cap costs per pupil over it, up to a limit that never bends."""

from __future__ import annotations

import dataclasses
import tomllib

import pytest

from models.domain.caps import caseload_cap, soft_cap
from models.domain.plan import check_plan
from models.domain.rules import DEFAULT_RULES_PATH, RulesError, rules_from_mapping
from tests.factories import district, staff, student
from tests.test_hard_rules import run


def rules_with(role: str, **keys):
    raw = tomllib.loads(DEFAULT_RULES_PATH.read_text())
    raw["roles"][role].update(keys)
    return rules_from_mapping(raw, "own.toml")


SDC_RANGE = rules_with("sdc_teacher", cap=2, overload_cost=500, overload_max=3)  # "2, up to 3 with overload pay"


def sdc_district(n: int):
    return district([student(f"s{i}", "sdc") for i in range(n)], [staff("t", "sdc_teacher", "MMSN")],
                    rules_=SDC_RANGE)


def test_a_soft_local_cap_bends_for_a_price_and_the_plan_says_by_how_much():
    # 3 pupils, local cap 2: the third is served (500 overload < 1,000,000 unserved)
    problem = sdc_district(3)
    result = run(problem)
    report = check_plan(problem, result.plan)
    assert report.kpis.services_unserved == 0
    assert report.kpis.over_local_cap == {"t": 1}
    assert report.terms.local_cap_overload == 500


def test_the_limit_above_a_soft_cap_never_bends():
    # 4 pupils, overload_max 3: the fourth stays unserved
    problem = sdc_district(4)
    result = run(problem)
    report = check_plan(problem, result.plan)
    assert report.kpis.services_unserved == 1 and report.kpis.over_local_cap == {"t": 1}


def test_overload_goes_to_whoever_has_room_first():
    # two teachers, 4 pupils, local cap 2 each: 2 and 2, no overload paid
    problem = district([student(f"s{i}", "sdc") for i in range(4)],
                       [staff("t1", "sdc_teacher", "MMSN"), staff("t2", "sdc_teacher", "MMSN")], rules_=SDC_RANGE)
    report = check_plan(problem, run(problem).plan)
    assert report.kpis.over_local_cap == {} and report.terms.local_cap_overload == 0


def test_a_staff_row_bends_its_own_local_cap_up_to_the_legal_cap():
    # RSP with a local max_caseload of 2 and overload pay 10 a pupil: takes 3; the legal 28 stays the limit
    person = dataclasses.replace(staff("r", "rsp_teacher", "MMSN", max_caseload=2), overload_cost=10)
    problem = district([student(f"s{i}", "rsp") for i in range(3)], [person])
    report = check_plan(problem, run(problem).plan)
    assert report.kpis.over_local_cap == {"r": 1} and report.terms.local_cap_overload == 10
    assert (soft_cap(problem.rules, person).limit, caseload_cap(problem.rules, person)) == (28, 28)
    half = dataclasses.replace(person, fte=0.5)
    assert soft_cap(problem.rules, half).limit == 14  # prorated


def test_a_legal_cap_never_bends():
    # overload pay on a resource specialist without a lower local cap changes nothing: 28 stays hard
    person = dataclasses.replace(staff("r", "rsp_teacher", "MMSN"), overload_cost=10)
    rules = district([], []).rules
    assert soft_cap(rules, person) is None and caseload_cap(rules, person) == 28
    with pytest.raises(RulesError, match="a legal cap never bends"):
        rules_with("rsp_teacher", overload_cost=10, overload_max=30)


@pytest.mark.parametrize(
    ("keys", "fragment"),
    [
        ({"overload_cost": 10}, "overload_cost needs overload_max"),
        ({"overload_cost": 10, "overload_max": 12}, "overload_max 12 is below cap 15"),
        ({"overload_cost": "10", "overload_max": 17}, "overload_cost: '10' is not a int"),
    ],
)
def test_bad_soft_cap_rules_name_the_role_and_key(keys, fragment):
    with pytest.raises(RulesError) as err:
        rules_with("sdc_teacher", **keys)
    assert "[roles.sdc_teacher]" in str(err.value) and fragment in str(err.value)


def test_a_staff_overload_cost_without_a_limit_is_bad_input(tmp_path):
    from models.domain.issues import InputError
    from models.files.loaders import load_problem

    (tmp_path / "students.csv").write_text("student_id,site,grade,primary_disability,services\n1,A,3,SLD,sdc\n")
    (tmp_path / "staff.csv").write_text("staff_id,role,credentials,sites,overload_cost\nT,sdc_teacher,MMSN,A,50\n"
                                        "R,rsp_teacher,MMSN,A,x\n")
    with pytest.raises(InputError) as err:
        load_problem(tmp_path / "students.csv", tmp_path / "staff.csv", district([], []).rules)
    text = str(err.value)
    assert "row 2, column overload_cost, value '50': role sdc_teacher has no legal cap and no overload_max" in text
    assert "row 3, column overload_cost, value 'x': overload cost must be a whole number" in text
