"""The floors of docs/architecture.md, kept true: a package imports only its own floor
and the floors below it, and no two packages import each other.

Read with ``ast`` (module-level imports and those inside functions; imports under
``if TYPE_CHECKING:`` are left out: they run only for the type checker). Route
modules — ``controllers.py``, ``*controllers.py`` and ``*pages.py`` — stand on the
routes floor whatever package they sit in: a domain hands over its own routes, and
routes may use anything below them. Today's counts are a ceiling that may only go
down (issue 29 drives them to at most 10 and no mutual pair).
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

from govhall.settings import REPO_ROOT

ROOT = REPO_ROOT / "platform" / "govhall"
#: Floor → packages (or top-level modules); the same table as docs/architecture.md.
FLOORS: dict[int, tuple[str, ...]] = {
    0: (
        "__init__",
        "settings",
        "db",
        "errors",
        "i18n",
        "statements",
        "sdk",
        "hookspecs",
        "exports",
        "observability",
        "piccolo_conf",
    ),
    1: (
        "tenancy",
        "identity",
        "calendar",
        "storage",
        "jobs",
        "audit",
        "plugins",
        "plugincheck",
        "schema",
    ),
    2: ("catalog", "workflow", "cases", "fees", "documents", "notify", "messaging"),
    3: ("engagement", "supervision", "reports"),
    4: ("services", "web", "portal", "workbench"),
    5: ("app", "serving", "cli", "builtin", "__main__"),
}
ROUTES_FLOOR = 4
#: Ceilings measured on main when this test was written (issue 28's end): lower
#: them as the tangle is undone, never raise them.
MOST_UPWARD = 18
MOST_MUTUAL = 17

FLOOR_OF = {name: floor for floor, names in FLOORS.items() for name in names}


def _package(path: Path) -> str:
    rel = path.relative_to(ROOT)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _is_route(path: Path) -> bool:
    return path.name.endswith("controllers.py") or path.name.endswith("pages.py")


def _type_only(tree: ast.AST) -> set[int]:
    """Line numbers of imports under ``if TYPE_CHECKING:``."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                for sub in ast.walk(inner):
                    if isinstance(sub, ast.Import | ast.ImportFrom):
                        lines.add(sub.lineno)
    return lines


def imports() -> list[tuple[Path, str, str]]:
    """(file, its package, the govhall package it imports), every import once."""
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        if "piccolo_migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _type_only(tree)
        for node in ast.walk(tree):
            if getattr(node, "lineno", None) in skip:
                continue
            names: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            for name in names:
                parts = name.split(".")
                if parts[0] != "govhall":
                    continue
                target = parts[1] if len(parts) > 1 else "__init__"
                if target != _package(path):
                    found.append((path, _package(path), target))
    return found


def upward() -> list[tuple[str, str]]:
    out = []
    for path, package, target in imports():
        own = ROUTES_FLOOR if _is_route(path) else FLOOR_OF[package]
        if FLOOR_OF[target] > own:
            out.append((str(path.relative_to(ROOT)), target))
    return out


def mutual() -> list[tuple[str, str]]:
    edges = Counter((package, target) for path, package, target in imports() if not _is_route(path))
    return sorted((a, b) for (a, b) in edges if (b, a) in edges and a < b)


def test_every_package_has_a_floor() -> None:
    packages = {_package(p) for p in ROOT.rglob("*.py") if "piccolo_migrations" not in p.parts}
    assert packages <= set(FLOOR_OF), sorted(packages - set(FLOOR_OF))


def test_imports_go_down_the_floors() -> None:
    found = upward()
    assert len(found) <= MOST_UPWARD, "\n".join(f"{f} imports {t}" for f, t in found)


def test_no_more_packages_import_each_other() -> None:
    pairs = mutual()
    assert len(pairs) <= MOST_MUTUAL, pairs


def test_the_floors_are_documented() -> None:
    text = (REPO_ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for names in FLOORS.values():
        for name in names:
            assert f"`{name}`" in text, name
