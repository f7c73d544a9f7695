"""The append-only audit trail: who changed what, when, chained by hashes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, false, inspect
from sqlalchemy.orm import Mapped, mapped_column

from app.db import utcnow
from app.extensions import db
from app.tenants.scoping import Scope, TenantScoped, equals


class AuditEvent(TenantScoped, db.Model):
    """One recorded change. tenant_id is the authority whose trail it belongs to (NULL for
    platform changes such as creating a provider); nothing updates or deletes a row."""

    __tablename__ = "audit_event"
    RLS_READ = (
        "tenant_id = app_tenant() OR actor_authority_id = app_tenant() "
        "OR (tenant_id IS NULL AND app_platform_admin())"
    )
    RLS_WRITE = "tenant_id = app_tenant() OR (tenant_id IS NULL AND app_platform_admin())"
    APPEND_ONLY = True
    STAMP_TENANT = False
    # One chain in order (verify-audit, anchors): migration 0013.
    __table_args__ = (Index("ix_audit_event_tenant_id_id", "tenant_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("authority.id"), index=True)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor_authority_id: Mapped[int | None] = mapped_column(ForeignKey("authority.id"))
    action: Mapped[str] = mapped_column(String(80))
    object_type: Mapped[str] = mapped_column(String(60))
    object_id: Mapped[int | None]
    case_id: Mapped[int | None] = mapped_column(index=True)
    old_values: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    new_values: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    @classmethod
    def visible_to(cls, scope: Scope):
        platform_rows = cls.tenant_id.is_(None) if scope.platform_admin else false()
        return (
            equals(cls.tenant_id, scope.tenant_id)
            | equals(cls.actor_authority_id, scope.tenant_id)
            | platform_rows
        )

    @classmethod
    def writable_by(cls, row, scope: Scope) -> bool:
        if inspect(row).persistent or inspect(row).deleted:
            return False
        if row.tenant_id is None:
            return scope.platform_admin
        return row.tenant_id == scope.tenant_id


class AuditHead(TenantScoped, db.Model):
    """Where one authority's chain ends: how many events it holds and the newest one's hash.

    Kept apart from the events so that deleting the newest events, or a whole chain, leaves
    the head pointing past what remains. On PostgreSQL the app role may only advance a head by
    one event at a time onto the chain's newest hash, and never delete one (a trigger and a
    revoked privilege, installed by migration 0006). ``chain`` is the authority's id, 0 for
    the platform's own chain (whose tenant_id is NULL).
    """

    __tablename__ = "audit_head"
    RLS_READ = "tenant_id = app_tenant() OR (tenant_id IS NULL AND app_platform_admin())"
    RLS_WRITE = RLS_READ
    STAMP_TENANT = False

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("authority.id"), index=True)
    chain: Mapped[int] = mapped_column(unique=True)
    length: Mapped[int]
    head_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    @classmethod
    def visible_to(cls, scope: Scope):
        platform_rows = cls.tenant_id.is_(None) if scope.platform_admin else false()
        return equals(cls.tenant_id, scope.tenant_id) | platform_rows

    @classmethod
    def writable_by(cls, row, scope: Scope) -> bool:
        if inspect(row).deleted:
            return False
        if row.tenant_id is None:
            return scope.platform_admin
        return row.tenant_id == scope.tenant_id
