"""Why this person, and who else: the nearest alternatives for each student's case manager and services.

For each student and role (``case_manager`` or a service code) the plan's
choice and up to three alternatives from the staff serving the student's
site, each with a verdict:

- ``costlier``: the person may take the role; ``cost_delta`` is the change of
  the plan's objective with them instead, everything else as planned
  (``models.workflows.marginal``), split into the named terms that change;
- ``at_cap``: the person may take the role but is at a cap (the cap and the
  law behind it are named);
- ``ineligible``: a hard rule says no; the rule comes from the rule table
  (``models.domain.rule_table.first_blocking_rule``), never from a copy here.

A case-manager alternative is priced in the mode that suits them best: as
coordinator with everything else as planned, or also delivering one of the
student's best-practice services (that service handed to them). When the mode
that would make them the best-practice case manager needs a seat their cap
forbids, the verdict is ``at_cap`` and names the cap.
"""

from __future__ import annotations

import functools
import heapq
from collections.abc import Iterator
from dataclasses import dataclass

from models.domain.candidates import staff_by_site, staff_classes, student_class
from models.domain.plan import Plan
from models.domain.problem import ALL_SITES, Problem
from models.domain.rule_table import (
    CASE_MANAGER,
    RULE_TABLE,
    Blocked,
    blocking_rules,
    first_blocking_rule,
    profile_key,
)
from models.workflows.marginal import KEEP, CapHit, Change, PlanState, Priced, TermsDelta, terms_words
from models.workflows.scoring import COSTLIER_KEY, Eligible, Scorer

COSTLIER, AT_CAP, INELIGIBLE, NONE = "costlier", "at_cap", "ineligible", "none"
_ORDER = {COSTLIER: 0, AT_CAP: 1, INELIGIBLE: 2}
_RULE_ORDER = {check.id: i for i, check in enumerate(RULE_TABLE)}
NEAREST = 3


@dataclass(frozen=True, slots=True)
class Alternative:
    """One row of explain.csv: a person who could have taken a student's role, and why they did not."""

    student: int
    role: str  # "case_manager" or a service code
    chosen: int | None
    alternative: int | None  # None: nobody else at all (verdict "none")
    verdict: str
    rule: str = ""
    delta: TermsDelta | None = None
    why: str = ""
    change: Change | None = None  # the change priced (costlier rows): what taking the role means

    @property
    def cost_delta(self) -> int | None:
        return None if self.delta is None else self.delta.total


def staff_id(problem: Problem, p: int | None) -> str:
    return "" if p is None else problem.staff[p].staff_id


def cap_words(problem: Problem, hit: CapHit) -> str:
    """e.g. "S3 is at 28 of 28 rsp pupils (EC 56362(c))"."""
    if hit.staff is None:
        return (f"the district average of {hit.service} pupils per {hit.role} FTE is reached: {hit.load} of "
                f"{hit.cap} for {hit.fte:g} FTE ({hit.source})")
    return f"{staff_id(problem, hit.staff)} is at {hit.load} of {hit.cap} {hit.service} pupils ({hit.source})"


def blocked_words(problem: Problem, p: int, blocked: Blocked) -> str:
    """The rule table's reason after the person's id, with the rule id."""
    reason = blocked.why
    text = f"{staff_id(problem, p)}{'' if reason.startswith(chr(39)) else ' '}{reason}"
    return text if f"({blocked.rule})" in text else f"{text} ({blocked.rule})"


def costlier_why(problem: Problem, chosen: int | None, what: str, delta: TermsDelta) -> str:
    """A costlier alternative's words: what it means, instead of whom, and how the objective changes."""
    instead = f" instead of {staff_id(problem, chosen)}" if chosen is not None else ""
    return costlier_text(f"{what}{instead}", delta.served, delta.best_practice, delta.balance, delta.continuity,
                         delta.overload)


def costlier_text(head: str, served: int, best_practice: int, balance: int, continuity: int, overload: int) -> str:
    """:func:`costlier_why` after its head ("what, instead of whom") from the five terms."""
    total = served + best_practice + balance + continuity + overload
    if total == 0:
        words = f" ({terms_words(served, best_practice, balance, continuity, overload)})" if (
            served or best_practice or balance or continuity or overload) else ""
        return f"{head}: a tie, the objective does not change{words}"
    return f"{head}: objective {total:+d} ({terms_words(served, best_practice, balance, continuity, overload)})"


class Explainer:
    """Alternatives for every (student, role) of a plan; eligibility is looked up once per profile.

    Every eligible person is scored (verdict and cost); words are written only
    for the nearest ones kept. The rules are evaluated once per class of staff
    (``candidates.staff_classes``) and class of student, and a service's
    alternatives are priced together (``scoring.ServiceScorer``).
    """

    def __init__(self, problem: Problem, plan: Plan | PlanState) -> None:
        self.problem = problem
        self.state = plan if isinstance(plan, PlanState) else PlanState(problem, plan)
        self.by_site = staff_by_site(problem)
        self.scorer = Scorer(self.state)
        self._class_of, self._representatives = staff_classes(problem)
        self._local: dict[str, list[int]] = {}
        self._deliverers: dict[tuple[str, str], list[int]] = {}
        self._verdicts: dict[tuple, dict[int, tuple[Blocked | None, int]]] = {}  # (student class, role) -> class ->
        self._pools: dict[tuple, dict[int, tuple[Blocked | None, int]]] = {}
        self._eligible: dict[tuple, frozenset[int]] = {}
        self._keys: dict[int, tuple] = {}
        self._modes: dict[tuple[int, int], tuple] = {}

    def local(self, site: str) -> list[int]:
        local = self._local.get(site)
        if local is None:
            local = self._local[site] = sorted(set(self.by_site.get(site, ())) | set(self.by_site.get(ALL_SITES, ())))
        return local

    def _people_for(self, site: str, role: str) -> list[int]:
        """The staff at the site whose role delivers ``role`` (everyone at the site for the case)."""
        key = (site, role)
        people = self._deliverers.get(key)
        if people is None:
            local = self.local(site)
            if role == CASE_MANAGER:
                people = local
            else:
                roles, staff = self.problem.rules.roles, self.problem.staff
                people = [p for p in local if (spec := roles.get(staff[p].role)) and role in spec.delivers]
            self._deliverers[key] = people
        return people

    def pool(self, s: int, role: str) -> dict[int, tuple[Blocked | None, int]]:
        """Person -> (first blocking rule or None, number of rules blocking), for the staff at the student's site.

        For a service: the people whose role delivers it; for the case: everyone at the site. Everyone
        here serves the site, so the rules decide as for their class's representative.
        """
        student = self.problem.students[s]
        profile = self._keys.get(s)
        if profile is None:
            profile = self._keys[s] = profile_key(student)
        key = (profile, role)
        pool = self._pools.get(key)
        if pool is None:
            general = (student_class(student), role)
            verdicts = self._verdicts.get(general)
            if verdicts is None:
                verdicts = self._verdicts[general] = {}
            rules, class_of, representatives = self.problem.rules, self._class_of, self._representatives
            pool = {}
            for p in self._people_for(student.site, role):
                c = class_of[p]
                entry = verdicts.get(c)
                if entry is None:
                    blocked = blocking_rules(rules, student, representatives[c], role)
                    entry = verdicts[c] = (blocked[0] if blocked else None, len(blocked))
                pool[p] = entry
            self._pools[key] = pool
        return pool

    def may(self, s: int, p: int, role: str) -> bool:
        entry = self.pool(s, role).get(p)
        return entry is not None and entry[0] is None

    # -- one (student, role) -------------------------------------------------------

    def chosen(self, s: int, role: str) -> int | None:
        if role == CASE_MANAGER:
            return self.state.managers[s]
        return self.state.providers[self._demand(s, role)]

    def alternatives(self, s: int, role: str, limit: int | None = NEAREST) -> list[Alternative]:
        """The nearest alternatives, costlier first by cost_delta, then at_cap, then ineligible."""
        scored, modes = self._scored(s, role)
        if not scored:
            return [Alternative(s, role, self.chosen(s, role), None, NONE, why=self._nobody(s, role))]
        kept = heapq.nsmallest(limit, scored) if limit is not None else sorted(scored)
        return [self._costlier(s, role, p, modes.get(p)) if modes is not None and key[0] == COSTLIER_KEY
                else self.explain(s, role, p) for key, p in kept]

    def scored(self, s: int, role: str) -> list[tuple[tuple[int, int, int, int], int]]:
        """(sort key, person) for everyone at the site but the plan's choice; the key orders explain.csv's rows.

        Key: (0 costlier / 1 at_cap / 2 ineligible, cost or rules blocking, the blocking rule's place, person).
        """
        return self._scored(s, role)[0]

    def _scored(self, s: int, role: str) -> tuple[list[tuple[tuple[int, int, int, int], int]], dict | None]:
        """The scored people, and each case manager's cheapest mode (None: priced one pair at a time)."""
        chosen = self.chosen(s, role)
        scored = []
        eligible = []
        for p, (blocked, n_blocking) in self.pool(s, role).items():
            if p == chosen:
                continue
            if blocked is not None:
                scored.append(((_ORDER[INELIGIBLE], n_blocking, -_RULE_ORDER.get(blocked.rule, 0), p), p))
            else:
                eligible.append(p)
        if self.scorer.covers(s):
            modes: dict[int, str | None] = {}
            if role == CASE_MANAGER:
                together = self.scorer.manager_scores(s, eligible, self.eligible(s), modes)
            else:
                together = self.scorer.service_scores(self._demand(s, role), eligible)
            scored += [((order, cost, 0, p), p) for p, (order, cost) in zip(eligible, together, strict=True)]
            return scored, modes
        for p in eligible:  # what the fast pricing does not cover (workload balance, locked students)
            verdict, cost = self._score(s, role, p)
            scored.append(((_ORDER[verdict], cost, 0, p), p))
        return scored, None

    def eligible(self, s: int) -> Eligible:
        """The people at the student's site who may deliver each of the student's best-practice services."""
        profile = self._keys.get(s)
        if profile is None:
            profile = self._keys[s] = profile_key(self.problem.students[s])
        found = {}
        for service in self.state.ranked(s):
            people = self._eligible.get((profile, service))
            if people is None:
                people = self._eligible[(profile, service)] = frozenset(
                    p for p, (blocked, _) in self.pool(s, service).items() if blocked is None)
            found[service] = people
        return found

    def explain(self, s: int, role: str, p: int) -> Alternative:
        """One alternative in words: ``p`` taking ``role`` for student ``s``."""
        chosen = self.chosen(s, role)
        blocked = self.pool(s, role).get(p, (None, 0))[0]
        if blocked is None and p not in self.pool(s, role):
            blocked = first_blocking_rule(self.problem.rules, self.problem.students[s], self.problem.staff[p], role)
        if blocked is not None:
            why = blocked_words(self.problem, p, blocked)
            return Alternative(s, role, chosen, p, INELIGIBLE, blocked.rule, why=why)
        if role != CASE_MANAGER:
            change = Change(s, ((self._demand(s, role), p),))
            return self._row(s, role, chosen, p, self.state.price(change),
                             f"{staff_id(self.problem, p)} delivering {role}", change)
        return self._manager(s, chosen, p)

    def _costlier(self, s: int, role: str, p: int, service: str | None) -> Alternative:
        """A costlier row the scorer priced (a case manager in the mode that took over ``service``, None: none)."""
        scorer, chosen = self.scorer, self.chosen(s, role)
        if role != CASE_MANAGER:
            d = self._demand(s, role)
            priced = Priced(scorer.terms(s, p, d, manage=False))
            return self._row(s, role, chosen, p, priced, f"{staff_id(self.problem, p)} delivering {role}",
                             Change(s, ((d, p),)))
        if service is None:
            priced = Priced(scorer.terms(s, p, None, manage=True))
            return self._row(s, role, chosen, p, priced, self._what(s, p, None), Change(s, manager=p))
        d = self._demand(s, service)
        priced = Priced(scorer.terms(s, p, d, manage=True))
        return self._row(s, role, chosen, p, priced, self._what(s, p, service), Change(s, ((d, p),), manager=p))

    def _what(self, s: int, p: int, service: str | None) -> str:
        """``p`` managing the case, in the mode that also takes over ``service`` (None: as planned)."""
        problem, state, pid = self.problem, self.state, staff_id(self.problem, p)
        if service is not None:
            d = self._demand(s, service)
            return (f"{pid} delivering {service} (from {staff_id(problem, state.providers[d]) or 'nobody'}) "
                    f"and managing the case")
        delivered = sorted(state.delivered(s, p) & set(state.ranked(s)))
        return f"{pid} managing the case ({'delivering ' + '/'.join(delivered) if delivered else 'coordinating'})"

    def _score(self, s: int, role: str, p: int) -> tuple[str, int]:
        if role != CASE_MANAGER:
            priced = self.state.price(Change(s, ((self._demand(s, role), p),)))
            if priced.delta is not None:
                return COSTLIER, priced.delta.total
            return (AT_CAP, 0) if priced.cap is not None else (INELIGIBLE, 0)
        modes, natural_hit = self._manager_modes(s, p)
        if natural_hit is not None:
            return AT_CAP, 0
        costs = [priced.delta.total for _, priced, _ in modes if priced.delta is not None]
        if costs:
            return COSTLIER, min(costs)
        priced = modes[-1][1]
        return (AT_CAP, 0) if priced.cap is not None else (INELIGIBLE, 0)

    def _demand(self, s: int, service: str) -> int:
        return next(d for d in self.problem.demands_of[s] if self.problem.demands[d].service == service)

    def _nobody(self, s: int, role: str) -> str:
        site = self.problem.students[s].site
        if role == CASE_MANAGER:
            return f"no other staff member serves site {site}"
        return f"no other staff member at site {site} has a role that delivers {role}"

    def _manager_modes(self, s: int, p: int) -> tuple[list[tuple[str | None, Priced, Change]], CapHit | None]:
        """``p`` managing the case: also delivering one best-practice service (handed over), or as planned (last).

        Returns the modes and, when the mode that would make ``p`` the best-practice case manager
        needs a seat a cap forbids, that cap.
        """
        cached = self._modes.get((s, p))
        if cached is not None:
            return cached
        if len(self._modes) > 64:  # kept for one student's words only
            self._modes.clear()
        state = self.state
        ranked = state.ranked(s)
        delivered = state.delivered(s, p) if ranked else set()
        modes: list[tuple[str | None, Priced, Change]] = []
        natural = None
        for service in ranked:
            if service in delivered:
                natural = natural or service
                continue
            if not self.may(s, p, service):
                continue
            natural = natural or service
            change = Change(s, ((self._demand(s, service), p),), manager=p)
            modes.append((service, state.price(change), change))
        plain = Change(s, manager=p)
        modes.append((None, state.price(plain), plain))
        natural_hit = next((priced.cap for service, priced, _ in modes if service == natural and natural), None)
        self._modes[(s, p)] = modes, natural_hit
        return modes, natural_hit

    def _manager(self, s: int, chosen: int | None, p: int) -> Alternative:
        """The best mode for ``p`` as case manager; at_cap when the best-practice mode needs a seat the cap forbids."""
        problem = self.problem
        modes, natural_hit = self._manager_modes(s, p)
        pid = staff_id(problem, p)
        what = functools.partial(self._what, s, p)
        allowed = [m for m in modes if m[1].delta is not None]
        best = min(allowed, key=lambda m: m[1].delta.total) if allowed else None
        if natural_hit is not None:
            natural = next(service for service, priced, _ in modes if priced.cap is natural_hit)
            why = (f"{pid} would be the best-practice case manager (delivering {natural}), but "
                   f"{cap_words(problem, natural_hit)}")
            if best is not None:
                why += f"; {what(best[0])} instead: {best[1].delta.total:+d} ({best[1].delta.words()})"
            return Alternative(s, CASE_MANAGER, chosen, p, AT_CAP, "cap", why=why)
        service, priced, change = best if best is not None else modes[-1]
        return self._row(s, CASE_MANAGER, chosen, p, priced, what(service), change)

    def _row(self, s: int, role: str, chosen: int | None, p: int, priced: Priced, what: str,
             change: Change) -> Alternative:
        problem = self.problem
        if priced.cap is not None:
            return Alternative(s, role, chosen, p, AT_CAP, "cap", why=cap_words(problem, priced.cap))
        if priced.delta is None:
            return Alternative(s, role, chosen, p, INELIGIBLE, priced.rule, why=priced.why)
        delta = priced.delta
        return Alternative(s, role, chosen, p, COSTLIER, delta=delta, why=costlier_why(problem, chosen, what, delta),
                           change=change)

    # -- the whole plan -------------------------------------------------------------

    def student_rows(self, s: int, limit: int | None = NEAREST) -> list[Alternative]:
        rows = self.alternatives(s, CASE_MANAGER, limit)
        for d in self.problem.demands_of[s]:
            rows += self.alternatives(s, self.problem.demands[d].service, limit)
        return rows

    def rows(self, students: range | None = None) -> Iterator[Alternative]:
        for s in range(len(self.problem.students)) if students is None else students:
            yield from self.student_rows(s)


def explain_plan(problem: Problem, plan: Plan) -> list[Alternative]:
    """Every (student, role) of the plan with its nearest alternatives (explain.csv)."""
    return list(Explainer(problem, plan).rows())


__all__ = ["AT_CAP", "COSTLIER", "INELIGIBLE", "KEEP", "NONE", "Alternative", "Explainer", "explain_plan"]
