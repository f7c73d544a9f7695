"""Write audit events into a per-authority hash chain, and verify a chain later."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent
from app.db import utcnow

GENESIS = "0" * 64
_LOCK_NAMESPACE = 7101


def _canonical_time(value: datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(timespec="microseconds")


def event_hash(event: AuditEvent) -> str:
    """Return the SHA-256 of an event's content and the hash of the event before it."""
    content = {
        "tenant_id": event.tenant_id,
        "actor_user_id": event.actor_user_id,
        "actor_authority_id": event.actor_authority_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "case_id": event.case_id,
        "old": event.old_values,
        "new": event.new_values,
        "reason": event.reason,
        "created_at": _canonical_time(event.created_at),
        "prev": event.prev_hash,
    }
    encoded = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()


def _lock_chain(session: Session, tenant_id: int | None) -> None:
    # Serialise writers of one chain so two transactions never take the same previous hash.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("select pg_advisory_xact_lock(:ns, :chain)"),
            {"ns": _LOCK_NAMESPACE, "chain": tenant_id or 0},
        )


def _last_hash(session: Session, tenant_id: int | None) -> str:
    chain = (
        AuditEvent.tenant_id.is_(None) if tenant_id is None else AuditEvent.tenant_id == tenant_id
    )
    last = session.scalar(
        select(AuditEvent.hash).where(chain).order_by(AuditEvent.id.desc()).limit(1)
    )
    return last or GENESIS


def record(
    session: Session,
    *,
    action: str,
    obj: Any = None,
    object_type: str | None = None,
    object_id: int | None = None,
    tenant_id: int | None,
    actor_user_id: int | None,
    actor_authority_id: int | None = None,
    case_id: int | None = None,
    old: dict | None = None,
    new: dict | None = None,
    reason: str | None = None,
) -> AuditEvent:
    """Append an event to the chain of ``tenant_id`` in the caller's transaction."""
    if obj is not None:
        session.flush()
        object_type = object_type or type(obj).__name__
        object_id = object_id or obj.id
    _lock_chain(session, tenant_id)
    event = AuditEvent(
        tenant_id=tenant_id,
        actor_user_id=actor_user_id,
        actor_authority_id=actor_authority_id,
        action=action,
        object_type=object_type or "",
        object_id=object_id,
        case_id=case_id,
        old_values=old,
        new_values=new,
        reason=reason,
        created_at=utcnow(),
        prev_hash=_last_hash(session, tenant_id),
    )
    event.hash = event_hash(event)
    session.add(event)
    session.flush()
    return event


def verify_chain(session: Session, tenant_id: int | None) -> list[str]:
    """Return the problems found in one authority's chain; an empty list means intact."""
    chain = (
        AuditEvent.tenant_id.is_(None) if tenant_id is None else AuditEvent.tenant_id == tenant_id
    )
    problems = []
    previous = GENESIS
    for event in session.scalars(select(AuditEvent).where(chain).order_by(AuditEvent.id)):
        if event.prev_hash != previous:
            problems.append(f"event {event.id}: previous hash does not match event before it")
        if event_hash(event) != event.hash:
            problems.append(f"event {event.id}: content does not match its hash")
        previous = event.hash
    return problems


def events_of_case(case_id: int) -> list[AuditEvent]:
    """Return the trail of one case, oldest first (readers see what the scoping allows)."""
    from app.extensions import db

    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.id)
        )
    )
