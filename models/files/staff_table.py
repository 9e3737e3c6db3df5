"""The staff table: each row checked (role, credentials, sites, FTE, caps, flags) into a :class:`Staff`."""

from __future__ import annotations

import math
from pathlib import Path

from models.domain.issues import code_excerpt
from models.domain.problem import Staff
from models.domain.rules import MAX_CAP, Rules
from models.files.table_cells import (
    MAX_ID_CHARS,
    MIN_FTE,
    STAFF_COLUMNS,
    STAFF_REQUIRED,
    _Row,
    _Table,
    parse_list,
    parse_whole,
)

# --------------------------------------------------------------------------
# Staff
# --------------------------------------------------------------------------


def _credentials(row: _Row, rules: Rules) -> frozenset[str] | None:
    codes: set[str] = set()
    ok = True
    for token in parse_list(row.cell("credentials")):
        code = rules.credential(token)
        if code is None:
            listed = "," in token and all(rules.credential(part) for part in token.split(","))
            row.error("credentials", f"unknown credential {code_excerpt(token)!r}; " + (
                f"credentials are separated by ';', not ',': write {';'.join(p.strip() for p in token.split(','))}"
                if listed else "use a code such as MMSN or a CTC document code such as R3MN"))
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
    for row in table.rows(STAFF_REQUIRED, "staff member", sheet="staff", known=STAFF_COLUMNS):
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
