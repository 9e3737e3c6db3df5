"""Steps 1 and 2 of a synthetic district: sites (grade bands, clusters, programs) and students."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate

from models.synthetic.tables import (
    ADULT,
    ADULT_AT_HIGH_WEIGHT,
    ADULT_EXTENSIVE,
    BAND_OF_GRADE,
    ELEMENTARY,
    ESN_SITE_SHARE,
    EXTENSIVE_SHARE,
    GRADE_WEIGHTS,
    HIGH,
    KIND_PATTERN,
    MILD_SDC_SITE_SHARE,
    MINUTES,
    MIX,
    PRESCHOOL_GRADES,
    PRESCHOOL_SITE_SHARE,
    PRESCHOOL_SITE_WEIGHT,
    PRESCHOOL_WEIGHT,
    SITE_WEIGHT,
    Rng,
    _split_categories,
)

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
