"""Write audit events into a per-authority keyed hash chain, and verify a chain later.

Each event's hash is an HMAC-SHA256 under AUDIT_HMAC_KEY, a setting that is never stored in the
database: someone who can rewrite rows cannot recompute the hashes after a change. Each chain's
length and newest hash are kept in its ``AuditHead`` (which the app role may only advance), and
``flask verify-audit`` prints every head as an anchor line for the application log; given
earlier anchors back, it proves that no chain lost events since.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent, AuditHead
from app.db import utcnow

GENESIS = "0" * 64
_LOCK_NAMESPACE = 7101


def _canonical_time(value: datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(timespec="microseconds")


def audit_key() -> bytes:
    return current_app.config["AUDIT_HMAC_KEY"].encode()


def event_hash(event: AuditEvent, key: bytes | None = None) -> str:
    """Return the HMAC-SHA256 of an event's content and the hash of the event before it."""
    return hmac.new(key if key is not None else audit_key(), canonical_content(event),
                    hashlib.sha256).hexdigest()


def canonical_content(event: AuditEvent) -> bytes:
    """Return what an event's hash covers, the same bytes on every database."""
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
    return json.dumps(content, sort_keys=True, separators=(",", ":"), default=str).encode()


def chain_of(tenant_id: int | None) -> int:
    """Return the chain number of an authority (0: the platform's own chain)."""
    return tenant_id or 0


def _lock_chain(session: Session, tenant_id: int | None) -> None:
    # Serialise writers of one chain so two transactions never take the same previous hash.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("select pg_advisory_xact_lock(:ns, :chain)"),
            {"ns": _LOCK_NAMESPACE, "chain": tenant_id or 0},
        )


def _head(session: Session, tenant_id: int | None) -> AuditHead | None:
    return session.scalar(select(AuditHead).where(AuditHead.chain == chain_of(tenant_id)))


def _advance_head(session: Session, tenant_id: int | None, head: AuditHead | None,
                  event: AuditEvent) -> None:
    if head is None:
        session.add(AuditHead(tenant_id=tenant_id, chain=chain_of(tenant_id), length=1,
                              head_hash=event.hash))
    else:
        head.length += 1
        head.head_hash = event.hash
        head.updated_at = utcnow()
    session.flush()


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
    head = _head(session, tenant_id)
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
        prev_hash=head.head_hash if head is not None else GENESIS,
    )
    event.hash = event_hash(event)
    session.add(event)
    session.flush()
    # After the event is written: the database checks the head moves onto the newest hash.
    _advance_head(session, tenant_id, head, event)
    return event


def _chain_filter(tenant_id: int | None):
    return AuditEvent.tenant_id.is_(None) if tenant_id is None else AuditEvent.tenant_id == tenant_id


# What a chain is checked with: the hashed content, read as plain rows (no ORM objects kept).
_CHECKED_COLUMNS = (
    AuditEvent.id, AuditEvent.tenant_id, AuditEvent.actor_user_id, AuditEvent.actor_authority_id,
    AuditEvent.action, AuditEvent.object_type, AuditEvent.object_id, AuditEvent.case_id,
    AuditEvent.old_values, AuditEvent.new_values, AuditEvent.reason, AuditEvent.created_at,
    AuditEvent.prev_hash, AuditEvent.hash,
)
VERIFY_BATCH = 5000


def _chain_rows(session: Session, tenant_id: int | None, batch: int = VERIFY_BATCH):
    """Yield a chain's events oldest first, a batch at a time from the (tenant_id, id) index,
    so memory stays flat however long the chain."""
    after = 0
    while True:
        rows = session.execute(
            select(*_CHECKED_COLUMNS)
            .where(_chain_filter(tenant_id), AuditEvent.id > after)
            .order_by(AuditEvent.id)
            .limit(batch)
        ).all()
        yield from rows
        if len(rows) < batch:
            return
        after = rows[-1].id


def verify_chain(session: Session, tenant_id: int | None, batch: int = VERIFY_BATCH) -> list[str]:
    """Return the problems found in one authority's chain; an empty list means intact."""
    key = audit_key()
    problems = []
    previous = GENESIS
    count = 0
    for event in _chain_rows(session, tenant_id, batch):
        count += 1
        if event.prev_hash != previous:
            problems.append(f"event {event.id}: previous hash does not match event before it")
        if not hmac.compare_digest(event_hash(event, key), event.hash):
            problems.append(f"event {event.id}: content does not match its hash")
        previous = event.hash
    return problems + _head_problems(_head(session, tenant_id), count, previous)


def _head_problems(head: AuditHead | None, count: int, newest: str) -> list[str]:
    if head is None:
        return [f"the chain holds {count} events but has no head"] if count else []
    problems = []
    if count != head.length:
        problems.append(f"the chain holds {count} events but its head says {head.length}: "
                        "events were deleted or added outside the product")
    if newest != head.head_hash:
        problems.append("the newest event is not the one the head points to")
    return problems


@dataclass(frozen=True)
class Anchor:
    """A chain's head as written to the application log: ``chain`` had ``length`` events,
    the newest with hash ``head_hash``."""

    chain: int
    length: int
    head_hash: str

    PREFIX = "audit-head "

    def line(self) -> str:
        return self.PREFIX + json.dumps(
            {"chain": self.chain, "length": self.length, "hash": self.head_hash}, sort_keys=True
        )

    @classmethod
    def parse(cls, line: str) -> Anchor | None:
        """Read an anchor from a log line (anything before the prefix is ignored)."""
        _, found, rest = line.partition(cls.PREFIX)
        if not found:
            return None
        try:
            data = json.loads(rest)
            return cls(int(data["chain"]), int(data["length"]), str(data["hash"]))
        except (ValueError, KeyError, TypeError):
            return None


def current_anchor(session: Session, tenant_id: int | None) -> Anchor | None:
    head = _head(session, tenant_id)
    return None if head is None else Anchor(head.chain, head.length, head.head_hash)


def check_anchor(session: Session, tenant_id: int | None, anchor: Anchor) -> list[str]:
    """Return the problems if the chain no longer holds what an earlier anchor recorded."""
    count = session.scalar(select(func.count()).select_from(AuditEvent).where(_chain_filter(tenant_id)))
    if count < anchor.length:
        return [f"the chain holds {count} events but held {anchor.length} when it was anchored"]
    at_anchor = session.scalar(
        select(AuditEvent.hash).where(_chain_filter(tenant_id)).order_by(AuditEvent.id)
        .offset(anchor.length - 1).limit(1)
    ) if anchor.length else GENESIS
    if at_anchor != anchor.head_hash:
        return [f"event {anchor.length} is not the one anchored: the chain was rewritten"]
    return []


def events_of_case(case_id: int) -> list[AuditEvent]:
    """Return the trail of one case, oldest first (readers see what the scoping allows)."""
    from app.extensions import db

    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.id)
        )
    )
