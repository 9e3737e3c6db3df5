"""Read the names columns of the input tables into a :class:`Names` map.

The loaders build the problem from ids and codes; this reads only the name
columns (students `student_name`, or `first_name` + `last_name` joined as
"first last"; staff `name`) so that names stay out of the problem, and so
out of every message.
"""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

from models.domain.names import Names
from models.files.reading import read_table_checked
from models.files.table_cells import STAFF_REQUIRED, STUDENT_REQUIRED

_NAME_COLUMNS = frozenset(("student_id", "student_name", "first_name", "last_name", "staff_id", "name"))


def _columns(path: Path, sheet: str, required: tuple[str, ...]) -> dict[str, list[str]]:
    """The id and name columns' cells (text), the table read as the loaders read it (the same read: reading.py
    keeps it)."""
    read = read_table_checked(path, sheet, required)
    return {c: [row[i] for row in read.cells] for i, c in enumerate(read.columns) if c in _NAME_COLUMNS}


def _student_names(path: Path) -> dict[str, str]:
    table = _columns(path, "students", STUDENT_REQUIRED)
    if "student_id" not in table:
        return {}
    ids = [v.strip() for v in table["student_id"]]
    if "student_name" in table:
        names = [v.strip() for v in table["student_name"]]
    elif "first_name" in table or "last_name" in table:
        first = table.get("first_name", [""] * len(ids))
        last = table.get("last_name", [""] * len(ids))
        names = [" ".join(part for part in (f.strip(), g.strip()) if part) for f, g in zip(first, last, strict=True)]
    else:
        return {}
    return {i: n for i, n in zip(ids, names, strict=True) if i and n}


def _staff_names(path: Path) -> dict[str, str]:
    table = _columns(path, "staff", STAFF_REQUIRED)
    if "staff_id" not in table or "name" not in table:
        return {}
    pairs = ((a.strip(), b.strip()) for a, b in zip(table["staff_id"], table["name"], strict=True))
    return {i: n for i, n in pairs if i and n}


def load_names(students: Path, staff: Path) -> Names:
    """Names by id from the (already validated) input tables."""
    return Names(MappingProxyType(_student_names(students)), MappingProxyType(_staff_names(staff)))
