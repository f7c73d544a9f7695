"""The provider intelligence board, intelligence recorded before any case, and a case's
intelligence added in place through HTMX."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import event, select

from app.audit.models import AuditEvent
from app.cases.models import IntelligenceItem, IntelligenceSource, Stage
from app.extensions import db
from app.intelligence.services import months_before
from app.providers.models import Location
from app.tenants.models import Authority
from app.tenants.scoping import Scope, scoped_as
from tests import factories
from tests.support.clients import csrf_token, sign_in

S42, DATIX, COMPLAINT, CQC = (IntelligenceSource.S42_ENQUIRY, IntelligenceSource.DATIX,
                              IntelligenceSource.COMPLAINT, IntelligenceSource.CQC_REPORT)


def _board_url(world, authority=None) -> str:
    return f"/authorities/{authority or world.host_a}/intelligence"


def _days_ago(days: int) -> date:
    return date.today() - timedelta(days=days)


def _location_of(world, authority=None) -> int:
    return db.session.scalar(select(Location.id).where(
        Location.host_authority_id == (authority or world.host_a)).order_by(Location.id))


def _intelligence(app, authority_id, provider_id, source, days_ago, count=1, **extra) -> int:
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=authority_id)):
        item = IntelligenceItem(tenant_id=authority_id, provider_id=provider_id, source=source,
                                received_on=_days_ago(days_ago), count=count,
                                summary=extra.pop("summary", f"{count} x {source.value}"), **extra)
        db.session.add(item)
        db.session.commit()
        return item.id


def _provider_at_host_a(app, world, name: str) -> tuple[int, int]:
    with app.app_context():
        provider = factories.provider(name)
        host_a = db.session.get(Authority, world.host_a)
        location = factories.location(provider, host_a, name=f"{name} House")
        db.session.commit()
        return provider.id, location.id


def _row(page: str, attribute: str, value: int) -> str:
    match = re.search(rf'<tr[^>]*data-{attribute}="{value}"[^>]*>(.*?)</tr>', page, re.S)
    assert match, f"no row for {attribute} {value}"
    return match.group(1)


def _numbers(row: str) -> dict[str, int]:
    cells = dict(re.findall(r'data-source="(\w+)">(\d+)<', row))
    cells["total"] = re.search(r"data-total>(?:<strong>)?(\d+)", row).group(1)
    cells["unattached"] = re.search(r"data-unattached>(\d+)", row).group(1)
    return {key: int(number) for key, number in cells.items()}


def _provider_order(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-provider="(\d+)"', page)]


def _lead(app, world, who="host_a_lead"):
    return sign_in(app.test_client(), world.users[who])


@pytest.fixture
def busy_provider_a(app, world):
    """Provider A at host A: intelligence at several ages, one item already in case A."""
    with app.app_context():
        location_id = _location_of(world)
    _intelligence(app, world.host_a, world.provider_a, S42, 30, 2, location_id=location_id)
    _intelligence(app, world.host_a, world.provider_a, S42, 120, 3)
    _intelligence(app, world.host_a, world.provider_a, DATIX, 270, 5, location_id=location_id)
    _intelligence(app, world.host_a, world.provider_a, COMPLAINT, 10, 1, case_id=world.case_a)
    return location_id


@pytest.mark.parametrize(("months", "expected"), [
    ("3", {"s42_enquiry": 2, "datix": 0, "complaint": 1, "total": 3}),
    ("6", {"s42_enquiry": 5, "datix": 0, "complaint": 1, "total": 6}),
    ("12", {"s42_enquiry": 5, "datix": 5, "complaint": 1, "total": 11}),
    ("7", {"s42_enquiry": 5, "datix": 0, "complaint": 1, "total": 6}),
    ("many", {"s42_enquiry": 5, "datix": 0, "complaint": 1, "total": 6}),
    (None, {"s42_enquiry": 5, "datix": 0, "complaint": 1, "total": 6}),
])
def test_the_board_counts_the_chosen_period(app, world, busy_provider_a, months, expected):
    query = f"?months={months}" if months else ""
    page = _lead(app, world).get(_board_url(world) + query).get_data(as_text=True)
    numbers = _numbers(_row(page, "provider", world.provider_a))
    assert {key: numbers[key] for key in expected} == expected
    # Items not yet in a case are counted whenever they came in: opening a case offers them all.
    assert numbers["unattached"] == 3
    chosen = months if months in ("3", "6", "12") else "6"
    assert re.search(rf'value="{chosen}" checked', page)


def test_a_location_counts_only_its_own_intelligence(app, world, busy_provider_a):
    page = _lead(app, world).get(_board_url(world) + "?months=12").get_data(as_text=True)
    location = _numbers(_row(page, "location", busy_provider_a))
    assert (location["s42_enquiry"], location["datix"], location["total"]) == (2, 5, 7)
    assert location["unattached"] == 2


def test_the_busiest_provider_comes_first(app, world, busy_provider_a):
    quiet, _ = _provider_at_host_a(app, world, "Quiet Care Ltd")
    busy, _ = _provider_at_host_a(app, world, "Busy Care Ltd")
    _intelligence(app, world.host_a, busy, DATIX, 5, 9)
    _intelligence(app, world.host_a, quiet, IntelligenceSource.CONTRACT_MONITORING, 5, 50)
    page = _lead(app, world).get(_board_url(world)).get_data(as_text=True)
    assert _provider_order(page) == [busy, world.provider_a, quiet]
    three_months = _lead(app, world).get(_board_url(world) + "?months=3").get_data(as_text=True)
    assert _provider_order(three_months) == [busy, world.provider_a, quiet]


def test_open_cases_are_linked_and_closed_ones_are_not(app, world, busy_provider_a):
    other, location_id = _provider_at_host_a(app, world, "Closed Case Care Ltd")
    with app.app_context():
        factories.case(db.session.get(Location, location_id), Stage.CLOSED, reference="A-CLOSED")
        db.session.commit()
    page = _lead(app, world).get(_board_url(world)).get_data(as_text=True)
    provider_a = _row(page, "provider", world.provider_a)
    assert f'/cases/{world.case_a}"' in provider_a and world.case_a_reference in provider_a
    closed = _row(page, "provider", other)
    assert "No open case" in closed and "A-CLOSED" not in closed
    assert f"/cases/new?provider={other}" in closed


def test_the_latest_cqc_rating_shows_whatever_the_period(app, world):
    _intelligence(app, world.host_a, world.provider_a, CQC, 400, cqc_rating="Good")
    _intelligence(app, world.host_a, world.provider_a, CQC, 200, cqc_rating="Inadequate")
    page = _lead(app, world).get(_board_url(world) + "?months=3").get_data(as_text=True)
    row = _row(page, "provider", world.provider_a)
    assert "Inadequate" in row and "Good" not in row


def test_another_hosts_intelligence_never_counts(app, world, busy_provider_a):
    _intelligence(app, world.host_b, world.provider_a, S42, 5, 100, summary="host B secret")
    _intelligence(app, world.host_b, world.provider_b, S42, 5, 7)
    page = _lead(app, world).get(_board_url(world)).get_data(as_text=True)
    assert _numbers(_row(page, "provider", world.provider_a))["s42_enquiry"] == 5
    assert _provider_order(page) == [world.provider_a]
    assert "Provider B Ltd" not in page and "host B secret" not in page
    host_b = _lead(app, world, "host_b_lead").get(_board_url(world, world.host_b)).get_data(as_text=True)
    assert _provider_order(host_b) == [world.provider_b]
    assert _numbers(_row(host_b, "provider", world.provider_b))["s42_enquiry"] == 7


def _count_queries(app, client, path) -> int:
    statements = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(statements)


def test_the_board_costs_the_same_queries_for_many_providers(app, world, busy_provider_a):
    client = _lead(app, world)
    few = _count_queries(app, client, _board_url(world))
    for n in range(4):
        provider_id, location_id = _provider_at_host_a(app, world, f"Extra Care {n} Ltd")
        _intelligence(app, world.host_a, provider_id, S42, 5, n + 1, location_id=location_id)
        _intelligence(app, world.host_a, provider_id, CQC, 5, cqc_rating="Good")
    assert _count_queries(app, client, _board_url(world)) == few


# Recording intelligence before any case.


def _new_url(world) -> str:
    return _board_url(world) + "/new"


def _valid_new(world, location_id, **changes) -> dict:
    day = _days_ago(3)
    return {"provider_id": world.provider_a, "location_id": location_id, "source": "s42_enquiry",
            "received_on": [str(day.day), str(day.month), str(day.year)], "count": "4",
            "reference": "S42-991", "cqc_rating": "", "summary": "Four enquiries about falls",
            **changes}


def _post(client, path, data, headers=None, token_field="csrf_token"):
    return client.post(path, data={**data, token_field: csrf_token(client, path)},
                       headers=headers or {})


def _items(app, world, authority=None) -> list[IntelligenceItem]:
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=authority or world.host_a)):
        items = list(db.session.scalars(select(IntelligenceItem).order_by(IntelligenceItem.id)))
        db.session.expunge_all()
        return items


def test_a_host_records_intelligence_before_any_case(app, world):
    with app.app_context():
        location_id = _location_of(world)
    client = _lead(app, world)
    form = client.get(_new_url(world) + f"?provider={world.provider_a}").get_data(as_text=True)
    assert re.search(rf'value="{world.provider_a}" selected', form)
    assert "Provider B Ltd" not in form
    response = _post(client, _new_url(world), _valid_new(world, location_id))
    assert response.status_code == 302 and response.location.endswith(_board_url(world))
    [item] = _items(app, world)
    assert (item.case_id, item.provider_id, item.location_id, item.count) == (
        None, world.provider_a, location_id, 4)
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        event_row = db.session.scalar(select(AuditEvent).where(AuditEvent.object_id == item.id))
        assert (event_row.action, event_row.case_id) == ("intelligence.added", None)
    board = client.get(response.location).get_data(as_text=True)
    assert "Intelligence about Provider A Ltd recorded." in board
    assert _numbers(_row(board, "provider", world.provider_a))["s42_enquiry"] == 4
    opening = client.get(f"/authorities/{world.host_a}/cases/new?provider={world.provider_a}")
    assert "Four enquiries about falls" in opening.get_data(as_text=True)


def test_new_intelligence_errors_keep_what_was_typed(app, world):
    with app.app_context():
        location_id = _location_of(world)
    client = _lead(app, world)
    response = _post(client, _new_url(world), _valid_new(
        world, location_id, received_on=["31", "2", "2026"], count="0"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "govuk-error-summary" in page and "Date received must be a real date" in page
    assert "Number of reports must be between 1 and 10000" in page
    assert "Four enquiries about falls" in page and 'value="31"' in page and "S42-991" in page
    assert re.search(rf'value="{world.provider_a}" selected', page)
    assert _items(app, world) == []


def test_new_intelligence_stays_inside_the_hosts_area(app, world):
    with app.app_context():
        location_a, location_b = _location_of(world), _location_of(world, world.host_b)
    other, other_location = _provider_at_host_a(app, world, "Neighbour Care Ltd")
    client = _lead(app, world)
    outside = _post(client, _new_url(world), _valid_new(world, 0, provider_id=world.provider_b))
    assert outside.status_code == 200 and "Not a valid choice" in outside.get_data(as_text=True)
    wrong_place = _post(client, _new_url(world), _valid_new(world, other_location))
    assert "Select a location of the chosen provider" in wrong_place.get_data(as_text=True)
    elsewhere = _post(client, _new_url(world), _valid_new(world, location_b))
    assert elsewhere.status_code == 200
    assert _items(app, world) == [] and location_a != location_b


# Who gets the board at all.


@pytest.mark.parametrize("outsider", ["host_b_lead", "placing_shared_lead", "placing_unshared_lead"])
def test_other_authorities_get_nothing_of_the_board(app, world, busy_provider_a, outsider):
    client = _lead(app, world, outsider)
    for path in (_board_url(world), _board_url(world) + "?months=12", _new_url(world)):
        response = client.get(path)
        assert response.status_code == 403, (outsider, path)
        assert "Provider A Ltd" not in response.get_data(as_text=True)
    refused = client.post(_new_url(world), data=_valid_new(world, 0))
    assert refused.status_code in (400, 403)
    assert len(_items(app, world)) == 4


def test_provider_users_and_anonymous_visitors_get_nothing(app, world, busy_provider_a):
    provider = sign_in(app.test_client(), world.users["provider_a_manager"], provider=True)
    for path in (_board_url(world), _new_url(world)):
        response = provider.get(path)
        assert response.status_code == 403 and "Section 42" not in response.get_data(as_text=True)
        anonymous = app.test_client().get(path)
        assert anonymous.status_code == 302 and "/sign-in" in anonymous.location


def test_viewers_read_the_board_but_change_nothing(app, world, busy_provider_a):
    viewer = _lead(app, world, "host_a_viewer")
    page = viewer.get(_board_url(world)).get_data(as_text=True)
    assert _numbers(_row(page, "provider", world.provider_a))["total"] == 6
    assert "Open a case" not in page and "Record intelligence" not in page
    assert f'href="/authorities/{world.host_a}/intelligence"' in page  # the menu item
    assert viewer.get(_new_url(world)).status_code == 403
    app.config["WTF_CSRF_ENABLED"] = False
    assert viewer.post(_new_url(world), data=_valid_new(world, 0)).status_code == 403
    assert len(_items(app, world)) == 4


def test_the_period_form_swaps_the_board_in_place(app, world, busy_provider_a):
    response = _lead(app, world).get(_board_url(world) + "?months=12", headers={"HX-Request": "true"})
    fragment = response.get_data(as_text=True)
    assert "HX-Request" in response.headers["Vary"]
    assert fragment.lstrip().startswith("<div id=\"board\"") and "<html" not in fragment
    assert _numbers(_row(fragment, "provider", world.provider_a))["total"] == 11
    restore = _lead(app, world).get(_board_url(world), headers={
        "HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in restore.get_data(as_text=True)


# A case's intelligence, added in place.

HX = {"HX-Request": "true", "HX-Target": "intelligence"}


def _case_intelligence_url(world) -> str:
    return f"/authorities/{world.host_a}/cases/{world.case_a}/intelligence"


def _in_place(**changes) -> dict:
    day = _days_ago(2)
    values = {"source": "datix", "received_on": [str(day.day), str(day.month), str(day.year)],
              "count": "3", "reference": "DX-17", "cqc_rating": "",
              "summary": "Three Datix reports of pressure sores", **changes}
    return {f"intelligence-{key}": value for key, value in values.items()}


def test_the_case_page_offers_the_form_in_place_and_without_javascript(app, world):
    client = _lead(app, world)
    case_page = client.get(f"/authorities/{world.host_a}/cases/{world.case_a}").get_data(as_text=True)
    section = re.search(r'<section id="intelligence".*?</section>', case_page, re.S).group(0)
    assert f'method="get" action="{_case_intelligence_url(world)}"' in section
    assert f'hx-get="{_case_intelligence_url(world)}" hx-target="#intelligence"' in section
    opened = client.get(_case_intelligence_url(world), headers=HX)
    fragment = opened.get_data(as_text=True)
    assert opened.status_code == 200 and "HX-Request" in opened.headers["Vary"]
    assert "<html" not in fragment
    assert '<section id="intelligence"' in fragment
    assert f'method="post" action="{_case_intelligence_url(world)}" hx-post=' in fragment
    assert 'name="intelligence-summary"' in fragment
    full_page = client.get(_case_intelligence_url(world)).get_data(as_text=True)
    assert "<html" in full_page and 'name="summary"' in full_page


def test_adding_in_place_returns_the_section_and_writes_the_row(app, world):
    client = _lead(app, world)
    path = _case_intelligence_url(world)
    response = _post(client, path, _in_place(), headers=HX, token_field="intelligence-csrf_token")
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in fragment
    assert '<section id="intelligence"' in fragment and "Intelligence added." in fragment
    assert "Three Datix reports of pressure sores" in fragment and "hx-get=" in fragment
    [item] = _items(app, world)
    assert (item.case_id, item.source, item.count, item.reference) == (
        world.case_a, DATIX, 3, "DX-17")


def test_adding_in_place_with_errors_keeps_what_was_typed(app, world):
    client = _lead(app, world)
    response = _post(client, _case_intelligence_url(world),
                     _in_place(received_on=["31", "2", "2026"], summary=""),
                     headers=HX, token_field="intelligence-csrf_token")
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in fragment
    assert "govuk-error-summary" in fragment and "Date received must be a real date" in fragment
    assert "Enter a summary of the intelligence" in fragment
    assert 'href="#intelligence-summary"' in fragment
    assert 'value="31"' in fragment and "DX-17" in fragment
    assert re.search(r'value="datix"\s+checked', fragment)
    assert _items(app, world) == []


def test_adding_without_javascript_still_redirects(app, world):
    client = _lead(app, world)
    data = {key.removeprefix("intelligence-"): value for key, value in _in_place().items()}
    response = _post(client, _case_intelligence_url(world), data)
    assert response.status_code == 302
    assert response.location.endswith(f"/cases/{world.case_a}#intelligence")
    page = client.get(response.location).get_data(as_text=True)
    assert "Intelligence added." in page and "Three Datix reports of pressure sores" in page
    assert len(_items(app, world)) == 1


def test_a_viewer_cannot_add_in_place(app, world):
    viewer = _lead(app, world, "host_a_viewer")
    page = viewer.get(f"/authorities/{world.host_a}/cases/{world.case_a}").get_data(as_text=True)
    assert "Add intelligence" not in page
    assert viewer.get(_case_intelligence_url(world), headers=HX).status_code == 403
    app.config["WTF_CSRF_ENABLED"] = False
    assert viewer.post(_case_intelligence_url(world), data=_in_place(), headers=HX).status_code == 403
    assert _items(app, world) == []


def test_months_before_keeps_inside_short_months():
    assert months_before(date(2026, 8, 31), 6) == date(2026, 2, 28)
    assert months_before(date(2026, 3, 15), 3) == date(2025, 12, 15)
    assert months_before(date(2026, 1, 10), 12) == date(2025, 1, 10)
