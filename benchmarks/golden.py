"""Same inputs, same files: check that a refactor changes no output.

Runs ``caseload plan``, ``whatif``, ``rebalance`` and ``staffing`` of a
checkout (``--root``, default this one) on the bundled sample district and on
a generated 2,000-student district, one solver worker and a fixed seed, and
records every output file; ``--compare A B`` then lists the files that differ.
Timing figures in ``summary.json`` (``*_seconds``) are left out of the
comparison: they are the only thing allowed to change.

    python -m benchmarks.golden record --root /tmp/before --out /tmp/golden-before
    python -m benchmarks.golden record --out /tmp/golden-after
    python -m benchmarks.golden compare /tmp/golden-before /tmp/golden-after

The inputs are written by ``record`` itself (``OUT/inputs``), so a checkout of
any age is run on exactly the same files when both records pass ``--inputs``.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"
SCENARIOS = sorted((SAMPLE / "scenarios").glob("*.toml"))
SOLVER = ["--workers", "1", "--seed", "0", "--time-limit", "120"]


def _write_inputs(folder: Path) -> None:
    """The sample district, a generated 2,000-student one, and each with a leave for rebalancing."""
    from models.synthetic.generator import generate_district, write_district

    shutil.copytree(SAMPLE, folder / "sample", dirs_exist_ok=True)
    shutil.copy(ROOT / "data" / "rules" / "california.toml", folder / "rules.toml")
    students, staff = generate_district(2000, 7, None)
    write_district(folder / "gen2000", students, staff)
    for district in ("sample", "gen2000"):
        rows = list(csv.DictReader(open(folder / district / "staff.csv", encoding="utf-8")))
        rsp = [r for r in rows if r["role"] == "rsp_teacher"]
        for r in rsp[:2]:
            r["available"] = "false"
        with open(folder / district / "staff-leave.csv", "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)


def _run(root: Path, args: list[str]) -> None:
    done = subprocess.run([sys.executable, str(root / "cli.py"), *args], capture_output=True, text=True, cwd=root)
    if done.returncode != 0:
        raise SystemExit(f"caseload {' '.join(args)} exited {done.returncode}:\n{done.stderr[-2000:]}")


def record(root: Path, out: Path, inputs: Path | None) -> None:
    out.mkdir(parents=True, exist_ok=True)
    if inputs is None:
        inputs = out / "inputs"
        _write_inputs(inputs)
    for district in ("sample", "gen2000"):
        src = inputs / district
        rules = ["--rules", str(inputs / "rules.toml")]  # the same path for both checkouts: it is in the hash
        files = ["--students", str(src / "students.csv"), "--staff", str(src / "staff.csv"), *rules]
        runs = out / "runs" / district
        _run(root, ["plan", *files, "--out", str(runs / "plan"), *SOLVER])
        _run(root, ["rebalance", "--students", str(src / "students.csv"), *rules,
                    "--staff", str(src / "staff-leave.csv"),
                    "--current", str(runs / "plan" / "services.csv"), "--effective-date", "2026-01-05",
                    "--out", str(runs / "rebalance"), *SOLVER])
        _run(root, ["staffing", *files, "--out", str(runs / "staffing"), *SOLVER])
        if district == "sample":
            scenarios = [x for s in SCENARIOS for x in ("--scenario", str(inputs / "sample" / "scenarios" / s.name))]
            _run(root, ["whatif", *files, *scenarios, "--out", str(runs / "whatif"), *SOLVER])
    print(f"recorded {root} into {out / 'runs'}")


def _digest(path: Path) -> str:
    if path.name == "summary.json":
        data = json.loads(path.read_text(encoding="utf-8"))
        data = {k: v for k, v in data.items() if not k.endswith("_seconds")}
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
    return hashlib.sha256(path.read_bytes()).hexdigest()


def compare(a: Path, b: Path) -> int:
    def files(top: Path) -> dict[str, str]:
        runs = top / "runs"
        return {str(p.relative_to(runs)): _digest(p) for p in sorted(runs.rglob("*")) if p.is_file()}

    left, right = files(a), files(b)
    differ = sorted(k for k in left.keys() & right.keys() if left[k] != right[k])
    only = sorted(left.keys() ^ right.keys())
    for name in differ:
        print(f"differs: {name}")
    for name in only:
        print(f"only in {'A' if name in left else 'B'}: {name}")
    print(f"{len(left.keys() & right.keys()) - len(differ)} identical, {len(differ)} differ, {len(only)} unmatched")
    return 1 if differ or only else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.golden", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    rec = sub.add_parser("record", help="run a checkout's commands and keep their files")
    rec.add_argument("--root", type=Path, default=ROOT, help="the checkout to run (default: this one)")
    rec.add_argument("--out", type=Path, required=True)
    rec.add_argument("--inputs", type=Path, help="inputs written by an earlier record (OUT/inputs)")
    cmp_ = sub.add_parser("compare", help="list the output files that differ between two records")
    cmp_.add_argument("a", type=Path)
    cmp_.add_argument("b", type=Path)
    args = parser.parse_args(argv)
    if args.command == "record":
        record(args.root.resolve(), args.out.resolve(), args.inputs.resolve() if args.inputs else None)
        return 0
    return compare(args.a, args.b)


if __name__ == "__main__":
    raise SystemExit(main())
