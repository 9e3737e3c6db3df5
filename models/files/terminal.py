"""The short terminal summary of a plan."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from models.files.reviewed import CASE_MANAGER, ReviewedPlan

MAX_REASONS = 5


def terminal_summary(reviewed: ReviewedPlan, verbose: bool = False) -> str:
    """What was planned, who is fully served, what could not be done and why; ids and figures only, no names."""
    h = reviewed.headline
    lines = [
        f"Planned {h.students} students and {h.services} services.",
        f"{h.fully_served} of {h.students} students are fully served (every service delivered and a case manager "
        f"assigned); {h.not_fully_served} {'is' if h.not_fully_served == 1 else 'are'} not.",
    ]
    if h.services_unserved or h.without_case_manager:
        lines.append(f"Could not be done: {h.services_unserved} service(s) and {h.without_case_manager} case "
                     f"manager(s). Why:")
        counted = reviewed.reasons_counted()
        for missing, reason, n in counted[:MAX_REASONS]:
            what = "no case manager" if missing == CASE_MANAGER else missing
            lines.append(f"  {n} x {what}: {reason}")
        if len(counted) > MAX_REASONS:
            lines.append(f"  ... and {len(counted) - MAX_REASONS} more reason(s): see the Unserved sheet")
    else:
        lines.append("Everything could be done: every service delivered, every student has a case manager.")
    lines.extend(servable_lines(reviewed))
    lines.append(f"Best practice: {h.best_practice_rate:.1%} of case managers are the role the best-practice order "
                 f"names; {h.changed_case_managers} case manager(s) changed from this year's.")
    lines.append(h.optimality_words())
    lines.append(balance_line(reviewed))
    if verbose:
        lines.extend(solver_lines(reviewed))
    return "\n".join(lines)


def servable_lines(reviewed: ReviewedPlan, shown: int = 10) -> list[str]:
    """A warning when the plan leaves unserved what a legal provider with room could take (ids only)."""
    left = reviewed.summary["servable_unserved_services"]
    if not left:
        return []
    ids = ", ".join(f"{x['student_id']} {x['service']}" for x in left[:shown])
    more = f" and {len(left) - shown} more (summary.json lists them)" if len(left) > shown else ""
    return [f"Warning: {len(left)} unserved service(s) could be served within every cap and site (a max-flow "
            f"check; a move budget or the time limit left them): {ids}{more}."]


def balance_line(reviewed: ReviewedPlan) -> str:
    """Which balance the plan used, and why."""
    data = reviewed.summary
    what = "weekly workload (minutes over capacity)" if data["balance_on"] == "workload" else "head counts"
    return f"Balanced on {what}: {data['balance_on_why']}."


def solver_lines(reviewed: ReviewedPlan) -> list[str]:
    """The solver's figures (--verbose)."""
    h, data = reviewed.headline, reviewed.summary
    gap = "n/a" if h.gap is None else f"{h.gap:.4%}"
    bound = "n/a" if h.best_bound is None else f"{h.best_bound:.0f}"
    lines = [f"Solver: status {h.status}  objective {h.objective}  bound {bound}  gap {gap}  "
             f"({data['solve_seconds']:.2f} s, {data['components']} component(s))"]
    for role, top in data["max_load_ratio"].items():
        lines.append(f"  {role:<20} max load {top:.2f}  spread {data['load_ratio_stddev'][role]:.2f}")
    for role, top in data["max_workload_ratio"].items():
        lines.append(f"  {role:<20} max workload {top:.2f}  spread {data['workload_ratio_spread'][role]:.2f}")
    return lines


def files_line(out_dir: Path) -> str:
    """Where the plan's files are, the director's two first."""
    order = ("plan.xlsx", "report.html", "assignments.csv", "services.csv", "caseloads.csv", "moves.csv",
             "assessments.csv", "summary.json")
    what = {"plan.xlsx": "plan.xlsx (workbook)", "report.html": "report.html (report to print or share)"}
    present = [what.get(name, name) for name in order if (out_dir / name).exists()]
    return f"Plan written to {out_dir.resolve()}: " + ", ".join(present)


class OverwritingLine:
    """One terminal line that each update overwrites; ``close`` ends it with a newline if anything was shown."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.shown = False

    def show(self, text: str) -> None:
        self.stream.write(f"\r  {text}  ")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()


class ProgressLine(OverwritingLine):
    """Components done and the gap so far, while a plan is solved."""

    def __call__(self, done: int, total: int, objective: int, bound: float) -> None:
        gap = (objective - bound) / abs(objective) if objective else 0.0
        self.show(f"solving: {done}/{total} components, objective {objective}, gap {max(gap, 0):.3%}")
