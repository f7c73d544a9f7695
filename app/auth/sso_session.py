"""What a single sign-on leaves in the person's session: its authority, and the logout hint.

A session started through one authority's identity provider opens only that authority: whoever
runs that provider vouches for nobody else's staff. ``app.tenants.context`` asks ``opens()``
before it loads a membership, so the rule holds on every page that acts for an authority.
"""

from __future__ import annotations

from flask import session

AUTHORITY_KEY = "sso_authority_id"
ID_TOKEN_KEY = "sso_id_token"
# The session is a signed cookie of at most 4 KB: an ID token longer than this stays out of it
# and the provider's logout is asked for by client id alone (it then asks the person to confirm).
ID_TOKEN_BUDGET = 1200


def remember(authority_id: int, id_token: str | None) -> None:
    """Bind the (fresh) session to the authority whose provider signed the person in."""
    session[AUTHORITY_KEY] = authority_id
    if id_token and len(id_token) <= ID_TOKEN_BUDGET:
        session[ID_TOKEN_KEY] = id_token


def authority_id() -> int | None:
    return session.get(AUTHORITY_KEY)


def id_token_hint() -> str | None:
    return session.get(ID_TOKEN_KEY)


def opens(authority_id_wanted: int) -> bool:
    """Whether this session may act for the authority: any, unless SSO bound it to one."""
    bound = session.get(AUTHORITY_KEY)
    return bound is None or bound == authority_id_wanted
