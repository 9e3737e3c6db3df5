"""Balancing on workload without CP-SAT first: a plan and a proven lower bound from min-cost flows.

On ``balance_on = "workload"`` the objective is the head-count objective with the
service balance replaced by each person's convex cost of weekly minutes
(``models.domain.workload``). Its lower bound is the sum of two minimisations,
each over every legal plan (the minimum of a sum is at least the sum of the
minima):

1. **Unserved, unassigned and coordinators' case-management balance**, with
   the unserved and unassigned weights lowered by the most piece 2 charges for
   one: the head-count flow's bound (``optimizer/flow.py``) with the service
   balance, best practice and continuity weighing 0.
2. **Workload, best practice and continuity**, plus the rest of the unserved
   and unassigned weights: a min-cost flow where one unit is one minute. Each
   demand sends its workload minutes to its eligible people (continuity priced
   per minute on the arcs to anyone but the provider on record) or, at a price
   per minute above every marginal, to nobody; each student sends their
   case-management minutes to whoever may manage them, priced per minute at the
   lowest best-practice rank that person could have plus continuity; each
   person's minutes leave through one arc per segment of their convex curve, at
   its per-minute slope. People who alone may serve pupils at more sites than
   they are pay the trips that takes between them up front (``trip_groups``;
   leaving such a pupil to nobody is priced one trip higher). Every price is scaled by ``SCALE`` and
   rounded down. A service may be split across people, head counts and the
   other trips are left out: a relaxation, so its optimum bounds piece 2 from
   below.

Plans: the head-count flow plan, priced on workload, then improved by moves
of one service or one case to another eligible person with room
(``optimizer/workload_moves.py``). ``optimizer/solve.py`` keeps the best plan of
each component against the greedy one and sends CP-SAT only what is left.
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from collections.abc import Sequence

from models.domain.candidates import Candidates
from models.domain.objective import best_practice_services, coordinating_rank
from models.domain.plan import Plan
from models.domain.problem import Problem
from models.domain.workload import fixed_minutes, person_curve, service_workload
from optimizer.decompose import Component
from optimizer.flow import flow_plan
from optimizer.flow_graph import Graph
from optimizer.workload_moves import improve_on_workload

SCALE = 10_000  # costs per minute in 1/SCALE units: the rounding down loses < 1/SCALE per minute
IMPROVE_SECONDS = 5.0  # at most this long improving the flow plan by single moves (measured: benchmarks/README.md)
_UNLIMITED = 1 << 40


def _owners(problem: Problem, components: Sequence[Component]) -> tuple[list[int], list[int]]:
    of_student, of_staff = [0] * len(problem.students), [0] * len(problem.staff)
    for i, component in enumerate(components):
        for s in component.students:
            of_student[s] = i
        for p in component.staff:
            of_staff[p] = i
    return of_student, of_staff


def _per_minute(problem: Problem) -> tuple[list[list[tuple[int, int]]], int]:
    """Per person: (minutes, scaled cost per minute) arcs above their fixed minutes; and the price per minute
    of nobody (above every person's steepest slope)."""
    fixed = fixed_minutes(problem)
    arcs: list[list[tuple[int, int]]] = []
    steepest = 0
    for p, person in enumerate(problem.staff):
        curve = person_curve(problem, person) if person.available else None
        if curve is None or not curve.slope:
            arcs.append([(_UNLIMITED, 0)])
            continue
        out = []
        last = len(curve.slope) - 1
        for k, slope in enumerate(curve.slope):
            high = _UNLIMITED if k == last else (k + 1) * curve.step
            cost = SCALE * slope // curve.step
            steepest = max(steepest, cost)
            low = max(fixed[p], k * curve.step)
            if high > low:
                out.append((high - low, cost))
        arcs.append(out)
    return arcs, steepest + 1


def trip_groups(problem: Problem, cands: Candidates) -> tuple[list[tuple[frozenset[int], int]], set[int], set[int]]:
    """Trips every plan that serves everyone pays, by groups of people: (people, trips), and the demands and
    students that force them.

    When the only people who may serve (or manage) pupils at K sites are G, they
    visit those K sites between them, so their trips beyond each one's first
    number at least K - |G|. Groups share no person (a trip is counted once).
    """
    workload = problem.rules.workload
    sites: dict[frozenset[int], set[str]] = defaultdict(set)
    keys: dict[int, frozenset[int]] = {}  # candidate tuples are shared: one set per tuple

    def key(people: tuple[int, ...]) -> frozenset[int]:
        found = keys.get(id(people))
        if found is None:
            found = keys[id(people)] = frozenset(people)
        return found

    for d, demand in enumerate(problem.demands):
        if service_workload(workload, demand) > 0 and cands.providers[d]:
            sites[key(cands.providers[d])].add(problem.students[demand.student].site)
    if workload.case_management_minutes > 0:
        for s, student in enumerate(problem.students):
            if cands.managers[s]:
                sites[key(cands.managers[s])].add(student.site)
    ranked = sorted(((len(v) - len(k), -len(k), sorted(k), k) for k, v in sites.items() if len(v) > len(k)),
                    reverse=True)
    used: set[int] = set()
    groups = []
    for trips, _, _, people in ranked:
        if used.isdisjoint(people):
            used |= people
            groups.append((people, trips))
    chosen = {people for people, _ in groups}
    demands = {d for d, demand in enumerate(problem.demands) if cands.providers[d]
               and service_workload(workload, demand) > 0 and key(cands.providers[d]) in chosen}
    students = {s for s in range(len(problem.students)) if cands.managers[s] and workload.case_management_minutes > 0
                and key(cands.managers[s]) in chosen}
    return groups, demands, students


def minutes_bound(problem: Problem, cands: Candidates,
                  components: Sequence[Component]) -> tuple[list[float], list[int]]:
    """Piece 2: per component, a lower bound of (workload balance + a price per unserved service and per
    unassigned student); and the highest of those prices (service, student), scaled by ``SCALE``."""
    workload = problem.rules.workload
    assert workload is not None
    w = problem.rules.weights
    of_student, of_staff = _owners(problem, components)
    groups, forcing_demands, forcing_students = trip_groups(problem, cands)
    per_person, nobody = _per_minute(problem)
    # leaving such a group's pupil to nobody may save the group a trip: nobody pays for it too

    def to_nobody(minutes: int, forcing: bool) -> int:
        """Price per minute of leaving these minutes to nobody."""
        return nobody + (-(-nobody * workload.travel_minutes // minutes) if forcing else 0)

    dearest = [0, 0]  # the most a service, a case costs piece 2 when left to nobody (scaled)
    n_d, n_s, n_p = len(problem.demands), len(problem.students), len(problem.staff)
    person_base, sink = n_d + n_s, n_d + n_s + n_p
    graph = Graph()
    supplies: dict[int, int] = {}
    for d, demand in enumerate(problem.demands):
        minutes = service_workload(workload, demand)
        if minutes <= 0:
            continue
        owner = of_student[demand.student]
        supplies[d] = minutes
        held = problem.current_providers.get((problem.students[demand.student].student_id, demand.service))
        current = None if held is None else problem.staff_index.get(held, -1)
        for p in cands.providers[d]:
            moved = SCALE * w.change_provider // minutes if current is not None and p != current else 0
            graph.arc(d, person_base + p, minutes, moved, owner)
        price = to_nobody(minutes, d in forcing_demands)
        dearest[0] = max(dearest[0], price * minutes)
        graph.arc(d, sink, minutes, price, owner)
    case = workload.case_management_minutes
    if case > 0:
        rules, weight = problem.rules, w.best_practice_rank
        for s, student in enumerate(problem.students):
            node, owner = n_d + s, of_student[s]
            supplies[node] = case
            ranked = best_practice_services(rules, student)
            current_manager = (problem.staff_index.get(student.current_case_manager, -1)
                               if student.current_case_manager else None)
            may_deliver: dict[int, int] = {}  # person -> the best rank of a ranked service they may deliver
            for d in problem.demands_of[s]:
                service = problem.demands[d].service
                if service in ranked:
                    for p in cands.providers[d]:
                        may_deliver[p] = min(may_deliver.get(p, len(ranked)), ranked.index(service))
            for q in cands.managers[s]:
                rank = may_deliver.get(q)
                if rank is None:
                    rank = coordinating_rank(rules, len(ranked), problem.staff[q].role)
                # at least this rank whatever q delivers: a per-minute price that sums to at most its cost
                price = weight * rank + (w.change_case_manager if current_manager is not None and q != current_manager
                                         else 0)
                graph.arc(node, person_base + q, case, SCALE * price // case, owner)
            price = to_nobody(case, s in forcing_students)
            dearest[1] = max(dearest[1], price * case)
            graph.arc(node, sink, case, price, owner)
    trip = workload.travel_minutes
    for i, (people, trips) in enumerate(groups):  # the group's trips, to whichever of them it costs least
        node, owner = sink + 1 + i, of_staff[min(people)]
        supplies[node] = trip * trips
        for p in sorted(people):
            graph.arc(node, person_base + p, trip * trips, 0, owner)
        graph.arc(node, sink, trip * trips, nobody, owner)
    total = sum(supplies.values())
    for p, arcs in enumerate(per_person):
        for minutes, cost in arcs:
            graph.arc(person_base + p, sink, min(minutes, total), cost, of_staff[p])
    supplies[sink] = -total
    _, per_owner = graph.solve(supplies, max(1, len(components)))
    # each person's cost is measured from the rounded-up cost at their fixed minutes: at most 1 below
    correction = [0] * max(1, len(components))
    for p, f in enumerate(fixed_minutes(problem)):
        if f and problem.staff[p].available:
            correction[of_staff[p]] += 1
    return [per_owner[i] / SCALE - correction[i] for i in range(max(1, len(components)))], dearest


def _without_workload(problem: Problem, unserved: int, unassigned: int) -> Problem:
    """The problem on head counts with no service balance, best practice nor continuity (piece 2 prices
    them), and these unserved and unassigned weights."""
    rules = problem.rules
    weights = dataclasses.replace(rules.weights, service_balance=0, unserved_service=unserved,
                                  unassigned_student=unassigned, best_practice_rank=0,
                                  change_case_manager=0, change_provider=0)
    rules = dataclasses.replace(rules, weights=weights,
                                workload=dataclasses.replace(rules.workload, balance_on="students"))
    return dataclasses.replace(problem, rules=rules)


def on_head_counts(problem: Problem) -> Problem:
    """The same problem balanced on head counts (the flow plan's own objective)."""
    rules = problem.rules
    return dataclasses.replace(problem, rules=dataclasses.replace(
        rules, workload=dataclasses.replace(rules.workload, balance_on="students")))


def workload_bound(problem: Problem, cands: Candidates, components: Sequence[Component]) -> list[int]:
    """Per component, a proven lower bound of the workload objective (pieces 1 and 2 above)."""
    workload, w = problem.rules.workload, problem.rules.weights
    assert workload is not None
    minutes, dearest = minutes_bound(problem, cands, components)
    # what piece 2 charges an unserved service or an unassigned student at most, in whole cost units
    unserved_part, unassigned_part = (math.ceil(x / SCALE) for x in dearest)
    rest = flow_plan(_without_workload(problem, w.unserved_service - unserved_part,
                                       w.unassigned_student - unassigned_part), cands, components)
    return [math.ceil(a + b - 1e-9) for a, b in zip(minutes, rest.bounds, strict=True)]


def workload_plan(problem: Problem, cands: Candidates, components: Sequence[Component],
                  seconds: float = IMPROVE_SECONDS) -> Plan:
    """The head-count flow plan improved on workload (for at most ``seconds``, and at most ``IMPROVE_SECONDS``)."""
    plan = flow_plan(on_head_counts(problem), cands, components).plan
    return improve_on_workload(problem, cands, plan, min(seconds, IMPROVE_SECONDS))

