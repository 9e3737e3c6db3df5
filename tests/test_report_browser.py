"""report.html in a real browser: Debian's headless Chromium, driven by Playwright, with the network off.

`make test` installs Chromium (apt) and the playwright package (never `playwright install`).
Set REPORT_SCREENSHOT_DIR to keep a copy of the screenshots for a person to look at.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from playwright.sync_api import sync_playwright

from cli import main

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def sample_plan(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample") / "plan"
    result = CliRunner().invoke(main, ["plan", "--out", str(out), "--workers", "1", "--time-limit", "60"])
    assert result.exit_code == 0, result.output
    return out


def open_offline(browser, path: Path):
    """The page loaded with the network off; (page, console errors, requests other than the file itself)."""
    context = browser.new_context(offline=True, viewport={"width": 1200, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    url = path.resolve().as_uri()
    page.on("request", lambda r: requests.append(r.url) if r.url != url else None)
    page.goto(url, wait_until="load")
    return page, errors, requests


def keep(shot: Path) -> None:
    folder = os.environ.get("REPORT_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(folder) / shot.name)


def test_plan_report_loads_offline_and_shows_the_plan(browser, sample_plan, tmp_path):
    report = sample_plan / "report.html"
    assert report.stat().st_size < 1_000_000
    page, errors, requests = open_offline(browser, report)
    assert errors == [] and requests == []
    summary = json.loads((sample_plan / "summary.json").read_text(encoding="utf-8"))
    headline = page.inner_text("#headline")
    for figure in (summary["students"], summary["fully_served"], summary["services_unserved"]):
        assert str(figure) in headline
    assert f"{summary['best_practice_rate']:.1%}" in headline
    assert ("Proven optimal" if summary["status"] == "OPTIMAL" else "Not proven optimal") in headline
    # one bar per available person with a full load, per role, each bar titled with the person's figures
    with open(sample_plan / "caseloads.csv", encoding="utf-8") as handle:
        staff = [r for r in csv.DictReader(handle) if r["available"] == "true" and r["load_ratio"]]
    roles = sorted({r["role"] for r in staff})
    assert page.locator("#loads svg").count() == len(roles)
    for role in roles:
        chart = page.locator(f"svg#load-{role}")
        expected = [r for r in staff if r["role"] == role]
        assert chart.locator("rect.bar").count() == len(expected), role
        assert f"({role}): load against" in chart.locator("title").first.text_content()
        titles = chart.locator("rect.bar > title").all_text_contents()
        assert [t.split(" ")[0] for t in titles] == [r["staff_id"] for r in expected]
        assert chart.get_attribute("role") == "img"
    at_cap = sum(r["cap_mark"] == "at cap" for r in staff)
    assert page.locator("#loads rect.bar.at").count() == at_cap + sum(r["cap_mark"] == "above average" for r in staff)
    # weekly workload: per role the highest ratio and the spread, then each person's minutes and ratio
    assert summary["max_workload_ratio"], "the sample district's rules have a [workload] table"
    by_role = page.locator("#workload table").first.locator("tbody tr")
    assert by_role.count() == len(summary["max_workload_ratio"])
    for role, top in summary["max_workload_ratio"].items():
        cells = by_role.filter(has_text=f"({role})").first.locator("td").all_inner_texts()
        assert cells[2:] == [f"{top:.0%}", f"{summary['workload_ratio_spread'][role]:.0%}"], role
    with open(sample_plan / "caseloads.csv", encoding="utf-8") as handle:
        loaded = [r for r in csv.DictReader(handle) if r["workload_ratio"]]
    people = page.locator("#workload details tbody tr")
    assert people.count() == len(loaded)
    shown = {(t[0], t[4]) for t in (people.nth(i).locator("td").all_text_contents() for i in range(people.count()))}
    assert shown == {(r["staff_id"], r["workload_minutes"]) for r in loaded}
    unserved = page.inner_text("#unserved")
    assert "every eligible provider at site S0003" in unserved
    assert page.locator("#sites tbody tr").count() == len({r["site"] for r in _rows(sample_plan / "assignments.csv")})
    busy = {r["case_manager"] for r in _rows(sample_plan / "assignments.csv") if r["case_manager"]}
    busy |= {r["provider"] for r in _rows(sample_plan / "services.csv") if r["provider"]}
    assert page.locator("#rosters tbody tr").count() == len(busy)
    shot = tmp_path / "report-plan.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    keep(shot)
    page.emulate_media(media="print")
    assert page.pdf(path=str(tmp_path / "report.pdf"))  # prints
    page.context.close()


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_hostile_names_are_text_not_markup(browser, tmp_path):
    students = ("student_id,student_name,site,grade,primary_disability,services\n"
                "1,<script>alert(1)</script>,A,3,DEAF,sdc\n")
    staff = "staff_id,name,role,credentials,sites\nR1,<img src=x onerror=alert(2)>,rsp_teacher,MMSN,A\n"
    (tmp_path / "students.csv").write_text(students, encoding="utf-8")
    (tmp_path / "staff.csv").write_text(staff, encoding="utf-8")
    result = CliRunner().invoke(main, ["plan", "--students", str(tmp_path / "students.csv"), "--staff",
                                       str(tmp_path / "staff.csv"), "--out", str(tmp_path / "p"), "--workers", "1"])
    assert result.exit_code == 0, result.output
    page, errors, requests = open_offline(browser, tmp_path / "p" / "report.html")
    assert errors == [] and requests == []
    assert page.locator("script").count() == 0 and page.locator("img").count() == 0
    assert "<script>alert(1)</script>" in page.inner_text("#unserved")
    page.context.close()


def test_whatif_staffing_and_rebalance_reports_load_offline(browser, tmp_path):
    from tests.test_director_files import SOLVER, district

    args = district(tmp_path)
    scenario = tmp_path / "leave.toml"
    scenario.write_text('name = "R1 on leave"\n[[change_staff]]\nstaff_id = "R1"\navailable = false\n',
                        encoding="utf-8")
    runner = CliRunner()
    for command in (["whatif", *args, "--scenario", str(scenario), "--out", str(tmp_path / "w"), *SOLVER],
                    ["staffing", *args, "--out", str(tmp_path / "s"), *SOLVER],
                    ["rebalance", *args, "--current", str(tmp_path / "w" / "base" / "services.csv"),
                     "--out", str(tmp_path / "r"), *SOLVER]):
        result = runner.invoke(main, command)
        assert result.exit_code == 0, result.output
        page, errors, requests = open_offline(browser, Path(command[command.index("--out") + 1]) / "report.html")
        assert errors == [] and requests == [], command[0]
        if command[0] == "whatif":
            comparison = _rows(tmp_path / "w" / "comparison.csv")
            assert page.locator("svg#fully-served rect.bar").count() == len(comparison) == 2
            assert page.locator("#plans a").count() == 2  # each plan's own report
            assert "R1 on leave" in page.inner_text("#comparison")
        elif command[0] == "staffing":
            hires = _rows(tmp_path / "s" / "hires.csv")
            assert page.locator("svg#hires-curve circle.point").count() == len(hires)
            assert page.locator("#hires tbody tr").count() == len(hires)
        else:
            moves = _rows(tmp_path / "r" / "moves.csv")
            assert page.locator("#moves tbody tr").count() == len(moves)
        page.screenshot(path=str(tmp_path / f"report-{command[0]}.png"), full_page=True)
        keep(tmp_path / f"report-{command[0]}.png")
        page.context.close()
