"""The synthetic district generator and the bundled sample district."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from models.domain.caps import caseload_cap
from models.domain.eligibility import may_case_manage_role
from models.domain.problem import ALL_SITES, ServiceNeed, Staff, Student
from models.domain.rule_table import may_case_manage, may_deliver
from models.domain.rules import load_rules, normalize_grade
from models.synthetic.generator import (
    STAFF_COLUMNS,
    STUDENT_COLUMNS,
    generate_district,
    main,
    write_district,
)
from models.synthetic.sample_district import SAMPLE_CASES, SAMPLE_SITES, sample_district

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "data" / "sample"
RULES = load_rules()
BOOLEAN = {"true", "false", ""}

Rows = list[dict[str, str]]


@cache
def district(n: int, seed: int = 0, n_sites: int | None = None) -> tuple[Rows, Rows]:
    return generate_district(n, seed, n_sites)


@cache
def sample() -> tuple[Rows, Rows]:
    return sample_district()


# --------------------------------------------------------------------------
# Rows as domain values, to ask the eligibility rules
# --------------------------------------------------------------------------


def services_of(row: dict[str, str]) -> list[str]:
    return [item.partition(":")[0] for item in row["services"].split(";")]


def to_student(row: dict[str, str]) -> Student:
    secondary = row["secondary_disability"]
    return Student(
        student_id=row["student_id"], site=row["site"], grade=normalize_grade(row["grade"]),
        primary=RULES.category(row["primary_disability"]), services=tuple(ServiceNeed(s) for s in services_of(row)),
        secondary=RULES.category(secondary) if secondary else None,
        support_level=row["support_level"] or "mild_moderate", alternate_placement=row["alternate_placement"] == "true",
    )


def to_staff(row: dict[str, str]) -> Staff:
    return Staff(
        staff_id=row["staff_id"], role=row["role"], sites=frozenset(row["sites"].split(";")),
        credentials=frozenset(RULES.credential(c) for c in row["credentials"].split(";") if c),
        name=row["name"], fte=float(row["fte"]),
        max_caseload=int(row["max_caseload"]) if row["max_caseload"] else None,
        rsp_waiver=row["rsp_waiver"] == "true", preschool_only=row["preschool_only"] == "true",
        can_case_manage=None if not row["can_case_manage"] else row["can_case_manage"] == "true",
        available=row["available"] != "false",
    )


def student_by_id(students: Rows, student_id: str) -> Student:
    return to_student(next(r for r in students if r["student_id"] == student_id))


def providers(staff: Rows, student: Student, service: str) -> list[Staff]:
    return [p for p in map(to_staff, staff) if may_deliver(RULES, p, student, service)]


def rsp_demand(students: Rows, site: str) -> int:
    return sum(r["site"] == site and "rsp" in services_of(r) for r in students)


def rsp_teachers(staff: Rows, site: str) -> list[Staff]:
    return [p for p in map(to_staff, staff) if p.role == "rsp_teacher" and p.available and p.serves_site(site)]


# --------------------------------------------------------------------------
# Generated districts
# --------------------------------------------------------------------------


def test_same_seed_gives_the_same_rows() -> None:
    assert generate_district(500, seed=7) == generate_district(500, seed=7)
    assert generate_district(500, seed=7) != generate_district(500, seed=8)


def test_same_arguments_give_byte_identical_files_across_processes(tmp_path: Path) -> None:
    outputs = []
    for hash_seed in ("1", "2"):
        out = tmp_path / hash_seed
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        subprocess.run([sys.executable, "-m", "models.synthetic.generator", "--students", "400", "--seed", "3", "--out",
                        str(out)], cwd=ROOT, env=env, check=True, capture_output=True)
        outputs.append(((out / "students.csv").read_bytes(), (out / "staff.csv").read_bytes()))
    assert outputs[0] == outputs[1]


def test_columns_are_exactly_the_contract_and_values_strings() -> None:
    for students, staff in (district(300), sample()):
        assert all(tuple(r) == STUDENT_COLUMNS and all(isinstance(v, str) for v in r.values()) for r in students)
        assert all(tuple(r) == STAFF_COLUMNS and all(isinstance(v, str) for v in r.values()) for r in staff)
        assert "name" not in STUDENT_COLUMNS


@pytest.mark.parametrize(("n", "sites"), [(1000, 14), (70, 4), (0, 4), (7000, 100)])
def test_default_number_of_sites(n: int, sites: int) -> None:
    students, staff = district(n)
    assert len(students) == n
    assert len({s for r in staff for s in r["sites"].split(";")}) == sites


def test_a_thousand_students_have_a_realistic_staff() -> None:
    for seed in range(5):
        students, staff = district(1000, seed)
        assert {r["site"] for r in students} <= {f"S{i:04d}" for i in range(1, 15)}
        assert 60 <= len(staff) <= 90, (seed, len(staff))
        roles = Counter(r["role"] for r in staff)
        assert roles["rsp_teacher"] >= 12 and roles["sdc_teacher"] >= 12 and roles["slp"] >= 6
        assert roles["program_specialist"] >= 1 and roles["psychologist"] >= 1


def test_explicit_number_of_sites() -> None:
    students, staff = district(300, 1, 6)
    assert {r["site"] for r in students} <= {f"S{i:04d}" for i in range(1, 7)}
    assert len({s for r in staff for s in r["sites"].split(";")}) == 6


@pytest.mark.parametrize("which", ["generated", "sample"])
def test_every_row_loads_through_the_rules(which: str) -> None:
    students, staff = district(3000, 5) if which == "generated" else sample()
    for r in students:
        assert normalize_grade(r["grade"]) is not None, r
        assert RULES.category(r["primary_disability"]) is not None, r
        assert not r["secondary_disability"] or RULES.category(r["secondary_disability"]) is not None, r
        assert r["support_level"] in ("", "mild_moderate", "extensive"), r
        for item in r["services"].split(";"):
            code, _, minutes = item.partition(":")
            assert code in RULES.services and (not minutes or int(minutes) > 0), r
        assert {r["alternate_placement"], r["locked"]} <= BOOLEAN, r
    for r in staff:
        assert r["role"] in RULES.roles, r
        assert all(RULES.credential(c) is not None for c in r["credentials"].split(";") if c), r
        assert 0 < float(r["fte"]) <= 1, r
        assert not r["max_caseload"] or int(r["max_caseload"]) > 0, r
        assert {r["rsp_waiver"], r["preschool_only"], r["can_case_manage"], r["available"]} <= BOOLEAN, r
    assert len({r["student_id"] for r in students}) == len(students)
    assert len({r["staff_id"] for r in staff}) == len(staff)


@pytest.mark.parametrize("which", ["generated", "sample"])
def test_every_student_is_at_a_site_someone_serves_and_current_case_managers_are_valid(which: str) -> None:
    students, staff = district(3000, 5) if which == "generated" else sample()
    people = {r["staff_id"]: to_staff(r) for r in staff}
    served = {s for p in people.values() if p.available for s in p.sites}
    assert {r["site"] for r in students} <= served
    filled = [r for r in students if r["current_case_manager"]]
    assert len(filled) >= 0.85 * len(students)
    for r in filled:
        person = people[r["current_case_manager"]]
        assert person.serves_site(r["site"]) and may_case_manage_role(RULES, person), r
    locked = [r for r in students if r["locked"] == "true"]
    assert locked and all(people[r["current_case_manager"]].available for r in locked)


def test_students_have_no_names_and_staff_names_are_synthetic() -> None:
    students, staff = district(300)
    assert all(r["student_id"].isdigit() and len(r["student_id"]) == 7 for r in students)
    assert all(r["name"] and r["name"] != r["staff_id"] for r in staff)


def test_disability_mix_is_california_like() -> None:
    students, _ = district(20000, 2)
    share = Counter(RULES.category(r["primary_disability"]) for r in students)
    n = len(students)
    for category, low, high in [("SLD", 33, 43), ("SLI", 17, 25), ("AUT", 12, 18), ("OHI", 9, 15), ("ID", 4, 8),
                                ("ED", 2, 5)]:
        assert low <= 100 * share[category] / n <= high, category
    assert all(r["grade"] in ("PS", "IN") for r in students if RULES.category(r["primary_disability"]) == "EMD")
    numeric = sum(r["primary_disability"].isdigit() for r in students)
    assert 0 < numeric < n / 2  # both spellings, abbreviations mostly


def test_services_fit_the_disability() -> None:
    students, _ = district(5000, 4)
    for r in students:
        student, services = to_student(r), set(services_of(r))
        if student.primary == "SLI":
            assert services == {"speech"}, r
        if student.grade == "PS":
            assert not services & {"rsp"}, r
        if student.support_level == "extensive":
            assert "sdc" in services and "rsp" not in services, r
        if student.alternate_placement:  # R3: a low-incidence primary, a secondary, the related service kept
            category = RULES.categories[student.primary]
            assert category.low_incidence and student.secondary, r
            assert services & set(category.related_services), r
    assert any(to_student(r).alternate_placement for r in students)


def test_instruction_capacity_is_used_at_about_ninety_percent() -> None:
    students, staff = district(20000, 1)
    for role, service in (("rsp_teacher", "rsp"), ("sdc_teacher", "sdc")):
        demand = sum(service in services_of(r) for r in students)
        capacity = sum(caseload_cap(RULES, p) for p in map(to_staff, staff) if p.role == role and p.available)
        assert 0.8 <= demand / capacity <= 0.97, role


def test_itinerant_staff_cover_clusters_so_the_district_splits() -> None:
    _, staff = district(7000, 3)
    assert all(ALL_SITES not in r["sites"].split(";") for r in staff)
    assert max(len(r["sites"].split(";")) for r in staff) <= 10
    parent: dict[str, str] = {}

    def find(site: str) -> str:
        while parent.setdefault(site, site) != site:
            site = parent[site]
        return site

    for r in staff:
        first, *others = r["sites"].split(";")
        for site in others:
            parent[find(site)] = find(first)
    components = Counter(find(site) for site in list(parent))
    assert len(components) >= 10 and max(components.values()) <= 10


def test_write_district_writes_both_tables(tmp_path: Path) -> None:
    students, staff = district(50)
    write_district(tmp_path / "out", students, staff)
    lines = (tmp_path / "out" / "students.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(STUDENT_COLUMNS) and len(lines) == 51
    assert (tmp_path / "out" / "staff.csv").read_text(encoding="utf-8").splitlines()[0] == ",".join(STAFF_COLUMNS)


def test_command_line_writes_the_generated_district(tmp_path: Path) -> None:
    assert main(["--students", "120", "--seed", "4", "--sites", "5", "--out", str(tmp_path / "a")]) == 0
    write_district(tmp_path / "b", *generate_district(120, 4, 5))
    for name in ("students.csv", "staff.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    with pytest.raises(SystemExit):
        main(["--out", str(tmp_path)])


# --------------------------------------------------------------------------
# The bundled sample
# --------------------------------------------------------------------------


def test_committed_sample_files_equal_what_sample_district_produces(tmp_path: Path) -> None:
    write_district(tmp_path, *sample())
    for name in ("students.csv", "staff.csv"):
        assert (SAMPLE_DIR / name).read_bytes() == (tmp_path / name).read_bytes(), (
            f"data/sample/{name} is stale: run python -m models.synthetic.generator --sample --out data/sample")


def test_sample_is_a_small_realistic_district() -> None:
    students, staff = sample()
    assert 3 <= len({r["site"] for r in students}) <= 4
    assert 250 <= len(students) <= 350
    assert 25 <= len(staff) <= 35
    assert set(SAMPLE_CASES.values()) <= {r["student_id"] for r in students}


def test_sample_best_practice_cases() -> None:
    """(a) speech only -> SLP; speech + RSP -> RSP teacher; PT + SDC -> SDC teacher; RSP only -> RSP teacher."""
    students, staff = sample()
    expected = {"speech_only": ({"speech"}, "speech", "slp"), "speech_rsp": ({"rsp", "speech"}, "rsp", "rsp_teacher"),
                "pt_sdc": ({"sdc", "pt"}, "sdc", "sdc_teacher"), "rsp_only": ({"rsp"}, "rsp", "rsp_teacher")}
    for case, (services, best, role) in expected.items():
        student = student_by_id(students, SAMPLE_CASES[case])
        assert set(student.service_codes) == services, case
        assert any(p.role == role and may_case_manage(RULES, p, student) for p in providers(staff, student, best)), case


def test_sample_alternate_placement() -> None:
    """(b) DEAF primary placed under SLD: an MMSN resource specialist instructs, the itinerant DHH teacher serves."""
    students, staff = sample()
    student = student_by_id(students, SAMPLE_CASES["alternate_placement"])
    assert (student.primary, student.secondary, student.alternate_placement) == ("DEAF", "SLD", True)
    assert set(student.service_codes) == {"rsp", "dhh"}
    assert any(p.role == "rsp_teacher" and "MMSN" in p.credentials for p in providers(staff, student, "rsp"))
    assert any(p.role == "dhh_itinerant" for p in providers(staff, student, "dhh"))


def test_sample_coordinator_only_cases() -> None:
    """(c) every service can be delivered, but by no one who may manage the case: a coordinator does."""
    students, staff = sample()
    for case in ("coordinator_only", "coordinator_only_ot"):
        student = student_by_id(students, SAMPLE_CASES[case])
        for service in student.service_codes:
            delivering = providers(staff, student, service)
            assert delivering and not any(may_case_manage_role(RULES, p) for p in delivering), (case, service)
        coordinators = [p for p in map(to_staff, staff) if may_case_manage(RULES, p, student)]
        assert any(p.role in ("program_specialist", "psychologist") for p in coordinators), case


def test_sample_caps_bind() -> None:
    """(d) RSP demand beyond one resource specialist's 28: a 0.5 FTE second one; a waiver holder at 32."""
    students, staff = sample()
    site = SAMPLE_SITES["rsp_binds"]
    teachers = rsp_teachers(staff, site)
    assert all(p.sites == {site} for p in teachers)
    assert rsp_demand(students, site) == sum(caseload_cap(RULES, p) for p in teachers) > 28
    assert any(p.fte == 0.5 and caseload_cap(RULES, p) == 14 for p in teachers)
    site = SAMPLE_SITES["rsp_waiver"]
    teachers = rsp_teachers(staff, site)
    assert [caseload_cap(RULES, p) for p in teachers if p.rsp_waiver] == [32]
    assert rsp_demand(students, site) == sum(caseload_cap(RULES, p) for p in teachers)


def test_sample_shortages() -> None:
    """(e) one RSP student more than the caps at a site; a DEAF student whose SDC no one may teach."""
    students, staff = sample()
    site = SAMPLE_SITES["rsp_shortage"]
    teachers = rsp_teachers(staff, site)
    assert all(p.sites == {site} for p in teachers)
    assert rsp_demand(students, site) == sum(caseload_cap(RULES, p) for p in teachers) + 1
    student = student_by_id(students, SAMPLE_CASES["deaf_sdc_shortage"])
    assert student.primary == "DEAF" and not student.alternate_placement and "sdc" in student.service_codes
    assert providers(staff, student, "sdc") == []
    assert providers(staff, student, "dhh")


def test_sample_preschool_leave_extensive_class_locks_and_current_case_managers() -> None:
    """(f) preschool-only SLP, someone on leave, an ESN class for extensive AUT, locked students, current CMs."""
    students, staff = sample()
    people = list(map(to_staff, staff))
    preschool = SAMPLE_SITES["preschool"]
    assert any(r["site"] == preschool and r["grade"] == "PS" and "speech" in services_of(r) for r in students)
    assert any(p.role == "slp" and p.preschool_only and p.available and p.serves_site(preschool) for p in people)
    assert any(not p.available for p in people)
    student = student_by_id(students, SAMPLE_CASES["extensive_aut"])
    assert (student.primary, student.support_level) == ("AUT", "extensive")
    assert any("ESN" in p.credentials and p.role == "sdc_teacher" for p in providers(staff, student, "sdc"))
    locked = {r["student_id"] for r in students if r["locked"] == "true"}
    assert {SAMPLE_CASES["speech_rsp"], SAMPLE_CASES["rsp_only"]} <= locked and len(locked) >= 3
    assert sum(bool(r["current_case_manager"]) for r in students) >= 0.85 * len(students)
