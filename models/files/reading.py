"""Read one input table (.csv or an .xlsx sheet) as text cells, whatever shape the export has.

Directors' files come from IEP-system exports and hand-kept workbooks: headers
spelled `Student ID`, semicolon- or tab-delimited CSV (a European Excel), a
title row above the header, a row with a trailing comma, ids that Excel turned
into numbers. Each of these is read as the director meant it, and what was
guessed is said (a warning), or it is named in a clear error. Nothing here
quotes more than a short excerpt of a cell.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from models.domain.issues import InputError, Issue, excerpt
from models.files.safe import FORMULA_STARTS

if TYPE_CHECKING:  # pandas is imported where a workbook is read (0.2-0.4 s a run that reads only CSV files saves)
    import pandas as pd

# a title row above the header: the header is looked for in this many first rows
HEADER_SEARCH_ROWS = 10
# columns whose cells are ids: Excel may have turned them into numbers (leading zeros dropped)
ID_COLUMNS = ("student_id", "staff_id", "current_case_manager", "provider", "case_manager")
MAX_FILE_BYTES = 200 * 1024 * 1024  # no district's table is this large; a hostile file stops here
_DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}


def normalize_header(column: object) -> str:
    """A column name as the contract spells it: case, spaces, hyphens and underscores alike (`Student ID`)."""
    return "_".join(re.split(r"[\s_-]+", str(column).strip().lower())).strip("_")


@dataclass(slots=True)
class TableRead:
    """The cells of one table (every cell a str, every row as wide as the header), where its data starts, and
    what was guessed."""

    columns: list[str]
    cells: list[list[str]]
    first_row: int = 2  # the spreadsheet row of the first data row (header + 1)
    sheet: str | None = None
    notes: list[Issue] = field(default_factory=list)


def _fail(file: str, message: str) -> InputError:
    return InputError([Issue("error", file, message)])


def _sniff_delimiter(header_line: str) -> str:
    """The delimiter of a CSV from its header line: comma unless only semicolons or tabs separate it."""
    counts = {d: header_line.count(d) for d in _DELIMITERS}
    if counts[","]:
        return ","
    best = max((";", "\t"), key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(path: Path, file: str) -> tuple[list[str], list[list[str]], list[Issue]]:
    if path.stat().st_size > MAX_FILE_BYTES:
        raise _fail(file, f"the file is larger than {MAX_FILE_BYTES // 2**20} MB; is it the right file?")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise _fail(file, "the file is not UTF-8 text; save it as 'CSV UTF-8' or as .xlsx") from None
    if "\x00" in text:
        raise _fail(file, "the file holds binary data, not CSV text; save it as 'CSV UTF-8' or as .xlsx")
    first_line = text.split("\n", 1)[0]
    delimiter = _sniff_delimiter(first_line)
    notes = []
    if delimiter != ",":
        notes.append(Issue("warning", file, f"read as a {_DELIMITERS[delimiter]}-delimited file (the header row "
                                            f"has no commas)"))
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise _fail(file, f"a cell holds more than {csv.field_size_limit():,} characters; is this the right "
                              f"file?") from None
        raise _fail(file, f"cannot read the file as CSV: {excerpt(str(exc), 80)}") from None
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise _fail(file, "the file is empty; it needs a header row of column names")
    return rows[0], rows[1:], notes


def _cell_text(value: object) -> str:
    """A workbook cell as text: a whole number without '.0', blank for empty."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, bool):
        return str(value).lower()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _read_xlsx(path: Path, file: str, sheet: str | None,
               required: tuple[str, ...] = ()) -> tuple[str, list[list[object]], list[Issue], bool]:
    """(sheet name, rows of raw cells, notes, whether the sheet was chosen by position).

    No sheet named ``sheet``: the first sheet whose header (within its first rows) names every ``required``
    column, else the first sheet; said either way."""
    if path.stat().st_size > MAX_FILE_BYTES:
        raise _fail(file, f"the file is larger than {MAX_FILE_BYTES // 2**20} MB; is it the right file?")
    import pandas as pd

    try:
        with pd.ExcelFile(path, engine="openpyxl") as book:
            names = {normalize_header(name): name for name in book.sheet_names}
            wanted = normalize_header(sheet or "")
            by_position = wanted not in names
            many = len(book.sheet_names) > 1
            chosen = book.sheet_names[0] if by_position else names[wanted]
            fits = None
            if by_position and many and required:  # the first sheet with the table's columns
                fits = next((name for name in book.sheet_names if _has_header(
                    pd.read_excel(book, sheet_name=name, header=None, dtype=object, nrows=HEADER_SEARCH_ROWS),
                    required)), None)
                chosen = fits or chosen
            df = pd.read_excel(book, sheet_name=chosen, header=None, dtype=object)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise _fail(file, f"cannot read the workbook: it is damaged ({type(exc).__name__}); "
                          f"open it in Excel and save it again") from None
    except Exception as exc:  # openpyxl raises many kinds on a damaged or foreign file
        raise _fail(file, f"cannot read the workbook: {excerpt(f'{type(exc).__name__}: {exc}', 120)}") from None
    notes = []
    if by_position and many and sheet:
        which = (f"sheet {excerpt(chosen)!r}, the first with the columns {', '.join(required)}" if fits else
                 f"the first sheet, {excerpt(chosen)!r}")
        notes.append(Issue("warning", file, f"no sheet is named {sheet}; read {which}"))
    rows = df.astype(object).where(df.notna(), None).values.tolist()
    return str(chosen), rows, notes, by_position


def sheet_names(path: Path) -> frozenset[str]:
    """The sheets of an .xlsx workbook, each name as headers are compared (:func:`normalize_header`); none for
    another file, or a workbook that cannot be opened (reading it as a table says why)."""
    if Path(path).suffix.lower() != ".xlsx":
        return frozenset()
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds on a damaged or foreign file
        return frozenset()
    try:
        return frozenset(normalize_header(name) for name in book.sheetnames)
    finally:
        book.close()


def _has_header(df, required: tuple[str, ...]) -> bool:
    """Does one of the first rows of a sheet (a DataFrame without header) name every required column?"""
    need = set(required)
    return any(need <= {normalize_header(_cell_text(c)) for c in row if c is not None}
               for row in df.astype(object).values.tolist())


def _find_header(rows: list[list[str]], required: tuple[str, ...]) -> int:
    """The index of the header row: the first of the first rows naming every required column, else 0."""
    need = set(required)
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if need <= {normalize_header(c) for c in row}:
            return i
    return 0


# The last tables read, by the file's identity (path, size, modification time) and how it was read: a command
# reads each input table twice (the loaders, then the names: models/files/names.py), 0.4 s at 70,000 students.
_RECENT: dict[tuple, TableRead] = {}
_RECENT_TABLES = 2


def read_table_checked(path: Path, sheet: str | None = None, required: tuple[str, ...] = ()) -> TableRead:
    """Read a table, every cell a str; raises :class:`InputError` when the file cannot be read.

    Headers are normalized (:func:`normalize_header`); a header found below a
    title row is used and named; a row with more fields than the header is an
    error unless the extra fields are blank (a trailing delimiter); a missing
    required column names the columns (and sheet) found. A file read again
    unchanged gives the same :class:`TableRead` (not to be modified).
    """
    try:
        stat = Path(path).stat()
        key = (str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns, sheet, tuple(required))
    except OSError:  # said by the read below
        key = None
    read = _RECENT.get(key) if key is not None else None
    if read is None:
        read = _read_table_checked(path, sheet, required)
        if key is not None:
            while len(_RECENT) >= _RECENT_TABLES:
                _RECENT.pop(next(iter(_RECENT)))
            _RECENT[key] = read
    return read


def _read_table_checked(path: Path, sheet: str | None, required: tuple[str, ...]) -> TableRead:
    file = str(path)
    suffix = Path(path).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise _fail(file, f"unsupported file type {excerpt(suffix or '(none)')!r}; use .csv or .xlsx")
    notes: list[Issue] = []
    numeric_ids: set[str] = set()
    sheet_name = None
    try:
        if suffix == ".csv":
            header, body, notes = _read_csv(path, file)
            rows: list[list[str]] = [header, *body]
        else:
            sheet_name, raw, notes, _ = _read_xlsx(path, file, sheet, required)
            if not raw:
                raise _fail(file, f"sheet {excerpt(sheet_name)!r} is empty; it needs a header row of column names")
            top = _find_header([[_cell_text(c) for c in r] for r in raw[:HEADER_SEARCH_ROWS]], required)
            header_cells = [normalize_header(_cell_text(c)) for c in raw[top]]
            for r in raw[top + 1:]:
                for column, value in zip(header_cells, r, strict=False):
                    if column in ID_COLUMNS and isinstance(value, int | float) and not isinstance(value, bool):
                        numeric_ids.add(column)
            rows = [[_cell_text(c) for c in r] for r in raw]
    except OSError as exc:
        raise _fail(file, f"cannot read the file: {excerpt(str(exc), 120)}") from None
    top = _find_header(rows, required) if suffix == ".csv" else top
    where = f"sheet {excerpt(sheet_name)!r}, " if sheet_name is not None else ""
    if top:
        notes.append(Issue("warning", file, f"{where}the header is row {top + 1}; the {top} row(s) above it "
                                            f"(a title) are skipped"))
    header = [normalize_header(c) for c in rows[top]]
    # trailing blank header cells (a trailing delimiter) carry no column
    while header and not header[-1]:
        header.pop()
    issues: list[Issue] = []
    for i, name in enumerate(header):
        if not name:
            issues.append(Issue("error", file, f"column {i + 1} of the header row has no name"))
    duplicated = sorted({c for c in header if c and header.count(c) > 1})
    issues += [Issue("error", file, f"column {c} appears more than once", column=c) for c in duplicated]
    width = len(header)
    body = rows[top + 1:]
    first_row = top + 2
    cells: list[list[str]] = []
    over = 0
    for n, row in enumerate(body):
        if len(row) > width:
            if any(c.strip() for c in row[width:]):
                over += 1
                if over <= 5:
                    issues.append(Issue("error", file, f"the row has {len(row)} fields but the header names "
                                                       f"{width} columns; a comma inside a cell needs quotes",
                                        row=first_row + n))
            row = row[:width]
        elif len(row) < width:
            row = [*row, *([""] * (width - len(row)))]
        cells.append(row)
    if over > 5:
        issues.append(Issue("error", file, f"... and {over - 5} more row(s) with more fields than the header"))
    missing = [c for c in required if c not in header]
    if missing:
        found = ", ".join(excerpt(c) for c in header[:30] if c) or "(none)"
        more = f" and {len(header) - 30} more" if len(header) > 30 else ""
        for column in missing:
            issues.append(Issue("error", file, f"{where}missing required column {column}; the columns found are "
                                               f"{found}{more}", column=column))
    if issues:
        raise InputError([*notes, *issues])
    for column in sorted(numeric_ids):
        notes.append(Issue("warning", file, f"{where}column {column} holds numbers: Excel drops leading zeros from "
                                            f"ids stored as numbers (0412 becomes 412); ids are read as text as they "
                                            f"appear; format the column as Text to keep them", column=column))
    for row in cells:  # a cell our own files made formula-proof ('=x) reads back as written (=x)
        for i, cell in enumerate(row):
            if cell[:1] == "'" and cell[1:2] and cell[1:2] in FORMULA_STARTS:
                row[i] = cell[1:]
    return TableRead(header, cells if header else [], first_row, sheet_name, notes)


# the id column that marks the header row of each table (a title row above it is skipped)
_HEADER_MARK = {"students": ("student_id",), "staff": ("staff_id",), "services": ("student_id",)}


def read_table(path: Path, sheet: str | None = None) -> pd.DataFrame:
    """A .csv or a sheet of an .xlsx, every cell a str, headers normalized (see :func:`read_table_checked`)."""
    import pandas as pd

    read = read_table_checked(path, sheet, _HEADER_MARK.get(sheet or "", ()))
    if not read.columns:
        return pd.DataFrame()
    return pd.DataFrame(read.cells, columns=read.columns, dtype=str).fillna("")
