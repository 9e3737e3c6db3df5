"""Re-plan after staff changes, starting from the current plan.

Mid-year, a new case manager or provider costs the student and family more
than at the yearly planning, so rebalancing weighs every change by
``disruption_weight`` times the rules' change penalties (``change_case_manager``,
``change_provider``). At the default of 10 a change costs 400 (a service) or
600 (a case manager), more than the balance gain one pupil brings when moved
between two people below twice their target loads (under 4 x
``service_balance``): students move when a hard rule or a cap forces it, or to
serve someone who would otherwise go unserved, and otherwise stay. A lower
weight lets the plan also even out loads.
"""

from __future__ import annotations

import dataclasses

from models.domain.plan import Result
from models.domain.problem import Problem
from optimizer.solve import SolveOptions, solve

DISRUPTION_WEIGHT = 10.0


def with_disruption_weight(problem: Problem, factor: float) -> Problem:
    """The problem with its change penalties multiplied by ``factor`` (rounded to whole numbers)."""
    if factor < 0:
        raise ValueError("the disruption weight must not be negative")
    weights = problem.rules.weights
    scaled = dataclasses.replace(
        weights,
        change_case_manager=round(weights.change_case_manager * factor),
        change_provider=round(weights.change_provider * factor),
    )
    return dataclasses.replace(problem, rules=dataclasses.replace(problem.rules, weights=scaled))


def rebalance(problem: Problem, options: SolveOptions | None = None,
              disruption_weight: float = DISRUPTION_WEIGHT) -> tuple[Problem, Result]:
    """The re-plan and the problem it solved (the change penalties weighted); at most
    ``options.max_moves`` changes when given."""
    weighted = with_disruption_weight(problem, disruption_weight)
    return weighted, solve(weighted, options or SolveOptions())
