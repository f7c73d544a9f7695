"""State-changing operations on meetings. Each writes its audit event in the same transaction."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.cases import drafts
from app.cases.drafts import Draft
from app.cases.models import Case
from app.cases.operations import Actor, audit_case
from app.db import utcnow
from app.extensions import db
from app.formatting import date_and_time
from app.jobs.outbox import enqueue_email
from app.links import absolute_url
from app.meetings import services
from app.meetings.agendas import agenda_for, agenda_text, headings
from app.meetings.models import FinalDecision, Meeting, MeetingAttendee, MeetingKind

MEETING_LENGTH = timedelta(hours=2)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _changes(row, values: dict) -> tuple[dict, dict]:
    """Set ``values`` on ``row``; return the old and new values of the fields that changed."""
    old, new = {}, {}
    for name, value in values.items():
        before = getattr(row, name)
        if before != value:
            old[name], new[name] = before, value
            setattr(row, name, value)
    return _plain(old), _plain(new)


def _plain(values: dict) -> dict:
    return {k: _iso(v) if isinstance(v, datetime) else getattr(v, "value", v) for k, v in values.items()}


def schedule_meeting(actor: Actor, case: Case, *, kind: MeetingKind, scheduled_for: datetime,
                     venue: str) -> Meeting:
    """Schedule a meeting with the agenda headings the procedures give for its kind."""
    agenda = agenda_for(kind)
    meeting = Meeting(
        tenant_id=case.tenant_id, case_id=case.id, kind=kind, scheduled_for=scheduled_for,
        venue=venue, agenda_part_one=agenda_text(agenda.part_one),
        agenda_part_two=agenda_text(agenda.part_two),
    )
    db.session.add(meeting)
    audit_case(actor, case, "meeting.scheduled", meeting,
           new={"kind": kind.value, "scheduled_for": _iso(scheduled_for), "venue": venue})
    return meeting


def update_meeting(actor: Actor, case: Case, meeting: Meeting, **values) -> None:
    """Change the date, venue or agenda of a meeting."""
    old, new = _changes(meeting, values)
    if new:
        audit_case(actor, case, "meeting.updated", meeting, old, new)


@dataclass(frozen=True)
class Invitee:
    """Who is added: a staff user of an authority in the case, or a named person of an agency."""

    name: str
    organisation: str = ""
    email: str = ""
    user_id: int | None = None
    authority_id: int | None = None


def add_attendee(actor: Actor, case: Case, meeting: Meeting, invitee: Invitee, *,
                 part_one: bool, part_two: bool) -> MeetingAttendee:
    attendee = MeetingAttendee(
        tenant_id=case.tenant_id, meeting_id=meeting.id, case_id=case.id,
        user_id=invitee.user_id, authority_id=invitee.authority_id, name=invitee.name,
        organisation=invitee.organisation, email=invitee.email, part_one=part_one,
        part_two=part_two,
    )
    meeting.attendees.append(attendee)
    audit_case(actor, case, "meeting.attendee_added", attendee,
           new={"meeting_id": meeting.id, "name": invitee.name,
                "organisation": invitee.organisation, "user_id": invitee.user_id,
                "authority_id": invitee.authority_id, "part_one": part_one,
                "part_two": part_two})
    return attendee


def remove_attendee(actor: Actor, case: Case, meeting: Meeting, attendee: MeetingAttendee) -> None:
    audit_case(actor, case, "meeting.attendee_removed", attendee,
           old={"meeting_id": meeting.id, "name": attendee.name,
                "organisation": attendee.organisation})
    meeting.attendees.remove(attendee)
    db.session.flush()


def record_attendance(actor: Actor, case: Case, meeting: Meeting, attended_ids: set[int],
                      apologies_ids: set[int] = frozenset()) -> None:
    """Mark who attended and who sent apologies; every other invitee was absent."""
    old, new = {}, {}
    for attendee in meeting.attendees:
        attended, apologies = attendee.id in attended_ids, attendee.id in apologies_ids
        if (attendee.attended, attendee.apologies) != (attended, apologies):
            old[attendee.name] = services.attendance_label(attendee)
            attendee.attended, attendee.apologies = attended, apologies
            new[attendee.name] = services.attendance_label(attendee)
    if new:
        audit_case(actor, case, "meeting.attendance_recorded", meeting, old, new)


def _discard_drafts(actor: Actor, meeting: Meeting, fields) -> None:
    drafts.discard_drafts(actor.user.id, [services.draft_key(meeting, field) for field in fields])


MINUTES_FIELDS = ("minutes_part_one", "minutes_part_two", "decisions")


def save_minutes(actor: Actor, case: Case, meeting: Meeting, **values) -> None:
    """Save the minutes of both parts, what may be shared, and the decisions; drop drafts."""
    old, new = _changes(meeting, values)
    # Always recorded, changed or not: the drafts' "newer than saved" test reads this event.
    audit_case(actor, case, "meeting.minutes_saved", meeting, old, new)
    _discard_drafts(actor, meeting, MINUTES_FIELDS)


def record_held(actor: Actor, case: Case, meeting: Meeting, *, held_at: datetime,
                final_decision: FinalDecision | None = None,
                sustainability_rationale: str = "") -> None:
    """Record that the meeting took place, and for a final meeting its decision and why."""
    values = {"held_at": held_at}
    if meeting.kind is MeetingKind.FINAL:
        values |= {"final_decision": final_decision,
                   "sustainability_rationale": sustainability_rationale}
    old, new = _changes(meeting, values)
    audit_case(actor, case, "meeting.held", meeting, old, new)
    _discard_drafts(actor, meeting, ("sustainability_rationale",))


def save_draft(actor: Actor, meeting: Meeting, field: str, text: str) -> Draft:
    """Keep what the user is typing in ``field``, private to them, until they save the form."""
    return drafts.save_draft(actor.authority_id, actor.user.id, services.draft_key(meeting, field), text)


def discard_drafts(actor: Actor, meeting: Meeting) -> None:
    _discard_drafts(actor, meeting, services.DRAFT_FIELDS)


def _recipient(attendee: MeetingAttendee) -> str:
    return attendee.user.email if attendee.user is not None else attendee.email


def _agenda_for(meeting: Meeting, attendee: MeetingAttendee) -> list[dict]:
    """Return the parts the attendee is invited to, each with its agenda items."""
    invited = {1: attendee.part_one, 2: attendee.part_two}
    return [{"title": part.title, "items": headings(part.agenda)}
            for part in services.parts_of(meeting) if invited[part.number]]


def _meeting_link(case: Case, meeting: Meeting, attendee: MeetingAttendee) -> str:
    """Link staff to the meeting in the portal under their own authority; others have no sign-in."""
    if attendee.user_id is None or attendee.authority_id is None:
        return ""
    return absolute_url("meetings.show_meeting", authority_id=attendee.authority_id,
                        case_id=case.id, meeting_id=meeting.id)


def _invitation_context(case: Case, meeting: Meeting, attendee: MeetingAttendee, title: str) -> dict:
    return {"name": attendee.name, "title": title, "when": date_and_time(meeting.scheduled_for),
            "where": meeting.venue or "To be confirmed", "agenda": _agenda_for(meeting, attendee),
            "link": _meeting_link(case, meeting, attendee),
            "authority_name": case.host_authority.name}


def send_invitations(actor: Actor, case: Case, meeting: Meeting) -> int:
    """Email each attendee with an address a calendar invitation; return how many were sent.

    Each attendee gets one message per version of the date and venue (the outbox key).
    """
    when = services.local(meeting.scheduled_for)
    version = hashlib.sha256(f"{when.isoformat()}|{meeting.venue}".encode()).hexdigest()[:16]
    title = f"{meeting.kind.label}: {case.reference} {case.provider.name}"
    sent = []
    for attendee in meeting.attendees:
        recipient = _recipient(attendee)
        if not recipient:
            continue
        enqueue_email(
            db.session, tenant_id=case.tenant_id, template="meeting_invitation",
            recipient=recipient, case_id=case.id, created_by_id=actor.user.id,
            key=f"meeting-invitation:{meeting.id}:{attendee.id}:{version}",
            context=_invitation_context(case, meeting, attendee, title),
            calendar={"uid": f"meeting-{meeting.id}@provider-concerns",
                      "title": title, "starts_at": meeting.scheduled_for.isoformat(),
                      "ends_at": (meeting.scheduled_for + MEETING_LENGTH).isoformat(),
                      "location": meeting.venue, "organiser": actor.user.email,
                      "description": f"Provider concerns meeting, case {case.reference}",
                      "sequence": int(utcnow().timestamp())},
        )
        sent.append(attendee.name)
    if sent:
        audit_case(actor, case, "meeting.invitations_sent", meeting, new={"to": sent})
    return len(sent)
