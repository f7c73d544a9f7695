"""Liveness for load balancers and monitoring: answers anonymously, shows no tenant data.

Besides the database it reports Redis (``not_configured``, ``ok`` or ``unreachable``), the RQ
queue depth, how long the oldest undelivered outbox message has waited, and how many messages
wait on a person (failed for good, or of unknown fate): only numbers, never a row. The outbox is
under row-level security with no platform-wide read, so these are gathered from each
authority's own reading (and the platform's), taken as that authority in turn and cached
briefly so that frequent probes stay cheap.

``status`` is ``degraded`` (still 200, so that the load balancer keeps the process) when a due
message has waited past ``HEALTH_STALL_SECONDS`` (the relay or the workers have stalled),
when messages wait on a person, or when Redis is configured and unreachable; 503 only when the
database is down.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, current_app, jsonify
from sqlalchemy import func, select, text

from app.auth.access import public
from app.db import utcnow
from app.extensions import db
from app.jobs.models import OPEN_STATES, MessageState, OutboxMessage
from app.jobs.queue import queue_depth
from app.tenants.models import Authority
from app.tenants.scoping import for_health_check

bp = Blueprint("health", __name__)
OUTBOX_CACHE_SECONDS = 15
CACHE_KEY = "pcp_health_outbox"
WAITING_FOR_A_WORKER = (MessageState.PENDING, MessageState.QUEUED)


@dataclass
class OutboxHealth:
    oldest_undelivered: datetime | None = None  # written longest ago, not yet delivered
    oldest_due: datetime | None = None  # due longest ago, no worker has it yet
    failed: int = 0
    unknown: int = 0


@bp.route("/healthz")
@public
def healthz():
    database = _database()
    redis, depth = _redis()
    body = {"status": "ok", "database": database, "redis": redis, "queue_depth": depth,
            "oldest_undelivered_seconds": None, "failed_messages": None, "unknown_messages": None}
    if database != "ok":
        return jsonify({**body, "status": "unavailable"}), 503
    outbox = _outbox_health()
    stalled = _age(outbox.oldest_due)
    body.update(
        oldest_undelivered_seconds=_age(outbox.oldest_undelivered),
        failed_messages=outbox.failed,
        unknown_messages=outbox.unknown,
    )
    if (outbox.failed or outbox.unknown or redis == "unreachable"
            or (stalled is not None and stalled > current_app.config["HEALTH_STALL_SECONDS"])):
        body["status"] = "degraded"
    return jsonify(body), 200


def _database() -> str:
    try:
        db.session.execute(text("select 1"))
        return "ok"
    except Exception:  # any failure means "not ready", whatever the driver raised
        db.session.rollback()
        return "unavailable"


def _redis() -> tuple[str, int | None]:
    """Return whether Redis is configured and answering, and the RQ queue's length."""
    if not current_app.config["REDIS_URL"]:
        return "not_configured", None
    try:
        return "ok", queue_depth()
    except Exception:  # Redis down: the outbox keeps the work, the probe still answers
        return "unreachable", None


def _age(moment: datetime | None) -> int | None:
    if moment is None:
        return None
    return max(0, int((utcnow() - moment).total_seconds()))


def _outbox_health() -> OutboxHealth:
    cached = current_app.extensions.get(CACHE_KEY)
    if cached is not None and time.monotonic() - cached[0] < OUTBOX_CACHE_SECONDS:
        return cached[1]
    health = outbox_health()
    current_app.extensions[CACHE_KEY] = (time.monotonic(), health)
    return health


def outbox_health() -> OutboxHealth:
    """Gather the outbox's numbers across every authority (and the platform's messages)."""
    chains = [None, *db.session.scalars(select(Authority.id).order_by(Authority.id))]
    readings = [_reading(tenant_id) for tenant_id in chains]
    db.session.rollback()  # leave no authority's settings on the connection
    return OutboxHealth(
        oldest_undelivered=min((r.oldest_undelivered for r in readings if r.oldest_undelivered), default=None),
        oldest_due=min((r.oldest_due for r in readings if r.oldest_due), default=None),
        failed=sum(r.failed for r in readings),
        unknown=sum(r.unknown for r in readings),
    )


def _reading(tenant_id: int | None) -> OutboxHealth:
    state = OutboxMessage.state
    with for_health_check(db.session, tenant_id):
        row = db.session.execute(
            select(
                func.min(OutboxMessage.created_at).filter(state.in_(OPEN_STATES)),
                func.min(OutboxMessage.available_at).filter(state.in_(WAITING_FOR_A_WORKER)),
                func.count().filter(state == MessageState.FAILED),
                func.count().filter(state == MessageState.UNKNOWN),
            )
        ).one()
    return OutboxHealth(row[0], row[1], row[2], row[3])


