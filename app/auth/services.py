"""Signing in with a password, slowed per (email, address) pair, and the user loader."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from app.auth import sessions, throttle
from app.auth.models import Realm, User
from app.auth.passwords import hash_password, needs_rehash, verify_password
from app.db import utcnow
from app.extensions import db, login_manager
from app.unit_of_work import commit


@dataclass
class SignInResult:
    user: User | None = None
    wait_seconds: int = 0

    @property
    def ok(self) -> bool:
        return self.user is not None


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def check_password_sign_in(email: str, password: str, realm: Realm, address: str) -> SignInResult:
    """Check an email and password for a realm from a client address.

    Every failure, whatever its cause (unknown email, wrong password, other realm, closed
    account), counts the same way for the pair, so the answers cannot tell them apart.
    """
    email = normalise_email(email)
    waiting = throttle.wait_seconds(email, address)
    if waiting:
        return SignInResult(wait_seconds=waiting)
    user = find_user_by_email(email)
    valid = verify_password(user.password_hash if user else None, password)
    if not valid or user is None or not user.active or user.realm is not realm:
        throttle.record_failure(email, address)
        return SignInResult(wait_seconds=throttle.wait_seconds(email, address))
    throttle.clear(email, address)
    user.last_signed_in_at = utcnow()
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    commit("sign-in: last signed in, password rehash, throttle cleared")
    return SignInResult(user=user)


def change_password(user: User, password: str, *, reason: str = "password_changed") -> None:
    """Set a new password and end every session of the user (in the caller's transaction)."""
    user.password_hash = hash_password(password)
    sessions.end_sessions_of(user.id, reason)


def change_own_password(user: User, current: str, new: str, address: str) -> str | None:
    """Change a signed-in user's password after checking the current one; return why not.

    Wrong current passwords count with the sign-in failures of the same (email, address) pair,
    so a stolen session cannot be used to guess the password behind it.
    """
    if not user.password_hash:
        return "Your account signs in through your authority's sign-in service and has no password here"
    if throttle.wait_seconds(user.email, address):
        return "There have been too many attempts from your network. Try again later"
    if not verify_password(user.password_hash, current):
        throttle.record_failure(user.email, address)
        return "Your current password is not correct"
    throttle.clear(user.email, address)
    change_password(user, new)
    commit("password changed")
    return None


@login_manager.user_loader
def load_user(session_token: str) -> User | None:
    return sessions.user_for_token(session_token)
