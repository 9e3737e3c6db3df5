"""`caseload`: plan special-education caseloads from the district's tables.

Each command parses its options, calls the library and turns library errors
into exit codes: 0 a plan was written, 2 bad input or usage, 1 internal error.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from models.domain.issues import InputError
from models.domain.rules import RulesError

SAMPLE_DIR = Path(__file__).resolve().parent / "data" / "sample"
MAX_WARNINGS_SHOWN = 20  # a plan run shows the first ones; `check` lists every one


class BadInput(click.ClickException):
    """Bad input or usage: a clear message, exit code 2, nothing written."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(self.format_message(), err=True)


REPEATS_SHOWN = 3  # the same problem in many rows: the first rows, then a count
MAX_ERRORS_SHOWN = 200  # a message stays readable (and bounded) on any input


def _error_lines(errors: list) -> list[str]:
    """The errors, each kind of repeated problem summarised after its first rows."""
    from collections import Counter

    seen: Counter = Counter()
    lines: list[str] = []
    for issue in errors:
        key = (issue.file, issue.column, issue.message)
        seen[key] += 1
        if seen[key] <= REPEATS_SHOWN:
            lines.append(str(issue))
    for (file, column, message), n in seen.items():
        if n > REPEATS_SHOWN:
            where = f"{file}, column {column}" if column else file
            lines.append(f"... and {n - REPEATS_SHOWN} more row(s) of {where} with: {message}")
    if len(lines) > MAX_ERRORS_SHOWN:
        lines = [*lines[:MAX_ERRORS_SHOWN], f"... and {len(lines) - MAX_ERRORS_SHOWN} more problem(s); "
                                            f"fix these first"]
    return lines


STAFF_FILE = "caseload.staff_file"  # click context meta: the staff file this command read (_staff_file_is)


def _bad_input(exc: Exception, staff_file: str | None = None) -> BadInput:
    if isinstance(exc, InputError):
        from optimizer.locks import STAFF_TABLE

        errors = [dataclasses.replace(i, file=staff_file) if staff_file and i.file == STAFF_TABLE else i
                  for i in exc.issues if i.severity == "error"]
        return BadInput(f"{len(errors)} problem(s) in the input:\n" + "\n".join(_error_lines(errors)))
    return BadInput(str(exc))


existing_file = click.Path(exists=True, dir_okay=False, path_type=Path)
existing_plan = click.Path(exists=True, path_type=Path)  # a plan folder or its services.csv


def input_options(require: bool) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """--students/--staff/--rules, shared by every command that reads a district."""

    def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
        f = click.option("--rules", "rules_path", type=existing_file, help="Rules TOML (default: California).")(f)
        default = "" if require else " Default: the sample district."
        f = click.option("--staff", "staff_path", type=existing_file, required=require,
                         help="Staff table (.csv or .xlsx)." + default)(f)
        f = click.option("--students", "students_path", type=existing_file, required=require,
                         help="Students table (.csv or .xlsx)." + default)(f)
        return f

    return decorate


def solver_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """--time-limit/--workers/--seed, shared by every command that solves."""
    f = click.option("--seed", type=int, default=0, show_default=True, help="Solver random seed.")(f)
    f = click.option("--workers", type=click.IntRange(min=1), default=2, show_default=True,
                     help="Solver threads; 1 with a fixed seed gives the same plan every run.")(f)
    f = click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=60.0, show_default=True,
                     help="Seconds the solver may take: a deadline, at which the best plan so far is returned "
                          "(always legal) with its proven bound.")(f)
    return f


assessments_option = click.option(
    "--assessments", "assessments_path", type=existing_file,
    help="Pending initial assessments (assessment_id, site[, student_id, due_date]): shared equally among the "
         "resource specialists serving each site, prorated by FTE (AB 560); writes assessments.csv.")


def _load(students_path: Path | None, staff_path: Path | None, rules_path: Path | None,
          current_path: Path | None = None, assessments_path: Path | None = None, staff_said: bool = False):
    """The problem, its warnings shown (``staff_said``: not the staff file's, already shown with these students'
    plan; read against only some students they would be false, e.g. "no student attends site S0004")."""
    from models.domain.rules import load_rules
    from models.files.assessments import load_assessments
    from models.files.loaders import load_problem

    if (students_path is None) != (staff_path is None):
        raise BadInput("give both --students and --staff, or neither for the sample district")
    students_path = students_path or SAMPLE_DIR / "students.csv"
    staff_path = staff_path or SAMPLE_DIR / "staff.csv"
    rules = load_rules(rules_path)
    problem, warnings = load_problem(students_path, staff_path, rules, current=current_path)
    if assessments_path is not None:
        assessments, more = load_assessments(assessments_path, problem)
        problem, warnings = dataclasses.replace(problem, assessments=assessments), [*warnings, *more]
    _say_statute_overrides(rules)
    warnings = _with_workload_warning(problem, warnings, students_path)
    if staff_said:
        warnings = [w for w in warnings if Path(w.file).resolve() != Path(staff_path).resolve()]
    for issue in warnings[:MAX_WARNINGS_SHOWN]:
        click.echo(str(issue), err=True)
    if len(warnings) > MAX_WARNINGS_SHOWN:
        click.echo(f"... and {len(warnings) - MAX_WARNINGS_SHOWN} more warning(s); "
                   "`caseload check` lists them all", err=True)
    _staff_file_is(staff_path)
    return problem


def _staff_file_is(staff_path: Path) -> None:
    """Remember the staff file, to name it in bad input the planner finds later (the optimizer knows no paths:
    its issues name the staff table, e.g. locked pupils alone over a cap)."""
    click.get_current_context().meta[STAFF_FILE] = str(staff_path)


def _names(students_path: Path | None, staff_path: Path | None):
    """Names for the output files only (never echoed)."""
    from models.files.names import load_names

    return load_names(students_path or SAMPLE_DIR / "students.csv", staff_path or SAMPLE_DIR / "staff.csv")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("caseload-planner")
    except PackageNotFoundError:  # run from a checkout without installing
        return "unknown"


verbose_option = click.option("--verbose", is_flag=True, help="Also show the solver's figures (objective, bound, gap).")


@contextlib.contextmanager
def output_folder(out_dir: Path) -> Iterator[Path]:
    """Every command that writes a folder writes it here: a temporary folder beside --out, swapped in whole.

    The previous --out stays as it was until the new one is complete (a run killed at any moment leaves
    one or the other, never a mix, and no stale file of an earlier run); an unwritable --out is bad input.
    """
    from models.files.safe import atomic_folder

    with atomic_folder(out_dir) as work:
        yield work


def _say_statute_overrides(rules) -> None:
    """A rules file that raises a statutory cap is allowed only with an override; every run says so."""
    for finding in rules.statute_overrides:
        click.echo(f"WARNING: the rules file overrides the law: {finding}", err=True)


def _with_workload_warning(problem, warnings: list, students_path: Path) -> list:
    """The loader's warnings plus one naming the students whose service minutes the workload assumes."""
    from models.domain.workload import defaulted_minutes_issue

    defaulted = defaulted_minutes_issue(problem, str(students_path))
    return [*warnings, *([defaulted] if defaulted else [])]


class _Commands(click.Group):
    """The one place errors become exit codes: bad input (InputError, RulesError) exit 2 with its message;
    an internal error exit 1 with one clear line, the traceback only with CASELOAD_DEBUG=1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except (InputError, RulesError) as exc:  # bad input, whichever command or step found it: exit 2
            raise _bad_input(exc, ctx.meta.get(STAFF_FILE)) from None
        except Exception as exc:
            if os.environ.get("CASELOAD_DEBUG"):
                raise
            click.echo(f"internal error: {type(exc).__name__}: {exc}\n"
                       "This is a bug in caseload, not in your files; rerun with CASELOAD_DEBUG=1 for details.",
                       err=True)
            ctx.exit(1)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(_version(), "--version", prog_name="caseload", message="%(prog)s %(version)s")
def main() -> None:
    """Plan special-education case managers and service providers for a district."""


@main.command()
@input_options(require=False)
@click.option("--current", "current_path", type=existing_plan,
              help="An earlier plan's folder or its plan.xlsx (case managers and providers), or its services.csv "
                   "(providers).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("plan"),
              show_default=True, help="Folder for the plan files.")
@assessments_option
@solver_options
@verbose_option
def plan(students_path, staff_path, rules_path, current_path, out_dir, assessments_path, time_limit, workers, seed,
         verbose) -> None:
    """Plan a district: a provider for every service and a case manager for every student.

    Writes plan.xlsx, report.html, assignments.csv, services.csv, caseloads.csv and summary.json.
    """
    started = time.perf_counter()
    if students_path is None and staff_path is None:
        click.echo(f"No --students/--staff given: planning the bundled sample district ({SAMPLE_DIR}).")
    problem = _load(students_path, staff_path, rules_path, current_path, assessments_path)
    names = _names(students_path, staff_path)
    load_seconds = time.perf_counter() - started
    from models.files.reviewed import review_and_explain
    from models.files.terminal import ProgressLine, files_line, terminal_summary
    from models.files.writers import write_plan
    from optimizer.solve import solve

    progress = ProgressLine(sys.stderr) if sys.stderr.isatty() else None  # quiet when not a terminal
    try:  # an InputError here (e.g. locked students alone over a cap) is bad input, like any other
        result = solve(problem, _solve_options(time_limit, workers, seed, progress=progress))
    finally:
        if progress is not None:
            progress.close()
    # loads, check and reasons, once for every output, and explain.csv's rows (a second process helps)
    review, explain = review_and_explain(problem, result.plan)
    inputs = {"students": str((students_path or SAMPLE_DIR / "students.csv").resolve()),
              "staff": str((staff_path or SAMPLE_DIR / "staff.csv").resolve()),
              "current": None if current_path is None else str(current_path.resolve())}
    # summary.json names the inputs, so `explain` and `place` can rebuild the district from the folder
    timings = {"load_seconds": round(load_seconds, 3), "inputs": inputs}
    with output_folder(out_dir) as folder:
        reviewed = write_plan(problem, result, folder, timings=timings, review=review, names=names,
                              explain=explain)
    click.echo(terminal_summary(reviewed, verbose))
    click.echo(files_line(out_dir))


@main.command()
@input_options(require=True)
@click.option("--current", "current_path", type=existing_plan,
              help="An earlier plan's folder or its services.csv, checked as `plan` and `rebalance` would.")
@assessments_option
def check(students_path, staff_path, rules_path, current_path, assessments_path) -> None:
    """Validate the inputs and report every problem, without solving."""
    from models.domain.rules import load_rules
    from models.files.assessments import load_assessments
    from models.files.loaders import load_problem
    from optimizer.solve import planning_candidates

    try:
        rules = load_rules(rules_path)
        problem, warnings = load_problem(students_path, staff_path, rules, current=current_path)
        if assessments_path is not None:  # read as `plan` reads it
            assessments, more = load_assessments(assessments_path, problem)
            problem, warnings = dataclasses.replace(problem, assessments=assessments), [*warnings, *more]
        _staff_file_is(staff_path)
        cands = planning_candidates(problem)  # what `plan` rejects before solving (locks over a cap), `check` too
    except InputError as exc:  # `check` also shows the warnings found beside the errors
        for issue in exc.issues:
            if issue.severity == "warning":
                click.echo(str(issue), err=True)
        raise
    _say_statute_overrides(rules)
    warnings = _with_workload_warning(problem, warnings, students_path)
    for issue in warnings:
        click.echo(str(issue))
    if current_path is not None:
        from models.domain.servable import servable_demands, servable_ids
        from optimizer.greedy import stay_plan

        left = servable_demands(problem, stay_plan(problem, cands))  # the current plan where it still holds
        if left:
            click.echo(f"Note: the current plan (where the rules and caps still allow it) leaves {len(left)} "
                       f"service(s) unserved that a legal provider with room could take (a max-flow check): "
                       f"{servable_ids(problem, left)}.")
    pending = f", {len(problem.assessments)} pending assessment(s)" if assessments_path is not None else ""
    click.echo(f"OK: {len(problem.students)} students, {len(problem.staff)} staff, "
               f"{len(problem.demands)} services{pending}, {len(warnings)} warning(s).")


def _solve_options(time_limit: float, workers: int, seed: int, **more: Any):
    from optimizer.solve import SolveOptions

    return SolveOptions(time_limit=time_limit, workers=workers, seed=seed, **more)


out_folder = click.Path(file_okay=False, path_type=Path)


@main.command()
@input_options(require=True)
@click.option("--scenario", "scenario_paths", type=existing_file, multiple=True, required=True,
              help="Scenario TOML file (repeat for several); see data/sample/scenarios/.")
@click.option("--out", "out_dir", type=out_folder, default=Path("whatif"), show_default=True,
              help="Folder for comparison.csv and one plan folder per scenario (base/ for the inputs as given).")
@click.option("--scheduler", envvar="DASK_SCHEDULER_ADDRESS", default=None, metavar="ADDRESS",
              help="Plan the scenarios on this Dask cluster, tcp://host:port (or DASK_SCHEDULER_ADDRESS).")
@assessments_option
@solver_options
@verbose_option
def whatif(students_path, staff_path, rules_path, scenario_paths, out_dir, scheduler, assessments_path, time_limit,
           workers, seed, verbose) -> None:
    """Plan the inputs and each what-if scenario side by side, and compare them.

    Each scenario is planned with the base plan as its current plan, so the
    changes it reports are the ones the scenario causes.
    """
    problem = _load(students_path, staff_path, rules_path, assessments_path=assessments_path)
    people = _names(students_path, staff_path)
    from models.files.tables import comparison_text
    from models.workflows.whatif_run import load_scenarios, plan_and_write, prepare

    scenarios, warnings = load_scenarios(scenario_paths, problem)
    for issue in warnings:
        click.echo(str(issue), err=True)
    run = prepare(problem, scenarios)
    from models.workflows.cluster import ClusterError, scenario_solver

    try:
        with scenario_solver(scheduler) as solve_many, output_folder(out_dir) as work:
            rows = plan_and_write(run, _solve_options(time_limit, workers, seed), work, people, solve_many)
    except ClusterError as exc:
        raise BadInput(str(exc)) from None
    click.echo(comparison_text(rows, verbose))
    click.echo(f"Plans, comparison.csv and report.html (the comparison to print or share) written to "
               f"{out_dir.resolve()}")


@main.command()
@input_options(require=True)
@click.option("--current", "current_path", type=existing_plan, required=True,
              help="The current plan's folder (case managers from assignments.csv, providers from services.csv) "
                   "or its services.csv.")
@click.option("--max-moves", type=click.IntRange(min=0), default=None,
              help="Hand at most this many students or services to a new person; the rest stays unresolved.")
@click.option("--effective-date", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Date the moves take effect, YYYY-MM-DD (default: today).")
@click.option("--disruption-weight", type=click.FloatRange(min=0), default=None,
              help="Multiplies the rules' change penalties (default 10: only moves a rule or a cap forces).")
@click.option("--out", "out_dir", type=out_folder, default=Path("rebalance"), show_default=True,
              help="Folder for the new plan and moves.csv.")
@assessments_option
@solver_options
@verbose_option
def rebalance(students_path, staff_path, rules_path, current_path, max_moves, effective_date, disruption_weight,
              out_dir, assessments_path, time_limit, workers, seed, verbose) -> None:
    """Re-plan after staff changes from the current plan, moving as few students as the rules allow."""
    import datetime

    problem = _load(students_path, staff_path, rules_path, current_path, assessments_path)
    names = _names(students_path, staff_path)
    from models.files.reviewed import review_and_explain
    from models.files.tables import moves_text
    from models.files.terminal import files_line, terminal_summary
    from models.files.writers import write_plan
    from models.workflows.moves import plan_moves
    from optimizer.rebalance import DISRUPTION_WEIGHT
    from optimizer.rebalance import rebalance as replan

    weight = DISRUPTION_WEIGHT if disruption_weight is None else disruption_weight
    weighted, result = replan(problem, _solve_options(time_limit, workers, seed, max_moves=max_moves), weight)
    moves = plan_moves(weighted, result.plan, max_moves)
    date = (effective_date or datetime.datetime.now()).date().isoformat()
    review, explain = review_and_explain(weighted, result.plan)  # as `plan`: a second process helps
    with output_folder(out_dir) as folder:
        reviewed = write_plan(weighted, result, folder, review=review, names=names, moves=moves,
                              effective_date=date, explain=explain)
    click.echo(terminal_summary(reviewed, verbose))
    click.echo(moves_text(moves))
    click.echo(files_line(out_dir))


@main.command()
@input_options(require=True)
@click.option("--out", "out_dir", type=out_folder, default=Path("staffing"), show_default=True,
              help="Folder for hires.csv and report.html.")
@solver_options
def staffing(students_path, staff_path, rules_path, out_dir, time_limit, workers, seed) -> None:
    """The fewest hires (role, credentials, sites, FTE) that let every service be delivered within caps.

    --time-limit applies to each of the plans the search makes.
    """
    problem = _load(students_path, staff_path, rules_path)
    from models.files.report_pages import write_staffing_report
    from models.files.tables import hires_text, write_hires
    from optimizer.staffing import find_hires

    result = find_hires(problem, _solve_options(time_limit, workers, seed))
    with output_folder(out_dir) as folder:
        write_hires(result, folder / "hires.csv")
        write_staffing_report(result, folder / "report.html")
    click.echo(hires_text(result))
    from models.domain.sites import unknown_site_notes

    for note in unknown_site_notes({s for h in result.hires for s in h.staff.sites}, problem.students, problem.staff):
        click.echo(note)  # a hire at a site nobody serves is usually a misspelled site
    click.echo(f"hires.csv and report.html (the hires and their curve) written to {out_dir.resolve()}")


@main.command()
@click.option("--districts", "districts_dir", required=True,
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder holding one folder per district (students.csv|xlsx, staff.csv|xlsx, optional rules.toml).")
@click.option("--scenario", "scenario_paths", type=existing_file, multiple=True,
              help="Scenario TOML file planned on every district (repeat for several); the folder takes its name.")
@click.option("--scheduler", envvar="DASK_SCHEDULER_ADDRESS", default=None, metavar="ADDRESS",
              help="An existing Dask cluster, tcp://host:port (or DASK_SCHEDULER_ADDRESS); default: a local cluster.")
@click.option("--out", "out_dir", type=out_folder, default=Path("sweep"), show_default=True,
              help="Folder for sweep.csv and one plan folder per district and scenario.")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=60.0, show_default=True,
              help="Seconds the solver may take for each plan.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Worker processes of the local cluster (default: one per core); each plan uses one core.")
@click.option("--seed", type=int, default=0, show_default=True, help="Solver random seed.")
def sweep(districts_dir, scenario_paths, scheduler, out_dir, time_limit, workers, seed) -> None:
    """Plan every district, and every scenario on every district, on a Dask cluster; gather sweep.csv.

    A run whose inputs, rules, scenario and settings are those of a finished
    run in --out is not planned again, so an interrupted sweep resumes.
    """
    from models.files.sweep_terminal import ProgressBar, sweep_text
    from models.workflows.cluster import ClusterError
    from models.workflows.sweep import Settings, plan_runs, run_sweep

    settings = Settings(time_limit=time_limit, seed=seed)
    try:
        runs = plan_runs(districts_dir, list(scenario_paths), out_dir, settings)
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    progress = ProgressBar(sys.stderr) if sys.stderr.isatty() else None  # quiet when not a terminal
    try:
        outcome = run_sweep(runs, settings, out_dir, scheduler=scheduler, workers=workers, on_done=progress)
    except ClusterError as exc:
        raise BadInput(str(exc)) from None
    finally:
        if progress is not None:
            progress.close()
    click.echo(sweep_text(outcome.rows, outcome.planned, outcome.resumed))
    click.echo(f"Plans and sweep.csv written to {out_dir.resolve()}")
    if outcome.exit_code:
        raise click.exceptions.Exit(outcome.exit_code)


plan_folder_option = click.option("--plan", "plan_dir", required=True,
                                  type=click.Path(exists=True, file_okay=False, path_type=Path),
                                  help="A plan folder written by `caseload plan`.")


def _plan_folder(plan_dir: Path, students_path: Path | None, staff_path: Path | None):
    """The problem and plan of a plan folder: its inputs (as summary.json names them, or given) must hash the same."""
    from models.files.plan_folder import check_same_inputs, read_plan, read_plan_inputs

    inputs = read_plan_inputs(plan_dir)
    students_path = students_path or inputs.students
    staff_path = staff_path or inputs.staff
    if students_path is None or staff_path is None or not students_path.exists() or not staff_path.exists():
        raise BadInput(f"{plan_dir / 'summary.json'}: the plan does not name input files that exist here; "
                       "give --students and --staff (the files the plan was made from)")
    current = inputs.current if inputs.current is not None and inputs.current.exists() else None
    problem = _load(students_path, staff_path, inputs.rules, current)
    check_same_inputs(problem, inputs, plan_dir)
    return problem, read_plan(problem, plan_dir), (students_path, staff_path, inputs.rules)


@main.command()
@plan_folder_option
@click.option("--student", "student_id", required=True, help="The student's id.")
@click.option("--students", "students_path", type=existing_file,
              help="Students table (default: the one the plan was made from).")
@click.option("--staff", "staff_path", type=existing_file,
              help="Staff table (default: the one the plan was made from).")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=30.0, show_default=True,
              help="Seconds each re-plan may take.")
def explain(plan_dir, student_id, students_path, staff_path, time_limit) -> None:
    """Why this student's case manager and providers, and what each nearest alternative would cost exactly.

    Each alternative's cost is the best plan in which that person takes the role (the student's part of
    the district planned again with the pair forced), against the plan. Writes explain-<ID>.csv in the plan folder.
    """
    problem, plan, _ = _plan_folder(plan_dir, students_path, staff_path)
    from models.files.explain_files import exact_text, file_safe, write_exact_explain
    from optimizer.forcing import explain_student

    s = problem.student_index.get(student_id)
    if s is None:
        raise BadInput(f"--student: {student_id!r} is not a student of the plan")
    rows = explain_student(problem, plan, s, _solve_options(time_limit, 1, 0))
    path = plan_dir / f"explain-{file_safe(student_id)}.csv"
    write_exact_explain(problem, rows, path)
    click.echo(exact_text(problem, rows))
    click.echo(f"{path.name} written to {plan_dir.resolve()}")


@main.command()
@plan_folder_option
@click.option("--new", "new_path", type=existing_file, required=True,
              help="Students table with the new student(s), the students file's columns.")
@click.option("--students", "students_path", type=existing_file,
              help="Students table (default: the one the plan was made from).")
@click.option("--staff", "staff_path", type=existing_file,
              help="Staff table (default: the one the plan was made from).")
@click.option("--top", type=click.IntRange(min=1), default=3, show_default=True,
              help="Ranked choices per role.")
def place(plan_dir, new_path, students_path, staff_path, top) -> None:
    """Place new students into an existing plan without moving anyone: the best case managers and providers.

    For each new student (in file order, each placed at its best before the next): the top choices per role
    ranked by exact cost, who is at cap, the ineligible staff at the site with their rule, and when nobody can
    take a service whether one move of another student frees a seat. Writes placements.csv in the plan folder.
    """
    problem, plan, (students_used, staff_used, rules_path) = _plan_folder(plan_dir, students_path, staff_path)
    from models.files.explain_files import placements_text, write_placements
    from models.workflows.placement import new_students, place_students

    new = new_students(problem, _load(new_path, staff_used, rules_path, staff_said=True), str(new_path))
    placed = place_students(problem, plan, new, top)
    write_placements(placed.problem, placed.rows, _names(students_used, staff_used), plan_dir / "placements.csv")
    click.echo(placements_text(placed.problem, placed.rows))
    click.echo(f"placements.csv written to {plan_dir.resolve()}")


if __name__ == "__main__":
    sys.exit(main())
