"""Build the message that leaves the service, the same way for every channel.

The headers a receiving system relies on are set here once: a Date, a Message-ID in the
service's own domain that stays the same for a message across retries (so a duplicate can be
spotted), and a subject on one line that carries the protective marking. A calendar
invitation goes as a ``text/calendar`` alternative with its method, as Outlook and Google
expect before they show Accept and Decline, and as an ``invite.ics`` attachment too.
"""

from __future__ import annotations

import hashlib
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from urllib.parse import urlsplit

from flask import current_app

from app.db import utcnow
from app.jobs.rendering import Attachment, RenderedEmail

CALENDAR_TYPE = "text/calendar"


def service_domain() -> str:
    """The host name of the service's public address, e.g. ``pcp.council.gov.uk``."""
    return urlsplit(current_app.config["PUBLIC_URL"]).hostname or "localhost"


def message_id(key: str) -> str:
    """Return the Message-ID for the outbox message with idempotency ``key``: one ``@``, the
    service's domain on the right, and the same value on every attempt."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:40]
    return f"<{digest}@{service_domain()}>"


def subject_line(subject: str) -> str:
    """Return the subject on one line, led by the protective marking when one is set."""
    line = " ".join(subject.split())
    marking = (current_app.config.get("PROTECTIVE_MARKING") or "").strip()
    return f"{marking}: {line}" if marking and not line.startswith(marking) else line


def _calendar_method(attachment: Attachment) -> str | None:
    kind, *params = [part.strip() for part in attachment.content_type.split(";")]
    if kind != CALENDAR_TYPE:
        return None
    values = dict(param.split("=", 1) for param in params if "=" in param)
    return values.get("method", "REQUEST").upper()


def build_message(email: RenderedEmail, *, sender: str, recipient: str, key: str) -> EmailMessage:
    """Return the MIME message for one recipient of one outbox message."""
    message = EmailMessage(policy=SMTP)
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject_line(email.subject)
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = message_id(key)
    # Quoted-printable keeps every line short, as SMTP requires, whatever the template holds.
    message.set_content(email.text, cte="quoted-printable")
    message.add_alternative(email.html, subtype="html", cte="quoted-printable")
    calendars = [(a, _calendar_method(a)) for a in email.attachments]
    for attachment, method in calendars:
        if method:
            message.add_alternative(
                attachment.data.decode(), subtype="calendar", cte="quoted-printable",
                params={"method": method},
            )
    for attachment, method in calendars:
        if method:
            message.add_attachment(attachment.data, maintype="application", subtype="ics",
                                   filename=attachment.filename)
        else:
            maintype, subtype = attachment.content_type.split(";")[0].split("/")
            message.add_attachment(attachment.data, maintype=maintype, subtype=subtype,
                                   filename=attachment.filename)
    return message


def notify_personalisation(email: RenderedEmail) -> dict:
    """Return GOV.UK Notify's personalisation for its one generic ((subject)) ((body)) template."""
    return {"subject": subject_line(email.subject), "body": email.text}
