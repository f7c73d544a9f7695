"""What each channel reports when the server does not answer, and what the outbox keeps
afterwards: Notify timeouts are of unknown fate and never resent blindly, a file that could not
be written is retried, one-time links do not outlive their message."""

from __future__ import annotations

import time

from sqlalchemy import select

from app import create_app
from app.auth.models import User
from app.extensions import db
from app.jobs import decisions, services
from app.jobs.models import MessageState, OutboxMessage
from app.jobs.outbox import REMOVED, enqueue_email, relay_once
from app.tenants.scoping import Scope, scoped_as
from tests.conftest import pg_config
from tests.integration.test_channels import NotifyStandIn, _notify_app
from tests.support.mail import SmtpServer, free_port

LINK = "http://portal.test/invitations/1.raw-secret-token"
CONTEXT = {"name": "Nina", "invited_by": "Ada", "authority_name": "Host A", "link": LINK, "expires_hours": 72}


class SlowNotify(NotifyStandIn):
    """Takes the request, then answers after the client has given up."""

    def __init__(self, delay: float):
        super().__init__()
        self.delay = delay

    def app(self, environ, start_response):
        response = super().app(environ, start_response)
        time.sleep(self.delay)
        return response


def _invite(app, tenant_id, recipient="nina@example.org") -> OutboxMessage:
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=tenant_id)):
        enqueue_email(db.session, tenant_id=tenant_id, template="invitation", recipient=recipient,
                      key=f"invitation:{recipient}", context=CONTEXT)
        db.session.commit()
    return _deliver(app, tenant_id)


def _deliver(app, tenant_id) -> OutboxMessage:
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=tenant_id)):
        relay_once()  # no Redis configured: delivered here, in process
        message = db.session.scalars(select(OutboxMessage)).one()
        db.session.expunge(message)
        return message


def test_a_notify_timeout_after_the_request_left_is_unknown_and_not_resent(pg_database, world):
    with SlowNotify(delay=3) as notify:
        app = _notify_app(pg_database, notify.url)
        app.config.update(MAIL_TIMEOUT_SECONDS=1, OUTBOX_RETRY_BASE_SECONDS=0)
        message = _invite(app, world.host_a)
        assert message.state is MessageState.UNKNOWN and "did not answer" in message.last_error
        again = _deliver(app, world.host_a)
        time.sleep(3)
    assert again.state is MessageState.UNKNOWN
    assert len(notify.requests) == 1  # Notify took it once; nobody sent it again


def test_notify_that_cannot_be_reached_is_retried(pg_database, world):
    app = _notify_app(pg_database, f"http://127.0.0.1:{free_port()}")
    message = _invite(app, world.host_a)
    assert message.state is MessageState.PENDING and message.attempts == 1
    assert "could not be reached" in message.last_error


def test_a_file_that_cannot_be_written_is_retried_not_unknown(app, world, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the mail folder should be")
    app.config.update(MAIL_CHANNEL="file", MAIL_FOLDER=str(blocked / "mail"))
    message = _invite(app, world.host_a)
    assert message.state is MessageState.PENDING and message.attempts == 1
    assert "could not write" in message.last_error


def test_the_file_channel_leaves_one_whole_file_and_no_draft(app, world, tmp_path):
    folder = tmp_path / "mail"
    app.config.update(MAIL_CHANNEL="file", MAIL_FOLDER=str(folder))
    message = _invite(app, world.host_a)
    assert message.state is MessageState.SENT
    assert [p.name for p in folder.iterdir()] == [message.provider_reference]


def test_a_sent_invitation_keeps_no_raw_token(app, world):
    message = _invite(app, world.host_a)
    assert message.state is MessageState.SENT
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        stored = db.session.execute(select(OutboxMessage.payload)).scalar_one()
    assert "raw-secret-token" not in str(stored)
    assert stored["context"]["link"] == REMOVED and stored["context"]["name"] == "Nina"


def test_an_invitation_failed_for_good_keeps_no_raw_token_and_is_not_sent_again(pg_database, world):
    with SmtpServer() as smtp:
        smtp.handler.reject_rcpt = True
        app = create_app({**pg_config(pg_database), "MAIL_CHANNEL": "smtp", "SMTP_HOST": "127.0.0.1",
                          "SMTP_PORT": smtp.port})
        message = _invite(app, world.host_a)
    assert message.state is MessageState.FAILED
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        stored = db.session.get(OutboxMessage, message.id)
        assert "raw-secret-token" not in str(stored.payload)
        admin = db.session.scalars(select(User).where(User.email == world.users["host_a_admin"])).one()
        assert not services.can_retry(stored)
        assert decisions.retry(stored, by=admin, authority_id=world.host_a) is False
        assert stored.state is MessageState.FAILED


def test_a_message_waiting_to_be_retried_keeps_its_link(pg_database, world):
    with SmtpServer() as smtp:
        smtp.handler.plan("nina@example.org", "after_data", "451 4.3.0 Try later")
        app = create_app({**pg_config(pg_database), "MAIL_CHANNEL": "smtp", "SMTP_HOST": "127.0.0.1",
                          "SMTP_PORT": smtp.port})
        message = _invite(app, world.host_a)
    assert message.state is MessageState.PENDING
    assert message.payload["context"]["link"] == LINK
