"""Secrets kept in the database are Fernet-encrypted (app.secret_box), and the migration that
brought encryption in encrypts the clear client secrets already stored, on both backends."""

from __future__ import annotations

import os

import pytest
from cryptography.fernet import Fernet
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, text

from app import create_app, secret_box
from app.extensions import db
from tests.conftest import BASE_CONFIG, create_test_database, pg_config
from tests.support.services import OWNER_ROLE, url


def test_a_secret_round_trips_and_does_not_decrypt_under_another_key(sqlite_app):
    with sqlite_app.app_context():
        token = secret_box.encrypt("client-secret")
        assert "client-secret" not in token
        assert secret_box.decrypt(token) == "client-secret"
        sqlite_app.config["SECRETS_ENCRYPTION_KEY"] = Fernet.generate_key().decode()
        with pytest.raises(secret_box.SecretUnreadable):
            secret_box.decrypt(token)


def test_rotation_reads_under_an_old_key_and_writes_under_the_new(sqlite_app):
    with sqlite_app.app_context():
        old = sqlite_app.config["SECRETS_ENCRYPTION_KEY"]
        token = secret_box.encrypt("client-secret")
        new = Fernet.generate_key().decode()
        sqlite_app.config["SECRETS_ENCRYPTION_KEY"] = f"{new}, {old}"
        assert secret_box.decrypt(token) == "client-secret"
        rotated = secret_box.rotate(token)
        assert Fernet(new).decrypt(rotated.encode()) == b"client-secret"
        sqlite_app.config["SECRETS_ENCRYPTION_KEY"] = new
        assert secret_box.decrypt(rotated) == "client-secret"


def _insert_clear_secret(engine) -> None:
    with engine.begin() as conn:
        conn.execute(text(
            "insert into authority (name, code, kind, active, oidc_issuer, oidc_client_id, "
            "oidc_client_secret, created_at) values ('Old Council', 'E09999999', "
            "'local_authority', true, 'https://idp.example', 'portal', 'clear-secret', "
            "current_timestamp)"
        ))


def _stored(engine) -> tuple:
    with engine.connect() as conn:
        return conn.execute(text(
            "select oidc_client_secret_encrypted, oidc_emails_verified from authority "
            "where code = 'E09999999'"
        )).one()


def _check_migration(app, engine) -> None:
    key = app.config["SECRETS_ENCRYPTION_KEY"]
    with app.app_context():
        upgrade(revision="0004")
        _insert_clear_secret(engine)
        upgrade(revision="0007")
        encrypted, emails_verified = _stored(engine)
        assert "clear-secret" not in encrypted and not emails_verified
        assert Fernet(key).decrypt(encrypted.encode()) == b"clear-secret"
        downgrade(revision="0004")
        with engine.connect() as conn:
            clear = conn.execute(text("select oidc_client_secret from authority")).scalar_one()
        assert clear == "clear-secret"
        db.engine.dispose()


def test_the_migration_encrypts_stored_secrets_on_sqlite(tmp_path):
    uri = f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": uri,
                      "SECRETS_ENCRYPTION_KEY": Fernet.generate_key().decode()})
    engine = create_engine(uri)
    _check_migration(app, engine)
    engine.dispose()


def test_the_migration_encrypts_stored_secrets_on_postgresql():
    name = f"pcp_test_{os.environ.get('PCP_TEST_DB_PREFIX', '')}secret_migration"
    create_test_database(name)
    app = create_app({**pg_config(name), "SECRETS_ENCRYPTION_KEY": Fernet.generate_key().decode()})
    engine = create_engine(url(OWNER_ROLE, name))
    _check_migration(app, engine)
    engine.dispose()
