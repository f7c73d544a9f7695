"""Shares: the only way a placing authority sees a host authority's case."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import CreatedAtMixin, utcnow
from app.extensions import db
from app.tenants.scoping import Scope, TenantScoped, equals


class CaseShare(TenantScoped, CreatedAtMixin, db.Model):
    """The host's alert to a placing authority about a case; tenant_id is the host.

    The host's id is kept on the row so that its RLS policy reads only its own columns (a
    policy reading ``cases`` would recurse into the case policy, which reads this table).
    """

    __tablename__ = "case_share"
    __table_args__ = (UniqueConstraint("case_id", "placing_authority_id"),)
    RLS_READ = "tenant_id = app_tenant() OR placing_authority_id = app_tenant()"
    RLS_WRITE = RLS_READ

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    placing_authority_id: Mapped[int] = mapped_column(ForeignKey("authority.id"), index=True)
    alerted_at: Mapped[datetime] = mapped_column(default=utcnow)
    alerted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    ended_at: Mapped[datetime | None]
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    @classmethod
    def visible_to(cls, scope: Scope):
        return equals(cls.tenant_id, scope.tenant_id) | equals(
            cls.placing_authority_id, scope.tenant_id
        )

    @classmethod
    def writable_by(cls, row, scope: Scope) -> bool:
        return scope.tenant_id is not None and scope.tenant_id in (
            row.tenant_id,
            row.placing_authority_id,
        )
