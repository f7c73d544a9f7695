"""Every route declares who may use it, and every kind of outsider is refused, route by route.

The routes come from ``app.url_map``, not a hand-picked list, so a new page is covered (or
fails the first test) the day it is added.
"""

from __future__ import annotations

import pytest

from app.auth.access import ACCESS_ATTR
from tests.support.clients import sign_in

STATIC_ENDPOINTS = {"static", "assets.static"}
# Routes anyone may use. Adding one here is a decision: make it in review.
PUBLIC_ENDPOINTS = {
    "auth.index",
    "auth.sign_in",
    "auth.sign_out",
    "auth.sso_start",
    "auth.sso_callback",
    "health.healthz",
    "tenants.accept_invitation",
    "provider_portal.sign_in",
    "provider_portal.sign_out",
    "provider_portal.accept_invitation",
    # The public feedback form (issue 14): a single-use link or a letter's code, no account.
    "quality_public.enter_code",
    "quality_public.start_feedback",
    "quality_public.answer_feedback",
    "quality_public.feedback_sent",
    "quality_public.read_summary",
}
STAFF_RULES = {"staff", "member", "platform_admin"}


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in STATIC_ENDPOINTS:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def _access_rule(app, endpoint: str) -> str | None:
    return getattr(app.view_functions[endpoint], ACCESS_ATTR, None)


def _url(rule, world) -> str:
    values = {
        "authority_id": world.host_a,
        "authority_ref": world.host_a,
        "case_id": world.case_a,
        "resident_id": world.resident_a_placed,
        "membership_id": 1,
        "invitation_id": 1,
        "message_id": 1,
        "provider_id": world.provider_a,
        "token": "x",
        "code": "E00000001",
        "meeting_id": 1,
        "attendee_id": 1,
        "restriction_id": 1,
        "plan_id": 1,
        "move_id": 1,
        "risk_id": 1,
        "action_id": 1,
        "share_id": 1,
        "item_id": 1,
        "response_id": 1,
        "credential": "1.not-a-real-feedback-token-xx",
        "public_code": "1-ABCDEFGH",
        "evidence_id": 1,
        "point_id": 1,
        "notice_id": 1,
        "task_id": 1,
        "addressee": "provider",
        "section": "meetings",
        "clock_key": "findings_meeting",
    }
    missing = set(rule.arguments) - set(values)
    assert not missing, f"teach this test a value for {missing} in {rule.rule}"
    return rule.build({k: values[k] for k in rule.arguments})[1]


def test_every_route_has_an_access_decision(app):
    undecided = [r.endpoint for r, _ in _routes(app) if _access_rule(app, r.endpoint) is None]
    assert undecided == []


def test_public_routes_are_exactly_the_listed_ones(app):
    public = {r.endpoint for r, _ in _routes(app) if _access_rule(app, r.endpoint) == "public"}
    assert public == PUBLIC_ENDPOINTS


def _protected(app, rules):
    return [(r, m) for r, m in _routes(app) if _access_rule(app, r.endpoint) in rules]


def _request(client, method, path):
    return client.open(path, method=method, data={})


@pytest.fixture
def no_csrf(app):
    # CSRF would refuse these POSTs before the access decision is reached; the decision is what
    # these tests are about (CSRF has its own tests).
    app.config["WTF_CSRF_ENABLED"] = False
    return app


def test_anonymous_visitors_are_sent_to_the_right_sign_in(no_csrf, world):
    client = no_csrf.test_client()
    for rule, method in _protected(no_csrf, STAFF_RULES | {"provider"}):
        response = _request(client, method, _url(rule, world))
        expected = "/provider/sign-in" if _access_rule(no_csrf, rule.endpoint) == "provider" else "/sign-in"
        assert response.status_code == 302, (rule.rule, method, response.status_code)
        assert response.location.split("?")[0].endswith(expected), (rule.rule, response.location)


def test_provider_accounts_get_nothing_from_staff_pages(no_csrf, world):
    client = sign_in(no_csrf.test_client(), world.users["provider_a_manager"], provider=True)
    routes = _protected(no_csrf, STAFF_RULES)
    assert routes
    for rule, method in routes:
        response = _request(client, method, _url(rule, world))
        assert response.status_code == 403, (rule.rule, method, response.status_code)
        assert world.case_a_reference not in response.get_data(as_text=True)


def test_staff_accounts_get_nothing_from_provider_pages(no_csrf, world):
    for who in ("host_a_lead", "platform_admin"):
        client = sign_in(no_csrf.test_client(), world.users[who])
        routes = _protected(no_csrf, {"provider"})
        assert routes
        for rule, method in routes:
            response = _request(client, method, _url(rule, world))
            assert response.status_code == 403, (who, rule.rule, method, response.status_code)


@pytest.mark.parametrize("outsider", ["host_b_lead", "placing_unshared_lead", "placing_shared_lead"])
def test_other_authorities_cannot_act_for_host_a(no_csrf, world, outsider):
    client = sign_in(no_csrf.test_client(), world.users[outsider])
    for rule, method in _protected(no_csrf, {"member"}):
        response = _request(client, method, _url(rule, world))
        assert response.status_code == 403, (outsider, rule.rule, method, response.status_code)
        assert world.case_a_reference not in response.get_data(as_text=True)


def test_only_platform_admins_reach_platform_administration(no_csrf, world):
    client = sign_in(no_csrf.test_client(), world.users["host_a_admin"])
    for rule, method in _protected(no_csrf, {"platform_admin"}):
        response = _request(client, method, _url(rule, world))
        assert response.status_code == 403, (rule.rule, method, response.status_code)


def test_role_restricted_pages_refuse_members_without_the_role(no_csrf, world):
    client = sign_in(no_csrf.test_client(), world.users["host_a_viewer"])
    restricted = [
        (r, m)
        for r, m in _protected(no_csrf, {"member"})
        if no_csrf.view_functions[r.endpoint].required_roles
    ]
    assert restricted
    for rule, method in restricted:
        response = _request(client, method, _url(rule, world))
        assert response.status_code == 403, (rule.rule, method, response.status_code)
