"""Single sign-on against panva's ``oidc-provider`` (npm, OpenID Certified) on loopback, on its
default conformant settings (claims at userinfo, the issuer in the authorization response,
RP-initiated logout; PKCE made required), its login and consent pages answered over HTTP.

The hand-written provider (``test_sso.py``) misbehaves on purpose for the many negative cases;
this one is the proof that the portal works with a provider nobody here wrote, and that the
main refusals hold against it too. ``tests/e2e/test_sso_browser.py`` drives it in Chromium.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from sqlalchemy import select

from app.auth.models import User, UserIdentity
from app.extensions import db
from app.tenants.models import Authority
from tests.support.clients import csrf_token
from tests.support.oidc_node_provider import NodeOidcProvider

PUBLIC_URL = "http://portal.test"
CODE = "E09000001"  # host A's official code in these tests, registered at the provider
CLIENT_ID, CLIENT_SECRET = "pcp-host-a", "host-a-client-secret"
LEAD_LOGIN, STRANGER_LOGIN = "lead", "stranger"


@pytest.fixture(scope="module")
def provider(tmp_path_factory) -> Iterator[NodeOidcProvider]:
    clients = [{
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uris": [f"{PUBLIC_URL}/sign-in/sso/{CODE}/callback"],
        "post_logout_redirect_uris": [f"{PUBLIC_URL}/sign-in"],
    }]
    accounts = {
        LEAD_LOGIN: {"email": "lead@host-a.example", "email_verified": True, "name": "Lead"},
        STRANGER_LOGIN: {"email": "nobody@host-a.example", "email_verified": True, "name": "N"},
    }
    with NodeOidcProvider(clients, accounts) as node:
        yield node


@pytest.fixture
def host_a(app, world, provider) -> int:
    app.config["PUBLIC_URL"] = PUBLIC_URL
    with app.app_context():
        authority = db.session.get(Authority, world.host_a)
        authority.code = CODE
        authority.oidc_issuer = provider.issuer
        authority.oidc_client_id = CLIENT_ID
        authority.oidc_client_secret = CLIENT_SECRET
        db.session.commit()
    assert world.users["host_a_lead"] == "lead@host-a.example"
    return world.host_a


def _answer_provider(browser: requests.Session, response: requests.Response, login: str) -> str:
    """Fill the provider's login and consent pages until it sends the browser back to us."""
    for _ in range(12):
        if response.is_redirect:
            location = urljoin(response.url, response.headers["Location"])
            if location.startswith(PUBLIC_URL):
                return location
            response = browser.get(location, allow_redirects=False, timeout=10)
            continue
        assert response.status_code == 200, response.text
        action = re.search(r'<form[^>]*action="([^"]+)"', response.text).group(1)
        prompt = re.search(r'name="prompt" value="(\w+)"', response.text).group(1)
        data = {"prompt": prompt}
        if prompt == "login":
            data.update(login=login, password="any password")
        response = browser.post(urljoin(response.url, action), data=data, allow_redirects=False, timeout=10)
    raise AssertionError("the provider never sent the browser back")


def through_provider(client, browser: requests.Session, login: str = LEAD_LOGIN) -> str:
    """Press "Sign in with Host A"; sign in at the provider; return the callback address."""
    start = client.get(f"/sign-in/sso/{CODE}")
    assert start.status_code == 302
    asked = parse_qs(urlsplit(start.location).query)
    assert asked["code_challenge_method"] == ["S256"]
    first = browser.get(start.location, allow_redirects=False, timeout=10)
    return _answer_provider(browser, first, login)


def signed_in(client, authority_id: int) -> bool:
    return client.get(f"/authorities/{authority_id}/").status_code == 200


def refused(response, phrase: str) -> bool:
    body = response.get_data(as_text=True)
    return response.status_code == 403 and "You could not be signed in" in body and phrase in body


def test_a_member_signs_in_with_claims_from_userinfo(app, host_a, client):
    callback = through_provider(client, requests.Session())
    assert parse_qs(urlsplit(callback).query)["iss"]  # RFC 9207, checked by the portal
    response = client.get(callback)
    assert response.status_code == 302 and response.location == f"/authorities/{host_a}/"
    assert signed_in(client, host_a)
    with app.app_context():
        [identity] = db.session.scalars(select(UserIdentity)).all()
        assert (identity.user.email, identity.subject) == ("lead@host-a.example", LEAD_LOGIN)


def test_a_tampered_state_a_replayed_callback_and_a_forged_code_are_refused(app, host_a, client):
    callback = through_provider(client, requests.Session())
    tampered = callback.replace("state=", "state=x")
    assert refused(client.get(tampered), "not started from this browser")
    with client.session_transaction() as session:
        before = dict(session)
    assert client.get(callback).status_code == 302
    assert refused(client.get(callback), "not started from this browser")
    copy = app.test_client()
    with copy.session_transaction() as session:
        session.update(before)
    assert refused(copy.get(callback), "invalid_grant")  # the provider refuses a used code
    assert not signed_in(copy, host_a)

    other = app.test_client()
    callback = through_provider(other, requests.Session())
    forged = re.sub(r"code=[^&]+", "code=forged", callback)
    assert refused(other.get(forged), "invalid_grant")
    assert not signed_in(other, host_a)


def test_a_wrong_client_secret_and_a_stranger_are_refused(app, host_a):
    with app.app_context():
        db.session.get(Authority, host_a).oidc_client_secret = "not-the-secret"
        db.session.commit()
    client = app.test_client()
    assert refused(client.get(through_provider(client, requests.Session())), "invalid_client")
    with app.app_context():
        db.session.get(Authority, host_a).oidc_client_secret = CLIENT_SECRET
        db.session.commit()
    client = app.test_client()
    callback = through_provider(client, requests.Session(), login=STRANGER_LOGIN)
    assert refused(client.get(callback), "not set up to use this service")
    assert not signed_in(client, host_a)
    with app.app_context():
        assert db.session.scalars(select(UserIdentity)).all() == []
        assert db.session.scalar(select(User).where(User.email == "nobody@host-a.example")) is None


def test_sign_out_ends_the_provider_session(app, host_a, client):
    browser = requests.Session()
    assert client.get(through_provider(client, browser)).status_code == 302
    # While the provider's session lives, a new sign-in goes straight back without a login.
    again = client.get(f"/sign-in/sso/{CODE}")
    straight = browser.get(again.location, allow_redirects=False, timeout=10)
    assert straight.is_redirect and straight.headers["Location"].startswith(PUBLIC_URL)
    assert client.get(straight.headers["Location"]).status_code == 302

    token = csrf_token(client, f"/authorities/{host_a}/")
    page = client.post("/sign-out", data={"csrf_token": token}).get_data(as_text=True)
    logout_url = re.search(r'id="provider-sign-out" href="([^"]+)"', page).group(1)
    logout_url = logout_url.replace("&amp;", "&")
    assert not signed_in(client, host_a)
    assert "id_token_hint=" in logout_url
    confirm = browser.get(logout_url, timeout=10)
    form = re.search(r'<form[^>]*id="op.logoutForm"[^>]*action="([^"]+)"', confirm.text) or re.search(
        r'<form[^>]*action="([^"]+)"[^>]*id="op.logoutForm"', confirm.text
    )
    xsrf = re.search(r'name="xsrf" value="([^"]+)"', confirm.text).group(1)
    done = browser.post(
        urljoin(confirm.url, form.group(1)), data={"xsrf": xsrf, "logout": "yes"},
        allow_redirects=False, timeout=10,
    )
    assert done.headers["Location"].startswith(f"{PUBLIC_URL}/sign-in")

    # Now the provider asks whoever is at the computer to sign in again.
    again = client.get(f"/sign-in/sso/{CODE}")
    asked = browser.get(again.location, allow_redirects=True, timeout=10)
    assert 'name="login"' in asked.text and "/interaction/" in asked.url
