"""Issue 8, wrong inputs: each case a tiny input that used to make a wrong plan or a false sentence."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from models.domain.issues import InputError
from models.domain.rules import DEFAULT_RULES_PATH, RulesError, load_rules
from models.domain.sites import near_match
from models.files.loaders import load_problem
from tests.factories import invoke, write_tables

STUDENTS = (
    "student_id,site,grade,primary_disability,support_level,services,current_case_manager,locked\n"
    "00123,LINCOLN,3,290,,rsp:240;speech:60,T1,\n"
    "S2,LINCOLN,1,AUT,extensive,sdc,,\n"
)
STAFF = (
    "staff_id,name,role,credentials,sites,fte,max_caseload\n"
    "T1,Ana Teacher,rsp_teacher,R3MN,LINCOLN,1,\n"
    "T2,Sam Speech,slp,SLP,LINCOLN,0.5,\n"
    "T3,Dee Day,sdc_teacher,ESN;MMSN,LINCOLN,,\n"
)
NAMES = ("Ana Teacher", "Sam Speech", "Dee Day")


def files(tmp_path: Path, students: str = STUDENTS, staff: str = STAFF) -> tuple[Path, Path]:
    return write_tables(tmp_path, students, staff)


run = invoke


def rules_text(edit: tuple[str, str] | None = None, top: str = "") -> str:
    text = DEFAULT_RULES_PATH.read_text(encoding="utf-8")
    if edit is not None:
        assert edit[0] in text
        text = text.replace(edit[0], edit[1], 1)
    return top + text


# --- item 2: the rules file -------------------------------------------------------------------------------------


def test_misspelled_cap_key_is_bad_input_with_did_you_mean(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text(rules_text(("cap = 28 ", "cpa = 28 ")), encoding="utf-8")
    with pytest.raises(RulesError) as raised:
        load_rules(path)
    message = str(raised.value)
    assert "[roles.rsp_teacher]" in message and "'cpa'" in message and "did you mean 'cap'" in message
    s, t = files(tmp_path)
    result = run("check", "--students", s, "--staff", t, "--rules", path)
    assert result.exit_code == 2 and "did you mean 'cap'" in result.output


def test_unknown_top_level_table_is_bad_input(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text(rules_text(("[weights]", "[weigths]")), encoding="utf-8")
    with pytest.raises(RulesError, match="did you mean 'weights'"):
        load_rules(path)


@pytest.mark.parametrize(("edit", "fragment"), [
    (("cap = 28 ", "cap = 40 "), "cap = 40 is above the statute's 28"),
    (("waiver_cap = 32", "waiver_cap = 35"), "waiver_cap = 35 is above the statute's 32"),
    (("average_cap = 55", "average_cap = 60"), "average_cap = 60 is above the statute's 55"),
    (("preschool_cap = 40", "preschool_cap = 41"), "preschool_cap = 41 is above the statute's 40"),
    (("average_cap = 55 ", "# no average "), "has no average_cap"),
])
def test_caps_above_the_statute_need_the_override(tmp_path, edit, fragment):
    path = tmp_path / "rules.toml"
    path.write_text(rules_text(edit), encoding="utf-8")
    with pytest.raises(RulesError, match=fragment):
        load_rules(path)
    path.write_text(rules_text(edit, top="override_statutory_caps = true\n"), encoding="utf-8")
    assert any(fragment in finding for finding in load_rules(path).statute_overrides)


def test_every_output_of_an_override_run_says_so(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text(rules_text(("cap = 28 ", "cap = 40 "), top="override_statutory_caps = true\n"), encoding="utf-8")
    s, t = files(tmp_path)
    result = run("plan", "--students", s, "--staff", t, "--rules", path, "--out", tmp_path / "plan",
                 "--time-limit", 5, "--workers", 1)
    assert result.exit_code == 0, result.output
    assert "WARNING: the rules file overrides the law" in result.output
    summary = json.loads((tmp_path / "plan" / "summary.json").read_text())
    assert summary["statute_overrides"] and "above the statute's 28" in summary["statute_overrides"][0]
    assert "overrides the law" in (tmp_path / "plan" / "report.html").read_text(encoding="utf-8")
    from openpyxl import load_workbook
    cells = [str(c.value) for row in load_workbook(tmp_path / "plan" / "plan.xlsx")["Summary"].iter_rows()
             for c in row if c.value is not None]
    assert any("overrides the law" in c for c in cells)
    plain = run("plan", "--students", s, "--staff", t, "--out", tmp_path / "plain", "--time-limit", 5, "--workers", 1)
    assert json.loads((tmp_path / "plain" / "summary.json").read_text())["statute_overrides"] == []
    assert "overrides the law" not in plain.output


# --- item 5: credential data --------------------------------------------------------------------------------------


def test_credential_data_from_the_ctc_tables():
    rules = load_rules()
    assert rules.credential("AAAS") == "AA_ASD" and rules.credential("R3BC") == "ECSE"
    assert rules.credentials["MS"].support_levels == {"mild_moderate", "extensive"}
    assert "TK" in rules.credentials["MM"].grades and "TK" in rules.credentials["MS"].grades
    assert "SLI" in rules.credentials["MMSN"].categories
    assert {"OHI", "TBI"} <= rules.credentials["ECSE"].categories
    for code in ("MMSN", "MS", "MM", "ECSE", "AA_ASD"):
        assert rules.credentials[code].source, code  # the source is data, not a comment


def test_emd_at_a_school_grade_is_a_warning(tmp_path):
    s, t = files(tmp_path, STUDENTS.replace("S2,LINCOLN,1,AUT,extensive,sdc", "S2,LINCOLN,4,EMD,,sdc"))
    _, warnings = load_problem(s, t, load_rules())
    assert any(w.row == 3 and w.column == "primary_disability" and "EMD" in w.message for w in warnings)


def test_legacy_moderate_severe_instructs_mild_moderate_autism_in_tk(tmp_path):
    from models.domain.eligibility import authorized_to_instruct

    students = STUDENTS.replace("S2,LINCOLN,1,AUT,extensive,sdc", "S2,LINCOLN,TK,AUT,mild_moderate,sdc")
    s, t = files(tmp_path, students, STAFF.replace("ESN;MMSN", "R3MS"))
    problem, _ = load_problem(s, t, load_rules())
    assert authorized_to_instruct(problem.rules, problem.staff[2], problem.students[1])


# --- item 3: ids ----------------------------------------------------------------------------------------------------


def test_current_case_manager_matched_ignoring_case_and_spaces(tmp_path):
    s, t = files(tmp_path, STUDENTS.replace(",T1,\n", ", t1 ,\n"))
    problem, warnings = load_problem(s, t, load_rules())
    assert problem.students[0].current_case_manager == "T1"
    assert any("matched to staff id T1" in w.message for w in warnings)
    assert not any("no longer on staff" in w.message for w in warnings)


def test_current_plan_provider_matched_ignoring_case(tmp_path):
    s, t = files(tmp_path)
    current = tmp_path / "services.csv"
    current.write_text("student_id,service,provider\n00123,rsp,t1\n", encoding="utf-8")
    problem, warnings = load_problem(s, t, load_rules(), current=current)
    assert problem.current_providers[("00123", "rsp")] == "T1"
    assert any(w.column == "provider" and "matched" in w.message for w in warnings)


def test_another_districts_plan_as_the_current_plan_is_bad_input(tmp_path):
    """A plan naming none of this district's staff (or students) used to be read row by row: every case
    manager and provider unseated with a warning each, locked students locked to people not on staff."""
    s, t = files(tmp_path)
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "services.csv").write_text("student_id,service,provider\n00123,rsp,X1\nS2,sdc,X2\n", encoding="utf-8")
    (folder / "assignments.csv").write_text("student_id,case_manager\n00123,X1\n", encoding="utf-8")
    result = run("rebalance", "--students", s, "--staff", t, "--current", folder, "--out", tmp_path / "out")
    assert result.exit_code == 2 and not (tmp_path / "out").exists()
    for name in ("services.csv", "assignments.csv"):
        assert (f"{folder / name}: none of the 2 staff member ids it names" in result.output
                or f"{folder / name}: none of the 1 staff member ids it names" in result.output), name
    # its students are not this district's either
    (folder / "services.csv").write_text("student_id,service,provider\nZ9,rsp,T1\n", encoding="utf-8")
    (folder / "assignments.csv").write_text("student_id,case_manager\nZ9,T1\n", encoding="utf-8")
    result = run("check", "--students", s, "--staff", t, "--current", folder)
    assert result.exit_code == 2 and "none of the 1 student ids it names (Z9, ...)" in result.output
    # one person of the plan still on staff: an earlier plan of this district, read as it is
    (folder / "services.csv").write_text("student_id,service,provider\n00123,rsp,T1\nS2,sdc,X2\n", encoding="utf-8")
    (folder / "assignments.csv").write_text("student_id,case_manager\n00123,X1\n", encoding="utf-8")
    assert run("check", "--students", s, "--staff", t, "--current", folder / "services.csv").exit_code == 0


def test_a_plans_workbook_as_the_current_plan_gives_its_case_managers_as_its_folder_does(tmp_path):
    """plan.xlsx given as --current used to give its providers (Services sheet) and drop its case managers
    (Students sheet) unsaid; it now reads both, as the plan's folder does."""
    s, t = files(tmp_path, STUDENTS.replace(",T1,\n", ",,\n"))  # the students file names no case manager
    out = tmp_path / "plan"
    assert run("plan", "--students", s, "--staff", t, "--out", out, "--workers", 1).exit_code == 0
    by_folder, _ = load_problem(s, t, load_rules(), current=out)
    by_book, warnings = load_problem(s, t, load_rules(), current=out / "plan.xlsx")
    managers = [x.current_case_manager for x in by_folder.students]
    assert all(managers) and [x.current_case_manager for x in by_book.students] == managers
    assert by_book.current_providers == by_folder.current_providers
    assert not [w for w in warnings if "sheet" in w.message]  # the sheets are the plan's own: nothing guessed
    by_csv, _ = load_problem(s, t, load_rules(), current=out / "services.csv")  # providers only, as documented
    assert not any(x.current_case_manager for x in by_csv.students)


def test_numeric_ids_in_a_workbook_are_text_with_a_warning(tmp_path):
    s, t = files(tmp_path)
    book = tmp_path / "students.xlsx"
    frame = pd.read_csv(s, dtype=str, keep_default_na=False)
    frame["student_id"] = [123, 456]  # Excel dropped the leading zeros
    frame.to_excel(book, index=False)
    problem, warnings = load_problem(book, t, load_rules())
    assert [x.student_id for x in problem.students] == ["123", "456"]
    assert any(w.column == "student_id" and "leading zeros" in w.message for w in warnings)


# --- item 4: headers and file shapes ---------------------------------------------------------------------------------


def test_headers_with_spaces_hyphens_and_case(tmp_path):
    students = STUDENTS.replace("student_id,site,grade,primary_disability", "Student ID,SITE,Grade,Primary-Disability")
    s, t = files(tmp_path, students)
    problem, _ = load_problem(s, t, load_rules())
    assert [x.student_id for x in problem.students] == ["00123", "S2"]


def test_a_misspelt_optional_column_is_said_first_with_the_column_it_likely_means(tmp_path):
    """A misspelt current_case_manager header used to drop every current case manager unsaid (the plan then
    moved students it would have kept)."""
    students = STUDENTS.replace("current_case_manager", "Current Casemanager").replace("support_level", "notes")
    staff = STAFF.replace("max_caseload", "max_caseloads")
    s, t = files(tmp_path, students, staff)
    problem, warnings = load_problem(s, t, load_rules())
    assert problem.students[0].current_case_manager is None  # not guessed: said
    said = [str(w) for w in warnings[:3]]
    assert said == [
        f"warning: {s}, column current_casemanager: not a column the planner reads, so its values are not used; "
        "did you mean 'current_case_manager'?",
        f"warning: {s}: 1 column(s) the planner does not read (their values are not used): notes",
        f"warning: {t}, column max_caseloads: not a column the planner reads, so its values are not used; "
        "did you mean 'max_caseload'?"]
    # plan shows them among its first lines, check lists them; the contract's own columns draw no such warning
    output = run("plan", "--students", s, "--staff", t, "--out", tmp_path / "plan", "--workers", "1").output
    assert "did you mean 'current_case_manager'?" in output
    (tmp_path / "clean").mkdir()
    _, clean = load_problem(*files(tmp_path / "clean"), load_rules())
    assert not [w for w in clean if "planner does not read" in w.message or "planner reads" in w.message]


def test_missing_column_lists_the_columns_and_sheet_found(tmp_path):
    s, t = files(tmp_path)
    book = tmp_path / "students.xlsx"
    pd.read_csv(s, dtype=str, keep_default_na=False).drop(columns=["grade"]).to_excel(book, index=False,
                                                                                   sheet_name="Roster")
    with pytest.raises(InputError) as raised:
        load_problem(book, t, load_rules())
    (error,) = [i for i in raised.value.issues if i.severity == "error"]
    assert "missing required column grade" in error.message
    assert "sheet 'Roster'" in error.message and "student_id, site" in error.message


@pytest.mark.parametrize(("delimiter", "word"), [(";", "semicolon"), ("\t", "tab")])
def test_semicolon_and_tab_delimited_csv(tmp_path, delimiter, word):
    text = STUDENTS.replace(",", delimiter).replace("rsp:240;speech:60", '"rsp:240;speech:60"')
    s, t = files(tmp_path, text)
    problem, warnings = load_problem(s, t, load_rules())
    assert [x.service_codes for x in problem.students] == [("rsp", "speech"), ("sdc",)]
    assert any(f"{word}-delimited" in w.message for w in warnings)


def test_title_row_above_the_header_is_found(tmp_path):
    s, t = files(tmp_path)
    book = tmp_path / "students.xlsx"
    frame = pd.read_csv(s, dtype=str, keep_default_na=False)
    with pd.ExcelWriter(book) as writer:
        pd.DataFrame([["Lincoln USD special education roster 2026"]]).to_excel(writer, index=False, header=False)
        frame.to_excel(writer, index=False, startrow=2)
    problem, warnings = load_problem(book, t, load_rules())
    assert len(problem.students) == 2 and problem.students[0].row == 4  # the spreadsheet's own row number
    assert any("the header is row 3" in w.message for w in warnings)


def test_sheet_chosen_by_position_is_named(tmp_path):
    s, t = files(tmp_path)
    book = tmp_path / "students.xlsx"
    with pd.ExcelWriter(book) as writer:
        pd.read_csv(s, dtype=str, keep_default_na=False).to_excel(writer, index=False, sheet_name="Roster")
        pd.DataFrame({"x": [1]}).to_excel(writer, index=False, sheet_name="Notes")
    _, warnings = load_problem(book, t, load_rules())
    assert any("no sheet is named students" in w.message and "'Roster'" in w.message for w in warnings)


def test_one_workbook_with_unnamed_sheets_is_read_by_the_sheet_with_each_tables_columns(tmp_path):
    """Sheets left as Sheet1 and Sheet2: the staff used to be read from the first sheet (the students) and
    rejected for missing columns; now each table is read from the first sheet with its columns, and said."""
    s, t = files(tmp_path)
    book = tmp_path / "district.xlsx"
    with pd.ExcelWriter(book) as writer:
        pd.DataFrame({"note": ["exported 2026-09-01"]}).to_excel(writer, index=False, sheet_name="Sheet1")
        pd.read_csv(s, dtype=str, keep_default_na=False).to_excel(writer, index=False, sheet_name="Sheet2")
        pd.read_csv(t, dtype=str, keep_default_na=False).to_excel(writer, index=False, sheet_name="Sheet3")
    problem, warnings = load_problem(book, book, load_rules())
    assert [x.student_id for x in problem.students] == ["00123", "S2"] and len(problem.staff) == 3
    said = [w.message for w in warnings if "no sheet is named" in w.message]
    assert said == ["no sheet is named students; read sheet 'Sheet2', the first with the columns student_id, site, "
                    "grade, primary_disability, services",
                    "no sheet is named staff; read sheet 'Sheet3', the first with the columns staff_id, role, sites"]
    # the names come from the same sheets (output files only)
    assert run("plan", "--students", book, "--staff", book, "--out", tmp_path / "plan", "--workers", "1").exit_code == 0
    staff = pd.read_csv(tmp_path / "plan" / "caseloads.csv", dtype=str, keep_default_na=False)
    assert set(staff["name"]) == set(NAMES)


def test_lists_written_with_commas_are_bad_input_that_says_how_to_write_them(tmp_path):
    """'LINCOLN, WASHINGTON' in sites used to be read as one site nobody attends (a warning, and a therapist
    who served no one); credentials and services said 'unknown' without the fix."""
    students = STUDENTS.replace("S2,LINCOLN,1,AUT,extensive,sdc", "S2,WASHINGTON,1,AUT,extensive,sdc")
    staff = STAFF.replace("T2,Sam Speech,slp,SLP,LINCOLN", 'T2,Sam Speech,slp,SLP,"LINCOLN, WASHINGTON"')
    staff = staff.replace("T3,Dee Day,sdc_teacher,ESN;MMSN,LINCOLN", 'T3,Dee Day,sdc_teacher,"ESN, MMSN",WASHINGTON')
    students = students.replace("rsp:240;speech:60", '"rsp:240, speech:60"')
    with pytest.raises(InputError) as err:
        load_problem(*files(tmp_path, students, staff), load_rules())
    said = {(i.row, i.column): i.message for i in err.value.issues if i.severity == "error"}
    assert said == {
        (2, "services"): "services are separated by ';', not ',': write rsp:240;speech:60",
        (4, "credentials"): "unknown credential 'ESN, MMSN'; credentials are separated by ';', not ',': write "
                            "ESN;MMSN",
    }
    # sites are checked against the students once both tables read cleanly
    staff = staff.replace('"ESN, MMSN"', "ESN;MMSN")
    students = students.replace('"rsp:240, speech:60"', "rsp:240;speech:60")
    with pytest.raises(InputError) as err:
        load_problem(*files(tmp_path, students, staff), load_rules())
    said = {(i.row, i.column): i.message for i in err.value.issues if i.severity == "error"}
    assert said == {(3, "sites"): "sites are separated by ';', not ',': write LINCOLN;WASHINGTON"}
    # a site whose own name holds a comma is not taken for a list
    odd = STUDENTS.replace("S2,LINCOLN", '"S2","LINCOLN, EAST"')
    east = STAFF.replace("T3,Dee Day,sdc_teacher,ESN;MMSN,LINCOLN", 'T3,Dee Day,sdc_teacher,ESN;MMSN,"LINCOLN, EAST"')
    problem, _ = load_problem(*files(tmp_path, odd, east), load_rules())
    assert problem.students[1].site == "LINCOLN, EAST"


def test_calpads_service_codes_and_category_names(tmp_path):
    students = STUDENTS.replace("00123,LINCOLN,3,290,,rsp:240;speech:60", "00123,LINCOLN,3,Specific Learning "
                                "Disability,,rsp:240;415:60").replace("S2,LINCOLN,1,AUT", "S2,LINCOLN,1,Autism")
    s, t = files(tmp_path, students)
    problem, _ = load_problem(s, t, load_rules())
    assert problem.students[0].service_codes == ("rsp", "speech") and problem.students[0].primary == "SLD"
    assert problem.students[1].primary == "AUT"


def test_calpads_330_needs_the_setting(tmp_path):
    s, t = files(tmp_path, STUDENTS.replace("extensive,sdc", "extensive,330"))
    with pytest.raises(InputError, match="330 .* is sdc or rsp depending on the setting"):
        load_problem(s, t, load_rules())
    with_setting = STUDENTS.replace("locked\n", "locked,setting\n").replace("extensive,sdc,,", "extensive,330,,,SDC")
    s, t = files(tmp_path, with_setting)
    problem, _ = load_problem(s, t, load_rules())
    assert problem.students[1].service_codes == ("sdc",)


# --- item 1: sites -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("site", "others", "expected"), [
    ("Maple ES", ["Maple Elementary", "Oak MS"], "Maple Elementary"),
    ("maple  elementary", ["Maple Elementary"], "Maple Elementary"),
    ("Lincon", ["LINCOLN", "WASHINGTON"], "LINCOLN"),
    ("Oak MS", ["Maple Elementary"], None),
])
def test_near_match_of_sites(site, others, expected):
    assert near_match(site, others) == expected


def test_check_warns_about_sites_nobody_serves_with_the_near_match(tmp_path):
    s, t = files(tmp_path, STUDENTS.replace("S2,LINCOLN", "S2,Lincon"))
    result = run("check", "--students", s, "--staff", t)
    assert result.exit_code == 0, result.output
    assert "no staff member serves site 'Lincon'" in result.output and "did you mean 'LINCOLN'" in result.output
    s, t = files(tmp_path, staff=STAFF.replace("T3,Dee Day,sdc_teacher,ESN;MMSN,LINCOLN", "T3,Dee Day,sdc_teacher,"
                                                                                     "ESN;MMSN,LINCOLN;MAPLE"))
    result = run("check", "--students", s, "--staff", t)
    assert "no student attends site 'MAPLE', served by T3" in result.output


# --- item 14: check finds what plan rejects before solving -------------------------------------------------------


def test_check_finds_a_lock_to_a_person_whose_cap_is_0(tmp_path):
    students = STUDENTS.replace(",T1,\n", ",T1,true\n")
    current = tmp_path / "services.csv"
    current.write_text("student_id,service,provider\n00123,rsp,T1\n", encoding="utf-8")
    s, t = files(tmp_path, students, STAFF.replace("R3MN,LINCOLN,1,", "R3MN,LINCOLN,1,0"))
    planned = run("plan", "--students", s, "--staff", t, "--current", current, "--out", tmp_path / "p",
                  "--time-limit", 5, "--workers", 1)
    assert planned.exit_code == 2, planned.output
    assert "column max_caseload, value '0'" in planned.output  # the cell, not the id
    # check has no --current: the same lock shows once the current providers are in the plan folder
    problem, _ = load_problem(s, t, load_rules(), current=current)
    from optimizer.solve import planning_candidates
    with pytest.raises(InputError):
        planning_candidates(problem)


def test_check_runs_the_same_pre_solve_checks_as_plan(tmp_path):
    locked = STUDENTS.replace(",T1,\n", ",T1,true\n")
    s, t = files(tmp_path, locked, STAFF.replace("R3MN,LINCOLN,1,", "R3MN,LINCOLN,1,0"))
    # locked to T1 as case manager only: no current provider, so nothing forced over a cap; check agrees with plan
    checked = run("check", "--students", s, "--staff", t)
    planned = run("plan", "--students", s, "--staff", t, "--out", tmp_path / "p", "--time-limit", 5, "--workers", 1)
    assert (checked.exit_code == 2) == (planned.exit_code == 2), (checked.output, planned.output)


# --- item 15: column mix-ups never print names; a trailing field never shifts columns ------------------------------


def test_swapped_name_and_role_headers_print_no_name(tmp_path):
    staff = STAFF.replace("staff_id,name,role", "staff_id,role,name")
    s, t = files(tmp_path, staff=staff)
    result = run("check", "--students", s, "--staff", t)
    assert result.exit_code == 2
    assert "look swapped" in result.output
    for name in NAMES:
        assert name not in result.output


def test_a_row_with_a_trailing_comma_does_not_shift_columns(tmp_path):
    students = STUDENTS.replace("S2,LINCOLN,1,AUT,extensive,sdc,,\n", "S2,LINCOLN,1,AUT,extensive,sdc,,,\n")
    s, t = files(tmp_path, students)
    problem, _ = load_problem(s, t, load_rules())
    assert [x.student_id for x in problem.students] == ["00123", "S2"]
    shifted = STUDENTS.replace("S2,LINCOLN,1,AUT,extensive,sdc,,\n", "S2,LINCOLN,1,AUT,extensive,sdc,,,extra\n")
    s, t = files(tmp_path, shifted)
    with pytest.raises(InputError, match="the row has 9 fields but the header names 8 columns"):
        load_problem(s, t, load_rules())


def test_a_current_plan_with_a_trailing_comma_is_read(tmp_path):
    s, t = files(tmp_path)
    current = tmp_path / "services.csv"
    current.write_text("student_id,service,provider\n00123,rsp,T1,\n", encoding="utf-8")
    problem, _ = load_problem(s, t, load_rules(), current=current)
    assert problem.current_providers == {("00123", "rsp"): "T1"}


def test_staffing_says_when_a_hire_is_for_a_site_nobody_serves(tmp_path):
    students = STUDENTS.replace("S2,LINCOLN,1,AUT", "S2,Lincon,1,AUT")
    s, t = files(tmp_path, students)
    result = run("staffing", "--students", s, "--staff", t, "--out", tmp_path / "hires", "--time-limit", 5,
                 "--workers", 1)
    assert result.exit_code == 0, result.output
    assert "no staff member serves site 'Lincon' today" in result.output and "did you mean 'LINCOLN'" in result.output


def test_a_scenario_hire_at_a_misspelled_site_is_a_warning(tmp_path):
    from models.workflows.scenarios import load_scenario

    s, t = files(tmp_path)
    problem, _ = load_problem(s, t, load_rules())
    scenario = tmp_path / "hire.toml"
    scenario.write_text('[[add_staff]]\nstaff_id = "N1"\nrole = "slp"\ncredentials = "SLP"\nsites = "Lincon"\n',
                        encoding="utf-8")
    _, warnings = load_scenario(scenario, problem)
    assert any("no student attends site 'Lincon'" in w.message and "did you mean 'LINCOLN'" in w.message
               for w in warnings)


def test_check_with_current_finds_a_lock_over_a_cap_of_0(tmp_path):
    students = STUDENTS.replace(",T1,\n", ",T1,true\n")
    current = tmp_path / "services.csv"
    current.write_text("student_id,service,provider\n00123,rsp,T1\n", encoding="utf-8")
    s, t = files(tmp_path, students, STAFF.replace("R3MN,LINCOLN,1,", "R3MN,LINCOLN,1,0"))
    checked = run("check", "--students", s, "--staff", t, "--current", current)
    assert checked.exit_code == 2 and "over the cap of 0" in checked.output, checked.output
    assert f"{t}, row 2, column max_caseload, value '0': locked students give T1" in checked.output


def test_repeated_errors_are_summarised(tmp_path):
    rows = "".join(f"X{i},LINCOLN,3,XYZ,,rsp,,\n" for i in range(500))
    s, t = files(tmp_path, STUDENTS + rows)
    result = run("check", "--students", s, "--staff", t)
    assert result.exit_code == 2
    assert "500 problem(s)" in result.output and "... and 497 more row(s)" in result.output
    assert result.output.count("unknown disability category") == 4
