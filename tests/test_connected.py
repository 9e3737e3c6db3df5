"""Connected districts (itinerants tie the schools together): the plan is never worse than the cheap one."""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.domain.plan import Plan, check_plan, objective_terms
from models.domain.problem import Problem
from models.files.loaders import load_problem
from models.synthetic.generator import generate_district, write_district
from models.synthetic.itinerants import ITINERANTS_EVERYWHERE, Coverage
from optimizer.better import component_objectives
from optimizer.decompose import split
from optimizer.greedy import greedy_plan
from optimizer.solve import SolveOptions, planning_candidates, solve
from tests.factories import district, rules, staff, student

EVERYWHERE = Coverage(region_sites=None, district_wide=ITINERANTS_EVERYWHERE)


@cache
def connected(n: int, seed: int, coverage: Coverage = EVERYWHERE) -> Problem:
    with tempfile.TemporaryDirectory() as folder:
        students, staff = generate_district(n, seed=seed, coverage=coverage)
        write_district(Path(folder), students, staff)
        problem, _ = load_problem(Path(folder) / "students.csv", Path(folder) / "staff.csv", rules())
    return problem


def test_coverage_ties_the_district_into_one_component_and_adds_only_sites():
    base_students, base_staff = generate_district(400, seed=3)
    students, staff = generate_district(400, seed=3, coverage=EVERYWHERE)
    assert students == base_students  # coverage changes staff only
    for before, after in zip(base_staff, staff, strict=True):
        assert before["staff_id"] == after["staff_id"] and before["role"] == after["role"]
        sites = set(after["sites"].split(";"))
        assert "*" in sites or set(before["sites"].split(";")) <= sites
        if after["role"] in ITINERANTS_EVERYWHERE:
            assert after["sites"] == "*"
    problem = connected(400, 3)
    assert len(split(problem, planning_candidates(problem), couple=())) == 1
    assert check_plan(problem, solve(problem, SolveOptions(time_limit=20)).plan).ok


def test_regions_keep_the_district_in_several_connected_pieces():
    problem = connected(1500, 2, Coverage(region_sites=8))
    sizes = [len(c.students) for c in split(problem, planning_candidates(problem), couple=())]
    assert 1 < len(sizes) < 8 and sizes[0] >= 200


def test_component_objectives_add_up_to_the_plan_objective():
    problem = connected(1500, 2, Coverage(region_sites=8))
    cands = planning_candidates(problem)
    plan = greedy_plan(problem, cands)
    components = split(problem, cands, couple=())
    assert sum(component_objectives(problem, plan, components)) == objective_terms(problem, plan).total


@pytest.mark.parametrize("seed", [1, 2])
def test_whatever_the_time_limit_the_plan_is_no_worse_than_the_greedy_plan(seed):
    problem = connected(500, seed)
    cands = planning_candidates(problem)
    greedy = objective_terms(problem, greedy_plan(problem, cands)).total
    for limit in (0.0, 0.3, 1.0):  # measured: seed 2 at 1 s with the hint was 16% worse than greedy before
        result = solve(problem, SolveOptions(time_limit=limit, hint=True))
        report = check_plan(problem, result.plan)
        assert report.ok, report.violations
        assert result.objective == report.terms.total <= greedy


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n=st.integers(40, 160), slp_fte=st.sampled_from([1.0, 0.5]))
def test_the_flow_path_and_one_plain_model_reach_the_same_optimum(seed, n, slp_fte):
    problem = connected(n, seed, Coverage(region_sites=None, district_wide=ITINERANTS_EVERYWHERE, slp_fte=slp_fte))
    fast = solve(problem, SolveOptions(time_limit=30, workers=1))
    plain = solve(problem, SolveOptions(time_limit=30, workers=1, decompose=False, flow=False))
    report = check_plan(problem, fast.plan)
    assert report.ok, report.violations
    assert fast.objective == report.terms.total
    assert plain.status == fast.status == "OPTIMAL"
    assert fast.objective == plain.objective == fast.best_bound


def _hint_is_the_solution(problem: Problem, plan: Plan) -> None:
    """With every variable fixed to the hint, the exact model must be feasible at the plan's own objective."""
    from ortools.sat.python import cp_model

    from optimizer.model import CaseloadModel

    cands = planning_candidates(problem)
    components = split(problem, cands, couple=())
    for component, expected in zip(components, component_objectives(problem, plan, components), strict=True):
        built = CaseloadModel(problem, cands, component)
        built.add_hint(plan)
        solver = cp_model.CpSolver()
        solver.parameters.fix_variables_to_their_hinted_value = True
        solver.parameters.num_workers = 1
        assert solver.solve(built.model) == cp_model.OPTIMAL  # every variable fixed: the hint is the solution
        assert round(solver.objective_value) == expected


def test_the_flow_plan_is_a_complete_feasible_hint_for_the_exact_model():
    from optimizer.flow import flow_plan

    problem = connected(300, 5)
    cands = planning_candidates(problem)
    _hint_is_the_solution(problem, flow_plan(problem, cands, split(problem, cands, couple=())).plan)


def test_a_hint_naming_a_coordinator_the_model_folds_into_a_stand_in_stays_complete():
    # two itinerants who would only coordinate are interchangeable: the model keeps one option for both
    problem = district([student("s1", "pt", primary="OI"), student("s2", "pt", primary="OI")],
                       [staff("pt", "pt"), staff("d1", "dhh_itinerant", "DHH"), staff("d2", "dhh_itinerant", "DHH")])
    _hint_is_the_solution(problem, Plan(providers=(0, 0), case_managers=(2, 2)))


def test_the_max_flow_check_finds_a_service_left_unserved_while_a_provider_had_room():
    from models.domain.servable import servable_unserved

    # r1 (cap 1) serves sites A and B, r2 (cap 1) site A only
    problem = district([student("s1", "rsp"), student("s2", "rsp", site="B"), student("s3", "rsp", site="C")],
                       [staff("r1", "rsp_teacher", "MMSN", sites="A;B", max_caseload=1),
                        staff("r2", "rsp_teacher", "MMSN", max_caseload=1)])
    assert servable_unserved(problem, Plan(providers=(1, 0, None), case_managers=(1, 0, None))) == 0  # s3: no one
    # s2 can only go to r1, who is full with s1; but s1 could move to r2: an augmenting path finds it
    assert servable_unserved(problem, Plan(providers=(0, None, None), case_managers=(0, None, None))) == 1
    assert servable_unserved(problem, Plan(providers=(None, None, None), case_managers=(None, None, None))) == 2


def test_optimized_plans_leave_no_servable_service_unserved():
    from models.domain.servable import servable_unserved

    problem = connected(600, 4, Coverage(region_sites=None, district_wide=ITINERANTS_EVERYWHERE, slp_fte=0.5))
    result = solve(problem, SolveOptions(time_limit=20))
    assert sum(p is None for p in result.plan.providers) > 0  # the district is short
    assert servable_unserved(problem, result.plan) == 0
