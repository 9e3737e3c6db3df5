"""The plan and bound a solve has before any flow or search: cheap, legal and honest.

**Plan.** Per component the cheaper of two cheap plans: the greedy plan
(``optimizer/greedy.py``: what a director does by hand) and the most-services
plan (a maximum flow over sites, eligibility, locks, caps and district
averages serves as many services as any legal plan can, R3 repaired; case
managers as the greedy plan picks them). Unserved services dominate the
objective, so the second is usually far better: on connected-70000 greedy
leaves 1,166 services unserved, the maximum flow 691, the optimum 691.

**Bound.** Every objective term is >= 0, so a component costs at least what
no legal plan can avoid: an unserved service for each service the maximum
flow cannot route (it relaxes R3 and the balance, so it serves at least as
many as any legal plan), the continuity penalty of each service or case whose
person on record may no longer take it, and an unassigned student for each
student nobody may manage. A district average that may bind joins the
components holding its role into one (``decompose.split``), so the maximum
flow falls apart into the components' own maxima and each component's share
is a bound for that component alone.
"""

from __future__ import annotations

from collections.abc import Sequence

from models.domain.candidates import Candidates
from models.domain.plan import Plan
from models.domain.problem import Problem
from models.domain.servable import most_services
from optimizer.better import component_objectives, keep_better
from optimizer.decompose import Component
from optimizer.greedy import drop_unsupported_instruction, greedy_managers, greedy_providers


def most_services_plan(problem: Problem, cands: Candidates) -> tuple[Plan, dict[int, int]]:
    """(the most-services plan, the maximum flow's assignment before the R3 repair)."""
    assigned = most_services(problem, cands.providers, range(len(problem.demands)))
    providers: list[int | None] = [assigned.get(d) for d in range(len(problem.demands))]
    drop_unsupported_instruction(problem, providers)
    return Plan(providers=tuple(providers), case_managers=greedy_managers(problem, cands, providers)), assigned


def cheap_bounds(problem: Problem, cands: Candidates, components: Sequence[Component],
                 routed: dict[int, int]) -> list[int]:
    """Per component a valid lower bound on its objective (``routed``: a maximum flow's assignment)."""
    w = problem.rules.weights
    index = problem.staff_index
    out = []
    for component in components:
        total = w.unserved_service * sum(d not in routed for d in component.demands)
        for d in component.demands:
            student = problem.students[problem.demands[d].student]
            current = problem.current_providers.get((student.student_id, problem.demands[d].service))
            if current is not None and index.get(current) not in cands.providers[d]:
                total += w.change_provider
        for s in component.students:
            student = problem.students[s]
            current = student.current_case_manager
            if not cands.managers[s]:
                total += w.unassigned_student
            if current is not None and index.get(current) not in cands.managers[s]:
                total += w.change_case_manager
        out.append(total)
    return out


def stand_in(problem: Problem, cands: Candidates, components: Sequence[Component],
             average_roles: Sequence[str] = ()) -> tuple[Plan, list[int], list[int]]:
    """(per component the cheaper of the greedy and most-services plans, its objective per component,
    a valid lower bound per component).

    The greedy plan's case managers and objective are computed only when its unserved services alone
    do not already make it dearer than the most-services plan in every component (they usually do:
    that saves a third of this function's time at 70,000 students).
    """
    most, routed = most_services_plan(problem, cands)
    parts = component_objectives(problem, most, components)
    providers = greedy_providers(problem, cands)
    unserved = problem.rules.weights.unserved_service
    # every term is >= 0, so a component costs the greedy plan at least its unserved services
    floors = [unserved * sum(providers[d] is None for d in c.demands) for c in components]
    if any(floor < part for floor, part in zip(floors, parts, strict=True)):
        greedy = Plan(providers=providers, case_managers=greedy_managers(problem, cands, providers))
        most, parts, _ = keep_better(problem, most, greedy, components, average_roles)
    return most, parts, cheap_bounds(problem, cands, components, routed)
