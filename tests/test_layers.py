"""The rules between the apps that import-linter cannot state (README: "Apps and the rules
between them"): no app takes another app's private names, and an import of another app
made inside a function (the usual way to hide a cycle) is rare and says why."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = sorted(
    path.parent.name
    for path in ROOT.glob("*/apps.py")
    if not path.parent.name.startswith((".", "tests", "bench"))
)
# Imports of another app inside a function, allowed in the whole code base: each must say
# why on its line or the line above (a comment), and the number stays small.
INNER_IMPORTS_MAX = 5


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    module: str
    name: str = ""
    explained: bool = False


def _app_of(module: str) -> str | None:
    top = module.split(".")[0]
    return top if top in APPS else None


def _commented(lines: list[str], lineno: int) -> bool:
    """A comment on the import's line or on the line just above it."""
    here = lines[lineno - 1]
    above = lines[lineno - 2].strip() if lineno >= 2 else ""
    return "#" in here or above.startswith("#")


def scan(source: str, *, app: str, path: str) -> tuple[list[Finding], list[Finding]]:
    """(private names taken from another app, imports of another app inside a function)."""
    tree = ast.parse(source)
    lines = source.splitlines()
    private: list[Finding] = []
    inner: list[Finding] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                modules = (
                    [alias.name for alias in child.names]
                    if isinstance(child, ast.Import)
                    else [child.module or ""]
                    if child.level == 0
                    else []
                )
                for module in modules:
                    other = _app_of(module)
                    if other is None or other == app:
                        continue
                    if in_function:
                        inner.append(
                            Finding(
                                path,
                                child.lineno,
                                module,
                                explained=_commented(lines, child.lineno),
                            )
                        )
                    if isinstance(child, ast.ImportFrom):
                        for alias in child.names:
                            if alias.name.startswith("_"):
                                private.append(Finding(path, child.lineno, module, alias.name))
                    if any(part.startswith("_") for part in module.split(".")[1:]):
                        private.append(Finding(path, child.lineno, module))
            nested = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            visit(child, nested)

    visit(tree, False)
    return private, inner


def _scan_apps() -> tuple[list[Finding], list[Finding]]:
    private: list[Finding] = []
    inner: list[Finding] = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            found = scan(path.read_text(), app=app, path=str(path.relative_to(ROOT)))
            private += found[0]
            inner += found[1]
    return private, inner


def test_scan_finds_private_names_and_unexplained_inner_imports():
    # The checker itself: a private name taken from another app and an import hidden in a
    # function are both found; the comment is what makes an inner import explained.
    source = (
        "from events.calendar import _vtimezone\n"
        "def f():\n"
        "    from reminders.services import reminders_plan\n"
        "def g():\n"
        "    # Loaded late: the app registry is not ready at import time.\n"
        "    from reminders.models import Reminder\n"
    )
    private, inner = scan(source, app="labvisits", path="x.py")
    assert [(f.module, f.name) for f in private] == [("events.calendar", "_vtimezone")]
    assert [(f.module, f.explained) for f in inner] == [
        ("reminders.services", False),
        ("reminders.models", True),
    ]
    # The same imports inside their own app are no finding.
    assert scan(source.replace("events", "labvisits"), app="labvisits", path="x.py")[0] == []


def test_apps_are_found():
    assert {"portal", "events", "reminders", "consultations", "labvisits"} <= set(APPS)


def test_no_app_takes_a_private_name_of_another():
    private, _inner = _scan_apps()
    assert private == []


def test_imports_of_another_app_inside_functions_are_few_and_explained():
    _private, inner = _scan_apps()
    unexplained = [finding for finding in inner if not finding.explained]
    assert unexplained == []
    assert len(inner) <= INNER_IMPORTS_MAX, inner
