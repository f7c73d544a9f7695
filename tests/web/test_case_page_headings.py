"""A page of a case for one task is headed by the task, with the case reference and title as
its caption, and its title names the task and the case reference (and which item changes)."""

from __future__ import annotations

import re
from html import unescape

import pytest

from app.actions.models import Action
from app.extensions import db
from app.tenants.scoping import Scope, scoped_as
from tests.support.clients import csrf_token, sign_in


def _heading(body: str) -> tuple[str, str, str]:
    title = unescape(re.search(r"<title[^>]*>(.*?)</title>", body, re.S).group(1)).strip()
    caption = re.search(r"<span class=\"govuk-caption-l\">(.*?)</span>", body, re.S)
    h1s = re.findall(r"<h1[^>]*>(.*?)</h1>", body, re.S)
    assert len(h1s) == 1, h1s
    return title, unescape(caption.group(1)).strip() if caption else "", unescape(h1s[0]).strip()


@pytest.mark.parametrize("who, path, task", [
    ("host_a_lead", "/assessment", "Threshold assessment and recommendation"),
    ("host_a_dass", "/decision", "Record the DASS decision"),
    ("host_a_lead", "/emergency", "Placements and emergency planning"),
    ("host_a_lead", "/history", "History of the case"),
    ("host_a_lead", "/closure", "Closing the case"),
    ("host_a_lead", "/intelligence", "Add intelligence"),
    ("host_a_lead", "/risks-and-actions", "Risks and actions"),
    ("host_a_lead", "/meetings", "Meetings"),
    ("host_a_lead", "/assessment-and-decision", "Threshold assessment and decision"),
    ("host_a_lead", "/documents", "Meeting papers"),
    ("host_a_lead", "/plan", "Improvement Plan"),
    ("host_a_lead", "/placing-authorities", "Placing authorities"),
    ("host_a_lead", "/actions/new", "Add an action"),
    ("host_a_lead", "/risks/new", "Add a risk"),
])
def test_a_case_sub_page_is_headed_by_its_task(app, world, who, path, task):
    client = sign_in(app.test_client(), world.users[who])
    response = client.get(f"/authorities/{world.host_a}/cases/{world.case_a}{path}")
    assert response.status_code == 200
    title, caption, h1 = _heading(response.get_data(as_text=True))
    assert h1 == task
    assert caption == f"{world.case_a_reference} · Case at host A"
    assert title.startswith(f"{task} – {world.case_a_reference} – "), title


def test_the_case_page_itself_is_headed_by_the_case_title(app, world):
    client = sign_in(app.test_client(), world.users["host_a_lead"])
    body = client.get(f"/authorities/{world.host_a}/cases/{world.case_a}").get_data(as_text=True)
    title, _, h1 = _heading(body)
    assert h1 == "Case at host A"
    assert title.startswith(world.case_a_reference)


def test_the_title_of_a_change_names_the_item_changed(app, world):
    client = sign_in(app.test_client(), world.users["host_a_lead"])
    base = f"/authorities/{world.host_a}/cases/{world.case_a}"
    page = client.get(f"{base}/actions/new").get_data(as_text=True)
    owner = re.search(r'<option value="([^"]+)"[^>]*>(?!Select)', page).group(1)
    client.post(f"{base}/actions/new", data={
        "csrf_token": csrf_token(client, f"{base}/actions/new"), "action-description":
        "Audit the night medication round", "action-owner": owner,
        "action-due_on": ["1", "12", "2030"]})
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        action = db.session.query(Action).filter_by(case_id=world.case_a).one()
        action_id = action.id
    for path, task in ((f"/actions/{action_id}/edit", "Change an action"),
                       (f"/actions/{action_id}/status", "Update an action's status")):
        title, _, h1 = _heading(client.get(base + path).get_data(as_text=True))
        assert h1 == task
        assert title.startswith(f"{task}: Audit the night medication round – {world.case_a_reference}")
