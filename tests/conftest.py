"""Test configuration: on CI, property tests replay a fixed set of examples (reproducible runs)."""

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
