"""plan.xlsx: the reviewed plan as one workbook a director filters and prints.

Sheets `Summary`, `Students`, `Services`, `Staff`, `Unserved` (and `Moves`
after a rebalance); the table sheets carry the CSV files' columns. XlsxWriter
writes the zip entries with a fixed time; with a fixed creation date too, the
same plan gives the same bytes. Every cell from the inputs is written as a
string cell, never as a formula or link, so an id keeps its leading zeros; a
text that starts like a formula gets the same leading apostrophe as in the
CSV files (``spreadsheet_safe``), so it stays text when copied elsewhere.
"""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import xlsxwriter

from models.files.reviewed import ABOVE_AVERAGE, AT_CAP, NEAR, ReviewedPlan
from models.files.safe import spreadsheet_safe
from models.files.sheet_rows import LINE_HEIGHT, NeedsXlsxWriter, column_letters, data_rows, splice, text_lines

SHEETS = {"assignments": "Students", "services": "Services", "caseloads": "Staff", "unserved": "Unserved",
          "moves": "Moves", "assessments": "Assessments"}
FIXED_DATE = datetime.datetime(2024, 1, 1)  # the file's creation date: fixed, so the bytes depend on the plan only
MIN_WIDTH, MAX_WIDTH = 8, 60
WRAPPED_COLUMNS = frozenset({"why", "notes", "reason"})  # sentences: wrapped within the column
# column width (characters) a landscape Letter page holds at full size: about 130 in Excel, 95 in LibreOffice
PAGE_WIDTH = 130
PERCENT_COLUMNS = {"load_ratio", "best_practice_rate", "workload_ratio"}
PERCENT_KEYS = {"best_practice_rate", "max_workload_ratio", "workload_ratio_spread"}
_VALUE_WIDTH = 24  # the Summary's value column, in characters


def _width(values: list[object]) -> float:
    longest = max((len(str(v)) for v in values), default=0)
    return min(max(longest + 2, MIN_WIDTH), MAX_WIDTH)


class _Book:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.buffer = io.BytesIO()
        self.book = xlsxwriter.Workbook(self.buffer, {
            "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False, "in_memory": True,
            # every cell at the top of its row: beside a wrapped sentence an id reads on its first line
            "default_format_properties": {"font_name": "Calibri", "font_size": 11, "valign": "top"},
        })
        self.rows: dict[str, tuple[str, str]] = {}  # sheet part -> (last cell, data rows): models.files.sheet_rows
        self.book.set_properties({"title": "Caseload plan", "created": FIXED_DATE})
        add = self.book.add_format
        self.header = add({"bold": True, "bg_color": "#DDE4EE", "bottom": 1, "text_wrap": True, "valign": "top"})
        self.title = add({"bold": True, "font_size": 14})
        self.bold = add({"bold": True})
        self.percent = add({"num_format": "0.0%"})
        self.wrapped = add({"text_wrap": True, "valign": "top"})
        # its number in the workbook's styles, for the rows written as XML (XlsxWriter numbers a format when
        # a cell first uses it; asked here, it is written into the styles whether or not one does)
        self.wrapped_index = self.wrapped._get_xf_index()
        self.top = add({"valign": "top"})
        self.marks = {
            AT_CAP: add({"bold": True, "font_color": "#7A0000", "bg_color": "#F8C8C8"}),
            ABOVE_AVERAGE: add({"bold": True, "font_color": "#7A0000", "bg_color": "#F8C8C8"}),
            NEAR: add({"bold": True, "font_color": "#5A4000", "bg_color": "#FCE8B0"}),
        }

    def cell(self, sheet, row: int, col: int, value: object, fmt=None) -> None:
        if value is None or value == "":
            sheet.write_blank(row, col, None, fmt)
        elif isinstance(value, bool):
            sheet.write_string(row, col, str(value).lower(), fmt)
        elif isinstance(value, int | float):
            sheet.write_number(row, col, value, fmt)
        else:  # the same text as the CSV files: a formula-like cell keeps its leading apostrophe there too
            sheet.write_string(row, col, str(spreadsheet_safe(str(value))), fmt)

    def table(self, name: str, rows: list[dict[str, object]], columns: list[str]) -> None:
        """A table sheet: each cell as :meth:`cell` writes it, each column as wide as :func:`_width` says.

        A sheet without cell formats (Students: a row per student, Services: a row per service) has its
        rows written as XML directly (``models.files.sheet_rows``: 0.4 s instead of 1.3 s at 10,000
        students); the others one pass over the rows, with the cell rules inlined.
        """
        part = f"xl/worksheets/sheet{len(self.book.worksheets()) + 1}.xml"
        sheet = self.book.add_worksheet(name)
        write_string, write_number, write_blank = sheet.write_string, sheet.write_number, sheet.write_blank
        for c, column in enumerate(columns):
            write_string(0, c, column, self.header)
        formats = [self.percent if column in PERCENT_COLUMNS else None for column in columns]
        mark_at = columns.index("cap_mark") if "cap_mark" in columns else None
        longest = [len(column) for column in columns]  # of str(value), as _width measures
        # prose wraps within its column (printed, it stays on its page), each row as tall as its text needs
        wrapped = {c: int(_width([column, *[row.get(column, "") for row in rows]])) - 2
                   for c, column in enumerate(columns) if column in WRAPPED_COLUMNS}
        rows_here = rows
        if mark_at is None and not any(formats) and rows and columns:  # no cell format: written as XML (sheet_rows)
            try:
                xml = data_rows(rows, columns, longest, wrapped, self.wrapped_index)
            except NeedsXlsxWriter:  # a text needing Excel's _xHHHH_ escape: cell by cell below
                longest = [len(column) for column in columns]
            else:
                self.rows[part] = (f"{column_letters(len(columns))[-1]}{len(rows) + 1}", xml)
                rows_here = []
        safe, marks = spreadsheet_safe, self.marks
        for c in wrapped:
            formats[c] = self.wrapped
        for r, row in enumerate(rows_here, start=1):
            values = [row.get(column, "") for column in columns]
            if mark_at is not None:
                formats[mark_at] = marks.get(str(values[mark_at]))
            lines = max((text_lines(values[c], per_line) for c, per_line in wrapped.items()
                         if isinstance(values[c], str)), default=1)
            if lines > 1:
                sheet.set_row(r, LINE_HEIGHT * lines)
            for c, value in enumerate(values):
                if value is None or value == "":
                    write_blank(r, c, None, formats[c])
                    n = 0 if value is not None else 4  # len("None")
                elif isinstance(value, str):
                    write_string(r, c, safe(value), formats[c])
                    n = len(value)
                elif isinstance(value, bool):
                    write_string(r, c, "true" if value else "false", formats[c])
                    n = 4 if value else 5
                elif isinstance(value, int | float):
                    write_number(r, c, value, formats[c])
                    n = len(str(value))
                else:
                    write_string(r, c, str(safe(str(value))), formats[c])
                    n = len(str(value))
                if n > longest[c]:
                    longest[c] = n
        widths = [min(max(n + 2, MIN_WIDTH), MAX_WIDTH) for n in longest]
        for c, width in enumerate(widths):
            sheet.set_column(c, c, width)
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, max(len(rows), 1), max(len(columns) - 1, 0))
        # printed one page wide when that is at most a little smaller than full size (the Unserved sheet); a
        # table with its sentences (why, notes) is two or three pages wide at full size: printed two pages wide
        # (one would be too small to read), the two halves of the same rows one after the other, each with the
        # header and the row's id
        _printable(sheet, pages_wide=1 if sum(widths) <= PAGE_WIDTH else 2)
        sheet.print_across()
        sheet.repeat_rows(0)
        sheet.repeat_columns(0)

    def summary(self, reviewed: ReviewedPlan) -> None:
        sheet = self.book.add_worksheet("Summary")
        h = reviewed.headline
        sheet.write_string(0, 0, "Caseload plan", self.title)
        row = 2
        for sentence in h.sentences():
            sheet.write_string(row, 0, sentence)
            row += 1
        row += 1
        for c, label in enumerate(("figure", "value", "summary.json key")):
            sheet.write_string(row, c, label, self.header)
        figures = [
            ("Students", h.students, "students"),
            ("Fully served (every service and a case manager)", h.fully_served, "fully_served"),
            ("Not fully served", h.not_fully_served, ""),
            ("With a case manager", h.with_case_manager, "assigned"),
            ("Without a case manager", h.without_case_manager, "unassigned"),
            ("Services", h.services, "services"),
            ("Services not delivered", h.services_unserved, "services_unserved"),
            ("Best-practice rate", h.best_practice_rate, "best_practice_rate"),
            ("Case managers changed from this year's", h.changed_case_managers, "changed_case_managers"),
            ("Proven optimal", "yes" if h.proven_optimal else "no", ""),
            ("Solver status", h.status, "status"),
            ("Rules used", f"{h.rules_name} ({h.rules_source})", "rules"),
            ("Inputs' hash (SHA-256)", h.inputs_sha256, "inputs_sha256"),
            ("Balanced on", f"{reviewed.summary['balance_on']}: {reviewed.summary['balance_on_why']}",
             "balance_on"),
        ]
        # per role, the highest weekly workload ratio and the spread (when the rules have a [workload] table)
        for role, top in reviewed.summary.get("max_workload_ratio", {}).items():
            figures.append((f"Highest workload ratio, {role}", top, "max_workload_ratio"))
            figures.append((f"Workload ratio spread (highest - lowest), {role}",
                            reviewed.summary["workload_ratio_spread"][role], "workload_ratio_spread"))
        for label, value, key in figures:
            row += 1
            if isinstance(value, str) and len(value) > _VALUE_WIDTH - 2:
                # a long text (the inputs' hash, the rules' name) wraps within its cell, the row as tall as it
                # needs (a spreadsheet does not size a row to wrapped text itself), label and key at its top
                sheet.set_row(row, LINE_HEIGHT * text_lines(value, _VALUE_WIDTH - 2))
                sheet.write_string(row, 0, label, self.top)
                self.cell(sheet, row, 1, value, self.wrapped)
                sheet.write_string(row, 2, key, self.top)
                continue
            sheet.write_string(row, 0, label)
            self.cell(sheet, row, 1, value, self.percent if key in PERCENT_KEYS else None)
            sheet.write_string(row, 2, key)
        row += 2
        sheet.set_h_pagebreaks([row])  # printed, the by-site table starts a page: never its title alone
        sheet.write_string(row, 0, "By site", self.bold)
        site_rows = [s.cells() for s in reviewed.sites]
        columns = list(site_rows[0]) if site_rows else []
        row += 1
        sheet.set_row(row, 30)  # room for a header that wraps onto a second line
        for c, column in enumerate(columns):
            sheet.write_string(row, c, column, self.header)
        for site in site_rows:
            row += 1
            for c, column in enumerate(columns):
                self.cell(sheet, row, c, site[column])
        row += 2
        sheet.write_string(row, 0, "Notes", self.bold)
        for note in reviewed.notes:
            row += 1
            sheet.write_string(row, 0, note)
        sheet.set_column(0, 0, 48)
        sheet.set_column(1, 1, _VALUE_WIDTH)
        sheet.set_column(2, 7, 22)  # without_case_manager on one line
        _printable(sheet, pages_wide=1)

    def close(self) -> None:
        self.book.close()
        data = self.buffer.getvalue()
        self.path.write_bytes(splice(data, self.rows) if self.rows else data)


def _printable(sheet, pages_wide: int) -> None:
    """Printed on US Letter, landscape, each page footed with the sheet's name and its number, at most
    ``pages_wide`` pages wide (the Summary one, so that no figure is printed apart from its label)."""
    sheet.set_paper(1)  # US Letter
    sheet.set_landscape()
    sheet.fit_to_pages(pages_wide, 0)
    sheet.set_footer("&L&A&RPage &P of &N")


def write_workbook(reviewed: ReviewedPlan, path: Path) -> None:
    from models.files.reviewed import EMPTY_COLUMNS, table_rows

    book = _Book(path)
    book.summary(reviewed)
    for stem, rows in table_rows(reviewed).items():
        columns = list(rows[0]) if rows else EMPTY_COLUMNS.get(stem, [])
        book.table(SHEETS[stem], rows, columns)
    book.close()
