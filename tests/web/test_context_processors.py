"""Templates get what their view passed: no context processor reads the database.

The sections of a case are loaded by the case workspace's registry (app/case_workspace.py),
which the case views call; a context processor that handed templates a function running a
query would let a template load rows nobody asked for, past the statement counts.
"""

from __future__ import annotations

import ast
from pathlib import Path

from flask import render_template_string

from tests.support.clients import sign_in
from tests.support.statements import counting_statements

APP = Path(__file__).resolve().parents[2] / "app"

# Each of these only reads what the request already holds (g, the session, the config).
KNOWN_PROCESSORS = {
    "flask.templating._default_template_ctx_processor",  # g, request, session
    "flask_login.utils._user_context_processor",  # current_user, loaded before the view
    "flask_wtf.csrf.CSRFProtect.init_app.<locals>.<lambda>",  # csrf_token
    "flask_htmx.htmx.HTMX.init_app.<locals>.htmx_context_processor",  # htmx
    "app.templating._page_context",  # the acting authority and the menu, from g
}


def _name(function) -> str:
    return f"{function.__module__}.{function.__qualname__}"


def test_the_only_context_processors_are_the_known_ones(app):
    everywhere = {_name(f) for f in app.template_context_processors[None]}
    assert everywhere == KNOWN_PROCESSORS
    for blueprint, processors in app.template_context_processors.items():
        if blueprint is not None:
            assert {_name(f) for f in processors} <= {
                "flask.templating._default_template_ctx_processor"}, blueprint


def test_no_module_of_the_app_registers_a_context_processor_of_its_own():
    found = []
    for path in APP.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in (
                    "context_processor", "app_context_processor"):
                found.append(f"{path.relative_to(APP.parent)}:{node.lineno}")
    # The page context in app/templating.py is the one (see KNOWN_PROCESSORS).
    assert [place.split(":")[0] for place in found] == ["app/templating.py"], found


def test_the_context_processors_send_no_statement(app, world):
    """Everything they give a template, used as a page uses it, on a signed-in case page."""
    client = sign_in(app.test_client(), world.users["host_a_lead"])
    with client:
        assert client.get(f"/authorities/{world.host_a}/cases/{world.case_a}").status_code == 200
        with counting_statements(app) as counted:
            body = render_template_string(
                "{{ current_user.name }} {{ acting_authority.name }} {{ acting_membership.roles }}"
                " {{ acting_reads_residents }} {{ navigation() }} {{ csrf_token() }} {{ htmx }}"
                " {{ service_name }} {{ govuk_frontend_path }} {{ htmx_path }}")
        assert "Host A County Council" in body and "Cases" in body
    assert counted.sent == []
