"""Write outbox messages in the caller's transaction; relay and deliver them afterwards.

Life of a message: PENDING (committed) -> QUEUED (on an RQ queue) -> WORKING (claimed by one
worker) -> SENDING (handed to the mail server) -> SENT. A refusal (before or after the hand-over)
sends it back to PENDING with an exponential back-off, until FAILED after the last attempt or on
a permanent refusal. The relay also recovers from dead workers and a Redis that lost its jobs: a
lost QUEUED or WORKING message goes back to PENDING (nothing left the building), a SENDING one
whose worker died becomes UNKNOWN for a person to decide.

Each claim writes a fresh lease token; every later write compares it (fencing), so a worker that
lost its lease (slow, paused, or its message reclaimed) stops before the hand-over and records
nothing. One-time links (invitations, password links) are dropped from the stored payload once
the message is sent or has failed for good.
"""

from __future__ import annotations

import logging
import secrets
import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from app.db import utcnow
from app.extensions import db
from app.jobs.channels import PermanentFailure, Refused, channel_from_config
from app.jobs.models import MessageState, OutboxMessage
from app.jobs.rendering import calendar_attachment, render_email
from app.tenants.models import Authority
from app.tenants.scoping import acting_for_chain
from app.unit_of_work import commit

log = logging.getLogger(__name__)
WRITTEN_KEY = "outbox_written"
# Context values that hold a one-time secret (a raw token in a link), by template. They are
# needed until the message has left, and must not outlive it in the database.
ONE_TIME_SECRETS: dict[str, tuple[str, ...]] = {
    "invitation": ("link",),
    "provider_password": ("link",),
}
REMOVED = "(removed once the message was sent or failed)"


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
    secret_context: tuple[str, ...] | None = None,
    key_checked: bool = False,
) -> OutboxMessage:
    """Add an email to the outbox in the caller's transaction (once per idempotency key).

    ``secret_context`` names the context values to drop once the message is done (by default
    those of ``ONE_TIME_SECRETS`` for the template). ``key_checked`` says the caller has
    already found the key absent (``existing_keys``), so it is not looked up again; the
    key's unique index still refuses a duplicate written meanwhile."""
    existing = None if key_checked else _with_key(session, key)
    if existing is not None:
        return existing
    message = OutboxMessage(
        tenant_id=tenant_id,
        template=template,
        recipient=recipient,
        payload={"context": context, "calendar": calendar, "documents": documents or [],
                 "secret_context": list(secret_context or ONE_TIME_SECRETS.get(template, ()))},
        idempotency_key=key,
        case_id=case_id,
        created_by_id=created_by_id,
    )
    session.add(message)
    note_written(session, message)
    return message


def record_skipped(session, *, tenant_id: int | None, template: str, recipient: str, context: dict,
                   key: str, reason: str, case_id: int | None = None,
                   key_checked: bool = False) -> OutboxMessage:
    """Record, once per key, a message that is deliberately not sent, with the reason why
    (``key_checked`` as for ``enqueue_email``)."""
    existing = None if key_checked else _with_key(session, key)
    if existing is not None:
        return existing
    message = OutboxMessage(
        tenant_id=tenant_id, template=template, recipient=recipient, case_id=case_id,
        payload={"context": context, "calendar": None, "documents": []}, idempotency_key=key,
        state=MessageState.SKIPPED, last_error=reason,
    )
    session.add(message)
    return message


def _with_key(session, key: str) -> OutboxMessage | None:
    return session.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == key))


KEYS_PER_LOOKUP = 1000  # well under any driver's parameter limit (SQLite's is 32,766)


def existing_keys(session, keys: list[str]) -> set[str]:
    """Return which of ``keys`` are already in the outbox, in one query per thousand keys."""
    wanted = sorted(set(keys))
    found: set[str] = set()
    for start in range(0, len(wanted), KEYS_PER_LOOKUP):
        chunk = wanted[start:start + KEYS_PER_LOOKUP]
        found.update(session.scalars(
            select(OutboxMessage.idempotency_key).where(OutboxMessage.idempotency_key.in_(chunk))))
    return found


def without_secrets(payload: dict) -> dict:
    """Return the payload with its one-time secrets replaced (nothing to send them with again)."""
    names = payload.get("secret_context") or []
    if not names:
        return payload
    context = {**(payload.get("context") or {})}
    for name in names:
        if name in context:
            context[name] = REMOVED
    return {**payload, "context": context, "secret_context": [], "secrets_removed": True}


def note_written(session, message: OutboxMessage | None = None) -> None:
    """Tell the embedded default that this transaction leaves work for after its commit."""
    written = session.info.setdefault(WRITTEN_KEY, [])
    if message is not None:
        written.append(message)


def _lease() -> timedelta:
    return timedelta(seconds=current_app.config["OUTBOX_LEASE_SECONDS"])


def _claim(message_id: int) -> str | None:
    """Atomically take a due message for this worker; return its lease token, None if taken."""
    token = secrets.token_hex(16)
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.state.in_([MessageState.PENDING, MessageState.QUEUED]),
        )
        .values(
            state=MessageState.WORKING,
            attempts=OutboxMessage.attempts + 1,
            lease_until=utcnow() + _lease(),
            lease_token=token,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    commit("outbox: a worker claims a message")
    return token if claimed == 1 else None


class LeaseLost(Exception):
    """This worker no longer holds the message: another may have it. Touch nothing."""


def _fenced(message_id: int, token: str, states, *conditions, **values) -> bool:
    """Change the message only if this worker's claim still holds it in one of ``states``."""
    changed = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.lease_token == token,
               OutboxMessage.state.in_(states), *conditions)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    commit("outbox: a fenced change of a claimed message")
    return changed == 1


def _render(message: OutboxMessage):
    from app.jobs.documents import build_attachment

    email = render_email(message.template, message.payload.get("context") or {})
    # Documents are named by ids and built at send time, in the message's tenant scope.
    email.attachments.extend(build_attachment(**spec) for spec in message.payload.get("documents") or [])
    calendar = message.payload.get("calendar")
    if calendar:
        email.attachments.append(calendar_attachment(calendar, message.recipient))
    return email


def _after_failure(message: OutboxMessage, token: str, error: Exception, handed_over: bool) -> MessageState:
    text = f"{type(error).__name__}: {error}"[:2000]
    held = (MessageState.WORKING, MessageState.SENDING)
    if handed_over and not isinstance(error, Refused):
        # The connection broke (or timed out) after the message left: it may have arrived.
        state, values = MessageState.UNKNOWN, {}
    elif isinstance(error, PermanentFailure) or message.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
        state, values = MessageState.FAILED, {"payload": without_secrets(message.payload)}
    else:
        delay = current_app.config["OUTBOX_RETRY_BASE_SECONDS"] * 2 ** (message.attempts - 1)
        state, values = MessageState.PENDING, {"available_at": utcnow() + timedelta(seconds=delay)}
    if not _fenced(message.id, token, held, state=state, last_error=text, lease_until=None, **values):
        log.warning("outbox message %s: lease lost before recording %s", message.id, state.value)
    return state


def deliver(message_id: int, tenant_id: int | None, timeout: float | None = None) -> str:
    """Deliver one message if it is still due; return the state it ended in.

    ``timeout`` caps how long the channel may wait on the mail server (the web request of the
    embedded default must not hang on SMTP)."""
    with acting_for_chain(db.session, tenant_id, why=f"delivering message {message_id}"):
        token = _claim(message_id)
        if token is None:
            return "skipped"
        message = db.session.get(OutboxMessage, message_id)
        handed_over = False

        def on_handover():
            nonlocal handed_over
            # Only while this worker's lease holds (and renewing it for the send): a worker
            # that lost it stops here, before anything leaves.
            now = utcnow()
            if not _fenced(message_id, token, [MessageState.WORKING], OutboxMessage.lease_until > now,
                           state=MessageState.SENDING, lease_until=now + _lease()):
                raise LeaseLost(f"outbox message {message_id}: the lease ran out before the hand-over")
            handed_over = True

        try:
            email = _render(message)
            reference = channel_from_config(current_app.config, timeout=timeout).send(
                email, message.recipient, message.idempotency_key, on_handover
            )
        except LeaseLost as error:
            log.warning("%s", error)
            db.session.rollback()
            return "lease lost"
        except Exception as error:  # any failure is recorded on the message, then retried or not
            log.warning("outbox message %s failed: %s", message_id, error)
            db.session.rollback()
            return _after_failure(db.session.get(OutboxMessage, message_id), token, error, handed_over).value
        # UNKNOWN too: the relay may have flagged a send that outlived its lease, and it arrived.
        if not _fenced(message_id, token, [MessageState.SENDING, MessageState.UNKNOWN],
                       state=MessageState.SENT, provider_reference=reference, sent_at=utcnow(),
                       lease_until=None, last_error=None, payload=without_secrets(message.payload)):
            log.warning("outbox message %s was sent, but a person has decided on it since", message_id)
        return "sent"


def _tenants() -> list[int | None]:
    return [None, *db.session.scalars(select(Authority.id).order_by(Authority.id))]


def _recover(now, job_alive=None) -> None:
    """Return lost work to PENDING, and flag messages whose worker died mid-send.

    ``job_alive(message_id)`` says whether the queue still holds a message's job: one that
    Redis lost goes back to PENDING at once instead of waiting out its queued lease."""
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
    if job_alive is not None:
        _requeue_lost_jobs(job_alive)


def _requeue_lost_jobs(job_alive) -> None:
    queued = db.session.scalars(select(OutboxMessage.id).where(OutboxMessage.state == MessageState.QUEUED))
    for message_id in list(queued):
        try:
            alive = job_alive(message_id)
        except Exception as error:  # Redis unreachable: the queued lease is the fallback
            log.warning("cannot ask the queue about message %s: %s", message_id, error)
            return
        if not alive:
            db.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id, OutboxMessage.state == MessageState.QUEUED)
                .values(state=MessageState.PENDING, lease_until=None)
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


def relay_once(enqueue=None, *, timeout: float | None = None, until: float | None = None) -> int:
    """Recover lost work and hand every due message on; return how many were handed on.

    ``enqueue(message_id, tenant_id)`` puts one on a queue (its ``alive(message_id)`` says
    whether the queue still holds it); without it (no Redis: the embedded default) each message
    is delivered here, in this process, by the same ``deliver``, waiting at most ``timeout`` on
    each, and leaving the rest for later once the monotonic clock passes ``until``."""
    handed = 0
    for tenant_id in _tenants():
        with acting_for_chain(db.session, tenant_id, why="relaying the outbox"):
            now = utcnow()
            _recover(now, getattr(enqueue, "alive", None))
            commit("outbox: lost work recovered")
            for message_id, owner in _due(now):
                if until is not None and time.monotonic() > until:
                    return handed
                if enqueue is None:
                    deliver(message_id, owner, timeout=timeout)
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
        .values(state=MessageState.QUEUED,
                lease_until=utcnow() + timedelta(seconds=current_app.config["OUTBOX_QUEUED_LEASE_SECONDS"]))
        .execution_options(synchronize_session=False)
    )
    commit("outbox: a message handed to the queue")
