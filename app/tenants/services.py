"""Memberships: whom a user acts for, and an authority administrator's changes to its people."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app, url_for
from sqlalchemy import select

from app.audit.services import record
from app.auth.models import Realm, User, new_session_nonce
from app.auth.passwords import hash_password
from app.auth.services import find_user_by_email, normalise_email
from app.db import utcnow
from app.extensions import db
from app.jobs.outbox import enqueue_email
from app.links import absolute_url
from app.tenants.models import Authority, Invitation, Membership, Role
from app.tenants.scoping import Scope, scoped_as, set_scope


def memberships_of(user: User) -> list[Membership]:
    """Return the user's active memberships of active authorities, by authority name."""
    with scoped_as(db.session, Scope(user_id=user.id)):
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


def list_members(authority_id: int) -> list[Membership]:
    return list(
        db.session.scalars(
            select(Membership)
            .join(User, User.id == Membership.user_id)
            .where(Membership.tenant_id == authority_id)
            .order_by(Membership.active.desc(), User.name)
        )
    )


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


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(authority_id: int, *, email: str, name: str, roles, invited_by: User) -> str:
    """Invite a person to the authority and email them; return their one-time link."""
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        tenant_id=authority_id,
        email=normalise_email(email),
        name=name,
        roles_text=" " + " ".join(sorted(Role(r).value for r in roles)) + " ",
        token_hash=_token_hash(token),
        invited_by_id=invited_by.id,
        expires_at=utcnow() + timedelta(hours=current_app.config["INVITATION_MAX_AGE_HOURS"]),
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
    link = absolute_url("tenants.accept_invitation", token=f"{authority_id}.{token}")
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
            "link": link,
            "expires_hours": current_app.config["INVITATION_MAX_AGE_HOURS"],
        },
    )
    db.session.commit()
    return link


def find_invitation(link_token: str) -> Invitation | None:
    """Find an open invitation from the token in its link, acting for its authority."""
    authority_part, _, token = (link_token or "").partition(".")
    if not authority_part.isdigit() or not token:
        return None
    # The visitor is anonymous; the link names the authority, and only that authority's
    # invitations are searched for the token.
    set_scope(db.session, Scope(tenant_id=int(authority_part)))
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.token_hash == _token_hash(token))
    )
    if invitation is None or invitation.accepted_at or invitation.revoked_at:
        return None
    return invitation if invitation.expires_at > utcnow() else None


def accept_invitation(invitation: Invitation, password: str) -> User | str:
    """Create or join the account for an invitation; return the user or why it failed."""
    user = find_user_by_email(invitation.email)
    if user is not None and user.realm is not Realm.STAFF:
        return "This email address is used by a provider account and cannot join an authority."
    if user is None:
        user = User(email=invitation.email, name=invitation.name, realm=Realm.STAFF)
        db.session.add(user)
    elif not user.active:
        return "This account has been closed. Contact the administrator who invited you."
    user.password_hash = hash_password(password)
    user.session_nonce = new_session_nonce()
    db.session.flush()
    with scoped_as(db.session, Scope(tenant_id=invitation.tenant_id, user_id=user.id)):
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
        invitation.accepted_at = utcnow()
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
    return user


def set_roles(membership: Membership, roles, *, by: User) -> None:
    old = sorted(membership.roles)
    membership.roles = roles
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
    with scoped_as(db.session, Scope(tenant_id=authority.id, user_id=by.id, platform_admin=True)):
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
