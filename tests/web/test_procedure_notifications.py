"""The notifications people expect (issue 15 item 6), each a setting of the host, each written
to the outbox: the decider when a recommendation waits, the Lead Officer and chair when
appointed, risk review dates falling due; and meeting invitations that tell an attendee of
part two alone nothing of part one, when the meeting is scheduled and when it is moved."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from app.auth.models import User
from app.cases.models import Case, Decision
from app.extensions import db
from app.jobs.models import OutboxMessage
from app.jobs.rendering import render_email
from app.jobs.sweep import sweep_once
from app.tenants.models import Authority, Role
from app.tenants.scoping import Scope, scoped_as
from tests import factories
from tests.support.clients import csrf_token, sign_in
from tests.support.procedure_form import AMOUNTS


def _host(world):
    return scoped_as(db.session, Scope(tenant_id=world.host_a))


def _post(client, path, data, token_from=None):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, token_from or path)})


def _user_id(app, email) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


def _messages(app, world, template: str) -> list[OutboxMessage]:
    with app.app_context(), _host(world):
        rows = list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.template == template)
                                       .order_by(OutboxMessage.id)))
        db.session.expunge_all()
        return rows


def _rendered(app, message: OutboxMessage):
    with app.app_context(), app.test_request_context():
        return render_email(message.template, message.payload["context"])


def _settings(app, world, **changes):
    admin = sign_in(app.test_client(), world.users["host_a_admin"])
    path = f"/authorities/{world.host_a}/procedure-settings"
    assert _post(admin, path, {**AMOUNTS, **changes}).status_code == 302


def _recommend(app, world):
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    base = f"/authorities/{world.host_a}/cases/{world.case_a}"
    response = _post(lead, f"{base}/assessment", {"threshold_assessment": "Met",
                                                  "recommendation": "Proceed"})
    assert response.status_code == 302


def test_the_dass_is_told_when_a_recommendation_waits(app, world):
    _recommend(app, world)
    (message,) = _messages(app, world, "recommendation_waiting")
    assert message.recipient == world.users["host_a_dass"]
    email = _rendered(app, message)
    assert world.case_a_reference in email.subject
    assert "waits for your decision as DASS" in email.text
    assert f"/cases/{world.case_a}/decision" in email.text


def test_under_west_sussex_the_named_manager_is_told_not_the_dass(app, world):
    admin = sign_in(app.test_client(), world.users["host_a_admin"])
    path = f"/authorities/{world.host_a}/procedure-settings"
    _post(admin, f"{path}/preset", {"preset": "west_sussex"}, token_from=path)
    with app.app_context():
        manager = factories.member(db.session.get(Authority, world.host_a), Role.PRACTITIONER,
                                   email="manager@host-a.example")
        db.session.commit()
        manager_id = manager.id
    _settings(app, world, stage_one_decider="named_manager", named_decider_id=manager_id)
    with app.app_context(), _host(world):
        db.session.get(Case, world.case_a).procedure_version_id = None  # follows the settings
        db.session.commit()
    _recommend(app, world)
    (message,) = _messages(app, world, "recommendation_waiting")
    assert message.recipient == "manager@host-a.example"
    assert "as lead agency manager" in _rendered(app, message).text
    assert "provider concerns process" in _rendered(app, message).text


def test_no_message_for_a_waiting_recommendation_where_the_host_turned_it_off(app, world):
    _settings(app, world, notify_recommendation_waiting="off")
    _recommend(app, world)
    assert _messages(app, world, "recommendation_waiting") == []


def _decide(app, world, chair_email: str | None = None):
    with app.app_context(), _host(world):
        db.session.add(Decision(tenant_id=world.host_a, case_id=world.case_a,
                                threshold_assessment="Met", recommendation="Proceed"))
        chair_id = 0
        if chair_email:
            chair = factories.member(db.session.get(Authority, world.host_a), Role.CHAIR,
                                     email=chair_email)
            chair_id = chair.id
        db.session.commit()
    dass = sign_in(app.test_client(), world.users["host_a_dass"])
    response = _post(dass, f"/authorities/{world.host_a}/cases/{world.case_a}/decision", {
        "outcome": "proceed", "reason": "Threshold met",
        "lead_officer_id": _user_id(app, world.users["host_a_lead"]), "chair_id": chair_id})
    assert response.status_code == 302


def test_the_lead_officer_and_the_chair_are_told_of_their_appointment(app, world):
    _decide(app, world, chair_email="chair@host-a.example")
    messages = {m.recipient: m for m in _messages(app, world, "appointed")}
    assert set(messages) == {world.users["host_a_lead"], "chair@host-a.example"}
    lead = _rendered(app, messages[world.users["host_a_lead"]])
    assert "Appointed Lead Officer: " in lead.subject
    assert "Appointed Chair: " in _rendered(app, messages["chair@host-a.example"]).subject


def test_no_appointment_message_where_the_host_turned_it_off(app, world):
    _settings(app, world, notify_appointed="off")
    _decide(app, world)
    assert _messages(app, world, "appointed") == []


def _risk_due(app, world, review_on: date):
    with app.app_context(), _host(world):
        case = db.session.get(Case, world.case_a)
        case.lead_officer = db.session.scalar(select(User).where(User.email == world.users["host_a_lead"]))
        factories.risk(case, title="Night staffing below safe levels", review_on=review_on)
        db.session.commit()


def _risk_reminders(app, world) -> list[OutboxMessage]:
    return [m for template in ("deadline_due_soon", "deadline_due_today", "deadline_overdue")
            for m in _messages(app, world, template)
            if m.idempotency_key.split(":")[2].startswith("risk-")]


def test_the_lead_officer_is_reminded_when_a_risk_review_date_passes(app, world):
    _risk_due(app, world, date.today() - timedelta(days=2))
    with app.app_context():
        sweep_once(datetime.now(UTC))
    (message,) = _risk_reminders(app, world)
    assert message.template == "deadline_overdue"
    assert message.recipient == world.users["host_a_lead"]
    assert "Risk review: Night staffing below safe levels" in _rendered(app, message).text


def test_no_risk_review_reminder_where_the_host_turned_it_off(app, world):
    _settings(app, world, notify_risk_review_due="off")
    _risk_due(app, world, date.today() - timedelta(days=2))
    with app.app_context():
        sweep_once(datetime.now(UTC))
    assert _risk_reminders(app, world) == []


PART_ONE_ITEM = "Police operation details: not for the provider"
PART_TWO_ITEM = "The provider's response to the concerns"


def test_a_part_two_attendee_never_hears_part_ones_time_or_agenda(app, world):
    """Scheduled, then moved: every invitation the provider's manager gets tells part two
    only, in the text, the HTML and the calendar entry."""
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    base = f"/authorities/{world.host_a}/cases/{world.case_a}/meetings"
    times = {"day": ["15", "6", "2027"], "time": "09:10", "part_one_end": "10:20",
             "part_two_start": "11:40", "part_two_end": "12:50", "venue": "County Hall"}
    page = _post(lead, f"{base}/new", {"kind": "initial", **times}).headers["Location"]
    _post(lead, f"{page}/edit", {**times, "agenda_part_one": PART_ONE_ITEM,
                                 "agenda_part_two": PART_TWO_ITEM})
    for name, address, parts in (("Mo Manager", "mo@provider-a.example", ["two"]),
                                 ("Pat Police", "pat@police.example", ["one"])):
        _post(lead, f"{page}/attendees/external", {
            "external-name": name, "external-organisation": "Agency", "external-email": address,
            "external-parts": parts}, token_from=page)
    assert _post(lead, f"{page}/invitations", {}, token_from=page).status_code == 302
    moved = {**times, "time": "09:25", "part_one_end": "10:35", "part_two_start": "13:05",
             "part_two_end": "14:15", "agenda_part_one": PART_ONE_ITEM, "agenda_part_two": PART_TWO_ITEM}
    _post(lead, f"{page}/edit", moved)
    assert _post(lead, f"{page}/invitations", {}, token_from=page).status_code == 302

    invitations = _messages(app, world, "meeting_invitation")
    to_provider = [m for m in invitations if m.recipient == "mo@provider-a.example"]
    to_police = [m for m in invitations if m.recipient == "pat@police.example"]
    assert len(to_provider) == 2 and len(to_police) == 2  # scheduled, then moved
    part_one_times = ("9:10am", "10:20am", "9:25am", "10:35am", "09:10", "10:20", "09:25", "10:35")
    for message in to_provider:
        email = _rendered(app, message)
        told = " ".join([email.subject, email.text, email.html,
                         message.payload["calendar"]["description"], str(message.payload)])
        assert PART_TWO_ITEM in told
        assert PART_ONE_ITEM not in told
        assert not any(moment in told for moment in part_one_times), told
        starts = datetime.fromisoformat(message.payload["calendar"]["starts_at"])
        assert starts.astimezone(UTC).hour in (10, 12)  # 11:40 or 13:05 BST, part two's start
    assert any("1:05pm" in _rendered(app, m).text for m in to_provider)
    assert all(PART_ONE_ITEM in _rendered(app, m).text for m in to_police)
    assert not any(re.search(r"11:40|1:05pm", _rendered(app, m).text) for m in to_police)
