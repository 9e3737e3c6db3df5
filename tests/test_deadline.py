"""The time limit is a deadline for the whole solve, the flows included; the bound stays honest."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import optimizer.fast_path as fast_path
from models.domain.plan import check_plan, objective_terms
from models.domain.servable import servable_demands
from models.synthetic.itinerants import ITINERANTS_EVERYWHERE, Coverage
from optimizer.better import component_objectives
from optimizer.decompose import binding_average_caps, split
from optimizer.flow import ComponentFlow, component_flows
from optimizer.greedy import greedy_plan
from optimizer.interruptible import Interruptible, WorkerError
from optimizer.solve import SolveOptions, planning_candidates, solve
from optimizer.stand_in import stand_in
from tests.factories import balanced_on_workload
from tests.test_connected import connected

REGIONS = Coverage(region_sites=3)  # 800 students: two components


def _never_finishes(*args, **kwargs):
    """A flow that never sends anything (as a 70,000-student flow looks at a 1-second limit)."""
    time.sleep(120)
    yield from ()


def test_a_flow_that_does_not_finish_in_time_is_abandoned_at_the_deadline(monkeypatch):
    problem = connected(800, 3, REGIONS)
    cands = planning_candidates(problem)
    monkeypatch.setattr(fast_path, "component_flows", _never_finishes)
    began = time.perf_counter()
    result = solve(problem, SolveOptions(time_limit=1.0, workers=1))
    assert time.perf_counter() - began < 10  # not the flow's 120 s (generous: the machine is shared)
    report = check_plan(problem, result.plan)
    assert report.ok, report.violations
    assert result.objective == report.terms.total <= objective_terms(problem, greedy_plan(problem, cands)).total
    assert result.best_bound <= result.objective
    assert servable_demands(problem, result.plan) == ()
    monkeypatch.undo()
    honest = solve(problem, SolveOptions(time_limit=30, workers=1))
    assert honest.status == "OPTIMAL" and result.best_bound <= honest.objective <= result.objective


def test_a_component_whose_bound_flow_finished_counts_its_flow_bound(monkeypatch):
    problem = connected(800, 3, REGIONS)
    cands = planning_candidates(problem)
    components = split(problem, cands, couple=binding_average_caps(problem, cands))
    _, _, cheap = stand_in(problem, cands, components)
    first = next(component_flows(problem, cands, components))  # the first component's bound, before its plan
    assert first.providers is None and first.bound >= cheap[first.index]

    def bound_only(*args, **kwargs):
        yield first
        time.sleep(120)

    monkeypatch.setattr(fast_path, "component_flows", bound_only)
    result = solve(problem, SolveOptions(time_limit=1.0, workers=1))
    assert result.status == "FEASIBLE"
    assert result.best_bound == sum(cheap) - cheap[first.index] + first.bound


def test_with_time_the_flows_finish_and_prove_the_plan():
    problem = connected(800, 3, REGIONS)
    result = solve(problem, SolveOptions(time_limit=30, workers=1))
    assert result.status == "OPTIMAL" and result.objective == result.best_bound
    assert result.objective == check_plan(problem, result.plan).terms.total


def test_a_flow_error_in_the_worker_is_raised_here():
    def broken():
        yield 1
        raise ValueError("no such arc")

    with Interruptible(broken) as worker, pytest.raises(WorkerError, match="no such arc"):
        list(worker.results(time.perf_counter() + 30))


def test_the_worker_sends_results_as_it_has_them_and_stops_at_the_deadline():
    def slow():
        yield "first"
        time.sleep(120)
        yield "never"

    began = time.perf_counter()
    with Interruptible(slow) as worker:
        assert list(worker.results(time.perf_counter() + 1.0)) == ["first"]
        assert not worker.finished
    assert time.perf_counter() - began < 10


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n=st.integers(40, 200), slp_fte=st.sampled_from([1.0, 0.5]),
       everywhere=st.booleans())
def test_the_stand_in_is_legal_serves_every_servable_service_and_its_bound_is_below_the_optimum(
        seed, n, slp_fte, everywhere):
    coverage = Coverage(region_sites=None if everywhere else 3,
                        district_wide=ITINERANTS_EVERYWHERE if everywhere else (), slp_fte=slp_fte)
    problem = connected(n, seed, coverage)
    cands = planning_candidates(problem)
    roles = binding_average_caps(problem, cands)
    components = split(problem, cands, couple=roles)
    plan, parts, bounds = stand_in(problem, cands, components, roles)
    report = check_plan(problem, plan)
    assert report.ok, report.violations
    assert parts == component_objectives(problem, plan, components)
    assert sum(parts) <= objective_terms(problem, greedy_plan(problem, cands)).total
    assert servable_demands(problem, plan) == ()
    optimum = solve(problem, SolveOptions(time_limit=30, workers=1))
    assert optimum.status == "OPTIMAL"
    for bound, best in zip(bounds, component_objectives(problem, optimum.plan, components), strict=True):
        assert bound <= best


def test_the_flows_send_each_bound_before_its_plan_smallest_component_first():
    problem = connected(800, 3, REGIONS)
    cands = planning_candidates(problem)
    components = split(problem, cands, couple=binding_average_caps(problem, cands))
    order = sorted(range(len(components)), key=lambda i: len(components[i].students))
    items: list[ComponentFlow] = list(component_flows(problem, cands, components, order))
    assert [item.index for item in items if item.providers is None] == order
    for i in order:
        mine = [item for item in items if item.index == i]
        assert mine[0].providers is None and all(item.providers is not None for item in mine[1:])


@pytest.fixture
def forks(monkeypatch) -> list[int]:
    """The processes forked from here on (one 1 each), counted as they are forked."""
    import os

    counted: list[int] = []
    real_fork = os.fork

    def counting_fork():
        counted.append(1)
        return real_fork()

    monkeypatch.setattr(os, "fork", counting_fork)
    return counted


def test_small_flows_with_one_worker_run_in_this_process_and_large_ones_in_a_worker(forks):
    """A sweep's runs (one worker, a generous limit) fork nothing; a flow that could near the deadline is forked."""
    problem = connected(800, 3, REGIONS)
    generous = solve(problem, SolveOptions(time_limit=60, workers=1))
    assert forks == [] and generous.status == "OPTIMAL"
    cands = planning_candidates(problem)
    arcs = sum(map(len, cands.providers)) + sum(map(len, cands.managers))
    tight = arcs * fast_path.SECONDS_PER_ARC / fast_path.IN_PROCESS_SHARE / 2  # the estimate is twice the share
    result = solve(problem, SolveOptions(time_limit=tight, workers=1))
    assert forks == [1]
    assert check_plan(problem, result.plan).ok


def test_with_two_workers_the_components_flows_are_shared_between_two_processes(forks):
    problem = connected(800, 3, REGIONS)  # two components
    shared = solve(problem, SolveOptions(time_limit=60, workers=2))
    assert len(forks) == 2
    alone = solve(problem, SolveOptions(time_limit=60, workers=1))
    assert shared.status == alone.status == "OPTIMAL" and shared.objective == alone.objective


def test_components_are_dealt_largest_first_to_the_least_loaded_worker_each_share_smallest_first():
    problem = connected(800, 3, REGIONS)
    cands = planning_candidates(problem)
    components = split(problem, cands, couple=binding_average_caps(problem, cands))
    order = sorted(range(len(components)), key=lambda i: len(components[i].students))
    shares = fast_path._shares(cands, components, order, 2)
    assert sorted(i for share in shares for i in share) == sorted(order)
    assert len(shares) == min(2, len(components))
    for share in shares:
        assert share == [i for i in order if i in share]
    assert fast_path._shares(cands, components, order, 1) == [order]


def test_components_share_the_time_left_instead_of_the_first_taking_it_all(monkeypatch):
    """CP-SAT components are given shares of the time left in proportion to their size, smallest first, each
    recomputed as it starts (balancing on workload, components seldom prove optimal: without shares the first
    took the whole limit)."""
    import optimizer.component_solver as solver_module
    from optimizer.decompose import Component

    given: list[tuple[int, float]] = []

    def record(problem, cands, component, hint, options, deadline, workers):
        given.append((len(component.students), deadline - time.perf_counter()))
        return solver_module.ComponentResult("FEASIBLE", 0, 0.0, 0.0, {}, {})

    monkeypatch.setattr(solver_module, "solve_component", record)
    components = [Component(students=tuple(range(n)), demands=(), staff=(), average_caps=()) for n in (5, 1, 3, 2)]
    options = SolveOptions(workers=1)
    done = list(solver_module.solve_components(None, None, components, None, options, time.perf_counter() + 40))
    assert sorted(len(c.students) for c, _ in done) == [1, 2, 3, 5]
    assert [n for n, _ in given] == [1, 2, 3, 5]  # smallest first
    shares = [seconds for _, seconds in given]
    # each finished at once here, so each share is its size over the size of those still to start (itself
    # included) of the time left: 1/11, 2/10, 3/8 and 5/5 of 40 s
    for seconds, expected in zip(shares, (40 / 11, 8, 15, 40), strict=True):
        assert expected - 0.5 < seconds <= expected


def test_a_share_is_the_time_left_in_proportion_to_the_size_still_to_run():
    from optimizer.component_solver import time_share as _share

    now = time.perf_counter()
    assert _share(now + 60, 10, 2) - now == pytest.approx(12, abs=0.2)  # 10 components, 2 at a time: 5 rounds
    assert _share(now + 60, 10, 2, 4) - now == pytest.approx(48, abs=0.2)  # 4 of the 10 left, 2 at a time
    assert _share(now + 60, 2, 2) - now == pytest.approx(60, abs=0.2)  # the last round takes all that is left
    assert _share(now + 60, 3, 2, 3) - now == pytest.approx(60, abs=0.2)  # never past the deadline
    assert _share(now - 1, 3, 1) <= time.perf_counter()  # past the deadline: no time at all


def test_balancing_on_workload_the_plan_and_the_bound_flows_run_side_by_side_with_two_workers(forks):
    """Two processes with two workers (the bound's flows beside the plan's), one with one; the same plan and
    bound either way (that the bound is below the optimum: tests/test_workload_properties.py)."""
    problem = balanced_on_workload(connected(800, 3, REGIONS))
    cands = planning_candidates(problem)
    unsettled = []

    def settle(todo, plan):  # no CP-SAT: the flows' plan and bound as they are
        unsettled.append(len(todo))
        return plan, {}, 0.0

    results = []
    for workers in (2, 1):
        start = time.perf_counter()
        results.append(fast_path.solve_with_flow(problem, cands, SolveOptions(time_limit=60, workers=workers),
                                                 start, start + 60, settle))
    assert len(forks) == 3  # two for two workers, one for one
    two, one = results
    assert two.plan == one.plan and two.objective == one.objective and two.best_bound == one.best_bound
    assert check_plan(problem, two.plan).terms.total == two.objective
    assert two.best_bound < two.objective
    assert unsettled and unsettled[0] >= 1  # the flows alone did not prove it: CP-SAT would be asked


def test_balancing_on_workload_cp_sat_puts_every_constraint_in_its_lp_from_the_start_and_skips_probing(
        monkeypatch):
    """Measured (benchmarks/README.md, "Balancing on workload"): the LP bound then comes within a component's
    share of the minute. Head-count models keep CP-SAT's lazy constraints and its probing."""
    import optimizer.component_solver as solver_module

    lazily: list[tuple[str, bool, bool]] = []
    real = solver_module.run_solver

    def record(solver, built, build_seconds):
        params = solver.parameters
        lazily.append((built.problem.rules.workload.balance_on, params.add_lp_constraints_lazily,
                       params.cp_model_probing_level != 0))
        return real(solver, built, build_seconds)

    monkeypatch.setattr(solver_module, "run_solver", record)
    problem = connected(800, 3, REGIONS)
    for each in (problem, balanced_on_workload(problem)):
        solve(each, SolveOptions(time_limit=3, flow=False, workers=1))  # in this process, to be seen
    assert {"students", "workload"} <= {on for on, _, _ in lazily}
    assert all(lazy == (on == "students") for on, lazy, _ in lazily)
    assert all(probing == (on == "students") for on, _, probing in lazily)
