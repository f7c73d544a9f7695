"""The mail channels against real local servers: SMTP (aiosmtpd) and a stand-in Notify API."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from icalendar import Calendar
from sqlalchemy import select
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from app import create_app
from app.extensions import db
from app.jobs.models import MessageState, OutboxMessage
from app.jobs.outbox import enqueue_email, relay_once
from app.tenants.scoping import Scope, scoped_as
from tests.conftest import pg_config
from tests.support.mail import SmtpServer

STARTS = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
SERVICE_ID = "26785a09-ab16-4eb0-8407-a37497a57506"
SECRET = "3d844edf-8d35-48ac-975b-e847b4f122b0"


def _meeting(app, tenant_id):
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=tenant_id)):
        enqueue_email(
            db.session, tenant_id=tenant_id, template="meeting_invitation",
            recipient="police.liaison@example.org", key="meeting:1:police", case_id=42,
            context={"title": "Initial provider concerns meeting", "when": "1 December 2026, 10am",
                     "where": "County Hall, Room 4"},
            calendar={"uid": "meeting-1@provider-concerns", "title": "Initial provider concerns meeting",
                      "starts_at": STARTS.isoformat(), "ends_at": (STARTS + timedelta(hours=2)).isoformat(),
                      "location": "County Hall, Room 4", "organiser": "lead@host-a.example"},
        )
        db.session.commit()
        relay_once()  # no Redis configured: delivered here, in process
        return db.session.scalars(select(OutboxMessage)).one()


def test_smtp_delivers_a_meeting_invitation_with_an_ics_that_parses_back(pg_database, world):
    with SmtpServer() as smtp:
        app = create_app({**pg_config(pg_database), "MAIL_CHANNEL": "smtp",
                          "SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp.port})
        message = _meeting(app, world.host_a)
        assert message.state is MessageState.SENT and message.provider_reference
        received = smtp.messages[0]
    assert str(received["Subject"]).startswith("OFFICIAL-SENSITIVE: Invitation: Initial provider concerns meeting")
    parts = {part.get_content_type(): part for part in received.walk()}
    assert "County Hall, Room 4" in parts["text/plain"].get_payload(decode=True).decode()
    assert "<strong>Where:</strong>" in parts["text/html"].get_payload(decode=True).decode()
    event = Calendar.from_ical(parts["text/calendar"].get_payload(decode=True)).walk("VEVENT")[0]
    assert str(event["summary"]) == "Initial provider concerns meeting"
    assert event.decoded("dtstart") == STARTS
    assert str(event["attendee"]) == "mailto:police.liaison@example.org"


class NotifyStandIn:
    """A local HTTP server answering like GOV.UK Notify's send-email endpoint."""

    def __init__(self, status: int = 201):
        self.requests: list[dict] = []
        self.status = status
        self.server = make_server("127.0.0.1", 0, self.app)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @Request.application
    def app(self, request: Request) -> Response:
        self.requests.append({
            "path": request.path, "method": request.method,
            "authorization": request.headers.get("Authorization", ""),
            "json": request.get_json(silent=True),
        })
        body = ({"id": "740e5834-3a29-46b4-9a6f-16142fde533a", "reference": "x"}
                if self.status == 201 else
                {"status_code": self.status, "errors": [{"error": "BadRequestError", "message": "Can't send to this recipient"}]})
        return Response(json.dumps(body), status=self.status, mimetype="application/json")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()


def _notify_app(pg_database, url):
    return create_app({**pg_config(pg_database), "MAIL_CHANNEL": "notify", "NOTIFY_BASE_URL": url,
                       "NOTIFY_API_KEY": f"test_key-{SERVICE_ID}-{SECRET}",
                       "NOTIFY_TEMPLATE_ID": "f33517ff-2a88-4f6e-b855-c550268ce08a"})


def test_notify_adapter_sends_the_request_notify_expects(pg_database, world):
    with NotifyStandIn() as notify:
        message = _meeting(_notify_app(pg_database, notify.url), world.host_a)
    assert message.state is MessageState.SENT
    assert message.provider_reference == "740e5834-3a29-46b4-9a6f-16142fde533a"
    (sent,) = notify.requests
    assert sent["method"] == "POST" and sent["path"] == "/v2/notifications/email"
    token = sent["authorization"].removeprefix("Bearer ")
    assert jwt.decode(token, SECRET, algorithms=["HS256"])["iss"] == SERVICE_ID
    body = sent["json"]
    assert body["email_address"] == "police.liaison@example.org"
    assert body["template_id"] == "f33517ff-2a88-4f6e-b855-c550268ce08a"
    assert body["reference"] == "meeting:1:police"
    assert body["personalisation"]["subject"].startswith("OFFICIAL-SENSITIVE: Invitation:")
    assert "County Hall" in body["personalisation"]["body"]
    assert body["personalisation"]["link_to_file"]["filename"] == "invite.ics"


def test_notify_refusing_the_recipient_fails_the_message_for_good(pg_database, world):
    with NotifyStandIn(status=400) as notify:
        message = _meeting(_notify_app(pg_database, notify.url), world.host_a)
    assert message.state is MessageState.FAILED
    assert "400" in message.last_error


@pytest.mark.parametrize("status", [500, 429])
def test_a_notify_outage_is_retried_later(pg_database, world, status):
    with NotifyStandIn(status=status) as notify:
        message = _meeting(_notify_app(pg_database, notify.url), world.host_a)
    assert message.state is MessageState.PENDING and message.attempts == 1
    assert message.available_at > message.created_at
