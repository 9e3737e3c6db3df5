"""`caseload`: plan special-education caseloads from the district's tables.

Each command parses its options, calls the library and turns library errors
into exit codes: 0 a plan was written, 2 bad input or usage, 1 internal error.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from models.issues import InputError
from models.rules import RulesError

SAMPLE_DIR = Path(__file__).resolve().parent / "data" / "sample"


class BadInput(click.ClickException):
    """Bad input or usage: a clear message, exit code 2, nothing written."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(self.format_message(), err=True)


def _bad_input(exc: Exception) -> BadInput:
    if isinstance(exc, InputError):
        errors = [i for i in exc.issues if i.severity == "error"]
        lines = [str(i) for i in errors]
        return BadInput(f"{len(errors)} problem(s) in the input:\n" + "\n".join(lines))
    return BadInput(str(exc))


existing_file = click.Path(exists=True, dir_okay=False, path_type=Path)


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
                     help="Seconds the solver may take.")(f)
    return f


def _load(students_path: Path | None, staff_path: Path | None, rules_path: Path | None,
          current_path: Path | None = None):
    from models.loaders import load_problem
    from models.rules import load_rules

    if (students_path is None) != (staff_path is None):
        raise BadInput("give both --students and --staff, or neither for the sample district")
    students_path = students_path or SAMPLE_DIR / "students.csv"
    staff_path = staff_path or SAMPLE_DIR / "staff.csv"
    try:
        rules = load_rules(rules_path)
        problem, warnings = load_problem(students_path, staff_path, rules, current=current_path)
    except (InputError, RulesError) as exc:
        raise _bad_input(exc) from None
    for issue in warnings:
        click.echo(str(issue), err=True)
    return problem


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Plan special-education case managers and service providers for a district."""


@main.command()
@input_options(require=False)
@click.option("--current", "current_path", type=existing_file,
              help="services.csv of an earlier run: the current providers (continuity).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("plan"),
              show_default=True, help="Folder for the plan files.")
@solver_options
def plan(students_path, staff_path, rules_path, current_path, out_dir, time_limit, workers, seed) -> None:
    """Plan a district: a provider for every service and a case manager for every student."""
    problem = _load(students_path, staff_path, rules_path, current_path)
    from models.report import terminal_summary
    from models.writers import write_plan
    from optimizer.solve import SolveOptions, solve

    result = solve(problem, SolveOptions(time_limit=time_limit, workers=workers, seed=seed))
    write_plan(problem, result, out_dir)
    click.echo(terminal_summary(problem, result))
    click.echo(f"Plan written to {out_dir.resolve()}")


@main.command()
@input_options(require=True)
def check(students_path, staff_path, rules_path) -> None:
    """Validate the inputs and report every problem, without solving."""
    from models.loaders import load_problem
    from models.rules import load_rules

    try:
        rules = load_rules(rules_path)
        problem, warnings = load_problem(students_path, staff_path, rules)
    except (InputError, RulesError) as exc:
        if isinstance(exc, InputError):
            for issue in exc.issues:
                if issue.severity == "warning":
                    click.echo(str(issue), err=True)
        raise _bad_input(exc) from None
    for issue in warnings:
        click.echo(str(issue))
    click.echo(f"OK: {len(problem.students)} students, {len(problem.staff)} staff, "
               f"{len(problem.demands)} services, {len(warnings)} warning(s).")


if __name__ == "__main__":
    sys.exit(main())
