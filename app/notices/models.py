"""Notices a provider gives the host (West Sussex 8.4, 12.1): it cannot make the improvements,
it faces service failure, or it will leave the market. Owned by the host (tenant_id), written
once by the told provider as itself, read by both; the host alone records that it acted."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Text, inspect
from sqlalchemy.orm import Mapped, mapped_column

from app.cases.visibility import told_provider, told_provider_rls
from app.db import str_enum, utcnow
from app.extensions import db
from app.tenants.scoping import Scope, TenantScoped, equals


class NoticeKind(StrEnum):
    CANNOT_IMPROVE = "cannot_improve"
    SERVICE_FAILURE = "service_failure"
    LEAVING_MARKET = "leaving_market"

    @property
    def label(self) -> str:
        return {
            "cannot_improve": "We cannot make the improvements",
            "service_failure": "We face service failure",
            "leaving_market": "We give notice that we will leave the market",
        }[self.value]


class ProviderNotice(TenantScoped, db.Model):
    __tablename__ = "provider_notice"
    RLS_READ = ("tenant_id = app_tenant() OR (provider_id = app_provider() "
                f"AND {told_provider_rls('provider_notice')})")
    RLS_WRITE = ("tenant_id = app_tenant() OR (provider_id = app_provider() "
                 f"AND {told_provider_rls('provider_notice')} AND given_by_id = app_user() "
                 "AND seen_at IS NULL)")
    STAMP_TENANT = False

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("provider.id"), index=True)
    kind: Mapped[NoticeKind] = mapped_column(str_enum(NoticeKind, 20))
    details: Mapped[str] = mapped_column(Text)
    given_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    given_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the host recorded that it read the notice and chose what to do.
    seen_at: Mapped[datetime | None]
    seen_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    @classmethod
    def visible_to(cls, scope: Scope):
        return equals(cls.tenant_id, scope.tenant_id) | (
            equals(cls.provider_id, scope.provider_id) & told_provider(cls.case_id, scope))

    @classmethod
    def writable_by(cls, row, scope: Scope) -> bool:
        if scope.tenant_id is not None:
            return row.tenant_id == scope.tenant_id
        return (not inspect(row).persistent and scope.provider_id is not None
                and row.provider_id == scope.provider_id and row.given_by_id == scope.user_id)
