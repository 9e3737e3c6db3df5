"""A district-wide average cap that binds across many components (an SLP shortage).

The components are first planned apart. When their plans together exceed the
district average (55 speech pupils per SLP FTE, EC 56363.3), some ``excess``
pupils must lose their SLP. For a small district the components holding the
role are merged and solved as one exact model. For a large one that model is
too big to prove in time, so the budget is allocated instead:

1. **Allocation.** The excess is taken, one pupil at a time, from the SLP whose
   last pupil costs the most balance (water-filling on the convex balance
   cost, from the components' own optimal plans): that is where dropping a
   pupil hurts least. Each component with a share below its plan is solved
   again with that share as its own cap; the others keep their optimal plans.
2. **Proof.** Any plan P must leave at least ``excess - C`` of the pupils the
   apart-plans serve without an SLP (C counts the pupils who could only be
   re-served by a capped SLP or another role). Serving those again in P by an
   uncapped eligible SLP gives a plan of the apart-problem, costing at most one
   last-marginal balance step (``m``) more per pupil and one unserved weight
   (``W``) less. So ``cost(P) >= R + (excess - C) * (W - m)``, where ``R`` is
   the apart-problem's proven bound: the reported bound, honest and tight
   because ``W`` dwarfs ``m``.
"""

from __future__ import annotations

import heapq
from collections import defaultdict

from models.domain.candidates import Candidates
from models.domain.caps import average_cap_members, average_cap_room, balance_target, caseload_cap
from models.domain.objective import balance_marginals
from models.domain.plan import Loads, Plan
from models.domain.problem import Problem
from models.domain.workload import balances_workload, person_curve, service_workload
from optimizer.decompose import Component


def excess(problem: Problem, loads: Loads, role: str) -> int:
    """Pupils over the district average in this plan (0 when it holds)."""
    return max(0, -average_cap_room(problem, loads, role)[0])


def _marginal(problem: Problem, staff: int, load: int) -> int:
    """Balance cost of the person's ``load``-th pupil (what dropping it saves)."""
    target = balance_target(problem.rules, problem.staff[staff])
    marginals = balance_marginals(target, problem.rules.weights.service_balance) if target else (0,)
    return marginals[min(load, len(marginals)) - 1] if load > 0 else 0


def water_fill(problem: Problem, loads: Loads, role: str, drop: int) -> dict[int, int]:
    """Pupils to take from each member: always from the one whose last pupil costs most."""
    heap = [(-_marginal(problem, p, loads.served[p]), p) for p in average_cap_members(problem, role)
            if loads.served[p] > 0]
    heapq.heapify(heap)
    left = {p: loads.served[p] for _, p in heap}
    taken: dict[int, int] = defaultdict(int)
    for _ in range(drop):
        if not heap:
            break
        _, p = heapq.heappop(heap)
        taken[p] += 1
        left[p] -= 1
        if left[p] > 0:
            heapq.heappush(heap, (-_marginal(problem, p, left[p]), p))
    return dict(taken)


def shares(problem: Problem, loads: Loads, role: str, components: list[Component],
           taken: dict[int, int]) -> list[tuple[Component, int]]:
    """(component, its share of the average) for every component that must give pupils up."""
    out = []
    for component in components:
        members = average_cap_members(problem, role, among=component.staff)
        give = sum(taken.get(p, 0) for p in members)
        if give:
            out.append((component, sum(loads.served[p] for p in members) - give))
    return out


def bound_allowance(problem: Problem, cands: Candidates, plan: Plan, role: str, drop: int) -> int:
    """What any plan must pay on top of the apart-plans' bound: (excess - C) x (W - m)."""
    rules = problem.rules
    spec = rules.roles[role]
    members = set(average_cap_members(problem, role))
    uncapped = {p for p in members if caseload_cap(rules, problem.staff[p]) is None}
    hard_to_reserve = 0
    for d, demand in enumerate(problem.demands):
        if demand.service != spec.caseload_service or plan.providers[d] not in members:
            continue
        options = set(cands.providers[d])
        if options - members or not options & uncapped:
            hard_to_reserve += 1
    last_step = max((_marginal(problem, p, 10**9) for p in members), default=0)
    if balances_workload(problem):  # re-serving a pupil raises a workload, not a head count
        last_step = max([last_step, *(_workload_step(problem, p) for p in members)])
    return max(0, drop - hard_to_reserve) * max(0, rules.weights.unserved_service - last_step)


def _workload_step(problem: Problem, staff: int) -> int:
    """Most the workload balance can grow by when the person takes one more pupil: the steepest slope of
    their curve times the most minutes a pupil can add (the service, the case, a trip to a new site)."""
    workload = problem.rules.workload
    person = problem.staff[staff]
    curve = person_curve(problem, person)
    if not curve.slope:
        return 0
    most = max((service_workload(workload, d) for d in problem.demands), default=0)
    most += workload.case_management_minutes + workload.travel_minutes
    return -(-curve.slope[-1] * most // curve.step) + 1


def drop_plan(problem: Problem, plan: Plan, taken: dict[int, int]) -> Plan:
    """The apart-plan with ``taken[p]`` of each member's pupils unserved: legal under the district average.

    It stands in for the components being re-planned until their solutions
    arrive (or if time runs out first).
    """
    providers = list(plan.providers)
    left = dict(taken)
    for d in range(len(providers) - 1, -1, -1):
        p = providers[d]
        if p is not None and left.get(p, 0) > 0:
            role = problem.rules.roles.get(problem.staff[p].role)
            if role is not None and role.caseload_service == problem.demands[d].service:
                providers[d] = None
                left[p] -= 1
    return Plan(providers=tuple(providers), case_managers=plan.case_managers)
