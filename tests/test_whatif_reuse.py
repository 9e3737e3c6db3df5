"""A what-if re-plans only the components a scenario touches, and reaches the objective of planning it whole."""

from __future__ import annotations

import dataclasses
import tempfile
from functools import cache
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.domain.plan import Result, check_plan
from models.domain.problem import Problem
from models.domain.scenario import Scenario, anchor_to_plan, apply_scenario
from models.files.loaders import load_problem
from models.synthetic.generator import generate_district, write_district
from models.synthetic.itinerants import Coverage
from optimizer.reuse import BasePlan, Replanned, index_base, replan, split_for_reuse
from optimizer.solve import SolveOptions, solve
from tests.factories import rules

OPTIONS = SolveOptions(time_limit=30, workers=1)
KINDS = ("fte", "waiver", "unavailable", "remove_staff", "add_itinerant", "add_students", "remove_students",
         "caps", "weights", "slp_average")


@cache
def regions(n: int, seed: int, slp_fte: float = 1.0) -> Problem:
    """A small connected district in several regions (several components, each tied by itinerants)."""
    with tempfile.TemporaryDirectory() as folder:
        students, staff = generate_district(n, seed=seed, coverage=Coverage(region_sites=1, slp_fte=slp_fte))
        write_district(Path(folder), students, staff)
        problem, _ = load_problem(Path(folder) / "students.csv", Path(folder) / "staff.csv", rules())
    return problem


def scenario(problem: Problem, kind: str, pick: int) -> Scenario:
    """One scenario of each kind the sample's scenario files use, on the ``pick``-th person or student."""
    staff = [p for p in problem.staff if p.available]
    person = staff[pick % len(staff)]
    pupil = problem.students[pick % len(problem.students)]
    rsp = [p for p in staff if p.role == "rsp_teacher"]
    itinerants = [p for p in staff if len(p.sites) > 1]
    name = f"{kind} {pick}"
    match kind:
        case "fte":
            return Scenario(name, "t.toml", changed_staff=(dataclasses.replace(person, fte=0.5),))
        case "waiver":
            return Scenario(name, "t.toml", changed_staff=(dataclasses.replace(rsp[pick % len(rsp)], rsp_waiver=True),))
        case "unavailable":
            return Scenario(name, "t.toml", unavailable_staff=(person.staff_id,))
        case "remove_staff":
            return Scenario(name, "t.toml", remove_staff=(person.staff_id,))
        case "add_itinerant":  # sites of two people: may join two regions into one component
            other = itinerants[(pick * 7 + 3) % len(itinerants)]
            sites = person.sites | other.sites
            return Scenario(name, "t.toml", add_staff=(dataclasses.replace(person, staff_id="NEW1", sites=sites),))
        case "add_students":
            new = tuple(dataclasses.replace(pupil, student_id=f"NEW{i}", current_case_manager=None, locked=False)
                        for i in range(3))
            return Scenario(name, "t.toml", add_students=new)
        case "remove_students":
            return Scenario(name, "t.toml", remove_students=(pupil.student_id,))
        case "caps":
            return Scenario(name, "t.toml", caps=(("rsp_teacher", "cap", 20),))
        case "weights":
            return Scenario(name, "t.toml", weights=(("change_provider", 120),))
        case "slp_average":
            return Scenario(name, "t.toml", caps=(("slp", "average_cap", 40),))
    raise AssertionError(kind)


_BASES: dict[int, tuple[Result, BasePlan]] = {}


def base_plan(problem: Problem) -> tuple[Result, BasePlan]:
    """The base solved once per district (the districts are cached, so their id is stable)."""
    if id(problem) not in _BASES:
        base = solve(problem, OPTIONS)
        _BASES[id(problem)] = base, index_base(split_for_reuse(problem), base)
    return _BASES[id(problem)]


def both(problem: Problem, variant: Scenario) -> tuple[Replanned, Result, Problem]:
    """The scenario re-planned from the base and planned whole (both anchored to the base plan)."""
    base, index = base_plan(problem)
    applied = apply_scenario(problem, variant)
    anchored = anchor_to_plan(applied, problem, base.plan)
    return replan(index, applied, anchored, OPTIONS), solve(anchored, OPTIONS), anchored


# districts of 2-3 regions (components): 1,000 students in 14 schools, 1,500 in 21
DISTRICTS = ((1000, 3), (1500, 1))


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(district=st.sampled_from(DISTRICTS), kind=st.sampled_from(KINDS), pick=st.integers(0, 10_000))
def test_a_reused_scenario_reaches_the_objective_of_planning_it_whole(district, kind, pick):
    problem = regions(*district)
    reused, whole, anchored = both(problem, scenario(problem, kind, pick))
    report = check_plan(anchored, reused.result.plan)
    assert report.ok, report.violations
    assert reused.result.objective == report.terms.total
    assert whole.status == reused.result.status == "OPTIMAL"
    assert reused.result.objective == whole.objective == reused.result.best_bound
    assert not reused.whole  # the touched components were planned on their own, never the district as a fallback


def test_when_the_slp_average_binds_an_slp_change_replans_every_component_holding_slps_exactly():
    problem = regions(1000, 1, slp_fte=0.5)  # two regions, merged by the binding SLP average
    person = next(p for p in problem.staff if p.role == "slp" and p.available)
    reused, whole, _ = both(problem, Scenario("slp", "t.toml", changed_staff=(dataclasses.replace(person, fte=0.3),)))
    assert reused.components == reused.replanned == 1
    assert reused.result.objective == whole.objective and whole.status == "OPTIMAL"


def test_a_change_in_one_region_replans_that_region_only_and_keeps_the_base_plan_elsewhere():
    problem = regions(1500, 1)
    person = next(p for p in problem.staff if p.role == "rsp_teacher" and p.available)
    reused, whole, anchored = both(problem, Scenario("leave", "t.toml", unavailable_staff=(person.staff_id,)))
    assert not reused.whole and reused.components > 2
    assert reused.replanned == 1 and reused.replanned_students < len(problem.students) / 2
    assert reused.result.objective == whole.objective
    base, _ = base_plan(problem)
    where = problem.staff_index[person.staff_id]  # on leave: in the scenario they are in no component
    touched = {s for c in split_for_reuse(problem).components if where in c.staff for s in c.students}
    kept = [s for s in range(len(problem.students)) if s not in touched]
    assert kept and all(reused.result.plan.case_managers[s] == base.plan.case_managers[s] for s in kept)
    assert any(reused.result.plan.case_managers[s] != base.plan.case_managers[s] for s in touched)


def test_a_rules_change_replans_every_component():
    problem = regions(1000, 3)
    reused, whole, _ = both(problem, Scenario("sdc", "t.toml", caps=(("sdc_teacher", "cap", 10),)))
    assert reused.replanned == reused.components > 1
    assert reused.result.objective == whole.objective


def test_a_new_itinerant_joining_two_regions_replans_them_as_one_component():
    problem = regions(1500, 1)
    parts = split_for_reuse(problem).components
    first, second = (sorted({problem.students[c.students[0]].site}) for c in parts[:2])
    person = next(p for p in problem.staff if p.role == "slp" and p.available and not p.preschool_only)
    new = dataclasses.replace(person, staff_id="NEW1", sites=frozenset(first + second))
    reused, whole, _ = both(problem, Scenario("join", "t.toml", add_staff=(new,)))
    assert reused.components == len(parts) - 1 and reused.replanned == 1
    assert reused.result.objective == whole.objective


def test_plan_folders_written_side_by_side_are_the_ones_written_one_after_another(tmp_path):
    from models.workflows.whatif_run import write_plans

    sample = Path(__file__).resolve().parents[1] / "data" / "sample"
    problem, _ = load_problem(sample / "students.csv", sample / "staff.csv", rules())
    base = solve(problem, OPTIONS)
    variant = anchor_to_plan(apply_scenario(problem, scenario(problem, "fte", 1)), problem, base.plan)
    jobs = [(problem, base), (variant, solve(variant, OPTIONS))]
    apart = write_plans([(p, r, tmp_path / "one" / str(i)) for i, (p, r) in enumerate(jobs)], None, workers=1)
    side = write_plans([(p, r, tmp_path / "two" / str(i)) for i, (p, r) in enumerate(jobs)], None, workers=2)
    assert [r.headline for r in apart] == [r.headline for r in side]
    for i in range(2):
        for name in ("assignments.csv", "services.csv", "caseloads.csv", "explain.csv"):
            assert (tmp_path / "one" / str(i) / name).read_bytes() == (tmp_path / "two" / str(i) / name).read_bytes()


def test_plan_folders_are_written_in_this_process_when_one_process_is_asked(tmp_path, monkeypatch):
    """CASELOAD_ONE_PROCESS (a sweep's runs, a host that forbids fork): no pool of forked writers."""
    import models.workflows.whatif_run as whatif_run

    def no_pool(*args, **kwargs):
        raise AssertionError("a process pool was started")

    sample = Path(__file__).resolve().parents[1] / "data" / "sample"
    problem, _ = load_problem(sample / "students.csv", sample / "staff.csv", rules())
    base = solve(problem, OPTIONS)
    monkeypatch.setattr(whatif_run, "ProcessPoolExecutor", no_pool)
    monkeypatch.setenv("CASELOAD_ONE_PROCESS", "1")
    written = whatif_run.write_plans([(problem, base, tmp_path / str(i)) for i in range(2)], None, workers=2)
    assert len(written) == 2 and all((tmp_path / str(i) / "assignments.csv").exists() for i in range(2))


def test_with_pending_assessments_on_workload_a_scenario_reaches_the_objective_of_planning_it_whole():
    # the assessments are spread over every resource specialist of the district (AB 560), so a leave moves
    # some to people in components the scenario does not otherwise touch, and each one weighs in its
    # assessor's week: the re-plan must count them as planning the scenario whole does
    from models.files.assessments import load_assessments
    from tests.factories import balanced_on_workload

    sample = Path(__file__).resolve().parents[1] / "data" / "sample"
    problem, _ = load_problem(sample / "students.csv", sample / "staff.csv", rules())
    problem = balanced_on_workload(problem)
    problem = dataclasses.replace(problem, assessments=load_assessments(sample / "assessments.csv", problem)[0])
    assert problem.assessments
    base = solve(problem, OPTIONS)
    assert base.status == "OPTIMAL"
    index = index_base(split_for_reuse(problem), base)
    rsp = next(p for p in problem.staff if p.role == "rsp_teacher" and p.available)
    for variant in (Scenario("leave", "t.toml", unavailable_staff=(rsp.staff_id,)),
                    Scenario("fte", "t.toml", changed_staff=(dataclasses.replace(rsp, fte=0.5),))):
        applied = apply_scenario(problem, variant)
        anchored = anchor_to_plan(applied, problem, base.plan)
        reused, whole = replan(index, applied, anchored, OPTIONS), solve(anchored, OPTIONS)
        report = check_plan(anchored, reused.result.plan)
        assert report.ok and report.terms.total == reused.result.objective
        assert whole.status == reused.result.status == "OPTIMAL"
        assert reused.result.objective == whole.objective == reused.result.best_bound


def test_a_scenario_that_touches_every_component_owes_nothing_to_an_unproven_base():
    # the base stopped before its proof (here: bound 0); a rules change re-plans every component, so none
    # keeps the base plan and the scenario's proof is its own: OPTIMAL as planning it whole
    problem = regions(1000, 3)
    proven = solve(problem, OPTIONS)
    unproven = dataclasses.replace(proven, status="FEASIBLE", best_bound=0.0)
    index = index_base(split_for_reuse(problem), unproven)
    applied = apply_scenario(problem, Scenario("sdc", "t.toml", caps=(("sdc_teacher", "cap", 10),)))
    anchored = anchor_to_plan(applied, problem, unproven.plan)
    reused, whole = replan(index, applied, anchored, OPTIONS), solve(anchored, OPTIONS)
    assert reused.replanned == reused.components > 1
    assert whole.status == reused.result.status == "OPTIMAL"
    assert reused.result.objective == whole.objective == reused.result.best_bound
