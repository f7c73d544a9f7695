"""Security headers, the Content Security Policy, and the health endpoint."""

from __future__ import annotations

import re

import pytest
from cryptography.fernet import Fernet

from app import create_app
from app.config import ConfigError, load_config
from app.secret_box import DEV_SECRETS_ENCRYPTION_KEY


def test_pages_carry_a_csp_without_inline_script(app, world):
    response = app.test_client().get("/sign-in")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_data(as_text=True)
    inline = [s for s in re.findall(r"<script([^>]*)>", body) if "src=" not in s]
    assert inline == []


def test_assets_are_served_by_the_app(app):
    client = app.test_client()
    for path in ("/static/vendor/govuk-frontend-6.3.0/govuk-frontend.min.css",
                 "/static/vendor/htmx-2.0.11/htmx.min.js",
                 "/assets/fonts/bold-b542beb274-v2.woff2",
                 "/static/js/app.js"):
        response = client.get(path)
        assert response.status_code == 200, path
        response.close()


def test_healthz_answers_without_a_session(app):
    response = app.test_client().get("/healthz")
    body = response.json
    assert response.status_code == 200
    assert body["status"] == "ok" and body["database"] == "ok"


def test_production_refuses_to_start_without_a_secret_or_a_real_database(monkeypatch):
    monkeypatch.setenv("PCP_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://pcp_app@db/pcp")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config()
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.delenv("DATABASE_URL")
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        load_config()
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://pcp_app@db/pcp")
    with pytest.raises(ConfigError, match="MAIL_CHANNEL"):
        load_config()
    monkeypatch.setenv("MAIL_CHANNEL", "smtp")
    with pytest.raises(ConfigError, match="PUBLIC_URL"):
        load_config()
    monkeypatch.setenv("PUBLIC_URL", "https://concerns.council.example")
    monkeypatch.delenv("SECRETS_ENCRYPTION_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRETS_ENCRYPTION_KEY"):
        load_config()
    monkeypatch.setenv("SECRETS_ENCRYPTION_KEY", "not-a-fernet-key")
    with pytest.raises(ConfigError, match="SECRETS_ENCRYPTION_KEY.*key 1 is not a Fernet key"):
        load_config()
    monkeypatch.setenv("SECRETS_ENCRYPTION_KEY", DEV_SECRETS_ENCRYPTION_KEY)
    with pytest.raises(ConfigError, match="development SECRETS_ENCRYPTION_KEY"):
        load_config()
    monkeypatch.setenv("SECRETS_ENCRYPTION_KEY", f"{Fernet.generate_key().decode()},{DEV_SECRETS_ENCRYPTION_KEY}")
    with pytest.raises(ConfigError, match="development SECRETS_ENCRYPTION_KEY"):
        load_config()
    monkeypatch.setenv("SECRETS_ENCRYPTION_KEY", Fernet.generate_key().decode())
    monkeypatch.delenv("AUDIT_HMAC_KEY", raising=False)
    with pytest.raises(ConfigError, match="AUDIT_HMAC_KEY"):
        load_config()
    monkeypatch.setenv("AUDIT_HMAC_KEY", "development-only-audit-key-not-for-production")
    with pytest.raises(ConfigError, match="AUDIT_HMAC_KEY"):
        load_config()
    monkeypatch.setenv("AUDIT_HMAC_KEY", "k" * 40)
    assert load_config()["SESSION_COOKIE_SECURE"] is True


def test_absolute_links_come_from_the_public_address_not_the_host_header(pg_database):
    from app.links import absolute_url
    from tests.conftest import pg_config

    app = create_app({**pg_config(pg_database), "SERVER_NAME": None,
                      "PUBLIC_URL": "https://concerns.council.example/portal/"})
    app.add_url_rule("/_absolute", "absolute", lambda: absolute_url("auth.sign_in", next="/x"))
    answer = app.test_client().get("/_absolute", headers={"Host": "attacker.example"}).text
    assert answer == "https://concerns.council.example/portal/sign-in?next=/x"
    with app.app_context():  # outside any request too, as a background job builds them
        assert absolute_url("auth.sign_in") == "https://concerns.council.example/portal/sign-in"


def test_an_unexpected_error_gets_the_service_error_page(pg_database):
    from app import create_app
    from app.auth.access import public
    from tests.conftest import pg_config

    app = create_app({**pg_config(pg_database), "TESTING": False})

    @public
    def boom():
        raise RuntimeError("unexpected")

    app.add_url_rule("/boom", "boom", boom)
    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.get_data(as_text=True)


def test_production_never_uses_the_cheap_password_parameters(monkeypatch):
    import importlib

    import app.auth.passwords as passwords

    monkeypatch.setenv("PCP_ENV", "production")
    monkeypatch.setenv("PCP_FAST_PASSWORD_HASHING", "1")
    try:
        assert importlib.reload(passwords)._hasher.memory_cost == 65536
    finally:
        monkeypatch.delenv("PCP_ENV")
        importlib.reload(passwords)


def test_behind_a_trusted_proxy_links_use_the_forwarded_scheme_and_host(pg_database):
    from flask import url_for

    from tests.conftest import pg_config

    app = create_app({**pg_config(pg_database), "SERVER_NAME": None, "TRUSTED_PROXIES": 1})
    app.add_url_rule("/_external", "external", lambda: url_for("auth.sign_in", _external=True))
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "concerns.council.example"}
    assert app.test_client().get("/_external", headers=headers).text == (
        "https://concerns.council.example/sign-in")
    untrusting = create_app({**pg_config(pg_database), "SERVER_NAME": None})
    untrusting.add_url_rule("/_external", "external", lambda: url_for("auth.sign_in", _external=True))
    assert untrusting.test_client().get("/_external", headers=headers).text == "http://localhost/sign-in"
