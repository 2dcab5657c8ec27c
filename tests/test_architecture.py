"""Imports in ``theorems`` flow one way (README, *Architecture*):

    constants, conditions, profiles -> strategies -> registry -> runner -> conjectures
      -> statements/* -> catalogue -> plugin, cli, report

Every module is imported alone in a fresh interpreter (it must import on its own), and the graph of
``theorems.*`` imports, read from the source with ``ast``, must have no cycle. Imports inside
functions count: a lazy import is still an edge. The implicit import of a package's
``__init__`` before its submodules is not an edge (it would make every re-exporting ``__init__`` a
cycle); an explicit ``from theorems import name`` is one.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "theorems"


def module_names() -> dict[str, Path]:
    out = {}
    for p in sorted(PKG.rglob("*.py")):
        parts = list(p.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = p
    return out


MODULES = module_names()


def imports_of(name: str, path: Path) -> set[str]:
    """The ``theorems.*`` modules that ``name`` imports anywhere in its source."""
    is_pkg = path.name == "__init__.py"
    base = name.split(".") if is_pkg else name.split(".")[:-1]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                stem = ".".join(base[:len(base) - node.level + 1] + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            targets = [f"{stem}.{a.name}" if f"{stem}.{a.name}" in MODULES else stem for a in node.names]
        else:
            continue
        for t in targets:
            while t and t not in MODULES:  # "theorems.report.html" -> itself; "sim.x" -> dropped
                t = t.rpartition(".")[0]
            if t and t != name:
                out.add(t)
    return out


GRAPH = {name: imports_of(name, path) for name, path in MODULES.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(u):
        state[u] = 1
        stack.append(u)
        for v in sorted(graph.get(u, ())):
            if state.get(v) == 1:
                return stack[stack.index(v):] + [v]
            if v not in state and (c := visit(v)):
                return c
        stack.pop()
        state[u] = 2
        return None

    for u in sorted(graph):
        if u not in state and (c := visit(u)):
            return c
    return None


def test_no_import_cycle_in_theorems():
    cycle = find_cycle(GRAPH)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def reachable(start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for v in GRAPH[todo.pop()]:
            if v not in seen:
                seen.add(v)
                todo.append(v)
    return seen


def test_registry_imports_no_statement_and_the_catalogue_imports_them_all():
    assert not any(m.startswith("theorems.statements") for m in reachable("theorems.registry"))
    helpers = {"theorems.statements.common", "theorems.statements.decade"}  # shared witness code, no @statement
    for h in helpers:
        assert "@statement(" not in (ROOT / (h.replace(".", "/") + ".py")).read_text()
    stmt_modules = {m for m in MODULES if m.startswith("theorems.statements.") and m not in helpers}
    assert stmt_modules <= GRAPH["theorems.catalogue"]
    importers = {u for u, vs in GRAPH.items() if vs & stmt_modules and not u.startswith("theorems.statements")}
    assert importers == {"theorems.catalogue"}, importers


def test_sim_knows_nothing_of_theorems():
    for p in sorted((ROOT / "sim").rglob("*.py")):
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
            assert not any(n == "theorems" or n.startswith("theorems.") for n in names), p


PROBE = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
print(json.dumps(sorted(m for m in sys.modules if m == "theorems" or m.startswith("theorems."))))
"""


def _import_alone(name: str):
    return name, subprocess.run([sys.executable, "-c", PROBE, name], cwd=ROOT, capture_output=True,
                                text=True, timeout=180)


def test_each_module_imports_alone_without_a_cycle():
    """Each module in a fresh interpreter: it imports on its own, and the modules it brings in form
    no cycle."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(_import_alone, [m for m in MODULES if not m.endswith("__main__")]))
    for name, proc in runs:
        assert proc.returncode == 0, f"import {name} alone failed:\n{proc.stderr[-2000:]}"
        loaded = set(json.loads(proc.stdout.strip().splitlines()[-1])) & set(MODULES)
        assert name in loaded
        cycle = find_cycle({u: GRAPH[u] & loaded for u in loaded})
        assert cycle is None, f"importing {name}: cycle " + " -> ".join(cycle)


@pytest.mark.parametrize("broken", [{"a": {"b"}, "b": {"c"}, "c": {"a"}}])
def test_the_cycle_finder_finds_a_cycle(broken):
    assert find_cycle(broken) == ["a", "b", "c", "a"]
