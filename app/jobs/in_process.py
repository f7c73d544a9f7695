"""The embedded default: with no Redis, deliver the outbox in the web process.

A request that wrote messages delivers them after its commit, waiting on the mail server at
most ``OUTBOX_INLINE_TIMEOUT_SECONDS`` per message; a view that tells the person what happened
calls ``deliver_now()`` first, so that its page says "emailed" only when it was. A message that
could not be delivered is retried by a later request of any kind (at most every
``OUTBOX_INLINE_RETRY_SECONDS``), so it does not wait for the next message to be written.
"""

from __future__ import annotations

import time
from enum import StrEnum

from flask import Flask, Response, current_app
from sqlalchemy import inspect, select

from app.extensions import db
from app.jobs.models import NEEDS_A_PERSON, MessageState, OutboxMessage
from app.jobs.outbox import WRITTEN_KEY, relay_once

LAST_RETRY_KEY = "pcp_outbox_last_inline_retry"


class Delivery(StrEnum):
    SENT = "sent"  # every message this request wrote has left
    QUEUED = "queued"  # handed to the workers (Redis): on its way
    RETRYING = "retrying"  # at least one could not be sent yet: it will be tried again
    NEEDS_A_PERSON = "needs_a_person"  # at least one failed for good, or may not have arrived


def deliver_now() -> Delivery:
    """Deliver what this request wrote (after its commit) and say how that went."""
    session = db.session()
    identities = (inspect(row).identity for row in session.info.pop(WRITTEN_KEY, []))
    written = [identity[0] for identity in identities if identity is not None]
    if current_app.config["REDIS_URL"]:
        return Delivery.QUEUED
    db.session.rollback()
    _relay()
    states = set(db.session.scalars(select(OutboxMessage.state).where(OutboxMessage.id.in_(written))))
    if states & set(NEEDS_A_PERSON):
        return Delivery.NEEDS_A_PERSON
    return Delivery.SENT if states <= {MessageState.SENT} else Delivery.RETRYING


def _relay() -> int:
    config = current_app.config
    current_app.extensions[LAST_RETRY_KEY] = time.monotonic()
    return relay_once(timeout=config["OUTBOX_INLINE_TIMEOUT_SECONDS"],
                      until=time.monotonic() + 2 * config["OUTBOX_INLINE_TIMEOUT_SECONDS"])


def _retry_due() -> bool:
    last = current_app.extensions.get(LAST_RETRY_KEY)
    return last is None or time.monotonic() - last >= current_app.config["OUTBOX_INLINE_RETRY_SECONDS"]


def deliver_after_request(response: Response) -> Response:
    if current_app.config["REDIS_URL"]:
        return response
    session = db.session()
    if session.info.pop(WRITTEN_KEY, None) is None and not _retry_due():
        return response
    # The view has committed by now; a rolled-back change left no rows to deliver.
    db.session.rollback()
    _relay()
    return response


def init_app(app: Flask) -> None:
    app.after_request(deliver_after_request)
