"""Limit what one client address may try on the public feedback pages, per minute.

Every submission and every look-up of a link or code counts, so that one address can neither
flood the forms nor guess letter codes; a person answering once is never near the limit.
The count lives in the database (keyed hash of the address, no address stored), so every web
process shares it, with no Redis needed.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from app.db import utcnow
from app.extensions import db
from app.quality.models import FeedbackThrottle
from app.unit_of_work import commit

WINDOW = timedelta(minutes=1)


def _key(address: str) -> str:
    message = f"feedback\n{address or '-'}".encode()
    return hmac.new(current_app.config["SECRET_KEY"].encode(), message, hashlib.sha256).hexdigest()


def allow(address: str) -> bool:
    """Count one attempt from ``address``; say whether it is within the limit. Commits, so the
    count holds whatever the request then does."""
    limit = current_app.config["FEEDBACK_ATTEMPTS_PER_MINUTE"]
    key, now = _key(address), utcnow()
    attempts = _count_in_window(key, now)
    if attempts is None:
        attempts = _start_window(key, now)
    commit("the public feedback pages' attempt count")
    return attempts <= limit


def _count_in_window(key: str, now) -> int | None:
    # One statement, so that concurrent requests from the address each add exactly one.
    return db.session.scalar(
        update(FeedbackThrottle)
        .where(FeedbackThrottle.key_hash == key, FeedbackThrottle.window_started_at > now - WINDOW)
        .values(attempts=FeedbackThrottle.attempts + 1)
        .returning(FeedbackThrottle.attempts)
    )


def _start_window(key: str, now) -> int:
    db.session.execute(delete(FeedbackThrottle).where(
        FeedbackThrottle.window_started_at <= now - WINDOW))
    try:
        with db.session.begin_nested():
            db.session.add(FeedbackThrottle(key_hash=key, window_started_at=now, attempts=1))
        return 1
    except IntegrityError:
        # Another request from the address opened the window at the same moment.
        return _count_in_window(key, now) or 1


def attempts_of(address: str) -> int:
    """How many attempts the address has made in its current window (for tests and logs)."""
    row = db.session.scalar(select(FeedbackThrottle).where(FeedbackThrottle.key_hash == _key(address)))
    return row.attempts if row else 0
