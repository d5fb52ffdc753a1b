"""Dependencies point one way: webui_ras -> tabs -> ras -> gsv_integration, with no circle anywhere; inside
ras/ they point down its floors (FLOORS), and the services and features do not lean on each other sideways.

A circle shows up as a module that cannot be imported first; an arrow back up (a service importing a tab, storage
importing a feature) makes the layers impossible to test alone; a feature importing another feature ties two
things a user sees as separate. The checks read the code, so a new module is covered as soon as it exists.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("webui_ras", "tabs", "ras", "gsv_integration", "i18n")
# layer -> the layers it may import (itself included)
ALLOWED = {
    "webui_ras": {"webui_ras", "tabs", "ras", "gsv_integration", "i18n"},
    "tabs": {"tabs", "ras", "gsv_integration", "i18n"},
    "ras": {"ras", "gsv_integration"},
    "gsv_integration": {"gsv_integration"},
    "i18n": {"i18n"},
}

# The floors inside ras/, bottom first: a package imports its own floor's packages (where `sideways` allows)
# and the floors below, never one above. A package is `ras.<name>`, a module or a folder.
FLOORS = [
    {"name": "foundations", "sideways": True,
     "why": "names, small shared types, pure computation and child-process plumbing (no DB): anything above "
            "may use them",
     "packages": {"ras.errors", "ras.languages", "ras.names", "ras.settings", "ras.server_paths",
                  "ras.model_cache", "ras.audio", "ras.metrics", "ras.child_process", "ras.emotions"}},
    {"name": "storage", "sideways": True,
     "why": "tables, DBs, the workspace and row look-ups: they store what the floors above decide",
     "packages": {"ras.store"}},
    {"name": "library", "sideways": True,
     "why": "a role's clips, texts, imports and backups: what every service works on",
     "packages": {"ras.library"}},
    {"name": "services", "sideways": False,
     "why": "analysis, the queue, results and the quality gate: each stands alone, what two share moves down",
     "packages": {"ras.analysis", "ras.queue", "ras.results", "ras.gate"}},
    {"name": "features", "sideways": False,
     "why": "what a user sees as one tool: a feature never imports another (the tabs join them)",
     "packages": {"ras.finder", "ras.long_text", "ras.ab", "ras.products", "ras.classify", "ras.split",
                  "ras.status"}},
]


def project_modules() -> dict[str, Path]:
    modules = {"webui_ras": ROOT / "webui_ras.py"}
    for package in PACKAGES[1:]:
        for path in sorted((ROOT / package).rglob("*.py")):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            modules[name.removesuffix(".__init__")] = path
    return modules


def imported_modules(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules `name` imports, at top level or inside functions."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            # `from package import module` imports the module; `from module import name` the module itself
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {name: imported_modules(name, path, modules) for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 on the current path, 2 finished
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_the_import_graph_has_no_cycle():
    graph = import_graph()
    assert len(graph) > 60  # the walk found the project
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph))


def test_a_cycle_is_found_when_there_is_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_imports_point_down_the_layers_only():
    upward = [f"{name} -> {target}" for name, targets in import_graph().items() for target in sorted(targets)
              if target.split(".")[0] not in ALLOWED[name.split(".")[0]]]
    assert not upward


def ras_package(module: str) -> str | None:
    """`ras.<name>` of a module inside ras/ (None for ras/__init__ and modules outside ras/)."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "ras" and len(parts) > 1 else None


def floor_breaches(graph: dict[str, set[str]], floors: list[dict]) -> list[str]:
    """Imports inside ras/ that go up a floor, or sideways between two packages of a floor that forbids it;
    a package on no floor is reported too (a new one needs its place)."""
    floor_of = {package: number for number, floor in enumerate(floors) for package in floor["packages"]}
    found = []
    for module, targets in graph.items():
        source = ras_package(module)
        if source is None:
            continue
        if source not in floor_of:
            found.append(f"{source} is on no floor")
            continue
        for target in sorted(targets):
            package = ras_package(target)
            if package is None or package == source:
                continue
            if package not in floor_of:
                found.append(f"{package} is on no floor")
            elif floor_of[package] > floor_of[source]:
                found.append(f"{module} -> {target}: up from {floors[floor_of[source]]['name']} "
                             f"to {floors[floor_of[package]]['name']}")
            elif floor_of[package] == floor_of[source] and not floors[floor_of[source]]["sideways"]:
                found.append(f"{module} -> {target}: sideways within {floors[floor_of[source]]['name']}")
    return sorted(set(found))


def test_ras_imports_point_down_its_floors():
    assert not floor_breaches(import_graph(), FLOORS)


def test_an_upward_or_sideways_import_is_found():
    floors = [{"name": "bottom", "sideways": True, "packages": {"ras.a", "ras.b"}},
              {"name": "middle", "sideways": False, "packages": {"ras.c", "ras.d"}},
              {"name": "top", "sideways": False, "packages": {"ras.e"}}]
    allowed = {"ras.a.x": {"ras.b"}, "ras.b": set(), "ras.c.y": {"ras.c.z", "ras.a.x", "gsv_integration.request"},
               "ras.c.z": set(), "ras.d": {"ras.b"}, "ras.e": {"ras.c.y", "ras.d"}, "ras": set()}
    assert floor_breaches(allowed, floors) == []
    up, sideways, unplaced = {"ras.a.x": {"ras.c.y"}}, {"ras.d": {"ras.c.z"}}, {"ras.f": {"ras.a.x"}}
    assert floor_breaches({**allowed, **up}, floors) == ["ras.a.x -> ras.c.y: up from bottom to middle"]
    assert floor_breaches({**allowed, **sideways}, floors) == ["ras.d -> ras.c.z: sideways within middle"]
    assert floor_breaches({**allowed, **unplaced}, floors) == ["ras.f is on no floor"]


@pytest.mark.slow  # half a minute of imports; test_the_import_graph_has_no_cycle finds most of the same at once
def test_every_module_imports_first_on_its_own():
    """Each module imported with no project module loaded before it (a circle would fail here). One process
    for all of them: third-party packages stay loaded, the project's modules are dropped before each."""
    names = sorted(project_modules())
    probe = (
        "import importlib, sys, warnings\n"
        "from sqlmodel import SQLModel\n"
        "warnings.simplefilter('ignore')\n"
        f"names = {names!r}\n"
        "tops = ('webui_ras', 'tabs', 'ras', 'gsv_integration', 'i18n')\n"
        "failed = []\n"
        "for name in names:\n"
        "    for loaded in [m for m in sys.modules if m.split('.')[0] in tops]:\n"
        "        del sys.modules[loaded]\n"
        "    SQLModel.metadata.clear()  # the table modules define their tables again\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception as exc:\n"
        "        failed.append(f'{name}: {type(exc).__name__}: {exc}')\n"
        "print('\\n'.join(failed))\n"
        "sys.exit(1 if failed else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
