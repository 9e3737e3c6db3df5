"""A synthetic district's rows (every value a string, columns per the data contract) and its files."""

from __future__ import annotations

import csv
from pathlib import Path

from models.synthetic.staffing import Person
from models.synthetic.students import Pupil
from models.synthetic.tables import STAFF_COLUMNS, STUDENT_COLUMNS, Row, _category_codes


def _flag(value: bool) -> str:
    return "true" if value else "false"


def student_row(pupil: Pupil) -> Row:
    codes = _category_codes() if pupil.site.numeric_codes else {}
    services = ";".join(f"{s}:{pupil.minutes[s]}" if s in pupil.minutes else s for s in pupil.services)
    return {
        "student_id": pupil.student_id, "site": pupil.site.code, "grade": pupil.grade,
        "primary_disability": codes.get(pupil.primary, pupil.primary),
        "secondary_disability": codes.get(pupil.secondary, pupil.secondary),
        "support_level": pupil.support, "services": services, "alternate_placement": _flag(pupil.alternate),
        "current_case_manager": pupil.current, "locked": _flag(pupil.locked),
    }


def staff_row(person: Person) -> Row:
    return {
        "staff_id": person.staff_id, "name": person.name, "role": person.role,
        "credentials": ";".join(person.credentials), "sites": ";".join(person.sites), "fte": f"{person.fte:.1f}",
        "max_caseload": "" if person.max_caseload is None else str(person.max_caseload),
        "rsp_waiver": _flag(person.rsp_waiver), "preschool_only": _flag(person.preschool_only),
        "can_case_manage": "" if person.can_case_manage is None else _flag(person.can_case_manage),
        "available": _flag(person.available),
    }


def write_district(folder: Path, students: list[Row], staff: list[Row]) -> None:
    """Write ``students.csv`` and ``staff.csv`` (UTF-8, ``\\n`` line ends) into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows, columns in (("students.csv", students, STUDENT_COLUMNS), ("staff.csv", staff, STAFF_COLUMNS)):
        with open(folder / name, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
