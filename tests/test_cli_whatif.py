"""`caseload whatif`, `rebalance` and `staffing` through the command line: files, tables, exit codes."""

from __future__ import annotations

import csv
from pathlib import Path

from click.testing import CliRunner

from cli import main

STUDENTS = (
    "student_id,site,grade,primary_disability,services,current_case_manager\n"
    + "".join(f"a{i},A,3,SLD,rsp,R1\n" for i in range(4))
    + "".join(f"b{i},A,4,SLD,rsp,R2\n" for i in range(10))
    + "c1,A,2,SLI,speech,SLP1\n"
    + "d1,A,9,DEAF,sdc,T1\n"
)
STAFF = (
    "staff_id,role,credentials,sites,fte,available\n"
    "R1,rsp_teacher,MMSN,A,1,{r1}\n"
    "R2,rsp_teacher,MMSN,A,1,true\n"
    "R3,rsp_teacher,MMSN,A,0.5,true\n"
    "SLP1,slp,SLP,A,1,true\n"
    "T1,sdc_teacher,MMSN,A,1,true\n"
)
CURRENT = (
    "student_id,service,provider\n"
    + "".join(f"a{i},rsp,R1\n" for i in range(4))
    + "".join(f"b{i},rsp,R2\n" for i in range(10))
    + "c1,speech,SLP1\n"
)
SOLVER = ["--workers", "1", "--time-limit", "20"]


def district(tmp_path: Path, r1: str = "true") -> list[str]:
    (tmp_path / "students.csv").write_text(STUDENTS, encoding="utf-8")
    (tmp_path / "staff.csv").write_text(STAFF.format(r1=r1), encoding="utf-8")
    return ["--students", str(tmp_path / "students.csv"), "--staff", str(tmp_path / "staff.csv")]


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def invoke(args: list[str]):
    return CliRunner().invoke(main, args)


# -- whatif ------------------------------------------------------------------------------------------------------


def test_whatif_plans_base_and_each_scenario_and_compares(tmp_path):
    (tmp_path / "leave.toml").write_text('name = "R1 leaves"\nunavailable_staff = ["R1"]\n', encoding="utf-8")
    (tmp_path / "hire.toml").write_text('name = "Hire DHH"\n[[add_staff]]\nstaff_id = "N1"\nrole = "sdc_teacher"\n'
                                        'credentials = "DHH"\nsites = "A"\nfte = 0.5\n', encoding="utf-8")
    out = tmp_path / "out"
    result = invoke(["whatif", *district(tmp_path), "--scenario", str(tmp_path / "leave.toml"),
                     "--scenario", str(tmp_path / "hire.toml"), "--out", str(out), *SOLVER])
    assert result.exit_code == 0, result.output
    for folder in ("base", "r1-leaves", "hire-dhh"):
        for name in ("assignments.csv", "services.csv", "caseloads.csv", "summary.json"):
            assert (out / folder / name).exists(), (folder, name)
    table = rows(out / "comparison.csv")
    assert [r["scenario"] for r in table] == ["base", "R1 leaves", "Hire DHH"]
    assert {"students_unassigned", "services_unserved", "unserved_by_service_site", "best_practice_rate",
            "max_load_ratio_rsp_teacher", "load_ratio_spread_rsp_teacher", "people_over_90pct_cap",
            "changed_case_managers", "changed_providers", "status", "gap"} <= set(table[0])
    base, leave, hire = table
    assert base["unserved_by_service_site"] == "sdc@A:1"  # the deaf student: no DHH credential (R1)
    assert hire["services_unserved"] == "0"
    # R1's four pupils move (R3 has room for 14): four case managers and four providers change, nobody else's
    assert (leave["services_unserved"], leave["changed_case_managers"], leave["changed_providers"]) == ("1", "4", "4")
    assert "R1 leaves" in result.output and "Load ratio, max / spread" in result.output
    # the report's "What stays undone" has every plan, the one that delivers everything included
    page = (out / "report.html").read_text(encoding="utf-8")
    undone = page[page.index('<section id="unserved">'):page.index("</section>", page.index('id="unserved"'))]
    assert "sdc@A:1" in undone and "Hire DHH" in undone and "nothing: every service is delivered" in undone


def test_whatif_bad_scenario_exits_2_naming_scenario_and_line_and_writes_nothing(tmp_path):
    (tmp_path / "good.toml").write_text('remove_staff = ["R2"]\n', encoding="utf-8")
    (tmp_path / "bad.toml").write_text('name = "typo"\n\n[[change_staff]]\nstaff_id = "R9"\nfte = 0.5\n',
                                       encoding="utf-8")
    out = tmp_path / "out"
    result = invoke(["whatif", *district(tmp_path), "--scenario", str(tmp_path / "good.toml"),
                     "--scenario", str(tmp_path / "bad.toml"), "--out", str(out), *SOLVER])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert f"{tmp_path / 'bad.toml'}, line 4, column staff_id, value 'R9': unknown staff id R9" in result.output
    assert not out.exists()


def test_whatif_needs_a_scenario(tmp_path):
    result = invoke(["whatif", *district(tmp_path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert not (tmp_path / "out").exists()


# -- rebalance ---------------------------------------------------------------------------------------------------


def test_rebalance_writes_the_plan_and_moves_for_the_clerk(tmp_path):
    (tmp_path / "services.csv").write_text(CURRENT, encoding="utf-8")
    out = tmp_path / "out"
    result = invoke(["rebalance", *district(tmp_path, r1="false"), "--current", str(tmp_path / "services.csv"),
                     "--effective-date", "2025-01-06", "--out", str(out), *SOLVER])
    assert result.exit_code == 0, result.output
    for name in ("assignments.csv", "services.csv", "caseloads.csv", "summary.json", "moves.csv"):
        assert (out / name).exists(), name
    moves = rows(out / "moves.csv")
    assert list(moves[0])[:6] == ["student_id", "change", "from", "to", "reason", "effective_date"]
    assert {"from_name", "to_name"} <= set(moves[0])
    reassigned = [m for m in moves if m["from"]]
    # only R1's pupils move, rsp and case manager each, to R3 (R2's ten stay with R2)
    assert {m["student_id"] for m in reassigned} == {f"a{i}" for i in range(4)}
    assert {(m["change"], m["from"], m["to"], m["reason"], m["effective_date"]) for m in reassigned} == {
        ("rsp", "R1", "R3", "R1 is unavailable", "2025-01-06"),
        ("case_manager", "R1", "R3", "R1 is unavailable", "2025-01-06")}
    assert "Moves: 8 reassigned (4 student(s) with a change)" in result.output


def test_rebalance_max_moves_leaves_to_blank(tmp_path):
    (tmp_path / "services.csv").write_text(CURRENT, encoding="utf-8")
    out = tmp_path / "out"
    result = invoke(["rebalance", *district(tmp_path, r1="false"), "--current", str(tmp_path / "services.csv"),
                     "--max-moves", "3", "--out", str(out), *SOLVER])
    assert result.exit_code == 0, result.output
    moves = [m for m in rows(out / "moves.csv") if m["from"]]
    assert sum(bool(m["to"]) for m in moves) == 3
    blank = [m for m in moves if not m["to"]]
    assert len(blank) == 5 and all("--max-moves 3" in m["reason"] for m in blank)


def test_rebalance_bad_date_exits_2_and_writes_nothing(tmp_path):
    (tmp_path / "services.csv").write_text(CURRENT, encoding="utf-8")
    result = invoke(["rebalance", *district(tmp_path), "--current", str(tmp_path / "services.csv"),
                     "--effective-date", "06/01/2025", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert not (tmp_path / "out").exists()


# -- staffing ----------------------------------------------------------------------------------------------------


def test_staffing_writes_hires_and_the_curve(tmp_path):
    out = tmp_path / "out"
    result = invoke(["staffing", *district(tmp_path), "--out", str(out), *SOLVER])
    assert result.exit_code == 0, result.output
    hires = rows(out / "hires.csv")
    assert list(hires[0]) == ["rank", "role", "credentials", "sites", "fte", "unserved_after", "max_load_ratio_after",
                              "students", "serves"]
    assert [(h["rank"], h["role"], h["credentials"], h["sites"], h["fte"], h["unserved_after"]) for h in hires] == [
        ("0", "", "", "", "", "1"), ("1", "sdc_teacher", "DHH", "A", "0.5", "0")]
    assert hires[1]["students"] == "1" and "sdc@A:1" in hires[1]["serves"].split(";")  # whom the hire takes
    assert "Hires: 1 (proven: no smaller set" in result.output


def test_every_new_command_has_help():
    for command in ("whatif", "rebalance", "staffing"):
        result = invoke([command, "--help"])
        assert result.exit_code == 0 and "--out" in result.output
