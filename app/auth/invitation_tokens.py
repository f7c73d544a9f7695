"""One-time invitation tokens: random, sent only by email, stored only as a SHA-256."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app

from app.db import utcnow


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def expiry() -> datetime:
    return utcnow() + timedelta(hours=current_app.config["INVITATION_MAX_AGE_HOURS"])


def is_open(invitation) -> bool:
    """Neither accepted, revoked nor expired."""
    if invitation is None or invitation.accepted_at or invitation.revoked_at:
        return False
    return invitation.expires_at > utcnow()


def same_email(user, email: str) -> bool:
    return user is not None and user.email.strip().lower() == email.strip().lower()
