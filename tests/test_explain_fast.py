"""explain.csv's rows from the per-site tables (models/workflows/explain_fast.py) equal the Explainer's, cell for cell.

The reference is :meth:`Explainer.rows` (every person at the site scored, the nearest three kept, each
worded by the Explainer), which tests/test_explain_scoring.py in turn holds to pricing each pair. Random
plans break caps, leave services and cases unserved and pass current providers over; a tight district
average makes the seats of a role's average decide; generated districts have enough people per site that
the tables' first few are not everyone.
"""

from __future__ import annotations

import dataclasses
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.domain.candidates import find_candidates
from models.domain.rules import load_rules
from models.files.loaders import load_problem
from models.synthetic.generator import generate_district, write_district
from models.workflows.explain_table import ExplainRow, explain_values
from models.workflows.explanations import Explainer
from optimizer.greedy import greedy_plan
from tests.test_explain_scoring import SETTINGS, _tight_averages, random_plan
from tests.test_properties import districts


def reference_values(problem, plan, students=None) -> tuple[tuple[object, ...], ...]:
    return tuple(ExplainRow.of(problem, alt).values() for alt in Explainer(problem, plan).rows(students))


@SETTINGS
@given(districts(), st.integers(0, 10_000))
def test_rows_equal_the_explainers_on_random_plans(problem, seed):
    plan = random_plan(problem, seed)
    assert explain_values(problem, plan) == reference_values(problem, plan)


@SETTINGS
@given(districts(), st.integers(0, 10_000))
def test_rows_equal_the_explainers_when_a_district_average_binds(problem, seed):
    problem = _tight_averages(problem)
    plan = random_plan(problem, seed)
    assert explain_values(problem, plan) == reference_values(problem, plan)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gen")
    students, staff = generate_district(240, 3, None)
    write_district(folder, students, staff)
    problem, _ = load_problem(folder / "students.csv", folder / "staff.csv", load_rules(None))
    return problem


def with_current(problem, seed: int):
    """Current providers and case managers drawn from the eligible (half of each): continuity prices them."""
    rng = random.Random(seed)
    candidates = find_candidates(problem)
    current = {}
    for d, people in enumerate(candidates.providers):
        if people and rng.random() < 0.5:
            demand = problem.demands[d]
            current[(problem.students[demand.student].student_id, demand.service)] = \
                problem.staff[rng.choice(people)].staff_id
    students = tuple(
        dataclasses.replace(x, current_case_manager=problem.staff[rng.choice(people)].staff_id)
        if people and rng.random() < 0.5 else x
        for x, people in zip(problem.students, candidates.managers, strict=True))
    return dataclasses.replace(problem, students=students, current_providers=current)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rows_equal_the_explainers_on_a_generated_district(generated, seed):
    for problem in (generated, _tight_averages(generated), with_current(generated, seed)):
        plan = random_plan(problem, seed) if seed else greedy_plan(problem, find_candidates(problem))
        n = len(problem.students)
        assert explain_values(problem, plan) == reference_values(problem, plan)
        # the halves a second process computes: any range of students gives those students' rows
        assert explain_values(problem, plan, range(n // 3, n)) == reference_values(problem, plan, range(n // 3, n))
