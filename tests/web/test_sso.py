"""Staff single sign-on, end to end against a real OpenID Connect provider on loopback.

The portal is driven through the test client; the browser's visit to the provider is a real
HTTP request (``requests``) to ``tests/support/oidc_provider.py``, and the portal itself talks
to the provider over HTTP (discovery, token, JWKS) as it would in production.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import requests
from sqlalchemy import select

from app.auth.models import Realm, User, UserIdentity
from app.extensions import db
from app.tenants.models import Authority, Membership
from app.tenants.scoping import Scope, scoped_as
from tests import factories
from tests.support.clients import csrf_token, sign_in
from tests.support.oidc_provider import Account, OidcProvider

CLIENT_ID = "provider-concerns-portal"
CLIENT_SECRET = "s3cret-for-the-portal"


@dataclass
class Sso:
    idp: OidcProvider
    code: str  # the authority's official code, in the SSO URLs
    redirect_uri: str


@pytest.fixture
def idp():
    with OidcProvider() as provider:
        yield provider


PUBLIC_URL = "http://portal.test"


@pytest.fixture(autouse=True)
def public_url(app):
    """The service's public address: redirect URIs are built from it, not from the request."""
    app.config["PUBLIC_URL"] = PUBLIC_URL


@pytest.fixture
def sso(app, world, idp) -> Sso:
    """Host A signs its staff in through ``idp``; the provider vouches for A's lead officer."""
    with app.app_context():
        authority = db.session.get(Authority, world.host_a)
        authority.oidc_issuer = idp.issuer
        authority.oidc_client_id = CLIENT_ID
        authority.oidc_client_secret = CLIENT_SECRET
        code = authority.code
        db.session.commit()
    redirect_uri = f"http://portal.test/sign-in/sso/{code}/callback"
    idp.register_client(CLIENT_ID, CLIENT_SECRET, redirect_uri, post_logout=f"{PUBLIC_URL}/sign-in")
    idp.account = Account(subject="idp-subject-lead", email=world.users["host_a_lead"])
    return Sso(idp=idp, code=code, redirect_uri=redirect_uri)


def start(client, sso: Sso) -> str:
    """Press "Sign in with ..." and return where the portal sends the browser."""
    response = client.get(f"/sign-in/sso/{sso.code}")
    assert response.status_code == 302
    assert response.location.startswith(f"{sso.idp.issuer}/authorize?")
    return response.location


def visit_provider(url: str) -> str:
    """The browser's visit to the provider: return the address it redirects back to."""
    response = requests.get(url, allow_redirects=False, timeout=5)
    assert response.status_code == 302, response.text
    return response.headers["Location"]


def sign_in_by_sso(client, sso: Sso):
    return client.get(visit_provider(start(client, sso)))


def with_query(url: str, **changes) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


def signed_in(client, authority_id: int) -> bool:
    response = client.get(f"/authorities/{authority_id}/")
    assert response.status_code in (200, 302, 403)
    return response.status_code == 200


def assert_refused(response, *phrases: str) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code == 403, body
    assert "You could not be signed in" in body
    for phrase in phrases:
        assert phrase in body


def identities(app) -> list[tuple[str, str, str]]:
    with app.app_context():
        rows = db.session.scalars(select(UserIdentity)).all()
        return [(row.user.email, row.issuer, row.subject) for row in rows]


# --- the journey that must work -------------------------------------------------------------


def test_sign_in_page_offers_sso_for_the_configured_authority_only(app, sso, client):
    body = client.get("/sign-in").get_data(as_text=True)
    assert "Sign in with Host A County Council" in body
    assert f'href="/sign-in/sso/{sso.code}"' in body
    assert "Sign in with Host B County Council" not in body


def test_a_member_signs_in_through_their_authority_and_lands_on_its_home(app, world, sso, client):
    authorize_url = start(client, sso)
    asked = parse_qs(urlsplit(authorize_url).query)
    assert asked["client_id"] == [CLIENT_ID]
    assert asked["redirect_uri"] == [sso.redirect_uri]
    assert asked["response_type"] == ["code"]
    assert set(asked["scope"][0].split()) >= {"openid", "email"}
    assert asked["state"][0] and asked["nonce"][0]

    callback = visit_provider(authorize_url)
    assert callback.startswith(sso.redirect_uri + "?")
    response = client.get(callback)

    assert response.status_code == 302
    assert response.location.endswith(f"/authorities/{world.host_a}/")
    assert signed_in(client, world.host_a)
    # The portal exchanged the code itself, authenticating as the authority's client.
    [token_request] = sso.idp.token_requests
    assert token_request["auth_method"] in ("client_secret_basic", "client_secret_post")
    assert token_request["redirect_uri"] == sso.redirect_uri
    # The provider's subject is now bound to the person, and the sign-in is recorded.
    assert identities(app) == [(world.users["host_a_lead"], sso.idp.issuer, "idp-subject-lead")]
    with app.app_context():
        lead = db.session.scalar(select(User).where(User.email == world.users["host_a_lead"]))
        assert lead.last_signed_in_at is not None


def test_a_platform_admin_sets_sso_up_on_the_authority_page_and_it_works(app, world, idp):
    admin = sign_in(app.test_client(), world.users["platform_admin"])
    with app.app_context():
        authority = db.session.get(Authority, world.host_b)
        name, code = authority.name, authority.code
    path = f"/admin/authorities/{world.host_b}/edit"
    response = admin.post(
        path,
        data={
            "name": name,
            "code": code,
            "kind": "local_authority",
            "oidc_issuer": idp.issuer + "/",  # as often copied, with a trailing slash
            "oidc_client_id": "host-b-portal",
            "oidc_client_secret": "host-b-secret",
            "csrf_token": csrf_token(admin, path),
        },
    )
    assert response.status_code == 302
    idp.register_client(
        "host-b-portal", "host-b-secret", f"http://portal.test/sign-in/sso/{code}/callback"
    )
    idp.account = Account(subject="b-lead", email=world.users["host_b_lead"])
    browser = app.test_client()
    assert f"Sign in with {name}" in browser.get("/sign-in").get_data(as_text=True)
    response = sign_in_by_sso(browser, Sso(idp, code, redirect_uri=""))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.location.endswith(f"/authorities/{world.host_b}/")
    assert signed_in(browser, world.host_b)


def test_a_bound_subject_signs_in_again_after_the_email_changes_at_the_provider(
    app, world, sso, client
):
    assert sign_in_by_sso(client, sso).status_code == 302
    second = app.test_client()
    sso.idp.account = Account(subject="idp-subject-lead", email="renamed@host-a.example")
    response = sign_in_by_sso(second, sso)
    assert response.status_code == 302 and signed_in(second, world.host_a)
    assert identities(app) == [(world.users["host_a_lead"], sso.idp.issuer, "idp-subject-lead")]


def test_email_case_at_the_provider_does_not_matter(app, world, sso, client):
    sso.idp.account = Account(subject="idp-subject-lead", email=world.users["host_a_lead"].upper())
    assert sign_in_by_sso(client, sso).status_code == 302
    assert signed_in(client, world.host_a)


# --- tampered, replayed or forged callbacks -------------------------------------------------


def test_a_tampered_state_is_refused(app, world, sso, client):
    callback = visit_provider(start(client, sso))
    response = client.get(with_query(callback, state="not-the-state-we-sent"))
    assert_refused(response, "not started from this browser")
    assert sso.idp.token_requests == []  # refused before the code was even tried
    assert not signed_in(client, world.host_a)
    assert identities(app) == []


def test_a_callback_in_another_browser_is_refused(app, world, sso, client):
    # Login CSRF: someone else's code and state, delivered to a browser that never started.
    callback = visit_provider(start(client, sso))
    victim = app.test_client()
    assert_refused(victim.get(callback), "not started from this browser")
    assert sso.idp.token_requests == []
    assert not signed_in(victim, world.host_a)


def test_a_callback_cannot_be_replayed(app, world, sso, client):
    callback = visit_provider(start(client, sso))
    with client.session_transaction() as session:
        before_callback = dict(session)
    assert client.get(callback).status_code == 302
    # The same browser again: its state was used up.
    assert_refused(client.get(callback), "not started from this browser")
    # A copy of the browser from before the callback: the provider refuses a used code.
    copy = app.test_client()
    with copy.session_transaction() as session:
        session.update(before_callback)
    assert_refused(copy.get(callback), "invalid_grant")
    assert not signed_in(copy, world.host_a)


def test_a_tampered_code_is_refused(app, world, sso, client):
    callback = visit_provider(start(client, sso))
    assert_refused(client.get(with_query(callback, code="forged-code")), "invalid_grant")
    assert not signed_in(client, world.host_a)


def test_a_callback_with_no_code_or_state_is_refused(app, world, sso, client):
    assert_refused(client.get(f"/sign-in/sso/{sso.code}/callback"))
    assert_refused(client.get(f"/sign-in/sso/{sso.code}/callback?code=x&state=y"))
    assert not signed_in(client, world.host_a)


def test_the_provider_turning_the_person_away_is_shown_clearly(app, world, sso, client):
    sso.idp.deny = "access_denied"
    assert_refused(sign_in_by_sso(client, sso), "access_denied")
    assert not signed_in(client, world.host_a)


def test_an_error_text_in_the_callback_is_not_echoed(app, sso, client):
    start(client, sso)
    response = client.get(
        f"/sign-in/sso/{sso.code}/callback",
        query_string={"error": "Call 0800 000 000 to unlock your account", "state": "x"},
    )
    assert_refused(response)
    assert "0800" not in response.get_data(as_text=True)


# --- ID tokens the portal must not believe --------------------------------------------------

FORGED_SIGNATURES = ("rogue", "rogue-kid", "client-secret")


def forged_id_tokens() -> dict[str, dict]:
    now = int(time.time())
    return {
        "another audience": {"aud": "another-client"},
        "another issuer": {"iss": "http://127.0.0.1:1"},
        "a nonce we never sent": {"nonce": "a-nonce-we-never-sent"},
        "no nonce": {"nonce": None},
        "expired": {"exp": now - 3600, "iat": now - 3900},
        "issued in the future": {"iat": now + 3600, "exp": now + 7200},
        "at_hash of another access token": {"at_hash": "AAAAAAAAAAAAAAAAAAAAAA"},
        "no subject": {"sub": None},
    }


def test_an_id_token_that_does_not_verify_is_refused(app, world, sso):
    cases = [(name, claims, "key") for name, claims in forged_id_tokens().items()]
    cases += [(f"signed with {how}", {}, how) for how in FORGED_SIGNATURES]
    for name, claims, sign_with in cases:
        sso.idp.id_token_claims, sso.idp.sign_with = claims, sign_with
        browser = app.test_client()
        response = sign_in_by_sso(browser, sso)
        assert response.status_code == 403, name
        assert "could not be verified" in response.get_data(as_text=True), name
        assert not signed_in(browser, world.host_a), name
    assert identities(app) == []
    # The same provider, once it behaves, is believed: the refusals were about the tokens.
    sso.idp.id_token_claims, sso.idp.sign_with = {}, "key"
    browser = app.test_client()
    assert sign_in_by_sso(browser, sso).status_code == 302 and signed_in(browser, world.host_a)


def test_a_provider_claiming_to_be_another_issuer_is_refused(app, world, sso, client):
    # Discovery and the ID token agree with each other, but not with the authority's setting.
    sso.idp.claimed_issuer = "https://login.another-council.example"
    assert_refused(sign_in_by_sso(client, sso), "not the one set for your authority")
    assert not signed_in(client, world.host_a)
    assert identities(app) == []


def test_a_wrong_client_secret_is_refused(app, world, sso, client):
    with app.app_context():
        db.session.get(Authority, world.host_a).oidc_client_secret = "not-the-secret"
        db.session.commit()
    assert_refused(sign_in_by_sso(client, sso), "invalid_client")
    assert not signed_in(client, world.host_a)


# --- people the portal must turn away -------------------------------------------------------


def test_an_email_of_no_active_staff_member_of_the_authority_is_refused(app, world, sso):
    lead, viewer = world.users["host_a_lead"], world.users["host_a_viewer"]
    with app.app_context():
        # A provider-realm account that somehow holds a membership: the realm still decides.
        odd = factories.user(email="odd@provider-a.example", realm=Realm.PROVIDER)
        factories.member(db.session.get(Authority, world.host_a), person=odd)
        db.session.scalar(select(User).where(User.email == lead)).active = False
        viewer_id = db.session.scalar(select(User.id).where(User.email == viewer))
        with scoped_as(db.session, Scope(tenant_id=world.host_a)):
            db.session.scalar(select(Membership).where(Membership.user_id == viewer_id)).active = False
            db.session.commit()
    people = {
        "an unknown email": "nobody@host-a.example",
        "a member of another authority": world.users["host_b_lead"],
        "a provider account": world.users["provider_a_manager"],
        "a provider account with a membership": "odd@provider-a.example",
        "a deactivated account": lead,
        "a deactivated membership": viewer,
    }
    for n, (name, email) in enumerate(people.items()):
        sso.idp.account = Account(subject=f"idp-subject-{n}", email=email)
        browser = app.test_client()
        response = sign_in_by_sso(browser, sso)
        assert response.status_code == 403, name
        assert "not set up to use this service" in response.get_data(as_text=True), name
        assert not signed_in(browser, world.host_a), name
    assert identities(app) == []


def test_an_unverified_or_missing_email_is_refused_saying_which_claim(app, world, sso):
    lead = world.users["host_a_lead"]
    accounts = {
        "email_verified false": (Account("idp-subject-lead", lead, email_verified=False), "email_verified"),
        "email_verified 'false'": (Account("idp-subject-lead", lead, email_verified="false"), "email_verified"),
        "email_verified absent": (Account("idp-subject-lead", lead, email_verified=None), "email_verified"),
        "no email": (Account("idp-subject-lead", None), "the email claim"),
    }
    for in_id_token in (True, False):
        sso.idp.claims_in_id_token = in_id_token
        for name, (account, claim) in accounts.items():
            sso.idp.account = account
            browser = app.test_client()
            assert_refused(sign_in_by_sso(browser, sso), claim)
            assert not signed_in(browser, world.host_a), name
    assert identities(app) == []


def test_a_bound_subject_no_longer_a_member_is_refused(app, world, sso, client):
    assert sign_in_by_sso(client, sso).status_code == 302
    with app.app_context():
        lead_id = db.session.scalar(select(User.id).where(User.email == world.users["host_a_lead"]))
        with scoped_as(db.session, Scope(tenant_id=world.host_a)):
            db.session.scalar(select(Membership).where(Membership.user_id == lead_id)).active = False
            db.session.commit()
    browser = app.test_client()
    assert_refused(sign_in_by_sso(browser, sso), "not set up to use this service")
    assert not signed_in(browser, world.host_a)


# --- authorities without (working) single sign-on -------------------------------------------


def test_an_authority_without_sso_offers_none(app, world, sso, client):
    with app.app_context():
        host_b = db.session.get(Authority, world.host_b)
        code = host_b.code
    body = client.get("/sign-in").get_data(as_text=True)
    assert f"/sign-in/sso/{code}" not in body
    assert client.get(f"/sign-in/sso/{code}").status_code == 404
    assert client.get(f"/sign-in/sso/{code}/callback?code=x&state=y").status_code == 404
    assert client.get("/sign-in/sso/NOSUCHCODE").status_code == 404


def test_an_inactive_authority_offers_none(app, world, sso, client):
    with app.app_context():
        db.session.get(Authority, world.host_a).active = False
        db.session.commit()
    assert "Sign in with Host A" not in client.get("/sign-in").get_data(as_text=True)
    assert client.get(f"/sign-in/sso/{sso.code}").status_code == 404


def test_an_authority_with_half_its_settings_offers_none(app, world, sso, client):
    with app.app_context():
        db.session.get(Authority, world.host_a).oidc_client_secret = None
        db.session.commit()
    assert "Sign in with Host A" not in client.get("/sign-in").get_data(as_text=True)
    assert client.get(f"/sign-in/sso/{sso.code}").status_code == 404


def test_an_http_issuer_is_refused_where_insecure_issuers_are_not_allowed(app, world, sso, client):
    app.config["OIDC_ALLOW_INSECURE_ISSUERS"] = False
    assert "Sign in with Host A" not in client.get("/sign-in").get_data(as_text=True)
    response = client.get(f"/sign-in/sso/{sso.code}")
    assert response.status_code == 503
    assert "You could not be signed in" in response.get_data(as_text=True)
    assert sso.idp.authorize_requests == []


def test_a_provider_that_is_down_gives_a_clear_page(app, world, sso, client):
    sso.idp.stop()
    response = client.get(f"/sign-in/sso/{sso.code}")
    assert response.status_code == 502
    assert "You could not be signed in" in response.get_data(as_text=True)


def test_a_provider_that_goes_down_before_the_callback_gives_a_clear_page(
    app, world, sso, client
):
    callback = visit_provider(start(client, sso))
    sso.idp.stop()
    response = client.get(callback)
    assert response.status_code == 502
    assert "You could not be signed in" in response.get_data(as_text=True)
    assert not signed_in(client, world.host_a)
