"""Within an authority, roles narrow what a member reads, decided once below the views.

Resident-identifiable data is for the DASS, lead officers, coordinators, chairs and
practitioners: never for viewers, contracts officers or authority administrators, on any page,
partial or download. An authority administrator alone manages users and settings and opens no
case content. Routes come from ``app.url_map``, so a new page is covered the day it is added.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from app.emergency.models import EmergencyPlan, PlanKind, ResidentMove
from app.extensions import db
from app.residents.models import Resident
from app.tenants.models import Role
from app.tenants.scoping import Scope, scoped_as
from tests import factories
from tests.support.clients import sign_in
from tests.web.test_route_access import _access_rule, _routes, _url

GIVEN, FAMILY = "Philomena", "Quartermaine"
# The pages a member of an authority may use whatever their roles.
EVERY_MEMBER = {"tenants.home"}



@pytest.fixture
def named_plan(app, world):
    """An emergency plan on host A's case with a move for a resident with a telling name."""
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a, reads_residents=True)):
        resident = db.session.get(Resident, world.resident_a_placed)
        resident.given_name, resident.family_name = GIVEN, FAMILY
        plan = EmergencyPlan(tenant_id=world.host_a, case_id=world.case_a, kind=PlanKind.PLANNED_CLOSURE,
                             reason="Provider is closing the home", invoked_at=datetime.now(UTC))
        db.session.add(plan)
        db.session.flush()
        db.session.add(ResidentMove(tenant_id=world.host_a, plan_id=plan.id, case_id=world.case_a,
                                    resident_id=resident.id, placing_authority_id=resident.placing_authority_id))
        db.session.commit()


@pytest.fixture
def no_csrf(app):
    app.config["WTF_CSRF_ENABLED"] = False
    return app


def _member_of_host_a(app, world, *roles: Role) -> str:
    with app.app_context():
        email = factories.member(db.session.get(factories.Authority, world.host_a), *roles).email
        db.session.commit()
    return email


def _member_get_routes(app):
    return [rule for rule, method in _routes(app)
            if method == "GET" and _access_rule(app, rule.endpoint) == "member"]


@pytest.mark.parametrize("role", [Role.VIEWER, Role.CONTRACTS, Role.TENANT_ADMIN])
def test_roles_that_may_not_read_residents_never_see_a_name(no_csrf, world, named_plan, role):
    client = sign_in(no_csrf.test_client(), _member_of_host_a(no_csrf, world, role))
    routes = _member_get_routes(no_csrf)
    assert len(routes) > 10
    for rule in routes:
        for headers in ({}, {"HX-Request": "true"}):  # the page and its HTMX partial
            raw = client.get(_url(rule, world), headers=headers).get_data()
            assert GIVEN.encode() not in raw and FAMILY.encode() not in raw, (role, rule.rule)


@pytest.mark.parametrize("role", [Role.LEAD_OFFICER, Role.PRACTITIONER])
def test_roles_that_may_read_residents_see_the_moves(no_csrf, world, named_plan, role):
    client = sign_in(no_csrf.test_client(), _member_of_host_a(no_csrf, world, role))
    page = client.get(f"/authorities/{world.host_a}/cases/{world.case_a}/emergency")
    assert f"{GIVEN} {FAMILY}" in page.get_data(as_text=True)


def test_the_orm_and_the_database_each_hide_residents_from_a_scope_that_may_not_read_them(
        app, world, named_plan, pg_database):
    from sqlalchemy import create_engine

    from tests.integration.test_row_level_security import session_as
    from tests.support.services import APP_ROLE, url

    engine = create_engine(url(APP_ROLE, pg_database))
    try:
        for reads, expected in ((False, 0), (True, 3)):
            scope = Scope(tenant_id=world.host_a, reads_residents=reads)
            with app.app_context(), scoped_as(db.session, scope):  # the ORM criteria (and RLS)
                assert len(list(db.session.scalars(select(Resident.id)))) == expected
                assert len(list(db.session.scalars(select(ResidentMove.id)))) == min(expected, 1)
            with session_as(engine, scope) as session:  # PostgreSQL alone, the ORM filter off
                assert session.execute(text("select count(*) from resident")).scalar() == expected
                assert session.execute(text("select count(*) from resident_move")).scalar() == min(expected, 1)
    finally:
        engine.dispose()


def _for_administrators(app, rule) -> bool:
    """Say whether a page is one of the administrator's own (users, settings, messages)."""
    return Role.TENANT_ADMIN in app.view_functions[rule.endpoint].required_roles


def test_a_tenant_admin_alone_opens_no_case_content(no_csrf, world, named_plan):
    client = sign_in(no_csrf.test_client(), world.users["host_a_admin"])
    walked = 0
    for rule, method in _routes(no_csrf):
        if _access_rule(no_csrf, rule.endpoint) != "member":
            continue
        response = client.open(_url(rule, world), method=method, data={})
        body = response.get_data(as_text=True) if response.mimetype.startswith("text") else ""
        assert world.case_a_reference not in body, (rule.rule, method)
        if rule.endpoint in EVERY_MEMBER or _for_administrators(no_csrf, rule):
            continue
        walked += 1
        assert response.status_code == 403, (rule.rule, method, response.status_code)
    assert walked > 20


def test_a_tenant_admin_alone_still_manages_users_and_settings(app, world):
    client = sign_in(app.test_client(), world.users["host_a_admin"])
    for path in ("/", "/users", "/procedure-settings", "/messages"):
        response = client.get(f"/authorities/{world.host_a}{path}")
        assert response.status_code == 200, path
    home = client.get(f"/authorities/{world.host_a}/").get_data(as_text=True)
    assert ">Cases<" not in home and ">Residents<" not in home and ">Intelligence<" not in home


def test_a_tenant_admin_who_also_holds_a_case_role_opens_cases(app, world):
    client = sign_in(app.test_client(), _member_of_host_a(app, world, Role.TENANT_ADMIN, Role.LEAD_OFFICER))
    response = client.get(f"/authorities/{world.host_a}/cases/{world.case_a}")
    assert response.status_code == 200 and world.case_a_reference in response.get_data(as_text=True)
