"""The checker says when a plan leaves unserved a service a legal provider with room could take."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.domain.names import Names
from models.domain.plan import Plan, Result, objective_terms
from models.domain.reasons import SERVABLE_NOTE, review_plan
from models.domain.servable import servable_demands
from models.files.reviewed import reviewed_plan
from models.files.terminal import terminal_summary
from models.synthetic.itinerants import ITINERANTS_EVERYWHERE, Coverage
from optimizer.solve import SolveOptions, solve
from tests.factories import district, staff, student
from tests.test_connected import connected


def _tiny():
    # r1 (cap 1) serves A and B, r2 (cap 1) only A: s1 at A can go to either, s2 at B only to r1
    return district([student("s1", "rsp"), student("s2", "rsp", site="B")],
                    [staff("r1", "rsp_teacher", "MMSN", sites="A;B", max_caseload=1),
                     staff("r2", "rsp_teacher", "MMSN", max_caseload=1)])


def _reviewed(problem, plan):
    result = Result(plan=plan, status="FEASIBLE", objective=objective_terms(problem, plan).total, best_bound=None,
                    solve_seconds=0.0)
    names = Names(students={"s1": "Ada Lovelace", "s2": "Alan Turing"}, staff={"r1": "Grace Hopper"})
    return reviewed_plan(problem, result, review_plan(problem, plan), names=names)


def test_a_hand_made_plan_that_leaves_a_servable_service_unserved_is_named_by_id():
    problem = _tiny()
    plan = Plan(providers=(0, None), case_managers=(0, None))  # s1 took r1, the only one who serves B
    review = review_plan(problem, plan)
    assert review.servable == (1,)  # moving s1 to r2 frees r1 for s2: an augmenting path
    assert review.unserved[1].endswith(SERVABLE_NOTE)
    assert not review.check.violations  # a finding, not a hard-rule violation
    reviewed = _reviewed(problem, plan)
    assert reviewed.summary["servable_unserved"] == 1
    assert reviewed.summary["servable_unserved_services"] == [{"student_id": "s2", "service": "rsp"}]
    assert reviewed.summary["hard_rule_violations"] == []
    text = terminal_summary(reviewed)
    assert "Warning: 1 unserved service(s) could be served" in text and "s2 rsp" in text
    assert "Turing" not in text and "Hopper" not in text


def test_a_plan_that_serves_what_it_can_gets_no_warning():
    problem = _tiny()
    plan = Plan(providers=(1, 0), case_managers=(1, 0))
    assert review_plan(problem, plan).servable == ()
    reviewed = _reviewed(problem, plan)
    assert reviewed.summary["servable_unserved"] == 0 and reviewed.summary["servable_unserved_services"] == []
    assert "Warning" not in terminal_summary(reviewed)
    # nobody serves C: unserved, but not servable
    short = district([student("s1", "rsp", site="C")], [staff("r1", "rsp_teacher", "MMSN")])
    assert servable_demands(short, Plan(providers=(None,), case_managers=(None,))) == ()


def test_r3_instruction_waits_for_the_primary_disability_service():
    # an alternate placement's instruction (rsp) counts only once a primary-disability service (dhh) is served
    pupil = student("s1", "rsp;dhh", primary="DEAF", secondary="SLD", alternate=True)
    nobody = Plan(providers=(None, None), case_managers=(None,))
    teacher_only = district([pupil], [staff("rsp", "rsp_teacher", "MMSN")])
    assert servable_demands(teacher_only, nobody) == ()
    both = district([pupil], [staff("rsp", "rsp_teacher", "MMSN"), staff("dhh", "dhh_itinerant", "DHH")])
    assert servable_demands(both, nobody) == (1,)  # the dhh service; rsp only once dhh is served
    assert servable_demands(both, Plan(providers=(None, 1), case_managers=(None,))) == (0,)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n=st.integers(40, 250), limit=st.sampled_from([0.0, 0.05, 30.0]),
       slp_fte=st.sampled_from([1.0, 0.5]))
def test_the_solvers_plans_never_leave_a_servable_service_unserved_whatever_the_time_limit(seed, n, limit, slp_fte):
    problem = connected(n, seed, Coverage(region_sites=None, district_wide=ITINERANTS_EVERYWHERE, slp_fte=slp_fte))
    result = solve(problem, SolveOptions(time_limit=limit, workers=1))
    assert servable_demands(problem, result.plan) == ()
