"""Emails written by a change are delivered after it commits; failures reach a person."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

from sqlalchemy import select

from app.extensions import db
from app.jobs.models import MessageState, OutboxMessage
from app.jobs.outbox import enqueue_email
from app.tenants.scoping import Scope, scoped_as
from tests.support.clients import csrf_token, sign_in


def _post(client, path, data):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, path)})


def test_an_invitation_is_emailed_in_process_on_the_embedded_default(app, world):
    admin = sign_in(app.test_client(), world.users["host_a_admin"])
    page = _post(admin, f"/authorities/{world.host_a}/users/invite",
                 {"name": "Nina New", "email": "nina@host-a.example", "roles": ["viewer"]})
    assert "We have emailed nina@host-a.example" in page.get_data(as_text=True)
    (saved,) = Path(app.config["MAIL_FOLDER"]).glob("*.eml")
    message = email.message_from_bytes(saved.read_bytes(), policy=email.policy.default)
    assert message["To"] == "nina@host-a.example"
    body = message.get_body(("plain",)).get_content()
    assert f"{app.config['PUBLIC_URL']}/invitations/{world.host_a}." in body
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        (row,) = db.session.scalars(select(OutboxMessage)).all()
        assert row.state is MessageState.SENT and row.provider_reference == saved.name


def _failed_message(app, tenant_id, state=MessageState.FAILED) -> int:
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=tenant_id)):
        message = enqueue_email(db.session, tenant_id=tenant_id, template="invitation",
                                recipient="lost@example.org", key=f"k-{tenant_id}-{state}",
                                context={})
        message.state, message.last_error, message.attempts = state, "SMTPServerDisconnected: gone", 6
        db.session.commit()
        return message.id


def test_a_tenant_admin_sees_failed_messages_and_sends_one_again(app, world):
    message_id = _failed_message(app, world.host_a)
    admin = sign_in(app.test_client(), world.users["host_a_admin"])
    page = admin.get(f"/authorities/{world.host_a}/messages").get_data(as_text=True)
    assert "lost@example.org" in page and "SMTPServerDisconnected" in page
    _post(admin, f"/authorities/{world.host_a}/messages/{message_id}/retry", {})
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        message = db.session.get(OutboxMessage, message_id)
        # Retried, delivered in process (the embedded default), and the decision is on record.
        assert message.state is MessageState.SENT


def test_a_message_of_unknown_fate_can_be_recorded_as_arrived(app, world):
    message_id = _failed_message(app, world.host_a, MessageState.UNKNOWN)
    admin = sign_in(app.test_client(), world.users["host_a_admin"])
    _post(admin, f"/authorities/{world.host_a}/messages/{message_id}/confirm-sent", {})
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        assert db.session.get(OutboxMessage, message_id).state is MessageState.SENT
    assert not list(Path(app.config["MAIL_FOLDER"]).glob("*.eml"))


def test_another_authority_neither_sees_nor_retries_the_message(app, world):
    message_id = _failed_message(app, world.host_a)
    admin_b = sign_in(app.test_client(), world.users["host_b_admin"])
    page = admin_b.get(f"/authorities/{world.host_b}/messages").get_data(as_text=True)
    assert "lost@example.org" not in page
    response = _post(admin_b, f"/authorities/{world.host_b}/messages/{message_id}/retry", {})
    assert response.status_code == 404


def test_the_platform_admin_sees_every_authoritys_outbox(app, world):
    _failed_message(app, world.host_a)
    _failed_message(app, world.host_b, MessageState.UNKNOWN)
    admin = sign_in(app.test_client(), world.users["platform_admin"])
    page = admin.get("/admin/messages").get_data(as_text=True)
    assert page.count("lost@example.org") == 2
    assert "Host A County Council" in page and "Host B County Council" in page
