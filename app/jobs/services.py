"""Reading the outbox for people: what failed, what is unknown (the decisions are in
app/jobs/decisions.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from app.auth.models import User
from app.db import utcnow
from app.extensions import db
from app.jobs.models import NEEDS_A_PERSON, OPEN_STATES, OutboxMessage
from app.tenants.models import Authority
from app.tenants.scoping import acting_for_chain


def needing_attention_in_view():
    """The statement listing the scope's messages that failed for good or whose fate is
    unknown, newest first."""
    return (
        select(OutboxMessage)
        .where(OutboxMessage.state.in_(NEEDS_A_PERSON))
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    )


def needing_attention(limit: int = 200) -> list[OutboxMessage]:
    """Return the current scope's messages that failed for good or whose fate is unknown."""
    return list(db.session.scalars(needing_attention_in_view().limit(limit)))


def messages_for_case(case_id: int) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.case_id == case_id)
            .order_by(OutboxMessage.created_at)
        )
    )


def get_message(message_id: int) -> OutboxMessage | None:
    return db.session.get(OutboxMessage, message_id)


def can_retry(message: OutboxMessage) -> bool:
    """Say whether sending again still makes sense: not once its one-time link was removed."""
    return message.state in NEEDS_A_PERSON and not message.payload.get("secrets_removed")


@dataclass
class AuthorityQueue:
    authority_id: int | None
    name: str
    attention: list[OutboxMessage]
    open_count: int
    oldest_open_age: timedelta | None


def _queue_of(authority_id: int | None, name: str) -> AuthorityQueue:
    oldest = db.session.scalar(
        select(func.min(OutboxMessage.created_at)).where(OutboxMessage.state.in_(OPEN_STATES))
    )
    return AuthorityQueue(
        authority_id=authority_id,
        name=name,
        attention=needing_attention(),
        open_count=db.session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.state.in_(OPEN_STATES))
        ),
        oldest_open_age=(utcnow() - oldest) if oldest else None,
    )


def across_authorities(admin: User) -> list[AuthorityQueue]:
    """Return every authority's queue, read as each in turn (platform administrators only)."""
    queues = []
    authorities = [(None, "Platform")] + [
        (a.id, a.name) for a in db.session.scalars(select(Authority).order_by(Authority.name))
    ]
    for authority_id, name in authorities:
        with acting_for_chain(db.session, authority_id, user_id=admin.id,
                              why="the queues across authorities"):
            queues.append(_queue_of(authority_id, name))
    return queues
