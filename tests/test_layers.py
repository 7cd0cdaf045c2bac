"""One layer per pipeline step, imports only downward (README, Layout):
models → dynamics / thermo → circuits → backends → analysis → experiments → cli."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "qbexp"
#: rank of each sub-package; a module may import its own rank or lower ones
RANK = {"errors": 0, "files": 0, "models": 1, "dynamics": 2, "thermo": 2, "circuits": 3, "backends": 4,
        "analysis": 5, "experiments": 6, "cli": 7, "profiles": 0}


def _imports(path: Path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("qbexp."):
            yield node.module
        elif isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name.startswith("qbexp."))


def test_no_module_imports_from_a_layer_above_it():
    upward = []
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).parts
        layer = parts[0].removesuffix(".py") if len(parts) > 1 else None
        if layer is None or layer not in RANK:  # qbexp/__init__.py re-exports the public names
            continue
        for module in _imports(path):
            target = module.split(".")[1]
            if RANK.get(target, 0) > RANK[layer]:
                upward.append(f"{path.relative_to(PACKAGE)} imports {module}")
    assert not upward, "\n".join(upward)


def test_every_subpackage_is_in_the_wheel():
    """pyproject lists the packages (so that backends/ can ride along as qbexp.profiles)."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib

    listed = set(tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {"qbexp"} | {f"qbexp.{p.parent.name}" for p in PACKAGE.glob("*/__init__.py")}
    assert found | {"qbexp.profiles"} == listed
