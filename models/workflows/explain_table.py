"""explain.csv's rows: the nearest alternatives of every (student, role) as the file's cells (ids, never names)."""

from __future__ import annotations

from dataclasses import dataclass

from models.domain.plan import Plan
from models.domain.problem import Problem
from models.workflows.explain_fast import FastRows
from models.workflows.explanations import COSTLIER, NONE, Alternative, Explainer, staff_id
from models.workflows.marginal import TermsDelta

EXPLAIN_COLUMNS = ("student_id", "role", "chosen", "alternative", "verdict", "rule", "cost_delta", "why",
                   "best_practice_delta", "balance_delta", "continuity_delta")


@dataclass(frozen=True, slots=True)
class ExplainRow:
    """One line of explain.csv, with ids (never names)."""

    student_id: str
    role: str
    chosen: str
    alternative: str
    verdict: str
    rule: str
    delta: TermsDelta | None
    why: str

    @classmethod
    def of(cls, problem: Problem, alt: Alternative) -> ExplainRow:
        return cls(problem.students[alt.student].student_id, alt.role, staff_id(problem, alt.chosen),
                   staff_id(problem, alt.alternative), alt.verdict, alt.rule, alt.delta, alt.why)

    def cells(self) -> dict[str, object]:
        d = self.delta
        return {
            "student_id": self.student_id, "role": self.role, "chosen": self.chosen, "alternative": self.alternative,
            "verdict": self.verdict, "rule": self.rule, "cost_delta": "" if d is None else d.total, "why": self.why,
            "best_practice_delta": "" if d is None else d.best_practice,
            "balance_delta": "" if d is None else d.balance, "continuity_delta": "" if d is None else d.continuity,
        }

    def beside_assignment(self) -> str:
        """Why the plan's person, in one line beside the assignment (the nearest alternative's verdict)."""
        return beside_assignment(self.verdict, self.why)

    def values(self) -> tuple[object, ...]:
        """The cells in :data:`EXPLAIN_COLUMNS` order: plain ids, words and numbers (cheap to pickle)."""
        d = self.delta
        if d is None:
            return (self.student_id, self.role, self.chosen, self.alternative, self.verdict, self.rule, "", self.why,
                    "", "", "")
        return (self.student_id, self.role, self.chosen, self.alternative, self.verdict, self.rule, d.total, self.why,
                d.best_practice, d.balance, d.continuity)


VERDICT_AT, WHY_AT = EXPLAIN_COLUMNS.index("verdict"), EXPLAIN_COLUMNS.index("why")


def beside_assignment(verdict: str, why: str) -> str:
    """Why the plan's person, in one line beside the assignment, from the nearest alternative's verdict and words."""
    if verdict == NONE:
        return why
    if verdict == COSTLIER:
        return f"next best: {why}"
    return f"others at the site: {why}"


def explain_values(problem: Problem, plan: Plan, students: range | None = None) -> tuple[tuple[object, ...], ...]:
    """explain.csv's rows as cell values (:meth:`ExplainRow.values`): what a second process sends back.

    Measured at 10,000 students: half the rows pickle and unpickle in 0.03 s as values, 0.48 s as objects.
    """
    fast = FastRows(Explainer(problem, plan))
    rows: list[tuple[object, ...]] = []
    for s in range(len(problem.students)) if students is None else students:
        rows += fast.student_values(s)
    return tuple(rows)


__all__ = ["EXPLAIN_COLUMNS", "ExplainRow", "beside_assignment", "explain_values"]
