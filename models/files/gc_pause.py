"""No cyclic garbage collection while a district is read or its files are computed and written.

Both allocate millions of small objects that reference counting frees (rows, cells, strings,
frozen dataclasses) and that form no cycles; meanwhile each collection of the oldest generation
walks every object of the district again. Measured on the 70,000-student connected district
(benchmarks/README.md): a quarter of loading and of explain.csv's time.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Collection off inside the block, back as it was after (nested blocks are fine)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
