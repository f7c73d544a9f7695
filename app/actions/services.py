"""Reading a case's actions, who may own one, and how many are overdue.

Scoping decides which actions a reader sees at all (the host all of them, a placing authority
with a live share those its own authority owns); ``actions_of`` says the same thing again for a
placing authority so that the page never relies on one layer alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.actions.models import Action, ActionStatus, OwnerKind
from app.cases.clocks import LONDON
from app.cases.models import Case
from app.extensions import db
from app.meetings.models import Meeting
from app.placing.models import CaseShare
from app.tenants.models import Authority

OUTSTANDING = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


def today() -> date:
    """Return today's date in England, which is when an action falls due."""
    return datetime.now(LONDON).date()


def actions_of(case: Case, reader_authority_id: int) -> list[Action]:
    """Return the case's actions the reader may see, outstanding first, soonest due first."""
    statement = (
        select(Action)
        .options(selectinload(Action.owner_user), selectinload(Action.owner_authority))
        .where(Action.case_id == case.id)
    )
    if reader_authority_id != case.tenant_id:
        statement = statement.where(Action.owner_kind == OwnerKind.AUTHORITY,
                                    Action.owner_authority_id == reader_authority_id)
    actions = db.session.scalars(statement)
    return sorted(actions, key=lambda a: (a.status not in OUTSTANDING, a.due_on, a.id))


def get_action(case: Case, action_id: int) -> Action | None:
    return db.session.scalar(
        select(Action).where(Action.id == action_id, Action.case_id == case.id)
    )


def overdue_actions_count(case_ids: Iterable[int], on: date | None = None) -> dict[int, int]:
    """Return, per case, how many of the actions the reader sees are past due and not done."""
    case_ids = list(case_ids)
    counts = dict.fromkeys(case_ids, 0)
    if not case_ids:
        return counts
    rows = db.session.execute(
        select(Action.case_id, func.count(Action.id))
        .where(Action.case_id.in_(case_ids), Action.status.in_(OUTSTANDING),
               Action.due_on < (on or today()))
        .group_by(Action.case_id)
    )
    counts.update({case_id: count for case_id, count in rows})
    return counts


# Who may own an action of a case.


@dataclass(frozen=True)
class Owner:
    """One choice of owner: a host user, an authority in the case, the provider or an agency."""

    kind: OwnerKind
    label: str
    user_id: int | None = None
    authority_id: int | None = None

    @property
    def value(self) -> str:
        ident = self.user_id or self.authority_id
        return f"{self.kind.value}:{ident}" if ident else self.kind.value


AGENCY = Owner(OwnerKind.AGENCY, "Another agency (enter its name below)")


def owner_of(action: Action) -> Owner:
    """Return the owner an action has now, as a choice of the owner list."""
    if action.owner_kind is OwnerKind.USER:
        name = action.owner_user.name if action.owner_user else "Unknown person"
        return Owner(OwnerKind.USER, name, user_id=action.owner_user_id)
    if action.owner_kind is OwnerKind.AUTHORITY:
        name = action.owner_authority.name if action.owner_authority else "Unknown authority"
        return Owner(OwnerKind.AUTHORITY, name, authority_id=action.owner_authority_id)
    if action.owner_kind is OwnerKind.PROVIDER:
        return Owner(OwnerKind.PROVIDER, "The provider")
    return AGENCY


def owner_label(action: Action, case: Case) -> str:
    """Return how an action's owner reads on the page."""
    if action.owner_kind is OwnerKind.PROVIDER:
        return f"{case.provider.name} (provider)"
    if action.owner_kind is OwnerKind.AGENCY:
        return action.owner_agency
    return owner_of(action).label


def live_share_authorities(case: Case) -> list[Authority]:
    return list(
        db.session.scalars(
            select(Authority)
            .join(CaseShare, CaseShare.placing_authority_id == Authority.id)
            .where(CaseShare.case_id == case.id, CaseShare.ended_at.is_(None))
            .order_by(Authority.name)
        )
    )


def owner_choices(case: Case, current: Action | None = None) -> list[Owner]:
    """Return who may own an action of the case: the host's staff, the host and each placing
    authority with a live share, the provider, or a named agency.

    An action keeps its current owner as a choice even if that owner has since left the case.
    """
    from app.cases.services import staff_of

    host = case.host_authority
    owners = [Owner(OwnerKind.USER, f"{person.name} ({host.name})", user_id=person.id)
              for person in staff_of(case.tenant_id) if person.active]
    owners += [Owner(OwnerKind.AUTHORITY, authority.name, authority_id=authority.id)
               for authority in [host, *live_share_authorities(case)]]
    owners += [Owner(OwnerKind.PROVIDER, f"{case.provider.name} (the provider)"), AGENCY]
    if current is not None and owner_of(current).value not in {o.value for o in owners}:
        owners.insert(0, owner_of(current))
    return owners


def meetings_of(case: Case) -> list[Meeting]:
    return list(
        db.session.scalars(
            select(Meeting).where(Meeting.case_id == case.id).order_by(Meeting.scheduled_for)
        )
    )
