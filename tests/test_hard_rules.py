"""One tiny district per hard rule, where only that rule decides the outcome.

Every plan is also re-verified by ``check_plan`` and its objective recomputed.
"""

from __future__ import annotations

import pytest

from models.domain.plan import Plan, check_plan, compute_loads
from models.domain.reasons import reasons
from optimizer.solve import SolveOptions, solve
from tests.factories import district, staff, student


def run(problem):
    result = solve(problem, SolveOptions(time_limit=20, workers=1))
    report = check_plan(problem, result.plan)
    assert report.ok, report.violations
    assert result.status == "OPTIMAL"
    assert result.objective == report.terms.total
    return result


def provider_of(problem, result, student_id, service):
    for d, demand in enumerate(problem.demands):
        if problem.students[demand.student].student_id == student_id and demand.service == service:
            p = result.plan.providers[d]
            return None if p is None else problem.staff[p].staff_id
    raise KeyError((student_id, service))


def manager_of(problem, result, student_id):
    m = result.plan.case_managers[problem.student_index[student_id]]
    return None if m is None else problem.staff[m].staff_id


def unserved_reason(problem, result, student_id, service):
    unserved, _ = reasons(problem, result.plan, compute_loads(problem, result.plan))
    for d, why in unserved.items():
        demand = problem.demands[d]
        if problem.students[demand.student].student_id == student_id and demand.service == service:
            return why
    return None


# -- R1: the instructing teacher is authorized for the primary disability ----------------------------------------


@pytest.mark.parametrize(
    ("case", "kwargs", "authorized", "unauthorized"),
    [
        # DEAF is authorized by DHH, not by MMSN
        ("category", dict(primary="DEAF"), "DHH", "MMSN"),
        # extensive-support autism: ESN, not MMSN (MMSN is mild_moderate only)
        ("support level", dict(primary="AUT", support="extensive"), "ESN", "MMSN"),
        # a preschooler: ECSE covers PS, MMSN starts at TK
        ("grade", dict(primary="ID", grade="PS"), "ECSE", "MMSN"),
        # an added authorization covers its category at the grades of the base credential
        ("added authorization", dict(primary="AUT", grade="5"), "MM;AA_ASD", "MM"),
    ],
)
def test_instructor_authorized_for_primary_disability(case, kwargs, authorized, unauthorized):
    problem = district(
        [student("s1", "sdc", **kwargs)],
        [staff("wrong", "sdc_teacher", unauthorized), staff("right", "sdc_teacher", authorized)],
    )
    result = run(problem)
    assert provider_of(problem, result, "s1", "sdc") == "right", case


def test_no_authorized_instructor_leaves_the_service_unserved_with_the_rule_named():
    problem = district([student("s1", "sdc", primary="DEAF", site="LINCOLN")],
                      [staff("t1", "sdc_teacher", "MMSN", sites="LINCOLN")])
    result = run(problem)
    assert provider_of(problem, result, "s1", "sdc") is None
    why = unserved_reason(problem, result, "s1", "sdc")
    assert "site LINCOLN" in why and "authorizing DEAF instruction" in why and "R1" in why


def test_conditional_authorization_autism_with_deafness():
    # DHH authorizes AUT only together with DEAF/HH/DB
    with_deaf = district([student("s1", "sdc", primary="AUT", secondary="DEAF")], [staff("t", "sdc_teacher", "DHH")])
    alone = district([student("s1", "sdc", primary="AUT")], [staff("t", "sdc_teacher", "DHH")])
    assert provider_of(with_deaf, run(with_deaf), "s1", "sdc") == "t"
    assert provider_of(alone, run(alone), "s1", "sdc") is None


# -- R2: a service needs its credential ---------------------------------------------------------------------------


def test_speech_needs_the_speech_language_pathology_credential():
    problem = district([student("s1", "speech", primary="SLI")],
                      [staff("no_cred", "slp", ""), staff("slp", "slp", "SLP")])
    assert provider_of(problem, run(problem), "s1", "speech") == "slp"


def test_role_decides_who_delivers_a_service():
    # an SDC teacher holding SLP_SCA still does not deliver speech: the role does not
    problem = district([student("s1", "speech", primary="SLI")], [staff("t", "sdc_teacher", "SLP_SCA")])
    result = run(problem)
    assert provider_of(problem, result, "s1", "speech") is None
    why = unserved_reason(problem, result, "s1", "speech")
    assert "no staff member in the district has a role that delivers speech" in why


# -- R3: alternate placement of a low-incidence student ------------------------------------------------------------


def test_alternate_placement_uses_the_secondary_disability():
    people = [staff("rsp", "rsp_teacher", "MMSN"), staff("dhh", "dhh_itinerant", "DHH")]
    placed = district([student("s1", "rsp;dhh", primary="DEAF", secondary="SLD", alternate=True)], people)
    not_placed = district([student("s1", "rsp;dhh", primary="DEAF", secondary="SLD")], people)
    result = run(placed)
    assert provider_of(placed, result, "s1", "rsp") == "rsp"
    assert provider_of(placed, result, "s1", "dhh") == "dhh"  # primary needs met by the itinerant
    assert provider_of(not_placed, run(not_placed), "s1", "rsp") is None


# -- R4: a coordinator needs no specialty --------------------------------------------------------------------------


def test_coordinator_needs_no_specialty_match():
    problem = district([student("s1", "pt", primary="OI")],
                      [staff("pt", "pt"), staff("coord", "program_specialist")])
    result = run(problem)
    assert manager_of(problem, result, "s1") == "coord"  # pt may not case-manage


def test_can_case_manage_override():
    problem = district([student("s1", "pt", primary="OI")], [staff("pt", "pt", can_case_manage=True)])
    assert manager_of(problem, run(problem), "s1") == "pt"


# -- sites and availability ----------------------------------------------------------------------------------------


def test_staff_serve_only_their_sites():
    problem = district([student("s1", "rsp", site="A")],
                      [staff("b", "rsp_teacher", "MMSN", sites="B"), staff("star", "rsp_teacher", "MMSN", sites="*")])
    assert provider_of(problem, run(problem), "s1", "rsp") == "star"


def test_unavailable_staff_get_no_students():
    problem = district([student("s1", "rsp")], [staff("away", "rsp_teacher", "MMSN", available=False)])
    result = run(problem)
    assert provider_of(problem, result, "s1", "rsp") is None
    assert manager_of(problem, result, "s1") is None
    assert "unavailable" in unserved_reason(problem, result, "s1", "rsp")


# -- caps ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "cap"),
    [
        ({}, 28),  # EC 56362(c)
        ({"rsp_waiver": True}, 32),  # waiver
        ({"fte": 0.5}, 14),  # 28 x 0.5
        ({"fte": 0.6}, 16),  # floor(28 x 0.6 = 16.8)
        ({"max_caseload": 20}, 20),  # a local cap lowers the legal one
        ({"max_caseload": 40}, 28),  # ... but never raises it
    ],
)
def test_resource_specialist_cap(kwargs, cap):
    problem = district([student(f"s{i}", "rsp") for i in range(35)], [staff("rsp", "rsp_teacher", "MMSN", **kwargs)])
    result = run(problem)
    assert sum(p is not None for p in result.plan.providers) == cap
    unserved, _ = reasons(problem, result.plan, compute_loads(problem, result.plan))
    assert len(unserved) == 35 - cap
    assert all("at their caseload cap" in why for why in unserved.values())


def test_sdc_local_cap_can_be_raised_by_max_caseload():
    students = [student(f"s{i}", "sdc", primary="ID") for i in range(20)]
    default = district(students, [staff("t", "sdc_teacher", "MMSN")])
    raised = district(students, [staff("t", "sdc_teacher", "MMSN", max_caseload=18)])
    assert sum(p is not None for p in run(default).plan.providers) == 15  # local default
    assert sum(p is not None for p in run(raised).plan.providers) == 18  # local, not legal: may be raised


def test_slp_district_average_binds_across_sites():
    # two SLPs, 1.0 and 0.5 FTE: at most 55 x 1.5 = 82 speech pupils in the district, though no SLP has its own cap
    students = [student(f"a{i}", "speech", primary="SLI", site="A") for i in range(60)]
    students += [student(f"b{i}", "speech", primary="SLI", site="B") for i in range(30)]
    problem = district(students, [staff("slpA", "slp", "SLP", sites="A"), staff("slpB", "slp", "SLP", sites="B",
                                                                                fte=0.5)])
    result = run(problem)
    assert sum(p is not None for p in result.plan.providers) == 82
    unserved = [why for why in reasons(problem, result.plan, compute_loads(problem, result.plan))[0].values()]
    assert unserved and all("district average cap of 55" in why for why in unserved)


def test_slp_average_that_cannot_bind_is_dropped_and_sites_split():
    students = [student(f"a{i}", "speech", primary="SLI", site="A") for i in range(50)]
    students += [student(f"b{i}", "speech", primary="SLI", site="B") for i in range(20)]
    problem = district(students, [staff("slpA", "slp", "SLP", sites="A"), staff("slpB", "slp", "SLP", sites="B")])
    result = run(problem)
    assert result.components == 2
    assert all(p is not None for p in result.plan.providers)


def test_preschool_only_slp_cap_and_grades():
    students = [student(f"p{i}", "speech", primary="SLI", grade="PS") for i in range(45)]
    students.append(student("g3", "speech", primary="SLI", grade="3"))
    problem = district(students, [staff("pre", "slp", "SLP", preschool_only=True)])
    result = run(problem)
    served = [problem.students[problem.demands[d].student].student_id
              for d, p in enumerate(result.plan.providers) if p is not None]
    assert len(served) == 40 and "g3" not in served  # EC 56441.7: 40, ages 3-5 only
    assert "preschool only" in unserved_reason(problem, result, "g3", "speech")


# -- locks --------------------------------------------------------------------------------------------------------


def test_locked_student_keeps_current_team_against_preference():
    # Without the lock, best practice makes the RSP teacher case manager; the lock keeps the SLP.
    s = student("s1", "rsp;speech", current="slp", locked=True)
    problem = district([s], [staff("rsp1", "rsp_teacher", "MMSN"), staff("rsp2", "rsp_teacher", "MMSN"),
                             staff("slp", "slp", "SLP")], current_providers={("s1", "rsp"): "rsp2"})
    result = run(problem)
    assert manager_of(problem, result, "s1") == "slp"
    assert provider_of(problem, result, "s1", "rsp") == "rsp2"


def test_locked_to_someone_who_left_is_reported_not_bent():
    s = student("s1", "rsp", current="gone", locked=True)
    problem = district([s], [staff("rsp1", "rsp_teacher", "MMSN")], current_providers={("s1", "rsp"): "gone"})
    result = run(problem)
    assert manager_of(problem, result, "s1") is None
    assert provider_of(problem, result, "s1", "rsp") is None
    assert "no longer on staff" in unserved_reason(problem, result, "s1", "rsp")


# -- shortage: serve as many as legally possible first ---------------------------------------------------------------


def test_shortage_serves_the_maximum_before_any_preference():
    # One RSP teacher with room for one more pupil; serving s2 costs best practice nothing,
    # but the planner must not trade a served student for balance or continuity.
    students = [student(f"s{i}", "rsp", current="slp") for i in range(28)] + [student("x", "rsp;speech")]
    problem = district(students, [staff("rsp", "rsp_teacher", "MMSN"), staff("slp", "slp", "SLP")])
    result = run(problem)
    assert sum(p is not None for p in result.plan.providers) == 29  # 28 rsp + 1 speech
    assert all(m is not None for m in result.plan.case_managers)


def test_slp_average_allocated_across_many_sites_keeps_the_law_and_proves_a_tight_bound():
    # three sites, one SLP each (55 x 3 = 165 budget), 180 speech pupils: 15 must go without, whichever way
    students = [student(f"{site}{i}", "speech", primary="SLI", site=site)
                for site, n in (("A", 70), ("B", 60), ("C", 50)) for i in range(n)]
    problem = district(students, [staff(f"slp{site}", "slp", "SLP", sites=site) for site in "ABC"])
    merged = solve(problem, SolveOptions(workers=1, flow=False))
    allocated = solve(problem, SolveOptions(workers=1, merge_limit=0, flow=False))
    flow = solve(problem, SolveOptions(workers=1))  # the pool of the min-cost flow keeps the average exactly
    assert merged.status == flow.status == "OPTIMAL" and merged.components == 1
    assert flow.objective == merged.objective and check_plan(problem, flow.plan).ok
    assert allocated.components == 3
    assert check_plan(problem, allocated.plan).ok
    assert sum(p is None for p in allocated.plan.providers) == 15
    # water-filling takes each pupil from the SLP whose last pupil costs most: 70/60/50 -> 58/57/50,
    # the loads the merged exact model chooses too
    loads = sorted(sum(p == i for p in allocated.plan.providers) for i in range(3))
    assert loads == [50, 57, 58]
    assert loads == sorted(sum(p == i for p in merged.plan.providers) for i in range(3))
    assert allocated.best_bound <= merged.objective <= allocated.objective
    assert allocated.gap < 0.001


def test_alternate_placement_needs_the_primary_disability_service_in_the_plan():
    # R3: DEAF student placed under SLD; with no DHH itinerant the dhh service is unserved,
    # so the MMSN resource specialist may not instruct either
    problem = district([student("s1", "rsp;dhh", primary="DEAF", secondary="SLD", alternate=True)],
                      [staff("rsp", "rsp_teacher", "MMSN")])
    result = run(problem)
    assert provider_of(problem, result, "s1", "rsp") is None
    why = unserved_reason(problem, result, "s1", "rsp")
    assert "alternate placement (R3)" in why and "dhh is unserved" in why
    # with the itinerant, both are served
    staffed = district(problem.students, [*problem.staff, staff("dhh", "dhh_itinerant", "DHH")])
    assert provider_of(staffed, run(staffed), "s1", "rsp") == "rsp"


def test_check_plan_reports_alternate_placement_without_primary_service():
    problem = district([student("s1", "rsp;dhh", primary="DEAF", secondary="SLD", alternate=True)],
                      [staff("rsp", "rsp_teacher", "MMSN")])
    plan = Plan(providers=(0, None), case_managers=(0,))
    assert any("(R3)" in str(v) for v in check_plan(problem, plan).violations)


def test_the_stand_in_while_an_slp_average_is_re_planned_is_legal():
    # apart, each SLP serves its whole site (180 pupils); the stand-in drops the excess by water-filling
    from optimizer import coupling
    from optimizer.decompose import split
    from optimizer.solve import planning_candidates

    students = [student(f"{site}{i}", "speech", primary="SLI", site=site)
                for site, n in (("A", 70), ("B", 60), ("C", 50)) for i in range(n)]
    problem = district(students, [staff(f"slp{site}", "slp", "SLP", sites=site) for site in "ABC"])
    cands = planning_candidates(problem)
    assert len(split(problem, cands, couple=())) == 3
    apart = Plan(providers=tuple(cands.providers[d][0] for d in range(len(problem.demands))),
                 case_managers=tuple(cands.managers[s][0] for s in range(len(problem.students))))
    assert not check_plan(problem, apart).ok  # 180 > 165
    loads = compute_loads(problem, apart)
    taken = coupling.water_fill(problem, loads, "slp", coupling.excess(problem, loads, "slp"))
    assert sorted(loads.served[p] - taken.get(p, 0) for p in range(3)) == [50, 57, 58]  # from 70/60/50
    stand_in = coupling.drop_plan(problem, apart, taken)
    assert check_plan(problem, stand_in).ok
    assert sum(p is not None for p in stand_in.providers) == 165
