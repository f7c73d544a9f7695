"""Meeting times typed as London clock time come back as the same clock time everywhere: the
page, the edit form (saved unchanged twice, nothing moves), the Word agenda, the email and the
.ics, on either side of both clock changes, on PostgreSQL and on the embedded SQLite default."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path

import pytest
from docx import Document
from icalendar import Calendar
from sqlalchemy import select

from app.extensions import db
from app.meetings.models import Meeting
from app.tenants.scoping import Scope, scoped_as
from tests.factories import build_world
from tests.support.clients import csrf_token, sign_in

# (London day, the UTC moment 14:00 London is on that day)
DAYS = [
    pytest.param((2026, 3, 28), datetime(2026, 3, 28, 14, tzinfo=UTC), id="before-march-change"),
    pytest.param((2026, 3, 29), datetime(2026, 3, 29, 13, tzinfo=UTC), id="march-change-day"),
    pytest.param((2026, 6, 15), datetime(2026, 6, 15, 13, tzinfo=UTC), id="summer"),
    pytest.param((2026, 10, 24), datetime(2026, 10, 24, 13, tzinfo=UTC), id="before-october-change"),
    pytest.param((2026, 10, 25), datetime(2026, 10, 25, 14, tzinfo=UTC), id="october-change-day"),
    pytest.param((2026, 12, 1), datetime(2026, 12, 1, 14, tzinfo=UTC), id="winter"),
]


@pytest.fixture
def any_world(any_app):
    with any_app.app_context():
        return any_app, build_world()


class _FormValues(HTMLParser):
    """Read a form's inputs and textareas as a browser would post them back."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, list[str]] = {}
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name") and attrs.get("type") not in ("submit", "checkbox"):
            self.values.setdefault(attrs["name"], []).append(attrs.get("value") or "")
        if tag == "textarea":
            self._textarea = attrs["name"]
            self.values[self._textarea] = [""]

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self.values[self._textarea][0] = self.values[self._textarea][0].lstrip("\n")
            self._textarea = None


def _form_values(page: str) -> dict[str, list[str]]:
    parser = _FormValues()
    parser.feed(page)
    return parser.values


def _stored(app, world, meeting_id) -> Meeting:
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        meeting = db.session.get(Meeting, meeting_id)
        db.session.expunge(meeting)
        return meeting


def _schedule(client, world, day) -> str:
    path = f"/authorities/{world.host_a}/cases/{world.case_a}/meetings/new"
    response = client.post(path, data={
        "kind": "initial", "day": [str(day[2]), str(day[1]), str(day[0])], "time": "14:00",
        "part_one_end": "15:00", "part_two_start": "15:30", "part_two_end": "16:30",
        "venue": "County Hall", "csrf_token": csrf_token(client, path)})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


@pytest.mark.parametrize("day, utc", DAYS)
def test_a_meeting_time_survives_the_page_the_edit_form_the_agenda_and_the_invitation(any_world, day, utc):
    app, world = any_world
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    page_path = _schedule(lead, world, day)
    meeting_id = int(page_path.rstrip("/").rsplit("/", 1)[1])
    assert _stored(app, world, meeting_id).scheduled_for == utc

    page = lead.get(page_path).get_data(as_text=True)
    # People read the GOV.UK style; the form's fields hold the 24-hour clock they type.
    assert "2pm" in page and "3pm" in page and "3:30pm" in page and "4:30pm" in page

    # Saving the edit form unchanged, twice, moves nothing.
    for _ in range(2):
        edit = lead.get(f"{page_path}/edit").get_data(as_text=True)
        values = _form_values(edit)
        assert values["time"] == ["14:00"] and values["part_two_start"] == ["15:30"]
        assert [int(part) for part in values["day"]] == [day[2], day[1], day[0]]
        assert lead.post(f"{page_path}/edit", data=values).status_code == 302
    stored = _stored(app, world, meeting_id)
    assert stored.scheduled_for == utc
    assert (stored.part_two_starts_at - utc).total_seconds() == 90 * 60

    agenda = Document(BytesIO(lead.get(f"{page_path}/agenda.docx").data))
    cells = [cell.text for table in agenda.tables for row in table.rows for cell in row.cells]
    assert any("2pm" in cell for cell in cells), cells

    lead.post(f"{page_path}/attendees/external", data={
        "external-name": "Kay Police", "external-organisation": "Police",
        "external-email": "kay@police.example", "external-parts": ["one", "two"],
        "csrf_token": csrf_token(lead, page_path)})
    lead.post(f"{page_path}/invitations", data={"csrf_token": csrf_token(lead, page_path)})
    (saved,) = Path(app.config["MAIL_FOLDER"]).glob("*.eml")
    message = email.message_from_bytes(saved.read_bytes(), policy=email.policy.default)
    text = message.get_body(("plain",)).get_content()
    assert "2pm to 3pm" in text and "3:30pm to 4:30pm" in text
    ics = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    calendar = Calendar.from_ical(ics.get_content())
    event = calendar.walk("VEVENT")[0]
    assert event["dtstart"].params["TZID"] == "Europe/London"
    assert event.decoded("dtstart").replace(tzinfo=None) == datetime(*day, 14, 0)
    assert event.decoded("dtstart") == utc
    assert event.decoded("dtend") == utc.replace(hour=utc.hour + 2, minute=30)
    assert [tz["tzid"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]


def test_the_repeated_hour_in_october_saves_unchanged(any_world):
    app, world = any_world
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    path = f"/authorities/{world.host_a}/cases/{world.case_a}/meetings/new"
    response = lead.post(path, data={"kind": "initial", "day": ["25", "10", "2026"], "time": "01:30",
                                     "venue": "Online", "csrf_token": csrf_token(lead, path)})
    page_path = response.headers["Location"]
    meeting_id = int(page_path.rsplit("/", 1)[1])
    first = _stored(app, world, meeting_id).scheduled_for
    assert first == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 01:30 summer time, the first one
    values = _form_values(lead.get(f"{page_path}/edit").get_data(as_text=True))
    assert values["time"] == ["01:30"]
    lead.post(f"{page_path}/edit", data=values)
    assert _stored(app, world, meeting_id).scheduled_for == first


def test_the_hour_skipped_in_march_is_refused_with_the_input_kept(any_world):
    app, world = any_world
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    path = f"/authorities/{world.host_a}/cases/{world.case_a}/meetings/new"
    response = lead.post(path, data={"kind": "initial", "day": ["29", "3", "2026"], "time": "01:30",
                                     "venue": "Online", "csrf_token": csrf_token(lead, path)})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "govuk-error-summary" in page and "the clocks go forward" in page
    assert 'value="01:30"' in page
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        assert db.session.scalars(select(Meeting)).all() == []


def test_parts_out_of_order_are_refused(any_world):
    app, world = any_world
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    path = f"/authorities/{world.host_a}/cases/{world.case_a}/meetings/new"
    response = lead.post(path, data={
        "kind": "initial", "day": ["2", "6", "2026"], "time": "14:00", "part_one_end": "15:00",
        "part_two_start": "14:30", "venue": "Online", "csrf_token": csrf_token(lead, path)})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Part two must start when part one ends, or later" in page


def test_an_emergency_plans_urgent_meeting_is_at_london_time_and_not_in_the_skipped_hour(any_world):
    app, world = any_world
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    base = f"/authorities/{world.host_a}/cases/{world.case_a}"
    plan = {"plan-kind": "emergency_closure", "plan-reason": "Unsafe staffing tonight",
            "plan-meeting_on": ["29", "3", "2026"], "plan-meeting_time": "01:30",
            "plan-venue": "County Hall"}
    refused = lead.post(f"{base}/emergency-plans",
                        data={**plan, "csrf_token": csrf_token(lead, f"{base}/emergency")})
    assert "the clocks go forward" in refused.get_data(as_text=True)
    accepted = lead.post(f"{base}/emergency-plans", data={
        **plan, "plan-meeting_on": ["15", "6", "2026"], "plan-meeting_time": "16:30",
        "csrf_token": csrf_token(lead, f"{base}/emergency")})
    assert accepted.status_code in (200, 302)
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        (meeting,) = db.session.scalars(select(Meeting)).all()
        assert meeting.scheduled_for == datetime(2026, 6, 15, 15, 30, tzinfo=UTC)
