"""One place commits (app/unit_of_work.py; docs/operations.md), checked over the source of
app/ with ``ast``:

- ``.commit()`` is called in app/unit_of_work.py only;
- route modules call operations: they neither commit (not even through the named
  ``unit_of_work.commit``) nor decorate their own views as operations;
- every call of ``unit_of_work.commit`` names its reason, in words.
"""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
UNIT_OF_WORK = APP / "unit_of_work.py"


def _modules():
    for path in sorted(APP.rglob("*.py")):
        yield path, ast.parse(path.read_text())


def _calls(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield node


def _name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _is_route_module(path: Path) -> bool:
    return path.name == "routes.py" or path.name.endswith("_routes.py")


def test_only_the_unit_of_work_commits():
    found = [
        f"{path.relative_to(APP.parent)}:{call.lineno} .{call.func.attr}()"
        for path, tree in _modules() if path != UNIT_OF_WORK
        for call in _calls(tree)
        if isinstance(call.func, ast.Attribute) and call.func.attr == "commit"
    ]
    assert found == [], "call an operation (app/unit_of_work.py) instead: " + ", ".join(found)


def _imports_commit(tree) -> bool:
    return any(isinstance(node, ast.ImportFrom) and node.module == "app.unit_of_work"
               and any(alias.name in {"commit", "operation"} for alias in node.names)
               for node in ast.walk(tree))


def test_route_modules_leave_the_writing_to_operations():
    offenders = [str(path.relative_to(APP.parent)) for path, tree in _modules()
                 if _is_route_module(path) and _imports_commit(tree)]
    assert offenders == []


def test_every_named_commit_gives_its_reason():
    unnamed = []
    for path, tree in _modules():
        if path == UNIT_OF_WORK or not any(
                isinstance(n, ast.ImportFrom) and n.module == "app.unit_of_work"
                and any(a.name == "commit" for a in n.names) for n in ast.walk(tree)):
            continue
        for call in _calls(tree):
            if isinstance(call.func, ast.Name) and call.func.id == "commit":
                reason = call.args[0] if call.args else None
                if not (isinstance(reason, ast.Constant) and isinstance(reason.value, str)
                        and len(reason.value.split()) >= 2):
                    unnamed.append(f"{path.relative_to(APP.parent)}:{call.lineno}")
    assert unnamed == []


def test_the_rule_is_written_down_where_people_look():
    docs = (APP.parent / "docs" / "operations.md").read_text()
    assert "app/unit_of_work.py" in docs
    assert "ALLOWED_GET_WRITES" in docs
