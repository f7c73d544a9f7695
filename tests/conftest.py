"""Fixtures: a migrated PostgreSQL database (owner and app roles), apps, clients, a world.

Data-layer, tenancy and web tests run on the real PostgreSQL, connecting as the app role so
that row-level security applies; tests that take ``sqlite_app`` run on the embedded default.
Each test starts from empty tables.
"""

from __future__ import annotations

import os

# Before the app is imported: argon2's cheapest parameters for the suite's many sign-ins.
os.environ.setdefault("PCP_FAST_PASSWORD_HASHING", "1")

import psycopg  # noqa: E402
import pytest
from sqlalchemy import create_engine, text

from app import create_app
from app.extensions import db
from tests.support.services import APP_ROLE, OWNER_ROLE, PG_SUPERUSER, require_postgres, url

# One database per xdist worker; PCP_TEST_DB_PREFIX keeps two checkouts' runs apart.
TEST_DATABASE = os.environ.get(
    "PCP_TEST_DATABASE",
    f"pcp_test_{os.environ.get('PCP_TEST_DB_PREFIX', '')}"
    f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}",
)


def scratch_database_name(purpose: str) -> str:
    """A database of a test's own, apart from every other worker's and checkout's."""
    return f"{TEST_DATABASE}_{purpose}"


BASE_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key",
    "SERVER_NAME": "portal.test",
    "PUBLIC_URL": "http://portal.test",
    "RATELIMIT_ENABLED": False,
    "DEMO_PASSWORD": "demo-password-2026",
}


def _superuser_execute(*statements: str, database: str = "postgres") -> None:
    with psycopg.connect(
        url(PG_SUPERUSER, database).replace("+psycopg", ""), autocommit=True
    ) as conn:
        for statement in statements:
            conn.execute(statement)


def create_test_database(name: str) -> None:
    """(Re)create a database owned by the owner role, with the two roles in place."""
    require_postgres()
    with psycopg.connect(url(PG_SUPERUSER, "postgres").replace("+psycopg", ""), autocommit=True) as conn:
        for role in (OWNER_ROLE, APP_ROLE):
            if not conn.execute("select 1 from pg_roles where rolname = %s", (role,)).fetchone():
                conn.execute(f"create role {role} login")
        conn.execute(
            "select pg_terminate_backend(pid) from pg_stat_activity where datname = %s", (name,)
        )
        conn.execute(f"drop database if exists {name}")
        conn.execute(f"create database {name} owner {OWNER_ROLE}")


def pg_config(database: str) -> dict:
    return {
        **BASE_CONFIG,
        "SQLALCHEMY_DATABASE_URI": url(APP_ROLE, database),
        "MIGRATION_DATABASE_URL": url(OWNER_ROLE, database),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    }


def migrate_up(app) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()


@pytest.fixture(scope="session")
def pg_database():
    create_test_database(TEST_DATABASE)
    app = create_app(pg_config(TEST_DATABASE))
    migrate_up(app)
    with app.app_context():
        db.engine.dispose()
    return TEST_DATABASE


@pytest.fixture(scope="session")
def owner_engine(pg_database):
    engine = create_engine(url(OWNER_ROLE, pg_database))
    yield engine
    engine.dispose()


def _truncate_all(owner_engine) -> None:
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    with owner_engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
def app(pg_database, owner_engine, tmp_path):
    """The app on PostgreSQL as the app role (row-level security on), on empty tables."""
    _truncate_all(owner_engine)
    app = create_app(
        {
            **pg_config(pg_database),
            "FILE_STORAGE_DIR": str(tmp_path / "files"),
            "MAIL_FOLDER": str(tmp_path / "mail"),
        }
    )
    # No app context stays pushed: each request (and each ``with app.app_context()`` in a
    # test) gets its own session, as in production.
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def sqlite_app(tmp_path):
    """The app on the embedded default: a fresh migrated SQLite file."""
    app = create_app(
        {
            **BASE_CONFIG,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
            "FILE_STORAGE_DIR": str(tmp_path / "files"),
            "MAIL_FOLDER": str(tmp_path / "mail"),
        }
    )
    migrate_up(app)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(params=["postgresql", "sqlite"])
def any_app(request):
    """The app on each backend in turn."""
    return request.getfixturevalue("app" if request.param == "postgresql" else "sqlite_app")


@pytest.fixture
def world(app):
    """Two hosts, placing authorities with and without a share, providers, users of each kind."""
    from tests.factories import build_world

    with app.app_context():
        return build_world()


@pytest.fixture
def client(app):
    return app.test_client()
