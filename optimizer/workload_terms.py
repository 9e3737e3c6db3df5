"""Balancing on weekly workload (``balance_on = "workload"``): the CP-SAT terms, one method per rule.

A mixin of :class:`optimizer.model.CaseloadModel`: it reads the model's
variables and adds each person's workload minutes (``models.domain.workload``:
the IEP minutes of the pupils they serve, minutes per case managed, travel to
each extra site where they serve or manage a pupil, their pending assessments)
and a convex piecewise-linear cost of it over their capacity, with integer
coefficients so that ``objective_terms`` recomputes exactly what the solver
minimised.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from typing import Any

from ortools.sat.python import cp_model

from models.domain.objective import WORKLOAD_BALANCE
from models.domain.workload import fixed_minutes, person_curve, service_workload


class WorkloadBalance:
    """The workload balance of :class:`optimizer.model.CaseloadModel` (which supplies the attributes)."""

    model: cp_model.CpModel
    problem: Any
    rules: Any
    component: Any
    vars: Any
    _terms: list
    _service_load: dict
    _workloads: list
    _visits: list
    _counts: list
    _demands_by_staff: dict
    _caseload_expr: Any

    @functools.cached_property
    def _cases_by_staff(self) -> dict[int, list[tuple[cp_model.IntVar, str]]]:
        """Each person's case-manager options with the student's site (workload: case management, travel)."""
        out: dict[int, list[tuple[cp_model.IntVar, str]]] = defaultdict(list)
        for s, options in self.vars.manage.items():
            site = self.problem.students[s].site
            for option in options:
                out[option.staff].append((option.var, site))
        return out

    def _balance_workloads(self) -> None:
        """Balanced weekly workloads (ASHA's workload model, not head counts): convex in each person's
        workload minutes over their capacity (``models.domain.workload``): the IEP minutes of the pupils
        they serve, 30 minutes per case managed, travel to each extra site where they serve or manage a
        pupil, and their pending assessments. Head counts stay capped by law (``_caseload_caps``)."""
        workload = self.rules.workload
        fixed = fixed_minutes(self.problem)
        for staff in self.component.staff:
            person = self.problem.staff[staff]
            load = self._caseload_expr(staff)
            if load:  # the head count, for the symmetry order of interchangeable people
                count = self.model.new_int_var(0, len(load), "")
                self.model.add(count == sum(load))
                self._service_load[staff] = count
                self._counts.append((load, count))
            if not person.available:
                continue
            terms: list[tuple[cp_model.IntVar, int]] = []
            at_site: dict[str, list[cp_model.IntVar]] = defaultdict(list)
            for d in self._demands_by_staff.get(staff, ()):
                demand = self.problem.demands[d]
                var = self.vars.provide[d][staff]
                terms.append((var, service_workload(workload, demand)))
                at_site[self.problem.students[demand.student].site].append(var)
            for var, site in self._cases_by_staff.get(staff, ()):
                terms.append((var, workload.case_management_minutes))
                at_site[site].append(var)
            upper = fixed[staff] + sum(c for _, c in terms)  # every term so far is a 0/1 variable
            travel = self._travel(at_site, workload.travel_minutes)
            if travel is not None:
                terms.append((travel, workload.travel_minutes))
                upper += workload.travel_minutes * (len(at_site) - 1)
            curve = person_curve(self.problem, person)
            if not terms or not curve.slope:
                continue
            minutes = self.model.new_int_var(fixed[staff], upper, "")
            self.model.add(minutes == fixed[staff] + sum(c * v for v, c in terms))
            low = curve.cost(fixed[staff])
            cost = self.model.new_int_var(0, curve.cost(upper) - low, "")
            step = curve.step
            for k, (base, slope) in enumerate(zip(curve.base, curve.slope, strict=True)):
                if k * step > upper:
                    break
                # step x (cost + low) >= step x base + slope x (minutes - k x step)
                self.model.add(step * cost >= step * (base - low) + slope * (minutes - k * step))
            self._terms.append((cost, 1, WORKLOAD_BALANCE))
            self._workloads.append((terms, minutes, cost, fixed[staff], curve, low))

    def _travel(self, at_site: dict[str, list[cp_model.IntVar]], minutes: int) -> cp_model.IntVar | None:
        """Travel: the number of sites beyond the first where the person serves or manages anyone.

        One indicator per site, true exactly when someone there is served; the
        extra sites are at least (sites visited - 1), exact at any optimum
        since more workload never costs less."""
        if minutes <= 0 or len(at_site) <= 1:
            return None
        visits = []
        for site_vars in at_site.values():
            visit = self.model.new_bool_var("")
            for var in site_vars:
                self.model.add_implication(var, visit)
            self.model.add_bool_or([*site_vars, visit.negated()])
            visits.append((visit, site_vars))
        extra = self.model.new_int_var(0, len(at_site) - 1, "")
        self.model.add(extra >= sum(v for v, _ in visits) - 1)
        self._visits.append((visits, extra))
        return extra

