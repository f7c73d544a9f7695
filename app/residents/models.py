"""Residents of a provider's locations, seen by the host and by the authority that placed them."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import CreatedAtMixin, str_enum
from app.extensions import db
from app.providers.models import Location
from app.tenants.models import Authority
from app.tenants.scoping import Scope, TenantScoped, equals


def residents_visible_to(model, scope: Scope):
    """Rows about a resident: the host's and the placing authority's, and only for a scope
    whose roles may read resident-identifiable data."""
    if not scope.reads_residents:
        return false()
    return equals(model.tenant_id, scope.tenant_id) | equals(model.placing_authority_id, scope.tenant_id)


# Rows copied from a resident (a move under an emergency plan) carry its placing authority.
PLACED_ROW_READ = (
    "(tenant_id = app_tenant() OR placing_authority_id = app_tenant()) AND app_reads_residents()"
)
RESIDENT_WRITE = "tenant_id = app_tenant() AND app_reads_residents()"


class Funding(StrEnum):
    """Who pays for the person's care (ADASS out-of-area arrangements: each funder keeps its
    duty of care)."""

    LOCAL_AUTHORITY = "local_authority"
    ICB_CONTINUING_HEALTH_CARE = "icb_continuing_health_care"
    JOINT = "joint"
    SECTION_117 = "section_117"
    SELF_FUNDED = "self_funded"
    OTHER = "other"

    @property
    def label(self) -> str:
        return FUNDING_LABELS[self]


FUNDING_LABELS = {
    Funding.LOCAL_AUTHORITY: "Local authority",
    Funding.ICB_CONTINUING_HEALTH_CARE: "ICB continuing health care",
    Funding.JOINT: "Joint council and ICB",
    Funding.SECTION_117: "Section 117 aftercare",
    Funding.SELF_FUNDED: "Self-funded",
    Funding.OTHER: "Other",
}


class Resident(TenantScoped, CreatedAtMixin, db.Model):
    """A person living at a location; tenant_id is the host authority where they live.

    A resident with no placing authority is a self-funder, for whom the host is responsible.
    A jointly funded resident has a second funder, which reads the row as the placing
    authority does. Only the host writes it.
    """

    __tablename__ = "resident"
    # Resident-identifiable: only for a scope whose roles may read residents (app.cases.roles).
    RLS_READ = (
        "(tenant_id = app_tenant() OR placing_authority_id = app_tenant() "
        "OR joint_funder_id = app_tenant()) AND app_reads_residents()"
    )
    RLS_WRITE = RESIDENT_WRITE

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"), index=True)
    placing_authority_id: Mapped[int | None] = mapped_column(
        ForeignKey("authority.id"), index=True
    )
    joint_funder_id: Mapped[int | None] = mapped_column(ForeignKey("authority.id"), index=True)
    funding: Mapped[Funding | None] = mapped_column(str_enum(Funding, 30))
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    date_of_birth: Mapped[date | None]
    # Room number or, for someone using the service at home, their address.
    room: Mapped[str] = mapped_column(String(200), default="")
    # The placing authority's own case reference, for finding the person in their systems.
    placing_reference: Mapped[str | None] = mapped_column(String(50))
    moved_in_on: Mapped[date | None]
    moved_out_at: Mapped[datetime | None]

    location: Mapped[Location] = relationship()
    placing_authority: Mapped[Authority | None] = relationship(
        foreign_keys=[placing_authority_id]
    )
    joint_funder: Mapped[Authority | None] = relationship(foreign_keys=[joint_funder_id])

    @classmethod
    def visible_to(cls, scope: Scope):
        if not scope.reads_residents:
            return false()
        return residents_visible_to(cls, scope) | equals(cls.joint_funder_id, scope.tenant_id)

    @classmethod
    def writable_by(cls, row, scope: Scope) -> bool:
        return scope.reads_residents and super().writable_by(row, scope)

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def is_self_funder(self) -> bool:
        return self.placing_authority_id is None

    @property
    def has_moved_out(self) -> bool:
        return self.moved_out_at is not None

    def funded_by(self, authority_id: int) -> bool:
        return authority_id in (self.placing_authority_id, self.joint_funder_id)
