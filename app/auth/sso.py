"""OpenID Connect single sign-on, configured per authority (issuer, client id and secret).

A person signs in through their own authority's identity provider; the portal accepts them only
if the verified email or a subject already bound to them belongs to an active staff account with
an active membership of that authority. Nobody is created by signing in.

Whatever goes wrong (a tampered or replayed callback, an ID token that does not verify, a provider
that cannot be reached) ends in ``SsoFailure``: a page that says so, never a server error. The
details go to the log, not to the page.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import urlsplit

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from flask import abort, current_app, url_for
from sqlalchemy import select

from app.auth.models import Realm, User, UserIdentity
from app.auth.services import find_user_by_email
from app.db import utcnow
from app.extensions import db, oauth
from app.tenants.models import Authority
from app.tenants.services import is_active_member

try:  # Authlib 1.7+ verifies ID tokens with joserfc; older releases raise AuthlibBaseError
    from joserfc.errors import JoseError
except ImportError:  # pragma: no cover
    JoseError = AuthlibBaseError

PROVIDER_TIMEOUT_SECONDS = 10
NOT_SET_UP = "Your account at this authority is not set up to use this service."
UNREACHABLE = "Your authority's sign-in service could not be reached. Try again in a few minutes."
UNTRUSTED = "The answer from your authority's sign-in service could not be verified."
STARTED_ELSEWHERE = (
    "The sign-in was not started from this browser, or it has already been used. "
    "Start again from the sign-in page."
)
_ERROR_CODE = re.compile(r"^[a-z0-9_.-]{1,64}$")


class SsoFailure(Exception):
    """Single sign-on could not go ahead; ``problem`` is for the person, the log has the rest."""

    def __init__(self, problem: str, status: int = 403):
        super().__init__(problem)
        self.problem = problem
        self.status = status


def _issuer_allowed(issuer: str) -> bool:
    scheme = urlsplit(issuer).scheme
    return scheme == "https" or (
        scheme == "http" and bool(current_app.config.get("OIDC_ALLOW_INSECURE_ISSUERS"))
    )


def authorities_with_sso() -> list[Authority]:
    authorities = db.session.scalars(
        select(Authority)
        .where(
            Authority.active.is_(True),
            Authority.oidc_issuer.is_not(None),
            Authority.oidc_client_id.is_not(None),
            Authority.oidc_client_secret.is_not(None),
        )
        .order_by(Authority.name)
    )
    return [a for a in authorities if a.sso_enabled and _issuer_allowed(a.oidc_issuer)]


def _authority_or_404(code: str) -> Authority:
    authority = db.session.scalar(select(Authority).where(Authority.code == code))
    if authority is None or not authority.active or not authority.sso_enabled:
        abort(404)
    if not _issuer_allowed(authority.oidc_issuer):
        current_app.logger.warning(
            "SSO for authority %s refused: issuer %r is not https and "
            "OIDC_ALLOW_INSECURE_ISSUERS is off", authority.code, authority.oidc_issuer,
        )
        raise SsoFailure(
            "Single sign-on for your authority is not available at the moment.", status=503
        )
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
            client_kwargs={
                "scope": "openid email profile",
                "default_timeout": PROVIDER_TIMEOUT_SECONDS,
            },
        )
    return client


def start(code: str):
    authority = _authority_or_404(code)
    redirect_uri = url_for("auth.sso_callback", code=code, _external=True)
    try:
        return _client(authority).authorize_redirect(redirect_uri)
    except requests.RequestException as error:
        current_app.logger.warning("SSO for %s: provider unreachable: %s", authority.code, error)
        raise SsoFailure(UNREACHABLE, status=502) from error


def _email_verified(claims: dict) -> bool:
    # Absent is accepted (several providers never send it); false, in any spelling, is not.
    return str(claims.get("email_verified", True)).strip().lower() not in ("false", "0", "no")


def _match_user(authority: Authority, claims: dict) -> User | None:
    issuer, subject = claims.get("iss"), claims.get("sub")
    identity = db.session.scalar(
        select(UserIdentity).where(UserIdentity.issuer == issuer, UserIdentity.subject == subject)
    )
    if identity is not None:
        return identity.user
    if not claims.get("email") or not _email_verified(claims):
        return None
    user = find_user_by_email(claims["email"])
    if user is not None:
        db.session.add(UserIdentity(user=user, issuer=issuer, subject=subject))
    return user


def _verified_claims(authority: Authority) -> dict:
    """Exchange the code and verify the ID token (signature, issuer, audience, expiry, nonce)."""
    log = current_app.logger
    try:
        token = _client(authority).authorize_access_token()
    except MismatchingStateError as error:
        log.warning("SSO for %s refused: state does not match this browser", authority.code)
        raise SsoFailure(STARTED_ELSEWHERE) from error
    except OAuthError as error:
        log.warning("SSO for %s refused by the provider: %s", authority.code, error)
        code = error.error if _ERROR_CODE.match(str(error.error or "")) else None
        reason = f" ({code})" if code else ""
        raise SsoFailure(f"Your authority's sign-in service refused the request{reason}.") from error
    except (AuthlibBaseError, JoseError) as error:
        log.warning("SSO for %s refused: ID token did not verify: %r", authority.code, error)
        raise SsoFailure(UNTRUSTED) from error
    except requests.RequestException as error:
        log.warning("SSO for %s: provider unreachable: %s", authority.code, error)
        raise SsoFailure(UNREACHABLE, status=502) from error
    claims = token.get("userinfo")
    if not claims:
        log.warning("SSO for %s refused: the token response had no ID token", authority.code)
        raise SsoFailure(UNTRUSTED)
    if claims.get("iss", "").rstrip("/") != authority.oidc_issuer.rstrip("/"):
        log.warning("SSO for %s refused: issuer %r", authority.code, claims.get("iss"))
        raise SsoFailure(
            "The sign-in service that answered is not the one set for your authority."
        )
    return claims


def finish(code: str) -> User:
    """Complete the authorisation code flow and return the user; raise SsoFailure if refused."""
    authority = _authority_or_404(code)
    claims = _verified_claims(authority)
    user = _match_user(authority, claims)
    if (
        user is None
        or not user.active
        or user.realm is not Realm.STAFF
        or not is_active_member(user, authority.id)
    ):
        db.session.rollback()
        current_app.logger.warning(
            "SSO for %s refused: subject %r (email %r) is no active staff member",
            authority.code, claims.get("sub"), claims.get("email"),
        )
        raise SsoFailure(NOT_SET_UP)
    user.last_signed_in_at = utcnow()
    db.session.commit()
    return user
