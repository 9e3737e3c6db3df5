"""Issue 8, unsafe files: whole plan folders, formula-proof cells, safe scenario folders, bounded work."""

from __future__ import annotations

import csv
import json
import os
import random
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.domain.rules import DEFAULT_RULES_PATH
from models.files.safe import atomic_folder, foreign_entries, spreadsheet_safe
from tests.factories import invoke, write_tables

ROOT = Path(__file__).resolve().parents[1]
STUDENTS = (
    "student_id,site,grade,primary_disability,support_level,services\n"
    "00123,LINCOLN,3,290,,rsp:240;speech:60\n"
    "S2,LINCOLN,1,AUT,extensive,sdc\n"
)
STAFF = (
    "staff_id,name,role,credentials,sites,fte\n"
    "T1,Ana Teacher,rsp_teacher,R3MN,LINCOLN,1\n"
    "T2,Sam Speech,slp,SLP,LINCOLN,0.5\n"
    "T3,Dee Day,sdc_teacher,ESN;MMSN,LINCOLN,\n"
)


def files(tmp_path: Path, students: str = STUDENTS, staff: str = STAFF) -> tuple[Path, Path]:
    return write_tables(tmp_path, students, staff)


run = invoke


FAST = ("--time-limit", 5, "--workers", 1)


# --- item 10: atomic outputs -------------------------------------------------------------------------------------


def test_atomic_folder_replaces_the_whole_folder(tmp_path):
    out = tmp_path / "plan"
    out.mkdir()
    (out / "moves.csv").write_text("stale")
    with atomic_folder(out) as work:
        (work / "assignments.csv").write_text("new")
        assert not (out / "assignments.csv").exists()  # nothing visible until the swap
    assert sorted(os.listdir(out)) == ["assignments.csv"]
    assert [p.name for p in tmp_path.iterdir()] == ["plan"]  # no temporary folder left beside it


def test_the_plan_folder_gets_the_mode_a_plain_mkdir_gives(tmp_path):
    # the temporary folder comes from mkdtemp (0700); the swapped-in plan folder must not stay private by surprise
    reference = tmp_path / "reference"
    reference.mkdir()
    with atomic_folder(tmp_path / "plan") as work:
        (work / "summary.json").write_text("{}", encoding="utf-8")
    assert (tmp_path / "plan").stat().st_mode & 0o777 == reference.stat().st_mode & 0o777


def test_a_failed_run_leaves_the_previous_folder_untouched(tmp_path):
    out = tmp_path / "plan"
    out.mkdir()
    (out / "summary.json").write_text("{}")
    with pytest.raises(RuntimeError), atomic_folder(out) as work:
        (work / "summary.json").write_text("half")
        raise RuntimeError("killed")
    assert (out / "summary.json").read_text() == "{}"
    assert [p.name for p in tmp_path.iterdir()] == ["plan"]


def test_no_stale_moves_csv_after_a_plan(tmp_path):
    s, t = files(tmp_path)
    out = tmp_path / "out"
    assert run("plan", "--students", s, "--staff", t, "--out", out, *FAST).exit_code == 0
    current = tmp_path / "services.csv"
    current.write_bytes((out / "services.csv").read_bytes())
    assert run("rebalance", "--students", s, "--staff", t, "--current", current, "--out", out, *FAST).exit_code == 0
    assert (out / "moves.csv").exists()
    assert run("plan", "--students", s, "--staff", t, "--out", out, *FAST).exit_code == 0
    assert not (out / "moves.csv").exists()


def test_an_unwritable_out_is_bad_input(tmp_path):
    s, t = files(tmp_path)
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    result = run("plan", "--students", s, "--staff", t, "--out", blocker / "plan", *FAST)
    assert result.exit_code == 2, result.output
    assert "cannot write the output folder" in result.output and "Traceback" not in result.output


def test_an_out_holding_other_files_or_the_working_folder_is_never_replaced(tmp_path, monkeypatch):
    """--out is replaced whole: `--out .` used to swap out the working folder, students and staff files
    included, and an --out holding a director's own file lost it. Both are bad input now, nothing touched."""
    s, t = files(tmp_path)
    mine = tmp_path / "caseloads 2026"
    mine.mkdir()
    (mine / "notes.docx").write_text("mine")
    result = run("plan", "--students", s, "--staff", t, "--out", mine, *FAST)
    assert result.exit_code == 2 and "it holds files caseload did not write (notes.docx)" in result.output
    assert [p.name for p in mine.iterdir()] == ["notes.docx"]
    monkeypatch.chdir(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    for out in (".", str(tmp_path.parent)):
        result = run("plan", "--students", s, "--staff", t, "--out", out, *FAST)
        assert result.exit_code == 2 and "it is the folder you are working in" in result.output, out
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no temporary folder either
    # an earlier plan, opened in Excel and Finder meanwhile, and a what-if with its plan folders: replaced
    out = tmp_path / "plan"
    assert run("plan", "--students", s, "--staff", t, "--out", out, *FAST).exit_code == 0
    assert run("explain", "--plan", out, "--student", "00123").exit_code == 0
    for clutter in (".DS_Store", "~$plan.xlsx", ".~lock.plan.xlsx#"):
        (out / clutter).write_text("")
    assert run("plan", "--students", s, "--staff", t, "--out", out, *FAST).exit_code == 0
    assert not (out / ".DS_Store").exists() and not (out / "explain-00123.csv").exists()
    scenario = tmp_path / "leave.toml"
    scenario.write_text('unavailable_staff = ["T2"]\n', encoding="utf-8")
    for _ in range(2):
        result = run("whatif", "--students", s, "--staff", t, "--scenario", scenario, "--out", tmp_path / "w", *FAST)
        assert result.exit_code == 0, result.output
    (tmp_path / "w" / "base" / "mine.txt").write_text("mine")
    result = run("whatif", "--students", s, "--staff", t, "--scenario", scenario, "--out", tmp_path / "w", *FAST)
    assert result.exit_code == 2 and "(base/mine.txt)" in result.output


def test_every_file_a_command_writes_is_one_an_out_folder_may_hold(tmp_path):
    """``safe.WRITTEN_FILES`` lists what an --out may hold to be replaced: a file a command writes and the list
    lacks would make the next run into the same folder refuse it. Each command's folders, read back."""
    s, t = files(tmp_path)
    assessments = tmp_path / "assessments.csv"
    assessments.write_text("assessment_id,site\nA1,LINCOLN\n", encoding="utf-8")
    scenario = tmp_path / "leave.toml"
    scenario.write_text('unavailable_staff = ["T2"]\n', encoding="utf-8")
    new = tmp_path / "new.csv"
    new.write_text("student_id,site,grade,primary_disability,services\nN1,LINCOLN,3,SLD,rsp\n", encoding="utf-8")
    district = tmp_path / "districts" / "d1"
    district.mkdir(parents=True)
    write_tables(district, STUDENTS, STAFF)
    out = tmp_path / "out"
    for command in (["plan", "--students", s, "--staff", t, "--assessments", assessments, "--out", out / "plan"],
                    ["explain", "--plan", out / "plan", "--student", "00123"],
                    ["place", "--plan", out / "plan", "--new", new],
                    ["rebalance", "--students", s, "--staff", t, "--current", out / "plan", "--out", out / "rebalance"],
                    ["whatif", "--students", s, "--staff", t, "--scenario", scenario, "--out", out / "whatif"],
                    ["staffing", "--students", s, "--staff", t, "--out", out / "staffing"],
                    ["sweep", "--districts", district.parent, "--out", out / "sweep"]):
        result = run(*command, *(FAST if command[0] not in ("explain", "place") else ()))
        assert result.exit_code == 0, (command[0], result.output)
    folders = [out / name for name in ("plan", "rebalance", "whatif", "staffing")] + [out / "sweep" / "d1" / "base"]
    assert {p.name for p in out.glob("plan/*")} >= {"explain-00123.csv", "placements.csv", "assessments.csv"}
    assert (out / "rebalance" / "moves.csv").exists() and (out / "staffing" / "hires.csv").exists()
    for folder in folders:
        assert foreign_entries(folder) == [], folder


def _plan_files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.suffix == ".csv"}


def test_a_run_killed_at_random_moments_leaves_one_whole_plan(tmp_path):
    """SIGKILL a real `caseload plan` at random moments: the folder is always the old plan or the new one."""
    s, t = files(tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    s2, t2 = files(other, STUDENTS, STAFF.replace("T2,Sam Speech,slp,SLP,LINCOLN,0.5\n", ""))
    command = [sys.executable, str(ROOT / "cli.py"), "plan", "--time-limit", "5", "--workers", "1"]
    out = tmp_path / "plan"
    reference = tmp_path / "reference"
    for args, where in (((s, t), out), ((s2, t2), reference)):
        subprocess.run([*command, "--students", str(args[0]), "--staff", str(args[1]), "--out", str(where)],
                       check=True, capture_output=True, cwd=ROOT)
    old, new = _plan_files(out), _plan_files(reference)
    assert old != new
    started = time.perf_counter()
    subprocess.run([*command, "--students", str(s2), "--staff", str(t2), "--out", str(tmp_path / "timing")],
                   check=True, capture_output=True, cwd=ROOT)
    duration = time.perf_counter() - started
    rng = random.Random(8)
    seen = set()
    for _ in range(6):
        process = subprocess.Popen([*command, "--students", str(s2), "--staff", str(t2), "--out", str(out)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        time.sleep(rng.uniform(0.5, 1.1) * duration)
        process.send_signal(signal.SIGKILL)
        process.wait()
        now = _plan_files(out)
        assert now in (old, new), "the plan folder is a mix of two runs or holds a half-written file"
        json.loads((out / "summary.json").read_text())
        zipfile.ZipFile(out / "plan.xlsx").testzip()
        seen.add("new" if now == new else "old")
        if now == new:  # start again from the old plan
            subprocess.run([*command, "--students", str(s), "--staff", str(t), "--out", str(out)],
                           check=True, capture_output=True, cwd=ROOT)
    assert seen  # the folder was checked after every kill


# --- item 11: formula injection --------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_spreadsheet_safe_makes_formulas_text(value):
    assert spreadsheet_safe(value) == "'" + value


@pytest.mark.parametrize("value", ["S0001", "", "a=b", 5, -3.5, None])
def test_spreadsheet_safe_leaves_other_values(value):
    assert spreadsheet_safe(value) == value


def test_ids_and_sites_from_the_inputs_are_written_as_text(tmp_path):
    students = STUDENTS.replace("00123,LINCOLN", "=HYPERLINK(1),@SITE").replace("S2,LINCOLN", "S2,@SITE")
    staff = STAFF.replace("LINCOLN", "@SITE").replace("T1,", "+T1,")
    s, t = files(tmp_path, students, staff)
    out = tmp_path / "plan"
    result = run("plan", "--students", s, "--staff", t, "--out", out, *FAST)
    assert result.exit_code == 0, result.output
    for name in ("assignments.csv", "services.csv", "caseloads.csv"):
        with (out / name).open(newline="", encoding="utf-8") as handle:
            for row in csv.reader(handle):
                for cell in row:
                    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (name, cell)
    assignments = pd.read_csv(out / "assignments.csv", dtype=str, keep_default_na=False)
    assert assignments["student_id"].tolist()[0] == "'=HYPERLINK(1)" and assignments["site"].tolist()[0] == "'@SITE"
    # the written services.csv reads back as the current plan with the ids as given
    again = run("plan", "--students", s, "--staff", t, "--current", out / "services.csv", "--out", tmp_path / "p2",
                *FAST)
    assert again.exit_code == 0 and "not in the students file" not in again.output, again.output


# --- item 12: scenario names ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["x" * 256, "../../escape", "/tmp/escape", "..", "a/../../b"])
def test_scenario_names_stay_inside_out(tmp_path, name):
    s, t = files(tmp_path)
    scenario = tmp_path / "s.toml"
    scenario.write_text(f'name = "{name}"\nunavailable_staff = ["T2"]\n', encoding="utf-8")
    out = tmp_path / "work" / "whatif"
    result = run("whatif", "--students", s, "--staff", t, "--scenario", scenario, "--out", out, *FAST)
    assert result.exit_code == 0, result.output
    written = {p.resolve() for p in (tmp_path / "work").rglob("*")}
    assert all(out.resolve() in p.parents or p == out.resolve() for p in written)
    assert not (tmp_path / "escape").exists() and not Path("/tmp/escape").exists()
    folders = sorted(p.name for p in out.iterdir() if p.is_dir())
    assert len(folders) == 2 and "base" in folders and all(len(f) <= 60 for f in folders)


# --- item 13: bounded work on hostile input --------------------------------------------------------------------


def _rules(tmp_path: Path, old: str, new: str) -> Path:
    text = DEFAULT_RULES_PATH.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "rules.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _damaged_xlsx(tmp_path: Path) -> Path:
    good = tmp_path / "good.xlsx"
    pd.read_csv(tmp_path / "students.csv", dtype=str).to_excel(good, index=False)
    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as book:
        info = book.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for i in range(start + 2, start + min(info.compress_size, 40)):
        data[i] ^= 0x5A  # damage the compressed bytes: zlib.error when read
    bad = tmp_path / "students.xlsx"
    bad.write_bytes(bytes(data))
    return bad


HOSTILE = [
    ("rules weight 2^62", lambda p: ("--rules", _rules(p, "change_provider = 40", f"change_provider = {2**62}")),
     "largest allowed"),
    ("rules cap 1e7", lambda p: ("--rules", _rules(p, "cap = 15 ", "cap = 10000000 ")), "largest allowed"),
    ("max_caseload 20 digits", lambda p: ("--staff", _staff(p, "fte\n", "fte,max_caseload\n", "LINCOLN,\n",
                                                             "LINCOLN,,99999999999999999999\n")),
     "max caseload must be a whole number"),
    ("fte 1e-300", lambda p: ("--staff", _staff(p, "LINCOLN,0.5", "LINCOLN,1e-300")), "FTE must be"),
    ("fte 1e-30", lambda p: ("--staff", _staff(p, "LINCOLN,0.5", "LINCOLN,1e-30")), "FTE must be"),
    ("5000-digit grade", lambda p: ("--students", _students(p, "LINCOLN,3,", "LINCOLN," + "9" * 5000 + ",")),
     "unknown grade"),
    ("5000-digit minutes", lambda p: ("--students", _students(p, "speech:60", "speech:" + "9" * 5000)),
     "minutes for speech"),
    ("5000-digit cap", lambda p: ("--staff", _staff(p, "fte\n", "fte,max_caseload\n", "LINCOLN,\n",
                                                     "LINCOLN,,1" + "0" * 5000 + "\n")),
     "max caseload"),
    ("10,000 duplicate services",
     lambda p: ("--students", _students(p, "rsp:240;speech:60", ";".join(["rsp"] * 10_000))),
     "more problem(s) in this cell"),
    ("10 MB id", lambda p: ("--students", _students(p, "S2,", "S" * 10_000_000 + ",")), "characters"),
    ("damaged xlsx", lambda p: ("--students", _damaged_xlsx(p)), "damaged"),
]


def _students(tmp_path: Path, old: str, new: str) -> Path:
    assert old in STUDENTS
    path = tmp_path / "students.csv"
    path.write_text(STUDENTS.replace(old, new, 1), encoding="utf-8")
    return path


def _staff(tmp_path: Path, *edits: str) -> Path:
    text = STAFF
    for old, new in zip(edits[::2], edits[1::2], strict=True):
        assert old in text
        text = text.replace(old, new, 1)
    path = tmp_path / "staff.csv"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("make", "fragment"), [case[1:] for case in HOSTILE], ids=[case[0] for case in HOSTILE])
def test_hostile_input_is_a_quick_clear_exit_2(tmp_path, make, fragment):
    s, t = files(tmp_path)
    option, value = make(tmp_path)
    args = {"--students": s, "--staff": t, "--rules": None, option: value}
    argv = [x for k, v in args.items() if v is not None for x in (k, v)]
    started = time.perf_counter()
    for command in (["check"], ["plan", "--out", tmp_path / "out", *FAST]):
        result = run(*command, *argv)
        assert result.exit_code == 2, result.output[:2000]
        assert fragment in result.output and "Traceback" not in result.output
        assert len(result.output) < 5_000  # errors quote excerpts and summarise repeats
    assert not (tmp_path / "out").exists()
    assert time.perf_counter() - started < 20


# --- how it is checked: parallel runs are not claimed deterministic -------------------------------------------


def test_summary_says_whether_another_run_would_give_the_same_plan(tmp_path):
    s, t = files(tmp_path)
    assert run("plan", "--students", s, "--staff", t, "--out", tmp_path / "one", *FAST).exit_code == 0
    assert json.loads((tmp_path / "one" / "summary.json").read_text())["deterministic"] is True
    assert run("plan", "--students", s, "--staff", t, "--out", tmp_path / "two", "--workers", 2).exit_code == 0
    assert json.loads((tmp_path / "two" / "summary.json").read_text())["deterministic"] is False


def test_the_row_writer_writes_the_bytes_the_table_writer_writes(tmp_path):
    # explain.csv goes through write_rows (no table built): the same formula-proof cells, quoting and line
    # ends as write_csv gives for ids, words and whole numbers
    from models.files.safe import write_csv, write_rows

    columns = ("id", "words", "cost", "blank")
    rows = [("=1+2", 'say "hi", then go', -5, ""), ("+x", "two\nlines", 0, ""), ("007", "é, ü", 12, ""),
            ("@sum", "-3", "", ""), ("plain", "", 4, "")]
    write_rows(columns, rows, tmp_path / "rows.csv")
    write_csv(pd.DataFrame([dict(zip(columns, r, strict=True)) for r in rows], columns=list(columns)),
              tmp_path / "table.csv")
    assert (tmp_path / "rows.csv").read_bytes() == (tmp_path / "table.csv").read_bytes()
    assert (tmp_path / "rows.csv").read_text(encoding="utf-8").splitlines()[1].startswith("'=1+2,")
    write_rows(columns, [], tmp_path / "empty.csv")
    write_csv(pd.DataFrame([], columns=list(columns)), tmp_path / "empty-table.csv")
    assert (tmp_path / "empty.csv").read_bytes() == (tmp_path / "empty-table.csv").read_bytes()


_CELL = st.one_of(st.text(max_size=8), st.sampled_from(["=1+2", "+x", "-3", "@a", "\tx", "007", 'a "b", c', ""]),
                  st.integers(-10**9, 10**9), st.booleans(), st.none(), st.floats(allow_nan=True, width=32))


@settings(max_examples=80, deadline=None)
@given(st.lists(st.fixed_dictionaries({"id": _CELL, "words": _CELL, "n": _CELL}), max_size=6))
def test_the_plan_tables_are_written_as_pandas_writes_them_whatever_the_cells(rows):
    # assignments.csv and services.csv skip pandas when every cell is text or a whole number; any other
    # cell (a float, a blank None, a boolean) goes through pandas, so the bytes are pandas' either way
    import tempfile

    from models.files.safe import write_csv, write_table

    with tempfile.TemporaryDirectory() as tmp:
        here = Path(tmp)
        write_table(rows, here / "fast.csv", ("id", "words", "n"))
        write_csv(pd.DataFrame(rows) if rows else pd.DataFrame(columns=["id", "words", "n"]), here / "pandas.csv")
        assert (here / "fast.csv").read_bytes() == (here / "pandas.csv").read_bytes()


@settings(max_examples=80, deadline=None)
@given(st.lists(st.floats(allow_nan=False), min_size=1, max_size=6), st.lists(st.integers(), min_size=1, max_size=6))
def test_a_float_column_is_written_as_pandas_writes_it(floats, whole):
    # caseloads.csv (fte, load_ratio) goes through the csv module: pandas' float64 column and Python's repr agree
    import tempfile

    from models.files.safe import write_csv, write_table

    rows = [{"f": f, "w": whole[i % len(whole)], "t": "x"} for i, f in enumerate(floats)]
    with tempfile.TemporaryDirectory() as tmp:
        here = Path(tmp)
        write_table(rows, here / "fast.csv")
        write_csv(pd.DataFrame(rows), here / "pandas.csv")
        assert (here / "fast.csv").read_bytes() == (here / "pandas.csv").read_bytes()
