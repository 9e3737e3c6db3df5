"""The bundled sample district (``data/sample/``): generated, plus crafted cases.

Three or four schools and a few hundred synthetic students in which every rule
of the planner decides something; ``SAMPLE_CASES`` and ``SAMPLE_SITES`` name
the crafted students and schools. ``python -m models.synthetic.generator --sample --out
data/sample`` writes it.
"""

from __future__ import annotations

import csv
import math
import random
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from models.synthetic.rows import staff_row, student_row
from models.synthetic.staffing import Person, Staffing, StaffPlan, assign_current, make_staff, prorated
from models.synthetic.students import (
    Pupil,
    Site,
    extras,
    make_sites,
    make_students,
    number_students,
    pick,
    set_grades,
)
from models.synthetic.tables import ELEMENTARY, MINUTES, PRESCHOOL_GRADES, ROLE_CAP, RSP_WAIVER_CAP, Rng, Row

SAMPLE_SEED = 2
SAMPLE_MINUTES_SEED = 2_000_011  # minutes drawn apart from the district, so adding them changed nothing else
ASSESSMENT_COLUMNS = ("assessment_id", "site", "student_id", "due_date")
# (site, due date) of each pending initial assessment of the sample
SAMPLE_ASSESSMENTS = (
    ("S0001", "2026-12-04"), ("S0001", "2026-12-11"), ("S0002", "2026-12-01"), ("S0002", "2026-12-02"),
    ("S0002", "2026-12-08"), ("S0002", "2026-12-09"), ("S0002", "2026-12-15"), ("S0002", "2026-12-18"),
    ("S0003", "2026-12-03"), ("S0003", "2026-12-10"), ("S0004", "2026-12-07"), ("S0004", "2026-12-14"),
)
SAMPLE_STUDENTS = 280
SAMPLE_SITE_WEIGHTS = (1.1, 0.85, 1.0, 0.9)  # S0001..S0004
# Each crafted case of the sample, by student id (see sample_district).
SAMPLE_CASES: dict[str, str] = {
    "speech_only": "9000001",  # (a) SLI, speech only: the SLP should manage the case
    "speech_rsp": "9000002",  # (a) SLD, RSP + speech: the RSP teacher (locked)
    "pt_sdc": "9000003",  # (a) MD, SDC + PT: the SDC teacher
    "rsp_only": "9000004",  # (a) SLD, RSP only, fully included: the RSP teacher
    "alternate_placement": "9000005",  # (b) DEAF placed under SLD: RSP (MMSN) + itinerant DHH
    "coordinator_only": "9000006",  # (c) OI, PT + OT + APE: no provider may manage, a coordinator does
    "coordinator_only_ot": "9000007",  # (c) OHI, OT only
    "extensive_aut": "9000008",  # (f) AUT, extensive support, SDC with an ESN teacher
    "deaf_sdc_shortage": "9000009",  # (e) DEAF, SDC + DHH, at a school without a DHH-credentialed SDC teacher
}
# Each crafted situation of the sample, by site.
SAMPLE_SITES: dict[str, str] = {
    "preschool": "S0001",  # (f) PS classes, a preschool-only SLP; the elementary ESN class
    "rsp_binds": "S0002",  # (d) RSP demand 42 = one full-time (28) + one 0.5 FTE (14) resource specialist
    "rsp_shortage": "S0003",  # (e) one RSP student more than the resource specialists' caps; the DEAF SDC student
    "rsp_waiver": "S0004",  # (d) one resource specialist with a waiver (32) and 32 RSP students
}


def _crafted(site: Site, grade: str, primary: str, services: str, student_id: str, **options: Any) -> Pupil:
    """A crafted student; ``services`` as in the contract (``rsp:180;speech:30``)."""
    pairs = [item.partition(":") for item in services.split(";")]
    return Pupil(site=site, grade=grade, primary=primary, services=[code for code, _, _ in pairs],
                 minutes={code: int(m) for code, _, m in pairs if m}, student_id=student_id, **options)


def _crafted_students(sites: dict[str, Site]) -> list[Pupil]:
    """Crafted cases (a)-(c) and (f), present when the staff is sized (ids in SAMPLE_CASES)."""
    ids = SAMPLE_CASES
    preschool, binds = sites[SAMPLE_SITES["preschool"]], sites[SAMPLE_SITES["rsp_binds"]]
    shortage, waiver = sites[SAMPLE_SITES["rsp_shortage"]], sites[SAMPLE_SITES["rsp_waiver"]]
    return [
        _crafted(preschool, "2", "SLI", "speech:60", ids["speech_only"]),
        _crafted(waiver, "4", "SLD", "rsp:180;speech:30", ids["speech_rsp"]),
        _crafted(binds, "7", "MD", "sdc:1350;pt:30", ids["pt_sdc"], support="mild_moderate"),
        _crafted(shortage, "10", "SLD", "rsp:120", ids["rsp_only"]),
        _crafted(waiver, "3", "DEAF", "rsp:150;dhh:90", ids["alternate_placement"], secondary="SLD", alternate=True),
        _crafted(preschool, "3", "OI", "pt:30;ot:30;ape:60", ids["coordinator_only"]),
        _crafted(binds, "8", "OHI", "ot:30", ids["coordinator_only_ot"]),
        _crafted(preschool, "1", "AUT", "sdc:1500;speech:60", ids["extensive_aut"], support="extensive"),
    ]


def _rsp_count(pupils: Iterable[Pupil], site: Site) -> int:
    return sum("rsp" in p.services and p.site is site for p in pupils)


def _rsp_overrides(pupils: list[Pupil], sites: dict[str, Site]) -> tuple[dict[str, list[tuple[float, bool]]],
                                                                            dict[str, int]]:
    """(d) and (e): resource-specialist positions and the RSP demand each crafted site should have."""
    plans: dict[str, list[tuple[float, bool]]] = {}
    targets: dict[str, int] = {}
    cap, waiver_cap, half = ROLE_CAP["rsp_teacher"], RSP_WAIVER_CAP, prorated(ROLE_CAP["rsp_teacher"], 0.5)
    binds = sites[SAMPLE_SITES["rsp_binds"]]  # full-timers + one 0.5 FTE, exactly full
    full = max(1, math.ceil((_rsp_count(pupils, binds) - half) / cap))
    plans[binds.code], targets[binds.code] = [(1.0, False)] * full + [(0.5, False)], full * cap + half
    waiver = sites[SAMPLE_SITES["rsp_waiver"]]  # a waiver holder, exactly full
    more = max(0, math.ceil((_rsp_count(pupils, waiver) - waiver_cap) / cap))
    plans[waiver.code], targets[waiver.code] = [(1.0, True)] + [(1.0, False)] * more, waiver_cap + more * cap
    shortage = sites[SAMPLE_SITES["rsp_shortage"]]  # the fewest positions for its pupils, then one pupil more
    full, rest = divmod(_rsp_count(pupils, shortage), cap)
    plan = [(1.0, False)] * full + [(0.5, False)] * bool(rest)
    if rest > half or not full:
        plan = [(1.0, False)] * (full + 1)
    plans[shortage.code] = plan
    targets[shortage.code] = sum(prorated(cap, fte) for fte, _ in plan) + 1
    return plans, targets


def _rsp_padding(rng: Rng, site: Site, count: int) -> list[Pupil]:
    """Mild SLD/OHI resource students (some with speech) added to reach a crafted RSP demand."""
    grades = [g for g in site.grades if g not in PRESCHOOL_GRADES and g != "ADULT"]
    return [
        Pupil(site=site, grade=rng.choice(grades), primary=pick(rng, {"SLD": 4, "OHI": 1}),
              services=["rsp", *extras(rng, [("speech", 0.25)])])
        for _ in range(count)
    ]


def _sample_sites(rng: Rng) -> dict[str, Site]:
    """Four schools (elementary with preschool, middle, high with ADULT, elementary), each with a mild SDC class."""
    sites = make_sites(rng, 4)
    for site in sites:
        site.mild_sdc = True
        site.esn = site.kind != ELEMENTARY or site.code == SAMPLE_SITES["preschool"]
        set_grades(site, preschool=site.code == SAMPLE_SITES["preschool"], adult="ADULT" in site.grades)
    return {site.code: site for site in sites}


def _sample_staff_edits(staffing: Staffing) -> None:
    """Legacy and alias credentials where they decide something."""
    roster = staffing.roster
    part_time = roster[(SAMPLE_SITES["rsp_binds"], "rsp")][-1]
    part_time.credentials = ["MM", "AA_ASD", *part_time.credentials[1:]]  # legacy: no MD/OI/TBI instruction
    first = roster[(SAMPLE_SITES["rsp_shortage"], "rsp")][0]
    first.credentials = ["R3MN", *first.credentials[1:]]  # the CTC document code of MMSN


def _give_minutes(pupils: list[Pupil]) -> None:
    """Weekly minutes for every service (the workload model), from their own seed so nothing else moves."""
    rng = random.Random(SAMPLE_MINUTES_SEED)
    for pupil in pupils:
        for service in pupil.services:
            if service not in pupil.minutes:
                pupil.minutes[service] = rng.choice(MINUTES[service])


def sample_assessments() -> list[dict[str, str]]:
    """A short list of pending initial assessments (AB 560), rows of ``data/sample/assessments.csv``.

    S0002 has most (its resource specialists are one full-time and one 0.5 FTE,
    so the half-timer takes half as many); S0003's and S0004's are few.
    """
    rows = []
    for n, (site, due) in enumerate(SAMPLE_ASSESSMENTS, start=1):
        rows.append({"assessment_id": f"IA-{n:04d}", "site": site, "student_id": f"N{n:04d}", "due_date": due})
    return rows


def write_sample_assessments(folder: Path) -> None:
    """Write ``assessments.csv`` (UTF-8, ``\n`` line ends) into ``folder``."""
    Path(folder).mkdir(parents=True, exist_ok=True)
    with open(Path(folder) / "assessments.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=ASSESSMENT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(sample_assessments())


def _lock(pupil: Pupil, people: list[Person]) -> None:
    pupil.current, pupil.locked = next(p.staff_id for p in people if p.available), True


def sample_district() -> tuple[list[Row], list[Row]]:
    """The bundled sample: four schools, about 300 students, about 30 staff, every rule deciding something.

    Crafted students (ids in SAMPLE_CASES, sites in SAMPLE_SITES):
      (a) best practice: 9000001 speech only (SLP), 9000002 speech + RSP (RSP teacher; locked),
          9000003 PT + SDC (SDC teacher), 9000004 RSP only, fully included (RSP teacher);
      (b) 9000005 DEAF primary, SLD secondary, alternate placement, rsp + dhh, at S0004 (an MMSN resource
          specialist and the itinerant DHH teacher serve it);
      (c) coordinator only: 9000006 (OI: pt + ot + ape), 9000007 (OHI: ot);
      (d) caps that bind: S0002 has 42 RSP students for one full-time (28) and one 0.5 FTE (14) resource
          specialist (the part-timer holds the legacy MM + AA_ASD); S0004 has 32 for one waiver holder;
      (e) shortages: S0003 has one RSP student more than its resource specialists' caps, and 9000009 (DEAF,
          sdc + dhh, no alternate placement) attends S0003, where no SDC teacher holds a DHH credential;
      (f) a preschool-only SLP serving S0001 (PS classes), one staff member on leave (available=false),
          9000008 in the extensive-support AUT class of an ESN teacher at S0001, a few locked students
          (9000002, 9000004 and some generated ones), current_case_manager for most students.
    Generated students are numbered 0000001... in site order.
    """
    rng = random.Random(SAMPLE_SEED)
    sites = _sample_sites(rng)
    pupils = make_students(rng, list(sites.values()), SAMPLE_STUDENTS, SAMPLE_SITE_WEIGHTS)
    crafted = _crafted_students(sites)
    plans, targets = _rsp_overrides(pupils + crafted, sites)
    for code, target in targets.items():
        pupils += _rsp_padding(rng, sites[code], target - _rsp_count(pupils + crafted, sites[code]))
    order = list(sites)
    pupils.sort(key=lambda p: order.index(p.site.code))
    number_students(pupils)
    staffing = make_staff(rng, list(sites.values()), pupils + crafted, StaffPlan(rsp=plans, preschool_slp=True))
    _sample_staff_edits(staffing)
    shortage = sites[SAMPLE_SITES["rsp_shortage"]]
    crafted.append(_crafted(shortage, "9", "DEAF", "sdc:1350;dhh:120", SAMPLE_CASES["deaf_sdc_shortage"]))
    everyone = pupils + crafted
    _give_minutes(everyone)
    assign_current(rng, everyone, staffing)
    by_id = {p.student_id: p for p in crafted}
    _lock(by_id[SAMPLE_CASES["speech_rsp"]], staffing.roster[(SAMPLE_SITES["rsp_waiver"], "rsp")])
    _lock(by_id[SAMPLE_CASES["rsp_only"]], staffing.roster[(SAMPLE_SITES["rsp_shortage"], "rsp")])
    return [student_row(p) for p in everyone], [staff_row(p) for p in staffing.people]
