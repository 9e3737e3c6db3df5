"""Issue 8, false sentences: every reason the planner prints is re-derived from the plan and must hold."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from cli import main
from models.domain.caps import caseload_cap
from models.domain.rule_table import CASE_MANAGER, first_blocking_rule
from models.domain.rules import load_rules
from models.files.loaders import load_problem

ROOT = Path(__file__).resolve().parents[1]
STUDENTS = (
    "student_id,site,grade,primary_disability,support_level,services,current_case_manager\n"
    "A1,S,3,SLD,,rsp,R1\n"
    "A2,S,3,SLD,,rsp,R1\n"
    "A3,S,3,SLD,,rsp,R1\n"
    "A4,S,3,SLD,,rsp;speech,R2\n"
)
STAFF = (
    "staff_id,role,credentials,sites,fte,available\n"
    "R1,rsp_teacher,MMSN,S,1,\n"
    "R2,rsp_teacher,MMSN,S,1,\n"
    "P1,slp,SLP,S,1,\n"
)
FAST = ("--time-limit", "5", "--workers", "1")


def run(*args: object):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result


def write(folder: Path, students: str, staff: str) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "students.csv").write_text(students, encoding="utf-8")
    (folder / "staff.csv").write_text(staff, encoding="utf-8")
    return folder / "students.csv", folder / "staff.csv"


def _ids(text: str) -> list[str]:
    return [i.strip() for i in re.sub(r" and \d+ more$", "", text).split(",")]


def verify_reasons(students: Path, staff: Path, plan: Path) -> int:
    """Check every claim the plan folder's reasons make against the plan itself; return how many were checked."""
    problem, _ = load_problem(students, staff, load_rules())
    rules, index = problem.rules, problem.staff_index
    services = pd.read_csv(plan / "services.csv", dtype=str, keep_default_na=False)
    assignments = pd.read_csv(plan / "assignments.csv", dtype=str, keep_default_na=False)
    load = {p.staff_id: 0 for p in problem.staff}
    for person, service in zip(services["provider"], services["service"], strict=True):
        role = rules.roles.get(problem.staff[index[person]].role) if person in index else None
        if role is not None and role.caseload_service == service:
            load[person] += 1
    student_of = {s.student_id: s for s in problem.students}
    texts = [(r.student_id, r.service, r.reason) for r in services.itertuples()]
    texts += [(r.student_id, CASE_MANAGER, r.reason) for r in assignments.itertuples()]
    texts += [(r.student_id, CASE_MANAGER, r.notes) for r in assignments.itertuples()]
    if (plan / "moves.csv").exists():
        moves = pd.read_csv(plan / "moves.csv", dtype=str, keep_default_na=False)
        texts += [(r.student_id, r.change, r.reason) for r in moves.itertuples()]
    checked = 0
    for student_id, role, text in texts:
        student = student_of[student_id]
        for claim in filter(None, (part.strip() for part in text.split(";"))):
            if m := re.fullmatch(r"(?:left unresolved: .*)?(\S+) is unavailable", claim):
                assert not problem.staff[index[m[1]]].available, claim
            elif m := re.search(r"\(([^)]*)\) is unavailable$", claim):
                assert all(not problem.staff[index[i]].available for i in _ids(m[1])), claim
            elif m := re.search(r"\(([^)]*)\) is at their caseload cap$", claim):
                for i in _ids(m[1]):
                    assert load[i] >= caseload_cap(rules, problem.staff[index[i]]), claim
            elif m := re.fullmatch(r"(\S+) is at their caseload cap of (\d+)", claim):
                assert load[m[1]] >= int(m[2]), claim
            elif m := re.fullmatch(r"(.*) could (?:deliver it within their cap|take it)", claim):
                for i in _ids(m[1]):
                    person = problem.staff[index[i]]
                    room = load[i] if role != CASE_MANAGER else None
                    assert first_blocking_rule(rules, student, person, role, load=room) is None, claim
            elif m := re.fullmatch(r"(.*) may manage this case", claim):
                for i in _ids(m[1]):
                    assert first_blocking_rule(rules, student, problem.staff[index[i]], CASE_MANAGER) is None, claim
            elif m := re.fullmatch(r"(\S+) is no longer on staff.*", claim):
                assert m[1] not in index, claim
            elif m := re.fullmatch(r"best practice is the (\S+) provider .*", claim):
                served = services[(services.student_id == student_id) & (services.service == m[1])]
                said_unserved = f"{m[1]} is unserved, so no {m[1]} provider can manage the case" in text
                assert len(served) == 1 and (served.status.iloc[0] == "served") != said_unserved, text
            elif m := re.fullmatch(r"(\S+) is unserved, so no \S+ provider can manage the case", claim):
                served = services[(services.student_id == student_id) & (services.service == m[1])]
                assert served.status.iloc[0] == "unserved", claim
            else:
                continue
            checked += 1
    return checked


def test_max_moves_reasons_say_the_move_budget(tmp_path):
    s, t = write(tmp_path, STUDENTS, STAFF)
    run("plan", "--students", s, "--staff", t, "--out", tmp_path / "p", *FAST)
    leave = tmp_path / "leave"
    s2, t2 = write(leave, STUDENTS, STAFF.replace("R1,rsp_teacher,MMSN,S,1,", "R1,rsp_teacher,MMSN,S,1,false"))
    run("rebalance", "--students", s2, "--staff", t2, "--current", tmp_path / "p" / "services.csv", "--max-moves", 1,
        "--out", leave / "r", *FAST)
    moves = pd.read_csv(leave / "r" / "moves.csv", dtype=str, keep_default_na=False)
    unresolved = moves[moves.to == ""]
    assert len(unresolved) >= 2
    for reason in unresolved.reason:
        assert "the move budget (--max-moves 1) is used up" in reason
        assert "needed for other students" not in reason and "(R1, R2, P1) is unavailable" not in reason
    assert verify_reasons(s2, t2, leave / "r") >= len(unresolved)


def test_a_deleted_staff_row_is_still_named_in_from(tmp_path):
    s, t = write(tmp_path, STUDENTS, STAFF)
    run("plan", "--students", s, "--staff", t, "--out", tmp_path / "p", *FAST)
    gone = tmp_path / "gone"
    s2, t2 = write(gone, STUDENTS, STAFF.replace("R1,rsp_teacher,MMSN,S,1,\n", ""))
    run("rebalance", "--students", s2, "--staff", t2, "--current", tmp_path / "p" / "services.csv", "--out",
        gone / "r", *FAST)
    moves = pd.read_csv(gone / "r" / "moves.csv", dtype=str, keep_default_na=False)
    for student in ("A1", "A2", "A3"):
        mine = moves[moves.student_id == student]
        assert set(mine.change) == {"case_manager", "rsp"}, mine
        assert set(mine["from"]) == {"R1"} and set(mine.to) == {"R2"}
    assert "none on record" not in " ".join(moves.reason)
    assert verify_reasons(s2, t2, gone / "r") >= 6


def test_current_accepts_an_earlier_plan_folder(tmp_path):
    s, t = write(tmp_path, STUDENTS, STAFF)
    run("plan", "--students", s, "--staff", t, "--out", tmp_path / "p", *FAST)
    no_managers = re.sub(r",R\d\n", ",\n", STUDENTS)
    gone = tmp_path / "gone"
    s2, t2 = write(gone, no_managers, STAFF.replace("R1,rsp_teacher,MMSN,S,1,\n", ""))
    run("rebalance", "--students", s2, "--staff", t2, "--current", tmp_path / "p", "--out", gone / "r", *FAST)
    moves = pd.read_csv(gone / "r" / "moves.csv", dtype=str, keep_default_na=False)
    managers = moves[moves.change == "case_manager"]
    assert set(managers.student_id) == {"A1", "A2", "A3"} and set(managers["from"]) == {"R1"}


def test_whatif_counts_newly_served_as_newly_served(tmp_path):
    # the base leaves speech unserved (no SLP); the scenario hires one: newly served, not a changed provider
    s, t = write(tmp_path, STUDENTS, STAFF.replace("P1,slp,SLP,S,1,\n", ""))
    scenario = tmp_path / "hire.toml"
    scenario.write_text('name = "hire"\n[[add_staff]]\nstaff_id = "P9"\nrole = "slp"\ncredentials = "SLP"\n'
                        'sites = "S"\n', encoding="utf-8")
    run("whatif", "--students", s, "--staff", t, "--scenario", scenario, "--out", tmp_path / "w", *FAST)
    rows = pd.read_csv(tmp_path / "w" / "comparison.csv").set_index("scenario")
    assert rows.loc["base", "services_unserved"] == 1 and rows.loc["hire", "services_unserved"] == 0
    assert rows.loc["hire", "changed_providers"] == 0
    assert rows.loc["hire", "newly_served_services"] == 1


def test_best_practice_note_when_the_sdc_service_is_unserved(tmp_path):
    # an SDC student with speech and nobody who may teach the class: the note must not send the director
    # looking for an SDC provider who does not exist
    students = ("student_id,site,grade,primary_disability,support_level,services\n"
                "B1,S,3,AUT,extensive,sdc;speech\n")
    s, t = write(tmp_path, students, "staff_id,role,credentials,sites\nP1,slp,SLP,S\nC1,psychologist,,S\n")
    run("plan", "--students", s, "--staff", t, "--out", tmp_path / "p", *FAST)
    notes = pd.read_csv(tmp_path / "p" / "assignments.csv", dtype=str, keep_default_na=False).notes.iloc[0]
    assert "best practice is the sdc provider" in notes
    assert "sdc is unserved, so no sdc provider can manage the case" in notes
    verify_reasons(s, t, tmp_path / "p")


def test_every_reason_of_the_sample_plan_holds(tmp_path):
    sample = ROOT / "data" / "sample"
    run("plan", "--out", tmp_path / "p", *FAST)
    assert verify_reasons(sample / "students.csv", sample / "staff.csv", tmp_path / "p") >= 1
