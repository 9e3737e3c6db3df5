"""`caseload plan` end to end through click's CliRunner, against the data contract."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from cli import SAMPLE_DIR, main

ROOT = Path(__file__).resolve().parent.parent
CONTRACT_COLUMNS = {
    "assignments.csv": ["student_id", "site", "case_manager", "case_manager_role", "mode", "best_practice", "status",
                        "reason"],
    "services.csv": ["student_id", "service", "provider", "provider_role", "status", "reason"],
    "caseloads.csv": ["staff_id", "role", "fte", "sites", "case_managed", "cap", "load_ratio", "over_cap",
                      "workload_minutes", "workload_ratio"],
}


@pytest.fixture(scope="module")
def sample_plan(tmp_path_factory):
    out = tmp_path_factory.mktemp("plan")
    result = CliRunner().invoke(main, ["plan", "--out", str(out), "--workers", "1", "--time-limit", "60"])
    assert result.exit_code == 0, result.output
    return out, result


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_plan_writes_every_contract_file_and_column(sample_plan):
    out, result = sample_plan
    for name, columns in CONTRACT_COLUMNS.items():
        table = read(out / name)
        assert [c for c in table.columns if c in columns] == columns, name
    caseloads = read(out / "caseloads.csv")
    assert any(c.startswith("served_") for c in caseloads.columns)
    assert "Plan written to" in result.output


def test_no_student_or_service_is_dropped(sample_plan):
    out, _ = sample_plan
    students = read(SAMPLE_DIR / "students.csv")
    assignments = read(out / "assignments.csv")
    assert assignments["student_id"].tolist() == students["student_id"].tolist()  # input order, none dropped
    expected = [(sid, token.split(":")[0].strip().lower()) for sid, cell in zip(students["student_id"],
                                                                                 students["services"], strict=True)
                for token in cell.split(";") if token.strip()]
    services = read(out / "services.csv")
    assert list(zip(services["student_id"], services["service"], strict=True)) == expected


def test_summary_counts_match_the_tables(sample_plan):
    out, _ = sample_plan
    summary = json.loads((out / "summary.json").read_text())
    assignments, services = read(out / "assignments.csv"), read(out / "services.csv")
    assert summary["status"] == "OPTIMAL" and summary["gap"] == 0
    assert summary["students"] == len(assignments)
    assert summary["unassigned"] == (assignments["status"] == "unassigned").sum()
    assert summary["services_unserved"] == (services["status"] == "unserved").sum()
    assert summary["hard_rule_violations"] == []
    for key in ("objective", "best_bound", "solve_seconds", "best_practice_rate", "max_load_ratio",
                "load_ratio_stddev", "changed_case_managers", "rules", "inputs_sha256"):
        assert key in summary
    caseloads = read(out / "caseloads.csv")
    available = caseloads[caseloads["available"] == "true"]
    for role, people in available.groupby("role"):
        ratios = people["workload_ratio"].astype(float)
        assert summary["max_workload_ratio"][role] == pytest.approx(ratios.max(), abs=1e-4)
        assert summary["workload_ratio_spread"][role] == pytest.approx(ratios.max() - ratios.min(), abs=2e-4)


def test_unserved_services_say_why(sample_plan):
    out, _ = sample_plan
    services = read(out / "services.csv")
    unserved = services[services["status"] == "unserved"]
    assert len(unserved) >= 1  # the sample district has a designed shortage
    assert (unserved["provider"] == "").all() and (unserved["reason"] != "").all()
    assert (read(out / "caseloads.csv")["over_cap"] == "false").all()


def test_same_inputs_seed_and_one_worker_give_the_same_plan(tmp_path):
    runs = []
    for name in ("a", "b"):
        out = tmp_path / name
        result = CliRunner().invoke(main, ["plan", "--out", str(out), "--workers", "1", "--seed", "3"])
        assert result.exit_code == 0, result.output
        runs.append([(out / f).read_text() for f in ("assignments.csv", "services.csv", "caseloads.csv")])
    assert runs[0] == runs[1]


def write_district(folder: Path, students: str, staff: str) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "students.csv").write_text(students)
    (folder / "staff.csv").write_text(staff)
    return folder / "students.csv", folder / "staff.csv"


STAFF = "staff_id,role,credentials,sites\nR1,rsp_teacher,MMSN,LINCOLN\n"


@pytest.mark.parametrize(
    ("students", "fragment"),
    [
        ("student_id,site,grade,primary_disability,services\n001,LINCOLN,3,XYZ,rsp\n",
         "students.csv, row 2, column primary_disability, value 'XYZ'"),
        ("student_id,site,grade,primary_disability,services\n001,LINCOLN,3,SLD,swimming\n",
         "students.csv, row 2, column services, value 'swimming'"),
        ("student_id,site,grade,primary_disability\n001,LINCOLN,3,SLD\n", "services"),
        ("student_id,site,grade,primary_disability,services\n001,LINCOLN,13,SLD,rsp\n",
         "row 2, column grade, value '13'"),
    ],
)
def test_bad_input_exits_2_names_the_cell_and_writes_nothing(tmp_path, students, fragment):
    students_path, staff_path = write_district(tmp_path / "in", students, STAFF)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["plan", "--students", str(students_path), "--staff", str(staff_path),
                                       "--out", str(out)])
    assert result.exit_code == 2
    assert fragment in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_malformed_rules_file_is_bad_input(tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text("[categories.SLD\ncode = 290\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["plan", "--rules", str(rules), "--out", str(out)])
    assert result.exit_code == 2
    assert "rules.toml" in result.output and "not valid TOML" in result.output
    assert not out.exists()


def test_rules_file_with_a_wrong_type_names_table_and_key(tmp_path):
    text = (ROOT / "data" / "rules" / "california.toml").read_text()
    rules = tmp_path / "rules.toml"
    rules.write_text(text.replace("cap = 28 ", 'cap = "many" '))
    result = CliRunner().invoke(main, ["check", "--students", str(SAMPLE_DIR / "students.csv"),
                                       "--staff", str(SAMPLE_DIR / "staff.csv"), "--rules", str(rules)])
    assert result.exit_code == 2
    assert "[roles.rsp_teacher]: cap: 'many' is not a int" in result.output


def test_only_one_of_students_and_staff_is_usage_error(tmp_path):
    result = CliRunner().invoke(main, ["plan", "--students", str(SAMPLE_DIR / "students.csv")])
    assert result.exit_code == 2


def test_internal_error_exits_1_without_traceback(tmp_path, monkeypatch):
    import optimizer.solve

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(optimizer.solve, "solve", broken)
    result = CliRunner().invoke(main, ["plan", "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "internal error: RuntimeError: boom" in result.output
    assert "Traceback" not in result.output


def test_every_command_has_help_and_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    for name, command in main.commands.items():
        assert command.help, name
        assert f"caseload {name}" in readme, name


def test_python_cli_py_runs(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "cli.py"), "--help"], capture_output=True, text=True,
                            cwd=tmp_path, check=False)
    assert result.returncode == 0 and "plan" in result.stdout


def test_progress_line_shows_components_and_gap():
    import io

    from models.files.terminal import ProgressLine

    stream = io.StringIO()
    line = ProgressLine(stream)
    line(3, 10, 1000, 990.0)
    line.close()
    assert "3/10 components" in stream.getvalue() and "gap 1.000%" in stream.getvalue()


def test_no_progress_when_output_is_not_a_terminal(sample_plan):
    _, result = sample_plan
    assert "solving:" not in result.output


def test_locked_students_over_a_cap_are_bad_input(tmp_path):
    rows = "".join(f"{i:03d},A,3,SLD,rsp,R1,true\n" for i in range(29))
    students = "student_id,site,grade,primary_disability,services,current_case_manager,locked\n" + rows
    students_path, staff_path = write_district(tmp_path / "in", students, "staff_id,role,credentials,sites\n"
                                                                          "R1,rsp_teacher,MMSN,A\n")
    current = tmp_path / "in" / "services.csv"
    current.write_text("student_id,service,provider\n" + "".join(f"{i:03d},rsp,R1\n" for i in range(29)))
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["plan", "--students", str(students_path), "--staff", str(staff_path),
                                       "--current", str(current), "--out", str(out)])
    assert result.exit_code == 2, result.output
    # the file, row, column and value (it named the table "staff", not the file)
    assert (f"{staff_path}, row 2, column role, value 'rsp_teacher': locked students give R1 29 pupils, over the "
            "cap of 28" in result.output)
    assert not out.exists()


def test_replanning_from_its_own_services_csv_changes_no_provider(sample_plan, tmp_path):
    out, _ = sample_plan
    again = tmp_path / "again"
    result = CliRunner().invoke(main, ["plan", "--current", str(out / "services.csv"), "--out", str(again),
                                       "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert json.loads((again / "summary.json").read_text())["changed_providers"] == 0
    assert read(again / "services.csv")["provider"].tolist() == read(out / "services.csv")["provider"].tolist()


def test_a_district_rules_file_replaces_the_default(tmp_path):
    # the same sample with a local SDC cap of 10 instead of 15: more SDC services go unserved
    text = (ROOT / "data" / "rules" / "california.toml").read_text()
    assert "cap = 15 " in text
    rules = tmp_path / "district.toml"
    rules.write_text(text.replace("cap = 15 ", "cap = 10 "))
    default, local = tmp_path / "default", tmp_path / "local"
    for out, extra in ((default, []), (local, ["--rules", str(rules)])):
        result = CliRunner().invoke(main, ["plan", "--out", str(out), "--workers", "1", *extra])
        assert result.exit_code == 0, result.output
    caps = dict(zip(*read(local / "caseloads.csv")[["staff_id", "cap"]].T.values, strict=True))
    assert (caps["E002"], caps["E004"]) == ("10", "5")  # full time; 0.5 FTE prorated
    assert caps["E003"] == "12"  # a person's own max_caseload replaces the local default
    assert json.loads((local / "summary.json").read_text())["rules"] == str(rules)
    assert (json.loads((local / "summary.json").read_text())["services_unserved"]
            > json.loads((default / "summary.json").read_text())["services_unserved"])


def test_a_plan_run_shows_the_first_warnings_and_counts_the_rest(tmp_path):
    rows = "".join(f"{i:03d},A,3,AUT,rsp:120\n" for i in range(25))  # support level blank: one warning each
    students_path, staff_path = write_district(tmp_path / "in", "student_id,site,grade,primary_disability,services\n"
                                               + rows, STAFF.replace("LINCOLN", "A"))
    result = CliRunner().invoke(main, ["plan", "--students", str(students_path), "--staff", str(staff_path),
                                       "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert result.output.count("warning:") == 20
    assert "... and 5 more warning(s); `caseload check` lists them all" in result.output
    checked = CliRunner().invoke(main, ["check", "--students", str(students_path), "--staff", str(staff_path)])
    assert checked.output.count("warning:") == 25
