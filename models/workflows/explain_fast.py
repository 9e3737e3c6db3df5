"""explain.csv's rows for a whole plan, without scoring every person at the site for every (student, role).

:meth:`Explainer.alternatives` scores everyone at the student's site and keeps
the nearest three. For a plan that stays put (explain.csv), most of a
person's score depends only on the person and the (class of student, role):
their step up the balance and overload curves at their planned load, and
whether they are at their cap. Those parts are sorted once per (student
profile, role) (:class:`_Table`); a student's rows then need only the first
few people of that order plus the few whose score depends on the student:
the planned person, the current (continuity) one, the case manager, the
people who deliver to the student or may take over a best-practice service,
and the holders of a binding district-average seat. Those few are scored by
the :class:`Scorer` itself, so every key equals the one
:meth:`Explainer.scored` gives (tests/test_explain_fast.py compares them).

Students the fast pricing does not cover (workload balance, locked) and
students under an alternate placement (R3 can turn any alternative
ineligible) go through :meth:`Explainer.student_rows` unchanged.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

from models.domain.candidates import student_class
from models.domain.objective import coordinating_rank
from models.domain.rule_table import CASE_MANAGER, blocking_rules, profile_key
from models.workflows.explanations import (
    _ORDER,
    _RULE_ORDER,
    COSTLIER,
    INELIGIBLE,
    NEAREST,
    Alternative,
    Explainer,
    costlier_why,
    staff_id,
)
from models.workflows.scoring import _NO_CURRENT, AT_CAP_KEY, COSTLIER_KEY, Eligible

Key = tuple[int, int, int, int]  # explain.csv's order (Explainer.scored): verdict, cost or rules, rule, person


@dataclass(frozen=True, slots=True)
class _Table:
    """The people at a site for one role, in the order their scores keep whatever the student."""

    people: tuple[int, ...]  # everyone at the site whose role delivers the role's service (everyone: the case)
    present: frozenset[int]  # the same people, to look up
    cheapest: tuple[tuple[int, int], ...]  # (the person's own part of the cost, person), ascending
    capped: tuple[int, ...]  # at their own cap for the role's service, whatever the demand (ascending)
    seated: frozenset[int]  # hold a seat of a binding district average: at a cap or not, by the demand


_ANYONE = -1  # "someone other than the planned person": who, changes nothing for a student not under R3


class FastRows:
    """explain.csv's rows of one plan, as cell values, student by student (the plan does not move)."""

    def __init__(self, explainer: Explainer) -> None:
        self.explainer = explainer
        self.state = explainer.state
        self.scorer = explainer.scorer
        self.problem = explainer.problem
        self._tables: dict[tuple[str, str], _Table] = {}
        self._eligible: dict[tuple, frozenset[int]] = {}
        w = self.state.weights
        self._w_bp, self._w_cp, self._w_cc = w.best_practice_rank, w.change_provider, w.change_case_manager

    # -- the tables: once per (site, role) -----------------------------------------------------

    def _table(self, site: str, role: str) -> _Table:
        table = self._tables.get((site, role))
        if table is None:
            table = self._tables[(site, role)] = self._build(site, role)
        return table

    def _build(self, site: str, role: str) -> _Table:
        state, scorer, rules = self.state, self.scorer, self.problem.rules
        staff = self.problem.staff
        people = self.explainer._people_for(site, role)
        cheapest, capped, seated = [], [], set()
        for p in people:
            if role == CASE_MANAGER:
                # coordinating: the rank's step past the student's ranked services depends on the role only
                extra = coordinating_rank(rules, 0, staff[p].role)
                cheapest.append((scorer.manage_step(p, 1) + self._w_bp * extra, p))
            elif state.caseload_service[p] != role:  # the demand does not count on their caseload
                cheapest.append((0, p))
            elif state.cap[p] is not None and state.served[p] + 1 > state.cap[p]:
                capped.append(p)
            elif self._seated(p):
                seated.add(p)
            else:
                cheapest.append((scorer.balance_step(p, 1) + scorer.overload_step(p, 1), p))
        return _Table(tuple(people), frozenset(people), tuple(sorted(cheapest)), tuple(capped), frozenset(seated))

    def _seated(self, p: int) -> bool:
        """Does ``p`` hold a seat of a district average no one may add to (``Scorer._take``'s second cap)?"""
        state = self.state
        role = self.problem.staff[p].role
        average = state.averages.get(role) if p in state._members else None
        return average is not None and state.role_total[role] + 1 > average.budget

    # -- who may take the role: the rules once per class of student and class of person ----------

    def _verdicts(self, s: int, role: str) -> tuple[dict[int, tuple], object]:
        """The student's class's verdicts for ``role`` (shared with ``Explainer.pool``) and a lookup."""
        explainer = self.explainer
        student = self.problem.students[s]
        verdicts = explainer._verdicts.setdefault((student_class(student), role), {})
        class_of, representatives, rules = explainer._class_of, explainer._representatives, self.problem.rules

        def verdict(p: int) -> tuple:
            c = class_of[p]
            entry = verdicts.get(c)
            if entry is None:
                blocked = blocking_rules(rules, student, representatives[c], role)
                entry = verdicts[c] = (blocked[0] if blocked else None, len(blocked))
            return entry

        return verdicts, verdict

    def eligible(self, s: int, profile: tuple) -> Eligible:
        """``Explainer.eligible``: for each best-practice service, who at the site may deliver it."""
        site = self.problem.students[s].site
        found = {}
        for service in self.state.ranked(s):
            people = self._eligible.get((profile, service))
            if people is None:
                _, verdict = self._verdicts(s, service)
                people = self._eligible[(profile, service)] = frozenset(
                    p for p in self._table(site, service).people if verdict(p)[0] is None)
            found[service] = people
        return found

    # -- one (student, role): the nearest keys ---------------------------------------------------

    def _nearest(self, s: int, role: str, table: _Table, shift: int, skip: set,
                 exact: list[tuple[Key, int]], chosen: int | None) -> list[tuple[Key, int]]:
        """The nearest keys: ``exact`` and the first few eligible of the table's orders (``skip`` aside)."""
        _, verdict = self._verdicts(s, role)
        keys = exact
        n = 0
        for own, p in table.cheapest:
            if p not in skip and verdict(p)[0] is None:
                keys.append(((COSTLIER_KEY, shift + own, 0, p), p))
                n += 1
                if n == NEAREST:
                    break
        if len(keys) < NEAREST:
            for p in table.capped:
                if p not in skip and verdict(p)[0] is None:
                    keys.append(((AT_CAP_KEY, 0, 0, p), p))
            if len(keys) < NEAREST:  # the ineligible come last: needed only when the eligible are too few
                for p in table.people:
                    rule, n_blocking = verdict(p)
                    if rule is not None and p != chosen:
                        keys.append(((_ORDER[INELIGIBLE], n_blocking, -_RULE_ORDER.get(rule.rule, 0), p), p))
        return heapq.nsmallest(NEAREST, keys) if len(keys) > NEAREST else sorted(keys)

    def service_keys(self, s: int, d: int) -> list[tuple[Key, int]]:
        """The nearest keys for demand ``d`` of student ``s`` (a student the fast path covers)."""
        state, scorer = self.state, self.scorer
        service = self.problem.demands[d].service
        table = self._table(self.problem.students[s].site, service)
        chosen = state.providers[d]
        part = scorer._demand_part(d, _ANYONE)
        manager = state.managers[s]
        shift = part.base
        if manager is not None and manager == chosen:  # the manager hands the service over, whoever takes it
            shift += self._w_bp * ((state.rank(s, manager, {d: _ANYONE}) or 0) - state.planned_rank(s))
        odd = set(table.seated)
        if part.index is not _NO_CURRENT:
            shift += self._w_cp
            odd.add(part.index)
        odd.add(manager)
        return self._with_exact(s, service, table, shift, odd, chosen,
                                lambda people: scorer.service_scores(d, people))

    def manager_keys(self, s: int, profile: tuple, modes: dict[int, str | None]) -> list[tuple[Key, int]]:
        """The nearest keys for the case of student ``s``; ``modes`` gets the cheapest mode of those priced."""
        state, scorer = self.state, self.scorer
        table = self._table(self.problem.students[s].site, CASE_MANAGER)
        chosen = state.managers[s]
        eligible = self.eligible(s, profile)
        context = scorer.case_context(s, eligible)
        shift = context.base + self._w_bp * (len(context.ranked) - context.planned)
        odd = set(state.delivered_by(s)).union(*eligible.values())
        if context.index is not _NO_CURRENT:
            shift += self._w_cc
            odd.add(context.index)
        return self._with_exact(s, CASE_MANAGER, table, shift, odd, chosen,
                                lambda people: scorer.manager_scores(s, people, eligible, modes, context))

    def _with_exact(self, s: int, role: str, table: _Table, shift: int, odd: set, chosen: int | None,
                    score) -> list[tuple[Key, int]]:
        """The people ``odd`` (whose score depends on the student) scored exactly, then the nearest of the rest."""
        _, verdict = self._verdicts(s, role)
        people = sorted(p for p in odd if p is not None and p != chosen and p in table.present
                        and verdict(p)[0] is None)
        exact = [((order, cost, 0, p), p) for p, (order, cost) in zip(people, score(people), strict=True)]
        odd.add(chosen)
        return self._nearest(s, role, table, shift, odd, exact, chosen)

    def student_values(self, s: int) -> list[tuple[object, ...]]:
        """Student ``s``'s rows of explain.csv as cell values, in the file's order."""
        problem, explainer = self.problem, self.explainer
        student = problem.students[s]
        if student.alternate_placement or not self.scorer.covers(s):
            return [alternative_values(problem, alt) for alt in explainer.student_rows(s)]
        profile = explainer._keys.get(s)
        if profile is None:
            profile = explainer._keys[s] = profile_key(student)
        modes: dict[int, str | None] = {}
        rows = self._values(s, CASE_MANAGER, self.state.managers[s], self.manager_keys(s, profile, modes), modes)
        first: dict[str, int] = {}
        for d in problem.demands_of[s]:
            service = problem.demands[d].service
            d = first.setdefault(service, d)  # a service asked twice: its first demand, as Explainer._demand
            rows += self._values(s, service, self.state.providers[d], self.service_keys(s, d), None)
        return rows

    def _values(self, s: int, role: str, chosen: int | None, kept: list[tuple[Key, int]],
                modes: dict[int, str | None] | None) -> list[tuple[object, ...]]:
        problem, explainer = self.problem, self.explainer
        if not kept:
            return [alternative_values(problem, explainer.alternatives(s, role)[0])]
        rows = []
        for key, p in kept:
            if key[0] != COSTLIER_KEY:
                rows.append(alternative_values(problem, explainer.explain(s, role, p)))
            else:
                rows.append(self._costlier(s, role, chosen, p, None if modes is None else modes.get(p)))
        return rows

    def _costlier(self, s: int, role: str, chosen: int | None, p: int, service: str | None) -> tuple[object, ...]:
        """A costlier row's cells (as :meth:`Explainer._costlier` and ``_row`` word it)."""
        problem, explainer = self.problem, self.explainer
        if role != CASE_MANAGER:
            delta = self.scorer.terms(s, p, explainer._demand(s, role), manage=False)
            what = f"{staff_id(problem, p)} delivering {role}"
        else:
            d = None if service is None else explainer._demand(s, service)
            delta = self.scorer.terms(s, p, d, manage=True)
            what = explainer._what(s, p, service)
        return (problem.students[s].student_id, role, staff_id(problem, chosen), staff_id(problem, p), COSTLIER, "",
                delta.total, costlier_why(problem, chosen, what, delta), delta.best_practice, delta.balance,
                delta.continuity)


def alternative_values(problem, alt: Alternative) -> tuple[object, ...]:
    """One :class:`Alternative`'s cells in explain.csv's column order (``ExplainRow.values``)."""
    d = alt.delta
    row = (problem.students[alt.student].student_id, alt.role, staff_id(problem, alt.chosen),
           staff_id(problem, alt.alternative), alt.verdict, alt.rule)
    if d is None:
        return (*row, "", alt.why, "", "", "")
    return (*row, d.total, alt.why, d.best_practice, d.balance, d.continuity)
