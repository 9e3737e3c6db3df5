"""Data tables of the synthetic districts: grade bands, the disability mix, services, names, credentials.

The caps the staffing sizes positions by are the default rules' (``data/rules/california.toml``), never
numbers written here, so a change of the law changes the generated districts too.
"""

from __future__ import annotations

import random
from functools import cache

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


def _caps() -> tuple[dict[str, int], int, int]:
    """The default rules' caps: (cap per teacher role, the RSP waiver cap, the preschool-only SLP cap)."""
    roles = load_rules().roles
    caps = {role: roles[role].cap for role in ("rsp_teacher", "sdc_teacher")}
    return caps, roles["rsp_teacher"].waiver_cap, roles["slp"].preschool_cap


# 28 and 15 (EC 56362(c) and the local SDC default), 32 with a waiver, 40 (EC 56441.7): read, not written here
ROLE_CAP, RSP_WAIVER_CAP, PRESCHOOL_SLP_CAP = _caps()
PARTIAL_FTE = (0.5, 0.8, 1.0)

ITINERANTS = (
    # service, role, pool, credential choices, full-time load
    ("dhh", "dhh_itinerant", "dhh", {"DHH": 6, "R3DH": 2, "R3HD": 1}, 20),
    ("vi", "vi_itinerant", "vi", {"VI": 6, "R3VI": 2, "R3VB": 1}, 15),
    ("om", "om_specialist", "om", {"OM": 3, "OM;VI": 1}, 15),
    ("ape", "ape_teacher", "ape", {"APE": 1}, 45),
    ("pt", "pt", "pt", {"": 1}, 45),
    ("ot", "ot", "ot", {"": 1}, 45),
)

