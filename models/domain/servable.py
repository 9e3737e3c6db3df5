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

Which ones: among the maximum flows, one that keeps every service the plan
serves (the served ones cost nothing to route, the unserved one unit each;
the sets of services routable together form a matroid, so such a flow
exists) names the unserved services it routes, that many and together.

Services with the same eligible people (one candidate tuple) and the same
service code are interchangeable in the flow, so each such group is one node
carrying its count: the network grows with the number of kinds of service,
not with the number of students.

An alternate placement's instruction counts only once a primary-disability
service is served (R3). A rebalancing move budget may leave servable
services unresolved on purpose, so this is a finding to report, not a rule.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from ortools.graph.python import min_cost_flow

from models.domain.candidates import Candidates
from models.domain.caps import caseload_cap, district_average
from models.domain.eligibility import primary_disability_services
from models.domain.plan import Plan
from models.domain.problem import Problem

_SOURCE, _SINK = 0, 1


def most_services(problem: Problem, options: Sequence[tuple[int, ...]], offered: Sequence[int],
                  costly: Callable[[int], bool] = lambda d: False) -> dict[int, int]:
    """A legal assignment (sites, eligibility as in ``options``, caps, district averages) of as many of the
    ``offered`` demands as possible: demand -> staff. Among those, as few ``costly`` demands as possible.

    R3 (instruction under an alternate placement waits for a primary-disability service) is not
    modelled: the caller leaves out or repairs what it needs.
    """
    rules = problem.rules
    counted = [rules.roles[p.role].caseload_service if p.role in rules.roles else None for p in problem.staff]
    groups: dict[tuple[int, str, bool], list[int]] = {}
    kept: dict[int, tuple[int, ...]] = {}  # keeps each tuple alive while its id is a key
    for d in offered:
        chosen = options[d]
        if not chosen:
            continue
        kept[id(chosen)] = chosen
        groups.setdefault((id(chosen), problem.demands[d].service, costly(d)), []).append(d)
    person0 = 2
    group0 = person0 + len(problem.staff)
    pools = {r.code: group0 + len(groups) + i for i, r in enumerate(
        r for r in rules.roles.values() if r.average_cap is not None and r.caseload_service is not None)}
    tails: list[int] = []
    heads: list[int] = []
    caps: list[int] = []
    costs: list[int] = []
    picks: list[tuple[int, int]] = []  # per arc: (group, staff or -1 for the uncounted bypass, -2 for none)

    def arc(tail: int, head: int, capacity: int, cost: int, pick: tuple[int, int]) -> None:
        tails.append(tail)
        heads.append(head)
        caps.append(capacity)
        costs.append(cost)
        picks.append(pick)

    members = list(groups.values())
    total = 0
    for g, ((key, service, expensive), demands) in enumerate(groups.items()):
        n = len(demands)
        total += n
        arc(_SOURCE, group0 + g, n, int(expensive), (g, -2))
        bypass = None
        for q in kept[key]:
            if counted[q] == service:
                arc(group0 + g, person0 + q, n, 0, (g, q))
            elif bypass is None:
                bypass = q  # not on this person's caseload: no cap limits it
                arc(group0 + g, _SINK, n, 0, (g, q))
    for q, person in enumerate(problem.staff):
        cap = caseload_cap(rules, person)
        arc(person0 + q, pools.get(person.role, _SINK), total if cap is None else cap, 0, (-1, -2))
    for role, node in pools.items():
        arc(node, _SINK, max(0, district_average(problem, role).budget), 0, (-1, -2))
    flow = min_cost_flow.SimpleMinCostFlow()
    if not tails or not total:
        return {}
    flow.add_arcs_with_capacity_and_unit_cost(np.asarray(tails, np.int32), np.asarray(heads, np.int32),
                                              np.asarray(caps, np.int64), np.asarray(costs, np.int64))
    flow.set_node_supply(_SOURCE, total)
    flow.set_node_supply(_SINK, -total)
    status = flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"max flow status {status}")
    flows = flow.flows(np.arange(len(tails), dtype=np.int32))
    assigned: dict[int, int] = {}
    taken = [0] * len(members)
    for (g, q), f in zip(picks, flows.tolist(), strict=True):
        if f and g >= 0 and q >= 0:
            for d in members[g][taken[g]: taken[g] + f]:
                assigned[d] = q
            taken[g] += f
    return assigned


def servable_demands(problem: Problem, plan: Plan, cands: Candidates | None = None) -> tuple[int, ...]:
    """The unserved demands the plan could serve as well, together, without breaking a cap, a site or a lock
    (empty: none). ``cands``: the candidates without locks (default: computed here)."""
    rules = problem.rules
    cands = cands or problem.eligible
    index = problem.staff_index
    options = list(cands.providers)
    offered = []
    for s, student in enumerate(problem.students):
        related = primary_disability_services(rules, student) if student.alternate_placement else ()
        with_related = any(plan.providers[d] is not None for d in problem.demands_of[s]
                           if problem.demands[d].service in related)
        for d in problem.demands_of[s]:
            demand = problem.demands[d]
            current = problem.current_providers.get((student.student_id, demand.service))
            if student.locked and current is not None:
                options[d] = tuple(q for q in options[d] if q == index.get(current))
            if (plan.providers[d] is None and student.alternate_placement
                    and demand.service in rules.instructional_services and not with_related):
                continue  # R3: instruction waits for a primary-disability service
            offered.append(d)
    unserved = [p is None for p in plan.providers]
    assigned = most_services(problem, options, offered, costly=unserved.__getitem__)
    return tuple(sorted(d for d in assigned if unserved[d]))


def servable_unserved(problem: Problem, plan: Plan) -> int:
    """How many more services the plan could serve without breaking a cap, a site or a lock (0: none)."""
    return len(servable_demands(problem, plan))


def servable_ids(problem: Problem, demands: Sequence[int], shown: int = 10) -> str:
    """"S1 rsp, S2 speech ... and N more": student ids and service codes, never names."""
    ids = ", ".join(f"{problem.students[problem.demands[d].student].student_id} {problem.demands[d].service}"
                    for d in demands[:shown])
    return ids + (f" and {len(demands) - shown} more" if len(demands) > shown else "")
