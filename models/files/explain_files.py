"""explain.csv and explain-<ID>.csv (pandas lives here, at the edge)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from models.files.safe import write_csv
from models.workflows.explanations import EXPLAIN_COLUMNS, ExplainRow


def write_explain(rows: Iterable[ExplainRow], path: Path, columns: tuple[str, ...] = EXPLAIN_COLUMNS) -> None:
    write_csv(pd.DataFrame([r.cells() for r in rows], columns=list(columns)), path)  # formula-proof ids
