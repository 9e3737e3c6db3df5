"""Sweeps: every district folder, and every what-if scenario on every district, each one plan.

A sweep is a list of :class:`Run` values, one per (district, scenario), found by
:func:`plan_runs` from a folder of district folders. :func:`plan_run` plans one
run and returns its ``sweep.csv`` row; it is the task a Dask worker executes
(``models/workflows/cluster.py``), and it is a plain function, so the same runs
can also be planned one after another in one process.

Each run is keyed by a hash of everything it reads (the students, staff, rules,
assessments and scenario files, the solver settings and the planner's version). A finished
run's folder holds that key (``sweep-run.json``); a re-run with the same key
is skipped, so a sweep of a thousand districts survives an interruption. A run
folder appears only complete (see :mod:`models.files.sweep_files`).

Messages name files, rows, columns, values and ids, never a student's name.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from models.domain.issues import InputError
from models.domain.rules import DEFAULT_RULES_PATH, RulesError
from models.files.sweep_files import clear_partials, finished_row, write_sweep_csv

SWEEP_COLUMNS = ("district", "scenario", "status", "error", "students", "students_unassigned", "services_unserved",
                 "best_practice_rate", "seconds")
BASE = "base"  # the scenario label (and folder) of the inputs as given
ERROR = "error"  # the status of a run that could not be planned
TABLES = ("students", "staff")
ONE_PROCESS = "CASELOAD_ONE_PROCESS"  # models.files.side_process forks no helper process while it is set
MAX_ISSUES_IN_ROW = 20  # a sweep.csv cell lists the first ones; `caseload check` lists every one


@dataclass(frozen=True, slots=True)
class District:
    """One district folder; ``problem`` says why it cannot be read (its files are missing or ambiguous)."""

    name: str
    folder: Path
    students: Path | None = None
    staff: Path | None = None
    rules: Path | None = None  # None: the default (California) rules
    problem: str = ""
    assessments: Path | None = None  # pending initial assessments (AB 560), as `caseload plan --assessments`


@dataclass(frozen=True, slots=True)
class Settings:
    """The solver settings of every run (each run solves with one CP-SAT thread: one task, one core)."""

    time_limit: float = 60.0
    seed: int = 0


@dataclass(frozen=True, slots=True)
class Run:
    """One plan of a sweep: a district as given (``scenario == "base"``) or with one scenario applied."""

    district: District
    scenario: str
    scenario_path: Path | None
    out_dir: Path
    key: str  # hash of the inputs, rules, scenario and settings; "" when they cannot be read


# --------------------------------------------------------------------------
# Finding the runs
# --------------------------------------------------------------------------


def _one_table(folder: Path, table: str, optional: bool = False) -> tuple[Path | None, str]:
    found = [folder / f"{table}{suffix}" for suffix in (".csv", ".xlsx") if (folder / f"{table}{suffix}").is_file()]
    if not found:
        return None, "" if optional else f"{folder}: no {table}.csv or {table}.xlsx"
    if len(found) > 1:
        return None, f"{folder}: both {table}.csv and {table}.xlsx; keep one"
    return found[0], ""


def find_districts(root: Path) -> list[District]:
    """Every folder directly inside ``root`` (hidden ones aside), by name: a district each.

    Raises ValueError when ``root`` holds no folder at all (a usage mistake,
    not a bad district).
    """
    root = root.resolve()
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not folders:
        raise ValueError(f"{root} holds no district folder; put each district's students and staff files "
                         "in a folder of its own")
    districts = []
    for folder in folders:
        students, why_students = _one_table(folder, "students")
        staff, why_staff = _one_table(folder, "staff")
        assessments, why_assessments = _one_table(folder, "assessments", optional=True)
        rules = folder / "rules.toml"
        districts.append(District(name=folder.name, folder=folder, students=students, staff=staff,
                                  rules=rules if rules.is_file() else None,
                                  problem="; ".join(w for w in (why_students, why_staff, why_assessments) if w),
                                  assessments=assessments))
    return districts


def scenario_labels(paths: list[Path]) -> list[tuple[str, Path]]:
    """(label, file) of each scenario file: the label is the file's name without .toml, and names its folder.

    Raises ValueError when two files would share a folder or one is named ``base``.
    """
    out: list[tuple[str, Path]] = []
    seen: dict[str, Path] = {}
    for path in paths:
        label = re.sub(r"[^A-Za-z0-9._-]+", "-", path.stem).strip("-.") or "scenario"
        if label.lower() == BASE:
            raise ValueError(f"{path}: a scenario may not be named {BASE!r}, the folder of the inputs as given")
        if label.lower() in seen:
            raise ValueError(f"{path} and {seen[label.lower()]} would share the folder {label!r}; rename one")
        seen[label.lower()] = path
        out.append((label, path.resolve()))
    return out


def _version() -> str:
    try:
        return metadata.version("caseload-planner")
    except metadata.PackageNotFoundError:
        return "unknown"


def run_key(district: District, scenario_path: Path | None, settings: Settings) -> str:
    """SHA-256 of every byte the run reads and every setting it plans with; "" when a file cannot be read."""
    digest = hashlib.sha256()
    digest.update(f"caseload-planner {_version()}; time_limit={settings.time_limit}; seed={settings.seed}".encode())
    for path in (district.students, district.staff, district.rules or DEFAULT_RULES_PATH, scenario_path,
                 district.assessments):
        if path is None:
            digest.update(b"\0none")
            continue
        try:
            data = path.read_bytes()
        except OSError:
            return ""
        digest.update(f"\0{path.name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def plan_runs(root: Path, scenario_paths: list[Path], out: Path, settings: Settings) -> list[Run]:
    """Every run of the sweep, district by district, the base first then the scenarios in the order given."""
    scenarios = [(BASE, None), *scenario_labels(scenario_paths)]
    out = out.resolve()
    runs = []
    for district in find_districts(root):
        for label, path in scenarios:
            key = "" if district.problem else run_key(district, path, settings)
            runs.append(Run(district, label, path, out / district.name / label, key))
    return runs


# --------------------------------------------------------------------------
# Rows
# --------------------------------------------------------------------------


def error_row(run: Run, message: str, seconds: float = 0.0) -> dict:
    return {"district": run.district.name, "scenario": run.scenario, "status": ERROR, "error": message,
            "students": "", "students_unassigned": "", "services_unserved": "", "best_practice_rate": "",
            "seconds": round(seconds, 3)}


def plan_row(run: Run, summary: dict, seconds: float) -> dict:
    return {"district": run.district.name, "scenario": run.scenario, "status": summary["status"], "error": "",
            "students": summary["students"], "students_unassigned": summary["unassigned"],
            "services_unserved": summary["services_unserved"],
            "best_practice_rate": summary["best_practice_rate"], "seconds": round(seconds, 3)}


def input_message(exc: InputError | RulesError) -> str:
    """The errors of bad input as one cell: the first few, then how many more."""
    if isinstance(exc, RulesError):
        return str(exc)
    errors = [str(i) for i in exc.issues if i.severity == "error"] or [str(exc)]
    shown = errors[:MAX_ISSUES_IN_ROW]
    if len(errors) > len(shown):
        shown.append(f"... and {len(errors) - len(shown)} more; `caseload check` lists them all")
    return " | ".join(shown)


# --------------------------------------------------------------------------
# Planning one run (the task)
# --------------------------------------------------------------------------


@contextmanager
def one_process() -> Iterator[None]:
    """Write the plan files in this process alone (``caseload plan`` forks a helper for plan.xlsx and half of
    explain.csv, see ``models.files.side_process``; in a sweep every core already has a run of its own)."""
    before = os.environ.get(ONE_PROCESS)
    os.environ[ONE_PROCESS] = "1"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(ONE_PROCESS, None)
        else:
            os.environ[ONE_PROCESS] = before


def plan_run(run: Run, settings: Settings) -> dict:
    """Plan one run, write its folder and return its ``sweep.csv`` row; bad input gives an error row.

    The solver gets one thread and plans the components one after another, and
    the files are written by this process alone: the task owns one core of its
    worker, so nothing fans out inside it.
    """
    from models.domain.rules import load_rules
    from models.domain.workload import defaulted_minutes_issue
    from models.files.assessments import load_assessments
    from models.files.loaders import load_problem
    from models.files.names import load_names
    from models.files.sweep_files import write_run
    from models.files.writers import write_plan
    from models.workflows.scenarios import apply_scenario, load_scenario
    from optimizer.solve import SolveOptions, solve

    started = time.perf_counter()
    district = run.district
    done = finished_row(run.out_dir, run.key)
    if done is not None:  # planned already: this task ran before on a worker that died before it reported
        return done
    if district.problem:
        return error_row(run, district.problem)
    if not run.key:
        return error_row(run, f"{district.folder}: an input file could not be read")
    try:
        rules = load_rules(district.rules)
        problem, warnings = load_problem(district.students, district.staff, rules)
        if district.assessments is not None:  # before the scenario, which may add or remove some
            assessments, more = load_assessments(district.assessments, problem)
            problem, warnings = dataclasses.replace(problem, assessments=assessments), [*warnings, *more]
        if run.scenario_path is not None:
            scenario, more = load_scenario(run.scenario_path, problem)
            problem = apply_scenario(problem, scenario)
            warnings = [*warnings, *more]
        names = load_names(district.students, district.staff)  # for the files only
        load_seconds = time.perf_counter() - started
        # one solver thread: with workers=1 the planner never forks its own pool of component processes
        result = solve(problem, SolveOptions(time_limit=settings.time_limit, workers=1, seed=settings.seed))
        defaulted = defaulted_minutes_issue(problem, str(district.students))
        notes = [f"warning: the rules file overrides the law: {finding}" for finding in rules.statute_overrides]
        notes += [str(issue) for issue in [*warnings, *([defaulted] if defaulted else [])]]
        with one_process():
            return write_run(run.out_dir, run.key, notes,
                             lambda folder: write_plan(problem, result, folder,
                                                       timings={"load_seconds": round(load_seconds, 3)},
                                                       names=names).summary,
                             row=lambda data: plan_row(run, data, time.perf_counter() - started))
    except (InputError, RulesError) as exc:  # also: a locked student alone over a cap, an unwritable --out
        return error_row(run, input_message(exc), time.perf_counter() - started)


# --------------------------------------------------------------------------
# The sweep
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a sweep did: one row per run (in run order) and how each run ended."""

    rows: tuple[dict, ...]
    planned: int  # planned by this sweep
    resumed: int  # finished by an earlier sweep with the same inputs, rules and settings: not planned again
    bad_input: int  # error rows for bad input (a district's files, its rules or a scenario)
    failed: tuple[str, ...] = field(default=())  # runs that failed for another reason (a bug, workers dying)

    @property
    def exit_code(self) -> int:
        """0 every run planned, 2 some input was bad, 1 a run failed for another reason."""
        return 2 if self.bad_input else 1 if self.failed else 0


def input_bytes(run: Run) -> int:
    """The size of a run's tables, which its planning time roughly follows (a guess for ordering only)."""
    total = 0
    for path in (run.district.students, run.district.staff):
        try:
            total += path.stat().st_size if path is not None else 0
        except OSError:
            pass
    return total


def run_sweep(runs: list[Run], settings: Settings, out: Path, scheduler: str | None = None,
              workers: int | None = None, in_process: bool = False,
              on_done: Callable[[int, int], None] | None = None,
              task: Callable[[Run, Settings], dict] = plan_run) -> Outcome:
    """Plan every run not finished already, on Dask (or one after another with ``in_process``); write sweep.csv.

    ``scheduler`` is an existing cluster's address; without it a local cluster
    of ``workers`` processes (default: one per core) is started, and only when
    some run needs planning. ``on_done(done, total)`` follows progress.
    """
    from models.workflows.cluster import dask_client, run_tasks

    rows: list[dict | None] = [None] * len(runs)
    todo: list[int] = []
    resumed = 0
    for i, run in enumerate(runs):
        if run.district.problem or not run.key:
            rows[i] = plan_run(run, settings)  # an error row, at once
        elif (row := finished_row(run.out_dir, run.key)) is not None:
            rows[i], resumed = row, resumed + 1
        else:
            todo.append(i)
    total, done = len(runs), len(runs) - len(todo)
    if on_done is not None:
        on_done(done, total)
    failed: list[str] = []

    def take(j: int, result: object) -> None:
        nonlocal done
        run = runs[todo[j]]
        if isinstance(result, BaseException):
            failed.append(f"{run.district.name}/{run.scenario}")
            result = {**error_row(run, f"the run failed: {type(result).__name__}: {result}"), "status": ERROR}
        rows[todo[j]] = result
        done += 1
        if on_done is not None:
            on_done(done, total)

    if not in_process:  # largest first, so that no large run starts last and leaves a worker idle at the end
        todo.sort(key=lambda i: -input_bytes(runs[i]))
    pending = [runs[i] for i in todo]
    if pending and in_process:
        for j, run in enumerate(pending):
            try:
                result: object = task(run, settings)
            except Exception as exc:  # noqa: BLE001 - one run's failure is its row
                result = exc
            take(j, result)
    elif pending:
        with dask_client(scheduler, workers) as client:
            run_tasks(client, task, pending, settings, on_done=take)
    clear_partials(run.out_dir for run in runs)
    final = [row for row in rows if row is not None]
    write_sweep_csv(final, SWEEP_COLUMNS, out.resolve() / "sweep.csv")
    failed_set = set(failed)
    bad = sum(row["status"] == ERROR and f"{row['district']}/{row['scenario']}" not in failed_set for row in final)
    planned = sum(rows[i] is not None and rows[i]["status"] != ERROR for i in todo)
    return Outcome(tuple(final), planned=planned, resumed=resumed, bad_input=bad, failed=tuple(failed))
