"""Names through to the files (never the terminal), and plan.xlsx read back against the CSVs and summary.json."""

from __future__ import annotations

import csv
import json
from html import escape as esc
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from cli import main

# Headers as a director's export spells them: spaces, capitals, hyphens.
STUDENTS = (
    "Student ID,First Name,Last-Name,Site,Grade,Primary Disability,Services,Current Case Manager,Support Level\n"
    "007,Zelda,Quixote,A,3,SLD,rsp;speech,R1,\n"
    "008,Ulysses,Brightwater,A,4,SLD,rsp,R1,\n"
    "009,Philippa,Oddington,A,2,SLI,speech,SLP1,\n"
    "010,Barnaby,Fitzwilliam,A,9,DEAF,sdc,,\n"  # no SDC teacher: unserved, with its reason
    "011,,=cmd(),A,5,AUT,rsp,,\n"  # a formula-looking name stays text; AUT warns on the support level
)
STAFF = (
    "staff_id,name,role,credentials,sites,fte\n"
    "R1,Marguerite Okonkwo,rsp_teacher,MMSN,A,0.1\n"  # cap 2 (28 x 0.1)
    "R2,Thaddeus Vandermeer,rsp_teacher,MMSN,A,0.05\n"  # cap 1: three rsp pupils fill both
    "SLP1,Henrietta Castellanos,slp,SLP,A,1\n"
)
NAMES = ("Zelda", "Quixote", "Ulysses", "Brightwater", "Philippa", "Oddington", "Barnaby", "Fitzwilliam",
         "Marguerite", "Okonkwo", "Thaddeus", "Vandermeer", "Henrietta", "Castellanos")
SOLVER = ["--workers", "1", "--time-limit", "20"]


def district(tmp_path: Path) -> list[str]:
    (tmp_path / "students.csv").write_text(STUDENTS, encoding="utf-8")
    (tmp_path / "staff.csv").write_text(STAFF, encoding="utf-8")
    return ["--students", str(tmp_path / "students.csv"), "--staff", str(tmp_path / "staff.csv")]


def districts(tmp_path: Path) -> Path:
    """A sweep folder holding the district once."""
    folder = tmp_path / "districts" / "d1"
    folder.mkdir(parents=True)
    district(folder)
    return folder.parent


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def run(args: list[str]):
    return CliRunner().invoke(main, args)


def assert_no_names(text: str) -> None:
    found = [name for name in NAMES if name in text]
    assert not found, f"names printed: {found}\n{text}"


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("named")
    out = tmp / "plan"
    result = run(["plan", *district(tmp), "--out", str(out), *SOLVER])
    assert result.exit_code == 0, result.output
    return tmp, out, result


def test_names_reach_every_file_next_to_the_ids(planned):
    _, out, _ = planned
    students = {r["student_id"]: r for r in rows(out / "assignments.csv")}
    assert students["007"]["student_name"] == "Zelda Quixote"  # first + last, leading zeros kept
    assert students["007"]["case_manager_name"] == "Marguerite Okonkwo"
    assert (students["007"]["grade"], students["007"]["primary_disability"], students["007"]["services"]) == (
        "3", "SLD", "rsp;speech")
    services = rows(out / "services.csv")
    speech = next(r for r in services if r["student_id"] == "009")
    assert (speech["provider"], speech["provider_name"], speech["student_name"]) == (
        "SLP1", "Henrietta Castellanos", "Philippa Oddington")
    staff = {r["staff_id"]: r for r in rows(out / "caseloads.csv")}
    assert staff["R2"]["name"] == "Thaddeus Vandermeer"
    page = (out / "report.html").read_text(encoding="utf-8")
    rosters = page[page.index('<section id="rosters">'):]
    assert "SLP1 Henrietta Castellanos" in rosters and "009 Philippa Oddington" in rosters
    why = page[page.index('<section id="why">'):]  # beside each case manager, the nearest alternative's verdict
    assert students["007"]["why"] and esc(students["007"]["why"]) in why


def new_student(tmp_path: Path) -> Path:
    """A students table with one new (named) student, for `caseload place`."""
    path = tmp_path / "new.csv"
    path.write_text("student_id,first_name,last_name,site,grade,primary_disability,services\n"
                    "900,Zelda,Quixote,A,3,SLD,rsp;speech\n", encoding="utf-8")
    return path


def test_no_name_in_any_terminal_line_of_any_command(planned, tmp_path):
    tmp, out, result = planned
    assert_no_names(result.output)
    args = district(tmp_path)
    scenario = tmp_path / "leave.toml"
    scenario.write_text('name = "R1 on leave"\n[[change_staff]]\nstaff_id = "R1"\navailable = false\n',
                        encoding="utf-8")
    scanned = set()
    for command in (["check", *args], ["plan", *args, "--out", str(tmp_path / "p"), "--verbose", *SOLVER],
                    ["whatif", *args, "--scenario", str(scenario), "--out", str(tmp_path / "w"), *SOLVER],
                    ["rebalance", *args, "--current", str(out / "services.csv"), "--out", str(tmp_path / "r"),
                     "--verbose", *SOLVER],
                    ["staffing", *args, "--out", str(tmp_path / "s"), *SOLVER],
                    ["explain", "--plan", str(out), "--student", "007", *args],
                    ["place", "--plan", str(out), "--new", str(new_student(tmp_path)), *args],
                    ["sweep", "--districts", str(districts(tmp_path)), "--out", str(tmp_path / "sw"), *SOLVER]):
        outcome = run(command)
        assert outcome.exit_code == 0, (command[0], outcome.output)
        assert_no_names(outcome.output)
        scanned.add(command[0])
    assert scanned == set(main.commands)  # a new command joins this scan
    # a bad row: the error names file, row, column and value, not the student
    bad = STUDENTS.replace("007,Zelda,Quixote,A,3,", "007,Zelda,Quixote,A,33,")
    (tmp_path / "students.csv").write_text(bad, encoding="utf-8")
    for command in (["check", *args], ["plan", *args, "--out", str(tmp_path / "bad")]):
        outcome = run(command)
        assert outcome.exit_code == 2 and "row 2" in outcome.output and "grade" in outcome.output
        assert_no_names(outcome.output)


def test_terminal_speaks_plain_words_and_hides_solver_figures_without_verbose(planned, tmp_path):
    _, out, result = planned
    text = result.output
    assert "4 of 5 students are fully served" in text
    assert "1 x sdc: no staff member in the district has a role that delivers sdc" in text
    assert "plan.xlsx" in text and str(out.resolve()) in text
    assert "objective" not in text and "gap" not in text
    verbose = run(["plan", *district(tmp_path), "--out", str(tmp_path / "v"), "--verbose", *SOLVER])
    assert "objective" in verbose.output and "bound" in verbose.output


def sheet_rows(sheet) -> list[dict[str, object]]:
    values = list(sheet.iter_rows(values_only=True))
    header = values[0]
    return [dict(zip(header, (("" if v is None else v) for v in row), strict=True)) for row in values[1:]]


def test_workbook_has_the_sheets_and_equals_the_csvs_and_summary(planned):
    _, out, _ = planned
    book = openpyxl.load_workbook(out / "plan.xlsx")
    assert book.sheetnames == ["Summary", "Students", "Services", "Staff", "Unserved"]
    for sheet_name, csv_name in (("Students", "assignments.csv"), ("Services", "services.csv"),
                                 ("Staff", "caseloads.csv")):
        sheet = book[sheet_name]
        assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref, sheet_name
        expected = rows(out / csv_name)
        got = sheet_rows(sheet)
        for want, have in zip(expected, got, strict=True):  # same cells: numbers as numbers, the rest as text
            assert list(have) == list(want), sheet_name
            for key, value in have.items():
                same = float(want[key]) == value if isinstance(value, int | float) else want[key] == value
                assert same, (sheet_name, key, want[key], value)
    students = book["Students"]
    assert students["A2"].value == "007" and students["A2"].data_type == "s"  # leading zeros kept, as text
    octavia = next(r for r in sheet_rows(students) if r["student_id"] == "011")
    assert octavia["student_name"] == "'=cmd()"  # escaped as in the CSV, and a text cell
    assert next(r for r in rows(out / "assignments.csv") if r["student_id"] == "011")["student_name"] == "'=cmd()"
    formula_cells = [c for row in students.iter_rows() for c in row if c.data_type == "f"]
    assert not formula_cells
    unserved = sheet_rows(book["Unserved"])
    assert [(r["student_id"], r["missing"]) for r in unserved] == [("010", "sdc")]
    assert "delivers sdc" in unserved[0]["reason"] and unserved[0]["student_name"] == "Barnaby Fitzwilliam"
    staff = {r["staff_id"]: r for r in sheet_rows(book["Staff"])}
    assert staff["R1"]["cap_mark"] == staff["R2"]["cap_mark"] == "at cap"
    assert staff["SLP1"]["cap_mark"] == ""
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    lines = list(book["Summary"].iter_rows(values_only=True))
    figures = {row[2]: row[1] for row in lines[:lines.index(next(r for r in lines if r[0] == "By site"))] if row[2]}
    for key in ("students", "fully_served", "assigned", "unassigned", "services", "services_unserved",
                "best_practice_rate", "changed_case_managers", "status", "inputs_sha256"):
        assert figures[key] == summary[key], key
    assert figures["balance_on"] == f"{summary['balance_on']}: {summary['balance_on_why']}"
    by_label = {row[0]: row[1] for row in lines if row[0]}
    assert summary["max_workload_ratio"]
    for role, top in summary["max_workload_ratio"].items():
        assert by_label[f"Highest workload ratio, {role}"] == top
        assert by_label[f"Workload ratio spread (highest - lowest), {role}"] == summary["workload_ratio_spread"][role]


def test_workbook_prints_on_letter_with_numbered_pages_and_the_summary_one_page_wide(planned):
    _, out, _ = planned
    book = openpyxl.load_workbook(out / "plan.xlsx")
    for sheet in book.worksheets:
        assert sheet.page_setup.paperSize == 1 and sheet.page_setup.orientation == "landscape", sheet.title
        assert "&P" in sheet.oddFooter.right.text and "&A" in sheet.oddFooter.left.text, sheet.title
    summary = book["Summary"]  # labels and their figures on one page width, never split across two
    assert summary.sheet_properties.pageSetUpPr.fitToPage
    assert summary.page_setup.fitToWidth in (None, 1)  # 1 is the file format's default, left unwritten
    assert summary.page_setup.fitToHeight == 0  # as many pages long as it needs
    for name in ("Students", "Services", "Staff", "Unserved"):
        sheet = book[name]
        assert sheet.print_title_rows == "$1:$1", name  # the header row on every printed page
        assert sheet.print_title_cols == "$A:$A", name  # and the row's id on each page a wide row spans
        # two pages wide at most (the sentences make a table two or three pages wide at full size), the two
        # halves of the same rows one after the other; a table about a page wide, one
        widths = {i: d.width for d in sheet.column_dimensions.values() for i in range(d.min, d.max + 1)}
        wide = sum(widths[i] - 0.7109375 for i in range(1, sheet.max_column + 1))  # less XlsxWriter's padding
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, name
        assert sheet.page_setup.fitToWidth in ((None, 1) if wide <= 130 else (2,)), (name, wide)
        assert sheet.page_setup.fitToHeight == 0 and sheet.page_setup.pageOrder == "overThenDown", name
    assert book["Unserved"].page_setup.fitToWidth in (None, 1) and book["Students"].page_setup.fitToWidth == 2


@pytest.mark.parametrize("escape", [False, True], ids=["spliced", "xlsxwriter"])
def test_the_table_sheets_wrap_their_sentences_in_rows_tall_enough_for_them(tmp_path, escape):
    """Printed, a why, notes or reason stays within its column (it used to run on across two more pages) and
    its row is as tall as its lines; on the rows written as XML (sheet_rows) and on those XlsxWriter writes
    (a name needing Excel's _xHHHH_ escape sends a sheet there)."""
    args = district(tmp_path)
    if escape:
        (tmp_path / "students.csv").write_text(STUDENTS.replace("Zelda,Quixote", "Zelda,_x0041_ Quixote"),
                                               encoding="utf-8")
    out = tmp_path / "plan"
    assert run(["plan", *args, "--out", str(out), *SOLVER]).exit_code == 0
    book = openpyxl.load_workbook(out / "plan.xlsx")
    checked = 0
    for name in ("Students", "Services", "Unserved"):
        sheet = book[name]
        header = [c.value for c in sheet[1]]
        widths = {i: d.width for d in sheet.column_dimensions.values() for i in range(d.min, d.max + 1)}
        for column in ("why", "notes", "reason"):
            if column not in header:
                continue
            letter = openpyxl.utils.get_column_letter(header.index(column) + 1)
            width = widths[header.index(column) + 1]
            assert width < 61, (name, column)  # 60 characters (and the padding XlsxWriter adds)
            for cell in sheet[letter][1:]:
                if cell.value:
                    assert cell.alignment.wrap_text and cell.alignment.vertical == "top", (name, cell.coordinate)
                    lines = -(-len(cell.value) // (width - 2))
                    assert lines == 1 or sheet.row_dimensions[cell.row].height >= 15 * lines, cell.coordinate
                    checked += lines > 1
    assert checked  # some sentence did take more than one line


def test_the_summary_wraps_long_values_in_tall_rows_and_prints_the_site_table_on_its_own_page(planned):
    """Printed, nothing overflows: the inputs' hash and the rules' name wrap within their cell in a row tall
    enough for them (no spreadsheet sizes a row to wrapped text itself); the by-site headers fit their columns;
    the by-site table starts a page."""
    _, out, _ = planned
    summary = openpyxl.load_workbook(out / "plan.xlsx")["Summary"]
    rows = {row[2].value: row for row in summary.iter_rows(max_col=3) if row[2].value}
    width = summary.column_dimensions["B"].width
    assert summary.column_dimensions["B"].min == summary.column_dimensions["B"].max == 2
    for key in ("inputs_sha256", "rules"):
        value = rows[key][1]
        assert len(value.value) > width and value.alignment.wrap_text, key
        lines = -(-len(value.value) // (width - 2))
        assert summary.row_dimensions[value.row].height >= 15 * lines, key
    by_site = next(row[0].row for row in summary.iter_rows(max_col=1) if row[0].value == "By site")
    assert [brk.id for brk in summary.row_breaks.brk] == [by_site - 1]  # the break falls just above it
    header = [c for c in next(summary.iter_rows(min_row=by_site + 1, max_row=by_site + 1)) if c.value]
    assert "without_case_manager" in [c.value for c in header]
    widths = {i: d.width for d in summary.column_dimensions.values() for i in range(d.min, d.max + 1)}
    for cell in header[1:]:
        assert widths[cell.column] >= len(cell.value), cell.value


def test_same_plan_same_workbook_bytes(planned, tmp_path):
    tmp, out, _ = planned
    again = tmp_path / "again"
    result = run(["plan", *district(tmp), "--out", str(again), *SOLVER])
    assert result.exit_code == 0, result.output
    assert (again / "plan.xlsx").read_bytes() == (out / "plan.xlsx").read_bytes()


def test_rebalance_workbook_has_the_moves(planned, tmp_path):
    tmp, out, _ = planned
    staff = STAFF.replace("R1,Marguerite Okonkwo,rsp_teacher,MMSN,A,", "R1,Marguerite Okonkwo,rsp_teacher,MMSN,B,")
    (tmp_path / "staff.csv").write_text(staff, encoding="utf-8")
    result = run(["rebalance", "--students", str(tmp / "students.csv"), "--staff", str(tmp_path / "staff.csv"),
                  "--current", str(out / "services.csv"), "--out", str(tmp_path / "r"), *SOLVER])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(tmp_path / "r" / "plan.xlsx")
    assert book.sheetnames[-1] == "Moves"
    moves = sheet_rows(book["Moves"])
    assert moves == rows(tmp_path / "r" / "moves.csv")  # every cell text, as in the CSV
    moved = [m for m in moves if m["student_id"] == "007" and m["change"] == "rsp"]
    assert moved and moved[0]["from_name"] == "Marguerite Okonkwo" and moved[0]["student_name"] == "Zelda Quixote"


def test_whatif_terminal_says_proven_optimal_and_shows_the_gap_only_with_verbose(tmp_path):
    args = district(tmp_path)
    scenario = tmp_path / "leave.toml"
    scenario.write_text('name = "R2 on leave"\n[[change_staff]]\nstaff_id = "R2"\navailable = false\n',
                        encoding="utf-8")
    plain = run(["whatif", *args, "--scenario", str(scenario), "--out", str(tmp_path / "w"), *SOLVER])
    assert plain.exit_code == 0, plain.output
    assert "proven optimal" in plain.output and "gap" not in plain.output
    verbose = run(["whatif", *args, "--scenario", str(scenario), "--out", str(tmp_path / "v"), "--verbose", *SOLVER])
    assert "gap" in verbose.output and "OPTIMAL" in verbose.output


def test_a_long_unserved_list_is_cut_in_the_report_and_kept_whole_in_the_workbook(tmp_path, monkeypatch):
    import models.files.report as report

    monkeypatch.setattr(report, "MAX_UNSERVED_ROWS", 0)
    result = run(["plan", *district(tmp_path), "--out", str(tmp_path / "p"), *SOLVER])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "p" / "report.html").read_text(encoding="utf-8")
    unserved = page[page.index('<section id="unserved">'):page.index("</section>", page.index('id="unserved"'))]
    assert "... and 1 more in the Unserved sheet of plan.xlsx" in unserved and "Barnaby" not in unserved
    assert len(sheet_rows(openpyxl.load_workbook(tmp_path / "p" / "plan.xlsx")["Unserved"])) == 1


def test_terminal_summary_and_workbook_say_the_same_figures(planned):
    _, out, result = planned
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert (f"{summary['fully_served']} of {summary['students']} students are fully served" in result.output)
    assert f"Best practice: {summary['best_practice_rate']:.1%}" in result.output
    assert f"Balanced on head counts: {summary['balance_on_why']}." in result.output
    assert f"Could not be done: {summary['services_unserved']} service(s) and {summary['unassigned']}" in result.output
    page = (out / "report.html").read_text(encoding="utf-8")
    assert f'<span class="figure">{summary["fully_served"]}</span><span class="label">fully served' in page


def test_version():
    result = run(["--version"])
    assert result.exit_code == 0 and result.output.startswith("caseload ")
