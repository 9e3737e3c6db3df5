"""`caseload sweep` on a real local Dask cluster (two worker processes): rows, plan folders, faults, resuming."""

from __future__ import annotations

import csv
import os
import signal
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from models.files.sweep_files import MANIFEST
from models.workflows.cluster import LOCAL_TUNING, cluster_size, dask_client
from models.workflows.sweep import SWEEP_COLUMNS, Run, Settings, plan_run, plan_runs, run_sweep

pytestmark = pytest.mark.timeout(180)  # a cluster that hangs fails the test instead of the suite

STUDENTS = (
    "student_id,site,grade,primary_disability,services\n"
    + "".join(f"a{i},A,3,SLD,rsp\n" for i in range(6))
    + "c1,A,2,SLI,speech\n"
)
STAFF = (
    "staff_id,name,role,credentials,sites,fte\n"
    "R1,Ada Quill,rsp_teacher,MMSN,A,1\n"
    "R3,Bea Stroud,rsp_teacher,MMSN,A,0.5\n"
    "SLP1,Cy Marsh,slp,SLP,A,1\n"
    "T1,Di Penn,sdc_teacher,MMSN,A,1\n"
)
PLAN_FILES = {"assignments.csv", "services.csv", "caseloads.csv", "summary.json"}
SOLVER = ["--time-limit", "10"]
GOOD = {("north", "base"), ("north", "r3-leaves"), ("north", "cap"), ("south", "base"), ("south", "cap")}


def make_sweep(root: Path) -> tuple[Path, list[Path]]:
    """north: fine; south: no R3 (so the scenario sending R3 away is bad there); west: a bad students file."""
    districts = root / "districts"
    for name, students, staff in (
        ("north", STUDENTS, STAFF),
        ("south", STUDENTS, STAFF.replace("R3,Bea Stroud,rsp_teacher,MMSN,A,0.5\n", "")),
        ("west", STUDENTS.replace("a2,A,3,SLD", "a2,A,3,XYZ"), STAFF),
    ):
        (districts / name).mkdir(parents=True)
        (districts / name / "students.csv").write_text(students, encoding="utf-8")
        (districts / name / "staff.csv").write_text(staff, encoding="utf-8")
    leaves = root / "r3-leaves.toml"
    leaves.write_text('name = "R3 leaves"\nunavailable_staff = ["R3"]\n', encoding="utf-8")
    cap = root / "cap.toml"
    cap.write_text("[caps]\nrsp_teacher = 3\n", encoding="utf-8")
    return districts, [leaves, cap]


def sweep_args(districts: Path, scenarios: list[Path], out: Path) -> list[str]:
    return ["sweep", "--districts", str(districts), *(a for s in scenarios for a in ("--scenario", str(s))),
            "--out", str(out), *SOLVER]


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames) == SWEEP_COLUMNS
        return list(reader)


def plan_mtimes(out: Path) -> dict[str, int]:
    return {str(p.relative_to(out)): p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()
            and p.name != "sweep.csv"}


@pytest.fixture(scope="module")
def scheduler():
    """The sweep's own local cluster (two worker processes), shared by the tests and reached by its address."""
    with dask_client(workers=2) as client:
        assert cluster_size(client) == 2
        yield client.scheduler.address


def test_sweep_plans_every_district_and_scenario_and_a_bad_one_gets_its_rows(tmp_path, scheduler):
    districts, scenarios = make_sweep(tmp_path)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, [*sweep_args(districts, scenarios, out), "--scheduler", scheduler])
    assert result.exit_code == 2, result.output  # some input was bad
    rows = read_rows(out / "sweep.csv")
    assert [(r["district"], r["scenario"]) for r in rows] == [
        (d, s) for d in ("north", "south", "west") for s in ("base", "r3-leaves", "cap")]
    by_run = {(r["district"], r["scenario"]): r for r in rows}
    for run in GOOD:
        row = by_run[run]
        assert row["status"] == "OPTIMAL" and row["error"] == ""
        assert row["students"] == "7"
        folder = out / run[0] / run[1]
        assert PLAN_FILES <= {p.name for p in folder.iterdir()}
        with open(folder / "assignments.csv", encoding="utf-8") as handle:
            assert len(list(csv.DictReader(handle))) == 7
    # the cap of 3 RSP students per teacher leaves RSP services unserved; the base serves them all
    assert by_run[("north", "base")]["services_unserved"] == "0"
    assert int(by_run[("north", "cap")]["services_unserved"]) > 0
    assert by_run[("south", "r3-leaves")]["status"] == "error"
    assert "unknown staff id R3" in by_run[("south", "r3-leaves")]["error"]
    for scenario in ("base", "r3-leaves", "cap"):
        row = by_run[("west", scenario)]
        assert row["status"] == "error" and row["students"] == ""
        assert "students.csv, row 4, column primary_disability, value 'XYZ'" in row["error"]
        assert not (out / "west" / scenario).exists()  # nothing written for bad input
    assert not (out / "south" / "r3-leaves").exists()
    assert "5 planned" in result.output and "4 error(s)" in result.output
    for name in ("Ada Quill", "Bea Stroud", "Cy Marsh", "Di Penn"):
        assert name not in result.output


def test_a_sweep_run_writes_what_caseload_plan_writes(tmp_path, scheduler):
    districts, _ = make_sweep(tmp_path)
    north = districts / "north"
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["sweep", "--districts", str(districts), "--out", str(out),
                                       "--scheduler", scheduler, *SOLVER])
    assert result.exit_code == 2, result.output
    plan = tmp_path / "plan"
    result = CliRunner().invoke(main, ["plan", "--students", str(north / "students.csv"), "--staff",
                                       str(north / "staff.csv"), "--out", str(plan), "--workers", "1",
                                       *SOLVER])
    assert result.exit_code == 0, result.output
    swept = out / "north" / "base"
    assert {p.name for p in plan.iterdir()} <= {p.name for p in swept.iterdir()}
    for name in ("assignments.csv", "services.csv", "caseloads.csv"):
        assert (swept / name).read_text(encoding="utf-8") == (plan / name).read_text(encoding="utf-8")


def test_a_second_sweep_resumes_without_planning_again(tmp_path, scheduler, monkeypatch):
    districts, scenarios = make_sweep(tmp_path)
    out = tmp_path / "out"
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", scheduler)  # the existing cluster, named by the environment
    first = CliRunner().invoke(main, sweep_args(districts, scenarios, out))
    assert first.exit_code == 2, first.output
    rows, before = read_rows(out / "sweep.csv"), plan_mtimes(out)
    assert before

    again = CliRunner().invoke(main, sweep_args(districts, scenarios, out))
    assert again.exit_code == 2, again.output
    assert "0 planned, 5 already planned" in again.output
    assert plan_mtimes(out) == before  # not one plan file written again
    planned = [r for r in rows if r["status"] != "error"]
    assert [r for r in read_rows(out / "sweep.csv") if r["status"] != "error"] == planned  # the stored rows

    # a changed staff file plans that district again, and only it
    staff = districts / "north" / "staff.csv"
    staff.write_text(staff.read_text(encoding="utf-8").replace("A,1\nR3", "A,0.8\nR3"), encoding="utf-8")
    third = CliRunner().invoke(main, sweep_args(districts, scenarios, out))
    assert "3 planned, 2 already planned" in third.output, third.output
    after = plan_mtimes(out)
    changed = {path.split(os.sep)[0] for path in after if after[path] != before.get(path)}
    assert changed == {"north"}


def die_on_first_attempt(run: Run, settings: Settings) -> dict:
    """The planning task, except that north/cap kills its own worker process the first time it runs."""
    if (run.district.name, run.scenario) == ("north", "cap"):
        marker = run.district.folder.parent / "worker-killed"
        try:
            os.close(os.open(marker, os.O_CREAT | os.O_EXCL))
        except FileExistsError:
            pass
        else:
            os.kill(os.getpid(), signal.SIGKILL)
    return plan_run(run, settings)


def test_a_worker_killed_mid_sweep_costs_only_its_task(tmp_path, scheduler):
    districts, scenarios = make_sweep(tmp_path)
    out = tmp_path / "out"
    settings = Settings(time_limit=10)
    runs = plan_runs(districts, scenarios, out, settings)
    outcome = run_sweep(runs, settings, out, scheduler=scheduler, task=die_on_first_attempt)
    assert (districts / "worker-killed").exists()  # the worker did die
    assert len(outcome.rows) == 9 and outcome.failed == ()
    assert outcome.planned == 5 and outcome.exit_code == 2
    rows = {(r["district"], r["scenario"]): r for r in read_rows(out / "sweep.csv")}
    assert rows[("north", "cap")]["status"] == "OPTIMAL"
    assert PLAN_FILES | {MANIFEST} <= {p.name for p in (out / "north" / "cap").iterdir()}
    assert not [p for p in out.rglob(".*") if p.is_dir()]  # the dead worker's half-written folder is gone


def test_a_sweep_run_writes_its_files_in_its_own_process_alone(tmp_path, monkeypatch):
    # each run owns one core: caseload plan's helper process for plan.xlsx would make it two
    import threading

    import models.files.side_process as side

    real_fork = os.fork

    def fork() -> int:  # the solver's own fork (a flow it can stop at the deadline) is one core's work; waited for
        assert sys._getframe(1).f_globals["__name__"] != side.__name__, "a sweep run forked a file writer"
        return real_fork()

    monkeypatch.setattr(os, "fork", fork)
    monkeypatch.setattr(threading, "active_count", lambda: 1)  # as in a single-threaded process
    monkeypatch.delenv("CASELOAD_ONE_PROCESS", raising=False)
    districts, scenarios = make_sweep(tmp_path)
    run = plan_runs(districts, scenarios, tmp_path / "out", Settings(time_limit=10))[0]
    row = plan_run(run, Settings(time_limit=10))
    assert row["status"] == "OPTIMAL" and (run.out_dir / "plan.xlsx").is_file()
    assert "CASELOAD_ONE_PROCESS" not in os.environ  # the setting ends with the run


def _worker_settings() -> tuple[str | None, bool]:
    import dask

    return os.environ.get("MALLOC_TRIM_THRESHOLD_"), dask.config.get("distributed.worker.profile.enabled")


def test_local_cluster_workers_plan_without_dasks_profiler_or_memory_trimming(scheduler):
    # each costs a plan several per cent of CPU on a worker (benchmarks/README.md, "Sweeps")
    with dask_client(scheduler) as client:
        client.wait_for_workers(2, timeout=60)  # a worker killed by an earlier test is being restarted
        seen = client.run(_worker_settings)
    assert len(seen) == 2 and set(seen.values()) == {(None, False)}


def test_the_worker_settings_file_for_other_machines_matches_the_local_cluster():
    import yaml

    def flat(tree: dict, prefix: str = "") -> dict:
        out = {}
        for key, value in tree.items():
            out.update(flat(value, f"{prefix}{key}.") if isinstance(value, dict) else {f"{prefix}{key}": value})
        return out

    text = (Path(__file__).parents[1] / "dask-worker.yaml").read_text(encoding="utf-8")
    assert flat(yaml.safe_load(text)) == LOCAL_TUNING


def test_missing_files_and_scenario_clashes_are_reported_without_a_cluster(tmp_path):
    districts, scenarios = make_sweep(tmp_path)
    (districts / "east").mkdir()
    (districts / "east" / "students.csv").write_text(STUDENTS, encoding="utf-8")
    out = tmp_path / "out"
    settings = Settings(time_limit=10)
    outcome = run_sweep(plan_runs(districts, [], out, settings), settings, out, in_process=True)
    east = next(r for r in outcome.rows if r["district"] == "east")
    assert east["status"] == "error" and "no staff.csv or staff.xlsx" in east["error"]
    assert outcome.planned == 2 and outcome.bad_input == 2 and outcome.exit_code == 2

    clash = tmp_path / "other" / "cap.toml"
    clash.parent.mkdir()
    clash.write_text("[caps]\nrsp_teacher = 4\n", encoding="utf-8")
    result = CliRunner().invoke(main, sweep_args(districts, [scenarios[1], clash], out))
    assert result.exit_code == 2 and "would share the folder 'cap'" in result.output
    empty = tmp_path / "empty"
    empty.mkdir()
    result = CliRunner().invoke(main, ["sweep", "--districts", str(empty), "--out", str(out)])
    assert result.exit_code == 2 and "holds no district folder" in result.output


def test_whatif_scenarios_planned_on_the_cluster_equal_those_planned_here(tmp_path, scheduler):
    from models.domain.rules import load_rules
    from models.files.loaders import load_problem
    from models.workflows.cluster import solve_on
    from models.workflows.scenarios import apply_scenario, load_scenario
    from optimizer.solve import SolveOptions
    from optimizer.whatif import plan_side_by_side

    districts, scenarios = make_sweep(tmp_path)
    north = districts / "north"
    base, _ = load_problem(north / "students.csv", north / "staff.csv", load_rules())
    variants = [apply_scenario(base, load_scenario(path, base)[0]) for path in scenarios]
    options = SolveOptions(time_limit=10, workers=1)
    here = plan_side_by_side(base, variants, options)
    with dask_client(scheduler) as client:
        there = plan_side_by_side(base, variants, options, solve_many=solve_on(client))
    assert [r.plan for r in there[2]] == [r.plan for r in here[2]]
    assert [(r.status, r.objective) for r in there[2]] == [(r.status, r.objective) for r in here[2]]
    assert there[2][1].plan != there[0].plan  # the cap scenario does change the plan


def test_caseload_whatif_with_a_scheduler_writes_the_same_comparison(tmp_path, scheduler):
    districts, scenarios = make_sweep(tmp_path)
    north = districts / "north"
    args = ["whatif", "--students", str(north / "students.csv"), "--staff", str(north / "staff.csv"),
            *(a for s in scenarios for a in ("--scenario", str(s))), "--workers", "1", *SOLVER]
    here = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "here")])
    there = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "there"), "--scheduler", scheduler])
    assert here.exit_code == 0 and there.exit_code == 0, there.output
    comparison = (tmp_path / "here" / "comparison.csv").read_text(encoding="utf-8")
    assert (tmp_path / "there" / "comparison.csv").read_text(encoding="utf-8") == comparison
    assert comparison.count("\n") == 4  # header, base and the two scenarios


def test_a_districts_assessments_file_is_planned_as_plan_assessments_does_and_keys_the_run(tmp_path):
    districts, _ = make_sweep(tmp_path)
    north = districts / "north"
    (north / "assessments.csv").write_text("assessment_id,site\nIA1,A\nIA2,A\nIA3,A\n", encoding="utf-8")
    (districts / "south" / "assessments.csv").write_text("assessment_id,site\nIA1,A\nIA1,A\n", encoding="utf-8")
    more = tmp_path / "more.toml"
    more.write_text('remove_assessments = ["IA3"]\n\n[[add_assessments]]\nassessment_id = "IA9"\nsite = "A"\n'
                    '\n[[add_assessments]]\nassessment_id = "IA10"\nsite = "A"\n', encoding="utf-8")
    out = tmp_path / "out"
    settings = Settings(time_limit=10)
    runs = plan_runs(districts, [more], out, settings)
    outcome = run_sweep(runs, settings, out, in_process=True)
    rows = {(r["district"], r["scenario"]): r for r in outcome.rows}
    assert rows[("north", "base")]["status"] == "OPTIMAL" and rows[("north", "more")]["status"] == "OPTIMAL"
    assert rows[("south", "base")]["status"] == "error"
    assert "assessments.csv, row 3, column assessment_id, value 'IA1'" in rows[("south", "base")]["error"]
    plan = tmp_path / "plan"
    result = CliRunner().invoke(main, ["plan", "--students", str(north / "students.csv"), "--staff",
                                       str(north / "staff.csv"), "--assessments", str(north / "assessments.csv"),
                                       "--out", str(plan), "--workers", "1", *SOLVER])
    assert result.exit_code == 0, result.output
    base = out / "north" / "base"
    assert (base / "assessments.csv").read_text(encoding="utf-8") == (plan / "assessments.csv").read_text(
        encoding="utf-8")
    with open(out / "north" / "more" / "assessments.csv", encoding="utf-8") as handle:
        assert sorted(row["assessment_id"] for row in csv.DictReader(handle)) == ["IA1", "IA10", "IA2", "IA9"]
    # a changed assessments file is a changed run: planned again, not resumed
    before = {(r.district.name, r.scenario): r.key for r in runs}
    (north / "assessments.csv").write_text("assessment_id,site\nIA1,A\n", encoding="utf-8")
    after = {(r.district.name, r.scenario): r.key for r in plan_runs(districts, [more], out, settings)}
    assert after[("north", "base")] != before[("north", "base")]
    assert after[("west", "base")] == before[("west", "base")]
    (north / "assessments.xlsx").write_bytes(b"")
    both = next(d for d in plan_runs(districts, [], out, settings) if d.district.name == "north")
    assert "both assessments.csv and assessments.xlsx" in both.district.problem
