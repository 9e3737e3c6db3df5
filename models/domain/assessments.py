"""AB 560 initial assessments: who may take one, how evenly they are shared, and why not evenly.

EC 56362 as amended by AB 560 (Stats. 2025): the agency takes all reasonable
steps to distribute the workload of initial assessments across all resource
specialists equally, unless collectively bargained otherwise. Equal is
prorated by FTE (a 0.5 FTE resource specialist takes half). Which roles count
as resource specialists is data (``[workload] assessment_roles``).

Pure functions of the problem and a plan: the checker recomputes them
without a solver.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from ortools.graph.python import min_cost_flow

from models.domain.problem import Assessment, Problem, Staff

UNASSIGNED_REASON = "no available resource specialist serves site {site}"


def assessment_roles(problem: Problem) -> frozenset[str]:
    workload = problem.rules.workload
    return frozenset() if workload is None else workload.assessment_roles


def is_assessor(problem: Problem, person: Staff) -> bool:
    """An available resource specialist (a role the rules name for initial assessments)."""
    return person.available and person.role in assessment_roles(problem)


def assessors(problem: Problem) -> list[int]:
    """The agency's resource specialists who can take assessments: whom the spread counts."""
    return [p for p, person in enumerate(problem.staff) if is_assessor(problem, person)]


def may_assess(problem: Problem, person: Staff, assessment: Assessment) -> bool:
    """May this person take this initial assessment? A resource specialist who serves its site."""
    return is_assessor(problem, person) and person.serves_site(assessment.site)


def eligible_assessors(problem: Problem) -> list[list[int]]:
    """Per assessment: the staff indices who may take it."""
    people = assessors(problem)
    return [[p for p in people if problem.staff[p].serves_site(a.site)] for a in problem.assessments]


def counts(problem: Problem, assessor_of: Sequence[int | None]) -> dict[int, int]:
    """Assessments per resource specialist (every assessor listed, zeros included)."""
    out = dict.fromkeys(assessors(problem), 0)
    for p in assessor_of:
        if p is not None:
            out[p] = out.get(p, 0) + 1
    return out


@dataclass(frozen=True, slots=True)
class Spread:
    """How evenly the assessments are shared, prorated by FTE (assessments per full-time equivalent)."""

    assessments: int
    assigned: int
    prorated: dict[str, float]  # staff id -> assessments / FTE
    max: float
    min: float
    why: str  # when not equal: the sites that make it so; "" when equal

    @property
    def spread(self) -> float:
        return self.max - self.min

    def as_dict(self) -> dict:
        return {
            "assessments": self.assessments, "assigned": self.assigned,
            "unassigned": self.assessments - self.assigned,
            "max_per_fte": round(self.max, 4), "min_per_fte": round(self.min, 4),
            "spread": round(self.spread, 4), "why_not_equal": self.why,
        }


def assessment_spread(problem: Problem, assessor_of: Sequence[int | None]) -> Spread | None:
    """The spread (max - min assessments per FTE over the resource specialists), and why it is not 0.

    None when there are no pending assessments.
    """
    if not problem.assessments:
        return None
    by_person = counts(problem, assessor_of)
    prorated = {problem.staff[p].staff_id: n / problem.staff[p].fte for p, n in by_person.items()}
    high = max(prorated.values(), default=0.0)
    low = min(prorated.values(), default=0.0)
    assigned = sum(p is not None for p in assessor_of)
    why = "" if high - low < 1e-9 else _why_not_equal(problem, assessor_of, by_person)
    return Spread(len(problem.assessments), assigned, prorated, high, low, why)


def _why_not_equal(problem: Problem, assessor_of: Sequence[int | None], by_person: dict[int, int]) -> str:
    """The sites that keep the busiest resource specialists from handing assessments to the others.

    From the people with the most assessments per FTE, follow every hand-off
    the sites allow (someone else serves the site of an assessment they hold).
    The group reached holds only assessments at sites no one outside it serves,
    so its members carry more than the rest; with no one outside it, the
    remainder is only that whole assessments do not divide exactly by FTE.
    """
    rate = {p: n / problem.staff[p].fte for p, n in by_person.items()}
    top = max(rate.values())
    group = {p for p, r in rate.items() if r >= top - 1e-9}
    sites_held: dict[int, set[str]] = defaultdict(set)
    for a, p in zip(problem.assessments, assessor_of, strict=True):
        if p is not None:
            sites_held[p].add(a.site)
    frontier = list(group)
    while frontier:
        q = frontier.pop()
        for site in sites_held[q]:
            for r in by_person:
                if r not in group and problem.staff[r].serves_site(site):
                    group.add(r)
                    frontier.append(r)
    if len(group) == len(by_person):
        fte = sum(problem.staff[p].fte for p in by_person)
        total = sum(by_person.values())
        return (f"{total} assessments do not divide exactly among {len(by_person)} resource specialists "
                f"({fte:g} FTE): each person takes whole assessments")
    sites = sorted({s for p in group for s in sites_held[p]})
    ids = sorted(problem.staff[p].staff_id for p in group)
    held = sum(by_person[p] for p in group)
    fte = sum(problem.staff[p].fte for p in group)
    return (f"the {held} assessments at site(s) {', '.join(sites)} can go only to {', '.join(ids)} "
            f"({fte:g} FTE): no other resource specialist serves those sites")


def check_assessments(problem: Problem, assessor_of: Sequence[int | None]) -> list[str]:
    """Hard rules: every assessor is an available resource specialist serving the assessment's site."""
    out = []
    if len(assessor_of) != len(problem.assessments):
        return [f"the plan assigns {len(assessor_of)} of {len(problem.assessments)} initial assessments"]
    for a, p in zip(problem.assessments, assessor_of, strict=True):
        if p is not None and not may_assess(problem, problem.staff[p], a):
            out.append(f"{problem.staff[p].staff_id} may not take initial assessment {a.assessment_id} "
                       f"at site {a.site} (an available resource specialist serving the site may)")
    return out


# -- the sharing: an exact min-cost flow ----------------------------------------------------------
#
# source -> site (its assessments) -> each resource specialist serving the site -> sink through one
# unit arc per assessment with convex marginal costs, the k-th costing (2k - 1) / FTE (scaled to
# integers). Minimising the sum of count^2 / FTE evens count / FTE as far as the sites allow: no
# assessment can move to someone with fewer per FTE. The sharing depends only on who serves which
# site, not on the student plan, so every plan of a problem shares them the same way.

SCALE = 10_000  # marginal costs in 1/10,000 of an assessment per FTE


def marginal_cost(k: int, fte: float) -> int:
    """Cost of a person's k-th assessment: (2k - 1) / FTE, so the total is about k^2 / FTE."""
    return round(SCALE * (2 * k - 1) / fte)


def assign_assessments(problem: Problem) -> tuple[int | None, ...]:
    """The resource specialist (staff index) of each pending assessment; None when no one may take it.

    Within a site, earlier due dates go first, then input order, so the
    result is the same on every run.
    """
    eligible = eligible_assessors(problem)
    by_site: dict[str, list[int]] = defaultdict(list)
    for a, people in enumerate(eligible):
        if people:
            by_site[problem.assessments[a].site].append(a)
    if not by_site:
        return tuple(None for _ in problem.assessments)

    sites = sorted(by_site)
    people = sorted({p for a in by_site.values() for p in eligible[a[0]]})
    reach: dict[int, int] = defaultdict(int)  # person -> assessments they might take
    for site in sites:
        for p in eligible[by_site[site][0]]:
            reach[p] += len(by_site[site])

    flow = min_cost_flow.SimpleMinCostFlow()
    source, sink = 0, 1
    site_node = {site: 2 + i for i, site in enumerate(sites)}
    person_node = {p: 2 + len(sites) + i for i, p in enumerate(people)}
    total = sum(len(v) for v in by_site.values())
    site_arcs: dict[tuple[str, int], int] = {}
    for site in sites:
        n = len(by_site[site])
        flow.add_arc_with_capacity_and_unit_cost(source, site_node[site], n, 0)
        for p in eligible[by_site[site][0]]:
            site_arcs[(site, p)] = flow.add_arc_with_capacity_and_unit_cost(site_node[site], person_node[p], n, 0)
    for p in people:
        fte = problem.staff[p].fte
        for k in range(1, reach[p] + 1):
            flow.add_arc_with_capacity_and_unit_cost(person_node[p], sink, 1, marginal_cost(k, fte))
    flow.set_node_supply(source, total)
    flow.set_node_supply(sink, -total)
    status = flow.solve()
    if status != flow.OPTIMAL:  # cannot happen: every site with assessments has someone serving it
        raise RuntimeError(f"assessment flow: status {status}")

    out: list[int | None] = [None] * len(problem.assessments)
    for site in sites:
        order = sorted(by_site[site], key=lambda a: (problem.assessments[a].due_date or "9999-99-99", a))
        given = iter(order)
        for p in eligible[by_site[site][0]]:
            for _ in range(flow.flow(site_arcs[(site, p)])):
                out[next(given)] = p
    return tuple(out)


def problem_assessors(problem: Problem) -> tuple[int | None, ...]:
    """:func:`assign_assessments`, computed once per problem (kept beside its other cached look-ups)."""
    cache = problem.__dict__
    if "_assessors" not in cache:
        cache["_assessors"] = assign_assessments(problem)
    return cache["_assessors"]


def unassigned_reason(assessment: Assessment) -> str:
    return UNASSIGNED_REASON.format(site=assessment.site)
