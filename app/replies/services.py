"""Reading the right of reply: the meetings whose findings the provider may answer, the window
each gives, and the points raised."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from app.cases.clocks import add_working_days
from app.cases.models import Case
from app.cases.procedure_settings import settings_for
from app.extensions import db
from app.london_time import london_date, today
from app.meetings.models import Meeting, MeetingPart
from app.replies.models import ReplyPoint


@dataclass
class Findings:
    """A held meeting whose part two minutes the provider was given, and its reply window."""

    meeting: Meeting
    reply_by: date
    points: list[ReplyPoint] = field(default_factory=list)

    @property
    def open(self) -> bool:
        return today() <= self.reply_by


def findings_of(case: Case) -> list[Findings]:
    """Return the shared findings of the case, oldest first, each with its points."""
    meetings = db.session.scalars(
        select(Meeting)
        # Shared with the provider: its part two row says so (app/meetings/models.py).
        .join(MeetingPart, (MeetingPart.meeting_id == Meeting.id) & (MeetingPart.number == 2))
        .where(Meeting.case_id == case.id, MeetingPart.shared_with_provider.is_(True),
               Meeting.held_at.is_not(None), Meeting.cancelled_at.is_(None))
        .order_by(Meeting.held_at))
    days = settings_for(case.tenant_id).right_of_reply_working_days
    found = {m.id: Findings(m, add_working_days(london_date(m.held_at), days)) for m in meetings}
    points = db.session.scalars(select(ReplyPoint).where(ReplyPoint.case_id == case.id)
                                .order_by(ReplyPoint.raised_at, ReplyPoint.id))
    for point in points:
        if point.meeting_id in found:
            found[point.meeting_id].points.append(point)
    return list(found.values())


def findings_for(case: Case, meeting_id: int) -> Findings | None:
    return next((f for f in findings_of(case) if f.meeting.id == meeting_id), None)


def get_point(case: Case, point_id: int) -> ReplyPoint | None:
    return db.session.scalar(select(ReplyPoint).where(ReplyPoint.id == point_id,
                                                      ReplyPoint.case_id == case.id))
