"""The host's register of people using the service: the host adds, corrects and marks people
moved out; each funding authority (both, for joint funding) reads its own; nobody else does."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, select, text

from app.audit.models import AuditEvent
from app.extensions import db
from app.residents.models import Funding, Resident
from app.tenants.models import Role
from app.tenants.scoping import Scope, scoped_as
from tests import factories
from tests.support.clients import csrf_token, sign_in


def _location_of_host_a(app, world) -> int:
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a, reads_residents=True)):
        return db.session.get(Resident, world.resident_a_self_funder).location_id


def _form(app, world, **overrides) -> dict:
    data = {
        "given_name": "Winifred", "family_name": "Jointly", "date_of_birth": ["3", "4", "1938"],
        "location_id": str(_location_of_host_a(app, world)), "room": "Room 12",
        "funding": Funding.JOINT.value, "placing_authority_id": str(world.placing_shared),
        "joint_funder_id": str(world.placing_unshared), "placing_reference": "PS-77",
        "moved_in_on": ["1", "6", "2024"],
    }
    return {**data, **overrides}


def _post(client, path, data):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, path)})


def _add(app, world, client, **overrides):
    return _post(client, f"/authorities/{world.host_a}/residents/new", _form(app, world, **overrides))


def _added_id(app, world) -> int:
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a, reads_residents=True)):
        return db.session.scalar(select(Resident.id).where(Resident.family_name == "Jointly"))


def test_the_host_adds_a_jointly_funded_person_whom_each_funder_sees(app, world):
    host = sign_in(app.test_client(), world.users["host_a_lead"])
    response = _add(app, world, host)
    assert response.status_code == 302
    resident_id = _added_id(app, world)
    page = host.get(f"/authorities/{world.host_a}/residents/{resident_id}").get_data(as_text=True)
    for shown in ("Winifred Jointly", "3 April 1938", "Room 12", "Joint council and ICB",
                  "Placing Shared Council", "Placing Unshared ICB", "PS-77", "1 June 2024"):
        assert shown in page, shown
    for authority, email in ((world.placing_shared, "placing_shared_lead"),
                             (world.placing_unshared, "placing_unshared_lead")):
        funder = sign_in(app.test_client(), world.users[email])
        assert "Winifred Jointly" in funder.get(f"/authorities/{authority}/residents").get_data(as_text=True)
        assert funder.get(f"/authorities/{authority}/residents/{resident_id}").status_code == 200
    outsider = sign_in(app.test_client(), world.users["host_b_lead"])
    assert "Winifred Jointly" not in outsider.get(f"/authorities/{world.host_b}/residents").get_data(as_text=True)
    assert outsider.get(f"/authorities/{world.host_b}/residents/{resident_id}").status_code == 404
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        assert "resident.added" in list(db.session.scalars(select(AuditEvent.action)))


def test_the_database_alone_shows_a_jointly_funded_person_to_the_second_funder(app, world, pg_database):
    from tests.integration.test_row_level_security import session_as
    from tests.support.services import APP_ROLE, url

    _add(app, world, sign_in(app.test_client(), world.users["host_a_lead"]))
    engine = create_engine(url(APP_ROLE, pg_database))
    count = text("select count(*) from resident where family_name = 'Jointly'")
    try:
        for tenant, reads, expected in ((world.placing_unshared, True, 1), (world.placing_unshared, False, 0),
                                        (world.host_b, True, 0), (world.host_a, True, 1)):
            with session_as(engine, Scope(tenant_id=tenant, reads_residents=reads)) as session:
                assert session.execute(count).scalar() == expected, (tenant, reads)
    finally:
        engine.dispose()


@pytest.mark.parametrize("overrides, messages", [
    ({"given_name": "", "funding": ""}, ["Enter the person&#39;s first name", "Select how the person&#39;s care is funded"]),
    ({"joint_funder_id": "0"}, ["Select the second funder of a jointly funded person"]),
    ({"joint_funder_id": lambda w: str(w.placing_shared)}, ["The second funder must differ from the placing authority"]),
    ({"funding": Funding.SELF_FUNDED.value, "joint_funder_id": "0"}, ["A self-funder has no placing authority"]),
    ({"funding": Funding.SECTION_117.value, "placing_authority_id": "0", "joint_funder_id": "0"}, ["Select the placing authority"]),
    ({"funding": Funding.SECTION_117.value}, ["Only a jointly funded person has a second funder"]),
    ({"date_of_birth": ["3", "4", "1850"]}, ["Date of birth (optional) must be between"]),
    ({"location_id": "0"}, ["Select where the person lives"]),
])
def test_a_wrong_entry_shows_each_error_and_keeps_what_was_typed(app, world, overrides, messages):
    host = sign_in(app.test_client(), world.users["host_a_lead"])
    overrides = {k: v(world) if callable(v) else v for k, v in overrides.items()}
    response = _add(app, world, host, **overrides)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in body
    for message in messages:
        assert message in body, message
    assert 'value="Jointly"' in body and 'value="Room 12"' in body and 'value="PS-77"' in body
    assert _added_id(app, world) is None


def test_a_location_of_another_host_is_refused(app, world):
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_b, reads_residents=True)):
        other_location = db.session.get(Resident, world.resident_b).location_id
    host = sign_in(app.test_client(), world.users["host_a_lead"])
    response = _add(app, world, host, location_id=str(other_location))
    assert response.status_code == 200 and _added_id(app, world) is None


def test_the_host_corrects_a_person_and_marks_them_moved_out(app, world):
    host = sign_in(app.test_client(), world.users["host_a_lead"])
    _add(app, world, host)
    resident_id = _added_id(app, world)
    base = f"/authorities/{world.host_a}/residents/{resident_id}"
    edit = host.get(f"{base}/edit").get_data(as_text=True)
    assert 'value="Winifred"' in edit and 'value="1938"' in edit
    response = _post(host, f"{base}/edit", _form(app, world, room="Room 14", funding=Funding.LOCAL_AUTHORITY.value,
                                                 joint_funder_id="0"))
    assert response.status_code == 302
    missing = _post(host, f"{base}/move-out", {})
    assert missing.status_code == 200 and "Enter the date they moved out" in missing.get_data(as_text=True)
    response = _post(host, f"{base}/move-out", {"moved_out_on": ["2", "11", "2026"]})
    assert response.status_code == 302
    page = host.get(base).get_data(as_text=True)
    assert "Room 14" in page and "Moved out 2 November 2026" in page
    # No longer jointly funded: the former second funder stops reading the person at once.
    former = sign_in(app.test_client(), world.users["placing_unshared_lead"])
    assert former.get(f"/authorities/{world.placing_unshared}/residents/{resident_id}").status_code == 404
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        actions = list(db.session.scalars(select(AuditEvent.action)))
    assert {"resident.added", "resident.changed", "resident.moved_out"} <= set(actions)


def test_only_the_host_keeps_the_register(app, world):
    app.config["WTF_CSRF_ENABLED"] = False
    placed = world.resident_a_placed
    data = _form(app, world)
    attempts = {
        # The placing authority reads the person but does not keep the register.
        ("placing_shared_lead", world.placing_shared): 403,
        # Another host and an authority that funds nobody here: not even their existence.
        ("host_b_lead", world.host_b): 404,
        ("placing_unshared_lead", world.placing_unshared): 404,
    }
    for (email, authority), status in attempts.items():
        client = sign_in(app.test_client(), world.users[email])
        for suffix in ("edit", "move-out"):
            path = f"/authorities/{authority}/residents/{placed}/{suffix}"
            assert client.get(path).status_code == status, (email, suffix)
            assert client.post(path, data={**data, "moved_out_on": ["1", "1", "2026"]}).status_code == status
    # An authority with no locations in its area has no register to add to.
    placing = sign_in(app.test_client(), world.users["placing_shared_lead"])
    assert placing.post(f"/authorities/{world.placing_shared}/residents/new", data=data).status_code == 403
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a, reads_residents=True)):
        row = db.session.get(Resident, placed)
        assert (row.given_name, row.moved_out_at, row.room) != ("Winifred", None, "Room 12")
        assert row.moved_out_at is None and row.given_name != "Winifred"


@pytest.mark.parametrize("role", [Role.VIEWER, Role.CONTRACTS, Role.TENANT_ADMIN])
def test_roles_that_may_not_read_residents_cannot_keep_the_register(app, world, role):
    app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context():
        host_a = db.session.get(factories.Authority, world.host_a)
        email = factories.member(host_a, role).email
        db.session.commit()
    client = sign_in(app.test_client(), email)
    base = f"/authorities/{world.host_a}/residents"
    for path in (f"{base}/new", f"{base}/{world.resident_a_placed}/edit", f"{base}/{world.resident_a_placed}/move-out"):
        assert client.get(path).status_code == 403, path
        assert client.post(path, data=_form(app, world)).status_code == 403, path
    assert _added_id(app, world) is None


def test_provider_users_and_anonymous_visitors_reach_no_register_page(app, world):
    app.config["WTF_CSRF_ENABLED"] = False
    base = f"/authorities/{world.host_a}/residents"
    paths = (base, f"{base}/new", f"{base}/{world.resident_a_placed}",
             f"{base}/{world.resident_a_placed}/edit", f"{base}/{world.resident_a_placed}/move-out")
    provider = sign_in(app.test_client(), world.users["provider_a_manager"], provider=True)
    anonymous = app.test_client()
    for client in (provider, anonymous):
        for path in paths:
            for response in (client.get(path), client.post(path, data=_form(app, world))):
                body = response.get_data(as_text=True)
                assert response.status_code in (302, 403, 404, 405), (path, response.status_code)
                assert "Winifred" not in body and "Family" not in body
    assert _added_id(app, world) is None
