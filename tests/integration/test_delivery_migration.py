"""Revision 0009 on PostgreSQL: invitations already sent or failed lose their raw token; the
ones still waiting keep it; the skipped state is allowed."""

from __future__ import annotations

from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from app import create_app
from app.extensions import db
from tests.conftest import create_test_database, pg_config, scratch_database_name
from tests.support.services import OWNER_ROLE, url

INSERT = text(
    "INSERT INTO outbox_message (kind, template, recipient, payload, idempotency_key, state, attempts,"
    " available_at, created_at) VALUES ('email', :template, 'a@example.org', CAST(:payload AS json),"
    " :key, :state, 1, now(), now())"
)


def test_upgrading_scrubs_the_links_of_messages_already_done():
    name = scratch_database_name("scrub")
    create_test_database(name)
    app = create_app(pg_config(name))
    engine = create_engine(url(OWNER_ROLE, name))
    try:
        with app.app_context():
            upgrade(revision="0004")
            with engine.begin() as conn:
                for key, state, template in [("sent", "sent", "invitation"), ("failed", "failed", "provider_password"),
                                             ("waiting", "pending", "invitation"), ("other", "sent", "deadline_overdue")]:
                    conn.execute(INSERT, {"template": template, "key": key, "state": state,
                                          "payload": '{"context": {"link": "http://x/raw-token", "name": "N"}}'})
            upgrade()
            with engine.begin() as conn:
                rows = dict(conn.execute(text("SELECT idempotency_key, payload FROM outbox_message")).all())
                conn.execute(INSERT, {"template": "deadline_overdue", "key": "skip", "state": "skipped",
                                      "payload": "{}"})
    finally:
        engine.dispose()
        with app.app_context():
            db.engine.dispose()
    assert "raw-token" not in str(rows["sent"]) and "raw-token" not in str(rows["failed"])
    assert rows["sent"]["secrets_removed"] is True and rows["sent"]["context"]["name"] == "N"
    assert rows["waiting"]["context"]["link"] == "http://x/raw-token"
    assert rows["other"]["context"]["link"] == "http://x/raw-token"  # no one-time link there
