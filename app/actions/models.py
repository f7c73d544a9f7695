"""Actions of a case: who owns each (a user, an authority, the provider or an agency), when due.

A placing authority with a share reads the actions its own authority owns; the provider reads
the actions the provider owns, on a case it was told of.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.cases.visibility import share_rls, shared_with, told_provider, told_provider_rls
from app.db import CreatedAtMixin, str_enum
from app.extensions import db
from app.tenants.models import Authority
from app.tenants.scoping import Scope, TenantScoped, equals


class OwnerKind(StrEnum):
    USER = "user"
    AUTHORITY = "authority"
    PROVIDER = "provider"
    AGENCY = "agency"


class ActionStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Action(TenantScoped, CreatedAtMixin, db.Model):
    __tablename__ = "case_action"
    RLS_READ = (
        f"tenant_id = app_tenant() OR (owner_authority_id = app_tenant() AND {share_rls('case_action')}) "
        f"OR (owner_kind = 'provider' AND {told_provider_rls('case_action')})"
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    owner_kind: Mapped[OwnerKind] = mapped_column(str_enum(OwnerKind, 20))
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    owner_authority_id: Mapped[int | None] = mapped_column(ForeignKey("authority.id"))
    owner_agency: Mapped[str] = mapped_column(String(200), default="")
    due_on: Mapped[date]
    status: Mapped[ActionStatus] = mapped_column(
        str_enum(ActionStatus, 20), default=ActionStatus.OPEN
    )
    completion_note: Mapped[str] = mapped_column(Text, default="")
    completed_at: Mapped[datetime | None]

    owner_user: Mapped[User | None] = relationship(foreign_keys=[owner_user_id])
    owner_authority: Mapped[Authority | None] = relationship(foreign_keys=[owner_authority_id])

    @classmethod
    def visible_to(cls, scope: Scope):
        return (
            equals(cls.tenant_id, scope.tenant_id)
            | (equals(cls.owner_authority_id, scope.tenant_id) & shared_with(cls.case_id, scope))
            | ((cls.owner_kind == OwnerKind.PROVIDER) & told_provider(cls.case_id, scope))
        )

    def is_overdue(self, today: date) -> bool:
        return self.status in (ActionStatus.OPEN, ActionStatus.IN_PROGRESS) and self.due_on < today
