"""explain.csv and explain-<ID>.csv (pandas lives here, at the edge)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from models.workflows.explanations import EXPLAIN_COLUMNS, ExplainRow


def write_explain(rows: Iterable[ExplainRow], path: Path, columns: tuple[str, ...] = EXPLAIN_COLUMNS) -> None:
    pd.DataFrame([r.cells() for r in rows], columns=list(columns)).to_csv(path, index=False)
