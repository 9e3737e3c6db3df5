"""`caseload check`: validate inputs, report every problem, exit 2 on bad input."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from cli import main

STUDENTS = (
    "student_id,site,grade,primary_disability,support_level,services\n"
    "00123,LINCOLN,KN,290,,rsp:240;speech:60\n"
    "S2,LINCOLN,01,AUT,,sdc\n"
)
STAFF = (
    "staff_id,name,role,credentials,sites,fte\n"
    "T1,Ana Teacher,rsp_teacher,R3MN,LINCOLN,1\n"
    "T2,Sam Speech,slp,SLP,*,0.5\n"
    "T3,Dee Day,sdc_teacher,ESN;MMSN,LINCOLN,\n"
)


def run_check(tmp_path: Path, students: str, staff: str):
    (tmp_path / "students.csv").write_text(students, encoding="utf-8")
    (tmp_path / "staff.csv").write_text(staff, encoding="utf-8")
    args = ["check", "--students", str(tmp_path / "students.csv"), "--staff", str(tmp_path / "staff.csv")]
    return CliRunner().invoke(main, args)


def test_check_good_input_exits_0(tmp_path):
    result = run_check(tmp_path, STUDENTS, STAFF)
    assert result.exit_code == 0, result.output
    assert "OK: 2 students, 3 staff, 3 services, 2 warning(s)." in result.output
    assert "support level not given" in result.output  # AUT without support level
    assert "service(s) of 1 student(s) have no weekly minutes" in result.output  # workload assumes defaults


def test_check_bad_input_exits_2_naming_file_row_column_value(tmp_path):
    students = STUDENTS.replace("S2,LINCOLN,01,AUT", "S2,LINCOLN,01,XYZ")
    staff = STAFF.replace("T2,Sam Speech,slp,SLP,*,0.5", "T2,Sam Speech,slp,SLP,*,1.5")
    result = run_check(tmp_path, students, staff)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    out = result.output
    assert "2 problem(s) in the input" in out
    assert str(tmp_path / "students.csv") in out and str(tmp_path / "staff.csv") in out
    assert "row 3, column primary_disability, value 'XYZ'" in out
    assert "unknown disability category" in out
    assert "row 3, column fte, value '1.5'" in out


def test_check_missing_column_and_unreadable_file_exit_2(tmp_path):
    result = run_check(tmp_path, STUDENTS.replace("grade", "year"), "")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "missing required column grade" in result.output
    assert "the file is empty" in result.output


def test_check_with_a_current_plan_says_when_it_leaves_a_servable_service_unserved(tmp_path):
    # r1 (cap 1) serves A and B, r2 (cap 1) only A; s1 at A holds r1, so s2 at B has nobody, unless s1 moved to r2
    students = ("student_id,site,grade,primary_disability,services\n"
                "s1,A,3,SLD,rsp\ns2,B,3,SLD,rsp\n")
    staff = ("staff_id,name,role,credentials,sites,max_caseload\n"
             "r1,Ada Lovelace,rsp_teacher,MMSN,A;B,1\nr2,Alan Turing,rsp_teacher,MMSN,A,1\n")
    (tmp_path / "students.csv").write_text(students, encoding="utf-8")
    (tmp_path / "staff.csv").write_text(staff, encoding="utf-8")
    current = tmp_path / "services.csv"
    current.write_text("student_id,service,provider\ns1,rsp,r1\n", encoding="utf-8")
    args = ["check", "--students", str(tmp_path / "students.csv"), "--staff", str(tmp_path / "staff.csv")]
    with_current = CliRunner().invoke(main, [*args, "--current", str(current)])
    assert with_current.exit_code == 0, with_current.output
    assert "leaves 1 service(s) unserved that a legal provider with room could take" in with_current.output
    assert "s2 rsp" in with_current.output and "Lovelace" not in with_current.output
    assert "Note:" not in CliRunner().invoke(main, args).output
    current.write_text("student_id,service,provider\ns1,rsp,r2\ns2,rsp,r1\n", encoding="utf-8")
    assert "Note:" not in CliRunner().invoke(main, [*args, "--current", str(current)]).output
