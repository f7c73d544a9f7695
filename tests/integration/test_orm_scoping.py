"""The ORM layer of tenant scoping on its own: on SQLite, and on PostgreSQL as the table owner
(to whom row-level security does not apply), so that only the ORM filter stands in the way."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.cases.models import Case
from app.db import utcnow
from app.extensions import db
from app.placing.models import CaseShare
from app.residents.models import Resident
from app.tenants.models import Membership
from app.tenants.scoping import CrossTenantWrite, Scope, TenantContextMissing, set_scope
from tests.factories import build_world
from tests.support.services import OWNER_ROLE, url


@pytest.fixture(params=["sqlite", "postgresql-owner"])
def scoped_session(request):
    """Yield (session factory, world) on a database where only the ORM filter applies."""
    if request.param == "sqlite":
        app = request.getfixturevalue("sqlite_app")
        with app.app_context():
            world = build_world()
            engine = db.engine
            yield (lambda: Session(engine)), world
    else:
        app = request.getfixturevalue("app")
        with app.app_context():
            world = build_world()
        engine = create_engine(url(OWNER_ROLE, request.getfixturevalue("pg_database")))
        yield (lambda: Session(engine)), world
        engine.dispose()


def _as(session_factory, scope):
    session = session_factory()
    set_scope(session, scope)
    return session


def test_listing_and_get_are_filtered(scoped_session):
    factory, world = scoped_session
    with _as(factory, Scope(tenant_id=world.host_a, reads_residents=True)) as session:
        assert set(session.scalars(select(Case.id))) == {world.case_a}
        assert session.get(Case, world.case_b) is None
        assert session.get(Resident, world.resident_b) is None
        assert world.resident_b not in set(session.scalars(select(Resident.id)))


def test_joins_and_relationship_loads_are_filtered(scoped_session):
    factory, world = scoped_session
    with _as(factory, Scope(tenant_id=world.host_a, reads_residents=True)) as session:
        joined = session.scalars(
            select(Resident).join(Case, Case.location_id == Resident.location_id)
        ).all()
        assert {r.tenant_id for r in joined} == {world.host_a}
        membership = session.scalars(select(Membership)).first()
        assert {m.tenant_id for m in session.scalars(select(Membership))} == {world.host_a}
        assert membership.authority.id == world.host_a


def test_placing_and_provider_scopes(scoped_session):
    factory, world = scoped_session
    with _as(factory, Scope(tenant_id=world.placing_shared, reads_residents=True)) as session:
        assert set(session.scalars(select(Case.id))) == {world.case_a}
        assert set(session.scalars(select(Resident.id))) == {world.resident_a_placed, world.resident_b}
    with _as(factory, Scope(tenant_id=world.placing_unshared)) as session:
        assert list(session.scalars(select(Case.id))) == []
    with _as(factory, Scope(provider_id=world.provider_b)) as session:
        assert list(session.scalars(select(Case.id))) == []  # not told yet
    with _as(factory, Scope(tenant_id=world.host_b)) as session:
        session.get(Case, world.case_b).provider_informed_at = utcnow()
        session.commit()
    with _as(factory, Scope(provider_id=world.provider_b)) as session:
        assert set(session.scalars(select(Case.id))) == {world.case_b}
        assert list(session.scalars(select(Resident.id))) == []
    with _as(factory, Scope(tenant_id=world.host_b)) as session:
        session.get(Case, world.case_b).provider_kept_out = True  # police or coroner advice
        session.commit()
    with _as(factory, Scope(provider_id=world.provider_b)) as session:
        assert list(session.scalars(select(Case.id))) == []


def test_an_empty_scope_sees_nothing(scoped_session):
    factory, world = scoped_session
    with _as(factory, Scope()) as session:
        for model in (Case, Resident, Membership, CaseShare):
            assert list(session.scalars(select(model))) == []


def test_a_session_without_scope_refuses_to_query(scoped_session):
    factory, _world = scoped_session
    with factory() as session, pytest.raises(TenantContextMissing):
        session.scalars(select(Case)).all()


def test_writing_another_tenants_row_is_refused_before_the_database(scoped_session):
    factory, world = scoped_session
    with _as(factory, Scope(tenant_id=world.host_a)) as session:
        session.add(Membership(tenant_id=world.host_b, user_id=1, roles_text=" viewer "))
        with pytest.raises(CrossTenantWrite):
            session.flush()


def test_new_rows_are_stamped_with_the_current_tenant(scoped_session):
    factory, world = scoped_session
    with _as(factory, Scope(tenant_id=world.host_a)) as session:
        newcomer = User(email="newcomer@example.org", name="Newcomer")
        session.add(newcomer)
        session.flush()
        membership = Membership(user_id=newcomer.id, roles_text=" viewer ")
        session.add(membership)
        session.flush()
        assert membership.tenant_id == world.host_a
        session.rollback()
