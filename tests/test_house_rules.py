"""The house rules that keep the code readable, checked on every run so they stay kept:
imports run one way with no cycles and no imports by string, and tests wait for conditions,
never for fixed times."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("gis", "layers", "maps", "api", "data")
#: What each package may import of ours (besides itself).
ALLOWED = {"gis": set(), "data": set(), "layers": {"gis"}, "maps": {"gis", "layers"},
           "api": {"gis", "layers", "maps", "data"}}


def _modules() -> dict[str, Path]:
    out = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """Our modules that *path* imports, at any depth (in functions too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{a.name}" for a in node.names] + [node.module]
        else:
            continue
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name:
                found.add(name)
    return found


def test_imports_run_one_way_without_cycles() -> None:
    modules = _modules()
    graph = nx.DiGraph()
    wrong = []
    for name, path in modules.items():
        for target in _imports(path, modules) - {name}:
            graph.add_edge(name, target)
            src, dst = name.split(".")[0], target.split(".")[0]
            if dst != src and dst not in ALLOWED[src]:
                wrong.append(f"{name} -> {target}")
    assert wrong == [], "imports against the package direction"
    cycles = [sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1]
    assert cycles == [], "modules that import each other"


def test_nothing_is_imported_by_string() -> None:
    found = [f"{path.relative_to(ROOT)}:{node.lineno}"
             for path in _modules().values()
             for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(
                 node.func, "id", "")) in ("import_module", "__import__")]
    assert found == []


def test_tests_wait_for_conditions_not_for_time() -> None:
    fixed = ("time.sleep(", "wait_for_timeout(", "asyncio.sleep(")
    found = [f"{path.relative_to(ROOT)}:{i}"
             for path in (ROOT / "tests").rglob("*.py") if path.name != Path(__file__).name
             for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if any(f in line for f in fixed)]
    assert found == []
