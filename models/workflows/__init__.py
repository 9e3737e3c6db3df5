"""Planning workflows on top of the domain: what-if scenarios, rebalancing moves, hiring, comparisons."""
