"""Reading what closing a case needs: the final meeting and the provider's managers."""

from __future__ import annotations

from sqlalchemy import select

from app.auth.models import User
from app.cases.models import Case
from app.extensions import db
from app.meetings.models import FinalDecision, Meeting, MeetingKind
from app.providers.models import ProviderMembership, ProviderRole


def closing_meeting(case_id: int) -> Meeting | None:
    """Return the latest held final meeting that decided to close the case."""
    return db.session.scalar(
        select(Meeting)
        .where(Meeting.case_id == case_id, Meeting.kind == MeetingKind.FINAL,
               Meeting.held_at.is_not(None), Meeting.final_decision == FinalDecision.CLOSE)
        .order_by(Meeting.held_at.desc())
        .limit(1)
    )


def case_and_final_meeting(case_id: int) -> tuple[Case, Meeting]:
    case = db.session.get(Case, case_id)
    final = closing_meeting(case_id) if case else None
    if case is None or final is None:
        raise LookupError(f"case {case_id} has no final meeting that decided to close it")
    return case, final


def provider_managers(provider_id: int) -> list[User]:
    return list(db.session.scalars(
        select(User).join(ProviderMembership, ProviderMembership.user_id == User.id)
        .where(ProviderMembership.provider_id == provider_id, ProviderMembership.active.is_(True),
               ProviderMembership.role == ProviderRole.MANAGER, User.active.is_(True))
        .order_by(User.name)))
