"""Weekly workload: what each person's week holds, not just how many pupils.

Computed from a plan and the rules' ``[workload]`` table alone (no solver), so
``check_plan`` and the writers recompute the same integers the model uses:

    workload = sum over the pupils' services they deliver of the IEP minutes,
               divided by the service's group size (a class shares its teacher),
               grossed up by the indirect share (ASHA 3:1: direct / 0.75)
             + case_management_minutes x cases managed
             + assessment_minutes x pending initial assessments assigned
             + travel_minutes x (sites where they serve or manage a pupil - 1)

    workload_ratio = workload / (contract_minutes x FTE)
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from models.domain.assessments import problem_assessors
from models.domain.issues import Issue
from models.domain.problem import Demand, Problem, Staff
from models.domain.rules import Workload

if TYPE_CHECKING:  # plan.py imports this module
    from models.domain.plan import Plan


@dataclass(frozen=True, slots=True)
class Workloads:
    """Per staff member (in ``Problem.staff`` order): weekly minutes and ratio to capacity."""

    minutes: tuple[int, ...]
    ratios: tuple[float | None, ...]  # None for an unavailable person


def direct_minutes(workload: Workload, demand: Demand) -> int:
    """The IEP's weekly minutes of this service, or the rules' default when blank."""
    return demand.minutes if demand.minutes is not None else workload.default_minutes.get(demand.service, 0)


def service_workload(workload: Workload, demand: Demand) -> int:
    """Weekly workload of delivering one (student, service): direct minutes plus their indirect share."""
    return workload.service_minutes(demand.service, direct_minutes(workload, demand))


def defaulted_demands(problem: Problem) -> list[int]:
    """Demands whose minutes are blank, so the workload uses the rules' default minutes."""
    if problem.rules.workload is None:
        return []
    return [d for d, demand in enumerate(problem.demands) if demand.minutes is None]


def capacity(workload: Workload, person: Staff) -> float:
    """Weekly contract minutes prorated by FTE."""
    return workload.contract_minutes * person.fte


def extra_sites(sites: set[str]) -> int:
    """Sites beyond the first, each a weekly trip."""
    return max(0, len(sites) - 1)


def compute_workloads(problem: Problem, plan: Plan) -> Workloads | None:
    """Every person's weekly workload minutes and ratio; None when the rules have no ``[workload]``."""
    workload = problem.rules.workload
    if workload is None:
        return None
    minutes = [0] * len(problem.staff)
    sites: list[set[str]] = [set() for _ in problem.staff]
    for demand, p in zip(problem.demands, plan.providers, strict=True):
        if p is not None:
            minutes[p] += service_workload(workload, demand)
            sites[p].add(problem.students[demand.student].site)
    for student, m in zip(problem.students, plan.case_managers, strict=True):
        if m is not None:
            minutes[m] += workload.case_management_minutes
            sites[m].add(student.site)
    # the sharing of pending assessments depends on the problem alone: a plan without it gets the problem's
    for a in plan.assessors or (problem_assessors(problem) if problem.assessments else ()):
        if a is not None:
            minutes[a] += workload.assessment_minutes
    for p, visited in enumerate(sites):
        minutes[p] += workload.travel_minutes * extra_sites(visited)
    ratios = tuple(
        minutes[p] / capacity(workload, person) if person.available else None
        for p, person in enumerate(problem.staff)
    )
    return Workloads(tuple(minutes), ratios)


def workload_kpis(problem: Problem, workloads: Workloads | None) -> dict[str, dict[str, float]]:
    """Per role (available staff): the highest workload ratio and the spread (max - min) of ratios."""
    if workloads is None:
        return {}
    by_role: dict[str, list[float]] = defaultdict(list)
    for person, ratio in zip(problem.staff, workloads.ratios, strict=True):
        if ratio is not None:
            by_role[person.role].append(ratio)
    return {
        role: {
            "max_workload_ratio": round(max(values), 4),
            "workload_ratio_spread": round(max(values) - min(values), 4),
            "workload_ratio_stddev": round(statistics.pstdev(values), 4) if len(values) > 1 else 0.0,
        }
        for role, values in sorted(by_role.items())
    }


def defaulted_minutes_issue(problem: Problem, file: str, shown: int = 10) -> Issue | None:
    """One warning naming (by id) the students whose service minutes the workload assumes, or None."""
    defaulted = defaulted_demands(problem)
    if not defaulted:
        return None
    ids = list(dict.fromkeys(problem.students[problem.demands[d].student].student_id for d in defaulted))
    more = f" and {len(ids) - shown} more" if len(ids) > shown else ""
    return Issue("warning", file, f"{len(defaulted)} service(s) of {len(ids)} student(s) have no weekly minutes; "
                 f"the workload assumes the rules' default minutes for them (students {', '.join(ids[:shown])}{more})",
                 column="services")


# -- balancing on workload ---------------------------------------------------------------------

# The workload balance cost is piecewise linear in weekly minutes, with a breakpoint every
# 1/SEGMENTS_PER_CAPACITY of the person's capacity up to BALANCE_EXACT_RATIO x capacity (then linear).
SEGMENTS_PER_CAPACITY = 20
BALANCE_EXACT_RATIO = 2


def balances_workload(problem: Problem) -> bool:
    """Balance on workload minutes (not head counts)? The rules' ``balance_on``; when it is not
    given, workload whenever the students table carries minutes."""
    workload = problem.rules.workload
    if workload is None:
        return False
    if workload.balance_on is not None:
        return workload.balance_on == "workload"
    return problem.has_minutes


def balance_choice(problem: Problem) -> tuple[str, str]:
    """(``"workload"`` or ``"students"``, why): what the balance term evened out, in a director's words."""
    workload = problem.rules.workload
    if workload is None:
        return "students", "the rules file has no [workload] table"
    if workload.balance_on is not None:
        return workload.balance_on, f'the rules file sets balance_on = "{workload.balance_on}"'
    if problem.has_minutes:
        return "workload", "the students table gives weekly service minutes"
    return "students", "the students table gives no weekly service minutes"


def capacity_minutes(workload: Workload, person: Staff) -> int:
    """Weekly capacity in whole minutes (contract minutes x FTE)."""
    return max(1, round(workload.contract_minutes * person.fte))


@dataclass(frozen=True, slots=True)
class BalanceCurve:
    """The convex workload balance cost of one person: a line per segment of ``step`` minutes.

    Segment k covers [k*step, (k+1)*step]; cost there is ceil(base[k] + slope[k] * (W - k*step) / step),
    the marginal ``slope[k]`` (per segment) is non-decreasing, and the last segment extends beyond.
    Built so that ``weight`` * (W / capacity)^2 * capacity / unit is matched at the breakpoints: equal
    people get equal ratios, and an hour of weekly workload (``unit`` minutes) at a full week weighs like a
    pupil in the head-count balance.
    """

    step: int
    base: tuple[int, ...]
    slope: tuple[int, ...]

    def cost(self, minutes: int) -> int:
        if minutes <= 0 or not self.slope:
            return 0
        k = min(minutes // self.step, len(self.slope) - 1)
        return -(-(self.base[k] * self.step + self.slope[k] * (minutes - k * self.step)) // self.step)


@lru_cache(maxsize=4096)
def balance_curve(capacity: int, weight: int, unit: int) -> BalanceCurve:
    step = max(1, round(capacity / SEGMENTS_PER_CAPACITY))
    segments = BALANCE_EXACT_RATIO * SEGMENTS_PER_CAPACITY
    if weight <= 0:
        return BalanceCurve(step, (), ())
    slope = tuple(round(weight * (2 * k + 1) * step * step / (capacity * unit)) for k in range(segments))
    base = tuple(sum(slope[:k]) for k in range(segments))
    return BalanceCurve(step, base, slope)


def person_curve(problem: Problem, person: Staff) -> BalanceCurve:
    workload = problem.rules.workload
    assert workload is not None
    return balance_curve(capacity_minutes(workload, person), problem.rules.weights.service_balance,
                         workload.balance_unit_minutes)


def fixed_minutes(problem: Problem) -> tuple[int, ...]:
    """Per person: the weekly minutes no plan changes (their share of the pending assessments)."""
    workload = problem.rules.workload
    out = [0] * len(problem.staff)
    if workload is not None and problem.assessments:
        for p in problem_assessors(problem):
            if p is not None:
                out[p] += workload.assessment_minutes
    return tuple(out)


def person_balance_cost(problem: Problem, staff: int, minutes: int, fixed: int) -> int:
    """One person's workload balance cost, measured from their fixed minutes (a constant that no plan
    changes, so a person with nothing to plan costs 0 and every term belongs to one component)."""
    person = problem.staff[staff]
    if not person.available:
        return 0
    curve = person_curve(problem, person)
    return curve.cost(minutes) - curve.cost(fixed)


def workload_balance_cost(problem: Problem, workloads: Workloads) -> int:
    """The workload balance term: the sum over available staff of their curve at their workload."""
    fixed = fixed_minutes(problem)
    return sum(person_balance_cost(problem, p, minutes, fixed[p]) for p, minutes in enumerate(workloads.minutes))
