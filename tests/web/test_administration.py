"""Platform and authority administration, each change recorded with who and when."""

from __future__ import annotations

import re

from sqlalchemy import select, text

from app.audit.models import AuditEvent
from app.extensions import db
from app.tenants.scoping import Scope, scoped_as
from tests.support.clients import csrf_token, sign_in
from tests.support.mail import mailed_link

NEW_PASSWORD = "a long enough password"


def _post(client, path, data):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, path)})


def _invitation_path(app, response, email) -> str:
    # The link goes to the invitee by email only: never onto the inviter's page.
    assert "/invitations/" not in response.get_data(as_text=True)
    return mailed_link(app.config["MAIL_FOLDER"], email, "/invitations/")


def _audit_actions(app, tenant_id):
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=tenant_id, platform_admin=tenant_id is None)):
        chain = AuditEvent.tenant_id.is_(None) if tenant_id is None else AuditEvent.tenant_id == tenant_id
        return [(e.action, e.actor_user_id) for e in db.session.scalars(select(AuditEvent).where(chain).order_by(AuditEvent.id))]


def test_platform_admin_sets_up_an_authority_and_its_first_admin(app, world):
    admin = sign_in(app.test_client(), world.users["platform_admin"])
    response = _post(admin, "/admin/authorities/new", {"name": "Fenshire Council", "code": "E10000777", "kind": "local_authority"})
    assert response.status_code == 302
    authority_id = int(response.location.rstrip("/").split("/")[-1])
    response = _post(admin, f"/admin/authorities/{authority_id}", {"name": "Fiona First", "email": "fiona@fenshire.example"})
    invitation = _invitation_path(app, response, "fiona@fenshire.example")

    newcomer = app.test_client()
    mismatch = _post(newcomer, invitation, {"password": NEW_PASSWORD, "confirm": "different"})
    assert "Passwords must match" in mismatch.get_data(as_text=True)
    accepted = _post(newcomer, invitation, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert accepted.location.endswith(f"/authorities/{authority_id}/")
    assert newcomer.get(f"/authorities/{authority_id}/users").status_code == 200
    # The link works once.
    assert app.test_client().get(invitation).status_code == 404
    actions = [a for a, _ in _audit_actions(app, authority_id)]
    assert actions == ["authority.created", "invitation.created", "invitation.accepted"]


def test_duplicate_authority_code_is_a_clear_error_that_keeps_the_input(app, world):
    admin = sign_in(app.test_client(), world.users["platform_admin"])
    _post(admin, "/admin/authorities/new", {"name": "Fenshire Council", "code": "E10000777", "kind": "icb"})
    response = _post(admin, "/admin/authorities/new", {"name": "Other Name", "code": "e10000777", "kind": "icb"})
    body = response.get_data(as_text=True)
    assert "An authority with this code already exists" in body and "Other Name" in body


def test_platform_admin_adds_provider_location_and_provider_manager(app, world):
    admin = sign_in(app.test_client(), world.users["platform_admin"])
    response = _post(admin, "/admin/providers/new", {"name": "Willow Care Ltd", "cqc_provider_id": "1-555000111"})
    provider_id = int(response.location.rstrip("/").split("/")[-1])
    response = _post(admin, f"/admin/providers/{provider_id}/locations/new", {
        "name": "Willow House", "cqc_location_id": "1-555000222", "address_line_1": "1 Willow Walk",
        "town": "Wexbridge", "postcode": "WX3 9WW", "host_authority_id": str(world.host_a)})
    assert response.status_code == 302
    response = _post(admin, f"/admin/providers/{provider_id}/users/new", {
        "name": "Wanda Willow", "email": "wanda@willow.example", "role": "provider_manager"})
    assert "/provider/invitations/" not in response.get_data(as_text=True)
    link = mailed_link(app.config["MAIL_FOLDER"], "wanda@willow.example", "/provider/invitations/")
    manager = app.test_client()
    response = _post(manager, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.location.endswith("/provider/")
    assert "Willow Care Ltd" in manager.get("/provider/").get_data(as_text=True)
    assert app.test_client().get(link).status_code == 404  # spent
    actions = [a for a, _ in _audit_actions(app, None)]
    assert actions == [
        "provider.created", "location.created", "provider_invitation.created",
        "provider_invitation.accepted",
    ]


def test_tenant_admin_invites_changes_roles_and_deactivates(app, world):
    a = world.host_a
    admin = sign_in(app.test_client(), world.users["host_a_admin"])
    invitation = _invitation_path(app, _post(admin, f"/authorities/{a}/users/invite", {
        "name": "Nina New", "email": "nina@host-a.example", "roles": ["practitioner"]}), "nina@host-a.example")
    nina = app.test_client()
    _post(nina, invitation, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert nina.get(f"/authorities/{a}/residents").status_code == 200

    users_page = admin.get(f"/authorities/{a}/users").get_data(as_text=True)
    membership_id = re.search(rf'/authorities/{a}/users/(\d+)">Nina New', users_page).group(1)
    _post(admin, f"/authorities/{a}/users/{membership_id}", {"roles": ["viewer"]})
    # Removing a role ends her session at once; signed in again, the viewer role applies.
    assert "/sign-in?next=" in nina.get(f"/authorities/{a}/residents").location
    sign_in(nina, "nina@host-a.example", password=NEW_PASSWORD)
    assert nina.get(f"/authorities/{a}/residents").status_code == 403

    _post(admin, f"/authorities/{a}/users/{membership_id}/deactivate", {})
    assert nina.get(f"/authorities/{a}/cases").status_code == 302
    sign_in(nina, "nina@host-a.example", password=NEW_PASSWORD)
    assert nina.get(f"/authorities/{a}/cases").status_code == 403
    actions = [a for a, _ in _audit_actions(app, world.host_a)]
    assert actions[-4:] == ["invitation.created", "invitation.accepted", "membership.roles_changed", "membership.deactivated"]


def test_a_tenant_admin_cannot_manage_another_authoritys_members(app, world):
    admin_b = sign_in(app.test_client(), world.users["host_b_admin"])
    b = world.host_b
    # Membership 1 belongs to host A: from B's URL it is not found.
    assert admin_b.get(f"/authorities/{b}/users/1").status_code == 404
    response = _post(admin_b, f"/authorities/{b}/users/1/deactivate", {})
    assert response.status_code == 404


def test_a_tenant_admin_cannot_lock_themselves_out(app, world):
    a = world.host_a
    admin = sign_in(app.test_client(), world.users["host_a_admin"])
    page = admin.get(f"/authorities/{a}/users").get_data(as_text=True)
    own_id = re.search(rf'/authorities/{a}/users/(\d+)">', page).group(1)
    response = _post(admin, f"/authorities/{a}/users/{own_id}", {"roles": ["viewer"]})
    assert "cannot remove your own administrator role" in response.get_data(as_text=True)


def test_verify_audit_proves_the_trail_and_detects_tampering(app, world, owner_engine):
    admin = sign_in(app.test_client(), world.users["host_a_admin"])
    _post(admin, f"/authorities/{world.host_a}/users/invite", {"name": "X", "email": "x@host-a.example", "roles": ["viewer"]})
    runner = app.test_cli_runner()
    result = runner.invoke(args=["verify-audit"])
    assert result.exit_code == 0, result.output
    with owner_engine.begin() as conn:  # outside the product, as the table owner
        conn.execute(text("update audit_event set new_values = '{\"email\": \"forged\"}'"))
    result = runner.invoke(args=["verify-audit"])
    assert result.exit_code != 0 and "content does not match its hash" in result.output


def test_editing_an_authority_with_a_stored_sso_secret_keeps_it_when_left_blank(app, world):
    from app.tenants.models import Authority

    admin = sign_in(app.test_client(), world.users["platform_admin"])
    path = f"/admin/authorities/{world.host_a}/edit"
    sso = {"name": "Host A County Council", "code": "E00000001", "kind": "local_authority",
           "oidc_issuer": "https://idp.host-a.example", "oidc_client_id": "portal"}
    assert _post(admin, path, {**sso, "oidc_client_secret": "s3cret"}).status_code == 302
    assert _post(admin, path, {**sso, "name": "Host A Council", "oidc_client_secret": ""}).status_code == 302
    with app.app_context():
        authority = db.session.get(Authority, world.host_a)
        assert authority.name == "Host A Council" and authority.oidc_client_secret == "s3cret"
