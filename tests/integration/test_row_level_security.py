"""PostgreSQL row-level security on its own, with the ORM filter switched off.

These tests connect as the app role (which does not own the tables) and remove the ORM's
scoping listener, so that any row they cannot see is hidden by the database alone.
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent
from app.cases.models import Case
from app.placing.models import CaseShare
from app.residents.models import Resident
from app.tenants import scoping
from app.tenants.models import Membership
from app.tenants.scoping import Scope
from tests.support.services import APP_ROLE, url


@pytest.fixture
def app_engine(pg_database, world):
    engine = create_engine(url(APP_ROLE, pg_database))
    yield engine
    engine.dispose()


@contextmanager
def orm_filter_off():
    event.remove(Session, "do_orm_execute", scoping._add_visibility_criteria)
    event.remove(Session, "before_flush", scoping._check_writes)
    try:
        yield
    finally:
        event.listen(Session, "do_orm_execute", scoping._add_visibility_criteria)
        event.listen(Session, "before_flush", scoping._check_writes)


@contextmanager
def session_as(engine, scope: Scope):
    with orm_filter_off(), Session(engine) as session:
        scoping.set_scope(session, scope)
        yield session
        session.rollback()


def test_the_app_role_is_subject_to_row_level_security(app_engine):
    with app_engine.connect() as conn:
        owner = conn.execute(text("select tableowner from pg_tables where tablename = 'cases'")).scalar()
        bypass = conn.execute(text("select rolbypassrls from pg_roles where rolname = current_user")).scalar()
    assert owner != APP_ROLE and bypass is False


def test_host_a_sees_none_of_host_bs_rows(app_engine, world):
    with session_as(app_engine, Scope(tenant_id=world.host_a, reads_residents=True)) as session:
        case_ids = set(session.scalars(select(Case.id)))
        resident_ids = set(session.scalars(select(Resident.id)))
        assert session.get(Case, world.case_b) is None
        assert session.get(Resident, world.resident_b) is None
    assert case_ids == {world.case_a}
    assert resident_ids == {
        world.resident_a_self_funder,
        world.resident_a_placed,
        world.resident_a_other_placer,
    }


def test_a_plain_sql_query_is_filtered_too(app_engine, world):
    with session_as(app_engine, Scope(tenant_id=world.host_a)) as session:
        rows = session.execute(text("select reference from cases")).scalars().all()
        members = session.execute(text("select tenant_id from membership")).scalars().all()
    assert rows == [world.case_a_reference]
    assert set(members) == {world.host_a}


def test_placing_authority_sees_only_shared_case_and_its_own_residents(app_engine, world):
    with session_as(app_engine, Scope(tenant_id=world.placing_shared, reads_residents=True)) as session:
        assert set(session.scalars(select(Case.id))) == {world.case_a}
        assert set(session.scalars(select(Resident.id))) == {world.resident_a_placed, world.resident_b}


def test_placing_authority_without_a_share_sees_no_case(app_engine, world):
    with session_as(app_engine, Scope(tenant_id=world.placing_unshared, reads_residents=True)) as session:
        assert list(session.scalars(select(Case.id))) == []
        assert set(session.scalars(select(Resident.id))) == {world.resident_a_other_placer}


def test_an_ended_share_stops_reads_at_once(app_engine, world):
    with session_as(app_engine, Scope(tenant_id=world.host_a)) as session:
        session.execute(text("update case_share set ended_at = now()"))
        session.commit()
    with session_as(app_engine, Scope(tenant_id=world.placing_shared)) as session:
        assert list(session.scalars(select(Case.id))) == []


def _tell_provider(app_engine, case_id: int, tenant_id: int, kept_out: bool = False) -> None:
    with session_as(app_engine, Scope(tenant_id=tenant_id)) as session:
        session.execute(text("update cases set provider_informed_at = now(), provider_kept_out = :out "
                             "where id = :id"), {"id": case_id, "out": kept_out})
        session.commit()


def test_provider_sees_only_its_own_cases_once_told_and_no_residents(app_engine, world):
    with session_as(app_engine, Scope(provider_id=world.provider_a)) as session:
        assert list(session.scalars(select(Case.id))) == []  # not told yet
    _tell_provider(app_engine, world.case_a, world.host_a)
    _tell_provider(app_engine, world.case_b, world.host_b)
    with session_as(app_engine, Scope(provider_id=world.provider_a)) as session:
        assert set(session.scalars(select(Case.id))) == {world.case_a}
        assert list(session.scalars(select(Resident.id))) == []
        assert list(session.scalars(select(CaseShare.id))) == []


def test_no_tenant_setting_means_no_rows_not_an_error(app_engine, world):
    with app_engine.connect() as conn:
        # A pooled connection after a transaction reads the setting as '' rather than NULL.
        conn.execute(text("select set_config('app.tenant_id', '', false)"))
        assert conn.execute(text("select count(*) from cases")).scalar() == 0
        assert conn.execute(text("select count(*) from resident")).scalar() == 0
        assert conn.execute(text("select count(*) from membership")).scalar() == 0


def test_writing_a_row_for_another_tenant_is_refused(app_engine, world):
    with session_as(app_engine, Scope(tenant_id=world.host_a)) as session:
        with pytest.raises(DBAPIError, match="row-level security"):
            session.add(
                Membership(tenant_id=world.host_b, user_id=1, roles_text=" viewer ")
            )
            session.flush()


def test_updating_another_tenants_case_changes_nothing(app_engine, world):
    with session_as(app_engine, Scope(tenant_id=world.host_a)) as session:
        result = session.execute(text("update cases set title = 'hijacked' where id = :id"), {"id": world.case_b})
        assert result.rowcount == 0


def test_placing_authority_cannot_change_the_hosts_case(app_engine, world):
    with session_as(app_engine, Scope(tenant_id=world.placing_shared)) as session:
        result = session.execute(text("update cases set title = 'x' where id = :id"), {"id": world.case_a})
        assert result.rowcount == 0


def test_the_audit_trail_cannot_be_changed_or_deleted_by_the_app(app, app_engine, world):
    from app.audit.services import record

    with app.app_context(), session_as(app_engine, Scope(tenant_id=world.host_a)) as session:
        record(session, action="test", object_type="Case", object_id=world.case_a,
               tenant_id=world.host_a, actor_user_id=None)
        session.commit()
    for statement in ("update audit_event set action = 'forged'", "delete from audit_event"):
        with session_as(app_engine, Scope(tenant_id=world.host_a)) as session:
            with pytest.raises(DBAPIError, match="permission denied"):
                session.execute(text(statement))
    with session_as(app_engine, Scope(tenant_id=world.host_b)) as session:
        assert list(session.scalars(select(AuditEvent.id))) == []


def test_police_advice_keeps_a_told_provider_out_at_the_database(app_engine, world):
    _tell_provider(app_engine, world.case_a, world.host_a, kept_out=True)
    with session_as(app_engine, Scope(provider_id=world.provider_a)) as session:
        assert list(session.scalars(select(Case.id))) == []
        assert session.execute(text("select count(*) from provider_exclusion")).scalar() == 0


def test_the_app_connects_with_jit_compilation_off(app):
    """Small indexed queries must not pay for JIT compilation when the planner's estimates
    grow with the platform's data (issue 16)."""
    from app.extensions import db

    with app.app_context():
        assert db.session.execute(text("show jit")).scalar() == "off"
