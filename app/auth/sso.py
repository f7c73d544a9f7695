"""OpenID Connect single sign-on, configured per authority (issuer, client id and secret).

A person signs in through their own authority's identity provider; the portal accepts them only
if the verified email or a subject already bound to them belongs to an active staff account with
an active membership of that authority. Nobody is created by signing in.
"""

from __future__ import annotations

import hashlib

from authlib.integrations.base_client.errors import OAuthError
from flask import abort, url_for
from sqlalchemy import select

from app.auth.models import Realm, User, UserIdentity
from app.auth.services import find_user_by_email
from app.db import utcnow
from app.extensions import db, oauth
from app.tenants.models import Authority
from app.tenants.services import is_active_member


def authorities_with_sso() -> list[Authority]:
    return list(
        db.session.scalars(
            select(Authority)
            .where(
                Authority.active.is_(True),
                Authority.oidc_issuer.is_not(None),
                Authority.oidc_client_id.is_not(None),
            )
            .order_by(Authority.name)
        )
    )


def _authority_or_404(code: str) -> Authority:
    authority = db.session.scalar(select(Authority).where(Authority.code == code))
    if authority is None or not authority.active or not authority.sso_enabled:
        abort(404)
    return authority


def _client(authority: Authority):
    # The name changes when the settings do, so an edited issuer or secret takes effect at once.
    fingerprint = hashlib.sha256(
        f"{authority.oidc_issuer}|{authority.oidc_client_id}|{authority.oidc_client_secret}".encode()
    ).hexdigest()[:12]
    name = f"authority-{authority.id}-{fingerprint}"
    client = oauth.create_client(name)
    if client is None:
        issuer = authority.oidc_issuer.rstrip("/")
        client = oauth.register(
            name,
            client_id=authority.oidc_client_id,
            client_secret=authority.oidc_client_secret,
            server_metadata_url=f"{issuer}/.well-known/openid-configuration",
            client_kwargs={"scope": "openid email profile"},
        )
    return client


def start(code: str):
    authority = _authority_or_404(code)
    redirect_uri = url_for("auth.sso_callback", code=code, _external=True)
    return _client(authority).authorize_redirect(redirect_uri)


def _match_user(authority: Authority, claims: dict) -> User | None:
    issuer, subject = claims.get("iss"), claims.get("sub")
    identity = db.session.scalar(
        select(UserIdentity).where(UserIdentity.issuer == issuer, UserIdentity.subject == subject)
    )
    if identity is not None:
        return identity.user
    if not claims.get("email") or claims.get("email_verified") is False:
        return None
    user = find_user_by_email(claims["email"])
    if user is not None:
        db.session.add(UserIdentity(user=user, issuer=issuer, subject=subject))
    return user


def finish(code: str) -> tuple[User | None, str | None]:
    """Complete the authorisation code flow; return the user, or why they were refused."""
    authority = _authority_or_404(code)
    try:
        token = _client(authority).authorize_access_token()
    except OAuthError as error:
        return None, f"Your authority's sign-in service refused the request ({error.error})."
    claims = token.get("userinfo") or {}
    if claims.get("iss", "").rstrip("/") != authority.oidc_issuer.rstrip("/"):
        return None, "The sign-in service that answered is not the one set for your authority."
    user = _match_user(authority, claims)
    refused = "Your account at this authority is not set up to use this service."
    if user is None or not user.active or user.realm is not Realm.STAFF:
        db.session.rollback()
        return None, refused
    if not is_active_member(user, authority.id):
        db.session.rollback()
        return None, refused
    user.last_signed_in_at = utcnow()
    db.session.commit()
    return user, None
