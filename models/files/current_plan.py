"""The current plan (``--current``): an earlier plan's folder, its plan.xlsx or its services.csv.

Providers on record come from services.csv (or the workbook's Services sheet), case managers from the
folder's assignments.csv (or the workbook's Students sheet). Rows that no longer fit the students and staff
are warned about and dropped; a plan naming none of this district's students or staff is another district's
(an error). Part of :func:`models.files.loaders.load_problem`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path

from models.domain.issues import code_excerpt, excerpt
from models.domain.problem import Student
from models.files.reading import sheet_names
from models.files.table_cells import CURRENT_REQUIRED, MAX_ID_CHARS, _Row, _Table, match_staff_id


def read_current(current: Path, students: list[Student], staff_ids: frozenset[str],
                 cross_check: bool) -> tuple[list[Student], dict[tuple[str, str], str], list[_Table]]:
    """(the students with their case managers on record, the providers on record, the tables read).

    Without ``cross_check`` (the students or staff have errors) only the files themselves are checked."""
    tables: list[_Table] = []
    services: Path | None = current
    if current.is_dir():  # an earlier plan's folder: providers and case managers on record
        folder_table = _Table(current)
        services = _plan_folder_file(current, "services", folder_table)
        assignments = _plan_folder_file(current, "assignments", folder_table)
        tables.append(folder_table)
        if assignments is not None:
            students, managers_table = _current_managers(assignments, students, staff_ids, cross_check)
            tables.append(managers_table)
    elif sheets := sheet_names(current) & {"students", "assignments"}:
        # an earlier plan's workbook (plan.xlsx): its Students sheet holds the case managers on record, as
        # the folder's assignments.csv does (its Services sheet the providers)
        sheet = "students" if "students" in sheets else "assignments"
        students, managers_table = _current_managers(current, students, staff_ids, cross_check, sheet)
        tables.append(managers_table)
    providers: dict[tuple[str, str], str] = {}
    if services is not None:
        providers, current_table = _load_current(services, students, staff_ids, cross_check)
        tables.append(current_table)
    return students, providers, tables


def _load_current(path: Path, students: list[Student], staff_ids: frozenset[str],
                  cross_check: bool) -> tuple[dict[tuple[str, str], str], _Table]:
    """Current providers from an earlier services.csv; rows that no longer fit are warned about and dropped.

    Without ``cross_check`` (the students or staff have errors) only the file itself is checked.
    """
    table = _Table(path)
    services_of = {s.student_id: set(s.service_codes) for s in students}
    current: dict[tuple[str, str], str] = {}
    named: tuple[set[str], set[str]] = (set(), set())  # the students and staff the file names
    for row in table.rows(CURRENT_REQUIRED, "service", allow_empty=True, sheet="services"):
        provider = row.text("provider")
        if not provider or not cross_check:
            continue
        if provider not in staff_ids and (matched := match_staff_id(provider, staff_ids)) is not None:
            row.warn("provider", f"provider matched to staff id {matched} (ignoring case and spaces)")
            provider = matched
        named[0].add(row.text("student_id"))
        named[1].add(provider)
        student_id, service = row.text("student_id"), row.text("service").lower()
        key = (student_id, service)
        if student_id not in services_of:
            row.warn("student_id", f"student {excerpt(student_id or '(blank)')} is not in the students file; "
                                   f"row ignored")
        elif service not in services_of[student_id]:
            row.warn("service", f"student {student_id} has no service {code_excerpt(service)!r} in the students "
                                f"file; row ignored")
        elif key in current:
            row.warn("service", f"service {service} of student {student_id} is listed twice; the first row is kept")
        elif len(provider) > MAX_ID_CHARS:
            row.error("provider", f"the id is {len(provider):,} characters long; at most {MAX_ID_CHARS}")
        else:
            if provider not in staff_ids:  # they left: the plan moves the service, moves.csv names them
                row.warn("provider", f"provider {excerpt(provider)} is no longer on staff (not in the staff file): "
                                     f"the service gets a new provider, and moves.csv names {excerpt(provider)} "
                                     f"as the one on record")
            current[key] = provider
    _another_districts(table, named, services_of.keys(), staff_ids)
    return current, table


def _another_districts(table: _Table, named: tuple[set[str], set[str]], student_ids: Iterable[str],
                       staff_ids: frozenset[str]) -> None:
    """An error when a current plan names no student of the students file, or no one of the staff file: it
    is another district's plan (or these files are), and read as this district's it would unseat every
    case manager and provider, with a warning per row."""
    students, staff = named
    for ids, known, what, file in ((students, set(student_ids), "student", "students"),
                                   (staff, staff_ids, "staff member", "staff")):
        if ids and not ids & known:
            shown = ", ".join(excerpt(i) for i in sorted(ids)[:3])
            table.add("error", f"none of the {len(ids):,} {what} ids it names ({shown}, ...) is in the {file} "
                               f"file: is it an earlier plan of this district? Give that plan's folder or its "
                               f"services.csv")


def _plan_folder_file(folder: Path, stem: str, table: _Table) -> Path | None:
    for suffix in (".csv", ".xlsx"):
        if (folder / f"{stem}{suffix}").is_file():
            return folder / f"{stem}{suffix}"
    table.add("error", f"the plan folder has no {stem}.csv; give the folder of an earlier plan or its services.csv")
    return None


def _current_managers(path: Path, students: list[Student], staff_ids: frozenset[str], cross_check: bool,
                      sheet: str = "assignments") -> tuple[list[Student], _Table]:
    """Students with their current case manager taken from an earlier plan's assignments.csv (or ``sheet`` of
    its workbook)."""
    table = _Table(path)
    on_record: dict[str, tuple[str, _Row]] = {}
    named: tuple[set[str], set[str]] = (set(), set())
    for row in table.rows(("student_id", "case_manager"), "student", allow_empty=True, sheet=sheet):
        manager = row.text("case_manager")
        if manager and cross_check:
            if manager not in staff_ids and (matched := match_staff_id(manager, staff_ids)) is not None:
                row.warn("case_manager", f"case manager matched to staff id {matched} (ignoring case and spaces)")
                manager = matched
            named[0].add(row.text("student_id"))
            named[1].add(manager)
            if len(manager) > MAX_ID_CHARS:
                row.error("case_manager", f"the id is {len(manager):,} characters long; at most {MAX_ID_CHARS}")
                continue
            on_record.setdefault(row.text("student_id"), (manager, row))
    out = []
    for student in students:
        manager, row = on_record.get(student.student_id, (None, None))
        if manager is None or row is None:
            out.append(student)
            continue
        if student.current_case_manager not in (None, manager):
            row.warn("case_manager", f"the students file names {student.current_case_manager} as current case "
                                     f"manager of {student.student_id}; the plan folder's {manager} is used")
        if manager not in staff_ids:
            row.warn("case_manager", f"case manager {excerpt(manager)} is no longer on staff (not in the staff "
                                     f"file): the plan gives a new one, and moves.csv names them as the one on record")
        out.append(dataclasses.replace(student, current_case_manager=manager))
    _another_districts(table, named, (s.student_id for s in students), staff_ids)
    return out, table
