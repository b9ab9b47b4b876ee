"""The package's shape: no import cycles, layers that only look down, small modules.

Imports are read statically (``ast``), so imports made only for type checking and
imports inside functions count too: a cycle hidden behind ``TYPE_CHECKING`` or a
late import is still a cycle for a reader.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parents[1] / "sim"

LAYERS = ("vocabulary", "config", "engine", "model", "measures", "experiment", "output", "evaluation", "cli")
"""Sub-packages from the bottom up: a module may import only from its own layer or below."""

MAX_LINES = 450


def module_name(path: Path) -> str:
    parts = path.relative_to(SIM.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(SIM.rglob("*.py"))}


def imports(path: Path, known: set[str]) -> set[str]:
    """Modules of the package that ``path`` imports, wherever the import sits."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        found |= {n for n in names if n in known}
    return found


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    edges = {name: imports(path, known) - {name} for name, path in mods.items()}
    # importing a package runs its __init__, but a package's own __init__ importing its
    # children is not a cycle with them; drop parent-package edges from children
    return {m: {d for d in deps if not m.startswith(d + ".")} for m, deps in edges.items()}


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(edges.get(node, ())):
            if state.get(dep) == 1:
                return stack[stack.index(dep) :] + [dep]
            if dep not in state and (cycle := visit(dep)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def layer(module: str) -> int:
    top = module.split(".")[1] if "." in module else ""
    return LAYERS.index(top) if top in LAYERS else -1


def test_no_import_cycles():
    cycle = find_cycle(graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_layers_only_import_downwards():
    upward = [
        f"{m} ({LAYERS[layer(m)]}) imports {d} ({LAYERS[layer(d)]})"
        for m, deps in graph().items()
        for d in deps
        if layer(m) >= 0 and layer(d) > layer(m)
    ]
    assert not upward, "\n".join(upward)


def test_every_module_belongs_to_a_layer():
    stray = [m for m in modules() if m != "sim" and layer(m) < 0]
    assert not stray, f"modules outside the layers {LAYERS}: {stray}"


@pytest.mark.parametrize("name", sorted(modules()))
def test_modules_stay_small(name: str):
    lines = len(modules()[name].read_text().splitlines())
    assert lines <= MAX_LINES, f"{name} has {lines} lines (at most {MAX_LINES}): split it by concern"
