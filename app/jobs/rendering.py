"""Render a named email template into subject, plain text and HTML, and build .ics invites."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from icalendar import Calendar, Event, vCalAddress, vText


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
) -> Attachment:
    """Return an iCalendar REQUEST for one meeting and one attendee."""
    calendar = Calendar()
    calendar.add("prodid", "-//Provider Concerns Portal//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "REQUEST")
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", datetime.now().astimezone())
    event.add("dtstart", starts_at)
    event.add("dtend", ends_at)
    event.add("summary", title)
    event.add("location", location)
    event.add("description", description)
    event.add("sequence", sequence)
    event["organizer"] = vCalAddress(f"mailto:{organiser}")
    invitee = vCalAddress(f"mailto:{attendee}")
    invitee.params["role"] = vText("REQ-PARTICIPANT")
    invitee.params["rsvp"] = vText("TRUE")
    event.add("attendee", invitee, encode=0)
    calendar.add_component(event)
    return Attachment("invite.ics", "text/calendar; method=REQUEST", calendar.to_ical())
