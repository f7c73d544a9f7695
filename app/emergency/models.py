"""Stage 4 restrictions on placements and emergency planning: closure plans and residents' moves.

The host records them; placing authorities with a share read the restrictions and plans, and
see the moves of the residents they placed (never another authority's residents).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.cases.visibility import owner_or_share, owner_or_share_rls
from app.db import CreatedAtMixin, str_enum, utcnow
from app.extensions import db
from app.residents.models import PLACED_ROW_READ, RESIDENT_WRITE, Resident, residents_visible_to
from app.tenants.scoping import Scope, TenantScoped


class RestrictionKind(StrEnum):
    EMBARGO = "embargo"
    VOLUNTARY_SUSPENSION = "voluntary_suspension"

    @property
    def label(self) -> str:
        return {
            RestrictionKind.EMBARGO: "Suspension of new placements (embargo)",
            RestrictionKind.VOLUNTARY_SUSPENSION: "Voluntary suspension by the provider",
        }[self]


class PlacementRestriction(TenantScoped, CreatedAtMixin, db.Model):
    __tablename__ = "placement_restriction"
    RLS_READ = owner_or_share_rls("placement_restriction")

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[RestrictionKind] = mapped_column(str_enum(RestrictionKind, 30))
    started_on: Mapped[date]
    ended_on: Mapped[date | None]
    reason: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    @classmethod
    def visible_to(cls, scope: Scope):
        return owner_or_share(cls, scope)


class PlanKind(StrEnum):
    EMERGENCY_CLOSURE = "emergency_closure"
    TEMPORARY_CLOSURE = "temporary_closure"
    PLANNED_CLOSURE = "planned_closure"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class EmergencyPlan(TenantScoped, CreatedAtMixin, db.Model):
    """The closure response plan invoked for a case, with its urgent meeting."""

    __tablename__ = "emergency_plan"
    RLS_READ = owner_or_share_rls("emergency_plan")

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[PlanKind] = mapped_column(str_enum(PlanKind, 30))
    reason: Mapped[str] = mapped_column(Text)
    invoked_at: Mapped[datetime] = mapped_column(default=utcnow)
    invoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id"))
    stood_down_at: Mapped[datetime | None]

    invoked_by: Mapped[User | None] = relationship()
    moves: Mapped[list[ResidentMove]] = relationship(
        back_populates="plan", order_by="ResidentMove.id"
    )

    @classmethod
    def visible_to(cls, scope: Scope):
        return owner_or_share(cls, scope)


class MoveStatus(StrEnum):
    TO_MOVE = "to_move"
    MOVE_ARRANGED = "move_arranged"
    MOVED = "moved"
    STAYING = "staying"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class ResidentMove(TenantScoped, CreatedAtMixin, db.Model):
    """One resident's move under an emergency plan. The placing authority's id is copied from
    the resident so that the policy reads only this row's own columns."""

    __tablename__ = "resident_move"
    RLS_READ = PLACED_ROW_READ
    RLS_WRITE = RESIDENT_WRITE

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("emergency_plan.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id"), index=True)
    placing_authority_id: Mapped[int | None] = mapped_column(ForeignKey("authority.id"), index=True)
    status: Mapped[MoveStatus] = mapped_column(str_enum(MoveStatus, 20), default=MoveStatus.TO_MOVE)
    destination: Mapped[str] = mapped_column(String(300), default="")
    moved_on: Mapped[date | None]
    notes: Mapped[str] = mapped_column(Text, default="")

    plan: Mapped[EmergencyPlan] = relationship(back_populates="moves")
    resident: Mapped[Resident] = relationship()

    @classmethod
    def visible_to(cls, scope: Scope):
        return residents_visible_to(cls, scope)

    @classmethod
    def writable_by(cls, row, scope: Scope) -> bool:
        return scope.reads_residents and super().writable_by(row, scope)
