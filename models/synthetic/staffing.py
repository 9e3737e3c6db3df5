"""Steps 3 and 4 of a synthetic district: staff sized to the demand, and this year's case managers."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from models.synthetic.students import (
    Pupil,
    Site,
    pick,
)
from models.synthetic.tables import (
    FIRST_NAMES,
    HIGH,
    ITINERANTS,
    LAST_NAMES,
    LOW_INCIDENCE_CREDENTIAL,
    PARTIAL_FTE,
    POOL_ROLE,
    PRESCHOOL_SLP_CAP,
    ROLE_CAP,
    RSP_WAIVER_CAP,
    TEACHER_CREDENTIALS,
    Rng,
)


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
# 3. Staff
# --------------------------------------------------------------------------


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
        taken = {id(p) for p in early[: prorated(PRESCHOOL_SLP_CAP, fte)]}
    for group in chunks(rng, sites, 1, 3):
        n = sum("speech" in p.services and id(p) not in taken for s in group for p in pupils[s.code])
        credentials = ["SLP_SCA"] if rng.random() < 0.1 else ["SLP"]
        plan_ = positions(rng, n, 50, 50, (1.0, 1.2), stretch=56)
        _add_positions(staffing, "slp", group, ["slp"], credentials, plan_)


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
