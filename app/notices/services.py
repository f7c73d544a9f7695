"""Reading provider notices, and who at the host is alerted when one arrives."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.auth.models import User
from app.cases.models import Case
from app.extensions import db
from app.notices.models import ProviderNotice
from app.tenants.models import Membership, Role

# Who must know at once: the people who decide on closure, emergency plans and the contract.
ALERTED_ROLES = frozenset({Role.DASS, Role.LEAD_OFFICER, Role.COORDINATOR, Role.CHAIR})


@dataclass(frozen=True)
class Alerted:
    user: User
    role: str


def notices_of(case: Case) -> list[ProviderNotice]:
    return list(db.session.scalars(select(ProviderNotice).where(ProviderNotice.case_id == case.id)
                                   .order_by(ProviderNotice.given_at.desc(), ProviderNotice.id)))


def get_notice(case: Case, notice_id: int) -> ProviderNotice | None:
    return db.session.scalar(select(ProviderNotice).where(ProviderNotice.id == notice_id,
                                                          ProviderNotice.case_id == case.id))


def people_to_alert(case: Case) -> list[Alerted]:
    """The case's lead officer, and every active member of the host with a deciding role.
    Read as the host (the caller switched to it)."""
    people: dict[int, Alerted] = {}
    if case.lead_officer is not None:
        people[case.lead_officer.id] = Alerted(case.lead_officer, "the case's Lead Officer")
    memberships = db.session.scalars(select(Membership).where(
        Membership.tenant_id == case.tenant_id, Membership.active.is_(True)))
    for membership in memberships:
        roles = sorted(membership.roles & ALERTED_ROLES)
        if roles and membership.user_id not in people:
            user = db.session.get(User, membership.user_id)
            if user is not None and user.active:
                people[user.id] = Alerted(user, roles[0].label)
    return list(people.values())
