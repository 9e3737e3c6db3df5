"""One min-cost flow graph, with the component each arc's cost belongs to (``optimizer/flow.py``)."""

from __future__ import annotations

import numpy as np
from ortools.graph.python import min_cost_flow

from models.domain.objective import balance_marginals


class FlowError(RuntimeError):
    """The min-cost flow did not solve (it always should: every unit has a bypass)."""


class Graph:
    """Arcs of one min-cost flow, with the component each arc's cost belongs to."""

    def __init__(self) -> None:
        self.tails: list[int] = []
        self.heads: list[int] = []
        self.caps: list[int] = []
        self.costs: list[int] = []
        self.owners: list[int] = []

    def arc(self, tail: int, head: int, capacity: int, cost: int, owner: int) -> int:
        self.tails.append(tail)
        self.heads.append(head)
        self.caps.append(capacity)
        self.costs.append(cost)
        self.owners.append(owner)
        return len(self.tails) - 1

    def convex_arcs(self, tail: int, head: int, target: float | None, weight: int, limit: int, owner: int) -> None:
        """Arcs whose k-th unit costs the k-th balance marginal, at most ``limit`` units."""
        if limit <= 0:
            return
        if target is None or weight <= 0:
            self.arc(tail, head, limit, 0, owner)
            return
        marginals = balance_marginals(target, weight)
        for k in range(min(limit, len(marginals))):
            self.arc(tail, head, 1, marginals[k], owner)
        if limit > len(marginals):
            self.arc(tail, head, limit - len(marginals), marginals[-1], owner)

    def solve(self, supplies: dict[int, int], n_owners: int) -> tuple[np.ndarray, np.ndarray]:
        """(flow per arc, cost per owner) of a min-cost flow."""
        flow = min_cost_flow.SimpleMinCostFlow()
        tails = np.asarray(self.tails, dtype=np.int64)
        heads = np.asarray(self.heads, dtype=np.int64)
        nodes = np.fromiter(supplies, dtype=np.int64, count=len(supplies))
        # numbered densely: a component's graph uses a few of the district's node numbers, and the
        # solver's passes run over every node up to the largest
        used = np.unique(np.concatenate([tails, heads, nodes]))
        if self.tails:
            flow.add_arcs_with_capacity_and_unit_cost(
                np.searchsorted(used, tails).astype(np.int32), np.searchsorted(used, heads).astype(np.int32),
                np.asarray(self.caps, dtype=np.int64), np.asarray(self.costs, dtype=np.int64))
        flow.set_nodes_supplies(np.searchsorted(used, nodes).astype(np.int32),
                                np.fromiter(supplies.values(), dtype=np.int64, count=len(supplies)))
        status = flow.solve()
        if status != flow.OPTIMAL:
            raise FlowError(f"min-cost flow status {status}")
        flows = flow.flows(np.arange(len(self.tails), dtype=np.int32)) if self.tails else np.zeros(0, np.int64)
        spent = flows * np.asarray(self.costs, dtype=np.int64)
        per_owner = np.bincount(np.asarray(self.owners, dtype=np.int64), weights=spent, minlength=n_owners)
        return flows, np.rint(per_owner).astype(np.int64)
