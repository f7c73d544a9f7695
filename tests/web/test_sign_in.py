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


def _failures(client, email, count, path="/sign-in"):
    return [_post_sign_in(client, email, "wrong password", path).get_data(as_text=True) for _ in range(count)]


def _client_at(app, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_repeated_failures_make_that_address_wait_without_locking_the_account(app, world):
    email = world.users["host_a_lead"]
    guesser = _client_at(app, "203.0.113.9")
    bodies = _failures(guesser, email, app.config["SIGN_IN_MAX_FAILURES"])
    assert "Wait 1 minute and try again" in bodies[-1]
    # Even the right password waits, from the guessing address...
    response = _post_sign_in(guesser, email, PASSWORD)
    assert response.status_code == 200 and "Wait 1 minute" in response.get_data(as_text=True)
    # ...but the person at their own desk signs in as usual: nobody can lock them out.
    assert _post_sign_in(_client_at(app, "198.51.100.7"), email, PASSWORD).status_code == 302


def test_the_wait_grows_with_each_further_failure(app, world):
    from datetime import timedelta

    from app.auth import throttle

    with app.app_context():
        first = app.config["SIGN_IN_FIRST_DELAY_SECONDS"]
        limit = app.config["SIGN_IN_MAX_FAILURES"]
        waits = [throttle.delay_after(n) for n in range(limit - 1, limit + 8)]
    assert waits[0] == timedelta(0)
    assert waits[1:4] == [timedelta(seconds=first), timedelta(seconds=2 * first), timedelta(seconds=4 * first)]
    assert waits[-1] == timedelta(minutes=app.config["SIGN_IN_LOCKOUT_MINUTES"])


def _expire_waits(app):
    from sqlalchemy import update

    from app.auth.models import SignInThrottle
    from app.extensions import db

    with app.app_context():
        db.session.execute(update(SignInThrottle).values(blocked_until=None))
        db.session.commit()


def test_unknown_and_existing_emails_get_the_same_answers(app, world):
    limit = app.config["SIGN_IN_MAX_FAILURES"]

    def answers(email, address):
        client = _client_at(app, address)
        bodies = _failures(client, email, limit)
        _expire_waits(app)
        bodies += _failures(client, email, 1)
        bodies.append(_post_sign_in(client, email, "still wrong").get_data(as_text=True))
        return [_error_message(body) for body in bodies]

    known = answers(world.users["host_a_lead"], "203.0.113.1")
    unknown = answers("nobody-at-all@host-a.example", "203.0.113.2")
    assert known == unknown
    assert known[0] == "The email address or password is not correct"
    assert "Wait 1 minute" in known[-2] and "Wait 1 minute" in known[-1]


def _error_message(body: str) -> str:
    import re

    match = re.search(r'<p id="password-error" class="govuk-error-message">\s*'
                      r'<span class="govuk-visually-hidden">Error:</span>\s*([^<]+)', body)
    assert match, body
    return match.group(1).strip()


def test_failures_on_the_provider_and_staff_pages_count_together(app, world):
    email = world.users["host_a_lead"]
    client = _client_at(app, "203.0.113.5")
    limit = app.config["SIGN_IN_MAX_FAILURES"]
    _failures(client, email, limit - 2, path="/provider/sign-in")
    assert "Wait" not in _failures(client, email, 1)[-1]
    assert "Wait 1 minute" in _failures(client, email, 1)[-1]


def test_sign_in_is_rate_limited_per_address(pg_database, world):
    app = create_app({**pg_config(pg_database), "SIGN_IN_RATE_LIMIT": "3 per minute", "RATELIMIT_ENABLED": True})
    client = app.test_client()
    statuses = [
        _post_sign_in(client, "nobody@example.org", "x").status_code for _ in range(3)
    ]
    assert statuses == [200, 200, 200]
    last = _post_sign_in(client, "nobody@example.org", "x")
    assert last.status_code == 429 and "Too many attempts" in last.get_data(as_text=True)


def test_one_rate_limit_covers_both_sign_in_pages(pg_database, world):
    app = create_app({**pg_config(pg_database), "SIGN_IN_RATE_LIMIT": "3 per minute", "RATELIMIT_ENABLED": True})
    client = app.test_client()
    statuses = [_post_sign_in(client, f"nobody{n}@example.org", "x").status_code for n in range(2)]
    statuses.append(_post_sign_in(client, "nobody@example.org", "x", path="/provider/sign-in").status_code)
    assert statuses == [200, 200, 200]
    assert _post_sign_in(client, "nobody@example.org", "x", path="/provider/sign-in").status_code == 429
    assert _post_sign_in(client, "nobody@example.org", "x").status_code == 429


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
