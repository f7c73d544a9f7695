"""Scope changes only through the named helpers of app/tenants/scoping.py.

An AST scan of app/: no module but the scoping core calls ``set_scope`` or ``scoped_as`` (or
imports them), so every switch to another tenant is named, logged and restored.
"""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
CORE = {APP / "tenants" / "scoping.py"}
RAW = {"set_scope", "scoped_as"}


def raw_scope_changes(source: str) -> list[tuple[int, str]]:
    """Return (line, name) of every import or use of the raw scope switches in a module."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            found += [(node.lineno, alias.name) for alias in node.names if alias.name in RAW]
        elif isinstance(node, ast.Name) and node.id in RAW:
            found.append((node.lineno, node.id))
        elif isinstance(node, ast.Attribute) and node.attr in RAW:
            found.append((node.lineno, node.attr))
    return found


def test_the_scan_finds_a_raw_switch():
    source = (
        "from app.tenants.scoping import scoped_as\n"
        "import app.tenants.scoping as scoping\n"
        "scoping.set_scope(None, None)\n"
    )
    assert [name for _, name in raw_scope_changes(source)] == ["scoped_as", "set_scope"]


def test_no_module_outside_the_scoping_core_switches_scope_itself():
    offenders = [
        f"{path.relative_to(APP.parent)}:{line} {name}"
        for path in sorted(APP.rglob("*.py")) if path not in CORE
        for line, name in raw_scope_changes(path.read_text())
    ]
    assert not offenders, (
        "use a named helper of app/tenants/scoping.py (or add one there):\n" + "\n".join(offenders)
    )
