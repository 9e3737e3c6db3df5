"""Read the district's tables (students, staff, current plan) into a :class:`Problem`.

Every problem in every file is collected, each naming the file, the spreadsheet
row (the header is row 1), the column and the cell value. :func:`load_problem`
raises :class:`InputError` with all of them when any is an error and otherwise
returns the warnings. Messages name ids and codes, never student names; columns
outside the contract (a name column, say) are ignored.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable, Iterator
from pathlib import Path

from models.domain.issues import InputError, Issue, Severity, code_excerpt, excerpt
from models.domain.problem import Problem, ServiceNeed, Staff, Student
from models.domain.rules import MAX_CAP, SUPPORT_LEVELS, Rules, normalize_grade
from models.domain.sites import site_issues
from models.files.reading import normalize_header, read_table, read_table_checked

__all__ = ["load_problem", "normalize_header", "read_table", "parse_bool", "parse_list", "parse_whole"]

STUDENT_REQUIRED = ("student_id", "site", "grade", "primary_disability", "services")
STAFF_REQUIRED = ("staff_id", "role", "sites")
CURRENT_REQUIRED = ("student_id", "service", "provider")

_TRUE = frozenset({"true", "yes", "y", "1"})
_FALSE = frozenset({"false", "no", "n", "0"})

CATEGORY_HELP = "unknown disability category; use a code or abbreviation such as 290 or SLD"
GRADE_HELP = "unknown grade; use IN, PS, TK, K (or KN), 1 to 12 (or 01 to 12) or ADULT"
SUPPORT_HELP = f"unknown support level; use {' or '.join(SUPPORT_LEVELS)}"
BOOL_HELP = "not a yes/no value; use true/false, yes/no, y/n or 1/0, or leave it blank"
# columns that hold codes: when headers are mixed up they may hold names, so messages quote an excerpt only
CODE_COLUMNS = frozenset({"role", "grade", "primary_disability", "secondary_disability", "support_level", "services",
                          "credentials", "fte", "max_caseload", "overload_cost", "rsp_waiver", "preschool_only",
                          "can_case_manage", "available", "alternate_placement", "locked", "setting", "service"})
MAX_ID_CHARS = 100  # ids and sites are copied into every output file; a longer one is a mix-up
MIN_FTE = 0.01  # a person works at least 1% of a week; below that a cap or target rounds to nothing
MAX_MINUTES = 7 * 24 * 60  # minutes in a week
ERRORS_PER_CELL = 3  # one cell listing 10,000 bad services gets 3 errors and a count, not 10,000
# CALPADS 330 (specialized academic instruction) is rsp or sdc by setting: the students' `setting` column decides
SETTINGS = {"rsp": "rsp", "resource": "rsp", "resource specialist": "rsp", "rs": "rsp",
            "sdc": "sdc", "special day class": "sdc", "special class": "sdc", "sdc class": "sdc"}


# --------------------------------------------------------------------------
# Parsing helpers
# --------------------------------------------------------------------------


def parse_bool(raw: str) -> bool | None:
    """A contract boolean: True/False, None when blank; ValueError otherwise."""
    token = raw.strip().lower()
    if not token:
        return None
    if token in _TRUE:
        return True
    if token in _FALSE:
        return False
    raise ValueError(raw)


def parse_list(raw: str) -> list[str]:
    """The non-blank, stripped items of a ';'-separated cell."""
    return [item for item in (part.strip() for part in raw.split(";")) if item]


def parse_whole(raw: str, digits: int = 9) -> int | None:
    """A non-negative whole number written in ASCII digits (at most ``digits`` of them), else None."""
    token = raw.strip()
    return int(token) if token.isascii() and token.isdigit() and len(token) <= digits else None


# --------------------------------------------------------------------------
# One input file and one of its rows, with their issues
# --------------------------------------------------------------------------


class _Table:
    """One input file: its rows and the issues found in it."""

    def __init__(self, path: Path) -> None:
        self.path, self.file = path, str(path)
        self.issues: list[Issue] = []
        self.columns: frozenset[str] = frozenset()
        self.sheet: str | None = None

    def add(self, severity: Severity, message: str, row: int | None = None, column: str | None = None,
            value: str | None = None) -> None:
        self.issues.append(Issue(severity, self.file, message, row, column, value))

    @property
    def has_errors(self) -> bool:
        return any(i.severity == "error" for i in self.issues)

    def rows(self, required: tuple[str, ...], what: str, allow_empty: bool = False,
             sheet: str | None = None) -> Iterator[_Row]:
        """The non-blank rows of the file; read and column errors are recorded, not raised."""
        try:
            read = read_table_checked(self.path, sheet, required)
        except InputError as exc:
            self.issues.extend(exc.issues)
            return
        self.issues.extend(read.notes)
        df, self.sheet = read.frame, read.sheet
        self.columns = frozenset(df.columns)
        columns = list(df.columns)
        found = False
        # zip over column lists: much faster than DataFrame.to_dict or per-row access
        for row, values in enumerate(zip(*(df[c].tolist() for c in columns), strict=True), start=read.first_row):
            if "".join(values).strip():
                found = True
                yield _Row(self, dict(zip(columns, values, strict=True)), row)
        if not found and not allow_empty:
            self.add("error", f"the file has no data rows; it needs one row per {what}")


class _Row:
    """One spreadsheet row; accessors record an issue and return None for a bad cell.

    A column missing from the file reads as blank without a per-row issue (the
    missing column was reported once).
    """

    __slots__ = ("table", "record", "row")

    def __init__(self, table: _Table, record: dict[str, str], row: int) -> None:
        self.table, self.record, self.row = table, record, row

    def cell(self, column: str) -> str:
        return self.record.get(column, "")

    def text(self, column: str) -> str:
        return self.cell(column).strip()

    def quoted(self, column: str) -> str:
        """The cell as a message may quote it: an excerpt, and only a code-like one from a code column."""
        cell = self.cell(column)
        return code_excerpt(cell) if column in CODE_COLUMNS else excerpt(cell)

    def error(self, column: str, message: str) -> None:
        self.table.add("error", message, self.row, column, self.quoted(column))

    def warn(self, column: str, message: str) -> None:
        self.table.add("warning", message, self.row, column, self.quoted(column))

    def required(self, column: str) -> str | None:
        value = self.text(column)
        if not value:
            if column in self.table.columns:
                self.error(column, f"{column.replace('_', ' ')} is blank; it is required")
            return None
        return value

    def lookup(self, column: str, resolve: Callable[[str], str | None], message: str, required: bool) -> str | None:
        """The cell resolved to a code (e.g. a category), or None when blank or unknown."""
        token = self.required(column) if required else self.text(column)
        if not token:
            return None
        value = resolve(token)
        if value is None:
            self.error(column, message)
        return value

    def flag(self, column: str, default: bool | None) -> bool | None:
        try:
            value = parse_bool(self.cell(column))
        except ValueError:
            self.error(column, BOOL_HELP)
            return default
        return default if value is None else value

    def unique(self, column: str, seen: dict[str, int], what: str) -> str | None:
        """A required id that no earlier row used."""
        value = self.required(column)
        if value is not None:
            first = seen.setdefault(value, self.row)
            if first != self.row:
                self.error(column, f"{what} {excerpt(value)} appears twice, in rows {first} and {self.row}")
        return value


def _fold(raw: str) -> str:
    return "".join(raw.split()).casefold()


@functools.lru_cache(maxsize=8)
def _folded_ids(staff_ids: frozenset[str]) -> dict[str, str | None]:
    folded: dict[str, str | None] = {}
    for staff_id in staff_ids:
        key = _fold(staff_id)
        folded[key] = None if key in folded else staff_id  # two ids alike once folded: no guess
    return folded


def match_staff_id(raw: str, staff_ids: frozenset[str]) -> str | None:
    """The staff id that ``raw`` names once spaces and case are ignored, when exactly one does."""
    return _folded_ids(frozenset(staff_ids)).get(_fold(raw))


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
    for row in table.rows(STUDENT_REQUIRED, "student", sheet="students"):
        student = _parse_student(row, rules, seen, staff_ids)
        if student is not None:
            students.append(student)
    return students, table


def _support_level(token: str) -> str | None:
    level = token.lower()
    return level if level in SUPPORT_LEVELS else None


# --------------------------------------------------------------------------
# Staff
# --------------------------------------------------------------------------


def _credentials(row: _Row, rules: Rules) -> frozenset[str] | None:
    codes: set[str] = set()
    ok = True
    for token in parse_list(row.cell("credentials")):
        code = rules.credential(token)
        if code is None:
            row.error("credentials", f"unknown credential {code_excerpt(token)!r}; use a code such as MMSN or a "
                                     f"CTC document code such as R3MN")
            ok = False
        else:
            codes.add(code)
    return frozenset(codes) if ok else None


def _fte(row: _Row) -> float | None:
    raw = row.text("fte")
    if not raw:
        return 1.0
    try:
        fte = float(raw) if len(raw) <= 20 else math.nan
    except ValueError:
        fte = math.nan
    if not MIN_FTE <= fte <= 1:  # also false for NaN
        row.error("fte", f"FTE must be a number from {MIN_FTE} to 1, e.g. 0.5 for half time")
        return None
    return fte


def _max_caseload(row: _Row) -> int | None:
    raw = row.text("max_caseload")
    value = parse_whole(raw, digits=6)
    if raw and (value is None or value > MAX_CAP):
        row.error("max_caseload", f"max caseload must be a whole number of students from 0 to {MAX_CAP:,}, "
                                  f"or blank")
        return None
    return value


def _overload_cost(row: _Row, rules: Rules, role: str | None) -> int | None:
    """Optional cost per pupil over the person's local cap (the local cap bends; a legal cap never does)."""
    raw = row.text("overload_cost")
    if not raw:
        return None
    value = parse_whole(raw, digits=8)
    if value is None:
        row.error("overload_cost", "overload cost must be a whole number (cost per pupil over the local cap), "
                                   "or blank")
        return None
    spec = rules.roles.get(role) if role else None
    if spec is not None and not spec.cap_is_legal and spec.overload_max is None and spec.preschool_cap is None:
        row.error("overload_cost", f"role {role} has no legal cap and no overload_max in the rules: nothing limits "
                                   f"the overload")
        return None
    return value


def _check_role_fit(row: _Row, rules: Rules, staff: Staff) -> None:
    """Warnings for a person whose credentials or flags do not fit the role."""
    role = rules.roles[staff.role]
    for service in sorted(role.delivers):
        needed = rules.services[service].credentials
        if needed and not needed & staff.credentials:
            row.warn("credentials", f"{staff.staff_id} is a {staff.role} but holds none of "
                                    f"{', '.join(sorted(needed))}, so can deliver no {service}")
    if staff.rsp_waiver and role.waiver_cap is None:
        row.warn("rsp_waiver", f"rsp_waiver has no effect: role {staff.role} has no waiver cap")
    if staff.preschool_only and role.preschool_cap is None:
        row.warn("preschool_only", f"preschool_only changes no cap: role {staff.role} has no preschool cap")


def _parse_staff(row: _Row, rules: Rules, seen: dict[str, int]) -> Staff | None:
    """One staff row; issues are recorded on the row's table, None when it has an error."""
    staff_id = row.unique("staff_id", seen, "staff id")
    if staff_id is not None and len(staff_id) > MAX_ID_CHARS:
        row.error("staff_id", f"the id is {len(staff_id):,} characters long; at most {MAX_ID_CHARS}")
        staff_id = None
    role = row.lookup("role", lambda t: t.lower() if t.lower() in rules.roles else None,
                      f"unknown role; use one of {', '.join(rules.roles)}", required=True)
    credentials = _credentials(row, rules)
    sites = frozenset(parse_list(row.cell("sites")))
    if not sites and "sites" in row.table.columns:
        row.error("sites", "no sites listed; list sites separated by ';', or * for every site")
    if any(len(site) > MAX_ID_CHARS for site in sites):
        row.error("sites", f"a site is longer than {MAX_ID_CHARS} characters")
        sites = frozenset()
    fte = _fte(row)
    max_caseload = _max_caseload(row)
    overload_cost = _overload_cost(row, rules, role)
    rsp_waiver = bool(row.flag("rsp_waiver", False))
    preschool_only = bool(row.flag("preschool_only", False))
    can_case_manage = row.flag("can_case_manage", None)
    available = bool(row.flag("available", True))
    if None in (staff_id, role, credentials, fte) or not sites:
        return None
    person = Staff(
        staff_id=staff_id, role=role, sites=sites, credentials=credentials, name=row.text("name"), fte=fte,
        max_caseload=max_caseload, rsp_waiver=rsp_waiver, preschool_only=preschool_only,
        can_case_manage=can_case_manage, available=available, overload_cost=overload_cost, row=row.row,
    )
    _check_role_fit(row, rules, person)
    return person


def _load_staff(path: Path, rules: Rules) -> tuple[list[Staff], frozenset[str] | None, _Table]:
    """Staff, every staff id found (None when the file could not be read) and the file's issues."""
    table = _Table(path)
    seen: dict[str, int] = {}
    staff: list[Staff] = []
    swapped = 0
    for row in table.rows(STAFF_REQUIRED, "staff member", sheet="staff"):
        if row.text("role").lower() not in rules.roles and row.text("name").lower() in rules.roles:
            swapped += 1
        person = _parse_staff(row, rules, seen)
        if person is not None:
            staff.append(person)
    if swapped:
        table.add("error", f"the name and role columns look swapped: in {swapped} row(s) the name column holds a "
                           f"role code and the role column does not; check the header row", column="role")
    staff_ids = frozenset(seen) if "staff_id" in table.columns else None
    return staff, staff_ids, table


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
# Current plan
# --------------------------------------------------------------------------


def _load_current(path: Path, students: list[Student], staff_ids: frozenset[str],
                  cross_check: bool) -> tuple[dict[tuple[str, str], str], _Table]:
    """Current providers from an earlier services.csv; rows that no longer fit are warned about and dropped.

    Without ``cross_check`` (the students or staff have errors) only the file itself is checked.
    """
    table = _Table(path)
    services_of = {s.student_id: set(s.service_codes) for s in students}
    current: dict[tuple[str, str], str] = {}
    for row in table.rows(CURRENT_REQUIRED, "service", allow_empty=True, sheet="services"):
        provider = row.text("provider")
        if not provider or not cross_check:
            continue
        if provider not in staff_ids and (matched := match_staff_id(provider, staff_ids)) is not None:
            row.warn("provider", f"provider matched to staff id {matched} (ignoring case and spaces)")
            provider = matched
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
    return current, table


def _plan_folder_file(folder: Path, stem: str, table: _Table) -> Path | None:
    for suffix in (".csv", ".xlsx"):
        if (folder / f"{stem}{suffix}").is_file():
            return folder / f"{stem}{suffix}"
    table.add("error", f"the plan folder has no {stem}.csv; give the folder of an earlier plan or its services.csv")
    return None


def _current_managers(path: Path, students: list[Student], staff_ids: frozenset[str],
                      cross_check: bool) -> tuple[list[Student], _Table]:
    """Students with their current case manager taken from an earlier plan's assignments.csv."""
    table = _Table(path)
    on_record: dict[str, tuple[str, _Row]] = {}
    for row in table.rows(("student_id", "case_manager"), "student", allow_empty=True, sheet="assignments"):
        manager = row.text("case_manager")
        if manager and cross_check:
            if manager not in staff_ids and (matched := match_staff_id(manager, staff_ids)) is not None:
                row.warn("case_manager", f"case manager matched to staff id {matched} (ignoring case and spaces)")
                manager = matched
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
    return out, table


# --------------------------------------------------------------------------
# The problem
# --------------------------------------------------------------------------


def load_problem(students: Path, staff: Path, rules: Rules,
                 current: Path | None = None) -> tuple[Problem, list[Issue]]:
    """Read and validate the inputs; returns the problem and its warnings.

    Every problem in every file is collected; when any is an error,
    :class:`InputError` is raised with all of them (errors and warnings).
    """
    staff_list, staff_ids, staff_table = _load_staff(staff, rules)
    student_list, student_table = _load_students(students, rules, staff_ids)
    tables = [student_table, staff_table]
    current_providers: dict[tuple[str, str], str] = {}
    if current is not None:
        cross_check = not (student_table.has_errors or staff_table.has_errors)
        ids = staff_ids or frozenset()
        services = current
        if Path(current).is_dir():  # an earlier plan's folder: providers and case managers on record
            folder_table = _Table(Path(current))
            services = _plan_folder_file(Path(current), "services", folder_table)
            assignments = _plan_folder_file(Path(current), "assignments", folder_table)
            tables.append(folder_table)
            if assignments is not None:
                student_list, managers_table = _current_managers(assignments, student_list, ids, cross_check)
                tables.append(managers_table)
        if services is not None:
            current_providers, current_table = _load_current(services, student_list, ids, cross_check)
            tables.append(current_table)
    issues = [issue for table in tables for issue in table.issues]
    if not (student_table.has_errors or staff_table.has_errors):
        issues += site_issues(student_list, staff_list, str(students), str(staff))
    if any(issue.severity == "error" for issue in issues):
        raise InputError(issues)
    problem = Problem(rules, tuple(student_list), tuple(staff_list), current_providers)
    return problem, issues
