"""Never worse than a cheap plan: compare plans component by component and keep the better part.

Components share no student, demand or person, and every objective term
belongs to one of them (a demand's service, a student's case manager, a
person's loads), so the objective is the sum of the components' objectives and
each component may take its part from whichever plan is cheaper there. Only a
district-wide average cap (the SLP average) spans components: a mixed plan
that breaks it is not taken.
"""

from __future__ import annotations

from collections.abc import Sequence

from models.domain.caps import average_cap_room, balance_target, case_management_target
from models.domain.objective import balance_cost
from models.domain.plan import Loads, Plan, compute_loads, manager_rank, overload_cost
from models.domain.problem import Problem
from models.domain.workload import balances_workload, compute_workloads, fixed_minutes, person_balance_cost
from optimizer.decompose import Component


def component_objectives(problem: Problem, plan: Plan, components: Sequence[Component],
                         loads: Loads | None = None) -> list[int]:
    """The plan's objective restricted to each component (they sum to ``objective_terms(...).total``)."""
    rules, w = problem.rules, problem.rules.weights
    loads = loads or compute_loads(problem, plan)
    index = problem.staff_index
    workloads = compute_workloads(problem, plan) if balances_workload(problem) else None
    fixed = fixed_minutes(problem) if workloads is not None else ()
    out = []
    for component in components:
        total = 0
        for d in component.demands:
            demand = problem.demands[d]
            p = plan.providers[d]
            if p is None:
                total += w.unserved_service
            current = problem.current_providers.get((problem.students[demand.student].student_id, demand.service))
            if current is not None and (p is None or problem.staff[p].staff_id != current):
                total += w.change_provider
        for s in component.students:
            student, m = problem.students[s], plan.case_managers[s]
            if m is None:
                total += w.unassigned_student
            else:
                total += w.best_practice_rank * (manager_rank(problem, plan, s) or 0)
            current = student.current_case_manager
            if current is not None and (m is None or m != index.get(current)):
                total += w.change_case_manager
        for p in component.staff:
            person = problem.staff[p]
            if not person.available:
                continue
            if workloads is None:
                total += balance_cost(loads.served[p], balance_target(rules, person), w.service_balance)
            else:
                total += person_balance_cost(problem, p, workloads.minutes[p], fixed[p])
            total += balance_cost(loads.case_managed[p], case_management_target(rules, person),
                                  w.case_management_balance)
            total += overload_cost(problem, p, loads.served[p])
            cost = problem.position_costs.get(person.staff_id)
            if cost is not None and (any(loads.by_service[p].values()) or loads.case_managed[p]):
                total += cost
        out.append(total)
    return out


def component_loads(problem: Problem, plan: Plan, component: Component) -> Loads:
    """The loads of the component's people (everyone else's read 0): what ``component_objectives`` needs
    for that component alone, without a pass over the whole district's plan."""
    rules = problem.rules
    by_service: list[dict[str, int]] = [{} for _ in problem.staff]
    served = [0] * len(problem.staff)
    managed = [0] * len(problem.staff)
    for d in component.demands:
        p = plan.providers[d]
        if p is not None:
            service = problem.demands[d].service
            by_service[p][service] = by_service[p].get(service, 0) + 1
    for p in component.staff:
        role = rules.roles.get(problem.staff[p].role)
        served[p] = by_service[p].get(role.caseload_service, 0) if role and role.caseload_service else 0
    for s in component.students:
        m = plan.case_managers[s]
        if m is not None:
            managed[m] += 1
    return Loads(tuple(served), tuple(by_service), tuple(managed))


def broken_average_caps(problem: Problem, plan: Plan, roles: Sequence[str]) -> list[str]:
    """The roles among ``roles`` whose district average the plan exceeds."""
    loads = compute_loads(problem, plan)
    return [role for role in roles if average_cap_room(problem, loads, role)[0] < 0]


class ComponentPricer:
    """One district-long plan to price one component's part at a time (the rest of it is ignored)."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.providers: list[int | None] = [None] * len(problem.demands)
        self.managers: list[int | None] = [None] * len(problem.students)

    def objective(self, component: Component, providers: dict[int, int | None],
                  managers: dict[int, int | None]) -> int:
        for d, p in providers.items():
            self.providers[d] = p
        for s, m in managers.items():
            self.managers[s] = m
        plan = Plan(providers=tuple(self.providers), case_managers=tuple(self.managers))
        return component_objectives(self.problem, plan, [component], component_loads(self.problem, plan, component))[0]


def mix(plan: Plan, other: Plan, components: Sequence[Component]) -> Plan:
    """``plan`` with the given components' providers and case managers taken from ``other``."""
    providers, managers = list(plan.providers), list(plan.case_managers)
    for component in components:
        for d in component.demands:
            providers[d] = other.providers[d]
        for s in component.students:
            managers[s] = other.case_managers[s]
    return Plan(providers=tuple(providers), case_managers=tuple(managers))


def keep_better(problem: Problem, plan: Plan, cheap: Plan, components: Sequence[Component],
                average_roles: Sequence[str] = ()) -> tuple[Plan, list[int], list[bool]]:
    """Per component the cheaper of ``plan`` and ``cheap``: (mixed plan, its objective per component,
    whether each component took ``cheap``'s part).

    ``average_roles``: district averages the mixed plan must keep; when mixing
    would break one, the cheaper of the two whole plans is returned instead.
    """
    mine = component_objectives(problem, plan, components)
    theirs = component_objectives(problem, cheap, components)
    took = [t < m for m, t in zip(mine, theirs, strict=True)]
    if not any(took):
        return plan, mine, took
    mixed = mix(plan, cheap, [c for c, t in zip(components, took, strict=True) if t])
    loads = compute_loads(problem, mixed)
    if all(average_cap_room(problem, loads, role)[0] >= 0 for role in average_roles):
        return mixed, [min(m, t) for m, t in zip(mine, theirs, strict=True)], took
    if sum(theirs) < sum(mine):
        return cheap, theirs, [True] * len(components)
    return plan, mine, [False] * len(components)
