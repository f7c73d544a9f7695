"""Provider accounts: one-time links to set a password."""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.auth.models import Realm, User, new_session_nonce
from app.auth.passwords import hash_password
from app.extensions import db
from app.links import absolute_url

_SALT = "provider-set-password"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def password_link(user: User) -> str:
    """Return a link that lets the user set a password once (until their nonce changes)."""
    token = _serializer().dumps({"user": user.id, "nonce": user.session_nonce})
    return absolute_url("provider_portal.set_password", token=token)


def user_for_password_token(token: str) -> User | None:
    max_age = current_app.config["INVITATION_MAX_AGE_HOURS"] * 3600
    try:
        data = _serializer().loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired):
        return None
    user = db.session.get(User, data.get("user"))
    if user is None or not user.active or user.realm is not Realm.PROVIDER:
        return None
    return user if user.session_nonce == data.get("nonce") else None


def set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    # A new nonce spends the link and signs out any other browser.
    user.session_nonce = new_session_nonce()
    db.session.commit()
