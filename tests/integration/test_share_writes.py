"""Only the host writes a share; the placing authority records its acknowledgement in a row it
owns. Checked as the app role on PostgreSQL with the ORM filter off (the database alone), and
through the ORM and the operation."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from app.auth.models import User
from app.extensions import db
from app.placing.models import CaseShare, ShareAcknowledgement
from app.placing.operations import ShareNotLive, acknowledge_share
from app.tenants.models import Role
from app.tenants.scoping import CrossTenantWrite, Scope, scoped_as
from tests.integration.test_row_level_security import app_engine, session_as  # noqa: F401


def _share_id(session, world) -> int:
    return session.scalar(select(CaseShare.id).where(CaseShare.case_id == world.case_a))


def test_a_placing_authority_cannot_insert_a_share(app_engine, world):  # noqa: F811
    with session_as(app_engine, Scope(tenant_id=world.placing_shared)) as session:
        for host in (world.host_a, world.host_b, world.placing_shared):
            with pytest.raises(DBAPIError, match="row-level security"):
                with session.begin_nested():
                    session.execute(text(
                        "insert into case_share (tenant_id, case_id, placing_authority_id, alerted_at, "
                        "created_at) values (:host, :case, :placing, now(), now())"),
                        {"host": host, "case": world.case_b, "placing": world.placing_shared})


@pytest.mark.parametrize("change", [
    "update case_share set case_id = :other",
    "update case_share set ended_at = null",
    "update case_share set ended_at = now()",
    "update case_share set placing_authority_id = placing_authority_id",
    "delete from case_share",
])
def test_a_placing_authority_cannot_change_or_end_a_share(app_engine, world, change):  # noqa: F811
    with session_as(app_engine, Scope(tenant_id=world.host_a)) as session:
        # An ended share first, so that clearing ended_at would revive it.
        if "ended_at = null" in change:
            session.execute(text("update case_share set ended_at = now()"))
            session.commit()
    with session_as(app_engine, Scope(tenant_id=world.placing_shared)) as session:
        assert _share_id(session, world) is not None  # it reads the share...
        result = session.execute(text(change), {"other": world.case_b})
        assert result.rowcount == 0  # ...and changes nothing
    with session_as(app_engine, Scope(tenant_id=world.host_a)) as session:
        rows = session.execute(text("select case_id, ended_at is null from case_share")).all()
    live = "ended_at = null" not in change
    assert rows == [(world.case_a, live)]


def test_a_host_cannot_share_another_hosts_case(app_engine, world):  # noqa: F811
    with session_as(app_engine, Scope(tenant_id=world.host_a)) as session:
        with pytest.raises(DBAPIError, match="row-level security"):
            session.execute(text(
                "insert into case_share (tenant_id, case_id, placing_authority_id, alerted_at, "
                "created_at) values (:host, :case, :placing, now(), now())"),
                {"host": world.host_a, "case": world.case_b, "placing": world.placing_shared})


def test_the_host_creates_changes_and_ends_its_shares(app_engine, world):  # noqa: F811
    with session_as(app_engine, Scope(tenant_id=world.host_a)) as session:
        session.execute(text(
            "insert into case_share (tenant_id, case_id, placing_authority_id, alerted_at, created_at) "
            "values (:host, :case, :placing, now(), now())"),
            {"host": world.host_a, "case": world.case_a, "placing": world.placing_unshared})
        assert session.execute(text("update case_share set ended_at = now()")).rowcount == 2
        assert session.execute(text("delete from case_share where placing_authority_id = :p"),
                               {"p": world.placing_unshared}).rowcount == 1
        session.commit()


def _acknowledge_sql(session, world, share_id, host=None, tenant=None):
    session.execute(text(
        "insert into share_acknowledgement (tenant_id, share_id, host_authority_id, acknowledged_at, "
        "link_person_name, link_person_email, created_at) "
        "values (:tenant, :share, :host, now(), 'Lee Link', 'lee@placing.example', now())"),
        {"tenant": tenant or world.placing_shared, "share": share_id, "host": host or world.host_a})


def test_the_placing_authority_records_its_acknowledgement_and_the_host_reads_it(app_engine, world):  # noqa: F811
    with session_as(app_engine, Scope(tenant_id=world.placing_shared)) as session:
        share_id = _share_id(session, world)
        _acknowledge_sql(session, world, share_id)
        assert session.execute(text(
            "update share_acknowledgement set link_person_name = 'Kim Link'")).rowcount == 1
        session.commit()
    with session_as(app_engine, Scope(tenant_id=world.host_a)) as session:
        assert session.execute(text("select link_person_name from share_acknowledgement")).all() == [("Kim Link",)]
        # The host reads it but cannot write it.
        assert session.execute(text("update share_acknowledgement set link_person_name = 'x'")).rowcount == 0
        assert session.execute(text("delete from share_acknowledgement")).rowcount == 0
    for outsider in (world.host_b, world.placing_unshared):
        with session_as(app_engine, Scope(tenant_id=outsider)) as session:
            assert session.execute(text("select count(*) from share_acknowledgement")).scalar() == 0


def test_an_acknowledgement_needs_a_live_share_addressed_to_the_acknowledger(app_engine, world):  # noqa: F811
    with session_as(app_engine, Scope(tenant_id=world.host_a)) as session:
        share_id = _share_id(session, world)
    attempts = [
        (world.placing_unshared, world.placing_unshared, world.host_a),  # not its share
        (world.placing_shared, world.placing_shared, world.host_b),      # the wrong host
        (world.host_a, world.host_a, world.host_a),                      # the host itself
    ]
    for scope_tenant, tenant, host in attempts:
        with session_as(app_engine, Scope(tenant_id=scope_tenant)) as session:
            with pytest.raises(DBAPIError, match="row-level security"):
                _acknowledge_sql(session, world, share_id, host=host, tenant=tenant)
    with session_as(app_engine, Scope(tenant_id=world.host_a)) as session:
        session.execute(text("update case_share set ended_at = now()"))
        session.commit()
    with session_as(app_engine, Scope(tenant_id=world.placing_shared)) as session:
        with pytest.raises(DBAPIError, match="row-level security"):
            _acknowledge_sql(session, world, share_id)


def _actor(world, authority_id, email):
    from app.cases.operations import Actor

    user = db.session.scalar(select(User).where(User.email == email))
    return Actor(user=user, authority_id=authority_id, roles=frozenset({Role.LEAD_OFFICER}))


def test_the_orm_refuses_a_placing_authoritys_change_to_a_share(app, world):
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.placing_shared)):
        share = db.session.scalar(select(CaseShare))
        share.ended_at = None
        share.case_id = world.case_b
        with pytest.raises(CrossTenantWrite):
            db.session.flush()


def test_the_acknowledgement_operation_writes_the_placing_authoritys_own_row(app, world):
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.placing_shared)):
        share = db.session.scalar(select(CaseShare))
        actor = _actor(world, world.placing_shared, world.users["placing_shared_lead"])
        row = acknowledge_share(actor, share, link_person_name="Lee Link",
                                link_person_email="lee@placing.example")
        db.session.commit()
        assert (row.tenant_id, row.host_authority_id) == (world.placing_shared, world.host_a)
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.host_a)):
        acknowledgement = db.session.scalar(select(ShareAcknowledgement))
        assert acknowledgement.link_person_name == "Lee Link"
        share = db.session.scalar(select(CaseShare))
        share.ended_at = share.alerted_at
        db.session.commit()
    with app.app_context(), scoped_as(db.session, Scope(tenant_id=world.placing_shared)):
        share = db.session.scalar(select(CaseShare))
        with pytest.raises(ShareNotLive):
            acknowledge_share(_actor(world, world.placing_shared, world.users["placing_shared_lead"]),
                              share)
