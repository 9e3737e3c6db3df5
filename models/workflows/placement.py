"""Place a new student mid-year into an existing plan without moving anyone.

For each new student (in file order) every eligible person is priced exactly
for each role (case manager, each service): the best placement of the whole
student in which that person takes the role, everyone else as planned. The
placement's cost is the objective's change (``models.workflows.marginal``),
and a student's roles interact only through the case manager's best-practice
rank, so the best placement with a given manager is found by trying the modes
"coordinating" and "also delivering ranked service k" with every other
service at its cheapest provider. Ranked rows say ``cost_delta`` against the
student's best placement (0 for rank 1), which is committed before the next
new student is placed. When nobody may take a service, the answer says who is
at cap and whether one move of another student frees a seat, and which.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from models.domain.issues import InputError, Issue
from models.domain.plan import Plan
from models.domain.problem import Problem, Student
from models.domain.rule_table import CASE_MANAGER, Blocked
from models.workflows.explanations import Explainer, blocked_words, cap_words, staff_id
from models.workflows.marginal import CapHit, Change, PlanState, Priced

ELIGIBLE, AT_CAP, INELIGIBLE = "eligible", "at_cap", "ineligible"


@dataclass(frozen=True, slots=True)
class Placement:
    """One row of placements.csv."""

    student: int  # index in the extended problem
    role: str
    rank: int | None  # 1..K for eligible rows
    staff: int | None
    verdict: str
    rule: str = ""
    cost_delta: int | None = None
    why: str = ""


@dataclass(frozen=True, slots=True)
class Placed:
    """The district with the new students appended, the plan with their best placements, and the rows."""

    problem: Problem
    plan: Plan
    rows: tuple[Placement, ...]
    new: tuple[int, ...]  # indices of the new students


class _Placer:
    """Prices placements of one new student at a time on a plan state it commits them to."""

    def __init__(self, problem: Problem, state: PlanState, top: int) -> None:
        self.problem, self.state, self.top = problem, state, top
        self.explainer = Explainer(problem, state)

    def _demand(self, s: int, service: str) -> int:
        return next(d for d in self.problem.demands_of[s] if self.problem.demands[d].service == service)

    def _eligible(self, s: int, role: str) -> list[int]:
        return [p for p, (blocked, _) in self.explainer.pool(s, role).items() if blocked is None]

    def _best(self, s: int, fixed: dict[int, int], manager: int | None) -> tuple[int, Change] | None:
        """The cheapest placement with the ``fixed`` providers and this manager (None: none possible)."""
        problem, state = self.problem, self.state
        ranked = state.ranked(s)
        best: tuple[int, Change] | None = None
        modes: list[str | None] = [None]
        if manager is not None:
            modes += [svc for svc in ranked if manager in self._eligible(s, svc)]
        for mode in modes:
            providers: dict[int, int | None] = {}
            for d in problem.demands_of[s]:
                service = problem.demands[d].service
                if d in fixed:
                    providers[d] = fixed[d]
                elif service == mode:
                    providers[d] = manager
                else:
                    # coordinating: the manager delivers no ranked service unless fixed so
                    avoid = manager if (mode is None and service in ranked) else None
                    providers[d] = self._cheapest(s, d, avoid)
            if mode is not None and fixed.get(self._demand(s, mode), manager) != manager:
                continue
            change = Change(s, tuple(providers.items()), manager=manager)
            priced = state.price(change)
            if priced.delta is None and priced.rule == "R3":  # instruction waits for the primary service
                instructional = self.problem.rules.instructional_services
                providers = {d: (None if problem.demands[d].service in instructional and d not in fixed else p)
                             for d, p in providers.items()}
                change = Change(s, tuple(providers.items()), manager=manager)
                priced = state.price(change)
            if priced.delta is not None and (best is None or priced.delta.total < best[0]):
                best = (priced.delta.total, change)
        return best

    def _cheapest(self, s: int, d: int, avoid: int | None) -> int | None:
        key = (s, d, avoid)
        cache = self.__dict__.setdefault("_cheap", {})
        if key not in cache:
            best, best_cost = None, None
            for p in self._eligible(s, self.problem.demands[d].service):
                if p == avoid:
                    continue
                priced = self.state.price(Change(s, ((d, p),)))
                if priced.delta is not None and (best_cost is None or priced.delta.total < best_cost):
                    best, best_cost = p, priced.delta.total
            cache[key] = best
        return cache[key]

    def place(self, s: int) -> list[Placement]:
        for cache in ("_cheap", "_chains", "_served_by"):  # loads changed with the last placement
            self.__dict__.pop(cache, None)
        problem = self.problem
        managers = self._eligible(s, CASE_MANAGER)
        by_manager = {m: self._best(s, {}, m) for m in managers}
        nobody = self._best(s, {}, None)
        options = [v for v in by_manager.values() if v is not None] or ([nobody] if nobody else [])
        if not options:  # every placement is forbidden (a lock cannot hold a new student): leave it all undone
            options = [(0, Change(s))]
        overall = min(options, key=lambda v: v[0])
        rows = self._ranked(s, CASE_MANAGER, {m: v[0] for m, v in by_manager.items() if v is not None},
                            overall[0], lambda m: self._manager_words(s, m, by_manager[m][1]))
        rows += self._refused(s, CASE_MANAGER, {})
        for d in problem.demands_of[s]:
            service = problem.demands[d].service
            costs: dict[int, int] = {}
            for p in self._eligible(s, service):
                if self.state.price(Change(s, ((d, p),))).cap is not None:
                    continue
                best = [v for m in (managers or [None]) if (v := self._best(s, {d: p}, m)) is not None]
                if best:
                    costs[p] = min(v[0] for v in best)
            caps = self._caps(s, d)
            rows += self._ranked(s, service, costs, overall[0],
                                 lambda p, service=service: f"{staff_id(problem, p)} delivering {service}")
            rows += self._refused(s, service, caps)
        self.state.apply(overall[1])
        return rows

    def _manager_words(self, s: int, m: int, change: Change) -> str:
        delivered = sorted({self.problem.demands[d].service for d, p in change.providers if p == m}
                           & set(self.state.ranked(s)))
        mode = f"delivering {'/'.join(delivered)}" if delivered else "coordinating"
        return f"{staff_id(self.problem, m)} managing the case ({mode})"

    def _ranked(self, s: int, role: str, costs: dict[int, int], best: int, what) -> list[Placement]:
        ordered = sorted(costs.items(), key=lambda kv: (kv[1], kv[0]))[: self.top]
        return [Placement(s, role, rank, p, ELIGIBLE, cost_delta=cost - best,
                          why=f"{what(p)}: " + ("the best placement" if cost == best else
                                                f"objective {cost - best:+d} against the best placement"))
                for rank, (p, cost) in enumerate(ordered, start=1)]

    def _caps(self, s: int, d: int) -> dict[int, CapHit]:
        out = {}
        for p in self._eligible(s, self.problem.demands[d].service):
            priced = self.state.price(Change(s, ((d, p),)))
            if priced.cap is not None:
                out[p] = priced.cap
        return out

    def _refused(self, s: int, role: str, caps: dict[int, CapHit]) -> list[Placement]:
        problem = self.problem
        rows = []
        for p, hit in caps.items():
            why = cap_words(problem, hit)
            if not self._eligible_room(s, role, caps):
                why += "; " + self._chain_words(s, self._demand(s, role), p, hit)
            rows.append(Placement(s, role, None, p, AT_CAP, "cap", why=why))
        for p, (blocked, _) in self.explainer.pool(s, role).items():
            if blocked is not None:
                rows.append(Placement(s, role, None, p, INELIGIBLE, blocked.rule,
                                      why=blocked_words(problem, p, blocked)))
        if role != CASE_MANAGER and not self._eligible(s, role):
            rows.append(Placement(s, role, None, None, INELIGIBLE, "", why=self._nobody(s, role)))
        return rows

    def _eligible_room(self, s: int, role: str, caps: dict[int, CapHit]) -> bool:
        return any(p not in caps for p in self._eligible(s, role))

    def _nobody(self, s: int, service: str) -> str:
        return f"nobody at site {self.problem.students[s].site} may deliver {service}: the service stays unserved"

    def chain(self, s: int, d: int, p: int) -> tuple[int, Change] | None:
        """The cheapest one move of another student off ``p`` (to someone with room) that frees a seat for ``d``."""
        problem, state = self.problem, self.state
        service = problem.demands[d].service
        best: tuple[int, Change] | None = None
        served_by = self.__dict__.get("_served_by")
        if served_by is None:  # once per run: the demands each person serves
            served_by = self._served_by = {}
            for x, q in enumerate(state.providers):
                if q is not None:
                    served_by.setdefault(q, []).append(x)
        for dt in served_by.get(p, ()):
            t = problem.demands[dt].student
            if t != s and problem.demands[dt].service == service:
                for q in self.explainer.pool(t, service):
                    if q == p or self.explainer.pool(t, service)[q][0] is not None:
                        continue
                    priced = state.price(Change(t, ((dt, q),)))
                    if priced.delta is not None and (best is None or priced.delta.total < best[0]):
                        best = (priced.delta.total, Change(t, ((dt, q),)))
        return best

    def _chain_words(self, s: int, d: int, p: int, hit: CapHit) -> str:
        problem = self.problem
        if hit.staff is None:
            return "no single move frees a seat under a district average (a hire or a lighter load elsewhere would)"
        move = self._chain_cached(s, d, p)
        if move is None:
            return f"no one-move chain frees a seat with {staff_id(problem, p)}: none of their pupils may go elsewhere"
        cost, change = move
        (dt, q), = change.providers
        t = change.student
        return (f"a one-move chain frees a seat: move student {problem.students[t].student_id}'s "
                f"{problem.demands[dt].service} from {staff_id(problem, p)} to {staff_id(problem, q)} (objective "
                f"{cost:+d}), then {staff_id(problem, p)} can take this student")

    def _chain_cached(self, s: int, d: int, p: int):
        cache = self.__dict__.setdefault("_chains", {})
        if (s, d, p) not in cache:
            cache[(s, d, p)] = self.chain(s, d, p)
        return cache[(s, d, p)]


def new_students(problem: Problem, arrived: Problem, file: str) -> tuple[Student, ...]:
    """The students of ``arrived`` (read with the plan's staff and rules), none already in the plan."""
    issues = [Issue("error", file, "already a student of the plan; a new student needs a new id", student.row,
                    "student_id", student.student_id)
              for student in arrived.students if student.student_id in problem.student_index]
    if issues:
        raise InputError(issues)
    return arrived.students


def place_students(problem: Problem, plan: Plan, new: Sequence[Student], top: int = 3) -> Placed:
    """Each new student placed into the plan (in order), nobody else moved."""
    extended = dataclasses.replace(problem, students=problem.students + tuple(new))
    added = len(extended.demands) - len(problem.demands)
    state = PlanState(extended, Plan(plan.providers + (None,) * added, plan.case_managers + (None,) * len(new)))
    placer = _Placer(extended, state, top)
    rows: list[Placement] = []
    first = len(problem.students)
    for s in range(first, len(extended.students)):
        rows += placer.place(s)
    return Placed(extended, state.plan(), tuple(rows), tuple(range(first, len(extended.students))))


__all__ = ["AT_CAP", "ELIGIBLE", "INELIGIBLE", "Blocked", "Placed", "Placement", "Priced", "place_students"]
