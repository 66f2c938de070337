"""Every third-party package the app imports is a runtime dependency, not only a test extra
(a fresh `pip install -e .` must be enough to run every command)."""

import ast
import re
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, packages_distributions, requires
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
OWN = {"booking", "db", "cli", "tui", "cospace", "tests"}


def _name(req: str) -> str:
    return re.split(r"[\s<>=!~;\[]", req, maxsplit=1)[0].lower().replace("_", "-")


def _runtime_closure() -> set[str]:
    """Runtime dependencies and what they pull in themselves."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    todo = [_name(r) for r in project["dependencies"]]
    seen: set[str] = set()
    while todo:
        dist = todo.pop()
        if dist in seen:
            continue
        seen.add(dist)
        try:
            reqs = requires(dist) or []
        except PackageNotFoundError:
            continue
        for text in reqs:
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(_name(req.name))
    return seen


def test_every_imported_package_is_a_runtime_dependency():
    imported: set[str] = set()
    for package in ("booking", "db", "cli", "tui", "cospace"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import):
                    imported |= {a.name.split(".")[0] for a in node.names}
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    imported.add(node.module.split(".")[0])
    third_party = {m for m in imported
                   if m not in OWN and m not in sys.stdlib_module_names and m != "__future__"}
    dists = packages_distributions()
    closure = _runtime_closure()
    missing = {m for m in third_party
               if not any(_name(d) in closure for d in dists.get(m, [m]))}
    assert missing == set(), f"imported but not a runtime dependency: {sorted(missing)}"
