"""The risk register and the actions of a case: in place through HTMX and as plain forms,
with history, audit, overdue actions, and what each kind of reader may see."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.actions.models import Action, ActionStatus
from app.actions.services import overdue_actions_count
from app.audit.models import AuditEvent
from app.auth.models import User
from app.cases.models import Case
from app.extensions import db
from app.risks.models import KeyQuestion, Rag, Risk
from app.tenants.models import Authority
from app.tenants.scoping import Scope, scoped_as
from tests import factories
from tests.support.clients import csrf_token, sign_in

HX = {"HX-Request": "true"}
RISK = {
    "risk-title": "Unwitnessed falls at night",
    "risk-description": "Three unwitnessed falls in October DESC-7",
    "risk-key_question": "safe",
    "risk-likelihood": "4",
    "risk-impact": "5",
    "risk-mitigation": "Hourly night checks MITIG-7",
    "risk-owner_name": "Night manager OWNER-7",
    "risk-review_on": ["1", "12", "2026"],
}


def _case_url(world, authority=None) -> str:
    return f"/authorities/{authority or world.host_a}/cases/{world.case_a}"


def _section_url(world, authority=None) -> str:
    """The case's risks and actions section, where both show."""
    return f"{_case_url(world, authority)}/risks-and-actions"


def _client(app, world, who):
    return sign_in(app.test_client(), world.users[who])


def _post(client, world, path, data, htmx=False, authority=None):
    token = csrf_token(client, _case_url(world, authority))
    return client.post(f"{_case_url(world, authority)}{path}", data={**data, "csrf_token": token},
                       headers=HX if htmx else {})


def _as(tenant_id):
    return scoped_as(db.session, Scope(tenant_id=tenant_id))


def _section(page: str, name: str) -> str:
    match = re.search(rf'<section[^>]*id="{name}".*?</section>', page, re.S)
    assert match, f"no {name} section"
    return match.group(0)


def _events(app, world, action: str) -> list[AuditEvent]:
    with app.app_context(), _as(world.host_a):
        return list(db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def _user_id(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


def _make(app, world, build, tenant=None):
    """Run ``build(case_a)`` as host A and return the ids of what it made."""
    with app.app_context(), _as(tenant or world.host_a):
        made = build(db.session.get(Case, world.case_a))
        ids = [row.id for row in made] if isinstance(made, list) else made.id
        db.session.commit()
    return ids


def _authority(world, name):
    return db.session.get(Authority, getattr(world, name))


# The risk register.


def test_adding_a_risk_scores_it_once_and_writes_the_audit(app, world):
    lead = _client(app, world, "host_a_lead")
    response = _post(lead, world, "/risks/new", RISK)
    assert response.status_code == 302
    assert response.location.endswith(f"/cases/{world.case_a}/risks-and-actions#risks")
    with app.app_context(), _as(world.host_a):
        risk = db.session.scalar(select(Risk))
        assert (risk.score, risk.rag, risk.key_question) == (20, Rag.RED, KeyQuestion.SAFE)
        assert risk.review_on == date(2026, 12, 1) and risk.owner_name == "Night manager OWNER-7"
        assert [(s.likelihood, s.impact) for s in risk.scores] == [(4, 5)]
        assert risk.scores[0].scored_by_id == _user_id(app, world.users["host_a_lead"])
    [event] = _events(app, world, "risk.added")
    assert event.case_id == world.case_a and event.object_id == risk.id
    assert event.new_values["title"] == "Unwitnessed falls at night"
    assert (event.new_values["score"], event.new_values["rag"]) == (20, "red")
    assert event.actor_user_id == _user_id(app, world.users["host_a_lead"])
    risks = _section(lead.get(_section_url(world)).get_data(as_text=True), "risks")
    assert "Unwitnessed falls at night" in risks and "DESC-7" in risks and "MITIG-7" in risks
    assert "govuk-tag--red" in risks and "Score history" in risks


def test_rescoring_in_place_keeps_each_score_in_the_history(app, world):
    risk_id = _make(app, world, lambda case: factories.risk(case, likelihood=3, impact=3))
    lead = _client(app, world, "host_a_lead")
    opened = lead.get(f"{_case_url(world)}/risks/{risk_id}/rescore", headers=HX)
    fragment = opened.get_data(as_text=True)
    assert opened.status_code == 200 and "HX-Request" in opened.headers["Vary"]
    assert "<html" not in fragment and 'id="risks"' in fragment and "Rescore a risk" in fragment
    assert re.search(r'value="3"\s+checked', fragment)

    response = _post(lead, world, f"/risks/{risk_id}/rescore", {
        "risk-likelihood": "5", "risk-impact": "4", "risk-note": "Two more falls NOTE-2"}, htmx=True)
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in fragment
    assert "Risk rescored" in fragment and "NOTE-2" in fragment and "govuk-tag--red" in fragment
    with app.app_context(), _as(world.host_a):
        risk = db.session.get(Risk, risk_id)
        assert (risk.likelihood, risk.impact, risk.rag) == (5, 4, Rag.RED)
        assert [(s.likelihood * s.impact, s.rag) for s in risk.scores] == [(9, Rag.AMBER), (20, Rag.RED)]
    [event] = _events(app, world, "risk.rescored")
    assert (event.old_values["score"], event.old_values["rag"]) == (9, "amber")
    assert (event.new_values["score"], event.new_values["rag"]) == (20, "red")
    assert event.new_values["note"] == "Two more falls NOTE-2"
    history = _section(lead.get(_section_url(world)).get_data(as_text=True), "risks")
    assert "Scored when the risk was added" in history and "NOTE-2" in history


def test_changing_a_risk_changes_its_words_not_its_score(app, world):
    risk_id = _make(app, world, lambda case: factories.risk(case, likelihood=2, impact=2,
                                                           title="Old title"))
    lead = _client(app, world, "host_a_lead")
    assert 'value="Old title"' in lead.get(f"{_case_url(world)}/risks/{risk_id}/edit").get_data(as_text=True)
    response = _post(lead, world, f"/risks/{risk_id}/edit", {
        "risk-title": "Medicines not given on time", "risk-key_question": "well_led",
        "risk-likelihood": "5", "risk-impact": "5"})
    assert response.status_code == 302
    with app.app_context(), _as(world.host_a):
        risk = db.session.get(Risk, risk_id)
        assert (risk.title, risk.key_question, risk.score, len(risk.scores)) == (
            "Medicines not given on time", KeyQuestion.WELL_LED, 4, 1)
    [event] = _events(app, world, "risk.changed")
    assert event.old_values["title"] == "Old title"
    assert event.new_values["key_question"] == "well_led"


def test_closing_a_risk_needs_a_reason_and_ends_its_changes(app, world):
    risk_id = _make(app, world, lambda case: factories.risk(case, title="Staffing gaps"))
    lead = _client(app, world, "host_a_lead")
    refused = _post(lead, world, f"/risks/{risk_id}/close", {}, htmx=True).get_data(as_text=True)
    assert "Enter why the risk is closed" in refused and "govuk-error-summary" in refused
    closed = _post(lead, world, f"/risks/{risk_id}/close", {"risk-reason": "Agency staff booked"},
                   htmx=True).get_data(as_text=True)
    assert "Risk closed: Staffing gaps" in closed and "Closed risks" in closed
    assert "/rescore" not in closed
    [event] = _events(app, world, "risk.closed")
    assert event.reason == "Agency staff booked" and event.old_values == {"closed_at": None}
    _post(lead, world, f"/risks/{risk_id}/rescore", {"risk-likelihood": "5", "risk-impact": "5",
                                                      "risk-note": "x"})
    with app.app_context(), _as(world.host_a):
        risk = db.session.get(Risk, risk_id)
        assert risk.closed_at is not None and risk.score == 9 and len(risk.scores) == 1


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_bad_risk_input_shows_the_errors_and_keeps_what_was_typed(app, world, htmx):
    lead = _client(app, world, "host_a_lead")
    response = _post(lead, world, "/risks/new", {
        "risk-title": "Kept title KEEP-1", "risk-description": "Kept description KEEP-2",
        "risk-likelihood": "9", "risk-review_on": ["31", "2", "2026"]}, htmx=htmx)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "govuk-error-summary" in page and "There is a problem" in page
    for message in ("Select the CQC key question the risk falls under", "Select how likely the risk is",
                    "Select how great the impact would be", "Review date must be a real date"):
        assert message in page
    assert 'value="Kept title KEEP-1"' in page and "Kept description KEEP-2" in page
    assert 'value="31"' in page and 'value="2026"' in page
    if htmx:
        assert "<html" not in page and 'id="risks"' in page
    else:
        assert "<title>Error:" in page
    with app.app_context(), _as(world.host_a):
        assert db.session.scalar(select(Risk)) is None
    assert _events(app, world, "risk.added") == []


def test_forms_come_as_fragments_to_htmx_and_as_pages_otherwise(app, world):
    lead = _client(app, world, "host_a_lead")
    for path in ("/risks/new", "/risks", "/actions/new", "/actions"):
        fragment = lead.get(f"{_case_url(world)}{path}", headers=HX)
        page = lead.get(f"{_case_url(world)}{path}", follow_redirects=True)
        assert fragment.status_code == page.status_code == 200, path
        assert "HX-Request" in fragment.headers["Vary"]
        assert "<html" not in fragment.get_data(as_text=True)
        assert "<html" in page.get_data(as_text=True)
    # Without JavaScript the register and the actions are the section's own page.
    for path, part in (("/risks", "risks"), ("/actions", "actions")):
        response = lead.get(f"{_case_url(world)}{path}")
        assert response.status_code == 302 and "HX-Request" in response.headers["Vary"]
        assert response.location == f"{_section_url(world)}#{part}"


# Actions.


def test_adding_an_action_in_place_offers_only_owners_in_the_case(app, world):
    lead = _client(app, world, "host_a_lead")
    form = lead.get(f"{_case_url(world)}/actions/new", headers=HX).get_data(as_text=True)
    lead_id = _user_id(app, world.users["host_a_lead"])
    for offered in (f'value="user:{lead_id}"', f'value="authority:{world.host_a}"',
                    f'value="authority:{world.placing_shared}"', 'value="provider"', 'value="agency"',
                    "Provider A Ltd (the provider)"):
        assert offered in form
    assert f'value="authority:{world.placing_unshared}"' not in form
    assert f'value="user:{_user_id(app, world.users["host_b_lead"])}"' not in form
    assert f'value="user:{_user_id(app, world.users["placing_shared_lead"])}"' not in form

    due = date.today() + timedelta(days=7)
    response = _post(lead, world, "/actions/new", {
        "action-description": "Review the care plans of residents you placed",
        "action-owner": f"authority:{world.placing_shared}",
        "action-due_on": [str(due.day), str(due.month), str(due.year)]}, htmx=True)
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in fragment
    assert "Action added" in fragment and "Review the care plans" in fragment
    assert "Placing Shared Council" in fragment
    with app.app_context(), _as(world.host_a):
        action = db.session.scalar(select(Action))
        assert (action.owner_authority_id, action.due_on, action.status) == (
            world.placing_shared, due, ActionStatus.OPEN)
    [event] = _events(app, world, "action.added")
    assert event.new_values["owner_authority_id"] == world.placing_shared
    assert event.new_values["due_on"] == due.isoformat()


@pytest.mark.parametrize(("owner", "agency", "message"), [
    ("authority:{placing_unshared}", "", "Select who owns the action"),
    ("", "", "Select who owns the action"),
    ("agency", "", "Enter the name of the agency that owns the action"),
])
def test_an_owner_must_be_in_the_case_or_a_named_agency(app, world, owner, agency, message):
    lead = _client(app, world, "host_a_lead")
    response = _post(lead, world, "/actions/new", {
        "action-description": "Kept action KEEP-3", "action-owner_agency": agency,
        "action-owner": owner.format(placing_unshared=world.placing_unshared),
        "action-due_on": ["1", "1", "2027"]})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and message in page and "There is a problem" in page
    assert "Kept action KEEP-3" in page
    with app.app_context(), _as(world.host_a):
        assert db.session.scalar(select(Action)) is None


def test_an_action_can_be_changed_and_given_to_an_agency(app, world):
    action_id = _make(app, world, lambda case: factories.action(case, _authority(world, "host_a")))
    lead = _client(app, world, "host_a_lead")
    page = lead.get(f"{_case_url(world)}/actions/{action_id}/edit").get_data(as_text=True)
    assert re.search(rf'value="authority:{world.host_a}"\s+selected', page)
    response = _post(lead, world, f"/actions/{action_id}/edit", {
        "action-description": "Visit at night", "action-owner": "agency",
        "action-owner_agency": "Healthwatch", "action-due_on": ["2", "2", "2027"]}, htmx=True)
    assert "Healthwatch" in response.get_data(as_text=True)
    [event] = _events(app, world, "action.changed")
    assert event.old_values["owner_authority_id"] == world.host_a
    assert (event.new_values["owner_kind"], event.new_values["owner_agency"]) == ("agency", "Healthwatch")


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_done_needs_a_completion_note(app, world, htmx):
    action_id = _make(app, world, lambda case: factories.action(case))
    lead = _client(app, world, "host_a_lead")
    refused = _post(lead, world, f"/actions/{action_id}/status", {"action-status": "done"}, htmx=htmx)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "Enter a completion note to say what was done" in page
    assert re.search(r'value="done"\s+checked', page)
    with app.app_context(), _as(world.host_a):
        assert db.session.get(Action, action_id).status is ActionStatus.OPEN

    done = _post(lead, world, f"/actions/{action_id}/status",
                 {"action-status": "done", "action-completion_note": "Returns received daily"}, htmx=htmx)
    assert done.status_code == (200 if htmx else 302)
    with app.app_context(), _as(world.host_a):
        action = db.session.get(Action, action_id)
        assert action.status is ActionStatus.DONE and action.completed_at is not None
        assert action.completion_note == "Returns received daily"
    [event] = _events(app, world, "action.status_changed")
    assert event.old_values["status"] == "open" and event.new_values["status"] == "done"

    _post(lead, world, f"/actions/{action_id}/status", {"action-status": "in_progress"}, htmx=htmx)
    with app.app_context(), _as(world.host_a):
        assert db.session.get(Action, action_id).completed_at is None


def test_overdue_actions_stand_out_and_are_counted_per_case(app, world):
    yesterday = date.today() - timedelta(days=1)

    def build(case):
        return [factories.action(case, description="Late OVERDUE-1", due_on=yesterday),
                factories.action(case, description="Late but done", due_on=yesterday,
                                 status=ActionStatus.DONE, completion_note="Done"),
                factories.action(case, description="Late but cancelled", due_on=yesterday,
                                 status=ActionStatus.CANCELLED),
                factories.action(case, description="Not due yet")]

    _make(app, world, build)
    with app.app_context(), _as(world.host_b):
        factories.action(db.session.get(Case, world.case_b), due_on=yesterday,
                         status=ActionStatus.IN_PROGRESS)
        db.session.commit()
    lead = _client(app, world, "host_a_lead")
    actions = _section(lead.get(_section_url(world)).get_data(as_text=True), "actions")
    assert len(re.findall(r">\s*Overdue\s*</strong>", actions)) == 1 and "1 overdue" in actions
    overdue_row = re.search(r"<tr[^>]*>(?:(?!</tr>).)*OVERDUE-1.*?</tr>", actions, re.S).group(0)
    assert "govuk-tag--red" in overdue_row
    cases = [world.case_a, world.case_b]
    with app.app_context(), _as(world.host_a):
        assert overdue_actions_count(cases) == {world.case_a: 1, world.case_b: 0}
        assert overdue_actions_count(cases, on=yesterday) == {world.case_a: 0, world.case_b: 0}
        assert overdue_actions_count([]) == {}
    with app.app_context(), _as(world.host_b):
        assert overdue_actions_count(cases) == {world.case_a: 0, world.case_b: 1}


# Who reads and who changes.


def _risk_and_actions(app, world):
    def build(case):
        return [
            factories.risk(case, likelihood=5, impact=4, key_question=KeyQuestion.CARING,
                           title="TITLE-SECRET", description="DESC-SECRET", mitigation="MITIG-SECRET",
                           owner_name="OWNER-SECRET"),
            factories.risk(case, likelihood=1, impact=1, key_question=KeyQuestion.EFFECTIVE,
                           title="CLOSED-SECRET", closed_at=datetime(2026, 1, 1, tzinfo=UTC)),
            factories.action(case, _authority(world, "placing_shared"), description="PLACING-OWN-ACTION"),
            factories.action(case, _authority(world, "host_a"), description="HOST-ACTION"),
            factories.action(case, description="AGENCY-ACTION"),
            factories.action(case, _authority(world, "placing_unshared"), description="UNSHARED-ACTION"),
        ]

    return _make(app, world, build)


SECRETS = ("TITLE-SECRET", "DESC-SECRET", "MITIG-SECRET", "OWNER-SECRET", "CLOSED-SECRET",
           "HOST-ACTION", "AGENCY-ACTION", "UNSHARED-ACTION", "PLACING-OWN-ACTION")


def test_a_viewer_reads_everything_but_changes_nothing(app, world):
    risk_id, _, _, action_id, *_ = _risk_and_actions(app, world)
    viewer = _client(app, world, "host_a_viewer")
    page = viewer.get(_section_url(world)).get_data(as_text=True)
    assert "DESC-SECRET" in page and "HOST-ACTION" in page and "Score history" in page
    for control in ("Add a risk", "Add an action", "/rescore", "/status", "/edit"):
        assert control not in _section(page, "risks") + _section(page, "actions"), control
    for path in ("/risks/new", f"/risks/{risk_id}/rescore", f"/risks/{risk_id}/close",
                 f"/risks/{risk_id}/edit", "/actions/new", f"/actions/{action_id}/status"):
        response = _post(viewer, world, path, {**RISK, "risk-note": "x", "risk-reason": "x",
                                               "action-status": "cancelled"})
        assert response.status_code == 403, path
    with app.app_context(), _as(world.host_a):
        assert len(list(db.session.scalars(select(Risk)))) == 2
        assert db.session.get(Action, action_id).status is ActionStatus.OPEN
    assert _events(app, world, "risk.added") == []


def test_the_placing_authority_sees_the_risk_summary_and_only_its_own_actions(app, world):
    _risk_and_actions(app, world)
    placing = _client(app, world, "placing_shared_lead")
    page = placing.get(_section_url(world, world.placing_shared)).get_data(as_text=True)
    risks, actions = _section(page, "risks"), _section(page, "actions")
    assert "Caring" in risks and "govuk-tag--red" in risks and "Red" in risks
    assert "Effective" not in risks  # the closed risk
    assert "Score history" not in risks and "Add a risk" not in risks
    assert "PLACING-OWN-ACTION" in actions and "Add an action" not in actions
    for secret in SECRETS[:-1]:
        assert secret not in page, secret
    for path in ("/risks", "/actions"):
        body = placing.get(_case_url(world, world.placing_shared) + path, headers=HX).get_data(as_text=True)
        assert all(secret not in body for secret in SECRETS[:-1]), path
    refused = _post(placing, world, "/risks/new", RISK, authority=world.placing_shared)
    assert refused.status_code == 403


@pytest.mark.parametrize(("who", "authority", "expected"), [
    ("host_b_lead", "host_b", 404),
    ("placing_unshared_lead", "placing_unshared", 404),
    ("host_b_lead", "host_a", 403),
    ("placing_shared_lead", "host_a", 403),
    ("provider_a_manager", "host_a", 403),
    (None, "host_a", 302),
])
def test_outsiders_get_nothing(app, world, who, authority, expected):
    app.config["WTF_CSRF_ENABLED"] = False  # the access decision is under test, not CSRF
    risk_id, _, action_id, *_ = _risk_and_actions(app, world)
    client = app.test_client()
    if who:
        sign_in(client, world.users[who], provider=who.startswith("provider"))
    base = _case_url(world, getattr(world, authority))
    writes = ["/risks/new", f"/risks/{risk_id}/rescore", f"/risks/{risk_id}/close",
              "/actions/new", f"/actions/{action_id}/status"]
    for path in ["/risks", "/actions", *writes]:
        for headers in ({}, HX):
            response = client.get(base + path, headers=headers)
            body = response.get_data(as_text=True)
            assert response.status_code == expected, (who, path, response.status_code)
            assert all(secret not in body for secret in SECRETS), (who, path)
    for path in writes:
        response = client.post(base + path, data={**RISK, "risk-note": "x", "risk-reason": "x",
                                                  "action-status": "cancelled"})
        assert response.status_code == expected, (who, path, response.status_code)
    with app.app_context(), _as(world.host_a):
        assert len(list(db.session.scalars(select(Risk)))) == 2
        assert db.session.get(Action, action_id).status is ActionStatus.OPEN
    assert _events(app, world, "risk.added") == []


def test_an_action_agreed_at_a_meeting_is_listed_on_the_meeting(app, world):
    with app.app_context(), _as(world.host_a):
        meeting_id = factories.meeting(db.session.get(Case, world.case_a)).id
        db.session.commit()
    lead = _client(app, world, "host_a_lead")
    meeting_page = f"{_case_url(world)}/meetings/{meeting_id}"
    link = f"{_case_url(world)}/actions/new?meeting={meeting_id}"
    assert link in lead.get(meeting_page).get_data(as_text=True).replace("&amp;", "&")
    form = lead.get(link).get_data(as_text=True)
    assert f'value="{meeting_id}" selected' in form
    _post(lead, world, "/actions/new", {
        "action-description": "Audit the night rota", "action-owner": "agency",
        "action-owner_agency": "Healthwatch", "action-due_on": ["2", "2", "2027"],
        "action-meeting": str(meeting_id)})
    assert "Audit the night rota" in lead.get(meeting_page).get_data(as_text=True)
