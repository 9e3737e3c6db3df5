"""The staffing gap: the fewest hires that let every service be delivered within caps.

1. Plan the district on its hard rules alone (every soft weight zero): what
   stays undone (unserved services, students without a case manager) is the
   unmet demand.
2. Derive candidate positions from it (``models.workflows.hiring``) and add them all as
   proposed staff, each with a price (``Problem.position_costs``): a person
   costs more than any FTE saving, so the solver minimises what stays undone
   first (its weight exceeds every price together), then the number of
   hires, then their FTE. An OPTIMAL status proves that no smaller set of the
   candidate positions does as well.
3. Order the hires by value: each next hire is the one that most reduces what
   stays undone given those before it; then plan the district with the first
   k hires (k = 0..n) under the full objective for the curve.

Nothing here reads files or knows a credential code: both come from the rules.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from models.domain.caps import load_ratio
from models.domain.plan import Plan, Result, compute_loads, plan_kpis
from models.domain.problem import Problem, Staff
from models.workflows.hiring import CurvePoint, Hire, StaffingResult, candidate_positions, proposed_staff, taken_by
from optimizer.decompose import split
from optimizer.solve import SolveOptions, planning_candidates, solve

FTE_UNIT = 0.5


def hard_rules_only(problem: Problem) -> Problem:
    """The problem with every soft weight zero: only what stays undone counts."""
    weights = dataclasses.replace(problem.rules.weights, best_practice_rank=0, service_balance=0,
                                  case_management_balance=0, change_case_manager=0, change_provider=0)
    return dataclasses.replace(problem, rules=dataclasses.replace(problem.rules, weights=weights))


def undone(plan: Plan) -> int:
    """Services unserved plus students without a case manager."""
    return sum(p is None for p in plan.providers) + sum(m is None for m in plan.case_managers)


def with_hires(problem: Problem, hires: Sequence[Staff]) -> Problem:
    return dataclasses.replace(problem, staff=problem.staff + tuple(hires))


def position_prices(people: Sequence[Staff]) -> dict[str, int]:
    """Price of each proposed person: one head (worth more than every FTE unit together) plus its FTE units."""
    head = 1 + sum(round(p.fte / FTE_UNIT) for p in people)
    return {p.staff_id: head + round(p.fte / FTE_UNIT) for p in people}


def search_problem(problem: Problem, people: Sequence[Staff]) -> Problem:
    """The hard-rules problem with every proposed person priced, undone work dearer than all of them."""
    short = hard_rules_only(problem)
    prices = position_prices(people)
    w = short.rules.weights
    floor = sum(prices.values()) + 1
    weights = dataclasses.replace(w, unserved_service=max(w.unserved_service, floor),
                                  unassigned_student=max(w.unassigned_student, floor))
    return dataclasses.replace(with_hires(short, people), position_costs=prices,
                               rules=dataclasses.replace(short.rules, weights=weights))


def opened(problem: Problem, plan: Plan, people: Sequence[Staff]) -> list[Staff]:
    """The proposed people the plan gives a service or a case."""
    loads = compute_loads(problem, plan)
    index = problem.staff_index
    return [p for p in people
            if any(loads.by_service[index[p.staff_id]].values()) or loads.case_managed[index[p.staff_id]]]


def order_by_value(problem: Problem, hires: Sequence[Hire], options: SolveOptions) -> list[tuple[Hire, int]]:
    """Greedy: each next hire the one leaving the least undone given those before (fewer FTE on ties).

    Returns (hire, undone after it) pairs. Each evaluation is a hard-rules plan.
    """
    short = hard_rules_only(problem)
    chosen: list[Hire] = []
    out: list[tuple[Hire, int]] = []
    left = list(hires)
    while left:
        best: tuple[int, float, int] | None = None
        tried: dict[tuple, int] = {}
        for i, hire in enumerate(left):
            kind = (hire.position, hire.staff.fte)  # identical copies need one evaluation
            if kind not in tried:
                result = solve(with_hires(short, [h.staff for h in chosen] + [hire.staff]), options)
                tried[kind] = undone(result.plan)
            key = (tried[kind], hire.staff.fte, i)
            if best is None or key < best:
                best = key
        hire = left.pop(best[2])
        chosen.append(hire)
        out.append((hire, best[0]))
    return out


def focus(problem: Problem, plan: Plan) -> Problem:
    """The part of the district hires can change: the components holding unmet demand.

    Components are independent (those an SLP average could couple come merged),
    so a hire changes nothing outside the components it can serve; searching
    and ordering on this part alone is exact and far smaller.
    """
    keep_students: set[int] = set()
    keep_staff: set[int] = set()
    for component in split(problem, planning_candidates(problem)):
        if (any(plan.providers[d] is None for d in component.demands)
                or any(plan.case_managers[s] is None for s in component.students)):
            keep_students.update(component.students)
            keep_staff.update(component.staff)
    students = tuple(problem.students[s] for s in sorted(keep_students))
    ids = {student.student_id for student in students}
    return dataclasses.replace(problem, students=students, staff=tuple(problem.staff[p] for p in sorted(keep_staff)),
                               current_providers={k: v for k, v in problem.current_providers.items() if k[0] in ids})


def role_ratios(problem: Problem, plan: Plan, skip: set[str] = frozenset()) -> dict[str, float]:
    """Highest load ratio per role, over the staff whose ids are not in ``skip``."""
    loads = compute_loads(problem, plan)
    out: dict[str, float] = {}
    for p, person in enumerate(problem.staff):
        if person.available and person.staff_id not in skip:
            ratio = load_ratio(problem.rules, person, loads.served[p])
            if ratio is not None:
                out[person.role] = max(out.get(person.role, 0.0), ratio)
    return out


def curve_point(problem: Problem, hires: Sequence[Hire], roles: set[str], options: SolveOptions,
                elsewhere: dict[str, float] | None = None) -> CurvePoint:
    """The plan with these hires, under the full objective; ``elsewhere``: the rest of the district's ratios."""
    planned = with_hires(problem, [h.staff for h in hires])
    result: Result = solve(planned, options)
    kpis = plan_kpis(planned, result.plan)
    ratios = [v.max_load_ratio for role, v in kpis.roles.items() if role in roles]
    ratios += [ratio for role, ratio in (elsewhere or {}).items() if role in roles]
    serves, students = taken_by(planned, result.plan, planned.staff_index[hires[-1].staff.staff_id]) if hires \
        else ((), 0)
    return CurvePoint(hires=len(hires), unserved=kpis.services_unserved, unassigned=kpis.unassigned,
                      max_load_ratio=round(max(ratios), 4) if ratios else None, status=result.status,
                      serves=serves, students=students)


def find_hires(problem: Problem, options: SolveOptions | None = None) -> StaffingResult:
    """The fewest hires (then the least FTE) among positions derived from the unmet demand, by value."""
    options = options or SolveOptions()
    base = solve(hard_rules_only(problem), options)
    if undone(base.plan) == 0:
        point = curve_point(problem, [], set(), options)
        return StaffingResult(hires=(), curve=(point,), status=base.status, candidates=0,
                              objective=base.objective, best_bound=base.best_bound)
    part = focus(problem, base.plan)
    part_base = solve(hard_rules_only(part), options)
    positions = candidate_positions(part, part_base.plan)
    if not positions:
        point = curve_point(problem, [], set(), options)
        return StaffingResult(hires=(), curve=(point,), status=base.status, candidates=0,
                              objective=base.objective, best_bound=base.best_bound)
    proposed = proposed_staff(part, positions)
    people = [person for person, _ in proposed]
    search = search_problem(part, people)
    result = solve(search, options)
    open_ids = {p.staff_id for p in opened(search, result.plan, people)}
    hires = [Hire(person, position) for person, position in proposed if person.staff_id in open_ids]
    ordered = [hire for hire, _ in order_by_value(part, hires, options)]
    roles = {h.staff.role for h in ordered}
    # the rest of the district keeps its plan whatever is hired: its load ratios enter every point
    whole = solve(problem, options)
    elsewhere = role_ratios(problem, whole.plan, skip={p.staff_id for p in part.staff})
    curve = tuple(curve_point(part, ordered[:k], roles, options, elsewhere) for k in range(len(ordered) + 1))
    return StaffingResult(hires=tuple(ordered), curve=curve, status=result.status, candidates=len(people),
                          objective=result.objective, best_bound=result.best_bound)
