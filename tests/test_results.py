"""Typed results read as before: a status is its name in summary.json; KPIs are attributes, not string keys."""

from __future__ import annotations

import json

import pytest

from models.domain.plan import Plan, Result, plan_kpis
from models.domain.results import PlanKpis, RoleKpis, Status
from tests.factories import district, staff, student


def test_a_solver_status_name_becomes_a_status_that_writes_as_before():
    result = Result(plan=Plan((), ()), status="OPTIMAL", objective=0, best_bound=0.0, solve_seconds=0.0)
    assert result.status is Status.OPTIMAL
    assert json.dumps({"status": result.status}) == '{"status": "OPTIMAL"}'
    assert f"{result.status}" == "OPTIMAL"
    with pytest.raises(ValueError):
        Result(plan=Plan((), ()), status="GREAT", objective=0, best_bound=0.0, solve_seconds=0.0)


def test_kpis_are_typed():
    problem = district([student("s1", "rsp"), student("s2", "rsp")],
                       [staff("a", "rsp_teacher", "MMSN"), staff("b", "rsp_teacher", "MMSN", fte=0.5)])
    # a: 2 of 28 pupils; b: none of 14
    kpis = plan_kpis(problem, Plan((0, 0), (0, None)))
    assert isinstance(kpis, PlanKpis)
    assert (kpis.students, kpis.assigned, kpis.unassigned, kpis.services_unserved) == (2, 1, 1, 0)
    assert kpis.roles == {"rsp_teacher": RoleKpis(max_load_ratio=round(2 / 28, 4),
                                                  load_ratio_stddev=round(1 / 28, 4))}
