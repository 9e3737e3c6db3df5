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
from models.files.loaders import read_table


def _student_names(path: Path) -> dict[str, str]:
    df = read_table(path, "students")
    if "student_id" not in df.columns:
        return {}
    ids = [str(v).strip() for v in df["student_id"]]
    if "student_name" in df.columns:
        names = [str(v).strip() for v in df["student_name"]]
    elif "first_name" in df.columns or "last_name" in df.columns:
        first = df["first_name"] if "first_name" in df.columns else [""] * len(df)
        last = df["last_name"] if "last_name" in df.columns else [""] * len(df)
        pairs = zip(first, last, strict=True)
        names = [" ".join(part for part in (str(f).strip(), str(g).strip()) if part) for f, g in pairs]
    else:
        return {}
    return {i: n for i, n in zip(ids, names, strict=True) if i and n}


def _staff_names(path: Path) -> dict[str, str]:
    df = read_table(path, "staff")
    if "staff_id" not in df.columns or "name" not in df.columns:
        return {}
    pairs = ((str(a).strip(), str(b).strip()) for a, b in zip(df["staff_id"], df["name"], strict=True))
    return {i: n for i, n in pairs if i and n}


def load_names(students: Path, staff: Path) -> Names:
    """Names by id from the (already validated) input tables."""
    return Names(MappingProxyType(_student_names(students)), MappingProxyType(_staff_names(staff)))
