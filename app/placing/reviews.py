"""A placing authority's own review of a resident it placed or funds (review, mental capacity,
best interests, DoLS, advocacy): a row it owns, read by the host and by it alone."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import CreatedAtMixin
from app.extensions import db
from app.residents.models import Resident
from app.tenants.models import Authority
from app.tenants.scoping import Scope, TenantScoped, equals

NEEDS_MET = {"yes": "Yes", "partly": "Partly", "no": "No"}
DOLS_STATUS = {"not_needed": "Not needed", "applied": "Applied for", "authorised": "Authorised",
               "expired": "Expired", "refused": "Refused"}
TOLD = {"yes": "Yes", "no": "No"}
REVIEW_LABELS = {"needs_met": NEEDS_MET, "dols": DOLS_STATUS, "told": TOLD}


class ResidentReview(TenantScoped, CreatedAtMixin, db.Model):
    """tenant_id is the reviewing placing authority; the host (where the person lives) is
    copied here so that the read rule needs no other table."""

    __tablename__ = "resident_review"
    RLS_READ = (
        "(tenant_id = app_tenant() OR host_authority_id = app_tenant()) AND app_reads_residents()"
    )
    # Only for a resident the writer places or funds (the resident's own rule lets it read it).
    RLS_WRITE = (
        "tenant_id = app_tenant() AND app_reads_residents() AND EXISTS (SELECT 1 FROM resident r "
        "WHERE r.id = resident_review.resident_id AND r.tenant_id = resident_review.host_authority_id "
        "AND (r.placing_authority_id = app_tenant() OR r.joint_funder_id = app_tenant()))"
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id"), index=True)
    host_authority_id: Mapped[int] = mapped_column(ForeignKey("authority.id"), index=True)
    reviewed_on: Mapped[date]
    outcome: Mapped[str] = mapped_column(Text)
    needs_met: Mapped[str] = mapped_column(String(10))
    mental_capacity: Mapped[str] = mapped_column(Text, default="")
    best_interests: Mapped[str] = mapped_column(Text, default="")
    dols_status: Mapped[str] = mapped_column(String(20))
    advocacy: Mapped[str] = mapped_column(Text, default="")
    person_and_family_told: Mapped[str] = mapped_column(String(10))
    wishes: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    resident: Mapped[Resident] = relationship()
    reviewer: Mapped[Authority] = relationship(foreign_keys="ResidentReview.tenant_id")

    @classmethod
    def visible_to(cls, scope: Scope):
        if not scope.reads_residents:
            return false()
        return equals(cls.tenant_id, scope.tenant_id) | equals(cls.host_authority_id, scope.tenant_id)

    @classmethod
    def writable_by(cls, row, scope: Scope) -> bool:
        return scope.reads_residents and super().writable_by(row, scope)
