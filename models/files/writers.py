"""Write a plan as the contract's output files (pandas lives here, at the edge)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd

from models.domain.caps import caseload_cap, load_ratio
from models.domain.objective import best_practice_services
from models.domain.plan import (
    CheckReport,
    Loads,
    Result,
    case_manager_mode,
    manager_rank,
)
from models.domain.problem import Problem
from models.domain.reasons import Review, review_plan


def input_fingerprint(problem: Problem) -> str:
    """SHA-256 of the inputs' content (students, staff, current plan, rules), order-independent of hashing."""
    def canon(value):
        if isinstance(value, frozenset | set):
            return sorted(canon(v) for v in value)
        if isinstance(value, tuple | list):
            return [canon(v) for v in value]
        if hasattr(value, "__dataclass_fields__"):
            return {k: canon(getattr(value, k)) for k in value.__dataclass_fields__}
        return value

    payload = {
        "students": canon(problem.students),
        "staff": canon(problem.staff),
        "current": sorted([*k, v] for k, v in problem.current_providers.items()),
        "rules": problem.rules.source,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _bent_preferences(problem: Problem, result: Result, s: int) -> str:
    """Which soft rules this student's plan bends, in words."""
    plan, student = result.plan, problem.students[s]
    notes = []
    manager = plan.case_managers[s]
    if manager is not None:
        rank = manager_rank(problem, plan, s)
        if rank:
            ranked = best_practice_services(problem.rules, student)
            best = f"the {ranked[0]} provider" if ranked else "a coordinator"
            notes.append(f"best practice is {best} (case manager ranks {rank} below)")
        manager_id = problem.staff[manager].staff_id
    else:
        manager_id = None
    if student.current_case_manager and manager_id != student.current_case_manager:
        notes.append(f"case manager changed from {student.current_case_manager}")
    return "; ".join(notes)


def assignments_table(problem: Problem, result: Result, unassigned_reasons: dict[int, str]) -> pd.DataFrame:
    plan = result.plan
    rows = []
    for s, student in enumerate(problem.students):
        m = plan.case_managers[s]
        person = None if m is None else problem.staff[m]
        rank = manager_rank(problem, plan, s)
        rows.append({
            "student_id": student.student_id,
            "site": student.site,
            "case_manager": "" if person is None else person.staff_id,
            "case_manager_role": "" if person is None else person.role,
            "mode": case_manager_mode(problem, plan, s) or "",
            "best_practice": "" if rank is None else str(rank == 0).lower(),
            "status": "unassigned" if person is None else "assigned",
            "reason": unassigned_reasons.get(s, ""),
            "notes": _bent_preferences(problem, result, s),
        })
    return pd.DataFrame(rows)


def services_table(problem: Problem, result: Result, unserved_reasons: dict[int, str]) -> pd.DataFrame:
    rows = []
    for d, demand in enumerate(problem.demands):
        p = result.plan.providers[d]
        person = None if p is None else problem.staff[p]
        rows.append({
            "student_id": problem.students[demand.student].student_id,
            "service": demand.service,
            "provider": "" if person is None else person.staff_id,
            "provider_role": "" if person is None else person.role,
            "status": "unserved" if person is None else "served",
            "reason": unserved_reasons.get(d, ""),
            "minutes_per_week": "" if demand.minutes is None else demand.minutes,
        })
    return pd.DataFrame(rows, columns=["student_id", "service", "provider", "provider_role", "status", "reason",
                                       "minutes_per_week"])


def caseloads_table(problem: Problem, loads: Loads) -> pd.DataFrame:
    rules = problem.rules
    rows = []
    for p, person in enumerate(problem.staff):
        cap = caseload_cap(rules, person)
        ratio = load_ratio(problem.rules, person, loads.served[p]) if person.available else None
        row = {
            "staff_id": person.staff_id,
            "role": person.role,
            "fte": person.fte,
            "sites": ";".join(sorted(person.sites)),
            "available": str(person.available).lower(),
            "case_managed": loads.case_managed[p],
        }
        for service in rules.services:
            row[f"served_{service}"] = loads.by_service[p].get(service, 0)
        row["cap"] = "" if cap is None else cap
        row["load_ratio"] = "" if ratio is None else round(ratio, 4)
        row["over_cap"] = str(cap is not None and loads.served[p] > cap).lower()
        rows.append(row)
    return pd.DataFrame(rows)


def summary(problem: Problem, result: Result, report: CheckReport, timings: dict | None = None) -> dict:
    kpis = report.kpis
    roles = kpis["roles"]
    return {
        "status": result.status,
        "objective": result.objective,
        "best_bound": result.best_bound,
        "gap": None if result.gap is None else round(result.gap, 6),
        "solve_seconds": result.solve_seconds,
        "build_seconds": result.build_seconds,
        **(timings or {}),
        "students": kpis["students"],
        "assigned": kpis["assigned"],
        "unassigned": kpis["unassigned"],
        "services": kpis["services"],
        "services_unserved": kpis["services_unserved"],
        "best_practice_rate": kpis["best_practice_rate"],
        "max_load_ratio": {role: v["max_load_ratio"] for role, v in roles.items()},
        "load_ratio_stddev": {role: v["load_ratio_stddev"] for role, v in roles.items()},
        "changed_case_managers": kpis["changed_case_managers"],
        "changed_providers": kpis["changed_providers"],
        "objective_terms": report.terms.as_dict(),
        "hard_rule_violations": list(report.violations),
        "components": result.components,
        "rules": problem.rules.source,
        "rules_name": problem.rules.name,
        "inputs_sha256": input_fingerprint(problem),
    }


def write_plan(problem: Problem, result: Result, out_dir: Path, timings: dict | None = None,
               review: Review | None = None) -> dict:
    """Write assignments.csv, services.csv, caseloads.csv and summary.json; return the summary."""
    review = review or review_plan(problem, result.plan)
    out_dir.mkdir(parents=True, exist_ok=True)
    assignments_table(problem, result, review.unassigned).to_csv(out_dir / "assignments.csv", index=False)
    services_table(problem, result, review.unserved).to_csv(out_dir / "services.csv", index=False)
    caseloads_table(problem, review.loads).to_csv(out_dir / "caseloads.csv", index=False)
    data = summary(problem, result, review.check, timings)
    (out_dir / "summary.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return data
