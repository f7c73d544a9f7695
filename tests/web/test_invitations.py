"""Invitations cannot take over an account: they go by email only, bind to that email, end once.

The attacker in these tests is a tenant admin of host B, who may invite any email address to B.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.models import User
from app.auth.passwords import verify_password
from app.extensions import db
from app.providers.models import ProviderMembership
from app.tenants.models import Membership
from app.tenants.scoping import Scope, scoped_as
from tests.factories import PASSWORD
from tests.support.clients import csrf_token, sign_in
from tests.support.mail import mailed_link, mailed_links

NEW_PASSWORD = "the attacker's own password"


def _post(client, path, data):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, path)})


def _post_with_token_from(client, page_path, path, data):
    """POST to ``path`` with a CSRF token read from another page (the form is not on it)."""
    return client.post(path, data={**data, "csrf_token": csrf_token(client, page_path)})


def _invite_to_b(app, world, email, name="Invitee"):
    admin_b = sign_in(app.test_client(), world.users["host_b_admin"])
    page = _post(admin_b, f"/authorities/{world.host_b}/users/invite",
                 {"name": name, "email": email, "roles": ["lead_officer"]})
    assert page.status_code == 200
    # The link never reaches the inviter's page, whatever the mail channel.
    assert "/invitations/" not in page.get_data(as_text=True)
    return admin_b


def _password_unchanged(app, email):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        return verify_password(user.password_hash, PASSWORD) and not verify_password(
            user.password_hash, NEW_PASSWORD
        )


def _signed_in(client, world) -> bool:
    # Any signed-in user is taken somewhere other than the sign-in page from "/".
    location = client.get("/").location or ""
    return not location.endswith("/sign-in")


@pytest.mark.parametrize("victim", ["host_a_lead", "platform_admin", "provider_a_manager"])
def test_an_invitation_to_an_existing_account_never_touches_it(app, world, victim):
    email = world.users[victim]
    _invite_to_b(app, world, email)
    link = mailed_link(app.config["MAIL_FOLDER"], email, "/invitations/")

    visitor = app.test_client()
    page = visitor.get(link)
    expected = "cannot be accepted" if victim == "provider_a_manager" else "Sign in to accept"
    assert page.status_code == 200 and expected in page.get_data(as_text=True)
    assert 'name="password"' not in page.get_data(as_text=True)
    # Posting a password anyway (the old form) changes nothing and signs nobody in.
    token = csrf_token(visitor, "/sign-in")
    visitor.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": token})
    assert _password_unchanged(app, email)
    assert not _signed_in(visitor, world)
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_b)):
        members = db.session.scalars(select(Membership.user_id)).all()
        victim_id = db.session.scalar(select(User.id).where(User.email == email))
        assert victim_id not in members


def test_the_invitee_accepts_after_signing_in_as_themselves(app, world):
    email = world.users["host_a_lead"]
    _invite_to_b(app, world, email)
    link = mailed_link(app.config["MAIL_FOLDER"], email, "/invitations/")
    lead = app.test_client()
    sign_in_page = lead.get(link).get_data(as_text=True)
    assert "/sign-in?next=" in sign_in_page
    response = lead.post(f"/sign-in?next={link}", data={
        "email": email, "password": PASSWORD, "csrf_token": csrf_token(lead, "/sign-in")})
    assert response.location.endswith(link)
    assert "Accept invitation" in lead.get(link).get_data(as_text=True)
    assert lead.get(f"/authorities/{world.host_b}/").status_code == 403
    accepted = _post(lead, link, {})
    assert accepted.location.endswith(f"/authorities/{world.host_b}/")
    assert lead.get(f"/authorities/{world.host_b}/").status_code == 200
    assert _password_unchanged(app, email)
    assert app.test_client().get(link).status_code == 404  # spent


def test_a_new_person_creates_their_account_from_the_mailed_link(app, world):
    _invite_to_b(app, world, "nina@host-b.example")
    link = mailed_link(app.config["MAIL_FOLDER"], "nina@host-b.example", "/invitations/")
    nina = app.test_client()
    response = _post(nina, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.location.endswith(f"/authorities/{world.host_b}/")
    assert nina.get(f"/authorities/{world.host_b}/").status_code == 200


@pytest.mark.parametrize("existing", [False, True])
def test_a_second_invitation_is_refused_once_the_first_was_accepted(app, world, existing):
    email = world.users["host_a_lead"] if existing else "nina@host-b.example"
    _invite_to_b(app, world, email)
    _invite_to_b(app, world, email)
    first, second = mailed_links(app.config["MAIL_FOLDER"], email, "/invitations/")
    invitee = app.test_client()
    if existing:
        sign_in(invitee, email)
        assert _post(invitee, first, {}).status_code == 302
    else:
        assert _post(invitee, first, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    # The other invitation ended with the acceptance: replaying it does nothing.
    assert invitee.get(second).status_code == 404
    replay = app.test_client()
    assert replay.get(second).status_code == 404
    token = csrf_token(replay, "/sign-in")
    replay.post(second, data={"password": "yet another password", "confirm": "yet another password",
                              "csrf_token": token})
    assert not _signed_in(replay, world)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert verify_password(user.password_hash, PASSWORD if existing else NEW_PASSWORD)


def test_a_tenant_admin_revokes_a_pending_invitation(app, world):
    admin_b = _invite_to_b(app, world, "nina@host-b.example", name="Nina New")
    link = mailed_link(app.config["MAIL_FOLDER"], "nina@host-b.example", "/invitations/")
    users_page = admin_b.get(f"/authorities/{world.host_b}/users").get_data(as_text=True)
    assert "Revoke the invitation to nina@host-b.example" in users_page
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_b)):
        from app.tenants.models import Invitation

        invitation_id = db.session.scalar(select(Invitation.id))
    path = f"/authorities/{world.host_b}/users/invitations/{invitation_id}/revoke"
    assert admin_b.post(path).status_code == 400  # no CSRF token
    assert app.test_client().get(link).status_code == 200  # still open
    # Another authority's administrator cannot reach it.
    admin_a = sign_in(app.test_client(), world.users["host_a_admin"])
    other = f"/authorities/{world.host_a}/users/invitations/{invitation_id}/revoke"
    users_a = f"/authorities/{world.host_a}/users"
    assert _post_with_token_from(admin_a, users_a, other, {}).status_code == 404
    response = _post_with_token_from(admin_b, f"/authorities/{world.host_b}/users", path, {})
    assert response.status_code == 302
    assert app.test_client().get(link).status_code == 404
    assert "Nina New" not in admin_b.get(f"/authorities/{world.host_b}/users").get_data(as_text=True)
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_b)):
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.tenant_id == world.host_b)).all()
        assert actions[-1] == "invitation.revoked"


def test_an_invitation_link_is_bound_to_the_email_it_was_sent_to(app, world):
    _invite_to_b(app, world, "nina@host-b.example")
    link = mailed_link(app.config["MAIL_FOLDER"], "nina@host-b.example", "/invitations/")
    other = sign_in(app.test_client(), world.users["host_a_lead"])
    assert other.get(link).status_code == 403
    response = _post_with_token_from(other, "/authorities", link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 403
    assert other.get(f"/authorities/{world.host_b}/").status_code == 403
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "nina@host-b.example")) is None
    # The person it was sent to can still use it.
    assert app.test_client().get(link).status_code == 200


def test_the_platform_admins_first_admin_invitation_follows_the_same_rules(app, world):
    admin = sign_in(app.test_client(), world.users["platform_admin"])
    victim = world.users["host_a_dass"]
    page = _post(admin, f"/admin/authorities/{world.host_b}", {"name": "Dee", "email": victim})
    assert page.status_code == 200 and "/invitations/" not in page.get_data(as_text=True)
    link = mailed_link(app.config["MAIL_FOLDER"], victim, "/invitations/")
    visitor = app.test_client()
    assert "Sign in to accept" in visitor.get(link).get_data(as_text=True)
    token = csrf_token(visitor, "/sign-in")
    visitor.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": token})
    assert _password_unchanged(app, victim) and not _signed_in(visitor, world)
    # The platform admin can revoke it from the authority's page.
    authority_page = admin.get(f"/admin/authorities/{world.host_b}").get_data(as_text=True)
    assert "Revoke the invitation to " + victim in authority_page


def test_provider_invitations_go_by_email_and_never_touch_an_existing_account(app, world):
    admin = sign_in(app.test_client(), world.users["platform_admin"])
    path = f"/admin/providers/{world.provider_b}/users/new"
    existing = world.users["provider_a_manager"]
    page = _post(admin, path, {"name": "Manager A", "email": existing, "role": "provider_manager"})
    assert page.status_code == 200 and "/provider/invitations/" not in page.get_data(as_text=True)
    link = mailed_link(app.config["MAIL_FOLDER"], existing, "/provider/invitations/")
    visitor = app.test_client()
    assert "Sign in to accept" in visitor.get(link).get_data(as_text=True)
    token = csrf_token(visitor, "/provider/sign-in")
    visitor.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": token})
    assert _password_unchanged(app, existing) and not _signed_in(visitor, world)
    # The owner signs in at the provider portal and accepts.
    manager = sign_in(app.test_client(), existing, provider=True)
    assert _post(manager, link, {}).location.endswith("/provider/")
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == existing))
        providers = db.session.scalars(
            select(ProviderMembership.provider_id).where(ProviderMembership.user_id == user_id)
        ).all()
        assert sorted(providers) == sorted([world.provider_a, world.provider_b])
    assert app.test_client().get(link).status_code == 404


def test_a_staff_email_cannot_be_invited_to_a_provider(app, world):
    admin = sign_in(app.test_client(), world.users["platform_admin"])
    path = f"/admin/providers/{world.provider_b}/users/new"
    page = _post(admin, path, {"name": "Lead", "email": world.users["host_a_lead"], "role": "provider_manager"})
    assert "belongs to a staff account" in page.get_data(as_text=True)
    assert mailed_links(app.config["MAIL_FOLDER"], world.users["host_a_lead"], "/provider/") == []


def test_provider_invitations_end_once_and_can_be_revoked(app, world):
    admin = sign_in(app.test_client(), world.users["platform_admin"])
    path = f"/admin/providers/{world.provider_b}/users/new"
    for _ in range(2):
        _post(admin, path, {"name": "Wanda", "email": "wanda@willow.example", "role": "provider_manager"})
    first, second = mailed_links(app.config["MAIL_FOLDER"], "wanda@willow.example", "/provider/invitations/")
    wanda = app.test_client()
    assert _post(wanda, first, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).location.endswith("/provider/")
    assert app.test_client().get(second).status_code == 404

    _post(admin, path, {"name": "Xavier", "email": "xavier@willow.example", "role": "provider_contributor"})
    link = mailed_link(app.config["MAIL_FOLDER"], "xavier@willow.example", "/provider/invitations/")
    provider_page = f"/admin/providers/{world.provider_b}"
    assert "Revoke the invitation to xavier@willow.example" in admin.get(provider_page).get_data(as_text=True)
    from app.providers.models import ProviderInvitation

    with app.app_context():
        invitation_id = db.session.scalar(
            select(ProviderInvitation.id).where(ProviderInvitation.email == "xavier@willow.example")
        )
    revoke = f"/admin/providers/{world.provider_b}/invitations/{invitation_id}/revoke"
    assert _post_with_token_from(admin, provider_page, revoke, {}).status_code == 302
    assert app.test_client().get(link).status_code == 404


def test_invitation_tokens_are_stored_only_as_hashes(app, world):
    _invite_to_b(app, world, "nina@host-b.example")
    link = mailed_link(app.config["MAIL_FOLDER"], "nina@host-b.example", "/invitations/")
    token = link.rsplit(".", 1)[1]
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_b)):
        from app.tenants.models import Invitation

        (invitation,) = db.session.scalars(select(Invitation)).all()
        assert token not in invitation.token_hash and len(invitation.token_hash) == 64
