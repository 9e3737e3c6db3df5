"""The README and docs/ travel with the project and stay in step with the commands."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from cli import main

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def long_options(command: click.Command) -> set[str]:
    return {opt for param in command.params if isinstance(param, click.Option) for opt in param.opts
            if opt.startswith("--") and opt != "--help"}


@pytest.mark.parametrize("name", sorted(main.commands))
def test_every_command_has_help_and_a_readme_usage_line_with_exactly_its_options(name):
    command = main.commands[name]
    assert command.help and command.help.strip(), name
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    usage = re.findall(rf"^`caseload {name}( [^`]*)?`", readme, flags=re.M)
    assert usage, f"README has no usage line `caseload {name} ...`"
    documented = set(re.findall(r"--[a-z][a-z-]*", usage[0]))
    assert documented == long_options(command), name


def test_readme_names_the_version_option():
    assert "`caseload --version`" in (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_links_resolve_inside_the_repository(doc):
    text = doc.read_text(encoding="utf-8")
    assert "shared/spec" not in text  # a fresh clone has no ../shared
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue
        path = (doc.parent / target.split("#")[0]).resolve()
        assert path.is_relative_to(ROOT) and path.exists(), f"{doc.name}: broken link {target}"


def test_outputs_reference_names_every_column_a_plan_writes(tmp_path):
    from click.testing import CliRunner

    out = tmp_path / "plan"
    result = CliRunner().invoke(main, ["plan", "--out", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.output
    reference = (ROOT / "docs" / "outputs.md").read_text(encoding="utf-8")
    for name in ("assignments.csv", "services.csv", "caseloads.csv"):
        header = (out / name).read_text(encoding="utf-8").splitlines()[0].split(",")
        missing = [c for c in header if f"`{c}`" not in reference and not c.startswith("served_")]
        assert not missing, (name, missing)
    import json
    keys = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert not [k for k in keys if f"`{k}`" not in reference]
