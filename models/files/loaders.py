"""Read the district's tables (students, staff, current plan) into a :class:`Problem`.

The students reader and :func:`load_problem` live here; the staff table in ``models.files.staff_table``; the
current plan in ``models.files.current_plan``; cells, rows and their issues in ``models.files.table_cells``.

Every problem in every file is collected, each naming the file, the spreadsheet
row (the header is row 1), the column and the cell value. :func:`load_problem`
raises :class:`InputError` with all of them when any is an error and otherwise
returns the warnings. Messages name ids and codes, never student names; columns
outside the contract are not read, and said (a likely misspelling with the column it
likely means).
"""

from __future__ import annotations

from pathlib import Path

from models.domain.issues import InputError, Issue, code_excerpt, excerpt
from models.domain.problem import Problem, ServiceNeed, Staff, Student
from models.domain.rules import SUPPORT_LEVELS, Rules, normalize_grade
from models.domain.sites import site_issues
from models.files.current_plan import read_current
from models.files.gc_pause import gc_paused
from models.files.reading import normalize_header, read_table
from models.files.staff_table import (
    _load_staff,
    _parse_staff,
)
from models.files.table_cells import (
    CATEGORY_HELP,
    ERRORS_PER_CELL,
    GRADE_HELP,
    MAX_ID_CHARS,
    MAX_MINUTES,
    SETTINGS,
    STUDENT_COLUMNS,
    STUDENT_REQUIRED,
    SUPPORT_HELP,
    _Row,
    _Table,
    match_staff_id,
    parse_bool,
    parse_list,
    parse_whole,
)

__all__ = ["load_problem", "normalize_header", "read_table", "parse_bool", "parse_list", "parse_whole"]

# --------------------------------------------------------------------------
# Students
# --------------------------------------------------------------------------


def _service_code(row: _Row, rules: Rules, token: str) -> str | None:
    """The service code for a code or a CALPADS service code (330 by the row's setting), else None."""
    code = rules.service(token)
    if code is not None:
        return code
    shared = [s.code for s in rules.services.values() if s.calpads and s.calpads == token.strip()]
    if len(shared) > 1:
        setting = SETTINGS.get(" ".join(row.text("setting").lower().split()))
        if setting in shared:
            return setting
        return "ambiguous:" + ",".join(shared)
    return None


def _services(row: _Row, rules: Rules) -> tuple[ServiceNeed, ...] | None:
    """The row's services; a services cell (with the row's setting) read without a problem before is reused."""
    key = ("services", row.cell("services"), row.text("setting"))
    known = row.table.resolved.get(key)
    if known is not None:
        return known  # type: ignore[return-value]
    needs = _parse_services(row, rules)
    if needs is not None:
        row.table.resolved[key] = needs
    return needs


def _parse_services(row: _Row, rules: Rules) -> tuple[ServiceNeed, ...] | None:
    items = parse_list(row.cell("services"))
    if not items:
        if "services" in row.table.columns:
            row.error("services", "no services listed; list service codes separated by ';', e.g. rsp;speech:60")
        return None
    needs: dict[str, ServiceNeed] = {}
    problems = 0

    def bad(message: str) -> None:
        nonlocal problems
        problems += 1
        if problems <= ERRORS_PER_CELL:
            row.error("services", message)

    commas = [part.strip() for item in items for part in item.split(",")]
    if len(commas) > len(items) and all(_service_code(row, rules, part.partition(":")[0]) for part in commas):
        bad(f"services are separated by ';', not ',': write {';'.join(commas)}")
        return None

    for item in items:
        token, colon, minutes_raw = item.partition(":")
        code = _service_code(row, rules, token)
        minutes = parse_whole(minutes_raw, digits=5) if colon else None
        if code is None:
            bad(f"unknown service {code_excerpt(token.strip())!r}; use one of {', '.join(rules.services)} "
                f"or a CALPADS service code")
        elif code.startswith("ambiguous:"):
            both = code.removeprefix("ambiguous:").replace(",", " or ")
            bad(f"service {token.strip()} (CALPADS) is {both} depending on the setting; write {both}, or add a "
                f"setting column saying {both}")
        elif code in needs:
            bad(f"service {code} is listed twice")
        elif colon and (minutes is None or minutes > MAX_MINUTES):
            bad(f"minutes for {code} must be a whole number of minutes per week (at most {MAX_MINUTES}), "
                f"e.g. {code}:60")
        else:
            needs[code] = ServiceNeed(code, minutes)
    if problems > ERRORS_PER_CELL:
        row.error("services", f"... and {problems - ERRORS_PER_CELL} more problem(s) in this cell")
    return tuple(needs.values()) if not problems else None


def _alternate_placement(row: _Row, rules: Rules, primary: str | None, secondary: str | None,
                         services: tuple[ServiceNeed, ...] | None) -> bool:
    """The effective R3 alternate placement; warns and clears it when it cannot apply."""
    column = "alternate_placement"
    if not row.flag(column, False) or primary is None:
        return False
    category = rules.categories[primary]
    if not category.low_incidence:
        row.warn(column, f"alternate placement applies only to a low-incidence primary disability (R3); "
                         f"{primary} is not low incidence, so it is ignored")
        return False
    if secondary is None:
        if not row.text("secondary_disability"):
            row.warn(column, "alternate placement needs a secondary disability (R3); none is given, so it is ignored")
        return False
    if services is not None and category.related_services:
        if not set(category.related_services) & {s.code for s in services}:
            row.warn("services", f"alternate placement (R3): the {primary} needs must be met by a related service, "
                                 f"but none of {', '.join(category.related_services)} is listed")
    return True


def _parse_student(row: _Row, rules: Rules, seen: dict[str, int], staff_ids: frozenset[str] | None) -> Student | None:
    """One student row; issues are recorded on the row's table, None when it has an error."""
    split = rules.split_support_categories
    student_id = row.unique("student_id", seen, "student id")
    site = row.required("site")
    if site is not None and len(site) > MAX_ID_CHARS:
        row.error("site", f"the site is {len(site):,} characters long; at most {MAX_ID_CHARS}")
        site = None
    if student_id is not None and len(student_id) > MAX_ID_CHARS:
        row.error("student_id", f"the id is {len(student_id):,} characters long; at most {MAX_ID_CHARS}")
        student_id = None
    grade = row.lookup("grade", normalize_grade, GRADE_HELP, required=True)
    primary = row.lookup("primary_disability", rules.category, CATEGORY_HELP, required=True)
    secondary = row.lookup("secondary_disability", rules.category, CATEGORY_HELP, required=False)
    services = _services(row, rules)
    alternate = _alternate_placement(row, rules, primary, secondary, services)

    support = row.lookup("support_level", _support_level, SUPPORT_HELP, required=False)
    instruction = secondary if alternate else primary
    if support is None and not row.text("support_level"):
        support = "mild_moderate"
        if instruction in split:
            row.warn("support_level", "support level not given; assumed mild_moderate, which decides MMSN vs ESN")

    manager = row.text("current_case_manager") or None
    if manager is not None and staff_ids is not None and manager not in staff_ids:
        matched = match_staff_id(manager, staff_ids)
        if matched is not None:
            row.warn("current_case_manager", f"current case manager matched to staff id {matched} "
                                             f"(ignoring case and spaces)")
            manager = matched
        else:
            row.warn("current_case_manager", f"current case manager {excerpt(manager)} is no longer on staff (not "
                                             f"in the staff file): the plan gives a new one, and moves.csv names "
                                             f"{excerpt(manager)} as the one on record")
            if len(manager) > MAX_ID_CHARS:
                manager = None
    locked = bool(row.flag("locked", False))
    if locked and manager is None:
        row.warn("locked", "locked without a current case manager: only the current service providers are kept")

    if grade is not None:
        for column, category in (("primary_disability", primary), ("secondary_disability", secondary)):
            expected = rules.categories[category].grades if category else frozenset()
            if expected and grade not in expected:
                row.warn(column, f"{category} ({rules.categories[category].name}) is a category for other ages "
                                 f"than grade {grade}; check the disability or the grade")
    if None in (student_id, site, grade, primary, services, support):
        return None
    return Student(
        student_id=student_id, site=site, grade=grade, primary=primary, services=services,
        secondary=secondary, support_level=support, alternate_placement=alternate,
        current_case_manager=manager, locked=locked, row=row.row,
    )


def _load_students(path: Path, rules: Rules, staff_ids: frozenset[str] | None) -> tuple[list[Student], _Table]:
    table = _Table(path)
    seen: dict[str, int] = {}
    students: list[Student] = []
    for row in table.rows(STUDENT_REQUIRED, "student", sheet="students", known=STUDENT_COLUMNS):
        student = _parse_student(row, rules, seen, staff_ids)
        if student is not None:
            students.append(student)
    return students, table


def _support_level(token: str) -> str | None:
    level = token.lower()
    return level if level in SUPPORT_LEVELS else None


# --------------------------------------------------------------------------
# One record given outside a table (a what-if scenario), same rules
# --------------------------------------------------------------------------


def _record_row(record: dict[str, str], file: str, row: int) -> _Row:
    table = _Table(Path(file))
    table.columns = frozenset(record)
    return _Row(table, record, row)


def parse_staff_record(record: dict[str, str], rules: Rules, file: str,
                       row: int) -> tuple[Staff | None, list[Issue]]:
    """A staff member from one record (column -> cell text), checked exactly like a staff-file row."""
    cells = _record_row(record, file, row)
    person = _parse_staff(cells, rules, {})
    return person, cells.table.issues


def parse_student_record(record: dict[str, str], rules: Rules, file: str, row: int,
                         staff_ids: frozenset[str]) -> tuple[Student | None, list[Issue]]:
    """A student from one record (column -> cell text), checked exactly like a students-file row."""
    cells = _record_row(record, file, row)
    student = _parse_student(cells, rules, {}, staff_ids)
    return student, cells.table.issues


def staff_record(person: Staff) -> dict[str, str]:
    """The staff-file row of a person (the inverse of :func:`parse_staff_record`)."""
    def flag(value: bool | None) -> str:
        return "" if value is None else str(value).lower()

    return {
        "staff_id": person.staff_id, "name": person.name, "role": person.role,
        "credentials": ";".join(sorted(person.credentials)), "sites": ";".join(sorted(person.sites)),
        "fte": f"{person.fte:g}", "max_caseload": "" if person.max_caseload is None else str(person.max_caseload),
        "rsp_waiver": flag(person.rsp_waiver), "preschool_only": flag(person.preschool_only),
        "can_case_manage": flag(person.can_case_manage), "available": flag(person.available),
        "overload_cost": "" if person.overload_cost is None else str(person.overload_cost),
    }


# --------------------------------------------------------------------------
# The problem
# --------------------------------------------------------------------------


def load_problem(students: Path, staff: Path, rules: Rules,
                 current: Path | None = None) -> tuple[Problem, list[Issue]]:
    """Read and validate the inputs; returns the problem and its warnings.

    Every problem in every file is collected; when any is an error,
    :class:`InputError` is raised with all of them (errors and warnings).
    """
    with gc_paused():  # a district is many small objects and no cycles
        return _load_problem(students, staff, rules, current)


def _load_problem(students: Path, staff: Path, rules: Rules, current: Path | None) -> tuple[Problem, list[Issue]]:
    staff_list, staff_ids, staff_table = _load_staff(staff, rules)
    student_list, student_table = _load_students(students, rules, staff_ids)
    tables = [student_table, staff_table]
    current_providers: dict[tuple[str, str], str] = {}
    if current is not None:
        cross_check = not (student_table.has_errors or staff_table.has_errors)
        student_list, current_providers, read = read_current(Path(current), student_list, staff_ids or frozenset(),
                                                             cross_check)
        tables += read
    issues = [issue for table in tables for issue in table.issues]
    if not (student_table.has_errors or staff_table.has_errors):
        issues += site_issues(student_list, staff_list, str(students), str(staff))
    if any(issue.severity == "error" for issue in issues):
        raise InputError(issues)
    problem = Problem(rules, tuple(student_list), tuple(staff_list), current_providers)
    # a whole file's or column's warnings (a misspelt column, say) first: a plan run shows only the first ones
    return problem, sorted(issues, key=lambda issue: issue.row is not None)
