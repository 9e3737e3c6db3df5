"""The rows of plan.xlsx's long sheets (a row per student, a row per service) as SpreadsheetML, fast.

XlsxWriter writes the workbook: its parts, styles, the Summary and Staff
sheets, each sheet's header, column widths, frozen header and filter. For the
two sheets with a row per student and per service, XlsxWriter's per-cell
bookkeeping was most of the workbook's time (1.3 s of 1.4 s at 10,000
students, ~10 s at 70,000); their data rows carry no cell format, so they are
written here as the same ``<row>`` elements, with inline strings instead of
the shared-string table, and put into the sheet's part (:func:`splice`).

Text is escaped as XlsxWriter escapes it (``&``, ``<``, ``>``; leading or
trailing space kept with ``xml:space="preserve"``); numbers are written as
XlsxWriter writes them (``%.16G``). A text with a control character or a
literal ``_xHHHH_`` needs Excel's ``_xHHHH_`` escape, which readers honour in
the shared-string table but not all of them in inline strings: such a sheet
raises :class:`NeedsXlsxWriter` and is written cell by cell by XlsxWriter.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence

from models.files.safe import spreadsheet_safe

_NEEDS_ESCAPE = re.compile(r"[\x00-\x08\x0B-\x1F]|_x[0-9a-fA-F]{4}_")


class NeedsXlsxWriter(ValueError):
    """A text needs Excel's ``_xHHHH_`` escape: the sheet is left to XlsxWriter."""


def column_letters(n: int) -> list[str]:
    """A, B, ... Z, AA, ... for the first ``n`` columns."""
    out = []
    for i in range(1, n + 1):
        letters = ""
        while i:
            i, r = divmod(i - 1, 26)
            letters = chr(65 + r) + letters
        out.append(letters)
    return out


def inline_text(text: str) -> str:
    """``" t="inlineStr"><is><t>...</t></is></c>``: the end of a text cell after its reference."""
    if _NEEDS_ESCAPE.search(text):
        raise NeedsXlsxWriter(text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    preserve = ' xml:space="preserve"' if text and (text[0].isspace() or text[-1].isspace()) else ""
    return f'" t="inlineStr"><is><t{preserve}>{text}</t></is></c>'


LINE_HEIGHT = 15  # points: a line of the workbook's 11-point font, the default row height


def text_lines(text: str, per_line: int) -> int:
    """How many lines ``text`` takes wrapped at ``per_line`` characters: at spaces, a longer word cut, a line
    break kept. Column widths count characters as wide as a digit, so a proportional font fits at least as
    many: the count is never short (a row this tall shows all of its text)."""
    lines = 0
    for part in text.split("\n"):
        lines += 1
        start, end = 0, len(part)
        while end - start > per_line:
            cut = part.rfind(" ", start, start + per_line + 1)
            start = cut + 1 if cut > start else start + per_line
            lines += 1
    return lines


def data_rows(rows: Sequence[dict[str, object]], columns: Sequence[str], longest: list[int],
              wrapped: dict[int, int] | None = None, style: int = 0) -> str:
    """Rows 2.. of a sheet as ``<row>`` elements; ``longest`` (per column, of ``str(value)``) is raised as met.

    Cells as ``_Book.cell`` writes them: blanks omitted, text made :func:`spreadsheet_safe`, booleans as
    ``true``/``false`` text, numbers as numbers. ``wrapped`` (column index -> characters per line): those
    columns' texts wrap (cell style ``style``) and a row whose text takes more lines is made that tall (no
    spreadsheet sizes a row to wrapped text itself).
    """
    letters = column_letters(len(columns))
    wrapped = wrapped or {}
    texts: dict[str, str] = {}  # a repeated text (a site, a role, a staff id) is escaped once
    out = []
    append = out.append
    safe = spreadsheet_safe
    for r, row in enumerate(rows, start=2):
        number = str(r)
        cells = []
        lines = 1
        for c, column in enumerate(columns):
            value = row.get(column, "")
            if value is None or value == "":
                n = 0 if value is not None else 4  # len("None"), as the column width counts it
            elif isinstance(value, str):
                end = texts.get(value)
                if end is None:
                    end = texts[value] = inline_text(str(safe(value)))
                n = len(value)
                per_line = wrapped.get(c)
                if per_line is None:
                    cells.append(f'<c r="{letters[c]}{number}{end}')
                else:
                    cells.append(f'<c r="{letters[c]}{number}" s="{style}{end}')
                    if n > per_line or "\n" in value:
                        lines = max(lines, text_lines(value, per_line))
            elif isinstance(value, bool):
                cells.append(f'<c r="{letters[c]}{number}{inline_text("true" if value else "false")}')
                n = 4 if value else 5
            elif isinstance(value, int | float):
                cells.append(f'<c r="{letters[c]}{number}"><v>{value:.16G}</v></c>')
                n = len(str(value))
            else:
                cells.append(f'<c r="{letters[c]}{number}{inline_text(str(safe(str(value))))}')
                n = len(str(value))
            if n > longest[c]:
                longest[c] = n
        tall = f' ht="{LINE_HEIGHT * lines}" customHeight="1"' if lines > 1 else ""
        append(f'<row r="{number}"{tall}>{"".join(cells)}</row>')
    return "".join(out)


def splice(book: bytes, rows: dict[str, tuple[str, str]]) -> bytes:
    """The workbook with each sheet part in ``rows`` (part name -> (last cell, rows XML)) given its data rows.

    The rows go after the header row XlsxWriter wrote; the sheet's dimension becomes ``A1:<last cell>``.
    Every other part, and every part's zip entry (name, date, order), is kept as it was. Compressed at zlib's
    level 1: measured at 10,000 students 0.30 CPU-s and 1.36 MB against 0.38 CPU-s and 1.11 MB at level 6
    (the workbook is the last file a plan waits for).
    """
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(book)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename in rows:
                last, xml = rows[info.filename]
                text = data.decode("utf-8")
                text = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="A1:{last}"/>', text, count=1)
                head, tail = text.split("</sheetData>", 1)
                data = f"{head}{xml}</sheetData>{tail}".encode()
            target.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)
    return out.getvalue()
