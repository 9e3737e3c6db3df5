"""report.html: the reviewed plan as one page a director reads, prints or sends.

Headline figures, who is unserved and why, each person's load against their
cap by role (inline SVG bar charts with a table of the same figures), the
figures by site, the moves after a rebalance and the plan's notes. Every
figure comes from the :class:`ReviewedPlan`; this module only renders.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from models.files.html_page import bar_chart, cards, esc, figure, page, table
from models.files.reviewed import ABOVE_AVERAGE, AT_CAP, CASE_MANAGER, NEAR, ReviewedPlan, StaffRow

TONE = {AT_CAP: "at", ABOVE_AVERAGE: "at", NEAR: "near"}
MAX_ROSTER_STUDENTS = 3000  # beyond this the rosters would make the page too long to print; the workbook has them
MAX_UNSERVED_ROWS = 500  # a large district's page stays printable; the workbook lists every one
MARK_CLASS = {AT_CAP: "mark-at", ABOVE_AVERAGE: "mark-at", NEAR: "mark-near"}


def charted(row: StaffRow) -> bool:
    """A person drawn in the load charts: available, with a full load to measure against."""
    return row.available and row.load_ratio is not None


def _person(row: StaffRow) -> str:
    return f"{row.staff_id} {row.name}".strip()


def _roles_capped_first(reviewed: ReviewedPlan) -> list[str]:
    """Roles with charted people: legal and local caps first, then district averages, then balance targets."""
    order = {"cap": 0, "district-average share": 1}
    rank: dict[str, int] = {}
    for r in reviewed.staff:
        if charted(r):
            rank[r.role] = min(rank.get(r.role, 2), order.get(r.full_load_kind, 2))
    return sorted(rank, key=lambda role: (rank[role], role))


def headline_html(reviewed: ReviewedPlan) -> str:
    h = reviewed.headline
    figures = cards([
        ("students", h.students, ""),
        ("fully served", h.fully_served, "good" if h.not_fully_served == 0 else ""),
        ("not fully served", h.not_fully_served, "bad" if h.not_fully_served else "good"),
        ("services not delivered", h.services_unserved, "bad" if h.services_unserved else "good"),
        ("without a case manager", h.without_case_manager, "bad" if h.without_case_manager else "good"),
        ("best-practice rate", f"{h.best_practice_rate:.1%}", ""),
        ("proven optimal", "yes" if h.proven_optimal else "no", "good" if h.proven_optimal else "bad"),
    ])
    sentences = "".join(f"<li>{esc(s)}</li>" for s in h.sentences())
    return f'<section id="headline"><h2>Headline</h2>{figures}<ul class="notes">{sentences}</ul></section>'


def unserved_html(reviewed: ReviewedPlan) -> str:
    if not reviewed.unserved:
        return ('<section id="unserved"><h2>Who is not fully served, and why</h2>'
                "<p>Every student has every service and a case manager.</p></section>")
    names = reviewed.with_student_names
    counted = reviewed.reasons_counted()
    why = table(("what is missing", "why", "how many"),
                [("case manager" if m == CASE_MANAGER else m, reason, n) for m, reason, n in counted],
                numeric=(2,), caption="Reasons, most frequent first")
    headers = ("student", *(("name",) if names else ()), "site", "grade", "missing", "why")
    shown = reviewed.unserved[:MAX_UNSERVED_ROWS]
    rows = [(u.student_id, *((u.student_name,) if names else ()), u.site, u.grade,
             "case manager" if u.missing == CASE_MANAGER else u.missing, u.reason) for u in shown]
    more = len(reviewed.unserved) - len(shown)
    rest = f"<p>... and {more} more in the Unserved sheet of plan.xlsx.</p>" if more > 0 else ""
    return ('<section id="unserved"><h2>Who is not fully served, and why</h2>' + why
            + table(headers, rows, caption="Each student, each missing service or case manager") + rest
            + "</section>")


def loads_html(reviewed: ReviewedPlan) -> str:
    parts = ['<section id="loads"><h2>Each person\'s load against their cap, by role</h2>',
             '<p class="legend">Bars: pupils on the role\'s capped service over a full load (the cap; for speech '
             'the person\'s share of the district average of 55 per FTE; for roles without a cap the full-time load '
             'used for balance). The dashed line is 100%. Red: at the cap; amber: over 90%.</p>']
    for role in _roles_capped_first(reviewed):
        people = [r for r in reviewed.staff if r.role == role and charted(r)]
        kinds = sorted({r.full_load_kind for r in people})
        bars = [(_person(r), r.load_ratio or 0.0, TONE.get(r.cap_mark, ""),
                 f"{_person(r)}: {r.load} pupil(s) of {r.full_load:g} ({r.full_load_kind}), {r.load_ratio:.0%}"
                 + (f", {r.cap_mark}" if r.cap_mark else "")) for r in people]
        desc = "; ".join(tip for _, _, _, tip in bars)
        chart = bar_chart(f"load-{role}", f"{reviewed.role_title(role)}: load against {' / '.join(kinds)}", desc, bars,
                          reference_label="100% = " + " / ".join(kinds))
        parts.append(f'<h3>{esc(reviewed.role_title(role))}</h3>')
        parts.append(figure(chart, f"{len(people)} {role} staff, load as a share of a full load"))
        rows = [(r.staff_id, r.name, r.fte, r.sites, r.load, "" if r.full_load is None else f"{r.full_load:g}",
                 f"{r.load_ratio:.0%}", r.case_managed, r.cap_mark) for r in people]
        parts.append("<details><summary>The same figures as a table</summary>" + table(
            ("staff", "name", "FTE", "sites", "load", "full load", "share", "case-managed", "mark"), rows,
            numeric=(2, 4, 5, 6, 7), row_class=[MARK_CLASS.get(r.cap_mark, "") for r in people]) + "</details>")
    others = [r for r in reviewed.staff if not charted(r)]
    if others:
        parts.append("<h3>Without a load to chart</h3>" + table(
            ("staff", "name", "role", "available", "case-managed"),
            [(r.staff_id, r.name, r.role, "yes" if r.available else "no", r.case_managed) for r in others],
            numeric=(4,)))
    return "".join(parts) + "</section>"


def workload_html(reviewed: ReviewedPlan) -> str:
    """Per role, the highest weekly workload ratio and the spread; each person's workload minutes and ratio
    (empty when the rules have no [workload] table)."""
    data = reviewed.summary
    tops, spreads = data.get("max_workload_ratio") or {}, data.get("workload_ratio_spread") or {}
    if not tops:
        return ""
    on = ("The plan balanced these (balance_on = workload)" if data.get("balance_on") == "workload"
          else "The plan balanced head counts (balance_on = students); these are shown for comparison")
    parts = ['<section id="workload"><h2>Weekly workload, by role</h2>',
             f"<p class=legend>Workload: weekly service minutes (with their indirect share), case management, "
             f"travel between sites and assessments, over the person's weekly capacity (contract minutes x FTE). "
             f"{esc(on)}: {esc(data.get('balance_on_why', ''))}.</p>",
             table(("role", "people", "highest workload ratio", "spread (highest - lowest)"),
                   [(reviewed.role_title(role), sum(r.role == role and r.workload_ratio is not None
                                                    for r in reviewed.staff),
                     f"{top:.0%}", f"{spreads.get(role, 0.0):.0%}") for role, top in tops.items()],
                   numeric=(1, 2, 3), caption="Highest workload and spread per role")]
    for role in tops:
        people = [r for r in reviewed.staff if r.role == role and r.workload_ratio is not None]
        parts.append(f"<details><summary>{esc(reviewed.role_title(role))}: each person's workload</summary>" + table(
            ("staff", "name", "FTE", "sites", "workload minutes", "workload ratio"),
            [(r.staff_id, r.name, r.fte, r.sites, r.workload_minutes, f"{r.workload_ratio:.0%}") for r in people],
            numeric=(2, 4, 5)) + "</details>")
    return "".join(parts) + "</section>"


def sites_html(reviewed: ReviewedPlan) -> str:
    rows = [(s.site, s.students, s.fully_served, s.students - s.fully_served, s.without_case_manager, s.services,
             s.services_unserved, f"{s.best_practice / max(s.students - s.without_case_manager, 1):.0%}")
            for s in reviewed.sites]
    return ('<section id="sites"><h2>By site</h2>' + table(
        ("site", "students", "fully served", "not fully served", "without a case manager", "services",
         "services not delivered", "best practice"), rows, numeric=range(1, 8)) + "</section>")


def moves_html(reviewed: ReviewedPlan) -> str:
    if reviewed.moves is None:
        return ""
    names = reviewed.with_student_names
    moved = [m for m in reviewed.moves if m.from_id]
    rows = [(m.student_id, *((m.student_name,) if names else ()), m.change, f"{m.from_id} {m.from_name}".strip(),
             f"{m.to_id} {m.to_name}".strip() or "(nobody: unresolved)", m.reason, m.effective_date)
            for m in reviewed.moves]
    headers = ("student", *(("name",) if names else ()), "change", "from", "to", "why", "effective")
    return (f'<section id="moves"><h2>Moves</h2><p>{len(moved)} change(s) from the current plan, '
            f'{sum(not m.to_id for m in reviewed.moves)} unresolved, {sum(not m.from_id for m in reviewed.moves)} '
            f"new assignment(s).</p>" + table(headers, rows) + "</section>")


def why_html(reviewed: ReviewedPlan) -> str:
    """Beside each case manager, why that person: the nearest alternative's verdict (explain.csv)."""
    if len(reviewed.students) > MAX_ROSTER_STUDENTS:
        return ('<section id="why"><h2>Why these case managers</h2><p>See the why column of the Students sheet '
                "of plan.xlsx, and explain.csv.</p></section>")
    rows = [(f"{r.student_id} {r.student_name}".strip(), r.case_manager or "(none)", r.why)
            for r in reviewed.students if r.why]
    return ('<section id="why"><h2>Why these case managers</h2>'
            + table(("student", "case manager", "why (the nearest alternative)"), rows) + "</section>")


def rosters_html(reviewed: ReviewedPlan) -> str:
    """Each person's students: whom they case-manage and whom they serve, by service."""
    if len(reviewed.students) > MAX_ROSTER_STUDENTS:
        return ('<section id="rosters"><h2>Rosters</h2><p>This district is too large to list here: filter the '
                "Students sheet of plan.xlsx by case_manager, and the Services sheet by provider.</p></section>")
    name = {r.student_id: r.student_name for r in reviewed.students}

    def who(student_id: str) -> str:
        return f"{student_id} {name.get(student_id, '')}".strip()

    managed: dict[str, list[str]] = defaultdict(list)
    for r in reviewed.students:
        if r.case_manager:
            managed[r.case_manager].append(who(r.student_id))
    served: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for r in reviewed.services:
        if r.provider:
            served[r.provider][r.service].append(who(r.student_id))
    rows = []
    for person in reviewed.staff:
        if person.staff_id not in managed and person.staff_id not in served:
            continue
        serves = "; ".join(f"{service} ({len(ids)}): {', '.join(ids)}"
                           for service, ids in served.get(person.staff_id, {}).items())
        cm = managed.get(person.staff_id, [])
        rows.append((_person(person), person.role, person.sites.replace(";", ", "),
                     f"({len(cm)}) {', '.join(cm)}" if cm else "", serves))
    return ('<section id="rosters"><h2>Rosters: each person\'s students</h2>'
            + table(("staff", "role", "sites", "case manager for", "serves"), rows) + "</section>")


def notes_html(reviewed: ReviewedPlan) -> str:
    items = "".join(f"<li>{esc(n)}</li>" for n in reviewed.notes)
    return f'<section id="notes"><h2>Notes</h2><ul class="notes">{items}</ul></section>'


def plan_report(reviewed: ReviewedPlan, title: str = "Caseload plan") -> str:
    h = reviewed.headline
    body = "".join([
        f"<header><h1>{esc(title)}</h1><p class=sub>{esc(h.students)} students, {esc(h.services)} services; rules "
        f"{esc(h.rules_name)}. The workbook plan.xlsx beside this file lists every student and service.</p></header>",
        headline_html(reviewed), unserved_html(reviewed), moves_html(reviewed), loads_html(reviewed),
        workload_html(reviewed), sites_html(reviewed), rosters_html(reviewed), why_html(reviewed),
        notes_html(reviewed),
        f"<footer>Inputs' hash (SHA-256): {esc(h.inputs_sha256)}. Rules file: {esc(h.rules_source)}.</footer>",
    ])
    return page(title, body)


def write_report(reviewed: ReviewedPlan, path: Path) -> None:
    path.write_text(plan_report(reviewed), encoding="utf-8")
