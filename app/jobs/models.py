"""The transactional outbox: work that a change causes, written in the change's transaction."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from app.db import str_enum, utcnow
from app.extensions import db
from app.tenants.scoping import Scope, TenantScoped, equals


class MessageState(StrEnum):
    PENDING = "pending"  # committed, not yet handed to a queue
    QUEUED = "queued"  # on a queue (or waiting for a retry)
    WORKING = "working"  # a worker claimed it and is preparing; nothing handed over yet
    SENDING = "sending"  # handed to the mail server; its answer not yet recorded
    SENT = "sent"
    FAILED = "failed"  # gave up after every retry
    UNKNOWN = "unknown"  # handed over, then no answer (a crash, a timeout): a person must decide
    SKIPPED = "skipped"  # never sent, on purpose: last_error says why (a deactivated member)

    @property
    def label(self) -> str:
        return self.value.capitalize()


OPEN_STATES = (MessageState.PENDING, MessageState.QUEUED, MessageState.WORKING, MessageState.SENDING)
NEEDS_A_PERSON = (MessageState.FAILED, MessageState.UNKNOWN)


class OutboxMessage(TenantScoped, db.Model):
    """One email to one recipient (or other job), with its delivery state and history.

    tenant_id is the authority on whose behalf it is sent (NULL for platform messages such
    as a provider's first password link)."""

    __tablename__ = "outbox_message"
    RLS_READ = "tenant_id = app_tenant() OR (tenant_id IS NULL AND app_platform_admin())"
    RLS_WRITE = RLS_READ
    STAMP_TENANT = False

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("authority.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40), default="email")
    template: Mapped[str] = mapped_column(String(80))
    recipient: Mapped[str] = mapped_column(String(254))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Unique: writing the same message twice (a retried request, a sweep run twice) is a no-op.
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    case_id: Mapped[int | None] = mapped_column(index=True)
    state: Mapped[MessageState] = mapped_column(
        str_enum(MessageState), default=MessageState.PENDING, index=True
    )
    attempts: Mapped[int] = mapped_column(default=0)
    available_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime | None]
    # Who holds the lease: set by each claim and compared by every later write (fencing), so a
    # worker that lost its lease can neither hand the message over nor record its fate.
    lease_token: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(Text)
    provider_reference: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    @classmethod
    def visible_to(cls, scope: Scope):
        platform_rows = cls.tenant_id.is_(None) if scope.platform_admin else false()
        return equals(cls.tenant_id, scope.tenant_id) | platform_rows

    @classmethod
    def writable_by(cls, row, scope: Scope) -> bool:
        if row.tenant_id is None:
            return scope.platform_admin
        return row.tenant_id == scope.tenant_id
