"""OpenID Connect single sign-on, configured per authority (issuer, client id and secret).

A person signs in through their own authority's identity provider; the portal accepts them only
if a subject already bound to them, or a verified email, belongs to an active staff account with
an active membership of that authority. Nobody is created by signing in, and no identity is ever
bound to a platform administrator. The session that results opens that authority only
(``app.auth.sso_session``).

The flow is the authorization code flow with PKCE (S256). Email and name come from the ID token
or, where a provider follows OIDC Core 5.4 and keeps them at its userinfo endpoint, from there.

Whatever goes wrong (a tampered or replayed callback, an ID token that does not verify, a provider
that cannot be reached) ends in ``SsoFailure``: a page that says so, never a server error. The
details go to the log, not to the page.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client.errors import OAuthError
from flask import abort, current_app, redirect, request, session
from sqlalchemy import select

from app.audit.services import record
from app.auth import sso_session
from app.auth.models import Realm, User, UserIdentity
from app.auth.redirects import safe_next
from app.auth.services import find_user_by_email
from app.db import utcnow
from app.extensions import db, oauth
from app.links import absolute_url
from app.secret_box import SecretUnreadable
from app.tenants.models import Authority
from app.tenants.scoping import acting_for_authority
from app.tenants.services import is_active_member
from app.unit_of_work import commit

try:  # Authlib 1.7+ verifies ID tokens with joserfc; older releases raise AuthlibBaseError
    from joserfc.errors import JoseError
except ImportError:  # pragma: no cover
    JoseError = AuthlibBaseError

PROVIDER_TIMEOUT_SECONDS = 10
# Sign-ins started but never finished (a closed tab): only the newest few are kept, so the
# session cookie never outgrows 4 KB however often someone starts again.
PENDING_STARTS_KEPT = 3
STATE_PREFIX = "_state_authority-"
MAX_NEXT_LENGTH = 300
NOT_SET_UP = "Your account at this authority is not set up to use this service."
UNREACHABLE = "Your authority's sign-in service could not be reached. Try again in a few minutes."
UNTRUSTED = "The answer from your authority's sign-in service could not be verified."
UNAVAILABLE = "Single sign-on for your authority is not available at the moment."
STARTED_ELSEWHERE = (
    "The sign-in was not started from this browser, or it has already been used. "
    "Start again from the sign-in page."
)
NO_EMAIL = (
    "Your authority's sign-in service did not send your email address (the email claim), so "
    "your account could not be found. Ask your authority's administrator to release it."
)
UNVERIFIED_EMAIL = (
    "Your authority's sign-in service did not confirm that your email address is verified "
    "(the email_verified claim), so it cannot be linked to your account."
)
PLATFORM_ADMIN = "Platform administrators sign in with their email address and password."
LINKED_ELSEWHERE = (
    "Your account is already linked to another account at your authority's sign-in service. "
    "Sign in with that one, or ask your authority's administrator."
)
_ERROR_CODE = re.compile(r"^[a-z0-9_.-]{1,64}$")
_TRUE = ("true", "1")


class SsoFailure(Exception):
    """Single sign-on could not go ahead; ``problem`` is for the person, the log has the rest."""

    def __init__(self, problem: str, status: int = 403):
        super().__init__(problem)
        self.problem = problem
        self.status = status


@dataclass(frozen=True)
class SignedIn:
    user: User
    authority_id: int
    id_token: str | None
    next_url: str | None


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
            Authority.oidc_client_secret_encrypted.is_not(None),
        )
        .order_by(Authority.name)
    )
    return [a for a in authorities if a.sso_enabled and _issuer_allowed(a.oidc_issuer)]


def authority_named(code: str | None) -> Authority | None:
    """The active authority with this official code (the sign-in page's "to open ..." notice)."""
    if not code:
        return None
    return db.session.scalar(
        select(Authority).where(Authority.code == code, Authority.active.is_(True))
    )


def redirect_uri(authority: Authority) -> str:
    """The address to register at the provider, from PUBLIC_URL (never the Host header)."""
    return absolute_url("auth.sso_callback", code=authority.code)


def post_logout_redirect_uri() -> str:
    return absolute_url("auth.sign_in")


def _authority_or_404(code: str) -> Authority:
    authority = db.session.scalar(select(Authority).where(Authority.code == code))
    if authority is None or not authority.active or not authority.sso_enabled:
        abort(404)
    if not _issuer_allowed(authority.oidc_issuer):
        current_app.logger.warning(
            "SSO for authority %s refused: issuer %r is not https and "
            "OIDC_ALLOW_INSECURE_ISSUERS is off", authority.code, authority.oidc_issuer,
        )
        raise SsoFailure(UNAVAILABLE, status=503)
    return authority


def _client_secret(authority: Authority) -> str:
    try:
        return authority.oidc_client_secret
    except SecretUnreadable as error:
        current_app.logger.error(
            "SSO for %s unavailable: its client secret does not decrypt under "
            "SECRETS_ENCRYPTION_KEY", authority.code,
        )
        raise SsoFailure(UNAVAILABLE, status=503) from error


def _client(authority: Authority):
    secret = _client_secret(authority)
    # The name changes when the settings do, so an edited issuer or secret takes effect at once.
    fingerprint = hashlib.sha256(
        f"{authority.oidc_issuer}|{authority.oidc_client_id}|{secret}".encode()
    ).hexdigest()[:12]
    name = f"authority-{authority.id}-{fingerprint}"
    client = oauth.create_client(name)
    if client is None:
        issuer = authority.oidc_issuer.rstrip("/")
        client = oauth.register(
            name,
            client_id=authority.oidc_client_id,
            client_secret=secret,
            server_metadata_url=f"{issuer}/.well-known/openid-configuration",
            client_kwargs={
                "scope": "openid email profile",
                "code_challenge_method": "S256",
                "default_timeout": PROVIDER_TIMEOUT_SECONDS,
            },
        )
    _forget_stale_metadata(client)
    return client


def _forget_stale_metadata(client) -> None:
    # Authlib keeps discovery (and the keys fetched through it) for the life of the process:
    # past the setting's age the next use fetches both again, so rotated keys and moved
    # endpoints are picked up without a restart.
    loaded_at = client.server_metadata.get("_loaded_at")
    max_age = current_app.config["OIDC_METADATA_MAX_AGE_SECONDS"]
    if loaded_at is not None and time.time() - loaded_at > max_age:
        client.server_metadata = {}


def _expires(key: str) -> float:
    return (session.get(key) or {}).get("exp") or 0


def _forget_abandoned_starts() -> None:
    now = time.time()
    for key in [key for key in session if key.startswith(STATE_PREFIX) and _expires(key) < now]:
        session.pop(key)
    pending = sorted((key for key in session if key.startswith(STATE_PREFIX)), key=_expires)
    for key in pending[: max(0, len(pending) - (PENDING_STARTS_KEPT - 1))]:
        session.pop(key, None)


def start(code: str, next_url: str | None = None):
    """Send the browser to the authority's provider, remembering state, nonce and PKCE verifier."""
    authority = _authority_or_404(code)
    client = _client(authority)
    callback = redirect_uri(authority)
    next_url = safe_next(next_url)
    try:
        authorization = client.create_authorization_url(callback)
    except requests.RequestException as error:
        current_app.logger.warning("SSO for %s: provider unreachable: %s", authority.code, error)
        raise SsoFailure(UNREACHABLE, status=502) from error
    _forget_abandoned_starts()
    client.framework.set_state_data(
        session,
        authorization["state"],
        {
            "redirect_uri": callback,
            "nonce": authorization["nonce"],
            "code_verifier": authorization["code_verifier"],
            # A long "next" would swell the cookie: past a sane length the home page will do.
            "next": next_url if next_url and len(next_url) <= MAX_NEXT_LENGTH else None,
        },
    )
    return redirect(authorization["url"])


def _take_state(client, authority: Authority) -> dict:
    """Return and forget what the start stored for this callback's state; refuse any other."""
    state = request.args.get("state") or ""
    data = client.framework.get_state_data(session, state) if state else None
    if data is not None and _expires(f"_state_{client.name}_{state}") < time.time():
        data = None  # started more than an hour ago
    if data is None:
        current_app.logger.warning(
            "SSO for %s refused: state does not match this browser", authority.code
        )
        raise SsoFailure(STARTED_ELSEWHERE)
    client.framework.clear_state_data(session, state)
    return data


def _refuse_provider_error(authority: Authority) -> None:
    error = request.args.get("error")
    if error is None:
        return
    code = error if _ERROR_CODE.match(error) else None
    # repr() keeps what the provider (or whoever forged the link) wrote to one escaped line.
    current_app.logger.warning(
        "SSO for %s refused by the provider: error %r, description %r",
        authority.code, error[:100], (request.args.get("error_description") or "")[:300],
    )
    reason = f" ({code})" if code else ""
    raise SsoFailure(f"Your authority's sign-in service refused the request{reason}.")


def _check_response_issuer(client, authority: Authority) -> None:
    """RFC 9207: the authorization response names its issuer; it must be this authority's."""
    metadata = client.load_server_metadata()
    issuer = request.args.get("iss")
    if issuer is None and not metadata.get("authorization_response_iss_parameter_supported"):
        return
    if issuer != metadata.get("issuer"):
        current_app.logger.warning(
            "SSO for %s refused: authorization response from issuer %r", authority.code,
            (issuer or "")[:200],
        )
        raise SsoFailure("The sign-in service that answered is not the one set for your authority.")


def _exchange(client, authority: Authority, state: dict) -> dict:
    """Swap the code for tokens and verify the ID token (signature, issuer, audience, expiry, nonce)."""
    log = current_app.logger
    code = request.args.get("code")
    if not code:
        log.warning("SSO for %s refused: the callback carried no code", authority.code)
        raise SsoFailure(UNTRUSTED)
    try:
        token = client.fetch_access_token(
            code=code, redirect_uri=state["redirect_uri"], code_verifier=state["code_verifier"]
        )
        if "id_token" not in token:
            log.warning("SSO for %s refused: the token response had no ID token", authority.code)
            raise SsoFailure(UNTRUSTED)
        claims = dict(client.parse_id_token(token, nonce=state["nonce"]))
    except OAuthError as error:
        log.warning("SSO for %s refused by the provider: %r", authority.code, str(error)[:300])
        code = error.error if _ERROR_CODE.match(str(error.error or "")) else None
        reason = f" ({code})" if code else ""
        raise SsoFailure(f"Your authority's sign-in service refused the request{reason}.") from error
    except (AuthlibBaseError, JoseError, ValueError) as error:
        log.warning("SSO for %s refused: ID token did not verify: %r", authority.code, error)
        raise SsoFailure(UNTRUSTED) from error
    except requests.RequestException as error:
        log.warning("SSO for %s: provider unreachable: %s", authority.code, error)
        raise SsoFailure(UNREACHABLE, status=502) from error
    if claims.get("iss", "").rstrip("/") != authority.oidc_issuer.rstrip("/"):
        log.warning("SSO for %s refused: issuer %r", authority.code, claims.get("iss"))
        raise SsoFailure("The sign-in service that answered is not the one set for your authority.")
    token["claims"] = claims
    return token


def _with_userinfo(client, authority: Authority, token: dict) -> dict:
    """Add email, email_verified and name from the userinfo endpoint where the ID token lacks them."""
    claims = token["claims"]
    wanted = [name for name in ("email", "email_verified", "name") if name not in claims]
    if not wanted or not client.load_server_metadata().get("userinfo_endpoint"):
        return claims
    try:
        info = client.userinfo(token=token)
    except requests.RequestException as error:
        current_app.logger.warning("SSO for %s: userinfo unreachable: %s", authority.code, error)
        raise SsoFailure(UNREACHABLE, status=502) from error
    except (ValueError, AuthlibBaseError) as error:
        current_app.logger.warning("SSO for %s: userinfo unreadable: %r", authority.code, error)
        raise SsoFailure(UNTRUSTED) from error
    if info.get("sub") != claims.get("sub"):
        # OIDC Core 5.3.2: userinfo about someone else must not be used.
        current_app.logger.warning(
            "SSO for %s refused: userinfo subject %r is not the ID token's %r",
            authority.code, info.get("sub"), claims.get("sub"),
        )
        raise SsoFailure(UNTRUSTED)
    return {**claims, **{name: info[name] for name in wanted if name in info}}


def subject_of(claims: dict) -> str:
    """The provider's stable identifier for the person.

    Microsoft Entra ID's guidance is to key an account on the object id (``oid``) within its
    tenant (``tid``) rather than on email; any other provider's is ``sub``. Both come from the
    signed ID token, never from userinfo.
    """
    if claims.get("oid") and claims.get("tid"):
        return f"{claims['tid']}/{claims['oid']}"
    return str(claims["sub"])


def email_verified(authority: Authority, claims: dict) -> bool:
    """Whether the provider vouches for the email: true (a boolean, or "true" or 1 as some
    providers spell it) counts; a missing claim counts only if the authority says its provider
    issues verified emails alone; anything else never counts."""
    value = claims.get("email_verified")
    if value is None:
        value = claims.get("xms_edov")  # Entra ID's "email domain owner verified" optional claim
    if value is None:
        return authority.oidc_emails_verified
    return value is True or (not isinstance(value, bool) and str(value).strip().lower() in _TRUE)


def _refused(authority: Authority, claims: dict, problem: str, why: str) -> SsoFailure:
    db.session.rollback()
    current_app.logger.warning(
        "SSO for %s refused: %s (subject %r, email %r)",
        authority.code, why, subject_of(claims), claims.get("email"),
    )
    return SsoFailure(problem)


def _link(authority: Authority, claims: dict) -> User:
    """Bind the provider's subject to the account whose verified email it sent, and record it."""
    if not claims.get("email"):
        raise _refused(authority, claims, NO_EMAIL, "no email claim")
    if not email_verified(authority, claims):
        raise _refused(authority, claims, UNVERIFIED_EMAIL, "email not verified")
    user = find_user_by_email(claims["email"])
    if user is None:
        raise _refused(authority, claims, NOT_SET_UP, "no account with this email")
    if user.is_platform_admin:
        raise _refused(authority, claims, PLATFORM_ADMIN, "a platform administrator")
    if not _may_use(user, authority):
        raise _refused(authority, claims, NOT_SET_UP, "no active staff member")
    if any(linked.issuer == claims["iss"] for linked in user.identities):
        # Once linked, the stable identifier decides, not the email: a second account at the
        # provider that shows the same address does not become this person.
        raise _refused(authority, claims, LINKED_ELSEWHERE, "account linked to another subject")
    identity = UserIdentity(user=user, issuer=claims["iss"], subject=subject_of(claims))
    db.session.add(identity)
    db.session.flush()
    with acting_for_authority(db.session, authority.id, user_id=user.id,
                              why="recording a linked sign-in identity"):
        record(
            db.session,
            action="sso.identity_linked",
            obj=identity,
            tenant_id=authority.id,
            actor_user_id=user.id,
            actor_authority_id=authority.id,
            new={"issuer": identity.issuer, "subject": identity.subject, "email": user.email},
        )
    return user


def _may_use(user: User, authority: Authority) -> bool:
    return bool(user.active and user.realm is Realm.STAFF and is_active_member(user, authority.id))


def _match_user(authority: Authority, claims: dict) -> User:
    identity = db.session.scalar(
        select(UserIdentity).where(
            UserIdentity.issuer == claims["iss"], UserIdentity.subject == subject_of(claims)
        )
    )
    user = identity.user if identity is not None else _link(authority, claims)
    if user.is_platform_admin:
        raise _refused(authority, claims, PLATFORM_ADMIN, "a platform administrator")
    if not _may_use(user, authority):
        raise _refused(authority, claims, NOT_SET_UP, "no active staff member")
    return user


def finish(code: str) -> SignedIn:
    """Complete the authorisation code flow; raise SsoFailure if the person is refused."""
    authority = _authority_or_404(code)
    client = _client(authority)
    state = _take_state(client, authority)
    _refuse_provider_error(authority)
    try:
        _check_response_issuer(client, authority)
    except requests.RequestException as error:
        raise SsoFailure(UNREACHABLE, status=502) from error
    token = _exchange(client, authority, state)
    claims = _with_userinfo(client, authority, token)
    user = _match_user(authority, claims)
    user.last_signed_in_at = utcnow()
    with acting_for_authority(db.session, authority.id, user_id=user.id,
                              why="recording a single sign-on"):
        record(
            db.session,
            action="sso.signed_in",
            object_type="User",
            object_id=user.id,
            tenant_id=authority.id,
            actor_user_id=user.id,
            actor_authority_id=authority.id,
            new={"issuer": claims["iss"], "subject": subject_of(claims)},
        )
        commit("single sign-on recorded")
    return SignedIn(user, authority.id, token.get("id_token"), state.get("next"))


def provider_logout_url() -> str | None:
    """Where sign-out sends the browser so the provider's session ends too (RP-initiated
    logout), or None when the session came from no provider or it offers no such endpoint."""
    authority_id = sso_session.authority_id()
    authority = db.session.get(Authority, authority_id) if authority_id else None
    if authority is None or not authority.sso_enabled:
        return None
    try:
        client = _client(authority)
        if not client.load_server_metadata().get("end_session_endpoint"):
            return None
        hint = sso_session.id_token_hint()
        return client.create_logout_url(
            post_logout_redirect_uri=post_logout_redirect_uri(),
            id_token_hint=hint,
            client_id=authority.oidc_client_id,
        )["url"]
    except (SsoFailure, requests.RequestException, ValueError) as error:
        # Signing out here must not wait on the provider: the local session ends regardless.
        current_app.logger.warning(
            "SSO for %s: provider logout skipped: %r", authority.code, error
        )
        return None
