"""explain.csv's fast pricing (models/workflows/scoring.py) equals pricing each alternative one Change at a time.

The reference below is the per-pair algorithm explain.csv used before the fast one: every person at the
student's site checked against the rule table, every eligible one priced with ``PlanState.price``. It runs
on small random districts with random plans (over caps, without providers, with locks and current
providers), so any term the fast pricing gets wrong shows up as a different order or cost.
"""

from __future__ import annotations

import dataclasses
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.domain.candidates import find_candidates
from models.domain.plan import Plan
from models.domain.problem import ALL_SITES
from models.domain.rule_table import CASE_MANAGER, RULE_TABLE, blocking_rules
from models.workflows.explanations import Explainer
from models.workflows.marginal import Change, PlanState
from tests.factories import balanced_on_workload, district, staff, student
from tests.test_properties import districts
from tests.test_soft_caps import rules_with
from tests.test_workload_properties import busy_districts

_RULE_ORDER = {check.id: i for i, check in enumerate(RULE_TABLE)}
COSTLIER, AT_CAP, INELIGIBLE = 0, 1, 2


def random_plan(problem, seed: int) -> Plan:
    """Any eligible person or nobody for each demand and case: caps are not respected, on purpose."""
    rng = random.Random(seed)
    candidates = find_candidates(problem)
    providers = tuple(rng.choice([*c, None, None]) if c else None for c in candidates.providers)
    managers = tuple(rng.choice([*c, None]) if c else None for c in candidates.managers)
    return Plan(providers=providers, case_managers=managers)


def reference_scored(problem, state: PlanState, s: int, role: str) -> list[tuple[tuple, int]]:
    """Per pair: the rule table for each person at the site, ``price`` for each eligible one."""
    student_ = problem.students[s]
    rules = problem.rules
    demands = {problem.demands[d].service: d for d in reversed(problem.demands_of[s])}
    chosen = state.managers[s] if role == CASE_MANAGER else state.providers[demands[role]]

    def eligible(p: int, service: str) -> bool:
        person = problem.staff[p]
        delivers = service in rules.roles[person.role].delivers if person.role in rules.roles else False
        return delivers and not blocking_rules(rules, student_, person, service)

    def verdict(priced) -> tuple[int, int]:
        if priced.delta is not None:
            return COSTLIER, priced.delta.total
        return (AT_CAP, 0) if priced.cap is not None else (INELIGIBLE, 0)

    scored = []
    for p, person in enumerate(problem.staff):
        if p == chosen or not (ALL_SITES in person.sites or student_.site in person.sites):
            continue
        if role != CASE_MANAGER and (person.role not in rules.roles or role not in rules.roles[person.role].delivers):
            continue
        blocked = blocking_rules(rules, student_, person, role)
        if blocked:
            scored.append(((INELIGIBLE, len(blocked), -_RULE_ORDER.get(blocked[0].rule, 0), p), p))
            continue
        if role != CASE_MANAGER:
            order, cost = verdict(state.price(Change(s, ((demands[role], p),))))
            scored.append(((order, cost, 0, p), p))
            continue
        # a case manager: as planned, or also taking over a best-practice service; at a cap when the mode that
        # makes them the best-practice case manager is capped
        delivered = state.delivered(s, p)
        natural, natural_hit, costs = None, None, []
        for service in state.ranked(s):
            if service in delivered:
                natural = natural or service
                continue
            if not eligible(p, service):
                continue
            natural = natural or service
            priced = state.price(Change(s, ((demands[service], p),), manager=p))
            if service == natural:
                natural_hit = priced.cap
            if priced.delta is not None:
                costs.append(priced.delta.total)
        plain = state.price(Change(s, manager=p))
        if plain.delta is not None:
            costs.append(plain.delta.total)
        if natural_hit is not None:
            order, cost = AT_CAP, 0
        elif costs:
            order, cost = COSTLIER, min(costs)
        else:
            order, cost = verdict(plain)
        scored.append(((order, cost, 0, p), p))
    return scored


def _roles(problem, s: int) -> list[str]:
    return [CASE_MANAGER, *dict.fromkeys(problem.demands[d].service for d in problem.demands_of[s])]


def assert_same_as_reference(problem, plan: Plan) -> None:
    explainer = Explainer(problem, plan)
    per_pair = Explainer(problem, plan)  # the words as priced one Change at a time
    per_pair.scorer.covers = lambda s: False
    state = PlanState(problem, plan)
    for s in range(len(problem.students)):
        for role in _roles(problem, s):
            assert sorted(explainer.scored(s, role)) == sorted(reference_scored(problem, state, s, role)), (s, role)
            rows = explainer.alternatives(s, role, limit=None)
            assert rows == per_pair.alternatives(s, role, limit=None), (s, role)
            for row in rows:
                if row.delta is not None:  # a costlier row's terms are price's terms
                    assert state.price(row.change).delta == row.delta, (s, role, row.why)


def _tight_averages(problem):
    roles = dict(problem.rules.roles)
    roles["slp"] = dataclasses.replace(roles["slp"], average_cap=2)
    return dataclasses.replace(problem, rules=dataclasses.replace(problem.rules, roles=roles))


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(districts(), st.integers(0, 10_000))
def test_fast_scores_equal_pricing_each_pair_on_random_plans(problem, seed):
    assert_same_as_reference(problem, random_plan(problem, seed))


@SETTINGS
@given(districts(), st.integers(0, 10_000))
def test_fast_scores_equal_pricing_each_pair_when_a_district_average_binds(problem, seed):
    problem = _tight_averages(problem)
    assert_same_as_reference(problem, random_plan(problem, seed))


def test_fast_scores_equal_pricing_each_pair_with_overload_pay_and_a_tie():
    # T1 holds three pupils (one over the local cap of 2, overload pay), T2 one: moving a pupil prices the
    # overload step of both; the case manager's modes include taking sdc over.
    problem = district([student(f"s{i}", "sdc;speech") for i in range(4)],
                       [staff("T1", "sdc_teacher", "MMSN"), staff("T2", "sdc_teacher", "MMSN"),
                        staff("L", "slp", "SLP"), staff("P", "psychologist")],
                       rules_=rules_with("sdc_teacher", cap=2, overload_cost=500, overload_max=3))
    t1, t2, slp = (problem.staff_index[x] for x in ("T1", "T2", "L"))
    sdc = [d for d in range(len(problem.demands)) if problem.demands[d].service == "sdc"]
    providers = [slp] * len(problem.demands)
    for d, p in zip(sdc, (t1, t1, t1, t2), strict=True):
        providers[d] = p
    plan = Plan(providers=tuple(providers), case_managers=(slp, t1, None, t2))
    assert_same_as_reference(problem, plan)
    rows = Explainer(problem, plan).alternatives(0, "sdc", limit=None)
    assert any(row.delta is not None and row.delta.overload for row in rows)


def test_a_seat_of_the_district_average_passes_between_two_people_of_the_role():
    # SLP average 1 per FTE: budget 2, both seats taken. L1 handing X's speech to L2 keeps the total at 2
    # (costlier, not at_cap); the OT cannot take speech at all; a third SLP pupil would be over the average.
    problem = _tight_averages(district([student("X", "speech"), student("Y", "speech")],
                                       [staff("L1", "slp", "SLP"), staff("L2", "slp", "SLP")]))
    roles = dict(problem.rules.roles)
    roles["slp"] = dataclasses.replace(roles["slp"], average_cap=1)
    problem = dataclasses.replace(problem, rules=dataclasses.replace(problem.rules, roles=roles))
    plan = Plan(providers=(0, 1), case_managers=(0, 1))
    assert_same_as_reference(problem, plan)
    assert [key[0] for key, _ in Explainer(problem, plan).scored(0, "speech")] == [COSTLIER]


@SETTINGS
@given(busy_districts(), st.integers(0, 10_000))
def test_fast_scores_equal_pricing_each_pair_balancingbalanced_on_workload(problem, seed):
    """Minutes, blank minutes (defaults), cases, travel between sites, assessments and overload pay."""
    problem = balanced_on_workload(problem)
    assert_same_as_reference(problem, random_plan(problem, seed))


@SETTINGS
@given(districts(), st.integers(0, 10_000))
def test_fast_scores_equal_pricing_each_pair_balancing_on_workload_when_a_district_average_binds(problem, seed):
    problem = balanced_on_workload(_tight_averages(problem))
    assert_same_as_reference(problem, random_plan(problem, seed))


def test_on_workload_a_case_manager_who_also_delivers_lets_both_go_in_one_step_of_their_curve():
    # T1 teaches X (sdc, 600 minutes) and manages the case, at two sites; T2 may take both. T2's mode that
    # takes sdc over moves case and service together: T1's curve falls once by both (convex: not the sum of
    # two separate steps), and T2 travels to a second site.
    problem = balanced_on_workload(district(
        [student("X", "sdc:600;speech", site="A"), student("Y", "sdc:300", site="B")],
        [staff("T1", "sdc_teacher", "MMSN", sites="A;B"), staff("T2", "sdc_teacher", "MMSN", sites="A;B"),
         staff("L", "slp", "SLP", sites="A;B")]))
    t1, t2, slp = (problem.staff_index[x] for x in ("T1", "T2", "L"))
    by_service = {(problem.demands[d].student, problem.demands[d].service): d for d in range(len(problem.demands))}
    providers = [None] * len(problem.demands)
    providers[by_service[(0, "sdc")]], providers[by_service[(0, "speech")]] = t1, slp
    providers[by_service[(1, "sdc")]] = t2
    plan = Plan(providers=tuple(providers), case_managers=(t1, t2))
    assert_same_as_reference(problem, plan)
    explainer = Explainer(problem, plan)
    row = next(r for r in explainer.alternatives(0, CASE_MANAGER, limit=None) if r.alternative == t2)
    assert row.change.providers == ((by_service[(0, "sdc")], t2),)  # the mode that takes sdc over
    assert row.delta == PlanState(problem, plan).price(row.change).delta and row.delta.balance != 0
