"""Memberships: whom a user acts for, and an authority administrator's changes to its people."""

from __future__ import annotations

from flask import current_app, url_for
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

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
from app.tenants.scoping import (
    acting_for_authority,
    as_platform_admin_of,
    as_user_only,
    for_invitation_link,
)


def memberships_of(user: User) -> list[Membership]:
    """Return the user's active memberships of active authorities, by authority name."""
    with as_user_only(db.session, user.id, why="the person's own memberships"):
        return list(
            db.session.scalars(
                select(Membership)
                .join(Authority, Authority.id == Membership.tenant_id)
                .where(
                    Membership.user_id == user.id,
                    Membership.active.is_(True),
                    Authority.active.is_(True),
                )
                .order_by(Authority.name)
            )
        )


def is_active_member(user: User, authority_id: int) -> bool:
    return any(m.tenant_id == authority_id for m in memberships_of(user))


def home_for_staff(user: User) -> str:
    memberships = memberships_of(user)
    if len(memberships) == 1:
        return url_for("tenants.home", authority_id=memberships[0].tenant_id)
    if not memberships and user.is_platform_admin:
        return url_for("admin.index")
    return url_for("tenants.choose_authority")


def members_of(authority_id: int):
    """The statement listing an authority's memberships, active first, with their users."""
    return (
        select(Membership)
        .join(User, User.id == Membership.user_id)
        .options(contains_eager(Membership.user))
        .where(Membership.tenant_id == authority_id)
        .order_by(Membership.active.desc(), User.name, Membership.id)
    )


def list_members(authority_id: int) -> list[Membership]:
    return list(db.session.scalars(members_of(authority_id)))


def get_member(authority_id: int, membership_id: int) -> Membership | None:
    return db.session.scalar(
        select(Membership).where(
            Membership.id == membership_id, Membership.tenant_id == authority_id
        )
    )


def pending_invitations(authority_id: int) -> list[Invitation]:
    return list(
        db.session.scalars(
            select(Invitation)
            .where(
                Invitation.tenant_id == authority_id,
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
            )
            .order_by(Invitation.created_at.desc())
        )
    )


def get_pending_invitation(authority_id: int, invitation_id: int) -> Invitation | None:
    invitation = db.session.scalar(
        select(Invitation).where(
            Invitation.id == invitation_id, Invitation.tenant_id == authority_id
        )
    )
    return invitation if tokens.is_open(invitation) else None


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
    db.session.commit()
    return invitation


def find_invitation(link_token: str) -> Invitation | None:
    """Find an open invitation from the token in its link, acting for its authority."""
    authority_part, _, token = (link_token or "").partition(".")
    if not authority_part.isdigit() or not token or len(authority_part) > 9:
        return None
    # The visitor may be anonymous; the link names the authority, and only that authority's
    # invitations are searched for the token.
    for_invitation_link(db.session, int(authority_part))
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.token_hash == tokens.token_hash(token))
    )
    return invitation if tokens.is_open(invitation) else None


def create_account(invitation: Invitation, password: str) -> User | str:
    """Create the invitee's account from an invitation to an email nobody uses yet."""
    user = accepting.new_account(invitation, password, Realm.STAFF)
    if isinstance(user, User):
        _join(invitation, user)
    return user


def join(invitation: Invitation, user: User) -> str | None:
    """Accept an invitation for the signed-in account it was sent to; return why not, if not."""
    problem = accepting.why_not_join(invitation, user, account_problem)
    if problem is None:
        _join(invitation, user)
    return problem


def account_problem(user: User) -> str | None:
    """Why an existing account cannot join an authority, or None."""
    if user.realm is not Realm.STAFF or not user.active:
        return "This account cannot join an authority. Contact the administrator who invited you."
    return None


def _join(invitation: Invitation, user: User) -> None:
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
        db.session.commit()


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
    db.session.commit()


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
    db.session.commit()


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
    db.session.commit()


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
        db.session.commit()
    return membership
