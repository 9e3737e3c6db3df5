"""People's names, kept beside the problem (never inside it).

The planning problem, the solver, logs, errors, warnings and the terminal work
with ids only (FERPA). Names travel in this map from the input tables straight
to the output files a director reads, so nothing else can print them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from models.domain.problem import Staff

_EMPTY: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Names:
    """Display names by id: students (optional in the input) and staff."""

    students: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    staff: Mapping[str, str] = field(default_factory=lambda: _EMPTY)

    @property
    def has_student_names(self) -> bool:
        return any(self.students.values())

    def student(self, student_id: str) -> str:
        return self.students.get(student_id, "")

    def of_staff(self, person: Staff) -> str:
        """The staff table's name, else the name the domain carries (a proposed hire says what it covers)."""
        return self.staff.get(person.staff_id) or person.name

    def staff_id(self, staff_id: str, fallback: Mapping[str, Staff] | None = None) -> str:
        """Name of a staff id that may no longer be on staff (a move's ``from``)."""
        name = self.staff.get(staff_id, "")
        if not name and fallback is not None and staff_id in fallback:
            return fallback[staff_id].name
        return name


NO_NAMES = Names()
