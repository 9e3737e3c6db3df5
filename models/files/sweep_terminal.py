"""What a sweep shows on the terminal: a progress bar while it runs, then a few lines. Ids only, never names."""

from __future__ import annotations

import time
from typing import TextIO

from models.files.terminal import OverwritingLine

BAR_WIDTH = 30
ERRORS_SHOWN = 10  # the rest are in sweep.csv


class ProgressBar(OverwritingLine):
    """One self-overwriting line: ``[#####.....] 12/40 runs, 0:42``."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__(stream)
        self.started = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        filled = BAR_WIDTH * done // total if total else BAR_WIDTH
        elapsed = int(time.monotonic() - self.started)
        self.show(f"sweep [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total} runs, "
                  f"{elapsed // 60}:{elapsed % 60:02d}")


def sweep_text(rows: tuple[dict, ...], planned: int, resumed: int) -> str:
    """How many runs were planned, skipped as finished, and which could not be planned (first error each)."""
    errors = [row for row in rows if row["status"] == "error"]
    lines = [f"{len(rows)} run(s): {planned} planned, {resumed} already planned with the same inputs (skipped), "
             f"{len(errors)} error(s)"]
    for row in errors[:ERRORS_SHOWN]:
        first = str(row["error"]).split(" | ")[0]
        lines.append(f"  {row['district']} / {row['scenario']}: {first}")
    if len(errors) > ERRORS_SHOWN:
        lines.append(f"  ... and {len(errors) - ERRORS_SHOWN} more in sweep.csv")
    return "\n".join(lines)
