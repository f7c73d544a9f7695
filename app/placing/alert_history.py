"""Every alert the host sends its placing authorities about a case (the first, and again on an
embargo or suspension, an emergency plan, the case closing), with the level of information
sharing decided and why (West Sussex 7.3 to 7.4). Read by the host and the sharing authorities.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.cases.visibility import owner_or_share, owner_or_share_rls
from app.db import CreatedAtMixin, str_enum
from app.extensions import db
from app.tenants.scoping import Scope, TenantScoped


class AlertKind(StrEnum):
    ALERTED = "alerted"
    RESTRICTION = "restriction"
    EMERGENCY_PLAN = "emergency_plan"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {AlertKind.ALERTED: "Alert", AlertKind.RESTRICTION: "Embargo or suspension",
                AlertKind.EMERGENCY_PLAN: "Emergency plan invoked",
                AlertKind.CLOSED: "Case closed"}[self]


class SharingLevel(StrEnum):
    SERVICE_WIDE = "service_wide"
    NEED_TO_KNOW = "need_to_know"

    @property
    def label(self) -> str:
        return SHARING_LABELS[self]


SHARING_LABELS = {
    SharingLevel.SERVICE_WIDE: "Service-wide: a concern about the whole service",
    SharingLevel.NEED_TO_KNOW: "Need to know: the concern is about particular people",
}


class PlacingAlert(TenantScoped, CreatedAtMixin, db.Model):
    """One alert of a case's placing authorities; tenant_id is the host."""

    __tablename__ = "placing_alert"
    RLS_READ = owner_or_share_rls("placing_alert")

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[AlertKind] = mapped_column(str_enum(AlertKind, 20))
    sharing_level: Mapped[SharingLevel] = mapped_column(str_enum(SharingLevel, 20))
    sharing_reason: Mapped[str] = mapped_column(Text, default="")
    concern: Mapped[str] = mapped_column(Text, default="")
    planned: Mapped[str] = mapped_column(Text, default="")
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    @classmethod
    def visible_to(cls, scope: Scope):
        return owner_or_share(cls, scope)
