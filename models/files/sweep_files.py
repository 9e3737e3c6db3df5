"""A sweep's files: each run's plan folder, written so that it appears only complete, and ``sweep.csv``.

A run is planned into a hidden folder beside its final one and swapped into
place once every file, and last the run's key (``sweep-run.json``), is written
(:func:`models.files.safe.atomic_folder`). A worker that dies half way leaves
only a hidden folder, which is never taken as a finished run and is cleared at
the end of the sweep.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path

from models.files.safe import atomic_folder

MANIFEST = "sweep-run.json"  # the run's key and its sweep.csv row: present only in a finished run's folder
WARNINGS = "warnings.txt"
PARTIAL = ".partial-"  # sweep.csv while it is written
LEFTOVERS = (".new-", ".old-")  # the folders models.files.safe.atomic_folder writes beside a run folder


def write_run(out_dir: Path, key: str, warnings: list[str], write_plan: Callable[[Path], dict],
              row: Callable[[dict], dict]) -> dict:
    """Write a run's folder whole: the plan (``write_plan(folder)`` returns its summary), warnings, and last its key.

    Returns the run's row (``row(summary)``), which is stored with the key.
    """
    with atomic_folder(out_dir) as work:
        summary = write_plan(work)
        if warnings:
            (work / WARNINGS).write_text("\n".join(warnings) + "\n", encoding="utf-8")
        manifest = {"key": key, "row": row(summary)}
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest["row"]


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
    """Remove the hidden half-written folders a worker that died left beside these run folders."""
    for out_dir in out_dirs:
        for kind in LEFTOVERS:
            for leftover in out_dir.parent.glob(f".{out_dir.name}{kind}*"):
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
