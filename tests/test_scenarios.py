"""What-if scenarios: each change type on a tiny district, bad scenario files, the sample scenarios."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.domain.issues import InputError
from models.domain.plan import check_plan
from models.workflows.comparison import changed_against, outcome_row
from models.workflows.scenarios import anchor_to_plan, apply_scenario, labels_and_folders, load_scenario
from optimizer.solve import SolveOptions, solve
from optimizer.whatif import plan_side_by_side
from tests.factories import district, staff, student

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"
FAST = SolveOptions(time_limit=20, workers=1)


def base():
    return district(
        [student("s1", "rsp;speech", current="r1"), student("s2", "rsp", current="r1"),
         student("s3", "sdc", primary="AUT", support="extensive", current="t1")],
        [staff("r1", "rsp_teacher", "MMSN"), staff("r2", "rsp_teacher", "MMSN", fte=0.5),
         staff("t1", "sdc_teacher", "ESN"), staff("slp", "slp", "SLP", sites="A;B")],
    )


def scenario(tmp_path: Path, text: str, name: str = "s.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def edited(tmp_path: Path, text: str):
    problem = base()
    loaded, warnings = load_scenario(scenario(tmp_path, text), problem)
    return problem, apply_scenario(problem, loaded), warnings


def person(problem, staff_id):
    return problem.staff[problem.staff_index[staff_id]]


# -- one test per change type ---------------------------------------------------------------------------------


def test_remove_staff_drops_the_row(tmp_path):
    problem, after, _ = edited(tmp_path, 'remove_staff = ["r2"]\n')
    assert [p.staff_id for p in after.staff] == ["r1", "t1", "slp"]
    assert len(problem.staff) == 4  # the base is untouched


def test_unavailable_staff_keeps_the_row_and_gives_no_students(tmp_path):
    _, after, _ = edited(tmp_path, 'unavailable_staff = ["r1"]\n')
    assert person(after, "r1").available is False
    result = solve(after, FAST)
    served_by = {after.staff[p].staff_id for p in result.plan.providers if p is not None}
    assert "r1" not in served_by and "r2" in served_by


def test_add_staff_with_a_full_row(tmp_path):
    _, after, _ = edited(tmp_path, '[[add_staff]]\nstaff_id = "n1"\nrole = "slp"\ncredentials = ["R3DH", "SLP"]\n'
                                   'sites = "A;C"\nfte = 0.5\npreschool_only = true\n')
    new = person(after, "n1")
    assert (new.role, new.credentials, new.sites, new.fte, new.preschool_only) == (
        "slp", frozenset({"DHH", "SLP"}), frozenset({"A", "C"}), 0.5, True)  # aliases resolved like the loader


@pytest.mark.parametrize(
    ("change", "field", "expected"),
    [
        ("fte = 0.5", "fte", 0.5),
        ('sites = ["A", "B"]', "sites", frozenset({"A", "B"})),
        ('credentials = "MMSN;AA_ASD"', "credentials", frozenset({"MMSN", "AA_ASD"})),
        ('role = "sdc_teacher"', "role", "sdc_teacher"),
        ("max_caseload = 20", "max_caseload", 20),
        ("rsp_waiver = true", "rsp_waiver", True),
    ],
)
def test_change_staff_field(tmp_path, change, field, expected):
    _, after, _ = edited(tmp_path, f'[[change_staff]]\nstaff_id = "r1"\n{change}\n')
    changed = person(after, "r1")
    assert getattr(changed, field) == expected
    untouched = {"fte": 1.0, "sites": frozenset({"A"}), "role": "rsp_teacher", "credentials": frozenset({"MMSN"})}
    for other, value in untouched.items():
        if other != field:
            assert getattr(changed, other) == value


def test_fte_cut_halves_the_cap_in_the_plan(tmp_path):
    # r1 alone, 20 pupils; at 0.5 FTE the cap is floor(28 x 0.5) = 14, so 6 go unserved
    problem = district([student(f"s{i}") for i in range(20)], [staff("r1", "rsp_teacher", "MMSN")])
    loaded, _ = load_scenario(scenario(tmp_path, '[[change_staff]]\nstaff_id = "r1"\nfte = 0.5\n'), problem)
    result = solve(apply_scenario(problem, loaded), FAST)
    assert sum(p is None for p in result.plan.providers) == 6


def test_caps_change_a_role_field(tmp_path):
    _, after, warnings = edited(tmp_path, "[caps]\nsdc_teacher = 16\n[caps.slp]\naverage_cap = 50\n")
    assert after.rules.roles["sdc_teacher"].cap == 16
    assert after.rules.roles["slp"].average_cap == 50
    assert "s.toml" in after.rules.source  # the summary names the scenario with the rules
    assert warnings == []


def test_raising_a_legal_cap_warns(tmp_path):
    _, after, warnings = edited(tmp_path, "[caps]\nrsp_teacher = 30\n")
    assert after.rules.roles["rsp_teacher"].cap == 30
    assert [str(w) for w in warnings] == [
        f"warning: {tmp_path / 's.toml'}, line 2, column cap, value '30': raises the legal cap of rsp_teacher "
        f"from 28 to 30: a what-if only"]


def test_a_hire_at_a_site_no_student_attends_warns_unless_the_scenario_enrolls_one_there(tmp_path):
    hire = '[[add_staff]]\nstaff_id = "n1"\nrole = "slp"\ncredentials = "SLP"\nsites = "{}"\n'
    _, _, warnings = edited(tmp_path, hire.format("a"))
    assert [str(w) for w in warnings] == [
        f"warning: {tmp_path / 's.toml'}, line 5, column sites, value 'a': no student attends site 'a': n1 would "
        f"serve nobody there; did you mean 'A'?"]
    enrol = ('\n[[add_students]]\nstudent_id = "s9"\nsite = "C"\ngrade = "3"\nprimary_disability = "SLD"\n'
             'support_level = "mild_moderate"\nservices = "speech"\n')
    _, after, warnings = edited(tmp_path, hire.format("C") + enrol)
    assert warnings == []
    assert solve(after, FAST).plan.providers[-1] == len(after.staff) - 1  # and the hire serves the newcomer


def test_raised_cap_serves_more(tmp_path):
    # one SDC teacher, 16 pupils: 1 unserved at the cap of 15, none at 16
    problem = district([student(f"s{i}", "sdc") for i in range(16)], [staff("t", "sdc_teacher", "MMSN")])
    loaded, _ = load_scenario(scenario(tmp_path, "[caps]\nsdc_teacher = 16\n"), problem)
    assert sum(p is None for p in solve(problem, FAST).plan.providers) == 1
    assert sum(p is None for p in solve(apply_scenario(problem, loaded), FAST).plan.providers) == 0


def test_weights_change(tmp_path):
    _, after, _ = edited(tmp_path, "[weights]\nchange_provider = 400\nservice_balance = 0\n")
    assert (after.rules.weights.change_provider, after.rules.weights.service_balance) == (400, 0)
    assert after.rules.weights.unserved_service == base().rules.weights.unserved_service


def test_remove_and_add_students(tmp_path):
    _, after, _ = edited(tmp_path, 'remove_students = ["s2"]\n\n[[add_students]]\nstudent_id = "007"\nsite = "A"\n'
                                   'grade = "KN"\nprimary_disability = 240\nservices = "speech:60"\n'
                                   'current_case_manager = "slp"\n')
    assert [s.student_id for s in after.students] == ["s1", "s3", "007"]
    new = after.students[-1]
    assert (new.grade, new.primary, new.services[0].minutes, new.current_case_manager) == ("K", "SLI", 60, "slp")


def test_edits_combine_and_plans_stay_legal(tmp_path):
    text = ('remove_staff = ["r2"]\nunavailable_staff = ["t1"]\n\n[[change_staff]]\nstaff_id = "r1"\nfte = 0.5\n'
            '\n[[add_staff]]\nstaff_id = "t2"\nrole = "sdc_teacher"\ncredentials = "ESN"\nsites = "A"\n')
    _, after, _ = edited(tmp_path, text)
    result = solve(after, FAST)
    report = check_plan(after, result.plan)
    assert report.ok, report.violations
    assert result.plan.providers[after.demands.index(next(d for d in after.demands if d.service == "sdc"))] == \
        after.staff_index["t2"]


# -- bad scenario files: which file, which line, which field ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('remove_staff = ["r1", "zz9"]\n', "line 1, column remove_staff, value 'zz9': unknown staff id zz9"),
        ('name = "x"\nunavailable_staff = [\n  "r1",\n  "zz9",\n]\n',
         "line 4, column unavailable_staff, value 'zz9': unknown staff id zz9"),
        ('[[change_staff]]\nstaff_id = "r1"\nfte = 1\n\n[[change_staff]]\nstaff_id = "zz9"\nfte = 0.5\n',
         "line 6, column staff_id, value 'zz9': unknown staff id zz9"),
        ('[[change_staff]]\nstaff_id = "r1"\n\nfte = 1.5\n',
         "line 4, column fte, value '1.5': FTE must be a number from 0.01 to 1"),
        ('[[change_staff]]\nstaff_id = "r1"\nsalary = 3\n', "line 3, column salary, value '3': unknown field 'salary'"),
        ('[[add_staff]]\nstaff_id = "n1"\nrole = "wizard"\nsites = "A"\n', "line 3, column role, value 'wizard'"),
        ('[[add_staff]]\nstaff_id = "n1"\nrole = "slp"\n', "line 1, column sites: add_staff entry lacks the required"),
        ('[[add_staff]]\nstaff_id = "r1"\nrole = "slp"\nsites = "A"\n', "line 2, column staff_id, value 'r1': staff "
                                                                        "id r1 is already on staff"),
        ('[[add_students]]\nstudent_id = "n"\nsite = "A"\ngrade = "3"\nprimary_disability = "XYZ"\nservices = "rsp"\n',
         "line 5, column primary_disability, value 'XYZ': unknown disability category"),
        ('remove_students = ["nobody"]\n', "line 1, column remove_students, value 'nobody': unknown student id"),
        ("[caps]\nwizard = 3\n", "line 2, column caps, value 'wizard': unknown role 'wizard'"),
        ("[caps.slp]\naverage_cap = -1\n", "line 2, column average_cap, value '-1': average_cap of slp must be"),
        ("[weights]\n\nhappiness = 3\n", "line 3, column happiness, value 'happiness': unknown weight"),
        ('fire_staff = ["r1"]\n', "line 1, column fire_staff, value 'fire_staff': unknown scenario key"),
        ('[[add_staff]]\nstaff_id = "n1"\nrole = "slp"\nsites = "A"\nremove_staff = ["r1"]\n',
         "line 5, column remove_staff, value \"['r1']\": unknown field 'remove_staff' in add_staff; in TOML a key"),
        ('name = "x"\nfte = = 1\n', "line 2: not valid TOML"),
        ('remove_staff = ["r1"\n', "line 1: not valid TOML"),
    ],
)
def test_bad_scenario_names_file_line_field_value(tmp_path, text, expected):
    path = scenario(tmp_path, text)
    with pytest.raises(InputError) as raised:
        load_scenario(path, base())
    messages = [str(i) for i in raised.value.issues if i.severity == "error"]
    assert any(m.startswith(f"error: {path}, ") and expected in m for m in messages), messages


def test_every_problem_is_reported_at_once(tmp_path):
    path = scenario(tmp_path, 'remove_staff = ["zz1"]\n[[change_staff]]\nstaff_id = "r1"\nfte = 2\n'
                              '[weights]\nhappiness = 1\n')
    with pytest.raises(InputError) as raised:
        load_scenario(path, base())
    assert [i.row for i in raised.value.issues] == [1, 4, 6]


def test_yaml_is_refused_with_a_clear_message(tmp_path):
    path = scenario(tmp_path, "remove_staff: [r1]\n", name="s.yaml")
    with pytest.raises(InputError, match="scenario files are TOML"):
        load_scenario(path, base())


def test_inline_tables_are_accepted_and_located(tmp_path):
    path = scenario(tmp_path, 'change_staff = [\n  { staff_id = "r1", fte = 0.5 },\n'
                              '  { staff_id = "zz9", fte = 1 },\n]\n')
    with pytest.raises(InputError) as raised:
        load_scenario(path, base())
    assert [(i.row, i.value) for i in raised.value.issues] == [(3, "zz9")]


# -- comparing with the base -------------------------------------------------------------------------------------


def test_anchoring_to_the_base_plan_counts_only_what_the_scenario_causes(tmp_path):
    # two interchangeable RSP teachers, no current plan: r1 leaving moves r1's pupils and nobody else's
    problem = district([student(f"s{i}") for i in range(10)],
                       [staff("r1", "rsp_teacher", "MMSN"), staff("r2", "rsp_teacher", "MMSN"),
                        staff("r3", "rsp_teacher", "MMSN")])
    loaded, _ = load_scenario(scenario(tmp_path, 'unavailable_staff = ["r1"]\n'), problem)
    base_result, (anchored,), (result,) = plan_side_by_side(problem, [apply_scenario(problem, loaded)], FAST)
    on_r1 = sum(p == problem.staff_index["r1"] for p in base_result.plan.providers)
    assert on_r1 > 0
    assert changed_against(problem, base_result.plan, anchored, result.plan) == (on_r1, on_r1)
    row = outcome_row("r1 leaves", anchored, result, problem, base_result.plan)
    assert (row["changed_case_managers"], row["changed_providers"], row["services_unserved"]) == (on_r1, on_r1, 0)
    # and a scenario changing nothing changes nothing
    same = anchor_to_plan(problem, problem, base_result.plan)
    assert changed_against(problem, base_result.plan, same, solve(same, FAST).plan) == (0, 0)


def test_outcome_row_reports_unserved_by_service_and_site_and_near_cap():
    # site B has no RSP teacher; r1 at A serves 26 of 28 (over 90%)
    problem = district([student(f"a{i}") for i in range(26)] + [student("b1", site="B")],
                       [staff("r1", "rsp_teacher", "MMSN")])
    row = outcome_row("base", problem, solve(problem, FAST))
    assert row["unserved_by_service_site"] == "rsp@B:1"
    assert row["people_over_90pct_cap"] == 1
    assert row["max_load_ratio_rsp_teacher"] == round(26 / 28, 4)


def test_labels_and_folders_are_unique():
    from models.workflows.scenarios import Scenario
    got = labels_and_folders([Scenario("Base", "a"), Scenario("Cut FTE!", "b"), Scenario("Cut FTE!", "c")])
    assert got == [("Base", "base-2"), ("Cut FTE!", "cut-fte"), ("Cut FTE! (2)", "cut-fte-2")]


@pytest.mark.skipif(not (SAMPLE / "staff.csv").exists(), reason="sample district not generated")
def test_sample_scenarios_load_against_the_sample():
    from models.domain.rules import load_rules
    from models.files.loaders import load_problem

    problem, _ = load_problem(SAMPLE / "students.csv", SAMPLE / "staff.csv", load_rules())
    paths = sorted((SAMPLE / "scenarios").glob("*.toml"))
    assert len(paths) >= 4
    for path in paths:
        loaded, _ = load_scenario(path, problem)
        assert apply_scenario(problem, loaded) != problem


def test_an_anchored_problem_keeps_what_its_problem_worked_out_and_it_is_what_it_would_find_again():
    """anchor_to_plan changes only current holders: the eligible pairs and look-ups carried over are the ones
    the anchored problem would compute itself."""
    import dataclasses

    from models.domain.rules import load_rules
    from models.files.loaders import load_problem

    sample = Path(__file__).resolve().parents[1] / "data" / "sample"
    problem, _ = load_problem(sample / "students.csv", sample / "staff.csv", load_rules(None))
    base = solve(problem, SolveOptions(time_limit=30, workers=1))
    carried = (problem.eligible, problem.demands, problem.demands_of, problem.staff_index, problem.student_index)
    anchored = anchor_to_plan(problem, problem, base.plan)
    assert anchored.eligible is carried[0]  # not worked out again
    fresh = dataclasses.replace(anchored)  # the same fields, nothing cached
    assert (fresh.eligible, fresh.demands, fresh.demands_of, fresh.staff_index, fresh.student_index) == carried
    assert fresh.has_minutes == anchored.has_minutes
    changed = [s for s, t in zip(problem.students, anchored.students, strict=True) if s != t]
    assert changed  # the sample's current case managers differ from the plan's somewhere: anchoring moved them
