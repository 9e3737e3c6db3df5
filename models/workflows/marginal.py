"""What a small change to a plan costs, everything else as planned, from the plan's loads alone.

A change hands some of one student's services, and possibly the case, to
other people. Its price is the change in each named objective term (served,
best practice, balance, continuity), computed with the functions that define
the objective (``models.domain.objective``) on the loads of the few people it
touches: O(people touched), no solver and no pass over the district. A change
a hard rule forbids (a cap, a district average, a lock, R3) is priced as
blocked, with what blocks it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from models.domain.caps import balance_target, case_management_target, caseload_cap, district_average
from models.domain.objective import balance_change, best_practice_services, rank_among
from models.domain.plan import Plan, compute_loads, overload_cost
from models.domain.problem import Problem, Staff
from models.domain.rules import Rules
from models.domain.workload import (
    balances_workload,
    compute_workloads,
    fixed_minutes,
    person_curve,
    service_workload,
)

KEEP = -1  # ``Change.manager``: the case manager stays as planned


@dataclass(frozen=True, slots=True)
class Change:
    """One student's services (demand -> new provider) and case (``manager``) handed to other people."""

    student: int
    providers: tuple[tuple[int, int | None], ...] = ()
    manager: int | None = KEEP


@dataclass(frozen=True, slots=True)
class TermsDelta:
    """The change of each named objective term, grouped as a director reads them."""

    served: int = 0  # unserved services and students without a case manager
    best_practice: int = 0
    balance: int = 0  # service and case-management balance
    continuity: int = 0  # changed case managers and providers
    overload: int = 0  # pupils over a soft local cap, at its overload cost (contract overload pay)

    @property
    def total(self) -> int:
        return self.served + self.best_practice + self.balance + self.continuity + self.overload

    def __add__(self, other: TermsDelta) -> TermsDelta:
        return TermsDelta(self.served + other.served, self.best_practice + other.best_practice,
                          self.balance + other.balance, self.continuity + other.continuity,
                          self.overload + other.overload)

    def words(self) -> str:
        """e.g. "best practice +100, balance +35" (terms that change only)."""
        return terms_words(self.served, self.best_practice, self.balance, self.continuity, self.overload)


def terms_words(served: int, best_practice: int, balance: int, continuity: int, overload: int) -> str:
    """:meth:`TermsDelta.words` from the five terms (explain.csv words many rows without the object)."""
    parts = []  # written out: explain.csv words tens of thousands of rows
    if served:
        parts.append(f"served {served:+d}")
    if best_practice:
        parts.append(f"best practice {best_practice:+d}")
    if balance:
        parts.append(f"balance {balance:+d}")
    if continuity:
        parts.append(f"continuity {continuity:+d}")
    if overload:
        parts.append(f"overload pay {overload:+d}")
    return ", ".join(parts) if parts else "no term changes"


@dataclass(frozen=True, slots=True)
class CapHit:
    """A cap a change would break: one person's, or a role's district average (``staff`` None)."""

    staff: int | None
    role: str
    service: str
    load: int  # pupils now (the person's, or the role's district total)
    cap: int
    source: str  # the law or agreement behind the cap
    fte: float = 0.0  # the FTE behind a district average


@dataclass(frozen=True, slots=True)
class Priced:
    """A change's price, or what forbids it (``delta`` None)."""

    delta: TermsDelta | None
    cap: CapHit | None = None
    rule: str = ""  # "locked" or "R3" when one of those forbids the change
    why: str = ""  # plain words for ``rule``
    rank_after: int | None = None  # best-practice rank of the case manager after the change


def cap_source(rules: Rules, staff: Staff) -> str:
    """The law or agreement behind a person's cap (the rules' ``cap_sources``), e.g. "EC 56362(c)"."""
    role = rules.roles.get(staff.role)
    if role is None:
        return "the person's max_caseload"
    sources = role.cap_sources
    if staff.preschool_only and role.preschool_cap is not None:
        return sources.get("preschool_cap", "the role's preschool cap")
    base = role.waiver_cap if staff.rsp_waiver and role.waiver_cap is not None else role.cap
    if staff.max_caseload is not None and (base is None or staff.max_caseload < base * staff.fte):
        return "the person's max_caseload"
    if staff.rsp_waiver and role.waiver_cap is not None:
        return sources.get("waiver_cap", "the role's waiver cap")
    return sources.get("cap", "the role's cap in the rules")


class PlanState:
    """A plan with its loads, to price changes one at a time (and commit placements)."""

    def __init__(self, problem: Problem, plan: Plan) -> None:
        self.problem = problem
        rules = self.rules = problem.rules
        self.weights = rules.weights
        self.providers = list(plan.providers)
        self.managers = list(plan.case_managers)
        loads = compute_loads(problem, plan)
        self.served = list(loads.served)
        self.managed = list(loads.case_managed)
        people = problem.staff
        self.caseload_service = [(r.caseload_service if (r := rules.roles.get(p.role)) else None) for p in people]
        self.cap = [caseload_cap(rules, p) for p in people]
        self.target = [balance_target(rules, p) if p.available else None for p in people]
        self.cm_target = [case_management_target(rules, p) if p.available else None for p in people]
        self.averages = {}
        self.role_total: dict[str, int] = {}
        for role in rules.roles.values():
            if role.average_cap is not None and role.caseload_service is not None:
                average = district_average(problem, role.code)
                self.averages[role.code] = average
                self.role_total[role.code] = sum(self.served[p] for p in average.members)
        self._members = {p for a in self.averages.values() for p in a.members}
        # balancing on workload: each person's weekly minutes and the sites they visit (travel)
        self.on_workload = balances_workload(problem)
        if self.on_workload:
            self.minutes = list(compute_workloads(problem, plan).minutes)
            self.fixed = fixed_minutes(problem)
            self.sites: list[dict[str, int]] = [{} for _ in people]
            for demand, p in zip(problem.demands, plan.providers, strict=True):
                if p is not None:
                    site = problem.students[demand.student].site
                    self.sites[p][site] = self.sites[p].get(site, 0) + 1
            for student, m in zip(problem.students, plan.case_managers, strict=True):
                if m is not None:
                    self.sites[m][student.site] = self.sites[m].get(student.site, 0) + 1
        self._ranked: dict[int, tuple[str, ...]] = {}
        self._planned_rank: dict[int, int] = {}
        self._delivered: dict[int, dict[int, set[str]]] = {}  # student -> staff -> services, as planned
        self._manage_step: dict[tuple[int, int], int] = {}  # (person, +1/-1) -> case-management balance change

    def plan(self) -> Plan:
        return Plan(providers=tuple(self.providers), case_managers=tuple(self.managers))

    # -- the student's side ------------------------------------------------------

    def delivered(self, s: int, staff: int | None, providers: dict[int, int | None] | None = None) -> set[str]:
        """Services of student ``s`` that ``staff`` delivers (with ``providers`` overriding the plan)."""
        if staff is None:
            return set()
        problem = self.problem
        if not providers:
            return self.delivered_by(s).get(staff, set())
        return {problem.demands[d].service for d in problem.demands_of[s]
                if providers.get(d, self.providers[d]) == staff}

    def delivered_by(self, s: int) -> dict[int, set[str]]:
        """The people delivering services to student ``s`` as planned, with their services."""
        by_staff = self._delivered.get(s)
        if by_staff is None:
            by_staff = self._delivered[s] = {}
            problem = self.problem
            for d in problem.demands_of[s]:
                if self.providers[d] is not None:
                    by_staff.setdefault(self.providers[d], set()).add(problem.demands[d].service)
        return by_staff

    def ranked(self, s: int) -> tuple[str, ...]:
        """The student's best-practice services, best first (looked up once per student)."""
        ranked = self._ranked.get(s)
        if ranked is None:
            ranked = self._ranked[s] = best_practice_services(self.rules, self.problem.students[s])
        return ranked

    def rank(self, s: int, manager: int | None, providers: dict[int, int | None] | None = None) -> int | None:
        if manager is None:
            return None
        return rank_among(self.rules, self.ranked(s), self.delivered(s, manager, providers),
                          self.problem.staff[manager].role)

    def planned_rank(self, s: int) -> int:
        """The plan's rank for student ``s`` (0 when unassigned, as the objective counts it)."""
        rank = self._planned_rank.get(s)
        if rank is None:
            rank = self._planned_rank[s] = self.rank(s, self.managers[s]) or 0
        return rank

    # -- pricing -------------------------------------------------------------------

    def price(self, change: Change) -> Priced:
        """The change of the objective if ``change`` were made, everything else as planned."""
        problem, w = self.problem, self.weights
        s = change.student
        student = problem.students[s]
        new = dict(change.providers)
        manager = self.managers[s] if change.manager == KEEP else change.manager
        if student.locked:
            locked = self._locked(s, new, manager)
            if locked:
                return Priced(None, rule="locked", why=locked)
        served_change: dict[int, int] = {}
        served = continuity = balance = overload = 0
        for d, p in new.items():
            before = self.providers[d]
            if p == before:
                continue
            served += w.unserved_service * ((p is None) - (before is None))
            service = problem.demands[d].service
            for person, step in ((before, -1), (p, 1)):
                if person is not None and self.caseload_service[person] == service:
                    served_change[person] = served_change.get(person, 0) + step
            current = problem.current_providers.get((student.student_id, service))
            if current is not None:
                index = problem.staff_index.get(current)
                continuity += w.change_provider * ((p != index) - (before != index))
        if new:
            hit = self._cap_hit(served_change)
            if hit is not None:
                return Priced(None, cap=hit)
            broken = self._alternate_placement_broken(s, new)
            if broken:
                return Priced(None, rule="R3", why=broken)
            if not self.on_workload:
                balance = sum(balance_change(self.served[p], n, self.target[p], w.service_balance)
                              for p, n in served_change.items())
            overload = sum(overload_cost(problem, p, self.served[p] + n) - overload_cost(problem, p, self.served[p])
                           for p, n in served_change.items())
        old_manager = self.managers[s]
        if manager != old_manager:
            m_served, m_balance, m_continuity = self._manager_terms(s, old_manager, manager)
            served, balance, continuity = served + m_served, balance + m_balance, continuity + m_continuity
        if self.on_workload:
            balance += self._workload_change(self._workload_steps(s, new, manager))
        rank_before = self.planned_rank(s)
        rank_after = self.rank(s, manager, new)
        best_practice = w.best_practice_rank * ((rank_after or 0) - rank_before)
        return Priced(TermsDelta(served, best_practice, balance, continuity, overload), rank_after=rank_after)

    def _manager_terms(self, s: int, old: int | None, new: int | None) -> tuple[int, int, int]:
        """(served, balance, continuity) change when the case passes from ``old`` to ``new``."""
        w = self.weights
        served = w.unassigned_student * ((new is None) - (old is None))
        balance = 0
        for person, step in ((old, -1), (new, 1)):
            if person is not None:
                key = (person, step)
                change = self._manage_step.get(key)
                if change is None:
                    change = self._manage_step[key] = balance_change(
                        self.managed[person], step, self.cm_target[person], w.case_management_balance)
                balance += change
        continuity = 0
        current = self.problem.students[s].current_case_manager
        if current is not None:
            index = self.problem.staff_index.get(current)
            continuity = w.change_case_manager * ((new != index) - (old != index))
        return served, balance, continuity

    def _workload_steps(self, s: int, new: dict[int, int | None],
                        manager: int | None) -> dict[int, tuple[int, dict[str, int]]]:
        """Per person touched: (minutes change, site visits change) if the change were made."""
        problem = self.problem
        workload = self.rules.workload
        site = problem.students[s].site
        steps: dict[int, tuple[int, dict[str, int]]] = {}

        def add(person: int | None, minutes: int, visits: int) -> None:
            if person is None:
                return
            have, sites = steps.get(person, (0, {}))
            sites[site] = sites.get(site, 0) + visits
            steps[person] = (have + minutes, sites)

        for d, p in new.items():
            before = self.providers[d]
            if p != before:
                minutes = service_workload(workload, problem.demands[d])
                add(before, -minutes, -1)
                add(p, minutes, 1)
        old = self.managers[s]
        if manager != old:
            add(old, -workload.case_management_minutes, -1)
            add(manager, workload.case_management_minutes, 1)
        return steps

    def _workload_change(self, steps: dict[int, tuple[int, dict[str, int]]]) -> int:
        """The workload balance term's change: each person's curve at their new minutes (travel included).

        ``person_balance_cost`` measures from the person's fixed minutes, which cancel in a change; the sites
        held are those still visited (``apply``), so their number gives the trips."""
        travel = self.rules.workload.travel_minutes
        curves = self.curves
        total = 0
        for p, (minutes, visits) in steps.items():
            curve = curves[p]
            if curve is None:
                continue
            now = self.sites[p]
            before = len(now)
            after = before + sum((now.get(x, 0) + n > 0) - (x in now) for x, n in visits.items())
            change = minutes + travel * (max(0, after - 1) - max(0, before - 1))
            total += curve.cost(self.minutes[p] + change) - curve.cost(self.minutes[p])
        return total

    @functools.cached_property
    def curves(self) -> list:
        """Each person's workload balance curve (None: on leave, no balance cost)."""
        return [person_curve(self.problem, person) if person.available else None for person in self.problem.staff]

    def _locked(self, s: int, new: dict[int, int | None], manager: int | None) -> str:
        """Why a lock forbids the change ("" when none does): a locked student keeps its current people."""
        problem = self.problem
        student = problem.students[s]
        if not student.locked:
            return ""
        if student.current_case_manager and manager != self.managers[s]:
            return f"student {student.student_id} is locked to case manager {student.current_case_manager}"
        for d, p in new.items():
            holder = problem.current_providers.get((student.student_id, problem.demands[d].service))
            if holder is not None and p != self.providers[d]:
                return f"student {student.student_id} is locked to {holder} for {problem.demands[d].service}"
        return ""

    def _cap_hit(self, served_change: dict[int, int]) -> CapHit | None:
        problem = self.problem
        for p, n in served_change.items():
            cap = self.cap[p]
            if n > 0 and cap is not None and self.served[p] + n > cap:
                person = problem.staff[p]
                return CapHit(p, person.role, self.caseload_service[p], self.served[p], cap,
                              cap_source(self.rules, person))
        for role, average in self.averages.items():
            n = sum(step for p, step in served_change.items() if p in self._members and problem.staff[p].role == role)
            if n > 0 and self.role_total[role] + n > average.budget:
                spec = self.rules.roles[role]
                return CapHit(None, role, spec.caseload_service, self.role_total[role], average.budget,
                              spec.cap_sources.get("average_cap", "the role's district average"), average.fte)
        return None

    def _alternate_placement_broken(self, s: int, new: dict[int, int | None]) -> str:
        """R3: instruction under an alternate placement needs a primary-disability service served."""
        problem = self.problem
        student = problem.students[s]
        if not student.alternate_placement or not new:
            return ""
        related = set(self.rules.categories[student.primary].related_services)
        instructional = self.rules.instructional_services
        served = {problem.demands[d].service for d in problem.demands_of[s]
                  if new.get(d, self.providers[d]) is not None}
        if served & instructional and not served & related:
            return (f"alternate placement (R3): instruction needs a service for the primary disability "
                    f"{student.primary} in the plan, and none would be served")
        return ""

    def apply(self, change: Change) -> None:
        """Make the change (the caller priced it and found it allowed)."""
        problem = self.problem
        if self.on_workload:
            new = dict(change.providers)
            manager = self.managers[change.student] if change.manager == KEEP else change.manager
            travel = self.rules.workload.travel_minutes
            for p, (minutes, visits) in self._workload_steps(change.student, new, manager).items():
                sites = self.sites[p]
                before = max(0, len(sites) - 1)
                for x, n in visits.items():
                    held = sites.get(x, 0) + n
                    if held:
                        sites[x] = held
                    else:  # only sites still visited are kept: their number is the trips' (workload_change)
                        sites.pop(x, None)
                self.minutes[p] += minutes + travel * (max(0, len(sites) - 1) - before)
        self._planned_rank.pop(change.student, None)
        self._delivered.pop(change.student, None)
        for d, p in change.providers:
            before = self.providers[d]
            service = problem.demands[d].service
            for person, step in ((before, -1), (p, 1)):
                if person is not None and self.caseload_service[person] == service:
                    self.served[person] += step
                    role = problem.staff[person].role
                    if person in self._members and role in self.role_total:
                        self.role_total[role] += step
            self.providers[d] = p
        if change.manager != KEEP:
            self._manage_step.clear()
            old = self.managers[change.student]
            if old is not None:
                self.managed[old] -= 1
            if change.manager is not None:
                self.managed[change.manager] += 1
            self.managers[change.student] = change.manager
