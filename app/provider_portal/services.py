"""Provider accounts: invitations to a provider organisation, sent by email and accepted once."""

from __future__ import annotations

from sqlalchemy import select

from app.audit.services import record
from app.auth import accepting
from app.auth import invitation_tokens as tokens
from app.auth.models import Realm, User
from app.auth.services import find_user_by_email, normalise_email
from app.db import utcnow
from app.extensions import db
from app.jobs.outbox import enqueue_email
from app.links import absolute_url
from app.providers.models import Provider, ProviderInvitation, ProviderMembership, ProviderRole
from app.tenants.scoping import acting_for_platform
from app.unit_of_work import operation

ROLE_LABELS = {
    ProviderRole.MANAGER: "Provider manager",
    ProviderRole.CONTRIBUTOR: "Provider contributor",
}


def cannot_invite(provider: Provider, email: str) -> str | None:
    """Return why this email cannot be invited to the provider, or None."""
    user = find_user_by_email(email)
    if user is None:
        return None
    if user.realm is not Realm.PROVIDER:
        return "This email address belongs to a staff account: use another address"
    already = db.session.scalar(
        select(ProviderMembership).where(
            ProviderMembership.provider_id == provider.id, ProviderMembership.user_id == user.id
        )
    )
    return "This person is already a user of this provider" if already else None


@operation
def invite(provider: Provider, *, name: str, email: str, role: str, by: User) -> ProviderInvitation:
    """Invite a person to a provider (in the caller's scope); the link goes only to their email."""
    token = tokens.new_token()
    invitation = ProviderInvitation(
        provider_id=provider.id,
        email=normalise_email(email),
        name=name,
        role=ProviderRole(role),
        token_hash=tokens.token_hash(token),
        invited_by_id=by.id,
        expires_at=tokens.expiry(),
    )
    db.session.add(invitation)
    record(
        db.session,
        action="provider_invitation.created",
        obj=invitation,
        tenant_id=None,
        actor_user_id=by.id,
        new={"provider_id": provider.id, "email": invitation.email, "role": role},
    )
    enqueue_email(
        db.session,
        tenant_id=None,
        template="provider_password",
        recipient=invitation.email,
        key=f"provider-invitation:{invitation.id}",
        created_by_id=by.id,
        context={
            "name": name,
            "provider_name": provider.name,
            "link": absolute_url("provider_portal.accept_invitation", token=token),
        },
    )
    return invitation


def pending_invitations(provider: Provider) -> list[ProviderInvitation]:
    rows = db.session.scalars(
        select(ProviderInvitation)
        .where(ProviderInvitation.provider_id == provider.id)
        .order_by(ProviderInvitation.created_at.desc())
    )
    return [row for row in rows if tokens.is_open(row)]


def get_pending_invitation(provider: Provider, invitation_id: int) -> ProviderInvitation | None:
    invitation = db.session.scalar(
        select(ProviderInvitation).where(
            ProviderInvitation.id == invitation_id,
            ProviderInvitation.provider_id == provider.id,
        )
    )
    return invitation if tokens.is_open(invitation) else None


def find_invitation(token: str) -> ProviderInvitation | None:
    invitation = db.session.scalar(
        select(ProviderInvitation).where(ProviderInvitation.token_hash == tokens.token_hash(token))
    )
    if invitation is None or not invitation.provider.active:
        return None
    return invitation if tokens.is_open(invitation) else None


@operation
def create_account(invitation: ProviderInvitation, password: str) -> User | str:
    """Create the invitee's provider account from an invitation to an unused email."""
    user = accepting.new_account(invitation, password, Realm.PROVIDER)
    if isinstance(user, User):
        _join(invitation, user)
    return user


@operation
def join(invitation: ProviderInvitation, user: User) -> str | None:
    """Accept an invitation for the signed-in account it was sent to; return why not, if not."""
    problem = accepting.why_not_join(invitation, user, account_problem)
    if problem is None:
        _join(invitation, user)
    return problem


def account_problem(user: User) -> str | None:
    """Why an existing account cannot join a provider, or None."""
    if user.realm is not Realm.PROVIDER or not user.active:
        return "This account cannot join a provider. Contact the administrator who invited you."
    return None


def _join(invitation: ProviderInvitation, user: User) -> None:
    membership = db.session.scalar(
        select(ProviderMembership).where(
            ProviderMembership.provider_id == invitation.provider_id,
            ProviderMembership.user_id == user.id,
        )
    )
    if membership is None:
        membership = ProviderMembership(provider_id=invitation.provider_id, user_id=user.id)
        db.session.add(membership)
    membership.role = invitation.role
    membership.active = True
    now = utcnow()
    invitation.accepted_at = now
    # One acceptance spends every other invitation of this email to this provider.
    accepting.spend_the_others(invitation, ProviderInvitation.provider_id, now)
    # Provider changes belong to the platform's audit chain.
    with acting_for_platform(db.session, user_id=user.id, why="a provider invitation accepted"):
        record(
            db.session,
            action="provider_invitation.accepted",
            obj=membership,
            tenant_id=None,
            actor_user_id=user.id,
            new={"provider_id": invitation.provider_id, "email": user.email,
                 "role": invitation.role.value},
        )
        db.session.flush()


@operation
def revoke(invitation: ProviderInvitation, *, by: User) -> None:
    invitation.revoked_at = utcnow()
    record(
        db.session,
        action="provider_invitation.revoked",
        obj=invitation,
        tenant_id=None,
        actor_user_id=by.id,
        old={"email": invitation.email},
    )
