"""The embedded default (no Redis) against a real local SMTP server: a page says "emailed" only
when the email left, a web request never hangs on the mail server, and a failed delivery is
retried by a later request of any kind."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from app.extensions import db
from app.jobs.models import MessageState, OutboxMessage
from app.tenants.scoping import Scope, scoped_as
from tests.support.clients import csrf_token, sign_in
from tests.support.mail import SmtpServer

NINA = "nina@host-a.example"


@pytest.fixture
def smtp_app(app):
    with SmtpServer() as smtp:
        app.config.update(REDIS_URL="", MAIL_CHANNEL="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port,
                          OUTBOX_RETRY_BASE_SECONDS=0, OUTBOX_INLINE_TIMEOUT_SECONDS=1)
        yield app, smtp


def _invite(app, world):
    admin = sign_in(app.test_client(), world.users["host_a_admin"])
    path = f"/authorities/{world.host_a}/users/invite"
    started = time.monotonic()
    page = admin.post(path, data={"name": "Nina New", "email": NINA, "roles": ["viewer"],
                                  "csrf_token": csrf_token(admin, path)})
    return page.get_data(as_text=True), time.monotonic() - started


def _state(app, world) -> MessageState:
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        return db.session.scalars(select(OutboxMessage.state)).one()


def test_a_refused_invitation_is_not_called_emailed_and_a_later_request_sends_it(smtp_app, world):
    app, smtp = smtp_app
    smtp.handler.plan(NINA, "after_data", "451 4.3.0 Try again later")
    page, _ = _invite(app, world)
    assert "We have emailed" not in page and f"We could not email {NINA} yet" in page
    assert "will be retried" in page
    assert _state(app, world) is MessageState.PENDING and smtp.accepted == []
    app.config.update(OUTBOX_INLINE_RETRY_SECONDS=0)
    assert app.test_client().get("/healthz").status_code == 200  # any request will do
    assert _state(app, world) is MessageState.SENT
    assert [str(m["To"]) for m in smtp.accepted] == [NINA]


def test_a_slow_mail_server_does_not_hold_the_page(smtp_app, world):
    app, smtp = smtp_app
    smtp.handler.plan(NINA, "rcpt", ("delay", 8))
    page, took = _invite(app, world)
    assert took < 5
    assert f"We could not email {NINA} yet" in page
    assert _state(app, world) is MessageState.PENDING


def test_a_delivered_invitation_says_emailed(smtp_app, world):
    app, smtp = smtp_app
    page, _ = _invite(app, world)
    assert f"We have emailed {NINA}" in page
    assert _state(app, world) is MessageState.SENT and len(smtp.accepted) == 1


def test_an_invitation_refused_for_good_is_shown_without_a_send_again_button(smtp_app, world):
    app, smtp = smtp_app
    smtp.handler.reject_rcpt = True
    page, _ = _invite(app, world)
    assert f"We could not confirm that the email to {NINA} was sent" in page
    assert "We have emailed" not in page and "retried" not in page
    assert _state(app, world) is MessageState.FAILED
    admin = sign_in(app.test_client(), world.users["host_a_admin"])
    listing = admin.get(f"/authorities/{world.host_a}/messages").get_data(as_text=True)
    assert NINA in listing and "one-time link was removed" in listing
    assert "Send again" not in listing
