"""Every alternative for one (student, role) priced at once: what explain.csv ranks, without a Change per person.

``PlanState.price(Change(s, ((d, p),)))`` touches two people: the planned
provider (who loses the pupil) and ``p`` (who gains one). The planned
provider's share, the served and continuity terms and R3 are the same for
every ``p``; only ``p``'s cap, balance and overload step, continuity and (when
``p`` manages the case) best-practice rank change. Those are computed here
once per demand, and per person from their load, so pricing all of a
student's alternatives costs a few dictionary lookups each; a case manager
likewise (their case-management step, continuity and rank). The verdicts,
totals and terms equal ``price``'s exactly (tests/test_explain_scoring.py
keeps the per-pair reference); where ``price`` reads more than this (locked
students) :meth:`Scorer.covers` is False and the caller prices each pair.

Balancing on workload, the service balance by head count is replaced by each
touched person's convex curve at their weekly minutes (travel included): the
people letting go are priced once per demand or case, and each person taking
over from their own minutes and sites. When the planned case manager also
delivers the service a mode takes over, their two losses are priced as one
(the curve is convex: two steps priced apart would not add up).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from models.domain.objective import balance_change, coordinating_rank, rank_among
from models.domain.plan import overload_cost
from models.domain.workload import service_workload
from models.workflows.marginal import PlanState, TermsDelta

COSTLIER_KEY, AT_CAP_KEY, INELIGIBLE_KEY = 0, 1, 2  # explain.csv's order: costlier, at_cap, ineligible
_NO_CURRENT = object()  # the student has no current provider for the service (or case)
Eligible = dict[str, frozenset[int]]  # service -> the people at the student's site every hard rule lets deliver it


@dataclass(frozen=True, slots=True)
class _DemandPart:
    """Taking over one demand: the part of the price that is the same for whoever takes it."""

    service: str
    base: int  # served, continuity, balance and overload of the planned provider letting go
    minutes: int  # the demand's weekly workload minutes (0 unless balancing on workload)
    release: int  # on workload: the planned provider's balance change letting the minutes go (in ``base``)
    index: object  # the current provider's index (_NO_CURRENT: none to keep)
    before_role: str | None  # the planned provider's role when they hold a seat of their role's district average
    broken: bool  # R3: handing the service over would leave instruction without a primary-disability service


class Scorer:
    """Prices people taking over one demand or one case, many at a time, from a :class:`PlanState`'s live loads.

    The per-person steps are keyed by the person's load, so a state that moves on (placements) is never
    read stale.
    """

    def __init__(self, state: PlanState) -> None:
        self.state = state
        self._balance: dict[tuple[int, int, int], int] = {}  # (person, +1/-1, load) -> service balance change
        self._overload: dict[tuple[int, int, int], int] = {}  # (person, +1/-1, load) -> overload pay change
        self._manage: dict[tuple[int, int, int], int] = {}  # (person, +1/-1, cases) -> case-management balance
        self._cost_now: dict[int, tuple[int, int]] = {}  # on workload: person -> (minutes, balance cost) as planned

    def covers(self, s: int) -> bool:
        """Does the fast pricing apply to this student (not locked)?"""
        return not self.state.problem.students[s].locked

    # -- one person's steps ------------------------------------------------------------

    def workload_step(self, p: int | None, minutes: int, site: str, items: int) -> int:
        """``p``'s workload balance change when ``items`` services or cases worth ``minutes`` at ``site`` join
        them (both positive) or leave them (both negative), a trip for each site beyond the first: as
        ``PlanState.price`` prices one person (0 when not balancing on workload)."""
        state = self.state
        if p is None or not state.on_workload:
            return 0
        curve = state.curves[p]
        if curve is None:
            return 0
        now = state.sites[p]  # only the sites visited (PlanState.apply)
        visited = len(now)
        held = now.get(site, 0)
        after = visited + (held + items > 0) - (held > 0)
        change = minutes + state.rules.workload.travel_minutes * (max(0, after - 1) - max(0, visited - 1))
        at = state.minutes[p]
        known = self._cost_now.get(p)
        if known is None or known[0] != at:  # the person's cost as planned, priced once for all their steps
            known = self._cost_now[p] = (at, curve.cost(at))
        return curve.cost(at + change) - known[1]

    def balance_step(self, p: int, n: int) -> int:
        state = self.state
        if state.on_workload:  # the head-count balance gives way to the workload balance
            return 0
        key = (p, n, state.served[p])
        change = self._balance.get(key)
        if change is None:
            change = self._balance[key] = balance_change(state.served[p], n, state.target[p],
                                                         state.weights.service_balance)
        return change

    def overload_step(self, p: int, n: int) -> int:
        state = self.state
        key = (p, n, state.served[p])
        change = self._overload.get(key)
        if change is None:
            load = state.served[p]
            change = self._overload[key] = (overload_cost(state.problem, p, load + n)
                                            - overload_cost(state.problem, p, load))
        return change

    def manage_step(self, p: int, n: int) -> int:
        """The case-management balance change when ``p`` gains (1) or loses (-1) a case."""
        state = self.state
        key = (p, n, state.managed[p])
        change = self._manage.get(key)
        if change is None:
            change = self._manage[key] = balance_change(state.managed[p], n, state.cm_target[p],
                                                        state.weights.case_management_balance)
        return change

    # -- a demand --------------------------------------------------------------------------

    def _demand_part(self, d: int, someone: int) -> _DemandPart:
        """What taking over demand ``d`` costs whoever takes it (``someone``: any person but its provider)."""
        state = self.state
        problem, w = state.problem, state.weights
        demand = problem.demands[d]
        student = problem.students[demand.student]
        before = state.providers[d]
        base = -w.unserved_service if before is None else 0
        current = problem.current_providers.get((student.student_id, demand.service))
        index: object = _NO_CURRENT
        if current is not None:
            index = problem.staff_index.get(current)
            base -= w.change_provider * (before != index)
        counts = before is not None and state.caseload_service[before] == demand.service
        if counts:
            base += self.balance_step(before, -1) + self.overload_step(before, -1)
        minutes = service_workload(state.rules.workload, demand) if state.on_workload else 0
        release = self.workload_step(before, -minutes, student.site, -1)
        broken = bool(state._alternate_placement_broken(demand.student, {d: someone}))
        before_role = problem.staff[before].role if counts and before in state._members else None
        return _DemandPart(demand.service, base + release, minutes, release, index, before_role, broken)

    def _take(self, part: _DemandPart, p: int) -> tuple[int, int]:
        """(order, cost) of ``p`` taking the demand, best-practice rank aside (price's order: caps, then R3)."""
        state = self.state
        gains = state.caseload_service[p] == part.service
        if gains:
            cap = state.cap[p]
            if cap is not None and state.served[p] + 1 > cap:
                return AT_CAP_KEY, 0
            if p in state._members:
                role = state.problem.staff[p].role
                average = state.averages.get(role)
                # the planned provider leaving a seat of the same role's average makes room for p
                if average is not None and role != part.before_role and state.role_total[role] + 1 > average.budget:
                    return AT_CAP_KEY, 0
        if part.broken:
            return INELIGIBLE_KEY, 0
        cost = part.base + (self.balance_step(p, 1) + self.overload_step(p, 1) if gains else 0)
        if part.index is not _NO_CURRENT:
            cost += state.weights.change_provider * (p != part.index)
        return COSTLIER_KEY, cost

    def service_scores(self, d: int, people: Sequence[int]) -> list[tuple[int, int]]:
        """Per person of ``people`` (none the planned provider): (order, cost) as explain.csv ranks them.

        order: 0 costlier (cost: the objective's change), 1 at a cap, 2 forbidden by R3 (cost 0).
        Only for a student :meth:`covers`.
        """
        if not people:
            return []
        state = self.state
        s = state.problem.demands[d].student
        part = self._demand_part(d, people[0])
        manager, planned = state.managers[s], state.planned_rank(s)
        bp_weight = state.weights.best_practice_rank
        bp_base = 0
        if manager is not None and manager == state.providers[d]:  # the manager hands the service over
            bp_base = bp_weight * ((state.rank(s, manager, {d: people[0]}) or 0) - planned)
        site = state.problem.students[s].site
        scores = []
        for p in people:
            order, cost = self._take(part, p)
            if order == COSTLIER_KEY:
                cost += self.workload_step(p, part.minutes, site, 1)
                if p == manager:
                    cost += bp_weight * ((state.rank(s, manager, {d: p}) or 0) - planned)
                else:
                    cost += bp_base
            scores.append((order, cost))
        return scores

    # -- the case --------------------------------------------------------------------------

    def manager_scores(self, s: int, people: Sequence[int], eligible: Eligible,
                       modes: dict[int, str | None] | None = None, context: _CaseContext | None = None,
                       special: set[int] | frozenset[int] | None = None) -> list[tuple[int, int]]:
        """Per person of ``people`` (none the planned case manager): (order, cost) as case manager.

        A person is priced in the mode that suits them best: coordinating with everything else as planned,
        or also taking over one of the student's best-practice services they may deliver; at a cap (order
        1) when the mode that makes them the best-practice case manager needs a seat their cap forbids.
        ``modes`` gets, for the people with a choice of modes, the service of their cheapest (None: none).
        Only for a student :meth:`covers`. Most people deliver nothing to the student and may take over
        none of their best-practice services: their only mode is coordinating, priced by their role.
        ``context`` and ``special`` (those who do deliver or may take over) when the caller has them.
        """
        state = self.state
        context = context or _CaseContext.of(self, s, eligible)
        if special is None:
            special = set(state.delivered_by(s)).union(*eligible.values())
        w, staff = state.weights, state.problem.staff
        coordinating: dict[str, int] = {}
        scores = []
        for p in people:
            if p in special:
                hit, service, cost = self.best_mode(context, p)
                if modes is not None and service is not None:
                    modes[p] = service
                scores.append((AT_CAP_KEY, 0) if hit else (COSTLIER_KEY, cost))
                continue
            role = staff[p].role
            rank = coordinating.get(role)
            if rank is None:
                rank = coordinating[role] = w.best_practice_rank * (
                    coordinating_rank(state.rules, len(context.ranked), role) - context.planned)
            cost = context.base + context.release + self.manage_step(p, 1) + rank
            cost += self.workload_step(p, context.minutes, context.site, 1)
            if context.index is not _NO_CURRENT:
                cost += w.change_case_manager * (p != context.index)
            scores.append((COSTLIER_KEY, cost))
        return scores

    def case_context(self, s: int, eligible: Eligible) -> _CaseContext:
        return _CaseContext.of(self, s, eligible)

    def best_mode(self, context: _CaseContext, p: int) -> tuple[bool, str | None, int]:
        """(the best-practice mode is at a cap, the cheapest mode's service or None for as planned, its cost).

        Modes in the order ``Explainer._manager_modes`` lists them: each best-practice service ``p`` may take
        over (ranked order), then managing as planned; the first cheapest wins a tie.
        """
        state, s = self.state, context.s
        w = state.weights
        cost = context.base + self.manage_step(p, 1)
        if context.index is not _NO_CURRENT:
            cost += w.change_case_manager * (p != context.index)
        delivered = state.delivered(s, p)
        best_service, best = None, None
        natural = None
        first = None  # the rank of the best service ``p`` delivers as planned
        for rank, service in enumerate(context.ranked):
            if service in delivered:
                natural = natural or service
                first = rank if first is None else first
                continue
            if p not in context.eligible[service]:
                continue
            natural = natural or service
            d = context.demand_of[service]
            part = context.parts.get(d)
            if part is None:
                part = context.parts[d] = self._demand_part(d, p)
            order, take = self._take(part, p)
            if order == AT_CAP_KEY and service == natural:
                return True, None, 0
            if order == COSTLIER_KEY:
                # their rank after taking ``service`` over: its own, unless they deliver a better one already
                total = cost + take + w.best_practice_rank * ((rank if first is None else first) - context.planned)
                if state.on_workload:
                    total += self._both_workload(context, part, d, p)
                if best is None or total < best:
                    best_service, best = service, total
        plain = cost + w.best_practice_rank * (
            rank_among(state.rules, context.ranked, delivered, state.problem.staff[p].role) - context.planned)
        plain += context.release + self.workload_step(p, context.minutes, context.site, 1)
        if best is None or plain < best:
            return False, None, plain
        return False, best_service, best

    def _both_workload(self, context: _CaseContext, part: _DemandPart, d: int, p: int) -> int:
        """On workload, ``p`` taking over demand ``d`` and the case: the workload change beyond
        ``part.release`` (already in the mode's cost). The planned case manager letting the case go is priced
        with the demand when they also deliver it, and ``p`` takes both at once."""
        provider, manager = self.state.providers[d], self.state.managers[context.s]
        if manager is not None and manager == provider:  # one person lets both go: one step of their curve
            release = self.workload_step(manager, -(context.minutes + part.minutes), context.site, -2) - part.release
        else:
            release = context.release
        return release + self.workload_step(p, context.minutes + part.minutes, context.site, 2)

    # -- the terms, for the words -----------------------------------------------------------

    def terms(self, s: int, p: int, d: int | None, manage: bool) -> TermsDelta:
        """``price``'s terms for ``p`` taking demand ``d`` (None: none) and, with ``manage``, the case.

        For an allowed change of a student :meth:`covers` (no cap or R3 in the way).
        """
        state = self.state
        problem, w = state.problem, state.weights
        student = problem.students[s]
        served = continuity = balance = overload = 0
        providers = None
        if d is not None:
            before, service = state.providers[d], problem.demands[d].service
            served -= w.unserved_service * (before is None)
            current = problem.current_providers.get((student.student_id, service))
            if current is not None:
                index = problem.staff_index.get(current)
                continuity += w.change_provider * ((p != index) - (before != index))
            for person, n in ((before, -1), (p, 1)):
                if person is not None and state.caseload_service[person] == service:
                    balance += self.balance_step(person, n)
                    overload += self.overload_step(person, n)
            providers = {d: p}
        manager = state.managers[s]
        if manage:
            served -= w.unassigned_student * (manager is None)
            balance += (0 if manager is None else self.manage_step(manager, -1)) + self.manage_step(p, 1)
            current = student.current_case_manager
            if current is not None:
                index = problem.staff_index.get(current)
                continuity += w.change_case_manager * ((p != index) - (manager != index))
            manager = p
        if state.on_workload:  # each touched person's curve, as ``price`` sums them
            balance += state._workload_change(state._workload_steps(s, providers or {}, manager))
        best_practice = 0
        if manage or (d is not None and manager in (p, before)):  # the manager's services change: so may the rank
            rank_after = state.rank(s, manager, providers)
            best_practice = w.best_practice_rank * ((rank_after or 0) - state.planned_rank(s))
        return TermsDelta(served, best_practice, balance, continuity, overload)


@dataclass(slots=True)
class _CaseContext:
    """One student's case: what passing it on costs whoever takes it, and the demands a mode may take over."""

    s: int
    base: int  # served, continuity and balance of the planned case manager letting go
    index: object  # the current case manager's index (_NO_CURRENT: none to keep)
    ranked: tuple[str, ...]
    planned: int
    demand_of: dict[str, int]  # service -> the student's (first) demand for it
    eligible: Eligible  # for each best-practice service
    parts: dict[int, _DemandPart]
    site: str
    minutes: int  # a case's weekly workload minutes (0 unless balancing on workload)
    release: int  # on workload: the planned case manager's balance change letting the case go

    @classmethod
    def of(cls, scorer: Scorer, s: int, eligible: Eligible) -> _CaseContext:
        state = scorer.state
        problem, w = state.problem, state.weights
        old = state.managers[s]
        base = -w.unassigned_student if old is None else scorer.manage_step(old, -1)
        current = problem.students[s].current_case_manager
        index: object = _NO_CURRENT
        if current is not None:
            index = problem.staff_index.get(current)
            base -= w.change_case_manager * (old != index)
        demand_of = {problem.demands[d].service: d for d in reversed(problem.demands_of[s])}
        site = problem.students[s].site
        minutes = state.rules.workload.case_management_minutes if state.on_workload else 0
        release = scorer.workload_step(old, -minutes, site, -1)
        return cls(s, base, index, state.ranked(s), state.planned_rank(s), demand_of, eligible, {}, site, minutes,
                   release)
