"""A what-if scenario as a value, and its application to the base problem.

:class:`Scenario` holds the edits of one scenario, already checked against
the base (``models.workflows.scenarios.load_scenario`` reads and checks the
file); :func:`apply_scenario` is a pure function from the base
:class:`Problem` to the scenario's problem (``dataclasses.replace``, never
mutation) and :func:`anchor_to_plan` makes a plan the current one. No file
is read here and pandas is not imported, so the optimizer can use it.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from models.domain.issues import excerpt
from models.domain.plan import Plan
from models.domain.problem import Assessment, Problem, Staff, Student
from models.domain.rules import Rules

MAX_FOLDER_CHARS = 60
MAX_LABEL_CHARS = 80


@dataclass(frozen=True, slots=True)
class Scenario:
    """The edits of one what-if scenario, checked against the base problem."""

    name: str
    source: str  # the scenario file
    description: str = ""
    remove_staff: tuple[str, ...] = ()
    unavailable_staff: tuple[str, ...] = ()
    changed_staff: tuple[Staff, ...] = ()  # each the full new value of the person with that id
    add_staff: tuple[Staff, ...] = ()
    caps: tuple[tuple[str, str, int], ...] = ()  # (role, field, value)
    weights: tuple[tuple[str, int], ...] = ()  # (weight, value)
    remove_students: tuple[str, ...] = ()
    add_students: tuple[Student, ...] = ()
    remove_assessments: tuple[str, ...] = ()  # pending initial assessments (AB 560) no longer pending
    add_assessments: tuple[Assessment, ...] = ()


def apply_scenario(problem: Problem, scenario: Scenario) -> Problem:
    """The base problem with the scenario's edits; the base is left as it was.

    A removed person's id may stay as a student's current case manager or a
    current provider: the plan then reports the change (or, for a locked
    student, that the locked person is gone), as for anyone who left.
    """
    removed, off = set(scenario.remove_staff), set(scenario.unavailable_staff)
    changed = {p.staff_id: p for p in scenario.changed_staff}
    staff = []
    for person in problem.staff:
        if person.staff_id in removed:
            continue
        person = changed.get(person.staff_id, person)
        if person.staff_id in off:
            person = dataclasses.replace(person, available=False)
        staff.append(person)
    staff.extend(scenario.add_staff)
    leaving = set(scenario.remove_students)
    students = [s for s in problem.students if s.student_id not in leaving]
    students.extend(scenario.add_students)
    current = {key: who for key, who in problem.current_providers.items() if key[0] not in leaving}
    done = set(scenario.remove_assessments)
    assessments = (*(a for a in problem.assessments if a.assessment_id not in done), *scenario.add_assessments)
    return dataclasses.replace(problem, rules=edit_rules(problem.rules, scenario), students=tuple(students),
                               staff=tuple(staff), current_providers=current, assessments=assessments)


def anchor_to_plan(problem: Problem, base: Problem, plan: Plan) -> Problem:
    """The scenario with the base plan as its current plan, so that it changes only what it must.

    Each unlocked student present in the base gets the base plan's case manager
    and providers as current ones (continuity penalties apply to moving them);
    locked students keep the lock they came with.
    """
    base_index = base.student_index
    students, current = [], dict(problem.current_providers)
    for student in problem.students:
        b = base_index.get(student.student_id)
        if b is None or student.locked:
            students.append(student)
            continue
        m = plan.case_managers[b]
        students.append(dataclasses.replace(student, current_case_manager=None if m is None else
                                            base.staff[m].staff_id))
        for d in base.demands_of[b]:
            key = (student.student_id, base.demands[d].service)
            p = plan.providers[d]
            if p is None:
                current.pop(key, None)
            else:
                current[key] = base.staff[p].staff_id
    anchored = dataclasses.replace(problem, students=tuple(students), current_providers=current)
    # The same students, demands and staff in the same order, and no hard rule reads a current holder: what
    # the problem has already worked out (the eligible pairs: 0.4 s at 70,000 students) holds as it is.
    for name in _SAME_WHEN_ANCHORED:
        if name in problem.__dict__:
            anchored.__dict__[name] = problem.__dict__[name]
    return anchored


# Problem's cached look-ups that read neither the students' current case managers nor current providers
_SAME_WHEN_ANCHORED = ("demands", "eligible", "has_minutes", "staff_index", "student_index", "demands_of")


def edit_rules(rules: Rules, scenario: Scenario) -> Rules:
    """The rules with the scenario's caps and weights; the source names the scenario."""
    if not scenario.caps and not scenario.weights:
        return rules
    roles = dict(rules.roles)
    for role, field, value in scenario.caps:
        roles[role] = dataclasses.replace(roles[role], **{field: value})
    weights = dataclasses.replace(rules.weights, **dict(scenario.weights))
    return dataclasses.replace(rules, roles=roles, weights=weights, source=f"{rules.source} + {scenario.source}")


def labels_and_folders(scenarios: list[Scenario]) -> list[tuple[str, str]]:
    """(label, folder) of each scenario: each unique, the folder never ``base`` (the base plan's folder)."""
    folders, labels = {"base"}, {"base"}
    out = []
    for scenario in scenarios:
        # a folder name stays short (file systems allow 255 bytes) and inside --out (no '/' or '..')
        slug = re.sub(r"[^a-z0-9]+", "-", scenario.name.lower())[:MAX_FOLDER_CHARS].strip("-") or "scenario"
        folder, label, n = slug, excerpt(scenario.name, MAX_LABEL_CHARS), 1
        while folder in folders:
            n += 1
            folder = f"{slug}-{n}"
        n = 1
        while label in labels:
            n += 1
            label = f"{excerpt(scenario.name, MAX_LABEL_CHARS)} ({n})"
        folders.add(folder)
        labels.add(label)
        out.append((label, folder))
    return out
