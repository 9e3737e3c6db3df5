"""Seeded synthetic California districts (the bundled sample is in models/synthetic/sample_district.py).

Every value is synthetic (FERPA): students carry ids only, staff carry made-up
display names. The same arguments always give the same rows (one
``random.Random(seed)``, never the global generator), so the same files.

A district is built in four steps:

1. sites: codes ``S0001``..., grade bands (elementary TK-5 with some preschool
   classes, middle 6-8, high 9-12, a few ADULT transition programs), grouped in
   clusters of 5-10 neighbouring sites; some sites host an extensive-support
   (ESN) or a mild/moderate special day class;
2. students: grade, disability (California mix), support level and services
   consistent with the disability; special-day-class students attend a site of
   their cluster that hosts their kind of class;
3. staff sized to the demand at each site (RSP and SDC teachers at about 90% of
   their caps) and in each cluster (SLPs shared by 1-3 sites, itinerant and
   related-service staff, psychologists, a program specialist): no one serves
   every site (``*``), so the district splits into independent clusters;
4. this year's case managers: the best-practice provider at the student's site.

``python -m models.synthetic.generator --students N --seed S [--sites K] --out DIR`` writes
a district; ``python -m models.synthetic.generator --sample --out data/sample`` writes the
bundled sample.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from models.synthetic.rows import staff_row, student_row, write_district
from models.synthetic.sample_district import sample_district, write_sample_assessments
from models.synthetic.staffing import (
    assign_current,
    make_staff,
)
from models.synthetic.students import (
    make_sites,
    make_students,
    number_students,
)
from models.synthetic.tables import STAFF_COLUMNS, STUDENT_COLUMNS, Row

# generate_district and write_district are what callers use; the columns are named here too
__all__ = ["STAFF_COLUMNS", "STUDENT_COLUMNS", "generate_district", "main", "write_district"]

def generate_district(n_students: int, seed: int = 0, n_sites: int | None = None,
                      coverage: Any = None) -> tuple[list[Row], list[Row]]:
    """(student rows, staff rows) of a synthetic district; every value a string, columns per the contract.

    ``coverage`` (a ``models.synthetic.itinerants.Coverage``) widens the shared staff's sites so that
    itinerants tie the schools together; without it the district is the clustered one.
    """
    if n_students < 0:
        raise ValueError("n_students must not be negative")
    n_sites = max(4, n_students // 70) if n_sites is None else n_sites
    if n_sites < 1:
        raise ValueError("n_sites must be at least 1")
    rng = random.Random(seed)
    sites = make_sites(rng, n_sites)
    pupils = make_students(rng, sites, n_students)
    number_students(pupils)
    staffing = make_staff(rng, sites, pupils)
    assign_current(rng, pupils, staffing)
    if coverage is not None:
        coverage.apply(seed, sites, pupils, staffing)
    return [student_row(p) for p in pupils], [staff_row(p) for p in staffing.people]


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models.synthetic.generator", description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, help="number of students")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--sites", type=int, help="number of schools (default max(4, students // 70))")
    parser.add_argument("--sample", action="store_true", help="write the bundled sample district")
    parser.add_argument("--out", type=Path, required=True, help="folder for students.csv and staff.csv")
    args = parser.parse_args(argv)
    if args.sample == (args.students is not None):
        parser.error("give either --students N or --sample")
    if args.students is not None and args.students < 0 or args.sites is not None and args.sites < 1:
        parser.error("--students must be >= 0 and --sites >= 1")
    if args.sample:
        students, staff = sample_district()
        write_sample_assessments(args.out)
    else:
        students, staff = generate_district(args.students, args.seed, args.sites)
    write_district(args.out, students, staff)
    print(f"wrote {len(students)} students and {len(staff)} staff to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
