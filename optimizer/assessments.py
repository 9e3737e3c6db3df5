"""AB 560: share the pending initial assessments among the resource specialists, prorated by FTE.

The exact min-cost flow lives with the other assessment rules in
:mod:`models.domain.assessments` (it depends only on who serves which site, so
the workload of every plan of a problem counts the same sharing); ``solve``
attaches it to the plan.
"""

from __future__ import annotations

from models.domain.assessments import assign_assessments, marginal_cost, problem_assessors

__all__ = ["assign_assessments", "marginal_cost", "problem_assessors"]
