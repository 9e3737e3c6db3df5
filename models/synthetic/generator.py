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
import csv
import math
import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from itertools import accumulate
from pathlib import Path
from typing import Any

from models.domain.rules import load_rules

STUDENT_COLUMNS: tuple[str, ...] = (
    "student_id", "site", "grade", "primary_disability", "secondary_disability", "support_level", "services",
    "alternate_placement", "current_case_manager", "locked",
)
STAFF_COLUMNS: tuple[str, ...] = (
    "staff_id", "name", "role", "credentials", "sites", "fte", "max_caseload", "rsp_waiver", "preschool_only",
    "can_case_manage", "available",
)

Rng = random.Random
Row = dict[str, str]

# --------------------------------------------------------------------------
# Data tables: grade bands, disability mix, minutes, names
# --------------------------------------------------------------------------

ELEMENTARY, MIDDLE, HIGH, ADULT = "elementary", "middle", "high", "adult"
# Feeder pattern: any prefix mixes the bands (4 sites: E, M, H, E).
KIND_PATTERN = (ELEMENTARY, MIDDLE, HIGH, ELEMENTARY, ELEMENTARY, ELEMENTARY, ELEMENTARY)
SITE_WEIGHT = {ELEMENTARY: 1.0, MIDDLE: 2.0, HIGH: 2.6, ADULT: 0.4}
GRADE_WEIGHTS = {
    ELEMENTARY: {"TK": 0.4, "K": 1.0, "1": 1.0, "2": 1.1, "3": 1.2, "4": 1.3, "5": 1.3},
    MIDDLE: {"6": 1.0, "7": 1.0, "8": 1.0},
    HIGH: {"9": 1.0, "10": 1.0, "11": 1.0, "12": 0.9},
    ADULT: {"ADULT": 1.0},
}
PRESCHOOL_WEIGHT = 3.5  # PS classes at a preschool site (about a third of its students)
PRESCHOOL_SITE_SHARE = 0.2  # elementary sites with preschool classes (at least one per cluster)
PRESCHOOL_SITE_WEIGHT = 1.6  # those sites are bigger
ESN_SITE_SHARE = 0.15  # sites hosting an extensive-support class (at least one per cluster and band)
MILD_SDC_SITE_SHARE = 0.45  # sites hosting a mild/moderate special day class (idem)
ADULT_AT_HIGH_WEIGHT = 0.4  # ADULT transition class hosted by a high school

# Disability mix by grade band (percent); overall about SLD 38, SLI 21, AUT 15, OHI 12, ID 6, ED 3.
MIX = {
    "PS": {"SLI": 50, "AUT": 27, "EMD": 6, "ID": 5, "MD": 4, "HH": 3, "DEAF": 1, "OI": 2, "VI": 1},
    "EARLY": {"SLI": 37, "SLD": 17, "AUT": 20, "OHI": 9, "ID": 6, "ED": 1.5, "MD": 2, "OI": 1, "HH": 1.5,
              "DEAF": 0.5, "VI": 0.4, "TBI": 0.2, "DB": 0.05},
    "ELEM": {"SLD": 41, "SLI": 21, "AUT": 14, "OHI": 12, "ID": 5, "ED": 2.5, "MD": 1.2, "OI": 0.8, "HH": 1.2,
             "DEAF": 0.4, "VI": 0.3, "TBI": 0.2, "DB": 0.03},
    "SECONDARY": {"SLD": 50, "SLI": 7, "AUT": 12, "OHI": 15, "ID": 6.5, "ED": 5, "MD": 1.3, "OI": 0.8, "HH": 1.2,
                  "DEAF": 0.4, "VI": 0.3, "TBI": 0.3, "DB": 0.03},
    "ADULT": {"ID": 40, "AUT": 35, "MD": 12, "SLD": 5, "OHI": 3, "OI": 2, "DEAF": 1, "TBI": 1, "ED": 1},
}
BAND_OF_GRADE = {"IN": "PS", "PS": "PS", "TK": "EARLY", "K": "EARLY", "1": "EARLY", "2": "EARLY",
                 "3": "ELEM", "4": "ELEM", "5": "ELEM", "ADULT": "ADULT"}
PRESCHOOL_GRADES = frozenset({"IN", "PS"})
# Share of students with extensive support needs, by category (K-12; ADULT uses ADULT_EXTENSIVE).
EXTENSIVE_SHARE = {"AUT": 0.32, "ID": 0.45, "MD": 0.6, "DB": 1.0, "TBI": 0.2, "ED": 0.08}
ADULT_EXTENSIVE = {"AUT": 0.75, "ID": 0.75, "MD": 0.8, "DB": 1.0}
# A teacher instructing a non-alternate-placement student of these categories needs this credential.
LOW_INCIDENCE_CREDENTIAL = {"DEAF": "DHH", "HH": "DHH", "VI": "VI"}
MINUTES = {
    "sdc": (1200, 1350, 1500), "rsp": (90, 120, 150, 180, 240, 300), "speech": (30, 45, 60, 90, 120),
    "dhh": (60, 90, 120, 180), "vi": (60, 90, 120), "om": (30, 60), "ape": (60, 90), "pt": (30, 60),
    "ot": (30, 45, 60), "counseling": (30, 60),
}
FIRST_NAMES = (
    "Ana", "Ben", "Carmen", "Dev", "Elena", "Farid", "Grace", "Hugo", "Iris", "Jamal", "Kim", "Luis", "Maya",
    "Noor", "Omar", "Priya", "Quinn", "Rosa", "Sam", "Tara", "Uma", "Victor", "Wen", "Ximena", "Yusuf", "Zoe",
)
LAST_NAMES = (
    "Alvarez", "Brooks", "Chen", "Diaz", "Evans", "Flores", "Garcia", "Hayes", "Ito", "Johnson", "Khan", "Lopez",
    "Morales", "Nguyen", "Ortiz", "Patel", "Reyes", "Singh", "Tran", "Vargas", "Walker", "Yamada", "Zamora",
)


@cache
def _category_codes() -> dict[str, str]:
    """Abbreviation -> numeric CALPADS code, read from the default rules table."""
    return {abbrev: cat.code for abbrev, cat in load_rules().categories.items()}


@cache
def _split_categories() -> frozenset[str]:
    """Categories whose instructing credential depends on the support level (MMSN vs ESN)."""
    return load_rules().split_support_categories


# --------------------------------------------------------------------------
# Values built along the way
# --------------------------------------------------------------------------


@dataclass
class Site:
    code: str
    kind: str
    cluster: int
    grades: tuple[str, ...]
    cum_weights: tuple[float, ...]
    esn: bool  # hosts an extensive-support (ESN) special day class
    mild_sdc: bool  # hosts a mild/moderate special day class
    numeric_codes: bool  # this school's export writes numeric disability codes
    minutes_share: float  # share of its students whose services carry minutes


@dataclass
class Pupil:
    site: Site
    grade: str
    primary: str
    secondary: str = ""
    support: str = ""
    services: list[str] = field(default_factory=list)
    minutes: dict[str, int] = field(default_factory=dict)
    alternate: bool = False
    student_id: str = ""
    current: str = ""
    locked: bool = False

    @property
    def extensive(self) -> bool:
        return self.support == "extensive"

    def groups(self) -> list[str]:
        """Instruction groups (staffing pools) this student needs at the site."""
        out = ["rsp"] if "rsp" in self.services else []
        if "sdc" in self.services:
            if self.grade in PRESCHOOL_GRADES:
                out.append("sdc_ps")
            else:
                out.append("sdc_esn" if self.extensive else "sdc_mild")
        return out


@dataclass
class Person:
    staff_id: str
    name: str
    role: str
    credentials: list[str]
    sites: list[str]
    fte: float = 1.0
    max_caseload: int | None = None
    rsp_waiver: bool = False
    preschool_only: bool = False
    can_case_manage: bool | None = None
    available: bool = True


@dataclass
class StaffPlan:
    """Overrides used by the sample district: RSP positions per site, (fte, waiver)."""

    rsp: dict[str, list[tuple[float, bool]]] = field(default_factory=dict)
    preschool_slp: bool = False  # a preschool-only SLP even when the demand is small


class Staffing:
    """The staff list plus a roster (site, pool) -> people, for current case managers."""

    def __init__(self, rng: Rng, width: int, prefix: str = "E") -> None:
        self.rng, self.width, self.prefix = rng, width, prefix  # ids E001, E002, ... (width digits)
        self.people: list[Person] = []
        self.roster: dict[tuple[str, str], list[Person]] = defaultdict(list)
        # cluster -> the last part-time resource specialist and the pupils left to them, open to a neighbour
        self.open_part_time: dict[int, tuple[Person, int]] = {}

    def next_id(self) -> str:
        return f"{self.prefix}{len(self.people) + 1:0{self.width}d}"

    def name(self) -> str:
        return f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}"

    def add(self, role: str, sites: Sequence[str], pools: Iterable[str], credentials: Sequence[str] = (),
            **options: Any) -> Person:
        """A new person (fte, max_caseload, rsp_waiver, ... in ``options``) in the roster of each (site, pool)."""
        person = Person(self.next_id(), self.name(), role, list(credentials), list(sites), **options)
        self.people.append(person)
        for pool in pools:
            for site in sites:
                self.roster[(site, pool)].append(person)
        return person


# --------------------------------------------------------------------------
# 1. Sites
# --------------------------------------------------------------------------


def cluster_sizes(rng: Rng, n_sites: int) -> list[int]:
    """Sizes of clusters of 5-10 neighbouring sites (one cluster below 10 sites)."""
    if n_sites < 10:
        return [n_sites]
    count = min(max(round(n_sites / 7.5), math.ceil(n_sites / 10)), n_sites // 5)
    sizes = [5] * count
    for _ in range(n_sites - 5 * count):
        open_ = [i for i, size in enumerate(sizes) if size < 10]
        sizes[rng.choice(open_)] += 1
    return sizes


def _site_kind(index: int) -> str:
    if index % 40 == 39:
        return ADULT
    return KIND_PATTERN[index % len(KIND_PATTERN)]


def set_grades(site: Site, preschool: bool, adult: bool) -> None:
    """The site's grades and their weights: its band, plus PS classes or an ADULT transition class."""
    weights = dict(GRADE_WEIGHTS[site.kind])
    if preschool:
        weights = {"PS": PRESCHOOL_WEIGHT, **weights}
    if adult:
        weights["ADULT"] = ADULT_AT_HIGH_WEIGHT
    site.grades, site.cum_weights = tuple(weights), tuple(accumulate(weights.values()))


def _make_site(rng: Rng, index: int, width: int, cluster: int, kind: str, preschool: bool, adult: bool) -> Site:
    site = Site(
        code=f"S{index + 1:0{width}d}", kind=kind, cluster=cluster, grades=(), cum_weights=(),
        esn=kind == ADULT or adult or rng.random() < ESN_SITE_SHARE,
        mild_sdc=kind == ADULT or rng.random() < MILD_SDC_SITE_SHARE,
        numeric_codes=rng.random() < 0.15, minutes_share=rng.choice((0.0, 0.0, 0.3, 0.9)),
    )
    set_grades(site, preschool, adult)
    return site


def make_sites(rng: Rng, n_sites: int) -> list[Site]:
    """Sites with grade bands, programs and clusters; every cluster can serve every band it has."""
    width = max(4, len(str(n_sites)))
    kinds = [_site_kind(i) for i in range(n_sites)]
    adult_host = -1 if ADULT in kinds else next((i for i, k in enumerate(kinds) if k == HIGH), -1)
    clusters = [c for c, size in enumerate(cluster_sizes(rng, n_sites)) for _ in range(size)]
    sites = [
        _make_site(rng, i, width, clusters[i], kinds[i], kinds[i] == ELEMENTARY and rng.random() < PRESCHOOL_SITE_SHARE,
                   i == adult_host)
        for i in range(n_sites)
    ]
    _ensure_programs(sites)
    return sites


def _ensure_programs(sites: list[Site]) -> None:
    """At least one ESN and one mild SDC program per (cluster, band), one preschool site per cluster."""
    by_band: dict[tuple[int, str], list[Site]] = defaultdict(list)
    for site in sites:
        by_band[(site.cluster, site.kind)].append(site)
    for (_, kind), members in by_band.items():
        if not any(s.esn for s in members):
            members[0].esn = True
        if not any(s.mild_sdc for s in members):
            members[-1].mild_sdc = True
        if kind == ELEMENTARY and not any("PS" in s.grades for s in members):
            set_grades(members[0], preschool=True, adult=False)


# --------------------------------------------------------------------------
# 2. Students
# --------------------------------------------------------------------------


def pick(rng: Rng, table: dict[str, float]) -> str:
    return rng.choices(tuple(table), weights=tuple(table.values()))[0]


def extras(rng: Rng, chances: Iterable[tuple[str, float]]) -> list[str]:
    return [code for code, chance in chances if rng.random() < chance]


def _either(rng: Rng, chance: float, first: str, second: str) -> str:
    return first if rng.random() < chance else second


def _svc_sld(rng: Rng, p: Pupil) -> list[str]:
    return [_either(rng, 0.85, "rsp", "sdc"), *extras(rng, [("speech", 0.25), ("counseling", 0.03)])]


def _svc_aut(rng: Rng, p: Pupil) -> list[str]:
    if p.extensive:
        return ["sdc", *extras(rng, [("speech", 0.75), ("ot", 0.25)])]
    if rng.random() < 0.55:
        return ["rsp", "speech"]
    return ["sdc", *extras(rng, [("speech", 0.6), ("ot", 0.15)])]


def _svc_ohi(rng: Rng, p: Pupil) -> list[str]:
    return [_either(rng, 0.8, "rsp", "sdc"), *extras(rng, [("speech", 0.15), ("ot", 0.06), ("counseling", 0.05)])]


def _svc_id(rng: Rng, p: Pupil) -> list[str]:
    instruction = "sdc" if p.extensive else _either(rng, 0.7, "sdc", "rsp")
    return [instruction, *extras(rng, [("speech", 0.5), ("ape", 0.1)])]


def _svc_md(rng: Rng, p: Pupil) -> list[str]:
    return ["sdc", *extras(rng, [("speech", 0.6), ("pt", 0.4), ("ot", 0.5), ("ape", 0.2)])]


def _svc_oi(rng: Rng, p: Pupil) -> list[str]:
    roll = rng.random()
    instruction = ["rsp"] if roll < 0.5 else ["sdc"] if roll < 0.8 else []
    therapy = extras(rng, [("pt", 0.6), ("ot", 0.6), ("ape", 0.4)]) or ["pt"]
    return instruction + therapy


def _svc_ed(rng: Rng, p: Pupil) -> list[str]:
    instruction = "sdc" if p.extensive else _either(rng, 0.5, "rsp", "sdc")
    return [instruction, *extras(rng, [("counseling", 0.75)])]


def _svc_tbi(rng: Rng, p: Pupil) -> list[str]:
    instruction = "sdc" if p.extensive else _either(rng, 0.5, "rsp", "sdc")
    return [instruction, *extras(rng, [("speech", 0.5), ("ot", 0.3)])]


def _svc_low_incidence(rng: Rng, p: Pupil) -> list[str]:
    """HH/DEAF/VI: the itinerant service, sometimes instruction (a few by alternate placement)."""
    if p.primary == "VI":
        base = ["vi", *extras(rng, [("om", 0.5)])]
    else:
        base = ["dhh", *extras(rng, [("speech", 0.4)])]
    if rng.random() >= 0.45:
        return base
    if rng.random() < 0.5:  # R3: placed under the secondary disability, the itinerant service kept
        p.secondary, p.alternate = pick(rng, {"SLD": 6, "AUT": 2.5, "ID": 1.5}), True
        instruction = "rsp" if p.secondary == "SLD" else _either(rng, 0.5, "rsp", "sdc")
    else:
        instruction = _either(rng, 0.6, "rsp", "sdc")
    return [instruction, *base]


def _svc_db(rng: Rng, p: Pupil) -> list[str]:
    return ["sdc", "dhh", "vi", *extras(rng, [("om", 0.7)])]


def _svc_preschool(rng: Rng, p: Pupil) -> list[str]:
    """PS: an ECSE special day class or speech (itinerant services for low incidence)."""
    if p.primary == "SLI":
        return ["speech"]
    if p.primary in ("HH", "DEAF"):
        return ["dhh", "speech"]
    if p.primary == "VI":
        return ["vi"]
    if p.primary == "OI":
        return ["pt", "speech"]
    if p.primary == "AUT" and rng.random() < 0.3:
        return ["speech"]
    therapy = [("pt", 0.4), ("ot", 0.3)] if p.primary in ("EMD", "MD") else []
    return ["sdc", *extras(rng, [("speech", 0.6), *therapy])]


SERVICES_BY_CATEGORY: dict[str, Callable[[Rng, Pupil], list[str]]] = {
    "SLD": _svc_sld, "SLI": lambda rng, p: ["speech"], "AUT": _svc_aut, "OHI": _svc_ohi, "ID": _svc_id,
    "MD": _svc_md, "OI": _svc_oi, "ED": _svc_ed, "TBI": _svc_tbi, "HH": _svc_low_incidence,
    "DEAF": _svc_low_incidence, "VI": _svc_low_incidence, "DB": _svc_db, "EMD": _svc_preschool,
}


def _support(rng: Rng, grade: str, primary: str) -> str:
    if grade in PRESCHOOL_GRADES:
        return ""
    shares = ADULT_EXTENSIVE if grade == "ADULT" else EXTENSIVE_SHARE
    if rng.random() < shares.get(primary, 0.0):
        return "extensive"
    return "mild_moderate" if rng.random() < 0.25 else ""


def _spell_support(rng: Rng, pupil: Pupil) -> None:
    """Where the support level decides MMSN vs ESN, districts almost always write it down."""
    instruction = pupil.secondary if pupil.alternate else pupil.primary
    if not pupil.support and instruction in _split_categories():
        pupil.support = "mild_moderate" if rng.random() < 0.97 else ""


def _secondary(rng: Rng, p: Pupil) -> str:
    """A non-placement secondary disability for about one student in twelve."""
    if p.alternate or rng.random() >= 0.08:
        return p.secondary
    choice = pick(rng, {"SLI": 5, "OHI": 2, "SLD": 1, "ED": 1})
    return "" if choice == p.primary else choice


def draw_pupil(rng: Rng, site: Site) -> Pupil:
    """One student of this site: grade, disability, support level, services, sometimes minutes."""
    grade = rng.choices(site.grades, cum_weights=site.cum_weights)[0]
    band = BAND_OF_GRADE.get(grade, "SECONDARY")
    primary = pick(rng, MIX[band])
    pupil = Pupil(site=site, grade=grade, primary=primary, support=_support(rng, grade, primary))
    rule = _svc_preschool if band == "PS" else SERVICES_BY_CATEGORY[primary]
    services = rule(rng, pupil)
    if grade == "ADULT":  # transition programs are special classes
        services = ["sdc" if s == "rsp" else s for s in services]
    pupil.services = list(dict.fromkeys(services))
    pupil.secondary = _secondary(rng, pupil)
    _spell_support(rng, pupil)
    if rng.random() < site.minutes_share:
        pupil.minutes = {s: rng.choice(MINUTES[s]) for s in pupil.services}
    return pupil


def _relocate(rng: Rng, pupil: Pupil, hosts: dict[tuple[int, str, str], list[Site]]) -> None:
    """Special-day-class students attend a site of their cluster and band that hosts their kind of class."""
    site = pupil.site
    for pool, hosted in (("sdc_esn", site.esn), ("sdc_mild", site.mild_sdc)):
        if pool in pupil.groups() and not hosted:
            pupil.site = rng.choice(hosts[(site.cluster, site.kind, pool)])


def make_students(rng: Rng, sites: list[Site], n_students: int, weights: Sequence[float] | None = None) -> list[Pupil]:
    """Students spread over the sites (bigger secondary schools unless ``weights`` say), in site order."""
    if weights is None:
        weights = [SITE_WEIGHT[s.kind] * (PRESCHOOL_SITE_WEIGHT if "PS" in s.grades else 1.0) * rng.uniform(0.6, 1.4)
                   for s in sites]
    counts = [0] * len(sites)
    for index in rng.choices(range(len(sites)), weights=weights, k=n_students):
        counts[index] += 1
    hosts: dict[tuple[int, str, str], list[Site]] = defaultdict(list)
    for site in sites:
        for pool, hosted in (("sdc_esn", site.esn), ("sdc_mild", site.mild_sdc)):
            if hosted:
                hosts[(site.cluster, site.kind, pool)].append(site)
    pupils = [draw_pupil(rng, site) for site, count in zip(sites, counts, strict=True) for _ in range(count)]
    for pupil in pupils:
        _relocate(rng, pupil, hosts)
    order = {site.code: i for i, site in enumerate(sites)}
    return sorted(pupils, key=lambda p: order[p.site.code])


def number_students(pupils: list[Pupil], start: int = 1) -> None:
    """Seven-digit ids with leading zeros (kept as strings by the loaders)."""
    for offset, pupil in enumerate(pupils):
        pupil.student_id = f"{start + offset:07d}"


# --------------------------------------------------------------------------
# 3. Staff
# --------------------------------------------------------------------------

TEACHER_CREDENTIALS = {
    # pool: (choices for the first teacher, extra choices for the others: legacy credentials)
    "rsp": ({"MMSN": 70, "R3MN": 12, "MMSN;AA_ASD": 12, "R3BM": 3},
            {"MM": 8, "MM;AA_ASD": 6, "LAD": 4}),
    "sdc_mild": ({"MMSN": 65, "R3MN": 12, "MMSN;AA_ASD": 18, "R3BM": 3},
                 {"MM;AA_ASD": 8, "LAD": 6}),
    "sdc_esn": ({"ESN": 70, "R3EN": 15, "ESN;AA_ASD": 10, "R3BE": 3},
                {"MS": 10, "R3MS": 6}),
    "sdc_ps": ({"ECSE": 70, "R3ER": 20, "ECSE;MMSN": 10},
               {"R3EC": 10}),
}
POOL_ROLE = {"rsp": "rsp_teacher", "sdc_mild": "sdc_teacher", "sdc_esn": "sdc_teacher", "sdc_ps": "sdc_teacher"}
ROLE_CAP = {"rsp_teacher": 28, "sdc_teacher": 15}
RSP_WAIVER_CAP = 32
PARTIAL_FTE = (0.5, 0.8, 1.0)


def prorated(cap: int, fte: float) -> int:
    return math.floor(cap * fte + 1e-9)


def positions(rng: Rng, n: int, full_cap: int, role_cap: int, util: tuple[float, float] = (0.85, 1.0),
              waiver_cap: int | None = None, stretch: int | None = None) -> list[tuple[float, bool]]:
    """(fte, waiver) of the people needed for ``n`` pupils at about ``util`` of capacity; capacity >= n.

    Full-time people carry ``full_cap`` (their number is the needed FTE rounded
    from .75 up), or up to ``stretch`` where the load is not capped per person;
    when they cannot take all ``n``, a waiver (``waiver_cap``) or one part-time
    person (0.5 or 0.8 FTE of ``role_cap``) takes the rest.
    """
    if n <= 0:
        return []
    full = math.floor(n / (full_cap * rng.uniform(*util)) + 0.25)
    out = [(1.0, False)] * full
    rest = n - full * (stretch or full_cap)
    if rest > 0 and waiver_cap and full and rest <= waiver_cap - full_cap and rng.random() < 0.6:
        out[0] = (1.0, True)
    elif rest > 0:
        out.append((next(f for f in PARTIAL_FTE if prorated(role_cap, f) >= rest), False))
    return out


def _credentials(rng: Rng, pool: str, first: bool, extra: Iterable[str]) -> list[str]:
    main, legacy = TEACHER_CREDENTIALS[pool]
    table = main if first else {**main, **legacy}
    return [*pick(rng, table).split(";"), *sorted(extra)]


def _join_part_time(staffing: Staffing, site: Site, rest: int, extra: set[str]) -> bool:
    """A part-time resource specialist shared with the previous site of the cluster, when both rests fit one."""
    open_ = staffing.open_part_time.pop(site.cluster, None)
    if open_ is None or open_[1] + rest > ROLE_CAP["rsp_teacher"]:
        return False
    person, load = open_
    person.fte = next(f for f in PARTIAL_FTE if prorated(ROLE_CAP["rsp_teacher"], f) >= load + rest)
    person.sites.append(site.code)
    person.credentials.extend(sorted(extra - set(person.credentials)))
    staffing.roster[(site.code, "rsp")].append(person)
    return True


def staff_pool(staffing: Staffing, site: Site, pool: str, members: list[Pupil],
               plan: list[tuple[float, bool]] | None = None) -> None:
    """Teachers of one instruction pool at one site, sized to its students.

    The part-time resource specialist of a sized (not overridden) pool may be
    shared with a neighbouring site of the cluster.
    """
    rng = staffing.rng
    role = POOL_ROLE[pool]
    full_cap = ROLE_CAP[role]
    local_cap = 12 if pool == "sdc_esn" and rng.random() < 0.5 else None  # smaller extensive-support classes
    shareable = plan is None and pool == "rsp"
    if plan is None:
        waiver = RSP_WAIVER_CAP if role == "rsp_teacher" else None
        plan = positions(rng, len(members), local_cap or full_cap, full_cap, waiver_cap=waiver)
    extra = {LOW_INCIDENCE_CREDENTIAL[p.primary] for p in members
             if not p.alternate and p.primary in LOW_INCIDENCE_CREDENTIAL}
    rest = len(members) - sum(RSP_WAIVER_CAP if waiver else local_cap or full_cap for fte, waiver in plan if fte == 1.0)
    for i, (fte, waiver) in enumerate(plan):
        part_time = shareable and fte < 1.0
        if part_time and _join_part_time(staffing, site, rest, extra if i == 0 else set()):
            continue
        person = staffing.add(role, [site.code], [pool], _credentials(rng, pool, i == 0, extra if i == 0 else ()),
                              fte=fte, rsp_waiver=waiver, max_caseload=local_cap if fte == 1.0 else None)
        if part_time:
            staffing.open_part_time[site.cluster] = (person, rest)


def staff_site(staffing: Staffing, site: Site, pupils: list[Pupil], plan: StaffPlan) -> None:
    """RSP and SDC teachers of one site (an SDC pool per kind of class), and at some high schools a counselor."""
    pools: dict[str, list[Pupil]] = defaultdict(list)
    for pupil in pupils:
        for pool in pupil.groups():
            pools[pool].append(pupil)
    for pool in ("rsp", "sdc_mild", "sdc_esn", "sdc_ps"):
        override = plan.rsp.get(site.code) if pool == "rsp" else None
        if pools[pool] or override:
            staff_pool(staffing, site, pool, pools[pool], override)
    if site.kind == HIGH and staffing.rng.random() < 0.4:
        staffing.add("counselor", [site.code], [], can_case_manage=False)


def chunks(rng: Rng, items: Sequence[Site], low: int, high: int) -> list[list[Site]]:
    """Consecutive groups of ``low``..``high`` neighbouring sites."""
    out: list[list[Site]] = []
    i = 0
    while i < len(items):
        size = rng.randint(low, high)
        out.append(list(items[i : i + size]))
        i += size
    return out


def _count(pupils: Iterable[Pupil], service: str) -> int:
    return sum(service in p.services for p in pupils)


def _add_positions(staffing: Staffing, role: str, sites: list[Site], pools: list[str], credentials: Sequence[str],
                   plan: list[tuple[float, bool]], **options: Any) -> None:
    codes = [s.code for s in sites]
    for fte, _ in plan:
        staffing.add(role, codes, pools, credentials, fte=fte, **options)


def staff_speech(staffing: Staffing, sites: list[Site], pupils: dict[str, list[Pupil]], plan: StaffPlan) -> None:
    """A preschool-only SLP for the cluster's PS/TK speech students (cap 40), SLPs shared by 1-3 sites (~50/FTE)."""
    rng = staffing.rng
    early = [p for s in sites if "PS" in s.grades for p in pupils[s.code]
             if "speech" in p.services and p.grade in ("PS", "TK")]
    taken: set[int] = set()
    if len(early) >= 20 or (plan.preschool_slp and early):
        fte = 0.5 if len(early) <= 24 else 1.0
        ps_sites = [s for s in sites if "PS" in s.grades]
        _add_positions(staffing, "slp", ps_sites, ["slp_ps"], ["SLP"], [(fte, False)], preschool_only=True)
        taken = {id(p) for p in early[: prorated(40, fte)]}
    for group in chunks(rng, sites, 1, 3):
        n = sum("speech" in p.services and id(p) not in taken for s in group for p in pupils[s.code])
        credentials = ["SLP_SCA"] if rng.random() < 0.1 else ["SLP"]
        plan_ = positions(rng, n, 50, 50, (1.0, 1.2), stretch=56)
        _add_positions(staffing, "slp", group, ["slp"], credentials, plan_)


ITINERANTS = (
    # service, role, pool, credential choices, full-time load
    ("dhh", "dhh_itinerant", "dhh", {"DHH": 6, "R3DH": 2, "R3HD": 1}, 20),
    ("vi", "vi_itinerant", "vi", {"VI": 6, "R3VI": 2, "R3VB": 1}, 15),
    ("om", "om_specialist", "om", {"OM": 3, "OM;VI": 1}, 15),
    ("ape", "ape_teacher", "ape", {"APE": 1}, 45),
    ("pt", "pt", "pt", {"": 1}, 45),
    ("ot", "ot", "ot", {"": 1}, 45),
)


def staff_cluster(staffing: Staffing, sites: list[Site], pupils: dict[str, list[Pupil]], plan: StaffPlan) -> None:
    """Staff shared within one cluster: SLPs, itinerants, therapists, psychologists, a program specialist."""
    rng = staffing.rng
    members = [p for s in sites for p in pupils[s.code]]
    staff_speech(staffing, sites, pupils, plan)
    for service, role, pool, credentials, load in ITINERANTS:
        chosen = [c for c in pick(rng, credentials).split(";") if c]
        _add_positions(staffing, role, sites, [pool], chosen, positions(rng, _count(members, service), load, load))
    for group in chunks(rng, sites, 2, 4):
        n = sum(len(pupils[s.code]) for s in group)
        plan_ = positions(rng, n, 300, 300, (0.8, 1.2), stretch=400)
        _add_positions(staffing, "psychologist", group, ["coord"], [], plan_)
    _add_positions(staffing, "program_specialist", sites, ["coord"], [pick(rng, {"MMSN": 2, "ESN": 1, "": 1})]
                   if rng.random() < 0.7 else [], [(1.0, False)])


def staff_on_leave(staffing: Staffing, share: float = 0.012) -> None:
    """A very few people on leave (available=false): copies of colleagues, so capacity is unchanged."""
    rng = staffing.rng
    eligible = [p for p in staffing.people if p.role != "program_specialist"]
    for person in rng.sample(eligible, min(len(eligible), max(1, round(len(eligible) * share)))):
        clone = replace(person, staff_id=staffing.next_id(), name=staffing.name(), available=False,
                        credentials=list(person.credentials), sites=list(person.sites))
        staffing.people.append(clone)
        for people in staffing.roster.values():
            if any(other is person for other in people):
                people.append(clone)


def make_staff(rng: Rng, sites: list[Site], pupils: list[Pupil], plan: StaffPlan | None = None) -> Staffing:
    """Site teachers, then each cluster's shared staff, then a few people on leave; ids E001... in that order."""
    plan = plan or StaffPlan()
    staffing = Staffing(rng, max(3, len(str(len(pupils) // 8))))
    by_site: dict[str, list[Pupil]] = defaultdict(list)
    for pupil in pupils:
        by_site[pupil.site.code].append(pupil)
    clusters: dict[int, list[Site]] = defaultdict(list)
    for site in sites:
        staff_site(staffing, site, by_site[site.code], plan)
        clusters[site.cluster].append(site)
    for members in clusters.values():
        staff_cluster(staffing, members, by_site, plan)
    staff_on_leave(staffing)
    return staffing


# --------------------------------------------------------------------------
# 4. Current case managers
# --------------------------------------------------------------------------


def best_practice_pool(pupil: Pupil) -> str:
    """The pool of this year's plausible case manager: SDC > RSP > speech > DHH > VI > coordinator."""
    groups = pupil.groups()
    sdc = [g for g in groups if g.startswith("sdc")]
    if sdc:
        return sdc[0]
    if groups:
        return groups[0]
    if "speech" in pupil.services:
        return "slp_ps" if pupil.grade in ("PS", "TK") else "slp"
    for service in ("dhh", "vi"):
        if service in pupil.services:
            return service
    return "coord"


def assign_current(rng: Rng, pupils: list[Pupil], staffing: Staffing, filled: float = 0.93,
                   locked: float = 0.015) -> None:
    """Fill current_case_manager for most students; lock a few whose case manager is available."""
    roster = staffing.roster
    for pupil in pupils:
        if rng.random() >= filled:
            continue
        site, pool = pupil.site.code, best_practice_pool(pupil)
        people = roster.get((site, pool)) or roster.get((site, "slp")) or roster.get((site, "coord"))
        if not people:
            continue
        person = rng.choice(people)
        pupil.current = person.staff_id
        pupil.locked = person.available and rng.random() < locked


# --------------------------------------------------------------------------
# Rows and files
# --------------------------------------------------------------------------


def _flag(value: bool) -> str:
    return "true" if value else "false"


def student_row(pupil: Pupil) -> Row:
    codes = _category_codes() if pupil.site.numeric_codes else {}
    services = ";".join(f"{s}:{pupil.minutes[s]}" if s in pupil.minutes else s for s in pupil.services)
    return {
        "student_id": pupil.student_id, "site": pupil.site.code, "grade": pupil.grade,
        "primary_disability": codes.get(pupil.primary, pupil.primary),
        "secondary_disability": codes.get(pupil.secondary, pupil.secondary),
        "support_level": pupil.support, "services": services, "alternate_placement": _flag(pupil.alternate),
        "current_case_manager": pupil.current, "locked": _flag(pupil.locked),
    }


def staff_row(person: Person) -> Row:
    return {
        "staff_id": person.staff_id, "name": person.name, "role": person.role,
        "credentials": ";".join(person.credentials), "sites": ";".join(person.sites), "fte": f"{person.fte:.1f}",
        "max_caseload": "" if person.max_caseload is None else str(person.max_caseload),
        "rsp_waiver": _flag(person.rsp_waiver), "preschool_only": _flag(person.preschool_only),
        "can_case_manage": "" if person.can_case_manage is None else _flag(person.can_case_manage),
        "available": _flag(person.available),
    }


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


def write_district(folder: Path, students: list[Row], staff: list[Row]) -> None:
    """Write ``students.csv`` and ``staff.csv`` (UTF-8, ``\\n`` line ends) into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows, columns in (("students.csv", students, STUDENT_COLUMNS), ("staff.csv", staff, STAFF_COLUMNS)):
        with open(folder / name, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)


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
        from models.synthetic.sample_district import (  # the sample builds on this module
            sample_district,
            write_sample_assessments,
        )

        students, staff = sample_district()
        write_sample_assessments(args.out)
    else:
        students, staff = generate_district(args.students, args.seed, args.sites)
    write_district(args.out, students, staff)
    print(f"wrote {len(students)} students and {len(staff)} staff to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
