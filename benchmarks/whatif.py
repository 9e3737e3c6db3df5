"""Benchmark ``caseload whatif`` on a connected district: five scenarios against one ``caseload plan``.

    python -m benchmarks.whatif [--district connected-70000] [--work DIR] [--time-limit 60] [--seed 1]
                                [--scenarios-only]

Generates the district (``models.synthetic.itinerants``) and five realistic
scenario files for it (``scenarios(...)``, each a few lines of TOML):

1. one more deaf-and-hard-of-hearing itinerant, covering the sites of the
   first DHH itinerant's region;
2. a resource specialist on leave (``unavailable_staff``);
3. the SLP district average at 50 instead of 55 (a rules change: it touches
   every component holding an SLP);
4. thirty students enrolling at one school (copies of that school's profiles,
   new ids, no current case manager);
5. an SLP cut to 0.6 FTE.

Then times ``caseload plan`` and ``caseload whatif`` with the five scenarios
(end to end, as a director runs them: a fresh process each) and prints both,
their ratio (target: at most 2) and the load average before and after each.
``--breakdown`` then measures, in this process, where whatif's time goes
(reading, checks, the base solve, each re-plan, the explain.csv rows the scenarios reuse and how
many students reuse them, the base folder, the five scenario folders);
``--compare-whole`` adds each scenario planned whole (the objective must match).
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import time
from pathlib import Path

from models.synthetic.itinerants import connected_district
from models.synthetic.rows import write_district

TARGET_RATIO = 2.0


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def scenarios(district: Path, out: Path) -> list[Path]:
    """Write the five scenario files for the district in ``district`` into ``out``; their paths."""
    staff = _rows(district / "staff.csv")
    students = _rows(district / "students.csv")
    out.mkdir(parents=True, exist_ok=True)
    def pick(role: str, where: float) -> dict[str, str]:  # spread over the district: different regions
        found = [p for p in staff if p["role"] == role and p["available"] == "true" and float(p["fte"]) == 1.0]
        return found[int(where * (len(found) - 1))]

    dhh, rsp, slp = pick("dhh_itinerant", 0.0), pick("rsp_teacher", 0.5), pick("slp", 0.75)
    site = pick("rsp_teacher", 0.25)["sites"].split(";")[0]
    at_site = [s for s in students if s["site"] == site]
    files = {
        "dhh-itinerant": (f"# One more DHH itinerant for the region {dhh['staff_id']} covers.\n"
                          f'name = "One more DHH itinerant"\n\n[[add_staff]]\nstaff_id = "NEW-DHH1"\n'
                          f'role = "dhh_itinerant"\ncredentials = "{dhh["credentials"]}"\n'
                          f'sites = "{dhh["sites"]}"\nfte = 1.0\n'),
        "rsp-leave": (f'# A resource specialist at {rsp["sites"]} on leave.\nname = "{rsp["staff_id"]} on leave"\n'
                      f'unavailable_staff = ["{rsp["staff_id"]}"]\n'),
        "slp-average-50": '# The SLP district average at 50 instead of 55.\nname = "SLP average 50"\n\n'
                          "[caps.slp]\naverage_cap = 50\n",
        "enrolment": _enrolment(site, at_site, 30),
        "slp-fte": (f'# An SLP cut to 0.6 FTE.\nname = "{slp["staff_id"]} at 0.6 FTE"\n\n'
                    f'[[change_staff]]\nstaff_id = "{slp["staff_id"]}"\nfte = 0.6\n'),
    }
    paths = []
    for name, text in files.items():
        path = out / f"{name}.toml"
        path.write_text(text)
        paths.append(path)
    return paths


def _enrolment(site: str, at_site: list[dict[str, str]], n: int) -> str:
    """``n`` new students at ``site``: the site's own profiles in turn, new ids, nobody assigned yet."""
    lines = [f"# {n} students enroll at {site}.", f'name = "{n} new students at {site}"', ""]
    for i in range(n):
        model = at_site[i % len(at_site)]
        lines += ["[[add_students]]", f'student_id = "NEW{i + 1:05d}"', f'site = "{site}"',
                  f'grade = "{model["grade"]}"', f'primary_disability = "{model["primary_disability"]}"']
        for field in ("secondary_disability", "support_level"):
            if model[field]:
                lines.append(f'{field} = "{model[field]}"')
        lines += [f'services = "{model["services"]}"', f'alternate_placement = {model["alternate_placement"]}', ""]
    return "\n".join(lines)


def _timed(args: list[str]) -> tuple[float, str, str]:
    """(seconds, load average before, after) of one command, which must succeed."""
    before = "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    t0 = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        sys.exit(f"{' '.join(args[:2])} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return seconds, before, "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.whatif", description=__doc__.split("\n\n")[0])
    parser.add_argument("--district", default="connected-70000")
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench-whatif"))
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scenarios-only", action="store_true", help="write the district and scenarios, time nothing")
    parser.add_argument("--breakdown", action="store_true", help="then, in this process: where whatif's time goes")
    parser.add_argument("--compare-whole", action="store_true", help="with --breakdown: also plan each scenario whole")
    args = parser.parse_args(argv)
    district = args.work / args.district
    if not (district / "students.csv").exists():
        write_district(district, *connected_district(args.district, args.seed))
    paths = scenarios(district, args.work / f"{args.district}-scenarios")
    print(f"district in {district}; scenarios: {' '.join(str(p) for p in paths)}")
    if args.scenarios_only:
        return 0
    caseload = [sys.executable, "-m", "cli"]
    inputs = ["--students", str(district / "students.csv"), "--staff", str(district / "staff.csv"),
              "--time-limit", str(args.time_limit)]
    out = args.work / f"{args.district}-plan"
    plan, plan_before, plan_after = _timed([*caseload, "plan", *inputs, "--out", str(out)])
    print(f"caseload plan: {plan:.1f} s (load average before {plan_before}, after {plan_after})")
    scenario_args = [a for p in paths for a in ("--scenario", str(p))]
    whatif, what_before, what_after = _timed([*caseload, "whatif", *inputs, *scenario_args,
                                              "--out", str(args.work / f"{args.district}-whatif")])
    print(f"caseload whatif (5 scenarios): {whatif:.1f} s (load average before {what_before}, after {what_after})")
    ratio = whatif / plan
    print(f"ratio {ratio:.2f} (target <= {TARGET_RATIO}): {'met' if ratio <= TARGET_RATIO else 'NOT met'}")
    if args.breakdown:
        breakdown(district, paths, args.time_limit, args.work / f"{args.district}-breakdown", args.compare_whole)
    return 0


def _load() -> str:
    return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def breakdown(district: Path, paths: list[Path], time_limit: float, out: Path, compare_whole: bool) -> None:
    """Where ``whatif``'s time goes, in this process, step by step: reading, checks, base solve, each re-plan,
    the reused rows, writing (``caseload whatif`` overlaps the base folder and the reused rows with the re-plans)."""
    import shutil

    from models.domain.rules import load_rules
    from models.files.loaders import load_problem
    from models.workflows.explain_reuse import explain
    from models.workflows.whatif_run import load_scenarios, prepare, reference_of, write_plans
    from optimizer.solve import SolveOptions, solve
    from optimizer.whatif import replan_side_by_side

    t0 = time.perf_counter()
    problem, _ = load_problem(district / "students.csv", district / "staff.csv", load_rules(None))
    scenarios, _ = load_scenarios(paths, problem)
    t1 = time.perf_counter()
    run = prepare(problem, scenarios)
    t2 = time.perf_counter()
    print(f"read {t1 - t0:.1f} s, scenarios applied and checked {t2 - t1:.1f} s ({_load()})")
    options = SolveOptions(time_limit=time_limit)
    base, anchored, replanned = replan_side_by_side(problem, list(run.problems[1:]), options, run.cands)
    t3 = time.perf_counter()
    print(f"base + 5 re-plans {t3 - t2:.1f} s (base solve {base.solve_seconds:.1f} s, {base.status}) ({_load()})")
    for (label, _), r in zip(run.labels[1:], replanned, strict=True):
        print(f"  {label}: {r.result.solve_seconds:.1f} s, {r.result.status}, re-planned {r.replanned} of "
              f"{r.components} components ({r.replanned_students} students){', whole' if r.whole else ''}")
        if compare_whole:
            whole = solve(anchored[run.labels[1:].index((label, _))], options)
            print(f"    planned whole: {whole.solve_seconds:.1f} s, {whole.status}, same objective: "
                  f"{whole.objective == r.result.objective}")
    shutil.rmtree(out, ignore_errors=True)
    jobs = [(p, r, out / sub) for (_, sub), p, r in zip(run.labels, [problem, *anchored],
                                                         [base, *(r.result for r in replanned)], strict=True)]
    t4 = time.perf_counter()
    reference = reference_of(problem, base)
    t5 = time.perf_counter()
    print(f"explain.csv rows the scenarios reuse (the base plan anchored to itself): {t5 - t4:.1f} s ({_load()})")
    reused = [explain(p, r.plan, reference, least=len(p.students) + 1).reused for p, r, _ in jobs[1:]]
    t6 = time.perf_counter()
    print(f"  (each scenario's rows, one after another, in one process: {t6 - t5:.1f} s; students reusing the "
          f"base's rows: {', '.join(map(str, reused))} of {len(problem.students)})")
    write_plans(jobs[:1], None, options.workers)
    t7 = time.perf_counter()
    print(f"writing the base folder: {t7 - t6:.1f} s ({_load()})")
    write_plans(jobs[1:], None, options.workers, reference)
    print(f"writing 5 scenario folders (explain.csv rows included): {time.perf_counter() - t7:.1f} s ({_load()})")
    print("(caseload whatif itself writes the base folder and computes the reused rows while it re-plans)")

if __name__ == "__main__":
    raise SystemExit(main())
