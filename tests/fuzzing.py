"""The project's own fuzz test: mutated districts, rules, scenarios and current plans, CSV and XLSX.

Each case starts from a small good district, applies one to three seeded
mutations (a hostile cell, a dropped or swapped column, another delimiter, a
title row, a trailing field, a truncated or damaged file, a misspelled or huge
rules value, a scenario or current plan gone wrong ...) and runs a command
in-process. Every run must exit 0 or 2, never 1 (an internal error) or with a
traceback; on exit 2 nothing is written; on exit 0 every student and service
is in the plan exactly once, no cap is exceeded and ``check_plan`` re-verifies
the plan clean.

    python -m tests.fuzzing --cases 2000 --seed 1     # the long run (make fuzz)

A failing case prints its seed; ``--only SEED`` replays it.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from cli import main
from models.domain.caps import caseload_cap
from models.domain.plan import Plan, check_plan
from models.domain.rules import DEFAULT_RULES_PATH, load_rules
from models.files.loaders import load_problem
from models.files.reading import read_table

STUDENTS = [
    ["student_id", "site", "grade", "primary_disability", "secondary_disability", "support_level", "services",
     "alternate_placement", "current_case_manager", "locked"],
    ["0001", "LINCOLN", "3", "SLD", "", "", "rsp:240;speech:60", "", "R1", ""],
    ["0002", "LINCOLN", "K", "AUT", "", "extensive", "sdc;speech", "", "D1", "true"],
    ["0003", "LINCOLN", "7", "230", "290", "", "rsp;dhh", "true", "", ""],
    ["0004", "WASHINGTON", "PS", "SLI", "", "", "speech:30", "", "P1", ""],
    ["0005", "WASHINGTON", "10", "OHI", "", "mild_moderate", "rsp;counseling;ot", "", "", ""],
    ["0006", "WASHINGTON", "1", "ED", "", "extensive", "sdc;counseling", "", "", ""],
    ["0007", "LINCOLN", "12", "OI", "", "", "sdc;pt;ape", "", "D1", ""],
    ["0008", "LINCOLN", "4", "SLD", "", "", "rsp", "", "R1", ""],
]
STAFF = [
    ["staff_id", "name", "role", "credentials", "sites", "fte", "max_caseload", "rsp_waiver", "preschool_only",
     "can_case_manage", "available"],
    ["R1", "Staff One", "rsp_teacher", "R3MN", "LINCOLN", "1", "", "", "", "", ""],
    ["R2", "Staff Two", "rsp_teacher", "MMSN;AA_ED", "WASHINGTON", "0.5", "", "true", "", "", ""],
    ["D1", "Staff Three", "sdc_teacher", "ESN;MMSN;DHH", "LINCOLN", "1", "12", "", "", "", ""],
    ["D2", "Staff Four", "sdc_teacher", "ESN", "WASHINGTON", "1", "", "", "", "", ""],
    ["P1", "Staff Five", "slp", "SLP", "*", "1", "", "", "", "", ""],
    ["H1", "Staff Six", "dhh_itinerant", "DHH", "*", "0.5", "", "", "", "", ""],
    ["C1", "Staff Seven", "psychologist", "", "LINCOLN;WASHINGTON", "1", "", "", "", "", ""],
    ["T1", "Staff Eight", "ot", "", "*", "1", "", "", "", "", ""],
    ["T2", "Staff Nine", "pt", "", "*", "1", "", "", "", "", ""],
    ["A1", "Staff Ten", "ape_teacher", "APE", "*", "1", "", "", "", "", ""],
]
SCENARIO = """name = "leave and hire"
unavailable_staff = ["R1"]

[[add_staff]]
staff_id = "N1"
role = "rsp_teacher"
credentials = ["MMSN"]
sites = ["LINCOLN"]
fte = 1.0

[caps]
sdc_teacher = 10

[weights]
change_provider = 80
"""
CURRENT = [["student_id", "service", "provider"], ["0001", "rsp", "R1"], ["0001", "speech", "P1"],
           ["0002", "sdc", "D1"], ["0004", "speech", "P1"], ["0008", "rsp", "R1"]]

# cells a director's export or a hostile file may hold
HOSTILE_CELLS = [
    "", " ", "  x  ", "=1+1", "+SUM(A1)", "-1", "@x", "\tx", "0", "00", "1.5", "1e-300", "1e-30", "1e20",
    "NaN", "inf", "-0", "9" * 5000, "x" * 300, "99999999999999999999", "TK", "KN", "01", "ADULT", "IN", "PS",
    "330", "415", "710", "Autism", "Specific Learning Disability", "EMD", "281", "sld", "rsp;rsp", ";;",
    "rsp:abc", "speech:99999", "rsp:-5", "r3ms", "AAAS", "R3BC", "*", "lincoln", " LINCOLN ", "Lincon",
    "yes", "no", "maybe", "TRUE", "é", "😀", "a,b", 'a"b', "../../x", "\r", "rsp;" * 50, "R1", "r1", " R1 ",
    "D1;P1", "0.01", "0.009", "1", "32", "40", "28",
]
RULES_EDITS = [
    ("cap = 28 ", "cpa = 28 "), ("cap = 28 ", "cap = 40 "), ("cap = 28 ", "cap = 10000000 "),
    ("change_provider = 40", f"change_provider = {2**62}"), ("change_provider = 40", "change_provider = -1"),
    ("average_cap = 55", "average_cap = 60"), ("[weights]", "[weigths]"), ("preschool_cap = 40", "preschool_cap = 0"),
    ('grades = ["TK-12", "ADULT"]', 'grades = ["12-TK"]'), ('aliases = ["R3MN", "R3BM"]', 'aliases = ["R3EN"]'),
    ("cap = 15 ", "cap = 0 "), ("cap = 15 ", 'cap = "15" '), ("unserved_service = 1000000", ""),
    ('categories = ["AUT", "SLI"]', 'categories = ["AUT", "XYZ"]'), ("[roles.slp]", "[roles.slp]\nwizard = 1"),
    ("low_incidence = true", "low_incidence = 1"), ("cap = 15 ", "cap = 3 "), ("", "override_statutory_caps = true\n"),
]
SCENARIO_EDITS = [
    ('"R1"]', '"R9"]'), ("fte = 1.0", "fte = 1e-300"), ("sdc_teacher = 10", f"sdc_teacher = {10**20}"),
    ("change_provider = 80", f"change_provider = {2**62}"), ('name = "leave and hire"', 'name = "' + "x" * 256 + '"'),
    ('name = "leave and hire"', 'name = "../../escape"'), ("unavailable_staff", "unavailble_staff"),
    ('sites = ["LINCOLN"]', 'sites = ["Lincon"]'), ('role = "rsp_teacher"', 'role = "wizard"'),
    ("[caps]", "[caps]\nslp = { average_cap = 70 }"), ("fte = 1.0", "fte = 1.0\nremove_staff = [\"R2\"]"),
    ('staff_id = "N1"', 'staff_id = "R2"'), ("[weights]", "[weights]\nhappiness = 3"), ("= 1.0", "= = 1"),
]


@dataclass
class Case:
    """One mutated input set and what to run."""

    seed: int
    command: str = "plan"
    students: list[list[str]] = field(default_factory=lambda: [list(r) for r in STUDENTS])
    staff: list[list[str]] = field(default_factory=lambda: [list(r) for r in STAFF])
    current: list[list[str]] | None = None
    rules: str | None = None
    scenario: str | None = None
    formats: dict[str, str] = field(default_factory=lambda: {"students": "csv", "staff": "csv"})
    text_edits: list[tuple[str, Callable[[str], str]]] = field(default_factory=list)
    byte_damage: str | None = None
    done: list[str] = field(default_factory=list)


# -- mutations on the tables ----------------------------------------------------------------------------------


def _table(case: Case, rng: random.Random) -> tuple[str, list[list[str]]]:
    """A table with a header and at least one data row (a dropped-rows table is left alone)."""
    names = ["students", "staff"] + (["current"] if case.current is not None else [])
    names = [n for n in names if len(getattr(case, n)) >= 2 and len(getattr(case, n)[0]) >= 2] or ["students"]
    name = rng.choice(names)
    rows = getattr(case, name)
    if len(rows) < 2 or len(rows[0]) < 2:  # nothing left to mutate: restore the good table
        rows[:] = [list(r) for r in (STUDENTS if name == "students" else STAFF)]
    return name, rows


def set_cell(case: Case, rng: random.Random) -> None:
    name, rows = _table(case, rng)
    r, c = rng.randrange(1, len(rows)), rng.randrange(len(rows[0]))
    rows[r][c] = rng.choice(HOSTILE_CELLS + [rows[rng.randrange(1, len(rows))][c]])
    case.done.append(f"{name}[{r}][{rows[0][c]}]={rows[r][c][:20]!r}")


def drop_column(case: Case, rng: random.Random) -> None:
    name, rows = _table(case, rng)
    c = rng.randrange(len(rows[0]))
    case.done.append(f"{name} drop {rows[0][c]}")
    for row in rows:
        del row[c]


def swap_headers(case: Case, rng: random.Random) -> None:
    name, rows = _table(case, rng)
    a, b = rng.sample(range(len(rows[0])), 2)
    rows[0][a], rows[0][b] = rows[0][b], rows[0][a]
    case.done.append(f"{name} swap {rows[0][a]}/{rows[0][b]}")


def respell_header(case: Case, rng: random.Random) -> None:
    name, rows = _table(case, rng)
    c = rng.randrange(len(rows[0]))
    header = rows[0][c]
    rows[0][c] = rng.choice([header.upper(), header.replace("_", " ").title(), header.replace("_", "-"),
                             f" {header} ", header[:-1], header + "s"])
    case.done.append(f"{name} header {rows[0][c]!r}")


def duplicate_row(case: Case, rng: random.Random) -> None:
    name, rows = _table(case, rng)
    rows.append(list(rows[rng.randrange(1, len(rows))]))
    case.done.append(f"{name} duplicate row")


def extra_field(case: Case, rng: random.Random) -> None:
    name, rows = _table(case, rng)
    rows[rng.randrange(1, len(rows))].append(rng.choice(["", "x"]))
    case.done.append(f"{name} extra field")


def drop_rows(case: Case, rng: random.Random) -> None:
    name, rows = _table(case, rng)
    del rows[1:rng.randrange(1, len(rows) + 1)]
    case.done.append(f"{name} drop rows")


def many_services(case: Case, rng: random.Random) -> None:
    row = case.students[rng.randrange(1, len(case.students))] if len(case.students) > 1 else None
    if row is None or len(row) < 7:
        return
    row[6] = ";".join(rng.choice(["rsp", "zz"]) for _ in range(3000))
    case.done.append("3000 services in one cell")


def as_xlsx(case: Case, rng: random.Random) -> None:
    name = rng.choice(["students", "staff"])
    case.formats[name] = "xlsx"
    case.done.append(f"{name} as xlsx")


def text_shape(case: Case, rng: random.Random) -> None:
    name = rng.choice(["students", "staff"])
    edit = rng.choice([
        ("semicolons", lambda t: t.replace(";", "|").replace(",", ";").replace("|", ",")),
        ("tabs", lambda t: t.replace(",", "\t")),
        ("title row", lambda t: "District roster 2026\n\n" + t),
        ("truncated", lambda t: t[: len(t) // 2]),
        ("crlf and bom", lambda t: "\ufeff" + t.replace("\n", "\r\n")),
        ("empty", lambda t: ""),
        ("header only", lambda t: t.split("\n", 1)[0] + "\n"),
        ("blank lines", lambda t: t.replace("\n", "\n\n")),
        ("nul byte", lambda t: t.replace("0003", "00\x0003")),
    ])
    case.text_edits.append((name, edit[1]))
    case.done.append(f"{name} {edit[0]}")


def damage_bytes(case: Case, rng: random.Random) -> None:
    name = rng.choice(["students", "staff"])
    case.formats[name] = "xlsx"
    case.byte_damage = name
    case.done.append(f"{name} damaged xlsx")


def mutate_rules(case: Case, rng: random.Random) -> None:
    text = case.rules or DEFAULT_RULES_PATH.read_text(encoding="utf-8")
    old, new = rng.choice(RULES_EDITS)
    case.rules = text.replace(old, new, 1) if old else new + text
    case.done.append(f"rules {new.strip()[:30]!r}")


def with_scenario(case: Case, rng: random.Random) -> None:
    case.command = "whatif"
    text = case.scenario or SCENARIO
    if rng.random() < 0.8:
        old, new = rng.choice(SCENARIO_EDITS)
        text = text.replace(old, new, 1)
        case.done.append(f"scenario {new[:30]!r}")
    case.scenario = text


def with_current(case: Case, rng: random.Random) -> None:
    case.current = case.current or [list(r) for r in CURRENT]
    case.command = rng.choice(["plan", "rebalance"])
    case.done.append(f"current ({case.command})")


MUTATIONS = [set_cell, set_cell, set_cell, drop_column, swap_headers, respell_header, duplicate_row, extra_field,
             drop_rows, many_services, as_xlsx, as_xlsx, text_shape, text_shape, damage_bytes, mutate_rules,
             mutate_rules, with_scenario, with_scenario, with_current, with_current]


def make_case(seed: int) -> Case:
    rng = random.Random(seed)
    case = Case(seed)
    for _ in range(rng.choice([1, 1, 2, 3])):
        rng.choice(MUTATIONS)(case, rng)
    return case


# -- writing and running ------------------------------------------------------------------------------------


def _write_table(rows: list[list[str]], path: Path, edits: list[Callable[[str], str]]) -> None:
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    text = buffer.getvalue()
    for edit in edits:
        text = edit(text)
    path.write_text(text, encoding="utf-8")


def _write_xlsx(rows: list[list[str]], path: Path, numeric_ids: bool, damage: bool) -> None:
    width = len(rows[0]) if rows else 0
    body = [(r + [""] * width)[:width] for r in rows[1:]]
    frame = pd.DataFrame(body, columns=rows[0] if rows else None)
    if numeric_ids and "student_id" in frame.columns:
        frame["student_id"] = [int(v) if v.isdigit() and len(v) < 15 else v for v in frame["student_id"]]
    frame.to_excel(path, index=False)
    if damage:
        data = bytearray(path.read_bytes())
        middle = len(data) // 2
        data[middle:middle + 40] = bytes(b ^ 0x5A for b in data[middle:middle + 40])
        path.write_bytes(bytes(data))


def write_case(case: Case, folder: Path) -> list[str]:
    """Write the case's files; return the command line."""
    rng = random.Random(case.seed)
    paths = {}
    for name in ("students", "staff"):
        rows = getattr(case, name)
        edits = [edit for target, edit in case.text_edits if target == name]
        if case.formats[name] == "xlsx":
            path = folder / f"{name}.xlsx"
            _write_xlsx(rows, path, rng.random() < 0.5, case.byte_damage == name)
        else:
            path = folder / f"{name}.csv"
            _write_table(rows, path, edits)
        paths[name] = path
    args = [case.command, "--students", str(paths["students"]), "--staff", str(paths["staff"]),
            "--time-limit", "2", "--workers", "1"]
    if case.rules is not None:
        (folder / "rules.toml").write_text(case.rules, encoding="utf-8")
        args += ["--rules", str(folder / "rules.toml")]
    if case.command == "whatif":
        (folder / "scenario.toml").write_text(case.scenario or SCENARIO, encoding="utf-8")
        args += ["--scenario", str(folder / "scenario.toml")]
    if case.current is not None and case.command != "whatif":
        _write_table(case.current, folder / "services.csv", [])
        args += ["--current", str(folder / "services.csv")]
    elif case.command == "rebalance":
        args[0] = "plan"
    return args + ["--out", str(folder / "out")]


def _check_plan_folder(case: Case, folder: Path, plan_dir: Path) -> None:
    """Every student and service exactly once, no cap exceeded, check_plan clean."""
    rules = load_rules(folder / "rules.toml" if case.rules is not None else None)
    ext = {n: case.formats[n] for n in ("students", "staff")}
    current = folder / "services.csv" if case.current is not None and case.command != "whatif" else None
    problem, _ = load_problem(folder / f"students.{ext['students']}", folder / f"staff.{ext['staff']}", rules,
                              current=current)
    assignments = read_table(plan_dir / "assignments.csv")
    services = read_table(plan_dir / "services.csv")
    ids = [s.student_id for s in problem.students]
    assert assignments["student_id"].tolist() == ids, "assignments.csv does not list every student once, in order"
    pairs = list(zip(services["student_id"], services["service"], strict=True))
    wanted = [(problem.students[d.student].student_id, d.service) for d in problem.demands]
    assert Counter(pairs) == Counter(wanted) and len(set(pairs)) == len(pairs), "services.csv is not one row each"
    index = problem.staff_index
    by_pair = {pair: p for pair, p in zip(pairs, services["provider"], strict=True)}
    providers = tuple(index[by_pair[w]] if by_pair[w] else None for w in wanted)
    managers = tuple(index[m] if m else None for m in assignments["case_manager"])
    plan = Plan(providers=providers, case_managers=managers)
    report = check_plan(problem, plan)
    assert report.ok, report.violations
    caseloads = read_table(plan_dir / "caseloads.csv")
    assert set(caseloads["over_cap"]) <= {"false"}, "a cap is exceeded"
    for p, person in enumerate(problem.staff):
        cap = caseload_cap(problem.rules, person)
        role = problem.rules.roles.get(person.role)
        if cap is not None and role is not None:
            served = sum(1 for d, q in enumerate(providers) if q == p and problem.demands[d].service ==
                         role.caseload_service)
            assert served <= cap, f"{person.staff_id} has {served} over the cap of {cap}"


def run_case(case: Case, folder: Path) -> str:
    """Run one case; return "0" or "2"; raise AssertionError (with the case) on a broken promise."""
    folder.mkdir(parents=True, exist_ok=True)
    args = write_case(case, folder)
    result = CliRunner().invoke(main, args)
    where = f"seed {case.seed} ({'; '.join(case.done)}): {' '.join(args[:1])}"
    output = result.output
    if result.exit_code not in (0, 2) or "Traceback" in output:
        detail = "".join(traceback.format_exception(*result.exc_info)) if result.exc_info else ""
        raise AssertionError(f"{where}: exit {result.exit_code}\n{output[-3000:]}\n{detail[-3000:]}")
    out = folder / "out"
    if result.exit_code == 2:
        leftovers = [p.name for p in folder.iterdir() if p.name.startswith((".out.", "out"))]
        assert not leftovers, f"{where}: exit 2 but wrote {leftovers}"
        return "2"
    try:
        if case.command == "whatif":
            for plan_dir in sorted(p for p in out.iterdir() if p.is_dir()):
                if plan_dir.name == "base":
                    _check_plan_folder(case, folder, plan_dir)
        else:
            _check_plan_folder(case, folder, out)
    except AssertionError as exc:
        raise AssertionError(f"{where}: {exc}") from None
    return "0"


def fuzz(cases: int, seed: int, root: Path, stop_on_failure: bool = True) -> tuple[Counter, list[str]]:
    outcomes: Counter = Counter()
    failures: list[str] = []
    for k in range(cases):
        case = make_case(seed * 1_000_003 + k)
        try:
            outcomes[run_case(case, root / f"case{k}")] += 1
        except AssertionError as exc:
            failures.append(str(exc))
            outcomes["failed"] += 1
            if stop_on_failure:
                break
    return outcomes, failures


def _main() -> int:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", type=int, default=None, help="replay one case by its seed")
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        if args.only is not None:
            print(run_case(make_case(args.only), Path(tmp) / "case"))
            return 0
        outcomes, failures = fuzz(args.cases, args.seed, Path(tmp), stop_on_failure=False)
    seconds = time.perf_counter() - started
    print(f"fuzz: {args.cases} cases (seed {args.seed}) in {seconds:.0f} s: {outcomes['0']} planned (exit 0), "
          f"{outcomes['2']} bad input (exit 2), {outcomes['failed']} failed")
    for failure in failures[:20]:
        print("FAILED", failure[:4000], file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(_main())
