"""The host alerts placing authorities (a share each, a message through the outbox), sees the
coverage table and ends shares; nobody else reaches these pages."""

from __future__ import annotations

from sqlalchemy import event, select

from app.extensions import db
from app.jobs.models import OutboxMessage
from app.placing.models import CaseShare, ShareAcknowledgement
from app.residents.models import Resident
from app.tenants.models import Authority, Role
from app.tenants.scoping import Scope, scoped_as
from tests import factories
from tests.support.clients import csrf_token, sign_in


def _page(world, authority=None):
    return f"/authorities/{authority or world.host_a}/cases/{world.case_a}/placing-authorities"


def _post(client, path, page):
    return client.post(path, data={"csrf_token": csrf_token(client, page)})


ALERT_FORM = {"sharing_level": "service_wide", "sharing_reason": "Every resident is affected",
              "concern": "Poor medication management across the home",
              "planned": "An initial meeting within five working days; daily visits meanwhile"}


def alert(client, world, **overrides):
    """Post the alert form as the host, with the decision and what to tell."""
    path = f"{_page(world)}/alert"
    return client.post(path, data={**ALERT_FORM, **overrides, "csrf_token": csrf_token(client, path)})


def _shares(app, world) -> dict[int, CaseShare]:
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        rows = db.session.scalars(select(CaseShare).where(CaseShare.case_id == world.case_a)).all()
        db.session.expunge_all()
        return {row.placing_authority_id: row for row in rows}


def _link_person_known_to_host_a(app, world) -> None:
    """Placing Unshared acknowledged an earlier case of host A, naming a link person."""
    with app.app_context():
        host_a = db.session.get(Authority, world.host_a)
        placing = db.session.get(Authority, world.placing_unshared)
        with scoped_as(db.session, Scope(tenant_id=world.host_a, reads_residents=True)):
            location = db.session.get(Resident, world.resident_a_self_funder).location
            earlier = factories.case(location, reference="A-0000", title="Earlier case")
            share = factories.share(earlier, placing)
        with scoped_as(db.session, Scope(tenant_id=world.placing_unshared)):
            db.session.add(ShareAcknowledgement(tenant_id=placing.id, share_id=share.id,
                                                host_authority_id=host_a.id, link_person_name="Uma Link",
                                                link_person_email="uma@placing-unshared.example"))
            db.session.flush()
        db.session.commit()


def test_the_coverage_table_shows_each_placing_authority_and_its_state(app, world):
    host = sign_in(app.test_client(), world.users["host_a_lead"])
    # The section's link in the case's sub-navigation.
    assert f'href="{_page(world)}">Residents and placing authorities</a>' in host.get(
        f"/authorities/{world.host_a}/cases/{world.case_a}").get_data(as_text=True)
    page = host.get(_page(world)).get_data(as_text=True)
    assert "Self-funders living here: 1" in page
    shared_row = page.split("Placing Shared Council</th>")[1].split("</tr>")[0]
    unshared_row = page.split("Placing Unshared ICB</th>")[1].split("</tr>")[0]
    assert "Alerted, not acknowledged" in shared_row and ">1<" in shared_row
    assert "Not alerted" in unshared_row and "End share" not in unshared_row
    assert "Alert 1 placing authority" in page
    # No resident is named on the coverage table.
    assert "Given" not in page and "Family" not in page


def test_alerting_shares_the_case_and_tells_the_known_link_person(app, world):
    _link_person_known_to_host_a(app, world)
    outsider = sign_in(app.test_client(), world.users["placing_unshared_lead"])
    assert outsider.get(f"/authorities/{world.placing_unshared}/cases/{world.case_a}").status_code == 404
    host = sign_in(app.test_client(), world.users["host_a_lead"])
    response = alert(host, world)
    assert response.status_code == 302
    shares = _shares(app, world)
    assert set(shares) == {world.placing_shared, world.placing_unshared}
    assert shares[world.placing_unshared].ended_at is None
    assert outsider.get(f"/authorities/{world.placing_unshared}/cases/{world.case_a}").status_code == 200
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        messages = db.session.scalars(select(OutboxMessage).where(OutboxMessage.template == "placing_alert")).all()
        assert [(m.recipient, m.case_id) for m in messages] == [("uma@placing-unshared.example", world.case_a)]
        context = messages[0].payload["context"]
    assert context["name"] == "Uma Link" and context["reference"] == world.case_a_reference
    assert not any("Given" in str(value) or "Family" in str(value) for value in context.values())
    # A second alert finds no one left to alert and sends nothing more.
    assert "already been alerted" in host.get(alert(host, world).location).get_data(as_text=True)
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        assert len(db.session.scalars(select(OutboxMessage)).all()) == 1


def test_ending_a_share_stops_the_placing_authoritys_reads_at_once(app, world):
    placing = sign_in(app.test_client(), world.users["placing_shared_lead"])
    case_page = f"/authorities/{world.placing_shared}/cases/{world.case_a}"
    assert placing.get(case_page).status_code == 200
    host = sign_in(app.test_client(), world.users["host_a_lead"])
    share_id = _shares(app, world)[world.placing_shared].id
    response = _post(host, f"{_page(world)}/{share_id}/end", _page(world))
    assert response.status_code == 302
    assert placing.get(case_page).status_code == 404
    assert world.case_a_reference not in placing.get(f"/authorities/{world.placing_shared}/cases").get_data(as_text=True)
    assert "Share ended" in host.get(_page(world)).get_data(as_text=True)
    # Alerting again opens the same share anew.
    alert(host, world)
    assert _shares(app, world)[world.placing_shared].ended_at is None
    assert placing.get(case_page).status_code == 200


def test_outsiders_reach_none_of_the_hosts_placing_pages(app, world):
    app.config["WTF_CSRF_ENABLED"] = False
    share_id = _shares(app, world)[world.placing_shared].id
    with app.app_context():
        host_a = db.session.get(Authority, world.host_a)
        viewer = factories.member(host_a, Role.VIEWER).email
        contracts = factories.member(host_a, Role.CONTRACTS).email
        ended_placer = db.session.get(Authority, world.placing_unshared)
        with scoped_as(db.session, Scope(tenant_id=world.host_a)):
            from app.cases.models import Case
            from app.db import utcnow
            factories.share(db.session.get(Case, world.case_a), ended_placer, ended_at=utcnow())
        db.session.commit()
    suffixes = [("", "get"), ("/alert", "post"), (f"/{share_id}/end", "post")]
    outsiders = [
        (world.users["host_b_lead"], world.host_b, False, {404}),
        (world.users["placing_shared_lead"], world.placing_shared, False, {403}),  # a live share: not the host
        (world.users["placing_unshared_lead"], world.placing_unshared, False, {404}),  # an ended share
        (viewer, world.host_a, False, {403}),
        (contracts, world.host_a, False, {403}),
        (world.users["provider_a_manager"], world.host_a, True, {302, 403, 404}),
        (None, world.host_a, False, {302}),
    ]
    for email, authority, provider, statuses in outsiders:
        client = app.test_client()
        if email:
            sign_in(client, email, provider=provider)
        for suffix, method in suffixes:
            response = client.open(_page(world, authority) + suffix, method=method.upper())
            assert response.status_code in statuses, (email, suffix, response.status_code)
            assert "Self-funders living here" not in response.get_data(as_text=True)
    after = _shares(app, world)
    assert after[world.placing_shared].ended_at is None
    assert after[world.placing_unshared].ended_at is not None
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        assert db.session.scalars(select(OutboxMessage)).all() == []


def _queries_for_coverage(app, world, client) -> int:
    count = 0
    with app.app_context():
        engine = db.engine

        def counter(*_args):
            nonlocal count
            count += 1

        event.listen(engine, "before_cursor_execute", counter)
        try:
            assert client.get(_page(world)).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", counter)
    return count


def test_the_coverage_table_takes_the_same_queries_for_thirty_placing_bodies(app, world):
    host = sign_in(app.test_client(), world.users["host_a_lead"])
    host.get(_page(world))
    few = _queries_for_coverage(app, world, host)
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a, reads_residents=True)):
        location = db.session.get(Resident, world.resident_a_self_funder).location
        from app.cases.models import Case
        case = db.session.get(Case, world.case_a)
        for n in range(30):
            placer = factories.authority(f"Placing body {n:02d}")
            factories.resident(location, placer)
            factories.resident(location, placer)
            if n % 2:
                factories.share(case, placer)
        db.session.commit()
    many = _queries_for_coverage(app, world, host)
    assert many == few
    page = host.get(_page(world)).get_data(as_text=True)
    assert page.count("Placing body ") >= 30 and "Alert 16 placing authorities" in page
