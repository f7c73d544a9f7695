"""A small but real OpenID Connect provider on loopback, for the single sign-on tests.

It serves discovery, ``authorize`` (auto-approving ``provider.account``), ``token`` (the
authorization code grant with ``client_secret_basic`` or ``client_secret_post``, checking the
client, the code, the redirect URI and PKCE when used), ``jwks`` and ``userinfo`` over HTTP on
127.0.0.1, from a werkzeug server in a background thread. ID tokens are RS256 JWTs signed with a
key generated at start.

A test misbehaves the provider on purpose through a few attributes:

- ``account``: who the provider says signed in (subject, email, email_verified, name);
- ``id_token_claims``: claims to override in the next ID tokens (``None`` removes one);
- ``sign_with``: ``"key"`` (the published key), ``"rogue"`` (another RSA key under the published
  key id), ``"rogue-kid"`` (another key under an unpublished id) or ``"client-secret"`` (HS256
  with the client's own secret, which a client that trusts the header's ``alg`` would accept);
- ``deny``: answer the authorization request with this OAuth error code;
- ``claimed_issuer``: the issuer named in discovery and ID tokens, when it should not be the
  provider's own address (a provider that claims to be another one);
- ``claims_in_id_token``: ``False`` keeps email, email_verified and name out of the ID token and
  serves them at userinfo only, as OIDC Core 5.4 providers and Microsoft Entra ID do;
- ``userinfo_claims``: claims to override at userinfo (``None`` removes one);
- ``require_pkce``: refuse an authorization request without an S256 code challenge (default on);
- ``send_iss``: name the issuer in the authorization response (RFC 9207; default on).

What the provider received is kept in ``authorize_requests``, ``token_requests`` and
``logout_requests`` (its ``end_session`` endpoint, RP-initiated logout).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import secrets
import threading
import time
import warnings
from dataclasses import dataclass, field
from urllib.parse import unquote, urlencode

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

with warnings.catch_warnings():
    # Authlib 1.7+ points at joserfc; authlib.jose stays until 2.0 and is what the brief asks for.
    warnings.simplefilter("ignore")
    from authlib.jose import JsonWebKey, jwt
from authlib.oidc.core.util import create_half_hash

CODE_LIFETIME_SECONDS = 60


@dataclass
class Account:
    subject: str
    email: str | None
    email_verified: bool | str | None = True
    name: str = "Signed In Person"

    def claims(self) -> dict:
        claims = {"sub": self.subject, "name": self.name}
        if self.email is not None:
            claims["email"] = self.email
        if self.email_verified is not None:
            claims["email_verified"] = self.email_verified
        return claims


@dataclass
class Client:
    client_id: str
    client_secret: str
    redirect_uris: set[str] = field(default_factory=set)
    post_logout_redirect_uris: set[str] = field(default_factory=set)


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    nonce: str | None
    account: Account
    code_challenge: str | None
    expires_at: float


@functools.cache
def _generate_key(kid: str, purpose: str = "signing"):
    """An RS256 key; made once per test process (generating 2048-bit keys takes a while)."""
    return JsonWebKey.generate_key("RSA", 2048, is_private=True, options={"kid": kid})


def _json(data: dict, status: int = 200, **headers) -> Response:
    return Response(
        json.dumps(data),
        status=status,
        mimetype="application/json",
        headers={"Cache-Control": "no-store", **headers},
    )


def _oauth_error(error: str, description: str, status: int = 400, **headers) -> Response:
    return _json({"error": error, "error_description": description}, status, **headers)


class OidcProvider:
    def __init__(self) -> None:
        self.key = _generate_key("signing-key-1")
        self.sign_with = "key"
        self.clients: dict[str, Client] = {}
        self.account = Account(subject="subject-0001", email="person@example.org")
        self.id_token_claims: dict = {}
        self.deny: str | None = None
        self.claimed_issuer: str | None = None
        self.claims_in_id_token = True
        self.userinfo_claims: dict = {}
        self.require_pkce = True
        self.send_iss = True
        self.authorize_requests: list[dict] = []
        self.token_requests: list[dict] = []
        self.logout_requests: list[dict] = []
        self.discovery_requests = 0
        self._grants: dict[str, Grant] = {}
        self._access_tokens: dict[str, Account] = {}
        self._lock = threading.Lock()
        self._urls = Map(
            [
                Rule("/.well-known/openid-configuration", endpoint="discovery"),
                Rule("/authorize", endpoint="authorize", methods=["GET"]),
                Rule("/token", endpoint="token", methods=["POST"]),
                Rule("/jwks", endpoint="jwks", methods=["GET"]),
                Rule("/userinfo", endpoint="userinfo", methods=["GET", "POST"]),
                Rule("/end-session", endpoint="end_session", methods=["GET"]),
            ]
        )
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self.issuer = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # --- lifecycle ---------------------------------------------------------------------

    def __enter__(self) -> OidcProvider:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(5)
        self._server.server_close()

    def register_client(
        self, client_id: str, client_secret: str, *redirect_uris: str, post_logout: str = ""
    ) -> Client:
        client = Client(client_id, client_secret, set(redirect_uris), {post_logout} - {""})
        self.clients[client_id] = client
        return client

    # --- HTTP --------------------------------------------------------------------------

    def _wsgi(self, environ, start_response):
        request = Request(environ)
        try:
            endpoint, _ = self._urls.bind_to_environ(environ).match()
            response = getattr(self, f"_{endpoint}")(request)
        except HTTPException as error:  # 404, 405
            response = error.get_response(environ)
        return response(environ, start_response)

    def _discovery(self, request: Request) -> Response:
        self.discovery_requests += 1
        return _json(
            {
                "issuer": self.claimed_issuer or self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "userinfo_endpoint": f"{self.issuer}/userinfo",
                "end_session_endpoint": f"{self.issuer}/end-session",
                "authorization_response_iss_parameter_supported": self.send_iss,
                "response_types_supported": ["code"],
                "grant_types_supported": ["authorization_code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_basic",
                    "client_secret_post",
                ],
                "scopes_supported": ["openid", "email", "profile"],
                "claims_supported": ["sub", "email", "email_verified", "name"],
                "code_challenge_methods_supported": ["S256"],
            }
        )

    def _authorize(self, request: Request) -> Response:
        params = request.args.to_dict()
        self.authorize_requests.append(params)
        client = self.clients.get(params.get("client_id", ""))
        redirect_uri = params.get("redirect_uri", "")
        # Never redirect to an address the client did not register: answer here instead.
        if client is None:
            return Response("Unknown client", status=400)
        if redirect_uri not in client.redirect_uris:
            return Response("The redirect_uri is not registered for this client", status=400)

        def back(**values) -> Response:
            if params.get("state") is not None:
                values["state"] = params["state"]
            if self.send_iss:
                values["iss"] = self.claimed_issuer or self.issuer
            separator = "&" if "?" in redirect_uri else "?"
            return Response(status=302, headers={"Location": redirect_uri + separator + urlencode(values)})

        if params.get("response_type") != "code":
            return back(error="unsupported_response_type")
        if "openid" not in params.get("scope", "").split():
            return back(error="invalid_scope", error_description="openid scope is required")
        challenge = params.get("code_challenge")
        if challenge and params.get("code_challenge_method", "plain") != "S256":
            return back(error="invalid_request", error_description="only S256 is supported")
        if self.require_pkce and not challenge:
            return back(error="invalid_request", error_description="PKCE is required")
        if self.deny:
            return back(error=self.deny, error_description="The person did not approve")
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._grants[code] = Grant(
                client_id=client.client_id,
                redirect_uri=redirect_uri,
                nonce=params.get("nonce"),
                account=Account(**vars(self.account)),
                code_challenge=challenge,
                expires_at=time.time() + CODE_LIFETIME_SECONDS,
            )
        return back(code=code)

    def _authenticate_client(self, request: Request) -> tuple[Client | None, str]:
        header = request.headers.get("Authorization", "")
        if header.startswith("Basic "):
            try:
                decoded = base64.b64decode(header[6:]).decode()
            except ValueError:
                return None, "client_secret_basic"
            client_id, _, secret = decoded.partition(":")
            client_id, secret, method = unquote(client_id), unquote(secret), "client_secret_basic"
        else:
            client_id = request.form.get("client_id", "")
            secret = request.form.get("client_secret", "")
            method = "client_secret_post"
        client = self.clients.get(client_id)
        if client is None or not secrets.compare_digest(client.client_secret, secret):
            return None, method
        return client, method

    def _token(self, request: Request) -> Response:
        client, method = self._authenticate_client(request)
        form = request.form.to_dict()
        self.token_requests.append({"auth_method": method, **form})
        if client is None:
            return _oauth_error(
                "invalid_client", "Client authentication failed", 401,
                **{"WWW-Authenticate": 'Basic realm="token"'},
            )
        if form.get("grant_type") != "authorization_code":
            return _oauth_error("unsupported_grant_type", "Only authorization_code is supported")
        with self._lock:
            grant = self._grants.pop(form.get("code", ""), None)  # a code works once
        if grant is None or grant.expires_at < time.time() or grant.client_id != client.client_id:
            return _oauth_error("invalid_grant", "The code is unknown, used or expired")
        if form.get("redirect_uri") != grant.redirect_uri:
            return _oauth_error("invalid_grant", "redirect_uri does not match the authorization")
        if grant.code_challenge:
            verifier = form.get("code_verifier", "")
            digest = hashlib.sha256(verifier.encode()).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant.code_challenge:
                return _oauth_error("invalid_grant", "PKCE verification failed")
        access_token = secrets.token_urlsafe(24)
        with self._lock:
            self._access_tokens[access_token] = grant.account
        return _json(
            {
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": 300,
                "scope": "openid email profile",
                "id_token": self._id_token(client, grant, access_token),
            }
        )

    def _id_token(self, client: Client, grant: Grant, access_token: str) -> str:
        now = int(time.time())
        claims = {
            "iss": self.claimed_issuer or self.issuer,
            "aud": client.client_id,
            "iat": now,
            "exp": now + 300,
            "auth_time": now,
            "at_hash": create_half_hash(access_token, "RS256").decode(),
            **(grant.account.claims() if self.claims_in_id_token else {"sub": grant.account.subject}),
        }
        if grant.nonce is not None:
            claims["nonce"] = grant.nonce
        for name, value in self.id_token_claims.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        if self.sign_with == "client-secret":
            return jwt.encode({"alg": "HS256", "typ": "JWT"}, claims, client.client_secret).decode()
        key = {
            "key": self.key,
            "rogue": _generate_key("signing-key-1", "rogue"),
            "rogue-kid": _generate_key("rogue-key-1", "rogue"),
        }[self.sign_with]
        header = {"alg": "RS256", "kid": key.as_dict()["kid"], "typ": "JWT"}
        return jwt.encode(header, claims, key).decode()

    def _jwks(self, request: Request) -> Response:
        return _json({"keys": [self.key.as_dict(is_private=False)]})

    def _userinfo(self, request: Request) -> Response:
        header = request.headers.get("Authorization", "")
        account = self._access_tokens.get(header[7:]) if header.startswith("Bearer ") else None
        if account is None:
            return _oauth_error(
                "invalid_token", "Unknown access token", 401,
                **{"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        claims = account.claims()
        for name, value in self.userinfo_claims.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        return _json(claims)

    def _end_session(self, request: Request) -> Response:
        params = request.args.to_dict()
        self.logout_requests.append(params)
        target = params.get("post_logout_redirect_uri")
        known = {uri for client in self.clients.values() for uri in client.post_logout_redirect_uris}
        if target and target in known:
            state = f"?state={params['state']}" if params.get("state") else ""
            return Response(status=302, headers={"Location": target + state})
        return Response("Signed out", status=200)
