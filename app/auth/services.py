"""Signing in with a password: lockout after repeated failures, and the user loader."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from app.auth.models import Realm, User
from app.auth.passwords import hash_password, needs_rehash, verify_password
from app.db import utcnow
from app.extensions import db, login_manager


@dataclass
class SignInResult:
    user: User | None = None
    locked_minutes: int | None = None

    @property
    def ok(self) -> bool:
        return self.user is not None


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def _is_locked(user: User) -> bool:
    locked_until = user.locked_until
    return locked_until is not None and locked_until > utcnow()


def _record_failure(user: User) -> None:
    user.failed_sign_ins += 1
    if user.failed_sign_ins >= current_app.config["SIGN_IN_MAX_FAILURES"]:
        user.locked_until = utcnow() + timedelta(
            minutes=current_app.config["SIGN_IN_LOCKOUT_MINUTES"]
        )
        user.failed_sign_ins = 0


def check_password_sign_in(email: str, password: str, realm: Realm) -> SignInResult:
    """Check an email and password for a realm, counting failures towards a lockout."""
    user = find_user_by_email(email)
    if user is not None and _is_locked(user):
        return SignInResult(locked_minutes=current_app.config["SIGN_IN_LOCKOUT_MINUTES"])
    valid = verify_password(user.password_hash if user else None, password)
    if user is None:
        return SignInResult()
    if not valid or not user.active or user.realm is not realm:
        if not valid:
            _record_failure(user)
            db.session.commit()
            if _is_locked(user):
                return SignInResult(locked_minutes=current_app.config["SIGN_IN_LOCKOUT_MINUTES"])
        return SignInResult()
    user.failed_sign_ins = 0
    user.locked_until = None
    user.last_signed_in_at = utcnow()
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    db.session.commit()
    return SignInResult(user=user)


@login_manager.user_loader
def load_user(cookie_id: str) -> User | None:
    user_id, _, nonce = cookie_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_nonce != nonce:
        return None
    return user
