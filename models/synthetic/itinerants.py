"""Connected districts: itinerant staff who tie the schools together, as in a real district.

The base generator (``models/synthetic/generator.py``) keeps every shared
person inside a cluster of 5-10 sites, so a generated district falls apart into
many small independent pieces. Real districts do not: speech therapists cover
two to four schools, psychologists and program specialists five to fifteen,
deaf-and-hard-of-hearing, vision, orientation-and-mobility, adapted PE, PT and
OT staff a region of ten to forty, and some serve the whole district (``*``).
Every shared person joins their schools into one piece.

:class:`Coverage` widens the generated staff's sites that way (sites are only
ever added, so this year's case managers stay legal) and leaves a realistic
shortage: a few vacant positions (``available=false``). It draws from its own
random generator, so a district without coverage is exactly the base one.

``python -m models.synthetic.itinerants --district connected-70000 --out DIR``
writes one of the named benchmark districts (:data:`DISTRICTS`) and prints its
component sizes.
"""

from __future__ import annotations

import argparse
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from models.synthetic.generator import generate_district
from models.synthetic.rows import write_district
from models.synthetic.staffing import Staffing
from models.synthetic.students import Pupil, Site

ALL_SITES = "*"
REGION_ROLES = frozenset({"dhh_itinerant", "vi_itinerant", "om_specialist", "ape_teacher", "pt", "ot"})
COORDINATOR_ROLES = frozenset({"psychologist", "program_specialist"})
TEACHER_ROLES = frozenset({"rsp_teacher", "sdc_teacher"})


@dataclass(frozen=True, slots=True)
class Coverage:
    """How far shared staff reach, and how short the district is."""

    # sites per region (whole clusters, at least this many); None: the district is one region
    region_sites: int | None = 25
    district_wide: frozenset[str] = frozenset()  # roles whose people serve every site ('*')
    slp_span: tuple[int, int] = (2, 4)  # school-age SLPs: consecutive schools of their region
    coordinator_span: tuple[int, int] = (5, 15)  # psychologists, program specialists
    itinerant_vacancy: float = 0.08  # share of itinerant and therapy positions left vacant
    teacher_vacancy: float = 0.02  # share of RSP/SDC teacher positions left vacant
    slp_fte: float = 1.0  # school-age SLPs at this share of their FTE (below 1 the district average binds)

    def apply(self, seed: int, sites: Sequence[Site], pupils: Sequence[Pupil], staffing: Staffing) -> None:
        """Widen the staff's sites and leave positions vacant, in place (called by the generator)."""
        rng = random.Random(f"coverage-{seed}")  # never the base generator's stream
        region_of = _regions(sites, self.region_sites)
        members: dict[int, list[str]] = defaultdict(list)
        for site in sites:
            members[region_of[site.code]].append(site.code)
        locked_managers = {p.current for p in pupils if p.locked}
        for person in staffing.people:
            if not person.sites or ALL_SITES in person.sites:
                continue
            region = members[region_of[person.sites[0]]]
            if person.role in self.district_wide:
                person.sites = [ALL_SITES]
            elif person.role in REGION_ROLES:
                person.sites = _union(person.sites, region)
            elif person.role == "slp" and not person.preschool_only:
                person.sites = _union(person.sites, _window(rng, region, person.sites[0], self.slp_span))
                person.fte = round(person.fte * self.slp_fte, 2)
            elif person.role in COORDINATOR_ROLES:
                person.sites = _union(person.sites, _window(rng, region, person.sites[0], self.coordinator_span))
            share = (self.itinerant_vacancy if person.role in REGION_ROLES
                     else self.teacher_vacancy if person.role in TEACHER_ROLES else 0.0)
            if person.available and person.staff_id not in locked_managers and rng.random() < share:
                person.available = False


def _regions(sites: Sequence[Site], size: int | None) -> dict[str, int]:
    """Site code -> region: consecutive whole clusters of at least ``size`` sites (the last may be smaller)."""
    region, count, last_cluster, out = 0, 0, None, {}
    for site in sites:
        if size is not None and site.cluster != last_cluster and count >= size:
            region, count = region + 1, 0
        out[site.code] = region
        count += 1
        last_cluster = site.cluster
    return out


def _window(rng: random.Random, region: list[str], first: str, span: tuple[int, int]) -> list[str]:
    """``span`` consecutive sites of the region from ``first`` (shifted back at the region's end)."""
    size = min(len(region), rng.randint(*span))
    start = min(region.index(first), len(region) - size)
    return region[start : start + size]


def _union(own: list[str], more: list[str]) -> list[str]:
    return list(dict.fromkeys([*own, *more]))


ITINERANTS_EVERYWHERE = REGION_ROLES
# The benchmark's connected districts (issue 12): name -> (students, coverage)
DISTRICTS: dict[str, tuple[int, Coverage]] = {
    # real shape: DHH, VI and O&M itinerants serve every site, the rest of the district is one region
    "one-8000": (8_000, Coverage(region_sites=None,
                                 district_wide=frozenset({"dhh_itinerant", "vi_itinerant", "om_specialist"}))),
    "connected-10000": (10_000, Coverage(region_sites=25)),
    "connected-70000": (70_000, Coverage(region_sites=120)),
    "districtwide-70000": (70_000, Coverage(region_sites=120, district_wide=ITINERANTS_EVERYWHERE)),
    "districtwide-70000-slp-short": (70_000, Coverage(region_sites=120, district_wide=ITINERANTS_EVERYWHERE,
                                                      slp_fte=0.8)),
}


def connected_district(name: str, seed: int = 1) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """(student rows, staff rows) of one of :data:`DISTRICTS`."""
    n, coverage = DISTRICTS[name]
    return generate_district(n, seed, coverage=coverage)


def component_sizes(students_csv: Path, staff_csv: Path) -> list[int]:
    """Students per independent component of the district in these files, largest first."""
    from models.domain.rules import load_rules
    from models.files.loaders import load_problem
    from optimizer.decompose import split
    from optimizer.solve import planning_candidates

    problem, _ = load_problem(students_csv, staff_csv, load_rules())
    return [len(c.students) for c in split(problem, planning_candidates(problem), couple=())]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models.synthetic.itinerants",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--district", choices=sorted(DISTRICTS), required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True, help="folder for students.csv and staff.csv")
    args = parser.parse_args(argv)
    students, staff = connected_district(args.district, args.seed)
    write_district(args.out, students, staff)
    sizes = component_sizes(args.out / "students.csv", args.out / "staff.csv")
    print(f"wrote {len(students)} students and {len(staff)} staff to {args.out}; "
          f"{len(sizes)} components, largest {sizes[0] if sizes else 0} students")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
