"""Caps and targets, computed once for the checker, the optimizer and the outputs.

A person's prorated caseload cap, the load used to balance their caseload,
their case-management target and load ratio; and a role's district-wide
average cap (the SLP average of 55 per FTE, EC 56363.3): who counts, the FTE
behind it and the pupils it allows (:func:`district_average`).

Proposed hires (the staffing search's positions, ``Problem.position_costs``)
add their FTE to a district average only once open, i.e. once they serve or
manage anyone. :func:`district_average` therefore takes the open positions:
``opened=None`` means "without proposed hires" (the FTE the district surely
has, what the solver's base budget, the greedy plan and the binding test use),
and the checker passes the positions its plan opens.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from models.domain.problem import Problem, Staff
from models.domain.rules import Rules

if TYPE_CHECKING:  # only a type: plan.py imports this module
    from models.domain.plan import Loads


def caseload_cap(rules: Rules, staff: Staff) -> int | None:
    """Hard per-person cap on pupils of the role's caseload service, or None.

    The local cap (:func:`local_cap`), unless it is soft (:func:`soft_cap`):
    then the limit that never bends, the legal cap or the role's overload_max.
    """
    soft = soft_cap(rules, staff)
    return local_cap(rules, staff) if soft is None else soft.limit


def local_cap(rules: Rules, staff: Staff) -> int | None:
    """The person's cap before any overload: the cap balance aims under.

    The role's cap (28 for a resource specialist, 32 with a waiver; 40 for a
    preschool-only SLP) is prorated by FTE and rounded down. ``max_caseload``
    is the person's own cap, taken as written: it replaces a local default but
    can only lower a legal cap.
    """
    role = rules.roles.get(staff.role)
    if role is None:
        return staff.max_caseload
    base = role.cap
    legal = role.cap_is_legal
    if staff.rsp_waiver and role.waiver_cap is not None:
        base = role.waiver_cap
    if staff.preschool_only and role.preschool_cap is not None:
        base, legal = role.preschool_cap, True
    prorated = None if base is None else math.floor(base * staff.fte + 1e-9)
    if staff.max_caseload is None:
        return prorated
    if prorated is not None and legal:
        return min(prorated, staff.max_caseload)
    return staff.max_caseload


@dataclass(frozen=True, slots=True)
class SoftCap:
    """A local cap that bends: each pupil over ``local`` costs ``cost``; ``limit`` never bends."""

    local: int
    cost: int
    limit: int

    def pay(self, served: int) -> int:
        """What the pupils over the local cap cost (the contract's overload pay)."""
        return self.cost * max(0, served - self.local)


def soft_cap(rules: Rules, staff: Staff) -> SoftCap | None:
    """The person's soft local cap, or None when their cap is hard.

    Soft when the staff row or the role gives an ``overload_cost``. The limit
    is the legal cap (a resource specialist's 28, prorated), else the role's
    ``overload_max`` (prorated); with neither, or with no room between the
    local cap and the limit, the cap stays hard.
    """
    role = rules.roles.get(staff.role)
    cost = staff.overload_cost if staff.overload_cost is not None else (role.overload_cost if role else None)
    local = local_cap(rules, staff)
    if role is None or cost is None or local is None:
        return None
    if staff.preschool_only and role.preschool_cap is not None:
        ceiling = role.preschool_cap
    elif role.cap_is_legal:
        ceiling = role.waiver_cap if staff.rsp_waiver and role.waiver_cap is not None else role.cap
    else:
        ceiling = role.overload_max
    if ceiling is None:
        return None
    limit = math.floor(ceiling * staff.fte + 1e-9)
    return SoftCap(local, cost, limit) if limit > local else None


def overload(rules: Rules, staff: Staff, served: int) -> int:
    """Pupils over the person's soft local cap (0 when within it or the cap is hard)."""
    soft = soft_cap(rules, staff)
    return 0 if soft is None else max(0, served - soft.local)


def balance_target(rules: Rules, staff: Staff) -> float | None:
    """Full load used to balance the caseload service: the local cap, average cap or target."""
    cap = local_cap(rules, staff)
    if cap is not None:
        return float(cap) if cap > 0 else None
    role = rules.roles.get(staff.role)
    if role is None:
        return None
    full = role.average_cap if role.average_cap is not None else role.balance_target
    return None if full is None else full * staff.fte


def case_management_target(rules: Rules, staff: Staff) -> float | None:
    role = rules.roles.get(staff.role)
    if role is None or role.case_management_target is None:
        return None
    return role.case_management_target * staff.fte


def load_ratio(rules: Rules, staff: Staff, served: int) -> float | None:
    """Pupils on the caseload service over the balance target (1.0 = a full load); None without a target."""
    target = balance_target(rules, staff)
    return None if not target else served / target


def average_cap_members(problem: Problem, role: str, among: Iterable[int] | None = None) -> list[int]:
    """Available staff of ``role``: whom a district average cap counts (optionally only ``among``)."""
    people = range(len(problem.staff)) if among is None else among
    return [p for p in people if problem.staff[p].role == role and problem.staff[p].available]


def average_budget(average_cap: int, fte: float) -> int:
    """Pupils allowed in total under a district-wide average cap."""
    return int(average_cap * fte + 1e-9)


@dataclass(frozen=True, slots=True)
class DistrictAverage:
    """A role's district-wide average cap: who counts, the FTE behind it, the pupils it allows."""

    members: tuple[int, ...]
    fte: float
    budget: int


def district_average(problem: Problem, role: str, among: Iterable[int] | None = None,
                     opened: Collection[int] | None = None) -> DistrictAverage:
    """Members, FTE and budget of ``role``'s district average (the one place they are computed).

    A proposed position counts only when it is in ``opened``; ``opened=None``
    leaves every proposed position out (see the module note).
    """
    members = tuple(average_cap_members(problem, role, among))
    costs = problem.position_costs
    fte = sum(problem.staff[p].fte for p in members
              if problem.staff[p].staff_id not in costs or (opened is not None and p in opened))
    average_cap = problem.rules.roles[role].average_cap
    return DistrictAverage(members, fte, 0 if average_cap is None else average_budget(average_cap, fte))


def open_positions(problem: Problem, loads: Loads) -> set[int]:
    """Proposed positions (staff indices) that carry any load in a plan: the ones it opens."""
    out = set()
    for staff_id in problem.position_costs:
        p = problem.staff_index.get(staff_id)
        if p is not None and (any(loads.by_service[p].values()) or loads.case_managed[p]):
            out.add(p)
    return out


def average_cap_room(problem: Problem, loads: Loads, role: str) -> tuple[int, float]:
    """(pupils still allowed under the role's district average, the FTE behind it); negative when exceeded."""
    average = district_average(problem, role, opened=open_positions(problem, loads))
    return average.budget - sum(loads.served[p] for p in average.members), average.fte
