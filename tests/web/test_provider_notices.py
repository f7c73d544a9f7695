"""A provider's notice (cannot improve, service failure, leaving the market): the host's deciding
people are alerted at once through the outbox, the case offers the meeting of all stakeholders
and the emergency plan, and the host marks the notice seen."""

from __future__ import annotations

from sqlalchemy import text

from tests import provider_records
from tests.support.clients import csrf_token, sign_in


def _give(provider, world, **data):
    page = f"/provider/cases/{world.case_a}/notices"
    return provider.post(page, data={**data, "csrf_token": csrf_token(provider, page)})


def _outbox(owner_engine):
    with owner_engine.connect() as conn:
        return conn.execute(text(
            "select tenant_id, recipient, template, case_id from outbox_message "
            "where template = 'provider_notice' order by recipient")).all()


def test_a_notice_alerts_the_host_at_once_and_offers_the_next_steps(app, world, owner_engine):
    provider_records.build(app, world)
    provider = sign_in(app.test_client(), world.users["provider_a_manager"], provider=True)
    refused = _give(provider, world, details="")
    body = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "govuk-error-summary" in body
    assert "Select what you are telling the host authority" in body and "Enter the details" in body
    assert _give(provider, world, kind="leaving_market",
                 details="LEAVING-BY-MARCH").status_code == 302
    alerts = _outbox(owner_engine)
    recipients = {row[1] for row in alerts}
    assert "lead@host-a.example" in recipients and "dass@host-a.example" in recipients
    assert all(row[0] == world.host_a and row[3] == world.case_a for row in alerts)
    assert not any(r.endswith(("host-b.example", "placing-shared.example", "provider-a.example"))
                   for r in recipients)
    with owner_engine.connect() as conn:
        assert conn.execute(text("select count(*) from audit_event where tenant_id = :t and "
                                 "action = 'provider_notice.given'"),
                            {"t": world.host_a}).scalar() == 1
    host = sign_in(app.test_client(), world.users["host_a_lead"])
    base = f"/authorities/{world.host_a}/cases/{world.case_a}/notices"
    page = host.get(base).get_data(as_text=True)
    assert "LEAVING-BY-MARCH" in page and "We give notice that we will leave the market" in page
    assert "Schedule a meeting of all stakeholders" in page and "kind=update" in page
    assert "kind=emergency" in page and "/emergency" in page
    with owner_engine.connect() as conn:
        notice_id = conn.execute(text("select id from provider_notice")).scalar()
    assert host.post(f"{base}/{notice_id}/seen",
                     data={"csrf_token": csrf_token(host, base)}).status_code == 302
    mine = provider.get(f"/provider/cases/{world.case_a}/notices").get_data(as_text=True)
    assert "LEAVING-BY-MARCH" in mine and "seen by the host authority" in mine


def test_placing_authorities_and_other_hosts_do_not_see_notices(app, world, owner_engine):
    provider_records.build(app, world)
    provider = sign_in(app.test_client(), world.users["provider_a_manager"], provider=True)
    _give(provider, world, kind="service_failure", details="NOTICE-SECRET")
    for who, authority in (("placing_shared_lead", world.placing_shared),
                           ("host_b_lead", world.host_b)):
        client = sign_in(app.test_client(), world.users[who])
        response = client.get(f"/authorities/{authority}/cases/{world.case_a}/notices")
        assert response.status_code in (403, 404)
        assert "NOTICE-SECRET" not in response.get_data(as_text=True)
    other = sign_in(app.test_client(), world.users["provider_b_manager"], provider=True)
    response = other.get(f"/provider/cases/{world.case_a}/notices")
    assert response.status_code == 404 and "NOTICE-SECRET" not in response.get_data(as_text=True)
