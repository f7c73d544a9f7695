"""Accepting an invitation, the same for an authority's staff and a provider's users.

An invitation never touches an existing account: a new email gets a new account, an existing
one joins only once its owner has signed in as the email the invitation was sent to. What
joining means (a membership of an authority or of a provider) is the caller's.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from app.auth.invitation_tokens import same_email
from app.auth.models import Realm, User
from app.auth.passwords import hash_password
from app.auth.services import find_user_by_email
from app.extensions import db

ACCOUNT_EXISTS = "An account with this email address already exists. Sign in to accept."


def new_account(invitation, password: str, realm: Realm) -> User | str:
    """Create the invitee's account for an email nobody uses yet; return it or why not."""
    if find_user_by_email(invitation.email) is not None:
        # Never touch an existing account's password: its owner signs in and accepts instead.
        return ACCOUNT_EXISTS
    user = User(email=invitation.email, name=invitation.name, realm=realm,
                password_hash=hash_password(password))
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:
        # The same email was taken a moment ago (a double submit): never join the other account.
        db.session.rollback()
        return ACCOUNT_EXISTS
    return user


def why_not_join(invitation, user: User, account_problem: Callable[[User], str | None]) -> str | None:
    """Why the signed-in ``user`` may not accept ``invitation``, or None."""
    if not same_email(user, invitation.email):
        return "This invitation was sent to another email address."
    return account_problem(user)


def spend_the_others(invitation, owner_column, now) -> None:
    """One acceptance spends every other open invitation of this email to the same owner
    (the authority or the provider named by ``owner_column``)."""
    model = owner_column.class_
    db.session.execute(
        update(model)
        .where(
            owner_column == getattr(invitation, owner_column.key),
            model.email == invitation.email,
            model.id != invitation.id,
            model.accepted_at.is_(None),
            model.revoked_at.is_(None),
        )
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
