"""Feedback link tokens and letter codes: random, handed out once, kept only as keyed hashes.

A link token is ``<authority id>.<random>``; a letter code ``<authority id>-XXXX-XXXX`` in
an alphabet without look-alike characters, for people typing it from paper. The authority's
id tells the public form whose records to search (app/tenants/scoping.py,
``for_feedback_link``); the random part is what proves the holder was invited. Codes are
short, so both are hashed with the service's secret key (HMAC-SHA-256): a copy of the table
is no help in guessing them, and the rate limit (app/quality/throttle.py) slows guessing on
the public pages.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from flask import current_app

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_PATTERN = re.compile(r"^(\d{1,9})-([A-Z2-9]{4})-?([A-Z2-9]{4})$")
TOKEN_PATTERN = re.compile(r"^(\d{1,9})\.([A-Za-z0-9_-]{20,100})$")


@dataclass(frozen=True)
class Credential:
    """A link token or letter code read from a request: the authority it names and its hash."""

    authority_id: int
    digest: str
    is_code: bool


def keyed_hash(secret: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"feedback:{secret}".encode(), hashlib.sha256).hexdigest()


def new_link_token(authority_id: int) -> str:
    return f"{authority_id}.{secrets.token_urlsafe(32)}"


def new_letter_code(authority_id: int) -> str:
    letters = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{authority_id}-{letters[:4]}-{letters[4:]}"


def new_public_code(authority_id: int) -> str:
    """The code that opens a published "you said, we did" summary (not a secret)."""
    letters = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{authority_id}-{letters}"


def normalise_code(typed: str) -> str:
    """Read a code as people type it: any case, with spaces, dashes or none."""
    cleaned = re.sub(r"[\s_]+", "", (typed or "").upper())
    match = re.match(r"^(\d{1,9})-?([A-Z2-9]{4})-?([A-Z2-9]{4})$", cleaned)
    if match is None:
        return cleaned
    return f"{int(match.group(1))}-{match.group(2)}-{match.group(3)}"


def read_credential(value: str) -> Credential | None:
    """Return the credential in a link or typed code, or None if it cannot be one."""
    value = (value or "").strip()
    token = TOKEN_PATTERN.match(value)
    if token:
        return Credential(int(token.group(1)), keyed_hash(value), is_code=False)
    code = CODE_PATTERN.match(normalise_code(value))
    if code:
        canonical = f"{int(code.group(1))}-{code.group(2)}-{code.group(3)}"
        return Credential(int(code.group(1)), keyed_hash(canonical), is_code=True)
    return None
