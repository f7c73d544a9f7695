"""The case workspace: every section of the registry (app/case_workspace.py) has its own
address, opened by exactly the people its records are for, and a sub-navigation that marks
where the user is.

The sections come from the app's registry, not a list kept here, so that a section added
there is tried the day it is added.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from app.cases.models import Decision, DecisionOutcome, IntelligenceItem, IntelligenceSource
from app.cases.sections import case_readers, host_case_readers, host_resident_readers
from app.extensions import db
from app.tenants.models import Role
from app.tenants.scoping import Scope, scoped_as
from tests import factories
from tests.support.clients import sign_in

SECRET = "HOST-ONLY-51c2"
ENDED_SHARE_EMAIL = "lead@placing-ended.example"
# The rule of each section of the first workspace, as DESIGN.md's table gives it for the
# records it shows.
EXPECTED_RULES = {
    "overview": case_readers,
    "assessment-and-decision": host_case_readers,
    "meetings": case_readers,
    "risks-and-actions": case_readers,
    "placements-and-emergency": case_readers,
    "residents-and-placing-authorities": host_resident_readers,
    "improvement-plan": case_readers,
    "documents": case_readers,
    "history": host_case_readers,
}


@pytest.fixture
def workspace(app, world):
    """Host-only records on case A, and a placing authority whose share of it has ended."""
    from app.cases.models import Case
    from app.tenants.models import Authority

    with app.app_context():
        with scoped_as(db.session, Scope(tenant_id=world.host_a)):
            db.session.add(Decision(tenant_id=world.host_a, case_id=world.case_a,
                                    threshold_assessment=f"threshold {SECRET}",
                                    recommendation=f"recommendation {SECRET}",
                                    outcome=DecisionOutcome.PROCEED,
                                    decided_at=datetime(2026, 11, 2, tzinfo=UTC)))
            db.session.add(IntelligenceItem(
                tenant_id=world.host_a, case_id=world.case_a, provider_id=world.provider_a,
                received_on=date(2026, 11, 1), source=IntelligenceSource.DATIX,
                summary=f"datix {SECRET}"))
            case = db.session.get(Case, world.case_a)
            ended = factories.authority("Placing Ended Council")
            factories.share(case, ended, ended_at=datetime(2026, 11, 3, tzinfo=UTC))
        factories.member(db.session.get(Authority, ended.id), Role.LEAD_OFFICER,
                         email=ENDED_SHARE_EMAIL)
        db.session.commit()
        return ended.id


def _sections(app) -> list:
    return list(app.extensions["case_sections"])


def _url(app, section, case_id: int, authority_id: int) -> str:
    with app.test_request_context():
        from app.cases.models import Case

        return section.url(Case(id=case_id), authority_id).removeprefix("http://portal.test")


def _sub_navigation(body: str) -> str:
    return re.search(r'<nav class="app-sub-navigation" aria-label="Sections of this case">(.*?)</nav>',
                     body, re.S).group(1)


def _no_case_content(body: str, world) -> None:
    assert SECRET not in body
    assert world.case_a_reference not in body and "Case at host A" not in body


def test_the_registry_holds_the_sections_of_a_case_with_their_rules(app):
    # A section added later (quality assurance) needs only its entry in the registry: the
    # tests below try it as every kind of user.
    rules = {s.key: s.may_open for s in _sections(app)}
    assert {key: rules.get(key) for key in EXPECTED_RULES} == EXPECTED_RULES
    assert _sections(app)[0].key == "overview"


@pytest.mark.parametrize("who", ["host_a_lead", "host_a_dass", "host_a_viewer"])
def test_the_hosts_case_roles_open_each_section_meant_for_them(app, world, workspace, who):
    client = sign_in(app.test_client(), world.users[who])
    for section in _sections(app):
        url = _url(app, section, world.case_a, world.host_a)
        response = client.get(url)
        body = response.get_data(as_text=True)
        if section.may_open is host_resident_readers and who == "host_a_viewer":
            # A viewer may not read resident-identifiable data.
            assert response.status_code == 403, (section.key, url)
            _no_case_content(body, world)
            continue
        assert response.status_code == 200, (section.key, url, response.status_code)
        assert world.case_a_reference in body
        # The section's own link in the sub-navigation is the current page.
        current = re.findall(r'<a [^>]*href="([^"]+)"[^>]*aria-current="page"',
                             _sub_navigation(body))
        assert current == [url], (section.key, current)


def test_the_decision_and_overview_show_the_hosts_records_to_the_host(app, world, workspace):
    client = sign_in(app.test_client(), world.users["host_a_lead"])
    base = f"/authorities/{world.host_a}/cases/{world.case_a}"
    assert f"datix {SECRET}" in client.get(base).get_data(as_text=True)
    assert f"threshold {SECRET}" in client.get(f"{base}/assessment-and-decision").get_data(as_text=True)


@pytest.mark.parametrize(("who", "authority", "status"), [
    ("host_a_admin", "host_a", 403),  # the host's administrator holds no case role
    ("host_b_lead", "host_b", 404),  # another host, through its own address
    ("host_b_lead", "host_a", 403),  # another host, through case A's host's address
    ("placing_unshared_lead", "placing_unshared", 404),
    ("placing_ended", "placing_ended", 404),
])
def test_outsiders_are_refused_every_section(app, world, workspace, who, authority, status):
    email = ENDED_SHARE_EMAIL if who == "placing_ended" else world.users[who]
    authority_id = workspace if authority == "placing_ended" else getattr(world, authority)
    client = sign_in(app.test_client(), email)
    for section in _sections(app):
        url = _url(app, section, world.case_a, authority_id)
        response = client.get(url)
        assert response.status_code == status, (who, section.key, url, response.status_code)
        _no_case_content(response.get_data(as_text=True), world)


def test_provider_users_never_reach_a_staff_section(app, world, workspace):
    client = sign_in(app.test_client(), world.users["provider_a_manager"], provider=True)
    for section in _sections(app):
        response = client.get(_url(app, section, world.case_a, world.host_a))
        assert response.status_code == 403, section.key
        _no_case_content(response.get_data(as_text=True), world)


def test_anonymous_visitors_are_sent_to_sign_in(app, world, workspace):
    client = app.test_client()
    for section in _sections(app):
        response = client.get(_url(app, section, world.case_a, world.host_a))
        assert response.status_code == 302, section.key
        assert response.location.split("?")[0].endswith("/sign-in")
        _no_case_content(response.get_data(as_text=True), world)


def test_a_placing_authority_with_a_live_share_opens_only_the_shared_sections(app, world, workspace):
    client = sign_in(app.test_client(), world.users["placing_shared_lead"])
    for section in _sections(app):
        url = _url(app, section, world.case_a, world.placing_shared)
        response = client.get(url)
        body = response.get_data(as_text=True)
        assert SECRET not in body, section.key
        if section.may_open is case_readers:
            assert response.status_code == 200, (section.key, response.status_code)
            assert world.case_a_reference in body
        else:
            assert response.status_code == 403, (section.key, response.status_code)
            _no_case_content(body, world)


def test_the_sub_navigation_offers_only_the_sections_one_may_open(app, world, workspace):
    placing = sign_in(app.test_client(), world.users["placing_shared_lead"])
    body = placing.get(f"/authorities/{world.placing_shared}/cases/{world.case_a}").get_data(as_text=True)
    nav = _sub_navigation(body)
    labels = re.findall(r'>([^<>]+)</a>', nav)
    shared = [s.label for s in _sections(app) if s.may_open is case_readers]
    assert labels == shared
    assert "Decision" not in labels and "History" not in labels


def test_a_page_within_a_section_marks_it_in_the_sub_navigation(app, world, workspace):
    client = sign_in(app.test_client(), world.users["host_a_dass"])
    body = client.get(f"/authorities/{world.host_a}/cases/{world.case_a}/assessment").get_data(as_text=True)
    nav = _sub_navigation(body)
    marked = re.findall(r'<a [^>]*href="([^"]+)"[^>]*aria-current="true"', nav)
    assert marked == [f"/authorities/{world.host_a}/cases/{world.case_a}/assessment-and-decision"]
    assert 'aria-current="page"' not in nav


def test_an_unknown_section_is_not_found(app, world, workspace):
    client = sign_in(app.test_client(), world.users["host_a_lead"])
    assert client.get(f"/authorities/{world.host_a}/cases/{world.case_a}/no-such-section").status_code == 404
