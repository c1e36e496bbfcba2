"""The package's import graph has no circle (issue 18), counting imports
inside functions too; and the modules the README calls as ``zoo.<name>``
are reachable after a bare ``import zoo``."""

import ast
import os
import subprocess
import sys

from helpers import REPO

PACKAGE = os.path.join(REPO, "zoo")


def module_files():
    """``{dotted module name: path}`` of every module of ``zoo/``."""
    modules = {}
    for root, _, files in os.walk(PACKAGE):
        for f in files:
            if f.endswith(".py"):
                rel = os.path.relpath(os.path.join(root, f), REPO)[:-3].replace(os.sep, ".")
                modules[rel[: -len(".__init__")] if rel.endswith(".__init__") else rel] = os.path.join(root, f)
    return modules


def import_graph():
    """``{module: {modules it imports}}``; edges to a package's ``__init__``
    (``import zoo`` to register the models) are left out: a package face,
    not a dependency of the importer on the package's other modules."""
    modules = module_files()
    graph = {m: set() for m in modules}
    for module, path in modules.items():
        for node in ast.walk(ast.parse(open(path).read(), path)):
            targets = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [f"{node.module}.{a.name}" for a in node.names] + [node.module]
            for target in targets:
                if target in modules and target != module and not os.path.basename(modules[target]) == "__init__.py":
                    graph[module].add(target)
    return graph


def find_cycle(graph):
    """One cycle as a list of modules, or None (depth-first search)."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_no_import_circle_in_the_package():
    graph = import_graph()
    assert "zoo.train" in graph and "zoo.files" in graph["zoo.train"], "the scan found no imports"
    cycle = find_cycle(graph)
    assert cycle is None, f"import circle: {' -> '.join(cycle)}"


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_documented_submodules_are_reachable_from_import_zoo():
    code = ("import zoo\n"
            "for name in ('export', 'eval', 'train', 'callbacks', 'files', 'data', 'recipes'):\n"
            "    getattr(zoo, name)\n"
            "print(zoo.export.saved_model.__name__, zoo.eval.frechet.frechet_distance.__name__)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd="/")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["saved_model", "frechet_distance"]
