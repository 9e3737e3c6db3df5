"""The caps California law sets, which no rules file may silently raise.

A rules file is a district's data, but the caps below come from the Education
Code, not from the district: a typo that drops or raises one would make every
plan, and the checker reading the same file, agree with an illegal caseload.
A rules file may still set a cap above the statute (a pilot, a study), only
with ``override_statutory_caps = true``; every output of such a run says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class StatutoryCap:
    role: str  # the role code of the rules table
    field: str  # the Role field holding the cap
    limit: int
    source: str


STATUTORY_CAPS: tuple[StatutoryCap, ...] = (
    StatutoryCap("rsp_teacher", "cap", 28, "EC 56362(c)"),
    StatutoryCap("rsp_teacher", "waiver_cap", 32, "EC 56362 waiver"),
    StatutoryCap("slp", "average_cap", 55, "EC 56363.3, 5 CCR 3051.1"),
    StatutoryCap("slp", "preschool_cap", 40, "EC 56441.7"),
)


def statute_findings(roles: Mapping[str, Any]) -> list[str]:
    """Plain sentences, one per statutory cap the roles raise or drop (empty when none)."""
    found = []
    for law in STATUTORY_CAPS:
        role = roles.get(law.role)
        if role is None:
            continue
        value = getattr(role, law.field)
        if law.field == "waiver_cap" and value is None:
            continue  # no waiver cap: the waiver changes nothing, the plain cap still binds
        if value is None:
            found.append(f"[roles.{law.role}] has no {law.field}; the statute sets {law.limit} ({law.source})")
        elif value > law.limit:
            found.append(f"[roles.{law.role}] {law.field} = {value} is above the statute's {law.limit} ({law.source})")
    rsp = roles.get("rsp_teacher")
    if rsp is not None and rsp.cap is not None and not rsp.cap_is_legal:
        found.append("[roles.rsp_teacher] cap_is_legal is false, so a person's max_caseload could raise the "
                     "statute's 28 (EC 56362(c))")
    return found


def statute_notes(overrides: tuple[str, ...]) -> tuple[str, ...]:
    """The notes that lead every output with notes (plan.xlsx, report.html) when a rules file overrides the law."""
    return tuple(f"WARNING: the rules file overrides the law: {finding}." for finding in overrides)
