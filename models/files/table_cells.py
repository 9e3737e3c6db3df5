"""Cells and rows of the district's tables: yes/no, lists and numbers, and the issues naming file, row, column, value.

Shared by the students, staff and current-plan readers (``models.files.loaders``, ``models.files.staff_table``)
and by a scenario's records, so a value means the same wherever it is given.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Callable, Iterator
from pathlib import Path

from models.domain.issues import InputError, Issue, Severity, code_excerpt, excerpt
from models.domain.rules import SUPPORT_LEVELS
from models.files.reading import read_table_checked

STUDENT_REQUIRED = ("student_id", "site", "grade", "primary_disability", "services")
STAFF_REQUIRED = ("staff_id", "role", "sites")
CURRENT_REQUIRED = ("student_id", "service", "provider")
# every column a table's reader uses (names: models.files.names), so a misspelt one is said, never dropped unsaid
STUDENT_COLUMNS = ("student_id", "site", "grade", "primary_disability", "secondary_disability", "support_level",
                   "services", "setting", "alternate_placement", "current_case_manager", "locked", "student_name",
                   "first_name", "last_name")
STAFF_COLUMNS = ("staff_id", "name", "role", "credentials", "sites", "fte", "max_caseload", "rsp_waiver",
                 "preschool_only", "can_case_manage", "available", "overload_cost")
MAX_LISTED_COLUMNS = 10
NEAR_COLUMN = 0.8  # how alike an unread header and an absent column must be to be called a misspelling

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
        # what a cell's text resolved to, by column: a column always resolves the same way within one file,
        # and a district's grades, categories and service lists repeat (70,000 rows, a few hundred values)
        self.resolved: dict[tuple, object] = {}

    def add(self, severity: Severity, message: str, row: int | None = None, column: str | None = None,
            value: str | None = None) -> None:
        self.issues.append(Issue(severity, self.file, message, row, column, value))

    @property
    def has_errors(self) -> bool:
        return any(i.severity == "error" for i in self.issues)

    def rows(self, required: tuple[str, ...], what: str, allow_empty: bool = False,
             sheet: str | None = None, known: tuple[str, ...] = ()) -> Iterator[_Row]:
        """The non-blank rows of the file; read and column errors are recorded, not raised.

        With ``known`` (every column the reader uses), the columns it does not use are said: each one close to
        a known column the file lacks as a likely misspelling (its values would otherwise be lost unsaid: a
        misspelt ``current_case_manager`` drops everyone's continuity), the others in one line."""
        try:
            read = read_table_checked(self.path, sheet, required)
        except InputError as exc:
            self.issues.extend(exc.issues)
            return
        self.issues.extend(read.notes)
        self.sheet = read.sheet
        self.columns = frozenset(read.columns)
        if known:
            self._unread_columns(read.columns, known)
        columns = read.columns
        found = False
        for row, values in enumerate(read.cells, start=read.first_row):
            if "".join(values).strip():
                found = True
                yield _Row(self, dict(zip(columns, values, strict=True)), row)
        if not found and not allow_empty:
            self.add("error", f"the file has no data rows; it needs one row per {what}")


    def _unread_columns(self, columns: list[str], known: tuple[str, ...]) -> None:
        absent = [c for c in known if c not in self.columns]
        others = []
        for column in dict.fromkeys(c for c in columns if c and c not in known):
            near = difflib.get_close_matches(column, absent, n=1, cutoff=NEAR_COLUMN)
            if near:
                self.add("warning", f"not a column the planner reads, so its values are not used; did you mean "
                                    f"{near[0]!r}?", column=excerpt(column))
            else:
                others.append(excerpt(column))
        if others:
            self.add("warning", f"{len(others)} column(s) the planner does not read (their values are not used): "
                                f"{', '.join(others[:MAX_LISTED_COLUMNS])}"
                                + (f" and {len(others) - MAX_LISTED_COLUMNS} more" if len(others) > MAX_LISTED_COLUMNS
                                   else ""))


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
        key = (column, token)
        resolved = self.table.resolved
        value = resolved[key] if key in resolved else resolved.setdefault(key, resolve(token))
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
