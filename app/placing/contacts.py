"""Each authority's contact for alerts from host authorities: its link person or its
safeguarding inbox, set by its own tenant admin.

A host cannot read another authority's users, so the contact lives in a row of its own that
any authority may read (to alert it) and only its owner may write.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint, false, select, true
from sqlalchemy.orm import Mapped, mapped_column

from app.audit.services import record
from app.auth.models import User
from app.db import utcnow
from app.extensions import db
from app.tenants.scoping import Scope, TenantScoped
from app.unit_of_work import operation


class AlertContact(TenantScoped, db.Model):
    """tenant_id is the authority the contact is for; one row per authority."""

    __tablename__ = "alert_contact"
    __table_args__ = (UniqueConstraint("tenant_id"),)
    # Any authority reads it, to alert its owner; providers and people without one do not.
    RLS_READ = "app_tenant() IS NOT NULL"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    @classmethod
    def visible_to(cls, scope: Scope):
        return true() if scope.tenant_id is not None else false()


def contact_of(authority_id: int) -> AlertContact | None:
    return db.session.scalar(select(AlertContact).where(AlertContact.tenant_id == authority_id))


def contacts_of(authority_ids: list[int]) -> dict[int, AlertContact]:
    """Return the contacts of many authorities in one query."""
    return {row.tenant_id: row for row in db.session.scalars(
        select(AlertContact).where(AlertContact.tenant_id.in_(authority_ids)))}


@operation
def set_contact(authority_id: int, *, name: str, email: str, by: User) -> AlertContact:
    """Set (or change) the authority's own alert contact, in its audit trail."""
    row = contact_of(authority_id)
    old = None
    if row is None:
        row = AlertContact(tenant_id=authority_id)
        db.session.add(row)
    else:
        old = {"name": row.name, "email": row.email}
    row.name, row.email, row.updated_at, row.updated_by_id = name, email, utcnow(), by.id
    db.session.flush()
    record(db.session, action="alert_contact.set", obj=row, tenant_id=authority_id,
           actor_user_id=by.id, actor_authority_id=authority_id, old=old,
           new={"name": name, "email": email})
    return row
