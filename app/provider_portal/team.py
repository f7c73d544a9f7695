"""A provider manager's team: invite contributors of its own organisation, deactivate them.

Provider accounts are not an authority's records: their changes go to the platform's audit
chain, as the platform admin's own provider invitations do (app/provider_portal/services.py).
"""

from __future__ import annotations

from sqlalchemy import select

from app.audit.services import record
from app.auth.models import User
from app.auth.sessions import end_sessions_of
from app.extensions import db
from app.provider_portal import services
from app.providers.models import Provider, ProviderInvitation, ProviderMembership, ProviderRole
from app.tenants.scoping import get_scope, provider_user_in_platform_chain
from app.unit_of_work import operation


def _platform_chain(by: User):
    """Act in the platform's audit and outbox chain for one write, as this provider user."""
    scope = get_scope(db.session)
    return provider_user_in_platform_chain(db.session, by.id, scope.provider_id,
                                           why="a provider manager's team change")


def members_of(provider_id: int) -> list[ProviderMembership]:
    return list(
        db.session.scalars(
            select(ProviderMembership)
            .where(ProviderMembership.provider_id == provider_id)
            .order_by(ProviderMembership.active.desc(), ProviderMembership.id)
        )
    )


@operation
def invite_contributor(provider: Provider, *, name: str, email: str,
                       by: User) -> ProviderInvitation | str:
    """Invite a colleague as a contributor; return the invitation or why not."""
    problem = services.cannot_invite(provider, email)
    if problem:
        return problem
    with _platform_chain(by):
        return services.invite(provider, name=name, email=email,
                               role=ProviderRole.CONTRIBUTOR.value, by=by)


def get_contributor(provider_id: int, membership_id: int) -> ProviderMembership | None:
    """Return a contributor of the provider (a manager's team never includes other managers)."""
    return db.session.scalar(
        select(ProviderMembership).where(
            ProviderMembership.id == membership_id,
            ProviderMembership.provider_id == provider_id,
            ProviderMembership.role == ProviderRole.CONTRIBUTOR,
        )
    )


@operation
def deactivate(membership: ProviderMembership, *, by: User) -> None:
    """Stop a contributor acting for the provider, and end their sessions now."""
    membership.active = False
    end_sessions_of(membership.user_id, "provider_membership_deactivated")
    with _platform_chain(by):
        record(
            db.session,
            action="provider_membership.deactivated",
            obj=membership,
            tenant_id=None,
            actor_user_id=by.id,
            old={"active": True},
            new={"active": False, "provider_id": membership.provider_id},
        )
        db.session.flush()
