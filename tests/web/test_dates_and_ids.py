"""Dates outside 2000 to 2100 are refused with a GOV.UK message, a stored odd date never takes
a page down, and an id too large for the database is "not found", not a server error."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.cases.models import Case
from app.extensions import db
from app.tenants.scoping import Scope, scoped_as
from tests import factories
from tests.support.clients import csrf_token, sign_in

HUGE = "99999999999999999999"


def _base(world) -> str:
    return f"/authorities/{world.host_a}/cases/{world.case_a}"


@pytest.mark.parametrize("day", [["1", "1", "1"], ["31", "12", "1999"], ["1", "1", "2101"],
                                 ["1", "1", "99999"]])
def test_a_meeting_date_out_of_range_is_refused_with_a_message(app, world, day):
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    path = f"{_base(world)}/meetings/new"
    response = lead.post(path, data={"csrf_token": csrf_token(lead, path), "kind": "initial",
                                     "day": day, "time": "10:00", "venue": "Kept venue"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in body
    assert "Date must be between 1 January 2000 and 31 December 2100" in body
    assert "Kept venue" in body


@pytest.mark.parametrize(("page", "fields", "message"), [
    ("/emergency", {"restriction-kind": "embargo", "restriction-reason": "Kept reason",
                    "restriction-started_on": ["1", "1", "1"]}, "Start date must be between"),
    ("/actions/new", {"action-description": "Kept reason", "action-owner": "agency",
                      "action-owner_agency": "Police", "action-due_on": ["1", "1", "2101"]},
     "Due date must be between"),
])
def test_other_date_fields_share_the_range(app, world, page, fields, message):
    lead = sign_in(app.test_client(), world.users["host_a_lead"])
    target = f"{_base(world)}/restrictions" if page == "/emergency" else f"{_base(world)}{page}"
    response = lead.post(target, data={"csrf_token": csrf_token(lead, _base(world) + page), **fields})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in body and "Kept reason" in body


@pytest.mark.parametrize("when", [datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 20, 0, tzinfo=UTC)])  # its parts end by 22:00
def test_a_stored_odd_date_never_takes_the_case_page_down(app, world, when):
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        factories.meeting(db.session.get(Case, world.case_a), scheduled_for=when)
        db.session.commit()
    for who, authority in (("host_a_lead", world.host_a), ("placing_shared_lead", world.placing_shared)):
        client = sign_in(app.test_client(), world.users[who])
        for path in (f"/authorities/{authority}/cases/{world.case_a}",
                     f"/authorities/{authority}/cases/{world.case_a}/meetings/1",
                     f"/authorities/{authority}/cases"):
            response = client.get(path)
            assert response.status_code == 200, (who, path, response.status_code)


def test_huge_ids_in_urls_are_not_found(app, world):
    client = sign_in(app.test_client(), world.users["host_a_lead"])
    a = world.host_a
    for path in (f"/authorities/{HUGE}/", f"/authorities/{a}/cases/{HUGE}",
                 f"/authorities/{a}/residents/{HUGE}", f"/authorities/{a}/cases/{world.case_a}/meetings/{HUGE}",
                 f"/authorities/{a}/cases/{world.case_a}/risks/{HUGE}/edit",
                 f"/authorities/{a}/cases/{HUGE}/emergency", f"/authorities/{a}/users/{HUGE}",
                 "/authorities/2147483648/"):
        response = client.get(path)
        assert response.status_code == 404, (path, response.status_code)


def test_huge_ids_in_query_filters_are_ignored(app, world):
    client = sign_in(app.test_client(), world.users["host_a_lead"])
    a = world.host_a
    for path in (f"/authorities/{a}/cases?provider={HUGE}", f"/authorities/{a}/cases?lead_officer={HUGE}",
                 f"/authorities/{a}/cases?provider=%C2%B2",
                 f"/authorities/{a}/intelligence/new?provider={HUGE}",
                 f"/authorities/{a}/cases/{world.case_a}/actions/new?meeting={HUGE}"):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)


def test_a_huge_authority_in_an_invitation_link_is_not_a_server_error(app, world):
    response = app.test_client().get(f"/invitations/{HUGE}.token")
    assert response.status_code in (200, 404)


@pytest.mark.parametrize("day", [date(1, 1, 1), date(9999, 12, 31)])
def test_stored_odd_due_and_review_dates_never_take_a_page_down(app, world, day):
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        case = db.session.get(Case, world.case_a)
        factories.action(case, due_on=day)
        factories.risk(case, review_on=day)
        db.session.commit()
    client = sign_in(app.test_client(), world.users["host_a_lead"])
    base = f"/authorities/{world.host_a}/cases"
    for path in (f"{base}/{world.case_a}", f"{base}/{world.case_a}/risks-and-actions", base):
        assert client.get(path).status_code == 200, path
