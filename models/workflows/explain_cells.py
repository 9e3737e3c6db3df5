"""explain.csv's cells for a costlier alternative: its terms and words without a TermsDelta, Priced or Change.

A costlier row reports the change of each objective term if that person
took the role, everything else as planned (``Scorer.terms``). Part of it is
the planned person letting go, the same for every alternative of one
(student, role) (:class:`Shared`, once); the rest is the alternative's own
step up their balance and overload curves, continuity and best-practice
rank. The words are ``Explainer._row``'s (``costlier_text``), the cells
``ExplainRow.values``' (tests/test_explain_fast.py compares them with the
Explainer's rows).
"""

from __future__ import annotations

from dataclasses import dataclass

from models.domain.objective import rank_among
from models.domain.rule_table import CASE_MANAGER
from models.workflows.explanations import COSTLIER, Alternative, Explainer, costlier_text, staff_id
from models.workflows.scoring import _NO_CURRENT

Terms = tuple[int, int, int, int, int]  # served, best practice, balance, continuity, overload


@dataclass(frozen=True, slots=True)
class Shared:
    """What every costlier alternative of one (student, role) shares: the planned person letting go."""

    student_id: str
    chosen_id: str
    instead: str  # " instead of <id>", or "" when nobody is planned
    before: int | None
    served: int
    balance: int
    overload: int
    continuity: int
    index: object  # the current person (continuity), _NO_CURRENT when none is on record


class Cells:
    """Costlier rows' cells of one plan that does not move (explain.csv)."""

    def __init__(self, explainer: Explainer) -> None:
        self.explainer = explainer
        self.state, self.scorer, self.problem = explainer.state, explainer.scorer, explainer.problem
        w = self.state.weights
        self._w_bp, self._w_cp, self._w_cc = w.best_practice_rank, w.change_provider, w.change_case_manager
        self._up: list[tuple[int, int] | None] = [None] * len(self.problem.staff)

    def shared(self, s: int, d: int | None) -> Shared:
        """The planned person of demand ``d`` (None: the case) letting go: the same for every alternative."""
        state, scorer, problem, w = self.state, self.scorer, self.problem, self.state.weights
        student = problem.students[s]
        index: object = _NO_CURRENT
        balance = overload = continuity = 0
        if d is None:
            before = state.managers[s]
            served = -w.unassigned_student * (before is None)
            if before is not None:
                balance = scorer.manage_step(before, -1)
            if student.current_case_manager is not None:
                index = problem.staff_index.get(student.current_case_manager)
                continuity = -self._w_cc * (before != index)
        else:
            before, service = state.providers[d], problem.demands[d].service
            served = -w.unserved_service * (before is None)
            current = problem.current_providers.get((student.student_id, service))
            if current is not None:
                index = problem.staff_index.get(current)
                continuity = -self._w_cp * (before != index)
            if before is not None and state.caseload_service[before] == service:
                balance, overload = scorer.balance_step(before, -1), scorer.overload_step(before, -1)
        chosen_id = staff_id(problem, before)
        return Shared(student.student_id, chosen_id, f" instead of {chosen_id}" if before is not None else "",
                      before, served, balance, overload, continuity, index)

    # -- the alternative's terms (``Scorer.terms``) -------------------------------------------------------

    def _gains(self, p: int, d: int) -> tuple[int, int]:
        """(balance, overload) change of ``p`` taking demand ``d`` on: their next pupil's step, or none."""
        if self.state.caseload_service[p] != self.problem.demands[d].service:
            return 0, 0
        up = self._up[p]
        if up is None:  # the person's next pupil: their step up the balance and overload curves, once
            up = self._up[p] = (self.scorer.balance_step(p, 1), self.scorer.overload_step(p, 1))
        return up

    def delivering(self, s: int, d: int, p: int, shared: Shared) -> Terms:
        """``Scorer.terms(s, p, d, manage=False)``."""
        state = self.state
        balance, overload = self._gains(p, d)
        continuity = shared.continuity
        if shared.index is not _NO_CURRENT:
            continuity += self._w_cp * (p != shared.index)
        best_practice = 0
        manager = state.managers[s]
        if manager is not None and manager in (p, shared.before):  # the manager's services change
            best_practice = self._w_bp * ((state.rank(s, manager, {d: p}) or 0) - state.planned_rank(s))
        return (shared.served, best_practice, shared.balance + balance, continuity, shared.overload + overload)

    def managing(self, s: int, p: int, shared: Shared, service: str | None = None) -> Terms:
        """``Scorer.terms(s, p, d, manage=True)``: the case, and with ``service`` (not yet theirs) its demand ``d``."""
        state = self.state
        served, balance, overload = shared.served, shared.balance + self.scorer.manage_step(p, 1), 0
        continuity = shared.continuity
        if shared.index is not _NO_CURRENT:
            continuity += self._w_cc * (p != shared.index)
        delivered = state.delivered_by(s).get(p, set())
        if service is not None:
            d = self.explainer._demand(s, service)
            part = self.shared(s, d)
            gains = self._gains(p, d)
            served += part.served
            balance += part.balance + gains[0]
            overload += part.overload + gains[1]
            continuity += part.continuity
            if part.index is not _NO_CURRENT:
                continuity += self._w_cp * (p != part.index)
            delivered = delivered | {service}  # their services with ``service`` handed to them
        rank = rank_among(state.rules, state.ranked(s), delivered, self.problem.staff[p].role)
        return served, self._w_bp * (rank - state.planned_rank(s)), balance, continuity, overload

    # -- the cells -----------------------------------------------------------------------------------------

    def costlier(self, s: int, role: str, p: int, shared: Shared, terms: Terms,
                 service: str | None = None) -> tuple[object, ...]:
        """A costlier row's cells, worded as ``Explainer._row`` words them (``service``: the mode's take-over)."""
        pid = self.problem.staff[p].staff_id
        if role != CASE_MANAGER:
            what = f"{pid} delivering {role}"
        elif service is not None or p in self.state.delivered_by(s):
            what = self.explainer._what(s, p, service)
        else:  # delivering nothing to the student
            what = f"{pid} managing the case (coordinating)"
        served, best_practice, balance, continuity, overload = terms
        return (shared.student_id, role, shared.chosen_id, pid, COSTLIER, "",
                served + best_practice + balance + continuity + overload,
                costlier_text(what + shared.instead, *terms), best_practice, balance, continuity)


def alternative_values(problem, alt: Alternative) -> tuple[object, ...]:
    """One :class:`Alternative`'s cells in explain.csv's column order (``ExplainRow.values``)."""
    d = alt.delta
    row = (problem.students[alt.student].student_id, alt.role, staff_id(problem, alt.chosen),
           staff_id(problem, alt.alternative), alt.verdict, alt.rule)
    if d is None:
        return (*row, "", alt.why, "", "", "")
    return (*row, d.total, alt.why, d.best_practice, d.balance, d.continuity)
