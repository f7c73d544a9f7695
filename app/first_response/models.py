"""The provider's first response to the concern, before the initial meeting: messages with the
information asked of it, each with at most one file (in the storage, like evidence).

Owned by the host (tenant_id); the told provider adds messages as itself and reads them; the
host reads them. Nobody changes a message once sent.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, Text, inspect
from sqlalchemy.orm import Mapped, mapped_column

from app.cases.visibility import told_provider, told_provider_rls
from app.db import utcnow
from app.extensions import db
from app.tenants.scoping import Scope, TenantScoped, equals


class FirstResponse(TenantScoped, db.Model):
    __tablename__ = "first_response"
    RLS_READ = ("tenant_id = app_tenant() OR (provider_id = app_provider() "
                f"AND {told_provider_rls('first_response')})")
    RLS_WRITE = ("provider_id = app_provider() "
                 f"AND {told_provider_rls('first_response')} AND sent_by_id = app_user()")
    APPEND_ONLY = True
    STAMP_TENANT = False

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("provider.id"), index=True)
    message: Mapped[str] = mapped_column(Text)
    sent_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    original_name: Mapped[str | None] = mapped_column(String(255))
    storage_key: Mapped[str | None] = mapped_column(String(60), unique=True)
    kind: Mapped[str | None] = mapped_column(String(10))
    content_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))

    @classmethod
    def visible_to(cls, scope: Scope):
        return equals(cls.tenant_id, scope.tenant_id) | (
            equals(cls.provider_id, scope.provider_id) & told_provider(cls.case_id, scope))

    @classmethod
    def writable_by(cls, row, scope: Scope) -> bool:
        if inspect(row).persistent or inspect(row).deleted:
            return False
        return (scope.provider_id is not None and row.provider_id == scope.provider_id
                and row.sent_by_id == scope.user_id)
