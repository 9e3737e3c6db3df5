"""Compound workload moves over a person's whole site: for the trips that no single move saves.

A mixin of ``optimizer.workload_moves._State``, made of its single moves
(``service_target``/``give_service``, ``case_target``/``give_case``), each
priced exactly on the state as it is when it is made, so a sequence's changes
add up to the objective's own:

- a site emptied: everything one person does at one of their sites, each to
  its cheapest taker, kept when together they save. The trip to that site is
  saved only when the last item leaves, which no single move sees;
- a site handed over: everything one person does at a site to one colleague
  of their role who may work there, alone or traded for that colleague's work
  at another site the first may serve (two itinerants trading schools), then
  each service the two deliver moved once more where that saves; the
  cheapest such trade, when it saves.

A compound move is tried in full and undone (``undo``, the last move first,
each restoring the state as it was before it) when it does not save. What
each gave on the generated districts: ``benchmarks/README.md``, "Balancing on
workload".
"""

from __future__ import annotations

import time
from collections import Counter
from typing import TYPE_CHECKING, Any

from models.domain.objective import best_practice_services

if TYPE_CHECKING:
    from models.domain.problem import Problem

Moved = list[tuple[bool, int, int]]  # (a service?, the demand or student, from whom), in the order made


class SiteMoves:
    """The compound moves of ``optimizer.workload_moves._State`` (which supplies the attributes and single moves)."""

    problem: Problem
    providers: list[int | None]
    managers: list[int | None]
    sites: list[Counter]
    at_site: dict[str, list[int]]
    colleagues: dict[tuple[str, str], list[int]]
    deadline: float  # trades stop being tried after it (``time.perf_counter``)
    service_target: Any
    give_service: Any
    case_target: Any
    give_case: Any
    _rank: Any

    def vacate(self, p: int, site: str) -> int:
        """Hand everything ``p`` does at ``site`` each to its cheapest taker when together that saves (the trip
        there among what it saves); returns the saving. Single moves miss this: each alone keeps the trip."""
        change, moved = self.empty_site(p, site)
        if change < 0:
            return -change
        self.undo(moved)
        return 0

    def empty_site(self, p: int, site: str) -> tuple[int, Moved]:
        """Hand everything ``p`` does at ``site`` (the services, with a case where ``p`` manages it, and the
        cases ``p`` coordinates) each to its cheapest taker, whatever it costs; what the objective changed by
        and the moves made, for :meth:`undo`."""
        moved: Moved = []
        return self.transfer(p, site, None, moved), moved

    def transfer(self, p: int, site: str, to: int | None, moved: Moved) -> int:
        """Hand everything ``p`` does at ``site`` to ``to`` (what they may take; each item to its cheapest taker
        when None), whatever it costs; what the objective changed by (the moves made are added to ``moved``,
        for :meth:`undo`)."""
        problem = self.problem
        change = 0
        for s in self.at_site[site]:
            for d in problem.demands_of[s]:
                if self.providers[d] == p:
                    delta, q = self.service_target(d, to)
                    if q is not None:
                        self.give_service(d, q)
                        moved.append((True, d, p))
                        change += delta
            if self.managers[s] == p:
                ranked = best_practice_services(problem.rules, problem.students[s])
                delta, q = self.case_target(s, self._rank(s, p, ranked, ()), to)
                if q is not None:
                    self.give_case(s, q)
                    moved.append((False, s, p))
                    change += delta
        return change

    def exchange(self, p: int, site: str) -> int:
        """``p``'s work at ``site`` to another person of ``p``'s role who may work there, alone or for that
        person's work at another of their sites (two itinerants trading schools), the cheapest such trade
        when it saves; returns the saving."""
        problem = self.problem
        role, best, best_trade = problem.staff[p].role, 0, None
        for q in self.colleagues.get((role, site), ()):
            if q == p or not problem.staff[q].available:
                continue
            if time.perf_counter() > self.deadline:  # the best trade found so far (a district-wide role has many)
                break
            for other in (None, *(t for t in self.sites[q] if t != site and t in problem.staff[p].sites)):
                moved: Moved = []
                change = self._trade(p, site, q, other, moved)
                self.undo(moved)
                if change < best:
                    best, best_trade = change, (q, other)
        if best_trade is None:
            return 0
        self._trade(p, site, *best_trade, [])  # the same state, the same moves: the same change
        return -best

    def _trade(self, p: int, site: str, q: int, other: str | None, moved: Moved) -> int:
        """``p``'s work at ``site`` to ``q`` (and ``q``'s at ``other`` to ``p``), then both settled; the change."""
        change = self.transfer(p, site, q, moved)
        if other is not None:
            change += self.transfer(q, other, p, moved)
        return change + self.settle((p, q), moved)

    def settle(self, people: tuple[int, ...], moved: Moved) -> int:
        """Each service ``people`` deliver to its cheapest taker when that saves (one pass, the moves added to
        ``moved``); what the objective changed by."""
        change = 0
        for p in people:
            for site in list(self.sites[p]):
                for s in self.at_site[site]:
                    for d in self.problem.demands_of[s]:
                        if self.providers[d] == p:
                            delta, q = self.service_target(d)
                            if q is not None and delta < 0:
                                self.give_service(d, q)
                                moved.append((True, d, p))
                                change += delta
        return change

    def undo(self, moved: Moved) -> None:
        """Every move back, the last first: each restores the state as it was before it."""
        for service, i, back in reversed(moved):
            if service:
                self.give_service(i, back)
            else:
                self.give_case(i, back)
