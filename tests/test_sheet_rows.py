"""plan.xlsx's long sheets are written as XML directly: what Excel reads back is what XlsxWriter would write."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.files.sheet_rows import NeedsXlsxWriter, column_letters, data_rows, splice, text_lines
from models.files.workbook import _Book

COLUMNS = ["student_id", "site", "grade", "flag", "minutes"]
# text as inputs bring it: ids with leading zeros, formula-like text, XML specials, control characters,
# a literal Excel escape, spaces at the ends, non-ASCII names
TEXT = st.one_of(st.sampled_from(["007", "=cmd()", "+1", "-x", "@a", "a&b<c>d", "tab\there", "_x0041_", " lead",
                                  "trail ", "Zoë Ñúñez", "line\nbreak", "bell\x07", ""]),
                 st.text(st.characters(blacklist_categories=("Cs",), max_codepoint=0x2FFF), max_size=12))
VALUE = st.one_of(TEXT, st.integers(-10**6, 10**6), st.booleans(), st.none(),
                  st.floats(allow_nan=False, allow_infinity=False, width=32))


def _read(data: bytes, sheet: str) -> list[tuple]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [tuple(row) for row in book[sheet].iter_rows(min_row=2, values_only=True)]


def _by_xlsxwriter(rows: list[dict]) -> bytes:
    """The same cells as models.files.workbook writes them one by one (text spreadsheet-safe, bools as text)."""
    from models.files.safe import spreadsheet_safe

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"strings_to_numbers": False, "strings_to_formulas": False,
                                        "strings_to_urls": False, "in_memory": True})
    sheet = book.add_worksheet("T")
    for c, column in enumerate(COLUMNS):
        sheet.write_string(0, c, column)
    for r, row in enumerate(rows, start=1):
        for c, column in enumerate(COLUMNS):
            value = row.get(column, "")
            if value is None or value == "":
                continue
            if isinstance(value, bool):
                sheet.write_string(r, c, "true" if value else "false")
            elif isinstance(value, int | float):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, spreadsheet_safe(value))
    book.close()
    return buffer.getvalue()


def _by_rows(rows: list[dict]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("T")
    for c, column in enumerate(COLUMNS):
        sheet.write_string(0, c, column)
    book.close()
    longest = [0] * len(COLUMNS)
    last = f"{column_letters(len(COLUMNS))[-1]}{len(rows) + 1}"
    return splice(buffer.getvalue(), {"xl/worksheets/sheet1.xml": (last, data_rows(rows, COLUMNS, longest))})


def _by_workbook(rows: list[dict], tmp: Path) -> bytes:
    """plan.xlsx's own table writer (rows as XML, or cell by cell when a text needs Excel's escape)."""
    book = _Book(tmp / "t.xlsx")
    book.table("T", rows, COLUMNS)
    book.close()
    return (tmp / "t.xlsx").read_bytes()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.fixed_dictionaries({c: VALUE for c in COLUMNS}), min_size=1, max_size=8))
def test_rows_written_directly_read_back_as_xlsxwriter_cells_do(rows):
    with tempfile.TemporaryDirectory() as tmp:
        assert _read(_by_workbook(rows, Path(tmp)), "T") == _read(_by_xlsxwriter(rows), "T")


@pytest.mark.parametrize("text", ["_x0041_", "bell\x07", "a _x00ff_ b"])
def test_a_text_needing_excels_escape_is_left_to_xlsxwriter(text, tmp_path):
    rows = [{"student_id": "001", "site": text, "grade": 3, "flag": False, "minutes": 30}]
    with pytest.raises(NeedsXlsxWriter):
        data_rows(rows, COLUMNS, [0] * len(COLUMNS))
    assert _read(_by_workbook(rows, tmp_path), "T") == _read(_by_xlsxwriter(rows), "T")


def test_no_cell_from_the_inputs_becomes_a_formula_and_ids_stay_text():
    rows = [{"student_id": "007", "site": "=HYPERLINK(\"http://x\")", "grade": "PS", "flag": True, "minutes": 90}]
    book = openpyxl.load_workbook(io.BytesIO(_by_rows(rows)))
    cells = list(book["T"].iter_rows(min_row=2))[0]
    assert [c.data_type for c in cells] == ["s", "s", "s", "s", "n"]
    assert [c.value for c in cells] == ["007", "'=HYPERLINK(\"http://x\")", "PS", "true", 90]
    assert book["T"].dimensions == "A1:E2"


def test_column_letters_go_past_z():
    assert column_letters(28)[-3:] == ["Z", "AA", "AB"]


@pytest.mark.parametrize(("text", "per_line", "lines"), [
    ("", 10, 1),
    ("ten chars!", 10, 1),
    ("ten chars! x", 10, 2),  # the word that does not fit goes to the next line
    ("aaaa bbbb cccc", 9, 2),  # "aaaa bbbb" fits exactly
    ("a" * 25, 10, 3),  # a word longer than a line is cut
    ("one\ntwo", 10, 2),  # a line break is kept
    ("next best: E028 managing the case (coordinating) instead of E002: objective +162", 40, 3),
])
def test_text_lines_counts_the_lines_of_a_wrapped_text_never_too_few(text, per_line, lines):
    assert text_lines(text, per_line) == lines
