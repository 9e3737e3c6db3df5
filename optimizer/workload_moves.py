"""Improve a legal plan on weekly workload by moves, each priced exactly and kept only when cheaper.

Four moves, each leaving every hard rule as it was:

- a service to another eligible person, when neither the one who delivers it
  nor the one who would is the student's case manager (so the case manager's
  best-practice rank and mode do not change), within the new person's cap,
  and between people of one role when a district average counts that role;
  a service whose provider also manages the case moves with the case, to
  someone who may do both;
- a case to another person who may manage the student: one who delivers
  nothing to them coordinates, at the role's coordinating rank; one who
  already delivers to them manages at the rank of what they deliver;
- a site emptied, and a site handed over or traded between two itinerants
  (``optimizer/site_moves.py``): compound moves made of the two above, for
  the trips that no single move saves.

Each move's price is what ``objective_terms`` would change by: both people's
workload cost (minutes, case management, travel between sites), continuity,
best practice, coordinators' case-management balance and overload above a
soft local cap. Passes repeat until none improves or the time is up.
"""

from __future__ import annotations

import time
from collections import Counter

from models.domain.candidates import Candidates
from models.domain.caps import case_management_target, caseload_cap, soft_cap
from models.domain.objective import balance_cost, best_practice_services, coordinating_rank, rank_among
from models.domain.plan import Plan, compute_loads, manager_rank
from models.domain.problem import Problem
from models.domain.workload import compute_workloads, person_curve, service_workload
from optimizer.site_moves import SiteMoves

VACATE_ITEMS = 6  # a person's site is tried empty when they do at most this many things there


def _only(people: tuple[int, ...], to: int | None) -> tuple[int, ...]:
    """The candidates to try: all, or only ``to`` when it is one of them."""
    if to is None:
        return people
    return (to,) if to in people else ()


class _State(SiteMoves):
    def __init__(self, problem: Problem, cands: Candidates, plan: Plan) -> None:
        self.problem, self.cands = problem, cands
        rules = problem.rules
        self.w = rules.weights
        self.workload = rules.workload
        self.providers = list(plan.providers)
        self.managers = list(plan.case_managers)
        self.minutes = list(compute_workloads(problem, plan).minutes)
        loads = compute_loads(problem, plan)
        self.served = list(loads.served)
        self.managed = list(loads.case_managed)
        self.curves = [person_curve(problem, p) if p.available else None for p in problem.staff]
        self.caps = [caseload_cap(rules, p) for p in problem.staff]
        self.soft_caps = [soft_cap(rules, p) for p in problem.staff]
        self.cm_targets = [case_management_target(rules, p) for p in problem.staff]
        self.not_coordinator = [coordinating_rank(rules, 0, p.role) for p in problem.staff]  # 0 or 1
        self.counted = [rules.roles[p.role].caseload_service if p.role in rules.roles else None
                        for p in problem.staff]
        self.pooled = {r.code for r in rules.roles.values() if r.average_cap is not None}
        self.site_of = [s.site for s in problem.students]
        self.deadline = float("inf")  # compound moves stop being tried after it (improve_on_workload sets it)
        self.colleagues: dict[tuple[str, str], list[int]] = {}  # (role, site) -> who of that role may work there
        for p, person in enumerate(problem.staff):
            for site in person.sites:
                self.colleagues.setdefault((person.role, site), []).append(p)
        self.at_site: dict[str, list[int]] = {}
        for s, site in enumerate(self.site_of):
            self.at_site.setdefault(site, []).append(s)
        self.sites: list[Counter] = [Counter() for _ in problem.staff]
        for d, p in enumerate(self.providers):
            if p is not None:
                self.sites[p][self.site_of[problem.demands[d].student]] += 1
        for s, m in enumerate(self.managers):
            if m is not None:
                self.sites[m][self.site_of[s]] += 1
        self.need = [service_workload(self.workload, d) for d in problem.demands]
        self.current = [problem.staff_index.get(held, -1) if held is not None else None
                        for held in (problem.current_providers.get((problem.students[d.student].student_id,
                                                                     d.service)) for d in problem.demands)]
        self.current_manager = [problem.staff_index.get(s.current_case_manager, -1)
                                if s.current_case_manager else None for s in problem.students]

    def cost(self, p: int, minutes: int) -> int:
        curve = self.curves[p]
        return 0 if curve is None else curve.cost(minutes)

    def travel(self, p: int, site: str, change: int) -> int:
        """Travel minutes gained (+) or saved (-) when items at ``site`` join (+n) or leave (-n) ``p``."""
        n = len(self.sites[p])
        held = self.sites[p][site]
        if change > 0 and held == 0 and n >= 1:
            return self.workload.travel_minutes
        if change < 0 and held == -change and n >= 2:
            return -self.workload.travel_minutes
        return 0

    def shift(self, p: int, site: str, minutes: int, change: int) -> None:
        self.minutes[p] += minutes + self.travel(p, site, change)
        self.sites[p][site] += change
        if not self.sites[p][site]:
            del self.sites[p][site]

    def overload_change(self, p: int, change: int) -> int:
        """What ``p``'s overload pay (``plan.overload_cost``) changes by when ``change`` pupils join (+) or leave."""
        soft = self.soft_caps[p]
        return 0 if soft is None else soft.pay(self.served[p] + change) - soft.pay(self.served[p])

    def taking(self, q: int, site: str, minutes: int) -> int:
        """What ``q``'s workload balance rises by when ``minutes`` of work at ``site`` (one item) join them."""
        return self.cost(q, self.minutes[q] + minutes + self.travel(q, site, 1)) - self.cost(q, self.minutes[q])

    def hand_over(self, p: int, q: int, site: str, minutes: int, items: int) -> None:
        """``minutes`` of work at ``site`` (``items`` services or cases) go from ``p`` to ``q``."""
        self.shift(p, site, -minutes, -items)
        self.shift(q, site, minutes, items)

    def move_service(self, d: int) -> int:
        """Move demand ``d`` to its cheapest other person when that saves; returns the saving."""
        p = self.providers[d]
        if p is None:
            return 0
        delta, q = self.service_target(d)
        if q is None or delta >= 0:
            return 0
        self.give_service(d, q)
        return -delta

    def service_target(self, d: int, to: int | None = None) -> tuple[int, int | None]:
        """The cheapest other person to take demand ``d`` (with its student's case when the one who delivers it
        manages the case) and what the objective changes by, whatever its sign; (0, None) when nobody may."""
        p = self.providers[d]
        assert p is not None
        problem = self.problem
        demand = problem.demands[d]
        s = demand.student
        manager = self.managers[s]
        if p == manager:
            return self._with_case_target(d, p, to)
        site, need, service = self.site_of[s], self.need[d], demand.service
        counted_p = self.counted[p] == service
        leave = self.travel(p, site, -1)
        out = self.cost(p, self.minutes[p] - need + leave) - self.cost(p, self.minutes[p])
        if counted_p:
            out += self.overload_change(p, -1)
        current = self.current[d]
        best, best_q = 0, None
        for q in _only(self.cands.providers[d], to):
            if q == p or q == manager:
                continue
            counted_q = self.counted[q] == service
            if counted_q:
                cap = self.caps[q]
                if cap is not None and self.served[q] + 1 > cap:
                    continue
            role_p, role_q = problem.staff[p].role, problem.staff[q].role
            if role_p != role_q and (role_p in self.pooled or role_q in self.pooled):
                continue
            delta = out + self.taking(q, site, need)
            if counted_q:
                delta += self.overload_change(q, 1)
            if current is not None:
                delta += self.w.change_provider * ((q != current) - (p != current))
            if best_q is None or delta < best:
                best, best_q = delta, q
        return best, best_q

    def give_service(self, d: int, q: int) -> None:
        """Demand ``d`` goes to ``q`` (with its student's case when the one who delivers it manages the case)."""
        p = self.providers[d]
        assert p is not None
        s = self.problem.demands[d].student
        if self.managers[s] == p:
            self.managers[s] = q
            self.managed[p] -= 1
            self.managed[q] += 1
            self.hand_over(p, q, self.site_of[s], self.need[d] + self.workload.case_management_minutes, 2)
        else:
            self.hand_over(p, q, self.site_of[s], self.need[d], 1)
        service = self.problem.demands[d].service
        if self.counted[p] == service:
            self.served[p] -= 1
        if self.counted[q] == service:
            self.served[q] += 1
        self.providers[d] = q

    def _with_case_target(self, d: int, p: int, to: int | None = None) -> tuple[int, int | None]:
        """Demand ``d`` and its student's case together from ``p`` (who delivers and manages) to the cheapest
        other person who may do both."""
        problem, w = self.problem, self.w
        demand = problem.demands[d]
        s, service = demand.student, demand.service
        site, need, case = self.site_of[s], self.need[d], self.workload.case_management_minutes
        ranked = best_practice_services(problem.rules, problem.students[s])
        if service not in ranked:
            return 0, None
        managers = set(self.cands.managers[s])
        counted_p = self.counted[p] == service
        leave = self.travel(p, site, -2)
        out = (self.cost(p, self.minutes[p] - need - case + leave) - self.cost(p, self.minutes[p])
               + self._cm_step(p, -1)
               - w.best_practice_rank * self._rank(s, p, ranked, ()))
        if counted_p:
            out += self.overload_change(p, -1)
        current, current_manager = self.current[d], self.current_manager[s]
        best, best_q = 0, None
        for q in _only(self.cands.providers[d], to):
            if q == p or q not in managers:
                continue
            counted_q = self.counted[q] == service
            if counted_q and self.caps[q] is not None and self.served[q] + 1 > self.caps[q]:
                continue
            role_p, role_q = problem.staff[p].role, problem.staff[q].role
            if role_p != role_q and (role_p in self.pooled or role_q in self.pooled):
                continue
            delta = (out + self.taking(q, site, need + case)
                     + self._cm_step(q, 1)
                     + w.best_practice_rank * self._rank(s, q, ranked, (service,)))
            if counted_q:
                delta += self.overload_change(q, 1)
            if current is not None:
                delta += w.change_provider * ((q != current) - (p != current))
            if current_manager is not None:
                delta += w.change_case_manager * ((q != current_manager) - (p != current_manager))
            if best_q is None or delta < best:
                best, best_q = delta, q
        return best, best_q

    def _rank(self, s: int, q: int, ranked: tuple[str, ...], also: tuple[str, ...]) -> int:
        """Best-practice rank of ``q`` managing student ``s`` (``also``: services ``q`` would deliver too)."""
        problem = self.problem
        delivered = {problem.demands[e].service for e in problem.demands_of[s] if self.providers[e] == q}
        return rank_among(problem.rules, ranked, delivered | set(also), problem.staff[q].role)

    def _cm_cost(self, p: int, managed: int) -> int:
        return balance_cost(managed, self.cm_targets[p], self.w.case_management_balance)

    def _cm_step(self, p: int, change: int) -> int:
        """What ``p``'s case-management balance changes by when ``change`` cases join (+) or leave."""
        if self.cm_targets[p] is None:
            return 0
        return self._cm_cost(p, self.managed[p] + change) - self._cm_cost(p, self.managed[p])

    def move_case(self, s: int, plan_rank: int) -> int:
        """Move student ``s``'s case to another person who may manage them, when that saves."""
        if self.managers[s] is None:
            return 0
        delta, q = self.case_target(s, plan_rank)
        if q is None or delta >= 0:
            return 0
        self.give_case(s, q)
        return -delta

    def case_target(self, s: int, plan_rank: int, to: int | None = None) -> tuple[int, int | None]:
        """The cheapest other person to manage student ``s`` (whose case manager ranks ``plan_rank``) and what
        the objective changes by, whatever its sign; (0, None) when nobody may."""
        m = self.managers[s]
        assert m is not None
        problem, w = self.problem, self.w
        site, case = self.site_of[s], self.workload.case_management_minutes
        delivering = {self.providers[d] for d in problem.demands_of[s]}
        leave = self.travel(m, site, -1)
        out = (self.cost(m, self.minutes[m] - case + leave) - self.cost(m, self.minutes[m])
               + self._cm_step(m, -1)
               - w.best_practice_rank * plan_rank)
        current = self.current_manager[s]
        ranked = best_practice_services(problem.rules, problem.students[s])
        coordinating = len(ranked)  # a coordinator's rank (models.domain.objective.coordinating_rank), others' one more
        best, best_q = 0, None
        for q in _only(self.cands.managers[s], to):
            if q == m:
                continue
            # someone who already delivers to the student manages at the rank of what they deliver
            rank = self._rank(s, q, ranked, ()) if q in delivering else coordinating + self.not_coordinator[q]
            delta = out + self.taking(q, site, case) + self._cm_step(q, 1) + w.best_practice_rank * rank
            if current is not None:
                delta += w.change_case_manager * ((q != current) - (m != current))
            if best_q is None or delta < best:
                best, best_q = delta, q
        return best, best_q

    def give_case(self, s: int, q: int) -> None:
        m = self.managers[s]
        assert m is not None
        self.hand_over(m, q, self.site_of[s], self.workload.case_management_minutes, 1)
        self.managed[m] -= 1
        self.managed[q] += 1
        self.managers[s] = q

    def plan(self, like: Plan) -> Plan:
        return Plan(providers=tuple(self.providers), case_managers=tuple(self.managers), assessors=like.assessors)


def improve_on_workload(problem: Problem, cands: Candidates, plan: Plan, seconds: float,
                        max_passes: int = 8) -> Plan:
    """The plan after passes of workload-improving moves (never more expensive, every hard rule kept)."""
    deadline = time.perf_counter() + seconds
    state = _State(problem, cands, plan)
    state.deadline = deadline
    for _ in range(max_passes):
        saved = 0
        for d in range(len(problem.demands)):
            saved += state.move_service(d)
            if not d % 512 and time.perf_counter() > deadline:
                return state.plan(plan)
        for p in range(len(problem.staff)):
            for site in [site for site, n in state.sites[p].items() if n <= VACATE_ITEMS] \
                    if len(state.sites[p]) > 1 else ():
                saved += state.vacate(p, site)
            if not p % 64 and time.perf_counter() > deadline:
                return state.plan(plan)
        for p in range(len(problem.staff)):
            for site in list(state.sites[p]) if len(state.sites[p]) > 1 else ():
                if site in state.sites[p]:
                    saved += state.exchange(p, site)
            if time.perf_counter() > deadline:
                return state.plan(plan)
        current = state.plan(plan)  # case moves change no provider: each student's rank in it stays theirs
        for s in range(len(problem.students)):
            if state.managers[s] is not None:
                saved += state.move_case(s, manager_rank(problem, current, s) or 0)
            if not s % 512 and time.perf_counter() > deadline:
                return state.plan(plan)
        if not saved:
            break
    return state.plan(plan)
