"""Long lists come one page at a time, cut in the database, with the filters kept across pages."""

from __future__ import annotations

import re

from app.extensions import db
from app.tenants.models import Authority, Role
from tests import factories
from tests.support.clients import sign_in

CASES = 'id="cases-table"'


def _references(page: str) -> list[str]:
    table = page.split(CASES, 1)[1].split("</table>", 1)[0]
    return re.findall(r">(PG-\d{3})</a>", table)


def _many_cases(app, world, count: int) -> None:
    with app.app_context():
        host_a = db.session.get(Authority, world.host_a)
        provider = factories.provider("Paged Care Ltd")
        location = factories.location(provider, host_a)
        for n in range(count):
            factories.case(location, reference=f"PG-{n:03d}", title=f"Paged concern {n}")
        db.session.commit()


def test_the_dashboard_shows_one_page_and_links_to_the_others(app, world, client):
    _many_cases(app, world, 30)
    sign_in(client, world.users["host_a_lead"])
    url = f"/authorities/{world.host_a}/cases?q=pg-"
    first = client.get(url).get_data(as_text=True)
    second = client.get(url + "&page=2").get_data(as_text=True)

    on_first, on_second = _references(first), _references(second)
    assert len(on_first) == 25 and len(on_second) == 5
    assert not set(on_first) & set(on_second)
    assert set(on_first) | set(on_second) == {f"PG-{n:03d}" for n in range(30)}
    assert "30 cases, overdue first" in first
    assert "Showing 26 to 30 of 30" in second
    assert 'class="govuk-pagination' in first
    # The filter travels with the page links.
    assert re.search(r'href="[^"]*q=pg-[^"]*page=2"|href="[^"]*page=2[^"]*q=pg-', first)


def test_a_page_past_the_end_or_nonsense_shows_a_real_page(app, world, client):
    _many_cases(app, world, 30)
    sign_in(client, world.users["host_a_lead"])
    url = f"/authorities/{world.host_a}/cases?q=pg-"
    assert len(_references(client.get(url + "&page=999999999").get_data(as_text=True))) == 5
    assert len(_references(client.get(url + "&page=-3").get_data(as_text=True))) == 25
    assert len(_references(client.get(url + "&page=%C2%B2").get_data(as_text=True))) == 25


def test_a_short_list_has_no_page_links(app, world, client):
    sign_in(client, world.users["host_a_lead"])
    page = client.get(f"/authorities/{world.host_a}/cases").get_data(as_text=True)
    assert world.case_a_reference in page
    assert "govuk-pagination" not in page


def test_residents_come_a_page_at_a_time(app, world, client):
    with app.app_context():
        host_a = db.session.get(Authority, world.host_a)
        location = factories.location(factories.provider("Many Residents Ltd"), host_a)
        for n in range(40):
            factories.resident(location, given_name="Paged", family_name=f"Person{n:02d}")
        db.session.commit()
    sign_in(client, world.users["host_a_lead"])
    url = f"/authorities/{world.host_a}/residents"
    first, second = (client.get(url).get_data(as_text=True),
                     client.get(url + "?page=2").get_data(as_text=True))
    shown = [re.findall(r"Paged Person\d\d", page) for page in (first, second)]
    # 43 residents readable in all (the world's three and these forty), 25 on the first page.
    assert "Showing 1 to 25 of 43" in first and "Showing 26 to 43 of 43" in second
    assert not set(shown[0]) & set(shown[1])
    assert len(shown[0]) + len(shown[1]) == 40


def test_users_come_a_page_at_a_time(app, world, client):
    with app.app_context():
        host_a = db.session.get(Authority, world.host_a)
        for n in range(30):
            factories.member(host_a, Role.VIEWER, email=f"paged{n:02d}@host-a.example")
        db.session.commit()
    sign_in(client, world.users["host_a_admin"])
    url = f"/authorities/{world.host_a}/users"
    first = client.get(url).get_data(as_text=True)
    second = client.get(url + "?page=2").get_data(as_text=True)
    assert "Showing 1 to 25 of 34" in first and "Showing 26 to 34 of 34" in second
    on_first = set(re.findall(r"paged\d\d@host-a.example", first))
    on_second = set(re.findall(r"paged\d\d@host-a.example", second))
    assert on_first and on_second and not on_first & on_second
    assert len(on_first | on_second) == 30


def test_the_intelligence_board_comes_a_page_of_providers_at_a_time(app, world, client):
    with app.app_context():
        host_a = db.session.get(Authority, world.host_a)
        for n in range(30):
            factories.location(factories.provider(f"Board Provider {n:02d}"), host_a)
        db.session.commit()
    sign_in(client, world.users["host_a_lead"])
    url = f"/authorities/{world.host_a}/intelligence?months=6"
    first = client.get(url).get_data(as_text=True)
    second = client.get(url + "&page=2").get_data(as_text=True)
    rows = [re.findall(r'data-provider="(\d+)"', page) for page in (first, second)]
    assert len(rows[0]) == 25 and len(rows[1]) == 6  # 30 and Provider A
    assert not set(rows[0]) & set(rows[1])
    assert re.search(r'href="[^"]*months=6[^"]*page=2"', first)


def test_messages_needing_a_decision_come_a_page_at_a_time(app, world, client):
    from app.jobs.models import MessageState, OutboxMessage
    from app.tenants.scoping import Scope, scoped_as

    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        for n in range(27):
            db.session.add(OutboxMessage(
                tenant_id=world.host_a, template="invitation", recipient=f"failed{n:02d}@example.org",
                payload={"context": {}, "calendar": None, "documents": []},
                idempotency_key=f"paged-{n}", state=MessageState.FAILED, last_error="refused"))
        db.session.commit()
    sign_in(client, world.users["host_a_admin"])
    url = f"/authorities/{world.host_a}/messages"
    first = client.get(url).get_data(as_text=True)
    second = client.get(url + "?page=2").get_data(as_text=True)
    shown = [set(re.findall(r"failed\d\d@example.org", page)) for page in (first, second)]
    assert len(shown[0]) == 25 and len(shown[1]) == 2 and not shown[0] & shown[1]
    assert "Showing 26 to 27 of 27" in second


def test_the_audit_trail_comes_fifty_entries_at_a_time(app, world, client):
    from app.audit.services import record
    from app.tenants.scoping import Scope, scoped_as

    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        for n in range(60):
            record(db.session, action="case.updated", object_type="Case", object_id=world.case_a,
                   case_id=world.case_a, tenant_id=world.host_a, actor_user_id=None,
                   new={"title": f"Paged title {n:02d}"})
        db.session.commit()
    sign_in(client, world.users["host_a_lead"])
    url = f"/authorities/{world.host_a}/cases/{world.case_a}/history"
    first = client.get(url).get_data(as_text=True)
    second = client.get(url + "?page=2").get_data(as_text=True)
    shown = [set(re.findall(r"Paged title \d\d", page.split("Audit trail", 1)[1].split("</table>", 1)[0]))
             for page in (first, second)]
    assert shown[0] and shown[1] and not shown[0] & shown[1]
    assert len(shown[0] | shown[1]) == 60
    assert "Showing 51 to 60 of 60" in second


def test_the_dashboard_orders_by_the_stored_next_deadline_and_computes_clocks_only_for_its_page(
        app, world, client, monkeypatch):
    """Overdue first, then soonest due, across pages: the order comes from each case's stored
    next deadline, and only the 25 cases shown have their clocks computed."""
    from datetime import UTC, datetime, timedelta

    from app.cases import key_dates, services
    from app.cases.models import Decision, DecisionOutcome, Stage
    from app.tenants.scoping import Scope, scoped_as

    with app.app_context():
        host_a = db.session.get(Authority, world.host_a)
        location = factories.location(factories.provider("Ordered Care Ltd"), host_a)
        with scoped_as(db.session, Scope(tenant_id=world.host_a)):
            # PG-000 was decided most recently, PG-029 longest ago: the reverse of references.
            for n in range(30):
                case = factories.case(location, stage=Stage.INITIAL_MEETING, reference=f"PG-{n:03d}")
                db.session.add(Decision(tenant_id=world.host_a, case_id=case.id,
                                        threshold_assessment="t", outcome=DecisionOutcome.PROCEED,
                                        decided_at=datetime.now(UTC) - timedelta(weeks=n)))
                db.session.flush()
                key_dates.refresh(case)
            db.session.commit()
    computed = []
    real = services.clocks_of
    monkeypatch.setattr(services, "clocks_of", lambda case, *a, **k: computed.append(case.id) or real(case, *a, **k))
    sign_in(client, world.users["host_a_lead"])
    first = _references(client.get(f"/authorities/{world.host_a}/cases?q=pg-").get_data(as_text=True))
    assert first == [f"PG-{n:03d}" for n in range(29, 4, -1)]
    assert len(computed) == 25
    second = _references(client.get(f"/authorities/{world.host_a}/cases?q=pg-&page=2").get_data(as_text=True))
    assert second == [f"PG-{n:03d}" for n in range(4, -1, -1)]
