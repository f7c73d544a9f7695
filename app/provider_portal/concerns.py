"""A provider's view of its own concerns: what the host let it see, and nothing else.

Which cases, actions and meetings a provider reads at all is decided by the scoping rules
(the case once the host recorded that the provider was told and no exclusion holds; actions
the provider owns; meetings whose part two minutes are shared with it). These functions hand
the pages only the parts meant for the provider: a meeting leaves here as its part two alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.actions.models import Action, ActionStatus, OwnerKind
from app.actions.provider_updates import ProviderActionUpdate, latest_updates  # noqa: F401
from app.cases import key_dates
from app.cases.clocks import Clock
from app.cases.models import Case
from app.extensions import db
from app.meetings.models import Meeting, MeetingKind, MeetingPart

# The deadlines the provider itself works to or is told about.
PROVIDER_CLOCKS = ("improvement_plan", "project_meeting", "closure_notice")
OUTSTANDING = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


@dataclass(frozen=True)
class SharedMinutes:
    """Part two of a held meeting, as shared with the provider."""

    meeting_id: int
    kind: MeetingKind
    starts_at: datetime
    agenda: str
    minutes: str
    final: bool


def cases_of(provider_id: int) -> list[Case]:
    """Return the provider's concerns that it may see, newest first."""
    return list(
        db.session.scalars(
            select(Case).where(Case.provider_id == provider_id).order_by(Case.opened_at.desc())
        )
    )


def get_concern(provider_id: int, case_id: int) -> Case | None:
    """Return one of the provider's concerns, or None if it may not see it."""
    return db.session.scalar(
        select(Case).where(Case.id == case_id, Case.provider_id == provider_id)
    )


def clocks_of(case: Case) -> list[Clock]:
    """Return the host's deadlines that concern the provider."""
    return [c for c in key_dates.clocks_from(case.key_dates) if c.key in PROVIDER_CLOCKS]


def actions_of(case: Case) -> list[Action]:
    """Return the case's actions owned by the provider, outstanding first, soonest due first."""
    actions = db.session.scalars(
        select(Action).where(Action.case_id == case.id, Action.owner_kind == OwnerKind.PROVIDER)
    )
    return sorted(actions, key=lambda a: (a.status not in OUTSTANDING, a.due_on, a.id))


def shared_minutes(case: Case) -> list[SharedMinutes]:
    """Return part two of each held meeting whose part two is shared with the provider (the
    only part rows the provider can read)."""
    rows = db.session.execute(
        select(Meeting, MeetingPart)
        .join(MeetingPart, MeetingPart.meeting_id == Meeting.id)
        .where(
            Meeting.case_id == case.id,
            MeetingPart.number == 2,
            MeetingPart.shared_with_provider.is_(True),
            Meeting.held_at.is_not(None),
            Meeting.cancelled_at.is_(None),
        )
        .order_by(Meeting.part_two_starts_at)
    )
    return [
        SharedMinutes(
            meeting_id=meeting.id,
            kind=meeting.kind,
            starts_at=meeting.part_two_starts_at,
            agenda=part.agenda,
            minutes=part.minutes,
            final=meeting.minutes_final,
        )
        for meeting, part in rows
    ]


def get_own_action(case: Case, action_id: int) -> Action | None:
    """Return an action of the case that the provider owns, or None."""
    return db.session.scalar(
        select(Action).where(Action.id == action_id, Action.case_id == case.id,
                             Action.owner_kind == OwnerKind.PROVIDER)
    )
