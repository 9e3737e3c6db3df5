"""Read the pending initial assessments (``--assessments FILE``): ``assessment_id, site[, student_id, due_date]``.

Each problem names the file, row, column and value; any error makes the whole
file bad input (nothing is planned or written).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from pathlib import Path

from models.domain.issues import InputError, Issue
from models.domain.problem import ALL_SITES, Assessment, Problem, Staff, Student
from models.files.table_cells import _Table

ASSESSMENT_REQUIRED = ("assessment_id", "site")
ASSESSMENT_COLUMNS = ("assessment_id", "site", "student_id", "due_date")


def due_date(raw: str) -> str | None:
    """An ISO date (YYYY-MM-DD), normalised; None when not one."""
    try:
        return datetime.date.fromisoformat(raw).isoformat()
    except ValueError:
        return None


UNKNOWN_SITE = "no student or staff member has this site; nobody can take this assessment"


def known_sites(students: Iterable[Student], staff: Iterable[Staff]) -> frozenset[str]:
    """The sites some student attends or some staff member serves ('*' when someone serves every site)."""
    return frozenset({s.site for s in students} | {name for p in staff for name in p.sites})


def nobodys_site(site: str, known: frozenset[str]) -> bool:
    """Is ``site`` none of the ``known_sites`` (nobody could take an assessment there)?"""
    return site not in known and ALL_SITES not in known


def load_assessments(path: Path, problem: Problem) -> tuple[tuple[Assessment, ...], list[Issue]]:
    """The assessments and their warnings; raises :class:`InputError` when any row is bad."""
    table = _Table(Path(path))
    known = known_sites(problem.students, problem.staff)
    seen: dict[str, int] = {}
    out: list[Assessment] = []
    for row in table.rows(ASSESSMENT_REQUIRED, "pending initial assessment", allow_empty=True, sheet="assessments",
                          known=ASSESSMENT_COLUMNS):
        assessment_id = row.unique("assessment_id", seen, "assessment id")
        site = row.required("site")
        raw_due = row.text("due_date")
        due = due_date(raw_due) if raw_due else None
        if raw_due and due is None:
            row.error("due_date", "not a date; write it as YYYY-MM-DD, e.g. 2026-10-15")
        if site is not None and nobodys_site(site, known):
            row.warn("site", UNKNOWN_SITE)
        if assessment_id is not None and site is not None:
            out.append(Assessment(assessment_id, site, row.text("student_id") or None, due, row.row))
    if table.has_errors:
        raise InputError(table.issues)
    return tuple(out), table.issues
