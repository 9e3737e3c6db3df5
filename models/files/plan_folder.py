"""Read a plan folder back: which inputs made it, and its assignments as a :class:`Plan` of the problem.

``caseload explain`` and ``caseload place`` start from a plan already written.
``summary.json`` names the input files (``inputs``) and their hash
(``inputs_sha256``); the problem is rebuilt from those files (or from the ones
given) and must hash the same, so the plan is read against exactly the
district it was made for.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from models.domain.issues import InputError, Issue
from models.domain.plan import Plan
from models.domain.problem import Problem
from models.files.reviewed import input_fingerprint

if TYPE_CHECKING:  # pandas is imported where a table is built (0.2-0.4 s a plan of CSV inputs saves)
    import pandas as pd


@dataclass(frozen=True, slots=True)
class PlanInputs:
    """What summary.json says about the run that wrote the folder."""

    students: Path | None
    staff: Path | None
    current: Path | None
    rules: Path | None
    inputs_sha256: str


def _path(value: object) -> Path | None:
    return Path(str(value)) if value else None


def read_plan_inputs(folder: Path) -> PlanInputs:
    path = folder / "summary.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError([Issue("error", str(path), "no summary.json: not a plan folder written by caseload")]) \
            from None
    except (OSError, ValueError) as exc:
        raise InputError([Issue("error", str(path), f"cannot read summary.json: {exc}")]) from None
    inputs = data.get("inputs") or {}
    rules = data.get("rules")
    return PlanInputs(_path(inputs.get("students")), _path(inputs.get("staff")), _path(inputs.get("current")),
                      _path(rules) if rules and Path(str(rules)).exists() else None,
                      str(data.get("inputs_sha256", "")))


def check_same_inputs(problem: Problem, inputs: PlanInputs, folder: Path) -> None:
    """The rebuilt problem must be the one the plan was made for (same inputs hash)."""
    if input_fingerprint(problem) != inputs.inputs_sha256:
        raise InputError([Issue(
            "error", str(folder / "summary.json"),
            "the plan was made from other inputs (inputs_sha256 differs from the students, staff, current plan "
            "and rules given): pass the --students and --staff the plan was made from", column="inputs_sha256")])


def _table(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    import pandas as pd

    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise InputError([Issue("error", str(path), "missing from the plan folder")]) from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError([Issue("error", str(path), f"missing column(s) {', '.join(missing)}")])
    return frame


def read_plan(problem: Problem, folder: Path) -> Plan:
    """assignments.csv and services.csv as a Plan of ``problem`` (every student and service once)."""
    index, issues = problem.staff_index, []

    def staff(path: Path, row: int, column: str, value: str) -> int | None:
        if not value:
            return None
        if value not in index:
            issues.append(Issue("error", str(path), "not a staff id of the staff file", row, column, value))
        return index.get(value)

    path = folder / "assignments.csv"
    managers: list[int | None] = [None] * len(problem.students)
    seen: set[str] = set()
    for i, (sid, manager) in enumerate(zip(*(_table(path, ("student_id", "case_manager"))[c]
                                              for c in ("student_id", "case_manager")), strict=True)):
        s = problem.student_index.get(sid)
        if s is None:
            issues.append(Issue("error", str(path), "not a student of the students file", i + 2, "student_id", sid))
            continue
        seen.add(sid)
        managers[s] = staff(path, i + 2, "case_manager", manager)
    missing = [st.student_id for st in problem.students if st.student_id not in seen]
    if missing:
        issues.append(Issue("error", str(path), f"{len(missing)} student(s) of the students file are not in the "
                                                f"plan, e.g. {missing[0]}", column="student_id"))
    path = folder / "services.csv"
    demand_of = {(problem.students[d.student].student_id, d.service): i for i, d in enumerate(problem.demands)}
    providers: list[int | None] = [None] * len(problem.demands)
    frame = _table(path, ("student_id", "service", "provider"))
    for i, (sid, service, provider) in enumerate(zip(frame["student_id"], frame["service"], frame["provider"],
                                                     strict=True)):
        d = demand_of.get((sid, service))
        if d is None:
            issues.append(Issue("error", str(path), f"student {sid} has no service {service} in the students file",
                                i + 2, "service", service))
            continue
        providers[d] = staff(path, i + 2, "provider", provider)
    if issues:
        raise InputError(issues)
    return Plan(tuple(providers), tuple(managers))
