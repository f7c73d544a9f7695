"""Staff and provider sign-in: passwords, lockout, rate limit, cookies, sign-out."""

from __future__ import annotations

from app import create_app
from tests.conftest import pg_config
from tests.factories import PASSWORD
from tests.support.clients import csrf_token, sign_in


def _post_sign_in(client, email, password, path="/sign-in", **query):
    token = csrf_token(client, path)
    return client.post(path, query_string=query, data={"email": email, "password": password, "csrf_token": token})


def test_staff_sign_in_lands_on_their_authority(app, world):
    response = _post_sign_in(app.test_client(), world.users["host_a_lead"], PASSWORD)
    assert response.status_code == 302
    assert response.location.endswith(f"/authorities/{world.host_a}/")


def test_wrong_password_shows_an_error_summary_and_keeps_the_email(app, world):
    response = _post_sign_in(app.test_client(), world.users["host_a_lead"], "wrong password")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in body and "email address or password is not correct" in body
    assert world.users["host_a_lead"] in body
    assert "wrong password" not in body


def test_repeated_failures_lock_the_account_with_a_clear_message(app, world):
    client = app.test_client()
    email = world.users["host_a_lead"]
    for _ in range(app.config["SIGN_IN_MAX_FAILURES"]):
        body = _post_sign_in(client, email, "wrong password").get_data(as_text=True)
    assert "locked for 15 minutes" in body
    # Even the right password is refused while the lock lasts.
    response = _post_sign_in(client, email, PASSWORD)
    assert response.status_code == 200 and "locked for 15 minutes" in response.get_data(as_text=True)


def test_sign_in_is_rate_limited_per_address(pg_database, world):
    app = create_app({**pg_config(pg_database), "SIGN_IN_RATE_LIMIT": "3 per minute", "RATELIMIT_ENABLED": True})
    client = app.test_client()
    statuses = [
        _post_sign_in(client, "nobody@example.org", "x").status_code for _ in range(4)
    ]
    assert statuses[:3] == [200, 200, 200]
    last = _post_sign_in(client, "nobody@example.org", "x")
    assert last.status_code == 429 and "Too many attempts" in last.get_data(as_text=True)


def test_a_provider_account_cannot_use_the_staff_sign_in(app, world):
    response = _post_sign_in(app.test_client(), world.users["provider_a_manager"], PASSWORD)
    assert response.status_code == 200 and "not correct" in response.get_data(as_text=True)


def test_a_staff_account_cannot_use_the_provider_sign_in(app, world):
    response = _post_sign_in(app.test_client(), world.users["host_a_lead"], PASSWORD, path="/provider/sign-in")
    assert response.status_code == 200 and "not correct" in response.get_data(as_text=True)


def test_next_only_follows_paths_on_this_site(app, world):
    for target, expected in (
        (f"/authorities/{world.host_a}/cases", f"/authorities/{world.host_a}/cases"),
        ("https://evil.example/steal", f"/authorities/{world.host_a}/"),
        ("//evil.example/steal", f"/authorities/{world.host_a}/"),
    ):
        response = _post_sign_in(app.test_client(), world.users["host_a_lead"], PASSWORD, next=target)
        assert response.location.endswith(expected), target


def test_session_cookie_is_hardened(pg_database, world):
    app = create_app({**pg_config(pg_database), "PCP_ENV": "staging", "SESSION_COOKIE_SECURE": True})
    response = _post_sign_in(app.test_client(), world.users["host_a_lead"], PASSWORD)
    cookie = response.headers.get("Set-Cookie")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def test_sign_out_needs_a_post_and_ends_the_session(app, world):
    client = sign_in(app.test_client(), world.users["host_a_lead"])
    assert client.get("/sign-out").status_code == 405
    token = csrf_token(client, f"/authorities/{world.host_a}/")
    assert client.post("/sign-out", data={"csrf_token": token}).status_code == 302
    assert client.get(f"/authorities/{world.host_a}/").status_code == 302


def test_a_user_with_several_authorities_chooses_one(app, world):
    from app.extensions import db
    from app.tenants.models import Authority
    from tests import factories

    with app.app_context():
        person = factories.member(db.session.get(Authority, world.host_a), email="two@example.org")
        factories.member(db.session.get(Authority, world.host_b), person=person)
        db.session.commit()
    client = app.test_client()
    response = _post_sign_in(client, "two@example.org", PASSWORD)
    assert response.location.endswith("/authorities")
    page = client.get("/authorities").get_data(as_text=True)
    assert "Host A County Council" in page and "Host B County Council" in page
    assert "Acting for" in client.get(f"/authorities/{world.host_b}/").get_data(as_text=True)
