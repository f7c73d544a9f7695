"""Calendar invitations to a meeting: each attendee is told only the parts they attend.

One calendar event per attendee runs from the start of the first part they are invited to the
end of the last; its UID names the meeting, those parts and this installation, so a later
invitation updates the same event, and removing the attendee or cancelling the meeting sends
METHOD:CANCEL with that UID and a higher SEQUENCE.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import select

from app.cases.models import Case
from app.cases.operations import Actor, audit_case
from app.db import utcnow
from app.extensions import db
from app.formatting import date_and_time, day_and_date
from app.formatting import time_of_day as clock
from app.jobs.mime import service_domain
from app.jobs.models import OutboxMessage
from app.jobs.outbox import enqueue_email
from app.links import absolute_url
from app.london_time import TIMEZONE_NAME
from app.meetings import services
from app.meetings.models import Meeting, MeetingAttendee
from app.unit_of_work import operation

KEY_PREFIX = "meeting-invitation"


def recipient_of(attendee: MeetingAttendee) -> str:
    return attendee.user.email if attendee.user is not None else attendee.email


def calendar_uid(meeting: Meeting, parts: list[services.Part]) -> str:
    which = "-".join(str(part.number) for part in parts)
    return f"meeting-{meeting.id}-part-{which}@{service_domain()}"


def _part_context(part: services.Part) -> dict:
    return {
        "title": part.title,
        "when": f"{day_and_date(part.starts_at)}, {clock(part.starts_at)} to {clock(part.ends_at)}",
        "agenda": [line.strip() for line in part.agenda.splitlines() if line.strip()],
    }


def _description(case: Case, parts: list[services.Part], link: str | None) -> str:
    lines = [f"Provider concerns meeting, case {case.reference}.",
             f"Times are UK time ({TIMEZONE_NAME})."]
    for part in parts:
        context = _part_context(part)
        lines += ["", f"{context['title']}: {context['when']}"]
        lines += [f"{number}. {item}" for number, item in enumerate(context["agenda"], 1)]
    if link:
        lines += ["", f"The meeting in the portal: {link}"]
    return "\n".join(lines)


def _meeting_link(case: Case, meeting: Meeting, attendee: MeetingAttendee) -> str | None:
    """Return the meeting's page for an attendee who can sign in; None for anyone else."""
    if attendee.user is None:
        return None
    return absolute_url("meetings.show_meeting", authority_id=attendee.authority_id or case.tenant_id,
                        case_id=case.id, meeting_id=meeting.id)


def _invitation(actor: Actor, case: Case, meeting: Meeting, attendee: MeetingAttendee,
                parts: list[services.Part]) -> None:
    title = f"{meeting.kind.label}: {case.reference} {case.provider.name}"
    link = _meeting_link(case, meeting, attendee)
    starts_at, ends_at = parts[0].starts_at, parts[-1].ends_at
    version = hashlib.sha256(
        "|".join([*(f"{p.starts_at.isoformat()}/{p.ends_at.isoformat()}" for p in parts),
                  meeting.venue]).encode()
    ).hexdigest()[:16]
    enqueue_email(
        db.session, tenant_id=case.tenant_id, template="meeting_invitation",
        recipient=recipient_of(attendee), case_id=case.id, created_by_id=actor.user.id,
        key=f"{KEY_PREFIX}:{meeting.id}:{attendee.id}:{version}",
        context={"name": attendee.name, "title": title, "when": date_and_time(starts_at),
                 "where": meeting.venue or "To be confirmed",
                 "parts": [_part_context(part) for part in parts], "link": link},
        calendar={"uid": calendar_uid(meeting, parts), "title": title,
                  "starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat(),
                  "location": meeting.venue, "organiser": actor.user.email,
                  "organiser_name": actor.user.name, "attendee_name": attendee.name,
                  "description": _description(case, parts, link),
                  "sequence": int(utcnow().timestamp()), "method": "REQUEST"},
    )


@operation
def send_invitations(actor: Actor, case: Case, meeting: Meeting) -> int:
    """Email each attendee with an address a calendar invitation; return how many were sent.

    The organiser (who sends them) is not sent their own. Each attendee gets one message per
    version of their parts' times and the venue (the outbox key).
    """
    if meeting.cancelled_at is not None:
        return 0
    organiser = actor.user.email.lower()
    sent = []
    for attendee in meeting.attendees:
        recipient = recipient_of(attendee)
        parts = services.invited_parts(meeting, attendee)
        if not recipient or not parts or recipient.lower() == organiser:
            continue
        _invitation(actor, case, meeting, attendee, parts)
        sent.append(attendee.name)
    if sent:
        audit_case(actor, case, "meeting.invitations_sent", meeting, new={"to": sent})
    return len(sent)


def _last_invitation(meeting: Meeting, attendee: MeetingAttendee) -> OutboxMessage | None:
    return db.session.scalar(
        select(OutboxMessage)
        .where(OutboxMessage.idempotency_key.startswith(f"{KEY_PREFIX}:{meeting.id}:{attendee.id}:",
                                                        autoescape=True))
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    )


@operation
def send_cancellation(actor: Actor, case: Case, meeting: Meeting, attendee: MeetingAttendee,
                      reason: str) -> bool:
    """Withdraw the attendee's calendar invitation, if one was sent; say whether one was."""
    invitation = _last_invitation(meeting, attendee)
    calendar = (invitation.payload or {}).get("calendar") if invitation else None
    if not calendar:
        return False
    enqueue_email(
        db.session, tenant_id=case.tenant_id, template="meeting_cancellation",
        recipient=invitation.recipient, case_id=case.id, created_by_id=actor.user.id,
        key=f"meeting-cancellation:{meeting.id}:{attendee.id}:{calendar['uid']}",
        context={"name": attendee.name, "title": calendar["title"], "reason": reason,
                 "when": date_and_time(datetime.fromisoformat(calendar["starts_at"]))},
        calendar={**calendar, "method": "CANCEL",
                  "sequence": max(int(utcnow().timestamp()), int(calendar.get("sequence", 0)) + 1)},
    )
    return True
