"""explain.csv: the nearest alternatives of each (student, role), on districts solved by hand."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from models.domain.issues import InputError
from models.domain.plan import Plan, objective_terms
from models.workflows.explanations import AT_CAP, COSTLIER, INELIGIBLE, NONE, explain_plan
from optimizer.solve import SolveOptions, solve
from tests.factories import district, staff, student
from tests.test_properties import districts

ONE_WORKER = SolveOptions(workers=1, time_limit=10)


def rows_of(problem, student_id: str, role: str):
    result = solve(problem, ONE_WORKER)
    s = problem.student_index[student_id]
    return result, [r for r in explain_plan(problem, result.plan) if r.student == s and r.role == role]


def ids(problem, rows):
    return [problem.staff[r.alternative].staff_id if r.alternative is not None else "" for r in rows]


def test_best_practice_case_manager_bent_by_a_cap_names_the_cap_and_the_person():
    # R is a half-time resource specialist: cap floor(28 x 0.5) = 14 (EC 56362(c)), all 14 seats held by
    # locked students. X needs rsp and speech: rsp stays unserved, so the SLP L manages X (rank 1); R
    # would be the best-practice case manager (rank 0) only by teaching X, which her cap forbids.
    held = [student(f"H{i:02d}", "rsp", current="R", locked=True) for i in range(14)]
    problem = district([*held, student("X", "rsp;speech")],
                       [staff("R", "rsp_teacher", "MMSN", fte=0.5), staff("L", "slp", "SLP")],
                       current_providers={(f"H{i:02d}", "rsp"): "R" for i in range(14)})
    result, rows = rows_of(problem, "X", "case_manager")
    assert problem.staff[result.plan.case_managers[problem.student_index["X"]]].staff_id == "L"
    assert [(ids(problem, [r])[0], r.verdict, r.rule) for r in rows] == [("R", AT_CAP, "cap")]
    assert "R would be the best-practice case manager" in rows[0].why
    assert "R is at 14 of 14 rsp pupils (EC 56362(c))" in rows[0].why


def test_an_ineligible_teacher_gets_the_rule_that_says_no():
    # A deaf student's SDC teacher must be authorized for DEAF (R1): M holds MMSN only.
    problem = district([student("X", "sdc", primary="DEAF")],
                       [staff("M", "sdc_teacher", "MMSN"), staff("D", "sdc_teacher", "DHH")])
    _, rows = rows_of(problem, "X", "sdc")
    assert [(ids(problem, [r])[0], r.verdict, r.rule) for r in rows] == [("M", INELIGIBLE, "R1")]
    assert rows[0].why.startswith("M holds no credential authorizing DEAF instruction")


def test_a_tie_costs_nothing():
    # Two identical SLPs, one speech-only student: either serves and manages at the same cost.
    problem = district([student("X", "speech")], [staff("L1", "slp", "SLP"), staff("L2", "slp", "SLP")])
    _, rows = rows_of(problem, "X", "case_manager")
    assert [(r.verdict, r.cost_delta) for r in rows] == [(COSTLIER, 0)]
    assert "a tie" in rows[0].why


def test_nobody_else_gives_one_row_with_verdict_none():
    problem = district([student("X", "rsp")], [staff("R", "rsp_teacher", "MMSN")])
    _, rows = rows_of(problem, "X", "rsp")
    assert [(r.alternative, r.verdict) for r in rows] == [(None, NONE)]


def test_order_costlier_by_delta_then_at_cap_then_ineligible_at_most_three():
    # R1 (cap 1, full: her other pupil is locked), R2 and R3 free, M unauthorized (R1 rule): X's rsp
    # alternatives other than the chosen one come costlier first.
    problem = district([student("H", "rsp", current="R1", locked=True), student("X", "rsp", primary="AUT")],
                       [staff("R1", "rsp_teacher", "MMSN", max_caseload=1), staff("R2", "rsp_teacher", "MMSN"),
                        staff("R3", "rsp_teacher", "MMSN", fte=0.5), staff("M", "rsp_teacher", "LAD;DHH",
                                                                          sites="A")],
                       current_providers={("H", "rsp"): "R1"})
    _, rows = rows_of(problem, "X", "rsp")
    verdicts = [r.verdict for r in rows]
    assert len(rows) == 3
    assert verdicts == sorted(verdicts, key=[COSTLIER, AT_CAP, INELIGIBLE].index)
    costs = [r.cost_delta for r in rows if r.verdict == COSTLIER]
    assert costs == sorted(costs)


def _changed(plan: Plan, change) -> Plan:
    providers = list(plan.providers)
    for d, p in change.providers:
        providers[d] = p
    managers = list(plan.case_managers)
    if change.manager != -1:
        managers[change.student] = change.manager
    return Plan(tuple(providers), tuple(managers))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(districts())
def test_costlier_deltas_are_exact_and_never_negative_on_an_optimal_plan(problem):
    try:
        result = solve(problem, ONE_WORKER)
    except InputError:
        return  # locked students alone over a cap: not a plan to explain
    base = objective_terms(problem, result.plan).total
    for row in explain_plan(problem, result.plan):
        if row.verdict != COSTLIER:
            continue
        # everything else as planned: the recomputed objective moves by exactly cost_delta
        assert objective_terms(problem, _changed(result.plan, row.change)).total - base == row.cost_delta
        if result.status == "OPTIMAL":
            assert row.cost_delta >= 0, row.why


def test_rows_name_ids_never_names():
    problem = district([student("X", "speech")], [dataclasses.replace(staff("L1", "slp", "SLP"), name="Ann Lee"),
                                                  dataclasses.replace(staff("L2", "slp", "SLP"), name="Bo Ray")])
    _, rows = rows_of(problem, "X", "speech")
    assert rows and all("Ann" not in r.why and "Bo" not in r.why for r in rows)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(districts())
def test_forcing_an_alternative_never_beats_an_optimal_plan_nor_costs_more_than_as_planned(problem):
    from optimizer.forcing import ExactExplainer

    try:
        result = solve(problem, ONE_WORKER)
    except InputError:
        return
    if result.status != "OPTIMAL":
        return
    exact = ExactExplainer(problem, result.plan, ONE_WORKER)
    for row in explain_plan(problem, result.plan):
        if row.verdict not in (COSTLIER, AT_CAP):
            continue
        outcome = exact.force(row.student, row.role, row.alternative)
        if row.verdict == AT_CAP and outcome.status == "INFEASIBLE":
            continue  # e.g. the seats are held by locked students: no legal plan gives the person the role
        assert outcome.status == "OPTIMAL", (row.verdict, row.role, row.why)
        assert outcome.cost_delta >= 0
        if row.verdict == COSTLIER:  # the as-planned change is one plan with the pair: the best is no worse
            assert outcome.cost_delta <= row.cost_delta


def test_explain_command_prices_each_alternative_exactly_and_checks_the_inputs(tmp_path):
    from click.testing import CliRunner

    from cli import main

    out = tmp_path / "plan"
    runner = CliRunner()
    assert runner.invoke(main, ["plan", "--out", str(out), "--workers", "1"]).exit_code == 0
    result = runner.invoke(main, ["explain", "--plan", str(out), "--student", "0000003"])
    assert result.exit_code == 0, result.output
    import pandas as pd

    rows = pd.read_csv(out / "explain-0000003.csv", dtype=str, keep_default_na=False)
    assert set(rows["role"]) == {"case_manager", "sdc", "speech"}
    priced = rows[rows["verdict"] == "costlier"]
    assert len(priced) and (priced["cost_delta"].astype(int) >= 0).all()
    assert (priced["cost_delta"].astype(int) <= priced["as_planned_cost_delta"].astype(int)).all()
    bad = runner.invoke(main, ["explain", "--plan", str(out), "--student", "NOPE"])
    assert bad.exit_code == 2 and "NOPE" in bad.output
    other = tmp_path / "staff.csv"
    sample_staff = Path(__file__).resolve().parent.parent / "data" / "sample" / "staff.csv"
    other.write_text(sample_staff.read_text(encoding="utf-8").replace(",1.0,", ",0.9,", 1), encoding="utf-8")
    wrong = runner.invoke(main, ["explain", "--plan", str(out), "--student", "0000003",
                                 "--students", str(sample_staff.with_name("students.csv")), "--staff", str(other)])
    assert wrong.exit_code == 2 and "other inputs" in wrong.output, wrong.output


def test_a_soft_local_cap_prices_the_overload_pay():
    from tests.test_soft_caps import SDC_RANGE

    # T1 and T2: local cap 2, up to 3 at 500 per pupil over; three pupils: 2 + 1, no overload. Moving T2's
    # pupil to T1 puts T1 one over: overload pay +500 in the cost.
    problem = district([student(f"s{i}", "sdc") for i in range(3)],
                       [staff("T1", "sdc_teacher", "MMSN"), staff("T2", "sdc_teacher", "MMSN")], rules_=SDC_RANGE)
    result = solve(problem, ONE_WORKER)
    base = objective_terms(problem, result.plan).total
    rows = [r for r in explain_plan(problem, result.plan) if r.verdict == COSTLIER]
    assert any(r.delta.overload == 500 for r in rows)
    for row in rows:
        assert objective_terms(problem, _changed(result.plan, row.change)).total - base == row.cost_delta


def _workload_rules():
    import tomllib

    from models.domain.rules import DEFAULT_RULES_PATH, rules_from_mapping

    raw = tomllib.loads(DEFAULT_RULES_PATH.read_text())
    raw["workload"]["balance_on"] = "workload"
    return rules_from_mapping(raw, "workload.toml")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(districts())
def test_on_workload_the_deltas_are_the_workload_terms_exactly(problem):
    # balancing on weekly minutes (travel between sites included): the change priced from the plan's
    # workloads is the recomputed objective's change
    problem = dataclasses.replace(problem, rules=_workload_rules())
    try:
        result = solve(problem, ONE_WORKER)
    except InputError:
        return
    base = objective_terms(problem, result.plan).total
    for row in explain_plan(problem, result.plan):
        if row.verdict == COSTLIER:
            assert objective_terms(problem, _changed(result.plan, row.change)).total - base == row.cost_delta
