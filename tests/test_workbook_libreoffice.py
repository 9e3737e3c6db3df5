"""plan.xlsx opened by a real spreadsheet program: Debian's LibreOffice Calc, headless.

The Students and Services sheets are written as raw XML spliced into XlsxWriter's
workbook (``models/files/sheet_rows.py``); openpyxl reading them back is one check,
a spreadsheet program reading them is the one a director relies on. LibreOffice
converts every sheet to CSV, and the sheets must show exactly what
``assignments.csv`` and ``services.csv`` hold: ids with their leading zeros,
names with formula characters as text (never run), Excel's ``_xHHHH_`` look-alikes,
accents, line breaks.

`make test` installs LibreOffice (apt, `libreoffice-calc-nogui`).
"""

from __future__ import annotations

import csv
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main

SOFFICE = shutil.which("soffice") or "/usr/bin/soffice"
# CSV, comma, double quote, UTF-8, from line 1, ..., every sheet into its own file (-1: LibreOffice 7.2+)
EVERY_SHEET = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"
NAMES = ['=HYPERLINK("http://example.invalid","click")', "Zoë Ñúñez 李", "+1 Plus", "@SUM(A1)", "-2",
         "A & <B> \"C\"", "line\nbreak", "tab\there", "O'Brien", "x_Smith_"]
# a text that looks like Excel's escape of a character: the sheet is left to XlsxWriter, which escapes it
ESCAPE_LOOKALIKE = "_x0041_ Smith"


def _rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


@pytest.fixture(scope="module", params=["spliced", "xlsxwriter"])
def opened(tmp_path_factory, request):
    """The sample district with awkward student names, planned; (plan folder, LibreOffice's CSV per sheet,
    the names). "spliced": the table sheets take the raw-XML path; "xlsxwriter": one name makes them fall back."""
    work = tmp_path_factory.mktemp("libreoffice")
    names = NAMES if request.param == "spliced" else [*NAMES[:-1], ESCAPE_LOOKALIKE]
    students = _rows(SAMPLE / "students.csv")
    header, body = students[0], students[1:]
    with (work / "students.csv").open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow([*header, "student_name"])
        out.writerows([*row, names[i] if i < len(names) else f"Pupil {i}"] for i, row in enumerate(body))
    plan = work / "plan"
    result = CliRunner().invoke(main, ["plan", "--students", str(work / "students.csv"), "--staff",
                                       str(SAMPLE / "staff.csv"), "--out", str(plan), "--workers", "1"])
    assert result.exit_code == 0, result.output
    sheets = work / "sheets"
    done = subprocess.run([SOFFICE, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless",
                           "--convert-to", EVERY_SHEET, "--outdir", str(sheets), str(plan / "plan.xlsx")],
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    return plan, sheets, names


@pytest.mark.parametrize(("sheet", "table"), [("Students", "assignments"), ("Services", "services")])
def test_libreoffice_reads_the_table_sheets_as_the_csv_files(opened, sheet, table):
    plan, sheets, _ = opened
    assert _rows(sheets / f"plan-{sheet}.csv") == _rows(plan / f"{table}.csv")


def test_libreoffice_keeps_ids_and_awkward_names_as_text(opened):
    _, sheets, given = opened
    students = _rows(sheets / "plan-Students.csv")
    column = students[0].index("student_name")
    ids = [row[0] for row in students[1:]]
    assert ids[0] == "0000001"  # leading zeros kept: the id is text, not a number
    names = [row[column] for row in students[1:len(given) + 1]]
    # formula characters are text with the CSV files' apostrophe (a formula run would show its result, "click")
    assert names == ["'" + given[0], "Zoë Ñúñez 李", "'+1 Plus", "'@SUM(A1)", "'-2", "A & <B> \"C\"", "line\nbreak",
                     "tab\there", "O'Brien", given[-1]]


def test_libreoffice_opens_every_sheet(opened):
    _, sheets, _ = opened
    assert sorted(p.name for p in sheets.iterdir()) == [
        f"plan-{name}.csv" for name in ("Services", "Staff", "Students", "Summary", "Unserved")]
    staff = _rows(sheets / "plan-Staff.csv")
    assert staff[0][:3] == ["staff_id", "name", "role"] and len(staff) == len(_rows(SAMPLE / "staff.csv"))
