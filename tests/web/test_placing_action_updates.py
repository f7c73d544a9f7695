"""A placing authority updates the action the host gave it: its own row, which the host reads
with the action; never an action it does not own, never through an ended share."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from app.actions.models import Action, ActionStatus
from app.actions.placing_updates import PlacingActionUpdate
from app.cases.models import Case
from app.extensions import db
from app.placing.models import CaseShare
from app.tenants.models import Authority
from app.tenants.scoping import Scope, scoped_as
from tests import factories
from tests.support.clients import csrf_token, sign_in


def _actions(app, world) -> dict[str, int]:
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        case = db.session.get(Case, world.case_a)
        own = factories.action(case, owner_authority=db.session.get(Authority, world.placing_shared)).id
        other = factories.action(case, owner_authority=db.session.get(Authority, world.placing_unshared)).id
        db.session.commit()
    return {"own": own, "other": other}


def _path(world, action_id: int) -> str:
    return f"/authorities/{world.placing_shared}/cases/{world.case_a}/actions/{action_id}/placing-update"


def test_the_placing_authority_updates_its_action_and_the_host_sees_it(app, world):
    ids = _actions(app, world)
    placing = sign_in(app.test_client(), world.users["placing_shared_lead"])
    case_page = placing.get(f"/authorities/{world.placing_shared}/cases/{world.case_a}/risks-and-actions").get_data(as_text=True)
    assert _path(world, ids["own"]) in case_page
    response = placing.post(_path(world, ids["own"]), data={
        "status": "in_progress", "note": "Half the plans reviewed",
        "csrf_token": csrf_token(placing, _path(world, ids["own"]))})
    assert response.status_code == 302
    host = sign_in(app.test_client(), world.users["host_a_lead"])
    row = host.get(f"/authorities/{world.host_a}/cases/{world.case_a}/risks-and-actions").get_data(as_text=True).split(
        f'id="action-{ids["own"]}"')[1].split("</tr>")[0]
    assert "Update from the owner" in row and "Half the plans reviewed" in row
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        # The host's action itself is unchanged: the update is the placing authority's row.
        assert db.session.get(Action, ids["own"]).status is ActionStatus.OPEN
        assert db.session.scalar(select(PlacingActionUpdate)).tenant_id == world.placing_shared


def test_no_update_of_an_action_it_does_not_own_or_through_an_ended_share(app, world):
    ids = _actions(app, world)
    placing = sign_in(app.test_client(), world.users["placing_shared_lead"])
    assert placing.get(_path(world, ids["other"])).status_code == 404
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        db.session.scalar(select(CaseShare).where(
            CaseShare.placing_authority_id == world.placing_shared)).ended_at = datetime.now(UTC)
        db.session.commit()
    assert placing.get(_path(world, ids["own"])).status_code == 404
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.placing_shared)):
        assert db.session.scalars(select(PlacingActionUpdate)).all() == []


def test_a_placing_viewer_sees_its_action_but_no_way_to_update_it(app, world):
    ids = _actions(app, world)
    with app.app_context():
        from app.tenants.models import Role

        viewer = factories.member(db.session.get(Authority, world.placing_shared), Role.VIEWER).email
        db.session.commit()
    client = sign_in(app.test_client(), viewer)
    page = client.get(f"/authorities/{world.placing_shared}/cases/{world.case_a}/risks-and-actions").get_data(as_text=True)
    assert f'id="action-{ids["own"]}"' in page and _path(world, ids["own"]) not in page
    assert client.get(_path(world, ids["own"])).status_code == 403
