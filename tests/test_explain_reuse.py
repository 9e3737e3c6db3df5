"""A what-if scenario's explain.csv reuses the base's rows only where they are exactly its own rows."""

from __future__ import annotations

from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.domain.plan import Plan
from models.domain.problem import Problem
from models.domain.scenario import Scenario, anchor_to_plan, apply_scenario
from models.workflows.explain_reuse import Explained, explain
from models.workflows.explain_table import explain_values
from tests.test_whatif_reuse import DISTRICTS, KINDS, base_plan, regions, scenario


@cache
def reference(district: tuple[int, int]) -> Explained:
    """The base plan explained as every scenario sees it: anchored to itself."""
    problem = regions(*district)
    base, _ = base_plan(problem)
    return explain(anchor_to_plan(problem, problem, base.plan), base.plan)


def scenario_plan(problem: Problem, variant: Scenario) -> tuple[Problem, Plan]:
    from optimizer.reuse import replan

    base, index = base_plan(problem)
    applied = apply_scenario(problem, variant)
    anchored = anchor_to_plan(applied, problem, base.plan)
    return anchored, replan(index, applied, anchored).result.plan


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(district=st.sampled_from(DISTRICTS), kind=st.sampled_from(KINDS), pick=st.integers(0, 10_000))
def test_a_scenarios_rows_reusing_the_base_are_the_rows_computed_from_scratch(district, kind, pick):
    problem = regions(*district)
    anchored, plan = scenario_plan(problem, scenario(problem, kind, pick))
    found = explain(anchored, plan, reference(district))
    assert found.rows == explain_values(anchored, plan)
    if kind in ("caps", "weights", "slp_average"):  # a rules change: nothing is reused
        assert found.reused == 0


def test_a_change_in_one_region_reuses_the_other_regions_rows():
    problem = regions(1500, 1)
    person = next(p for p in problem.staff if p.role == "rsp_teacher" and p.available)
    anchored, plan = scenario_plan(problem, Scenario("leave", "t.toml", unavailable_staff=(person.staff_id,)))
    found = explain(anchored, plan, reference((1500, 1)))
    assert found.rows == explain_values(anchored, plan)
    assert len(problem.students) / 2 < found.reused < len(problem.students)


def test_the_people_at_a_students_site_decide_even_outside_the_students_component():
    """A newcomer at one site who may serve nobody there changes that site's rows (an ineligible alternative)."""
    import dataclasses

    problem = regions(1000, 3)
    site = problem.students[0].site
    person = next(p for p in problem.staff if p.role == "slp" and p.available and site in p.sites)
    # a speech therapist without any credential: ineligible for everything, in no component of its own site
    newcomer = dataclasses.replace(person, staff_id="NEW1", credentials=frozenset(), sites=frozenset({site}))
    anchored, plan = scenario_plan(problem, Scenario("new", "t.toml", add_staff=(newcomer,)))
    found = explain(anchored, plan, reference((1000, 3)))
    assert found.rows == explain_values(anchored, plan)
    at_site = sum(s.site == site for s in problem.students)
    assert found.reused <= len(problem.students) - at_site
    assert any(row[3] == "NEW1" for row in found.rows)


def test_an_unchanged_plan_reuses_every_row():
    problem = regions(1000, 3)
    base, _ = base_plan(problem)
    anchored = anchor_to_plan(problem, problem, base.plan)
    found = explain(anchored, base.plan, reference((1000, 3)))
    assert found.reused == len(problem.students)
    assert found.rows == explain_values(anchored, base.plan)


def test_every_file_of_a_whatif_folder_is_the_file_a_plan_of_that_scenario_writes(tmp_path):
    """Scenario folders written with the base's rows reused are byte for byte the folders ``write_plan`` writes
    for the same scenario and plan, computing everything (explain.csv, the workbook, the report, summary.json)."""
    from models.files.writers import write_plan
    from models.workflows.whatif_run import prepare, reference_of, write_plans
    from optimizer.whatif import plan_side_by_side
    from tests.test_whatif_reuse import OPTIONS

    problem = regions(1000, 3)
    picked = [scenario(problem, kind, 5) for kind in ("fte", "remove_staff", "add_students", "caps")]
    run = prepare(problem, picked)
    base, anchored, results = plan_side_by_side(problem, list(run.problems[1:]), OPTIONS)
    jobs = list(zip([problem, *anchored], [base, *results], strict=True))
    folders = [sub for _, sub in run.labels]
    write_plans([(p, r, tmp_path / "whatif" / sub) for (p, r), sub in zip(jobs, folders, strict=True)], None, 2,
                reference_of(problem, base))
    for sub, (planned, result) in zip(folders, jobs, strict=True):
        write_plan(planned, result, tmp_path / "alone" / sub)
        names = sorted(p.name for p in (tmp_path / "alone" / sub).iterdir())
        assert names == sorted(p.name for p in (tmp_path / "whatif" / sub).iterdir())
        assert "explain.csv" in names and "plan.xlsx" in names
        for name in names:
            assert (tmp_path / "alone" / sub / name).read_bytes() == (tmp_path / "whatif" / sub / name).read_bytes(), (
                sub, name)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_whatif_run_writing_alongside_its_solving_writes_the_folders_a_plan_of_each_scenario_writes(
        tmp_path, workers):
    """``plan_and_write`` (with two workers: the base folder and the reused rows computed by forked children
    while the scenarios are re-planned; with one: in turn) writes what ``write_plan`` writes for each plan."""
    import json

    from models.files.writers import write_plan
    from models.workflows.whatif_run import plan_and_write, prepare
    from optimizer.solve import SolveOptions
    from optimizer.whatif import plan_side_by_side

    options = SolveOptions(time_limit=30, workers=workers)
    problem = regions(1000, 3)
    run = prepare(problem, [scenario(problem, kind, 8) for kind in ("unavailable", "add_itinerant", "weights")])
    plan_and_write(run, options, tmp_path / "whatif")
    base, anchored, results = plan_side_by_side(problem, list(run.problems[1:]), options)
    for (_, sub), planned, result in zip(run.labels, [problem, *anchored], [base, *results], strict=True):
        write_plan(planned, result, tmp_path / "alone" / sub)
        for path in sorted((tmp_path / "alone" / sub).iterdir()):
            mine = tmp_path / "whatif" / sub / path.name
            if path.name == "summary.json":  # the seconds differ from one solve to the next
                ignore = {"solve_seconds", "build_seconds"}
                assert ({k: v for k, v in json.loads(path.read_text()).items() if k not in ignore}
                        == {k: v for k, v in json.loads(mine.read_text()).items() if k not in ignore})
            else:
                assert path.read_bytes() == mine.read_bytes(), (sub, path.name)
