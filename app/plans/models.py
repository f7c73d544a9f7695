"""The provider's Improvement Plan of a case: its items, and every submitted version.

Owned by the host (tenant_id), written by the provider while the plan is a draft or returned,
reviewed by the host, read by placing authorities with a live share (DESIGN.md's visibility
table). The first submitted version sets the case's plan milestone through a database
trigger (migration 0015), since the provider may not change the case row itself.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.cases.visibility import share_rls, shared_with, told_provider, told_provider_rls
from app.db import CreatedAtMixin, str_enum, utcnow
from app.extensions import db
from app.tenants.scoping import Scope, TenantScoped, equals


class PlanStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    ACCEPTED = "accepted"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def editable(self) -> bool:
        return self in (PlanStatus.DRAFT, PlanStatus.RETURNED)


class PlanArea(StrEnum):
    SAFE = "safe"
    EFFECTIVE = "effective"
    CARING = "caring"
    RESPONSIVE = "responsive"
    WELL_LED = "well_led"

    @property
    def label(self) -> str:
        return {"well_led": "Well-led"}.get(self.value, self.value.capitalize())


class Rag(StrEnum):
    RED = "red"
    AMBER = "amber"
    GREEN = "green"

    @property
    def label(self) -> str:
        return self.value.capitalize()


def _reader_rls(table: str) -> str:
    return (f"tenant_id = app_tenant() OR {share_rls(table)} "
            f"OR (provider_id = app_provider() AND {told_provider_rls(table)})")


def _provider_rls(table: str) -> str:
    return f"provider_id = app_provider() AND {told_provider_rls(table)}"


class _PlanRecord(TenantScoped):
    """A plan record: the host, a placing authority with a share and the told provider read it."""

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("provider.id"), index=True)
    STAMP_TENANT = False

    @classmethod
    def visible_to(cls, scope: Scope):
        return (equals(cls.tenant_id, scope.tenant_id) | shared_with(cls.case_id, scope)
                | (equals(cls.provider_id, scope.provider_id) & told_provider(cls.case_id, scope)))

    @classmethod
    def writable_by(cls, row, scope: Scope) -> bool:
        if scope.tenant_id is not None:
            return row.tenant_id == scope.tenant_id
        return (scope.provider_id is not None and row.provider_id == scope.provider_id
                and cls.provider_may_write(row))

    @staticmethod
    def provider_may_write(row) -> bool:
        return True


class ImprovementPlan(_PlanRecord, CreatedAtMixin, db.Model):
    __tablename__ = "improvement_plan"
    __table_args__ = (UniqueConstraint("case_id"),)
    RLS_READ = _reader_rls("improvement_plan")
    # The provider never accepts its own plan: only the host writes that status.
    RLS_WRITE = (f"tenant_id = app_tenant() OR ({_provider_rls('improvement_plan')} "
                 "AND status <> 'accepted')")

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[PlanStatus] = mapped_column(str_enum(PlanStatus, 20), default=PlanStatus.DRAFT)
    # How many versions were submitted; the newest is the one under review or accepted.
    versions_submitted: Mapped[int] = mapped_column(default=0)

    items: Mapped[list[PlanItem]] = relationship(
        back_populates="plan", order_by="PlanItem.id", cascade="all, delete-orphan")
    versions: Mapped[list[PlanVersion]] = relationship(order_by="PlanVersion.number")

    @staticmethod
    def provider_may_write(row) -> bool:
        return row.status is not PlanStatus.ACCEPTED


class PlanItem(_PlanRecord, db.Model):
    __tablename__ = "plan_item"
    RLS_READ = _reader_rls("plan_item")
    # Items change only while their plan is a draft or returned, and only by the provider.
    RLS_WRITE = (
        f"{_provider_rls('plan_item')} AND EXISTS (SELECT 1 FROM improvement_plan p "
        "WHERE p.id = plan_item.plan_id AND p.status IN ('draft', 'returned'))"
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("improvement_plan.id"), index=True)
    area: Mapped[PlanArea] = mapped_column(str_enum(PlanArea, 20))
    action: Mapped[str] = mapped_column(Text)
    lead: Mapped[str] = mapped_column(String(200))
    target_on: Mapped[date]
    evidence_required: Mapped[str] = mapped_column(Text)
    rag: Mapped[Rag] = mapped_column(str_enum(Rag, 10), default=Rag.RED)

    plan: Mapped[ImprovementPlan] = relationship(back_populates="items")

    @classmethod
    def writable_by(cls, row, scope: Scope) -> bool:
        return (scope.provider_id is not None and row.provider_id == scope.provider_id
                and row.plan.status.editable)

    def snapshot(self) -> dict[str, Any]:
        return {"id": self.id, "area": self.area.value, "action": self.action, "lead": self.lead,
                "target_on": self.target_on.isoformat(),
                "evidence_required": self.evidence_required, "rag": self.rag.value}


class PlanVersion(_PlanRecord, db.Model):
    """One submission, its items as they were, and the host's outcome."""

    __tablename__ = "plan_version"
    __table_args__ = (UniqueConstraint("plan_id", "number"),)
    RLS_READ = _reader_rls("plan_version")
    # The provider writes a version as submitted; the outcome is the host's.
    RLS_WRITE = (f"tenant_id = app_tenant() OR ({_provider_rls('plan_version')} "
                 "AND outcome = 'submitted' AND reviewed_at IS NULL)")

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("improvement_plan.id"), index=True)
    number: Mapped[int]
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    outcome: Mapped[PlanStatus] = mapped_column(str_enum(PlanStatus, 20),
                                                default=PlanStatus.SUBMITTED)
    review_comment: Mapped[str] = mapped_column(Text, default="")
    # The host's comment on each item it wants changed, by item id (as text: JSON keys).
    item_comments: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    reviewed_at: Mapped[datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    @staticmethod
    def provider_may_write(row) -> bool:
        return row.outcome is PlanStatus.SUBMITTED and row.reviewed_at is None
