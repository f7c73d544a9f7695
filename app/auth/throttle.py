"""Slow down password guessing per (email, client address) pair, with a growing wait.

No account is ever locked for everyone: failures are counted for the pair, so someone guessing
from one address makes only that address wait, and the person at their own desk signs in as
usual. The staff and provider sign-in pages share the count. Unknown emails are counted exactly
like real ones, so the answer never tells whether an account exists.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from app.auth.models import SignInThrottle
from app.db import utcnow
from app.extensions import db
from app.unit_of_work import commit

# A pair that has not failed for a day starts again from nothing.
FORGET_AFTER = timedelta(days=1)


def _key(email: str, address: str) -> str:
    # Keyed, so that the table cannot be turned back into the emails people typed.
    message = f"{email.strip().lower()}\n{address or '-'}".encode()
    return hmac.new(current_app.config["SECRET_KEY"].encode(), message, hashlib.sha256).hexdigest()


def _row(email: str, address: str) -> SignInThrottle | None:
    return db.session.scalar(
        select(SignInThrottle).where(SignInThrottle.key_hash == _key(email, address))
    )


def wait_seconds(email: str, address: str) -> int:
    """Return how long this pair must still wait before its next try (0: it may try now)."""
    row = _row(email, address)
    if row is None or row.blocked_until is None:
        return 0
    remaining = (row.blocked_until - utcnow()).total_seconds()
    return max(0, math.ceil(remaining))


def delay_after(failures: int) -> timedelta:
    """The wait imposed after the pair's ``failures``-th failure in a row."""
    config = current_app.config
    over = failures - config["SIGN_IN_MAX_FAILURES"]
    if over < 0:
        return timedelta(0)
    seconds = config["SIGN_IN_FIRST_DELAY_SECONDS"] * 2 ** min(over, 20)
    return min(timedelta(seconds=seconds), timedelta(minutes=config["SIGN_IN_LOCKOUT_MINUTES"]))


def record_failure(email: str, address: str) -> None:
    """Count a failed try of the pair and set its wait; commits."""
    now = utcnow()
    db.session.execute(delete(SignInThrottle).where(SignInThrottle.last_failure_at < now - FORGET_AFTER))
    row = _row(email, address)
    if row is None:
        row = SignInThrottle(key_hash=_key(email, address), failures=0, last_failure_at=now)
        db.session.add(row)
    row.failures += 1
    row.last_failure_at = now
    delay = delay_after(row.failures)
    row.blocked_until = now + delay if delay else None
    try:
        commit("sign-in throttle: a failure counted")
    except IntegrityError:
        # Another request counted the pair's first failure at the same moment: one is enough.
        db.session.rollback()


def clear(email: str, address: str) -> None:
    """Forget the pair's failures after a successful sign-in (in the caller's transaction)."""
    db.session.execute(delete(SignInThrottle).where(SignInThrottle.key_hash == _key(email, address)))
