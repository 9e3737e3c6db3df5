"""explain.csv, explain-<ID>.csv and placements.csv (pandas lives here, at the edge)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from models.domain.names import Names
from models.domain.problem import Problem
from models.files.safe import write_csv, write_rows
from models.files.tables import text_table
from models.workflows.explain_table import EXPLAIN_COLUMNS, ExplainRow
from models.workflows.explanations import staff_id
from models.workflows.placement import Placement

if TYPE_CHECKING:  # pandas is imported where a table is built (0.2-0.4 s a plan of CSV inputs saves)
    pass

if TYPE_CHECKING:  # a type only: writing explain.csv does not load the solver
    from optimizer.forcing import ExactAlternative


def write_explain(rows: Iterable[Sequence[object]], path: Path) -> None:
    """explain.csv from :meth:`ExplainRow.values` rows (ids, words and whole numbers only: the csv module
    writes pandas' bytes without building a table)."""
    write_rows(EXPLAIN_COLUMNS, rows, path)


EXACT_COLUMNS = (*EXPLAIN_COLUMNS[:8], "status", "moves", "as_planned_cost_delta")


def exact_rows(problem: Problem, rows: Sequence[ExactAlternative]) -> list[dict[str, object]]:
    """explain-<ID>.csv: cost_delta is the exact one (the best plan with that person in the role)."""
    out = []
    for row in rows:
        cells = ExplainRow.of(problem, row.alternative).cells()
        outcome = row.outcome
        cells.update({
            "cost_delta": "" if row.cost_delta is None else row.cost_delta,
            "why": row.why(problem),
            "status": "" if outcome is None else outcome.status,
            "moves": "" if outcome is None else "; ".join(m.words() for m in outcome.moves),
            "as_planned_cost_delta": "" if row.alternative.cost_delta is None else row.alternative.cost_delta,
        })
        out.append({c: cells[c] for c in EXACT_COLUMNS})
    return out


def write_exact_explain(problem: Problem, rows: Sequence[ExactAlternative], path: Path) -> None:
    import pandas as pd

    write_csv(pd.DataFrame(exact_rows(problem, rows), columns=list(EXACT_COLUMNS)), path)


def exact_text(problem: Problem, rows: Sequence[ExactAlternative]) -> str:
    """The terminal table: ids, verdicts and costs (the words are in the file)."""
    table = []
    for row in rows:
        alt = row.alternative
        others = "" if row.outcome is None else sum(
            m.student_id != problem.students[alt.student].student_id for m in row.outcome.moves)
        table.append((alt.role, staff_id(problem, alt.chosen), staff_id(problem, alt.alternative) or "(nobody)",
                      alt.verdict, alt.rule, row.cost_delta, alt.cost_delta, others,
                      "" if row.outcome is None else row.outcome.status))
    return text_table(("role", "chosen", "alternative", "verdict", "rule", "exact cost", "as planned",
                       "other moves", "status"), table)


def file_safe(text: str) -> str:
    """A student id as part of a file name (anything but letters, digits, - and _ becomes _)."""
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)


PLACEMENT_COLUMNS = ("student_id", "role", "rank", "staff_id", "staff_name", "verdict", "rule", "cost_delta", "why")


def placement_rows(problem: Problem, rows: Sequence[Placement], names: Names) -> list[dict[str, object]]:
    """placements.csv; the staff name is the only name, in its own column."""
    return [{
        "student_id": problem.students[r.student].student_id, "role": r.role, "rank": "" if r.rank is None else r.rank,
        "staff_id": staff_id(problem, r.staff),
        "staff_name": "" if r.staff is None else names.of_staff(problem.staff[r.staff]),
        "verdict": r.verdict, "rule": r.rule, "cost_delta": "" if r.cost_delta is None else r.cost_delta,
        "why": r.why,
    } for r in rows]


def write_placements(problem: Problem, rows: Sequence[Placement], names: Names, path: Path) -> None:
    import pandas as pd

    write_csv(pd.DataFrame(placement_rows(problem, rows, names), columns=list(PLACEMENT_COLUMNS)), path)


def placements_text(problem: Problem, rows: Sequence[Placement]) -> str:
    """Per new student and role: the ranked choices, and a plain answer when nobody can take a service."""
    lines = []
    for s in dict.fromkeys(r.student for r in rows):
        lines.append(f"Student {problem.students[s].student_id}:")
        mine = [r for r in rows if r.student == s]
        for role in dict.fromkeys(r.role for r in mine):
            ranked = [r for r in mine if r.role == role and r.rank is not None]
            if ranked:
                choices = ", ".join(f"{r.rank}. {staff_id(problem, r.staff)} ({r.cost_delta:+d})" for r in ranked)
                lines.append(f"  {role}: {choices}")
                continue
            capped = [r for r in mine if r.role == role and r.verdict == "at_cap"]
            lines.append(f"  {role}: nobody can take it now")
            lines += [f"    {r.why}" for r in capped]
            if not capped:
                lines += [f"    {r.why}" for r in mine if r.role == role and r.staff is None]
    return "\n".join(lines)
