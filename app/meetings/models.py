"""Meetings of a case: kinds, the two parts, attendees, agenda, minutes and decisions.

Part one is held without the provider and part two with it. The schedule and attendees are
read by placing authorities with a share; minutes only where marked shareable (the views apply
the per-part flags, DESIGN.md's visibility table).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.cases.visibility import (
    owner_or_share,
    owner_or_share_rls,
    told_provider,
    told_provider_rls,
)
from app.db import CreatedAtMixin, str_enum
from app.extensions import db
from app.tenants.models import Authority
from app.tenants.scoping import Scope, TenantScoped


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


class Meeting(TenantScoped, CreatedAtMixin, db.Model):
    __tablename__ = "meeting"
    # The provider reads a meeting only where its part two minutes are shared with it; the
    # portal's services hand on part two alone (app/provider_portal/concerns.py).
    RLS_READ = (
        f"{owner_or_share_rls('meeting')} "
        f"OR (part_two_shared_with_provider AND {told_provider_rls('meeting')})"
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
    agenda_part_one: Mapped[str] = mapped_column(Text, default="")
    agenda_part_two: Mapped[str] = mapped_column(Text, default="")
    minutes_part_one: Mapped[str] = mapped_column(Text, default="")
    minutes_part_two: Mapped[str] = mapped_column(Text, default="")
    part_one_shared_with_placing: Mapped[bool] = mapped_column(default=False)
    part_two_shared_with_placing: Mapped[bool] = mapped_column(default=False)
    part_two_shared_with_provider: Mapped[bool] = mapped_column(default=False)
    decisions: Mapped[str] = mapped_column(Text, default="")
    # The chair's word that the minutes are agreed; until then (and until held) they are DRAFT.
    minutes_final: Mapped[bool] = mapped_column(default=False)
    # The final meeting's decision and why the improvements will last (stage 6 guard).
    final_decision: Mapped[FinalDecision | None] = mapped_column(
        str_enum(FinalDecision, 20), nullable=True
    )
    sustainability_rationale: Mapped[str] = mapped_column(Text, default="")

    attendees: Mapped[list[MeetingAttendee]] = relationship(
        back_populates="meeting", order_by="MeetingAttendee.id", cascade="all, delete-orphan"
    )

    @classmethod
    def visible_to(cls, scope: Scope):
        return owner_or_share(cls, scope) | (
            cls.part_two_shared_with_provider.is_(True) & told_provider(cls.case_id, scope)
        )


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
