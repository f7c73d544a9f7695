"""The provider's view of a concern: its stage, its deadlines, the actions it owns and the part
two minutes shared with it; nothing of another provider, nothing before it is told, and none of
the host's internal records."""

from __future__ import annotations

import pytest

from tests import provider_records
from tests.support.clients import sign_in

HIDDEN = ("PART-ONE-SECRET", "PART-TWO-NOT-SHARED", "HOST-OWNED-ACTION", "PLACING-ACTION",
          "AGENCY-ACTION", "INTERNAL-RISK-TITLE", "OTHER-PROVIDER-ACTION",
          "OTHER-PROVIDER-MINUTES")


def _provider(app, world, who="provider_a_manager"):
    return sign_in(app.test_client(), world.users[who], provider=True)


def test_the_provider_sees_its_concern_and_only_what_is_shared(app, world):
    provider_records.build(app, world)
    client = _provider(app, world)
    home = client.get("/provider/").get_data(as_text=True)
    assert f"/provider/cases/{world.case_a}" in home and world.case_b_reference not in home
    page = client.get(f"/provider/cases/{world.case_a}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert world.case_a_reference in body
    assert "PROVIDER-OWNED-ACTION" in body and "PART-TWO-SHARED" in body
    for text in HIDDEN + (world.resident_b_name,):
        assert text not in body, text


def test_no_resident_of_the_location_appears(app, world):
    from app.extensions import db
    from app.residents.models import Resident
    from app.tenants.scoping import Scope, scoped_as

    provider_records.build(app, world)
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a,
                                                        reads_residents=True)):
        names = [r.family_name for r in db.session.query(Resident).all()]
    assert names
    body = _provider(app, world).get(f"/provider/cases/{world.case_a}").get_data(as_text=True)
    assert not any(name in body for name in names)


@pytest.mark.parametrize("state", [{"told": False}, {"told": True, "kept_out": True}])
def test_a_concern_not_told_or_kept_out_is_not_found(app, world, state):
    provider_records.build(app, world, **state)
    client = _provider(app, world)
    response = client.get(f"/provider/cases/{world.case_a}")
    assert response.status_code == 404
    assert world.case_a_reference not in response.get_data(as_text=True)
    assert world.case_a_reference not in client.get("/provider/").get_data(as_text=True)


def test_another_providers_concern_is_not_found(app, world):
    provider_records.build(app, world)
    client = _provider(app, world, "provider_b_manager")
    response = client.get(f"/provider/cases/{world.case_a}")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert world.case_a_reference not in body and "PROVIDER-OWNED-ACTION" not in body
    own = client.get(f"/provider/cases/{world.case_b}").get_data(as_text=True)
    assert "OTHER-PROVIDER-ACTION" in own and "PROVIDER-OWNED-ACTION" not in own


@pytest.mark.parametrize("who", ["host_a_lead", "placing_shared_lead", "platform_admin"])
def test_staff_are_refused_the_provider_case_page(app, world, who):
    provider_records.build(app, world)
    client = sign_in(app.test_client(), world.users[who])
    response = client.get(f"/provider/cases/{world.case_a}")
    assert response.status_code == 403
    assert "PROVIDER-OWNED-ACTION" not in response.get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_sign_in(app, world):
    response = app.test_client().get(f"/provider/cases/{world.case_a}")
    assert response.status_code == 302 and "/provider/sign-in" in response.location


def _csrf(client, path):
    from tests.support.clients import csrf_token

    return csrf_token(client, path)


def _update_path(world, action_id):
    return f"/provider/cases/{world.case_a}/actions/{action_id}"


def test_the_provider_updates_its_action_and_the_host_reads_it(app, world):
    made = provider_records.build(app, world)
    client = _provider(app, world)
    path = _update_path(world, made["provider_action"])
    token = _csrf(client, path)
    # Done with no note: refused, with the error summary and the choice kept.
    refused = client.post(path, data={"csrf_token": token, "status": "done", "note": ""})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert "govuk-error-summary" in body and "Enter a progress note to say what was done" in body
    assert 'value="done" checked' in body
    sent = client.post(path, data={"csrf_token": token, "status": "done",
                                   "note": "NEW-ROTA-IN-PLACE"})
    assert sent.status_code == 302
    page = client.get(f"/provider/cases/{world.case_a}").get_data(as_text=True)
    assert "NEW-ROTA-IN-PLACE" in page
    host = sign_in(app.test_client(), world.users["host_a_lead"])
    case_page = host.get(f"/authorities/{world.host_a}/cases/{world.case_a}/risks-and-actions")
    assert "NEW-ROTA-IN-PLACE" in case_page.get_data(as_text=True)
    # The host's own action is untouched: the provider's word is its own record.
    from app.actions.models import Action, ActionStatus
    from app.extensions import db
    from app.tenants.scoping import Scope, scoped_as

    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        assert db.session.get(Action, made["provider_action"]).status is ActionStatus.OPEN


def test_a_get_writes_nothing_and_csrf_is_required(app, world):
    made = provider_records.build(app, world)
    client = _provider(app, world)
    path = _update_path(world, made["provider_action"])
    assert client.get(path).status_code == 200
    assert client.post(path, data={"status": "in_progress", "note": "x"}).status_code == 400
    page = client.get(f"/provider/cases/{world.case_a}").get_data(as_text=True)
    assert "None yet" in page


@pytest.mark.parametrize("action", ["host_action", "placing_action", "agency_action",
                                    "other_provider_action"])
def test_actions_the_provider_does_not_own_are_not_found(app, world, action):
    made = provider_records.build(app, world)
    client = _provider(app, world)
    path = _update_path(world, made[action])
    assert client.get(path).status_code == 404
    assert client.post(path, data={"csrf_token": _csrf(client, "/provider/account/password"),
                                   "status": "done", "note": "x"}).status_code == 404


def test_another_provider_cannot_update_the_action(app, world):
    made = provider_records.build(app, world)
    client = _provider(app, world, "provider_b_manager")
    path = _update_path(world, made["provider_action"])
    assert client.get(path).status_code == 404
    token = _csrf(client, "/provider/account/password")
    assert client.post(path, data={"csrf_token": token, "status": "done",
                                   "note": "x"}).status_code == 404
