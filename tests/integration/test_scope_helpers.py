"""The named scope helpers log what they do and restore everything they changed, the
PostgreSQL settings of the open transaction included."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select, text

from app.extensions import db
from app.tenants.models import Membership
from app.tenants.scoping import (
    Scope,
    TenantContextMissing,
    acting_for_authority,
    acting_for_chain,
    for_health_check,
    get_scope,
    set_request_scope,
)

SETTINGS = "select current_setting('app.tenant_id', true), current_setting('app.platform_admin', true)"


def _settings():
    return tuple(value or "" for value in db.session.execute(text(SETTINGS)).one())


def test_restoring_to_no_scope_clears_the_database_settings(app, world):
    with app.app_context():
        assert get_scope(db.session) is None
        db.session.execute(text("select 1"))  # a transaction is open before the switch
        with acting_for_authority(db.session, world.host_a, why="a test job"):
            assert _settings() == (str(world.host_a), "")
        assert get_scope(db.session) is None
        assert _settings() == ("", "")
        with pytest.raises(TenantContextMissing):
            db.session.scalars(select(Membership)).all()
        with for_health_check(db.session, None):
            assert _settings() == ("", "on")
        assert _settings() == ("", "")


def test_restoring_returns_to_the_previous_scope(app, world):
    with app.app_context():
        outer = Scope(tenant_id=world.host_b, user_id=1)
        set_request_scope(db.session, outer)
        db.session.execute(text("select 1"))
        with acting_for_chain(db.session, world.placing_shared, why="a test job"):
            assert get_scope(db.session).tenant_id == world.placing_shared
        assert get_scope(db.session) == outer
        assert _settings() == (str(world.host_b), "")


def test_a_switch_is_logged_with_its_reason(app, world, caplog):
    with app.app_context(), caplog.at_level(logging.INFO, logger="app.tenants.scoping"):
        with acting_for_authority(db.session, world.host_a, why="the reminder sweep"):
            pass
    assert any("the reminder sweep" in message and f"tenant={world.host_a}" in message
               for message in caplog.messages)
