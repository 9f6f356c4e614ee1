"""No import cycles in ``tools/``: not at module level, not hidden inside a function.

Every module under ``tools/`` is parsed with ``ast`` (nothing is imported). Each
``import tools.x`` / ``from tools.x import y`` anywhere in a module, at its top, inside
``if TYPE_CHECKING:`` or inside a function, is an edge to ``tools.x`` (to ``tools.x.y``
instead when ``y`` is a submodule). Importing a submodule from outside its package
runs the package's ``__init__`` first, so that is an edge to the package too. The graph
must have no cycle: a cycle hidden behind a function-level import still ties the
modules together, and it breaks as soon as someone moves the import to the top.
"""

from __future__ import annotations

import ast
from pathlib import Path

TOOLS = Path(__file__).resolve().parents[2] / "tools"


def _module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _package(name: str, path: Path) -> str:
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def _imported(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The tools modules ``name`` imports anywhere in its source, with their packages."""
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            targets |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # a relative import, resolved against this module's package
                package = _package(name, path).split(".")
                anchor = package[: len(package) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:  # `from pkg import submodule` or `from module import name`
                sub = f"{base}.{alias.name}"
                targets.add(sub if sub in modules else base)
    own_packages = _ancestors(name) | ({name} if path.name == "__init__.py" else set())
    edges: set[str] = set()
    for target in targets:
        if target in modules:
            edges.add(target)
            edges |= {p for p in _ancestors(target) if p in modules} - own_packages
    return edges - {name}


def _ancestors(name: str) -> set[str]:
    parts = name.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts))}


def import_graph(root: Path = TOOLS) -> dict[str, set[str]]:
    """Module name -> the modules of ``root``'s package it imports."""
    modules = {_module_name(p, root): p for p in sorted(root.rglob("*.py"))}
    return {name: _imported(name, path, modules) for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a path ``[a, b, ..., a]``, or None (depth-first search)."""
    state: dict[str, str] = {}  # "open" while on the stack, "done" after
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_graph_sees_every_kind_of_import():
    graph = import_graph()
    assert "tools.levels.signs" in graph["tools.levels"]  # module level
    assert "tools.levels.base" in graph["tools.levels.rnn"]
    assert "tools.lab_requests" in graph["tools.fade"]  # inside memory_fade()
    assert "tools.levels" in graph["tools.exercises"]  # `from tools import levels`
    assert "tools.levels" not in graph["tools.levels.signs"]  # not from inside the package


def test_importing_a_submodule_from_outside_runs_its_package(tmp_path):
    root = tmp_path / "tools"
    (root / "pkg").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "pkg" / "__init__.py").write_text("from tools.pkg.a import A\n")
    (root / "pkg" / "a.py").write_text("A = 1\n")
    (root / "b.py").write_text("def f():\n    from tools.pkg.a import A\n")
    graph = import_graph(root)
    assert graph["tools.b"] == {"tools.pkg", "tools.pkg.a"}  # not "tools": b is inside it
    assert graph["tools.pkg.a"] == set() and graph["tools.pkg"] == {"tools.pkg.a"}


def test_find_cycle_finds_a_cycle_through_a_function_level_import():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_tools_has_no_import_cycle():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle in tools/: " + " -> ".join(cycle or [])
