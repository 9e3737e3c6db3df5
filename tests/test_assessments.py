"""AB 560 initial assessments: shared equally among the resource specialists serving each site, prorated by FTE."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from cli import SAMPLE_DIR, main
from models.domain.assessments import assessment_spread, counts
from models.domain.plan import Plan, check_plan
from models.domain.problem import Assessment
from models.domain.workload import compute_workloads
from optimizer.assessments import assign_assessments
from tests.factories import district, staff, student


def with_assessments(people, sites: str, students=()):
    """One assessment per character of ``sites`` (e.g. "AAB": two at A, one at B)."""
    problem = district(list(students), people)
    return dataclasses.replace(problem, assessments=tuple(Assessment(f"a{i}", s) for i, s in enumerate(sites)))


def by_id(problem, assessors):
    return {problem.staff[p].staff_id: n for p, n in counts(problem, assessors).items()}


def test_twelve_assessments_at_one_site_with_three_resource_specialists_give_4_4_4():
    problem = with_assessments([staff(f"r{i}", "rsp_teacher", "MMSN") for i in range(3)], "A" * 12)
    assessors = assign_assessments(problem)
    assert by_id(problem, assessors) == {"r0": 4, "r1": 4, "r2": 4}
    spread = assessment_spread(problem, assessors)
    assert (spread.spread, spread.why) == (0.0, "")


def test_a_half_time_resource_specialist_takes_half():
    # 9 assessments, 1.5 FTE: 6 per FTE each -> 6 and 3
    problem = with_assessments([staff("full", "rsp_teacher", "MMSN"), staff("half", "rsp_teacher", "MMSN", fte=0.5)],
                               "A" * 9)
    assert by_id(problem, assign_assessments(problem)) == {"full": 6, "half": 3}


def test_sites_that_only_one_person_serves_make_equal_impossible_and_the_summary_says_why():
    # site A's 6 can go only to ra; rb serves B, which has 1: 6 and 1 (as equal as the sites allow)
    problem = with_assessments([staff("ra", "rsp_teacher", "MMSN", sites="A"),
                                staff("rb", "rsp_teacher", "MMSN", sites="B")], "AAAAAAB")
    assessors = assign_assessments(problem)
    assert by_id(problem, assessors) == {"ra": 6, "rb": 1}
    spread = assessment_spread(problem, assessors)
    assert spread.spread == 5
    assert spread.why == ("the 6 assessments at site(s) A can go only to ra (1 FTE): "
                          "no other resource specialist serves those sites")


def test_shared_sites_take_the_overflow():
    # ra serves A only (4 there); rb serves A and B (2 at B): 3 and 3
    problem = with_assessments([staff("ra", "rsp_teacher", "MMSN", sites="A"),
                                staff("rb", "rsp_teacher", "MMSN", sites="A;B")], "AAAABB")
    assert by_id(problem, assign_assessments(problem)) == {"ra": 3, "rb": 3}


def test_whole_assessments_that_do_not_divide_say_so():
    problem = with_assessments([staff(f"r{i}", "rsp_teacher", "MMSN") for i in range(3)], "A" * 10)
    assessors = assign_assessments(problem)
    assert sorted(by_id(problem, assessors).values()) == [3, 3, 4]
    assert "10 assessments do not divide exactly among 3 resource specialists" in assessment_spread(
        problem, assessors).why


def test_only_available_resource_specialists_serving_the_site_take_assessments():
    people = [staff("rsp", "rsp_teacher", "MMSN"), staff("away", "rsp_teacher", "MMSN", available=False),
              staff("slp", "slp", "SLP"), staff("far", "rsp_teacher", "MMSN", sites="B")]
    problem = with_assessments(people, "AAC")
    assessors = assign_assessments(problem)
    assert [None if p is None else problem.staff[p].staff_id for p in assessors] == ["rsp", "rsp", None]
    plan = Plan((), (), assessors)
    report = check_plan(problem, plan)
    assert report.ok, report.violations
    assert report.kpis.assessments.as_dict()["unassigned"] == 1
    # the spread counts every available resource specialist: rsp 2, far 0
    assert report.kpis.assessments.as_dict()["spread"] == 2


def test_the_checker_catches_an_assessor_who_does_not_serve_the_site():
    problem = with_assessments([staff("ra", "rsp_teacher", "MMSN", sites="A"),
                                staff("rb", "rsp_teacher", "MMSN", sites="B")], "A")
    report = check_plan(problem, Plan((), (), (1,)))
    assert tuple(map(str, report.violations)) == (
        "rb may not take initial assessment a0 at site A (an available resource specialist serving the site may)",)


def test_assessment_minutes_count_in_workload():
    # rsp 120 minutes in groups of 4: 30 / 0.75 = 40; two assessments at 120 minutes each
    problem = with_assessments([staff("rsp", "rsp_teacher", "MMSN")], "AA", [student("s1", "rsp:120")])
    plan = Plan((0,), (None,), assign_assessments(problem))
    assert compute_workloads(problem, plan).minutes == (40 + 2 * 120,)


# -- through the command line ---------------------------------------------------------


def test_plan_writes_assessments_csv_and_the_spread(tmp_path):
    assessments = tmp_path / "assessments.csv"
    assessments.write_text("assessment_id,site,student_id,due_date\nA1,S0001,,2026-12-01\nA2,S0003,N7,\n"
                           "A3,NOWHERE,,\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["plan", "--students", str(SAMPLE_DIR / "students.csv"), "--staff",
                                       str(SAMPLE_DIR / "staff.csv"), "--assessments", str(assessments),
                                       "--out", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "assessments.csv", dtype=str, keep_default_na=False)
    assert list(table.columns)[:6] == ["assessment_id", "site", "assessor", "assessor_name", "status", "reason"]
    assert list(table["status"]) == ["assigned", "assigned", "unassigned"]
    assert table["reason"][2] == "no available resource specialist serves site NOWHERE"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["assessments"]["assigned"] == 2 and summary["hard_rule_violations"] == []
    assert "column site, value 'NOWHERE'" in result.output  # a site nobody has: warned


def _bad(tmp_path: Path, text: str):
    """The error `plan` gives, nothing written; `check` gives the same error."""
    path = tmp_path / "assessments.csv"
    path.write_text(text)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["plan", "--assessments", str(path), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert not out.exists()
    checked = CliRunner().invoke(main, ["check", "--students", str(SAMPLE_DIR / "students.csv"), "--staff",
                                        str(SAMPLE_DIR / "staff.csv"), "--assessments", str(path)])
    assert checked.exit_code == 2 and checked.output.splitlines()[-1] == result.output.splitlines()[-1]
    return result.output


def test_check_reads_the_assessments_file_as_plan_does(tmp_path):
    path = tmp_path / "assessments.csv"
    path.write_text("assessment_id,site\nA1,S0001\nA2,NOWHERE\n")
    result = CliRunner().invoke(main, ["check", "--students", str(SAMPLE_DIR / "students.csv"), "--staff",
                                       str(SAMPLE_DIR / "staff.csv"), "--assessments", str(path)])
    assert result.exit_code == 0, result.output
    assert "row 3, column site, value 'NOWHERE': no student or staff member has this site" in result.output
    assert "2 pending assessment(s)" in result.output.splitlines()[-1]


def test_a_bad_assessments_file_is_bad_input_naming_file_row_column_value(tmp_path):
    output = _bad(tmp_path, "assessment_id,site,due_date\nA1,S0001,2026-13-45\n")
    assert "assessments.csv, row 2, column due_date, value '2026-13-45': not a date" in output
    output = _bad(tmp_path, "assessment_id,site\nA1,S0001\nA1,S0002\n")
    assert "row 3, column assessment_id, value 'A1': assessment id A1 appears twice" in output
    output = _bad(tmp_path, "assessment_id\nA1\n")
    assert "site" in output


# -- what-if scenarios ----------------------------------------------------------------------------


def _loaded(tmp_path, text):
    from models.workflows.scenarios import load_scenario

    base = with_assessments([staff("ra", "rsp_teacher", "MMSN"), staff("rb", "rsp_teacher", "MMSN")], "AA")
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    loaded, warnings = load_scenario(path, base)
    return base, loaded, warnings


def _scenario(tmp_path, text):
    from models.workflows.scenarios import apply_scenario

    base, loaded, _ = _loaded(tmp_path, text)
    return apply_scenario(base, loaded)


def test_a_scenario_adds_and_removes_assessments(tmp_path):
    after = _scenario(tmp_path, 'remove_assessments = ["a0"]\n\n[[add_assessments]]\nassessment_id = "n1"\n'
                                'site = "A"\ndue_date = "2026-12-01"\n')
    assert [(a.assessment_id, a.due_date) for a in after.assessments] == [("a1", None), ("n1", "2026-12-01")]
    assert sorted(by_id(after, assign_assessments(after)).values()) == [1, 1]


def test_a_scenario_naming_an_unknown_assessment_is_bad_input(tmp_path):
    import pytest

    from models.domain.issues import InputError

    with pytest.raises(InputError) as err:
        _scenario(tmp_path, 'remove_assessments = ["zz"]\n')
    assert "line 1, column remove_assessments, value 'zz': unknown assessment id zz" in str(err.value)
    with pytest.raises(InputError) as err:
        _scenario(tmp_path, '[[add_assessments]]\nassessment_id = "a0"\nsite = "A"\n')
    assert "needs a new assessment_id" in str(err.value)


def test_an_added_assessment_at_a_site_nobody_has_is_warned_of_as_in_the_assessments_file(tmp_path):
    _, _, warnings = _loaded(tmp_path, '[[add_assessments]]\nassessment_id = "n1"\nsite = "a"\n')
    assert [str(w) for w in warnings] == [
        "warning: " + str(tmp_path / "s.toml") + ", line 3, column site, value 'a': no student or staff member has "
        "this site; nobody can take this assessment; did you mean 'A'?"]
    # a site the scenario itself opens is known
    _, _, warnings = _loaded(tmp_path, '[[add_staff]]\nstaff_id = "rc"\nrole = "rsp_teacher"\ncredentials = "MMSN"\n'
                                       'sites = "B"\n\n[[add_students]]\nstudent_id = "n"\nsite = "B"\ngrade = "3"\n'
                                       'primary_disability = "SLD"\nsupport_level = "mild_moderate"\nservices = "rsp"\n'
                                       '\n[[add_assessments]]\nassessment_id = "n1"\nsite = "B"\n')
    assert warnings == []  # nor the hire's site: a pupil the scenario adds attends it


def test_the_sample_assessments_file_is_not_stale_and_the_sample_has_minutes(tmp_path):
    from models.synthetic.sample_district import write_sample_assessments

    write_sample_assessments(tmp_path)
    assert (SAMPLE_DIR / "assessments.csv").read_bytes() == (tmp_path / "assessments.csv").read_bytes(), (
        "data/sample/assessments.csv is stale: run python -m models.synthetic.generator --sample --out data/sample")
    students = pd.read_csv(SAMPLE_DIR / "students.csv", dtype=str, keep_default_na=False)
    assert all(":" in item for cell in students["services"] for item in cell.split(";"))
