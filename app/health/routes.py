"""Liveness for load balancers and monitoring: answers anonymously, shows no tenant data.

Besides the database it reports the RQ queue depth and how long the oldest undelivered outbox
message has waited: only numbers, never a row. The outbox is under row-level security with no
platform-wide read, so the age is the minimum over each authority's own reading (and the
platform's), taken as that authority in turn and cached briefly so that frequent probes stay
cheap.
"""

from __future__ import annotations

import time
from datetime import datetime

from flask import Blueprint, current_app, jsonify
from sqlalchemy import func, select, text

from app.auth.access import public
from app.db import utcnow
from app.extensions import db
from app.jobs.models import OPEN_STATES, OutboxMessage
from app.jobs.queue import queue_depth
from app.tenants.models import Authority
from app.tenants.scoping import Scope, scoped_as

bp = Blueprint("health", __name__)
OLDEST_CACHE_SECONDS = 15
CACHE_KEY = "pcp_health_oldest"


@bp.route("/healthz")
@public
def healthz():
    database = _database()
    body = {
        "status": "ok" if database == "ok" else "degraded",
        "database": database,
        "queue_depth": _queue_depth(),
        "oldest_undelivered_seconds": _oldest_undelivered_seconds() if database == "ok" else None,
    }
    return jsonify(body), 200 if database == "ok" else 503


def _database() -> str:
    try:
        db.session.execute(text("select 1"))
        return "ok"
    except Exception:  # any failure means "not ready", whatever the driver raised
        db.session.rollback()
        return "unavailable"


def _queue_depth() -> int | None:
    """Return the RQ queue's length; None with no Redis configured or Redis unreachable."""
    try:
        return queue_depth()
    except Exception:  # Redis down: the outbox keeps the work, the probe still answers
        return None


def _oldest_undelivered_seconds() -> int | None:
    cached = current_app.extensions.get(CACHE_KEY)
    if cached is not None and time.monotonic() - cached[0] < OLDEST_CACHE_SECONDS:
        oldest = cached[1]
    else:
        oldest = oldest_undelivered_at()
        current_app.extensions[CACHE_KEY] = (time.monotonic(), oldest)
    if oldest is None:
        return None
    return max(0, int((utcnow() - oldest).total_seconds()))


def oldest_undelivered_at() -> datetime | None:
    """Return when the oldest message not yet delivered was written, across every authority."""
    scopes = [Scope(platform_admin=True)] + [
        Scope(tenant_id=authority_id)
        for authority_id in db.session.scalars(select(Authority.id).order_by(Authority.id))
    ]
    times = [_oldest_in(scope) for scope in scopes]
    db.session.rollback()  # leave no authority's settings on the connection
    found = [moment for moment in times if moment is not None]
    return min(found, default=None)


def _oldest_in(scope: Scope) -> datetime | None:
    with scoped_as(db.session, scope):
        oldest = db.session.scalar(
            select(func.min(OutboxMessage.created_at)).where(OutboxMessage.state.in_(OPEN_STATES))
        )
    return oldest
