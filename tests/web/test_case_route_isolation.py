"""Every case page, reached through an outsider's own authority, gives away nothing.

The routes come from ``app.url_map``: each route with a ``case_id`` is tried by host B, by a
placing authority without a share and by the placing authority that has one, each through
its own ``/authorities/<id>/`` URL (where its membership is real). Host-only records carry a
marker that must never appear in what they get back.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.cases.models import Decision, DecisionOutcome, IntelligenceItem, IntelligenceSource
from app.extensions import db
from app.tenants.models import Role
from app.tenants.scoping import Scope, scoped_as
from tests.support.clients import sign_in
from tests.web.test_route_access import _access_rule, _routes, _url

SECRET = "HOST-ONLY-7f3a"


@pytest.fixture
def secrets(app, world):
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        db.session.add(Decision(tenant_id=world.host_a, case_id=world.case_a,
                                threshold_assessment=f"threshold {SECRET}",
                                recommendation=f"recommendation {SECRET}",
                                outcome=DecisionOutcome.PROCEED,
                                decided_at=datetime(2026, 11, 2, tzinfo=UTC)))
        db.session.add(IntelligenceItem(tenant_id=world.host_a, case_id=world.case_a,
                                        provider_id=world.provider_a, received_on=date(2026, 11, 1),
                                        source=IntelligenceSource.DATIX, summary=f"datix {SECRET}"))
        db.session.commit()


def _case_routes(app):
    return [(rule, method) for rule, method in _routes(app)
            if "case_id" in rule.arguments and _access_rule(app, rule.endpoint) == "member"]


def _own_url(rule, world, authority_id):
    path = _url(rule, world)
    return path.replace(f"/authorities/{world.host_a}/", f"/authorities/{authority_id}/", 1)


def _lead_officers_may_use(app, rule) -> bool:
    required = app.view_functions[rule.endpoint].required_roles
    return not required or Role.LEAD_OFFICER in required


@pytest.fixture
def no_csrf(app):
    app.config["WTF_CSRF_ENABLED"] = False
    return app


@pytest.mark.parametrize(("who", "authority"), [("host_b_lead", "host_b"),
                                                ("placing_unshared_lead", "placing_unshared")])
def test_authorities_without_a_share_get_not_found(no_csrf, world, secrets, who, authority):
    client = sign_in(no_csrf.test_client(), world.users[who])
    routes = _case_routes(no_csrf)
    assert len(routes) >= 6
    for rule, method in routes:
        response = client.open(_own_url(rule, world, getattr(world, authority)), method=method, data={})
        body = response.get_data(as_text=True)
        # Outsiders are lead officers: a page for other roles refuses them before any lookup.
        expected = 404 if _lead_officers_may_use(no_csrf, rule) else 403
        assert response.status_code == expected, (who, rule.rule, method, response.status_code)
        assert SECRET not in body and world.case_a_reference not in body


def test_the_placing_authority_with_a_share_never_sees_host_only_records(no_csrf, world, secrets):
    client = sign_in(no_csrf.test_client(), world.users["placing_shared_lead"])
    for rule, method in _case_routes(no_csrf):
        response = client.open(_own_url(rule, world, world.placing_shared), method=method, data={})
        body = response.get_data(as_text=True)
        # 302: a part of a section without JavaScript leads to the section's own page.
        assert response.status_code in (200, 302, 400, 403, 404), (rule.rule, method, response.status_code)
        assert SECRET not in body, (rule.rule, method)
    shared_page = client.get(f"/authorities/{world.placing_shared}/cases/{world.case_a}")
    assert shared_page.status_code == 200 and world.case_a_reference in shared_page.get_data(as_text=True)


@pytest.mark.parametrize("endpoint", ["record_decision", "record_assessment", "add_intelligence",
                                      "case_history", "move_case", "record_provider_told",
                                      "keep_provider_out", "lift_provider_exclusion",
                                      "record_plan_received", "change_themes"])
def test_host_only_stage_pages_refuse_the_placing_authority(no_csrf, world, secrets, endpoint):
    client = sign_in(no_csrf.test_client(), world.users["placing_shared_lead"])
    rule = next(r for r in no_csrf.url_map.iter_rules() if r.endpoint == f"cases.{endpoint}")
    method = "POST" if "POST" in rule.methods else "GET"
    response = client.open(_own_url(rule, world, world.placing_shared), method=method, data={})
    assert response.status_code == 403


def test_the_host_sees_its_own_records(app, world, secrets):
    client = sign_in(app.test_client(), world.users["host_a_lead"])
    case_url = f"/authorities/{world.host_a}/cases/{world.case_a}"
    overview = client.get(case_url).get_data(as_text=True)
    decision = client.get(f"{case_url}/assessment-and-decision").get_data(as_text=True)
    assert f"datix {SECRET}" in overview and f"threshold {SECRET}" in decision
