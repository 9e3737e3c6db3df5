"""Services a plan leaves unserved although the caps and sites would let someone take them.

A plan may leave a service unserved only when serving it is impossible
without breaking a hard rule. This check is a maximum flow over the rules the
checker applies (who may deliver what at which site, locks, per-person caps,
district averages): every service the plan serves, plus every unserved one,
is offered to the people who may deliver it. Augmenting paths never drop a
served service, so when the maximum exceeds what the plan serves, the plan
could serve that many more without moving anyone out of a service: it left
children without a service while legal providers had room. The optimizer's
plans never do (an unserved service costs more than any balance it saves).

An alternate placement's instruction counts only once a primary-disability
service is served (R3). A rebalancing move budget may leave servable
services unresolved on purpose, so this is a finding to report, not a rule.
"""

from __future__ import annotations

from ortools.graph.python import max_flow

from models.domain.candidates import find_candidates
from models.domain.caps import caseload_cap, district_average
from models.domain.eligibility import primary_disability_services
from models.domain.plan import Plan
from models.domain.problem import Problem


def servable_unserved(problem: Problem, plan: Plan) -> int:
    """How many more services the plan could serve without breaking a cap, a site or a lock (0: none)."""
    rules = problem.rules
    cands = find_candidates(problem)
    index = problem.staff_index
    counted = [rules.roles[p.role].caseload_service if p.role in rules.roles else None for p in problem.staff]
    with_related = {s for s, student in enumerate(problem.students)
                    if any(plan.providers[d] is not None for d in problem.demands_of[s]
                           if problem.demands[d].service in primary_disability_services(rules, student))}
    n_d = len(problem.demands)
    source, sink, person0 = 0, 1, 2
    demand0 = person0 + len(problem.staff)
    pools = {r.code: demand0 + n_d + i for i, r in enumerate(
        r for r in rules.roles.values() if r.average_cap is not None and r.caseload_service is not None)}
    flow = max_flow.SimpleMaxFlow()
    served = 0
    for d, demand in enumerate(problem.demands):
        student = problem.students[demand.student]
        options = cands.providers[d]
        current = problem.current_providers.get((student.student_id, demand.service))
        if student.locked and current is not None:
            options = tuple(q for q in options if q == index.get(current))
        if plan.providers[d] is None and not options:
            continue
        if (plan.providers[d] is None and student.alternate_placement
                and demand.service in rules.instructional_services and demand.student not in with_related):
            continue  # R3: instruction waits for a primary-disability service
        served += plan.providers[d] is not None
        flow.add_arc_with_capacity(source, demand0 + d, 1)
        for q in options:
            flow.add_arc_with_capacity(demand0 + d, person0 + q if counted[q] == demand.service else sink, 1)
    for q, person in enumerate(problem.staff):
        cap = caseload_cap(rules, person)
        flow.add_arc_with_capacity(person0 + q, pools.get(person.role, sink), n_d if cap is None else cap)
    for role, node in pools.items():
        flow.add_arc_with_capacity(node, sink, district_average(problem, role).budget)
    if flow.solve(source, sink) != flow.OPTIMAL:
        raise RuntimeError(f"max flow status {flow.solve(source, sink)}")
    return max(0, flow.optimal_flow() - served)
