"""report.html for `whatif` (the comparison) and `staffing` (the hires and their curve).

Same page shell and charts as the plan report; each figure comes from the
reviewed plans, the comparison rows or the staffing result.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from models.files.html_page import bar_chart, cards, esc, figure, line_chart, page, table
from models.files.reviewed import ReviewedPlan
from models.files.tables import hires_rows
from models.workflows.hiring import StaffingResult


def comparison_report(plans: Sequence[tuple[str, str, ReviewedPlan, dict]]) -> str:
    """(scenario label, its folder, its reviewed plan, its comparison.csv row), the base first."""
    headers = ("scenario", "students", "fully served", "not fully served", "services not delivered",
               "without a case manager", "best practice", "people over 90% of cap", "case managers changed",
               "providers changed", "proven optimal")
    rows, bars = [], []
    for label, _, reviewed, row in plans:
        h = reviewed.headline
        rows.append((label, h.students, h.fully_served, h.not_fully_served, h.services_unserved,
                     h.without_case_manager, f"{h.best_practice_rate:.1%}", row["people_over_90pct_cap"],
                     row["changed_case_managers"], row["changed_providers"], "yes" if h.proven_optimal else "no"))
        share = h.fully_served / h.students if h.students else 1.0
        bars.append((label, share, "" if share >= 1 else "near",
                     f"{label}: {h.fully_served} of {h.students} students fully served ({share:.1%})"))
    chart = bar_chart("fully-served", "Students fully served, by scenario",
                      "; ".join(tip for *_, tip in bars), bars, reference_label="100% = every student")
    links = "".join(f'<li><a href="{esc(folder)}/report.html">{esc(label)}</a>: '
                    f"{esc(' '.join(reviewed.headline.sentences()[:2]))}</li>"
                    for label, folder, reviewed, _ in plans)
    # every plan has its row: one that delivers every service says so (left out, it read as forgotten)
    unserved = [(row["scenario"], row["unserved_by_service_site"] or "nothing: every service is delivered")
                for *_, row in plans]
    base = plans[0][2].headline
    body = "".join([
        f"<header><h1>What-if comparison</h1><p class=sub>{len(plans) - 1} scenario(s) against the district as "
        f"given ({esc(base.students)} students). Changes are counted against the base plan.</p></header>",
        '<section id="headline"><h2>Headline</h2>',
        cards((label, f"{reviewed.headline.fully_served} / {reviewed.headline.students}",
               "good" if reviewed.headline.not_fully_served == 0 else "") for label, _, reviewed, _ in plans),
        "<p class=legend>Students fully served (every service delivered and a case manager assigned).</p></section>",
        '<section id="comparison"><h2>Side by side</h2>',
        table(headers, rows, numeric=range(1, 10)),
        figure(chart, "Share of students fully served in each plan"), "</section>",
        '<section id="unserved"><h2>What stays undone</h2>',
        table(("scenario", "unserved service@site:count"), unserved)
        if any(row["unserved_by_service_site"] for *_, row in plans)
        else "<p>Every plan delivers every service.</p>", "</section>",
        f'<section id="plans"><h2>Each plan in full</h2><ul class="notes">{links}</ul></section>',
    ])
    return page("What-if comparison", body)


def staffing_report(result: StaffingResult) -> str:
    rows = hires_rows(result)
    curve = result.curve
    points = [(float(p.hires), float(p.unserved), f"after {p.hires} hire(s): {p.unserved} services not delivered, "
               f"{p.unassigned} students without a case manager") for p in curve]
    chart = line_chart("hires-curve", "Services not delivered after each hire", "; ".join(t for *_, t in points),
                       points, "hires", "services not delivered")
    today, after = curve[0], curve[-1]
    proof = ("Proven: no smaller set of the candidate positions does as well." if result.proven_minimal else
             f"Not proven minimal (search status {result.status}); allow a longer --time-limit.")
    body = "".join([
        f"<header><h1>Staffing: the fewest hires</h1><p class=sub>{esc(result.candidates)} candidate positions "
        f"were considered.</p></header>",
        '<section id="headline"><h2>Headline</h2>',
        cards([("hires", len(result.hires), ""),
               ("services not delivered today", today.unserved, "bad" if today.unserved else "good"),
               ("after the hires", after.unserved, "bad" if after.unserved else "good"),
               ("without a case manager after", after.unassigned, "bad" if after.unassigned else "good")]),
        f"<p>{esc(proof)}</p></section>",
        '<section id="hires"><h2>The hires, most valuable first</h2>',
        table(("rank", "role", "credentials", "sites", "FTE", "services not delivered after",
               "highest load after", "students it takes", "whom (service@site:count)"),
              [(r[0], r[1] or "(today)", *r[2:6], "" if r[6] is None else f"{r[6]:.0%}", r[7], r[8])
               for r in rows], numeric=(0, 4, 5, 6, 7)),
        "</section>",
        '<section id="curve"><h2>The curve</h2>', figure(chart, "Each point: the district after that many hires"),
        "</section>",
    ])
    return page("Staffing", body)


def write_comparison_report(plans: Sequence[tuple[str, str, ReviewedPlan, dict]], path: Path) -> None:
    path.write_text(comparison_report(plans), encoding="utf-8")


def write_staffing_report(result: StaffingResult, path: Path) -> None:
    path.write_text(staffing_report(result), encoding="utf-8")
