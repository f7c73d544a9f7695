"""A provider concern ("case"), owned by the host authority where the provider sits."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, and_, exists, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.db import CreatedAtMixin, str_enum, utcnow
from app.extensions import db
from app.placing.models import CaseShare
from app.providers.models import Location, Provider
from app.tenants.models import Authority
from app.tenants.scoping import Scope, TenantScoped, equals


class Stage(StrEnum):
    DECISION = "decision"
    INITIAL_MEETING = "initial_meeting"
    FINDINGS = "findings"
    UPDATE_MEETINGS = "update_meetings"
    QUALITY_ASSURANCE = "quality_assurance"
    CLOSING = "closing"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return STAGE_LABELS[self]


STAGE_LABELS = {
    Stage.DECISION: "1. Decision",
    Stage.INITIAL_MEETING: "2. Initial meeting",
    Stage.FINDINGS: "3. Findings meeting",
    Stage.UPDATE_MEETINGS: "4. Update meetings",
    Stage.QUALITY_ASSURANCE: "5. Quality assurance",
    Stage.CLOSING: "6. Closing",
    Stage.CLOSED: "Closed",
}


class Case(TenantScoped, CreatedAtMixin, db.Model):
    """One provider concern. Placing authorities read it through a share; the provider reads
    its own organisation's cases in the provider portal."""

    __tablename__ = "cases"
    RLS_READ = (
        "tenant_id = app_tenant() OR provider_id = app_provider() OR EXISTS ("
        "SELECT 1 FROM case_share s WHERE s.case_id = cases.id "
        "AND s.placing_authority_id = app_tenant() AND s.ended_at IS NULL)"
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(30), unique=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("provider.id"), index=True)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    stage: Mapped[Stage] = mapped_column(str_enum(Stage), default=Stage.DECISION)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    lead_officer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    chair_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    host_authority: Mapped[Authority] = relationship(foreign_keys="Case.tenant_id")
    provider: Mapped[Provider] = relationship()
    location: Mapped[Location | None] = relationship()
    lead_officer: Mapped[User | None] = relationship(foreign_keys=[lead_officer_id])
    chair: Mapped[User | None] = relationship(foreign_keys=[chair_id])

    @classmethod
    def visible_to(cls, scope: Scope):
        # The share table is read through Core so the share's own criteria are not re-applied
        # inside this one; its condition repeats the share rule for placing authorities.
        shares = CaseShare.__table__
        shared = (
            exists(select(shares.c.id))
            .where(
                and_(
                    shares.c.case_id == cls.id,
                    shares.c.placing_authority_id == scope.tenant_id,
                    shares.c.ended_at.is_(None),
                )
            )
            if scope.tenant_id is not None
            else equals(cls.id, None)
        )
        return (
            equals(cls.tenant_id, scope.tenant_id)
            | equals(cls.provider_id, scope.provider_id)
            | shared
        )
