"""Layers without cycles, checked over the import graph of app/ (read with ``ast``).

- The core (database, tenancy and scoping, audit, the auth records, the outbox) imports no
  domain area: it is what every area stands on.
- Nothing imports a composition root (``create_app``, the model registry, the CLI, the worker).
- Domain areas (the top-level packages of app/) form no import cycle, except through the
  edges listed in ``ALLOWED_CYCLE_EDGES``, each with its reason; an exception that no longer
  exists must be taken off the list.
- No module imports a routes module except the blueprint registration in ``create_app`` and
  the route modules that share one blueprint.

Imports inside functions count: a lazy import hides a cycle from Python, not from the design.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"

CORE = {
    "app.db", "app.extensions", "app.unit_of_work", "app.ids", "app.london_time", "app.formatting",
    "app.secret_box", "app.files", "app.links", "app.documents",
    "app.tenants.scoping", "app.tenants.rls", "app.tenants.models",
    "app.audit", "app.audit.models", "app.audit.services",
    "app.auth.models", "app.auth.passwords",
    "app.jobs.models", "app.jobs.outbox", "app.jobs.channels", "app.jobs.mime",
    "app.jobs.rendering", "app.jobs.documents",
}

# What builds the app or starts a process: create_app, the model registry, the CLI, and the
# RQ worker with its settings module and cron entry points.
COMPOSITION_ROOTS = {
    "app", "app.models", "app.cli", "app.jobs.worker", "app.jobs.rq_settings", "app.jobs.cron",
}

# Area -> area edges that close a cycle today, and why each is allowed for now.
ALLOWED_CYCLE_EDGES = {
    ("cases", "actions"): "cases.services gathers a case's actions for the case page; goes "
                          "when the case section registry (issue 11 item 4) loads each area",
    ("cases", "meetings"): "the stage rules (cases.stages) and the case page read meetings; "
                           "same remedy as cases -> actions",
    ("cases", "risks"): "the case page reads risks; same remedy as cases -> actions",
    ("cases", "emergency"): "the case page reads emergency plans; same remedy",
    ("cases", "quality"): "the closing guard (cases.services.facts_of) counts follow-up "
                          "feedback and independent scrutiny; same remedy as cases -> actions",
    ("cases", "placing"): "Case and its visibility rule read CaseShare (the share decides who "
                          "reads a case); the share rows belong below cases, not beside it",
    ("residents", "placing"): "a resident's page shows the reviews its placing authorities "
                              "recorded (placing.reviews); goes with the case section registry",
    ("actions", "meetings"): "actions.services lists the meeting an action was agreed at, "
                             "while meetings record actions",
    ("auth", "cases"): "auth.access asks cases.roles which roles may read residents; the role "
                       "sets belong in the tenancy core",
    ("auth", "tenants"): "sign-in (auth.sso, auth.routes) reads memberships and invitations "
                         "from tenants.services, while tenants use auth's sessions and forms",
    ("tenants", "cases"): "the request scope (tenants.context) and the authority home page "
                          "read cases.roles and case counts",
    ("tenants", "jobs"): "inviting someone queues an email (tenants.services -> jobs.outbox is "
                         "core; tenants.routes -> jobs.in_process runs the embedded worker)",
}

# Route modules importing another routes module (besides blueprint registration).
ALLOWED_ROUTE_IMPORTS: dict[tuple[str, str], str] = {}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(APP.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Return, for every module of app/, the app modules it imports (anywhere in the file)."""
    paths = {_module_name(path): path for path in APP.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        found = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
                submodules = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in paths]
                targets = submodules if len(submodules) == len(node.names) else [base, *submodules]
            else:
                continue
            for target in targets:
                while target not in paths and "." in target:
                    target = target.rsplit(".", 1)[0]
                if target in paths and target != name:
                    found.add(target)
        graph[name] = found
    return graph


def area(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def area_edges(graph) -> dict[tuple[str, str], list[str]]:
    """Area -> area edges of the domain (core and composition roots left out), with the
    module imports behind each."""
    edges = defaultdict(list)
    for module, targets in graph.items():
        if module in CORE or module in COMPOSITION_ROOTS:
            continue
        for target in targets:
            if target in CORE or area(module) == area(target):
                continue
            edges[(area(module), area(target))].append(f"{module} -> {target}")
    return edges


def cycles(edges) -> list[list[str]]:
    """Return the strongly connected groups of more than one area (Tarjan)."""
    successors = defaultdict(set)
    for source, target in edges:
        successors[source].add(target)
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(successors[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(successors):
        if node not in index:
            visit(node)
    return groups


def test_the_graph_sees_lazy_relative_and_package_imports():
    graph = import_graph()
    assert "app.closing.letters" in graph["app.closing.attachments"]
    assert "app.jobs.documents" in graph["app"]  # imported inside create_app's helper
    assert cycles({("a", "b"): [], ("b", "c"): [], ("c", "a"): [], ("c", "d"): []}) == [["a", "b", "c"]]


def test_every_core_module_exists():
    assert CORE <= set(import_graph())


def test_the_core_imports_no_domain_area():
    graph = import_graph()
    upward = [f"{m} -> {t}" for m in sorted(CORE) for t in sorted(graph[m]) if t not in CORE]
    assert not upward, "the core must not import domain areas:\n" + "\n".join(upward)


def test_nothing_imports_a_composition_root():
    graph = import_graph()
    found = [f"{m} -> {t}" for m, targets in sorted(graph.items()) if m not in COMPOSITION_ROOTS
             for t in sorted(targets) if t in COMPOSITION_ROOTS]
    assert not found, "\n".join(found)


def test_domain_areas_form_no_cycle_beyond_the_listed_exceptions():
    edges = area_edges(import_graph())
    remaining = {edge: why for edge, why in edges.items() if edge not in ALLOWED_CYCLE_EDGES}
    found = cycles(remaining)
    detail = [f"{a} -> {b}: {edges[(a, b)]}" for group in found for a in group for b in group
              if (a, b) in remaining]
    assert not found, f"import cycles between areas {found}:\n" + "\n".join(detail)


def test_every_listed_exception_still_closes_a_cycle():
    edges = area_edges(import_graph())
    in_cycles = {edge for group in cycles(edges) for edge in edges
                 if edge[0] in group and edge[1] in group}
    stale = sorted(set(ALLOWED_CYCLE_EDGES) - in_cycles)
    assert not stale, f"take these off ALLOWED_CYCLE_EDGES, they no longer close a cycle: {stale}"


def _is_routes(module: str) -> bool:
    last = module.rsplit(".", 1)[-1]
    return last == "routes" or last.endswith("_routes")


def test_routes_are_imported_only_to_register_blueprints():
    graph = import_graph()
    found = []
    for module, targets in sorted(graph.items()):
        for target in sorted(targets):
            if not _is_routes(target) or module == "app":
                continue
            shares_blueprint = _is_routes(module) and module.rsplit(".", 1)[0] == target.rsplit(".", 1)[0]
            if shares_blueprint or (module, target) in ALLOWED_ROUTE_IMPORTS:
                continue
            found.append(f"{module} -> {target}")
    assert not found, "a module imports a routes module:\n" + "\n".join(found)
