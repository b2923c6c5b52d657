"""``ballots/`` uses only the standard library, so that anyone can recount with a bare
Python and a checkout (README, "Counting and verifying")."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import ballots

PACKAGE = Path(ballots.__file__).resolve().parent
# The one documented exception (see its docstring): the panel's LEXIMIN probabilities
# are a linear program solved with HiGHS. Checking a published draw never imports it.
SOLVER_MODULES = {"panels/leximin.py": {"highspy", "numpy"}}


def imported_modules(path: Path) -> set[str]:
    """The top-level names of every module ``path`` imports (absolute imports only;
    relative ones stay inside the package)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_every_module_imports_only_the_standard_library_and_ballots() -> None:
    allowed = set(sys.stdlib_module_names) | {"ballots", "__future__"}
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(imported_modules(path) - allowed)
        for path in sorted(PACKAGE.rglob("*.py"))
    }
    for name, extra in SOLVER_MODULES.items():
        offenders[name] = sorted(set(offenders.get(name, [])) - extra)
    assert {name: bad for name, bad in offenders.items() if bad} == {}
    assert len(offenders) > 20  # the walk really found the package's modules


def test_no_other_module_imports_the_solver_module() -> None:
    solver = {"ballots." + name.removesuffix(".py").replace("/", ".") for name in SOLVER_MODULES}

    def names(node: ast.AST) -> set[str]:
        if isinstance(node, ast.Import):
            return {alias.name for alias in node.names}
        if isinstance(node, ast.ImportFrom) and node.module:
            return {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
        return set()

    importers = {
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if names(node) & solver
    }
    assert importers == set()
