"""Reading meetings, their attendees and drafts, and deciding which minutes a reader sees.

Which meetings, parts and decisions a caller reads at all is decided by the scoping rules, on
each part's own row (app/meetings/models.py, docs/visibility.md); the functions here decide
which of the readable parts a page lists, from the same per-part flags.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from app.actions.models import Action
from app.audit.models import AuditEvent
from app.auth.models import User
from app.cases.drafts import drafts_of
from app.cases.models import Case
from app.extensions import db
from app.london_time import to_london
from app.meetings.models import Meeting, MeetingAttendee
from app.placing.models import CaseShare
from app.tenants.models import Authority, Membership
from app.tenants.scoping import acting_for_authority

# Long texts saved as drafts while typed, and the audit actions that save each for real.
DRAFT_FIELDS = {
    "minutes_part_one": "meeting.minutes_saved",
    "minutes_part_two": "meeting.minutes_saved",
    "decisions": "meeting.minutes_saved",
    "sustainability_rationale": "meeting.held",
}


def meetings_of(case_id: int) -> list[Meeting]:
    return list(
        db.session.scalars(
            select(Meeting)
            .where(Meeting.case_id == case_id)
            .order_by(Meeting.scheduled_for, Meeting.id)
        )
    )


def get_meeting(case: Case, meeting_id: int) -> Meeting | None:
    return db.session.scalar(
        select(Meeting)
        .options(selectinload(Meeting.attendees).options(
            joinedload(MeetingAttendee.user), joinedload(MeetingAttendee.authority)))
        .where(Meeting.id == meeting_id, Meeting.case_id == case.id)
    )


def get_attendee(meeting: Meeting, attendee_id: int) -> MeetingAttendee | None:
    return db.session.scalar(
        select(MeetingAttendee).where(
            MeetingAttendee.id == attendee_id, MeetingAttendee.meeting_id == meeting.id
        )
    )


def actions_of(meeting: Meeting) -> list[Action]:
    """Return the meeting's actions the reader may see (a placing authority: its own)."""
    return list(
        db.session.scalars(
            select(Action).where(Action.meeting_id == meeting.id).order_by(Action.due_on, Action.id)
        )
    )


# Staff type and read meeting times as clock time in England (app.london_time).
local = to_london


def attendance_label(attendee: MeetingAttendee) -> str:
    """Say whether someone came: apologies sent before are told apart from simply absent."""
    if attendee.attended:
        return "Present"
    if attendee.apologies:
        return "Apologies"
    return "Absent" if attendee.attended is False else "Not recorded"


# Who can be invited.


@dataclass(frozen=True)
class StaffOption:
    authority_id: int
    authority_name: str
    user_id: int
    name: str
    email: str

    @property
    def value(self) -> str:
        return f"{self.authority_id}:{self.user_id}"

    @property
    def label(self) -> str:
        return f"{self.name} ({self.authority_name})"


def live_shares(case: Case) -> list[CaseShare]:
    return list(
        db.session.scalars(
            select(CaseShare)
            .where(CaseShare.case_id == case.id, CaseShare.ended_at.is_(None))
            .order_by(CaseShare.id)
        )
    )


def _active_staff(authority_id: int) -> list[StaffOption]:
    rows = db.session.execute(
        select(Authority.name, User.id, User.name, User.email)
        .select_from(Membership)
        .join(User, User.id == Membership.user_id)
        .join(Authority, Authority.id == Membership.tenant_id)
        .where(
            Membership.tenant_id == authority_id,
            Membership.active.is_(True),
            User.active.is_(True),
        )
        .order_by(User.name)
    )
    return [StaffOption(authority_id, *row) for row in rows]


def staff_options(case: Case) -> list[StaffOption]:
    """Return the staff the host may invite: its own, and those of each authority with a live
    share on the case.

    A placing authority's members are another tenant's rows, so they are read while acting for
    that authority, for names and addresses only, and only while its share is live.
    """
    options = _active_staff(case.tenant_id)
    for share in live_shares(case):
        with acting_for_authority(db.session, share.placing_authority_id,
                                  why="a shared case's invitable staff"):
            options.extend(_active_staff(share.placing_authority_id))
    return options


# What a reader sees of the minutes.


@dataclass(frozen=True)
class Part:
    number: int
    title: str
    agenda: str
    minutes: str
    shared_with_placing: bool
    shared_with_provider: bool
    starts_at: datetime
    ends_at: datetime


def parts_of(meeting: Meeting) -> list[Part]:
    return [
        Part(1, "Part one (without the provider)", meeting.agenda_part_one,
             meeting.minutes_part_one, meeting.part_one_shared_with_placing, False,
             meeting.scheduled_for, meeting.part_one_ends_at),
        Part(2, "Part two (with the provider)", meeting.agenda_part_two,
             meeting.minutes_part_two, meeting.part_two_shared_with_placing,
             meeting.part_two_shared_with_provider, meeting.part_two_starts_at,
             meeting.part_two_ends_at),
    ]


def invited_parts(meeting: Meeting, attendee: MeetingAttendee) -> list[Part]:
    """Return the parts the attendee is invited to, in order: all their invitation may tell."""
    one, two = parts_of(meeting)
    return [part for part, invited in ((one, attendee.part_one), (two, attendee.part_two)) if invited]


def readable_parts(meeting: Meeting, host: bool) -> list[Part]:
    """Return the parts whose minutes the reader may see: all for the host, shared ones else."""
    return [part for part in parts_of(meeting) if host or part.shared_with_placing]


def decisions_readable(meeting: Meeting, host: bool) -> bool:
    """Say whether the reader may see the decisions (and a final meeting's outcome).

    Decisions draw on both parts, so a placing authority sees them only when both are shared.
    """
    return host or (meeting.part_one_shared_with_placing and meeting.part_two_shared_with_placing)


# Drafts of long texts.


def draft_key(meeting: Meeting, field: str) -> str:
    return f"meeting:{meeting.id}:{field}"


def last_saved_at(meeting: Meeting, action: str) -> datetime | None:
    """Return when the meeting's texts were last saved for real (by anyone), from the trail."""
    return db.session.scalar(
        select(func.max(AuditEvent.created_at)).where(
            AuditEvent.object_type == "Meeting",
            AuditEvent.object_id == meeting.id,
            AuditEvent.action == action,
        )
    )


@dataclass(frozen=True)
class RestoredDraft:
    field: str
    text: str
    saved_at: datetime


def newer_drafts(meeting: Meeting, user_id: int, fields: list[str]) -> list[RestoredDraft]:
    """Return the user's drafts of ``fields`` that are newer than the saved text and differ."""
    drafts = drafts_of(user_id, [draft_key(meeting, field) for field in fields])
    restored = []
    for field in fields:
        draft = drafts.get(draft_key(meeting, field))
        if draft is None or draft.text == getattr(meeting, field):
            continue
        saved = last_saved_at(meeting, DRAFT_FIELDS[field])
        if saved is None or draft.saved_at > saved:
            restored.append(RestoredDraft(field, draft.text, draft.saved_at))
    return restored
