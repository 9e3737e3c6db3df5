"""caseload place: a new student placed into an existing plan without moving anyone."""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

from models.domain.plan import check_plan
from models.files.loaders import load_problem
from models.synthetic.generator import generate_district, write_district
from models.workflows.placement import AT_CAP, ELIGIBLE, INELIGIBLE, place_students
from optimizer.solve import SolveOptions, solve
from tests.factories import district, rules, staff, student

ONE_WORKER = SolveOptions(workers=1, time_limit=20)


def rows_for(placed, role):
    return [r for r in placed.rows if r.role == role]


def sid(problem, p):
    return None if p is None else problem.staff[p].staff_id


def test_best_provider_at_cap_and_a_one_move_chain_frees_a_seat():
    # R1 (sites A and B, max_caseload 1) serves T at site B, its current provider; R2 serves site B only.
    # X arrives at site A, where only R1 may teach rsp, and R1 is full: nobody can take it now, but moving
    # T's rsp from R1 to R2 (R2 serves B) frees R1's seat.
    problem = district([student("T", "rsp", site="B")],
                       [staff("R1", "rsp_teacher", "MMSN", sites="A;B", max_caseload=1),
                        staff("R2", "rsp_teacher", "MMSN", sites="B", max_caseload=1)],
                       current_providers={("T", "rsp"): "R1"})
    result = solve(problem, ONE_WORKER)
    assert sid(problem, result.plan.providers[0]) == "R1"
    placed = place_students(problem, result.plan, [student("X", "rsp", site="A")])
    rsp = rows_for(placed, "rsp")
    assert [(sid(placed.problem, r.staff), r.verdict) for r in rsp if r.verdict != INELIGIBLE] == [("R1", AT_CAP)]
    why = rsp[0].why
    assert "R1 is at 1 of 1 rsp pupils" in why
    assert "move student T's rsp from R1 to R2" in why
    assert placed.plan.providers[-1] is None  # nobody was moved: X's rsp waits


def test_ranked_candidates_the_best_first_with_cost_zero_and_the_ineligible_with_their_rule():
    problem = district([student("A1", "speech")],
                       [staff("L1", "slp", "SLP"), staff("L2", "slp", "SLP", fte=0.5),
                        staff("M", "sdc_teacher", "MMSN")])
    result = solve(problem, ONE_WORKER)
    placed = place_students(problem, result.plan, [student("X", "sdc;speech", primary="DEAF")], top=3)
    speech = [r for r in rows_for(placed, "speech") if r.verdict == ELIGIBLE]
    assert [r.rank for r in speech] == [1, 2] and speech[0].cost_delta == 0 <= speech[1].cost_delta
    sdc = rows_for(placed, "sdc")
    assert [(sid(placed.problem, r.staff), r.verdict, r.rule) for r in sdc if r.staff is not None] == [
        ("M", INELIGIBLE, "R1")]
    managers = [r for r in rows_for(placed, "case_manager") if r.verdict == ELIGIBLE]
    assert managers[0].cost_delta == 0 and all(r.rank for r in managers)


def test_placing_on_a_generated_district_keeps_everyone_else_and_passes_the_checker():
    with tempfile.TemporaryDirectory() as folder:
        students, people = generate_district(300, seed=5)
        write_district(Path(folder), students, people)
        whole, _ = load_problem(Path(folder) / "students.csv", Path(folder) / "staff.csv", rules())
    new = whole.students[-4:]
    problem = dataclasses.replace(whole, students=whole.students[:-4])
    result = solve(problem, ONE_WORKER)
    placed = place_students(problem, result.plan, new)
    assert check_plan(placed.problem, placed.plan).ok, check_plan(placed.problem, placed.plan).violations
    n_demands = len(problem.demands)
    assert placed.plan.providers[:n_demands] == result.plan.providers
    assert placed.plan.case_managers[: len(problem.students)] == result.plan.case_managers
    assert any(m is not None for m in placed.plan.case_managers[len(problem.students):])
    for s in placed.new:
        assert any(r.student == s and r.verdict == ELIGIBLE and r.rank == 1 for r in placed.rows)


def test_place_command_writes_placements_and_refuses_a_known_id(tmp_path):
    from click.testing import CliRunner

    from cli import main

    out = tmp_path / "plan"
    runner = CliRunner()
    assert runner.invoke(main, ["plan", "--out", str(out), "--workers", "1"]).exit_code == 0
    new = tmp_path / "new.csv"
    new.write_text("student_id,site,grade,primary_disability,services\nN001,S0001,3,290,rsp:240;speech:30\n",
                   encoding="utf-8")
    result = runner.invoke(main, ["place", "--plan", str(out), "--new", str(new), "--top", "2"])
    assert result.exit_code == 0, result.output
    # the staff file is read against the plan's students, not against the one newcomer at S0001
    assert "no student attends" not in result.output
    import pandas as pd

    rows = pd.read_csv(out / "placements.csv", dtype=str, keep_default_na=False)
    assert list(rows.columns) == ["student_id", "role", "rank", "staff_id", "staff_name", "verdict", "rule",
                                  "cost_delta", "why"]
    ranked = rows[rows["verdict"] == "eligible"]
    assert set(ranked["rank"]) <= {"1", "2"} and (ranked[ranked["rank"] == "1"]["cost_delta"] == "0").all()
    assert (rows[rows["verdict"] != "eligible"]["rank"] == "").all()
    taken = tmp_path / "taken.csv"
    taken.write_text("student_id,site,grade,primary_disability,services\n0000001,S0001,3,290,rsp\n", encoding="utf-8")
    bad = runner.invoke(main, ["place", "--plan", str(out), "--new", str(taken)])
    assert bad.exit_code == 2 and "already a student of the plan" in bad.output
