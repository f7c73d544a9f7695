"""Fixtures for the browser tests: the app with the demo world on a live server, and Chromium.

The server is werkzeug's, in a background thread on 127.0.0.1 with a free port, on a fresh
migrated SQLite file seeded with ``seed_demo``. The browser is Debian's Chromium driven by
Playwright (never ``playwright install``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from app import create_app
from app.extensions import db
from tests.conftest import BASE_CONFIG, migrate_up

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class QuietRequestHandler(WSGIRequestHandler):
    """Werkzeug's handler without a log line per request (errors still reach the app's log)."""

    def log_request(self, code="-", size="-") -> None:
        pass


@dataclass(frozen=True)
class LiveServer:
    url: str
    app: object
    demo_password: str
    accounts: tuple


# The demo world has no user of several authorities, so the tests add one: a Wexbridge
# practitioner who is also a Northmoor viewer (they land on "choose an authority").
TWO_AUTHORITIES_EMAIL = "two.authorities@e2e.example"


def _add_user_of_two_authorities(password: str) -> None:
    from sqlalchemy import select

    from app.auth.models import Realm, User
    from app.auth.passwords import hash_password
    from app.tenants.models import Authority, Membership, Role
    from app.tenants.scoping import Scope, scoped_as

    user = User(email=TWO_AUTHORITIES_EMAIL, name="Tess Twofold", realm=Realm.STAFF,
                password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    for code, role in (("E10000901", Role.PRACTITIONER), ("E06000901", Role.VIEWER)):
        authority = db.session.scalar(select(Authority).where(Authority.code == code))
        with scoped_as(db.session, Scope(tenant_id=authority.id, user_id=user.id)):
            membership = Membership(tenant_id=authority.id, user_id=user.id)
            membership.roles = [role]
            db.session.add(membership)
            db.session.flush()
    db.session.commit()


LIVE_CONFIG = {
    **BASE_CONFIG,
    "TESTING": False,  # errors render as the users see them, not as tracebacks
    "SERVER_NAME": None,
    "RATELIMIT_ENABLED": False,
    "SESSION_COOKIE_SECURE": False,
    "REMEMBER_COOKIE_SECURE": False,
    # Let Chromium keep the stylesheets, scripts and fonts instead of asking again on
    # every page (pages themselves stay no-store).
    "SEND_FILE_MAX_AGE_DEFAULT": 3600,
}


@contextmanager
def _serve(app) -> Iterator[LiveServer]:
    """Migrate, seed the demo world and serve ``app`` over HTTP until the block ends."""
    from app.demo.seed import seed_demo

    migrate_up(app)
    with app.app_context():
        accounts = seed_demo(app.config["DEMO_PASSWORD"])
        _add_user_of_two_authorities(app.config["DEMO_PASSWORD"])
        db.session.remove()
    assert accounts, "the demo world was not seeded"

    server = make_server(
        "127.0.0.1", 0, app, threaded=True, request_handler=QuietRequestHandler
    )
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(
            url=f"http://127.0.0.1:{server.server_port}",
            app=app,
            demo_password=app.config["DEMO_PASSWORD"],
            accounts=tuple(accounts),
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    """The app with the demo world on the embedded default (SQLite), served over HTTP."""
    folder = tmp_path_factory.mktemp("live")
    app = create_app({
        **LIVE_CONFIG,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'portal.sqlite3'}",
        "FILE_STORAGE_DIR": str(folder / "files"),
        "MAIL_FOLDER": str(folder / "mail"),
    })
    with _serve(app) as server:
        yield server


@pytest.fixture(scope="session")
def live_server_pg(tmp_path_factory) -> Iterator[LiveServer]:
    """The app with the demo world on PostgreSQL, connecting as the app role (row-level
    security on), served over HTTP."""
    from tests.conftest import TEST_DATABASE, create_test_database, pg_config

    name = f"{TEST_DATABASE}_e2e"
    create_test_database(name)
    folder = tmp_path_factory.mktemp("live_pg")
    app = create_app({
        **pg_config(name),
        **LIVE_CONFIG,
        "FILE_STORAGE_DIR": str(folder / "files"),
        "MAIL_FOLDER": str(folder / "mail"),
    })
    with _serve(app) as server:
        yield server


def launch_chromium(playwright):
    """Debian's headless Chromium, through a (sync) Playwright instance."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium for the whole session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def browser_context(browser, live_server):
    """One browser context for the session, so that its cache keeps the static files."""
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def page(browser_context):
    """A new tab with no cookies, so no session: each test signs in (or not) afresh."""
    browser_context.clear_cookies()
    tab = browser_context.new_page()
    try:
        yield tab
    finally:
        tab.close()
