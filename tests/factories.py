"""Tiny, readable districts for rule tests (all synthetic)."""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from pathlib import Path

from click.testing import CliRunner, Result

from cli import main
from models.domain.problem import Problem, ServiceNeed, Staff, Student
from models.domain.rules import Rules, load_rules


@lru_cache(maxsize=1)
def rules() -> Rules:
    return load_rules()


def balanced_on_workload(problem: Problem) -> Problem:
    """The same problem, its rules balancing on weekly workload minutes instead of head counts."""
    workload = dataclasses.replace(problem.rules.workload, balance_on="workload")
    return dataclasses.replace(problem, rules=dataclasses.replace(problem.rules, workload=workload))


def student(student_id: str, services: str = "rsp", *, site: str = "A", grade: str = "3", primary: str = "SLD",
            secondary: str | None = None, support: str = "mild_moderate", alternate: bool = False,
            current: str | None = None, locked: bool = False) -> Student:
    needs = []
    for token in services.split(";"):
        code, _, minutes = token.partition(":")
        needs.append(ServiceNeed(code, int(minutes) if minutes else None))
    return Student(student_id=student_id, site=site, grade=grade, primary=primary, secondary=secondary,
                   support_level=support, services=tuple(needs), alternate_placement=alternate,
                   current_case_manager=current, locked=locked)


def staff(staff_id: str, role: str, credentials: str = "", *, sites: str = "A", fte: float = 1.0,
          max_caseload: int | None = None, rsp_waiver: bool = False, preschool_only: bool = False,
          can_case_manage: bool | None = None, available: bool = True) -> Staff:
    return Staff(staff_id=staff_id, role=role, sites=frozenset(sites.split(";")),
                 credentials=frozenset(c for c in credentials.split(";") if c), fte=fte,
                 max_caseload=max_caseload, rsp_waiver=rsp_waiver, preschool_only=preschool_only,
                 can_case_manage=can_case_manage, available=available)


def district(students: list[Student], people: list[Staff],
             current_providers: dict[tuple[str, str], str] | None = None, rules_: Rules | None = None) -> Problem:
    return Problem(rules=rules_ or rules(), students=tuple(students), staff=tuple(people),
                   current_providers=current_providers or {})


def write_tables(folder: Path, students: str, staff: str) -> tuple[Path, Path]:
    """Write students.csv and staff.csv into ``folder``; return their paths."""
    s, t = folder / "students.csv", folder / "staff.csv"
    s.write_text(students, encoding="utf-8")
    t.write_text(staff, encoding="utf-8")
    return s, t


def invoke(*args: object) -> Result:
    """Run ``caseload`` in-process with these arguments (paths and numbers as text)."""
    return CliRunner().invoke(main, [str(a) for a in args])
