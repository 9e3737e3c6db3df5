"""AB 560: share the pending initial assessments among the resource specialists, prorated by FTE.

An exact min-cost flow: source -> site (its assessments) -> each resource
specialist serving the site -> sink through one unit arc per assessment with
convex marginal costs, the k-th costing (2k - 1) / FTE (scaled to integers).
Minimising the sum of count^2 / FTE evens count / FTE as far as the sites
allow: no assessment can move to someone with a lower prorated count. The
assignment does not depend on the student plan (only on who serves which
site), so it is made once per problem, before or after the caseload solve.
"""

from __future__ import annotations

from collections import defaultdict

from ortools.graph.python import min_cost_flow

from models.domain.assessments import eligible_assessors
from models.domain.problem import Problem

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
