"""The provider's right of reply: factual-accuracy points it raises on the findings shared with
it (part two minutes of a held meeting), each with the host's response. Both stay on the case.

Owned by the host (tenant_id); the told provider reads them and adds points as itself while
the window is open (a procedure setting, in working days after the meeting); only the host
writes a response.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Text, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.cases.visibility import told_provider, told_provider_rls
from app.db import utcnow
from app.extensions import db
from app.tenants.scoping import Scope, TenantScoped, equals


class ReplyPoint(TenantScoped, db.Model):
    __tablename__ = "reply_point"
    RLS_READ = ("tenant_id = app_tenant() OR (provider_id = app_provider() "
                f"AND {told_provider_rls('reply_point')})")
    # The provider adds a point as itself, on a meeting it may read (the meeting's own policy,
    # inside the subquery, shows it only those whose part two is shared with it).
    RLS_WRITE = (
        "tenant_id = app_tenant() OR (provider_id = app_provider() "
        f"AND {told_provider_rls('reply_point')} AND raised_by_id = app_user() "
        "AND responded_at IS NULL AND EXISTS (SELECT 1 FROM meeting m "
        "WHERE m.id = reply_point.meeting_id AND m.case_id = reply_point.case_id))"
    )
    STAMP_TENANT = False

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("provider.id"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), index=True)
    point: Mapped[str] = mapped_column(Text)
    raised_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    response: Mapped[str] = mapped_column(Text, default="")
    responded_at: Mapped[datetime | None]
    responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    raised_by: Mapped[User] = relationship(foreign_keys=[raised_by_id])

    @classmethod
    def visible_to(cls, scope: Scope):
        return equals(cls.tenant_id, scope.tenant_id) | (
            equals(cls.provider_id, scope.provider_id) & told_provider(cls.case_id, scope))

    @classmethod
    def writable_by(cls, row, scope: Scope) -> bool:
        if scope.tenant_id is not None:
            return row.tenant_id == scope.tenant_id
        return (not inspect(row).persistent and scope.provider_id is not None
                and row.provider_id == scope.provider_id and row.raised_by_id == scope.user_id)
