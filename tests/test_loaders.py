"""Loading the district's tables: every problem reported with file, row, column and value."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from models.domain.issues import InputError, Issue
from models.domain.problem import ServiceNeed
from models.domain.rules import Rules, load_rules
from models.files.loaders import load_problem, parse_bool, parse_list, read_table

Rows = list[dict[str, str]]
Edit = Callable[[Rows], None]

STUDENTS: Rows = [
    {"student_id": "00123", "site": "LINCOLN", "grade": "KN", "primary_disability": "290",
     "secondary_disability": "", "support_level": "", "services": "rsp:240;speech:60",
     "alternate_placement": "", "current_case_manager": "T1", "locked": ""},
    {"student_id": "S2", "site": "LINCOLN", "grade": "01", "primary_disability": "AUT",
     "secondary_disability": "", "support_level": "extensive", "services": "sdc",
     "alternate_placement": "no", "current_case_manager": "", "locked": "n"},
]
STAFF: Rows = [
    {"staff_id": "T1", "name": "Ana Teacher", "role": "rsp_teacher", "credentials": "R3MN", "sites": "LINCOLN",
     "fte": "1", "max_caseload": "", "rsp_waiver": "", "preschool_only": "", "can_case_manage": "", "available": ""},
    {"staff_id": "T2", "name": "Sam Speech", "role": "slp", "credentials": "SLP", "sites": "*",
     "fte": "0.5", "max_caseload": "", "rsp_waiver": "", "preschool_only": "", "can_case_manage": "", "available": ""},
    {"staff_id": "T3", "name": "Dee Day", "role": "sdc_teacher", "credentials": "ESN;MMSN", "sites": "LINCOLN",
     "fte": "", "max_caseload": "12", "rsp_waiver": "", "preschool_only": "", "can_case_manage": "no",
     "available": "yes"},
]


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules()


def write_csv(path: Path, rows: Rows, header: list[str] | None = None) -> Path:
    header = header if header is not None else list(rows[0])
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def district(tmp_path: Path, students: Edit | None = None, staff: Edit | None = None) -> tuple[Path, Path]:
    """The good two-file district, with an optional edit of each table."""
    student_rows = [dict(r) for r in STUDENTS]
    staff_rows = [dict(r) for r in STAFF]
    for edit, rows in ((students, student_rows), (staff, staff_rows)):
        if edit is not None:
            edit(rows)
    return write_csv(tmp_path / "students.csv", student_rows), write_csv(tmp_path / "staff.csv", staff_rows)


def cell(index: int, column: str, value: str) -> Edit:
    def edit(rows: Rows) -> None:
        rows[index][column] = value
    return edit


def drop(column: str) -> Edit:
    def edit(rows: Rows) -> None:
        for row in rows:
            del row[column]
    return edit


def issues_of(students: Path, staff: Path, rules: Rules, current: Path | None = None) -> list[Issue]:
    with pytest.raises(InputError) as caught:
        load_problem(students, staff, rules, current)
    return list(caught.value.issues)


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------

# (id, edited file, edit, row, column, value, message fragment)
BAD_INPUTS = [
    ("duplicate student id", "students", cell(1, "student_id", "00123"),
     3, "student_id", "00123", "student id 00123 appears twice, in rows 2 and 3"),
    ("blank student id", "students", cell(1, "student_id", " "), 3, "student_id", " ", "student id is blank"),
    ("duplicate staff id", "staff", cell(2, "staff_id", "T1"), 4, "staff_id", "T1", "appears twice, in rows 2 and 4"),
    ("unknown category", "students", cell(0, "primary_disability", "999"),
     2, "primary_disability", "999", "unknown disability category; use a code or abbreviation such as 290 or SLD"),
    ("unknown secondary", "students", cell(1, "secondary_disability", "XX"),
     3, "secondary_disability", "XX", "unknown disability category"),
    ("bad grade", "students", cell(1, "grade", "13"), 3, "grade", "13", "unknown grade"),
    ("unknown support level", "students", cell(1, "support_level", "severe"),
     3, "support_level", "severe", "unknown support level"),
    ("unknown role", "staff", cell(1, "role", "nurse"), 3, "role", "nurse", "unknown role"),
    ("unknown service", "students", cell(0, "services", "rsp;swimming:30"),
     2, "services", "rsp;swimming:30", "unknown service 'swimming'"),
    ("service twice", "students", cell(0, "services", "rsp;RSP:30"), 2, "services", "rsp;RSP:30", "listed twice"),
    ("bad minutes", "students", cell(0, "services", "rsp:lots"), 2, "services", "rsp:lots", "minutes for rsp"),
    ("negative minutes", "students", cell(0, "services", "speech:-5"), 2, "services", "speech:-5", "whole number"),
    ("empty services", "students", cell(1, "services", " ; "), 3, "services", " ; ", "no services listed"),
    ("unknown credential", "staff", cell(0, "credentials", "R3MN;ZZZ"),
     2, "credentials", "R3MN;ZZZ", "unknown credential 'ZZZ'"),
    ("fte 0", "staff", cell(1, "fte", "0"), 3, "fte", "0", "FTE must be a number from 0.01 to 1"),
    ("fte 1.5", "staff", cell(1, "fte", "1.5"), 3, "fte", "1.5", "FTE must be"),
    ("fte abc", "staff", cell(1, "fte", "abc"), 3, "fte", "abc", "FTE must be"),
    ("bad max caseload", "staff", cell(0, "max_caseload", "2.5"), 2, "max_caseload", "2.5", "whole number"),
    ("no sites", "staff", cell(0, "sites", ""), 2, "sites", "", "no sites listed"),
    ("non-boolean student flag", "students", cell(0, "locked", "maybe"), 2, "locked", "maybe", "not a yes/no value"),
    ("non-boolean staff flag", "staff", cell(2, "available", "maybe"), 4, "available", "maybe", "not a yes/no value"),
    ("missing student column", "students", drop("grade"), None, "grade", None, "missing required column grade"),
    ("missing staff column", "staff", drop("role"), None, "role", None, "missing required column role"),
]


@pytest.mark.parametrize(("which", "edit", "row", "column", "value", "fragment"),
                         [case[1:] for case in BAD_INPUTS], ids=[case[0] for case in BAD_INPUTS])
def test_bad_input_is_reported_with_file_row_column_value(tmp_path, rules, which, edit, row, column, value, fragment):
    students, staff = district(tmp_path, **{which: edit})
    errors = [i for i in issues_of(students, staff, rules) if i.severity == "error"]
    assert len(errors) == 1, errors
    (error,) = errors
    assert error.file == str(students if which == "students" else staff)
    assert (error.row, error.column, error.value) == (row, column, value)
    assert fragment in error.message


def test_every_error_in_both_files_is_reported(tmp_path, rules):
    def break_students(rows: Rows) -> None:
        rows[0].update(grade="14", services="rsp:x")
        rows[1].update(primary_disability="ABC", locked="perhaps")

    students, staff = district(tmp_path, students=break_students, staff=cell(1, "fte", "2"))
    errors = [(i.file, i.row, i.column) for i in issues_of(students, staff, rules) if i.severity == "error"]
    s, t = str(students), str(staff)
    assert sorted(errors) == sorted([
        (s, 2, "grade"), (s, 2, "services"), (s, 3, "primary_disability"), (s, 3, "locked"), (t, 3, "fte"),
    ])


def test_missing_column_does_not_flood_rows_with_errors(tmp_path, rules):
    students, staff = district(tmp_path, students=drop("services"))
    errors = [i for i in issues_of(students, staff, rules) if i.severity == "error"]
    assert [(e.row, e.column) for e in errors] == [(None, "services")]


def test_header_only_file_is_an_error(tmp_path, rules):
    _, staff = district(tmp_path)
    students = write_csv(tmp_path / "empty.csv", [], header=list(STUDENTS[0]))
    (error,) = issues_of(students, staff, rules)
    assert (error.file, error.row) == (str(students), None)
    assert "no data rows" in error.message


@pytest.mark.parametrize(("name", "content", "fragment"), [
    ("zero.csv", b"", "empty"),
    ("latin1.csv", "student_id,site\n1,S\xe9\n".encode("latin-1"), "not UTF-8"),
    ("table.txt", b"student_id\n1\n", "unsupported file type"),
    ("broken.xlsx", b"not a zip", "cannot read"),
])
def test_unreadable_files_raise_input_error(tmp_path, name, content, fragment):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        read_table(path)
    (issue,) = caught.value.issues
    assert issue.severity == "error" and issue.file == str(path) and fragment in issue.message


def test_unreadable_students_file_still_reports_staff_problems(tmp_path, rules):
    _, staff = district(tmp_path, staff=cell(0, "role", "janitor"))
    students = tmp_path / "students.ods"
    students.write_bytes(b"")
    issues = issues_of(students, staff, rules)
    assert {(i.file, i.column) for i in issues} == {(str(students), None), (str(staff), "role")}


# --------------------------------------------------------------------------
# Warnings
# --------------------------------------------------------------------------

# (id, edited file, edit, row, column, message fragment)
WARNINGS = [
    ("defaulted support level for AUT", "students", cell(1, "support_level", ""),
     3, "support_level", "support level not given; assumed mild_moderate, which decides MMSN vs ESN"),
    ("alternate placement on non-low-incidence primary", "students", cell(0, "alternate_placement", "yes"),
     2, "alternate_placement", "SLD is not low incidence"),
    ("current case manager not on staff", "students", cell(0, "current_case_manager", "T99"),
     2, "current_case_manager", "T99 is no longer on staff"),
    ("locked without case manager", "students", cell(1, "locked", "Y"), 3, "locked", "only the current service"),
    ("slp without speech credential", "staff", cell(1, "credentials", "MMSN"), 3, "credentials", "no speech"),
    ("waiver on a role without waiver cap", "staff", cell(1, "rsp_waiver", "true"), 3, "rsp_waiver", "no waiver cap"),
    ("preschool only on a role without preschool cap", "staff", cell(0, "preschool_only", "1"),
     2, "preschool_only", "no preschool cap"),
]


@pytest.mark.parametrize(("which", "edit", "row", "column", "fragment"),
                         [case[1:] for case in WARNINGS], ids=[case[0] for case in WARNINGS])
def test_warnings(tmp_path, rules, which, edit, row, column, fragment):
    students, staff = district(tmp_path, **{which: edit})
    _, warnings = load_problem(students, staff, rules)
    assert len(warnings) == 1, warnings
    (warning,) = warnings
    assert warning.severity == "warning"
    assert warning.file == str(students if which == "students" else staff)
    assert (warning.row, warning.column) == (row, column)
    assert fragment in warning.message


def test_alternate_placement_without_primary_service_cites_r3(tmp_path, rules):
    def alternate(rows: Rows) -> None:
        rows[1].update(primary_disability="HH", secondary_disability="AUT", alternate_placement="TRUE")

    problem, warnings = load_problem(*district(tmp_path, students=alternate), rules)
    (warning,) = warnings
    assert (warning.row, warning.column, warning.value) == (3, "services", "sdc")
    assert "R3" in warning.message and "dhh" in warning.message
    student = problem.students[1]
    assert student.alternate_placement and student.instruction_category == "AUT"


def test_effective_alternate_placement_with_service_is_silent(tmp_path, rules):
    def alternate(rows: Rows) -> None:
        rows[1].update(primary_disability="230", secondary_disability="320", alternate_placement="1",
                       services="sdc;dhh:90")

    problem, warnings = load_problem(*district(tmp_path, students=alternate), rules)
    assert warnings == []
    student = problem.students[1]
    assert (student.primary, student.secondary, student.alternate_placement) == ("DEAF", "AUT", True)


def test_ignored_flags_are_cleared(tmp_path, rules):
    def edits(rows: Rows) -> None:
        rows[0].update(alternate_placement="yes", current_case_manager="GONE")
        rows[1].update(primary_disability="VI", alternate_placement="yes", services="vi")

    problem, warnings = load_problem(*district(tmp_path, students=edits), rules)
    assert [(w.row, w.column) for w in warnings] == [
        (2, "alternate_placement"), (2, "current_case_manager"), (3, "alternate_placement"),
    ]
    assert "secondary disability" in warnings[2].message
    assert not any(s.alternate_placement for s in problem.students)
    assert problem.students[0].current_case_manager == "GONE"  # kept: moves.csv names the one on record


def test_warnings_travel_with_errors(tmp_path, rules):
    def edits(rows: Rows) -> None:
        rows[0]["grade"] = "Z"
        rows[1]["support_level"] = ""

    issues = issues_of(*district(tmp_path, students=edits), rules)
    assert sorted(i.severity for i in issues) == ["error", "warning"]


# --------------------------------------------------------------------------
# Good input
# --------------------------------------------------------------------------


def test_good_district_loads_in_order_with_values_resolved(tmp_path, rules):
    problem, warnings = load_problem(*district(tmp_path), rules)
    assert warnings == []
    first, second = problem.students
    assert first.student_id == "00123"  # leading zeros kept
    assert (first.grade, second.grade) == ("K", "1")
    assert (first.primary, second.primary) == ("SLD", "AUT")
    assert first.services == (ServiceNeed("rsp", 240), ServiceNeed("speech", 60))
    assert second.services == (ServiceNeed("sdc", None),)
    assert (first.support_level, second.support_level) == ("mild_moderate", "extensive")
    assert (first.current_case_manager, second.current_case_manager) == ("T1", None)
    assert (first.row, second.row) == (2, 3)
    assert not first.locked and not second.locked

    t1, t2, t3 = problem.staff
    assert t1.credentials == frozenset({"MMSN"})  # R3MN alias resolved
    assert t3.credentials == frozenset({"ESN", "MMSN"})
    assert t2.sites == frozenset({"*"}) and t2.serves_site("ANYWHERE")
    assert (t1.fte, t2.fte, t3.fte) == (1.0, 0.5, 1.0)
    assert (t1.max_caseload, t3.max_caseload) == (None, 12)
    assert (t1.can_case_manage, t3.can_case_manage) == (None, False)
    assert t1.available and t3.available
    assert t1.name == "Ana Teacher"
    assert [s.row for s in problem.staff] == [2, 3, 4]
    assert problem.current_providers == {}


def test_bom_header_case_spaces_blank_rows_and_extra_columns(tmp_path, rules):
    students = tmp_path / "pupils.csv"  # district() writes students.csv
    students.write_text(
        "\ufeff Student_ID ,SITE,Grade , Primary_Disability,Services,Student Name\n"
        "007,LINCOLN,ps,sld,RSP : 30 ; Speech,Jane Doe\n"
        ",,,,,\n"
        "\n"
        "008,LINCOLN,12,280,counseling,John Roe\n",
        encoding="utf-8",
    )
    _, staff = district(tmp_path)
    problem, warnings = load_problem(students, staff, rules)
    assert warnings == []
    assert [(s.student_id, s.grade, s.primary, s.row) for s in problem.students] == [
        ("007", "PS", "SLD", 2), ("008", "12", "OHI", 5),
    ]
    assert problem.students[0].services == (ServiceNeed("rsp", 30), ServiceNeed("speech", None))
    assert "Jane" not in repr(problem)


def test_error_rows_count_blank_rows(tmp_path, rules):
    students = tmp_path / "pupils.csv"  # district() writes students.csv
    students.write_text("student_id,site,grade,primary_disability,services\n1,A,K,SLD,rsp\n\n2,A,K,SLD,nope\n")
    _, staff = district(tmp_path)
    (error,) = issues_of(students, staff, rules)
    assert (error.row, error.column, error.value) == (4, "services", "nope")


def test_xlsx_files(tmp_path, rules):
    students = tmp_path / "students.xlsx"
    staff = tmp_path / "staff.xlsx"
    pd.DataFrame(STUDENTS).rename(columns=str.upper).to_excel(students, index=False)
    frame = pd.DataFrame(STAFF)
    frame["fte"] = [1, 0.5, None]  # numeric cells
    frame.to_excel(staff, index=False)
    problem, warnings = load_problem(students, staff, rules)
    assert warnings == []
    assert [s.student_id for s in problem.students] == ["00123", "S2"]
    assert [s.fte for s in problem.staff] == [1.0, 0.5, 1.0]


def test_read_table_returns_strings(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("\ufeffID , Count\n001,\n0.50,7\n", encoding="utf-8")
    frame = read_table(path)
    assert list(frame.columns) == ["id", "count"]
    assert frame.to_dict("records") == [{"id": "001", "count": ""}, {"id": "0.50", "count": "7"}]


@pytest.mark.parametrize(("raw", "expected"), [
    ("true", True), (" YES ", True), ("y", True), ("1", True), ("False", False), ("no", False), ("N", False),
    ("0", False), ("", None), ("  ", None),
])
def test_parse_bool(raw, expected):
    assert parse_bool(raw) is expected


@pytest.mark.parametrize("raw", ["maybe", "2", "t", "oui"])
def test_parse_bool_rejects(raw):
    with pytest.raises(ValueError):
        parse_bool(raw)


def test_parse_list():
    assert parse_list(" a ; b;;c ;") == ["a", "b", "c"]
    assert parse_list("") == []


# --------------------------------------------------------------------------
# Current plan
# --------------------------------------------------------------------------


def test_current_plan(tmp_path, rules):
    students, staff = district(tmp_path)
    current = write_csv(tmp_path / "services.csv", [
        {"student_id": "00123", "service": "rsp", "provider": "T1", "status": "assigned"},
        {"student_id": "00123", "service": "speech", "provider": "", "status": "unserved"},
        {"student_id": "00999", "service": "rsp", "provider": "T1", "status": "assigned"},
        {"student_id": "S2", "service": "speech", "provider": "T2", "status": "assigned"},
        {"student_id": "S2", "service": "sdc", "provider": "T77", "status": "assigned"},
    ])
    problem, warnings = load_problem(students, staff, rules, current)
    # T77 left: kept on record, so the plan moves the service and moves.csv names T77 in `from`
    assert problem.current_providers == {("00123", "rsp"): "T1", ("S2", "sdc"): "T77"}
    assert [(w.file, w.row, w.column, w.value) for w in warnings] == [
        (str(current), 4, "student_id", "00999"),
        (str(current), 5, "service", "speech"),
        (str(current), 6, "provider", "T77"),
    ]
    assert "no longer on staff" in warnings[2].message


def test_current_plan_missing_column_is_an_error(tmp_path, rules):
    students, staff = district(tmp_path)
    current = write_csv(tmp_path / "services.csv", [{"student_id": "00123", "service": "rsp"}])
    (error,) = issues_of(students, staff, rules, current)
    assert (error.file, error.column, error.severity) == (str(current), "provider", "error")


# --------------------------------------------------------------------------
# Scale
# --------------------------------------------------------------------------


def test_loads_a_many_site_district(tmp_path, rules):
    # load speed is measured by the benchmark (benchmarks/), not here
    n_students, n_staff = 5_000, 400
    sites = [f"SITE{i:03d}" for i in range(100)]
    students = pd.DataFrame({
        "student_id": [f"{i:07d}" for i in range(n_students)],
        "site": [sites[i % 100] for i in range(n_students)],
        "grade": [("K", "3", "07", "12")[i % 4] for i in range(n_students)],
        "primary_disability": [("SLD", "290", "SLI", "OHI")[i % 4] for i in range(n_students)],
        "support_level": "mild_moderate",
        "services": [("rsp:240;speech:30", "speech", "sdc;ot")[i % 3] for i in range(n_students)],
        "current_case_manager": [f"T{i % n_staff}" for i in range(n_students)],
        "locked": "no",
    })
    staff = pd.DataFrame({
        "staff_id": [f"T{i}" for i in range(n_staff)],
        "role": [("rsp_teacher", "slp", "sdc_teacher")[i % 3] for i in range(n_staff)],
        "credentials": [("R3MN", "SLP", "MMSN;ESN")[i % 3] for i in range(n_staff)],
        "sites": [f"{sites[i % 100]};{sites[(i + 1) % 100]}" for i in range(n_staff)],
        "fte": "1",
    })
    students.to_csv(tmp_path / "students.csv", index=False)
    staff.to_csv(tmp_path / "staff.csv", index=False)
    problem, warnings = load_problem(tmp_path / "students.csv", tmp_path / "staff.csv", rules)
    assert (len(problem.students), len(problem.staff), warnings) == (n_students, n_staff, [])
    assert problem.students[0].student_id == "0000000"


def test_one_workbook_can_hold_both_tables(tmp_path, rules):
    book = tmp_path / "district.xlsx"
    with pd.ExcelWriter(book) as writer:
        pd.DataFrame({"Staff_ID": ["R1"], "Role": ["rsp_teacher"], "Credentials": ["R3MN"], "Sites": ["A"]}).to_excel(
            writer, sheet_name="Staff", index=False)
        pd.DataFrame({"student_id": ["007"], "site": ["A"], "grade": ["3"], "primary_disability": ["SLD"],
                      "services": ["rsp"]}).to_excel(writer, sheet_name=" Students ", index=False)
    problem, warnings = load_problem(book, book, rules)
    assert [s.student_id for s in problem.students] == ["007"]
    assert [p.staff_id for p in problem.staff] == ["R1"] and warnings == []


def test_a_table_read_again_is_read_anew_when_the_file_changed(tmp_path):
    # the loaders and the names read each input once between them; an edited file is never served stale
    import os

    from models.files.reading import read_table_checked

    path = tmp_path / "students.csv"
    path.write_text("student_id,site\n001,A\n", encoding="utf-8")
    first = read_table_checked(path, "students", ("student_id",))
    assert read_table_checked(path, "students", ("student_id",)) is first
    stat = path.stat()
    path.write_text("student_id,site\n002,B\n", encoding="utf-8")  # same size
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    again = read_table_checked(path, "students", ("student_id",))
    assert again.cells == [["002", "B"]] and first.cells == [["001", "A"]]


def test_a_value_repeated_in_many_rows_is_judged_in_every_row(tmp_path, rules):
    # the loaders resolve each distinct cell once (70,000 rows, a few hundred values): every row still gets
    # its own error for a bad value, and every row with a good one its own student
    def copies(rows: Rows) -> None:
        rows[1].update(grade="99", services="rsp:240;speech:60")
        rows.append({**rows[1], "student_id": "S3"})
        rows.append({**rows[0], "student_id": "S4"})

    students, staff = district(tmp_path, students=copies)
    grade_errors = [i for i in issues_of(students, staff, rules) if i.severity == "error" and i.column == "grade"]
    assert [(i.row, i.value) for i in grade_errors] == [(3, "99"), (4, "99")]
    students, staff = district(tmp_path, students=lambda rows: rows.append({**rows[0], "student_id": "S4"}))
    problem, _ = load_problem(students, staff, rules)
    first, again = problem.students[0], problem.students[-1]
    assert again.student_id == "S4" and again.services == first.services == (ServiceNeed("rsp", 240),
                                                                              ServiceNeed("speech", 60))
