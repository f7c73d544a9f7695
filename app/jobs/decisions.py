"""A person's decision about a message that needs one: send it again, or record that it
arrived. Each is an operation (app/unit_of_work.py) recorded in the audit trail."""

from __future__ import annotations

from app.audit.services import record
from app.auth.models import User
from app.db import utcnow
from app.extensions import db
from app.jobs.models import MessageState, OutboxMessage
from app.jobs.outbox import note_written, without_secrets
from app.jobs.services import can_retry
from app.unit_of_work import operation


def _decide(message: OutboxMessage, state: MessageState, action: str, by: User, authority_id: int | None) -> None:
    old = message.state.value
    message.state = state
    message.lease_token = None  # whichever worker held it, its later writes no longer match
    if state is MessageState.SENT:
        message.payload = without_secrets(message.payload)
    if state is MessageState.PENDING:
        message.attempts = 0
        message.available_at = utcnow()
        note_written(db.session)
    record(
        db.session,
        action=action,
        obj=message,
        tenant_id=message.tenant_id,
        actor_user_id=by.id,
        actor_authority_id=authority_id,
        case_id=message.case_id,
        old={"state": old},
        new={"state": state.value, "recipient": message.recipient},
    )


@operation
def retry(message: OutboxMessage, *, by: User, authority_id: int | None) -> bool:
    if not can_retry(message):
        return False
    _decide(message, MessageState.PENDING, "message.retried", by, authority_id)
    return True


@operation
def confirm_sent(message: OutboxMessage, *, by: User, authority_id: int | None) -> bool:
    """Record that a message of unknown fate did arrive (the recipient confirmed it)."""
    if message.state is not MessageState.UNKNOWN:
        return False
    _decide(message, MessageState.SENT, "message.confirmed_sent", by, authority_id)
    return True
