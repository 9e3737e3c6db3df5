"""What-if scenarios: edits to the base inputs, read and checked from a TOML file.

A scenario file lists changes to the district as the director would say them:
who leaves or is unavailable, who joins (full staff rows), whose FTE, sites,
credentials or role change, which caps or objective weights change, which
students join or leave. :func:`load_scenario` reads and checks it against the
base problem and returns a frozen :class:`Scenario`; :func:`apply_scenario`
is a pure function from the base :class:`Problem` to the scenario's problem
(``dataclasses.replace``, never mutation).

Added and changed rows are checked by the loaders' own row parsers, so a
scenario row obeys exactly the rules of a staff or students file. Every problem
names the scenario file, the line, the field and the value.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from models.domain.issues import InputError, Issue, excerpt
from models.domain.problem import Assessment, Problem, Staff, Student
from models.domain.rules import MAX_CAP, MAX_WEIGHT, Rules, Weights, did_you_mean
from models.domain.scenario import Scenario, anchor_to_plan, apply_scenario, edit_rules, labels_and_folders
from models.domain.sites import near_match
from models.files.assessments import UNKNOWN_SITE, due_date, known_sites, nobodys_site
from models.files.loaders import parse_staff_record, parse_student_record, staff_record
from models.files.table_cells import STAFF_COLUMNS, STAFF_REQUIRED, STUDENT_REQUIRED
from models.files.toml_lines import TomlLines

ID_LISTS = ("remove_staff", "unavailable_staff", "remove_students", "remove_assessments")
RECORD_LISTS = ("add_staff", "change_staff", "add_students", "add_assessments")
SCENARIO_KEYS = ("name", "description", *ID_LISTS, *RECORD_LISTS, "caps", "weights")
STAFF_FIELDS = STAFF_COLUMNS  # a staff record: the staff table's columns
STUDENT_FIELDS = ("student_id", "site", "grade", "primary_disability", "secondary_disability", "support_level",
                  "services", "alternate_placement", "current_case_manager", "locked")
ASSESSMENT_FIELDS = ("assessment_id", "site", "student_id", "due_date")
# role fields a scenario may change under [caps]; a bare number sets ``cap``
CAP_FIELDS = ("cap", "waiver_cap", "average_cap", "preschool_cap", "balance_target", "case_management_target")
WEIGHT_FIELDS = tuple(f.name for f in dataclasses.fields(Weights))
# the value and its application live in models.domain.scenario (pandas-free, for the optimizer); named here too
__all__ = ["Scenario", "anchor_to_plan", "apply_scenario", "edit_rules", "labels_and_folders", "load_scenario"]


# --------------------------------------------------------------------------
# Reading a scenario file
# --------------------------------------------------------------------------


class _Check:
    """Issues of one scenario file, each with its line."""

    def __init__(self, path: Path, text: str) -> None:
        self.file = str(path)
        self.where = TomlLines(text)
        self.issues: list[Issue] = []

    def error(self, message: str, line: int | None, field: str | None = None, value: Any = None) -> None:
        self.issues.append(Issue("error", self.file, message, line, field, None if value is None else str(value),
                                 unit="line"))

    def warn(self, message: str, line: int | None, field: str | None = None, value: Any = None) -> None:
        self.issues.append(Issue("warning", self.file, message, line, field,
                                 None if value is None else str(value), unit="line"))

    def relocate(self, issues: list[Issue], line: Callable[[str | None], int],
                 keep_warning: Callable[[Issue], bool] = lambda _: True) -> None:
        """Issues from the loaders' row parser, moved to the line of their field."""
        for issue in issues:
            if issue.severity == "warning" and not keep_warning(issue):
                continue
            self.issues.append(dataclasses.replace(issue, file=self.file, row=line(issue.column), unit="line"))


def _cell(value: Any) -> str | None:
    """A TOML value as the text of a table cell, None when it cannot be one."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str | int | float):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in value):
        return ";".join(str(v) for v in value)
    return None


def _ids(check: _Check, raw: Mapping[str, Any], key: str) -> list[tuple[str, int]]:
    """(id, line) of a list of ids such as remove_staff."""
    value = raw.get(key, [])
    line = check.where.key(key) or 1
    if not isinstance(value, list) or not all(isinstance(v, str | int) and not isinstance(v, bool) for v in value):
        check.error(f"{key} must be a list of ids, e.g. {key} = [\"E0012\"]", line, key)
        return []
    out, seen = [], set()
    for v in value:
        token = str(v).strip()
        where = check.where.token(token, line) or line
        if token in seen:
            check.error(f"{token} is listed twice in {key}", where, key, token)
        seen.add(token)
        out.append((token, where))
    return out


def _records(check: _Check, raw: Mapping[str, Any], key: str, fields: tuple[str, ...], id_field: str,
             required: tuple[str, ...]) -> list[tuple[dict[str, str], Callable[[str | None], int]]]:
    """(record of cell texts, line of a field) for each entry of an array of tables such as add_staff."""
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        check.error(f"{key} must be a list of tables: write each entry under [[{key}]]",
                    check.where.key(key) or check.where.table(key) or 1, key)
        return []
    out = []
    for index, entry in enumerate(value):
        line = check.where.item(key, index, str(entry.get(id_field, "")))
        record: dict[str, str] = {}
        for field, cell in entry.items():
            text = _cell(cell)
            if field not in fields:
                hint = (f"; in TOML a key written after [[{key}]] belongs to it: put {field} above the first "
                        f"[table]") if field in SCENARIO_KEYS else did_you_mean(field, fields)
                check.error(f"unknown field {field!r} in {key}{hint}", line(field), field, cell)
            elif text is None:
                check.error(f"{field} must be text, a number, true/false or a list of text", line(field), field,
                            cell)
            else:
                record[field] = text
        missing = [f for f in required if f not in entry]
        for field in missing:
            check.error(f"{key} entry lacks the required field {field}", line(None), field)
        if id_field not in missing:  # the rest is still checked, so every problem is reported at once
            out.append((record, line))
    return out


def _staff_edits(check: _Check, raw: Mapping[str, Any], base: Problem) -> dict[str, Any]:
    rules = base.rules
    on_staff = {p.staff_id: p for p in base.staff}
    removed = _ids(check, raw, "remove_staff")
    unavailable = _ids(check, raw, "unavailable_staff")
    for key, ids in (("remove_staff", removed), ("unavailable_staff", unavailable)):
        for staff_id, line in ids:
            if staff_id not in on_staff:
                check.error(f"unknown staff id {staff_id}: not in the staff file", line, key, staff_id)
    gone = {staff_id for staff_id, _ in removed}

    changed: list[Staff] = []
    seen_changes: set[str] = set()
    for record, line in _records(check, raw, "change_staff", STAFF_FIELDS, "staff_id", ("staff_id",)):
        staff_id = record["staff_id"].strip()
        where = line("staff_id")
        if staff_id not in on_staff:
            check.error(f"unknown staff id {staff_id}: not in the staff file", where, "staff_id", staff_id)
            continue
        if staff_id in gone:
            check.error(f"staff {staff_id} is both removed and changed", where, "staff_id", staff_id)
            continue
        if staff_id in seen_changes:
            check.error(f"staff {staff_id} is changed twice; put every change in one [[change_staff]]", where,
                        "staff_id", staff_id)
            continue
        seen_changes.add(staff_id)
        fields = set(record) - {"staff_id"}
        if not fields:
            check.error(f"change_staff for {staff_id} changes nothing; give the fields to change", where,
                        "staff_id", staff_id)
            continue
        merged = {**staff_record(on_staff[staff_id]), **record}
        person, issues = parse_staff_record(merged, rules, check.file, where)
        # warnings about fields the scenario does not touch were shown when the staff file was read
        touched = fields | ({"credentials"} if "role" in fields else set())
        check.relocate(issues, line, lambda i, touched=touched: i.column in touched)
        if person is not None:
            changed.append(dataclasses.replace(person, row=on_staff[staff_id].row))

    added: list[Staff] = []
    hires: list[tuple[Staff, int]] = []  # with the line of their sites
    new_ids: set[str] = set()
    for record, line in _records(check, raw, "add_staff", STAFF_FIELDS, "staff_id", STAFF_REQUIRED):
        staff_id = record["staff_id"].strip()
        if staff_id in on_staff or staff_id in new_ids:
            what = "already on staff; change them with [[change_staff]]" if staff_id in on_staff else "added twice"
            check.error(f"staff id {staff_id} is {what}", line("staff_id"), "staff_id", staff_id)
            continue
        new_ids.add(staff_id)
        person, issues = parse_staff_record(record, rules, check.file, line(None))
        check.relocate(issues, line)
        if person is not None:
            added.append(dataclasses.replace(person, row=0))
            hires.append((person, line("sites")))
    return {
        "remove_staff": tuple(i for i, _ in removed),
        "unavailable_staff": tuple(i for i, _ in unavailable),
        "changed_staff": tuple(changed),
        "add_staff": tuple(added),
        "_staff_ids": (set(on_staff) - gone) | new_ids,
        "_hires": hires,
    }


def _warn_unknown_sites(check: _Check, person: Staff, attended: set[str], line: int) -> None:
    """A hire at a site no student attends (in the base or added by the scenario) changes nothing: usually a
    spelling (`Lincon` for `LINCOLN`)."""
    for site in sorted(person.sites - {"*"} - attended):
        match = near_match(site, attended)
        hint = f"; did you mean {match!r}?" if match else ""
        check.warn(f"no student attends site {excerpt(site)!r}: {person.staff_id} would serve nobody there{hint}",
                   line, "sites", excerpt(site))


def _student_edits(check: _Check, raw: Mapping[str, Any], base: Problem, staff_ids: set[str]) -> dict[str, Any]:
    enrolled = {s.student_id for s in base.students}
    removed = _ids(check, raw, "remove_students")
    for student_id, line in removed:
        if student_id not in enrolled:
            check.error(f"unknown student id {student_id}: not in the students file", line, "remove_students",
                        student_id)
    leaving = {student_id for student_id, _ in removed}
    added: list[Student] = []
    new_ids: set[str] = set()
    for record, line in _records(check, raw, "add_students", STUDENT_FIELDS, "student_id", STUDENT_REQUIRED):
        student_id = record["student_id"].strip()
        if (student_id in enrolled and student_id not in leaving) or student_id in new_ids:
            check.error(f"student id {student_id} is already enrolled or added twice", line("student_id"),
                        "student_id", student_id)
            continue
        new_ids.add(student_id)
        student, issues = parse_student_record(record, base.rules, check.file, line(None), frozenset(staff_ids))
        check.relocate(issues, line)
        if student is not None:
            added.append(dataclasses.replace(student, row=0))
    return {"remove_students": tuple(i for i, _ in removed), "add_students": tuple(added)}


def _assessment_edits(check: _Check, raw: Mapping[str, Any], base: Problem, new_staff: Sequence[Staff],
                      new_students: Sequence[Student]) -> dict[str, Any]:
    """remove_assessments (ids of the --assessments file) and [[add_assessments]] (assessment_id, site, ...).

    An added assessment at a site nobody has (in the base or added by the scenario) is warned of, as in the
    --assessments file: nobody could take it."""
    pending = {a.assessment_id for a in base.assessments}
    removed = _ids(check, raw, "remove_assessments")
    for assessment_id, line in removed:
        if assessment_id not in pending:
            check.error(f"unknown assessment id {assessment_id}: not in the --assessments file", line,
                        "remove_assessments", assessment_id)
    kept = pending - {i for i, _ in removed}
    added: list[Assessment] = []
    known = known_sites([*base.students, *new_students], [*base.staff, *new_staff])
    for record, line in _records(check, raw, "add_assessments", ASSESSMENT_FIELDS, "assessment_id",
                                 ("assessment_id", "site")):
        assessment_id, site = record.get("assessment_id", "").strip(), record.get("site", "").strip()
        if not assessment_id or not site or assessment_id in kept or any(a.assessment_id == assessment_id
                                                                         for a in added):
            check.error("an added assessment needs a new assessment_id and a site", line("assessment_id"),
                        "assessment_id", assessment_id)
            continue
        due = record.get("due_date", "").strip()
        if due and due_date(due) is None:
            check.error("not a date; write it as YYYY-MM-DD", line("due_date"), "due_date", due)
            continue
        if nobodys_site(site, known):
            match = near_match(site, known)
            hint = f"; did you mean {match!r}?" if match else ""
            check.warn(UNKNOWN_SITE + hint, line("site"), "site", excerpt(site))
        added.append(Assessment(assessment_id, site, record.get("student_id", "").strip() or None,
                                due_date(due) if due else None))
    return {"remove_assessments": tuple(i for i, _ in removed), "add_assessments": tuple(added)}


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _caps(check: _Check, raw: Mapping[str, Any], rules: Rules) -> tuple[tuple[str, str, int], ...]:
    caps = raw.get("caps", {})
    top = check.where.table("caps") or check.where.key("caps") or 1
    if not isinstance(caps, dict):
        check.error("caps must be a table: [caps] followed by role = cap lines", top, "caps")
        return ()
    out = []
    for role, value in caps.items():
        line = check.where.key(role, "caps") or check.where.table(f"caps.{role}") or top
        if role not in rules.roles:
            check.error(f"unknown role {role!r} under [caps]{did_you_mean(role, rules.roles)}", line, "caps",
                        role)
            continue
        changes = value if isinstance(value, dict) else {"cap": value}
        for field, number in changes.items():
            where = check.where.key(field, f"caps.{role}") or line
            if field not in CAP_FIELDS:
                check.error(f"unknown cap field {field!r} for {role}{did_you_mean(field, CAP_FIELDS)}", where, field,
                            field)
            elif not _whole(number) or number > MAX_CAP:
                check.error(f"{field} of {role} must be a whole number from 0 to {MAX_CAP:,}", where, field,
                            excerpt(number))
            else:
                spec = rules.roles[role]
                if field == "cap" and spec.cap_is_legal and spec.cap is not None and number > spec.cap:
                    check.warn(f"raises the legal cap of {role} from {spec.cap} to {number}: a what-if only",
                               where, field, number)
                out.append((role, field, number))
    return tuple(out)


def _weights(check: _Check, raw: Mapping[str, Any]) -> tuple[tuple[str, int], ...]:
    weights = raw.get("weights", {})
    top = check.where.table("weights") or check.where.key("weights") or 1
    if not isinstance(weights, dict):
        check.error("weights must be a table: [weights] followed by name = value lines", top, "weights")
        return ()
    out = []
    for field, value in weights.items():
        line = check.where.key(field, "weights") or top
        if field not in WEIGHT_FIELDS:
            check.error(f"unknown weight {field!r}{did_you_mean(field, WEIGHT_FIELDS)}", line, field, field)
        elif not _whole(value) or value > MAX_WEIGHT:
            check.error(f"weight {field} must be a whole number from 0 to {MAX_WEIGHT:,}", line, field,
                        excerpt(value))
        else:
            out.append((field, value))
    return tuple(out)


def _read(path: Path) -> tuple[str, dict[str, Any]]:
    file = str(path)
    if path.suffix.lower() in (".yaml", ".yml"):
        raise InputError([Issue("error", file, "scenario files are TOML (.toml), like the rules file; "
                                               "YAML is not read: write the same keys as TOML")])
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([Issue("error", file, f"cannot read the scenario file: {exc}")]) from None
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        line = int(match.group(1)) if match else len(text.splitlines()) or None  # "at end of document"
        raise InputError([Issue("error", file, f"not valid TOML: {exc}", line, unit="line")]) from None


def load_scenario(path: str | Path, base: Problem) -> tuple[Scenario, list[Issue]]:
    """Read and check a scenario against the base problem; returns it and its warnings.

    Raises :class:`InputError` with every problem (file, line, field, value)
    when any is an error: an unknown staff or student id, field, role, weight
    or a row the loaders would reject.
    """
    path = Path(path)
    text, raw = _read(path)
    check = _Check(path, text)
    for key in raw:
        if key not in SCENARIO_KEYS:
            line = check.where.key(key) or check.where.table(key) or check.where.table(key, 0)
            check.error(f"unknown scenario key {key!r}{did_you_mean(key, SCENARIO_KEYS)}", line, key, key)
    name = raw.get("name", path.stem)
    description = raw.get("description", "")
    for key, value in (("name", name), ("description", description)):
        if not isinstance(value, str):
            check.error(f"{key} must be text", check.where.key(key), key, value)
    staff = _staff_edits(check, raw, base)
    students = _student_edits(check, raw, base, staff.pop("_staff_ids"))
    attended = {s.site for s in [*base.students, *students["add_students"]]}
    for person, line in staff.pop("_hires"):
        _warn_unknown_sites(check, person, attended, line)
    assessments = _assessment_edits(check, raw, base, staff["add_staff"], students["add_students"])
    caps = _caps(check, raw, base.rules)
    weights = _weights(check, raw)
    if any(i.severity == "error" for i in check.issues):
        raise InputError(check.issues)
    scenario = Scenario(name=str(name).strip() or path.stem, source=str(path), description=str(description),
                        caps=caps, weights=weights, **staff, **students, **assessments)
    return scenario, check.issues
