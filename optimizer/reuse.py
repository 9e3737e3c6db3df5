"""Re-plan a what-if scenario only where it changes the base: the other components keep the base plan.

A scenario is planned with the base plan as its current plan
(``models.domain.scenario.anchor_to_plan``). Split the scenario into its
independent components (``optimizer.decompose.split``, with every district
average that may bind merged, as the solver splits it). A component whose
students, demands, staff, eligible pairs, district-average budgets and rules
are all exactly those of a base component (:func:`fingerprint`, compared
whole, never by a hash alone) is *untouched*: it keeps the base plan's
assignments. Only the touched components are planned, as one smaller problem.

**Why this is exact.** Let P* be the base plan on an untouched component and
f the objective without its continuity terms. In the base, P* minimises
f(P) + c_orig(P), c_orig counting changes against the original current plan.
In the scenario it is the current plan, so the objective is
f(P) + c_base(P), c_base counting changes against P* (none on an unserved
demand: its current provider is dropped). For every demand and student,
[P != O] <= [P != P*] + [P* != O] (a change counts once, and an unserved P*
was itself a change whenever O existed), so
c_orig(P) - c_orig(P*) <= c_base(P), hence
f(P*) = f(P*) + c_base(P*) <= f(P) + c_orig(P) - c_orig(P*) <= f(P) + c_base(P):
P* is optimal in the scenario whenever it was optimal in the base. Without a
proof in the base, the same inequality carries the base's bound over
(bound - c_orig(P*)), so the scenario's bound stays honest; a scenario that
keeps no component owes the base nothing, and its proof is the re-plan's own.

**Couplings.** Components holding a binding district average (the SLP
average of EC 56363.3) come merged, so the coupling is one component and its
budget is part of the fingerprint: a scenario that changes an SLP's FTE, the
average, or whether it binds re-plans that whole merged component. Any change
to the rules (caps, weights) changes every component's fingerprint: all of
it is re-planned. The touched components are planned as a problem of their
own; the other available members of a district-average role ride along with
no sites (no pupils, no objective terms), so the budget the average allows is
the district's, exactly. If that smaller problem does not split into exactly
the touched components with exactly their eligible pairs, the whole scenario
is planned instead (never a wrong reuse). So is a scenario balanced on
workload with pending assessments: they are shared over every resource
specialist of the district (AB 560) and weigh in each assessor's week, so a
change anywhere may change the week of someone in a component that is
otherwise the base's.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Hashable
from dataclasses import dataclass

from models.domain.candidates import Candidates
from models.domain.caps import average_cap_members, district_average
from models.domain.plan import Plan, Result
from models.domain.problem import Problem
from models.domain.workload import balances_workload
from optimizer.assessments import assign_assessments
from optimizer.better import component_objectives
from optimizer.decompose import Component, binding_average_caps, split
from optimizer.solve import SolveOptions, planning_candidates, solve


@dataclass(frozen=True, slots=True)
class Split:
    """A problem's eligible pairs and its components as the solver plans them (district averages merged)."""

    problem: Problem
    cands: Candidates
    components: tuple[Component, ...]


def split_for_reuse(problem: Problem, cands: Candidates | None = None) -> Split:
    """``cands``: the problem's eligible pairs (``planning_candidates``) when already found."""
    cands = planning_candidates(problem) if cands is None else cands
    return Split(problem, cands, tuple(split(problem, cands, couple=binding_average_caps(problem, cands))))


def fingerprint(problem: Problem, cands: Candidates, component: Component) -> Hashable:
    """Everything the component's plan and objective depend on, free of indices (ids, whole records)."""
    staff, all_students, all_demands = problem.staff, problem.students, problem.demands
    current = problem.current_providers
    ids = [person.staff_id for person in staff].__getitem__  # ids looked up by index: 3 million look-ups at 70,000
    students = tuple(all_students[s] for s in component.students)
    rows = []
    for d in component.demands:
        demand = all_demands[d]
        key = (all_students[demand.student].student_id, demand.service)
        rows.append((*key, current.get(key), tuple(map(ids, cands.providers[d]))))
    demands = tuple(rows)
    managers = tuple(tuple(map(ids, cands.managers[s])) for s in component.students)
    budgets = tuple((role, district_average(problem, role).budget) for role in component.average_caps)
    # the rules hold dicts (not hashable): their repr is their full value, the source file left out
    rules = repr(dataclasses.replace(problem.rules, source=""))
    return (students, demands, tuple(staff[p] for p in component.staff), managers, component.average_caps,
            component.shares, component.max_moves, budgets, rules)


@dataclass(frozen=True, slots=True)
class BasePlan:
    """The base's solved plan, its components by fingerprint, and each one's objective."""

    split: Split
    result: Result
    by_fingerprint: dict[Hashable, int]  # fingerprint -> index in split.components
    objectives: tuple[int, ...]  # each component's objective under the base


def index_base(base: Split, result: Result) -> BasePlan:
    keys = {fingerprint(base.problem, base.cands, c): i for i, c in enumerate(base.components)}
    objectives = tuple(component_objectives(base.problem, result.plan, base.components))
    return BasePlan(base, result, keys, objectives)


@dataclass(frozen=True, slots=True)
class Replanned:
    """A scenario's result and how much of it was re-planned."""

    result: Result
    components: int
    replanned: int  # components planned again (the rest kept the base plan)
    replanned_students: int
    whole: bool  # the whole scenario was planned (no reuse possible)


def replan(base: BasePlan, scenario: Problem, anchored: Problem, options: SolveOptions | None = None,
           cands: Candidates | None = None) -> Replanned:
    """The scenario's result, planned only where it differs from the base.

    ``scenario`` is the scenario's problem as applied to the base (its own
    current plan); ``anchored`` the same with the base plan as the current one
    (what is planned); ``cands`` the scenario's eligible pairs when already
    found. Same objective as ``solve(anchored)`` (module note).
    """
    options = options or SolveOptions()
    start = time.perf_counter()
    if scenario.position_costs or options.max_moves is not None or base.result.best_bound is None:
        return _whole(anchored, options)  # a budget across components: no component stands alone
    if anchored.assessments and balances_workload(anchored):
        # the pending assessments are shared over every resource specialist of the district and weigh in each
        # assessor's week: a change anywhere may move some into a component that is otherwise the base's
        return _whole(anchored, options)
    mine = split_for_reuse(scenario, cands)
    kept: list[tuple[Component, int]] = []
    touched: list[Component] = []
    for component in mine.components:
        b = base.by_fingerprint.get(fingerprint(scenario, mine.cands, component))
        if b is None:
            touched.append(component)
        else:
            kept.append((component, b))
    providers: list[int | None] = [None] * len(anchored.demands)
    managers: list[int | None] = [None] * len(anchored.students)
    for _, b in kept:
        _copy(base.split.problem, base.result.plan, base.split.components[b], anchored, providers, managers)
    sub_bound, build, sub_status = 0.0, 0.0, "OPTIMAL"
    if touched:
        sub = _sub_problem(anchored, mine.cands, touched)
        if sub is None:
            return _whole(anchored, options)
        sub_result = solve(sub.problem, options)
        if sub_result.best_bound is None:
            return _whole(anchored, options)
        _copy(sub.problem, sub_result.plan, Component(tuple(range(len(sub.problem.students))),
                                                      tuple(range(len(sub.problem.demands))), (), ()),
              anchored, providers, managers)
        sub_bound, build, sub_status = sub_result.best_bound, sub_result.build_seconds, sub_result.status
    plan = Plan(providers=tuple(providers), case_managers=tuple(managers),
                assessors=assign_assessments(anchored) if anchored.assessments else ())
    parts = component_objectives(anchored, plan, mine.components)
    objective = sum(parts)
    replanned = {c.students[0] for c in touched}
    kept_parts = [parts[i] for i, c in enumerate(mine.components) if c.students[0] not in replanned]
    bound = sub_bound + _kept_bound(base, [b for _, b in kept], sum(kept_parts))
    status = "OPTIMAL" if objective == bound else ("FEASIBLE" if sub_status != "INFEASIBLE" else sub_status)
    result = Result(plan=plan, status=status, objective=objective, best_bound=float(bound),
                    solve_seconds=round(time.perf_counter() - start, 3), components=len(mine.components),
                    build_seconds=build, deterministic=options.workers == 1 and status == "OPTIMAL")
    return Replanned(result, len(mine.components), len(touched), sum(len(c.students) for c in touched), False)


def _whole(anchored: Problem, options: SolveOptions) -> Replanned:
    result = solve(anchored, options)
    return Replanned(result, result.components, result.components, len(anchored.students), True)


def _kept_bound(base: BasePlan, kept: list[int], kept_objective: int) -> float:
    """A lower bound on the kept components' objective in the scenario (module note).

    Proven base: each kept part is optimal, so its objective is its bound.
    Otherwise the base's bound, less the objectives of the components not kept
    (each at least its own bound), less what the kept parts paid for changes
    against the original plan (base objective minus scenario objective).
    """
    if base.result.status == "OPTIMAL":
        return float(kept_objective)
    if not kept:  # everything was planned again: the proof is the re-plan's own
        return 0.0
    others = set(range(len(base.objectives))) - set(kept)
    kept_base = sum(base.objectives[b] for b in kept)
    # no cost is negative, so neither is a bound on the kept parts
    return max(0.0, base.result.best_bound - sum(base.objectives[b] for b in others) - (kept_base - kept_objective))


def _copy(source: Problem, plan: Plan, component: Component, target: Problem, providers: list[int | None],
          managers: list[int | None]) -> None:
    """Write ``plan``'s assignments of ``component`` (in ``source``) into ``target``'s lists, by ids."""
    students, staff = target.student_index, target.staff_index
    for s in component.students:
        t = students[source.students[s].student_id]
        m = plan.case_managers[s]
        managers[t] = None if m is None else staff[source.staff[m].staff_id]
        for d, e in zip(source.demands_of[s], target.demands_of[t], strict=True):
            p = plan.providers[d]
            providers[e] = None if p is None else staff[source.staff[p].staff_id]


def _sub_problem(problem: Problem, cands: Candidates, touched: list[Component]) -> Split | None:
    """The touched components as a problem of their own; None when it would not plan them exactly."""
    students = sorted(s for c in touched for s in c.students)
    inside = sorted(p for c in touched for p in c.staff)
    roles = [r.code for r in problem.rules.roles.values() if r.average_cap is not None]
    members = {p for role in roles for p in average_cap_members(problem, role)}
    # the district average's other members: counted in its budget, given no site (no pupils, no terms)
    riders = [dataclasses.replace(problem.staff[p], sites=frozenset()) for p in sorted(members - set(inside))]
    ids = {problem.students[s].student_id for s in students}
    sub = dataclasses.replace(problem, students=tuple(problem.students[s] for s in students),
                              staff=(*(problem.staff[p] for p in inside), *riders),
                              current_providers={k: v for k, v in problem.current_providers.items() if k[0] in ids},
                              assessments=())
    mine = split_for_reuse(sub)
    if not _same_pairs(problem, cands, sub, mine.cands, students):
        return None
    expected = {(frozenset(problem.students[s].student_id for s in c.students), c.average_caps) for c in touched}
    found = {(frozenset(sub.students[s].student_id for s in c.students), c.average_caps) for c in mine.components}
    return mine if found == expected else None


def _same_pairs(problem: Problem, cands: Candidates, sub: Problem, sub_cands: Candidates,
                students: list[int]) -> bool:
    """Does every student of the sub-problem have exactly the eligible people they have in the district?"""
    for t, s in enumerate(students):
        if _ids(sub, sub_cands.managers[t]) != _ids(problem, cands.managers[s]):
            return False
        for d, e in zip(problem.demands_of[s], sub.demands_of[t], strict=True):
            if _ids(sub, sub_cands.providers[e]) != _ids(problem, cands.providers[d]):
                return False
    return True


def _ids(problem: Problem, people: tuple[int, ...]) -> tuple[str, ...]:
    return tuple(problem.staff[p].staff_id for p in people)
