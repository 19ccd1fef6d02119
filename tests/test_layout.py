"""The package's layout shows the design: one package per pipeline stage, imports going from
the command line down through the stages to the shared basics, never back up, never in a
circle."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

from tests.helpers import ROOT

PACKAGE = ROOT / "generator"
LAYERS = ("basics", "check", "record", "website", "workflow", "command line")
"""Bottom to top: a module may import from its own layer and the layers below it."""
TOP_LEVEL = {
    "cli": "command line",
    "commands": "command line",
    "rule_commands": "command line",
    "check_command": "command line",
    "build_command": "command line",
    "__main__": "command line",
}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "basics"
    if parts[1] in LAYERS:
        return parts[1]
    return TOP_LEVEL.get(parts[1], "basics")


def imports_of(path: Path) -> set[str]:
    """Every ``generator`` module that ``path`` imports, lazily or for type checking too."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] == "generator":
                found.add(node.module)
                found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "generator")
    return found


@cache
def graph() -> dict[str, set[str]]:
    modules = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    return {
        name: {target for target in imports_of(path) if target in modules and target != name}
        for name, path in modules.items()
    }


def test_every_package_is_a_known_stage() -> None:
    packages = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    assert packages == {"check", "record", "website", "workflow"}


@pytest.mark.parametrize("module", sorted(graph()))
def test_imports_go_down(module: str) -> None:
    rank = LAYERS.index(layer_of(module))
    upward = sorted(t for t in graph()[module] if LAYERS.index(layer_of(t)) > rank)
    assert not upward, f"{module} ({layer_of(module)}) imports from above: {upward}"


def test_no_import_cycles() -> None:
    edges = graph()
    state: dict[str, str] = {}

    def visit(module: str, trail: list[str]) -> None:
        state[module] = "open"
        for target in sorted(edges[module]):
            # importing a package's submodule runs the package's __init__ first: not a cycle
            if module.startswith(target + "."):
                continue
            if state.get(target) == "open":
                cycle = [*trail[trail.index(target) :], target]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if target not in state:
                visit(target, [*trail, target])
        state[module] = "done"

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])


def test_module_names_are_not_repeated() -> None:
    """No two modules share a name in different packages (``history`` and ``history``)."""
    names: dict[str, list[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        if path.stem != "__init__":
            names.setdefault(path.stem, []).append(module_name(path))
    assert {n: m for n, m in names.items() if len(m) > 1} == {}
