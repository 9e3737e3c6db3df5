"""The plan's objective, term by term, computed from the data alone.

The CP-SAT model takes its coefficients from these functions and
:func:`models.domain.plan.check_plan` recomputes the objective of any plan with them,
so tests can assert that the solver's objective equals the recomputed one.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, fields
from functools import lru_cache

from models.domain.problem import Student
from models.domain.rules import Rules

# Past this multiple of the target the balance cost grows linearly: loads that
# high are already heavily penalised, and it keeps the model small.
BALANCE_EXACT_RATIO = 2.0


@dataclass(frozen=True, slots=True)
class ObjectiveTerms:
    """Weighted cost of each named penalty; ``total`` is the objective."""

    unserved_services: int = 0
    unassigned_students: int = 0
    best_practice: int = 0
    service_balance: int = 0
    case_management_balance: int = 0
    changed_case_managers: int = 0
    changed_providers: int = 0
    opened_positions: int = 0
    local_cap_overload: int = 0  # pupils over a soft local cap x its overload cost
    workload_balance: int = 0  # convex in each person's weekly workload over capacity (balance_on = workload)

    @property
    def total(self) -> int:
        return sum(getattr(self, f.name) for f in fields(self))

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, values: dict[str, int]) -> ObjectiveTerms:
        """Terms from values keyed by name (a name this type does not know is an error)."""
        unknown = set(values) - set(TERM_NAMES)
        if unknown:
            raise KeyError(f"unknown objective terms: {', '.join(sorted(unknown))}")
        return cls(**values)


# The name of each objective term: the model tags each of its costs with one, so
# every term (not only the total) can be compared with the recomputed plan.
TERM_NAMES: tuple[str, ...] = tuple(f.name for f in fields(ObjectiveTerms))
UNSERVED_SERVICES, UNASSIGNED_STUDENTS, BEST_PRACTICE = "unserved_services", "unassigned_students", "best_practice"
SERVICE_BALANCE, CASE_MANAGEMENT_BALANCE = "service_balance", "case_management_balance"
CHANGED_CASE_MANAGERS, CHANGED_PROVIDERS = "changed_case_managers", "changed_providers"
OPENED_POSITIONS, LOCAL_CAP_OVERLOAD = "opened_positions", "local_cap_overload"
WORKLOAD_BALANCE = "workload_balance"


@lru_cache(maxsize=4096)
def balance_marginals(target: float, weight: int) -> tuple[int, ...]:
    """Marginal cost of the 1st, 2nd, ... pupil for a person with this full load.

    The cost is ``weight * load**2 / target`` at integer loads (rounded per
    pupil), so minimising the sum equalises ``load / target``: equal people
    get equal loads and a 0.5 FTE gets half. Past BALANCE_EXACT_RATIO x target
    each further pupil costs the last marginal.
    """
    if weight <= 0 or target <= 0:
        return (0,)
    exact = max(1, math.ceil(BALANCE_EXACT_RATIO * target))
    return tuple(math.floor(weight * (2 * j - 1) / target + 0.5) for j in range(1, exact + 1))


def balance_cost(load: int, target: float | None, weight: int) -> int:
    if target is None or load <= 0:
        return 0
    marg = balance_marginals(target, weight)
    if load <= len(marg):
        return sum(marg[:load])
    return sum(marg) + marg[-1] * (load - len(marg))


def best_practice_services(rules: Rules, student: Student) -> tuple[str, ...]:
    """The student's services that may make their provider case manager, best first."""
    return _ranked(rules.best_practice_order, tuple(s.code for s in student.services))


@functools.lru_cache(maxsize=4096)
def _ranked(order: tuple[str, ...], codes: tuple[str, ...]) -> tuple[str, ...]:
    """``codes`` in ``order`` (a district has a few hundred service lists; every plan ranks each student's)."""
    have = set(codes)
    return tuple(s for s in order if s in have)


def best_practice_rank(rules: Rules, student: Student, delivered_by_manager: set[str] | frozenset[str],
                       manager_role: str) -> int:
    """0 when the case manager provides the student's best-ranked service.

    Each step down the best-practice order (SDC > RSP > speech > itinerant)
    adds one; a coordinator-role person (psychologist, program specialist)
    who delivers none of them comes next, and anyone else coordinating last.
    For a student with none of those services a coordinator is best practice.
    """
    return rank_among(rules, best_practice_services(rules, student), delivered_by_manager, manager_role)


def rank_among(rules: Rules, ranked: tuple[str, ...], delivered_by_manager: set[str] | frozenset[str],
               manager_role: str) -> int:
    """:func:`best_practice_rank` given the student's ranked services (computed once by a caller pricing many)."""
    for rank, service in enumerate(ranked):
        if service in delivered_by_manager:
            return rank
    return coordinating_rank(rules, len(ranked), manager_role)


def coordinating_rank(rules: Rules, n_ranked: int, manager_role: str) -> int:
    role = rules.roles.get(manager_role)
    return n_ranked if role is not None and role.coordinator else n_ranked + 1


def balance_change(load: int, change: int, target: float | None, weight: int) -> int:
    """What a person's balance cost changes by when ``change`` pupils join (or leave, negative) a load.

    Explanations and placements price a local change with this, so their
    marginals are the objective's own.
    """
    return balance_cost(load + change, target, weight) - balance_cost(load, target, weight)
