"""A sweep's files: each run's plan folder, written so that it appears only complete, and ``sweep.csv``.

A run is planned into a hidden folder next to its final one and renamed into
place once every file, and last the run's key (``sweep-run.json``), is
written. A worker that dies half way leaves only a hidden ``.partial`` folder,
which is never taken as a finished run and is cleared at the end of the sweep.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path

MANIFEST = "sweep-run.json"  # the run's key and its sweep.csv row: present only in a finished run's folder
WARNINGS = "warnings.txt"
PARTIAL = ".partial-"


def write_run(out_dir: Path, key: str, warnings: list[str], write_plan: Callable[[Path], dict],
              row: Callable[[dict], dict]) -> dict:
    """Write a run's folder at once: the plan (``write_plan(folder)`` returns its summary), warnings, key.

    Returns the summary.
    """
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    partial = out_dir.parent / f".{out_dir.name}{PARTIAL}{uuid.uuid4().hex[:12]}"
    summary = write_plan(partial)
    lines = list(warnings)
    if lines:
        (partial / WARNINGS).write_text("\n".join(lines) + "\n", encoding="utf-8")
    manifest = {"key": key, "row": row(summary)}
    (partial / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    _swap_into_place(partial, out_dir)
    return summary


def _swap_into_place(partial: Path, out_dir: Path) -> None:
    """Rename ``partial`` to ``out_dir``; an older folder there is moved aside first and then removed."""
    old = None
    if out_dir.exists():
        old = out_dir.parent / f".{out_dir.name}{PARTIAL}old-{uuid.uuid4().hex[:12]}"
        os.replace(out_dir, old)
    os.replace(partial, out_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def finished_row(out_dir: Path, key: str) -> dict | None:
    """The stored row of a finished run with this key; None when there is none (or another key)."""
    if not key:
        return None
    try:
        manifest = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("key") != key or not isinstance(manifest.get("row"), dict):
        return None
    return manifest["row"]


def clear_partials(out_dirs: Iterable[Path]) -> None:
    """Remove the hidden half-written folders left next to these run folders (by workers that died)."""
    for parent in {d.parent for d in out_dirs}:
        if parent.is_dir():
            for leftover in parent.glob(f".*{PARTIAL}*"):
                shutil.rmtree(leftover, ignore_errors=True)


def write_sweep_csv(rows: list[dict], columns: tuple[str, ...], path: Path) -> None:
    """``sweep.csv``, written to a temporary name and renamed, so a reader never sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}{PARTIAL}{uuid.uuid4().hex[:12]}")
    with open(partial, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    os.replace(partial, path)
