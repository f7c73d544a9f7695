"""A placing authority reviews its own residents in rows it owns: the host and that authority
read them; another funder of the same person, another host, providers and visitors do not."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import DBAPIError

from app.extensions import db
from app.placing.reviews import ResidentReview
from app.residents.models import Resident
from app.tenants.scoping import Scope, scoped_as
from tests.support.clients import csrf_token, sign_in

REVIEW = {"reviewed_on": ["4", "11", "2026"], "outcome": "Settled; care plan kept to",
          "needs_met": "partly", "mental_capacity": "Lacks capacity for care decisions",
          "best_interests": "Stay while the concern is worked", "dols_status": "authorised",
          "advocacy": "IMCA appointed", "person_and_family_told": "yes", "wishes": "To stay near her daughter"}


def _path(authority, resident_id):
    return f"/authorities/{authority}/residents/{resident_id}/reviews/new"


def _post(client, path, data):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, path)})


def _jointly_funded(app, world) -> None:
    """Resident A-placed is funded jointly with Placing Unshared."""
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a, reads_residents=True)):
        db.session.get(Resident, world.resident_a_placed).joint_funder_id = world.placing_unshared
        db.session.commit()


def _reviews(app, tenant) -> list[ResidentReview]:
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=tenant, reads_residents=True)):
        rows = db.session.scalars(select(ResidentReview)).all()
        db.session.expunge_all()
        return rows


def test_the_placing_authority_reviews_its_resident_and_the_host_reads_it(app, world):
    _jointly_funded(app, world)
    placing = sign_in(app.test_client(), world.users["placing_shared_lead"])
    resident_page = f"/authorities/{world.placing_shared}/residents/{world.resident_a_placed}"
    assert "Record a review" in placing.get(resident_page).get_data(as_text=True)
    response = _post(placing, _path(world.placing_shared, world.resident_a_placed), REVIEW)
    assert response.status_code == 302
    page = placing.get(resident_page).get_data(as_text=True)
    for shown in ("4 November 2026: Placing Shared Council", "Partly", "Authorised", "IMCA appointed",
                  "To stay near her daughter"):
        assert shown in page, shown
    host = sign_in(app.test_client(), world.users["host_a_lead"])
    host_page = host.get(f"/authorities/{world.host_a}/residents/{world.resident_a_placed}").get_data(as_text=True)
    assert "IMCA appointed" in host_page and "Record a review" not in host_page
    # The other funder of the same person reads the person but not this authority's review.
    other = sign_in(app.test_client(), world.users["placing_unshared_lead"])
    other_page = other.get(f"/authorities/{world.placing_unshared}/residents/{world.resident_a_placed}")
    assert other_page.status_code == 200 and "IMCA appointed" not in other_page.get_data(as_text=True)
    assert [r.tenant_id for r in _reviews(app, world.host_a)] == [world.placing_shared]
    assert _reviews(app, world.placing_unshared) == []


def test_a_review_with_missing_answers_shows_each_error_and_keeps_input(app, world):
    placing = sign_in(app.test_client(), world.users["placing_shared_lead"])
    response = _post(placing, _path(world.placing_shared, world.resident_a_placed),
                     {**REVIEW, "reviewed_on": ["", "", ""], "needs_met": "", "dols_status": "nonsense"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in body
    for message in ("Enter the date of the review", "Select whether the person&#39;s needs are met",
                    "Not a valid choice"):
        assert message in body, message
    assert "IMCA appointed" in body and "To stay near her daughter" in body
    assert _reviews(app, world.host_a) == []


def test_the_database_alone_keeps_reviews_to_the_host_and_the_reviewer(app, world, pg_database):
    from tests.integration.test_row_level_security import session_as
    from tests.support.services import APP_ROLE, url

    _jointly_funded(app, world)
    _post(sign_in(app.test_client(), world.users["placing_shared_lead"]),
          _path(world.placing_shared, world.resident_a_placed), REVIEW)
    engine = create_engine(url(APP_ROLE, pg_database))
    try:
        for tenant, reads, expected in ((world.placing_shared, True, 1), (world.host_a, True, 1),
                                        (world.host_a, False, 0), (world.placing_unshared, True, 0),
                                        (world.host_b, True, 0)):
            with session_as(engine, Scope(tenant_id=tenant, reads_residents=reads)) as session:
                count = session.execute(text("select count(*) from resident_review")).scalar()
                assert count == expected, (tenant, reads)
        # Nor may an authority that does not fund the person write a review of them, past the ORM.
        insert = text(
            "insert into resident_review (resident_id, host_authority_id, reviewed_on, outcome, needs_met, "
            "mental_capacity, best_interests, dols_status, advocacy, person_and_family_told, wishes, "
            "tenant_id, created_at) values (:resident, :host, current_date, 'x', 'yes', '', '', "
            "'not_needed', '', 'yes', '', :me, now())")
        for tenant in (world.host_b, world.host_a):
            with pytest.raises(DBAPIError, match="row-level security"):
                with session_as(engine, Scope(tenant_id=tenant, reads_residents=True)) as session:
                    session.execute(insert, {"resident": world.resident_a_placed, "host": world.host_a,
                                             "me": tenant})
    finally:
        engine.dispose()


def test_outsiders_cannot_review_or_read_reviews(app, world):
    app.config["WTF_CSRF_ENABLED"] = False
    _post(sign_in(app.test_client(), world.users["placing_shared_lead"]),
          _path(world.placing_shared, world.resident_a_placed), REVIEW)
    app.config["WTF_CSRF_ENABLED"] = False
    attempts = [
        (world.users["host_a_lead"], world.host_a, False, {403}),  # the host reads but does not fund
        (world.users["host_b_lead"], world.host_b, False, {404}),
        (world.users["placing_unshared_lead"], world.placing_unshared, False, {404}),  # funds nobody here
        (world.users["provider_a_manager"], world.host_a, True, {302, 403, 404}),
        (None, world.placing_shared, False, {302}),
    ]
    for email, authority, provider, statuses in attempts:
        client = app.test_client()
        if email:
            sign_in(client, email, provider=provider)
        path = _path(authority, world.resident_a_placed)
        for response in (client.get(path), client.post(path, data={**REVIEW, "outcome": "Intruder"})):
            assert response.status_code in statuses, (email, response.status_code)
            assert "IMCA appointed" not in response.get_data(as_text=True)
        page = client.get(f"/authorities/{authority}/residents/{world.resident_a_placed}").get_data(as_text=True)
        if authority != world.host_a or provider:
            assert "IMCA appointed" not in page
    assert [r.outcome for r in _reviews(app, world.host_a)] == [REVIEW["outcome"]]
