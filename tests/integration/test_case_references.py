"""Case references: per authority, per year, from a counter taken under a row lock, on the
real PostgreSQL as the app role (row-level security on)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from app.auth.models import User
from app.cases.clocks import LONDON
from app.cases.models import Case
from app.cases.operations import Actor, open_case
from app.db import utcnow
from app.extensions import db
from app.tenants.models import Role
from app.tenants.scoping import Scope, scoped_as
from tests.support.clients import csrf_token, sign_in

ROUNDS = 4
OPENINGS_PER_HOST = 6  # at once, per round, per host: 12 threads on their own connections


@pytest.fixture
def prefixed(world, owner_engine):
    with owner_engine.begin() as conn:
        conn.execute(text("update authority set reference_prefix = 'HA' where id = :id"), {"id": world.host_a})
        conn.execute(text("update authority set reference_prefix = 'HB' where id = :id"), {"id": world.host_b})
    return world


def _open(app, authority_id: int, email: str, provider_id: int, barrier, errors: list) -> None:
    try:
        with app.app_context():
            user = db.session.scalar(select(User).where(User.email == email))
            with scoped_as(db.session, Scope(tenant_id=authority_id, user_id=user.id)):
                barrier.wait(timeout=30)
                open_case(Actor(user, authority_id, frozenset({Role.LEAD_OFFICER})),
                          provider_id=provider_id, location_id=None, title="At once", summary="")
                db.session.commit()
    except Exception as error:  # reported to the test thread below
        errors.append(error)


def _references(app, authority_id: int) -> list[str]:
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=authority_id)):
        return list(db.session.scalars(
            select(Case.reference).where(Case.title == "At once").order_by(Case.id)))


def test_two_hosts_opening_cases_at_once_get_their_own_unbroken_sequences(app, prefixed):
    world = prefixed
    year = utcnow().astimezone(LONDON).year
    for _round in range(ROUNDS):
        barrier = threading.Barrier(2 * OPENINGS_PER_HOST)
        errors: list = []
        threads = [
            threading.Thread(target=_open, args=(app, host, world.users[user], provider, barrier, errors))
            for host, user, provider in ((world.host_a, "host_a_lead", world.provider_a),
                                         (world.host_b, "host_b_lead", world.provider_b))
            for _ in range(OPENINGS_PER_HOST)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert errors == []
    total = ROUNDS * OPENINGS_PER_HOST
    for host, prefix in ((world.host_a, "HA"), (world.host_b, "HB")):
        references = _references(app, host)
        assert sorted(references) == [f"{prefix}-{year}-{n:04d}" for n in range(1, total + 1)]


def test_the_second_authority_opens_a_case_through_the_form(app, prefixed):
    """Once unique across the database, the second authority's first reference collided."""
    world = prefixed
    year = utcnow().astimezone(LONDON).year
    for host, user, provider, prefix in ((world.host_a, "host_a_lead", world.provider_a, "HA"),
                                         (world.host_b, "host_b_lead", world.provider_b, "HB")):
        client = sign_in(app.test_client(), world.users[user])
        path = f"/authorities/{host}/cases/new"
        response = client.post(path, data={"csrf_token": csrf_token(client, path),
                                           "provider_id": provider, "location_id": 0,
                                           "title": "Through the form", "summary": ""})
        assert response.status_code == 302
        assert f"{prefix}-{year}-0001" in client.get(response.location).get_data(as_text=True)


def test_a_reference_is_unique_within_an_authority_only(app, prefixed):
    from sqlalchemy.exc import IntegrityError

    from tests import factories

    world = prefixed
    with app.app_context():
        with scoped_as(db.session, Scope(tenant_id=world.host_b)):
            b_case = db.session.get(Case, world.case_b)
            location = b_case.location
        factories.case(location, reference="A-0001")  # host A's reference, at host B: allowed
        db.session.commit()
        with pytest.raises(IntegrityError):
            factories.case(location, reference="A-0001")


def test_the_count_restarts_with_the_year(app, prefixed, monkeypatch):
    import app.cases.references as references

    world = prefixed
    for moment, expected in ((datetime(2026, 12, 31, 12, tzinfo=UTC), "HA-2026-0001"),
                             (datetime(2026, 12, 31, 18, tzinfo=UTC), "HA-2026-0002"),
                             # New Year's Day in London, still 31 December somewhere else
                             (datetime(2027, 1, 1, 0, 30, tzinfo=UTC), "HA-2027-0001")):
        monkeypatch.setattr(references, "utcnow", lambda moment=moment: moment)
        with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
            assert references.next_reference(world.host_a) == expected
            db.session.commit()
