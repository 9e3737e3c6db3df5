"""Property tests over generated districts with minutes, soft caps and pending assessments.

Every plan stays legal, its objective (balance, overload) is the one the checker
recomputes, the workload is what a plain count gives, and no assessment could
move to someone with fewer per FTE.
"""

from __future__ import annotations

import dataclasses

from hypothesis import given
from hypothesis import strategies as st

from models.domain.assessments import assessors, counts
from models.domain.plan import Plan, check_plan
from models.domain.problem import Assessment, ServiceNeed
from models.domain.workload import compute_workloads
from tests.test_properties import SETTINGS, SITES, _solve, districts


@st.composite
def busy_districts(draw):
    problem = draw(districts())
    students = tuple(
        dataclasses.replace(s, services=tuple(
            ServiceNeed(n.code, draw(st.one_of(st.none(), st.integers(0, 600)))) for n in s.services))
        for s in problem.students
    )
    people = tuple(dataclasses.replace(p, overload_cost=draw(st.sampled_from([None, None, 0, 50, 3_000_000])))
                   for p in problem.staff)
    pending = tuple(Assessment(f"a{i}", draw(st.sampled_from([*SITES, "Z"])))
                    for i in range(draw(st.integers(0, 10))))
    rules = problem.rules
    if draw(st.booleans()):  # half the districts balance on workload (minutes, cases, travel, assessments)
        rules = dataclasses.replace(rules, workload=dataclasses.replace(rules.workload, balance_on="workload"))
    return dataclasses.replace(problem, rules=rules, students=students, staff=people, assessments=pending)


def plain_workload(problem, plan) -> list[int]:
    """Each person's weekly minutes, counted person by person (not the way compute_workloads does)."""
    w = problem.rules.workload
    out = []
    for p in range(len(problem.staff)):
        minutes, sites = 0, set()
        for d, demand in enumerate(problem.demands):
            if plan.providers[d] == p:
                iep = demand.minutes if demand.minutes is not None else w.default_minutes[demand.service]
                minutes += round(iep / w.group_size.get(demand.service, 1) / (1 - w.indirect_share) + 1e-9)
                sites.add(problem.students[demand.student].site)
        for s, m in enumerate(plan.case_managers):
            if m == p:
                minutes += w.case_management_minutes
                sites.add(problem.students[s].site)
        minutes += w.assessment_minutes * sum(a == p for a in plan.assessors)
        minutes += w.travel_minutes * max(0, len(sites) - 1)
        out.append(minutes)
    return out


@SETTINGS
@given(busy_districts())
def test_workload_soft_caps_and_assessments_hold_on_any_district(problem):
    result = _solve(problem)
    assert result.status == "OPTIMAL"
    report = check_plan(problem, result.plan)
    assert report.ok, report.violations
    assert result.objective == report.terms.total
    assert list(compute_workloads(problem, result.plan).minutes) == plain_workload(problem, result.plan)
    # assessments: every one a resource specialist can take is taken, and no hand-off would even them out more
    plan, people = result.plan, assessors(problem)
    assert len(plan.assessors) == len(problem.assessments)
    n = counts(problem, plan.assessors)
    for a, p in zip(problem.assessments, plan.assessors, strict=True):
        takers = [q for q in people if problem.staff[q].serves_site(a.site)]
        assert (p is None) == (not takers)
        for q in takers:
            if q != p:
                # moving it from p to q must not lower sum(count^2 / FTE)
                gain = (2 * n[p] - 1) / problem.staff[p].fte - (2 * n[q] + 1) / problem.staff[q].fte
                assert gain <= 1e-3, (a, p, q, n)


@SETTINGS
@given(busy_districts())
def test_the_workload_flow_bound_never_exceeds_the_optimum_and_its_moves_never_cost_more(problem):
    from optimizer.decompose import binding_average_caps, split
    from optimizer.flow import flow_plan
    from optimizer.solve import planning_candidates
    from optimizer.workload_flow import on_head_counts, workload_bound
    from optimizer.workload_moves import improve_on_workload

    problem = dataclasses.replace(problem, rules=dataclasses.replace(problem.rules, workload=dataclasses.replace(
        problem.rules.workload, balance_on="workload")))
    exact = _solve(problem, flow=False)  # CP-SAT alone, proven
    assert exact.status == "OPTIMAL"
    cands = planning_candidates(problem)
    components = split(problem, cands, couple=binding_average_caps(problem, cands))
    assert sum(workload_bound(problem, cands, components)) <= exact.objective
    start = flow_plan(on_head_counts(problem), cands, components).plan
    better = improve_on_workload(problem, cands, start, seconds=5)
    report = check_plan(problem, better)
    assert report.ok, report.violations
    assert report.terms.total <= check_plan(problem, start).terms.total


@st.composite
def itinerant_plans(draw):
    """Two to four SLPs, each covering some of four schools, speech pupils at those schools and any legal plan
    of them (some cases managed by their speech therapist): the shape where trips decide the workload."""
    from tests.factories import balanced_on_workload, district, staff, student

    schools = ("A", "B", "C", "D")
    people = [staff(f"L{i}", "slp", "SLP",
                    sites=";".join(draw(st.lists(st.sampled_from(schools), min_size=1, max_size=3, unique=True))))
              for i in range(draw(st.integers(2, 4)))]
    covered = sorted({site for person in people for site in person.sites})
    pupils = [student(f"s{i}", f"speech:{draw(st.sampled_from([30, 60, 90, 120]))}", primary="SLI",
                      site=draw(st.sampled_from(covered)), current=draw(st.sampled_from([None, "L0"])))
              for i in range(draw(st.integers(3, 30)))]
    problem = balanced_on_workload(district(pupils, people))
    providers, managers = [], []
    for pupil in pupils:
        able = [p for p, person in enumerate(people) if pupil.site in person.sites]
        provider = draw(st.sampled_from(able))
        providers.append(provider)
        managers.append(draw(st.sampled_from([None, provider])))
    return problem, Plan(tuple(providers), tuple(managers))


@SETTINGS
@given(itinerant_plans())
def test_emptying_or_handing_over_a_site_changes_the_objective_by_what_it_says_and_undoing_it_restores_the_plan(
        drawn):
    # every (person, site) of a plan emptied in turn, and handed to each colleague there then settled, whatever
    # it costs: the change reported is the objective's own, every hard rule holds, and undoing it gives back
    # the plan it started from; the moves together never cost more
    from optimizer.solve import planning_candidates
    from optimizer.workload_moves import _State, improve_on_workload

    problem, start = drawn
    cands = planning_candidates(problem)
    state = _State(problem, cands, start)
    total = check_plan(problem, start).terms.total
    for p in range(len(problem.staff)):
        for site in sorted(state.sites[p]):
            change, moved = state.empty_site(p, site)
            report = check_plan(problem, state.plan(start))
            assert report.ok, report.violations
            assert report.terms.total - total == change
            state.undo(moved)
            assert state.plan(start) == start
            for q in state.colleagues.get((problem.staff[p].role, site), ()):
                moved = []
                change = state.transfer(p, site, q, moved) + state.settle((p, q), moved)
                report = check_plan(problem, state.plan(start))
                assert report.ok, report.violations
                assert report.terms.total - total == change
                state.undo(moved)
                assert state.plan(start) == start
    better = check_plan(problem, improve_on_workload(problem, cands, start, seconds=5))
    assert better.ok and better.terms.total <= total
