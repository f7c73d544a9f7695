"""State-changing operations on meetings. Each checks its rules, writes its audit event in the
same transaction and commits as one unit of work (app/unit_of_work.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.cases import drafts
from app.cases.drafts import Draft
from app.cases.models import Case
from app.cases.operations import Actor, audit_case
from app.cases.procedure_versions import procedure_of
from app.db import utcnow
from app.extensions import db
from app.meetings import invitations, services
from app.meetings.agendas import agenda_for, agenda_text
from app.meetings.models import FinalDecision, Meeting, MeetingAttendee, MeetingKind
from app.unit_of_work import Refused, operation


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


@operation
def schedule_meeting(actor: Actor, case: Case, *, kind: MeetingKind, scheduled_for: datetime,
                     venue: str, **part_times: datetime) -> Meeting:
    """Schedule a meeting with the agenda headings the procedures give for its kind.

    ``part_times`` may give ``part_one_ends_at``, ``part_two_starts_at`` and
    ``part_two_ends_at``; those left out follow from the start."""
    agenda = agenda_for(kind, procedure_of(case).initial_meeting_private_part)
    meeting = Meeting(
        tenant_id=case.tenant_id, case_id=case.id, kind=kind, scheduled_for=scheduled_for,
        venue=venue, agenda_part_one=agenda_text(agenda.part_one),
        agenda_part_two=agenda_text(agenda.part_two), **part_times,
    )
    db.session.add(meeting)
    audit_case(actor, case, "meeting.scheduled", meeting,
           new={"kind": kind.value, "scheduled_for": _iso(scheduled_for), "venue": venue,
                **_plain(part_times)})
    return meeting


@operation
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


@operation
def add_attendee(actor: Actor, case: Case, meeting: Meeting, invitee: Invitee, *,
                 part_one: bool, part_two: bool) -> MeetingAttendee:
    """Invite someone to one or both parts; a staff user is invited once."""
    if invitee.user_id is not None and any(a.user_id == invitee.user_id for a in meeting.attendees):
        raise Refused(f"{invitee.name} is already invited")
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


@operation
def remove_attendee(actor: Actor, case: Case, meeting: Meeting, attendee: MeetingAttendee) -> None:
    """Remove someone invited; a calendar invitation already sent to them is withdrawn."""
    invitations.send_cancellation(actor, case, meeting, attendee,
                                  reason="You are no longer invited to this meeting.")
    audit_case(actor, case, "meeting.attendee_removed", attendee,
           old={"meeting_id": meeting.id, "name": attendee.name,
                "organisation": attendee.organisation})
    meeting.attendees.remove(attendee)
    db.session.flush()


@operation
def cancel_meeting(actor: Actor, case: Case, meeting: Meeting) -> int:
    """Cancel a meeting not yet held; withdraw each calendar invitation sent for it.

    Return how many invitations were withdrawn."""
    if meeting.held_at is not None or meeting.cancelled_at is not None:
        raise Refused("Only a meeting that has not been held or cancelled can be cancelled")
    meeting.cancelled_at = utcnow()
    withdrawn = [
        attendee.name for attendee in meeting.attendees
        if invitations.send_cancellation(actor, case, meeting, attendee,
                                         reason="This meeting has been cancelled.")
    ]
    audit_case(actor, case, "meeting.cancelled", meeting,
               new={"cancelled_at": _iso(meeting.cancelled_at), "withdrawn": withdrawn})
    return len(withdrawn)


@operation
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


@operation
def save_minutes(actor: Actor, case: Case, meeting: Meeting, **values) -> None:
    """Save the minutes of both parts, what may be shared, and the decisions; drop drafts."""
    old, new = _changes(meeting, values)
    # Always recorded, changed or not: the drafts' "newer than saved" test reads this event.
    audit_case(actor, case, "meeting.minutes_saved", meeting, old, new)
    _discard_drafts(actor, meeting, MINUTES_FIELDS)


@operation
def record_held(actor: Actor, case: Case, meeting: Meeting, *, held_at: datetime,
                final_decision: FinalDecision | None = None,
                sustainability_rationale: str = "") -> None:
    """Record that the meeting took place, and for a final meeting its decision and why."""
    if meeting.cancelled_at is not None:
        raise Refused("This meeting was cancelled: it cannot be recorded as held")
    values = {"held_at": held_at}
    if meeting.kind is MeetingKind.FINAL:
        values |= {"final_decision": final_decision,
                   "sustainability_rationale": sustainability_rationale}
    old, new = _changes(meeting, values)
    audit_case(actor, case, "meeting.held", meeting, old, new)
    _discard_drafts(actor, meeting, ("sustainability_rationale",))


@operation
def save_draft(actor: Actor, meeting: Meeting, field: str, text: str) -> Draft:
    """Keep what the user is typing in ``field``, private to them, until they save the form."""
    return drafts.save_draft(actor.authority_id, actor.user.id, services.draft_key(meeting, field), text)


@operation
def discard_drafts(actor: Actor, meeting: Meeting) -> None:
    _discard_drafts(actor, meeting, services.DRAFT_FIELDS)
