"""Sessions live on the server: a copied cookie dies with the session, and sessions run out."""

from __future__ import annotations

import re
from datetime import timedelta

from flask_login.utils import encode_cookie
from sqlalchemy import select, update

from app.auth.models import User, UserSession
from app.db import utcnow
from app.extensions import db
from tests.factories import PASSWORD
from tests.support.clients import csrf_token, sign_in

COOKIE = "pcp_session"


def _copy_of(client, app):
    """A second browser holding a copy of ``client``'s session cookie (a stolen cookie)."""
    cookie = client.get_cookie(COOKIE, domain=app.config["SERVER_NAME"])
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie(COOKIE, cookie.value, domain=app.config["SERVER_NAME"])
    return thief


def _home(world):
    return f"/authorities/{world.host_a}/"


def _signed_out(client, world) -> bool:
    response = client.get(_home(world))
    return response.status_code == 302 and "/sign-in" in response.location


def test_a_cookie_copied_before_sign_out_no_longer_works(app, world):
    client = sign_in(app.test_client(), world.users["host_a_lead"])
    thief = _copy_of(client, app)
    assert thief.get(_home(world)).status_code == 200
    client.post("/sign-out", data={"csrf_token": csrf_token(client, _home(world))})
    assert _signed_out(client, world)
    assert _signed_out(thief, world)


def test_the_cookie_carries_a_session_id_not_the_user(app, world):
    client = sign_in(app.test_client(), world.users["host_a_lead"])
    with client.session_transaction() as session:
        session_id = session["_user_id"]
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == world.users["host_a_lead"]))
        row = db.session.scalar(select(UserSession).where(UserSession.user_id == user.id))
        assert str(user.id) not in session_id.split(":")
        assert len(session_id) >= 40 and session_id not in row.token_hash


def test_a_remember_cookie_cannot_bring_an_ended_session_back(app, world):
    client = sign_in(app.test_client(), world.users["host_a_lead"])
    with client.session_transaction() as session:
        session_id = session["_user_id"]
    client.post("/sign-out", data={"csrf_token": csrf_token(client, _home(world))})
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == world.users["host_a_lead"]))
    for value in (session_id, str(user_id)):
        revived = app.test_client()
        with app.test_request_context():
            revived.set_cookie("remember_token", encode_cookie(value), domain=app.config["SERVER_NAME"])
        assert _signed_out(revived, world), value


def test_a_new_password_ends_every_session_of_the_user(app, world):
    from app.auth.services import change_password

    client = sign_in(app.test_client(), world.users["host_a_lead"])
    other_browser = sign_in(app.test_client(), world.users["host_a_lead"])
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == world.users["host_a_lead"]))
        change_password(user, "a brand new password")
        db.session.commit()
    assert _signed_out(client, world) and _signed_out(other_browser, world)


def test_deactivation_ends_the_members_sessions_at_once(app, world):
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    thief = _copy_of(lead, app)
    admin = sign_in(app.test_client(), world.users["host_a_admin"])
    page = admin.get(f"/authorities/{world.host_a}/users").get_data(as_text=True)
    membership_id = re.search(rf'/authorities/{world.host_a}/users/(\d+)">[^<]+</a></td>\s*'
                              rf'<td class="govuk-table__cell">lead@host-a.example', page).group(1)
    path = f"/authorities/{world.host_a}/users/{membership_id}/deactivate"
    admin.post(path, data={"csrf_token": csrf_token(admin, f"/authorities/{world.host_a}/users/{membership_id}")})
    for client in (lead, thief):
        response = client.get("/authorities")
        assert response.status_code == 302 and "/sign-in" in response.location


def test_a_session_ends_when_idle_too_long(app, world):
    client = sign_in(app.test_client(), world.users["host_a_lead"])
    idle = app.config["PERMANENT_SESSION_LIFETIME"] + timedelta(minutes=1)
    with app.app_context():
        db.session.execute(update(UserSession).values(last_seen_at=utcnow() - idle))
        db.session.commit()
    assert _signed_out(client, world)
    with app.app_context():
        (row,) = db.session.scalars(select(UserSession)).all()
        assert row.ended_reason == "idle"


def test_a_busy_session_still_ends_at_its_absolute_lifetime(app, world):
    client = sign_in(app.test_client(), world.users["host_a_lead"])
    opened = utcnow() - timedelta(hours=app.config["SESSION_ABSOLUTE_HOURS"], minutes=1)
    with app.app_context():
        db.session.execute(update(UserSession).values(created_at=opened, last_seen_at=utcnow()))
        db.session.commit()
    assert _signed_out(client, world)
    with app.app_context():
        (row,) = db.session.scalars(select(UserSession)).all()
        assert row.ended_reason == "absolute_lifetime"


def test_use_within_the_idle_lifetime_keeps_a_session_going(app, world):
    client = sign_in(app.test_client(), world.users["host_a_lead"])
    almost = app.config["PERMANENT_SESSION_LIFETIME"] - timedelta(minutes=5)
    with app.app_context():
        db.session.execute(update(UserSession).values(last_seen_at=utcnow() - almost))
        db.session.commit()
    assert client.get(_home(world)).status_code == 200
    with app.app_context():
        row = db.session.scalar(select(UserSession))
        seen = row.last_seen_at if row.last_seen_at.tzinfo else row.last_seen_at.replace(tzinfo=utcnow().tzinfo)
        assert utcnow() - seen < timedelta(minutes=1)


def test_changing_your_password_signs_you_out_everywhere_else(app, world):
    email = world.users["host_a_lead"]
    client = sign_in(app.test_client(), email)
    other_browser = sign_in(app.test_client(), email)
    path = "/account/password"
    wrong = client.post(path, data={"current": "not it", "password": "a brand new password",
                                    "confirm": "a brand new password", "csrf_token": csrf_token(client, path)})
    assert "Your current password is not correct" in wrong.get_data(as_text=True)
    assert not _signed_out(other_browser, world)
    response = client.post(path, data={"current": PASSWORD, "password": "a brand new password",
                                       "confirm": "a brand new password", "csrf_token": csrf_token(client, path)})
    assert response.status_code == 302
    assert client.get(_home(world)).status_code == 200  # this browser carries on
    assert _signed_out(other_browser, world)
    sign_in(app.test_client(), email, password="a brand new password")


def test_a_provider_user_changes_their_password(app, world):
    email = world.users["provider_a_manager"]
    client = sign_in(app.test_client(), email, provider=True)
    thief = _copy_of(client, app)
    path = "/provider/account/password"
    response = client.post(path, data={"current": PASSWORD, "password": "a brand new password",
                                       "confirm": "a brand new password", "csrf_token": csrf_token(client, path)})
    assert response.location.endswith("/provider/")
    assert client.get("/provider/").status_code == 200
    assert thief.get("/provider/").status_code == 302


def test_guessing_the_current_password_is_slowed_like_sign_in(app, world):
    client = sign_in(app.test_client(), world.users["host_a_lead"])
    path = "/account/password"
    for _ in range(app.config["SIGN_IN_MAX_FAILURES"]):
        client.post(path, data={"current": "a guess", "password": "a brand new password",
                                "confirm": "a brand new password", "csrf_token": csrf_token(client, path)})
    response = client.post(path, data={"current": PASSWORD, "password": "a brand new password",
                                       "confirm": "a brand new password", "csrf_token": csrf_token(client, path)})
    assert "too many attempts" in response.get_data(as_text=True)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == world.users["host_a_lead"]))
        from app.auth.passwords import verify_password

        assert verify_password(user.password_hash, PASSWORD)
