"""Signed in as one authority, nothing of another authority appears: by id or in a listing."""

from __future__ import annotations

import re

from tests.support.clients import sign_in


def _page(client, path):
    response = client.get(path)
    return response.status_code, response.get_data(as_text=True)


def test_host_a_cannot_reach_host_bs_case_or_resident_by_id(app, world):
    client = sign_in(app.test_client(), world.users["host_a_lead"])
    a = world.host_a
    for path in (f"/authorities/{a}/cases/{world.case_b}", f"/authorities/{a}/residents/{world.resident_b}"):
        status, body = _page(client, path)
        assert status == 404, path
        assert world.case_b_reference not in body and world.resident_b_name not in body


def test_host_a_cannot_use_host_bs_urls(app, world):
    client = sign_in(app.test_client(), world.users["host_a_lead"])
    b = world.host_b
    for path in (f"/authorities/{b}/", f"/authorities/{b}/cases", f"/authorities/{b}/cases/{world.case_b}",
                 f"/authorities/{b}/residents", f"/authorities/{b}/residents/{world.resident_b}"):
        status, body = _page(client, path)
        assert status == 403, path
        assert world.case_b_reference not in body and world.resident_b_name not in body


def test_host_as_listings_hold_nothing_of_host_b(app, world):
    client = sign_in(app.test_client(), world.users["host_a_lead"])
    status, cases = _page(client, f"/authorities/{world.host_a}/cases")
    assert status == 200 and world.case_a_reference in cases
    assert world.case_b_reference not in cases
    status, residents = _page(client, f"/authorities/{world.host_a}/residents")
    assert status == 200 and world.resident_b_name not in residents
    assert len(re.findall(r"/residents/\d+\"", residents)) == 3
    status, home = _page(client, f"/authorities/{world.host_a}/")
    assert status == 200 and world.case_b_reference not in home


def test_placing_authority_without_a_share_sees_no_case(app, world):
    client = sign_in(app.test_client(), world.users["placing_unshared_lead"])
    p = world.placing_unshared
    status, body = _page(client, f"/authorities/{p}/cases")
    assert status == 200 and world.case_a_reference not in body and world.case_b_reference not in body
    assert _page(client, f"/authorities/{p}/cases/{world.case_a}")[0] == 404


def test_placing_authority_with_a_share_sees_that_case_and_only_its_residents(app, world):
    client = sign_in(app.test_client(), world.users["placing_shared_lead"])
    p = world.placing_shared
    status, body = _page(client, f"/authorities/{p}/cases")
    assert world.case_a_reference in body and world.case_b_reference not in body
    assert _page(client, f"/authorities/{p}/cases/{world.case_a}")[0] == 200
    assert _page(client, f"/authorities/{p}/residents/{world.resident_a_placed}")[0] == 200
    for other in (world.resident_a_self_funder, world.resident_a_other_placer):
        assert _page(client, f"/authorities/{p}/residents/{other}")[0] == 404


def test_provider_sees_only_its_own_organisations_cases(app, world):
    from app.cases.models import Case
    from app.db import utcnow
    from app.extensions import db
    from app.tenants.scoping import Scope, scoped_as

    # A provider sees a case once its host has told it (both hosts have).
    for host, case_id in ((world.host_a, world.case_a), (world.host_b, world.case_b)):
        with app.app_context(), scoped_as(db.session, Scope(tenant_id=host)):
            db.session.get(Case, case_id).provider_informed_at = utcnow()
            db.session.commit()
    client = sign_in(app.test_client(), world.users["provider_b_manager"], provider=True)
    status, body = _page(client, "/provider/")
    assert status == 200 and world.case_b_reference in body
    assert world.case_a_reference not in body


def test_anonymous_visitors_see_nothing(app, world):
    client = app.test_client()
    for path in (f"/authorities/{world.host_a}/cases", f"/authorities/{world.host_a}/cases/{world.case_a}", "/provider/"):
        status, body = _page(client, path)
        assert status == 302 and world.case_a_reference not in body
