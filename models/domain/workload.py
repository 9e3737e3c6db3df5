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
from typing import TYPE_CHECKING

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
    for a in plan.assessors:
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
