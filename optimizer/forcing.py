"""Exact explanations: the best plan in which a given person takes a given role.

The student's component (``optimizer.decompose``: nothing outside it can
change what happens inside) is planned again with the pair forced
(``Component.forced``, taken by ``CaseloadModel._take_forced_pairs``); the
rest of the district keeps the plan. A binding district average (the SLP
average, EC 56363.3) holds as this component's share: the budget minus the
pupils the plan gives the role's members elsewhere. The cost is that plan's
objective minus the plan's, both over the component; the moves are what the
forced plan changes against the plan.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from models.domain.caps import district_average
from models.domain.plan import Plan, compute_loads, objective_terms
from models.domain.problem import Problem
from models.domain.rule_table import CASE_MANAGER
from models.workflows.explanations import AT_CAP, COSTLIER, NEAREST, Alternative, Explainer, staff_id
from optimizer.component_solver import tuned_solver
from optimizer.decompose import Component, Forced, binding_average_caps, split
from optimizer.model import CaseloadModel
from optimizer.solve import SolveOptions, planning_candidates


@dataclass(frozen=True, slots=True)
class Move:
    """One assignment the forced plan changes: ``role`` of ``student_id`` from one staff id to another."""

    student_id: str
    role: str
    from_id: str
    to_id: str

    def words(self) -> str:
        return f"{self.student_id} {self.role}: {self.from_id or 'nobody'} -> {self.to_id or 'nobody'}"


@dataclass(frozen=True, slots=True)
class ForcedOutcome:
    """The best plan with the pair: its status, its cost over the plan's, and the moves it needs."""

    status: str  # OPTIMAL (proven best with the pair), FEASIBLE, INFEASIBLE (no legal plan has it), UNKNOWN
    cost_delta: int | None
    moves: tuple[Move, ...] = ()


class ExactExplainer:
    """Re-plans one student's component with a pair forced; the district is read once."""

    def __init__(self, problem: Problem, plan: Plan, options: SolveOptions | None = None) -> None:
        self.problem, self.plan = problem, plan
        self.options = options or SolveOptions(workers=1, time_limit=30.0)
        self.cands = planning_candidates(problem)
        self._binding = binding_average_caps(problem, self.cands)
        self._components = split(problem, self.cands, couple=())
        self._of_student = {s: i for i, c in enumerate(self._components) for s in c.students}
        self._loads = compute_loads(problem, plan)

    def component(self, s: int) -> Component:
        """The student's component, with its share of each binding district average."""
        component = self._components[self._of_student[s]]
        inside = set(component.staff)
        shares = []
        for role in self._binding:
            average = district_average(self.problem, role)
            members = [p for p in average.members if p in inside]
            if members:
                elsewhere = sum(self._loads.served[p] for p in average.members if p not in inside)
                shares.append((role, max(0, average.budget - elsewhere)))
        return dataclasses.replace(component, shares=tuple(shares))

    def component_objective(self, component: Component, plan: Plan) -> int:
        """The objective of ``plan`` over the component alone (its students, services and staff)."""
        problem = self.problem
        staff = list(component.staff)
        new_index = {p: i for i, p in enumerate(staff)}
        students = list(component.students)
        sub = dataclasses.replace(problem, students=tuple(problem.students[s] for s in students),
                                  staff=tuple(problem.staff[p] for p in staff))
        providers = [new_index.get(plan.providers[d]) if plan.providers[d] is not None else None
                     for s in students for d in problem.demands_of[s]]
        managers = [new_index.get(plan.case_managers[s]) if plan.case_managers[s] is not None else None
                    for s in students]
        return objective_terms(sub, Plan(tuple(providers), tuple(managers))).total

    def force(self, s: int, role: str, staff: int) -> ForcedOutcome:
        """The best plan in which ``staff`` takes ``role`` (``case_manager`` or a service) for student ``s``."""
        problem = self.problem
        demand = None
        if role != CASE_MANAGER:
            demand = next(d for d in problem.demands_of[s] if problem.demands[d].service == role)
        component = dataclasses.replace(self.component(s), forced=(Forced(staff, s, demand),))
        built = CaseloadModel(problem, self.cands, component)
        # lexicographic: the objective first, then the fewest changes against the plan (ties the solver would
        # break otherwise are not moves); one more change never outweighs one unit of the objective
        changes = built.changes_from(self.plan)
        built.model.minimize((len(changes) + 1) * built.objective + sum(changes))
        solver = tuned_solver(self.options, self.options.time_limit)
        status = solver.status_name(solver.solve(built.model))
        if status not in ("OPTIMAL", "FEASIBLE"):
            return ForcedOutcome(status, None)
        forced = self._merged(built, solver)
        cost = self.component_objective(component, forced) - self.component_objective(component, self.plan)
        return ForcedOutcome(status, cost, self._moves(component, forced))

    def _merged(self, built: CaseloadModel, solver) -> Plan:
        """The plan with the component's part replaced by the solver's."""
        providers, managers = list(self.plan.providers), list(self.plan.case_managers)
        got_providers, got_managers = built.read_solution(solver)
        for d, p in got_providers.items():
            providers[d] = p
        for t, m in got_managers.items():
            managers[t] = m
        return Plan(tuple(providers), tuple(managers))

    def _moves(self, component: Component, forced: Plan) -> tuple[Move, ...]:
        problem, plan = self.problem, self.plan

        def sid(p: int | None) -> str:
            return "" if p is None else problem.staff[p].staff_id

        moves = []
        for t in component.students:
            student_id = problem.students[t].student_id
            if forced.case_managers[t] != plan.case_managers[t]:
                moves.append(Move(student_id, CASE_MANAGER, sid(plan.case_managers[t]), sid(forced.case_managers[t])))
            for d in problem.demands_of[t]:
                if forced.providers[d] != plan.providers[d]:
                    moves.append(Move(student_id, problem.demands[d].service, sid(plan.providers[d]),
                                      sid(forced.providers[d])))
        return tuple(moves)


@dataclass(frozen=True, slots=True)
class ExactAlternative:
    """An alternative of explain.csv with its exact cost (None: ineligible, or nobody else)."""

    alternative: Alternative
    outcome: ForcedOutcome | None

    @property
    def cost_delta(self) -> int | None:
        return None if self.outcome is None else self.outcome.cost_delta

    def why(self, problem: Problem) -> str:
        alt, outcome = self.alternative, self.outcome
        if outcome is None:
            return alt.why
        if outcome.cost_delta is None:
            return f"no legal plan gives {staff_id(problem, alt.alternative)} this role ({outcome.status}); {alt.why}"
        proof = "proven" if outcome.status == "OPTIMAL" else f"best found, {outcome.status}"
        others = [m for m in outcome.moves if m.student_id != problem.students[alt.student].student_id]
        moved = f"; moves {len(others)} other assignment(s): " + ", ".join(m.words() for m in others[:5]) \
            if others else "; moves no one else"
        more = f" and {len(others) - 5} more" if len(others) > 5 else ""
        return (f"best plan with {staff_id(problem, alt.alternative)} as {alt.role}: objective "
                f"{outcome.cost_delta:+d} ({proof}){moved}{more}. As planned otherwise: {alt.why}")


def explain_student(problem: Problem, plan: Plan, s: int, options: SolveOptions | None = None,
                    limit: int | None = NEAREST) -> list[ExactAlternative]:
    """explain.csv's rows for one student, each eligible alternative priced exactly (a re-plan with the pair).

    Within each role: by exact cost, then at_cap (no plan found), then ineligible.
    """
    nearest = Explainer(problem, plan).student_rows(s, limit)
    exact = ExactExplainer(problem, plan, options)
    rows = []
    for alt in nearest:
        outcome = None
        if alt.verdict in (COSTLIER, AT_CAP) and alt.alternative is not None:
            outcome = exact.force(s, alt.role, alt.alternative)
        rows.append(ExactAlternative(alt, outcome))
    order = {COSTLIER: 0, AT_CAP: 1}
    roles = [CASE_MANAGER, *(problem.demands[d].service for d in problem.demands_of[s])]

    def key(row: ExactAlternative) -> tuple:
        cost = row.cost_delta
        return (roles.index(row.alternative.role), order.get(row.alternative.verdict, 2), cost is None, cost or 0)

    return sorted(rows, key=key)
