"""Single sign-on in Chromium against panva's ``oidc-provider`` (npm, OpenID Certified) on
loopback, on its default conformant settings: email and name only at userinfo, the issuer in
the authorization response, PKCE (made required), its own login, consent and logout pages.

A demo person of two authorities (Wexbridge and Northmoor) signs in through Wexbridge's
provider: Wexbridge opens, Northmoor asks for its own sign-in, and signing out ends the
provider's session too, so the next person at the computer meets the provider's login page.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.auth.models import User, UserIdentity
from app.extensions import db
from app.tenants.models import Authority
from tests.e2e.conftest import TWO_AUTHORITIES_EMAIL
from tests.support.oidc_node_provider import NodeOidcProvider

pytestmark = pytest.mark.browser

HOST_CODE, OTHER_CODE = "E10000901", "E06000901"  # Wexbridge (with SSO), Northmoor (without)
CLIENT_ID, CLIENT_SECRET = "pcp-wexbridge", "wexbridge-client-secret"
LOGIN = "tess.twofold"


@dataclass(frozen=True)
class NodeSso:
    issuer: str
    host_id: int
    host_name: str
    other_id: int
    other_name: str


def _set_sso(app, issuer: str | None) -> tuple[int, str, int, str]:
    with app.app_context():
        host = db.session.scalar(select(Authority).where(Authority.code == HOST_CODE))
        other = db.session.scalar(select(Authority).where(Authority.code == OTHER_CODE))
        host.oidc_issuer = issuer
        host.oidc_client_id = CLIENT_ID if issuer else None
        host.oidc_client_secret = CLIENT_SECRET if issuer else None
        if issuer is None:  # leave the shared demo world as it was
            user_id = db.session.scalar(select(User.id).where(User.email == TWO_AUTHORITIES_EMAIL))
            db.session.execute(db.delete(UserIdentity).where(UserIdentity.user_id == user_id))
        db.session.commit()
        return host.id, host.name, other.id, other.name


@pytest.fixture
def node_sso(live_server) -> Iterator[NodeSso]:
    app = live_server.app
    clients = [{
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uris": [f"{live_server.url}/sign-in/sso/{HOST_CODE}/callback"],
        "post_logout_redirect_uris": [f"{live_server.url}/sign-in"],
    }]
    accounts = {LOGIN: {"email": TWO_AUTHORITIES_EMAIL, "email_verified": True, "name": "Tess Twofold"}}
    public_url = app.config["PUBLIC_URL"]
    app.config["PUBLIC_URL"] = live_server.url
    with NodeOidcProvider(clients, accounts) as provider:
        try:
            yield NodeSso(provider.issuer, *_set_sso(app, provider.issuer))
        finally:
            _set_sso(app, None)
            app.config["PUBLIC_URL"] = public_url


@pytest.fixture
def tab(browser, live_server) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(15_000)
    # The provider's pages import a web font; nothing leaves the machine.
    context.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/]).*"), lambda route: route.abort())
    try:
        yield context.new_page()
    finally:
        context.close()


def _sign_in_at_the_provider(tab: Page, node_sso: NodeSso) -> None:
    tab.goto("/sign-in")
    tab.get_by_role("link", name=f"Sign in with {node_sso.host_name}").click()
    expect(tab).to_have_url(re.compile(re.escape(node_sso.issuer) + "/interaction/"))
    tab.locator('input[name="login"]').fill(LOGIN)
    tab.locator('input[name="password"]').fill("any password the provider checks")
    tab.get_by_role("button", name="Sign-in").click()
    tab.get_by_role("button", name="Continue").click()  # the provider's consent page
    expect(tab.get_by_text("Acting for")).to_be_visible()
    expect(tab).to_have_url(re.compile(rf"/authorities/{node_sso.host_id}/$"))
    # Let the page's own requests finish first: each answer re-sends the session cookie, and
    # one still in flight would overwrite the cookie the next sign-in start sets.
    tab.wait_for_load_state("networkidle")


def _id_token_claims(tab: Page, app) -> dict:
    """The claims of the ID token the portal keeps for the logout hint, from the session cookie."""
    [cookie] = [c for c in tab.context.cookies() if c["name"] == app.config["SESSION_COOKIE_NAME"]]
    session = app.session_interface.get_signing_serializer(app).loads(cookie["value"])
    payload = session["sso_id_token"].split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_sso_through_a_certified_provider_signs_in_and_opens_that_authority_only(
    tab, node_sso, live_server
):
    _sign_in_at_the_provider(tab, node_sso)
    expect(tab.get_by_text(f"Acting for {node_sso.host_name}")).to_be_visible()
    # The provider kept email and name out of the ID token (claims at userinfo): the portal
    # found the person through its userinfo endpoint.
    claims = _id_token_claims(tab, live_server.app)
    assert claims["sub"] == LOGIN and "email" not in claims and "name" not in claims

    tab.goto(f"/authorities/{node_sso.other_id}/")
    expect(tab).to_have_url(re.compile(rf"/sign-in\?authority={OTHER_CODE}&next="))
    expect(tab.get_by_text(f"cannot open {node_sso.other_name}")).to_be_visible()
    assert Axe().run(tab).response["violations"] == []

    # Northmoor has no single sign-on: its password sign-in opens it.
    tab.locator('input[name="email"]').fill(TWO_AUTHORITIES_EMAIL)
    tab.locator('input[name="password"]').fill(live_server.demo_password)
    tab.get_by_role("button", name="Sign in").click()
    expect(tab).to_have_url(re.compile(rf"/authorities/{node_sso.other_id}/$"))
    expect(tab.get_by_text(f"Acting for {node_sso.other_name}")).to_be_visible()


def test_sign_out_ends_the_provider_session_too(tab, node_sso):
    _sign_in_at_the_provider(tab, node_sso)
    # While the provider's session lives, its sign-in goes straight through without a login.
    tab.goto(f"/sign-in/sso/{HOST_CODE}")
    expect(tab).to_have_url(re.compile(rf"/authorities/{node_sso.host_id}/$"))

    tab.get_by_role("button", name="Sign out").click()
    expect(tab).to_have_url(re.compile(re.escape(node_sso.issuer) + "/session/end"))
    tab.get_by_role("button", name="Yes, sign me out").click()
    expect(tab).to_have_url(re.compile(r"/sign-in(\?.*)?$"))
    expect(tab.get_by_role("heading", name="Sign in to Provider concerns")).to_be_visible()

    # The next person at this computer meets the provider's login page, not the last session.
    tab.get_by_role("link", name=f"Sign in with {node_sso.host_name}").click()
    expect(tab).to_have_url(re.compile(re.escape(node_sso.issuer) + "/interaction/"))
    expect(tab.locator('input[name="login"]')).to_be_visible()
    tab.goto(f"/authorities/{node_sso.host_id}/")
    expect(tab).to_have_url(re.compile(r"/sign-in\?next="))
