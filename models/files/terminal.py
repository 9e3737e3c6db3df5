"""The short terminal summary of a plan."""

from __future__ import annotations

from collections import Counter
from typing import TextIO

from models.domain.plan import Result
from models.domain.problem import Problem
from models.domain.reasons import Review, review_plan


def terminal_summary(problem: Problem, result: Result, review: Review | None = None) -> str:
    review = review or review_plan(problem, result.plan)
    kpis = review.check.kpis
    gap = "n/a" if result.gap is None else f"{result.gap:.4%}"
    bound = "n/a" if result.best_bound is None else f"{result.best_bound:.0f}"
    lines = [
        f"Status {result.status}  objective {result.objective}  bound {bound}  gap {gap}  "
        f"({result.solve_seconds:.2f} s, {result.components} component(s))",
        f"Students {kpis['students']}: {kpis['assigned']} with a case manager, {kpis['unassigned']} unassigned; "
        f"best practice {kpis['best_practice_rate']:.1%}; case managers changed {kpis['changed_case_managers']}",
        f"Services {kpis['services']}: {kpis['services_unserved']} unserved",
    ]
    by_reason = Counter((problem.demands[d].service, why) for d, why in review.unserved.items())
    for (service, why), n in by_reason.most_common(5):
        lines.append(f"  {n} x {service}: {why}")
    for why, n in Counter(review.unassigned.values()).most_common(3):
        lines.append(f"  {n} x no case manager: {why}")
    for role, values in kpis["roles"].items():
        lines.append(f"  {role:<20} max load {values['max_load_ratio']:.2f}  spread {values['load_ratio_stddev']:.2f}")
    return "\n".join(lines)


class ProgressLine:
    """One self-overwriting terminal line: components done and the gap so far."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.shown = False

    def __call__(self, done: int, total: int, objective: int, bound: float) -> None:
        gap = (objective - bound) / abs(objective) if objective else 0.0
        self.stream.write(f"\r  solving: {done}/{total} components, objective {objective}, gap {max(gap, 0):.3%}  ")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()
