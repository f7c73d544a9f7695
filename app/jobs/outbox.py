"""Write outbox messages in the caller's transaction; relay and deliver them afterwards.

Life of a message: PENDING (committed) -> QUEUED (on an RQ queue) -> WORKING (claimed by one
worker) -> SENDING (handed to the mail server) -> SENT. A failure before the hand-over sends it
back to PENDING with an exponential back-off, until FAILED after the last attempt. The relay
also recovers from dead workers: a lost QUEUED or WORKING message goes back to PENDING (nothing
left the building), a SENDING one whose worker died becomes UNKNOWN for a person to decide.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from app.db import utcnow
from app.extensions import db
from app.jobs.channels import PermanentFailure, Refused, channel_from_config
from app.jobs.models import MessageState, OutboxMessage
from app.jobs.rendering import calendar_attachment, render_email
from app.tenants.models import Authority
from app.tenants.scoping import Scope, scoped_as

log = logging.getLogger(__name__)
WRITTEN_KEY = "outbox_written"
QUEUED_LEASE = timedelta(minutes=15)


def enqueue_email(
    session,
    *,
    tenant_id: int | None,
    template: str,
    recipient: str,
    context: dict,
    key: str,
    case_id: int | None = None,
    created_by_id: int | None = None,
    calendar: dict | None = None,
    documents: list[dict] | None = None,
) -> OutboxMessage:
    """Add an email to the outbox in the caller's transaction (once per idempotency key)."""
    existing = session.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == key))
    if existing is not None:
        return existing
    message = OutboxMessage(
        tenant_id=tenant_id,
        template=template,
        recipient=recipient,
        payload={"context": context, "calendar": calendar, "documents": documents or []},
        idempotency_key=key,
        case_id=case_id,
        created_by_id=created_by_id,
    )
    session.add(message)
    note_written(session)
    return message


def note_written(session) -> None:
    """Tell the embedded default that this transaction leaves work for after its commit."""
    session.info[WRITTEN_KEY] = True


def _scope_for(tenant_id: int | None) -> Scope:
    return Scope(tenant_id=tenant_id) if tenant_id is not None else Scope(platform_admin=True)


def _claim(message_id: int) -> bool:
    """Atomically take a due message for this worker; False if another has it or it is done."""
    now = utcnow()
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.state.in_([MessageState.PENDING, MessageState.QUEUED]),
        )
        .values(
            state=MessageState.WORKING,
            attempts=OutboxMessage.attempts + 1,
            lease_until=now + timedelta(seconds=current_app.config["OUTBOX_LEASE_SECONDS"]),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return claimed == 1


def _render(message: OutboxMessage):
    from app.jobs.documents import build_attachment

    email = render_email(message.template, message.payload.get("context") or {})
    # Documents are named by ids and built at send time, in the message's tenant scope.
    email.attachments.extend(build_attachment(**spec) for spec in message.payload.get("documents") or [])
    calendar = message.payload.get("calendar")
    if calendar:
        email.attachments.append(calendar_attachment(calendar, message.recipient))
    return email


def _set_state(message: OutboxMessage, state: MessageState, **values) -> None:
    message.state = state
    for name, value in values.items():
        setattr(message, name, value)
    db.session.commit()


def _after_failure(message: OutboxMessage, error: Exception, handed_over: bool) -> None:
    text = f"{type(error).__name__}: {error}"[:2000]
    if handed_over and not isinstance(error, Refused):
        # The connection broke after the message left: it may or may not have arrived.
        _set_state(message, MessageState.UNKNOWN, last_error=text, lease_until=None)
    elif isinstance(error, PermanentFailure) or message.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
        _set_state(message, MessageState.FAILED, last_error=text, lease_until=None)
    else:
        delay = current_app.config["OUTBOX_RETRY_BASE_SECONDS"] * 2 ** (message.attempts - 1)
        _set_state(message, MessageState.PENDING, last_error=text, lease_until=None,
                   available_at=utcnow() + timedelta(seconds=delay))


def deliver(message_id: int, tenant_id: int | None) -> str:
    """Deliver one message if it is still due; return the state it ended in."""
    with scoped_as(db.session, _scope_for(tenant_id)):
        if not _claim(message_id):
            return "skipped"
        message = db.session.get(OutboxMessage, message_id)
        handed_over = False

        def on_handover():
            nonlocal handed_over
            _set_state(message, MessageState.SENDING)
            handed_over = True

        try:
            email = _render(message)
            reference = channel_from_config(current_app.config).send(
                email, message.recipient, message.idempotency_key, on_handover
            )
        except Exception as error:  # any failure is recorded on the message, then retried or not
            log.warning("outbox message %s failed: %s", message_id, error)
            db.session.rollback()
            _after_failure(db.session.get(OutboxMessage, message_id), error, handed_over)
            return message.state.value
        _set_state(message, MessageState.SENT, provider_reference=reference, sent_at=utcnow(),
                   lease_until=None, last_error=None)
        return "sent"


def _tenants() -> list[int | None]:
    return [None, *db.session.scalars(select(Authority.id).order_by(Authority.id))]


def _recover(now) -> None:
    """Return lost work to PENDING, and flag messages whose worker died mid-send."""
    stale = OutboxMessage.lease_until < now
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.state.in_([MessageState.QUEUED, MessageState.WORKING]), stale)
        .values(state=MessageState.PENDING, lease_until=None)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.state == MessageState.SENDING, stale)
        .values(state=MessageState.UNKNOWN, lease_until=None,
                last_error="The worker stopped while handing the message over; it may or may not have been sent.")
        .execution_options(synchronize_session=False)
    )


def _due(now) -> list[tuple[int, int | None]]:
    return list(
        db.session.execute(
            select(OutboxMessage.id, OutboxMessage.tenant_id)
            .where(OutboxMessage.state == MessageState.PENDING, OutboxMessage.available_at <= now)
            .order_by(OutboxMessage.id)
        )
    )


def relay_once(enqueue=None) -> int:
    """Recover lost work and hand every due message on; return how many were handed on.

    ``enqueue(message_id, tenant_id)`` puts one on a queue; without it (no Redis: the embedded
    default) each message is delivered here, in this process, by the same ``deliver``."""
    handed = 0
    for tenant_id in _tenants():
        with scoped_as(db.session, _scope_for(tenant_id)):
            now = utcnow()
            _recover(now)
            db.session.commit()
            for message_id, owner in _due(now):
                if enqueue is None:
                    deliver(message_id, owner)
                else:
                    try:
                        _hand_to_queue(message_id, owner, enqueue)
                    except QueueUnavailable as error:
                        log.warning("queue unavailable, %s stays pending: %s", message_id, error)
                        db.session.rollback()
                        return handed
                handed += 1
    return handed


class QueueUnavailable(Exception):
    """The queue could not take a message (Redis down): it stays pending."""


def _hand_to_queue(message_id: int, tenant_id: int | None, enqueue) -> None:
    # Enqueue first: if Redis is down the row stays PENDING and the next relay tries again.
    try:
        enqueue(message_id, tenant_id)
    except Exception as error:  # redis-py raises several kinds; all mean "not queued"
        raise QueueUnavailable(str(error)) from error
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.state == MessageState.PENDING)
        .values(state=MessageState.QUEUED, lease_until=utcnow() + QUEUED_LEASE)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
