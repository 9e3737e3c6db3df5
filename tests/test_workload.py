"""The workload model: minutes, indirect share, case management, travel; rules validation; the checker.

Arithmetic with the California defaults: indirect share 0.25 (a pupil's minutes
count / 0.75), speech in pairs (group size 2), 30 minutes per case managed,
60 minutes per extra site, capacity 2,250 minutes x FTE.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib

import pytest

from models.domain.plan import Plan, check_plan
from models.domain.rules import DEFAULT_RULES_PATH, RulesError, rules_from_mapping
from models.domain.workload import balance_choice, compute_workloads, defaulted_demands, defaulted_minutes_issue
from tests.factories import balanced_on_workload, district, staff, student


def plan_of(problem, providers, managers):
    index = problem.staff_index
    return Plan(providers=tuple(None if p is None else index[p] for p in providers),
                case_managers=tuple(None if m is None else index[m] for m in managers))


def minutes_of(problem, plan):
    workloads = compute_workloads(problem, plan)
    return dict(zip([p.staff_id for p in problem.staff], workloads.minutes, strict=True))


def test_direct_minutes_count_with_their_group_and_indirect_share():
    # speech 90 min in pairs: 45 per pupil, / 0.75 = 60; pt 30 min one to one: / 0.75 = 40
    problem = district([student("s1", "speech:90", primary="SLI"), student("s2", "pt:30", primary="OI")],
                       [staff("slp", "slp", "SLP"), staff("pt", "pt"), staff("psych", "psychologist")])
    plan = plan_of(problem, ["slp", "pt"], [None, None])
    assert minutes_of(problem, plan) == {"slp": 60, "pt": 40, "psych": 0}
    assert compute_workloads(problem, plan).ratios[0] == pytest.approx(60 / 2250)


def test_a_case_managed_student_counts_in_the_case_managers_workload():
    # the psychologist delivers nothing to s1 but manages the case: 30 minutes a week
    problem = district([student("s1", "pt:30", primary="OI")],
                       [staff("pt", "pt"), staff("psych", "psychologist")])
    plan = plan_of(problem, ["pt"], ["psych"])
    assert minutes_of(problem, plan) == {"pt": 40, "psych": 30}


def test_travel_between_two_sites_counts_once_per_extra_site():
    # speech 60 in pairs: 30 / 0.75 = 40 each; two sites: one extra site, 60 minutes of travel
    problem = district([student("a", "speech:60", primary="SLI", site="A"),
                        student("b", "speech:60", primary="SLI", site="B"),
                        student("c", "speech:60", primary="SLI", site="B")],
                       [staff("slp", "slp", "SLP", sites="A;B")])
    both = plan_of(problem, ["slp", "slp", "slp"], [None, None, None])
    one_site = plan_of(problem, [None, "slp", "slp"], [None, None, None])
    assert minutes_of(problem, both) == {"slp": 3 * 40 + 60}
    assert minutes_of(problem, one_site) == {"slp": 2 * 40}  # serving B only: no travel


def test_blank_minutes_use_the_service_default_and_are_reported_by_id():
    # speech default 60 in pairs: 30 / 0.75 = 40
    problem = district([student("s1", "speech", primary="SLI"), student("s2", "speech:60", primary="SLI")],
                       [staff("slp", "slp", "SLP")])
    plan = plan_of(problem, ["slp", "slp"], [None, None])
    assert minutes_of(problem, plan) == {"slp": 80}
    assert defaulted_demands(problem) == [0]
    issue = defaulted_minutes_issue(problem, "students.csv")
    assert issue.severity == "warning" and "1 service(s) of 1 student(s)" in issue.message and "s1" in issue.message


def test_the_checker_reports_workload_per_role():
    problem = district([student("s1", "speech:60", primary="SLI"), student("s2", "speech:120", primary="SLI")],
                       [staff("slp1", "slp", "SLP"), staff("slp2", "slp", "SLP", fte=0.5)])
    plan = plan_of(problem, ["slp1", "slp2"], ["slp1", "slp2"])
    # slp1: 40 + 30 = 70 of 2,250; slp2: 80 + 30 = 110 of 1,125
    kpis = check_plan(problem, plan).kpis.workload_roles["slp"]
    assert kpis.max_workload_ratio == round(110 / 1125, 4)
    assert kpis.workload_ratio_spread == round(110 / 1125 - 70 / 2250, 4)


def test_rules_without_a_workload_table_have_no_workload():
    raw = tomllib.loads(DEFAULT_RULES_PATH.read_text())
    del raw["workload"]
    rules = rules_from_mapping(raw, "own.toml")
    problem = district([student("s1", "speech", primary="SLI")], [staff("slp", "slp", "SLP")], rules_=rules)
    assert compute_workloads(problem, plan_of(problem, ["slp"], ["slp"])) is None
    assert defaulted_demands(problem) == []


def _edited(edit) -> dict:
    raw = tomllib.loads(DEFAULT_RULES_PATH.read_text())
    edit(raw["workload"])
    return raw


@pytest.mark.parametrize(
    ("edit", "fragment"),
    [
        (lambda w: w.update(travel_minutes=30), "[workload]: unknown key 'travel_minutes'"),
        (lambda w: w["contract_minutes"].pop("source"), "contract_minutes: missing key 'source'"),
        (lambda w: w["contract_minutes"].update(value="2250"), "contract_minutes: value: '2250' is not a int"),
        (lambda w: w["indirect_share"].update(value=1.0), "indirect_share: value: 1.0 must be a fraction"),
        (lambda w: w.update(balance_on="heads"), "balance_on: 'heads' is not one of workload, students"),
        (lambda w: w["default_minutes"].pop("speech"), "default_minutes: missing service 'speech'"),
        (lambda w: w["default_minutes"].update(music={"value": 1, "source": "x"}), "unknown service 'music'"),
        (lambda w: w["group_size"].update(sdc={"value": 0, "source": "x"}), "group_size.sdc: value must be at least 1"),
        (lambda w: w["case_management_minutes"].update(note="x"), "unknown key 'note'"),
        (lambda w: w.pop("assessment_minutes"), "missing key 'assessment_minutes'"),
    ],
)
def test_a_bad_workload_table_names_file_table_and_key(edit, fragment):
    with pytest.raises(RulesError) as err:
        rules_from_mapping(_edited(edit), "own.toml")
    assert str(err.value).startswith("own.toml: [workload]")
    assert fragment in str(err.value)


def test_every_default_number_says_where_it_comes_from():
    rules = district([], []).rules
    workload = rules.workload
    assert workload.indirect_share == 0.25 and "ASHA 3:1" in workload.sources["indirect_share"]
    assert set(workload.default_minutes) == set(rules.services)
    assert all(workload.sources[f"default_minutes.{s}"] for s in rules.services)
    assert dataclasses.replace(workload, indirect_share=0.0).service_minutes("pt", 30) == 30


# -- balancing on workload -----------------------------------------------------------------------


def on_workload(problem):
    raw = tomllib.loads(DEFAULT_RULES_PATH.read_text())
    raw["workload"]["balance_on"] = "workload"
    return dataclasses.replace(problem, rules=rules_from_mapping(raw, "own.toml"))


def test_two_slps_with_equal_heads_and_unequal_minutes_get_equal_minutes():
    # head counts are balanced by any 2/2 split; the minutes only by pairing a 120 with a 30
    from optimizer.solve import SolveOptions, solve

    pupils = [student(f"s{i}", f"speech:{m}", primary="SLI") for i, m in enumerate((120, 120, 30, 30))]
    problem = on_workload(district(pupils, [staff("slp1", "slp", "SLP"), staff("slp2", "slp", "SLP")]))
    result = solve(problem, SolveOptions(time_limit=20, workers=1))
    report = check_plan(problem, result.plan)
    assert report.ok and result.status == "OPTIMAL" and result.objective == report.terms.total
    minutes = minutes_of(problem, result.plan)
    # each: (120 + 30) / 2 (pairs) / 0.75 = 100, plus two cases of 30
    assert minutes == {"slp1": 160, "slp2": 160}
    assert report.terms.workload_balance > 0 and report.terms.service_balance == 0


def test_cases_are_not_stacked_on_the_busiest_therapist():
    # slp1 alone serves site B (three 120-minute pupils); four PT-only pupils at A need a case manager and
    # either SLP may coordinate them (no case-management target: head counts would not care who).
    # On workload each case (30 minutes, plus travel to A for slp1) goes to the lighter week: slp2.
    from optimizer.solve import SolveOptions, solve

    pupils = [student(f"b{i}", "speech:120", primary="SLI", site="B") for i in range(3)]
    pupils += [student(f"a{i}", "pt:30", primary="OI", site="A") for i in range(4)]
    people = [staff("slp1", "slp", "SLP", sites="A;B"), staff("slp2", "slp", "SLP", sites="A"), staff("pt", "pt")]
    problem = on_workload(district(pupils, people))
    result = solve(problem, SolveOptions(time_limit=20, workers=1))
    report = check_plan(problem, result.plan)
    assert report.ok and result.status == "OPTIMAL" and result.objective == report.terms.total
    managers = [problem.staff[m].staff_id for m in result.plan.case_managers]
    assert managers[3:] == ["slp2"] * 4


def test_balance_on_is_the_rules_choice_and_defaults_to_workload_when_minutes_are_given():
    from models.domain.workload import balances_workload

    raw = tomllib.loads(DEFAULT_RULES_PATH.read_text())
    del raw["workload"]["balance_on"]
    auto = rules_from_mapping(raw, "own.toml")
    with_minutes = district([student("s", "speech:60", primary="SLI")], [staff("slp", "slp", "SLP")], rules_=auto)
    without = district([student("s", "speech", primary="SLI")], [staff("slp", "slp", "SLP")], rules_=auto)
    assert balances_workload(with_minutes) and not balances_workload(without)
    # the summary and the terminal say which balance was used and why
    assert balance_choice(with_minutes) == ("workload", "the students table gives weekly service minutes")
    assert balance_choice(without) == ("students", "the students table gives no weekly service minutes")
    # the California file chooses head counts (workload is opt-in: see benchmarks/README.md)
    assert not balances_workload(dataclasses.replace(with_minutes, rules=district([], []).rules))


@pytest.mark.parametrize("therapists", [1, 2])
def test_the_workload_flow_bound_counts_the_trips_every_plan_pays_and_meets_the_optimum(therapists):
    # one or two SLPs, the only ones serving three sites: between them they visit all three, so the trips
    # beyond each one's first are at least 3 - therapists; the flows prove the plan optimal with no CP-SAT
    from optimizer.decompose import binding_average_caps, split
    from optimizer.solve import SolveOptions, planning_candidates, solve
    from optimizer.workload_flow import trip_groups, workload_bound

    pupils = [student(f"{site}{i}", "speech:60", primary="SLI", site=site) for site in "ABC" for i in range(2)]
    people = [staff(f"slp{k}", "slp", "SLP", sites="A;B;C") for k in range(therapists)]
    problem = balanced_on_workload(district(pupils, people))
    cands = planning_candidates(problem)
    groups, _, _ = trip_groups(problem, cands)
    assert [trips for _, trips in groups] == [3 - therapists]
    exact = solve(problem, SolveOptions(time_limit=20, workers=1, flow=False))
    assert exact.status == "OPTIMAL"
    components = split(problem, cands, couple=binding_average_caps(problem, cands))
    bound = sum(workload_bound(problem, cands, components))
    if therapists == 2:  # a pupil's minutes are not split between two people: the relaxation stays below
        assert bound < exact.objective
        return
    assert bound == exact.objective
    fast = solve(problem, SolveOptions(time_limit=20, workers=1))
    assert (fast.status, fast.objective, fast.best_bound) == ("OPTIMAL", exact.objective, exact.objective)


def test_the_workload_moves_hand_a_case_to_someone_who_already_delivers_to_the_student():
    # x's case sits with the psychologist, who coordinates (the fallback rank) while the RSP teacher delivers
    # rsp, the first best-practice service: moving the case to her is the single move that lowers the
    # objective (best practice), every hard rule kept.
    from optimizer.solve import planning_candidates
    from optimizer.workload_moves import improve_on_workload

    problem = on_workload(district([student("x", "rsp:60")],
                                   [staff("R", "rsp_teacher", "MMSN"), staff("P", "psychologist")]))
    start = plan_of(problem, ["R"], ["P"])
    better = improve_on_workload(problem, planning_candidates(problem), start, seconds=5)
    assert [problem.staff[m].staff_id for m in better.case_managers] == ["R"]
    before, after = check_plan(problem, start), check_plan(problem, better)
    assert after.ok and after.terms.total < before.terms.total
    assert after.terms.best_practice < before.terms.best_practice


def test_the_workload_moves_empty_a_site_when_only_all_of_it_together_saves_the_trip(monkeypatch):
    # L1 serves 8 pupils at A and 2 at B (a trip), L2 13 at B. One B pupil moved to L2 alone keeps L1's trip and
    # loads the busier L2: no single move saves. Both together drop the trip (60 minutes): cheaper.
    import optimizer.workload_moves as moves
    from optimizer.solve import planning_candidates

    pupils = ([student(f"a{i}", "speech:60", primary="SLI", site="A") for i in range(8)]
              + [student(f"b{i}", "speech:60", primary="SLI", site="B") for i in range(15)])
    problem = balanced_on_workload(district(pupils, [staff("L1", "slp", "SLP", sites="A;B"),
                                                     staff("L2", "slp", "SLP", sites="B")]))
    start = plan_of(problem, ["L1"] * 10 + ["L2"] * 13, [None] * len(pupils))
    cands = planning_candidates(problem)
    monkeypatch.setattr(moves._State, "exchange", lambda self, p, site: 0)  # (a trade would find it too)
    monkeypatch.setattr(moves, "VACATE_ITEMS", 0)  # single moves only: nothing to gain
    assert moves.improve_on_workload(problem, cands, start, seconds=5) == start
    monkeypatch.setattr(moves, "VACATE_ITEMS", 6)
    better = moves.improve_on_workload(problem, cands, start, seconds=5)
    assert [problem.staff[p].staff_id for p in better.providers] == ["L1"] * 8 + ["L2"] * 15
    before, after = check_plan(problem, start), check_plan(problem, better)
    assert after.ok and after.terms.total < before.terms.total
    assert minutes_of(problem, better)["L1"] == 8 * 40  # no travel left


def two_itinerants_at_both_schools():
    """L1 and L2 both cover A and B, 8 speech pupils at each, and each serves 4 at both (a trip each)."""
    pupils = ([student(f"a{i}", "speech:60", primary="SLI", site="A") for i in range(8)]
              + [student(f"b{i}", "speech:60", primary="SLI", site="B") for i in range(8)])
    problem = balanced_on_workload(district(pupils, [staff("L1", "slp", "SLP", sites="A;B"),
                                                     staff("L2", "slp", "SLP", sites="A;B")]))
    return problem, plan_of(problem, ["L1"] * 4 + ["L2"] * 4 + ["L1"] * 4 + ["L2"] * 4, [None] * len(pupils))


def test_the_workload_moves_trade_schools_between_two_itinerants(monkeypatch):
    # each therapist serves 4 pupils at both schools (a trip each). One site handed over alone
    # loads the other far more; trading (L1 takes A, L2 takes B) keeps both at 8 pupils and drops both trips.
    import optimizer.workload_moves as moves
    from optimizer.solve import planning_candidates

    problem, start = two_itinerants_at_both_schools()
    cands = planning_candidates(problem)
    monkeypatch.setattr(moves._State, "exchange", lambda self, p, site: 0)  # without trades: nothing to gain
    assert moves.improve_on_workload(problem, cands, start, seconds=5) == start
    monkeypatch.undo()
    better = moves.improve_on_workload(problem, cands, start, seconds=5)
    by_site = {(problem.students[problem.demands[d].student].site, problem.staff[p].staff_id)
               for d, p in enumerate(better.providers)}
    assert by_site in ({("A", "L1"), ("B", "L2")}, {("A", "L2"), ("B", "L1")})
    before, after = check_plan(problem, start), check_plan(problem, better)
    assert after.ok and after.terms.total < before.terms.total
    assert minutes_of(problem, better) == {"L1": 8 * 40, "L2": 8 * 40}  # no travel left


def test_trades_are_not_tried_after_the_moves_deadline(monkeypatch):
    # a district-wide role has many colleagues at every site: trades stop at the deadline of the moves
    import optimizer.workload_moves as moves
    from optimizer.solve import planning_candidates

    problem, start = two_itinerants_at_both_schools()
    state = moves._State(problem, planning_candidates(problem), start)
    tried = []
    monkeypatch.setattr(moves._State, "transfer", lambda self, *args: tried.append(args) or 0)
    state.deadline = 0.0  # long past
    assert state.exchange(0, "B") == 0 and not tried
    state.deadline = float("inf")
    state.exchange(0, "B")
    assert tried


def test_the_proof_curve_tool_reads_a_district_and_never_shows_a_bound_above_its_best_plan(tmp_path, monkeypatch,
                                                                                        capsys):
    """``python -m benchmarks.proof_curve`` (benchmarks/README.md: where a workload gap comes from) on the sample."""
    from benchmarks import proof_curve

    rules = tmp_path / "workload.toml"
    text = DEFAULT_RULES_PATH.read_text(encoding="utf-8")
    assert 'balance_on = "students"' in text
    rules.write_text(text.replace('balance_on = "students"', 'balance_on = "workload"'), encoding="utf-8")
    monkeypatch.setattr("sys.argv", ["proof_curve", "data/sample", "--rules", str(rules), "--seconds", "1",
                                     "--sizes", "300"])
    proof_curve.main()
    lines = capsys.readouterr().out.splitlines()
    head = re.fullmatch(r"component of \d+ students: flow-and-moves plan (\d+), best plan (\d+), "
                        r"final bound (\d+), (OPTIMAL|FEASIBLE)", lines[0])
    assert head is not None, lines[0]
    first_plan, best, bound = (int(head[k]) for k in (1, 2, 3))
    assert bound <= best <= first_plan
    assert [line.split()[0] for line in lines[1:]] == ["0.5", "1"]
