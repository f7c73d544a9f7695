"""A provider manager invites colleagues of its own organisation as contributors and
deactivates them; deactivation ends their sessions at once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.extensions import db
from app.providers.models import Provider, ProviderInvitation, ProviderMembership, ProviderRole
from app.tenants.scoping import NOBODY, Scope, scoped_as
from tests import factories
from tests.support.clients import csrf_token, sign_in
from tests.support.mail import mailed_link

NEW_PASSWORD = "a contributor's own password"


def _post(client, path, data, token_from=None):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, token_from or path)})


def _manager(app, world, who="provider_a_manager"):
    return sign_in(app.test_client(), world.users[who], provider=True)


def _contributor(app, world, email="helper@provider-a.example", provider="provider_a") -> int:
    with app.app_context(), scoped_as(db.session, NOBODY):
        person = factories.provider_user(db.session.get(Provider, getattr(world, provider)),
                                         role=ProviderRole.CONTRIBUTOR, email=email,
                                         name="Helen Helper")
        membership_id = db.session.scalar(select(ProviderMembership.id).where(
            ProviderMembership.user_id == person.id))
        db.session.commit()
    return membership_id


def test_a_manager_invites_a_contributor_who_joins_from_the_mailed_link(app, world):
    manager = _manager(app, world)
    page = _post(manager, "/provider/team", {"name": "Colin Colleague",
                                             "email": "colin@provider-a.example"})
    assert page.status_code == 302
    team = manager.get("/provider/team").get_data(as_text=True)
    assert "colin@provider-a.example" in team and "/provider/invitations/" not in team
    link = mailed_link(app.config["MAIL_FOLDER"], "colin@provider-a.example",
                       "/provider/invitations/")
    visitor = app.test_client()
    token = csrf_token(visitor, link)
    joined = visitor.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
                                      "csrf_token": token})
    assert joined.status_code == 302
    assert visitor.get("/provider/").status_code == 200
    with app.app_context(), scoped_as(db.session, NOBODY):
        invitation = db.session.scalar(select(ProviderInvitation).where(
            ProviderInvitation.email == "colin@provider-a.example"))
        assert invitation.provider_id == world.provider_a
        assert invitation.role is ProviderRole.CONTRIBUTOR
    with app.app_context(), scoped_as(db.session, Scope(platform_admin=True)):
        actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"provider_invitation.created", "provider_invitation.accepted"} <= actions
    # A contributor does not manage the team.
    assert visitor.get("/provider/team").status_code == 403


def test_the_invite_form_validates_and_keeps_the_input(app, world):
    manager = _manager(app, world)
    page = _post(manager, "/provider/team", {"name": "Keep This Name", "email": "not-an-email"})
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "govuk-error-summary" in body
    assert 'value="Keep This Name"' in body and 'value="not-an-email"' in body
    staff = _post(manager, "/provider/team", {"name": "Staff", "email": world.users["host_a_lead"]})
    assert "belongs to a staff account" in staff.get_data(as_text=True)
    empty = _post(manager, "/provider/team", {"name": "", "email": ""}).get_data(as_text=True)
    assert "Enter their full name" in empty and "Enter their email address" in empty


def test_deactivating_a_contributor_ends_their_sessions(app, world):
    membership_id = _contributor(app, world)
    helper = sign_in(app.test_client(), "helper@provider-a.example", provider=True)
    assert helper.get("/provider/").status_code == 200
    manager = _manager(app, world)
    done = _post(manager, f"/provider/team/{membership_id}/deactivate", {},
                 token_from="/provider/team")
    assert done.status_code == 302
    after = helper.get("/provider/")
    assert after.status_code == 302 and "/provider/sign-in" in after.location
    with app.app_context(), scoped_as(db.session, NOBODY):
        assert db.session.get(ProviderMembership, membership_id).active is False
    # Signing in again gives no access to the organisation.
    again = sign_in(app.test_client(), "helper@provider-a.example", provider=True)
    assert again.get("/provider/").status_code == 403
    assert "Deactivated" in manager.get("/provider/team").get_data(as_text=True)


@pytest.mark.parametrize("who", ["provider_b_manager"])
def test_a_manager_cannot_deactivate_another_providers_contributor(app, world, who):
    membership_id = _contributor(app, world)
    other = _manager(app, world, who)
    response = _post(other, f"/provider/team/{membership_id}/deactivate", {},
                     token_from="/provider/team")
    assert response.status_code == 404
    assert "helper@provider-a.example" not in other.get("/provider/team").get_data(as_text=True)
    with app.app_context(), scoped_as(db.session, NOBODY):
        assert db.session.get(ProviderMembership, membership_id).active is True


def test_a_manager_cannot_deactivate_a_manager(app, world):
    manager = _manager(app, world)
    with app.app_context(), scoped_as(db.session, NOBODY):
        own = db.session.scalar(select(ProviderMembership.id).where(
            ProviderMembership.provider_id == world.provider_a))
    response = _post(manager, f"/provider/team/{own}/deactivate", {}, token_from="/provider/team")
    assert response.status_code == 404
    assert manager.get("/provider/").status_code == 200


def test_the_deactivate_button_needs_csrf(app, world):
    membership_id = _contributor(app, world)
    manager = _manager(app, world)
    assert manager.post(f"/provider/team/{membership_id}/deactivate").status_code in (400, 403)
    with app.app_context(), scoped_as(db.session, NOBODY):
        assert db.session.get(ProviderMembership, membership_id).active is True
