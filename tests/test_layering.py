"""Import boundaries: layers point one way, no import cycle, and docs/architecture.md says which.

The graph is read from the source with `ast`, so every import counts: at the
top of a module, inside a function or under ``TYPE_CHECKING``. An import
inside a function that closes a cycle is still a cycle; it only moves the
failure to run time. Importing ``a.b.c`` runs ``a/__init__.py`` and
``a/b/__init__.py`` first, so those packages are edges too (except the
importer's own packages, which are already running).

Packages are `feedserver`'s subpackages; each top-level module is a unit of
its own (``app``, ``typedefs``, ...), and so is ``feedserver/__init__.py``.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "feedserver"
ARCHITECTURE = REPO / "docs" / "architecture.md"
#: Cycles among the sandbox's own files are its business: it is a stand-in, loaded by the demo and tests only.
SANDBOX = "feedserver.sandbox"


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    where: str
    """file:line of the import statement."""


@cache
def modules() -> Mapping[str, Path]:
    """Every module of `feedserver` by dotted name (a package by its ``__init__.py``)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(REPO).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _is_package(name: str) -> bool:
    return modules()[name].name == "__init__.py"


def _known(name: str) -> str | None:
    """The longest prefix of `name` that is one of our modules."""
    while name and name not in modules():
        name = name.rpartition(".")[0]
    return name or None


def _imported(module: str, node: ast.Import | ast.ImportFrom) -> list[str]:
    """Our modules an import statement names (a ``from`` import of a submodule names the submodule)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        package = module if _is_package(module) else module.rpartition(".")[0]
        parts = package.split(".")
        base = ".".join([*parts[:len(parts) - node.level + 1], *([node.module] if node.module else [])])
    return [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules() else base for alias in node.names]


def _ancestors(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


@cache
def file_edges() -> tuple[Edge, ...]:
    """One edge per (importer, imported module of ours), with the first statement that makes it."""
    edges: dict[tuple[str, str], Edge] = {}
    for module, path in modules().items():
        running = {module, *_ancestors(module)}
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for name in _imported(module, node):
                target = _known(name)
                if target is None:
                    continue  # not ours
                for reached in [*_ancestors(target), target]:
                    if reached not in running:
                        edges.setdefault((module, reached), Edge(
                            module, reached, f"{path.relative_to(REPO)}:{node.lineno}"))
    return tuple(edges.values())


def unit(module: str) -> str:
    """The package a module belongs to (``feedserver.feeds``), or the top-level module itself."""
    parts = module.split(".")
    if len(parts) >= 2 and _is_package(".".join(parts[:2])):
        return ".".join(parts[:2])
    return module


def package_edges() -> list[Edge]:
    return [Edge(unit(e.source), unit(e.target), e.where) for e in file_edges() if unit(e.source) != unit(e.target)]


def cycles(edges: Iterable[Edge]) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan), each sorted."""
    graph: dict[str, set[str]] = {}
    for e in edges:
        graph.setdefault(e.source, set()).add(e.target)
        graph.setdefault(e.target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _explain(component: list[str], edges: Iterable[Edge]) -> str:
    inside = set(component)
    lines = [f"{e.source} -> {e.target} ({e.where})" for e in edges if e.source in inside and e.target in inside]
    return "cycle between " + ", ".join(component) + ":\n  " + "\n  ".join(sorted(lines))


def layers() -> list[tuple[str, list[str]]]:
    """The rows of the table under "## Layers" in docs/architecture.md, top first: (layer, units)."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    section = text.split("\n## Layers", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not cells[1].startswith("`"):
            continue
        names = re.findall(r"`([^`]+)`", cells[1])
        rows.append((cells[0], [_unit_named(n) for n in names]))
    return rows


def _unit_named(name: str) -> str:
    """``app.py`` → feedserver.app, ``store/`` → feedserver.store, ``__init__.py`` → feedserver."""
    if name == "__init__.py":
        return "feedserver"
    return "feedserver." + name.removesuffix(".py").removesuffix("/")


# -- cycles ----------------------------------------------------------------------------------------


def test_the_graph_sees_imports_inside_functions_and_parent_packages() -> None:
    edges = {(e.source, e.target) for e in file_edges()}
    assert ("feedserver.cli", "feedserver.app") in edges  # `from .app import create_app` inside cmd_serve
    assert ("feedserver.auth.login", "feedserver.feeds") in edges  # feeds.tokens runs feeds/__init__.py
    assert ("feedserver.feeds.views", "feedserver.feeds") not in edges  # its own package is already running


def test_no_import_cycle_between_files_outside_the_sandbox() -> None:
    edges = file_edges()
    found = [c for c in cycles(edges) if not all(m == SANDBOX or m.startswith(SANDBOX + ".") for m in c)]
    assert not found, "\n".join(_explain(c, edges) for c in found)


def test_no_import_cycle_between_packages() -> None:
    edges = package_edges()
    found = cycles(edges)
    assert not found, "\n".join(_explain(c, edges) for c in found)


# -- layers ----------------------------------------------------------------------------------------


def test_the_layers_table_places_every_package_and_top_level_module_once() -> None:
    placed = [u for _, units in layers() for u in units]
    assert len(placed) == len(set(placed)), f"placed twice: {sorted({u for u in placed if placed.count(u) > 1})}"
    assert set(placed) == {unit(m) for m in modules()}, (
        f"not in the table: {sorted({unit(m) for m in modules()} - set(placed))}; "
        f"in the table but not in feedserver/: {sorted(set(placed) - {unit(m) for m in modules()})}")


def test_every_import_points_down_the_layers() -> None:
    rank = {u: i for i, (_, units) in enumerate(layers()) for u in units}  # 0 is the top row
    wrong = sorted(f"{e.source} (layer {rank[e.source]}) imports {e.target} (layer {rank[e.target]}) at {e.where}"
                   for e in package_edges() if rank[e.source] >= rank[e.target])
    assert not wrong, "imports that do not point down docs/architecture.md's layers:\n" + "\n".join(wrong)


def test_feeds_imports_neither_planning_nor_auth() -> None:
    # The settings form that replans is planning's; the plan's sessions reach the feed through their table.
    wrong = [e for e in package_edges() if e.source == "feedserver.feeds"
             and e.target in ("feedserver.planning", "feedserver.auth")]
    assert not wrong, wrong


def test_the_architecture_page_names_only_modules_that_exist() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    missing = []
    for name in sorted(set(re.findall(r"`([A-Za-z_][\w/.]*(?:\.py|/))`", text))):
        if not any((base / name).exists() for base in (REPO, PACKAGE)):
            missing.append(name)
    for dotted in sorted(set(re.findall(r"\b((?:feedserver|muffin_analytics)\.[\w.]+\w)", text))):
        if _known(dotted) is None and not (REPO / dotted.replace(".", "/")).with_suffix(".py").exists() \
                and not (REPO / dotted.replace(".", "/")).is_dir():
            missing.append(dotted)
    for short in sorted(set(re.findall(r"\b(feeds\.\w+)\b", text))):
        if _known(f"feedserver.{short}") != f"feedserver.{short}":
            missing.append(short)
    assert not missing, f"docs/architecture.md names what does not exist: {missing}"


# -- what an import loads ------------------------------------------------------------------------------


def _loaded_by(statement: str, prefixes: tuple[str, ...]) -> list[str]:
    """Modules under `prefixes` that `statement` loads in a fresh interpreter."""
    probe = (f"import sys\n{statement}\n"
             f"print('\\n'.join(sorted(m for m in sys.modules if m.split('.')[0] in {prefixes!r} "
             f"or m.startswith({SANDBOX!r}))))")
    result = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_the_app_loads_no_sandbox_module() -> None:
    loaded = _loaded_by("import feedserver.app", ())
    assert not [m for m in loaded if m == SANDBOX or m.startswith(SANDBOX + ".")], loaded


def test_muffin_analytics_loads_no_feedserver_aiohttp_or_matplotlib() -> None:
    forbidden = ("feedserver", "aiohttp", "matplotlib")
    assert _loaded_by("import muffin_analytics", forbidden) == []
    # Every module too: plots import matplotlib only when they draw.
    every = ("import pkgutil, importlib, muffin_analytics\n"
             "for info in pkgutil.iter_modules(muffin_analytics.__path__):\n"
             "    importlib.import_module('muffin_analytics.' + info.name)")
    assert _loaded_by(every, forbidden) == []
