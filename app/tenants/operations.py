"""Changes to an authority's people: invitations, joining, roles, deactivation.

Each public function is an operation (app/unit_of_work.py): it writes its audit event and
commits as one unit of work. Reads are in app/tenants/services.py.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from app.audit.services import record
from app.auth import accepting
from app.auth import invitation_tokens as tokens
from app.auth.models import Realm, User
from app.auth.services import normalise_email
from app.auth.sessions import end_sessions_of
from app.db import utcnow
from app.extensions import db
from app.jobs.outbox import enqueue_email
from app.links import absolute_url
from app.tenants.models import Authority, Invitation, Membership, Role
from app.tenants.scoping import acting_for_authority, as_platform_admin_of
from app.tenants.services import account_problem
from app.unit_of_work import operation


@operation
def invite(authority_id: int, *, email: str, name: str, roles, invited_by: User) -> Invitation:
    """Invite a person to the authority; the one-time link goes to their email and nowhere else."""
    token = tokens.new_token()
    invitation = Invitation(
        tenant_id=authority_id,
        email=normalise_email(email),
        name=name,
        roles_text=" " + " ".join(sorted(Role(r).value for r in roles)) + " ",
        token_hash=tokens.token_hash(token),
        invited_by_id=invited_by.id,
        expires_at=tokens.expiry(),
    )
    db.session.add(invitation)
    record(
        db.session,
        action="invitation.created",
        obj=invitation,
        tenant_id=authority_id,
        actor_user_id=invited_by.id,
        actor_authority_id=authority_id,
        new={"email": invitation.email, "name": name, "roles": sorted(invitation.roles)},
    )
    enqueue_email(
        db.session,
        tenant_id=authority_id,
        template="invitation",
        recipient=invitation.email,
        key=f"invitation:{invitation.id}",
        created_by_id=invited_by.id,
        context={
            "name": name,
            "invited_by": invited_by.name,
            "authority_name": db.session.get(Authority, authority_id).name,
            "link": absolute_url("tenants.accept_invitation", token=f"{authority_id}.{token}"),
            "expires_hours": current_app.config["INVITATION_MAX_AGE_HOURS"],
        },
    )
    return invitation


@operation
def create_account(invitation: Invitation, password: str) -> User | str:
    """Create the invitee's account from an invitation to an email nobody uses yet."""
    user = accepting.new_account(invitation, password, Realm.STAFF)
    if isinstance(user, User):
        _join(invitation, user)
    return user


@operation
def join(invitation: Invitation, user: User) -> str | None:
    """Accept an invitation for the signed-in account it was sent to; return why not, if not."""
    problem = accepting.why_not_join(invitation, user, account_problem)
    if problem is None:
        _join(invitation, user)
    return problem


def _join(invitation: Invitation, user: User) -> None:
    # As the authority, which the invitee is not a member of yet; written before the scope
    # is restored, so the whole of create_account or join is one unit.
    with acting_for_authority(db.session, invitation.tenant_id, user_id=user.id,
                              why="joining by invitation"):
        membership = db.session.scalar(
            select(Membership).where(
                Membership.tenant_id == invitation.tenant_id, Membership.user_id == user.id
            )
        )
        if membership is None:
            membership = Membership(tenant_id=invitation.tenant_id, user_id=user.id)
            db.session.add(membership)
        membership.roles = invitation.roles
        membership.active = True
        membership.deactivated_at = None
        now = utcnow()
        invitation.accepted_at = now
        # One acceptance spends every other invitation of this email to this authority.
        accepting.spend_the_others(invitation, Invitation.tenant_id, now)
        record(
            db.session,
            action="invitation.accepted",
            obj=membership,
            tenant_id=invitation.tenant_id,
            actor_user_id=user.id,
            actor_authority_id=invitation.tenant_id,
            new={"user": user.email, "roles": sorted(membership.roles)},
        )
        db.session.flush()


@operation
def revoke_invitation(invitation: Invitation, *, by: User) -> None:
    invitation.revoked_at = utcnow()
    record(
        db.session,
        action="invitation.revoked",
        obj=invitation,
        tenant_id=invitation.tenant_id,
        actor_user_id=by.id,
        actor_authority_id=invitation.tenant_id,
        old={"email": invitation.email},
    )


@operation
def set_roles(membership: Membership, roles, *, by: User) -> None:
    old = sorted(membership.roles)
    removed = membership.roles - frozenset(Role(r) for r in roles)
    membership.roles = roles
    if removed:
        # A removed role ends the person's sessions now, not when they next sign in.
        end_sessions_of(membership.user_id, "role_removed")
    record(
        db.session,
        action="membership.roles_changed",
        obj=membership,
        tenant_id=membership.tenant_id,
        actor_user_id=by.id,
        actor_authority_id=membership.tenant_id,
        old={"roles": old},
        new={"roles": sorted(membership.roles)},
    )


@operation
def set_active(membership: Membership, active: bool, *, by: User) -> None:
    membership.active = active
    membership.deactivated_at = None if active else utcnow()
    if not active:
        end_sessions_of(membership.user_id, "membership_deactivated")
    record(
        db.session,
        action="membership.reactivated" if active else "membership.deactivated",
        obj=membership,
        tenant_id=membership.tenant_id,
        actor_user_id=by.id,
        actor_authority_id=membership.tenant_id,
        old={"active": not active},
        new={"active": active},
    )


@operation
def add_member(authority: Authority, user: User, roles, *, by: User) -> Membership:
    """Add an existing or new user to an authority (the platform admin's first admin)."""
    with as_platform_admin_of(db.session, authority.id, by.id, why="adding a member"):
        membership = Membership(tenant_id=authority.id, user_id=user.id)
        membership.roles = roles
        db.session.add(membership)
        record(
            db.session,
            action="membership.created",
            obj=membership,
            tenant_id=authority.id,
            actor_user_id=by.id,
            new={"user": user.email, "roles": sorted(membership.roles)},
        )
        db.session.flush()
    return membership
