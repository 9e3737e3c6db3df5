"""The separable core of the problem as two min-cost flows: a plan and a proven lower bound, fast.

**Services.** Each demand sends one unit: to an eligible person (arc cost: the
continuity penalty when that is not the current provider), or to the sink
unserved (the unserved weight). A person's pupils on the role's caseload
service pass through parallel unit arcs whose costs are the balance marginals
(``models.domain.objective.balance_marginals``): they increase, so a min-cost
flow fills them in order and pays exactly the convex balance cost; the cap is
the number of arcs. A role with a district-wide average (SLPs, EC 56363.3)
sends all its people's pupils through one pool node whose arc to the sink
carries the budget. The flow is integral, so every solution is a legal
assignment of services within every cap.

**Case managers.** Given the providers, the best case manager of every
student is a second flow: an arc per option (a provider, the current case
manager, a coordinator; identical plain coordinators collapse to one), costing
the best-practice rank and the continuity penalty, an unassigned bypass, and
coordinators' convex case-management balance.

**Bound.** The objective is service terms plus case-manager terms. A student
with a ranked service (SDC > RSP > speech > ...) pays at least, for the
manager, the continuity penalty of whoever provides the top-ranked service
(if that person may manage them, the rank is 0) or else at least one rank:
that lower bound is a cost on the top-ranked demand's arcs ("folded" into the
service flow), so the service flow's optimum bounds service terms plus these
students' manager terms from below. Students without a ranked service choose
among coordinators whatever the providers are: their manager flow alone bounds
their terms (dropping other students' case-management loads only lowers a
convex, increasing balance). The sum is a valid lower bound on the optimum of
the whole problem, and the sequential plan an upper bound; when they meet the
plan is proven optimal with no CP-SAT at all.

The balance is a per-person sequence of marginal costs (:func:`_convex_arcs`),
so a later per-pupil weighting can reuse it; if weights make a unit's cost
depend on the pupil, the flow is no longer exact and must only serve as a hint.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from models.domain.candidates import Candidates
from models.domain.caps import balance_target, case_management_target, caseload_cap, district_average
from models.domain.objective import best_practice_services, coordinating_rank
from models.domain.plan import Plan
from models.domain.problem import Problem
from optimizer.better import ComponentPricer
from optimizer.decompose import Component
from optimizer.flow_graph import Graph
from optimizer.greedy import drop_unsupported_instruction

_NONE = -1  # no person (unserved, unassigned) or a current person no longer on staff
_OTHER = -2  # some person other than the current one


@dataclass(frozen=True, slots=True)
class FlowResult:
    plan: Plan
    bounds: tuple[int, ...]  # per component: its share of a valid lower bound (they sum to the district bound)


class _Context:
    """Look-ups shared by both flows."""

    def __init__(self, problem: Problem, cands: Candidates, components: Sequence[Component]) -> None:
        self.problem, self.cands = problem, cands
        self.rules = problem.rules
        self.w = problem.rules.weights
        self.comp_of_student = [0] * len(problem.students)
        self.comp_of_staff = [0] * len(problem.staff)
        for i, component in enumerate(components):
            for s in component.students:
                self.comp_of_student[s] = i
            for p in component.staff:
                self.comp_of_staff[p] = i
        self.n_comp = max(1, len(components))
        index = problem.staff_index
        self.current = [index.get(s.current_case_manager, _NONE) if s.current_case_manager else None
                        for s in problem.students]
        self.cm_target = [case_management_target(self.rules, person) for person in problem.staff]
        self.counted = [self.rules.roles[p.role].caseload_service if p.role in self.rules.roles else None
                        for p in problem.staff]
        self._sets: dict[int, frozenset[int]] = {}
        self._classes: dict[tuple[int, int], tuple[dict[int, list[int]], list[int]]] = {}

    def manager_set(self, s: int) -> frozenset[int]:
        options = self.cands.managers[s]
        key = id(options)  # candidate tuples are shared by students of one profile
        found = self._sets.get(key)
        if found is None:
            found = self._sets[key] = frozenset(options)
        return found

    def coordinating(self, s: int, n_ranked: int) -> tuple[dict[int, list[int]], list[int]]:
        """(coordinating rank -> first two plain managers of that rank, managers with a case-management target)."""
        options = self.cands.managers[s]
        key = (id(options), n_ranked)
        found = self._classes.get(key)
        if found is None:
            plain: dict[int, list[int]] = {}
            targeted = []
            for q in options:
                if self.cm_target[q] is not None:
                    targeted.append(q)
                    continue
                same = plain.setdefault(coordinating_rank(self.rules, n_ranked, self.problem.staff[q].role), [])
                if len(same) < 2:
                    same.append(q)
            found = self._classes[key] = (plain, targeted)
        return found

    def continuity(self, s: int, q: int | None) -> int:
        """Case-manager continuity penalty of giving student ``s`` to ``q`` (None: nobody)."""
        current = self.current[s]
        if current is None or (q is not None and q == current):
            return 0
        return self.w.change_case_manager

    def provider_continuity(self, d: int) -> tuple[int | None, bool]:
        """(current provider's index or None, whether the demand has one on record)."""
        demand = self.problem.demands[d]
        held = self.problem.current_providers.get((self.problem.students[demand.student].student_id, demand.service))
        if held is None:
            return None, False
        return self.problem.staff_index.get(held, _NONE), True


def _lower_rank_options(ctx: _Context, s: int, ranked: tuple[str, ...], d0: int | None,
                        providers: Sequence[int | None] | None) -> dict[int, int]:
    """Manager options of student ``s`` and their best-practice rank (staff -> rank; ``_OTHER``: anyone).

    With ``providers`` the ranks are exact for that plan. Without, for a
    student whose top-ranked demand ``d0`` is not served, they are lower
    bounds: ``_OTHER`` stands for whoever might deliver a lower-ranked service.
    Identical plain coordinators (no case-management target, not the current
    case manager) cost the same, so one stands for each rank.
    """
    problem, rules = ctx.problem, ctx.rules
    managers = ctx.manager_set(s)
    options: dict[int, int] = {}
    if providers is not None and ranked:
        for d in problem.demands_of[s]:
            q, service = providers[d], problem.demands[d].service
            if q is not None and q in managers and service in ranked:
                options[q] = min(options.get(q, len(ranked) + 2), ranked.index(service))
    elif d0 is not None and len(ranked) >= 2:
        # whoever might deliver a lower-ranked service and may manage the student
        lower = [ranked.index(problem.demands[d].service) for d in problem.demands_of[s]
                 if d != d0 and problem.demands[d].service in ranked
                 and not managers.isdisjoint(ctx.cands.providers[d])]
        if lower:
            options[_OTHER] = min(lower)
    plain, targeted = ctx.coordinating(s, len(ranked))
    for q in targeted:
        options.setdefault(q, coordinating_rank(rules, len(ranked), problem.staff[q].role))
    current = ctx.current[s]
    if current is not None and current in managers:
        rank = coordinating_rank(rules, len(ranked), problem.staff[current].role)
        if providers is None and d0 is not None:
            others = [ranked.index(problem.demands[d].service) for d in problem.demands_of[s]
                      if d != d0 and problem.demands[d].service in ranked and current in ctx.cands.providers[d]]
            rank = min([rank, *others])
        options.setdefault(current, rank)
    for rank, people in plain.items():
        for q in people:
            if q not in options:
                options[q] = rank
                break
    return options


class _Network:
    """One flow graph: demand units, student units, people's caseload and case-management nodes, pools."""

    def __init__(self, ctx: _Context) -> None:
        problem, rules = ctx.problem, ctx.rules
        self.ctx = ctx
        self.n_demands, self.n_students, self.n_staff = len(problem.demands), len(problem.students), len(problem.staff)
        self.student_base = self.n_demands
        self.load_base = self.student_base + self.n_students
        self.manage_base = self.load_base + self.n_staff
        self.pools: dict[str, int] = {}
        for role in rules.roles.values():
            if role.average_cap is not None and role.caseload_service is not None:
                self.pools[role.code] = self.manage_base + self.n_staff + len(self.pools)
        self.sink = self.manage_base + self.n_staff + len(self.pools)
        self.graph = Graph()
        self.load_bound = [0] * self.n_staff
        self.managed_bound = [0] * self.n_staff
        self.assign_arcs: list[tuple[int, int, int]] = []  # (arc, demand, staff or _NONE)
        self.manage_arcs: list[tuple[int, int, int]] = []  # (arc, student, staff or _NONE / _OTHER)
        self.supplies: dict[int, int] = {}

    def manager_options(self, unit: int, s: int, options: dict[int, int], extra: int, ranked: bool = True) -> None:
        """Arcs from ``unit`` for each case-manager option of student ``s`` (``extra`` added to each);
        ``ranked=False``: the options' values are their whole cost, not ranks."""
        ctx, w = self.ctx, self.ctx.w
        owner = ctx.comp_of_student[s]
        for q, rank in options.items():
            cost = extra + (w.best_practice_rank * rank + ctx.continuity(s, q) if ranked else rank)
            targeted = q >= 0 and ctx.cm_target[q] is not None
            if targeted:
                self.managed_bound[q] += 1
            arc = self.graph.arc(unit, self.manage_base + q if targeted else self.sink, 1, cost, owner)
            self.manage_arcs.append((arc, s, q))
        arc = self.graph.arc(unit, self.sink, 1, extra + w.unassigned_student + ctx.continuity(s, None), owner)
        self.manage_arcs.append((arc, s, _NONE))

    def student_unit(self, s: int, options: dict[int, int]) -> None:
        self.supplies[self.student_base + s] = 1
        self.manager_options(self.student_base + s, s, options, 0)

    def demand_unit(self, d: int, fold: dict[int, int] | None = None, fold_other: int = 0,
                    unserved_options: dict[int, int] | None = None, ranked: bool = True) -> None:
        """The demand's unit: to each eligible provider (plus ``fold`` for them, ``fold_other`` for the rest),
        or unserved (then through ``unserved_options`` when its student's case manager rides on it)."""
        ctx, w, problem = self.ctx, self.ctx.w, self.ctx.problem
        s = problem.demands[d].student
        owner = ctx.comp_of_student[s]
        service = problem.demands[d].service
        current, on_record = ctx.provider_continuity(d)
        self.supplies[d] = 1
        for p in ctx.cands.providers[d]:
            cost = w.change_provider if on_record and p != current else 0
            if fold is not None:
                cost += fold.get(p, fold_other)
            counted = ctx.counted[p] == service
            if counted:
                self.load_bound[p] += 1
            arc = self.graph.arc(d, self.load_base + p if counted else self.sink, 1, cost, owner)
            self.assign_arcs.append((arc, d, p))
        unserved = w.unserved_service + (w.change_provider if on_record else 0)
        if unserved_options is None:
            arc = self.graph.arc(d, self.sink, 1, unserved, owner)
            self.assign_arcs.append((arc, d, _NONE))
        else:
            # unserved: the unit goes on to the student's case manager; recorded as unserved by the first arc
            first = len(self.graph.tails)
            self.manager_options(d, s, unserved_options, unserved, ranked)
            self.assign_arcs += [(a, d, _NONE) for a in range(first, len(self.graph.tails))]

    def solve(self, staff: Sequence[int] | None = None) -> tuple[dict[int, int | None], dict[int, int | None],
                                                                np.ndarray]:
        """(provider per demand unit, case manager per student unit, cost per component); ``staff``: the
        people the units may reach (default: everyone)."""
        ctx, problem, rules, w = self.ctx, self.ctx.problem, self.ctx.rules, self.ctx.w
        for p in range(len(problem.staff)) if staff is None else staff:
            person = problem.staff[p]
            if self.load_bound[p]:
                cap = caseload_cap(rules, person)
                limit = self.load_bound[p] if cap is None else min(cap, self.load_bound[p])
                self.graph.convex_arcs(self.load_base + p, self.pools.get(person.role, self.sink),
                                       balance_target(rules, person), w.service_balance, limit, ctx.comp_of_staff[p])
            if self.managed_bound[p]:
                self.graph.convex_arcs(self.manage_base + p, self.sink, ctx.cm_target[p], w.case_management_balance,
                                       self.managed_bound[p], ctx.comp_of_staff[p])
        for role, node in self.pools.items():
            self.graph.arc(node, self.sink, district_average(problem, role).budget, 0, 0)
        supplies = dict(self.supplies)
        supplies[self.sink] = -sum(self.supplies.values())
        flows, per_owner = self.graph.solve(supplies, ctx.n_comp)
        providers: dict[int, int | None] = {}
        for arc, d, p in self.assign_arcs:
            if flows[arc]:
                providers[d] = None if p == _NONE else p
        managers: dict[int, int | None] = {}
        for arc, s, q in self.manage_arcs:
            if flows[arc] and q != _OTHER:
                managers[s] = None if q == _NONE else q
        return providers, managers, per_owner


def _bound_flow(ctx: _Context, rich: frozenset[int], component: Component) -> tuple[dict[int, int | None],
                                                                                   np.ndarray]:
    """Providers of the joint relaxation and its cost per component (a valid lower bound).

    A student with a ranked service has their case manager ride on the
    top-ranked demand's unit: served by ``p``, the student pays at least the
    cheaper of ``p`` managing (rank 0, ``p``'s continuity) and any other option
    (rank >= 1); unserved, the unit goes on through the student's other
    options, coordinators' case-management balance included, for the students
    in ``rich``; for the others it pays the cheapest option's cost alone (a
    weaker bound, and far fewer arcs). Students without a ranked service send a
    unit of their own through their options.
    """
    problem, rules, w = ctx.problem, ctx.rules, ctx.w
    net = _Network(ctx)
    for s in component.students:
        student = problem.students[s]
        ranked = best_practice_services(rules, student)
        d0 = next((d for d in problem.demands_of[s] if ranked and problem.demands[d].service == ranked[0]), None)
        if d0 is None:
            net.student_unit(s, _lower_rank_options(ctx, s, ranked, None, None))
        else:
            others = _lower_rank_options(ctx, s, ranked, d0, None)
            alternative = min([w.unassigned_student + ctx.continuity(s, None)]
                              + [w.best_practice_rank * r + ctx.continuity(s, q) for q, r in others.items()])
            managers = ctx.manager_set(s)
            fold = {p: min(ctx.continuity(s, p), alternative) for p in ctx.cands.providers[d0] if p in managers}
        for d in problem.demands_of[s]:
            if d == d0:
                if s in rich:
                    net.demand_unit(d, fold, alternative, others)
                else:
                    net.demand_unit(d, fold, alternative, {_OTHER: alternative}, ranked=False)
            else:
                net.demand_unit(d)
    providers, _, per_owner = net.solve(component.staff)
    return providers, per_owner


def _manager_flow(ctx: _Context, providers: dict[int, int | None], component: Component) -> dict[int, int | None]:
    """The best case manager of every student given the providers (an exact min-cost flow)."""
    problem, rules = ctx.problem, ctx.rules
    net = _Network(ctx)
    for s in component.students:
        ranked = best_practice_services(rules, problem.students[s])
        net.student_unit(s, _lower_rank_options(ctx, s, ranked, None, providers))
    _, managers, _ = net.solve(component.staff)
    return managers


@dataclass(frozen=True, slots=True)
class ComponentFlow:
    """What the flows found for one component, as soon as they found it."""

    index: int  # position in the components given
    bound: int  # a valid lower bound on the component's objective
    # the sequential flow plan's providers (demand -> staff) and case managers (student -> staff);
    # None while only the bound is known
    providers: dict[int, int | None] | None = None
    managers: dict[int, int | None] | None = None
    objective: int | None = None  # of that plan, on the component


def component_flows(problem: Problem, cands: Candidates, components: Sequence[Component],
                    order: Sequence[int] | None = None) -> Iterator[ComponentFlow]:
    """Each component's flow bound, then its plan (legal, R3 repaired), in ``order`` (default: as given);
    a later item for the same component is at least as good. A first bound flow lets a student whose
    top-ranked service goes unserved pay their cheapest other case manager without that person's balance;
    if plan and bound do not meet, a second one routes exactly those students through their options,
    case-management balance included (measured: the rich routing for everyone doubles the arcs, and the
    first solve dominated).
    """
    ctx = _Context(problem, cands, components)
    scratch = ComponentPricer(problem)
    for i in range(len(components)) if order is None else order:
        component = components[i]
        providers, bound, unserved_tops = _bound_and_providers(ctx, component, i, frozenset())
        yield ComponentFlow(i, bound)
        managers = _manager_flow(ctx, providers, component)
        cost = scratch.objective(component, providers, managers)
        yield ComponentFlow(i, bound, providers, managers, cost)
        if not unserved_tops or cost <= bound:
            continue
        # who goes unserved is a choice among everyone competing for the same people
        short = {p for d in unserved_tops for p in cands.providers[d]}
        rich = frozenset(problem.demands[d].student for d in _top_demands(problem, component.students)
                         if d in unserved_tops or not short.isdisjoint(cands.providers[d]))
        richer, richer_bound, _ = _bound_and_providers(ctx, component, i, rich)
        richer_managers = _manager_flow(ctx, richer, component)
        bound = max(bound, richer_bound)
        richer_cost = scratch.objective(component, richer, richer_managers)
        if richer_cost < cost:
            providers, managers, cost = richer, richer_managers, richer_cost
        yield ComponentFlow(i, bound, providers, managers, cost)


def flow_plan(problem: Problem, cands: Candidates, components: Sequence[Component]) -> FlowResult:
    """The sequential flow plan (legal, R3 repaired) and per-component shares of a proven lower bound."""
    providers: list[int | None] = [None] * len(problem.demands)
    managers: list[int | None] = [None] * len(problem.students)
    bounds = [0] * len(components)
    for found in component_flows(problem, cands, components):
        bounds[found.index] = max(bounds[found.index], found.bound)
        for d, p in (found.providers or {}).items():
            providers[d] = p
        for s, m in (found.managers or {}).items():
            managers[s] = m
    return FlowResult(plan=Plan(providers=tuple(providers), case_managers=tuple(managers)), bounds=tuple(bounds))


def _top_demands(problem: Problem, students: Sequence[int]) -> list[int]:
    """Each student's demand for their top-ranked service (SDC > RSP > speech > ...), when they have one."""
    out = []
    for s in students:
        ranked = best_practice_services(problem.rules, problem.students[s])
        if ranked:
            out += [d for d in problem.demands_of[s] if problem.demands[d].service == ranked[0]]
    return out


def _bound_and_providers(ctx: _Context, component: Component, index: int,
                         rich: frozenset[int]) -> tuple[dict[int, int | None], int, set[int]]:
    """(providers, the component's bound, top-ranked demands the bound flow left unserved)."""
    problem = ctx.problem
    providers, bound = _bound_flow(ctx, rich, component)
    unserved_tops = {d for d in _top_demands(problem, component.students) if providers.get(d) is None}
    drop_unsupported_instruction(problem, providers, component.students)
    return providers, int(bound[index]), unserved_tops


def separable_core(problem: Problem, cands: Candidates) -> tuple[Plan, int]:
    """The separable core alone (services to eligible people within caps, convex balance, the district
    average as a pool, unserved as a bypass; no case managers): its plan and optimal cost.

    The benchmark's speed reference: what one exact min-cost flow costs on these inputs.
    """
    ctx = _Context(problem, cands, ())
    net = _Network(ctx)
    for d in range(len(problem.demands)):
        net.demand_unit(d)
    providers, _, per_owner = net.solve()
    plan = Plan(providers=tuple(providers.get(d) for d in range(len(problem.demands))),
                case_managers=(None,) * len(problem.students))
    return plan, int(per_owner.sum())
