"""A placing authority acknowledges the host's alert and names its link person on the shared
case page; the row is its own, and the host's share is untouched."""

from __future__ import annotations

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.extensions import db
from app.placing.models import CaseShare, ShareAcknowledgement
from app.tenants.scoping import Scope, scoped_as
from tests.support.clients import csrf_token, sign_in


def _page(world, authority):
    return f"/authorities/{authority}/cases/{world.case_a}"


def _acknowledge(client, world, authority, data):
    token = csrf_token(client, _page(world, authority))
    return client.post(f"{_page(world, authority)}/acknowledgement", data={**data, "csrf_token": token})


def test_the_placing_authority_acknowledges_and_names_its_link_person(app, world):
    lead = sign_in(app.test_client(), world.users["placing_shared_lead"])
    assert "Acknowledge the alert" in lead.get(_page(world, world.placing_shared)).get_data(as_text=True)
    response = _acknowledge(lead, world, world.placing_shared,
                            {"link_person_name": "Lee Link", "link_person_email": "lee@placing.example"})
    assert response.status_code == 302
    page = lead.get(_page(world, world.placing_shared)).get_data(as_text=True)
    assert "Link person: Lee Link (lee@placing.example)" in page
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        row = db.session.scalar(select(ShareAcknowledgement))
        share = db.session.scalar(select(CaseShare))
        assert (row.tenant_id, row.share_id, row.link_person_name) == (world.placing_shared, share.id, "Lee Link")
        assert share.ended_at is None
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.placing_shared)):
        actions = list(db.session.scalars(select(AuditEvent.action)))
    assert actions == ["share.acknowledged"]


def test_a_missing_link_person_shows_the_error_summary_and_keeps_input(app, world):
    lead = sign_in(app.test_client(), world.users["placing_shared_lead"])
    response = _acknowledge(lead, world, world.placing_shared,
                            {"link_person_name": "", "link_person_email": "kept@placing.example"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in body and "Enter the name of your link person" in body
    assert "kept@placing.example" in body


def test_the_host_and_outsiders_cannot_acknowledge(app, world):
    host = sign_in(app.test_client(), world.users["host_a_lead"])
    assert _acknowledge(host, world, world.host_a, {"link_person_name": "X"}).status_code == 403
    outsider = sign_in(app.test_client(), world.users["placing_unshared_lead"])
    app.config["WTF_CSRF_ENABLED"] = False
    response = outsider.post(f"{_page(world, world.placing_unshared)}/acknowledgement",
                             data={"link_person_name": "X"})
    assert response.status_code == 404
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        assert list(db.session.scalars(select(ShareAcknowledgement))) == []
