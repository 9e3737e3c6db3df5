"""The what-if, rebalance and staffing outputs: comparison.csv, moves.csv, hires.csv and terminal tables.

pandas lives here, at the edge; the values come from ``models.workflows.comparison``,
``models.workflows.moves`` and ``models.workflows.hiring``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from models.files.safe import write_csv
from models.workflows.hiring import StaffingResult
from models.workflows.moves import Move

if TYPE_CHECKING:  # pandas is imported where a table is built (0.2-0.4 s a plan of CSV inputs saves)
    import pandas as pd

MOVES_COLUMNS = ("student_id", "change", "from", "to", "reason", "effective_date")
HIRES_COLUMNS = ("rank", "role", "credentials", "sites", "fte", "unserved_after", "max_load_ratio_after", "students",
                 "serves")


def text_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Plain aligned text: numbers to the right, words to the left."""
    cells = [[_text(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    numeric = [all(isinstance(row[i], int | float) or row[i] is None for row in rows) and bool(rows)
               for i in range(len(headers))]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v.rjust(w) if num else v.ljust(w)
                         for v, w, num in zip(values, widths, numeric, strict=True)).rstrip()

    return "\n".join([line(list(headers)), line(["-" * w for w in widths]), *(line(r) for r in cells)])


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


# -- what-if ---------------------------------------------------------------------


def comparison_frame(rows: Sequence[dict]) -> pd.DataFrame:
    """One row per plan; per-role columns for every role seen in any plan."""
    import pandas as pd

    columns: list[str] = []
    for row in rows:
        columns += [c for c in row if c not in columns]
    fixed = [c for c in columns if not c.startswith(("max_load_ratio_", "load_ratio_spread_"))]
    roles = sorted({c.removeprefix("max_load_ratio_") for c in columns if c.startswith("max_load_ratio_")})
    per_role = [c for role in roles for c in (f"max_load_ratio_{role}", f"load_ratio_spread_{role}")]
    return pd.DataFrame(list(rows), columns=fixed + per_role)


def write_comparison(rows: Sequence[dict], path: Path) -> None:
    write_csv(comparison_frame(rows), path)


def comparison_text(rows: Sequence[dict], verbose: bool = False) -> str:
    """The comparison as two terminal tables: outcomes, then load ratio (max / spread) per role.

    Plain words by default ("proven optimal" yes/no); ``verbose`` adds the solver's status and gap.
    """
    headers = ("scenario", "unassigned", "unserved", "best practice", ">90% cap", "CM changed", "prov. changed",
               "newly served", "proven optimal", *(("status", "gap") if verbose else ()))
    main = [(r["scenario"], r["students_unassigned"], r["services_unserved"], f"{r['best_practice_rate']:.1%}",
             r["people_over_90pct_cap"], r["changed_case_managers"], r["changed_providers"],
             r.get("newly_served_services", 0), "yes" if r["status"] == "OPTIMAL" else "no",
             *((r["status"], "n/a" if r["gap"] is None else f"{r['gap']:.2%}") if verbose else ())) for r in rows]
    roles = sorted({k.removeprefix("max_load_ratio_") for r in rows for k in r if k.startswith("max_load_ratio_")})
    loads = [(r["scenario"], *(_max_spread(r, role) for role in roles)) for r in rows]
    unserved = [f"  {r['scenario']}: {r['unserved_by_service_site']}" for r in rows if r["unserved_by_service_site"]]
    parts = [text_table(headers, main)]
    if unserved:
        parts.append("Unserved (service@site:count):\n" + "\n".join(unserved))
    if roles:
        parts.append("Load ratio, max / spread:\n" + text_table(("scenario", *roles), loads))
    return "\n\n".join(parts)


def _max_spread(row: dict, role: str) -> str:
    top = row.get(f"max_load_ratio_{role}")
    return "" if top is None else f"{top:.2f} / {row.get(f'load_ratio_spread_{role}', 0):.2f}"


# -- rebalance -------------------------------------------------------------------


def moves_frame(moves: Sequence[Move], effective_date: str) -> pd.DataFrame:
    import pandas as pd

    rows = [(m.student_id, m.change, m.from_id, m.to_id, m.reason, effective_date) for m in moves]
    return pd.DataFrame(rows, columns=list(MOVES_COLUMNS))


def write_moves(moves: Sequence[Move], effective_date: str, path: Path) -> None:
    write_csv(moves_frame(moves, effective_date), path)


def moves_text(moves: Sequence[Move], limit: int = 20) -> str:
    moved = sum(bool(m.from_id and m.to_id) for m in moves)
    unresolved = sum(not m.to_id for m in moves)
    new = sum(not m.from_id for m in moves)
    students = len({m.student_id for m in moves if m.from_id})
    head = (f"Moves: {moved} reassigned ({students} student(s) with a change), {unresolved} unresolved, "
            f"{new} new assignment(s)")
    shown = [m for m in moves if m.from_id][:limit]
    if not shown:
        return head
    table = text_table(("student", "change", "from", "to", "reason"),
                       [(m.student_id, m.change, m.from_id, m.to_id or "(nobody)", m.reason) for m in shown])
    more = sum(bool(m.from_id) for m in moves) - len(shown)
    return head + "\n" + table + (f"\n... and {more} more in moves.csv" if more > 0 else "")


# -- staffing --------------------------------------------------------------------


def hires_rows(result: StaffingResult) -> list[tuple]:
    """Rank 0 is the district today; rank k adds the k-th hire."""
    rows = []
    for point in result.curve:
        hire = result.hires[point.hires - 1].staff if point.hires else None
        rows.append((
            point.hires,
            "" if hire is None else hire.role,
            "" if hire is None else ";".join(sorted(hire.credentials)),
            "" if hire is None else ";".join(sorted(hire.sites)),
            "" if hire is None else hire.fte,
            point.unserved,
            None if point.max_load_ratio is None else round(point.max_load_ratio, 4),
            "" if hire is None else point.students,
            "" if hire is None else point.serves_words(),
        ))
    return rows


def write_hires(result: StaffingResult, path: Path) -> None:
    import pandas as pd

    write_csv(pd.DataFrame(hires_rows(result), columns=list(HIRES_COLUMNS)), path)


def hires_text(result: StaffingResult) -> str:
    rows = [(r[0], r[1] or "(today)", *r[2:]) for r in hires_rows(result)]
    proof = ("proven: no smaller set of candidate positions does as well" if result.proven_minimal else
             f"not proven minimal (search status {result.status}); allow more --time-limit")
    head = f"Hires: {len(result.hires)} ({proof}; {result.candidates} candidate positions)"
    return head + "\n" + text_table(HIRES_COLUMNS, rows)
