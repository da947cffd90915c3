"""The layout's rules (docs/ARCHITECTURE.md): which package may import which, and a repository
that names no path outside itself."""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

import pytest

from tests import paths

ROOT = paths.ROOT

# Each freight subpackage and the packages it may import (besides itself and solvers).
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "data": {"errors"},
    "model": {"data", "errors"},
    "results": {"model", "data", "errors"},
    "scenario": {"results", "model", "data", "errors"},
    "analysis": {"scenario", "results", "model", "data", "errors"},
    "maps": {"analysis", "scenario", "results", "model", "data", "errors"},
    "export": {"maps", "analysis", "scenario", "results", "model", "data", "errors"},
    "report": {"maps", "analysis", "scenario", "results", "model", "data", "errors"},
    "api": {"maps", "analysis", "scenario", "results", "model", "data", "errors"},
}


def _imports(path: Path) -> set[str]:
    """Every module name imported anywhere in a file (top level, in functions, under TYPE_CHECKING)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
    return out


def _unit(module: str) -> str | None:
    """The freight subpackage (or top-level module) a dotted name belongs to."""
    parts = module.split(".")
    if parts[0] != "freight" or len(parts) < 2:
        return None
    return parts[1]


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def test_solvers_import_nothing_of_freight() -> None:
    """solvers/ is pure algorithms: no import of freight, cli or tools."""
    bad = [
        (p.relative_to(ROOT).as_posix(), m)
        for p in _modules("solvers")
        for m in _imports(p)
        if m.split(".")[0] in ("freight", "cli", "tools")
    ]
    assert bad == []


def test_freight_subpackages_follow_the_arrows() -> None:
    """Each freight subpackage imports only the packages below it (no cycle is possible)."""
    bad = []
    for p in _modules("freight"):
        rel = p.relative_to(ROOT / "freight")
        own = rel.parts[0].removesuffix(".py") if len(rel.parts) > 1 else rel.stem
        if own == "__init__":
            continue
        assert own in ALLOWED, f"{rel} is in no known subpackage: add it to ALLOWED and the doc"
        for m in _imports(p):
            if m.split(".")[0] in ("cli", "tools"):
                bad.append((rel.as_posix(), m))
                continue
            unit = _unit(m)
            if unit is None or unit == own or unit == "__version__":
                continue
            if unit not in ALLOWED[own]:
                bad.append((rel.as_posix(), m))
    assert bad == []


def test_the_allowed_arrows_have_no_cycle() -> None:
    """The allowed-import table itself is acyclic (a topological order exists)."""
    order: list[str] = []
    pending = dict(ALLOWED)
    while pending:
        ready = [u for u, deps in pending.items() if deps <= set(order)]
        assert ready, f"cycle among {sorted(pending)}"
        order.extend(sorted(ready))
        for u in ready:
            del pending[u]
    assert order[0] == "errors"


def _tracked() -> list[Path]:
    try:
        out = subprocess.run(
            ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: the tracked files cannot be listed")
    return [ROOT / f for f in out.splitlines() if (ROOT / f).is_file()]


# An absolute path of a machine (a home folder, the checkout's own parent folders) or the folder
# beside the repository that the project once read its validation data from.
FOREIGN = re.compile(r"(/home/\w|/root/|/work/|/Users/\w|[A-Z]:\\\\Users|\.\./shared\b)")


def test_no_tracked_file_names_a_path_outside_the_repository() -> None:
    """No tracked text file names an absolute path of a machine or a folder beside the repo."""
    here = Path(__file__).resolve()
    hits = []
    for f in _tracked():
        if f.resolve() == here or f.suffix in (".png", ".pdf", ".gpkg", ".xlsx", ".gz"):
            continue
        try:
            text = f.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for i, line in enumerate(text.splitlines(), 1):
            if FOREIGN.search(line):
                hits.append(f"{f.relative_to(ROOT)}:{i}: {line.strip()[:100]}")
    assert hits == []
