"""Synthetic, seeded districts: test and demo tooling, not domain (caps come from the rules)."""
