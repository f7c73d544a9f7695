"""The public feedback form's scope helper: it acts for the authority a link names for the
rest of the request, logs why, and restores the request's own scope afterwards."""

from __future__ import annotations

import logging

from sqlalchemy import select, text

from app.extensions import db
from app.quality.models import FeedbackInvitation
from app.tenants.scoping import NOBODY, Scope, for_feedback_link, get_scope, set_request_scope


def test_a_feedback_link_acts_for_its_authority_then_restores(app, world, caplog):
    caplog.set_level(logging.INFO, logger="app.tenants.scoping")
    with app.test_request_context("/feedback/x"):
        set_request_scope(db.session, NOBODY)
        for_feedback_link(db.session, world.host_a)
        assert get_scope(db.session) == Scope(tenant_id=world.host_a)
        setting = db.session.execute(text("select current_setting('app.tenant_id', true)")).scalar()
        assert setting == str(world.host_a)
        # It is not a resident reader, and reads only its own authority's invitations.
        assert db.session.execute(
            text("select current_setting('app.reads_residents', true)")).scalar() in ("", None)
        assert list(db.session.scalars(select(FeedbackInvitation))) == []
        app.process_response(app.response_class())
        assert get_scope(db.session) == NOBODY
        db.session.rollback()
    assert "for a feedback link" in caplog.text
