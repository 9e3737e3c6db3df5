"""Write a plan as the contract's output files (pandas lives here, at the edge).

Every file renders one :class:`ReviewedPlan`; nothing here computes a figure.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from models.domain.names import Names
from models.domain.plan import Result
from models.domain.problem import Problem
from models.domain.reasons import Review
from models.files.explain_files import write_explain
from models.files.gc_pause import gc_paused
from models.files.report import write_report
from models.files.reviewed import EMPTY_COLUMNS, ReviewedPlan, input_fingerprint, reviewed_plan, table_rows
from models.files.safe import write_table
from models.files.side_process import alongside
from models.files.workbook import write_workbook
from models.workflows.moves import Move

__all__ = ["input_fingerprint", "write_plan", "write_reviewed"]

CSV_FILES = ("assignments", "services", "caseloads", "moves", "assessments")  # the unserved rows are in the first two


def write_reviewed(reviewed: ReviewedPlan, out_dir: Path) -> None:
    """The CSV files (explain.csv too), summary.json (moves.csv after a rebalance), plan.xlsx and report.html."""
    out_dir.mkdir(parents=True, exist_ok=True)
    # plan.xlsx takes the longest: a second process writes it meanwhile (side_process.alongside)
    with alongside(lambda: write_workbook(reviewed, out_dir / "plan.xlsx")):
        for stem, rows in table_rows(reviewed).items():
            if stem in CSV_FILES:
                write_table(rows, out_dir / f"{stem}.csv", EMPTY_COLUMNS.get(stem, ()))  # formula-proof text cells
        write_explain(reviewed.explain, out_dir / "explain.csv")
        (out_dir / "summary.json").write_text(json.dumps(reviewed.summary, indent=2) + "\n", encoding="utf-8")
        write_report(reviewed, out_dir / "report.html")


def write_plan(problem: Problem, result: Result, out_dir: Path, timings: dict | None = None,
               review: Review | None = None, names: Names | None = None, moves: Sequence[Move] | None = None,
               effective_date: str = "", explain: Sequence[tuple[object, ...]] | None = None) -> ReviewedPlan:
    """Write the plan's files into ``out_dir``; return the reviewed plan they render.

    ``explain``: explain.csv's rows when already computed (``reviewed_plan``)."""
    with gc_paused():
        reviewed = reviewed_plan(problem, result, review, names, timings, moves, effective_date, explain)
        write_reviewed(reviewed, out_dir)
    return reviewed

