"""Problems found in the inputs, each naming file, row, column and value."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]

EXCERPT_CHARS = 40  # a message quotes at most this much of a cell: a 10 MB cell is not copied into every line


def excerpt(value: object, limit: int = EXCERPT_CHARS) -> str:
    """The value, or its first characters and how long it is: messages stay short on any input."""
    text = str(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text):,} characters)"


def code_excerpt(value: object) -> str:
    """A cell of a column that should hold a code (role, grade, category, service ...), quoted safely.

    When the headers are mixed up, such a column may hold names; a value that
    does not look like a code (spaces between words, or long) is cut to its
    first characters, so a message never prints a whole name.
    """
    text = str(value)
    if len(text.strip()) <= 16 and not re.search(r"[^\W\d_]\s+[^\W\d_]", text):
        return text
    return f"{text[:3]}... ({len(text):,} characters)"


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem in an input file.

    ``row`` is the line as a spreadsheet shows it: the header is row 1, so the
    first data row is row 2. Values name ids and codes, never student names.
    ``unit`` names what ``row`` counts: ``line`` for a text file such as a
    what-if scenario.
    """

    severity: Severity
    file: str
    message: str
    row: int | None = None
    column: str | None = None
    value: str | None = None
    unit: str = "row"

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"{self.unit} {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        if self.value is not None:
            where.append(f"value {excerpt(self.value)!r}")
        return f"{self.severity}: {', '.join(where)}: {self.message}"


class InputError(ValueError):
    """The inputs cannot be planned; ``issues`` lists every problem found."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = tuple(issues)
        errors = [i for i in issues if i.severity == "error"]
        super().__init__("\n".join(str(i) for i in errors) or "invalid input")
