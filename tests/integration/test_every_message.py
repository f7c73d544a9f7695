"""Every kind of message the service sends, produced by the real code that sends it, delivered
through the outbox and read back as a mail client would: the email package for the message,
icalendar for the calendar invitations.

One world sends them all: a staff invitation, a provider's password link, a recommendation
waiting for the DASS, an appointment, the three deadline reminders (the sweep), meeting invitations to people invited to different parts, a withdrawn
invitation, and the closure letters.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from icalendar import Calendar
from sqlalchemy import select

from app.cases.models import Case, Stage
from app.extensions import db
from app.jobs.models import MessageState, OutboxMessage
from app.jobs.outbox import relay_once
from app.jobs.sweep import sweep_once
from app.meetings.models import FinalDecision, Meeting, MeetingKind
from app.tenants.models import Authority
from app.tenants.scoping import Scope, scoped_as
from tests.integration.test_sweep import NOW, _build_deadlines
from tests.support.clients import csrf_token, sign_in

TEMPLATES = {path.stem for path in (Path(__file__).parents[2] / "app/templates/email").glob("*.txt")}
PUBLIC = "http://portal.test"
PART_ONE_ITEM = "Safeguarding enquiries under way"
PART_TWO_ITEM = "Provider's response"


@dataclass
class Sent:
    template: str
    recipient: str
    message: EmailMessage


def _post(client, path, data, token_from=None):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, token_from or path)})


def _close_case(app, world) -> None:
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        db.session.get(Case, world.case_a).stage = Stage.CLOSING
        db.session.add(Meeting(tenant_id=world.host_a, case_id=world.case_a, kind=MeetingKind.FINAL,
                               scheduled_for=datetime.now(UTC) - timedelta(hours=3),
                               held_at=datetime.now(UTC) - timedelta(hours=2),
                               final_decision=FinalDecision.CLOSE, sustainability_rationale="Lasting"))
        db.session.commit()
    closing = f"/authorities/{world.host_a}/cases/{world.case_a}/closure"
    response = _post(lead, f"{closing}/letters", {"cqc_email": "inspector@cqc.example",
                                                  "provider_emails": "manager@provider-a.example"},
                     token_from=closing)
    assert response.status_code == 302


def _meeting_invitations(app, world) -> None:
    """Invite the organiser, a part-one-only, a part-two-only and a both-parts attendee; then
    remove the part-two-only one after the invitations went."""
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    base = f"/authorities/{world.host_a}/cases/{world.case_a}/meetings"
    response = _post(lead, f"{base}/new", {
        "kind": "initial", "day": ["15", "6", "2026"], "time": "14:00", "part_one_end": "15:00",
        "part_two_start": "15:30", "part_two_end": "16:15", "venue": "County Hall"})
    page = response.headers["Location"]
    _post(lead, f"{page}/edit", {"day": ["15", "6", "2026"], "time": "14:00", "part_one_end": "15:00",
                                 "part_two_start": "15:30", "part_two_end": "16:15",
                                 "venue": "County Hall", "agenda_part_one": PART_ONE_ITEM,
                                 "agenda_part_two": PART_TWO_ITEM})
    staff = f"{world.host_a}:"
    lead_value = next(v for v in re.findall(r'<option value="([^"]+)"', lead.get(page).get_data(as_text=True))
                      if v.startswith(staff) and _is_lead(app, v))
    _post(lead, f"{page}/attendees/staff", {"staff-person": lead_value, "staff-parts": ["one", "two"]},
          token_from=page)
    for name, address, parts in (("Pat Police", "pat@police.example", ["one"]),
                                 ("Mo Manager", "mo@provider-a.example", ["two"]),
                                 ("Bea Both", "bea@icb.example", ["one", "two"])):
        _post(lead, f"{page}/attendees/external", {
            "external-name": name, "external-organisation": "Agency", "external-email": address,
            "external-parts": parts}, token_from=page)
    assert _post(lead, f"{page}/invitations", {}, token_from=page).status_code == 302
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        attendees = db.session.get(Meeting, int(page.rsplit("/", 1)[1])).attendees
        assert len(attendees) == 4  # the organiser is among them
        mo_id = next(a.id for a in attendees if a.name == "Mo Manager")
    _post(lead, f"{page}/attendees/{mo_id}/remove", {}, token_from=page)


def _recommend_and_decide(app, world) -> None:
    """The recommendation waits for the DASS; the DASS appoints the Lead Officer."""
    from app.auth.models import User

    base = f"/authorities/{world.host_a}/cases/{world.case_a}"
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    assert _post(lead, f"{base}/assessment", {"threshold_assessment": "Met",
                                              "recommendation": "Proceed"}).status_code == 302
    with app.app_context():
        lead_id = db.session.scalar(select(User.id).where(User.email == world.users["host_a_lead"]))
    dass = sign_in(app.test_client(), world.users["host_a_dass"])
    assert _post(dass, f"{base}/decision", {"outcome": "proceed", "reason": "Threshold met",
                                            "lead_officer_id": lead_id, "chair_id": 0}).status_code == 302


def _placing_alert(app, world) -> None:
    from tests.web.test_placing_alerts import _link_person_known_to_host_a, alert

    _link_person_known_to_host_a(app, world)
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    assert alert(lead, world).status_code == 302


def _quality_messages(app, world) -> None:
    """A family's feedback invitation, the disclosure alert its answer sends, and the "you
    said, we did" summary sent to the address it left (issue 14)."""
    from tests.support.mail import mailed_link
    from tests.web.test_quality_feedback import answers, invite, submit

    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    assert invite(lead, world).status_code == 302
    link = mailed_link(app.config["MAIL_FOLDER"], "daughter@family.example", "/feedback/")
    assert submit(app.test_client(), link, answers("yes")).status_code == 302
    page = f"/authorities/{world.host_a}/cases/{world.case_a}/quality"
    assert _post(lead, f"{page}/summaries", {"summary-summary": "Night staffing doubled"},
                 token_from=page).status_code == 302
def _provider_notice(app, world) -> None:
    from app.cases.models import Case
    from app.tenants.scoping import Scope, scoped_as

    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        db.session.get(Case, world.case_a).provider_informed_at = datetime.now(UTC)
        db.session.commit()
    provider = sign_in(app.test_client(), world.users["provider_a_manager"], provider=True)
    page = f"/provider/cases/{world.case_a}/notices"
    assert _post(provider, page, {"kind": "service_failure",
                                  "details": "Our agency staff contract ends"}).status_code == 302


def _is_lead(app, value: str) -> bool:
    from app.auth.models import User

    with app.app_context():
        user = db.session.get(User, int(value.split(":")[1]))
        return user.email == "lead@host-a.example"


def _sent(app) -> list[Sent]:
    folder = Path(app.config["MAIL_FOLDER"])
    sent = []
    with app.app_context():
        tenants = [None, *db.session.scalars(select(Authority.id))]
        for tenant_id in tenants:
            scope = Scope(tenant_id=tenant_id) if tenant_id else Scope(platform_admin=True)
            with scoped_as(db.session, scope):
                for row in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)):
                    if tenant_id is None and row.tenant_id is not None:
                        continue
                    assert row.state is MessageState.SENT, (row.template, row.last_error)
                    raw = (folder / row.provider_reference).read_bytes()
                    parsed = email.message_from_bytes(raw, policy=email.policy.default)
                    sent.append(Sent(row.template, row.recipient, parsed))
    return sent


@pytest.fixture
def every_message(app, world):
    admin = sign_in(app.test_client(), world.users["host_a_admin"])
    _post(admin, f"/authorities/{world.host_a}/users/invite",
          {"name": "Nina New", "email": "nina@host-a.example", "roles": ["viewer"]})
    platform = sign_in(app.test_client(), world.users["platform_admin"])
    _post(platform, f"/admin/providers/{world.provider_a}/users/new",
          {"name": "Paula Provider", "email": "paula@provider-a.example", "role": "provider_manager"})
    _recommend_and_decide(app, world)
    _meeting_invitations(app, world)
    _placing_alert(app, world)
    _quality_messages(app, world)
    _provider_notice(app, world)
    _close_case(app, world)
    with app.app_context():
        _build_deadlines(world)
        assert sweep_once(NOW) > 0
        relay_once()
    return _sent(app)


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.hrefs += [value for name, value in attrs if name in ("href", "src") and value]


def _raw_header_lines(message: EmailMessage, name: str) -> list[str]:
    raw = message.as_bytes(policy=email.policy.SMTP).decode()
    head = raw.split("\r\n\r\n", 1)[0]
    match = re.search(rf"^{name}:(.*?)(?=\r\n\S)", head + "\r\nX", re.MULTILINE | re.DOTALL)
    return [f"{name}:{match.group(1)}".split("\r\n")[0], *match.group(1).split("\r\n")[1:]]


def test_every_template_is_sent_by_the_code_that_sends_it(every_message):
    assert {sent.template for sent in every_message} == TEMPLATES


def test_every_message_has_the_headers_a_mail_client_relies_on(every_message):
    ids = set()
    for sent in every_message:
        message = sent.message
        assert message["To"] == sent.recipient
        date = parsedate_to_datetime(message["Date"])
        assert date.tzinfo is not None and abs(datetime.now(UTC) - date) < timedelta(minutes=10)
        message_id = message["Message-ID"]
        assert re.fullmatch(r"<[0-9a-f]+@portal\.test>", message_id), message_id
        ids.add(message_id)
        subject = message["Subject"]
        assert subject.startswith("OFFICIAL-SENSITIVE: ") and "\n" not in subject
        lines = _raw_header_lines(message, "Subject")
        assert lines[0].strip() != "Subject:", lines  # no empty first line
        assert all(len(line) <= 78 for line in lines), lines
    assert len(ids) == len(every_message)  # one Message-ID per message


def test_every_message_has_text_and_html_whose_links_are_absolute(every_message):
    linked = set()
    for sent in every_message:
        text = sent.message.get_body(("plain",)).get_content()
        html = sent.message.get_body(("html",)).get_content()
        assert text.strip() and "<html" in html
        parser = _Links()
        parser.feed(html)
        text_links = re.findall(r"\b[a-z]+://\S+", text)
        for link in parser.hrefs + text_links:
            assert link.startswith(f"{PUBLIC}/"), (sent.template, link)
        assert not re.search(r"(^|\s)/(authorities|invitations|provider)/", text), sent.template
        if parser.hrefs or text_links:
            linked.add(sent.template)
    assert {"invitation", "provider_password", "deadline_due_soon", "deadline_due_today",
            "deadline_overdue"} <= linked


def _calendar(sent: Sent):
    (part,) = [p for p in sent.message.walk() if p.get_content_type() == "text/calendar"]
    calendar = Calendar.from_ical(part.get_content())
    (event,) = calendar.walk("VEVENT")
    return part, calendar, event


def _invitations(every_message, template="meeting_invitation") -> dict[str, Sent]:
    return {sent.recipient: sent for sent in every_message if sent.template == template}


def test_each_attendee_is_invited_to_their_own_parts_and_the_organiser_to_nothing(every_message):
    invitations = _invitations(every_message)
    assert set(invitations) == {"pat@police.example", "mo@provider-a.example", "bea@icb.example"}
    expected = {  # (London start, London end, part one's agenda told, part two's told)
        "pat@police.example": ((14, 0), (15, 0), True, False),
        "mo@provider-a.example": ((15, 30), (16, 15), False, True),
        "bea@icb.example": ((14, 0), (16, 15), True, True),
    }
    for recipient, (start, end, one, two) in expected.items():
        sent = invitations[recipient]
        part, calendar, event = _calendar(sent)
        assert part.get_content_type() == "text/calendar"
        assert part.get_param("method") == "REQUEST" and part.get_param("charset").lower() == "utf-8"
        assert str(calendar["method"]) == "REQUEST"
        assert event["dtstart"].params["TZID"] == "Europe/London"
        assert [tz["tzid"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]
        assert (event.decoded("dtstart").hour, event.decoded("dtstart").minute) == start
        assert (event.decoded("dtend").hour, event.decoded("dtend").minute) == end
        assert str(event["uid"]).endswith("@portal.test")
        assert str(event["organizer"]) == "mailto:lead@host-a.example"
        assert event["organizer"].params["CN"] not in ("", "lead@host-a.example")
        assert str(event["attendee"]) == f"mailto:{recipient}"
        assert event["attendee"].params["CN"] == {"pat@police.example": "Pat Police",
                                                  "mo@provider-a.example": "Mo Manager",
                                                  "bea@icb.example": "Bea Both"}[recipient]
        told = str(event["description"]) + sent.message.get_body(("plain",)).get_content()
        told += sent.message.get_body(("html",)).get_content()
        assert (PART_ONE_ITEM in told) is one and (PART_TWO_ITEM in told) is two
        assert ("2pm to 3pm" in told) is one
        attachment = next(p for p in sent.message.iter_attachments() if p.get_filename() == "invite.ics")
        assert Calendar.from_ical(attachment.get_content()).walk("VEVENT")[0]["uid"] == event["uid"]
    uids = {str(_calendar(invitations[r])[2]["uid"]) for r in expected}
    assert len(uids) == 3  # a different event for each set of parts


def test_a_removed_attendee_gets_a_cancel_of_the_same_event_with_a_higher_sequence(every_message):
    invitation = _invitations(every_message)["mo@provider-a.example"]
    (cancellation,) = _invitations(every_message, "meeting_cancellation").values()
    assert cancellation.recipient == "mo@provider-a.example"
    part, calendar, event = _calendar(cancellation)
    _, _, invited = _calendar(invitation)
    assert part.get_param("method") == "CANCEL" and str(calendar["method"]) == "CANCEL"
    assert str(event["status"]) == "CANCELLED"
    assert event["uid"] == invited["uid"]
    assert int(event["sequence"]) > int(invited["sequence"])


def test_links_need_only_the_public_address_not_server_name(pg_database, world, tmp_path):
    """Behind a load balancer SERVER_NAME is unset: links still carry the public address."""
    from app import create_app
    from app.jobs.sweep import case_link
    from app.links import absolute_url
    from tests.conftest import pg_config

    config = {**pg_config(pg_database), "SERVER_NAME": None, "MAIL_FOLDER": str(tmp_path),
              "PUBLIC_URL": "https://concerns.council.example/portal/"}
    app = create_app(config)
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        case = db.session.get(Case, world.case_a)
        assert case_link(case) == (f"https://concerns.council.example/portal/authorities/"
                                   f"{world.host_a}/cases/{world.case_a}")
        assert absolute_url("provider_portal.accept_invitation", token="t") == (
            "https://concerns.council.example/portal/provider/invitations/t")


def test_cancelling_a_meeting_withdraws_every_invitation_sent(app, world):
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    base = f"/authorities/{world.host_a}/cases/{world.case_a}/meetings"
    page = _post(lead, f"{base}/new", {"kind": "initial", "day": ["29", "3", "2026"],
                                       "time": "09:30", "venue": "Online"}).headers["Location"]
    for name, address in (("Pat Police", "pat@police.example"), ("Bea Both", "bea@icb.example")):
        _post(lead, f"{page}/attendees/external", {
            "external-name": name, "external-organisation": "Agency", "external-email": address,
            "external-parts": ["one", "two"]}, token_from=page)
    _post(lead, f"{page}/invitations", {}, token_from=page)
    _post(lead, f"{page}/attendees/external", {  # added after the invitations went: told nothing
        "external-name": "Late Larry", "external-organisation": "Agency",
        "external-email": "larry@late.example", "external-parts": ["one"]}, token_from=page)
    response = _post(lead, f"{page}/cancel", {}, token_from=page)
    assert response.status_code == 302
    assert "Cancelled on" in lead.get(page).get_data(as_text=True)
    assert _post(lead, f"{page}/invitations", {}, token_from=page).status_code == 302  # sends none
    sent = _sent(app)
    invited = _invitations(sent)
    cancelled = _invitations(sent, "meeting_cancellation")
    assert set(invited) == set(cancelled) == {"pat@police.example", "bea@icb.example"}
    for recipient, cancellation in cancelled.items():
        _, calendar, event = _calendar(cancellation)
        _, _, original = _calendar(invited[recipient])
        assert str(calendar["method"]) == "CANCEL" and event["uid"] == original["uid"]
        assert int(event["sequence"]) > int(original["sequence"])
        assert event.decoded("dtstart") == original.decoded("dtstart")
        assert event.decoded("dtstart").hour == 9  # 09:30 on the day the clocks go forward
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        meeting = db.session.get(Meeting, int(page.rsplit("/", 1)[1]))
        assert meeting.cancelled_at is not None
