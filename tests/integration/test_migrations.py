"""The migrations and the models agree, on PostgreSQL and on the embedded SQLite default."""

from __future__ import annotations

import os

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect

from app import create_app
from app.extensions import db
from tests.conftest import create_test_database, pg_config
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
    name = f"pcp_test_migrations_{os.environ.get('PCP_TEST_DB_PREFIX', '')}"
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
