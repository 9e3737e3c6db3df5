"""Where a key or value sits in a TOML file: tomllib keeps no line numbers, so the text is scanned.

Messages about a scenario file name the line of the table, key or id they are about.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*[\"']?([A-Za-z0-9_.-]+)[\"']?\s*=")


class TomlLines:
    """Line numbers (1-based) of tables, keys and values in a TOML text, found by scanning it."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.block_of: list[tuple[str, int]] = []  # per line: (table name, index among [[name]] blocks)
        seen: dict[str, int] = {}
        block = ("", 0)
        for line in self.lines:
            match = _HEADER.match(line)
            if match:
                name = re.sub(r"\s*\.\s*", ".", match.group(2).replace('"', "").replace("'", ""))
                index = seen.get(name, -1) + 1 if match.group(1) == "[[" else 0
                seen[name] = index
                block = (name, index)
            self.block_of.append(block)

    def table(self, name: str, index: int = 0) -> int | None:
        for n, block in enumerate(self.block_of):
            if block == (name, index):
                return n + 1
        return None

    def key(self, key: str, table: str = "", index: int = 0) -> int | None:
        """The line of ``key = ...`` inside a table (top level by default)."""
        for n, (line, block) in enumerate(zip(self.lines, self.block_of, strict=True)):
            if block == (table, index) and (m := _KEY.match(line)) and m.group(1) == key:
                return n + 1
        return None

    def token(self, token: str, start: int | None) -> int | None:
        """The first line from ``start`` naming ``token`` as a whole word (an id, say)."""
        if start is None:
            return None
        pattern = re.compile(rf"(?<![\w-]){re.escape(token)}(?![\w-])")
        for n in range(start - 1, len(self.lines)):
            if pattern.search(self.lines[n].split("#", 1)[0]):
                return n + 1
        return None

    def item(self, name: str, index: int, id_value: str) -> Callable[[str | None], int]:
        """line(field) for entry ``index`` of ``name``: a [[name]] table or an inline {...} entry."""
        header = self.table(name, index)
        if header is not None and self.lines[header - 1].lstrip().startswith("[["):
            return lambda field: (field and self.key(field, name, index)) or header
        start = self.key(name) or self.table(name) or 1
        anchor = (id_value and self.token(id_value, start)) or start

        def inline(field: str | None) -> int:
            if field:
                found = self.token(field, anchor)
                if found is not None and found - anchor < 12:
                    return found
            return anchor

        return inline
