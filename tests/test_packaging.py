"""What a fresh machine needs is declared: every third-party import of
``zoo/``, ``tests/`` and ``benchmarks/`` comes from a requirement of
``setup.py`` (``zoo/``: ``install_requires``; ``tests/``: plus ``[test]``;
``benchmarks/``, whose scripts the smoke tests run: plus ``[test]``, and
``[bench]`` for PyTorch only), and ``.ci/run`` runs the README's test
command. A package the machine happens to have (scipy, once) hides from a CI
that reuses the machine's site-packages; ``.ci/run`` installs into a fresh
venv, and this test names the undeclared import before anything runs."""

import ast
import importlib.metadata
import os
import re
import sys

from helpers import REPO

DISTRIBUTION = "gan-zoo"
#: Which extras each tree may import from, besides ``install_requires``. The
#: benchmark scripts run in the smoke tests, so they get the test extra only...
TREES = {"zoo": (), "tests": ("test",), "benchmarks": ("test",)}
#: ... except these, declared in ``[bench]``, whose rows the scripts skip without them.
BENCH_ONLY = {"torch": "benchmarks/suite.py skips the PyTorch rows when torch is missing"}


def _normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def declared_requirements():
    """``{extra or None: {normalized distribution names}}`` from the installed metadata."""
    by_extra = {}
    for line in importlib.metadata.requires(DISTRIBUTION) or []:
        name = re.split(r"[<>=!~\[;\s]", line, maxsplit=1)[0]
        extra = re.search(r"""extra\s*==\s*['"]([^'"]+)['"]""", line)
        by_extra.setdefault(extra.group(1) if extra else None, set()).add(_normalize(name))
    return by_extra


def local_modules(folder):
    """Modules a tree imports from itself (test helpers, benchmark scripts)."""
    names = set()
    for root, dirs, files in os.walk(folder):
        names.update(d for d in dirs if os.path.exists(os.path.join(root, d, "__init__.py")))
        names.update(f[:-3] for f in files if f.endswith(".py"))
    return names


def third_party_imports(folder):
    """``{top-level module: [files importing it]}`` outside the stdlib and the project."""
    # tests/ imports benchmark scripts (their smoke tests) as local modules.
    own = local_modules(folder) | local_modules(os.path.join(REPO, "benchmarks")) | {"zoo"}
    found = {}
    for root, _, files in os.walk(folder):
        for f in files:
            if not f.endswith(".py"):
                continue
            path = os.path.join(root, f)
            tree = ast.parse(open(path).read(), path)
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    modules = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules = [node.module]
                else:
                    continue
                for module in modules:
                    top = module.split(".")[0]
                    if top not in sys.stdlib_module_names and top not in own:
                        found.setdefault(top, []).append(os.path.relpath(path, REPO))
    return found


def test_every_import_is_declared():
    requirements = declared_requirements()
    distributions = importlib.metadata.packages_distributions()
    missing = []
    for tree, extras in TREES.items():
        allowed = set(requirements.get(None, ()))
        for extra in extras:
            allowed |= requirements.get(extra, set())
        if tree == "benchmarks":
            allowed |= set(BENCH_ONLY) & requirements.get("bench", set())
        for module, files in sorted(third_party_imports(os.path.join(REPO, tree)).items()):
            # Not installed (e.g. torch without [bench]): the module name is the distribution's.
            provided_by = {_normalize(d) for d in distributions.get(module, [module])}
            if not provided_by & allowed:
                missing.append(f"{module} (from {sorted(provided_by)}; imported by {files[0]})")
    assert not missing, f"imports not declared in setup.py for their tree ({TREES}): {missing}"


def test_the_scan_sees_a_real_undeclared_import(tmp_path):
    """The scanner itself can fail: a file importing an undeclared package is reported."""
    (tmp_path / "x.py").write_text("import json\nimport zoo\nfrom not_a_declared_pkg.sub import y\n")
    assert set(third_party_imports(str(tmp_path))) == {"not_a_declared_pkg"}


def test_ci_runs_the_readme_test_command():
    readme = open(os.path.join(REPO, "README.md")).read()
    section = readme.split("## Tests", 1)[1]
    command = re.search(r"```bash\n(.+?)\n", section).group(1).strip()
    ci = [line.strip() for line in open(os.path.join(REPO, ".ci", "run"))]
    assert command in ci, f"README test command {command!r} is not a line of .ci/run"
    assert any(line.startswith("python -m venv") for line in ci), ".ci/run must install into a fresh venv"
