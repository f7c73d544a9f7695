"""Meetings of a case: kinds, the two parts, attendees, agenda, minutes and decisions.

Part one is held without the provider and part two with it. The schedule and attendees are
read by placing authorities with a share. Each part's agenda and minutes are a row of their own
(``MeetingPart``) with its own rule, so the database itself keeps an unshared part from a
placing authority or the provider (DESIGN.md's visibility table, docs/visibility.md); the
meeting reads and writes them under their old names (``meeting.minutes_part_one``). The
decisions and a final meeting's reasons, which draw on both parts, are a row of their own too
(``MeetingOutcome``), read by a placing authority only while both parts are shared with it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
    exists,
    func,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.cases.visibility import (
    owner_or_share,
    owner_or_share_rls,
    share_rls,
    shared_with,
    told_provider,
    told_provider_rls,
)
from app.db import CreatedAtMixin, str_enum
from app.extensions import db
from app.tenants.models import Authority
from app.tenants.scoping import Scope, TenantScoped, equals


class MeetingKind(StrEnum):
    DECISION = "decision"
    INITIAL = "initial"
    FINDINGS = "findings"
    UPDATE = "update"
    PROJECT_MANAGEMENT = "project_management"
    FINAL = "final"
    LEARNING = "learning"
    EMERGENCY = "emergency"

    @property
    def label(self) -> str:
        return MEETING_LABELS[self]


MEETING_LABELS = {
    MeetingKind.DECISION: "Decision meeting",
    MeetingKind.INITIAL: "Initial meeting",
    MeetingKind.FINDINGS: "Findings meeting",
    MeetingKind.UPDATE: "Update meeting",
    MeetingKind.PROJECT_MANAGEMENT: "Project management meeting",
    MeetingKind.FINAL: "Final (closing) meeting",
    MeetingKind.LEARNING: "Learning meeting",
    MeetingKind.EMERGENCY: "Emergency planning meeting",
}


# A part's length when none is given: part two follows part one.
PART_LENGTH = timedelta(hours=1)


def _after_start(parts: int):
    """Default a part's time to ``parts`` part-lengths after the meeting's start."""
    def default(context):
        return context.get_current_parameters()["scheduled_for"] + parts * PART_LENGTH
    return default


class FinalDecision(StrEnum):
    CLOSE = "close"
    CONTINUE = "continue"


class MeetingPart(TenantScoped, db.Model):
    """One part of a meeting: its agenda, its minutes, and with whom they are shared.

    The host reads both parts; a placing authority with a live share reads a part only while
    it is marked shareable with placing authorities; the provider, told of its case, reads part
    two only while it is marked shareable with the provider. Part one is never the provider's.
    """

    __tablename__ = "meeting_part"
    __table_args__ = (
        UniqueConstraint("meeting_id", "number"),
        CheckConstraint("number IN (1, 2)", name="part_number"),
        CheckConstraint("number = 2 OR NOT shared_with_provider", name="part_one_not_provider"),
    )
    RLS_READ = (
        "tenant_id = app_tenant() "
        f"OR (shared_with_placing AND {share_rls('meeting_part')}) "
        f"OR (number = 2 AND shared_with_provider AND {told_provider_rls('meeting_part')})"
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    number: Mapped[int]
    agenda: Mapped[str] = mapped_column(Text, default="")
    minutes: Mapped[str] = mapped_column(Text, default="")
    shared_with_placing: Mapped[bool] = mapped_column(default=False)
    shared_with_provider: Mapped[bool] = mapped_column(default=False)

    meeting: Mapped[Meeting] = relationship(back_populates="parts")

    @classmethod
    def visible_to(cls, scope: Scope):
        return (
            equals(cls.tenant_id, scope.tenant_id)
            | (cls.shared_with_placing.is_(True) & shared_with(cls.case_id, scope))
            | ((cls.number == 2) & cls.shared_with_provider.is_(True)
               & told_provider(cls.case_id, scope))
        )


class MeetingOutcome(TenantScoped, db.Model):
    """What the meeting decided, and a final meeting's reasons the improvements will last.

    Decisions draw on both parts, so besides the host only a placing authority with a live
    share reads them, and only while both parts are shared with placing authorities; never the
    provider. (Counting the shared parts works under row-level security too: the placing
    authority's own policy on ``meeting_part`` shows it exactly the shared ones.)
    """

    __tablename__ = "meeting_outcome"
    __table_args__ = (UniqueConstraint("meeting_id"),)
    RLS_READ = (
        f"tenant_id = app_tenant() OR ({share_rls('meeting_outcome')} AND (SELECT count(*) "
        "FROM meeting_part p WHERE p.meeting_id = meeting_outcome.meeting_id "
        "AND p.shared_with_placing) = 2)"
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    decisions: Mapped[str] = mapped_column(Text, default="")
    sustainability_rationale: Mapped[str] = mapped_column(Text, default="")

    meeting: Mapped[Meeting] = relationship(back_populates="outcome")

    @classmethod
    def visible_to(cls, scope: Scope):
        parts = MeetingPart.__table__
        shared_parts = (
            select(func.count(parts.c.id))
            .where(parts.c.meeting_id == cls.meeting_id, parts.c.shared_with_placing.is_(True))
            .correlate_except(parts)
            .scalar_subquery()
        )
        return equals(cls.tenant_id, scope.tenant_id) | (
            shared_with(cls.case_id, scope) & (shared_parts == 2)
        )


OUTCOME_FIELDS = ("decisions", "sustainability_rationale")


def _outcome_field(name: str) -> property:
    def read(meeting: Meeting) -> str:
        return "" if meeting.outcome is None else getattr(meeting.outcome, name)

    def write(meeting: Meeting, value: str) -> None:
        if meeting.outcome is None:
            meeting.outcome = MeetingOutcome(tenant_id=meeting.tenant_id, case_id=meeting.case_id)
        setattr(meeting.outcome, name, value)

    return property(read, write, doc=f"The meeting's {name}, from its outcome row.")


# The meeting's old attribute names for its parts' columns: name -> (part, column, unread value).
PART_FIELDS = {
    "agenda_part_one": (1, "agenda", ""),
    "agenda_part_two": (2, "agenda", ""),
    "minutes_part_one": (1, "minutes", ""),
    "minutes_part_two": (2, "minutes", ""),
    "part_one_shared_with_placing": (1, "shared_with_placing", False),
    "part_two_shared_with_placing": (2, "shared_with_placing", False),
    "part_two_shared_with_provider": (2, "shared_with_provider", False),
}


def _part_field(name: str) -> property:
    number, column, unread = PART_FIELDS[name]

    def read(meeting: Meeting):
        # A part the reader may not read was never loaded: it reads as empty, not shared.
        part = meeting.part(number)
        return unread if part is None else getattr(part, column)

    def write(meeting: Meeting, value) -> None:
        setattr(meeting.part(number, create=True), column, value)

    return property(read, write, doc=f"Part {number}'s {column}, read through the meeting.")


class Meeting(TenantScoped, CreatedAtMixin, db.Model):
    __tablename__ = "meeting"
    # The provider reads a meeting only where its part two is shared with it (the part's own
    # row, read through Core here and in the policy, decides).
    RLS_READ = (
        f"{owner_or_share_rls('meeting')} "
        "OR (EXISTS (SELECT 1 FROM meeting_part p WHERE p.meeting_id = meeting.id "
        "AND p.number = 2 AND p.shared_with_provider) "
        f"AND {told_provider_rls('meeting')})"
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[MeetingKind] = mapped_column(str_enum(MeetingKind, 30))
    # Part one starts when the meeting does; each part has its own start and end, so someone
    # invited only to part two is told part two's times.
    scheduled_for: Mapped[datetime]
    part_one_ends_at: Mapped[datetime] = mapped_column(default=_after_start(1))
    part_two_starts_at: Mapped[datetime] = mapped_column(default=_after_start(1))
    part_two_ends_at: Mapped[datetime] = mapped_column(default=_after_start(2))
    venue: Mapped[str] = mapped_column(String(300), default="")
    held_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    # The chair's word that the minutes are agreed; until then (and until held) they are DRAFT.
    minutes_final: Mapped[bool] = mapped_column(default=False)
    # The final meeting's decision (stage 6 guard): a fact of the case's stage, which every
    # reader of the case sees move; its reasons are in the outcome row.
    final_decision: Mapped[FinalDecision | None] = mapped_column(
        str_enum(FinalDecision, 20), nullable=True
    )

    attendees: Mapped[list[MeetingAttendee]] = relationship(
        back_populates="meeting", order_by="MeetingAttendee.id", cascade="all, delete-orphan"
    )
    # The parts this reader may read (the rules above leave out the others).
    parts: Mapped[list[MeetingPart]] = relationship(
        back_populates="meeting", order_by=MeetingPart.number, cascade="all, delete-orphan"
    )

    # Loaded with the meeting in the same statement; None for a reader the rule leaves out.
    outcome: Mapped[MeetingOutcome | None] = relationship(
        back_populates="meeting", uselist=False, lazy="joined", cascade="all, delete-orphan"
    )

    decisions = _outcome_field("decisions")
    sustainability_rationale = _outcome_field("sustainability_rationale")
    agenda_part_one = _part_field("agenda_part_one")
    agenda_part_two = _part_field("agenda_part_two")
    minutes_part_one = _part_field("minutes_part_one")
    minutes_part_two = _part_field("minutes_part_two")
    part_one_shared_with_placing = _part_field("part_one_shared_with_placing")
    part_two_shared_with_placing = _part_field("part_two_shared_with_placing")
    part_two_shared_with_provider = _part_field("part_two_shared_with_provider")

    def __init__(self, **values):
        # A new meeting has both its parts and its outcome from the start; their values are
        # set once the meeting knows its authority and case.
        later = {name: values.pop(name) for name in list(values)
                 if name in PART_FIELDS or name in OUTCOME_FIELDS}
        super().__init__(**values)
        for number in (1, 2):
            self.part(number, create=True)
        self.outcome = MeetingOutcome(tenant_id=self.tenant_id, case_id=self.case_id)
        for name, value in later.items():
            setattr(self, name, value)

    def part(self, number: int, *, create: bool = False) -> MeetingPart | None:
        """Return part ``number`` if this reader may read it (or a new one for the host)."""
        for part in self.parts:
            if part.number == number:
                return part
        if not create:
            return None
        part = MeetingPart(tenant_id=self.tenant_id, case_id=self.case_id, number=number)
        self.parts.append(part)
        return part

    @classmethod
    def visible_to(cls, scope: Scope):
        parts = MeetingPart.__table__
        # Never correlated to a meeting_part the outer query joins: always this meeting's part.
        part_two_for_provider = exists(select(parts.c.id)).where(
            parts.c.meeting_id == cls.id, parts.c.number == 2, parts.c.shared_with_provider.is_(True)
        ).correlate_except(parts)
        return owner_or_share(cls, scope) | (part_two_for_provider & told_provider(cls.case_id, scope))


class MeetingAttendee(TenantScoped, db.Model):
    """Someone invited: a staff user of any authority in the case, or a named agency person."""

    __tablename__ = "meeting_attendee"
    RLS_READ = owner_or_share_rls("meeting_attendee")

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    authority_id: Mapped[int | None] = mapped_column(ForeignKey("authority.id"))
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    part_one: Mapped[bool] = mapped_column(default=True)
    part_two: Mapped[bool] = mapped_column(default=True)
    attended: Mapped[bool | None]
    # Sent apologies before the meeting (not the same as simply absent).
    apologies: Mapped[bool] = mapped_column(default=False)

    meeting: Mapped[Meeting] = relationship(back_populates="attendees")
    user: Mapped[User | None] = relationship()
    authority: Mapped[Authority | None] = relationship(foreign_keys=[authority_id])

    @classmethod
    def visible_to(cls, scope: Scope):
        return owner_or_share(cls, scope)
