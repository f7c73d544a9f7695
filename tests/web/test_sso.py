"""Staff single sign-on, end to end against a real OpenID Connect provider on loopback.

The portal is driven through the test client; the browser's visit to the provider is a real
HTTP request (``requests``) to ``tests/support/oidc_provider.py``, and the portal itself talks
to the provider over HTTP (discovery, token, JWKS) as it would in production.
"""

from __future__ import annotations

import html
import re
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


def test_once_linked_another_subject_with_the_same_email_is_refused(app, world, sso):
    assert sign_in_by_sso(app.test_client(), sso).status_code == 302
    sso.idp.account = Account("a-second-account", world.users["host_a_lead"])
    browser = app.test_client()
    assert_refused(sign_in_by_sso(browser, sso), "already linked to another account")
    assert not signed_in(browser, world.host_a)
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


# --- PKCE, and claims a conformant provider keeps at userinfo --------------------------------


def test_every_authorization_request_carries_a_pkce_challenge_the_token_request_proves(
    app, world, sso, client
):
    import base64
    import hashlib

    asked = parse_qs(urlsplit(start(client, sso)).query)
    assert asked["code_challenge_method"] == ["S256"]
    client.get(visit_provider(with_query(start(client, sso))))
    [token_request] = sso.idp.token_requests
    digest = hashlib.sha256(token_request["code_verifier"].encode()).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert challenge == sso.idp.authorize_requests[-1]["code_challenge"]
    assert signed_in(client, world.host_a)


def test_email_and_name_are_read_from_userinfo_when_the_id_token_lacks_them(
    app, world, sso, client
):
    sso.idp.claims_in_id_token = False  # as OIDC Core 5.4 providers and Entra ID do
    response = sign_in_by_sso(client, sso)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert signed_in(client, world.host_a)
    assert identities(app) == [(world.users["host_a_lead"], sso.idp.issuer, "idp-subject-lead")]


def test_userinfo_about_another_subject_is_not_believed(app, world, sso, client):
    sso.idp.claims_in_id_token = False
    sso.idp.userinfo_claims = {"sub": "someone-else"}
    assert_refused(sign_in_by_sso(client, sso), "could not be verified")
    assert not signed_in(client, world.host_a)
    assert identities(app) == []


def test_a_missing_email_verified_counts_only_where_the_authority_trusts_its_provider(
    app, world, sso
):
    sso.idp.account = Account("idp-subject-lead", world.users["host_a_lead"], email_verified=None)
    assert_refused(sign_in_by_sso(app.test_client(), sso), "email_verified")
    # Entra ID's optional claim "email domain owner verified" vouches as email_verified does.
    sso.idp.id_token_claims = {"xms_edov": True}
    browser = app.test_client()
    assert sign_in_by_sso(browser, sso).status_code == 302 and signed_in(browser, world.host_a)

    with app.app_context():
        db.session.execute(db.delete(UserIdentity))
        db.session.get(Authority, world.host_a).oidc_emails_verified = True
        db.session.commit()
    sso.idp.id_token_claims = {}
    browser = app.test_client()
    assert sign_in_by_sso(browser, sso).status_code == 302 and signed_in(browser, world.host_a)
    # A provider saying "not verified" is believed even then.
    with app.app_context():
        db.session.execute(db.delete(UserIdentity))
        db.session.commit()
    sso.idp.account = Account("idp-subject-lead", world.users["host_a_lead"], email_verified=False)
    assert_refused(sign_in_by_sso(app.test_client(), sso), "email_verified")


def test_an_entra_id_account_is_bound_by_tenant_and_object_id(app, world, sso):
    sso.idp.id_token_claims = {"tid": "council-tenant", "oid": "object-1"}
    assert sign_in_by_sso(app.test_client(), sso).status_code == 302
    assert identities(app) == [
        (world.users["host_a_lead"], sso.idp.issuer, "council-tenant/object-1")
    ]
    # A new app registration changes sub; the object id, and so the binding, stays.
    sso.idp.account = Account("another-pairwise-sub", "renamed@host-a.example")
    browser = app.test_client()
    assert sign_in_by_sso(browser, sso).status_code == 302 and signed_in(browser, world.host_a)


def test_no_identity_is_ever_bound_to_a_platform_administrator(app, world, sso):
    admin_email = world.users["platform_admin"]
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.email == admin_email))
        factories.member(db.session.get(Authority, world.host_a), person=admin)
        db.session.commit()
        admin_id = admin.id
    sso.idp.account = Account("idp-subject-admin", admin_email)
    browser = app.test_client()
    assert_refused(sign_in_by_sso(browser, sso), "Platform administrators sign in with")
    assert not signed_in(browser, world.host_a)
    assert identities(app) == []
    # Nor does an identity bound some other way open the platform through the provider.
    with app.app_context():
        db.session.add(UserIdentity(user_id=admin_id, issuer=sso.idp.issuer, subject="idp-subject-admin"))
        db.session.commit()
    browser = app.test_client()
    assert_refused(sign_in_by_sso(browser, sso), "Platform administrators sign in with")
    assert browser.get("/admin/").status_code == 302


# --- the callback: state first, then anything else it says ----------------------------------


def test_the_provider_error_is_ignored_until_the_state_is_checked(app, world, sso, client):
    start(client, sso)
    response = client.get(
        f"/sign-in/sso/{sso.code}/callback", query_string={"error": "access_denied", "state": "forged"}
    )
    assert_refused(response, "not started from this browser")
    assert "access_denied" not in response.get_data(as_text=True)


def test_an_error_description_is_neither_shown_nor_logged_raw(app, world, sso, client, caplog):
    authorize_url = start(client, sso)
    state = parse_qs(urlsplit(authorize_url).query)["state"][0]
    description = "Call <b>0800</b>\nFAKE LOG LINE: admin signed in"
    response = client.get(
        f"/sign-in/sso/{sso.code}/callback",
        query_string={"error": "access_denied", "error_description": description, "state": state},
    )
    assert_refused(response, "(access_denied)")
    body = response.get_data(as_text=True)
    assert "0800" not in body and "<b>" not in body
    logged = [r.getMessage() for r in caplog.records if "access_denied" in r.getMessage()]
    assert logged and all("\n" not in line for line in logged)
    assert sso.idp.token_requests == []


def test_an_authorization_response_from_another_issuer_is_refused(app, world, sso, client):
    callback = visit_provider(start(client, sso))
    assert parse_qs(urlsplit(callback).query)["iss"] == [sso.idp.issuer]
    assert_refused(
        client.get(with_query(callback, iss="https://login.another-council.example")),
        "not the one set for your authority",
    )
    # A provider that announces the iss parameter must send it (RFC 9207 section 2.4).
    callback = visit_provider(start(client, sso))
    parts = urlsplit(callback)
    query = {k: v[0] for k, v in parse_qs(parts.query).items() if k != "iss"}
    assert_refused(client.get(urlunsplit(parts._replace(query=urlencode(query)))), "not the one set")
    assert sso.idp.token_requests == []
    assert not signed_in(client, world.host_a)


def test_abandoned_starts_are_pruned_so_the_cookie_stays_small(app, world, sso, client):
    first = start(client, sso)
    for _ in range(40):
        client.get(f"/sign-in/sso/{sso.code}", query_string={"next": "/authorities/" + "x" * 3000})
    last = start(client, sso)
    assert len(client.get_cookie("pcp_session", domain="portal.test").value) < 3000
    with client.session_transaction() as session:
        assert sum(key.startswith("_state_") for key in session) <= 3
    assert_refused(client.get(visit_provider(first)), "not started from this browser")
    assert client.get(visit_provider(last)).status_code == 302
    assert signed_in(client, world.host_a)


def test_a_start_older_than_an_hour_is_refused(app, world, sso, client):
    callback = visit_provider(start(client, sso))
    with client.session_transaction() as session:
        [key] = [k for k in session if k.startswith("_state_")]
        session[key] = {**session[key], "exp": time.time() - 1}
    assert_refused(client.get(callback), "not started from this browser")
    assert sso.idp.token_requests == []


def test_provider_metadata_is_fetched_again_once_it_is_older_than_the_setting(app, world, sso):
    sign_in_by_sso(app.test_client(), sso)
    sign_in_by_sso(app.test_client(), sso)
    assert sso.idp.discovery_requests == 1
    app.config["OIDC_METADATA_MAX_AGE_SECONDS"] = 0
    browser = app.test_client()
    assert sign_in_by_sso(browser, sso).status_code == 302 and signed_in(browser, world.host_a)
    assert sso.idp.discovery_requests > 1


def test_each_sso_sign_in_and_each_new_link_is_an_audit_event(app, world, sso):
    from app.audit.models import AuditEvent

    sign_in_by_sso(app.test_client(), sso)
    sign_in_by_sso(app.test_client(), sso)
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("sso.%")).order_by(AuditEvent.id)
        ).all()
        lead_id = db.session.scalar(select(User.id).where(User.email == world.users["host_a_lead"]))
    assert [e.action for e in events] == ["sso.identity_linked", "sso.signed_in", "sso.signed_in"]
    assert all(e.actor_user_id == lead_id and e.tenant_id == world.host_a for e in events)
    assert events[0].new_values["subject"] == "idp-subject-lead"


# --- one authority per SSO sign-in ----------------------------------------------------------


def _also_member_of_host_b(app, world) -> str:
    with app.app_context():
        lead = db.session.scalar(select(User).where(User.email == world.users["host_a_lead"]))
        host_b = db.session.get(Authority, world.host_b)
        factories.member(host_b, person=lead)
        db.session.commit()
        return host_b.code


def test_an_sso_session_of_one_authority_cannot_open_another(app, world, sso, client):
    code_b = _also_member_of_host_b(app, world)
    password_browser = sign_in(app.test_client(), world.users["host_a_lead"])
    assert signed_in(password_browser, world.host_b)  # the person really is a member of B

    assert sign_in_by_sso(client, sso).status_code == 302
    assert signed_in(client, world.host_a)
    response = client.get(f"/authorities/{world.host_b}/")
    assert response.status_code == 302
    assert response.location.startswith(f"/sign-in?authority={code_b}&next=")
    page = client.get(response.location).get_data(as_text=True)
    assert "cannot open Host B County Council" in page
    assert client.get(f"/authorities/{world.host_b}/cases/{world.case_b}").status_code == 302
    token = csrf_token(client, f"/authorities/{world.host_a}/")
    post = client.post(f"/authorities/{world.host_b}/users/1/deactivate", data={"csrf_token": token})
    assert post.status_code == 302 and post.location == f"/sign-in?authority={code_b}"

    # Signing in with B's own credentials (its password sign-in here) opens B.
    response = client.post(
        response.location,
        data={"email": world.users["host_a_lead"], "password": factories.PASSWORD,
              "csrf_token": csrf_token(client, response.location)},
    )
    assert response.status_code == 302 and response.location == f"/authorities/{world.host_b}/"
    assert signed_in(client, world.host_b)


def test_another_authoritys_sso_opens_that_authority_only(app, world, sso, client):
    code_b = _also_member_of_host_b(app, world)
    with app.app_context():
        host_b = db.session.get(Authority, world.host_b)
        host_b.oidc_issuer, host_b.oidc_client_id = sso.idp.issuer, "host-b-portal"
        host_b.oidc_client_secret = "host-b-secret"
        db.session.commit()
    sso.idp.register_client("host-b-portal", "host-b-secret", f"{PUBLIC_URL}/sign-in/sso/{code_b}/callback")
    assert sign_in_by_sso(client, sso).status_code == 302
    redirect_to_b = client.get(f"/authorities/{world.host_b}/").location
    page = client.get(redirect_to_b).get_data(as_text=True)
    next_path = parse_qs(urlsplit(redirect_to_b).query)["next"][0]
    assert f'href="/sign-in/sso/{code_b}?next=' in page

    response = client.get(f"/sign-in/sso/{code_b}", query_string={"next": next_path})
    response = client.get(visit_provider(response.location))
    assert response.status_code == 302 and response.location == next_path
    assert signed_in(client, world.host_b)
    assert not signed_in(client, world.host_a)


# --- sign-out ends the provider's session too -----------------------------------------------


class SignedOut:
    """Where sign-out sent the browser: ``location`` (the provider's page, or ours)."""

    def __init__(self, response):
        self.status_code = response.status_code
        if response.status_code == 302:
            self.location = response.location
        else:
            # A page that moves on by itself: a redirect would break the form's CSP.
            body = response.get_data(as_text=True)
            match = re.search(r'<meta http-equiv="refresh" content="0;url=([^"]+)">', body)
            assert match, body
            link = re.search(r'id="provider-sign-out" href="([^"]+)"', body)
            assert link and link.group(1) == match.group(1)
            self.location = html.unescape(match.group(1))


def sign_out(client, authority_id: int) -> SignedOut:
    token = csrf_token(client, f"/authorities/{authority_id}/")
    return SignedOut(client.post("/sign-out", data={"csrf_token": token}))


def test_sign_out_ends_the_provider_session_through_its_end_session_endpoint(
    app, world, sso, client
):
    assert sign_in_by_sso(client, sso).status_code == 302
    response = sign_out(client, world.host_a)
    assert response.status_code == 200
    assert response.location.startswith(f"{sso.idp.issuer}/end-session?")
    asked = parse_qs(urlsplit(response.location).query)
    assert asked["post_logout_redirect_uri"] == [f"{PUBLIC_URL}/sign-in"]
    assert asked["client_id"] == [CLIENT_ID]
    hint = asked["id_token_hint"][0]
    with client.session_transaction() as session:
        assert not session.get("_user_id")
    assert not signed_in(client, world.host_a)
    # The provider ends its session and sends the browser back to the sign-in page.
    back = requests.get(response.location, allow_redirects=False, timeout=5)
    assert back.headers["Location"].startswith(f"{PUBLIC_URL}/sign-in")
    assert sso.idp.logout_requests[-1]["id_token_hint"] == hint


def test_a_password_session_signs_out_locally(app, world, sso):
    browser = sign_in(app.test_client(), world.users["host_a_lead"])
    response = sign_out(browser, world.host_a)
    assert response.location == "/sign-in"
    assert sso.idp.logout_requests == []


def test_a_large_id_token_stays_out_of_the_cookie_and_logout_still_reaches_the_provider(
    app, world, sso, client
):
    sso.idp.id_token_claims = {"groups": [f"group-{n:04d}-{'x' * 30}" for n in range(60)]}
    assert sign_in_by_sso(client, sso).status_code == 302
    assert len(client.get_cookie("pcp_session", domain="portal.test").value) < 3000
    response = sign_out(client, world.host_a)
    asked = parse_qs(urlsplit(response.location).query)
    assert "id_token_hint" not in asked and asked["client_id"] == [CLIENT_ID]


def test_sign_out_while_the_provider_is_down_still_signs_out_here(app, world, sso, client):
    assert sign_in_by_sso(client, sso).status_code == 302
    app.config["OIDC_METADATA_MAX_AGE_SECONDS"] = 0
    sso.idp.stop()
    response = sign_out(client, world.host_a)
    assert response.location == "/sign-in"
    assert not signed_in(client, world.host_a)


# --- the client secret: encrypted at rest, never shown, keys rotated ------------------------


def _stored_secret(app, authority_id: int) -> str:
    with app.app_context():
        return db.session.execute(
            db.text("select oidc_client_secret_encrypted from authority where id = :id"),
            {"id": authority_id},
        ).scalar_one()


def test_the_client_secret_is_stored_encrypted_and_never_shown(app, world, sso):
    from cryptography.fernet import Fernet

    stored = _stored_secret(app, world.host_a)
    assert CLIENT_SECRET not in stored
    assert Fernet(app.config["SECRETS_ENCRYPTION_KEY"]).decrypt(stored.encode()).decode() == CLIENT_SECRET

    app.config["PUBLIC_URL"] = "https://concerns.council.example/portal"
    admin = sign_in(app.test_client(), world.users["platform_admin"])
    page = admin.get(f"/admin/authorities/{world.host_a}").get_data(as_text=True)
    assert f"https://concerns.council.example/portal/sign-in/sso/{sso.code}/callback" in page
    assert re.search(r">\s*https://concerns\.council\.example/portal/sign-in\s*<", page)
    path = f"/admin/authorities/{world.host_a}/edit"
    form_page = admin.get(path).get_data(as_text=True)
    assert f"/portal/sign-in/sso/{sso.code}/callback" in form_page
    refused = admin.post(path, data={
        "name": "", "code": sso.code, "kind": "local_authority", "oidc_issuer": sso.idp.issuer,
        "oidc_client_id": CLIENT_ID, "oidc_client_secret": "typed-new-secret",
        "csrf_token": csrf_token(admin, path),
    })
    assert refused.status_code == 200
    for body in (page, form_page, refused.get_data(as_text=True)):
        assert CLIENT_SECRET not in body and stored not in body and "typed-new-secret" not in body


def test_secrets_move_to_a_new_key_with_rotate_secrets(app, world, sso):
    from cryptography.fernet import Fernet

    old_key, new_key = app.config["SECRETS_ENCRYPTION_KEY"], Fernet.generate_key().decode()
    app.config["SECRETS_ENCRYPTION_KEY"] = f"{new_key},{old_key}"
    result = app.test_cli_runner().invoke(args=["rotate-secrets"])
    assert "1 secret(s) re-encrypted" in result.output, result.output
    assert Fernet(new_key).decrypt(_stored_secret(app, world.host_a).encode()).decode() == CLIENT_SECRET
    app.config["SECRETS_ENCRYPTION_KEY"] = new_key
    browser = app.test_client()
    assert sign_in_by_sso(browser, sso).status_code == 302 and signed_in(browser, world.host_a)
    # Under a key that cannot read it, SSO says it is unavailable rather than failing.
    app.config["SECRETS_ENCRYPTION_KEY"] = Fernet.generate_key().decode()
    response = app.test_client().get(f"/sign-in/sso/{sso.code}")
    assert response.status_code == 503
    assert "not available" in response.get_data(as_text=True)
