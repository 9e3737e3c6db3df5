"""Files that are safe to open and safe to trust: formula-proof cells, whole plan folders.

Two promises to the director:

- A cell that came from the inputs (an id, a site, a name, a reason quoting
  them) is shown by Excel as the text it is, never run as a formula
  (OWASP's CSV-injection guidance): :func:`spreadsheet_safe`.
- A plan folder on disk is the previous plan whole or the new plan whole: a
  command writes into a temporary folder beside ``--out`` and swaps it in when
  everything is written (:func:`atomic_folder`). A run killed at any moment
  leaves the old folder as it was; no stale file of an earlier run survives.
"""

from __future__ import annotations

import contextlib
import csv
import ctypes
import operator
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from models.domain.issues import InputError, Issue, excerpt

if TYPE_CHECKING:  # pandas is imported where a table is built (0.2-0.4 s a plan of CSV inputs saves)
    import pandas as pd

# A cell starting with one of these is a formula (or becomes one) in Excel, LibreOffice and Google Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST = frozenset(FORMULA_STARTS)  # each one character


def spreadsheet_safe(value: object) -> object:
    """The value as a spreadsheet must show it: text that starts like a formula gets a leading apostrophe.

    Stable name: the CSV writers and the workbook writer (plan.xlsx) both call
    it for every cell that comes from the inputs. Numbers and blanks pass
    unchanged, so a negative number the planner computed stays a number.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of a table with every text cell made :func:`spreadsheet_safe` (numbers are left as they are)."""
    import pandas as pd

    out = frame.copy()
    for column in out.columns:  # every column: pandas 3 gives text the "str" dtype, not object
        if not pd.api.types.is_numeric_dtype(out[column]) and not pd.api.types.is_bool_dtype(out[column]):
            out[column] = out[column].map(spreadsheet_safe)
    return out


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write a table as CSV with formula-proof text cells."""
    safe_frame(frame).to_csv(path, index=False)


def write_rows(columns: Sequence[str], rows: Iterable[Sequence[object]], path: Path) -> None:
    """Write rows of ids, words and whole numbers as CSV, the bytes :func:`write_csv` writes for them.

    For a long table of such cells (explain.csv): no table is built, each text cell is made
    :func:`spreadsheet_safe` and the rows go through the csv module with the settings pandas uses (comma,
    minimal quoting, the system line end). Floats and booleans are not for this writer (pandas formats them).
    """
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator=os.linesep, quoting=csv.QUOTE_MINIMAL)
        writer.writerow(columns)
        writer.writerows(map(_safe_row, rows))


def _safe_row(row: Sequence[object], starts: frozenset[str] = _FORMULA_FIRST) -> Sequence[object]:
    """The row with every text cell :func:`spreadsheet_safe`; the row itself when none needs it (nearly every
    row: checking is a third of the cost of copying, measured on explain.csv's 400,000 rows)."""
    for cell in row:
        if isinstance(cell, str) and cell[:1] in starts:
            return [spreadsheet_safe(c) for c in row]
    return row


def write_table(rows: Sequence[dict[str, object]], path: Path, columns: Sequence[str] = ()) -> None:
    """Write dict rows as CSV with formula-proof text cells, the bytes :func:`write_csv` writes for them.

    When the csv module writes every cell as pandas would (:func:`_as_pandas_writes`) the rows go through
    :func:`write_rows` without a frame (0.5 s of each 70,000-row table, and no pandas import); otherwise
    through pandas. ``columns``: the header of a table without rows.
    """
    header = list(rows[0]) if rows else list(columns)
    cells = operator.itemgetter(*header) if len(header) > 1 else (lambda row: (row[header[0]],))
    try:
        values = [cells(row) for row in rows] if header else None
    except KeyError:  # a row with other columns: pandas lines them up
        values = None
    if values is not None and all(len(row) == len(header) for row in rows) and _as_pandas_writes(values):
        write_rows(header, values, path)
        return
    import pandas as pd

    write_csv(pd.DataFrame(rows) if rows else pd.DataFrame(columns=header), path)


_PLAIN = frozenset((str, int))


def _as_pandas_writes(values: list[Sequence[object]]) -> bool:
    """Whether the csv module writes these cells as pandas does: per column text and whole numbers, or floats
    alone or beside text (both write a float as ``repr``), never a blank None, a NaN, a boolean, or whole
    numbers beside floats without text (pandas makes that column float: 1 is written 1.0)."""
    for column in zip(*values, strict=True):
        kinds = set(map(type, column))
        if kinds <= _PLAIN:
            continue
        if float not in kinds or not kinds <= {str, int, float} or (int in kinds and str not in kinds):
            return False
        if any(v != v for v in column if type(v) is float):  # NaN: pandas writes a blank
            return False
    return True


def _bad_out(out_dir: Path, why: str) -> InputError:
    return InputError([Issue("error", str(out_dir), f"cannot write the output folder: {why}")])


# What caseload writes into a folder it replaces (a plan, a what-if with a plan folder per scenario, the hires,
# a sweep's run) and what programs leave beside such files (Finder, Explorer, Excel's and LibreOffice's lock
# files while one is open): an existing --out holding anything else is never replaced.
WRITTEN_FILES = frozenset({"assignments.csv", "services.csv", "caseloads.csv", "summary.json", "explain.csv",
                           "plan.xlsx", "report.html", "moves.csv", "assessments.csv", "comparison.csv",
                           "hires.csv", "placements.csv", "warnings.txt", "sweep-run.json"})
_WRITTEN_OR_CLUTTER = re.compile(r"explain-.+\.csv|\.DS_Store|Thumbs\.db|desktop\.ini|~\$.+|\.~lock\..+#|\._.+")
_FOREIGN_SHOWN = 3


def foreign_entries(folder: Path, depth: int = 1) -> list[str]:
    """What in ``folder`` caseload did not write (and its what-if plan subfolders, ``depth`` levels down)."""
    out = []
    for entry in sorted(folder.iterdir()):
        if entry.is_symlink():
            out.append(entry.name)
        elif entry.is_dir():
            out += ([f"{entry.name}/{name}" for name in foreign_entries(entry, depth - 1)] if depth > 0
                    else [f"{entry.name}/"])
        elif entry.name not in WRITTEN_FILES and not _WRITTEN_OR_CLUTTER.fullmatch(entry.name):
            out.append(entry.name)
    return out


def _replaceable(out_dir: Path) -> None:
    """Raise :class:`InputError` unless ``out_dir`` (an existing folder) may be replaced whole: not the folder
    the command runs in (nor one holding it), and holding nothing but what caseload writes. Before this check
    ``--out .`` replaced the working folder, the students and staff files in it included."""
    here, target = Path.cwd().resolve(), out_dir.resolve()
    if here == target or target in here.parents:
        raise _bad_out(out_dir, "it is the folder you are working in (or holds it), and --out is replaced whole; "
                                "give a new folder, e.g. --out plan")
    foreign = foreign_entries(target)
    if foreign:
        shown = ", ".join(excerpt(name) for name in foreign[:_FOREIGN_SHOWN])
        more = f" and {len(foreign) - _FOREIGN_SHOWN} more" if len(foreign) > _FOREIGN_SHOWN else ""
        raise _bad_out(out_dir, f"it holds files caseload did not write ({shown}{more}), and --out is replaced "
                                "whole; give a new or empty folder, or the folder of an earlier plan")


def prepare_folder(out_dir: Path) -> Path:
    """A fresh, empty temporary folder beside ``out_dir`` (hidden: ``.<name>.new-*``).

    Raises :class:`InputError` (bad input, exit 2) when ``out_dir`` is a file, a folder that may not be
    replaced whole (:func:`_replaceable`) or its location cannot be written, before anything is computed into it.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise _bad_out(out_dir, "it is a file, not a folder")
    if out_dir.is_dir():
        _replaceable(out_dir)
    parent = out_dir.resolve().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{out_dir.resolve().name}.new-", dir=parent))
        # mkdtemp makes the folder private (0700); the plan folder gets the mode a plain mkdir would give
        work.chmod(0o777 & ~_umask())
        return work
    except OSError as exc:
        raise _bad_out(out_dir, exc.strerror or type(exc).__name__) from None


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def commit_folder(work: Path, out_dir: Path) -> None:
    """Swap the finished ``work`` folder in as ``out_dir`` (the previous one is removed)."""
    _swap_in(work, Path(out_dir).resolve())


def discard_folder(work: Path) -> None:
    shutil.rmtree(work, ignore_errors=True)


@contextlib.contextmanager
def atomic_folder(out_dir: Path) -> Iterator[Path]:
    """Yield a fresh temporary folder beside ``out_dir``; on success it replaces ``out_dir`` whole.

    Write every output into the yielded folder. When the block ends without an
    exception the new folder takes the place of ``out_dir`` in one atomic
    exchange (Linux; elsewhere two renames): at every instant ``out_dir`` is
    either the previous folder or the new one, never a mix, and no file of the
    previous run survives. On an exception the temporary folder is removed and
    ``out_dir`` is untouched. An unwritable location raises
    :class:`InputError` on entry (see :func:`prepare_folder`).
    """
    work = prepare_folder(out_dir)
    try:
        yield work
        commit_folder(work, out_dir)
    except BaseException:
        discard_folder(work)
        raise


@contextlib.contextmanager
def atomic_file(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` (one rename).

    For a command that adds one file to an existing plan folder (an
    ``explain-<id>.csv``, ``placements.csv``): the file is whole or absent.
    """
    path = Path(path)
    try:
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise _bad_out(path.parent, exc.strerror or type(exc).__name__) from None
    os.close(handle)
    temp = Path(name)
    try:
        yield temp
        with open(temp, "rb") as written:
            os.fsync(written.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one atomic step (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    done = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0
    return done


def _swap_in(work: Path, target: Path) -> None:
    """Replace ``target`` by ``work``: one atomic exchange where the system offers it, else two renames."""
    for path in work.rglob("*"):  # the files reach the disk before the folder is visible
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
    if not target.exists():
        os.rename(work, target)
        return
    if _exchange(work, target):
        shutil.rmtree(work, ignore_errors=True)  # now the previous plan
        return
    # elsewhere: a moment without the folder, but never a mix of the two plans
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    os.rmdir(old)
    os.rename(target, old)
    try:
        os.rename(work, target)
    except OSError:
        os.rename(old, target)  # put the previous plan back
        raise
    shutil.rmtree(old, ignore_errors=True)
