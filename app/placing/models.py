"""Shares: the only way a placing authority sees a host authority's case; and what the placing
authority records about a share, in a row of its own."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import CreatedAtMixin, utcnow
from app.extensions import db
from app.tenants.models import Authority
from app.tenants.scoping import Scope, TenantScoped, equals


class CaseShare(TenantScoped, CreatedAtMixin, db.Model):
    """The host's alert to a placing authority about a case; tenant_id is the host.

    Only the host creates, changes and ends a share (the default write rule: the owner); the
    placing authority reads it, and records its acknowledgement in ``ShareAcknowledgement``.
    The host's id is kept on the row so that its RLS policy reads only its own columns (a
    policy reading ``cases`` would recurse into the case policy, which reads this table).
    """

    __tablename__ = "case_share"
    __table_args__ = (UniqueConstraint("case_id", "placing_authority_id"),)
    RLS_READ = "tenant_id = app_tenant() OR placing_authority_id = app_tenant()"
    # The host, and only for a case it hosts (app_hosts_case reads the case as the owner).
    RLS_WRITE = "tenant_id = app_tenant() AND app_hosts_case(case_id)"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    placing_authority_id: Mapped[int] = mapped_column(ForeignKey("authority.id"), index=True)
    alerted_at: Mapped[datetime] = mapped_column(default=utcnow)
    alerted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    ended_at: Mapped[datetime | None]
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # The sweep's chase of an unacknowledged alert, then its escalation to the lead officer.
    chased_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]

    placing_authority: Mapped[Authority] = relationship(foreign_keys=[placing_authority_id])

    @classmethod
    def visible_to(cls, scope: Scope):
        return equals(cls.tenant_id, scope.tenant_id) | equals(
            cls.placing_authority_id, scope.tenant_id
        )


class ShareAcknowledgement(TenantScoped, CreatedAtMixin, db.Model):
    """A placing authority's acknowledgement of the host's alert, with its link person;
    tenant_id is the placing authority, which alone writes it. The host reads it.

    The database lets the placing authority write it only for a live share addressed to it
    (the share's host copied here so that the read rule needs no other table).
    """

    __tablename__ = "share_acknowledgement"
    RLS_READ = "tenant_id = app_tenant() OR host_authority_id = app_tenant()"
    RLS_WRITE = (
        "tenant_id = app_tenant() AND EXISTS (SELECT 1 FROM case_share s "
        "WHERE s.id = share_acknowledgement.share_id AND s.placing_authority_id = app_tenant() "
        "AND s.tenant_id = share_acknowledgement.host_authority_id AND s.ended_at IS NULL)"
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    share_id: Mapped[int] = mapped_column(ForeignKey("case_share.id"), unique=True)
    host_authority_id: Mapped[int] = mapped_column(ForeignKey("authority.id"), index=True)
    acknowledged_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    link_person_name: Mapped[str] = mapped_column(String(200), default="")
    link_person_email: Mapped[str] = mapped_column(String(254), default="")

    @classmethod
    def visible_to(cls, scope: Scope):
        return equals(cls.tenant_id, scope.tenant_id) | equals(
            cls.host_authority_id, scope.tenant_id
        )
