"""The migrations and the models agree, on PostgreSQL and on the embedded SQLite default."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect

from app import create_app
from app.extensions import db
from tests.conftest import create_test_database, pg_config, scratch_database_name
from tests.support.services import OWNER_ROLE, url


def _differences(engine) -> list:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_autogenerate_finds_no_difference_on_postgresql(pg_database):
    engine = create_engine(url(OWNER_ROLE, pg_database))
    try:
        assert _differences(engine) == []
    finally:
        engine.dispose()


def test_autogenerate_finds_no_difference_on_sqlite(sqlite_app):
    with sqlite_app.app_context():
        assert _differences(db.engine) == []


def test_downgrade_to_base_and_upgrade_again_on_postgresql():
    name = scratch_database_name("migrations")
    create_test_database(name)
    app = create_app(pg_config(name))
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        engine = create_engine(url(OWNER_ROLE, name))
        assert inspect(engine).get_table_names() == ["alembic_version"]
        upgrade()
        assert "cases" in inspect(engine).get_table_names()
        engine.dispose()
        db.engine.dispose()


def test_0008_turns_sqlite_london_clock_times_into_utc_and_times_each_part(tmp_path):
    """Before 0008 SQLite kept a meeting typed for 14:00 in June as '14:00' (London, offset
    dropped); afterwards it holds 13:00 UTC, reads back as 14:00 London, and each part has
    its own times."""
    from datetime import UTC, datetime

    from sqlalchemy import text

    from app.meetings.models import Meeting
    from app.tenants.scoping import Scope, scoped_as

    app = create_app({"TESTING": True, "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.sqlite3'}"})
    with app.app_context():
        upgrade(revision="0004")
        db.session.execute(text(
            "INSERT INTO meeting (id, case_id, kind, scheduled_for, held_at, venue, agenda_part_one, "
            "agenda_part_two, minutes_part_one, minutes_part_two, part_one_shared_with_placing, "
            "part_two_shared_with_placing, part_two_shared_with_provider, decisions, "
            "sustainability_rationale, tenant_id, created_at) VALUES (1, 1, 'initial', "
            "'2026-06-15 14:00:00.000000', '2026-06-15 14:05:00.000000', '', '', '', '', '', 0, 0, 0, "
            "'', '', 1, '2026-06-01 09:00:00.000000'), (2, 1, 'initial', '2026-12-01 14:00:00.000000', "
            "NULL, '', '', '', '', '', 0, 0, 0, '', '', 1, '2026-06-01 09:00:00.000000')"))
        db.session.commit()
        upgrade()
        with scoped_as(db.session, Scope(tenant_id=1)):
            rows = {row.id: row for row in db.session.scalars(db.select(Meeting))}
        summer, winter = rows[1], rows[2]
        assert summer.scheduled_for == datetime(2026, 6, 15, 13, tzinfo=UTC)
        assert summer.held_at == datetime(2026, 6, 15, 13, 5, tzinfo=UTC)
        assert summer.created_at == datetime(2026, 6, 1, 9, tzinfo=UTC)  # already UTC: kept
        assert summer.part_one_ends_at == datetime(2026, 6, 15, 14, tzinfo=UTC)
        assert summer.part_two_ends_at == datetime(2026, 6, 15, 15, tzinfo=UTC)
        assert winter.scheduled_for == datetime(2026, 12, 1, 14, tzinfo=UTC)
        db.session.rollback()
        downgrade(revision="0004")
        assert db.session.execute(text("SELECT scheduled_for FROM meeting WHERE id = 1")).scalar() \
            == "2026-06-15 14:00:00.000000"
        db.engine.dispose()


def _old_chain(engine, tenant_id, count, forge_at=None):
    """Write a chain of ``count`` events the way revisions before 0006 did (unkeyed SHA-256)."""
    import hashlib
    from datetime import UTC, datetime

    from app.audit.models import AuditEvent
    from app.audit.services import GENESIS, canonical_content

    previous = GENESIS
    with engine.begin() as conn:
        for n in range(count):
            event = AuditEvent(tenant_id=tenant_id, action=f"old.{n}", object_type="Case", object_id=n,
                               new_values={"n": n}, created_at=datetime(2026, 11, 1, 9, n, tzinfo=UTC),
                               prev_hash=previous)
            event.hash = hashlib.sha256(canonical_content(event)).hexdigest()
            stored = {"forged": n} if n == forge_at else {"n": n}
            conn.execute(
                AuditEvent.__table__.insert().values(
                    tenant_id=tenant_id, action=event.action, object_type="Case", object_id=n,
                    new_values=stored, created_at=event.created_at, prev_hash=previous,
                    hash=event.hash))
            previous = event.hash


def test_0006_keys_an_intact_old_chain_and_refuses_a_broken_one(tmp_path):
    import pytest
    from sqlalchemy import text

    from app.audit.services import verify_chain
    from app.tenants.scoping import Scope, scoped_as
    from tests.conftest import BASE_CONFIG

    for broken in (False, True):
        app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / f'{broken}.db'}",
                          "FILE_STORAGE_DIR": str(tmp_path / "files"), "MAIL_FOLDER": str(tmp_path / "mail")})
        with app.app_context():
            upgrade(revision="0004")
            db.session.execute(text("insert into authority (id, name, code, kind, active, created_at) "
                                    "values (1, 'Old', 'E1', 'local_authority', 1, '2026-01-01')"))
            db.session.commit()
            _old_chain(db.engine, 1, 3, forge_at=1 if broken else None)
            _old_chain(db.engine, None, 2)
            if broken:
                with pytest.raises(SystemExit):  # Flask-Migrate reports the RuntimeError and exits
                    upgrade()
                # Stopped at 0006: the revisions before it stand, 0006 itself did not run.
                assert db.session.scalar(text("select version_num from alembic_version")) == "0005"
                db.engine.dispose()
                continue
            upgrade()
            for tenant_id in (1, None):
                with scoped_as(db.session, Scope(tenant_id=tenant_id, platform_admin=tenant_id is None)):
                    assert verify_chain(db.session, tenant_id) == []
            db.engine.dispose()
