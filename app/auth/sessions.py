"""Server-side sessions: opened at sign-in, checked on every request, ended for good.

The browser's cookie carries only a random id; the ``user_session`` row holds its SHA-256, when
it was opened and last used, and whether it has ended. Signing out, a deactivated membership, a
removed role or a new password end rows, so a copied cookie stops working at once. A session
also ends after ``SESSION_LIFETIME_MINUTES`` unused and ``SESSION_ABSOLUTE_HOURS`` after it was
opened, however busy.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.orm import joinedload

from app.auth.models import User, UserSession
from app.db import utcnow
from app.extensions import db
from app.unit_of_work import commit

# Writing last_seen_at on every request would be a write per page view; a minute is precise
# enough for an idle lifetime counted in minutes or hours.
TOUCH_INTERVAL = timedelta(seconds=60)
# Ended and run-out rows are kept this long (for a person investigating a sign-in), then go.
KEEP_ENDED = timedelta(days=30)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(user: User) -> str:
    """Record a new session for the user (in the caller's transaction); return its raw id."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.execute(delete(UserSession).where(UserSession.last_seen_at < now - KEEP_ENDED))
    db.session.add(
        UserSession(user_id=user.id, token_hash=_hash(token), created_at=now, last_seen_at=now)
    )
    user.session_token = token
    return token


def _expiry_reason(row: UserSession, now: datetime) -> str | None:
    config = current_app.config
    if now - row.created_at > timedelta(hours=config["SESSION_ABSOLUTE_HOURS"]):
        return "absolute_lifetime"
    if now - row.last_seen_at > config["PERMANENT_SESSION_LIFETIME"]:
        return "idle"
    return None


def user_for_token(token: str | None) -> User | None:
    """Return the active user whose live session this is, ending it if it has run out."""
    if not token:
        return None
    # Every signed-in request asks this: the session and its user in one statement.
    row = db.session.scalar(select(UserSession).options(joinedload(UserSession.user))
                            .where(UserSession.token_hash == _hash(token)))
    if row is None or row.ended_at is not None:
        return None
    now = utcnow()
    reason = _expiry_reason(row, now)
    if reason is not None:
        _end(UserSession.id == row.id, reason)
        commit("session: an expired session ended")
        return None
    user = row.user
    if not user.active:
        return None
    if now - row.last_seen_at > TOUCH_INTERVAL:
        row.last_seen_at = now
        # The loader runs before the view, so this commits nothing but the touch.
        commit("session: last-seen touch")
    user.session_token = token
    return user


def _end(condition, reason: str) -> None:
    db.session.execute(
        update(UserSession)
        .where(condition, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), ended_reason=reason)
        .execution_options(synchronize_session=False)
    )


def end_session(token: str | None, reason: str = "signed_out") -> None:
    """End one session by its raw id (in the caller's transaction)."""
    if token:
        _end(UserSession.token_hash == _hash(token), reason)


def end_sessions_of(user_id: int, reason: str) -> None:
    """End every session of a user (in the caller's transaction), wherever they are."""
    _end(UserSession.user_id == user_id, reason)
