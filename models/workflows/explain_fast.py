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

A locked student's roles the lock holds have only "locked" alternatives
(:meth:`FastRows._locked_values`); the roles it does not hold, students
balanced on workload minutes and students under an alternate placement (R3
can turn any alternative ineligible) go through the Explainer unchanged.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass

from models.domain.candidates import student_class
from models.domain.objective import coordinating_rank
from models.domain.problem import Student
from models.domain.rule_table import CASE_MANAGER, blocking_rules
from models.workflows.explain_cells import Cells, Shared, alternative_values
from models.workflows.explanations import (
    _ORDER,
    _RULE_ORDER,
    INELIGIBLE,
    NEAREST,
    NONE,
    Explainer,
    blocked_words,
)
from models.workflows.scoring import _NO_CURRENT, AT_CAP_KEY, COSTLIER_KEY, INELIGIBLE_KEY, Eligible

Verdict = Callable[[int], tuple]  # person -> (first blocking rule or None, number of rules blocking)
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
        self._eligible: dict[tuple[str, int, tuple[str, ...]], tuple[Eligible, frozenset[int]]] = {}
        self._class_numbers: dict[tuple, int] = {}
        self.cells = Cells(explainer)
        self._verdict_of: dict[tuple[int, str], Verdict] = {}
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

    def _class(self, s: int) -> int:
        """The student's class (``candidates.student_class``) as a number: dictionary keys hash it once."""
        klass = student_class(self.problem.students[s])
        number = self._class_numbers.get(klass)
        if number is None:
            number = self._class_numbers[klass] = len(self._class_numbers)
        return number

    def _verdict(self, s: int, klass: int, role: str) -> Verdict:
        """person -> (first blocking rule or None, rules blocking) for the student's class and ``role``.

        The verdicts are ``Explainer.pool``'s (one dictionary per class of student and role, filled as
        people are asked about): the rules read nothing of a student but their class.
        """
        verdict = self._verdict_of.get((klass, role))
        if verdict is None:
            verdict = self._verdict_of[(klass, role)] = self._new_verdict(self.problem.students[s], role)
        return verdict

    def _new_verdict(self, student: Student, role: str) -> Verdict:
        explainer = self.explainer
        verdicts = explainer._verdicts.setdefault((student_class(student), role), {})
        class_of, representatives, rules = explainer._class_of, explainer._representatives, self.problem.rules

        def verdict(p: int) -> tuple:
            c = class_of[p]
            entry = verdicts.get(c)
            if entry is None:
                blocked = blocking_rules(rules, student, representatives[c], role)
                entry = verdicts[c] = (blocked[0] if blocked else None, len(blocked))
            return entry

        return verdict

    def eligible(self, s: int, klass: int) -> tuple[Eligible, frozenset[int]]:
        """``Explainer.eligible`` (for each best-practice service, who at the site may deliver it) and all of them.

        The same for every student of a class at a site with the same best-practice services: kept.
        """
        site, ranked = self.problem.students[s].site, self.state.ranked(s)
        found = self._eligible.get((site, klass, ranked))
        if found is None:
            eligible = {}
            for service in ranked:
                verdict = self._verdict(s, klass, service)
                eligible[service] = frozenset(p for p in self._table(site, service).people if verdict(p)[0] is None)
            found = self._eligible[(site, klass, ranked)] = (eligible, frozenset().union(*eligible.values()))
        return found

    # -- one (student, role): the nearest keys ---------------------------------------------------

    @staticmethod
    def _nearest(verdict: Verdict, table: _Table, shift: int, skip: set,
                 exact: list[tuple[Key, int]], chosen: int | None) -> list[tuple[Key, int]]:
        """The nearest keys: ``exact`` and the first few eligible of the table's orders (``skip`` aside)."""
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

    def service_keys(self, s: int, klass: int, d: int, shared: Shared) -> list[tuple[Key, int]]:
        """The nearest keys for demand ``d`` of student ``s`` (a student the fast path covers)."""
        state, scorer = self.state, self.scorer
        service = self.problem.demands[d].service
        table = self._table(self.problem.students[s].site, service)
        chosen = state.providers[d]
        manager = state.managers[s]
        # ``Scorer._demand_part``'s base: the planned provider letting go
        shift = shared.served + shared.continuity + shared.balance + shared.overload
        if manager is not None and manager == chosen:  # the manager hands the service over, whoever takes it
            shift += self._w_bp * ((state.rank(s, manager, {d: _ANYONE}) or 0) - state.planned_rank(s))
        odd = set(table.seated)
        if shared.index is not _NO_CURRENT:
            shift += self._w_cp
            odd.add(shared.index)
        odd.add(manager)
        return self._with_exact(self._verdict(s, klass, service), table, shift, odd, chosen,
                                lambda people: scorer.service_scores(d, people))

    def manager_keys(self, s: int, klass: int, modes: dict[int, str | None], shared: Shared) -> list[tuple[Key, int]]:
        """The nearest keys for the case of student ``s``; ``modes`` gets the cheapest mode of those priced."""
        state, scorer = self.state, self.scorer
        table = self._table(self.problem.students[s].site, CASE_MANAGER)
        chosen = state.managers[s]
        eligible, anyone = self.eligible(s, klass)
        # ``_CaseContext``'s base (the planned case manager letting go) and the coordinating rank's common part
        shift = shared.served + shared.balance + shared.continuity + self._w_bp * (
            len(state.ranked(s)) - state.planned_rank(s))
        special = set(anyone)
        special.update(state.delivered_by(s))
        odd = set(special)
        if shared.index is not _NO_CURRENT:
            shift += self._w_cc
            odd.add(shared.index)
        return self._with_exact(self._verdict(s, klass, CASE_MANAGER), table, shift, odd, chosen,
                                lambda people: scorer.manager_scores(s, people, eligible, modes, special=special))

    def _with_exact(self, verdict: Verdict, table: _Table, shift: int, odd: set, chosen: int | None,
                    score) -> list[tuple[Key, int]]:
        """The people ``odd`` (whose score depends on the student) scored exactly, then the nearest of the rest."""
        people = sorted(p for p in odd if p is not None and p != chosen and p in table.present
                        and verdict(p)[0] is None)
        exact = [((order, cost, 0, p), p) for p, (order, cost) in zip(people, score(people), strict=True)
                 ] if people else []
        odd.add(chosen)
        return self._nearest(verdict, table, shift, odd, exact, chosen)

    def student_values(self, s: int) -> list[tuple[object, ...]]:
        """Student ``s``'s rows of explain.csv as cell values, in the file's order."""
        problem, explainer = self.problem, self.explainer
        student = problem.students[s]
        if student.alternate_placement or self.state.on_workload:
            return [alternative_values(problem, alt) for alt in explainer.student_rows(s)]
        klass = self._class(s)
        if student.locked:
            return self._locked_values(s, klass)
        modes: dict[int, str | None] = {}
        shared = self.cells.shared(s, None)
        rows = self._values(s, CASE_MANAGER, None, self.manager_keys(s, klass, modes, shared), modes,
                            self._verdict(s, klass, CASE_MANAGER), shared)
        first: dict[str, int] = {}
        for d in problem.demands_of[s]:
            service = problem.demands[d].service
            d = first.setdefault(service, d)  # a service asked twice: its first demand, as Explainer._demand
            shared = self.cells.shared(s, d)
            rows += self._values(s, service, d, self.service_keys(s, klass, d, shared), None,
                                 self._verdict(s, klass, service), shared)
        return rows

    def _locked_values(self, s: int, klass: int) -> list[tuple[object, ...]]:
        """A locked student's rows: where the lock holds a role, every eligible alternative is ineligible ("locked").

        ``PlanState.price`` says "locked" for any change of the case when the student has a current case
        manager, and of a service when it has a current provider; the Explainer words each kept row. A role
        the lock does not hold is priced pair by pair, as the Explainer does for every locked student.
        """
        problem, explainer = self.problem, self.explainer
        student, state = problem.students[s], self.state
        rows = []
        for d in (None, *problem.demands_of[s]):
            if d is None:
                role, held, chosen = CASE_MANAGER, bool(student.current_case_manager), state.managers[s]
            else:
                role = problem.demands[d].service
                held = (student.student_id, role) in problem.current_providers
                chosen = state.providers[explainer._demand(s, role)]
            if not held:
                rows += [alternative_values(problem, alt) for alt in explainer.alternatives(s, role)]
                continue
            verdict = self._verdict(s, klass, role)
            keys = []
            for p in self._table(student.site, role).people:
                rule, n_blocking = verdict(p)
                if p != chosen:  # the lock's key (Explainer._score: ineligible, 0) or the rules'
                    keys.append(((_ORDER[INELIGIBLE], n_blocking, -_RULE_ORDER.get(rule.rule, 0) if rule else 0, p), p))
            kept = heapq.nsmallest(NEAREST, keys)
            rows += [alternative_values(problem, explainer.explain(s, role, p)) for _, p in kept] or [
                alternative_values(problem, explainer.alternatives(s, role)[0])]
        return rows

    def _values(self, s: int, role: str, d: int | None, kept: list[tuple[Key, int]],
                modes: dict[int, str | None] | None, verdict: Verdict, shared: Shared) -> list[tuple[object, ...]]:
        """The kept alternatives' cells: costlier ones worded here, the others by the Explainer."""
        problem, explainer = self.problem, self.explainer
        if not kept:  # nobody else at the site for the role
            return [(shared.student_id, role, shared.chosen_id, "", NONE, "", "", explainer._nobody(s, role),
                     "", "", "")]
        rows = []
        for key, p in kept:
            if key[0] == INELIGIBLE_KEY and key[1]:  # a hard rule says no (``Explainer.explain``'s words)
                blocked = verdict(p)[0]
                rows.append((shared.student_id, role, shared.chosen_id, problem.staff[p].staff_id, INELIGIBLE,
                             blocked.rule, "", blocked_words(problem, p, blocked), "", "", ""))
                continue
            if key[0] != COSTLIER_KEY:  # at a cap: the Explainer names it
                rows.append(alternative_values(problem, explainer.explain(s, role, p)))
                continue
            if d is None:  # the case, in the alternative's cheapest mode
                service = None if modes is None else modes.get(p)
                rows.append(self.cells.costlier(s, role, p, shared, self.cells.managing(s, p, shared, service),
                                                service))
            else:
                rows.append(self.cells.costlier(s, role, p, shared, self.cells.delivering(s, d, p, shared)))
        return rows
