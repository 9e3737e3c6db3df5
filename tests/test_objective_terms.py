"""Each objective term the model minimises equals the term ``check_plan`` recomputes from the data, one by one."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

import pytest
from ortools.sat.python import cp_model

from models.domain.objective import TERM_NAMES, ObjectiveTerms
from models.domain.plan import Plan, check_plan
from models.domain.rules import DEFAULT_RULES_PATH, rules_from_mapping
from models.files.loaders import load_problem
from optimizer.decompose import Component, binding_average_caps
from optimizer.model import CaseloadModel
from optimizer.solve import planning_candidates
from tests.factories import district, rules, staff, student

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"


def model_terms(problem) -> tuple[ObjectiveTerms, ObjectiveTerms]:
    """(the terms the solved model reports, the terms check_plan recomputes for its plan)."""
    cands = planning_candidates(problem)
    whole = Component(tuple(range(len(problem.students))), tuple(range(len(problem.demands))),
                      tuple(range(len(problem.staff))), tuple(binding_average_caps(problem, cands)))
    built = CaseloadModel(problem, cands, whole)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 20
    solver.parameters.linearization_level = 2  # as optimizer.solve: the LP proves these models fast
    assert solver.solve(built.model) == cp_model.OPTIMAL
    providers, managers = built.read_solution(solver)
    plan = Plan(tuple(providers[d] for d in range(len(problem.demands))),
                tuple(managers[s] for s in range(len(problem.students))))
    reported = built.term_values(solver)
    assert reported.total == round(solver.objective_value)
    return reported, check_plan(problem, plan).terms


def _every_term():
    # r1 is away: s1 changes provider and case manager (continuity terms); H1 is a proposed hire (cost 7)
    # that must open for the DEAF student; no SLP: s3's speech is unserved; nobody serves site B: s5 is
    # unserved and unassigned; r2 may not case-manage, so s1 and s3 get the coordinator p1 (best practice
    # rank 1) and p1 carries a case-management load (balance); r2's rsp pupils cost service balance
    people = [staff("r1", "rsp_teacher", "MMSN", available=False), staff("r2", "rsp_teacher", "MMSN",
                                                                        can_case_manage=False),
              staff("H1", "sdc_teacher", "DHH"), staff("p1", "program_specialist")]
    pupils = [student("s1", "rsp", current="r1"), student("s2", "sdc", primary="DEAF"),
              student("s3", "speech;rsp"), student("s4", "ot"), student("s5", "ot", site="B")]
    problem = district(pupils, people, current_providers={("s1", "rsp"): "r1"})
    return dataclasses.replace(problem, position_costs={"H1": 7})


def _sample():
    return load_problem(SAMPLE / "students.csv", SAMPLE / "staff.csv", rules())[0]


def _soft_cap():
    # a local SDC cap of 2 that bends up to 3 for 500 a pupil: the third pupil is served over it
    raw = tomllib.loads(DEFAULT_RULES_PATH.read_text())
    raw["roles"]["sdc_teacher"].update(cap=2, overload_cost=500, overload_max=3)
    return district([student(f"s{i}", "sdc") for i in range(3)], [staff("t", "sdc_teacher", "MMSN")],
                    rules_=rules_from_mapping(raw, "own.toml"))


def _on_workload():
    # two SLPs balanced on weekly minutes (balance_on = "workload"), pupils of 120 and 30 minutes
    raw = tomllib.loads(DEFAULT_RULES_PATH.read_text())
    raw["workload"]["balance_on"] = "workload"
    pupils = [student(f"s{i}", f"speech:{m}", primary="SLI") for i, m in enumerate((120, 120, 30, 30))]
    return district(pupils, [staff("slp1", "slp", "SLP"), staff("slp2", "slp", "SLP")],
                    rules_=rules_from_mapping(raw, "own.toml"))


CASES = {"every term": _every_term, "soft local cap": _soft_cap, "workload": _on_workload,
         "sample site S0001": lambda: _one_site(_sample(), "S0001")}


def _one_site(problem, site):
    """The sample's students and staff of one site: small enough to prove optimal in well under a second."""
    return dataclasses.replace(problem, students=tuple(s for s in problem.students if s.site == site),
                               staff=tuple(p for p in problem.staff if site in p.sites),
                               current_providers={})


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_term_equals_the_recomputed_one(case):
    reported, recomputed = model_terms(CASES[case]())
    assert reported.as_dict() == recomputed.as_dict()


def test_the_cases_exercise_every_term():
    nonzero: set[str] = set()
    for make in CASES.values():
        reported, _ = model_terms(make())
        nonzero |= {name for name, value in reported.as_dict().items() if value}
    assert nonzero == set(TERM_NAMES)


def test_terms_by_name_refuse_an_unknown_name():
    assert ObjectiveTerms.from_dict({"best_practice": 3}).total == 3
    with pytest.raises(KeyError):
        ObjectiveTerms.from_dict({"travel": 1})
