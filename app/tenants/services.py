"""Memberships: whom a user acts for, an authority's people and its open invitations (reads;
the changes are in app/tenants/operations.py)."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from app.auth import invitation_tokens as tokens
from app.auth.models import Realm, User
from app.extensions import db
from app.tenants.models import Authority, Invitation, Membership
from app.tenants.scoping import (
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


def account_problem(user: User) -> str | None:
    """Why an existing account cannot join an authority, or None."""
    if user.realm is not Realm.STAFF or not user.active:
        return "This account cannot join an authority. Contact the administrator who invited you."
    return None

