"""The layering of docs/architecture.md, pinned: imports point from the edges down to storage, never up.

http/ legacy/ reporting/ scim/ ui/ cli.py  →  web/  →  domain/  →  storage/
web/ is the plumbing the surfaces share and imports none of them; shapes/ is used by the edges only and
never imports them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "lanekit"
SURFACES = ("lanekit.http", "lanekit.legacy", "lanekit.reporting", "lanekit.scim", "lanekit.ui")
EDGES = (*SURFACES, "lanekit.web", "lanekit.cli", "lanekit.app")
WEB = ("fastapi", "starlette", "uvicorn")

# layer → the module prefixes none of its modules may import
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "domain": (*WEB, *EDGES, "lanekit.shapes"),
    "storage": (*WEB, *EDGES, "lanekit.shapes", "lanekit.domain"),
    "shapes": (*WEB, *EDGES),
    "web": (*SURFACES, "lanekit.cli", "lanekit.app"),
}


def imported_modules(source: str, *, module: str, is_package: bool) -> set[str]:
    """Every module `source` imports, anywhere in the file, with relative imports made absolute."""
    found: set[str] = set()
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{anchor}.{base}" if base else anchor
            found.add(base)
            # `from lanekit import http` imports lanekit.http.
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def violations(layer: str) -> list[str]:
    problems = []
    for path in sorted((SRC / layer).rglob("*.py")):
        relative = path.relative_to(SRC.parent).with_suffix("")
        is_package = relative.name == "__init__"
        module = ".".join(relative.parts[:-1] if is_package else relative.parts)
        for name in sorted(imported_modules(path.read_text(), module=module, is_package=is_package)):
            if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN[layer]):
                problems.append(f"{module} imports {name}")
    return problems


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_no_layer_imports_one_above_it(layer: str) -> None:
    assert (SRC / layer).is_dir()
    assert violations(layer) == []


@pytest.mark.parametrize(
    ("source", "module", "expected"),
    [
        ("import fastapi", "lanekit.domain.x", "fastapi"),
        ("from starlette.requests import Request", "lanekit.domain.x", "starlette.requests"),
        ("from lanekit import http", "lanekit.domain.x", "lanekit.http"),
        ("from ..http import deps", "lanekit.domain.x", "lanekit.http.deps"),
        ("from . import errors", "lanekit.domain.x", "lanekit.domain.errors"),
        ("def f():\n    from lanekit.shapes import common", "lanekit.domain.x", "lanekit.shapes.common"),
    ],
)
def test_the_checker_sees_every_import_form(source: str, module: str, expected: str) -> None:
    assert expected in imported_modules(source, module=module, is_package=False)


def domain_import_graph() -> dict[str, set[str]]:
    """Each domain module → the domain modules it imports (a package counts as its `__init__`)."""
    modules: dict[str, str] = {}
    for path in sorted((SRC / "domain").rglob("*.py")):
        relative = path.relative_to(SRC.parent).with_suffix("")
        is_package = relative.name == "__init__"
        modules[".".join(relative.parts[:-1] if is_package else relative.parts)] = path.read_text()
    graph: dict[str, set[str]] = {}
    for module, source in modules.items():
        is_package = (SRC.parent / module.replace(".", "/") / "__init__.py").exists()
        found = imported_modules(source, module=module, is_package=is_package)
        graph[module] = {name for name in found if name in modules and name != module}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def subpackage(module: str) -> str:
    """`lanekit.domain.cards.moves` → `lanekit.domain.cards`; a top-level module is its own group."""
    parts = module.split(".")
    return ".".join(parts[:3]) if len(parts) > 3 else module


def test_no_import_cycle_among_domain_modules() -> None:
    assert cycles(domain_import_graph()) == []


def test_no_import_cycle_among_domain_subpackages() -> None:
    groups: dict[str, set[str]] = {}
    for module, imports in domain_import_graph().items():
        groups.setdefault(subpackage(module), set()).update(
            subpackage(name) for name in imports if subpackage(name) != subpackage(module)
        )
    assert cycles(groups) == []


def test_the_cycle_finder_sees_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
