"""Split the district into independent components.

Students and staff are connected when a staff member is a candidate provider
or case manager of the student; itinerant staff join the sites they serve.
Components share no variable, so each is solved on its own, and the sum of
their optima is the district optimum, with one exception: a district-wide
average cap (the SLP average of EC 56363.3) couples every component holding
that role. When the cap cannot bind it is dropped. Otherwise the solver first
plans the components apart: if their plans together keep the average, that
relaxation's optimum is feasible and so optimal; only if they break it are the
components holding the role merged, with the cap as one exact constraint.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from models.domain.candidates import Candidates
from models.domain.caps import average_cap_members, caseload_cap, district_average
from models.domain.problem import Problem


@dataclass(frozen=True, slots=True)
class Forced:
    """A pair a plan must contain: ``staff`` delivers ``demand``, or (``demand`` None) manages ``student``."""

    staff: int
    student: int
    demand: int | None = None


@dataclass(frozen=True, slots=True)
class Component:
    students: tuple[int, ...]
    demands: tuple[int, ...]
    staff: tuple[int, ...]
    average_caps: tuple[str, ...]  # roles whose district average cap is enforced here
    # (role, pupils): this component's allocated share of a district average (optimizer/coupling.py)
    shares: tuple[tuple[str, int], ...] = ()
    max_moves: int | None = None  # this component's share of a rebalancing move budget
    forced: tuple[Forced, ...] = ()  # explanations: pairs this component's plan must contain


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, a: int) -> int:
        parent = self.parent
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def binding_average_caps(problem: Problem, cands: Candidates) -> list[str]:
    """Roles whose district-wide average cap could be exceeded by some plan."""
    rules = problem.rules
    binding = []
    for role in rules.roles.values():
        if role.average_cap is None or role.caseload_service is None:
            continue
        average = district_average(problem, role.code)  # proposed positions left out: errs towards binding
        members = set(average.members)
        if not members:
            continue
        most = dict.fromkeys(members, 0)
        reachable = 0
        for d, demand in enumerate(problem.demands):
            if demand.service != role.caseload_service:
                continue
            hit = [p for p in cands.providers[d] if p in members]
            for p in hit:
                most[p] += 1
            reachable += bool(hit)
        for p in members:
            cap = caseload_cap(rules, problem.staff[p])
            if cap is not None:
                most[p] = min(most[p], cap)
        if min(reachable, sum(most.values())) > average.budget:
            binding.append(role.code)
    return binding


def split(problem: Problem, cands: Candidates, couple: Sequence[str] | None = None) -> list[Component]:
    """Independent components, largest first.

    The components holding a role in ``couple`` (default: every average cap
    that could bind) are merged and enforce that role's district average.
    """
    n_students, n_staff = len(problem.students), len(problem.staff)
    uf = _UnionFind(n_students + n_staff)
    # Candidate tuples are shared by students of one profile: join each tuple's people once, then
    # each student to the tuple's first person (the same components, far fewer unions).
    joined: set[int] = set()

    def join(s: int, options: tuple[int, ...]) -> None:
        if not options:
            return
        if id(options) not in joined:
            joined.add(id(options))
            for p in options[1:]:
                uf.union(n_students + options[0], n_students + p)
        uf.union(s, n_students + options[0])

    for d, demand in enumerate(problem.demands):
        join(demand.student, cands.providers[d])
    for s, options in enumerate(cands.managers):
        join(s, options)
    coupled = binding_average_caps(problem, cands) if couple is None else list(couple)
    for role in coupled:
        members = [n_students + p for p in average_cap_members(problem, role)]
        for node in members[1:]:
            uf.union(members[0], node)

    students: dict[int, list[int]] = {}
    staff: dict[int, list[int]] = {}
    demands: dict[int, list[int]] = {}
    for s in range(n_students):
        students.setdefault(uf.find(s), []).append(s)
    for p in range(n_staff):
        staff.setdefault(uf.find(n_students + p), []).append(p)
    for d, demand in enumerate(problem.demands):
        demands.setdefault(uf.find(demand.student), []).append(d)
    components = []
    for root, members in students.items():
        people = tuple(staff.get(root, ()))
        roles = tuple(r for r in coupled if any(problem.staff[p].role == r and problem.staff[p].available
                                                 for p in people))
        components.append(Component(tuple(members), tuple(demands.get(root, ())), people, roles))
    components.sort(key=lambda c: (-len(c.demands) - len(c.students), c.students[0]))
    return components
