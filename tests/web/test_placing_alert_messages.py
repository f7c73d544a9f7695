"""Alert messages: each authority's own contact (set by its tenant admin, read by any host),
the decision to alert with its level of information sharing, and the alerts again on an
embargo, an emergency plan and the case closing."""

from __future__ import annotations

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.extensions import db
from app.jobs.models import MessageState, OutboxMessage
from app.placing.alert_history import AlertKind, PlacingAlert, SharingLevel
from app.placing.contacts import AlertContact
from app.tenants.models import Authority, Role
from app.tenants.scoping import Scope, scoped_as
from tests import factories
from tests.support.clients import csrf_token, sign_in
from tests.web.test_emergency import PLAN
from tests.web.test_emergency import _post as emergency_post
from tests.web.test_placing_alerts import ALERT_FORM, alert
from tests.web.test_stage_process import _assess
from tests.web.test_stage_process import _post as stage_post


def _set_contact(app, world, authority_id: int, name: str, email: str) -> None:
    with app.app_context():
        admin = factories.member(db.session.get(Authority, authority_id), Role.TENANT_ADMIN).email
        db.session.commit()
    client = sign_in(app.test_client(), admin)
    path = f"/authorities/{authority_id}/alert-contact"
    response = client.post(path, data={"name": name, "email": email, "csrf_token": csrf_token(client, path)})
    assert response.status_code == 302


def _messages(app, world) -> list[OutboxMessage]:
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.template == "placing_alert")
                                  .order_by(OutboxMessage.id)).all()
        db.session.expunge_all()
        return list(rows)


def test_the_tenant_admin_sets_the_contact_and_the_alert_goes_there_with_the_concern(app, world):
    _set_contact(app, world, world.placing_unshared, "Safeguarding team", "safeguarding@placing-unshared.example")
    lead = sign_in(app.test_client(), world.users["placing_unshared_lead"])
    assert lead.get(f"/authorities/{world.placing_unshared}/alert-contact").status_code == 403
    host = sign_in(app.test_client(), world.users["host_a_lead"])
    assert alert(host, world).status_code == 302
    [message] = _messages(app, world)
    context = message.payload["context"]
    assert message.recipient == "safeguarding@placing-unshared.example"
    assert (context["name"], context["concern"], context["planned"]) == (
        "Safeguarding team", ALERT_FORM["concern"], ALERT_FORM["planned"])
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        sent = db.session.scalar(select(PlacingAlert))
        assert (sent.kind, sent.sharing_level, sent.sharing_reason) == (
            AlertKind.ALERTED, SharingLevel.SERVICE_WIDE, ALERT_FORM["sharing_reason"])
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.placing_unshared)):
        assert "alert_contact.set" in db.session.scalars(select(AuditEvent.action)).all()
        # The alerted authority reads the alert; the contact row is its own.
        assert db.session.scalar(select(PlacingAlert)).concern == ALERT_FORM["concern"]
    # Another host reads the contact (to alert), but may not change it.
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_b)):
        contact = db.session.scalar(select(AlertContact))
        assert contact.email == "safeguarding@placing-unshared.example"


def test_a_need_to_know_alert_keeps_the_concern_out_of_the_email(app, world):
    _set_contact(app, world, world.placing_unshared, "Pat Link", "pat@placing-unshared.example")
    host = sign_in(app.test_client(), world.users["host_a_lead"])
    alert(host, world, sharing_level="need_to_know", sharing_reason="Only two residents' care is at issue")
    [message] = _messages(app, world)
    context = message.payload["context"]
    assert context["concern"] == "" and context["sharing_level"] == "need_to_know"
    assert context["planned"] == ALERT_FORM["planned"]
    assert ALERT_FORM["concern"] not in str(message.payload)
    # The detail is behind sign-in, for the alerted authority only.
    page = sign_in(app.test_client(), world.users["placing_unshared_lead"]).get(
        f"/authorities/{world.placing_unshared}/cases/{world.case_a}").get_data(as_text=True)
    assert ALERT_FORM["concern"] in page and "on a need-to-know basis" in page
    other = sign_in(app.test_client(), world.users["placing_shared_lead"]).get(
        f"/authorities/{world.placing_shared}/cases/{world.case_a}").get_data(as_text=True)
    assert ALERT_FORM["concern"] in other  # shared with the case: every live share reads it


def test_an_authority_without_a_contact_is_recorded_as_not_told(app, world):
    host = sign_in(app.test_client(), world.users["host_a_lead"])
    alert(host, world)
    [message] = _messages(app, world)
    assert message.state is MessageState.SKIPPED and "has not set its alert contact" in message.last_error


def test_the_alert_needs_its_level_reason_concern_and_plan(app, world):
    host = sign_in(app.test_client(), world.users["host_a_lead"])
    response = alert(host, world, sharing_level="", sharing_reason="", concern="Kept text", planned="")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "govuk-error-summary" in page
    for message in ("Select the level of information sharing", "Enter why you chose this level",
                    "Enter what is planned"):
        assert message in page, message
    assert "Kept text" in page and 'href="#sharing_level"' in page
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        assert db.session.scalars(select(PlacingAlert)).all() == []


def test_an_embargo_an_emergency_plan_and_closing_alert_every_live_share_again(app, world):
    _set_contact(app, world, world.placing_shared, "Sam Shared", "sam@placing-shared.example")
    _set_contact(app, world, world.placing_unshared, "Pat Link", "pat@placing-unshared.example")
    host = sign_in(app.test_client(), world.users["host_a_lead"])
    alert(host, world, sharing_level="need_to_know", sharing_reason="Particular residents")
    assert emergency_post(host, world, "/restrictions", {
        "restriction-kind": "embargo", "restriction-started_on": ["20", "11", "2026"],
        "restriction-reason": "Falls not reported"}).status_code == 302
    assert emergency_post(host, world, "/emergency-plans", PLAN).status_code == 302
    base = f"/authorities/{world.host_a}/cases/{world.case_a}"
    _assess(host, base)
    dass = sign_in(app.test_client(), world.users["host_a_dass"])
    assert stage_post(dass, f"{base}/decision", {"outcome": "other_channels", "lead_officer_id": 0,
                                                 "chair_id": 0, "reason": "Contracts will handle it"}).status_code == 302
    kinds = {}
    for message in _messages(app, world):
        kinds.setdefault(message.payload["context"]["kind"], set()).add(message.recipient)
    both = {"sam@placing-shared.example", "pat@placing-unshared.example"}
    assert kinds == {"alerted": {"pat@placing-unshared.example"}, "restriction": both,
                     "emergency_plan": both, "closed": both}
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        again = db.session.scalars(select(PlacingAlert).where(PlacingAlert.kind != AlertKind.ALERTED)).all()
        # Alerted again at the level decided for the case: the embargo's reason stays behind sign-in.
        assert {row.sharing_level for row in again} == {SharingLevel.NEED_TO_KNOW}
    assert not any("Falls not reported" in str(m.payload) for m in _messages(app, world))
