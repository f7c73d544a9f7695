"""Encrypt the small secrets the service keeps in its database (an authority's OIDC client secret).

Fernet (AES-128-CBC with an HMAC-SHA256, from ``cryptography``) under the keys in the
``SECRETS_ENCRYPTION_KEY`` setting: a comma-separated list whose first key encrypts and every
key decrypts (``MultiFernet``), so a key is rotated by putting a new one first, running
``flask rotate-secrets`` and then dropping the old one. A database copy alone reveals nothing.
"""

from __future__ import annotations

import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app

# Development and tests only: production refuses to start with it (app.config.check_config).
DEV_SECRETS_ENCRYPTION_KEY = "ZGV2ZWxvcG1lbnQtb25seS1zZWNyZXRzLWtleS0wMDA="


class SecretUnreadable(Exception):
    """A stored secret does not decrypt under any configured key."""


def parse_keys(setting: str | None) -> list[str]:
    return [key.strip() for key in (setting or "").replace("\n", ",").split(",") if key.strip()]


def check_keys(setting: str | None) -> str | None:
    """Return why the setting is unusable, or None when every key is a Fernet key."""
    keys = parse_keys(setting)
    if not keys:
        return "no key is set"
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except ValueError:
            return f"key {position} is not a Fernet key (32 url-safe base64-encoded bytes)"
    return None


@functools.lru_cache(maxsize=4)
def _box_for(setting: str) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in parse_keys(setting)])


def _box() -> MultiFernet:
    return _box_for(current_app.config["SECRETS_ENCRYPTION_KEY"] or "")


def encrypt(plain: str) -> str:
    return _box().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _box().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise SecretUnreadable("the secret does not decrypt under SECRETS_ENCRYPTION_KEY") from error


def rotate(token: str) -> str:
    """Re-encrypt ``token`` under the first key (it may have been written under any of them)."""
    try:
        return _box().rotate(token.encode()).decode()
    except InvalidToken as error:
        raise SecretUnreadable("the secret does not decrypt under SECRETS_ENCRYPTION_KEY") from error


def new_key() -> str:
    return Fernet.generate_key().decode()
