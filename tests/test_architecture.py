"""The layers stay visible: no import circles, the optimizer free of files and pandas, modules small."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("models", "optimizer")
MAX_LINES = 420  # "about 400"
# modules allowed above MAX_LINES, each with its reason
LONG_MODULES = {
    "optimizer/model.py": "the CP-SAT model: one small method per business rule, read top to bottom as one model",
    "models/domain/rules.py": "the rules-file parser: one block per TOML table, each validated where it is read",
}


def _modules() -> dict[str, Path]:
    out = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return isinstance(test, ast.Name) and test.id == "TYPE_CHECKING" or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.Module, top_level_only: bool) -> set[str]:
    """Names of imported modules (``from a.b import c`` gives a.b and a.b.c; the graph keeps what exists)."""
    out: set[str] = set()
    nodes = list(tree.body) if top_level_only else list(ast.walk(tree))
    if top_level_only:  # also the bodies of top-level try/if, except `if TYPE_CHECKING:`
        for node in list(nodes):
            if isinstance(node, ast.If) and not _is_type_checking(node):
                nodes += node.body + node.orelse
            elif isinstance(node, ast.Try):
                nodes += node.body + node.finalbody + [n for h in node.handlers for n in h.body]
    for node in nodes:
        if isinstance(node, ast.Import):
            out |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            out |= {f"{node.module}.{alias.name}" for alias in node.names}
    return out


def test_no_import_circles():
    modules = _modules()
    graph = {name: sorted(m for m in _imports(ast.parse(path.read_text()), True) if m in modules and m != name)
             for name, path in modules.items()}
    state: dict[str, int] = {}  # 1 visiting, 2 done
    stack: list[str] = []

    def visit(name: str) -> None:
        state[name] = 1
        stack.append(name)
        for dep in graph[name]:
            if state.get(dep) == 1:
                cycle = stack[stack.index(dep):] + [dep]
                raise AssertionError("import circle: " + " -> ".join(cycle))
            if dep not in state:
                visit(dep)
        stack.pop()
        state[name] = 2

    for name in graph:
        if name not in state:
            visit(name)


def test_the_optimizer_never_imports_pandas_or_reads_files():
    for name, path in _modules().items():
        if name.startswith("optimizer"):
            imported = _imports(ast.parse(path.read_text()), False)
            bad = sorted(m for m in imported if m.split(".")[0] == "pandas" or m.startswith("models.files"))
            assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_whatif_planning_loads_no_file_reader():
    """optimizer.whatif uses the scenario value (models.domain.scenario), not the TOML reader and its pandas loaders.

    (OR-Tools' cp_model itself imports pandas, so the check is on this project's modules.)
    """
    code = ("import sys, optimizer.whatif; print(sorted(m for m in sys.modules "
            "if m.startswith('models.files') or m == 'models.workflows.scenarios'))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.strip() == "[]"


def test_modules_stay_small_or_say_why():
    long = {str(path.relative_to(ROOT)): n for path in _modules().values()
            if (n := len(path.read_text().splitlines())) > MAX_LINES}
    unexplained = {path: n for path, n in long.items() if path not in LONG_MODULES}
    assert not unexplained, f"modules over {MAX_LINES} lines without a stated reason: {unexplained}"


def test_the_cli_maps_bad_input_in_one_place():
    """Commands raise the library's InputError/RulesError; the command group alone turns them into exit 2."""
    source = (ROOT / "cli.py").read_text()
    assert source.count("_bad_input(") == 2  # its definition and the command group's one use
