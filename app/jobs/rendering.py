"""Render a named email template into subject, plain text and HTML, and build .ics invites."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from icalendar import Calendar, Event, vCalAddress, vText

from app.db import utcnow
from app.london_time import to_london


@dataclass
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass
class RenderedEmail:
    subject: str
    text: str
    html: str
    attachments: list[Attachment] = field(default_factory=list)


def _block(template, name: str, context: dict) -> str:
    return "".join(template.blocks[name](template.new_context(context))).strip()


def render_email(name: str, context: dict) -> RenderedEmail:
    """Render ``templates/email/<name>.txt`` (subject and body blocks) and ``<name>.html``."""
    env = current_app.jinja_env
    text_template = env.get_template(f"email/{name}.txt")
    html_template = env.get_template(f"email/{name}.html")
    full = {"service_name": current_app.config["SERVICE_NAME"], **context}
    return RenderedEmail(
        subject=_block(text_template, "subject", full),
        text=_block(text_template, "body", full) + "\n",
        html=html_template.render(full),
    )


def meeting_invitation(
    *, uid: str, title: str, starts_at: datetime, ends_at: datetime, location: str,
    organiser: str, attendee: str, description: str = "", sequence: int = 0,
    organiser_name: str = "", attendee_name: str = "", method: str = "REQUEST",
) -> Attachment:
    """Return an iCalendar REQUEST (or CANCEL) for one meeting and one attendee.

    Times carry TZID=Europe/London with its VTIMEZONE, so a calendar shows the clock time the
    meeting was arranged for on either side of a clock change.
    """
    method = method.upper()
    calendar = Calendar()
    calendar.add("prodid", "-//Provider Concerns Portal//EN")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", utcnow())
    event.add("dtstart", to_london(starts_at))
    event.add("dtend", to_london(ends_at))
    event.add("summary", title)
    event.add("location", location)
    event.add("description", description)
    event.add("sequence", sequence)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    organizer = vCalAddress(f"mailto:{organiser}")
    organizer.params["cn"] = vText(organiser_name or organiser)
    event["organizer"] = organizer
    invitee = vCalAddress(f"mailto:{attendee}")
    invitee.params["cn"] = vText(attendee_name or attendee)
    invitee.params["role"] = vText("REQ-PARTICIPANT")
    invitee.params["partstat"] = vText("NEEDS-ACTION")
    invitee.params["rsvp"] = vText("FALSE" if method == "CANCEL" else "TRUE")
    event.add("attendee", invitee, encode=0)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    name = "cancel.ics" if method == "CANCEL" else "invite.ics"
    return Attachment(name, f"text/calendar; method={method}; charset=UTF-8", calendar.to_ical())


def calendar_attachment(spec: dict, recipient: str) -> Attachment:
    """Build the invitation an outbox message's ``calendar`` payload describes."""
    return meeting_invitation(
        **{**spec,
           "starts_at": datetime.fromisoformat(spec["starts_at"]),
           "ends_at": datetime.fromisoformat(spec["ends_at"]),
           "attendee": recipient}
    )
